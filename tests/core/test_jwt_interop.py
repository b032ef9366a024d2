"""pyauth.jwt against the libraries its users come from: PyJWT (both directions, every
algorithm), joserfc (decodes pyauth's tokens), and the calls djangorestframework-simplejwt
makes. Keys are PEM from ``cryptography`` (conftest ``jwt_keys``)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt as pyjwt
import pytest
from joserfc import jwk as jose_jwk
from joserfc import jws as jose_jws
from joserfc import jwt as jose_jwt

import pyauth.jwt
from pyauth import exceptions

ISSUER = "https://issuer.example"
AUDIENCE = "https://api.example"


def rich_claims() -> dict[str, Any]:
    """Claims exercising every JSON type both libraries must agree on."""
    now = int(time.time())
    return {
        "sub": "42",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "nbf": now - 60,
        "exp": now + 600,
        "jti": "b5b7e0c4-2f0e-4d52-9a8d-0f8a0f7d2f4e",
        "nested": {"roles": ["admin", "user"], "flags": {"on": True, "off": False, "none": None}},
        "deep": [[1, [2, [3, {"four": 4}]]]],
        "unicode": 'Zoë Jürgen ☃ 𝄞 日本語 "quoted" back\\slash \n\t \u0000 \u2028',
        "emoji_key_😀": "value",
        "int64_max": 2**63 - 1,
        "int64_min": -(2**63),
        "zero": 0,
        "float": 1.5,
        "tiny": 5e-324,
        "third": 1 / 3,
        "neg_float": -2.5e300,
        "empty_obj": {},
        "empty_list": [],
        "empty_str": "",
    }


# --- PyJWT -> pyauth ----------------------------------------------------------------


def test_pyjwt_encodes_pyauth_decodes(any_alg_keys: Any) -> None:
    claims = rich_claims()
    token = pyjwt.encode(claims, any_alg_keys.signing, algorithm=any_alg_keys.algorithm)
    got = pyauth.jwt.decode(
        token,
        any_alg_keys.verifying,
        algorithms=[any_alg_keys.algorithm],
        audience=AUDIENCE,
        issuer=ISSUER,
    )
    assert got == claims
    assert pyauth.jwt.get_unverified_header(token) == pyjwt.get_unverified_header(token)


def test_pyjwt_encodes_pyauth_decodes_bytes_token_and_str_key(any_alg_keys: Any) -> None:
    claims = {"sub": "x", "exp": int(time.time()) + 60}
    token = pyjwt.encode(claims, any_alg_keys.signing, algorithm=any_alg_keys.algorithm)
    key: str | bytes = any_alg_keys.verifying
    if not any_alg_keys.is_hmac:
        key = key.decode("ascii")  # PEM as str, the way it often comes from settings
    assert (
        pyauth.jwt.decode(token.encode("ascii"), key, algorithms=[any_alg_keys.algorithm]) == claims
    )


def test_pyjwt_token_with_kid_verifies_with_plain_key(any_alg_keys: Any) -> None:
    """PyJWT ignores ``kid`` when the caller hands it the key: so must the facade when the
    key is raw material (a secret or a PEM) that carries no kid of its own."""
    claims = {"sub": "kid-test"}
    token = pyjwt.encode(
        claims, any_alg_keys.signing, algorithm=any_alg_keys.algorithm, headers={"kid": "key-2024"}
    )
    assert (
        pyauth.jwt.decode(token, any_alg_keys.verifying, algorithms=[any_alg_keys.algorithm])
        == claims
    )
    complete = pyauth.jwt.decode_complete(
        token, any_alg_keys.verifying, algorithms=[any_alg_keys.algorithm]
    )
    assert complete["header"]["kid"] == "key-2024"


def test_pyjwt_token_with_kid_selects_key_from_keyset(any_alg_keys: Any) -> None:
    alg = any_alg_keys.algorithm
    right = pyauth.jwt.load_key(any_alg_keys.verifying, alg, kid="right")
    wrong = pyauth.jwt.generate_key(alg, kid="wrong")
    keyset = pyauth.jwt.KeySet([wrong, right])
    token = pyjwt.encode({"n": 1}, any_alg_keys.signing, algorithm=alg, headers={"kid": "right"})
    assert pyauth.jwt.decode(token, keyset, algorithms=[alg]) == {"n": 1}
    token = pyjwt.encode({"n": 1}, any_alg_keys.signing, algorithm=alg, headers={"kid": "absent"})
    with pytest.raises(exceptions.NoMatchingKeyError):
        pyauth.jwt.decode(token, keyset, algorithms=[alg])


# --- pyauth -> PyJWT ----------------------------------------------------------------


def test_pyauth_encodes_pyjwt_decodes(any_alg_keys: Any) -> None:
    claims = rich_claims()
    token = pyauth.jwt.encode(claims, any_alg_keys.signing, algorithm=any_alg_keys.algorithm)
    assert isinstance(token, str)
    got = pyjwt.decode(
        token,
        any_alg_keys.verifying,
        algorithms=[any_alg_keys.algorithm],
        audience=AUDIENCE,
        issuer=ISSUER,
    )
    assert got == claims
    assert pyjwt.get_unverified_header(token) == {"alg": any_alg_keys.algorithm, "typ": "JWT"}


def test_pyauth_encodes_with_kid_and_extra_headers(any_alg_keys: Any) -> None:
    alg = any_alg_keys.algorithm
    token = pyauth.jwt.encode(
        {"sub": "1"}, any_alg_keys.signing, algorithm=alg, headers={"kid": "k-1", "x-extra": [1, 2]}
    )
    header = pyjwt.get_unverified_header(token)
    assert header == {"alg": alg, "typ": "JWT", "kid": "k-1", "x-extra": [1, 2]}
    assert pyjwt.decode(token, any_alg_keys.verifying, algorithms=[alg]) == {"sub": "1"}
    assert pyauth.jwt.get_unverified_header(token) == header


def test_pyauth_encodes_with_key_object_kid(any_alg_keys: Any) -> None:
    alg = any_alg_keys.algorithm
    key = pyauth.jwt.load_key(any_alg_keys.signing, alg, kid="obj-kid")
    assert key.kid == "obj-kid"
    assert key.algorithm == alg
    token = pyauth.jwt.encode({"sub": "1"}, key, algorithm=None)
    assert pyjwt.get_unverified_header(token)["kid"] == "obj-kid"
    assert pyjwt.decode(token, any_alg_keys.verifying, algorithms=[alg]) == {"sub": "1"}


def test_pyauth_encodes_datetime_claims(any_alg_keys: Any) -> None:
    alg = any_alg_keys.algorithm
    now = datetime.now(tz=UTC).replace(microsecond=0)
    payload = {"exp": now + timedelta(minutes=5), "iat": now, "nbf": now - timedelta(seconds=30)}
    token = pyauth.jwt.encode(payload, any_alg_keys.signing, algorithm=alg)
    reference = pyjwt.encode(payload, any_alg_keys.signing, algorithm=alg)
    expected = pyjwt.decode(reference, any_alg_keys.verifying, algorithms=[alg])
    assert expected["exp"] == int(now.timestamp()) + 300
    assert pyjwt.decode(token, any_alg_keys.verifying, algorithms=[alg]) == expected
    assert pyauth.jwt.decode(token, any_alg_keys.verifying, algorithms=[alg]) == expected


def test_datetime_exp_in_the_past_is_expired_for_both() -> None:
    secret = b"s" * 32
    past = datetime.now(tz=UTC) - timedelta(minutes=5)
    token = pyauth.jwt.encode({"exp": past}, secret, algorithm="HS256")
    with pytest.raises(pyjwt.ExpiredSignatureError):
        pyjwt.decode(token, secret, algorithms=["HS256"])
    with pytest.raises(pyauth.jwt.ExpiredSignatureError):
        pyauth.jwt.decode(token, secret, algorithms=["HS256"])


def test_hmac_tokens_are_byte_identical_to_pyjwt() -> None:
    """HMAC is deterministic: with the same header and ASCII claims the tokens must be
    equal (PyJWT writes compact JSON with sorted header keys, as pyauth does). Non-ASCII
    text differs legitimately: PyJWT escapes it (\\u00fc), orjson writes UTF-8."""
    secret = b"k" * 64
    claims = {"sub": "1", "n": [1, 2.5, None, True], "s": "a b"}
    for alg in ("HS256", "HS384", "HS512"):
        assert pyauth.jwt.encode(claims, secret, algorithm=alg) == pyjwt.encode(
            claims, secret, algorithm=alg
        )
        assert pyauth.jwt.encode(
            claims, secret, algorithm=alg, headers={"kid": "a"}
        ) == pyjwt.encode(claims, secret, algorithm=alg, headers={"kid": "a"})


def test_eddsa_tokens_are_byte_identical_to_pyjwt(jwt_keys: Any) -> None:
    """Ed25519 signatures are deterministic too."""
    km = jwt_keys["EdDSA"]
    claims = {"sub": "1", "list": [1, 2, 3]}
    assert pyauth.jwt.encode(claims, km.signing, algorithm="EdDSA") == pyjwt.encode(
        claims, km.signing, algorithm="EdDSA"
    )


def test_decode_complete_matches_pyjwt(any_alg_keys: Any) -> None:
    alg = any_alg_keys.algorithm
    token = pyjwt.encode({"a": 1}, any_alg_keys.signing, algorithm=alg, headers={"kid": "x"})
    keyset = pyauth.jwt.KeySet([pyauth.jwt.load_key(any_alg_keys.verifying, alg, kid="x")])
    ours = pyauth.jwt.decode_complete(token, keyset, algorithms=[alg])
    theirs = pyjwt.decode_complete(token, any_alg_keys.verifying, algorithms=[alg])
    assert ours["header"] == theirs["header"]
    assert ours["payload"] == theirs["payload"]
    assert ours["signature"] == theirs["signature"]


def test_multiple_allowed_algorithms_with_one_pem(jwt_keys: Any) -> None:
    """A PEM RSA key with algorithms=[RS256, PS256] verifies tokens of either."""
    km = jwt_keys["RS256"]
    for alg in ("RS256", "PS256", "RS512"):
        token = pyjwt.encode({"alg_was": alg}, km.signing, algorithm=alg)
        got = pyauth.jwt.decode(token, km.verifying, algorithms=["RS256", "PS256", "RS512"])
        assert got == {"alg_was": alg}


# --- joserfc decodes pyauth ---------------------------------------------------------


# joserfc warns that RFC 9864 deprecates the name "EdDSA" (for "Ed25519"); PyJWT and
# pyauth still use it.
@pytest.mark.filterwarnings("ignore:EdDSA is deprecated")
@pytest.mark.parametrize("alg", ["HS256", "RS256", "PS384", "ES256", "ES384", "EdDSA"])
def test_joserfc_decodes_pyauth_tokens(jwt_keys: Any, alg: str) -> None:
    km = jwt_keys[alg]
    claims = {"sub": "joserfc", "exp": int(time.time()) + 60, "n": [1, {"x": "ü"}]}
    token = pyauth.jwt.encode(claims, km.signing, algorithm=alg)
    if km.is_hmac:
        key: Any = jose_jwk.OctKey.import_key(km.verifying)
    elif alg.startswith(("RS", "PS")):
        key = jose_jwk.RSAKey.import_key(km.verifying)
    elif alg.startswith("ES"):
        key = jose_jwk.ECKey.import_key(km.verifying)
    else:
        key = jose_jwk.OKPKey.import_key(km.verifying)
    registry = jose_jws.JWSRegistry(algorithms=[alg])
    decoded = jose_jwt.decode(token, key, algorithms=[alg], registry=registry)
    assert decoded.claims == claims
    assert decoded.header["alg"] == alg


@pytest.mark.parametrize("alg", ["HS256", "ES256"])
def test_pyauth_decodes_joserfc_tokens(jwt_keys: Any, alg: str) -> None:
    km = jwt_keys[alg]
    key: Any = (
        jose_jwk.OctKey.import_key(km.signing)
        if km.is_hmac
        else jose_jwk.ECKey.import_key(km.signing)
    )
    claims = {"sub": "from-joserfc", "exp": int(time.time()) + 60}
    token = jose_jwt.encode({"alg": alg}, claims, key, algorithms=[alg])
    assert pyauth.jwt.decode(token, km.verifying, algorithms=[alg]) == claims


@pytest.mark.filterwarnings("ignore:EdDSA is deprecated")
def test_public_jwk_of_pyauth_key_loads_in_joserfc_and_pyjwt(jwt_keys: Any) -> None:
    for alg in ("RS256", "ES256", "ES384", "EdDSA"):
        km = jwt_keys[alg]
        key = pyauth.jwt.load_key(km.signing, alg, kid="pub")
        token = pyauth.jwt.encode({"a": alg}, key, algorithm=alg)
        jwk_json = key.public_jwk()
        assert pyjwt.decode(token, pyjwt.PyJWK.from_json(jwk_json).key, algorithms=[alg]) == {
            "a": alg
        }
        jose_key = jose_jwk.import_key(pyjwt.api_jwk.json.loads(jwk_json))
        assert jose_jwt.decode(
            token, jose_key, algorithms=[alg], registry=jose_jws.JWSRegistry(algorithms=[alg])
        ).claims == {"a": alg}


# --- the calls djangorestframework-simplejwt makes ----------------------------------


def test_simplejwt_style_decode() -> None:
    secret = "django-insecure-" + "x" * 48
    now = int(time.time())
    claims = {
        "token_type": "access",
        "exp": now + 300,
        "iat": now,
        "jti": "abc",
        "user_id": 1,
        "aud": "my-aud",
        "iss": "my-iss",
    }
    token = pyjwt.encode(claims, secret, algorithm="HS256")
    got = pyauth.jwt.decode(
        token,
        secret,
        algorithms=["HS256"],
        audience="my-aud",
        issuer="my-iss",
        leeway=timedelta(seconds=0),
    )
    assert got == claims
    # simplejwt passes leeway as an int and options={"verify_aud": False} when AUDIENCE is None
    claims_no_aud = {k: v for k, v in claims.items() if k != "aud"}
    token = pyjwt.encode(claims_no_aud, secret, algorithm="HS256")
    got = pyauth.jwt.decode(
        token,
        secret,
        algorithms=["HS256"],
        audience=None,
        issuer="my-iss",
        leeway=0,
        options={"verify_aud": False, "verify_signature": True},
    )
    assert got == claims_no_aud
    assert (
        pyauth.jwt.decode(token, secret, algorithms=["HS256"], token_type=("token_type", "access"))
        == claims_no_aud
    )


# --- the exception names and classes of PyJWT ---------------------------------------

PYJWT_EXCEPTION_NAMES = [
    "PyJWTError",
    "InvalidTokenError",
    "DecodeError",
    "InvalidSignatureError",
    "ExpiredSignatureError",
    "InvalidAudienceError",
    "InvalidIssuerError",
    "InvalidIssuedAtError",
    "ImmatureSignatureError",
    "InvalidKeyError",
    "InvalidAlgorithmError",
    "MissingRequiredClaimError",
]


@pytest.mark.parametrize("name", PYJWT_EXCEPTION_NAMES)
def test_module_exposes_pyjwt_exception_names(name: str) -> None:
    import pyauth.jwt as jwt  # the import a PyJWT user rewrites

    assert hasattr(pyjwt, name), "the name list must follow PyJWT"
    cls = getattr(jwt, name)
    assert cls is getattr(exceptions, name)
    assert issubclass(cls, exceptions.PyAuthError)


@pytest.mark.parametrize("name", PYJWT_EXCEPTION_NAMES)
def test_exception_hierarchy_mirrors_pyjwt(name: str) -> None:
    """Every PyJWT base class of PyJWT's exception has its pyauth namesake as a base of
    pyauth's exception."""
    theirs = getattr(pyjwt, name)
    ours = getattr(pyauth.jwt, name)
    for base in theirs.__mro__:
        if base.__module__.startswith("jwt") and base.__name__ != name:
            assert issubclass(ours, getattr(pyauth.jwt, base.__name__)), (name, base.__name__)


