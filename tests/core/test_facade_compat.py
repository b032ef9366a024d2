"""Where the facade follows PyJWT and pyotp on points the other suites do not reach:
sub/jti typing, signing with a prepared key, options PyJWT accepts, pyotp's Unicode
folding of codes, and counter bounds."""

from __future__ import annotations

import time

import jwt as pyjwt
import pyotp
import pytest
from jwt import exceptions as pyjwt_exceptions

from pyauth import jwt, otp
from pyauth.exceptions import InvalidJTIError, InvalidOTPParametersError, InvalidSubjectError

SECRET = "s" * 48
SECRET32 = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _token(**claims: object) -> str:
    return jwt.encode({"exp": int(time.time()) + 600, **claims}, SECRET)


@pytest.mark.parametrize(
    ("claims", "error"),
    [({"sub": 42}, InvalidSubjectError), ({"jti": ["x"]}, InvalidJTIError)],
)
def test_sub_and_jti_must_be_strings_as_in_pyjwt(claims: dict[str, object], error: type) -> None:
    token = _token(**claims)
    with pytest.raises(error):
        jwt.decode(token, SECRET, algorithms=["HS256"])
    # PyJWT refuses the same tokens with the same class names.
    with pytest.raises(getattr(pyjwt_exceptions, error.__name__)):
        pyjwt.decode(token, SECRET, algorithms=["HS256"])
    flag = "verify_sub" if "sub" in claims else "verify_jti"
    assert jwt.decode(token, SECRET, algorithms=["HS256"], options={flag: False})


def test_string_sub_and_jti_pass() -> None:
    claims = jwt.decode(_token(sub="42", jti="abc"), SECRET, algorithms=["HS256"])
    assert (claims["sub"], claims["jti"]) == ("42", "abc")


def test_prepared_key_signs_with_its_own_algorithm_and_kid() -> None:
    key = jwt.generate_key("EdDSA", kid="k-2026")
    token = jwt.encode({"sub": "1"}, key)
    assert jwt.get_unverified_header(token) == {"alg": "EdDSA", "kid": "k-2026", "typ": "JWT"}
    assert jwt.decode(token, key, algorithms=["EdDSA"]) == {"sub": "1"}
    with pytest.raises(jwt.InvalidKeyError, match="bound to EdDSA"):
        jwt.encode({"sub": "1"}, key, algorithm="HS256")


def test_enforce_minimum_key_length_option_is_accepted_and_always_on() -> None:
    token = _token()
    assert jwt.decode(
        token, SECRET, algorithms=["HS256"], options={"enforce_minimum_key_length": False}
    )
    with pytest.raises(jwt.WeakKeyError):
        jwt.decode(
            token, "short", algorithms=["HS256"], options={"enforce_minimum_key_length": False}
        )


def test_unknown_decode_option_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="verify_everything"):
        jwt.decode(_token(), SECRET, algorithms=["HS256"], options={"verify_everything": True})


def test_fullwidth_digits_of_the_right_code_verify_as_in_pyotp() -> None:
    at = 1_700_000_015
    code = pyotp.TOTP(SECRET32).at(at)
    fullwidth = "".join(chr(ord(c) - ord("0") + 0xFF10) for c in code)
    assert pyotp.TOTP(SECRET32).verify(fullwidth, for_time=at)
    assert otp.TOTP(SECRET32).verify(fullwidth, for_time=at)
    assert otp.TOTP(SECRET32).verify_step(fullwidth, for_time=at, valid_window=0) == at // 30


@pytest.mark.parametrize("counter", [-1, 2**64, 2**70])
def test_counters_outside_64_bits_are_refused(counter: int) -> None:
    with pytest.raises(InvalidOTPParametersError):
        otp.HOTP(SECRET32).at(counter)


def test_largest_counter_works() -> None:
    assert otp.HOTP(SECRET32).at(2**64 - 1) == pyotp.HOTP(SECRET32).at(2**64 - 1)


def test_common_call_cache_keeps_calls_apart() -> None:
    """decode() remembers the key set and options of each common call: a cached call
    must never lend its key, audience or token type to another."""
    token = _token(aud="api", token_type="access")
    other = "o" * 48
    assert jwt.decode(token, SECRET, algorithms=["HS256"], audience="api")["aud"] == "api"
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, other, algorithms=["HS256"], audience="api")
    with pytest.raises(jwt.InvalidAudienceError):
        jwt.decode(token, SECRET, algorithms=["HS256"], audience="web")
    # an unhashable audience list is prepared on every call, and still checked
    assert jwt.decode(token, SECRET, algorithms=["HS256"], audience=["web", "api"])
    with pytest.raises(jwt.InvalidAudienceError):
        jwt.decode(token, SECRET, algorithms=["HS256"], audience=["web"])
    assert jwt.decode(
        token, SECRET, algorithms=["HS256"], audience="api", token_type=("token_type", "access")
    )
    with pytest.raises(jwt.InvalidTokenTypeError):
        jwt.decode(
            token,
            SECRET,
            algorithms=["HS256"],
            audience="api",
            token_type=("token_type", "refresh"),
        )
    with pytest.raises(ValueError, match="leeway"):
        jwt.decode(token, SECRET, algorithms=["HS256"], audience="api", leeway=-1)
