"""Every refusal of pyauth.jwt, each with the specific exception it must raise.

``exactly(cls)`` asserts the exception's type is ``cls`` itself, not a subclass: a
signature failure (InvalidSignatureError) is a DecodeError too, so ``pytest.raises(
DecodeError)`` alone could not tell a malformed token from a forged one.

Tokens are crafted by hand (base64url + hmac) where PyJWT would refuse to make them.
Times are relative to time.time() with margins of at least 10 s, so nothing flakes.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import string
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt as pyjwt
import orjson
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pyauth.jwt
from pyauth import exceptions as exc

SECRET = b"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"  # 64 bytes
HASHES = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _json_bytes(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value  # raw JSON text, as crafted
    return json.dumps(value, separators=(",", ":")).encode("utf-8")


def craft(
    header: Any,
    payload: Any,
    secret: bytes = SECRET,
    alg: str = "HS256",
    signature: bytes | None = None,
) -> str:
    """A compact JWS with exactly these header/payload bytes, HMAC-signed over them
    (or with ``signature`` as given)."""
    signing_input = f"{b64url(_json_bytes(header))}.{b64url(_json_bytes(payload))}"
    if signature is None:
        signature = hmac.new(secret, signing_input.encode("ascii"), HASHES[alg]).digest()
    return f"{signing_input}.{b64url(signature)}"


def hs256(payload: Any, **header: Any) -> str:
    return craft({"alg": "HS256", "typ": "JWT", **header}, payload)


def decode(token: Any, **kwargs: Any) -> dict[str, Any]:
    kwargs.setdefault("algorithms", ["HS256"])
    return pyauth.jwt.decode(token, SECRET, **kwargs)


@contextmanager
def exactly(cls: type[BaseException]) -> Iterator[None]:
    with pytest.raises(cls) as info:
        yield
    assert type(info.value) is cls, (
        f"expected {cls.__name__}, got {type(info.value).__name__}: {info.value}"
    )


def now() -> int:
    return int(time.time())


def test_crafted_token_is_valid() -> None:
    """The crafting helper itself makes tokens that verify (so a refusal below is the
    one the test is about)."""
    assert decode(hs256({"sub": "1"})) == {"sub": "1"}
    assert decode(craft({"alg": "HS256"}, {"a": [1, {"b": None}]})) == {"a": [1, {"b": None}]}
    assert pyjwt.decode(hs256({"sub": "1"}), SECRET, algorithms=["HS256"]) == {"sub": "1"}


# --- alg -----------------------------------------------------------------------------

NONE_SPELLINGS = ["none", "None", "NONE", "nOnE"]


@pytest.mark.parametrize("alg", NONE_SPELLINGS)
@pytest.mark.parametrize("signature", [b"\x00" * 32, None], ids=["zeros", "hmac"])
def test_alg_none_is_refused(alg: str, signature: bytes | None) -> None:
    # signature None: a valid HMAC-SHA256 with the real secret, as if the attacker knew it
    token = craft({"alg": alg, "typ": "JWT"}, {"sub": "admin"}, signature=signature)
    for algorithms in (["HS256"], list(pyauth.jwt.ALGORITHMS)):
        with exactly(exc.InvalidAlgorithmError):
            decode(token, algorithms=algorithms)
        with exactly(exc.InvalidAlgorithmError):
            decode(token, algorithms=algorithms, options={"verify_exp": False})
        with exactly(exc.InvalidAlgorithmError):
            pyauth.jwt.decode(token, pyauth.jwt.load_key(SECRET, "HS256"), algorithms=algorithms)


@pytest.mark.parametrize("alg", NONE_SPELLINGS)
def test_alg_none_with_empty_signature_is_an_algorithm_error(alg: str) -> None:
    """An Unsecured JWS (RFC 7515 A.5: alg none, empty third segment) is well-formed;
    it is refused for its algorithm. PyJWT raises InvalidAlgorithmError here, and
    pyauth's own docs say InvalidAlgorithmError is what "alg none" raises."""
    token = craft({"alg": alg, "typ": "JWT"}, {"sub": "admin"}, signature=b"")
    assert token.endswith(".")
    with pytest.raises(pyjwt.InvalidAlgorithmError):
        pyjwt.decode(token, SECRET, algorithms=["HS256"])
    for algorithms in (["HS256"], list(pyauth.jwt.ALGORITHMS)):
        with exactly(exc.InvalidAlgorithmError):
            decode(token, algorithms=algorithms)


@pytest.mark.parametrize("alg", ["HS1", "HS1024", "RS1", "ES512", "PS256K", "hs256", " HS256", ""])
def test_unknown_header_alg_is_refused(alg: str) -> None:
    with exactly(exc.InvalidAlgorithmError):
        decode(craft({"alg": alg}, {"a": 1}))


@pytest.mark.parametrize(
    "header",
    [{}, {"typ": "JWT"}, {"alg": 256}, {"alg": None}, {"alg": ["HS256"]}, {"alg": {"x": 1}}],
)
def test_missing_or_ill_typed_alg_is_malformed(header: dict[str, Any]) -> None:
    with exactly(exc.DecodeError):
        decode(craft(header, {"a": 1}))


