"""What the tests that run django_app under gunicorn share (tests/e2e and the faults
tests of tests/app): bench/load.py's server driver, loaded as a module, and the
databases such a test runs on.

- ``bench_load()``: bench/load.py (its gunicorn ``Server``, databases and environment);
  bench/ is not a package, so it is loaded from its file once per process.
- ``database_params()``: SQLite always, and PostgreSQL when ``DATABASE_URL`` names it
  or ``PYAUTH_TEST_POSTGRES=1`` (CI), as pytest parameters with ids.
- ``json_request()``: one request to a server on 127.0.0.1, a JSON body when given, on
  a fresh connection; the response and its bytes.
"""

from __future__ import annotations

import http.client
import importlib.util
import json
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
PG_URL = "postgres://postgres@127.0.0.1:5432/test"
HOST = "127.0.0.1"
_MODULE = "pyauth_bench_load"


def bench_load() -> ModuleType:
    """bench/load.py as a module, loaded once per process."""
    if _MODULE in sys.modules:
        return sys.modules[_MODULE]
    spec = importlib.util.spec_from_file_location(_MODULE, ROOT / "bench" / "load.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[_MODULE] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def database_params() -> list[Any]:
    """SQLite, and PostgreSQL when the environment asks for it."""
    found = [pytest.param("sqlite", id="sqlite")]
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        found.append(pytest.param(url, id="postgresql"))
    elif os.environ.get("PYAUTH_TEST_POSTGRES") == "1":
        found.append(pytest.param(PG_URL, id="postgresql"))
    return found


def json_request(
    port: int,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> tuple[http.client.HTTPResponse, bytes]:
    """``method path`` on 127.0.0.1:``port`` (``body`` sent as JSON when not None): the
    response, already read, and its body."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    sent = {"Host": HOST, **(headers or {})}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        sent["Content-Type"] = "application/json"
    try:
        conn.request(method, path, body=data, headers=sent)
        response = conn.getresponse()
        raw = response.read()
    finally:
        conn.close()
    return response, raw
