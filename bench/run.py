"""pyauth against its peers, side by side, on this machine.

    .venv/bin/python bench/run.py [--quick] [--json PATH] [--primitives PATH]
                                  [--no-e2e] [--only hs256,drf,...]

Each operation is timed in-process, timeit-style: a loop calibrated to run for a
fixed time, repeated; the repeats of competing libraries are interleaved so that a
busy neighbour slows them alike. The figure is the median time per operation over the
repeats; "best" is the fastest repeat and "spread" is (slowest - fastest) / median.

Peers: PyJWT (with `cryptography`) and joserfc for tokens, pyotp for one-time codes,
argon2-cffi and Django for passwords. With --primitives, the Google Benchmark program
built from bench/primitives.cpp gives what OpenSSL / libsodium / simdjson cost called
straight from C++, the floor pyauth's Python figures are measured against.

Tables for people go to stdout; every figure also goes to bench/results/latest.json.
The exit status is 0 whether or not a bar is met: a benchmark informs, it does not
break builds. Missed bars are printed as FAIL.
"""

from __future__ import annotations

import argparse
import base64
import ctypes
import datetime as dt
import gc
import importlib.metadata
import itertools
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_JSON = HERE / "results" / "latest.json"
DEFAULT_CHART = ROOT / "docs" / "bench.png"

# The same 40-byte HMAC secret and audience as bench/primitives.cpp.
SECRET = "bench-secret-0123456789-abcdefghijklmnop"
AUDIENCE = "api"
PASSWORD = "correct horse battery staple"
ARGON2_T, ARGON2_M_KIB, ARGON2_P = 2, 19456, 1


# --- measurement --------------------------------------------------------------------


@dataclass
class Settings:
    repeats: int  # repeats of every fast operation
    target: float  # seconds per repeat of a fast operation
    slow_repeats: int  # Argon2id
    slow_target: float
    pbkdf2_repeats: int  # one PBKDF2 at 1,000,000 iterations is about half a second
    thread_k: int  # hashes per thread in the threads test
    thread_repeats: int
    c_repetitions: int  # Google Benchmark --benchmark_repetitions
    c_min_time: float


FULL = Settings(7, 0.1, 5, 0.05, 3, 4, 3, 3, 0.1)
QUICK = Settings(3, 0.02, 2, 0.01, 1, 2, 1, 1, 0.02)


@dataclass
class Candidate:
    label: str
    stmt: str  # a statement timed in the namespace of the group
    peer: bool = True  # False for pyauth's own rows


@dataclass
class Result:
    label: str
    stmt: str
    peer: bool
    number: int = 0
    samples: list[float] = field(default_factory=list)  # wall seconds per operation, per repeat
    cpu_samples: list[float] = field(default_factory=list)  # this thread's CPU seconds, same

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def best(self) -> float:
        return min(self.samples)

    @property
    def cpu(self) -> float:
        return statistics.median(self.cpu_samples)

    @property
    def spread(self) -> float:
        return (max(self.samples) - min(self.samples)) / self.median

    def as_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "stmt": self.stmt,
            "pyauth": not self.peer,
            "number": self.number,
            "repeats": len(self.samples),
            "median_us": self.median * 1e6,
            "best_us": self.best * 1e6,
            "worst_us": max(self.samples) * 1e6,
            "spread": self.spread,
            "cpu_median_us": self.cpu * 1e6,
            "samples_us": [s * 1e6 for s in self.samples],
            "cpu_samples_us": [s * 1e6 for s in self.cpu_samples],
        }


def compile_loop(stmt: str, ns: dict[str, Any]) -> Callable[[int], tuple[float, float]]:
    """`stmt` in a loop, as timeit builds it (no call per iteration), timed by the wall
    clock and by this thread's CPU clock: the CPU figure shows what a busy machine took
    away from the wall figure."""
    src = (
        "def _loop(_n, _wall=_wall, _cpu=_cpu, _repeat=_repeat):\n"
        "    _w0 = _wall(); _c0 = _cpu()\n"
        "    for _ in _repeat(None, _n):\n"
        f"        {stmt}\n"
        "    return _wall() - _w0, _cpu() - _c0\n"
    )
    scope = {
        **ns,
        "_wall": time.perf_counter,
        "_cpu": time.thread_time,
        "_repeat": itertools.repeat,
    }
    # Our own statements, compiled the way timeit compiles them.
    exec(compile(src, "<bench>", "exec"), scope)  # noqa: S102
    loop: Callable[[int], tuple[float, float]] = scope["_loop"]

    def timed(n: int) -> tuple[float, float]:
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            return loop(n)
        finally:
            if gc_was_enabled:
                gc.enable()

    return timed


def calibrate(loop: Callable[[int], tuple[float, float]], target: float) -> int:
    """The loop count that makes one repeat last about `target` seconds (at least 1).
    The calls made here also warm up caches and lazily built state."""
    number = 1
    while True:
        elapsed = loop(number)[0]
        if elapsed >= target or number >= 10_000_000:
            return number
        if elapsed >= target / 5:
            return max(1, round(number * target / elapsed))
        number *= 10 if elapsed < target / 50 else 4


def paired(samples: list[float], baseline: list[float]) -> float:
    """The median over rounds of ``samples[r] / baseline[r]``: two rows measured in the
    same round of :func:`measure` ran seconds apart, so a host whose speed drifts moves
    both, where the ratio of two medians taken over all rounds would take the drift in."""
    return statistics.median(a / b for a, b in zip(samples, baseline, strict=True))


def measure(
    candidates: list[Candidate], ns: dict[str, Any], repeats: int, target: float
) -> list[Result]:
    loops = [compile_loop(c.stmt, ns) for c in candidates]
    results = [Result(c.label, c.stmt, c.peer) for c in candidates]
    for loop, result in zip(loops, results, strict=True):
        result.number = calibrate(loop, target)
    # Interleaved: repeat r of every candidate runs before repeat r + 1 of any.
    for _ in range(repeats):
        for loop, result in zip(loops, results, strict=True):
            wall, cpu = loop(result.number)
            result.samples.append(wall / result.number)
            result.cpu_samples.append(cpu / result.number)
    return results


# --- formatting ---------------------------------------------------------------------


def fmt_us(seconds: float) -> str:
    us = seconds * 1e6
    if us >= 1000:
        return f"{us:,.0f}"
    if us >= 100:
        return f"{us:.1f}"
    return f"{us:.2f}"


def fmt_ratio(r: float) -> str:
    return f"{r:.2f}x" if r < 10 else f"{r:.1f}x"


