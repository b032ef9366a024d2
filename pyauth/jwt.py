"""JSON Web Tokens on pyauth's C++ core, with PyJWT's calling convention.

``import jwt`` becomes ``from pyauth import jwt``::

    token = jwt.encode({"sub": "42", "exp": exp}, secret, algorithm="HS256")
    claims = jwt.decode(token, secret, algorithms=["HS256"], audience="api")

Keys are taken as PyJWT takes them (an HMAC secret or a PEM key as ``str`` or
``bytes``) or as prepared :class:`Key` / :class:`KeySet` objects. Key material passed
as text is parsed once and cached, so passing the same string on every call costs a
dictionary lookup, not a parse.

Stricter than PyJWT, as RFC 8725 asks: an HMAC secret shorter than the hash output is
refused, every key is bound to one algorithm, padded or non-canonical base64url,
duplicate JSON members, unknown ``crit`` parameters and tokens over 8 KiB are refused.
"""

from __future__ import annotations

import base64
import json
import math
import threading
import time
from calendar import timegm
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Final, TypeAlias

import orjson

from pyauth import _core
from pyauth.exceptions import (
    DecodeError,
    ExpiredSignatureError,
    ImmatureSignatureError,
    InvalidAlgorithmError,
    InvalidAudienceError,
    InvalidIssuedAtError,
    InvalidIssuerError,
    InvalidJTIError,
    InvalidKeyError,
    InvalidSignatureError,
    InvalidSubjectError,
    InvalidTokenError,
    InvalidTokenTypeError,
    MissingRequiredClaimError,
    NoMatchingKeyError,
    PyJWTError,
    TokenTooLargeError,
    UnsupportedAlgorithmError,
    UnsupportedCriticalHeaderError,
    WeakKeyError,
)

__all__ = [
    "ALGORITHMS",
    "DecodeError",
    "ExpiredSignatureError",
    "ImmatureSignatureError",
    "InvalidAlgorithmError",
    "InvalidAudienceError",
    "InvalidIssuedAtError",
    "InvalidIssuerError",
    "InvalidJTIError",
    "InvalidKeyError",
    "InvalidSignatureError",
    "InvalidSubjectError",
    "InvalidTokenError",
    "InvalidTokenTypeError",
    "Key",
    "KeySet",
    "MissingRequiredClaimError",
    "NoMatchingKeyError",
    "PyJWTError",
    "TokenTooLargeError",
    "UnsupportedAlgorithmError",
    "UnsupportedCriticalHeaderError",
    "VerifiedTokenCache",
    "WeakKeyError",
    "decode",
    "decode_complete",
    "decoder",
    "encode",
    "generate_key",
    "get_unverified_header",
    "load_jwks",
    "load_key",
]

Key = _core.Key
KeySet = _core.KeySet

KeyLike: TypeAlias = "str | bytes | _core.Key | _core.KeySet"

#: Every algorithm pyauth signs and verifies ("none" is not one of them).
ALGORITHMS: Final[tuple[str, ...]] = tuple(_core.algorithms())

_TIME_CLAIMS: Final = ("exp", "iat", "nbf")
_PEM_MARKER: Final = b"-----BEGIN"
# PyJWT's decode options, in the order _core.VerifyOptions takes the flags.
_OPTION_FLAGS: Final = (
    "verify_exp",
    "verify_nbf",
    "verify_iat",
    "verify_aud",
    "verify_iss",
    "verify_sub",
    "verify_jti",
)
# enforce_minimum_key_length is accepted for PyJWT's sake: pyauth always enforces it.
_KNOWN_OPTIONS: Final = frozenset(
    (*_OPTION_FLAGS, "verify_signature", "require", "strict_aud", "enforce_minimum_key_length")
)


# --- keys ---------------------------------------------------------------------------


def _as_bytes(value: str | bytes, what: str) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    raise TypeError(f"{what} must be str or bytes, not {type(value).__name__}")


def load_key(
    material: str | bytes | Mapping[str, Any], algorithm: str, kid: str | None = None
) -> Key:
    """Parse key material once into a :class:`Key` bound to ``algorithm``.

    ``material`` is an HMAC secret (for HS256/384/512), a PEM key or certificate, or a
    JWK (a mapping, or its JSON text starting with ``{``)."""
    if isinstance(material, Mapping):
        jwk = orjson.dumps(dict(material))
        return _core.key_from_jwk(jwk, algorithm)
    raw = _as_bytes(material, "key")
    if _core.is_hmac(algorithm):
        return _core.key_from_secret(algorithm, raw, kid or "")
    if raw.lstrip().startswith(_PEM_MARKER):
        return _core.key_from_pem(algorithm, raw, kid or "")
    if raw.lstrip().startswith(b"{"):
        return _core.key_from_jwk(raw, algorithm)
    raise InvalidKeyError(f"{algorithm} needs a PEM or JWK key; got neither")


