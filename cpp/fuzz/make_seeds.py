"""Writes the seed corpora in cpp/fuzz/corpus/<target>/ (committed; run again only to change them).

The seeds are small, valid inputs of each format, plus the repository's refusal vectors,
so the fuzzers start from the shapes that matter instead of discovering base64url and JSON
from nothing. Tokens are signed with the fixed keys in cpp/fuzz/keys/ through pyauth's own
core, so the token target mutates tokens that verify.

    .venv/bin/python cpp/fuzz/make_seeds.py
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FUZZ = ROOT / "cpp" / "fuzz"
sys.path.insert(0, str(ROOT))

from pyauth import _core  # noqa: E402  (after the path is set)

NOW = 1767225600  # 2026-01-01T00:00:00Z, the targets' clock


def b64url(data: bytes) -> str:
    """Unpadded base64url, as JWS writes it."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def compact(obj: object) -> bytes:
    """JSON without spaces."""
    return json.dumps(obj, separators=(",", ":")).encode()


def write(target: str, seeds: list[bytes]) -> None:
    """Replaces corpus/<target>/ with one file per seed, named by its SHA-1 (as libFuzzer)."""
    folder = FUZZ / "corpus" / target
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for seed in seeds:
        (folder / hashlib.sha1(seed).hexdigest()).write_bytes(seed)  # noqa: S324  (a file name)
    print(f"{target}: {len(set(seeds))} seeds")


def vectors(name: str, member: str) -> list[dict[str, object]]:
    """One list of a vector file of tests/vectors/."""
    data = json.loads((ROOT / "tests" / "vectors" / name).read_text())[member]
    if not isinstance(data, list):
        raise TypeError(f"{name}: {member} is not a list")
    return data


def keys() -> dict[str, _core.Key]:
    """The fixed keys by algorithm name."""
    secret = (FUZZ / "keys" / "hs.key").read_bytes()
    rsa = (FUZZ / "keys" / "rsa.pem").read_bytes()
    return {
        "HS256": _core.key_from_secret("HS256", secret, ""),
        "HS512": _core.key_from_secret("HS512", secret, ""),
        "ES256": _core.key_from_pem("ES256", (FUZZ / "keys" / "es256.pem").read_bytes(), ""),
        "EdDSA": _core.key_from_pem("EdDSA", (FUZZ / "keys" / "eddsa.pem").read_bytes(), ""),
        "RS256": _core.key_from_pem("RS256", rsa, ""),
        "PS256": _core.key_from_pem("PS256", rsa, ""),
    }


CLAIMS: list[dict[str, object]] = [
    {
        "sub": "42",
        "exp": NOW + 300,
        "iat": NOW - 10,
        "aud": "api",
        "iss": "https://issuer.example",
        "token_type": "access",
        "jti": "a1b2",
    },
    {"sub": "42", "exp": NOW - 300, "aud": ["api", "x"], "token_type": "access"},
    {"sub": 42, "exp": NOW + 300, "nbf": NOW + 100, "aud": "other", "token_type": "refresh"},
    {"exp": 1.5e9, "iat": "soon", "aud": [], "user": {"id": 1, "roles": ["a", "b"], "x": None}},
    {"a": [[[[{"b": True}]]]], "s": '\u00e9\u4e2d\\"', "n": -0.0, "big": 18446744073709551615},
]
HEADERS: list[tuple[str, dict[str, object]]] = [
    ("HS256", {"alg": "HS256", "typ": "JWT"}),
    ("HS256", {"alg": "HS256", "kid": "k1", "crit": ["exp"], "exp": 1}),
    ("HS512", {"alg": "HS512"}),
    ("ES256", {"alg": "ES256", "typ": "JWT"}),
    ("EdDSA", {"alg": "EdDSA", "typ": "JWT"}),
    ("RS256", {"alg": "RS256"}),
    ("PS256", {"alg": "PS256"}),
]
PAYLOADS: list[bytes] = [
    *(compact(c) for c in CLAIMS),
    b"{}",
    b'{"a":1,"a":2}',
    b'{"x":{"y":{"y":1,"y":2}}}',
    b"[1,2,3]",
    b'{"k":"\\ud83d\\ude00","e":1e308,"f":-1E-400,"t":true,"z":null}',
    b'{ "sp" : [ 1 , { "in" : "side" } ] }',
    b"{" + b"".join(b'"k%d":%d,' % (i, i) for i in range(12)) + b'"k0":0}',
    b'{"d":' + b"[" * 31 + b"]" * 31 + b"}",
    b'{"d":' + b"[" * 32 + b"]" * 32 + b"}",
]