def test_alg_not_in_allow_list(jwt_keys: Any) -> None:
    token = hs256({"a": 1})
    for algorithms in (["HS384"], ["HS512", "HS384"], ["RS256"]):
        with exactly(exc.InvalidAlgorithmError):
            pyauth.jwt.decode(
                token,
                pyauth.jwt.KeySet([pyauth.jwt.load_key(SECRET, "HS256")]),
                algorithms=algorithms,
            )
    rsa_km = jwt_keys["RS256"]
    token = pyjwt.encode({"a": 1}, rsa_km.signing, algorithm="RS256")
    with exactly(exc.InvalidAlgorithmError):
        pyauth.jwt.decode(token, rsa_km.verifying, algorithms=["PS256"])


def test_unsupported_alg_in_allow_list() -> None:
    """An allow-list naming an algorithm pyauth does not implement (or "none") is refused
    with InvalidAlgorithmError (as the facade's _verify_options intends), whatever the
    key looks like: a Key object or raw material."""
    key = pyauth.jwt.load_key(SECRET, "HS256")
    for bad in (["ES512"], ["none"], ["None"], ["HS256", "none"], ["HS256", "ES512"]):
        with exactly(exc.InvalidAlgorithmError):
            pyauth.jwt.decode(hs256({"a": 1}), key, algorithms=bad)
        with exactly(exc.InvalidAlgorithmError):
            pyauth.jwt.decode(hs256({"a": 1}), SECRET, algorithms=bad)


# --- the HS-with-public-key confusion ------------------------------------------------


def _confused_token(public_pem: bytes, alg: str = "HS256") -> str:
    """What an attacker sends: an HMAC over the token keyed with the server's *public*
    PEM, hoping the server passes that PEM as the HMAC secret."""
    header = b64url(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    payload = b64url(json.dumps({"sub": "admin"}).encode())
    signing_input = f"{header}.{payload}"
    sig = hmac.new(public_pem, signing_input.encode(), HASHES[alg]).digest()
    return f"{signing_input}.{b64url(sig)}"


@pytest.mark.parametrize("asym", ["RS256", "ES256", "ES384", "EdDSA"])
@pytest.mark.parametrize("hs", ["HS256", "HS384", "HS512"])
def test_hmac_with_public_pem_is_refused(jwt_keys: Any, asym: str, hs: str) -> None:
    public_pem = jwt_keys[asym].verifying
    token = _confused_token(public_pem, hs)
    for key in (public_pem, public_pem.decode("ascii"), b"\n  " + public_pem):
        # only HS allowed: the PEM cannot be an HMAC secret
        with exactly(exc.InvalidKeyError):
            pyauth.jwt.decode(token, key, algorithms=[hs])
        # both allowed: the PEM becomes only the asymmetric key, so no key takes HS
        with exactly(exc.NoMatchingKeyError):
            pyauth.jwt.decode(token, key, algorithms=[asym, hs])
    with exactly(exc.InvalidKeyError):
        pyauth.jwt.load_key(public_pem, hs)
    with exactly(exc.InvalidKeyError):
        pyauth.jwt.encode({"sub": "admin"}, public_pem, algorithm=hs)


def test_hmac_with_ssh_key_or_certificate_is_refused(jwt_keys: Any) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ssh = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "pyauth test")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(datetime.now(tz=UTC) - timedelta(days=1))
        .not_valid_after(datetime.now(tz=UTC) + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    for material in (ssh, cert_pem):
        with exactly(exc.InvalidKeyError):
            pyauth.jwt.load_key(material, "HS256")
        with exactly(exc.InvalidKeyError):
            pyauth.jwt.decode(_confused_token(material), material, algorithms=["HS256"])
    # the certificate is fine as what it is: an RS256 verification key
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    token = pyjwt.encode({"sub": "1"}, private_pem, algorithm="RS256")
    assert pyauth.jwt.decode(token, cert_pem, algorithms=["RS256"]) == {"sub": "1"}


# --- base64url and segments ------------------------------------------------------------

B64URL = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"


def _with_segment(token: str, index: int, segment: str) -> str:
    parts = token.split(".")
    parts[index] = segment
    return ".".join(parts)


def _noncanonical(segment: str) -> str:
    """The same bytes to a lenient decoder: flip a padding bit of the last character."""
    assert len(segment) % 4 in (2, 3), "needs a segment with unused trailing bits"
    last = B64URL.index(segment[-1])
    return segment[:-1] + B64URL[last ^ 1]


def _token_with_lengths() -> str:
    """A valid token whose header, payload and signature lengths are 2 or 3 mod 4, so
    each has trailing bits and would need padding."""
    for n in range(8):
        for m in range(8):
            token = hs256({"sub": "x" * m}, x="y" * n)
            if all(len(s) % 4 in (2, 3) for s in token.split(".")):
                assert decode(token)["sub"] == "x" * m
                return token
    raise AssertionError("no such token")  # pragma: no cover


@pytest.mark.parametrize("index", [0, 1, 2], ids=["header", "payload", "signature"])
def test_padded_base64url_is_refused(index: int) -> None:
    token = _token_with_lengths()
    seg = token.split(".")[index]
    padded = seg + "=" * (-len(seg) % 4)
    assert base64.urlsafe_b64decode(padded) == base64.urlsafe_b64decode(seg + "==")
    with exactly(exc.DecodeError):
        decode(_with_segment(token, index, padded))


@pytest.mark.parametrize("index", [0, 1, 2], ids=["header", "payload", "signature"])
def test_noncanonical_base64url_is_refused(index: int) -> None:
    token = _token_with_lengths()
    seg = token.split(".")[index]
    other = _noncanonical(seg)
    assert other != seg
    assert base64.urlsafe_b64decode(other + "==") == base64.urlsafe_b64decode(seg + "==")
    with exactly(exc.DecodeError):
        decode(_with_segment(token, index, other))


@pytest.mark.parametrize("index", [0, 1, 2], ids=["header", "payload", "signature"])
@pytest.mark.parametrize(
    "change",
    [
        ("-", "+"),
        ("_", "/"),
        ("first", "+"),
        ("first", "/"),
        ("first", " "),
        ("first", "\n"),
        ("first", "é"),
        ("append", "A"),  # length 1 mod 4 can never be base64
    ],
)
def test_non_base64url_characters_are_refused(index: int, change: tuple[str, str]) -> None:
    token = _token_with_lengths()
    seg = token.split(".")[index]
    what, replacement = change
    if what == "first":
        new = replacement + seg[1:]
    elif what == "append":
        new = seg + replacement * (1 + (3 - len(seg) % 4) % 4)
        if len(new) % 4 != 1:
            new = seg + "A" * ((1 - len(seg)) % 4)
        assert len(new) % 4 == 1
    else:
        # force the character to occur: put the url-safe one first, then swap it
        new = what + seg[1:]
        new = new.replace(what, replacement, 1)
    with exactly(exc.DecodeError):
        decode(_with_segment(token, index, new))


@pytest.mark.parametrize(
    "token",
    [
        "",
        ".",
        "..",
        "...",
        "....",
        "a",
        "a.b",
        "a.b.c.d",
        "eyJhbGciOiJIUzI1NiJ9.e30",
        "eyJhbGciOiJIUzI1NiJ9..c2ln",
        ".e30.c2ln",
        "eyJhbGciOiJIUzI1NiJ9.e30.",
    ],
)
def test_wrong_segment_counts_and_empty_segments(token: str) -> None:
    with exactly(exc.DecodeError):
        decode(token)


def test_two_and_four_segments_of_a_valid_token() -> None:
    token = hs256({"a": 1})
    h, p, s = token.split(".")
    for bad in (
        f"{h}.{p}",
        f"{h}.{p}.{s}.{s}",
        f"{h}.{p}.{s}.",
        f"{token}.",
        f".{token}",
        f"{h}.{s}",
    ):
        with exactly(exc.DecodeError):
            decode(bad)


# --- JSON ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "payload",
    [
        b"[]",
        b'"str"',
        b"1",
        b"null",
        b"true",
        b'[{"a":1}]',
        b"",
        b"{",
        b"{}x",
        b"{}{}",
        b'{"a":1,}',
        b"{'a':1}",
        b'{"a":NaN}',
        b'{"a":Infinity}',
        b'{"a":"\xff"}',
        b'{"a":01}',
        b"\xef\xbb\xbf{}",
        b'{"a":"\x01"}',
    ],
)
def test_payload_that_is_not_a_json_object(payload: bytes) -> None:
    with exactly(exc.DecodeError):
        decode(craft({"alg": "HS256"}, payload))