class Report:
    def __init__(self) -> None:
        self.groups: list[dict[str, Any]] = []
        self.bars: list[dict[str, Any]] = []
        self.notes: list[str] = []

    def group(self, title: str, results: list[Result], note: str = "") -> dict[str, Result]:
        """Prints a table; the first row is the reference (pyauth) of the ratio column."""
        ref = results[0]
        print(f"\n{title}")
        print(
            f"  {'':46} {'median µs':>10} {'best µs':>10} {'spread':>7} {'cpu µs':>10}"
            f" {'vs first':>9}"
        )
        for r in results:
            ratio = r.median / ref.median
            print(
                f"  {r.label:46} {fmt_us(r.median):>10} {fmt_us(r.best):>10} "
                f"{r.spread * 100:6.1f}% {fmt_us(r.cpu):>10} {fmt_ratio(ratio):>9}"
            )
        if note:
            print(f"  ({note})")
        sys.stdout.flush()
        self.groups.append(
            {
                "title": title,
                "note": note,
                "results": [r.as_json() for r in results],
                "ratios_vs_first": {r.label: r.median / ref.median for r in results},
            }
        )
        return {r.label: r for r in results}

    def bar(
        self,
        name: str,
        value: float | None,
        threshold: float,
        *,
        kind: str = ">=",
        detail: str = "",
        noise: float = 0.0,
        cpu_value: float | None = None,
        chart_slack: float = 0.0,
    ) -> None:
        """A bar: value >= threshold (kind ">=") or value <= threshold (kind "<=").
        `noise` widens a ">=" bar into "PASS (within noise)"."""
        if value is None:
            status = "SKIP"
        elif (value >= threshold) if kind == ">=" else (value <= threshold):
            status = "PASS"
        elif kind == ">=" and value >= threshold * (1 - noise):
            status = "PASS (within noise)"
        else:
            status = "FAIL"
        self.bars.append(
            {
                "name": name,
                "value": value,
                "threshold": threshold,
                "kind": kind,
                "status": status,
                "detail": detail,
                "cpu_time_value": cpu_value,
                "chart_slack": chart_slack,
            }
        )

    def print_bars(self) -> None:
        # The bars of issue 5 ("[5] ...", the request path and logins) last, together.
        self.bars.sort(key=lambda b: b["name"].startswith("[5]"))
        print("\nBars")
        for i, b in enumerate(self.bars):
            if b["name"].startswith("[5]") and not self.bars[i - 1]["name"].startswith("[5]"):
                print("  -- the request path and logins (issue 5)")
            value = "n/a" if b["value"] is None else f"{b['value']:.2f}"
            cpu = b["cpu_time_value"]
            cpu_text = "" if cpu is None else f"; on CPU time {cpu:.2f}"
            print(
                f"  {b['status']:20} {b['name']:62} {value:>7}  "
                f"(bar {b['kind']} {b['threshold']:g})  {b['detail']}{cpu_text}"
            )
        failed = [b["name"] for b in self.bars if b["status"] == "FAIL"]
        if failed:
            print(f"\n  FAIL: {len(failed)} bar(s) missed: {'; '.join(failed)}")
        else:
            print("\n  every bar measured was met")


# --- the machine --------------------------------------------------------------------


def _c_string(lib: ctypes.CDLL, symbol: str, *args: int) -> str | None:
    try:
        fn = getattr(lib, symbol)
    except AttributeError:
        return None
    fn.restype = ctypes.c_char_p
    fn.argtypes = [ctypes.c_int] * len(args)
    value = fn(*args)
    return value.decode() if value else None


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from pyauth import _core

    # dlsym on the extension's handle searches its dependencies: these are the very
    # libcrypto and libsodium that pyauth._core is linked against.
    core = ctypes.CDLL(_core.__file__)
    import cryptography
    from cryptography.hazmat.backends.openssl.backend import backend as crypto_backend

    versions: dict[str, str | None] = {}
    for dist in ("PyJWT", "cryptography", "joserfc", "pyotp", "argon2-cffi", "Django", "orjson"):
        try:
            versions[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            versions[dist] = None
    import ssl

    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)),
        "load_average": os.getloadavg(),
        "platform": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "pyauth": _core.__version__,
        "pyauth_openssl": _c_string(core, "OpenSSL_version", 0),
        "pyauth_libsodium": _c_string(core, "sodium_version_string"),
        "cryptography_openssl": crypto_backend.openssl_version_text(),
        "python_ssl_openssl": ssl.OPENSSL_VERSION,
        "cryptography": cryptography.__version__,
        "packages": versions,
    }


def print_machine(m: dict[str, Any]) -> None:
    print("pyauth benchmarks")
    print(f"  date        {m['date']}")
    print(f"  cpu         {m['cpu']}, {m['cores']} cores ({m['cores_usable']} usable)")
    load = ", ".join(f"{x:.2f}" for x in m["load_average"])
    print(f"  load        {load} (1, 5, 15 min) at start")
    print(f"  python      {m['python']} on {m['platform']}")
    print(f"  pyauth      {m['pyauth']}: {m['pyauth_openssl']}, libsodium {m['pyauth_libsodium']}")
    print(
        f"  peers use   {m['cryptography_openssl']} (bundled by cryptography {m['cryptography']})"
    )
    peers = ", ".join(f"{k} {v}" for k, v in m["packages"].items() if v)
    print(f"  packages    {peers}")
    if m["load_average"][0] > 0.7 * (m["cores_usable"] or 1):
        print("  NOTE        the machine is busy: figures are noisier and the threads test low")


# --- the C primitives ---------------------------------------------------------------


def run_primitives(binary: Path, s: Settings) -> dict[str, Any] | None:
    if not binary.exists():
        print(f"\nC primitives: skipped, {binary} does not exist (make bench builds it)")
        return None
    cmd = [
        str(binary),
        "--benchmark_format=json",
        f"--benchmark_repetitions={s.c_repetitions}",
        "--benchmark_report_aggregates_only=true",
        f"--benchmark_min_time={s.c_min_time}",
    ]
    try:
        # The binary is ours, built by `make bench`; no shell, no untrusted input.
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=True)  # noqa: S603
        doc = json.loads(proc.stdout)
    except (OSError, subprocess.SubprocessError, json.JSONDecodeError) as exc:
        print(f"\nC primitives: skipped, {binary} failed: {exc}")
        return None
    scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
    figures: dict[str, dict[str, Any]] = {}
    for b in doc["benchmarks"]:
        name = b.get("run_name", b["name"]).split("/")[0]
        agg = b.get("aggregate_name", "median" if s.c_repetitions == 1 else "")
        if b.get("run_type") == "aggregate" and agg not in ("median", "cv"):
            continue
        entry = figures.setdefault(name, {"label": b.get("label", "")})
        unit = scale[b.get("time_unit", "ns")]
        if agg == "cv":
            entry["cv"] = b["real_time"]
        elif b.get("run_type") != "aggregate" or agg == "median":
            entry["real_s"] = b["real_time"] * unit
            entry["cpu_s"] = b["cpu_time"] * unit
            # In an aggregate, "iterations" counts repetitions; per-repetition counts
            # are not reported.
            entry["repetitions"] = b.get("repetitions", 1)
    ctx = doc.get("context", {})
    print("\nC primitives (Google Benchmark, bench/primitives.cpp; median of repetitions)")
    print(
        f"  {ctx.get('openssl_version')}, libsodium {ctx.get('libsodium_version')}, "
        f"simdjson {ctx.get('simdjson_version')} ({ctx.get('simdjson_implementation')}), "
        f"signing input {ctx.get('signing_input_bytes')} bytes"
    )
    print(f"  {'':52} {'wall µs':>10} {'cpu µs':>10} {'cv':>7}")
    for name, e in figures.items():
        if "real_s" not in e:
            continue
        cv = f"{e['cv'] * 100:6.1f}%" if "cv" in e else "      -"
        label = name.removeprefix("BM_") + (f" [{e['label']}]" if e["label"] else "")
        print(f"  {label:52} {fmt_us(e['real_s']):>10} {fmt_us(e['cpu_s']):>10} {cv}")
    if ctx.get("library_build_type") == "debug":
        print("  (Debian's libbenchmark is a debug build: only the harness is, not the timed code)")
    return {"context": ctx, "figures": figures}


# --- the comparisons ----------------------------------------------------------------