def token_seeds(signers: dict[str, _core.Key]) -> list[bytes]:
    """Tokens that verify with the fixed keys, and the repository's refused tokens."""
    seeds = [
        _core.sign_compact(compact(header), compact(claims), signers[alg]).encode()
        for alg, header in HEADERS
        for claims in CLAIMS[:3]
    ]
    refusals = vectors("jwt-refusals.json", "vectors")
    seeds += [str(v["token"]).encode() for v in refusals if isinstance(v.get("token"), str)]
    seeds += [b"a.b.c", b"..", b"eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0."]
    return seeds


def password_hash_seeds() -> list[bytes]:
    """Django's own hashes, the refusal vectors, and cheap hashes of every shape."""
    seeds = [str(h["encoded"]).encode() for h in vectors("django-password-hashes.json", "hashes")]
    seeds += [str(h["encoded"]).encode() for h in vectors("django-password-hashes.json", "invalid")]
    seeds += [
        _core.hash_pbkdf2_sha256(b"password", 3, "saltsaltsalt").encode(),
        _core.hash_pbkdf2_sha256(b"", 1, "s").encode(),
        _core.hash_argon2id(b"password", 8, 1, 1).encode(),
        _core.hash_argon2id(b"p" * 40, 64, 3, 1).encode(),
    ]
    return seeds


def otpauth_seeds() -> list[bytes]:
    """The otpauth vectors, and field-form inputs for the build-then-parse half."""
    seeds = [str(v["uri"]).encode() for v in vectors("otpauth-uris.json", "vectors")]
    seeds += [
        b"otpauth://hotp/Shop:%20bob?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&counter=18446744073709551615",
        b"otpauth://totp/a?secret=jbswy3dpehpk3pxpjbswy3dpehpk3pxp&digits=8&period=3600&algorithm=sha512",
        b"otpauth://TOTP/I%3Aa:b?issuer=I%3Aa&secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&image=x",
        # flags, digits, period, counter, issuer \n account \n secret bytes
        b"\x00\x01" + struct.pack(">HQ", 30, 0) + b"Shop\nalice@example.com\n" + bytes(range(20)),
        b"\x1b\x02" + struct.pack(">HQ", 60, 7) + b"\nbob\n" + b"\xff" * 32,
    ]
    return seeds


def jwks_seeds(signers: dict[str, _core.Key]) -> list[bytes]:
    """Public JWKs of the fixed keys, alone and as sets, and an HMAC (oct) JWK."""
    public = [signers[alg].public_jwk() for alg in ("ES256", "EdDSA", "RS256")]
    oct_jwk = {"kty": "oct", "alg": "HS256", "kid": "h", "k": b64url(b"k" * 32)}
    seeds = [p.encode() for p in public] + [compact(oct_jwk)]
    seeds.append(
        ("{" + '"keys":[' + ",".join([*public, compact(oct_jwk).decode()]) + "]}").encode()
    )
    seeds.append(b'{"keys":[{"kty":"EC","crv":"P-521","x":"AA","y":"AA"},{"use":"enc"}]}')
    return seeds


def main() -> None:
    """Writes every corpus."""
    signers = keys()
    write(
        "encoding",
        [
            b"",
            b"Zg",
            b"Zm8",
            b"Zm9v",
            b"Zm9vYg==",
            b"-_-_",
            b"eyJhbGciOiJIUzI1NiJ9",
            b"MZXW6===",
            b"mzxw6ytb",
            b"JBSWY3DPEHPK3PXP",
            b"\x00\xff=",
            b"YQ=",
            b"Zh",
        ],
    )
    write("token", token_seeds(signers))
    write(
        "token_roundtrip",
        [bytes([i, 0, 0, 7]) + p for i, p in enumerate(PAYLOADS)]
        + [b"\x0e\x01\x00\x10{}", b"\x0f\x02\x00\x00{}"],
    )
    write(
        "claims",
        [struct.pack(">HB", (0x7FF * (i + 1)) & 0xFFFF, 30) + p for i, p in enumerate(PAYLOADS)],
    )
    write("password_hash", password_hash_seeds())
    write("otpauth", otpauth_seeds())
    write("jwks", jwks_seeds(signers))


if __name__ == "__main__":
    main()
