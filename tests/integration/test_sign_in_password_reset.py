"""A team member who forgot their password sets a new one from a link sent by real SMTP."""

from __future__ import annotations

import re
from email.message import Message
from typing import TYPE_CHECKING

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from pytest_django import Settings

from retain.accounts.models import User
from tests.integration.test_web_auth import PASSWORD
from tests.mail import Inbox

if TYPE_CHECKING:  # the test client's response type exists only in django-stubs
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "lantern-orchard-velvet-42"
LINK = re.compile(r"http://testserver(/reset/[^/\s]+/[^/\s]+/)")
SENT_TEXT = "If a team member signs in with that address, we have sent it a link"
INVALID_TEXT = "This link is not valid"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Settings) -> None:
    """PBKDF2 is slow on purpose; these tests are about the reset flow, not hash strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _request_reset(client: Client, email: str) -> Response:
    return client.post(reverse("password_reset"), {"email": email}, follow=True)


def _sign_in(email: str, password: str) -> int:
    response = Client().post(reverse("login"), {"username": email, "password": password})
    return response.status_code


def _link_in(message: Message) -> str:
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes)
    links = LINK.findall(body.decode())
    assert len(links) == 1
    return str(links[0])


def _set_password(client: Client, link: str, password: str) -> Response:
    # Django moves the token from the URL into the session, then shows the form.
    opened = client.get(link, follow=True)
    assert opened.context["validlink"] is True
    form_url = opened.redirect_chain[-1][0]
    return client.post(
        form_url, {"new_password1": password, "new_password2": password}, follow=True
    )


def test_sign_in_page_links_to_the_reset() -> None:
    html = Client().get(reverse("login")).content.decode()

    assert html.count('<a href="/password-reset/">Forgot your password?</a>') == 1


def test_the_reset_request_needs_its_csrf_token(owner: User, smtp_inbox: Inbox) -> None:
    client = Client(enforce_csrf_checks=True)

    form = client.get(reverse("password_reset")).content.decode()
    refused = client.post(reverse("password_reset"), {"email": owner.email})

    assert form.count('name="csrfmiddlewaretoken"') == 1
    assert refused.status_code == 403
    assert smtp_inbox.messages == []


def test_a_reset_mail_arrives_and_its_link_sets_a_new_password(
    owner: User, smtp_inbox: Inbox
) -> None:
    client = Client()

    # when: she asks, typing her address in another case
    sent = _request_reset(client, owner.email.upper())

    # then: the "sent" page, and exactly one mail, to her, with one link
    assert sent.redirect_chain == [("/password-reset/sent/", 302)]
    assert SENT_TEXT in sent.content.decode()
    assert len(smtp_inbox.messages) == 1
    recipients, message = smtp_inbox.messages[0]
    assert recipients == [owner.email]
    assert message["To"] == owner.email
    assert message["From"] == "Retain <retain@localhost>"
    assert message["Subject"] == "Reset your Retain password"
    link = _link_in(message)

    # when: she follows it and sets a new password
    done = _set_password(client, link, NEW_PASSWORD)

    # then: the new password signs her in, the old one no longer does
    assert done.redirect_chain[-1] == ("/reset/done/", 302)
    assert "Your new password is in place." in done.content.decode()
    assert "_auth_user_id" not in client.session  # setting it does not sign in
    assert _sign_in(owner.email, NEW_PASSWORD) == 302
    assert _sign_in(owner.email, PASSWORD) == 200


def test_an_unknown_email_gets_the_same_page_and_no_mail(owner: User, smtp_inbox: Inbox) -> None:
    known = _request_reset(Client(), owner.email)
    unknown = _request_reset(Client(), "nobody@retain.test")

    assert unknown.redirect_chain == known.redirect_chain == [("/password-reset/sent/", 302)]
    assert unknown.content == known.content
    assert [recipients for recipients, _ in smtp_inbox.messages] == [[owner.email]]


def test_a_used_link_is_refused(owner: User, smtp_inbox: Inbox) -> None:
    _request_reset(Client(), owner.email)
    link = _link_in(smtp_inbox.messages[0][1])
    assert _set_password(Client(), link, NEW_PASSWORD).status_code == 200

    again = Client().get(link, follow=True)

    assert again.context["validlink"] is False
    assert INVALID_TEXT in again.content.decode()
    assert 'name="new_password1"' not in again.content.decode()


@pytest.mark.parametrize("part", ["uid", "token"])
def test_a_tampered_link_is_refused(
    part: str, owner: User, teammate: User, smtp_inbox: Inbox
) -> None:
    _request_reset(Client(), owner.email)
    link = _link_in(smtp_inbox.messages[0][1])
    _, _, uid, token, _ = link.split("/")
    if part == "uid":  # her token, presented for her teammate's account
        uid = urlsafe_base64_encode(force_bytes(teammate.pk))
    else:
        token = token[:-1] + ("a" if token[-1] != "a" else "b")
    client = Client()

    response = client.get(f"/reset/{uid}/{token}/", follow=True)
    posted = client.post(
        f"/reset/{uid}/set-password/",
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.context["validlink"] is False
    assert INVALID_TEXT in response.content.decode()
    assert posted.status_code == 200
    assert posted.context["validlink"] is False
    assert _sign_in(owner.email, PASSWORD) == 302
    assert _sign_in(teammate.email, PASSWORD) == 302


def test_a_mismatched_new_password_is_refused_and_the_link_still_works(
    owner: User, smtp_inbox: Inbox
) -> None:
    _request_reset(Client(), owner.email)
    link = _link_in(smtp_inbox.messages[0][1])
    client = Client()
    form_url = client.get(link, follow=True).redirect_chain[-1][0]

    refused = client.post(
        form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"}
    )

    assert refused.status_code == 200
    assert "The two password fields didn\u2019t match." in refused.content.decode()
    assert _sign_in(owner.email, PASSWORD) == 302
