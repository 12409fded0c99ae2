"""Browser-facing defences: the Content-Security-Policy, CSRF tokens, escaping, query counts."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import TYPE_CHECKING

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries, Settings

from retain.accounts.models import User
from retain.clients.models import TimelineEntry
from retain.clients.services import index_client_search, refresh_client_revenue
from tests.factories import ClientFactory, SubscriptionLineFactory
from tests.integration.test_web_auth import PASSWORD, every_url

if TYPE_CHECKING:  # the test client's response type exists only in django-stubs
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

ALL_URLS = [u.url for u in every_url()]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Settings) -> None:
    """PBKDF2 is slow on purpose; these tests are about who gets in, not hash strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _policy(response: Response) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: [sources]}."""
    header = response.headers["Content-Security-Policy"]
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: sources for name, *sources in directives}


def _assert_strict_policy(response: Response) -> None:
    policy = _policy(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    # Scripts and styles only from our own origin: no inline code, no eval, no CDN.
    assert policy.get("script-src", policy["default-src"]) == ["'self'"]
    assert policy.get("style-src", policy["default-src"]) == ["'self'"]
    header = response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in header
    assert "'unsafe-eval'" not in header
    assert "Content-Security-Policy-Report-Only" not in response.headers


class _Forms(HTMLParser):
    """Each <form> on a page: its method and the names and values of its inputs."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, object]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        fields = dict(attrs)
        if tag == "form":
            method = (fields.get("method") or "get").lower()
            self.forms.append({"method": method, "inputs": {}})
        elif tag == "input" and self.forms and fields.get("name"):
            inputs = self.forms[-1]["inputs"]
            assert isinstance(inputs, dict)
            inputs[fields["name"]] = fields.get("value") or ""


def _forms(response: Response) -> list[dict[str, object]]:
    parser = _Forms()
    parser.feed(response.content.decode())
    return parser.forms


@pytest.mark.django_db
@pytest.mark.parametrize("url", ALL_URLS)
def test_every_response_to_a_visitor_carries_a_strict_policy(url: str) -> None:
    _assert_strict_policy(Client().get(url))


@pytest.mark.django_db
@pytest.mark.parametrize("url", ALL_URLS)
def test_every_page_for_an_administrator_carries_a_strict_policy(
    url: str, admin_user: User
) -> None:
    client = Client()
    client.force_login(admin_user)

    _assert_strict_policy(client.get(url))


@pytest.mark.django_db
def test_pages_cannot_be_framed(owner: User) -> None:
    client = Client()
    client.force_login(owner)

    response = client.get("/")

    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_the_sign_in_form_carries_a_csrf_token() -> None:
    forms = _forms(Client().get(reverse("login")))

    assert [f["method"] for f in forms] == ["post"]
    inputs = forms[0]["inputs"]
    assert isinstance(inputs, dict)
    assert sorted(inputs) == ["csrfmiddlewaretoken", "next", "password", "username"]
    assert len(inputs["csrfmiddlewaretoken"]) == 64


@pytest.mark.django_db
def test_every_post_form_on_the_client_list_carries_a_csrf_token(owner: User) -> None:
    client = Client()
    client.force_login(owner)

    forms = _forms(client.get("/clients/"))

    # The search is a GET form; signing out is the one POST.
    assert [f["method"] for f in forms] == ["post", "get"]
    for form in forms:
        inputs = form["inputs"]
        assert isinstance(inputs, dict)
        if form["method"] == "post":
            assert len(inputs["csrfmiddlewaretoken"]) == 64
        else:
            assert "csrfmiddlewaretoken" not in inputs  # a token in a GET URL would leak


@pytest.mark.django_db
def test_a_post_without_the_csrf_token_is_refused(owner: User) -> None:
    client = Client(enforce_csrf_checks=True)

    response = client.post(reverse("login"), {"username": owner.email, "password": PASSWORD})

    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_client_names_and_the_search_are_escaped(owner: User) -> None:
    ClientFactory(name="<script>alert(1)</script>", external_id="XSS-1")
    index_client_search()
    client = Client()
    client.force_login(owner)

    response = client.get("/clients/", {"q": "<script>"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "<script" not in html
    # Once in the table, once echoed in the search box: both as text, never as markup.
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 1
    assert html.count('value="&lt;script&gt;"') == 1
    assert "· 1 client</span>" in html


def _seed_clients(count: int, owner: User) -> None:
    for _ in range(count):
        line = SubscriptionLineFactory(client__owner=owner)
        SubscriptionLineFactory(client=line.client, product="Analytics")
    refresh_client_revenue()


@pytest.mark.django_db
@pytest.mark.parametrize("clients", [3, 30])
def test_the_client_list_runs_the_same_queries_for_3_or_30_clients(
    clients: int, owner: User, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    _seed_clients(clients, owner)
    client = Client()
    client.force_login(owner)

    # session, user (with the department the top bar shows), segments for the filter, the
    # owner and department menus, count for the pager, the page.
    with django_assert_num_queries(7):
        response = client.get("/clients/")

    assert response.status_code == 200
    assert len(response.context["page"]) == clients
    assert response.content.decode().count("2,000.00") == clients


@pytest.mark.django_db
def test_my_clients_and_the_timeline_write_what_people_typed_as_text(owner: User) -> None:
    hostile = "<img src=x onerror=alert(1)> & \"quoted\" 'single'"
    account = ClientFactory(name=hostile, external_id="XSS-2", owner=owner)
    TimelineEntry.objects.create(
        client=account,
        occurred_at=timezone.now(),
        kind="note",
        subject=hostile,
        body=f"first line\r\n{hostile}\rlast line",
        author=owner,
    )
    client = Client()
    client.force_login(owner)

    pages = [
        client.get("/").content.decode(),
        client.get(f"/clients/{account.pk}/").content.decode(),
    ]

    escaped = "&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quoted&quot; &#x27;single&#x27;"
    for html in pages:
        assert "<img" not in html
        assert escaped in html
    assert f"first line<br>{escaped}<br>last line" in pages[1]