def bench_hs256(s: Settings, rep: Report) -> dict[str, Result]:
    import jwt as pyjwt
    from joserfc import jwt as jose_jwt
    from joserfc.jwk import OctKey
    from joserfc.jwt import JWTClaimsRegistry

    from pyauth import jwt as pa_jwt

    now = int(time.time())
    claims = access_claims(now)
    token = pa_jwt.encode(claims, SECRET, algorithm="HS256")
    ns: dict[str, Any] = {
        "pa_jwt": pa_jwt,
        "pyjwt": pyjwt,
        "jose_jwt": jose_jwt,
        "OctKey": OctKey,
        "jose_key": OctKey.import_key(SECRET),
        "jose_claims": JWTClaimsRegistry(aud={"essential": True, "value": AUDIENCE}),
        "claims": claims,
        "secret": SECRET,
        "token": token,
        "pyjwt_token": pyjwt.encode(claims, SECRET, algorithm="HS256"),
        # pyauth.jwt's own key set and prepared options for this call (private names: the
        # row that uses them shows what the facade costs over the binding).
        "pa_core": pa_jwt._core,
        "pa_keyset": pa_jwt._keyset(SECRET, ("HS256",)),
        "pa_prepared": pa_jwt._prepared(
            ("HS256",), 0.0, pa_jwt._ALL_CHECKS, (AUDIENCE,), (), (), pa_jwt._NO_TYPE
        ),
    }
    ns["pa_decoder"] = pa_jwt._core.Decoder(ns["pa_keyset"], ns["pa_prepared"])
    assert ns["pa_core"].decode(token, ns["pa_keyset"], ns["pa_prepared"], -1.0) == claims
    assert ns["pa_decoder"](token) == claims
    # Interoperability first: each decodes the other's token to the same claims.
    assert (
        pa_jwt.decode(ns["pyjwt_token"], SECRET, algorithms=["HS256"], audience=AUDIENCE) == claims
    )
    assert pyjwt.decode(token, SECRET, algorithms=["HS256"], audience=AUDIENCE) == claims
    assert jose_jwt.decode(token, ns["jose_key"], algorithms=["HS256"]).claims == claims

    enc = measure(
        [
            Candidate(
                "pyauth.jwt.encode", "pa_jwt.encode(claims, secret, algorithm='HS256')", False
            ),
            Candidate("PyJWT jwt.encode", "pyjwt.encode(claims, secret, algorithm='HS256')"),
            Candidate(
                "joserfc jwt.encode (import_key(str) per call)",
                "jose_jwt.encode({'alg': 'HS256'}, claims, OctKey.import_key(secret))",
            ),
            Candidate(
                "joserfc jwt.encode (prepared OctKey)",
                "jose_jwt.encode({'alg': 'HS256'}, claims, jose_key)",
            ),
        ],
        ns,
        s.repeats,
        s.target,
    )
    out = rep.group("HS256 encode (simplejwt access-token claims, 40-byte str secret)", enc)
    decode_pa = "pa_jwt.decode(token, secret, algorithms=['HS256'], audience='api')"
    dec = measure(
        [
            Candidate("pyauth.jwt.decode", decode_pa, False),
            Candidate(
                "PyJWT jwt.decode",
                "pyjwt.decode(token, secret, algorithms=['HS256'], audience='api')",
            ),
            Candidate(
                "joserfc decode+validate (import_key per call)",
                "jose_claims.validate(jose_jwt.decode(token, OctKey.import_key(secret), "
                "algorithms=['HS256']).claims)",
            ),
            Candidate(
                "joserfc decode+validate (prepared OctKey)",
                "jose_claims.validate("
                "jose_jwt.decode(token, jose_key, algorithms=['HS256']).claims)",
            ),
            # The binding alone, the Decoder (key set and options bound) that
            # pyauth.jwt.decode looks up: what the Python facade adds is the difference to
            # the first row. Then the pybind11 function with the same work, for scale.
            Candidate(HS256_BINDING, "pa_decoder(token)", False),
            Candidate(
                "pyauth _core.decode (pybind11 function)",
                "pa_core.decode(token, pa_keyset, pa_prepared, -1.0)",
                False,
            ),
            # The call djangorestframework-simplejwt's TokenBackend.decode makes.
            Candidate(
                "pyauth.jwt.decode, simplejwt's exact call",
                "pa_jwt.decode(token, secret, algorithms=['HS256'], audience='api', issuer=None, "
                "leeway=0, options={'verify_aud': True, 'verify_signature': True})",
                False,
            ),
            Candidate(
                "PyJWT jwt.decode, simplejwt's exact call",
                "pyjwt.decode(token, secret, algorithms=['HS256'], audience='api', issuer=None, "
                "leeway=0, options={'verify_aud': True, 'verify_signature': True})",
            ),
        ],
        ns,
        s.repeats,
        s.target,
    )
    out |= rep.group(
        "HS256 decode with exp and aud checks",
        dec,
        note=f"token of {len(token)} bytes; every row checks signature, exp and aud",
    )
    rep.bar(
        "HS256 decode (exp+aud) vs PyJWT",
        out["PyJWT jwt.decode"].median / out["pyauth.jwt.decode"].median,
        8,
        cpu_value=out["PyJWT jwt.decode"].cpu / out["pyauth.jwt.decode"].cpu,
        detail=f"pyauth {fmt_us(out['pyauth.jwt.decode'].median)} µs, "
        f"PyJWT {fmt_us(out['PyJWT jwt.decode'].median)} µs",
    )
    rep.bar(
        "HS256 encode vs PyJWT",
        out["PyJWT jwt.encode"].median / out["pyauth.jwt.encode"].median,
        6,
        cpu_value=out["PyJWT jwt.encode"].cpu / out["pyauth.jwt.encode"].cpu,
        detail=f"pyauth {fmt_us(out['pyauth.jwt.encode'].median)} µs, "
        f"PyJWT {fmt_us(out['PyJWT jwt.encode'].median)} µs",
    )
    return out


def access_claims(now: int) -> dict[str, Any]:
    """The claims of a djangorestframework-simplejwt access token, with an audience."""
    return {
        "token_type": "access",
        "exp": now + 3600,
        "iat": now,
        "jti": "4f1c2a9be3d54c6f8a7b0e1d2c3b4a59",
        "user_id": 42,
        "aud": AUDIENCE,
    }


