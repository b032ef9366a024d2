"""reCAPTCHA tokens checked with Google's siteverify (RECAPTCHA_SECRET,
RECAPTCHA_VERIFY_URL): POST form-encoded ``secret``, ``response`` and ``remoteip``; the
answer is ``{"success": bool, "challenge_ts": ..., "hostname": ..., "error-codes": [...]}``.

One client for both users of it: ``recaptcha-verify/`` (:func:`verify_recaptcha`, which
tells a missing secret and an unreachable siteverify apart) and ``login/`` after repeated
failures (:func:`enabled` and :func:`verify`, where any failure is a failed check).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings

from django_app.authapi.http import ProviderUnavailable, fetch_json

__all__ = [
    "DEFAULT_VERIFY_URL",
    "RecaptchaNotConfigured",
    "RecaptchaResult",
    "enabled",
    "verify",
    "verify_recaptcha",
]

DEFAULT_VERIFY_URL = "https://www.google.com/recaptcha/api/siteverify"


class RecaptchaNotConfigured(Exception):
    """RECAPTCHA_SECRET is not set."""


@dataclass(frozen=True)
class RecaptchaResult:
    success: bool
    error_codes: list[str] = field(default_factory=list)
    hostname: str | None = None


def verify_recaptcha(token: str, remote_ip: str | None = None) -> RecaptchaResult:
    """Ask siteverify about ``token``. Raises :class:`RecaptchaNotConfigured` without a
    secret and :class:`ProviderUnavailable` when siteverify cannot answer."""
    secret = getattr(settings, "RECAPTCHA_SECRET", "") or ""
    if not secret:
        raise RecaptchaNotConfigured
    url = getattr(settings, "RECAPTCHA_VERIFY_URL", "") or DEFAULT_VERIFY_URL
    form = {"secret": secret, "response": token}
    if remote_ip:
        form["remoteip"] = remote_ip
    response = fetch_json(url, form=form)
    if response.status != 200 or not isinstance(response.data, dict):
        raise ProviderUnavailable(f"siteverify answered {response.status}")
    codes = response.data.get("error-codes") or []
    hostname = response.data.get("hostname")
    return RecaptchaResult(
        success=response.data.get("success") is True,
        error_codes=[str(code) for code in codes] if isinstance(codes, list) else [],
        hostname=hostname if isinstance(hostname, str) else None,
    )


def enabled() -> bool:
    """True when RECAPTCHA_SECRET is set (login/ then demands tokens after failures)."""
    return bool(getattr(settings, "RECAPTCHA_SECRET", ""))


def verify(token: str, remote_ip: str | None = None) -> bool:
    """Whether siteverify accepts ``token``; False on any failure, never raises."""
    if not token:
        return False
    try:
        return verify_recaptcha(token, remote_ip).success
    except (RecaptchaNotConfigured, ProviderUnavailable):
        return False
