"""RFC 7515 Appendix A and RFC 8037 Appendix A through pyauth.

``pyauth.jwt.encode`` writes its own header, so the RFCs' exact tokens (whose headers
carry CR LF and spaces) are reproduced through ``_core.sign_compact`` with the RFCs'
header and payload bytes; decoding goes through the public ``pyauth.jwt.decode``.
The RFC 7515 tokens expired in 2011: each is first refused as expired, then decoded
with ``verify_exp`` off."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

import pyauth.jwt
from pyauth import _core, exceptions

RFC7515 = "rfc7515-appendix-a.json"
RFC8037 = "rfc8037-appendix-a.json"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


# --- RFC 7515 A.1-A.3: the algorithms pyauth implements -----------------------------


def _supported_7515(load_vectors: Any) -> list[dict[str, Any]]:
    return [v for v in load_vectors(RFC7515)["vectors"] if v["supported"]]


@pytest.mark.vectors(RFC7515, "vectors")
def test_vector_file_is_self_consistent(vector: dict[str, Any]) -> None:
    """The file's derived fields follow from its inputs (a typo would otherwise pass
    silently through the other tests)."""
    assert b64url(vector["protected_header"].encode()) == vector["protected_header_b64"]
    assert b64url(vector["payload"].encode()) == vector["payload_b64"]
    assert vector["signing_input"] == f"{vector['protected_header_b64']}.{vector['payload_b64']}"
    assert vector["token"] == f"{vector['signing_input']}.{vector['signature']}"


@pytest.mark.vectors(RFC7515, "vectors", where={"supported": True, "deterministic": True})
def test_rfc7515_exact_token_from_sign_compact(vector: dict[str, Any]) -> None:
    """A.1 (HS256) and A.2 (RS256) are deterministic: byte-exact tokens."""
    key = pyauth.jwt.load_key(vector["jwk"], vector["alg"])
    assert key.algorithm == vector["alg"]
    token = _core.sign_compact(
        vector["protected_header"].encode("utf-8"), vector["payload"].encode("utf-8"), key
    )
    assert token == vector["token"]
    assert key.sign(vector["signing_input"].encode("ascii")) == base64.urlsafe_b64decode(
        vector["signature"] + "=" * (-len(vector["signature"]) % 4)
    )


@pytest.mark.parametrize("name", ["A.1", "A.2", "A.3"])
def test_rfc7515_token_is_expired_then_decodes(load_vectors: Any, name: str) -> None:
    vector = next(v for v in _supported_7515(load_vectors) if v["name"] == name)
    key = pyauth.jwt.load_key(vector["jwk"], vector["alg"])
    expected = json.loads(vector["payload"])
    assert expected == {"iss": "joe", "exp": 1300819380, "http://example.com/is_root": True}
    with pytest.raises(exceptions.ExpiredSignatureError):
        pyauth.jwt.decode(vector["token"], key, algorithms=[vector["alg"]])
    claims = pyauth.jwt.decode(
        vector["token"], key, algorithms=[vector["alg"]], options={"verify_exp": False}
    )
    assert claims == expected
    complete = pyauth.jwt.decode_complete(
        vector["token"], key, algorithms=[vector["alg"]], options={"verify_exp": False}
    )
    assert complete["header"] == json.loads(vector["protected_header"])
    assert complete["payload"] == expected
    assert b64url(complete["signature"]) == vector["signature"]
    assert pyauth.jwt.get_unverified_header(vector["token"]) == json.loads(
        vector["protected_header"]
    )


@pytest.mark.parametrize("name", ["A.1", "A.2", "A.3"])
def test_rfc7515_token_decodes_with_public_half_only(load_vectors: Any, name: str) -> None:
    """HMAC has no public half; for RS256 and ES256 the JWK without its private members
    (and the public PEM pyauth derives from it) verifies the RFC token."""
    vector = next(v for v in _supported_7515(load_vectors) if v["name"] == name)
    alg = vector["alg"]
    if alg.startswith("HS"):
        key = pyauth.jwt.load_key(base64.urlsafe_b64decode(vector["jwk"]["k"] + "=="), alg)
        options = {"verify_exp": False}
        assert pyauth.jwt.decode(vector["token"], key, algorithms=[alg], options=options)
        return
    public_members = {"RSA": ("kty", "n", "e"), "EC": ("kty", "crv", "x", "y")}
    jwk = {k: vector["jwk"][k] for k in public_members[vector["jwk"]["kty"]]}
    public = pyauth.jwt.load_key(jwk, alg)
    assert not public.is_private
    assert pyauth.jwt.load_key(vector["jwk"], alg).is_private
    options = {"verify_exp": False}
    assert pyauth.jwt.decode(vector["token"], public, algorithms=[alg], options=options)
    pem = pyauth.jwt.load_key(vector["jwk"], alg).public_pem()
    assert pyauth.jwt.decode(vector["token"], pem, algorithms=[alg], options=options)
    with pytest.raises(exceptions.KeyCannotSignError):
        public.sign(b"data")


def test_rfc7515_a3_es256_signs_fresh_and_verifies(load_vectors: Any) -> None:
    """ECDSA is randomised: a fresh signature differs from the RFC's but verifies, in
    the 64-byte JOSE r||s form."""
    vector = next(v for v in _supported_7515(load_vectors) if v["name"] == "A.3")
    key = pyauth.jwt.load_key(vector["jwk"], "ES256")
    token = _core.sign_compact(vector["protected_header"].encode(), vector["payload"].encode(), key)
    assert token.rsplit(".", 1)[0] == vector["signing_input"]
    signature = base64.urlsafe_b64decode(token.rsplit(".", 1)[1] + "==")
    assert len(signature) == 64
    assert key.verify(vector["signing_input"].encode(), signature)
    assert pyauth.jwt.decode(token, key, algorithms=["ES256"], options={"verify_exp": False})


@pytest.mark.parametrize("name", ["A.1", "A.2", "A.3"])
def test_rfc7515_tampered_tokens_fail(load_vectors: Any, name: str) -> None:
    vector = next(v for v in _supported_7515(load_vectors) if v["name"] == name)
    key = pyauth.jwt.load_key(vector["jwk"], vector["alg"])
    options = {"verify_exp": False}
    header_b64, payload_b64, signature_b64 = vector["token"].split(".")
    # a different, still canonical payload
    other_payload = b64url(vector["payload"].replace("joe", "eve").encode())
    with pytest.raises(exceptions.InvalidSignatureError):
        pyauth.jwt.decode(
            f"{header_b64}.{other_payload}.{signature_b64}",
            key,
            algorithms=[vector["alg"]],
            options=options,
        )
    # a flipped signature byte
    sig = bytearray(base64.urlsafe_b64decode(signature_b64 + "=="))
    sig[len(sig) // 2] ^= 0x01
    with pytest.raises(exceptions.InvalidSignatureError):
        pyauth.jwt.decode(
            f"{header_b64}.{payload_b64}.{b64url(bytes(sig))}",
            key,
            algorithms=[vector["alg"]],
            options=options,
        )
    assert not key.verify(vector["signing_input"].encode(), bytes(sig))


@pytest.mark.parametrize("name", ["A.1", "A.2", "A.3"])
def test_rfc7515_alg_outside_allow_list(load_vectors: Any, name: str) -> None:
    vector = next(v for v in _supported_7515(load_vectors) if v["name"] == name)
    key = pyauth.jwt.load_key(vector["jwk"], vector["alg"])
    other = "HS512" if vector["alg"] != "HS512" else "HS256"
    with pytest.raises(exceptions.InvalidAlgorithmError):
        pyauth.jwt.decode(
            vector["token"],
            pyauth.jwt.KeySet([key]),
            algorithms=[other],
            options={"verify_exp": False},
        )


# --- RFC 7515 A.4 (ES512) and A.5 (none): refused -----------------------------------


def test_rfc7515_a4_es512_is_refused(load_vectors: Any, jwt_keys: Any) -> None:
    vector = next(v for v in load_vectors(RFC7515)["vectors"] if v["name"] == "A.4")
    assert vector["alg"] == "ES512" and not vector["supported"]
    assert "ES512" not in pyauth.jwt.ALGORITHMS
    with pytest.raises(exceptions.UnsupportedAlgorithmError):
        pyauth.jwt.load_key(vector["jwk"], "ES512")
    with pytest.raises(exceptions.InvalidKeyError):  # a P-521 key fits no algorithm we have
        pyauth.jwt.load_key(vector["jwk"], "ES256")
    es256 = pyauth.jwt.load_key(jwt_keys["ES256"].verifying, "ES256")
    # The RFC's payload is the text "Payload", not a JWT claims set: refused as malformed.
    with pytest.raises(exceptions.DecodeError):
        pyauth.jwt.decode(vector["token"], es256, algorithms=["ES256"])
    # The RFC's header and signature over a JSON payload: refused for its algorithm.
    token = f"{vector['protected_header_b64']}.{b64url(b'{}')}.{vector['signature']}"
    for algorithms in (["ES256"], list(pyauth.jwt.ALGORITHMS)):
        with pytest.raises(exceptions.InvalidAlgorithmError):
            pyauth.jwt.decode(token, es256, algorithms=algorithms)
    with pytest.raises(exceptions.InvalidAlgorithmError):
        pyauth.jwt.decode(token, es256, algorithms=["ES512"])


def test_rfc7515_a5_unsecured_jws_is_refused(load_vectors: Any, jwt_keys: Any) -> None:
    """The RFC's Unsecured JWS ({"alg":"none"}, empty signature). PyJWT refuses it with
    InvalidAlgorithmError (alg not allowed); so must pyauth, whatever the allow-list."""
    vector = next(v for v in load_vectors(RFC7515)["vectors"] if v["name"] == "A.5")
    assert vector["alg"] == "none" and not vector["supported"]
    secret = jwt_keys["HS256"].verifying
    for algorithms in (["HS256"], list(pyauth.jwt.ALGORITHMS)):
        with pytest.raises(exceptions.InvalidAlgorithmError):
            pyauth.jwt.decode(vector["token"], secret, algorithms=algorithms)
    with pytest.raises(exceptions.UnsupportedAlgorithmError):
        pyauth.jwt.load_key(b"x" * 64, "none")


# --- RFC 8037 A.1-A.5: Ed25519 -------------------------------------------------------


@pytest.mark.vectors(RFC8037, "vectors")
def test_rfc8037_exact_signature(vector: dict[str, Any]) -> None:
    """A.4: Ed25519 is deterministic, so the private JWK reproduces the RFC signature;
    A.5: the public JWK verifies it."""
    private = pyauth.jwt.load_key(vector["private_jwk"], "EdDSA")
    public = pyauth.jwt.load_key(vector["public_jwk"], "EdDSA")
    assert private.is_private and not public.is_private
    signing_input = vector["signing_input"].encode("ascii")
    expected = base64.urlsafe_b64decode(vector["signature"] + "==")
    assert private.sign(signing_input) == expected
    assert public.verify(signing_input, expected)
    assert private.verify(signing_input, expected)
    assert not public.verify(signing_input + b"x", expected)
    assert not public.verify(signing_input, expected[:-1] + bytes([expected[-1] ^ 1]))


@pytest.mark.vectors(RFC8037, "vectors")
def test_rfc8037_public_jwk_round_trips(vector: dict[str, Any]) -> None:
    """A.2: the public JWK pyauth writes for the A.1 key has the RFC's x."""
    private = pyauth.jwt.load_key(vector["private_jwk"], "EdDSA")
    jwk = json.loads(private.public_jwk())
    assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519"
    assert jwk["x"] == vector["public_jwk"]["x"]
    assert "d" not in jwk


