"""EXTRA_ACCESS_CLAIMS callables for the tests (a module, not a test file, so that
import_string and the tests see one copy)."""

from __future__ import annotations

from typing import Any


def profile_claims(user: Any) -> dict[str, Any]:
    """Claims a project might add from its user model."""
    return {"username": user.get_username(), "email": user.email}
