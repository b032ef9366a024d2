"""django_app under gunicorn, on SQLite and (CI) PostgreSQL: a bounded load run that
survives a reload, a killed worker, a restart and a crash without losing anything it
acknowledged, and the races of tests/app/races once more across processes.

The load run is bench/load.py (``make load`` runs it with 10,000 requests); here it runs
with PYAUTH_LOAD_REQUESTS answers (default 2,000) and the faults, and its report is
checked field by field. The races send their requests over real sockets to two gunicorn
workers of 25 threads each, so the simultaneous requests are served by two processes
with their own database connections, and the store is read back with ``manage.py
shell``.

PostgreSQL runs when DATABASE_URL names a PostgreSQL server or PYAUTH_TEST_POSTGRES=1
(then postgres://postgres@127.0.0.1:5432/test); each run creates a database of its own
there and drops it afterwards.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.servers import bench_load, database_params

ROOT = Path(__file__).resolve().parents[2]
DRIVER = ROOT / "bench" / "load.py"
LOAD_REQUESTS = int(os.environ.get("PYAUTH_LOAD_REQUESTS", "2000"))
PASSWORD = "Quiet-harbour-lantern-72"
FLOWS = {"000 cookies", "003 bearer", "001/004 jwt cookie and session", "002 otp and cookies"}


load = bench_load()


DATABASES = database_params()


# --- the load run -----------------------------------------------------------------------


@pytest.mark.parametrize("database", DATABASES)
def test_load_run_with_faults_loses_nothing(database: str, tmp_path: Path) -> None:
    report_path = tmp_path / "load.json"
    done = subprocess.run(  # noqa: S603 - our interpreter, our driver
        [
            sys.executable,
            str(DRIVER),
            "--requests",
            str(LOAD_REQUESTS),
            "--faults",
            "--self-check",
            "--database",
            database,
            "--json",
            str(report_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    assert report_path.exists(), done.stdout + done.stderr
    report = json.loads(report_path.read_text())
    context = json.dumps({k: v for k, v in report.items() if k != "by_endpoint"}, indent=1)

    assert report["requests_served"] >= LOAD_REQUESTS
    assert report["5xx"] == 0, context
    assert report["unexpected_answers"] == 0, context
    assert report["driver_errors"] == [], context
    assert set(report["flows"]) == FLOWS
    assert {"200", "201", "401"} <= set(report["by_status"])  # 401: replays refused
    # four faults, each survived: the clients carried on and the check below holds
    assert [f["kind"] for f in report["faults"]] == [kind for _, kind in load.FAULTS]
    assert report["connection_retries"] > 0  # the restarts were felt
    store = report["store"]
    assert store["accounts_acknowledged"] > 0
    assert store["refresh_tokens_acknowledged"] > store["refresh_tokens_uncertain"]
    assert store["accounts_missing"] == 0, context
    assert store["refresh_tokens_missing"] == 0, context
    assert store["refresh_tokens_in_wrong_state"] == 0, context
    assert store["families_missing"] == 0, context
    assert store["families_in_wrong_state"] == 0, context
    assert store["families_forked"] == 0, context
    # the check is not vacuous: deleting one acknowledged token and one account is seen
    assert report["self_check"]["passed"], context
    assert report["ok"] is True
    assert done.returncode == 0, done.stdout + done.stderr


# --- races across processes -----------------------------------------------------------


class Http:
    """One client connection to the server, cookies given and returned by name."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection(load.HOST, port, timeout=60)

    def connect(self) -> Http:
        self.conn.connect()
        return self

    def send(
        self,
        method: str,
        path: str,
        body: Any = None,
        cookies: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any, dict[str, str]]:
        sent = {"Host": load.HOST, **(headers or {})}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        if cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        try:
            self.conn.request(method, path, body=data, headers=sent)
            response = self.conn.getresponse()
            raw = response.read()
        finally:
            self.conn.close()
        jar = {
            name: value
            for name, value, _path, deleted in load._parse_cookies(
                response.headers.get_all("Set-Cookie") or []
            )
            if not deleted
        }
        return response.status, json.loads(raw) if raw else None, jar


def race(port: int, count: int, send: Callable[[Http, int], Any]) -> list[Any]:
    """``send(connection, index)`` from ``count`` threads, each connected first and
    then released with the others by a barrier."""
    barrier = threading.Barrier(count, timeout=120)
    results: list[Any] = [None] * count
    errors: list[str] = []

    def run(index: int) -> None:
        try:
            client = Http(port).connect()
            barrier.wait()
            results[index] = send(client, index)
        except Exception as exc:  # reported below
            errors.append(f"{index}: {exc!r}")

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)
    assert not errors, errors
    assert all(not thread.is_alive() for thread in threads)
    return results


def store(served: Any, code: str) -> Any:
    """The JSON a snippet prints, run by ``manage.py shell`` against the server's
    database (the server's own ORM, settings and migrations)."""
    return json.loads(served.manage("shell", "-c", code).strip().splitlines()[-1])


@pytest.fixture(scope="module", params=DATABASES)
def served(request: pytest.FixtureRequest) -> Iterator[Any]:
    """Two gunicorn workers of 25 threads on a fresh database; the lockout threshold at
    50 so that 50 simultaneous failures all count before the lock."""
    with load.deployment(
        request.param, workers=2, threads=25, extra_env={"LOCKOUT_THRESHOLD": "50"}
    ) as deployment:
        yield deployment