@pytest.mark.parametrize(
    "header", [b"[]", b'"HS256"', b"null", b'{"alg":"HS256"', b'{"alg":"HS256"}x']
)
def test_header_that_is_not_a_json_object(header: bytes) -> None:
    with exactly(exc.DecodeError):
        decode(craft(header, {"a": 1}))


@pytest.mark.parametrize(
    "payload",
    [
        b'{"sub":"a","sub":"b"}',
        b'{"exp":9999999999,"exp":1}',
        b'{"a":1,"\\u0061":2}',  # the same name, once escaped
        b'{"n":{"x":1,"x":1}}',
        b'{"l":[1,{"x":1,"y":{"z":[{"q":1,"q":2}]}}]}',
        b"{" + b",".join(b'"k%d":%d' % (i, i) for i in range(20)) + b',"k7":0}',  # > 8 members
        b'{"n":{' + b",".join(b'"k%d":%d' % (i, i) for i in range(20)) + b',"k19":0}}',
    ],
)
def test_duplicate_members_in_payload(payload: bytes) -> None:
    with exactly(exc.DecodeError):
        decode(craft({"alg": "HS256"}, payload))


@pytest.mark.parametrize(
    "header",
    [
        b'{"alg":"HS256","alg":"HS256"}',
        b'{"alg":"none","alg":"HS256"}',
        b'{"alg":"HS256","kid":"a","kid":"b"}',
        b'{"alg":"HS256","x":{"y":1,"y":2}}',
    ],
)
def test_duplicate_members_in_header(header: bytes) -> None:
    with pytest.raises(exc.InvalidTokenError) as info:
        decode(craft(header, {"a": 1}), options={})
    assert type(info.value) is exc.DecodeError or (
        # {"alg":"none","alg":...} may be refused for its first alg before the duplicate
        type(info.value) is exc.InvalidAlgorithmError and b'"none"' in header
    ), repr(info.value)


