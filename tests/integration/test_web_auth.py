"""Who may open which page: every URL needs a signed-in team member except the way in.

The way in is sign-in, its two-factor step and the password-reset pages.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.resolvers import RegexPattern, RoutePattern
from pytest_django import Settings

from retain.accounts.models import User
from retain.accounts.services import create_team_member
from tests.factories import UserFactory

if TYPE_CHECKING:  # the test client's response type exists only in django-stubs
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

PASSWORD = "correct-horse-battery"  # what tests.factories.UserFactory sets

# Pages an anonymous visitor may open. Static files are not URL patterns: WhiteNoise
# serves them in middleware, outside the resolver.
PUBLIC_URL_NAMES = frozenset(
    {
        "login",
        "login_totp",
        "password_reset",
        "password_reset_done",
        "password_reset_confirm",
        "password_reset_complete",
        "survey-answer",  # a client contact answers from an emailed, signed link
    }
)

# A plausible value for each path converter, so every pattern can be requested.
# Object ids in the admin are `<path:object_id>` or `<id>`, so "1" for those.
CONVERTER_SAMPLES = {
    "int": "1",
    "str": "1",
    "slug": "x",
    "path": "1",
    "uuid": "00000000-0000-0000-0000-000000000001",
}
_CONVERTER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<parameter>[^>]+)>")


@dataclass(frozen=True)
class WalkedUrl:
    """One URL pattern of the site and a concrete URL that resolves to it."""

    name: str  # the view name that answers ("admin:index"), or the route when unnamed
    url: str


def _route_sample(route: str) -> str:
    def fill(match: re.Match[str]) -> str:
        converter = match["converter"] or "str"
        if converter not in CONVERTER_SAMPLES:
            raise LookupError(f"add a sample value for the path converter {converter!r}")
        return CONVERTER_SAMPLES[converter]

    return _CONVERTER.sub(fill, route)


def _regex_sample(regex: str) -> str:
    """Replace each top-level group with a value it matches, then drop the anchors."""
    out, i = [], 0
    while i < len(regex):
        if regex[i] != "(":
            out.append(regex[i])
            i += 1
            continue
        depth, end = 0, i
        for end in range(i, len(regex)):
            depth += {"(": 1, ")": -1}.get(regex[end], 0)
            if depth == 0:
                break
        body = re.sub(r"^\?P<\w+>", "", regex[i + 1 : end])
        candidates = ["1", "x", body.split("|")[0]]
        out.append(next(c for c in candidates if re.fullmatch(body, c)))
        i = end + 1
    sample = "".join(out).removeprefix("^").removesuffix("$")
    if re.search(r"[\\^$.*+?()\[\]{}|]", sample):
        raise LookupError(f"cannot make a sample URL for the pattern {regex!r}")
    return sample


def _sample(pattern: RoutePattern | RegexPattern) -> str:
    text = str(pattern)
    return _route_sample(text) if isinstance(pattern, RoutePattern) else _regex_sample(text)


def _walk(patterns: list[URLPattern | URLResolver], prefix: str, route: str) -> Iterator[WalkedUrl]:
    for entry in patterns:
        here = prefix + _sample(entry.pattern)  # type: ignore[arg-type]
        # How Django joins the routes of nested patterns (ResolverMatch.route).
        full_route = route + str(entry.pattern).removeprefix("^") if route else str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, here, full_route)
            continue
        url = "/" + here
        match = resolve(url)
        # The sample must reach this very pattern, not a catch-all. The one exception
        # is a pattern shadowed by an earlier one with the same route, on purpose
        # (admin/login/): then the earlier view is what answers the URL.
        assert match.func is entry.callback or match.route == full_route, (url, match.route)
        yield WalkedUrl(name=match.view_name if match.url_name else match.route, url=url)


def every_url() -> list[WalkedUrl]:
    """Every URL pattern the site answers, admin included, with a URL for each."""
    walked = _walk(get_resolver().url_patterns, "", "")
    return list({u.url: u for u in walked}.values())


# Where signing in leads back to, when that is not the page asked for: the admin's
# sign-in page itself is not worth returning to.
RETURNS_TO = {"/admin/login/": "/admin/"}

PRIVATE_URLS = [u for u in every_url() if u.name not in PUBLIC_URL_NAMES]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Settings) -> None:
    """PBKDF2 is slow on purpose; these tests are about who gets in, not hash strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _sign_in(client: Client, email: str, password: str) -> Response:
    return client.post(reverse("login"), {"username": email, "password": password}, follow=True)


def test_the_walk_reaches_the_site_and_the_admin() -> None:
    names = {u.name for u in every_url()}

    assert {"login", "logout", "home", "admin:index", "admin-login"} <= names
    assert "admin:clients_client_change" in names
    assert len(names) > 50  # every registered model's admin pages


