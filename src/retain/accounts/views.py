"""Sign-in (password, then a two-factor code when the member has one), lockout, reset, security."""

from __future__ import annotations

import time
from typing import Any, TypedDict, cast

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from retain.accounts.forms import TotpCodeForm
from retain.accounts.lockout import is_locked_out, normalize_login_name, record_failed_sign_in
from retain.accounts.models import User
from retain.accounts.services import (
    InvalidTotpCode,
    disable_totp,
    enable_totp,
    new_totp_secret,
    totp_provisioning_uri,
    totp_qr_svg,
    verify_totp,
)

# Session keys. The pending sign-in lives in the (not yet authenticated) session
# between the password and the code; the setup secret between showing it and its
# confirmation.
PENDING_SIGN_IN = "retain.pending_sign_in"
TOTP_SETUP_SECRET = "retain.totp_setup_secret"
# Time to open the app and type the code; after that, start again with the password.
PENDING_SIGN_IN_SECONDS = 5 * 60
WRONG_CODE = "That code does not match. Check your authenticator app and try again."


class PendingSignIn(TypedDict):
    """A right password whose second step (the code) is still to come."""

    user_id: int
    backend: str
    login_name: str
    next: str
    expires: float


class SignInView(auth_views.LoginView):
    """Django's sign-in; members with two-factor on go on to the code step instead."""

    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = cast(User, form.get_user())
        if not user.has_totp:
            return super().form_valid(form)
        # Not signed in yet: only a note that the password was right, in a fresh
        # session key so a session id planted before this point learns nothing.
        self.request.session.cycle_key()
        self.request.session[PENDING_SIGN_IN] = PendingSignIn(
            user_id=user.pk,
            backend=user.backend,  # set by authenticate(); login() needs it back
            login_name=normalize_login_name(form.cleaned_data["username"]),
            next=self.get_success_url(),
            expires=time.time() + PENDING_SIGN_IN_SECONDS,
        )
        return redirect("login_totp")


def _pending_sign_in(request: HttpRequest) -> tuple[User, PendingSignIn] | None:
    pending = cast(PendingSignIn | None, request.session.get(PENDING_SIGN_IN))
    if pending is None:
        return None
    user = User.objects.filter(pk=pending["user_id"], is_active=True).first()
    if pending["expires"] < time.time() or user is None or not user.has_totp:
        del request.session[PENDING_SIGN_IN]
        return None
    return user, pending


@never_cache
@login_not_required
@sensitive_post_parameters("code")
@csrf_protect
@require_http_methods(["GET", "POST"])
def sign_in_code(request: HttpRequest) -> HttpResponse:
    """The second sign-in step: the code from the member's authenticator app.

    Public (the member is not signed in until the code is right), but it only
    answers a session whose password step succeeded in the last few minutes.
    Wrong codes count towards the same lockout as wrong passwords.
    """
    found = _pending_sign_in(request)
    if found is None:
        return redirect("login")
    user, pending = found
    form = TotpCodeForm(request.POST or None)
    error = None
    if request.method == "POST":
        credentials = {"username": pending["login_name"]}
        if is_locked_out(request, pending["login_name"]):
            del request.session[PENDING_SIGN_IN]
            return locked_out(request, None, credentials)
        if form.is_valid() and verify_totp(user=user, code=form.cleaned_data["code"]):
            del request.session[PENDING_SIGN_IN]
            login(request, user, backend=pending["backend"])
            return HttpResponseRedirect(pending["next"])
        if record_failed_sign_in(request, pending["login_name"]):
            del request.session[PENDING_SIGN_IN]
            return locked_out(request, None, credentials)
        error = WRONG_CODE
    return render(request, "accounts/sign_in_code.html", {"error": error})


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None,
    credentials: dict[str, Any] | None,
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the page shown instead of signing in while locked out.

    429 Too Many Requests, our layout, and a way forward (wait, or reset the
    password). It does not repeat the email typed, and it shows for unknown
    emails too, so it tells nobody whether an account exists.
    """
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "cooloff_minutes": minutes}
    return render(request, "accounts/locked_out.html", context, status=429)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset request with Retain's pages and mail.

    Django's view already answers every address with the same "sent" page and
    mails only active members with a usable password, so the page never tells
    whether an address belongs to someone.
    """

    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"


@never_cache  # the page shows a secret: no copy in any cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def security(request: HttpRequest) -> HttpResponse:
    """The signed-in member's security page: turn two-factor sign-in on or off.

    While it is off, the page shows a new secret (kept in the session until a code
    from the app confirms it) as text, as an otpauth:// URI and as a QR code.
    """
    user = cast(User, request.user)
    form = TotpCodeForm(request.POST or None)
    error = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action not in ("enable", "disable"):
            return HttpResponseBadRequest("unknown action")
        if form.is_valid():
            try:
                if action == "enable":
                    secret = request.session.get(TOTP_SETUP_SECRET)
                    if not secret:
                        return redirect("security")  # the session expired: show a new one
                    enable_totp(actor=user, secret=secret, code=form.cleaned_data["code"])
                    del request.session[TOTP_SETUP_SECRET]
                else:
                    disable_totp(actor=user, code=form.cleaned_data["code"])
                return redirect("security")
            except InvalidTotpCode:
                pass
        error = WRONG_CODE

    context: dict[str, Any] = {"error": error, "member": user}
    if not user.has_totp:
        secret = request.session.get(TOTP_SETUP_SECRET) or new_totp_secret()
        request.session[TOTP_SETUP_SECRET] = secret
        uri = totp_provisioning_uri(user=user, secret=secret)
        context |= {"secret": secret, "otpauth_uri": uri, "qr_svg": totp_qr_svg(uri)}
    return render(request, "accounts/security.html", context)
