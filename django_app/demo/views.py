"""The demo page: one HTML document whose script (``static/demo/demo.js``) drives
document 002's cookie flows under ``/auth-api/``.

The page holds no secret and renders no user data: the script learns everything from
the API with ``fetch`` (same origin, cookies). It reads its endpoints and its words from
two ``json_script`` blocks (``application/json``, data that is never executed), so the
Content-Security-Policy below needs no ``'unsafe-inline'`` anywhere: scripts, styles,
images and requests come from this origin only, nothing may frame the page, and Trusted
Types are enforced, so the script cannot write markup through an HTML string sink.
"""

from __future__ import annotations

from typing import Any, Final

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

__all__ = ["CONTENT_SECURITY_POLICY", "ID_PLACEHOLDER", "DemoView", "endpoints", "strings"]

#: The demo page's policy. ``default-src 'none'`` denies what is not listed;
#: ``form-action 'self'`` and ``base-uri 'none'`` close the injection paths that
#: ``default-src`` does not cover.
CONTENT_SECURITY_POLICY: Final = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "require-trusted-types-for 'script'",
        "trusted-types 'none'",
    )
)

#: Stands for an id in the URL templates the script fills in (``encodeURIComponent``).
ID_PLACEHOLDER: Final = "__id__"


def endpoints() -> dict[str, str]:
    """The URLs the script calls, reversed from the URLconf rather than hard-coded
    in JavaScript; ``__id__`` marks where an id goes."""
    return {
        "csrf": reverse("authapi:get-csrf-token"),
        "login": reverse("authapi:login"),
        "resendOtp": reverse("authapi:resend-otp"),
        "token": reverse("authapi:token"),
        "refresh": reverse("authapi:token-refresh"),
        "logout": reverse("authapi:logout"),
        "users": reverse("authapi-user-list"),
        "user": reverse("authapi-user-detail", args=[ID_PLACEHOLDER]),
        "mfaStatus": reverse("mfa-auth-api:status"),
        "mfaSetup": reverse("mfa-auth-api:setup"),
        "mfaQr": reverse("mfa-auth-api:qr"),
        "mfaConfirm": reverse("mfa-auth-api:confirm"),
        "mfaDisable": reverse("mfa-auth-api:disable"),
        "sessions": reverse("sessions-auth-api:sessions"),
        "session": reverse("sessions-auth-api:session", args=[ID_PLACEHOLDER]),
        "revokeOthers": reverse("sessions-auth-api:sessions-revoke-others"),
    }


def strings() -> dict[str, str]:
    """The words the script shows, translated here (gettext) so the page needs no
    JavaScript catalogue. ``%(name)s`` placeholders are filled in by the script."""
    return {
        "signedOut": _("You are signed out."),
        "signedInAs": _("Signed in as %(email)s"),
        "accountCreated": _(
            "Account created for %(email)s. A verification link was mailed; sign in now."
        ),
        "codeSent": _("We mailed a sign-in code to %(email)s."),
        "codeResent": _("If a sign-in is pending for this address, a new code was sent."),
        "signedIn": _("You are signed in."),
        "refreshed": _("Your tokens were refreshed."),
        "loggedOut": _("You signed out."),
        "sessionExpired": _("Your session ended. Sign in again."),
        "mfaEnabled": _("Two-factor authentication is on."),
        "mfaDisabled": _("Two-factor authentication is off."),
        "mfaPending": _("Scan the QR code, then confirm with a code from the app."),
        "mfaConfirmed": _(
            "Two-factor authentication is on. Keep these recovery codes somewhere safe: "
            "they are shown only once."
        ),
        "mfaRecoveryLeft": _("Recovery codes left: %(count)s"),
        "sessionsOne": _("1 active session"),
        "sessionsMany": _("%(count)s active sessions"),
        "thisDevice": _("This device"),
        "revoke": _("Revoke"),
        "revoked": _("The session was revoked."),
        "revokedOthers": _("Other sessions revoked: %(count)s"),
        "unknownDevice": _("Unknown device"),
        "networkError": _("The server could not be reached. Try again."),
        "unexpected": _("Something went wrong (HTTP %(status)s)."),
        "retryAfter": _("Too many attempts. Try again in %(seconds)s seconds."),
    }


class DemoView(TemplateView):
    """GET ``/demo/``: the page, with its Content-Security-Policy."""

    template_name = "demo/index.html"
    http_method_names = ["get", "head"]  # noqa: RUF012 - Django's own attribute

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["demo_endpoints"] = endpoints()
        context["demo_strings"] = strings()
        return context

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response: HttpResponse = super().dispatch(request, *args, **kwargs)
        response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        return response