@pytest.mark.vectors(RFC8037, "vectors")
def test_rfc8037_token_through_decode(vector: dict[str, Any]) -> None:
    """The A.4 payload is the text "Example of Ed25519 signing", not a JSON object, so
    as a JWT it is refused as malformed (after the signature would verify); the same
    header signed over a JSON claims set verifies through decode with the RFC key."""
    public = pyauth.jwt.load_key(vector["public_jwk"], "EdDSA")
    with pytest.raises(exceptions.DecodeError) as info:
        pyauth.jwt.decode(vector["token"], public, algorithms=["EdDSA"])
    assert type(info.value) is exceptions.DecodeError  # not a signature failure
    private = pyauth.jwt.load_key(vector["private_jwk"], "EdDSA")
    token = _core.sign_compact(
        vector["protected_header"].encode(), b'{"msg":"Example of Ed25519 signing"}', private
    )
    assert token.startswith(vector["protected_header_b64"] + ".")
    assert pyauth.jwt.decode(token, public, algorithms=["EdDSA"]) == {
        "msg": "Example of Ed25519 signing"
    }
    assert pyauth.jwt.decode(token, json.dumps(vector["public_jwk"]), algorithms=["EdDSA"]) == {
        "msg": "Example of Ed25519 signing"
    }


@pytest.mark.vectors(RFC8037, "vectors")
def test_rfc8037_keyset_from_jwks(vector: dict[str, Any]) -> None:
    jwks = pyauth.jwt.load_jwks({"keys": [dict(vector["public_jwk"], kid="ed")]})
    assert len(jwks) == 1
    private = pyauth.jwt.load_key(dict(vector["private_jwk"], kid="ed"), "EdDSA")
    assert private.kid == "ed"
    token = pyauth.jwt.encode({"sub": "x"}, private, algorithm=None)
    assert pyauth.jwt.get_unverified_header(token)["kid"] == "ed"
    assert pyauth.jwt.decode(token, jwks, algorithms=["EdDSA"]) == {"sub": "x"}


