"""A bounded load run against django_app under gunicorn that must lose nothing.

    .venv/bin/python bench/load.py --requests 10000 --faults --json load.json
    .venv/bin/python bench/load.py --database postgres://postgres@127.0.0.1:5432/test

What one run does:

1. a fresh database: a SQLite file in a temporary directory, or (``--database
   postgres://...``) a new PostgreSQL database created on that server and dropped
   afterwards; ``manage.py migrate``;
2. gunicorn serving ``django_app.wsgi`` on a free port of 127.0.0.1, one sync worker
   per core, DEBUG off, mail written to files (document 002's sign-in codes are read
   there), throttles lifted (one IP sends everything; the throttles have tests of their
   own);
3. ``--clients`` threads, each playing one virtual user after another until
   ``--requests`` answers have been served. A virtual user walks one document's flow:
   register, sign in, "me", refresh, logout, and a replay of its last refresh token
   after logging out (which must be refused). Each request has the answers its step
   expects; anything else is reported;
4. with ``--faults``, at 20/40/60/80 % of the budget: a graceful reload (SIGHUP), a hard
   kill of one worker (SIGKILL; the master starts another), a graceful stop and start
   (SIGTERM, then a new server on the same port) and a crash of the whole server
   (SIGKILL to every process, then a new server). Clients retry connection errors.
   A request whose connection broke after it was sent may have been carried out
   without its answer arriving; the virtual user who sent it is *uncertain* from then
   on: its acknowledged tokens must still exist, but their state is not predicted;
5. the check, in this process through Django's ORM: no 5xx; no unexpected answer;
   every account whose registration was acknowledged exists; every refresh token a
   client received with a 2xx is in the store (RefreshTokenRecord, by the SHA-256 of
   its jti), in the state the client's own view implies (rotated, blacklisted on
   logout, or live) with its family revoked or live as expected; no family anywhere
   holds two live refresh tokens. ``--self-check`` then deletes one acknowledged token
   and one acknowledged account and makes sure the check reports exactly those.

The exit status is 0 only when the check passes; ``--json`` writes the report.
Nothing here listens anywhere but 127.0.0.1.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import email
import hashlib
import http.client
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
PASSWORD = "Quiet-harbour-lantern-72"  # passes Django's four validators

#: Connection failures a client retries. Refused: the request never reached a server.
#: The others may come after the server received (and carried out) the request.
_REFUSED = (ConnectionRefusedError,)
_BROKEN = (
    ConnectionResetError,
    ConnectionAbortedError,
    BrokenPipeError,
    http.client.RemoteDisconnected,
    http.client.IncompleteRead,
    TimeoutError,
)
#: How long a client keeps retrying one request while the server is away.
RETRY_FOR = 90.0
REQUEST_TIMEOUT = 60.0

_CODE_RE = re.compile(r"sign-in code is (\d{6})")
_SEPARATOR = b"\n" + b"-" * 79 + b"\n"


# --- the server -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


def usable_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class Server:
    """gunicorn serving django_app, in a process group of its own (so a crash can be
    simulated by killing every process of it and nothing else)."""

    def __init__(
        self, env: dict[str, str], port: int, workers: int, log: Path, threads: int = 1
    ) -> None:
        self.env = env
        self.port = port
        self.workers = workers
        self.threads = threads
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> None:
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "django_app.wsgi:application",
            "--bind",
            f"{HOST}:{self.port}",
            "--workers",
            str(self.workers),
            *(
                ["--worker-class", "gthread", "--threads", str(self.threads)]
                if self.threads > 1
                else ["--worker-class", "sync"]
            ),
            "--timeout",
            "60",
            "--graceful-timeout",
            "30",
            "--error-logfile",
            str(self.log),
            "--log-level",
            "warning",
        ]
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
                command, cwd=ROOT, env=self.env, stdout=out, stderr=out, start_new_session=True
            )
        self.wait_ready()

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.proc.returncode}); see {self.log}")
            try:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=5)
                conn.request("GET", "/auth-api/get-csrf-token/")
                if conn.getresponse().status == 200:
                    conn.close()
                    return
                conn.close()
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not answer within {timeout} s; see {self.log}")

    def worker_pids(self) -> list[int]:
        """The master's children (gunicorn's workers), from /proc."""
        assert self.proc is not None
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # pid (comm) state ppid ...: comm may hold spaces, so split after its ")".
            if int(stat.rpartition(")")[2].split()[1]) == self.proc.pid:
                pids.append(int(entry.name))
        return sorted(pids)

    def reload(self) -> None:
        """SIGHUP: gunicorn starts new workers and retires the old ones gracefully."""
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGHUP)
        time.sleep(0.5)
        self.wait_ready()

    def kill_worker(self) -> None:
        """SIGKILL one worker mid-request; the master starts a replacement."""
        deadline = time.monotonic() + 30
        while not (pids := self.worker_pids()) and time.monotonic() < deadline:
            time.sleep(0.05)
        if not pids:
            raise RuntimeError("gunicorn has no worker to kill")
        os.kill(pids[0], signal.SIGKILL)
        self.wait_ready()

    def stop(self, sig: signal.Signals = signal.SIGTERM, timeout: float = 60.0) -> None:
        """``sig`` to the master (SIGTERM: graceful; in-flight requests finish) or, for
        SIGKILL, to every process of the server at once (a crash)."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            if sig == signal.SIGKILL:
                os.killpg(self.proc.pid, signal.SIGKILL)
            else:
                os.kill(self.proc.pid, sig)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        # Workers orphaned by a crash of the master are part of the group: gone too.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc = None

    def restart(self, sig: signal.Signals) -> None:
        self.stop(sig)
        self.start()