def register_and_login_000(port: int, email: str) -> dict[str, str]:
    status, body, _ = Http(port).send(
        "POST",
        "/api/auth/register",
        {"email": email, "password": PASSWORD, "confirm_password": PASSWORD},
    )
    assert status == 201, body
    status, body, cookies = Http(port).send(
        "POST", "/api/auth/login", {"email": email, "password": PASSWORD}
    )
    assert status == 200, body
    return cookies


def test_processes_refresh_one_token_once(served: Any) -> None:
    port = served.server.port
    cookies = register_and_login_000(port, "refresh-race@example.com")

    results = race(
        port, 50, lambda c, _: c.send("POST", "/api/auth/token/refresh", cookies=cookies)
    )

    assert Counter(status for status, _, _ in results) == {200: 1, 401: 49}
    (winner,) = [jar for status, _, jar in results if status == 200]
    family = load.sid_of(cookies["refresh_token"])
    assert load.sid_of(winner["refresh_token"]) == family
    found = store(
        served,
        "import json; from pyauth.lifecycle.models import TokenFamily as F; "
        f"f = F.objects.get(pk={family!r}); "
        "print(json.dumps([f.tokens.count(), f.revoke_reason]))",
    )
    # the original and exactly one successor; the 49 replays revoked the family
    assert found == [2, "refresh token reused"]
    status, _, _ = Http(port).send("POST", "/api/auth/token/refresh", cookies={**cookies, **winner})
    assert status == 401


def test_processes_register_one_email_once(served: Any) -> None:
    port = served.server.port
    spellings = ["twice@example.com", "Twice@Example.com", "TWICE@EXAMPLE.COM"]

    results = race(
        port,
        20,
        lambda c, i: c.send(
            "POST",
            "/api/auth/register",
            {
                "email": spellings[i % len(spellings)],
                "password": PASSWORD,
                "confirm_password": PASSWORD,
            },
        ),
    )

    assert Counter(status for status, _, _ in results) == {201: 1, 400: 19}
    assert all("email" in body for status, body, _ in results if status == 400)
    count = store(
        served,
        "from django.contrib.auth import get_user_model; "
        "print(get_user_model().objects.filter(email='twice@example.com').count())",
    )
    assert count == 1


def _csrf(port: int) -> dict[str, str]:
    status, body, cookies = Http(port).send("GET", "/auth-api/get-csrf-token/")
    assert status == 200
    return {"cookie": cookies["csrftoken"], "header": body["csrfToken"]}


def test_processes_accept_one_code_once(served: Any) -> None:
    port = served.server.port
    email = "code@example.com"
    register_and_login_000(port, email)
    csrf = _csrf(port)
    jar = {"csrftoken": csrf["cookie"]}
    headers = {"X-CSRFToken": csrf["header"]}
    status, body, _ = Http(port).send(
        "POST", "/auth-api/login/", {"email": email, "password": PASSWORD}, jar, headers
    )
    assert status == 200, body
    code = load.Mailbox(served.workdir / "mail").code(email, seen=0)
    assert code is not None

    results = race(
        port,
        20,
        lambda c, _: c.send(
            "POST", "/auth-api/token/", {"email": email, "otp": code}, jar, headers
        ),
    )

    assert Counter(status for status, _, _ in results) == {200: 1, 401: 19}
    sessions = store(
        served,
        "from pyauth.lifecycle.models import TokenFamily as F; "
        f"print(F.objects.filter(user__email='{email}', tokens__isnull=False).distinct().count())",
    )
    assert sessions == 2  # the login of register_and_login_000, and this one


def test_processes_count_fifty_failed_logins_and_lock(served: Any) -> None:
    port = served.server.port
    email = "locked@example.com"
    register_and_login_000(port, email)
    csrf = _csrf(port)

    def wrong(c: Http, _: int) -> Any:
        return c.send(
            "POST",
            "/auth-api/login/",
            {"email": email, "password": "Wrong-password-000"},
            cookies={"csrftoken": csrf["cookie"]},
            headers={"X-CSRFToken": csrf["header"]},
        )

    results = race(port, 50, wrong)

    assert Counter(status for status, _, _ in results) == {401: 50}
    counter = store(
        served,
        "import json; from django_app.authapi.models import LockoutCounter as L; "
        f"c = L.objects.get(key='email:{email}'); "
        "print(json.dumps([c.failures, (c.locked_until - c.last_failure_at).total_seconds()]))",
    )
    assert counter == [50, 60.0]  # all 50 counted; the 50th locked for a minute
    status, _, _ = Http(port).send(
        "POST",
        "/auth-api/login/",
        {"email": email, "password": PASSWORD},
        cookies={"csrftoken": csrf["cookie"]},
        headers={"X-CSRFToken": csrf["header"]},
    )
    assert status == 401  # locked: the right password is refused too
    # the lock holds 127.0.0.1 too, which every test here sends from: lift it
    store(
        served,
        "from django_app.authapi.models import LockoutCounter as L; "
        "print(L.objects.all().delete()[0])",
    )