# --- jwt-refusals.json: the C++ decoder's refusal cases, through the binding ----------------

JWT_REFUSALS = "jwt-refusals.json"
#: TokenErrc name (as the vector file spells it) -> the class the binding must raise
TOKEN_ERRORS: dict[str, type[Exception]] = {
    "malformed": exceptions.DecodeError,
    "too_large": exceptions.TokenTooLargeError,
    "bad_signature": exceptions.InvalidSignatureError,
    "algorithm_not_allowed": exceptions.InvalidAlgorithmError,
    "unsupported_crit": exceptions.UnsupportedCriticalHeaderError,
    "no_matching_key": exceptions.NoMatchingKeyError,
    "expired": exceptions.ExpiredSignatureError,
    "not_yet_valid": exceptions.ImmatureSignatureError,
    "invalid_iat": exceptions.InvalidIssuedAtError,
    "bad_audience": exceptions.InvalidAudienceError,
    "bad_issuer": exceptions.InvalidIssuerError,
    "missing_claim": exceptions.MissingRequiredClaimError,
    "bad_token_type": exceptions.InvalidTokenTypeError,
}


def _core_options(vector: dict[str, Any]) -> Any:
    return _core.VerifyOptions(
        vector["algorithms"],
        float(vector.get("leeway", 0)),
        True,  # verify_exp
        True,  # verify_nbf
        True,  # verify_iat
        True,  # verify_aud
        True,  # verify_iss
        True,  # verify_sub
        True,  # verify_jti
        vector.get("audience", []),
        vector.get("issuer", []),
        [],
        vector.get("type_claim", ""),
        vector.get("expected_type", ""),
        [],
    )