# --- databases ------------------------------------------------------------------------


@contextlib.contextmanager
def database(spec: str, workdir: Path) -> Iterator[tuple[str, str]]:
    """``(DATABASE_URL, vendor)`` of a fresh, empty database for one run: a SQLite file
    in ``workdir`` ("sqlite"), or a new database on the PostgreSQL server ``spec``
    names, dropped when the run ends."""
    if spec == "sqlite":
        yield f"sqlite:///{workdir / 'load.sqlite3'}", "sqlite"
        return
    if not spec.startswith(("postgres://", "postgresql://")):
        raise SystemExit(f"--database: 'sqlite' or a postgres:// URL, not {spec!r}")
    import psycopg

    name = f"pyauth_load_{os.getpid()}_{secrets.token_hex(4)}"
    parts = urlsplit(spec)
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')  # a name we made: [a-z0-9_]
    try:
        yield urlunsplit(parts._replace(path=f"/{name}")), "postgresql"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def server_env(database_url: str, workdir: Path, redis_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYAUTH_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "django_app.settings",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "ALLOWED_HOSTS": HOST,
            "DATABASE_URL": database_url,
            "EMAIL_FILE_PATH": str(workdir / "mail"),
            "MEDIA_ROOT": str(workdir / "media"),
            "PYTHONUNBUFFERED": "1",
        }
    )
    for scope in ("LOGIN", "OTP", "TOKEN", "RESET", "VERIFY", "REGISTER", "SOCIAL", "REFRESH"):
        env[f"THROTTLE_AUTH_{scope}"] = "1000000/min"
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


# --- the client side ------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    body: Any
    cookies: list[tuple[str, str, str, bool]]  # (name, value, path, deleted)
    ambiguous: bool  # a retry followed a broken connection: the server may have acted


