"""A second Django process for the revocation tests (not a test module).

``python tests/django/revocation_worker.py '<json config>'`` sets Django up with
tests.django.settings, the database, caches and PYAUTH of the config, prints "ready",
then for every line of stdin (an access token) GETs /api/probe/ with it as a bearer
token and prints the status code. One long-lived process, so its revocation memo lives
across requests exactly as a server worker's does.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def main() -> None:
    config: dict[str, Any] = json.loads(sys.argv[1])
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    import django
    from django.conf import settings

    import tests.django.settings as base

    values = {name: getattr(base, name) for name in dir(base) if name.isupper()}
    values["DATABASES"] = {"default": config["database"]}
    values["CACHES"] = config["caches"]
    values["PYAUTH"] = config["pyauth"]
    settings.configure(**values)
    django.setup()
    from rest_framework.test import APIClient

    client = APIClient()
    print("ready", flush=True)
    for line in sys.stdin:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {line.strip()}")
        print(client.get("/api/probe/").status_code, flush=True)


if __name__ == "__main__":
    main()