def _nested(depth: int) -> bytes:
    """{"a": [[...[ ]...]]} with `depth` levels counting the outer object."""
    return b'{"a":' + b"[" * (depth - 1) + b"]" * (depth - 1) + b"}"


@pytest.mark.parametrize("depth", [64, 500, 2000])
def test_deep_nesting_is_refused(depth: int) -> None:
    with exactly(exc.DecodeError):
        decode(craft({"alg": "HS256"}, _nested(depth)))
    deep_objects = b'{"a":' * (depth - 1) + b"{}" + b"}" * (depth - 1)
    with pytest.raises(exc.DecodeError):  # may also be too large, a DecodeError too
        decode(craft({"alg": "HS256"}, deep_objects))


def test_moderate_nesting_is_accepted() -> None:
    assert decode(craft({"alg": "HS256"}, _nested(16)))["a"] == json.loads(_nested(16))["a"]


def test_non_string_kid_is_malformed() -> None:
    for kid in (1, None, ["a"], {"a": 1}, True):
        with exactly(exc.DecodeError):
            decode(hs256({"a": 1}, kid=kid))


def test_kid_is_only_a_lookup_key() -> None:
    keyset = pyauth.jwt.KeySet([pyauth.jwt.load_key(SECRET, "HS256", kid="real")])
    for kid in (
        "../../../../etc/passwd",
        "http://169.254.169.254/",
        "' OR 1=1 --",
        "\u0000",
        "real ",
    ):
        with exactly(exc.NoMatchingKeyError):
            pyauth.jwt.decode(hs256({"a": 1}, kid=kid), keyset, algorithms=["HS256"])
    assert pyauth.jwt.decode(hs256({"a": 1}, kid="real"), keyset, algorithms=["HS256"]) == {"a": 1}


# --- size ------------------------------------------------------------------------------


def test_token_size_cap_boundary() -> None:
    cap = pyauth._core.DEFAULT_MAX_TOKEN_SIZE
    assert cap == 8192
    largest_ok = None
    for n in range(5900, 6200):
        token = hs256({"p": "x" * n})
        if len(token) <= cap:
            largest_ok = token
        else:
            with exactly(exc.TokenTooLargeError):
                decode(token)
            with exactly(exc.TokenTooLargeError):
                pyauth.jwt.get_unverified_header(token)
            with exactly(exc.TokenTooLargeError):
                pyauth.jwt.decode(token, options={"verify_signature": False})
            break
    else:  # pragma: no cover
        raise AssertionError("range did not cross the cap")
    assert largest_ok is not None and len(largest_ok) > cap - 4
    assert decode(largest_ok)["p"].startswith("xxx")


@pytest.mark.parametrize("size", [8193, 65536, 1 << 20])
def test_oversized_garbage_is_refused_before_parsing(size: int) -> None:
    for token in ("a" * size, "." * size, ("a." * size)[:size]):
        with exactly(exc.TokenTooLargeError):
            decode(token)
        with exactly(exc.TokenTooLargeError):
            decode(token.encode())


# --- crit and b64 ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "extra",
    [
        {"crit": ["exp"], "exp": 1},
        {"crit": ["http://example.invalid/unknown"]},
        {"crit": []},
        {"crit": "exp"},
        {"crit": [1]},
        {"crit": None},
        {"b64": False, "crit": ["b64"]},
        {"b64": False},
    ],
)
def test_crit_is_refused(extra: dict[str, Any]) -> None:
    with exactly(exc.UnsupportedCriticalHeaderError):
        decode(hs256({"a": 1}, **extra))


def test_b64_true_is_harmless() -> None:
    assert decode(hs256({"a": 1}, b64=True)) == {"a": 1}


# --- signatures --------------------------------------------------------------------------


@functools.cache
def _other_key(alg: str) -> pyauth.jwt.Key:
    """A second key per algorithm (RSA generation is slow: once per session)."""
    return pyauth.jwt.generate_key(alg)


@pytest.mark.parametrize(
    "variant",
    [
        "other key",
        "payload swapped",
        "signature of other token",
        "truncated",
        "extended",
        "zeros",
        "one byte",
    ],
)
def test_bad_signature_every_algorithm(any_alg_keys: Any, variant: str) -> None:
    alg = any_alg_keys.algorithm
    token = pyjwt.encode({"sub": "1"}, any_alg_keys.signing, algorithm=alg)
    h, p, s = token.split(".")
    other = _other_key(alg)
    forged = pyauth.jwt.encode({"sub": "1"}, other, algorithm=None)
    sig = base64.urlsafe_b64decode(s + "==")
    other_payload = b64url(b'{"sub":"2"}')
    variants = {
        "other key": forged,
        "payload swapped": f"{h}.{other_payload}.{s}",
        "signature of other token": f"{h}.{p}.{forged.split('.')[2]}",
        "truncated": f"{h}.{p}.{b64url(sig[:-1])}",
        "extended": f"{h}.{p}.{b64url(sig + bytes(1))}",
        "zeros": f"{h}.{p}.{b64url(bytes(len(sig)))}",
        "one byte": f"{h}.{p}.AA",
    }
    bad = variants[variant]
    with exactly(exc.InvalidSignatureError):
        pyauth.jwt.decode(bad, any_alg_keys.verifying, algorithms=[alg])
    with pytest.raises(pyjwt.InvalidTokenError):  # the reference agrees it is bad
        pyjwt.decode(bad, any_alg_keys.verifying, algorithms=[alg])