class Stats:
    """Counters shared by every client thread."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.lock = threading.Lock()
        self.served = 0
        self.by_status: Counter[int] = Counter()
        self.by_endpoint: dict[str, Counter[int]] = {}
        self.seconds_by_endpoint: Counter[str] = Counter()
        self.retries = 0
        self.broken = 0
        self.refused = 0
        self.unexpected: list[dict[str, Any]] = []
        self.ambiguous_steps = 0
        self.users_started = 0
        self.users_finished = 0
        self.flows: Counter[str] = Counter()

    def count(self, endpoint: str, status: int, seconds: float) -> None:
        with self.lock:
            self.served += 1
            self.by_status[status] += 1
            self.by_endpoint.setdefault(endpoint, Counter())[status] += 1
            self.seconds_by_endpoint[endpoint] += seconds

    def spent(self) -> bool:
        return self.served >= self.budget


class Jar:
    """The cookies of one virtual user: (name, path) -> value, sent to paths under
    their path (the refresh cookies are scoped), deleted when the server expires them.
    Secure cookies are sent over http to 127.0.0.1, as browsers do for localhost."""

    def __init__(self) -> None:
        self.cookies: dict[tuple[str, str], str] = {}

    def header(self, path: str) -> str:
        return "; ".join(
            f"{name}={value}"
            for (name, scope), value in self.cookies.items()
            if path.startswith(scope)
        )

    def update(self, cookies: list[tuple[str, str, str, bool]]) -> None:
        for name, value, path, deleted in cookies:
            if deleted:
                self.cookies.pop((name, path), None)
            else:
                self.cookies[(name, path)] = value

    def get(self, name: str) -> str | None:
        for (cookie, _path), value in self.cookies.items():
            if cookie == name:
                return value
        return None

    def put(self, name: str, path: str, value: str) -> None:
        self.cookies[(name, path)] = value


def _parse_cookies(headers: list[str]) -> list[tuple[str, str, str, bool]]:
    out = []
    for header in headers:
        jar: SimpleCookie = SimpleCookie()
        jar.load(header)
        for name, morsel in jar.items():
            deleted = morsel["max-age"] == "0" or "1970" in morsel["expires"]
            out.append((name, morsel.value, morsel["path"] or "/", deleted))
    return out


def jti_digest_of(token: str) -> tuple[str, str | None]:
    """(SHA-256 hex of the jti, sid) of a JWT, read without verifying (the client's
    view: it only needs to name the token to the store)."""
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return hashlib.sha256(claims["jti"].encode()).hexdigest(), claims.get("sid")


def sid_of(token: str) -> str | None:
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    sid = claims.get("sid")
    return sid if isinstance(sid, str) else None


class Ledger:
    """What the clients were told: acknowledged accounts, refresh tokens and families,
    each with the state the client's own view implies (None: uncertain)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.emails: set[str] = set()
        self.usernames: set[str] = set()
        #: jti digest -> "live" | "rotated" | "blacklisted" | None (uncertain)
        self.tokens: dict[str, str | None] = {}
        #: sid -> True (revoked) | False (live) | None (uncertain)
        self.families: dict[str, bool | None] = {}

    def account(self, email_address: str | None = None, username: str | None = None) -> None:
        with self.lock:
            if email_address:
                self.emails.add(email_address)
            if username:
                self.usernames.add(username)


class Mailbox:
    """Reads the mail django_app writes to EMAIL_FILE_PATH (Django's file backend: one
    file per connection, messages separated by a line of 79 dashes, files only ever
    appended to), remembering how far it read each file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.lock = threading.Lock()
        self.offsets: dict[str, int] = {}
        self.codes: dict[str, list[str]] = {}

    def _scan(self) -> None:
        if not self.folder.is_dir():
            return
        for entry in os.scandir(self.folder):
            start = self.offsets.get(entry.name, 0)
            if entry.stat().st_size <= start:
                continue
            with open(entry.path, "rb") as f:
                f.seek(start)
                data = f.read()
            end = data.rfind(_SEPARATOR)
            if end < 0:
                continue  # a message still being written
            self.offsets[entry.name] = start + end + len(_SEPARATOR)
            for raw in data[:end].split(_SEPARATOR):
                message = email.message_from_bytes(raw.strip(b"\n"))
                body = message.get_payload(decode=True) or b""
                match = _CODE_RE.search(body.decode("utf-8", "replace"))
                if match:
                    self.codes.setdefault(str(message["To"]).strip(), []).append(match.group(1))

    def code(self, to: str, seen: int, timeout: float = 30.0) -> str | None:
        """The newest code mailed to ``to`` once more than ``seen`` were."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                self._scan()
                codes = self.codes.get(to, [])
                if len(codes) > seen:
                    return codes[-1]
            time.sleep(0.02)
        return None


class Abandon(Exception):
    """The virtual user stops here (an unexpected or uncertain answer, or the budget)."""


