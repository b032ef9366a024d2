"""``_core.Decoder``: the KeySet and VerifyOptions of a call bound once, the object
``pyauth.jwt.decode`` calls on its hot path (a vectorcall type outside pybind11).

It must be indistinguishable from ``_core.decode`` with the same arguments: the same
claims, the same exception class for every refusal of the decoder's own vector file, the
same view of a KeySet that gains keys later. Its own faces are tested too: positional
arguments only, the optional ``now``, the objects it keeps, and the claims dict it
builds by hand (member names from a cache, ASCII strings copied, every JSON type), also
when the garbage collector runs a finaliser that decodes on the same thread while the
dict is being built."""

from __future__ import annotations

import gc
import json
import sys
import threading
from collections.abc import Iterator
from typing import Any

import jwt as pyjwt
import pytest

import pyauth.jwt
from pyauth import _core, exceptions

from .test_jwt_vectors import JWT_REFUSALS, TOKEN_ERRORS, _core_options

SECRET = "decoder-secret-0123456789-abcdefghijklm"
OTHER = "o" * 40
NOW = 1_700_000_000


def _options(
    *,
    algorithms: tuple[str, ...] = ("HS256",),
    audience: tuple[str, ...] = (),
    leeway: float = 0.0,
    token_type: tuple[str, str] = ("", ""),
) -> _core.VerifyOptions:
    return _core.VerifyOptions(
        list(algorithms),
        leeway,
        *(True,) * 7,
        list(audience),
        [],
        [],
        *token_type,
        [],
    )


def _keys(secret: str = SECRET) -> _core.KeySet:
    return _core.KeySet([pyauth.jwt.load_key(secret, "HS256")])


def _token(claims: dict[str, Any], secret: str = SECRET) -> str:
    return pyauth.jwt.encode(claims, secret, algorithm="HS256")


@pytest.fixture
def decoder() -> _core.Decoder:
    return _core.Decoder(_keys(), _options())


# --- the same as _core.decode -------------------------------------------------------


@pytest.mark.vectors(JWT_REFUSALS, "vectors")
def test_refusal_vectors_give_what_core_decode_gives(vector: dict[str, Any]) -> None:
    """Every case of the decoder's vector file, at its fixed 'now': the same claims, or
    exactly the exception class _core.decode raises (the one error translation)."""
    keys = _core.KeySet([pyauth.jwt.load_key(vector["secret"], "HS256", kid=vector["kid"])])
    options = _core_options(vector)
    decode = _core.Decoder(keys, options)
    now = float(vector["now"])
    expected = vector["expected_error"]
    for token in (vector["token"], vector["token"].encode("ascii")):
        if expected is None:
            assert decode(token, now) == _core.decode(token, keys, options, now)
            continue
        cls = TOKEN_ERRORS[expected]
        with pytest.raises(cls) as info:
            decode(token, now)
        assert type(info.value) is cls, (expected, repr(info.value))


def test_missing_required_claim_names_the_claim_as_core_decode_does() -> None:
    options = _core.VerifyOptions(["HS256"], 0.0, *(True,) * 7, [], [], ["sub"], "", "", [])
    token = _token({"exp": NOW + 60})
    with pytest.raises(exceptions.MissingRequiredClaimError) as info:
        _core.Decoder(_keys(), options)(token, float(NOW))
    assert info.value.claim == "sub"


def test_signature_audience_type_and_expiry_are_checked() -> None:
    claims = {"exp": NOW + 60, "aud": "api", "token_type": "access", "user_id": 7}
    token = _token(claims)
    decode = _core.Decoder(
        _keys(), _options(audience=("api",), token_type=("token_type", "access"))
    )
    assert decode(token, float(NOW)) == claims
    with pytest.raises(exceptions.ExpiredSignatureError):
        decode(token, float(NOW + 60))
    with pytest.raises(exceptions.InvalidSignatureError):
        _core.Decoder(_keys(OTHER), _options(audience=("api",)))(token, float(NOW))
    with pytest.raises(exceptions.InvalidAudienceError):
        _core.Decoder(_keys(), _options(audience=("web",)))(token, float(NOW))
    with pytest.raises(exceptions.InvalidTokenTypeError):
        _core.Decoder(_keys(), _options(audience=("api",), token_type=("token_type", "refresh")))(
            token, float(NOW)
        )


