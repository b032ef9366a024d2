"""End to end over HTTP: gunicorn serving bench/drf_site, load from wrk, on 127.0.0.1.

One server at a time (``serve`` starts it in its own process group and always stops the
whole group), each loaded for a bounded time (``wrk -d``), never anything but loopback.
Per run: requests/s, the latency percentiles wrk reports (--latency), the peak RSS of
every worker (VmHWM in /proc/<pid>/status) and the CPU time the workers used per request.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
HOST = "127.0.0.1"


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def workers(self) -> list[int]:
        """The pids of the master's children (gunicorn's workers)."""
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # pid (comm) state ppid ...: comm may hold spaces, so split after its ")".
            ppid = int(stat.rpartition(")")[2].split()[1])
            if ppid == self.proc.pid:
                pids.append(int(entry.name))
        return sorted(pids)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


def tools_missing() -> list[str]:
    missing = [] if shutil.which("wrk") else ["wrk (apt-get install wrk)"]
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        missing.append("gunicorn (pip install gunicorn)")
    return missing


# No proxy from the environment: the server is on loopback.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _status(url: str, headers: dict[str, str]) -> int:
    # Only ever http://127.0.0.1:<port>/..., a server this module started.
    req = urllib.request.Request(url, headers=headers)  # noqa: S310
    try:
        with _OPENER.open(req, timeout=5) as resp:
            status: int = resp.status
            return status
    except urllib.error.HTTPError as exc:
        return exc.code


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the process group (gunicorn stops its workers gracefully), SIGKILL to
    whatever is left after 10 s."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)


@contextlib.contextmanager
def serve(env: dict[str, str], workers: int) -> Iterator[Server]:
    """gunicorn (sync workers, its default) with ``workers`` workers on a free loopback
    port, ready when ``/open`` answers; stopped on leaving, whatever happens."""
    port = free_port()
    log = Path(tempfile.mkstemp(prefix="pyauth-bench-gunicorn-", suffix=".log")[1])
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "--chdir",
        str(HERE),
        "--pythonpath",
        str(HERE),
        "--workers",
        str(workers),
        "--bind",
        f"{HOST}:{port}",
        "--log-level",
        "warning",
        "drf_site.wsgi:application",
    ]
    with log.open("wb") as out:
        # Our own command line (this interpreter, fixed arguments): no shell.
        proc = subprocess.Popen(  # noqa: S603
            cmd,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped as one
        )
    server = Server(proc, port, log)
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited ({proc.returncode}): {log.read_text()[-2000:]}"
                )
            try:
                if _status(f"{server.url}/open", {}) == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn not ready after 30 s: {log.read_text()[-2000:]}")
            time.sleep(0.1)
        # Every worker up (each imports the site itself).
        while len(server.workers()) < workers and time.monotonic() < deadline:
            time.sleep(0.1)
        yield server
    finally:
        _stop(proc)
        log.unlink(missing_ok=True)


def check_auth(server: Server, path: str, token: str) -> None:
    """The endpoint answers 200 with the token and 401 without it, or the load run would
    measure error pages."""
    ok = _status(f"{server.url}{path}", {"Authorization": f"Bearer {token}"})
    anon = _status(f"{server.url}{path}", {})
    if ok != 200 or anon != 401:
        raise RuntimeError(f"{path}: {ok} with the token, {anon} without (want 200, 401)")


_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


def _seconds(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not m:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(m.group(1)) * _UNITS[m.group(2)]


def parse_wrk(out: str) -> dict[str, Any]:
    res: dict[str, Any] = {"percentiles_s": {}}
    for pct, value in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)\s*$", out, re.M):
        res["percentiles_s"][pct] = _seconds(value)
    m = re.search(r"^\s*(\d+) requests in ([\d.]+)(\w+)", out, re.M)
    if m:
        res["requests"] = int(m.group(1))
        res["duration_s"] = _seconds(m.group(2) + m.group(3))
    m = re.search(r"^Requests/sec:\s+([\d.]+)", out, re.M)
    res["rps"] = float(m.group(1)) if m else None
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    res["non_2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    res["socket_errors"] = sum(int(x) for x in m.groups()) if m else 0
    return res


def wrk(
    url: str, token: str, seconds: int, threads: int, connections: int
) -> tuple[dict[str, Any], str]:
    cmd = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "-H",
        f"Authorization: Bearer {token}",
        url,
    ]
    # wrk from PATH with fixed arguments against our own loopback server; bounded by -d
    # and by the timeout.
    proc = subprocess.run(  # noqa: S603
        cmd, capture_output=True, text=True, timeout=seconds + 30, check=True
    )
    return parse_wrk(proc.stdout), proc.stdout


def _proc_status_kib(pid: int, field: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime, stime


def load(
    server: Server,
    path: str,
    token: str,
    *,
    seconds: int,
    warmup: int,
    threads: int,
    connections: int,
) -> dict[str, Any]:
    """A warm-up run, then the measured run; the workers' peak RSS and CPU per request."""
    url = f"{server.url}{path}"
    check_auth(server, path, token)
    wrk(url, token, warmup, threads, connections)
    pids = server.workers()
    before = {pid: _cpu_ticks(pid) for pid in pids}
    res, raw = wrk(url, token, seconds, threads, connections)
    hz = os.sysconf("SC_CLK_TCK")
    cpu = sum(_cpu_ticks(pid) - before[pid] for pid in pids) / hz
    res["workers"] = [
        {
            "pid": pid,
            "vm_hwm_kib": _proc_status_kib(pid, "VmHWM"),
            "vm_rss_kib": _proc_status_kib(pid, "VmRSS"),
        }
        for pid in pids
    ]
    hwm = [w["vm_hwm_kib"] for w in res["workers"] if w["vm_hwm_kib"] is not None]
    res["peak_rss_mib"] = max(hwm) / 1024 if hwm else None
    res["worker_cpu_s"] = cpu
    res["worker_cpu_per_request_us"] = cpu / res["requests"] * 1e6 if res.get("requests") else None
    res["wrk_output"] = raw
    res["threads"], res["connections"], res["seconds"] = threads, connections, seconds
    return res
