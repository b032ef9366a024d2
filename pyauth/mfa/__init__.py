"""Two-factor authentication (TOTP, RFC 6238) for every login path: ``pyauth.mfa``.

Install the app and its endpoints::

    INSTALLED_APPS += ["pyauth.mfa"]
    urlpatterns += [path("api/2fa/", include("pyauth.mfa.urls"))]

and gate each login path between its first factor and what it issues::

    from pyauth import mfa

    user = mfa.pending_user(request)          # a second step: {"mfa_token", "mfa_code"}
    if user is None:
        user = check_password_somehow(...)    # the first step
        mfa.gate(request, user)               # 403 mfa_required when enrolled
    issue_tokens_or_session(user)

:func:`gate` does nothing for a user without two-factor authentication (and nothing at
all while ``pyauth.mfa`` is not installed). For an enrolled user it accepts an
``mfa_code`` sent along with the credentials, or else raises
:class:`~pyauth.mfa.exceptions.MFARequired`: 403 ``{"detail", "code": "mfa_required",
"mfa_token", "methods"}``, nothing issued. The client then posts ``{"mfa_token",
"mfa_code"}`` to the same endpoint, where :func:`pending_user` returns the user. The
token is bound to the user and to the login path (``flow``, by default the request's
path), lives MFA_CHALLENGE_LIFETIME and is used up by one success or
MFA_CHALLENGE_MAX_ATTEMPTS failures.

This module imports no model, so login code may import it before apps are ready.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.apps import apps as _django_apps

__all__ = ["gate", "is_completion", "pending_user"]

_APP = "pyauth.mfa"


def _installed() -> bool:
    return bool(_django_apps.is_installed(_APP))


def _data(request: Any, data: Any) -> Mapping[str, Any]:
    if data is None:
        data = getattr(request, "data", None)
    return data if isinstance(data, Mapping) else {}


def _flow(request: Any, flow: str | None) -> str:
    if flow is not None:
        return flow
    return str(getattr(request, "path", "") or "")


def is_completion(data: Any) -> bool:
    """True when a login body is a second step (it carries ``mfa_token``): the login
    path then needs no credentials."""
    return isinstance(data, Mapping) and "mfa_token" in data and _installed()


def pending_user(request: Any, *, flow: str | None = None, data: Any = None) -> Any | None:
    """The user a second step (``{"mfa_token", "mfa_code"}`` in ``data``, by default
    the request's body) completes, its code checked and its token used up; None when
    the body is a first step. Raises 400 for a malformed second step and 401
    ``mfa_invalid`` / 429 ``mfa_locked`` for a refused one."""
    body = _data(request, data)
    if not is_completion(body):
        return None
    from pyauth.mfa import serializers, services

    step = serializers.CompletionSerializer(data=dict(body))
    step.is_valid(raise_exception=True)
    return services.redeem_challenge(
        step.validated_data["mfa_token"], step.validated_data["mfa_code"], _flow(request, flow)
    )


def gate(request: Any, user: Any, *, flow: str | None = None, data: Any = None) -> None:
    """Call after the first factor of ``user`` succeeded, before anything is issued.

    Returns at once for a user without two-factor authentication. For an enrolled one,
    returns when the body also carries a right ``mfa_code`` (one step), raises 401
    ``mfa_invalid`` for a wrong one, and otherwise raises 403 ``mfa_required`` with a
    new ``mfa_token`` bound to ``user`` and ``flow`` (default: the request's path)."""
    if not _installed() or user is None:
        return
    from pyauth.mfa import serializers, services

    if not services.is_enabled(user):
        return
    body = _data(request, data)
    if body.get("mfa_code") not in (None, ""):
        step = serializers.CodeSerializer(data={"code": body["mfa_code"]})
        step.is_valid(raise_exception=True)
        services.verify(user, step.validated_data["code"])
        return
    from pyauth.mfa.exceptions import MFARequired

    raise MFARequired(services.create_challenge(user, _flow(request, flow)))
