"""EMAIL_URL: how Retain sends mail, written as one URL (as DATABASE_URL is for the database).

Schemes:

- ``smtp://USER:PASSWORD@HOST:PORT``: plain SMTP (port 25 unless given);
- ``smtp+tls://...``: SMTP upgraded with STARTTLS (port 587 unless given);
- ``smtp+ssl://...``: SMTP over implicit TLS (port 465 unless given);
- ``console://``: print every message to the console (the demo's default).

A user name or password holding ``@``, ``:`` or ``/`` is percent-encoded in the URL
(``%40``, ``%3A``, ``%2F``); it is decoded here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
CONSOLE_BACKEND = "retain.core.mail.ConsoleBackend"

# scheme -> (use STARTTLS, use implicit TLS, default port)
_SMTP_SCHEMES: dict[str, tuple[bool, bool, int]] = {
    "smtp": (False, False, 25),
    "smtp+tls": (True, False, 587),
    "smtp+ssl": (False, True, 465),
}
_SCHEMES = (*_SMTP_SCHEMES, "console")


class InvalidEmailUrl(ValueError):
    """EMAIL_URL cannot be understood; the message says what is wrong and what would do."""


@dataclass(frozen=True)
class EmailSettings:
    """Where and how to send mail, as read from one EMAIL_URL."""

    backend: str
    host: str = ""
    port: int | None = None
    username: str = ""
    password: str = ""
    use_tls: bool = False
    use_ssl: bool = False

    def mailer(self, *, timeout: float | None = None) -> dict[str, Any]:
        """The entry for Django's ``MAILERS`` setting (Django 6.1 and later).

        MAILERS replaces the EMAIL_HOST, EMAIL_PORT, ... settings, which Django 6.1
        deprecates. The console backend takes no connection options.
        """
        if self.backend != SMTP_BACKEND:
            return {"BACKEND": self.backend}
        options: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "username": self.username,
            "password": self.password,
            "use_tls": self.use_tls,
            "use_ssl": self.use_ssl,
        }
        if timeout is not None:
            options["timeout"] = timeout
        return {"BACKEND": self.backend, "OPTIONS": options}


def parse_email_url(url: str) -> EmailSettings:
    """Read an EMAIL_URL into Django's email settings, refusing anything ambiguous.

    Unknown schemes, a missing host, a port that is not a number, and paths or
    query strings (which Retain would otherwise silently ignore) are errors, so a
    typo fails at start-up instead of losing password-reset mail later.
    """
    text = url.strip()
    # Never echo the URL itself in errors: it may hold the SMTP password.
    if "://" not in text:
        raise InvalidEmailUrl(
            "EMAIL_URL must look like smtp://user:password@host:port, smtp+tls://...,"
            " smtp+ssl://... or console://"
        )
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES:
        raise InvalidEmailUrl(
            f"EMAIL_URL: unknown scheme {scheme!r} (use one of {', '.join(_SCHEMES)})"
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise InvalidEmailUrl("EMAIL_URL: a path, query string or fragment is not supported")
    if scheme == "console":
        if parts.netloc:
            raise InvalidEmailUrl("EMAIL_URL: console:// takes no host, user or password")
        return EmailSettings(backend=CONSOLE_BACKEND)

    use_tls, use_ssl, default_port = _SMTP_SCHEMES[scheme]
    if not parts.hostname:
        raise InvalidEmailUrl(
            f"EMAIL_URL: {scheme}:// needs a host, as in {scheme}://mail.example.com"
        )
    try:
        port = parts.port
    except ValueError:
        raise InvalidEmailUrl("EMAIL_URL: the port must be a number from 1 to 65535") from None
    if port == 0:
        raise InvalidEmailUrl("EMAIL_URL: the port must be a number from 1 to 65535")
    if parts.password is not None and not parts.username:
        raise InvalidEmailUrl("EMAIL_URL: a password was given without a user name")
    return EmailSettings(
        backend=SMTP_BACKEND,
        host=parts.hostname,
        port=port or default_port,
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        use_tls=use_tls,
        use_ssl=use_ssl,
    )