class VirtualUser:
    """One person using one document's API, with a cookie jar of their own."""

    flow = ""

    def __init__(self, run: Run, number: int) -> None:
        self.run = run
        self.jar = Jar()
        self.uncertain = False
        self.tag = f"{run.tag}{number}"
        self.email = f"load-{self.tag}@example.com"
        self.username = f"load{self.tag}"
        self.refresh_tokens: list[str] = []  # digests, oldest first
        self.sids: list[str] = []

    # -- requests --

    def call(
        self,
        method: str,
        path: str,
        expect: set[int],
        body: Any = None,
        headers: dict[str, str] | None = None,
        step: str = "",
    ) -> Reply:
        stats = self.run.stats
        if stats.spent():
            raise Abandon
        payload = json.dumps(body).encode() if body is not None else None
        base_headers = {"Host": HOST, "Accept": "application/json"}
        if payload is not None:
            base_headers["Content-Type"] = "application/json"
        cookie = self.jar.header(path)
        if cookie:
            base_headers["Cookie"] = cookie
        base_headers.update(headers or {})
        ambiguous = False
        deadline = time.monotonic() + RETRY_FOR
        while True:
            conn = http.client.HTTPConnection(HOST, self.run.port, timeout=REQUEST_TIMEOUT)
            sent = time.monotonic()
            try:
                conn.request(method, path, body=payload, headers=base_headers)
                response = conn.getresponse()
                raw = response.read()
                set_cookies = response.headers.get_all("Set-Cookie") or []
                status = response.status
                break
            except _REFUSED:
                with stats.lock:
                    stats.refused += 1
                    stats.retries += 1
            except _BROKEN:
                ambiguous = True
                with stats.lock:
                    stats.broken += 1
                    stats.retries += 1
            finally:
                conn.close()
            if time.monotonic() > deadline:
                raise RuntimeError(f"{method} {path}: no server for {RETRY_FOR} s")
            time.sleep(0.05)
        endpoint = f"{method} {re.sub(r'/[0-9]+/', '/<id>/', path)}"
        stats.count(endpoint, status, time.monotonic() - sent)
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw[:200].decode("utf-8", "replace")
        reply = Reply(status, parsed, _parse_cookies(set_cookies), ambiguous)
        if ambiguous:
            self.become_uncertain()
        if status in expect:
            self.jar.update(reply.cookies)
            return reply
        if self.uncertain:
            with stats.lock:
                stats.ambiguous_steps += 1
            raise Abandon
        with stats.lock:
            if len(stats.unexpected) < 50:
                stats.unexpected.append(
                    {
                        "flow": self.flow,
                        "step": step or endpoint,
                        "status": status,
                        "body": parsed if status < 500 else str(parsed)[:200],
                    }
                )
            else:
                stats.unexpected.append({"status": status})
        raise Abandon

    def csrf_header(self) -> dict[str, str]:
        token = self.jar.get("csrftoken")
        return {"X-CSRFToken": token} if token else {}

    # -- the ledger --

    def become_uncertain(self) -> None:
        if self.uncertain:
            return
        self.uncertain = True
        ledger = self.run.ledger
        with ledger.lock:
            for digest in self.refresh_tokens:
                ledger.tokens[digest] = None
            for sid in self.sids:
                ledger.families[sid] = None

    def _mark(self, digest: str | None, state: str) -> None:
        if digest is None:
            return
        with self.run.ledger.lock:
            self.run.ledger.tokens[digest] = None if self.uncertain else state

    def _family(self, sid: str | None, revoked: bool) -> None:
        if sid is None:
            return
        if sid not in self.sids:
            self.sids.append(sid)
        with self.run.ledger.lock:
            self.run.ledger.families[sid] = None if self.uncertain else revoked

    def received_refresh(self, token: str | None, rotated_previous: bool) -> None:
        """A refresh token acknowledged with a 2xx: it must be in the store."""
        if not token:
            raise RuntimeError(f"{self.flow}: a 2xx without the refresh token it promises")
        digest, sid = jti_digest_of(token)
        if self.refresh_tokens and self.refresh_tokens[-1] == digest:
            return  # not rotated (document 003)
        if rotated_previous and self.refresh_tokens:
            self._mark(self.refresh_tokens[-1], "rotated")
        self.refresh_tokens.append(digest)
        self._mark(digest, "live")
        self._family(sid, revoked=False)

    def logged_out(self) -> None:
        if self.refresh_tokens:
            self._mark(self.refresh_tokens[-1], "blacklisted")
        for sid in self.sids:
            self._family(sid, revoked=True)

    def play(self) -> None:
        raise NotImplementedError