@pytest.mark.parametrize(
    "alg,curve,hash_",
    [("ES256", ec.SECP256R1(), hashes.SHA256()), ("ES384", ec.SECP384R1(), hashes.SHA384())],
)
def test_der_ecdsa_signature_is_refused(alg: str, curve: Any, hash_: Any) -> None:
    """JOSE ECDSA signatures are raw r||s; a DER signature by the right key must not be
    accepted (libraries that pass the JOSE bytes to a DER verifier get this wrong)."""
    key = ec.generate_private_key(curve)
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = f"{b64url(json.dumps({'alg': alg}).encode())}.{b64url(b'{}')}"
    der = key.sign(signing_input.encode(), ec.ECDSA(hash_))
    with exactly(exc.InvalidSignatureError):
        pyauth.jwt.decode(f"{signing_input}.{b64url(der)}", pem, algorithms=[alg])


def test_psychic_signature_is_refused(jwt_keys: Any) -> None:
    """CVE-2022-21449: r = s = 0 must never verify."""
    for alg, size in (("ES256", 32), ("ES384", 48)):
        signing_input = f"{b64url(json.dumps({'alg': alg}).encode())}.{b64url(b'{}')}"
        token = f"{signing_input}.{b64url(bytes(2 * size))}"
        with exactly(exc.InvalidSignatureError):
            pyauth.jwt.decode(token, jwt_keys[alg].verifying, algorithms=[alg])


# --- time claims -------------------------------------------------------------------------


def test_exp() -> None:
    with exactly(exc.ExpiredSignatureError):
        decode(hs256({"exp": now() - 10}))
    with exactly(exc.ExpiredSignatureError):
        decode(hs256({"exp": now() - 1000.5}))
    assert decode(hs256({"exp": now() + 10}))
    assert decode(hs256({"exp": now() + 10.5}))
    assert decode(hs256({"exp": now() - 10}), options={"verify_exp": False})


def test_exp_leeway_boundaries() -> None:
    token = hs256({"exp": now() - 30})
    assert decode(token, leeway=60)
    assert decode(token, leeway=timedelta(minutes=1))
    assert decode(token, leeway=45.5)
    with exactly(exc.ExpiredSignatureError):
        decode(token, leeway=10)
    with exactly(exc.ExpiredSignatureError):
        decode(token, leeway=timedelta(seconds=10))


def test_nbf() -> None:
    with exactly(exc.ImmatureSignatureError):
        decode(hs256({"nbf": now() + 30}))
    assert decode(hs256({"nbf": now() + 30}), leeway=60)
    with exactly(exc.ImmatureSignatureError):
        decode(hs256({"nbf": now() + 30}), leeway=10)
    assert decode(hs256({"nbf": now() - 10}))
    assert decode(hs256({"nbf": now() + 30}), options={"verify_nbf": False})


def test_iat_in_the_future() -> None:
    with exactly(exc.ImmatureSignatureError):
        decode(hs256({"iat": now() + 30}))
    assert decode(hs256({"iat": now() + 30}), leeway=60)
    with exactly(exc.ImmatureSignatureError):
        decode(hs256({"iat": now() + 30}), leeway=10)
    assert decode(hs256({"iat": now() - 10}))
    assert decode(hs256({"iat": now() + 30}), options={"verify_iat": False})


@pytest.mark.parametrize("value", ["1700000000", None, True, [1], {"t": 1}])
def test_ill_typed_time_claims(value: Any) -> None:
    with exactly(exc.InvalidIssuedAtError):
        decode(hs256({"iat": value}))
    with exactly(exc.DecodeError):
        decode(hs256({"exp": value}))
    with exactly(exc.DecodeError):
        decode(hs256({"nbf": value}))


def test_time_claims_checked_in_the_same_token() -> None:
    t = now()
    assert decode(hs256({"iat": t - 10, "nbf": t - 10, "exp": t + 60}))
    with exactly(exc.ExpiredSignatureError):
        decode(hs256({"iat": t - 100, "nbf": t - 100, "exp": t - 50}))


def test_leeway_must_be_non_negative_and_finite() -> None:
    for bad in (-1, float("nan"), float("inf"), timedelta(seconds=-5)):
        with pytest.raises(ValueError):
            decode(hs256({"a": 1}), leeway=bad)


# --- aud, iss, sub, required claims, token type -----------------------------------------


def test_audience() -> None:
    single = hs256({"aud": "api"})
    several = hs256({"aud": ["web", "api"]})
    assert decode(single, audience="api")
    assert decode(single, audience=["other", "api"])
    assert decode(several, audience="api")
    assert decode(several, audience={"api"})
    for token, audience in (
        (single, "web"),
        (single, ["web", "x"]),
        (several, "x"),
        (several, ["x"]),
    ):
        with exactly(exc.InvalidAudienceError):
            decode(token, audience=audience)


def test_audience_present_but_not_expected() -> None:
    for aud in ("api", ["api"]):
        with exactly(exc.InvalidAudienceError):
            decode(hs256({"aud": aud}))
    for empty in ("", [], None):  # an empty aud names nobody: as PyJWT, accepted
        assert decode(hs256({"aud": empty, "n": 1}))["n"] == 1
    assert decode(hs256({"aud": "api"}), options={"verify_aud": False})


