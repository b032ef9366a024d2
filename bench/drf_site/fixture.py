"""The benchmark site's data: a fresh SQLite database, one user and a token per library.

Used by bench/run.py in its own process (before anything else touches Django); the
gunicorn workers of the end-to-end run open the same database file.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path

# Redis db 14 with the key prefix "pyauth-bench" (settings.py): apart from the tests'.
REDIS_URL = "redis://127.0.0.1:6379/14"


@dataclass
class Site:
    db: Path
    redis_url: str | None  # None: the local-memory cache
    user_id: int
    pyauth_access: str  # from pyauth.lifecycle.services.issue (with a family, "sid")
    simplejwt_access: str  # from rest_framework_simplejwt.tokens.AccessToken.for_user

    def env(self, auth: str) -> dict[str, str]:
        """The environment a gunicorn worker of this site needs (``auth``: the class of
        ``/me``, "pyauth" or "simplejwt")."""
        env = {
            "DJANGO_SETTINGS_MODULE": "drf_site.settings",
            "PYAUTH_BENCH_DB": str(self.db),
            "PYAUTH_BENCH_AUTH": auth,
            "PYAUTH_BENCH_VARIANTS": "0",  # /me and /open: only the library served
        }
        if self.redis_url:
            env["PYAUTH_BENCH_REDIS"] = self.redis_url
        return env


def redis_reachable(host: str = "127.0.0.1", port: int = 6379) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


def setup(directory: Path) -> Site:
    """Configures Django in this process for drf_site, migrates a fresh database in
    ``directory`` and issues the tokens."""
    db = directory / "bench.sqlite3"
    redis_url = REDIS_URL if redis_reachable() else None
    os.environ["DJANGO_SETTINGS_MODULE"] = "drf_site.settings"
    os.environ["PYAUTH_BENCH_DB"] = str(db)
    os.environ["PYAUTH_BENCH_AUTH"] = "pyauth"
    os.environ["PYAUTH_BENCH_VARIANTS"] = "1"
    if redis_url:
        os.environ["PYAUTH_BENCH_REDIS"] = redis_url
    else:
        os.environ.pop("PYAUTH_BENCH_REDIS", None)

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from rest_framework_simplejwt.tokens import AccessToken as SimpleAccessToken

    from pyauth.lifecycle import services

    call_command("migrate", verbosity=0, interactive=False)
    user = get_user_model().objects.create_user(
        username="bench", email="bench@example.com", password=None
    )
    _refresh, access = services.issue(user)
    return Site(
        db=db,
        redis_url=redis_url,
        user_id=user.pk,
        pyauth_access=str(access),
        simplejwt_access=str(SimpleAccessToken.for_user(user)),
    )