def test_without_now_the_clock_decides() -> None:
    decode = _core.Decoder(_keys(), _options())
    assert decode(_token({"exp": 2**40}))["exp"] == 2**40
    with pytest.raises(exceptions.ExpiredSignatureError):
        decode(_token({"exp": 1}))


def test_keys_added_to_the_key_set_later_verify() -> None:
    """The decoder reads the KeySet object it was given, as _core.decode would."""
    keys = _keys(OTHER)
    decode = _core.Decoder(keys, _options())
    token = _token({"sub": "a"})
    with pytest.raises(exceptions.InvalidSignatureError):
        decode(token)
    keys.add(pyauth.jwt.load_key(SECRET, "HS256"))
    assert decode(token) == {"sub": "a"}


def test_asymmetric_keys_verify_from_several_threads(jwt_keys: Any) -> None:
    """A non-HMAC key set releases the GIL while verifying: one decoder shared by
    threads must still give each its own claims."""
    km = jwt_keys["EdDSA"]
    decode = _core.Decoder(
        pyauth.jwt.KeySet([pyauth.jwt.load_key(km.verifying, "EdDSA")]),
        _options(algorithms=("EdDSA",)),
    )
    tokens = [
        pyjwt.encode({"n": i, "sub": f"user-{i}"}, km.signing, algorithm="EdDSA") for i in range(8)
    ]
    failures: list[str] = []

    def work(i: int) -> None:
        for _ in range(200):
            claims = decode(tokens[i])
            if claims != {"n": i, "sub": f"user-{i}"}:
                failures.append(repr(claims))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []


# --- its own faces ------------------------------------------------------------------


def test_keeps_the_objects_it_was_given() -> None:
    keys, options = _keys(), _options()
    decode = _core.Decoder(keys, options)
    assert decode.keys is keys
    assert decode.options is options


@pytest.mark.parametrize(
    "args",
    [(), ("not a key set", _options()), (_keys(), "not options"), (_options(), _keys())],
)
def test_construction_takes_a_key_set_and_options(args: tuple[Any, ...]) -> None:
    with pytest.raises(TypeError):
        _core.Decoder(*args)


def test_construction_takes_no_keywords() -> None:
    with pytest.raises(TypeError):
        _core.Decoder(keys=_keys(), options=_options())  # type: ignore[call-arg]


def test_call_takes_the_token_and_now_positionally(decoder: _core.Decoder) -> None:
    token = _token({"sub": "x"})
    with pytest.raises(TypeError):
        decoder()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        decoder(token, 1.0, 2.0)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        decoder(token=token)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        decoder(token, "now")  # type: ignore[arg-type]
    assert decoder(token, NOW) == {"sub": "x"}  # an int is a time too


@pytest.mark.parametrize("token", [None, 42, bytearray(b"a.b.c"), memoryview(b"a.b.c")])
def test_token_must_be_str_or_bytes(decoder: _core.Decoder, token: Any) -> None:
    with pytest.raises(TypeError, match="token must be str or bytes"):
        decoder(token)


@pytest.mark.parametrize("token", ["é.é.é", "\udcff.a.b", "a.b"])
def test_text_that_is_not_a_token_is_a_decode_error(decoder: _core.Decoder, token: str) -> None:
    with pytest.raises(exceptions.DecodeError):
        decoder(token)


def test_is_not_subclassable_or_mutable(decoder: _core.Decoder) -> None:
    with pytest.raises(TypeError):
        type("Sub", (_core.Decoder,), {})
    with pytest.raises(AttributeError):
        decoder.keys = _keys()  # type: ignore[misc]


# --- the claims dict ----------------------------------------------------------------

EVERY_TYPE: dict[str, Any] = {
    "str": "ascii text",
    "empty": "",
    "utf8": "été ✓ \U0001f600",
    "nul": "a\u0000b",
    "int": -42,
    "big": 2**63 + 5,
    "float": 1.5,
    "true": True,
    "false": False,
    "null": None,
    "list": [1, "two", [3.0], {"four": 4}, None],
    "nested": {"a": {"b": {"c": ["d"]}}, "é": "ü"},
    "clé": "a non-ASCII member name",
    "x" * 40: "a name longer than the cache keeps",
}