@pytest.mark.django_db
def test_the_only_public_pages_are_sign_in_password_reset_and_survey_links() -> None:
    public = [u for u in every_url() if u.name in PUBLIC_URL_NAMES]

    assert [u.url for u in public] == [
        "/login/",
        "/login/code/",
        "/password-reset/",
        "/password-reset/sent/",
        "/reset/1/1/",
        "/reset/done/",
        "/s/1/",
    ]
    statuses = {u.url: Client().get(u.url).status_code for u in public}
    # The code step only answers a session whose password was right: others start over.
    assert statuses == {
        "/login/": 200,
        "/login/code/": 302,
        "/password-reset/": 200,
        "/password-reset/sent/": 200,
        "/reset/1/1/": 200,  # "this link is not valid"
        "/reset/done/": 200,
        "/s/1/": 404,  # "this link is not valid": a tampered link records nothing
    }
    # The sign-in page's own stylesheet, served by WhiteNoise ahead of the resolver.
    stylesheet = Client().get("/static/retain/retain.css")
    stylesheet.close()  # a file response: release its file handle
    assert stylesheet.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("walked", PRIVATE_URLS, ids=[u.url for u in PRIVATE_URLS])
def test_anonymous_visitors_are_sent_to_sign_in(walked: WalkedUrl, method: str) -> None:
    response = getattr(Client(), method)(walked.url, follow=True)

    if response.redirect_chain:
        first_status = response.redirect_chain[0][1]
        landed = urlsplit(response.redirect_chain[-1][0])
        assert first_status == 302
        assert landed.path == "/login/"
        expected_next = RETURNS_TO.get(walked.url, walked.url)
        assert parse_qs(landed.query) == {"next": [expected_next]}
        assert response.status_code == 200
        assert response.templates[0].name == "registration/login.html"
    else:
        assert response.status_code in (401, 403)


@pytest.mark.django_db
def test_admin_sign_in_goes_through_the_one_sign_in_page(admin_user: User) -> None:
    client = Client()

    # The admin's site-wide pages send anonymous visitors to the admin sign-in URL...
    anonymous = client.get("/admin/")
    assert anonymous["Location"] == "/admin/login/?next=/admin/"
    # ...which hands them on to Retain's sign-in page, keeping where they were going.
    assert client.get(anonymous["Location"])["Location"] == "/login/?next=/admin/"
    assert client.get("/admin/login/?next=https://evil.test/")["Location"] == "/login/?next=/admin/"

    client.force_login(admin_user)
    signed_in = client.get("/admin/login/?next=/admin/clients/client/")
    assert signed_in.status_code == 302
    assert signed_in["Location"] == "/admin/clients/client/"


@pytest.mark.django_db
def test_admin_sign_in_refuses_team_members_who_are_not_administrators(
    teammate: User,
) -> None:
    client = Client()
    client.force_login(teammate)

    assert client.get("/admin/").status_code == 302
    assert client.get("/admin/login/?next=/admin/").status_code == 403


@pytest.mark.django_db
def test_signing_in_with_email_and_password_reaches_my_clients(owner: User) -> None:
    client = Client()

    response = _sign_in(client, owner.email, PASSWORD)

    assert response.redirect_chain == [("/", 302)]
    assert response.status_code == 200
    assert "clients/my_clients.html" in [t.name for t in response.templates]
    assert response.context["user"] == owner
    assert client.session["_auth_user_id"] == str(owner.pk)


@pytest.mark.django_db
def test_signing_in_returns_to_the_page_asked_for(owner: User) -> None:
    client = Client()

    response = client.post(
        "/login/?next=/%3Fq%3Dacme",
        {"username": owner.email, "password": PASSWORD, "next": "/?q=acme"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/?q=acme"


@pytest.mark.django_db
def test_signing_in_ignores_the_case_of_the_email() -> None:
    # create_team_member is how team members really come to be (CLI, admin, import);
    # people type their address the way they remember it.
    member = create_team_member(email="Nora.Newhire@Retain.test", password=PASSWORD)
    client = Client()

    for typed in [
        "Nora.Newhire@Retain.test",
        "nora.newhire@retain.test",
        " NORA.NEWHIRE@RETAIN.TEST ",
    ]:
        response = _sign_in(client, typed, PASSWORD)
        assert response.redirect_chain == [("/", 302)], typed
        assert response.context["user"] == member
        client.logout()


@pytest.mark.django_db
def test_an_account_without_email_signs_in_by_username() -> None:
    # `createsuperuser` and the admin can make accounts with a username and no email.
    root = UserFactory(username="root", email="")
    client = Client()

    response = _sign_in(client, "root", PASSWORD)

    assert response.redirect_chain == [("/", 302)]
    assert response.context["user"] == root


@pytest.mark.django_db
def test_a_wrong_password_shows_the_error_and_stays_on_sign_in(owner: User) -> None:
    client = Client()

    response = _sign_in(client, owner.email, "not-the-password")

    assert response.redirect_chain == []
    assert response.status_code == 200
    assert response.request["PATH_INFO"] == "/login/"
    assert response.templates[0].name == "registration/login.html"
    html = response.content.decode()
    assert html.count('role="alert"') == 1
    assert "Your email and password did not match. Please try again." in html
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_sign_out_needs_a_post(owner: User) -> None:
    client = Client()
    client.force_login(owner)

    refused = client.get(reverse("logout"))
    assert refused.status_code == 405
    assert refused["Allow"] == "POST, OPTIONS"
    assert client.session["_auth_user_id"] == str(owner.pk)

    signed_out = client.post(reverse("logout"))
    assert signed_out.status_code == 302
    assert signed_out["Location"] == "/login/"
    assert "_auth_user_id" not in client.session
    assert client.get("/")["Location"] == "/login/?next=/"