class Doc000(VirtualUser):
    """/api/auth/: HttpOnly access and refresh cookies, the refresh cookie rotating."""

    flow = "000 cookies"

    def play(self) -> None:
        email_address = self.email
        self.call(
            "POST",
            "/api/auth/register",
            {201},
            {"email": email_address, "password": PASSWORD, "confirm_password": PASSWORD},
        )
        self.run.ledger.account(email_address=email_address)
        self.call("POST", "/api/auth/login", {200}, {"email": email_address, "password": PASSWORD})
        self.received_refresh(self.jar.get("refresh_token"), rotated_previous=False)
        for _ in range(2):
            me = self.call("GET", "/api/auth/me", {200})
            if me.body.get("email") != email_address:
                raise RuntimeError(f"/api/auth/me answered {me.body} to {email_address}")
            self.call("POST", "/api/auth/token/refresh", {200})
            self.received_refresh(self.jar.get("refresh_token"), rotated_previous=True)
        self.call("GET", "/api/auth/me", {200})
        last = self.jar.get("refresh_token")
        self.call("POST", "/api/auth/logout", {200})
        self.logged_out()
        if last:  # a stolen copy of the last refresh token, replayed: refused
            self.jar.put("refresh_token", "/api/auth/", last)
            self.call("POST", "/api/auth/token/refresh", {401}, step="replay after logout")


class Doc003(VirtualUser):
    """/api/register/, token/, token/refresh/ (no rotation), dashboard/: Bearer tokens."""

    flow = "003 bearer"

    def play(self) -> None:
        self.call(
            "POST", "/api/register/", {201}, {"username": self.username, "password": PASSWORD}
        )
        self.run.ledger.account(username=self.username)
        pair = self.call(
            "POST", "/api/token/", {200}, {"username": self.username, "password": PASSWORD}
        ).body
        refresh = pair["refresh"]
        self.received_refresh(refresh, rotated_previous=False)
        access = pair["access"]
        for _ in range(2):
            self.call(
                "GET", "/api/dashboard/", {200}, headers={"Authorization": f"Bearer {access}"}
            )
            access = self.call("POST", "/api/token/refresh/", {200}, {"refresh": refresh}).body[
                "access"
            ]
        self.call("GET", "/api/dashboard/", {200}, headers={"Authorization": f"Bearer {access}"})


class Doc001(VirtualUser):
    """/api/register/, login/, user/, logout/: the ``jwt`` cookie and a Django session."""

    flow = "001/004 jwt cookie and session"

    def play(self) -> None:
        self.call(
            "POST",
            "/api/register/",
            {201},
            {"name": "Load Tester", "email": self.email, "password": PASSWORD},
        )
        self.run.ledger.account(email_address=self.email)
        self.call("POST", "/api/login/", {200}, {"email": self.email, "password": PASSWORD})
        jwt_cookie = self.jar.get("jwt")
        if not jwt_cookie:
            raise RuntimeError("/api/login/ set no jwt cookie")
        self._family(sid_of(jwt_cookie), revoked=False)
        for _ in range(3):
            self.call("GET", "/api/user/", {200})
        self.call("POST", "/api/logout/", {200}, headers=self.csrf_header())
        self.logged_out()
        self.call("GET", "/api/user/", {401, 403}, step="user/ after logout")


class Doc002(VirtualUser):
    """/auth-api/: CSRF on every unsafe request, a mailed code, cookies scoped to
    /auth-api/ for the refresh token."""

    flow = "002 otp and cookies"

    def play(self) -> None:
        self.call("GET", "/auth-api/get-csrf-token/", {200})
        created = self.call(
            "POST",
            "/auth-api/users/",
            {201},
            {"email": self.email, "password": PASSWORD, "full_name": "Load Tester"},
            headers=self.csrf_header(),
        ).body
        self.run.ledger.account(email_address=self.email)
        me = f"/auth-api/users/{created['id']}/"
        self.call(
            "POST",
            "/auth-api/login/",
            {200},
            {"email": self.email, "password": PASSWORD},
            headers=self.csrf_header(),
        )
        code = self.run.mailbox.code(self.email, seen=0)
        if code is None:
            raise RuntimeError(f"no sign-in code was mailed to {self.email}")
        self.call(
            "POST",
            "/auth-api/token/",
            {200},
            {"email": self.email, "otp": code},
            headers=self.csrf_header(),
        )
        self.received_refresh(self.jar.get("refresh_token"), rotated_previous=False)
        for _ in range(2):
            self.call("GET", me, {200})
            self.call("POST", "/auth-api/token/refresh/", {200}, headers=self.csrf_header())
            self.received_refresh(self.jar.get("refresh_token"), rotated_previous=True)
        last = self.jar.get("refresh_token")
        self.call("POST", "/auth-api/logout/", {200}, headers=self.csrf_header())
        self.logged_out()
        if last:
            self.jar.put("refresh_token", "/auth-api/", last)
            self.call(
                "POST",
                "/auth-api/token/refresh/",
                {401},
                headers=self.csrf_header(),
                step="replay after logout",
            )