def test_every_json_type_round_trips(decoder: _core.Decoder) -> None:
    claims = decoder(_token(EVERY_TYPE))
    assert claims == EVERY_TYPE
    assert [type(v) for v in claims.values()] == [type(v) for v in EVERY_TYPE.values()]
    assert list(claims) == list(EVERY_TYPE)  # in the token's order


def test_claims_dicts_are_fresh_objects(decoder: _core.Decoder) -> None:
    token = _token({"sub": "x", "roles": ["a"]})
    first, second = decoder(token), decoder(token)
    assert first == second and first is not second and first["roles"] is not second["roles"]
    first["sub"] = "changed"
    assert decoder(token)["sub"] == "x"


def test_member_names_are_interned_strings(decoder: _core.Decoder) -> None:
    """Names of verified tokens come from the cache: the very str objects Python's
    own literals are, so lookups by literal compare by identity."""
    claims = decoder(_token({"user_id": 1, "token_type": "access"}))
    claims = decoder(_token({"user_id": 2, "token_type": "access"}))
    names = {name: name for name in claims}
    assert names["user_id"] is sys.intern("user_id")
    assert names["token_type"] is sys.intern("token_type")


def test_many_distinct_member_names_all_decode(decoder: _core.Decoder) -> None:
    """More names than the cache holds: the rest are made per call, correctly."""
    for i in range(300):
        claims = {f"claim-{i}-{j}": j for j in range(4)} | {f"c{i % 7}": "x" * (i % 50)}
        assert decoder(_token(claims)) == claims


def test_unverified_names_decode_the_same() -> None:
    header, claims = _core.decode_unverified(_token({"brand-new-name": 1, "sub": "s"}))
    assert claims == {"brand-new-name": 1, "sub": "s"} and header["alg"] == "HS256"


_FINALISED: list[dict[str, Any]] = []  # what the finalisers below decoded


class _DecodesWhenCollected:
    """A reference cycle whose finaliser decodes a token on the current thread."""

    def __init__(self, decode: _core.Decoder, token: str) -> None:
        self.decode, self.token, self.me = decode, token, self

    def __del__(self) -> None:
        _FINALISED.append(self.decode(self.token))


@pytest.fixture
def collect_often() -> Iterator[None]:
    was = gc.get_threshold()
    gc.set_threshold(1, 1, 1)
    try:
        yield
    finally:
        gc.set_threshold(*was)
        gc.collect()


@pytest.mark.usefixtures("collect_often")
def test_a_decode_nested_in_a_finaliser_does_not_disturb_the_outer_one() -> None:
    """Building the claims allocates; an allocation may run the collector, and a
    finaliser may decode on this thread while the outer decode's claims are still being
    read from the thread's decoder. Each must get its own claims."""
    decode = _core.Decoder(_keys(), _options())
    outer = {f"outer-{i}": [i, {"k": str(i)}] for i in range(12)}
    inner = {"inner": ["x", "y"], "n": 1}
    outer_token, inner_token = _token(outer), _token(inner)
    _FINALISED.clear()
    for _ in range(200):
        _DecodesWhenCollected(decode, inner_token)
        assert decode(outer_token) == outer
        assert json.dumps(_core.decode(outer_token, decode.keys, decode.options, -1.0)) == (
            json.dumps(outer)
        )
    assert _FINALISED, "the collector never ran a finaliser"
    assert all(claims == inner for claims in _FINALISED)


# --- through the facade -------------------------------------------------------------


def test_facade_binds_one_decoder_per_common_call() -> None:
    token = _token({"aud": "api", "sub": "s"})
    first = pyauth.jwt.decode(token, SECRET, algorithms=["HS256"], audience="api")
    again = pyauth.jwt.decode(token, SECRET, algorithms=["HS256"], audience="api")
    assert first == again == {"aud": "api", "sub": "s"}
    cached = [d for d in pyauth.jwt._COMMON.values() if isinstance(d, _core.Decoder)]
    assert cached and all(len(d.keys) >= 1 for d in cached)
