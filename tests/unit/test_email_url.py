"""EMAIL_URL: each scheme, and a clear error for each kind of mistake."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retain.core.email_url import (
    CONSOLE_BACKEND,
    SMTP_BACKEND,
    EmailSettings,
    InvalidEmailUrl,
    parse_email_url,
)


def test_console_prints_mail_and_takes_no_options() -> None:
    parsed = parse_email_url("console://")

    assert parsed == EmailSettings(backend=CONSOLE_BACKEND)
    assert parsed.mailer(timeout=10) == {"BACKEND": CONSOLE_BACKEND}


def test_plain_smtp_defaults_to_port_25() -> None:
    assert parse_email_url("smtp://mail.example.com") == EmailSettings(
        backend=SMTP_BACKEND, host="mail.example.com", port=25
    )


def test_smtp_with_user_password_and_port() -> None:
    parsed = parse_email_url("smtp://retain:s3cret@127.0.0.1:2525")

    assert parsed.mailer(timeout=10) == {
        "BACKEND": SMTP_BACKEND,
        "OPTIONS": {
            "host": "127.0.0.1",
            "port": 2525,
            "username": "retain",
            "password": "s3cret",
            "use_tls": False,
            "use_ssl": False,
            "timeout": 10,
        },
    }


def test_smtp_tls_uses_starttls_on_587() -> None:
    assert parse_email_url("smtp+tls://u:p@mail.example.com") == EmailSettings(
        backend=SMTP_BACKEND,
        host="mail.example.com",
        port=587,
        username="u",
        password="p",
        use_tls=True,
    )


def test_smtp_ssl_uses_implicit_tls_on_465() -> None:
    assert parse_email_url("SMTP+SSL://u:p@mail.example.com:1465/") == EmailSettings(
        backend=SMTP_BACKEND,
        host="mail.example.com",
        port=1465,
        username="u",
        password="p",
        use_ssl=True,
    )


def test_percent_encoded_user_and_password_are_decoded() -> None:
    parsed = parse_email_url("smtp+tls://alerts%40example.com:p%40ss%3Aw%2Frd@mail.example.com")

    assert (parsed.username, parsed.password) == ("alerts@example.com", "p@ss:w/rd")


def test_an_ipv6_host() -> None:
    assert parse_email_url("smtp://[::1]:2525").host == "::1"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "EMAIL_URL must look like smtp://user:password@host:port"),
        ("mail.example.com", "EMAIL_URL must look like smtp://user:password@host:port"),
        ("smtps://mail.example.com", "EMAIL_URL: unknown scheme 'smtps' (use one of smtp,"),
        ("http://mail.example.com", "EMAIL_URL: unknown scheme 'http'"),
        ("smtp://", "EMAIL_URL: smtp:// needs a host"),
        ("smtp+tls://user:pw@:587", "EMAIL_URL: smtp+tls:// needs a host"),
        ("smtp://mail.example.com:abc", "EMAIL_URL: the port must be a number from 1 to 65535"),
        ("smtp://mail.example.com:70000", "EMAIL_URL: the port must be a number"),
        ("smtp://mail.example.com:0", "EMAIL_URL: the port must be a number"),
        ("smtp://:pw@mail.example.com", "EMAIL_URL: a password was given without a user name"),
        ("smtp://mail.example.com/inbox", "EMAIL_URL: a path, query string or fragment"),
        ("smtp://mail.example.com?timeout=5", "EMAIL_URL: a path, query string or fragment"),
        ("console://mail.example.com", "EMAIL_URL: console:// takes no host"),
    ],
)
def test_bad_urls_are_refused_with_a_clear_message(url: str, message: str) -> None:
    with pytest.raises(InvalidEmailUrl) as refused:
        parse_email_url(url)

    assert str(refused.value).startswith(message)


def test_errors_never_show_the_password() -> None:
    with pytest.raises(InvalidEmailUrl) as refused:
        parse_email_url("smtp://user:hunter2@mail.example.com:port")

    assert "hunter2" not in str(refused.value)


@given(
    username=st.text(min_size=1, max_size=30),
    password=st.text(max_size=30),
    port=st.integers(min_value=1, max_value=65535),
)
def test_any_user_and_password_survive_percent_encoding(
    username: str, password: str, port: int
) -> None:
    url = f"smtp://{quote(username, safe='')}:{quote(password, safe='')}@mail.example.com:{port}"

    parsed = parse_email_url(url)

    assert (parsed.username, parsed.password, parsed.port) == (username, password, port)