FLOWS: tuple[type[VirtualUser], ...] = (Doc000, Doc003, Doc001, Doc002)


# --- the run --------------------------------------------------------------------------


@dataclass
class Fault:
    kind: str
    at_request: int
    seconds: float = 0.0


@dataclass
class Run:
    port: int
    stats: Stats
    ledger: Ledger
    mailbox: Mailbox
    tag: str
    seed: int
    errors: list[str] = field(default_factory=list)
    counter: int = 0
    counter_lock: threading.Lock = field(default_factory=threading.Lock)

    def next_number(self) -> int:
        with self.counter_lock:
            self.counter += 1
            return self.counter


def client_thread(run: Run, index: int) -> None:
    rng = random.Random(run.seed * 1000 + index)  # noqa: S311 - picks flows, not secrets
    while not run.stats.spent():
        flow = rng.choice(FLOWS)
        user = flow(run, run.next_number())
        with run.stats.lock:
            run.stats.users_started += 1
            run.stats.flows[flow.flow] += 1
        try:
            user.play()
            with run.stats.lock:
                run.stats.users_finished += 1
        except Abandon:
            continue
        except Exception as exc:  # a defect of the server's answers or of this driver
            with run.stats.lock:
                run.errors.append(f"{flow.flow}: {exc!r}")
            return


FAULTS: tuple[tuple[float, str], ...] = (
    (0.2, "graceful reload (SIGHUP)"),
    (0.4, "worker killed (SIGKILL)"),
    (0.6, "graceful stop and start (SIGTERM)"),
    (0.8, "crash of every process and start (SIGKILL)"),
)


def inject_faults(server: Server, run: Run, running: Callable[[], bool]) -> list[Fault]:
    """Fire FAULTS as the budget passes their fractions, while clients are ``running``."""
    fired: list[Fault] = []
    for fraction, kind in FAULTS:
        while run.stats.served < fraction * run.stats.budget and running():
            time.sleep(0.02)
        if not running():
            break
        fault = Fault(kind, run.stats.served)
        started = time.monotonic()
        if "SIGHUP" in kind:
            server.reload()
        elif "worker" in kind:
            server.kill_worker()
        elif "SIGTERM" in kind:
            server.restart(signal.SIGTERM)
        else:
            server.restart(signal.SIGKILL)
        fault.seconds = round(time.monotonic() - started, 2)
        fired.append(fault)
    return fired