def generate_key(algorithm: str, kid: str | None = None) -> Key:
    """A fresh private key for ``algorithm`` (RSA 2048; HMAC: a random secret)."""
    return _core.generate_key(algorithm, kid or "")


def load_jwks(document: str | bytes | Mapping[str, Any]) -> KeySet:
    """A :class:`KeySet` from a JWK Set (``{"keys": [...]}``); entries pyauth cannot use
    for signatures are skipped, as RFC 7517 §5 allows."""
    raw = (
        orjson.dumps(dict(document))
        if isinstance(document, Mapping)
        else _as_bytes(document, "JWKS")
    )
    return _core.keyset_from_jwks(raw)


@lru_cache(maxsize=256)
def _signing_key(material: str | bytes, algorithm: str) -> Key:
    return load_key(material, algorithm)


@lru_cache(maxsize=256)
def _verification_keys(material: str | bytes | Key, algorithms: tuple[str, ...]) -> KeySet:
    """One key per allowed algorithm the material fits. A PEM RSA key with
    ["RS256", "PS256"] gives two keys; with ["HS256"] it gives none, and that is an
    error: it is the HS-with-public-key confusion."""
    if isinstance(material, Key):
        return KeySet([material])
    keys: list[Key] = []
    first_error: PyJWTError | None = None
    for alg in algorithms:
        try:
            keys.append(load_key(material, alg))
        except PyJWTError as exc:  # this key does not fit this algorithm: skip it
            if first_error is None:
                first_error = exc
    if not keys:
        raise first_error or InvalidKeyError("no algorithm to load the key for")
    return KeySet(keys)


def _keyset(key: KeyLike, algorithms: tuple[str, ...]) -> KeySet:
    if isinstance(key, KeySet):
        return key
    if isinstance(key, (str, bytes, Key)):
        return _verification_keys(key, algorithms)
    raise TypeError(f"key must be str, bytes, Key or KeySet, not {type(key).__name__}")


# --- encode -------------------------------------------------------------------------


def _json(value: Any, json_encoder: type[json.JSONEncoder] | None) -> bytes:
    if json_encoder is not None:
        return json.dumps(value, separators=(",", ":"), cls=json_encoder).encode("utf-8")
    return orjson.dumps(value)


@lru_cache(maxsize=64)
def _plain_header(algorithm: str) -> bytes:
    return orjson.dumps({"alg": algorithm, "typ": "JWT"})


def encode(
    payload: Mapping[str, Any],
    key: KeyLike,
    algorithm: str | None = None,
    headers: Mapping[str, Any] | None = None,
    json_encoder: type[json.JSONEncoder] | None = None,
    sort_headers: bool = True,
) -> str:
    """Sign ``payload`` as a JWT (JWS compact serialization), as PyJWT's ``jwt.encode``.

    ``key`` is a secret or PEM (``str``/``bytes``), signing with ``algorithm`` (HS256
    when not given, as in PyJWT), or a :class:`Key`, which signs with its own algorithm
    and puts its ``kid`` in the header. ``exp``, ``iat`` and ``nbf`` given as
    ``datetime`` become NumericDates. Unsecured (``alg: none``) tokens are never made."""
    if not isinstance(payload, Mapping):
        raise TypeError("Expecting a dict object, as JWT only supports JSON objects as payloads.")
    for claim in _TIME_CLAIMS:  # a plain loop: a generator here cost 0.35 µs per call
        if isinstance(payload.get(claim), datetime):
            payload = {
                k: timegm(v.utctimetuple()) if k in _TIME_CLAIMS and isinstance(v, datetime) else v
                for k, v in payload.items()
            }
            break
    if headers and headers.get("alg"):
        algorithm = headers["alg"]
    if isinstance(key, Key):
        signer = key
        if algorithm is not None and algorithm != key.algorithm:
            raise InvalidKeyError(
                f"the key is bound to {key.algorithm} and cannot sign {algorithm}"
            )
        algorithm = key.algorithm
    else:
        if algorithm is None:
            algorithm = "HS256"
        elif algorithm not in ALGORITHMS:
            raise UnsupportedAlgorithmError(f"Algorithm {algorithm!r} is not supported")
        signer = _signing_key(key, algorithm)
    if headers is None and signer.kid is None:
        header = _plain_header(algorithm)
    else:
        fields: dict[str, Any] = {"alg": algorithm, "typ": "JWT"}
        if signer.kid is not None:
            fields["kid"] = signer.kid
        if headers:
            fields.update(headers)
            fields["alg"] = algorithm
            if not fields.get("typ"):
                fields.pop("typ", None)
        if sort_headers:
            fields = dict(sorted(fields.items()))
        header = _json(fields, json_encoder)
    return _core.sign_compact(header, _json(payload, json_encoder), signer)