def test_hierarchy_spot_checks() -> None:
    e = exceptions
    assert issubclass(e.InvalidSignatureError, e.DecodeError)
    assert issubclass(e.DecodeError, e.InvalidTokenError)
    assert issubclass(e.InvalidTokenError, e.PyJWTError)
    assert issubclass(e.ExpiredSignatureError, e.InvalidTokenError)
    assert not issubclass(e.ExpiredSignatureError, e.DecodeError)
    assert issubclass(e.TokenTooLargeError, e.DecodeError)
    assert issubclass(e.UnsupportedCriticalHeaderError, e.DecodeError)
    assert issubclass(e.WeakKeyError, e.InvalidKeyError)
    assert issubclass(e.UnsupportedAlgorithmError, NotImplementedError)
    assert issubclass(e.InvalidKeyError, e.PyJWTError)
    assert not issubclass(e.InvalidKeyError, e.InvalidTokenError)


def test_pyjwt_style_except_clause_catches_expiry() -> None:
    import pyauth.jwt as jwt

    secret = b"e" * 32
    token = jwt.encode({"exp": int(time.time()) - 100}, secret, algorithm="HS256")
    caught = None
    try:
        jwt.decode(token, secret, algorithms=["HS256"])
    except jwt.ExpiredSignatureError as exc:
        caught = exc
    assert type(caught) is jwt.ExpiredSignatureError
    with pytest.raises(jwt.InvalidTokenError):
        jwt.decode(token, secret, algorithms=["HS256"])
    with pytest.raises(jwt.PyJWTError):
        jwt.decode(token, secret, algorithms=["HS256"])


def test_missing_required_claim_error_carries_claim_like_pyjwt() -> None:
    secret = b"m" * 32
    token = pyauth.jwt.encode({"sub": "1"}, secret, algorithm="HS256")
    with pytest.raises(pyauth.jwt.MissingRequiredClaimError) as ours:
        pyauth.jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["exp"]})
    with pytest.raises(pyjwt.MissingRequiredClaimError) as theirs:
        pyjwt.decode(token, secret, algorithms=["HS256"], options={"require": ["exp"]})
    assert ours.value.claim == theirs.value.claim == "exp"
    assert str(ours.value) == str(theirs.value)
