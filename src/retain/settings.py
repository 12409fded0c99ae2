"""Retain settings, all read from the environment (see docs/configuration.md).

Safe defaults run the demo on one machine; anything that would be unsafe in
production is refused loudly rather than silently accepted.
"""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.csp import CSP

from retain.core.email_url import parse_email_url
from retain.core.env import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(env_str("RETAIN_VAR_DIR", str(Path.cwd() / "var"))).resolve()

DEBUG = env_bool("RETAIN_DEBUG", False)


def _secret_key() -> str:
    """Use SECRET_KEY when given; otherwise keep a random one in VAR_DIR/secret_key."""
    configured = env_str("SECRET_KEY")
    if configured:
        if len(configured) < 32:
            raise ValueError("SECRET_KEY must be at least 32 characters long")
        return configured
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "django_htmx",
    "simple_history",
    "axes",
    "retain.core",
    "retain.accounts",
    "retain.clients",
    "retain.transfer",
    "retain.incidents",
    "retain.commitments",
    "retain.playbooks",
    "retain.documents",
    "retain.reviews",
    "retain.outbox",
    "retain.worker",
    "retain.surveys",
    "retain.webhooks",
    "retain.cadences",
    "retain.councils",
    "retain.alerts",
    "retain.advocacy",
    "retain.scorecard",
    "retain.appreciation",
    "retain.valuereports",
    "retain.valuation",
    "retain.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes requires: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "retain.urls"
WSGI_APPLICATION = "retain.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            # Formats and form controls every page uses (retain.core.templatetags).
            "builtins": ["retain.core.templatetags.formats", "retain.core.templatetags.widgets"],
        },
    }
]


def _database() -> dict[str, Any]:
    """Build the default database from DATABASE_URL (SQLite under ./var/ when unset)."""
    url = env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'retain.sqlite3'}"
    config: dict[str, Any] = dict(
        dj_database_url.parse(url, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60))
    )
    if config["ENGINE"] == "django.db.backends.sqlite3":
        if config["NAME"] != ":memory:":
            Path(config["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        # IMMEDIATE takes the write lock when a transaction starts, so two writers
        # queue on busy_timeout instead of failing with "database is locked" mid-way.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                "PRAGMA foreign_keys=ON;"
                "PRAGMA cache_size=-65536;"
                "PRAGMA temp_store=MEMORY;"
            ),
        }
    elif config["ENGINE"] == "django.db.backends.postgresql":
        config.setdefault("OPTIONS", {})
        config["CONN_HEALTH_CHECKS"] = True
    else:
        raise ValueError(f"DATABASE_URL: unsupported database engine {config['ENGINE']!r}")
    config["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME") or None}
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: axes' AxesStandaloneBackend, refusing a locked-out email+address pair
    # before any password is checked (and letting request-less checks through).
    "retain.accounts.backends.SignInLockoutBackend",
    # Team members sign in with their email address, whatever its case.
    "retain.accounts.backends.EmailBackend",
    # Per-object permissions (django-rules), e.g. who may edit which client.
    "rules.permissions.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Password-reset links work for an hour: long enough to find the mail, short enough
# that an old mail in a mailbox is not a standing way in.
PASSWORD_RESET_TIMEOUT = 60 * 60

# Sign-in lockout (django-axes): after RETAIN_LOGIN_FAILURE_LIMIT failed passwords or
# two-factor codes for one email from one address, that email is refused from that
# address for RETAIN_LOGIN_COOLOFF_MINUTES, even with the right password. Keyed on the
# pair, so an attacker cannot lock a colleague out from elsewhere, and one office
# address behind NAT does not lock out everyone in it.
AXES_FAILURE_LIMIT = env_int("RETAIN_LOGIN_FAILURE_LIMIT", 5)
_COOLOFF_MINUTES = env_int("RETAIN_LOGIN_COOLOFF_MINUTES", 15)
if AXES_FAILURE_LIMIT < 1 or _COOLOFF_MINUTES < 1:
    # Zero would switch the lockout off (or make it permanent): refuse, don't guess.
    raise ValueError("RETAIN_LOGIN_FAILURE_LIMIT and RETAIN_LOGIN_COOLOFF_MINUTES must be >= 1")
AXES_COOLOFF_TIME = dt.timedelta(minutes=_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Emails in any case are one person: count "Olivia@..." and "olivia@..." together.
AXES_USERNAME_CALLABLE = "retain.accounts.lockout.lockout_username"
AXES_LOCKOUT_CALLABLE = "retain.accounts.views.locked_out"
# Only the connection's own address: X-Forwarded-For is set by whoever sends the
# request, and trusting it would let an attacker pick a fresh "address" per try.
AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)
# Failed attempts are kept as AccessAttempt rows; a row per successful sign-in adds
# nothing the lockout needs.
AXES_DISABLE_ACCESS_LOG = True

# Mail (password reset): EMAIL_URL, see retain.core.email_url. The demo prints mail to
# the console.
# Django 6.1's MAILERS (its per-setting EMAIL_HOST, EMAIL_PORT, ... are deprecated).
# The timeout keeps a dead mail server from holding a request, and a worker, for minutes.
# Where Retain is reached, for links in mail sent without a request (incident alerts).
RETAIN_BASE_URL = env_str("RETAIN_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
MAILERS = {"default": parse_email_url(env_str("EMAIL_URL", "console://")).mailer(timeout=10)}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Retain <retain@localhost>")
# How long a worker holds a claimed job (an email, a webhook) before another worker may
# take it over, when the first has died.
RETAIN_WORKER_LEASE_SECONDS = env_int("RETAIN_WORKER_LEASE_SECONDS", 300)
# The first wait before a failed webhook delivery is tried again (then doubling).
RETAIN_WEBHOOK_RETRY_SECONDS = env_int("RETAIN_WEBHOOK_RETRY_SECONDS", 30)
# How long a survey link may be answered.
RETAIN_SURVEY_LINK_DAYS = env_int("RETAIN_SURVEY_LINK_DAYS", 14)
# The annual rate lifetime values are discounted at (0.1: 10% a year).
RETAIN_CLV_DISCOUNT_RATE = env_float("RETAIN_CLV_DISCOUNT_RATE", 0.1)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

LANGUAGE_CODE = "en"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# Static files are served from the apps (WHITENOISE_USE_FINDERS) until someone runs
# collectstatic; WhiteNoise warns on every start while STATIC_ROOT does not exist.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# Strict Content-Security-Policy: our own origin only, no inline script or style.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

# Import/export tuning.
IMPORT_BATCH_ROWS = env_int("RETAIN_IMPORT_BATCH_ROWS", 100_000)

# A client's record counts as kept up when someone was in touch within this many days
# (clients/completeness.py), until cadences per tier take over.
RETAIN_CONTACT_CADENCE_DAYS = env_int("RETAIN_CONTACT_CADENCE_DAYS", 90)