def _pem_pair(private_key: Any) -> tuple[str, str]:
    from cryptography.hazmat.primitives import serialization as ser

    private_pem = private_key.private_bytes(
        ser.Encoding.PEM, ser.PrivateFormat.PKCS8, ser.NoEncryption()
    ).decode()
    public_pem = (
        private_key.public_key()
        .public_bytes(ser.Encoding.PEM, ser.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private_pem, public_pem


def bench_asymmetric(s: Settings, rep: Report) -> dict[str, dict[str, Result]]:
    import jwt as pyjwt
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    from pyauth import jwt as pa_jwt

    private_keys: dict[str, Any] = {
        "RS256": rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "ES256": ec.generate_private_key(ec.SECP256R1()),
        "EdDSA": ed25519.Ed25519PrivateKey.generate(),
    }
    claims = access_claims(int(time.time()))
    out: dict[str, dict[str, Result]] = {}
    for alg, private_key in private_keys.items():
        private_pem, public_pem = _pem_pair(private_key)
        ns: dict[str, Any] = {
            "pa_jwt": pa_jwt,
            "pyjwt": pyjwt,
            "claims": claims,
            "alg": alg,
            "algs": [alg],
            "priv_pem": private_pem,
            "pub_pem": public_pem,
            "pa_priv": pa_jwt.load_key(private_pem, alg),
            "pa_pub": pa_jwt.load_key(public_pem, alg),
            "c_priv": private_key,
            "c_pub": private_key.public_key(),
        }
        token = pa_jwt.encode(claims, private_pem, algorithm=alg)
        ns["token"] = token
        assert pyjwt.decode(token, public_pem, algorithms=[alg], audience=AUDIENCE) == claims
        assert (
            pa_jwt.decode(
                pyjwt.encode(claims, private_pem, algorithm=alg),
                public_pem,
                algorithms=[alg],
                audience=AUDIENCE,
            )
            == claims
        )
        signing_input, _, sig_b64 = token.rpartition(".")
        ns["signing_input"] = signing_input.encode()
        ns["signature"] = base64.urlsafe_b64decode(sig_b64 + "=" * (-len(sig_b64) % 4))
        assert ns["pa_pub"].verify(ns["signing_input"], ns["signature"])

        sign = measure(
            [
                Candidate(
                    "pyauth.jwt.encode (PEM str)",
                    "pa_jwt.encode(claims, priv_pem, algorithm=alg)",
                    False,
                ),
                Candidate(
                    "pyauth.jwt.encode (prepared Key)",
                    "pa_jwt.encode(claims, pa_priv, algorithm=alg)",
                    False,
                ),
                Candidate(
                    "PyJWT jwt.encode (PEM str)", "pyjwt.encode(claims, priv_pem, algorithm=alg)"
                ),
                Candidate(
                    "PyJWT jwt.encode (cryptography key)",
                    "pyjwt.encode(claims, c_priv, algorithm=alg)",
                ),
            ],
            ns,
            s.repeats,
            s.target,
        )
        res = rep.group(f"{alg} sign (jwt.encode)", sign)
        verify_rows = [
            Candidate(
                "pyauth.jwt.decode (PEM str)",
                "pa_jwt.decode(token, pub_pem, algorithms=algs, audience='api')",
                False,
            ),
            Candidate(
                "pyauth.jwt.decode (prepared Key)",
                "pa_jwt.decode(token, pa_pub, algorithms=algs, audience='api')",
                False,
            ),
            Candidate(
                "PyJWT jwt.decode (PEM str)",
                "pyjwt.decode(token, pub_pem, algorithms=algs, audience='api')",
            ),
            Candidate(
                "PyJWT jwt.decode (cryptography key)",
                "pyjwt.decode(token, c_pub, algorithms=algs, audience='api')",
            ),
        ]
        if alg == "EdDSA":
            verify_rows.append(
                Candidate(
                    "pyauth Key.verify (signature only)",
                    "pa_pub.verify(signing_input, signature)",
                    False,
                )
            )
        verify = measure(verify_rows, ns, s.repeats, s.target)
        res |= rep.group(
            f"{alg} verify (jwt.decode with exp and aud checks)",
            verify,
            note="PEM str: the key text passed on every call, as simplejwt does",
        )
        out[alg] = res
    for alg, bar in (("EdDSA", 1.8), ("ES256", 1.3)):
        pa_r = out[alg]["pyauth.jwt.decode (PEM str)"]
        pj_r = out[alg]["PyJWT jwt.decode (PEM str)"]
        pa, pj = pa_r.median, pj_r.median
        pa_k = out[alg]["pyauth.jwt.decode (prepared Key)"].median
        pj_k = out[alg]["PyJWT jwt.decode (cryptography key)"].median
        rep.bar(
            f"{alg} verify vs PyJWT (PEM str, as simplejwt)",
            pj / pa,
            bar,
            cpu_value=pj_r.cpu / pa_r.cpu,
            detail=f"pyauth {fmt_us(pa)} µs, PyJWT {fmt_us(pj)} µs; "
            f"both with prepared keys: {pj_k / pa_k:.2f}x",
        )
    return out


def bench_totp(s: Settings, rep: Report) -> dict[str, Result]:
    import pyotp

    from pyauth import otp as pa_otp

    secret = pa_otp.random_base32()
    ns: dict[str, Any] = {
        "pa_otp": pa_otp,
        "pyotp": pyotp,
        "secret": secret,
        "pa_totp": pa_otp.TOTP(secret),
        "po_totp": pyotp.TOTP(secret),
    }
    assert ns["pa_totp"].now() == ns["po_totp"].now()
    ns["code"] = ns["po_totp"].now()
    assert ns["pa_totp"].verify(ns["code"], valid_window=1)
    verify = measure(
        [
            Candidate("pyauth TOTP.verify", "pa_totp.verify(code, valid_window=1)", False),
            Candidate("pyotp TOTP.verify", "po_totp.verify(code, valid_window=1)"),
            Candidate(
                "pyauth TOTP(secret).verify (object per call)",
                "pa_otp.TOTP(secret).verify(code, valid_window=1)",
                False,
            ),
            Candidate(
                "pyotp TOTP(secret).verify (object per call)",
                "pyotp.TOTP(secret).verify(code, valid_window=1)",
            ),
        ],
        ns,
        s.repeats,
        s.target,
    )
    if not ns["po_totp"].verify(ns["code"], valid_window=1):
        rep.notes.append("the TOTP code aged out of the window during the run")
    out = rep.group(
        "TOTP verify, window 1 (the current code; SHA1, 6 digits, 160-bit secret)",
        verify,
        note="pyotp stops at the first match (2 HMACs here); pyauth computes all 3 always",
    )
    now = measure(
        [
            Candidate("pyauth TOTP.now", "pa_totp.now()", False),
            Candidate("pyotp TOTP.now", "po_totp.now()"),
        ],
        ns,
        s.repeats,
        s.target,
    )
    out |= rep.group("TOTP now()", now)
    pa, po = out["pyauth TOTP.verify"].median, out["pyotp TOTP.verify"].median
    rep.bar(
        "TOTP verify (window 1) vs pyotp",
        po / pa,
        5,
        cpu_value=out["pyotp TOTP.verify"].cpu / out["pyauth TOTP.verify"].cpu,
        detail=f"pyauth {fmt_us(pa)} µs, pyotp {fmt_us(po)} µs",
    )
    return out


def bench_passwords(s: Settings, rep: Report) -> dict[str, Result]:
    from argon2 import PasswordHasher

    from pyauth import passwords

    ph = PasswordHasher(time_cost=ARGON2_T, memory_cost=ARGON2_M_KIB, parallelism=ARGON2_P)
    ns: dict[str, Any] = {"passwords": passwords, "ph": ph, "pw": PASSWORD}
    ns["pa_hash"] = passwords.hash(PASSWORD)
    ns["cffi_hash"] = ph.hash(PASSWORD)
    assert ns["pa_hash"].startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert ns["cffi_hash"].startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    # The same hash in both formats: Django's is "argon2" + argon2-cffi's.
    assert passwords.verify(PASSWORD, "argon2" + ns["cffi_hash"])
    assert ph.verify(ns["pa_hash"].removeprefix("argon2"), PASSWORD)
    rows = measure(
        [
            Candidate("pyauth passwords.hash", "passwords.hash(pw)", False),
            Candidate("argon2-cffi PasswordHasher.hash", "ph.hash(pw)"),
        ],
        ns,
        s.slow_repeats,
        s.slow_target,
    )
    out = rep.group("Argon2id hash, m=19456 KiB t=2 p=1", rows)
    rows = measure(
        [
            Candidate("pyauth passwords.verify", "passwords.verify(pw, pa_hash)", False),
            Candidate("argon2-cffi PasswordHasher.verify", "ph.verify(cffi_hash, pw)"),
        ],
        ns,
        s.slow_repeats,
        s.slow_target,
    )
    out |= rep.group("Argon2id verify, m=19456 KiB t=2 p=1", rows)
    pa, cf = out["pyauth passwords.verify"], out["argon2-cffi PasswordHasher.verify"]
    rep.bar(
        "Argon2id verify vs argon2-cffi",
        cf.median / pa.median,
        1.0,
        cpu_value=cf.cpu / pa.cpu,
        noise=max(pa.spread, cf.spread, 0.02),
        detail=f"pyauth {fmt_us(pa.median)} µs, argon2-cffi {fmt_us(cf.median)} µs, "
        f"spreads {pa.spread * 100:.0f}% / {cf.spread * 100:.0f}%",
    )

    from django.conf import settings

    if not settings.configured:
        settings.configure()
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    dj = PBKDF2PasswordHasher()
    ns |= {"dj": dj, "dj_hash": dj.encode(PASSWORD, dj.salt())}
    ns["pa_pbkdf2"] = passwords.hash_pbkdf2_sha256(PASSWORD)
    assert ns["dj_hash"].startswith(f"pbkdf2_sha256${dj.iterations}$")
    assert ns["pa_pbkdf2"].startswith(f"pbkdf2_sha256${dj.iterations}$")
    assert passwords.verify(PASSWORD, ns["dj_hash"]) and dj.verify(PASSWORD, ns["pa_pbkdf2"])
    rows = measure(
        [
            Candidate(
                "pyauth passwords.hash_pbkdf2_sha256", "passwords.hash_pbkdf2_sha256(pw)", False
            ),
            Candidate("Django PBKDF2PasswordHasher.encode", "dj.encode(pw, dj.salt())"),
            Candidate("pyauth passwords.verify", "passwords.verify(pw, pa_pbkdf2)", False),
            Candidate("Django PBKDF2PasswordHasher.verify", "dj.verify(pw, dj_hash)"),
        ],
        ns,
        s.pbkdf2_repeats,
        0.0,  # one call per repeat
    )
    out |= rep.group(
        f"PBKDF2-HMAC-SHA256, {dj.iterations:,} iterations (Django's default)",
        rows,
        note="both on OpenSSL's PBKDF2 (Django through hashlib); rows 3-4 against row 1",
    )
    return out


@dataclass
class ThreadRun:
    one_wall: float  # 2k calls in one thread
    two_wall: float  # k calls in each of two threads
    one_cpu: float  # CPU seconds of those calls
    two_cpu: float  # CPU seconds of both threads together


def _threads_once(fn: Callable[[], object], k: int) -> ThreadRun:
    c0, t0 = time.thread_time(), time.perf_counter()
    for _ in range(2 * k):
        fn()
    one_wall, one_cpu = time.perf_counter() - t0, time.thread_time() - c0

    start = threading.Barrier(3)
    cpu = [0.0, 0.0]

    def work(i: int) -> None:
        start.wait()
        c = time.thread_time()
        for _ in range(k):
            fn()
        cpu[i] = time.thread_time() - c

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    return ThreadRun(one_wall, time.perf_counter() - t0, one_cpu, sum(cpu))


def _cpu_seconds() -> tuple[float, float, float]:
    """(CPU seconds used on the whole machine, of which by this process, of which stolen
    by the hypervisor) since boot, from /proc/stat."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return 0.0, 0.0, 0.0
    ticks = [int(x) for x in fields]
    hz = os.sysconf("SC_CLK_TCK")
    user, nice, system, _idle, _iowait, irq, softirq = ticks[:7]
    steal = ticks[7] if len(ticks) > 7 else 0
    own = os.times()
    return (user + nice + system + irq + softirq) / hz, own.user + own.system, steal / hz


def _gil_ticks(fn: Callable[[], object], calls: int) -> float:
    """While another thread makes `calls` calls of `fn`, the share of 1 ms sleeps the
    main thread completes on time: about 1 when `fn` releases the GIL, about
    calls / (total ms) when it holds it. Unlike a speedup, a busy machine hardly moves it."""
    done = threading.Event()

    def work() -> None:
        for _ in range(calls):
            fn()
        done.set()

    worker = threading.Thread(target=work)
    ticks = 0
    t0 = time.perf_counter()
    worker.start()
    while not done.is_set():
        time.sleep(0.001)
        ticks += 1
    elapsed = time.perf_counter() - t0
    worker.join()
    return min(1.0, ticks / (elapsed * 1000))


def bench_threads(s: Settings, rep: Report) -> dict[str, Any]:
    from argon2 import PasswordHasher

    from pyauth import passwords

    ph = PasswordHasher(time_cost=ARGON2_T, memory_cost=ARGON2_M_KIB, parallelism=ARGON2_P)
    out: dict[str, Any] = {}
    print(
        f"\nThreads: Argon2id, 2 threads x {s.thread_k} hashes against 1 thread x "
        f"{2 * s.thread_k} (speedup = one-thread time / two-thread time)"
    )
    hashers: list[tuple[str, Callable[[], object]]] = [
        ("pyauth passwords.hash", lambda: passwords.hash(PASSWORD)),
        ("argon2-cffi PasswordHasher.hash", lambda: ph.hash(PASSWORD)),
    ]
    for label, fn in hashers:
        fn()
        before = _cpu_seconds()
        runs = [_threads_once(fn, s.thread_k) for _ in range(s.thread_repeats)]
        after = _cpu_seconds()
        busy, own, steal = (b - a for a, b in zip(before, after, strict=True))
        others = max(0.0, busy - own)
        span = sum(r.one_wall + r.two_wall for r in runs)
        one = statistics.median(r.one_wall for r in runs)
        two = statistics.median(r.two_wall for r in runs)
        speedups = [r.one_wall / r.two_wall for r in runs]
        speedup = one / two
        # With the GIL released, two threads on two idle cores would take half the CPU
        # time they used together: an estimate that neighbours on the machine hardly move.
        idle = statistics.median(2 * r.one_cpu / r.two_cpu for r in runs)
        gil = _gil_ticks(fn, s.thread_k)
        print(
            f"  {label:34} 1 thread {one * 1e3:5.0f} ms, 2 threads {two * 1e3:5.0f} ms: "
            f"{speedup:.2f}x (runs: {', '.join(f'{x:.2f}' for x in speedups)}); "
            f"GIL {'released' if gil > 0.5 else 'HELD'} ({gil:.2f} of 1-ms ticks ran); "
            f"on CPU time {idle:.2f}x"
        )
        print(
            f"  {'':34} meanwhile other processes used {others / span:.0%} of a core"
            + (f", the hypervisor stole {steal / span:.0%}" if steal > 0.01 * span else "")
        )
        out[label] = {
            "one_thread_s": one,
            "two_threads_s": two,
            "speedup": speedup,
            "speedups": speedups,
            "speedup_on_cpu_time": idle,
            "k": s.thread_k,
            "gil_tick_share": gil,
            "other_processes_core_share": others / span,
            "steal_core_share": steal / span,
        }
    usable = len(os.sched_getaffinity(0))
    load = os.getloadavg()[0]
    gil = out["pyauth passwords.hash"]["gil_tick_share"]
    speedup = out["pyauth passwords.hash"]["speedup"]
    idle = out["pyauth passwords.hash"]["speedup_on_cpu_time"]
    others = out["pyauth passwords.hash"]["other_processes_core_share"]
    rep.bar(
        "Argon2id 2-thread speedup (pyauth)",
        speedup,
        1.6,
        cpu_value=idle if gil > 0.5 else None,
        detail=f"{usable} usable cores, load {load:.2f} at the end; GIL "
        + ("released" if gil > 0.5 else "HELD")
        + (
            f"; other processes used {others:.0%} of a core meanwhile: rerun on an idle machine"
            if others > 0.2
            else ""
        ),
    )
    return out


EDDSA_C_BAR = "EdDSA verify: pyauth from Python within 1.2x of libsodium in C"
# The row of the HS256 decode group that calls the binding straight (bench_hs256).
HS256_BINDING = "pyauth _core.Decoder (binding, no facade)"
HS256_C_BAR = "[5] HS256 decode from Python within 2x of C++ (decode + claims map)"


def c_ratios(c: dict[str, Any] | None, py: dict[str, Any], rep: Report) -> dict[str, Any]:
    """What each Python call costs over the C++ it ends in."""
    if c is None:
        rep.bar(HS256_C_BAR, None, 2, kind="<=", detail="no primitives binary")
        rep.bar(EDDSA_C_BAR, None, 1.2, kind="<=", detail="no primitives binary")
        return {}
    f = c["figures"]

    def c_us(name: str) -> float | None:
        e = f.get(name)
        return e["real_s"] if e and "real_s" in e else None

    def py_us(section: str, label: str) -> float | None:
        r = py.get(section, {}).get(label)
        return r.median if r is not None else None

    pairs = [
        (
            "EdDSA jwt.decode (PEM str) / libsodium verify",
            py_us("EdDSA", "pyauth.jwt.decode (PEM str)"),
            c_us("BM_Ed25519_Verify"),
        ),
        (
            "EdDSA jwt.decode (prepared Key) / libsodium verify",
            py_us("EdDSA", "pyauth.jwt.decode (prepared Key)"),
            c_us("BM_Ed25519_Verify"),
        ),
        (
            "EdDSA Key.verify / libsodium verify",
            py_us("EdDSA", "pyauth Key.verify (signature only)"),
            c_us("BM_Ed25519_Verify"),
        ),
        (
            "ES256 jwt.decode (PEM str) / OpenSSL ECDSA verify",
            py_us("ES256", "pyauth.jwt.decode (PEM str)"),
            c_us("BM_EcdsaP256_Verify"),
        ),
        (
            "RS256 jwt.decode (PEM str) / OpenSSL RSA verify",
            py_us("RS256", "pyauth.jwt.decode (PEM str)"),
            c_us("BM_Rsa2048Pkcs1_Verify"),
        ),
        (
            "HS256 jwt.decode / C++ TokenDecoder::decode",
            py_us("HS256", "pyauth.jwt.decode"),
            c_us("BM_Pyauth_TokenDecoder_HS256_ExpAud"),
        ),
        (
            "HS256 jwt.decode / C++ decode + claims map",
            py_us("HS256", "pyauth.jwt.decode"),
            c_us("BM_Pyauth_TokenDecoder_HS256_ExpAud_ClaimsMap"),
        ),
        (
            "HS256 _core.Decoder (binding) / C++ decode + claims map",
            py_us("HS256", HS256_BINDING),
            c_us("BM_Pyauth_TokenDecoder_HS256_ExpAud_ClaimsMap"),
        ),
        (
            "TOTP.verify / C++ OtpKey::match",
            py_us("TOTP", "pyauth TOTP.verify"),
            c_us("BM_Pyauth_OtpKey_Match_Window1"),
        ),
        (
            "Argon2id passwords.hash / crypto_pwhash",
            py_us("passwords", "pyauth passwords.hash"),
            c_us("BM_Argon2id_Hash"),
        ),
    ]
    out: dict[str, Any] = {}
    print("\nPython over C (pyauth from Python / the same work in C++, both from this run)")
    print(f"  {'':52} {'Python µs':>10} {'C µs':>10} {'ratio':>7} {'Δ µs':>9}")
    for label, p, cc in pairs:
        if p is None or cc is None:
            continue
        print(f"  {label:52} {fmt_us(p):>10} {fmt_us(cc):>10} {p / cc:6.2f}x {(p - cc) * 1e6:9.2f}")
        out[label] = {"python_us": p * 1e6, "c_us": cc * 1e6, "ratio": p / cc}
    hs_c = f.get("BM_Pyauth_TokenDecoder_HS256_ExpAud_ClaimsMap")
    if "HS256" not in py:
        rep.bar(HS256_C_BAR, None, 2, kind="<=", detail="the HS256 section did not run")
    elif hs_c is None or "real_s" not in hs_c:
        rep.bar(HS256_C_BAR, None, 2, kind="<=", detail="no decode + claims map figure from C")
    else:
        hs_py, hs_bind = py["HS256"]["pyauth.jwt.decode"], py["HS256"][HS256_BINDING]
        bare = c_us("BM_Pyauth_TokenDecoder_HS256_ExpAud")
        rep.bar(
            HS256_C_BAR,
            hs_py.median / hs_c["real_s"],
            2,
            kind="<=",
            cpu_value=hs_py.cpu / hs_c["cpu_s"],
            detail=f"jwt.decode {fmt_us(hs_py.median)} µs = binding "
            f"{fmt_us(hs_bind.median)} + facade {fmt_us(hs_py.median - hs_bind.median)}; "
            f"C++ {fmt_us(hs_c['real_s'])} µs (decode {fmt_us(bare or 0.0)} + claims map "
            f"{fmt_us(hs_c['real_s'] - (bare or 0.0))})",
        )
    lib = c_us("BM_Ed25519_Verify")
    if "EdDSA" not in py:
        rep.bar(EDDSA_C_BAR, None, 1.2, kind="<=", detail="the asymmetric section did not run")
    elif lib is None:
        rep.bar(EDDSA_C_BAR, None, 1.2, kind="<=", detail="no Ed25519 figure from C")
    else:
        pa = py["EdDSA"]["pyauth.jwt.decode (PEM str)"].median
        pa_cpu = py["EdDSA"]["pyauth.jwt.decode (PEM str)"].cpu
        raw = py["EdDSA"]["pyauth Key.verify (signature only)"].median
        rep.bar(
            EDDSA_C_BAR,
            pa / lib,
            1.2,
            kind="<=",
            cpu_value=pa_cpu / f["BM_Ed25519_Verify"]["cpu_s"],
            detail=f"jwt.decode {fmt_us(pa)} µs, libsodium {fmt_us(lib)} µs; "
            f"Key.verify alone {raw / lib:.2f}x",
        )
    return out


# --- the request path (issue 5) -----------------------------------------------------


def bench_drf(s: Settings, rep: Report, site: Any) -> dict[str, Any]:
    """One DRF view in-process through Django's test client (the whole middleware
    stack), open and under each authentication class; then authenticate() alone."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from pyauth.settings import api_settings

    client, cookie_client = Client(), Client()
    cookie_client.cookies["access_token"] = site.pyauth_access
    pa = f"Bearer {site.pyauth_access}"
    sj = f"Bearer {site.simplejwt_access}"
    # Emptying the verified-token cache before a request makes its token a first sighting
    # (the signature verified by the core), as a client's first request after login is.
    forget = api_settings.token_decoder(("token_type", "access")).clear
    ns: dict[str, Any] = {
        "client": client,
        "cookie_client": cookie_client,
        "pa": pa,
        "sj": sj,
        "forget": forget,
    }
    rows = [
        Candidate("open view (no authentication)", "client.get('/open')"),
        Candidate("DRF floor: an authentication class that does nothing", "client.get('/floor')"),
        Candidate(
            "pyauth JWTAuthentication (bearer)",
            "client.get('/pyauth/bearer', HTTP_AUTHORIZATION=pa)",
            False,
        ),
        Candidate(
            "pyauth bearer, token not yet in the verified-token cache",
            "(forget(), client.get('/pyauth/bearer', HTTP_AUTHORIZATION=pa))[1]",
            False,
        ),
        Candidate("pyauth JWTCookieAuthentication", "cookie_client.get('/pyauth/cookie')", False),
        Candidate(
            "simplejwt JWTAuthentication (default)",
            "client.get('/simplejwt/default', HTTP_AUTHORIZATION=sj)",
        ),
        Candidate(
            "simplejwt JWTStatelessUserAuthentication",
            "client.get('/simplejwt/stateless', HTTP_AUTHORIZATION=sj)",
        ),
    ]
    queries: dict[str, int] = {}
    for row in rows:
        # Twice: the first request of a process may fill caches (and read the revocation
        # marks); the second is what the loop repeats.
        exec(row.stmt, dict(ns))  # noqa: S102 - our own statement
        with CaptureQueriesContext(connection) as ctx:
            response = eval(row.stmt, dict(ns))  # noqa: S307 - our own expression
        if response.status_code != 200:
            raise RuntimeError(f"{row.label}: HTTP {response.status_code} {response.content!r}")
        path = row.stmt.split("client.get('")[1].split("'")[0]
        expected = {"/open": None, "/floor": 1}.get(path, site.user_id)
        if response.json()["id"] not in (expected, str(expected)):
            raise RuntimeError(f"{row.label}: answered {response.json()!r}")
        queries[row.label] = len(ctx.captured_queries)
    # Three times the rounds, each half as long: on a shared host the speed drifts within
    # seconds, and the bars below compare rows within each round (see paired()).
    results = measure(rows, ns, s.repeats * 3, s.target / 2)
    out = rep.group(
        "DRF request in-process (Django test client, the view reads request.user.pk)",
        results,
        note="queries per request: "
        + ", ".join(f"{label.split(' (')[0]} {n}" for label, n in queries.items()),
    )
    open_, bearer = out["open view (no authentication)"], out["pyauth JWTAuthentication (bearer)"]
    floor = out["DRF floor: an authentication class that does nothing"]
    simple = out["simplejwt JWTAuthentication (default)"]
    first = out["pyauth bearer, token not yet in the verified-token cache"]
    added, simple_added = bearer.median - open_.median, simple.median - open_.median
    rep.bar(
        "[5] DRF in-process: pyauth bearer / open view",
        paired(bearer.samples, open_.samples),
        1.15,
        kind="<=",
        cpu_value=paired(bearer.cpu_samples, open_.cpu_samples),
        detail=f"median of {len(open_.samples)} rounds' ratios; ratio of the medians "
        f"{bearer.median / open_.median:.2f}; "
        f"open {fmt_us(open_.median)} µs, pyauth bearer {fmt_us(bearer.median)} µs "
        f"(+{fmt_us(added)} µs, {queries['pyauth JWTAuthentication (bearer)']} queries; "
        f"DRF's own share, a class doing nothing: +{fmt_us(floor.median - open_.median)} µs; "
        f"a token not yet in the verified-token cache: +{fmt_us(first.median - open_.median)} "
        f"µs, {fmt_ratio(first.median / open_.median)})",
    )
    rep.bar(
        "[5] DRF in-process: simplejwt default / pyauth bearer",
        paired(simple.samples, bearer.samples),
        2,
        cpu_value=paired(simple.cpu_samples, bearer.cpu_samples),
        detail=f"median of the rounds' ratios; ratio of the medians "
        f"{simple.median / bearer.median:.2f}; simplejwt {fmt_us(simple.median)} µs "
        f"({queries['simplejwt JWTAuthentication (default)']} queries); authentication "
        f"alone +{fmt_us(simple_added)} µs against pyauth's +{fmt_us(added)} µs",
    )
    breakdown = bench_authenticate(s, rep, site)
    return {"results": out, "queries": queries, "breakdown": breakdown}


def bench_authenticate(s: Settings, rep: Report, site: Any) -> dict[str, Result]:
    """Where a bearer request's authentication time goes: authenticate() on a bare
    request, and its steps (the token, the user) for pyauth and simplejwt."""
    from django.contrib.auth import get_user_model
    from django.test import RequestFactory
    from rest_framework_simplejwt.authentication import JWTAuthentication as SimpleAuth

    from pyauth.authentication import JWTAuthentication as PyauthAuth
    from pyauth.settings import api_settings
    from pyauth.tokens import AccessToken

    factory = RequestFactory()
    ns: dict[str, Any] = {
        "pa_auth": PyauthAuth(),
        "sj_auth": SimpleAuth(),
        "pa_req": factory.get("/", HTTP_AUTHORIZATION=f"Bearer {site.pyauth_access}"),
        "sj_req": factory.get("/", HTTP_AUTHORIZATION=f"Bearer {site.simplejwt_access}"),
        "pa_raw": site.pyauth_access.encode(),
        "sj_raw": site.simplejwt_access.encode(),
        "AccessToken": AccessToken,
        "forget": api_settings.token_decoder(("token_type", "access")).clear,
        "User": get_user_model(),
        "uid": site.user_id,
    }
    ns["pa_valid"] = ns["pa_auth"].get_validated_token(ns["pa_raw"])
    ns["sj_valid"] = ns["sj_auth"].get_validated_token(ns["sj_raw"])
    rows = [
        Candidate("pyauth authenticate()", "pa_auth.authenticate(pa_req)", False),
        Candidate("  pyauth get_validated_token()", "pa_auth.get_validated_token(pa_raw)", False),
        Candidate("    pyauth AccessToken(raw) (decode + checks)", "AccessToken(pa_raw)", False),
        Candidate(
            "    pyauth AccessToken(raw), a first sighting (the core verifies)",
            "(forget(), AccessToken(pa_raw))[1]",
            False,
        ),
        Candidate(
            "    pyauth check_family() (revocation marks)", "pa_auth.check_family(pa_valid)", False
        ),
        Candidate("  pyauth get_user()", "pa_auth.get_user(pa_valid)", False),
        Candidate("  pyauth get_user() + read .pk", "pa_auth.get_user(pa_valid).pk", False),
        Candidate("simplejwt authenticate()", "sj_auth.authenticate(sj_req)"),
        Candidate("  simplejwt get_validated_token()", "sj_auth.get_validated_token(sj_raw)"),
        Candidate("  simplejwt get_user()", "sj_auth.get_user(sj_valid)"),
        Candidate("    User.objects.get(id=...) (the ORM query)", "User.objects.get(id=uid)"),
    ]
    ok: list[Candidate] = []
    for row in rows:
        try:
            exec(row.stmt, dict(ns))  # noqa: S102 - our own statement
        except Exception as exc:
            rep.notes.append(f"authenticate() breakdown: {row.label.strip()} skipped: {exc!r}")
            continue
        ok.append(row)
    return rep.group(
        "Bearer authentication alone (RequestFactory request, no middleware, no view)",
        measure(ok, ns, s.repeats, s.target),
        note="indented rows are steps of the row above them",
    )


def bench_login(s: Settings, rep: Report) -> dict[str, Result]:
    """A login's password check through the Django hashers a project lists: pyauth's
    Argon2id (OWASP m=19 MiB, t=2, p=1) against Django 5.2's default PBKDF2."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    from pyauth.hashers import Argon2idPasswordHasher

    argon, pbkdf2 = Argon2idPasswordHasher(), PBKDF2PasswordHasher()
    ns: dict[str, Any] = {
        "argon": argon,
        "pbkdf2": pbkdf2,
        "pw": PASSWORD,
        "argon_hash": argon.encode(PASSWORD, argon.salt()),
        "pbkdf2_hash": pbkdf2.encode(PASSWORD, pbkdf2.salt()),
    }
    assert argon.verify(PASSWORD, ns["argon_hash"]) and pbkdf2.verify(PASSWORD, ns["pbkdf2_hash"])
    rows = measure(
        [
            Candidate(
                "pyauth Argon2idPasswordHasher.verify", "argon.verify(pw, argon_hash)", False
            ),
            Candidate("Django PBKDF2PasswordHasher.verify", "pbkdf2.verify(pw, pbkdf2_hash)"),
        ],
        ns,
        s.pbkdf2_repeats,
        0.2,
    )
    out = rep.group(
        f"Login: the password check (Argon2id m=19456 KiB t=2 p=1 against PBKDF2-SHA256 at "
        f"{pbkdf2.iterations:,} iterations)",
        rows,
        note="OWASP lists both as acceptable: Argon2id m=19 MiB t=2 p=1 first, PBKDF2 at "
        "600,000 (Django's 1,000,000 is above it)",
    )
    a, p = out["pyauth Argon2idPasswordHasher.verify"], out["Django PBKDF2PasswordHasher.verify"]
    rep.bar(
        "[5] Login CPU: Django PBKDF2 (1,000,000) / pyauth Argon2id",
        p.cpu / a.cpu,
        8,
        detail=f"CPU per login: Argon2id {a.cpu * 1e3:.1f} ms, PBKDF2 {p.cpu * 1e3:.0f} ms; "
        f"wall {p.median / a.median:.1f}x",
    )
    return out


def bench_e2e(s: Settings, rep: Report, site: Any, quick: bool) -> dict[str, Any]:
    """gunicorn (workers = usable cores) serving /me under pyauth, then under simplejwt;
    wrk on 127.0.0.1."""
    import e2e

    names = (
        "[5] End to end: pyauth req/s / simplejwt req/s",
        "[5] End to end: pyauth p99 / simplejwt p99",
        "[5] Worker peak RSS: pyauth - simplejwt (MiB)",
    )
    missing = e2e.tools_missing()
    if missing:
        print(f"\nEnd to end: skipped, missing {', '.join(missing)}")
        for name, threshold, kind in zip(names, (1.5, 1.0, 5), (">=", "<=", "<="), strict=True):
            rep.bar(name, None, threshold, kind=kind, detail="missing " + ", ".join(missing))
        return {"skipped": missing}
    workers = len(os.sched_getaffinity(0))
    seconds, warmup = (2, 1) if quick else (10, 2)
    threads, connections = 2, 32
    runs: dict[str, Any] = {}
    for auth, token in (("pyauth", site.pyauth_access), ("simplejwt", site.simplejwt_access)):
        with e2e.serve(site.env(auth), workers) as server:
            runs[auth] = e2e.load(
                server,
                "/me",
                token,
                seconds=seconds,
                warmup=warmup,
                threads=threads,
                connections=connections,
            )
    print(
        f"\nEnd to end: gunicorn ({workers} sync workers) serving GET /me, wrk -t{threads} "
        f"-c{connections} -d{seconds}s --latency on 127.0.0.1 (after a {warmup} s warm-up); "
        f"cache: {'Redis' if site.redis_url else 'local memory'}, SQLite"
    )
    print(
        f"  {'':12} {'req/s':>9} {'p50 ms':>8} {'p75 ms':>8} {'p90 ms':>8} {'p99 ms':>8} "
        f"{'peak RSS MiB':>13} {'worker CPU µs/req':>18} {'errors':>7}"
    )
    for auth, r in runs.items():
        pct = r["percentiles_s"]
        errors = r["non_2xx"] + r["socket_errors"]
        print(
            f"  {auth:12} {r['rps']:9,.0f} "
            + " ".join(f"{pct.get(p, float('nan')) * 1e3:8.2f}" for p in ("50", "75", "90", "99"))
            + f" {r['peak_rss_mib']:13.1f} {r['worker_cpu_per_request_us']:18.0f} {errors:7}"
        )
        if r["non_2xx"]:
            rep.notes.append(f"end to end, {auth}: {r['non_2xx']} responses were not 2xx")
    pa, sj = runs["pyauth"], runs["simplejwt"]
    cpu_ratio = sj["worker_cpu_per_request_us"] / pa["worker_cpu_per_request_us"]
    rep.bar(
        names[0],
        pa["rps"] / sj["rps"],
        1.5,
        detail=f"pyauth {pa['rps']:,.0f}, simplejwt {sj['rps']:,.0f} req/s; worker CPU per "
        f"request {pa['worker_cpu_per_request_us']:.0f} against "
        f"{sj['worker_cpu_per_request_us']:.0f} µs ({cpu_ratio:.2f}x)",
    )
    rep.bar(
        names[1],
        pa["percentiles_s"]["99"] / sj["percentiles_s"]["99"],
        1.0,
        kind="<=",
        detail=f"p99 pyauth {pa['percentiles_s']['99'] * 1e3:.2f} ms, simplejwt "
        f"{sj['percentiles_s']['99'] * 1e3:.2f} ms",
    )
    rep.bar(
        names[2],
        pa["peak_rss_mib"] - sj["peak_rss_mib"],
        5,
        kind="<=",
        chart_slack=sj["peak_rss_mib"],
        detail=f"highest VmHWM of a worker: pyauth {pa['peak_rss_mib']:.1f} MiB, simplejwt "
        f"{sj['peak_rss_mib']:.1f} MiB",
    )
    return {"workers": workers, "cache": "redis" if site.redis_url else "locmem", "runs": runs}


# --- main ---------------------------------------------------------------------------


SECTIONS = ("hs256", "asymmetric", "totp", "passwords", "threads", "drf", "login", "e2e")


def _sections(text: str) -> tuple[str, ...]:
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    unknown = sorted(set(names) - set(SECTIONS))
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown section(s) {', '.join(unknown) or '(none given)'}; "
            f"choose from {', '.join(SECTIONS)}"
        )
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter repeats")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where the JSON goes")
    parser.add_argument(
        "--primitives",
        type=Path,
        default=None,
        help="the pyauth_bench_primitives binary (the C section is skipped without it)",
    )
    parser.add_argument(
        "--chart",
        type=Path,
        default=None,
        help=f"where the PNG of the bars goes (default {DEFAULT_CHART.relative_to(ROOT)}; "
        "with --quick, only when given)",
    )
    parser.add_argument(
        "--no-e2e", action="store_true", help="skip the end-to-end run (gunicorn and wrk)"
    )
    parser.add_argument(
        "--only",
        type=_sections,
        default=SECTIONS,
        metavar="SECTION[,SECTION...]",
        help=f"run only these sections of {', '.join(SECTIONS)}; the bars of the others "
        "are left out (those against C print SKIP)",
    )
    args = parser.parse_args(argv)
    s = QUICK if args.quick else FULL
    chart_path = args.chart if args.chart or args.quick else DEFAULT_CHART
    started = time.perf_counter()
    # A SIGTERM (make interrupted, a CI timeout) unwinds like Ctrl-C, so that every
    # gunicorn started by the end-to-end run is stopped by its finally.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    with tempfile.TemporaryDirectory(prefix="pyauth-bench-") as tmp:
        return _run(args, s, chart_path, started, Path(tmp))


def _run(
    args: argparse.Namespace, s: Settings, chart_path: Path | None, started: float, tmp: Path
) -> int:
    from drf_site import fixture

    info = machine()
    print_machine(info)
    # Django for the whole run: the benchmark site (bench/drf_site), configured before
    # any section imports Django.
    site = fixture.setup(tmp)
    info["drf_site"] = {"cache": "redis" if site.redis_url else "locmem", "database": "sqlite"}
    print(
        f"  site        bench/drf_site on SQLite, Django's cache "
        f"{'in Redis (' + site.redis_url + ')' if site.redis_url else 'in local memory'}"
    )
    rep = Report()
    c: dict[str, Any] | None = None
    if args.primitives is None:
        print("\nC primitives: skipped (no --primitives given)")
    else:
        c = run_primitives(args.primitives, s)
    only = set(args.only)
    py: dict[str, Any] = {}
    if "hs256" in only:
        py["HS256"] = bench_hs256(s, rep)
    if "asymmetric" in only:
        py |= bench_asymmetric(s, rep)
    if "totp" in only:
        py["TOTP"] = bench_totp(s, rep)
    if "passwords" in only:
        py["passwords"] = bench_passwords(s, rep)
    threads = bench_threads(s, rep) if "threads" in only else {"skipped": ["--only"]}
    if "drf" in only:
        py["drf"] = bench_drf(s, rep, site)
    if "login" in only:
        py["login"] = bench_login(s, rep)
    if args.no_e2e or "e2e" not in only:
        e2e_runs: dict[str, Any] = {"skipped": ["--no-e2e" if args.no_e2e else "--only"]}
    else:
        e2e_runs = bench_e2e(s, rep, site, args.quick)
    over_c = c_ratios(c, py, rep)
    rep.print_bars()
    for note in rep.notes:
        print(f"  note: {note}")
    elapsed = time.perf_counter() - started
    info["load_average_end"] = os.getloadavg()
    print(f"\n{elapsed:.0f} s; JSON in {args.json}")

    doc = {
        "machine": info,
        "settings": vars(s),
        "quick": args.quick,
        "groups": rep.groups,
        "threads": threads,
        "primitives": c,
        "python_over_c": over_c,
        "drf_queries_per_request": py["drf"]["queries"] if "drf" in py else None,
        "sections": sorted(only),
        "end_to_end": e2e_runs,
        "bars": rep.bars,
        "notes": rep.notes,
        "elapsed_s": elapsed,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(doc, indent=2, default=str) + "\n")
    if chart_path is not None:
        import chart

        load = ", ".join(f"{x:.2f}" for x in info["load_average"])
        chart.draw(
            rep.bars,
            chart_path,
            f"{info['date']} · {info['cpu']}, {info['cores_usable']} usable cores, load {load} "
            f"at start · {info['python']} · pyauth {info['pyauth']}"
            + (" · --quick" if args.quick else ""),
        )
        print(f"chart in {chart_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