# --- decode -------------------------------------------------------------------------


def _strings(value: str | Iterable[str] | None, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, bytes):
        raise TypeError(f"{what} must be str or an iterable of str")
    out = tuple(value)
    if not all(isinstance(v, str) for v in out):
        raise TypeError(f"{what} must be str or an iterable of str")
    return out


def _leeway_seconds(leeway: float | timedelta) -> float:
    seconds = leeway.total_seconds() if isinstance(leeway, timedelta) else float(leeway)
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError("leeway must be a non-negative number of seconds")
    return seconds


def _allow_list(algorithms: Sequence[str] | None) -> tuple[str, ...]:
    if not algorithms:
        raise DecodeError(
            'It is required that you pass in a value for the "algorithms" argument when '
            "calling decode()."
        )
    if isinstance(algorithms, str):
        raise TypeError('algorithms must be a list of names, e.g. ["HS256"]')
    algs = tuple(algorithms)
    for alg in algs:
        if alg not in ALGORITHMS:
            raise InvalidAlgorithmError(f"algorithm {alg!r} is not supported")
    return algs


@lru_cache(maxsize=256)
def _prepared(
    algorithms: tuple[str, ...],
    leeway: float,
    flags: tuple[bool, ...],
    audience: tuple[str, ...],
    issuer: tuple[str, ...],
    required: tuple[str, ...],
    token_type: tuple[str, str],
) -> _core.VerifyOptions:
    """The core's options for one combination of arguments, built once (the arguments
    are validated here, on a cache miss)."""
    exp, nbf, iat, aud, iss, sub, jti = flags
    return _core.VerifyOptions(
        list(_allow_list(algorithms)),
        _leeway_seconds(leeway),
        exp,
        nbf,
        iat,
        aud,
        iss,
        sub,
        jti,
        list(audience),
        list(issuer),
        list(required),
        *token_type,
        [],
    )


_ALL_CHECKS: Final = (True,) * len(_OPTION_FLAGS)
_NO_TYPE: Final = ("", "")


def _verify_options(
    algorithms: Sequence[str] | None,
    options: Mapping[str, Any] | None,
    audience: str | Iterable[str] | None,
    issuer: str | Sequence[str] | None,
    leeway: float | timedelta,
    token_type: tuple[str, str] | None,
) -> tuple[tuple[str, ...], _core.VerifyOptions, bool]:
    """The allow-list, the prepared options and whether PyJWT's ``strict_aud`` is on."""
    algs = _allow_list(algorithms)
    flags: tuple[bool, ...] = _ALL_CHECKS
    required: tuple[str, ...] = ()
    strict_aud = False
    if options:
        unknown = set(options) - _KNOWN_OPTIONS
        if unknown:
            raise TypeError(f"unknown decode options: {', '.join(sorted(unknown))}")
        flags = tuple(bool(options.get(f, True)) for f in _OPTION_FLAGS)
        required = _strings(options.get("require"), "options['require']")
        strict_aud = bool(options.get("strict_aud", False)) and flags[3]
    audiences = _strings(audience, "audience")
    if strict_aud and len(audiences) != 1:
        raise InvalidAudienceError("Invalid audience (strict)")
    prepared = _prepared(
        algs,
        _leeway_seconds(leeway),
        flags,
        audiences,
        _strings(issuer, "issuer"),
        required,
        token_type or _NO_TYPE,
    )
    return algs, prepared, strict_aud


def _post_checks(
    claims: Mapping[str, Any], audience: Any, subject: str | None, strict_aud: bool
) -> None:
    """The rarely used checks that the core does not do: an expected subject, and
    ``strict_aud`` (a single-string aud equal to the single expected audience)."""
    if strict_aud:
        aud = claims.get("aud")
        if not isinstance(aud, str):
            raise InvalidAudienceError("Invalid claim format in token (strict)")
        if aud != (audience if isinstance(audience, str) else next(iter(audience))):
            raise InvalidAudienceError("Audience doesn't match (strict)")
    if subject is not None and claims.get("sub") != subject:
        raise InvalidSubjectError("Invalid subject")