def test_audience_expected_but_missing() -> None:
    for payload in ({"sub": "1"}, {"aud": ""}, {"aud": []}, {"aud": None}):
        with exactly(exc.MissingRequiredClaimError):
            decode(hs256(payload), audience="api")


@pytest.mark.parametrize("aud", [1, True, {"a": "api"}, [1], ["api", 2], [["api"]], [None]])
def test_ill_typed_audience(aud: Any) -> None:
    with exactly(exc.InvalidAudienceError):
        decode(hs256({"aud": aud}), audience="api")


def test_strict_aud_option_as_pyjwt() -> None:
    """PyJWT's options={"strict_aud": True}: aud must be the single string given. The
    facade accepts the option, so it must honour it rather than silently relax."""
    token = hs256({"aud": ["api", "web"]})
    with pytest.raises(pyjwt.InvalidAudienceError):
        pyjwt.decode(
            token, SECRET, algorithms=["HS256"], audience="api", options={"strict_aud": True}
        )
    with exactly(exc.InvalidAudienceError):
        decode(token, audience="api", options={"strict_aud": True})
    assert decode(hs256({"aud": "api"}), audience="api", options={"strict_aud": True})


def test_issuer() -> None:
    token = hs256({"iss": "https://a.example"})
    assert decode(token, issuer="https://a.example")
    assert decode(token, issuer=["https://b.example", "https://a.example"])
    with exactly(exc.InvalidIssuerError):
        decode(token, issuer="https://b.example")
    with exactly(exc.InvalidIssuerError):
        decode(token, issuer=["https://b.example"])
    with exactly(exc.InvalidIssuerError):
        decode(token, issuer="https://a.example/")
    for bad in (1, None, ["https://a.example"], {"x": 1}):
        with exactly(exc.InvalidIssuerError):
            decode(hs256({"iss": bad}), issuer="https://a.example")
    with exactly(exc.MissingRequiredClaimError):
        decode(hs256({"sub": "1"}), issuer="https://a.example")
    assert decode(token, issuer="https://b.example", options={"verify_iss": False})
    assert decode(token)  # no issuer asked: not checked


def test_subject() -> None:
    token = hs256({"sub": "42"})
    assert decode(token, subject="42")
    with exactly(exc.InvalidSubjectError):
        decode(token, subject="43")
    with exactly(exc.InvalidSubjectError):
        decode(hs256({"a": 1}), subject="42")


@pytest.mark.parametrize("claim", ["exp", "iat", "nbf", "sub", "jti", "iss", "aud", "custom"])
def test_required_claims(claim: str) -> None:
    t = now()
    full = {
        "exp": t + 60,
        "iat": t - 10,
        "nbf": t - 10,
        "sub": "1",
        "jti": "j",
        "iss": "i",
        "aud": "a",
        "custom": 0,
    }
    assert decode(hs256(full), options={"require": list(full)}, audience="a")
    partial = {k: v for k, v in full.items() if k != claim}
    audience = None if claim == "aud" else "a"
    with exactly(exc.MissingRequiredClaimError):
        decode(hs256(partial), options={"require": [claim]}, audience=audience)
    with pytest.raises(exc.MissingRequiredClaimError) as info:
        decode(hs256(partial), options={"require": [claim]}, audience=audience)
    assert info.value.claim == claim
    assert str(info.value) == f'Token is missing the "{claim}" claim'


def test_required_claim_that_is_null_counts_as_missing_as_in_pyjwt() -> None:
    token = hs256({"sub": None})
    with pytest.raises(pyjwt.MissingRequiredClaimError):
        pyjwt.decode(token, SECRET, algorithms=["HS256"], options={"require": ["sub"]})
    with exactly(exc.MissingRequiredClaimError):
        decode(token, options={"require": ["sub"]})


def test_token_type() -> None:
    access = hs256({"token_type": "access", "sub": "1"})
    refresh = hs256({"token_type": "refresh", "sub": "1"})
    assert decode(access, token_type=("token_type", "access"))
    assert decode(refresh, token_type=("token_type", "refresh"))
    with exactly(exc.InvalidTokenTypeError):
        decode(refresh, token_type=("token_type", "access"))
    with exactly(exc.InvalidTokenTypeError):
        decode(access, token_type=("token_type", "refresh"))
    for bad in (
        {"sub": "1"},
        {"token_type": None},
        {"token_type": 1},
        {"token_type": ["access"]},
        {"token_type": "Access"},
        {"token_type": "access "},
        {"typ": "access"},
    ):
        with exactly(exc.InvalidTokenTypeError):
            decode(hs256(bad), token_type=("token_type", "access"))
    assert decode(hs256({"typ": "access"}), token_type=("typ", "access"))


def test_unknown_option_is_refused() -> None:
    with pytest.raises(TypeError):
        decode(hs256({"a": 1}), options={"verify_expiry": False})


# --- keys ----------------------------------------------------------------------------------