# --- the check ------------------------------------------------------------------------


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _chunks(items: list[str], size: int = 500) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def check(ledger: Ledger) -> dict[str, Any]:
    """Compare what the clients were told with the store (Django must be set up)."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count, Q

    from pyauth.lifecycle.models import RefreshTokenRecord, TokenFamily

    users = get_user_model()._default_manager
    found_emails: set[str] = set()
    for chunk in _chunks(sorted(ledger.emails)):
        found_emails.update(users.filter(email__in=chunk).values_list("email", flat=True))
    found_usernames: set[str] = set()
    for chunk in _chunks(sorted(ledger.usernames)):
        found_usernames.update(users.filter(username__in=chunk).values_list("username", flat=True))
    missing_accounts = sorted((ledger.emails - found_emails) | (ledger.usernames - found_usernames))

    records: dict[str, tuple[Any, Any]] = {}
    for chunk in _chunks(sorted(ledger.tokens)):
        for digest, used, blacklisted in RefreshTokenRecord.objects.filter(
            jti_digest__in=chunk
        ).values_list("jti_digest", "used_at", "blacklisted_at"):
            records[digest] = (used, blacklisted)
    missing_tokens = sorted(set(ledger.tokens) - set(records))
    wrong_tokens = []
    for digest, expected in ledger.tokens.items():
        if expected is None or digest not in records:
            continue
        used, blacklisted = records[digest]
        state = "blacklisted" if blacklisted else "rotated" if used else "live"
        if state != expected:
            wrong_tokens.append({"digest": digest[:12], "expected": expected, "found": state})

    families: dict[str, bool] = {}
    for chunk in _chunks(sorted(ledger.families)):
        for sid, revoked_at in TokenFamily.objects.filter(pk__in=chunk).values_list(
            "id", "revoked_at"
        ):
            families[sid] = revoked_at is not None
    missing_families = sorted(set(ledger.families) - set(families))
    wrong_families = [
        {"sid": sid[:8], "expected_revoked": expected, "revoked": families[sid]}
        for sid, expected in ledger.families.items()
        if expected is not None and sid in families and families[sid] != expected
    ]
    forked = (
        TokenFamily.objects.annotate(
            live=Count(
                "tokens",
                filter=Q(tokens__used_at__isnull=True, tokens__blacklisted_at__isnull=True),
            )
        )
        .filter(live__gt=1)
        .count()
    )
    uncertain = sum(1 for state in ledger.tokens.values() if state is None)
    return {
        "accounts_acknowledged": len(ledger.emails) + len(ledger.usernames),
        "accounts_missing": len(missing_accounts),
        "refresh_tokens_acknowledged": len(ledger.tokens),
        "refresh_tokens_in_store": len(records),
        "refresh_tokens_missing": len(missing_tokens),
        "refresh_tokens_in_wrong_state": len(wrong_tokens),
        "refresh_tokens_uncertain": uncertain,
        "families_acknowledged": len(ledger.families),
        "families_missing": len(missing_families),
        "families_in_wrong_state": len(wrong_families),
        "families_forked": forked,
        "refresh_records_total": RefreshTokenRecord.objects.count(),
        "examples": {
            "accounts_missing": missing_accounts[:5],
            "refresh_tokens_missing": [d[:12] for d in missing_tokens[:5]],
            "refresh_tokens_in_wrong_state": wrong_tokens[:5],
            "families_missing": [s[:8] for s in missing_families[:5]],
            "families_in_wrong_state": wrong_families[:5],
        },
    }


def check_passes(result: dict[str, Any]) -> bool:
    return not any(
        result[key]
        for key in (
            "accounts_missing",
            "refresh_tokens_missing",
            "refresh_tokens_in_wrong_state",
            "families_missing",
            "families_in_wrong_state",
            "families_forked",
        )
    )


def self_check(ledger: Ledger) -> dict[str, Any]:
    """Delete one acknowledged live refresh token and one acknowledged account, and
    make sure :func:`check` reports exactly those: the check can fail."""
    from django.contrib.auth import get_user_model

    from pyauth.lifecycle.models import RefreshTokenRecord

    live = sorted(d for d, state in ledger.tokens.items() if state == "live")
    if not live or not ledger.emails:
        return {"ran": False, "passed": False, "reason": "nothing acknowledged to delete"}
    RefreshTokenRecord.objects.filter(jti_digest=live[0]).delete()
    victim = sorted(ledger.emails)[0]
    get_user_model()._default_manager.filter(email=victim).delete()  # cascades its tokens
    after = check(ledger)
    passed = (
        after["accounts_missing"] == 1
        and after["examples"]["accounts_missing"] == [victim]
        and after["refresh_tokens_missing"] >= 1
        and live[0][:12] in after["examples"]["refresh_tokens_missing"]
    )
    return {"ran": True, "passed": passed, "after_deletion": after}


# --- main -----------------------------------------------------------------------------


def _close_django_connections() -> None:
    if "django.db" not in sys.modules:
        return
    from django.conf import settings

    if settings.configured:
        from django.db import connections

        connections.close_all()


@dataclass
class Deployment:
    """A served django_app: the server, its environment, its work directory."""

    server: Server
    env: dict[str, str]
    workdir: Path
    vendor: str

    def manage(self, *arguments: str) -> str:
        """``manage.py <arguments>`` against this deployment's database; its stdout."""
        done = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
            [sys.executable, "manage.py", *arguments],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        )
        return done.stdout

    def log_tail(self, size: int = 4000) -> str:
        try:
            return self.server.log.read_text(errors="replace")[-size:]
        except OSError:
            return ""


