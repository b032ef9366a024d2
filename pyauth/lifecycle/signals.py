"""Model signals that revoke a user's tokens (connected in
:meth:`pyauth.lifecycle.apps.LifecycleConfig.ready` for the user model):

- saving a user whose password changed (``set_password`` or a new ``password``
  value): logged out everywhere (``services.revoke_user``: every family revoked and a
  user mark), so their access tokens are refused within REVOCATION_MEMO_SECONDS on
  every process and their refresh tokens at once;
- saving a user whose ``is_active`` turned False: a strict user mark, which refuses
  their access tokens as quickly. Their families stay (refresh answers "no active
  account" meanwhile), so reactivating the account gives its sessions back;
- deleting a user: a user mark, and their families' marks in the cache (the rows go
  with the user).

Bulk updates (``QuerySet.update``) send no signals: call ``services.revoke_user`` after
one that deactivates users or changes passwords.

And Django's login signals, for the sessions list (:func:`connect_sessions`):
``user_logged_in`` records the signed-in session as a family of kind "session"
(``services.track_session``), ``user_logged_out`` revokes it (``services.end_session``).
"""

from __future__ import annotations

from typing import Any, Final

from pyauth.lifecycle import revocation

__all__ = ["connect", "connect_sessions"]

_SEEN: Final = "_pyauth_seen"  # (password, is_active) as loaded or last saved
_REVOKE: Final = "_pyauth_revoke"
_SIDS: Final = "_pyauth_sids"
_FIELDS: Final = frozenset({"password", "is_active"})


def _snapshot(instance: Any) -> tuple[Any, Any]:
    # __dict__, not getattr: a deferred field must not cost a query here.
    values = instance.__dict__
    return values.get("password"), values.get("is_active")


def _after_init(sender: Any, instance: Any, **kwargs: Any) -> None:
    instance.__dict__[_SEEN] = _snapshot(instance)


def _before_save(
    sender: Any, instance: Any, raw: bool = False, update_fields: Any = None, **kwargs: Any
) -> None:
    if raw or instance._state.adding:
        return
    if update_fields is not None and not (_FIELDS & set(update_fields)):
        return
    seen_password, seen_active = instance.__dict__.get(_SEEN, (None, None))
    password, active = _snapshot(instance)
    changed_password = getattr(instance, "_password", None) is not None or (
        password is not None and seen_password is not None and password != seen_password
    )
    deactivated = active is False and seen_active is not False
    if changed_password:
        instance.__dict__[_REVOKE] = "password"
    elif deactivated:
        instance.__dict__[_REVOKE] = "inactive"


def _after_save(sender: Any, instance: Any, created: bool = False, **kwargs: Any) -> None:
    reason = instance.__dict__.pop(_REVOKE, None)
    if reason == "password":
        from pyauth.lifecycle import services

        services.revoke_user(instance, "password changed")
        if instance.__dict__.get("is_active") is False:
            revocation.mark_user(revocation.user_key(instance))
    elif reason == "inactive":
        revocation.mark_user(revocation.user_key(instance))
    instance.__dict__[_SEEN] = _snapshot(instance)


def _before_delete(sender: Any, instance: Any, **kwargs: Any) -> None:
    from pyauth.lifecycle.models import TokenFamily

    instance.__dict__[_SIDS] = list(
        TokenFamily.objects.filter(user=instance).values_list("id", flat=True)
    )


def _after_delete(sender: Any, instance: Any, **kwargs: Any) -> None:
    revocation.mark_user(revocation.user_key(instance))
    revocation.mark_families(instance.__dict__.pop(_SIDS, []))


def _logged_in(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    if request is None or user is None:
        return
    from pyauth.lifecycle import services

    services.track_session(request, user)


def _logged_out(sender: Any, request: Any = None, **kwargs: Any) -> None:
    if request is None:
        return
    from pyauth.lifecycle import services

    services.end_session(request, services.REASON_LOGOUT)


def connect_sessions() -> None:
    """Connect the login and logout handlers above."""
    from django.contrib.auth import signals

    uid = "pyauth.lifecycle.signals.sessions"
    signals.user_logged_in.connect(_logged_in, dispatch_uid=uid)
    signals.user_logged_out.connect(_logged_out, dispatch_uid=uid)


def connect(user_model: Any) -> None:
    """Connect the handlers above for ``user_model``."""
    from django.db.models import signals

    uid = "pyauth.lifecycle.signals"
    signals.post_init.connect(_after_init, sender=user_model, dispatch_uid=uid)
    signals.pre_save.connect(_before_save, sender=user_model, dispatch_uid=uid)
    signals.post_save.connect(_after_save, sender=user_model, dispatch_uid=uid)
    signals.pre_delete.connect(_before_delete, sender=user_model, dispatch_uid=uid)
    signals.post_delete.connect(_after_delete, sender=user_model, dispatch_uid=uid)