@pytest.mark.parametrize("alg,size", [("HS256", 32), ("HS384", 48), ("HS512", 64)])
def test_short_hmac_secret_is_weak(alg: str, size: int) -> None:
    for short in (b"", b"s", b"s" * (size - 1), "s" * (size - 1)):
        with exactly(exc.WeakKeyError):
            pyauth.jwt.load_key(short, alg)
        with exactly(exc.WeakKeyError):
            pyauth.jwt.encode({"a": 1}, short, algorithm=alg)
        token = craft(
            {"alg": alg},
            {"a": 1},
            secret=short if isinstance(short, bytes) else short.encode(),
            alg=alg,
        )
        with exactly(exc.WeakKeyError):
            pyauth.jwt.decode(token, short, algorithms=[alg])
    ok = b"s" * size
    token = pyauth.jwt.encode({"a": 1}, ok, algorithm=alg)
    assert pyauth.jwt.decode(token, ok, algorithms=[alg]) == {"a": 1}
    # a UTF-8 str secret counts bytes, not characters
    assert pyauth.jwt.load_key("é" * (size // 2), alg).algorithm == alg


def test_pem_as_hmac_secret_is_invalid_not_weak(jwt_keys: Any) -> None:
    for alg in ("RS256", "ES256", "EdDSA"):
        for pem in (jwt_keys[alg].signing, jwt_keys[alg].verifying):
            with exactly(exc.InvalidKeyError):
                pyauth.jwt.encode({"a": 1}, pem, algorithm="HS256")
            with exactly(exc.InvalidKeyError):
                pyauth.jwt.decode(hs256({"a": 1}), pem, algorithms=["HS256"])


@pytest.mark.filterwarnings(
    "ignore::jwt.warnings.InsecureKeyLengthWarning"
)  # PyJWT makes the token
def test_weak_rsa_key_is_refused() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 -- the point
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with exactly(exc.WeakKeyError):
        pyauth.jwt.load_key(pem, "RS256")
    token = pyjwt.encode({"a": 1}, pem, algorithm="RS256")
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with exactly(exc.WeakKeyError):
        pyauth.jwt.decode(token, public, algorithms=["RS256"])


@pytest.mark.parametrize(
    "material_alg,alg",
    [
        ("ES256", "RS256"),
        ("RS256", "ES256"),
        ("ES384", "ES256"),
        ("ES256", "ES384"),
        ("EdDSA", "ES256"),
        ("RS256", "EdDSA"),
        ("ES256", "EdDSA"),
    ],
)
def test_key_type_must_fit_algorithm(jwt_keys: Any, material_alg: str, alg: str) -> None:
    for pem in (jwt_keys[material_alg].signing, jwt_keys[material_alg].verifying):
        with exactly(exc.InvalidKeyError):
            pyauth.jwt.load_key(pem, alg)


@pytest.mark.parametrize(
    "material",
    [
        b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
        b"-----BEGIN",
        b"not a key",
        b"",
        b"{",
        b'{"kty":"RSA"}',
        b'{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}',
        b'{"kty":"oct","k":"AA"}',
        b"\x00" * 64,
    ],
)
def test_garbage_key_material(material: bytes) -> None:
    for alg in ("RS256", "ES256", "EdDSA"):
        with exactly(exc.InvalidKeyError):
            pyauth.jwt.load_key(material, alg)


def test_public_key_cannot_sign(jwt_keys: Any) -> None:
    for alg in ("RS256", "PS256", "ES256", "ES384", "EdDSA"):
        with exactly(exc.KeyCannotSignError):
            pyauth.jwt.encode({"a": 1}, jwt_keys[alg].verifying, algorithm=alg)


def test_key_bound_to_one_algorithm(jwt_keys: Any) -> None:
    key = pyauth.jwt.load_key(jwt_keys["RS256"].signing, "RS256")
    with exactly(exc.InvalidKeyError):
        pyauth.jwt.encode({"a": 1}, key, algorithm="PS256")
    with exactly(exc.InvalidKeyError):
        pyauth.jwt.encode({"a": 1}, key, algorithm="RS256", headers={"alg": "RS512"})
    token = pyjwt.encode({"a": 1}, jwt_keys["RS256"].signing, algorithm="PS256")
    with exactly(exc.NoMatchingKeyError):
        pyauth.jwt.decode(token, key, algorithms=["RS256", "PS256"])
    with exactly(exc.InvalidKeyError):
        pyauth._core.sign_compact(b'{"alg":"PS256"}', b"{}", key)


@pytest.mark.parametrize("alg", ["none", "None", "ES512", "HS1", "", "RSA-OAEP", "hs256", "EdDSA "])
def test_encode_unsupported_algorithm(alg: str) -> None:
    with exactly(exc.UnsupportedAlgorithmError):
        pyauth.jwt.encode({"a": 1}, SECRET, algorithm=alg)
    with pytest.raises(NotImplementedError):  # what PyJWT raises
        pyauth.jwt.encode({"a": 1}, SECRET, algorithm=alg)


def test_encode_refuses_non_mapping_payload() -> None:
    for bad in ([1], "s", b"{}", 1, None):
        with pytest.raises(TypeError):
            pyauth.jwt.encode(bad, SECRET, algorithm="HS256")


# --- calling errors ----------------------------------------------------------------------


def test_algorithms_required() -> None:
    token = hs256({"a": 1})
    with exactly(exc.DecodeError):
        pyauth.jwt.decode(token, SECRET)
    with exactly(exc.DecodeError):
        pyauth.jwt.decode(token, SECRET, algorithms=[])
    with exactly(exc.DecodeError):
        pyauth.jwt.decode(token, SECRET, algorithms=None)
    with exactly(exc.DecodeError):
        pyauth.jwt.decode_complete(token, SECRET)
    with pytest.raises(TypeError):  # PyJWT would do a substring test on the str
        pyauth.jwt.decode(token, SECRET, algorithms="HS256")


@pytest.mark.parametrize(
    "token", [None, 1, 1.5, ["a.b.c"], {"t": 1}, bytearray(b"a.b.c"), object()]
)
def test_non_str_or_bytes_token_is_type_error(token: Any) -> None:
    with pytest.raises(TypeError):
        decode(token)
    with pytest.raises(TypeError):
        pyauth.jwt.decode_complete(token, SECRET, algorithms=["HS256"])
    with pytest.raises(TypeError):
        pyauth.jwt.get_unverified_header(token)
    with pytest.raises(TypeError):
        pyauth.jwt.decode(token, options={"verify_signature": False})


def test_bad_key_argument_type() -> None:
    for key in (None, 1, ["k"], {"k": 1}):
        with pytest.raises(TypeError):
            pyauth.jwt.decode(hs256({"a": 1}), key, algorithms=["HS256"])


GARBAGE = [
    "",
    " ",
    ".",
    "...",
    "a.b.c",
    "é.é.é",
    "日本.語.字",
    "\u0000.\u0000.\u0000",
    "\ud800.e30.c2ln",  # a lone surrogate: not even encodable text
    "Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2ln",
    "eyJhbGciOiJIUzI1NiJ9.e30.c2ln ",
    " eyJhbGciOiJIUzI1NiJ9.e30.c2ln",
    "eyJhbGciOiJIUzI1NiJ9\n.e30.c2ln",
    "eyJ.eyJ.eyJ",
    "e30.e30.e30",
    "bnVsbA.bnVsbA.bnVsbA",  # null.null.null
    "W10.W10.W10",  # [].[].[]
    b"\xff\xfe.\x00.\x80",
    b"",
    b"...",
]


@pytest.mark.parametrize("token", GARBAGE)
def test_garbage_is_a_decode_error(token: str | bytes) -> None:
    with pytest.raises(exc.DecodeError):
        decode(token)
    with pytest.raises(exc.DecodeError):
        pyauth.jwt.decode_complete(token, SECRET, algorithms=["HS256"])
    with pytest.raises(exc.DecodeError):
        pyauth.jwt.get_unverified_header(token)
    with pytest.raises(exc.DecodeError):
        pyauth.jwt.decode(token, options={"verify_signature": False})


# --- property tests ------------------------------------------------------------------------


def _only_pyauth_errors(token: Any) -> None:
    for call in (
        lambda: decode(token),
        lambda: pyauth.jwt.get_unverified_header(token),
        lambda: pyauth.jwt.decode_complete(token, SECRET, algorithms=["HS256", "RS256"]),
    ):
        try:
            call()
        except exc.PyJWTError:
            pass


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=200), st.binary(max_size=200)))
def test_arbitrary_input_only_raises_pyjwt_errors(token: str | bytes) -> None:
    _only_pyauth_errors(token)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.text(alphabet=B64URL + "=+/. \n", max_size=60), min_size=1, max_size=5).map(
        ".".join
    )
)
def test_base64ish_input_only_raises_pyjwt_errors(token: str) -> None:
    _only_pyauth_errors(token)