@contextlib.contextmanager
def deployment(
    database_spec: str = "sqlite",
    workers: int = 0,
    redis_url: str | None = None,
    extra_env: dict[str, str] | None = None,
    keep: bool = False,
    threads: int = 1,
) -> Iterator[Deployment]:
    """A fresh database, migrated, served by gunicorn (``workers``, default one per
    core; sync workers, or gthread ones with ``threads`` > 1) until the block ends;
    then everything is stopped and removed (``keep``: the work directory stays, for a
    post-mortem)."""
    workdir = Path(tempfile.mkdtemp(prefix="pyauth-load-"))
    server: Server | None = None
    try:
        with database(database_spec, workdir) as (database_url, vendor):
            env = server_env(database_url, workdir, redis_url)
            env.update(extra_env or {})
            (workdir / "mail").mkdir()
            log = workdir / "gunicorn.log"
            server = Server(env, free_port(), workers or usable_cores(), log, threads)
            served = Deployment(server, env, workdir, vendor)
            served.manage("migrate", "--noinput", "-v", "0")
            server.start()
            try:
                yield served
            finally:
                server.stop(signal.SIGKILL)
                _close_django_connections()  # the check's, before the database is dropped
    finally:
        if keep:
            print(f"kept {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def run_load(args: argparse.Namespace) -> dict[str, Any]:
    """One load run (see the module docstring); the report."""
    with deployment(args.database, args.workers, args.redis_url, keep=args.keep) as served:
        server = served.server
        stats = Stats(args.requests)
        ledger = Ledger()
        run = Run(
            port=server.port,
            stats=stats,
            ledger=ledger,
            mailbox=Mailbox(served.workdir / "mail"),
            tag=secrets.token_hex(3),
            seed=args.seed,
        )
        clients = args.clients or 4 * server.workers
        started = time.monotonic()
        threads = [
            threading.Thread(target=client_thread, args=(run, i), name=f"client-{i}")
            for i in range(clients)
        ]
        for thread in threads:
            thread.start()
        faults: list[Fault] = []
        if args.faults:
            faults = inject_faults(server, run, lambda: any(t.is_alive() for t in threads))
        for thread in threads:
            thread.join()
        seconds = time.monotonic() - started
        server.stop()  # gracefully: the check reads a database nobody writes any more

        setup_django(served.env)
        result = check(ledger)
        five_xx = sum(n for status, n in stats.by_status.items() if status >= 500)
        report: dict[str, Any] = {
            "database": served.vendor,
            "workers": server.workers,
            "clients": clients,
            "requests_served": stats.served,
            "seconds": round(seconds, 1),
            "requests_per_second": round(stats.served / seconds, 1) if seconds else None,
            "by_status": {str(k): v for k, v in sorted(stats.by_status.items())},
            "by_endpoint": {
                endpoint: {
                    **{str(k): v for k, v in sorted(counts.items())},
                    "mean_ms": round(
                        1000 * stats.seconds_by_endpoint[endpoint] / sum(counts.values()), 1
                    ),
                }
                for endpoint, counts in sorted(stats.by_endpoint.items())
            },
            "5xx": five_xx,
            "unexpected_answers": len(stats.unexpected),
            "unexpected_examples": stats.unexpected[:10],
            "driver_errors": run.errors,
            "virtual_users": stats.users_started,
            "virtual_users_finished": stats.users_finished,
            "flows": dict(stats.flows),
            "connection_retries": stats.retries,
            "connections_refused": stats.refused,
            "connections_broken": stats.broken,
            "uncertain_steps": stats.ambiguous_steps,
            "faults": [vars(f) for f in faults],
            "faults_survived": len(faults),
            "store": result,
        }
        report["ok"] = (
            five_xx == 0
            and not stats.unexpected
            and not run.errors
            and stats.served >= args.requests
            and check_passes(result)
            and (not args.faults or len(faults) == len(FAULTS))
        )
        if args.self_check:
            report["self_check"] = self_check(ledger)
            report["ok"] = report["ok"] and report["self_check"]["passed"]
        if not report["ok"]:
            report["server_log_tail"] = served.log_tail()
        return report


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=10_000, help="answers to serve")
    parser.add_argument("--clients", type=int, default=0, help="client threads (4 per worker)")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (cores)")
    parser.add_argument(
        "--database", default="sqlite", help="'sqlite' or a postgres:// URL of a server to use"
    )
    parser.add_argument("--redis-url", default=None, help="REDIS_URL for the server (optional)")
    parser.add_argument("--faults", action="store_true", help="reload, kill and restart mid-run")
    parser.add_argument("--self-check", action="store_true", help="prove the check can fail")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, default=None, help="write the report there")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    report = run_load(args)
    text = json.dumps(report, indent=2, default=str)
    if args.json:
        args.json.write_text(text + "\n")
    if args.json:
        keys = ("ok", "database", "requests_served", "seconds", "5xx", "faults_survived")
        text = json.dumps({key: report.get(key) for key in keys})
    print(text)
    return 0 if report.get("ok") else 1


if __name__ == "__main__":
    sys.exit(main())
