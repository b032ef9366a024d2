"""Roles user < admin < superuser (derived from is_staff / is_superuser, never stored) and
who may do what to whom under /auth-api/users/.

- Admins and superusers manage accounts; an actor manages a target only when the
  target's role is not above the actor's (an admin cannot modify a superuser).
- Nobody grants a role above their own, and nobody changes their own role (a superuser
  cannot demote the account they are using by accident; another superuser can).
"""

from __future__ import annotations

from typing import Any

from django_app.authapi.services import ROLE_ORDER, role_of


def rank(role: str) -> int:
    return ROLE_ORDER.index(role)


def rank_of(user: Any) -> int:
    return rank(role_of(user))


def is_manager(user: Any) -> bool:
    """An admin or a superuser."""
    return bool(user and user.is_authenticated and rank_of(user) >= rank("admin"))


def may_manage(actor: Any, target: Any) -> bool:
    """``actor`` is an admin or superuser whose role is not below ``target``'s."""
    return is_manager(actor) and rank_of(actor) >= rank_of(target)


def may_change(actor: Any, target: Any) -> bool:
    """``actor`` may edit ``target``: themselves, or someone they manage."""
    return bool(actor.pk == target.pk or may_manage(actor, target))


def apply_role(user: Any, role: str) -> None:
    """Set the flags that make ``user``'s role ``role`` (not saved)."""
    user.is_superuser = role == "superuser"
    user.is_staff = role in ("admin", "superuser")