def _decode_parts(
    jwt: str | bytes,
    key: KeyLike,
    algorithms: Sequence[str] | None,
    options: Mapping[str, Any] | None,
    audience: str | Iterable[str] | None,
    issuer: str | Sequence[str] | None,
    subject: str | None,
    leeway: float | timedelta,
    token_type: tuple[str, str] | None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(header, claims) with every option PyJWT knows; decode's general path."""
    if options and options.get("verify_signature", True) is False:
        return _core.decode_unverified(jwt)
    algs, prepared, strict_aud = _verify_options(
        algorithms, options, audience, issuer, leeway, token_type
    )
    header, claims = _core.decode_complete(jwt, _keyset(key, algs), prepared, -1.0)
    _post_checks(claims, audience, subject, strict_aud)
    return header, claims


_COMMON: dict[tuple[Any, ...], _core.Decoder] = {}
_COMMON_MAX: Final = 256


def _bind(
    key: KeyLike,
    algs: tuple[str, ...],
    audience: str | Iterable[str] | None,
    issuer: str | Sequence[str] | None,
    leeway: float | timedelta,
    token_type: tuple[str, str] | None,
    required: tuple[str, ...] = (),
) -> _core.Decoder:
    """The core's decoder with every check on and these arguments bound."""
    prepared = _prepared(
        algs,
        leeway if type(leeway) is int or type(leeway) is float else _leeway_seconds(leeway),
        _ALL_CHECKS,
        _strings(audience, "audience"),
        _strings(issuer, "issuer"),
        required,
        token_type or _NO_TYPE,
    )
    return _core.Decoder(_keyset(key, algs), prepared)


def _common_miss(cache_key: tuple[Any, ...]) -> _core.Decoder:
    """Prepare (and, when the arguments are hashable, remember) the decoder of a call
    without options or subject: its key set and options bound once."""
    decoder = _bind(*cache_key)
    try:
        if len(_COMMON) >= _COMMON_MAX:
            _COMMON.clear()
        _COMMON[cache_key] = decoder
    except TypeError:  # unhashable arguments are prepared every call
        pass
    return decoder


def decoder(
    key: KeyLike,
    algorithms: Sequence[str],
    audience: str | Iterable[str] | None = None,
    issuer: str | Sequence[str] | None = None,
    leeway: float | timedelta = 0,
    *,
    token_type: tuple[str, str] | None = None,
    require: Sequence[str] = (),
    cache_size: int = 0,
) -> Callable[[str | bytes], dict[str, Any]]:
    """pyauth's extension: :func:`decode` with every argument but the token bound, for a
    service that verifies many tokens under one configuration. ``decoder(...)(token)``
    checks and answers exactly as ``decode(token, ...)`` with the same arguments (and
    ``options={"require": require}``), without looking the key set and options up on each
    call.

    ``cache_size`` > 0 also remembers up to that many tokens it verified (a
    :class:`VerifiedTokenCache`): a client presents the same access token on every
    request of its lifetime, and the same bytes verify the same way under the same keys
    and options, so only the time claims are checked again."""
    if isinstance(cache_size, bool) or not isinstance(cache_size, int) or cache_size < 0:
        raise ValueError("cache_size must be a non-negative int")
    algs = _allow_list(algorithms)
    if isinstance(require, str):
        raise TypeError('require must be a list of claim names, e.g. ["exp"]')
    if not require and not cache_size:
        return _common_miss((key, algs, audience, issuer, leeway, token_type))
    bound = _bind(key, algs, audience, issuer, leeway, token_type, _strings(require, "require"))
    if cache_size == 0:
        return bound
    return VerifiedTokenCache(bound, cache_size, _leeway_seconds(leeway))


# Claim values a cached token may hold: immutable, so the copy each hit hands out cannot
# be changed in a way that reaches the next caller (a list in a claim could).
_IMMUTABLE_CLAIMS: Final = frozenset({str, int, float, bool, type(None)})


class VerifiedTokenCache:
    """A decoder that remembers the tokens it verified, by their exact bytes.

    ``decode(token, now)`` is the core's decoder (a ``_core.Decoder``), given the time
    this call read. A hit hands out a copy of the claims the core returned for the same
    token, once the time claims still hold: ``exp`` as the core checks it
    (``exp <= now - leeway`` is expired), and no earlier than the moment the core
    accepted the token, so ``nbf`` and ``iat``, which held then, still hold (a clock
    stepped back misses the cache and asks the core). Anything else the core checked
    (signature, allow-list, key, audience, issuer, type, required claims, structure)
    depends only on the token's bytes and on this decoder's keys and options, which
    never change: a new key set or new settings make a new decoder with an empty cache.

    Only tokens whose claims are all strings, numbers, booleans or null are kept, so no
    caller can alter what a later one receives. Lookups are dictionary lookups on the
    token (Python's keyed SipHash, so a forged token is never compared against a cached
    one byte by byte unless their 64-bit hashes collide); at most ``size`` tokens are
    kept, the oldest dropped first. Tokens other than ``str`` / ``bytes`` go to the core
    uncached."""

    __slots__ = ("_decode", "_entries", "_leeway", "_lock", "_size")

    def __init__(
        self, decode: Callable[[str | bytes, float], dict[str, Any]], size: int, leeway: float
    ) -> None:
        self._decode = decode
        self._size = size
        self._leeway = leeway
        self._entries: dict[str | bytes, tuple[dict[str, Any], float, float]] = {}
        self._lock = threading.Lock()

    def __call__(self, token: str | bytes) -> dict[str, Any]:
        now = time.time()  # one reading, for the cache and the core alike
        cacheable = type(token) is str or type(token) is bytes
        if cacheable:
            entry = self._entries.get(token)
            if entry is not None:
                claims, since, exp = entry
                if since <= now and not exp <= now - self._leeway:
                    return claims.copy()
        claims = self._decode(token, now)
        if cacheable:
            self._remember(token, claims, now)
        return claims

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        """Forget every token."""
        with self._lock:
            self._entries.clear()

    def _remember(self, token: str | bytes, claims: dict[str, Any], now: float) -> None:
        exp = claims.get("exp", math.inf)  # none: the core accepted the token without one
        if type(exp) is not int and type(exp) is not float:
            return
        for value in claims.values():
            if type(value) not in _IMMUTABLE_CLAIMS:
                return
        entry = (claims.copy(), now, float(exp))
        with self._lock:
            entries = self._entries
            entries.pop(token, None)
            while len(entries) >= self._size:
                del entries[next(iter(entries))]  # the oldest
            entries[token] = entry


def decode(
    jwt: str | bytes,
    key: KeyLike = "",
    algorithms: Sequence[str] | None = None,
    options: Mapping[str, Any] | None = None,
    audience: str | Iterable[str] | None = None,
    issuer: str | Sequence[str] | None = None,
    subject: str | None = None,
    leeway: float | timedelta = 0,
    *,
    token_type: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """Verify ``jwt`` and return its claims, as PyJWT's ``jwt.decode``.

    ``algorithms`` is the allow-list and is required. ``token_type=("token_type",
    "access")`` also demands that claim with that value, so one kind of token is never
    accepted as another. ``options={"verify_signature": False}`` parses without any
    verification (never do this with a token you then trust)."""
    if options is None and subject is None and type(algorithms) is list:
        # The common calls (PyJWT's, simplejwt's, pyauth.tokens'): a decoder with the key
        # set and the prepared options bound is one dictionary lookup away.
        cache_key = (key, tuple(algorithms), audience, issuer, leeway, token_type)
        try:
            decoder = _COMMON[cache_key]
        except (KeyError, TypeError):  # TypeError: an unhashable argument (a list)
            decoder = _common_miss(cache_key)
        return decoder(jwt)
    return _decode_parts(
        jwt, key, algorithms, options, audience, issuer, subject, leeway, token_type
    )[1]


def decode_complete(
    jwt: str | bytes,
    key: KeyLike = "",
    algorithms: Sequence[str] | None = None,
    options: Mapping[str, Any] | None = None,
    audience: str | Iterable[str] | None = None,
    issuer: str | Sequence[str] | None = None,
    subject: str | None = None,
    leeway: float | timedelta = 0,
    *,
    token_type: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """As :func:`decode`, returning ``{"header": ..., "payload": ..., "signature": ...}``
    as PyJWT's ``decode_complete`` does."""
    header, claims = _decode_parts(
        jwt, key, algorithms, options, audience, issuer, subject, leeway, token_type
    )
    # The core has checked the token's shape and its base64url; this only re-reads it.
    raw = jwt.encode("ascii") if isinstance(jwt, str) else jwt
    signature_b64 = raw.rsplit(b".", 1)[-1]
    signature = base64.urlsafe_b64decode(signature_b64 + b"=" * (-len(signature_b64) % 4))
    return {"header": header, "payload": claims, "signature": signature}


def get_unverified_header(jwt: str | bytes) -> dict[str, Any]:
    """The token's header, parsed with every structural check but no verification."""
    header, _claims = _core.decode_unverified(jwt)
    return header