@pytest.mark.vectors(JWT_REFUSALS, "vectors")
def test_jwt_refusal_vectors_map_to_exact_classes(vector: dict[str, Any]) -> None:
    """Each case of the decoder's own vector file, at its fixed 'now', raises exactly the
    pyauth class its TokenErrc maps to (the binding's one translator), or decodes."""
    key = pyauth.jwt.load_key(vector["secret"], "HS256", kid=vector["kid"])
    keys = pyauth.jwt.KeySet([key])
    options = _core_options(vector)
    expected = vector["expected_error"]
    for token in (vector["token"], vector["token"].encode("ascii")):
        if expected is None:
            claims = _core.decode(token, keys, options, float(vector["now"]))
            assert isinstance(claims, dict)
            header, again = _core.decode_complete(token, keys, options, float(vector["now"]))
            assert again == claims and header["alg"] == "HS256"
            continue
        cls = TOKEN_ERRORS[expected]
        with pytest.raises(cls) as info:
            _core.decode(token, keys, options, float(vector["now"]))
        assert type(info.value) is cls, (expected, repr(info.value))


def test_jwt_refusal_vectors_cover_every_token_error(load_vectors: Any) -> None:
    """The vector file exercises every TokenErrc but missing_claim through 'require'
    (covered by test_jwt_refusals.py) — so a new code without a case is noticed."""
    seen = {v["expected_error"] for v in load_vectors(JWT_REFUSALS)["vectors"]}
    assert set(TOKEN_ERRORS) <= seen | {"missing_claim"}
    assert None in seen  # and a control that must decode
