"""Test clients shared by tests/app's suites."""

from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient

_SAFE = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class CsrfBrowser(APIClient):  # type: ignore[misc]
    """Document 002's frontend: Django's CSRF checks enforced, the CSRF cookie fetched
    from get-csrf-token/ when the jar has none, and sent back as X-CSRFToken on every
    unsafe request."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(enforce_csrf_checks=True, **kwargs)

    def csrf(self) -> str:
        """Fetch a CSRF token (sets the cookie)."""
        response = self.get("/auth-api/get-csrf-token/")
        assert response.status_code == 200, response.content
        token: str = response.json()["csrfToken"]
        return token

    def generic(self, method: str, path: str, *args: Any, **extra: Any) -> Any:
        if method.upper() not in _SAFE:
            if "csrftoken" not in self.cookies:
                self.csrf()
            extra.setdefault("HTTP_X_CSRFTOKEN", self.cookies["csrftoken"].value)
        return super().generic(method, path, *args, **extra)
