"""The answers of two-factor authentication, as DRF exceptions with a JSON body
``{"detail": ..., "code": ...}`` (plus members of their own).

- :class:`MFARequired`: 403 ``mfa_required`` with the ``mfa_token`` and the ``methods``
  a login's second step accepts; nothing was issued;
- :class:`MFAInvalid`: 401 ``mfa_invalid`` (a wrong, replayed or expired code or
  mfa_token at login); :class:`MFACodeRejected` is its 400 for the enrollment endpoints,
  where the caller is already signed in;
- :class:`MFALocked`: 429 ``mfa_locked`` with Retry-After, after too many wrong codes;
- :class:`MFAStateConflict`: 409 (enrolling twice, confirming nothing, disabling what is
  not enabled); :class:`MFANoPendingEnrollment`: 404 for the QR code of nothing.
"""

from __future__ import annotations

import math
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException

__all__ = [
    "METHODS",
    "MFACodeRejected",
    "MFAError",
    "MFAInvalid",
    "MFALocked",
    "MFANoPendingEnrollment",
    "MFARequired",
    "MFAStateConflict",
]

#: The second factors a login challenge accepts, as the challenge names them.
METHODS: tuple[str, ...] = ("totp", "recovery_code")


class MFAError(APIException):  # type: ignore[misc]
    """Base of the answers below: the body is ``{"detail", "code", **extra}``."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail: Any = _("Two-factor authentication failed.")
    default_code = "mfa_error"

    def __init__(self, detail: Any = None, code: str | None = None, **extra: Any) -> None:
        body: dict[str, Any] = {
            "detail": self.default_detail if detail is None else detail,
            "code": code or self.default_code,
            **extra,
        }
        super().__init__(body)


class MFARequired(MFAError):
    """403: the first factor was right; send ``mfa_token`` and ``mfa_code`` to the same
    endpoint to finish the login."""

    status_code = status.HTTP_403_FORBIDDEN
    default_detail = _("Two-factor authentication is required: send a code from your app.")
    default_code = "mfa_required"

    def __init__(self, mfa_token: str) -> None:
        super().__init__(mfa_token=mfa_token, methods=list(METHODS))


class MFAInvalid(MFAError):
    """401: a wrong, used or expired code, or an unknown, expired, used-up or foreign
    ``mfa_token``."""

    status_code = status.HTTP_401_UNAUTHORIZED
    default_detail = _("Invalid or expired two-factor code.")
    default_code = "mfa_invalid"


class MFACodeRejected(MFAInvalid):
    """400 ``mfa_invalid``: a wrong code sent to an enrollment endpoint."""

    status_code = status.HTTP_400_BAD_REQUEST


class MFALocked(MFAError):
    """429 ``mfa_locked`` with Retry-After: too many wrong codes for this user."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_detail = _("Too many wrong two-factor codes. Try again later.")
    default_code = "mfa_locked"

    def __init__(self, wait_seconds: float) -> None:
        super().__init__()
        #: DRF's exception handler turns ``wait`` into the Retry-After header.
        self.wait = max(1, math.ceil(wait_seconds))


class MFAStateConflict(MFAError):
    """409: the request does not fit the user's enrollment state."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "mfa_conflict"


class MFANoPendingEnrollment(MFAError):
    """404: there is no pending enrollment (call setup first)."""

    status_code = status.HTTP_404_NOT_FOUND
    default_detail = _("No two-factor enrollment is pending. Start one with setup.")
    default_code = "mfa_not_pending"