_VALID = hs256({"sub": "1", "exp": 4102444800, "n": [1, 2, 3]})


@settings(max_examples=300, deadline=None)
@given(st.integers(0, len(_VALID) - 1), st.sampled_from(B64URL + ".=+/ "))
def test_any_single_character_change_is_refused(position: int, char: str) -> None:
    tampered = _VALID[:position] + char + _VALID[position + 1 :]
    if tampered == _VALID:
        return
    with pytest.raises(exc.InvalidTokenError):
        decode(tampered)


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=1, max_size=300), st.binary(min_size=1, max_size=300))
def test_arbitrary_segments_only_raise_pyjwt_errors(header: bytes, payload: bytes) -> None:
    _only_pyauth_errors(craft(header, payload))


# claims PyJWT or pyauth validate by type or value: not arbitrary JSON
_REGISTERED = {"exp", "nbf", "iat", "aud", "iss", "sub", "jti"}
_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | _TEXT,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(_TEXT, children, max_size=5),
    max_leaves=25,
)
_CLAIMS = st.dictionaries(_TEXT.filter(lambda k: k not in _REGISTERED), _JSON, max_size=8)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_CLAIMS)
def test_arbitrary_claims_round_trip(claims: dict[str, Any]) -> None:
    token = pyauth.jwt.encode(claims, SECRET, algorithm="HS256")
    got = pyauth.jwt.decode(token, SECRET, algorithms=["HS256"])
    # compare as canonical JSON so True/1 and 1/1.0 are told apart
    assert orjson.dumps(got, option=orjson.OPT_SORT_KEYS) == orjson.dumps(
        claims, option=orjson.OPT_SORT_KEYS
    )
    assert pyjwt.decode(token, SECRET, algorithms=["HS256"]) == claims
