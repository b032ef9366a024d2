"""Login time for unknown and known accounts, over HTTP, against django_app under gunicorn.

    .venv/bin/python bench/login_timing.py --rounds 200 --json build/login_timing.json

An attacker who times the sign-in endpoints must not learn which accounts exist: a wrong
password for a known account and any password for an unknown one must cost the same
(issue 7: within 10 %). For each document's sign-in endpoint (000 ``/api/auth/login``,
003 ``/api/token/``, 001/004 ``/api/login/``, 002 ``/auth-api/login/``) this sends
``--rounds`` pairs of requests, one for a registered account with a wrong password and one
for an account that does not exist, in random order within each pair (so drift in the
machine's load falls on both alike), one at a time, each on a fresh connection, and
compares the medians. ``tests/app/test_hostile_input.py`` proves the same structurally
(one Argon2id computation at the same cost either way); this measures what a client sees.

The server: bench/load.py's deployment (a fresh SQLite database, one sync gunicorn
worker, DEBUG off), throttles and lockout lifted (one client sends every request, and a
locked account answers without hashing, which is not what is measured here). Exit status
0 when every endpoint is within ``--tolerance`` (default 0.10).
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import json
import random
import statistics
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("pyauth_bench_load", HERE / "load.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


load = _load()

KNOWN_EMAIL = "known@example.com"
KNOWN_USERNAME = "known"
WRONG = "Not-the-password-91"
#: endpoint -> (body for an identifier and a password, identifiers known / unknown)
ENDPOINTS: dict[str, tuple[Any, str, str]] = {
    "/api/auth/login": (
        lambda who, pw: {"email": who, "password": pw},
        KNOWN_EMAIL,
        "nobody@example.com",
    ),
    "/api/token/": (
        lambda who, pw: {"username": who, "password": pw},
        KNOWN_USERNAME,
        "nobody",
    ),
    "/api/login/": (
        lambda who, pw: {"email": who, "password": pw},
        KNOWN_EMAIL,
        "nobody@example.com",
    ),
    "/auth-api/login/": (
        lambda who, pw: {"email": who, "password": pw},
        KNOWN_EMAIL,
        "nobody@example.com",
    ),
}


def post(port: int, path: str, body: dict[str, str], headers: dict[str, str]) -> tuple[int, float]:
    """(status, seconds from sending the request to reading the whole answer)."""
    conn = http.client.HTTPConnection(load.HOST, port, timeout=60)
    conn.connect()
    data = json.dumps(body).encode()
    sent = {"Host": load.HOST, "Content-Type": "application/json", **headers}
    try:
        start = time.perf_counter()
        conn.request("POST", path, body=data, headers=sent)
        response = conn.getresponse()
        response.read()
        elapsed = time.perf_counter() - start
    finally:
        conn.close()
    return response.status, elapsed


def csrf(port: int) -> dict[str, str]:
    conn = http.client.HTTPConnection(load.HOST, port, timeout=30)
    try:
        conn.request("GET", "/auth-api/get-csrf-token/", headers={"Host": load.HOST})
        response = conn.getresponse()
        token = json.loads(response.read())["csrfToken"]
        cookies = load._parse_cookies(response.headers.get_all("Set-Cookie") or [])
    finally:
        conn.close()
    cookie = next(value for name, value, _path, _deleted in cookies if name == "csrftoken")
    return {"X-CSRFToken": token, "Cookie": f"csrftoken={cookie}"}


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": statistics.median(ordered) * 1e3,
        "mean_ms": statistics.fmean(ordered) * 1e3,
        "p10_ms": ordered[len(ordered) // 10] * 1e3,
        "p90_ms": ordered[(len(ordered) * 9) // 10] * 1e3,
    }


def measure(port: int, rounds: int, warmup: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)  # noqa: S311 - the order of requests, not a secret
    headers = csrf(port)
    results: dict[str, Any] = {}
    for path, (body, known, unknown) in ENDPOINTS.items():
        times: dict[str, list[float]] = {"known": [], "unknown": []}
        statuses: dict[str, set[int]] = {"known": set(), "unknown": set()}
        for index in range(warmup + rounds):
            pair = [("known", known), ("unknown", unknown)]
            rng.shuffle(pair)
            for kind, identifier in pair:
                status, elapsed = post(port, path, body(identifier, WRONG), headers)
                statuses[kind].add(status)
                if index >= warmup:
                    times[kind].append(elapsed)
        known_s, unknown_s = summary(times["known"]), summary(times["unknown"])
        ratio = unknown_s["median_ms"] / known_s["median_ms"]
        results[path] = {
            "known_wrong_password": known_s,
            "unknown_account": unknown_s,
            "median_ratio": ratio,
            "statuses": {k: sorted(v) for k, v in statuses.items()},
        }
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[1])
    parser.add_argument("--rounds", type=int, default=200, help="measured pairs per endpoint")
    parser.add_argument("--warmup", type=int, default=10, help="unmeasured pairs first")
    parser.add_argument("--tolerance", type=float, default=0.10)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="write the report here")
    args = parser.parse_args(argv)

    extra = {"LOCKOUT_THRESHOLD": "1000000000", "RECAPTCHA_AFTER_FAILURES": "1000000000"}
    with load.deployment("sqlite", workers=1, extra_env=extra) as served:
        served.manage(
            "shell",
            "-c",
            "from django.contrib.auth import get_user_model; "
            f"get_user_model().objects.create_user(email={KNOWN_EMAIL!r}, "
            f"username={KNOWN_USERNAME!r}, password='Quiet-harbour-lantern-72')",
        )
        results = measure(served.server.port, args.rounds, args.warmup, args.seed)

    ok = True
    print(f"{'endpoint':<20} {'known (ms)':>11} {'unknown (ms)':>13} {'ratio':>7}  statuses")
    for path, row in results.items():
        within = abs(row["median_ratio"] - 1) <= args.tolerance
        same = row["statuses"]["known"] == row["statuses"]["unknown"]
        ok = ok and within and same
        print(
            f"{path:<20} {row['known_wrong_password']['median_ms']:>11.1f} "
            f"{row['unknown_account']['median_ms']:>13.1f} {row['median_ratio']:>7.3f}  "
            f"{row['statuses']['known']} / {row['statuses']['unknown']}"
            f"{'' if within and same else '  <-- outside the tolerance'}"
        )
    report = {"rounds": args.rounds, "tolerance": args.tolerance, "ok": ok, "endpoints": results}
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=1))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
