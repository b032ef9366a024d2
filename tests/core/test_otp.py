"""pyauth.otp: the RFC 4226 / RFC 6238 vectors, interop with pyotp both ways (codes,
provisioning URIs, parse_uri), verification windows, and every refusal."""

from __future__ import annotations

import base64
import hashlib
import string
import time
from datetime import UTC, datetime
from typing import Any

import pyotp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyauth import exceptions as exc
from pyauth import otp

RFC4226 = "rfc4226-appendix-d.json"
RFC6238 = "rfc6238-appendix-b.json"
URIS = "otpauth-uris.json"
DIGESTS = {"SHA1": hashlib.sha1, "SHA256": hashlib.sha256, "SHA512": hashlib.sha512}
B32 = string.ascii_uppercase + "234567"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # 20 bytes


def b32(data: bytes) -> str:
    return base64.b32encode(data).decode("ascii").rstrip("=")


# --- RFC vectors -------------------------------------------------------------------------


@pytest.mark.vectors(RFC4226, "vectors")
def test_rfc4226_hotp(vector: dict[str, Any], load_vectors: Any) -> None:
    doc = load_vectors(RFC4226)
    secret = b32(doc["secret"].encode("ascii"))
    hotp = otp.HOTP(secret)
    assert hotp.at(vector["count"]) == vector["hotp"]
    assert hotp.generate_otp(vector["count"]) == vector["hotp"]
    assert hotp.verify(vector["hotp"], vector["count"])
    assert not hotp.verify(vector["hotp"], vector["count"] + 1)
    assert otp.HOTP(secret, digest=hashlib.sha1).at(vector["count"]) == vector["hotp"]
    assert otp.HOTP(secret, digest="sha1").at(vector["count"]) == vector["hotp"]
    # the untruncated value of Table 2 gives the longer codes too
    for digits in (7, 8):
        expected = str(vector["truncated_decimal"] % 10**digits).zfill(digits)
        assert otp.HOTP(secret, digits=digits).at(vector["count"]) == expected
    assert hotp.byte_secret() == bytes.fromhex(doc["secret_hex"])


@pytest.mark.vectors(RFC6238, "vectors")
def test_rfc6238_totp(vector: dict[str, Any], load_vectors: Any) -> None:
    doc = load_vectors(RFC6238)
    secret = b32(doc["seeds"][vector["mode"]].encode("ascii"))
    totp = otp.TOTP(secret, digits=8, digest=DIGESTS[vector["mode"]], interval=doc["step"])
    t = vector["time"]
    assert totp.timecode(t) == int(vector["t_hex"], 16)
    assert totp.at(t) == vector["totp"]
    assert totp.at(datetime.fromtimestamp(t, tz=UTC)) == vector["totp"]
    assert totp.at(float(t) + 0.999) == vector["totp"]
    assert totp.verify(vector["totp"], for_time=t)
    assert totp.verify_step(vector["totp"], for_time=t, valid_window=0) == int(vector["t_hex"], 16)
    assert otp.TOTP(secret, digits=8, digest=vector["mode"].lower()).at(t) == vector["totp"]
    assert pyotp.TOTP(secret, digits=8, digest=DIGESTS[vector["mode"]]).at(t) == vector["totp"]


# --- pyotp interop: codes ---------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["SHA1", "SHA256", "SHA512"])
@pytest.mark.parametrize("digits", [6, 7, 8])
@pytest.mark.parametrize("interval", [30, 60])
def test_totp_matches_pyotp(algorithm: str, digits: int, interval: int) -> None:
    secret = otp.random_base32()
    ours = otp.TOTP(secret, digits=digits, digest=DIGESTS[algorithm], interval=interval)
    theirs = pyotp.TOTP(secret, digits=digits, digest=DIGESTS[algorithm], interval=interval)
    now = int(time.time())
    times = [0, 1, 29, 30, 59, 60, 1_000_000_000, 2**31 - 1, 2**31, 2**32 + 7, 253402300799]
    times += [now + k * 7 for k in range(-50, 50)]
    for t in times:
        assert ours.at(t) == theirs.at(t), t
        assert ours.timecode(t) == theirs.timecode(t)
        assert theirs.verify(ours.at(t), for_time=t)
        assert ours.verify(theirs.at(t), for_time=t)
    dt = datetime(2024, 2, 29, 12, 34, 56, tzinfo=UTC)
    assert ours.at(dt) == theirs.at(dt)
    assert ours.at(now, 1) == theirs.at(now, counter_offset=1)
    assert ours.at(now, -1) == theirs.at(now, counter_offset=-1)


def test_naive_datetime_is_local_time_as_in_pyotp() -> None:
    ours, theirs = otp.TOTP(SECRET), pyotp.TOTP(SECRET)
    naive = datetime(2023, 7, 1, 8, 0, 15)
    assert ours.at(naive) == theirs.at(naive)
    assert ours.timecode(naive) == theirs.timecode(naive)


def test_now_agrees_with_pyotp() -> None:
    ours, theirs = otp.TOTP(SECRET), pyotp.TOTP(SECRET)
    assert theirs.verify(ours.now(), valid_window=1)  # a step boundary may pass in between
    assert ours.verify(theirs.now(), valid_window=1)


@pytest.mark.parametrize("algorithm", ["SHA1", "SHA256", "SHA512"])
def test_hotp_matches_pyotp(algorithm: str) -> None:
    secret = otp.random_base32()
    for digits in (6, 7, 8):
        for initial in (0, 5, 2**40):
            ours = otp.HOTP(secret, digits=digits, digest=DIGESTS[algorithm], initial_count=initial)
            theirs = pyotp.HOTP(
                secret, digits=digits, digest=DIGESTS[algorithm], initial_count=initial
            )
            for count in [*range(20), 2**32, 2**40]:
                assert ours.at(count) == theirs.at(count)
                assert ours.verify(theirs.at(count), count)
                assert theirs.verify(ours.at(count), count)
    top = 2**64 - 1
    assert otp.HOTP(secret).generate_otp(top) == pyotp.HOTP(secret).generate_otp(top)


@settings(max_examples=300, deadline=None)
@given(
    secret=st.binary(min_size=16, max_size=64),
    for_time=st.integers(min_value=0, max_value=253402300799),
    algorithm=st.sampled_from(["SHA1", "SHA256", "SHA512"]),
    digits=st.sampled_from([6, 7, 8]),
    interval=st.sampled_from([15, 30, 60, 120]),
    lower=st.booleans(),
)
def test_totp_equals_pyotp_for_any_secret_and_time(
    secret: bytes, for_time: int, algorithm: str, digits: int, interval: int, lower: bool
) -> None:
    s = b32(secret)
    if lower:
        s = s.lower()  # base32 secrets are case-insensitive for both
    ours = otp.TOTP(s, digits=digits, digest=DIGESTS[algorithm], interval=interval)
    theirs = pyotp.TOTP(s, digits=digits, digest=DIGESTS[algorithm], interval=interval)
    assert ours.at(for_time) == theirs.at(for_time)


@settings(max_examples=200, deadline=None)
@given(secret=st.binary(min_size=16, max_size=64), counter=st.integers(0, 2**64 - 1))
def test_hotp_equals_pyotp_for_any_secret_and_counter(secret: bytes, counter: int) -> None:
    s = b32(secret)
    assert otp.HOTP(s).at(counter) == pyotp.HOTP(s).at(counter)


# --- verification windows ------------------------------------------------------------------


def test_verify_window_edges() -> None:
    totp = otp.TOTP(SECRET)
    t = 1_700_000_015  # inside step 56666667
    step = t // 30
    assert totp.timecode(t) == step
    codes = {k: totp.at(t, k) for k in range(-3, 4)}
    assert len(set(codes.values())) == 7  # distinct, so a match says which step
    assert totp.verify(codes[0], for_time=t)
    assert not totp.verify(codes[1], for_time=t)
    assert not totp.verify(codes[-1], for_time=t)
    assert totp.verify(codes[1], for_time=t, valid_window=1)
    assert totp.verify(codes[-1], for_time=t, valid_window=1)
    assert not totp.verify(codes[2], for_time=t, valid_window=1)
    assert not totp.verify(codes[-2], for_time=t, valid_window=1)
    assert totp.verify(codes[-2], for_time=t, valid_window=2)
    assert totp.verify(codes[3], for_time=t, valid_window=3)
    # the step boundaries themselves
    assert totp.verify(codes[0], for_time=step * 30)
    assert totp.verify(codes[0], for_time=step * 30 + 29)
    assert not totp.verify(codes[0], for_time=step * 30 + 30)
    assert totp.verify(codes[0], for_time=step * 30 + 30, valid_window=1)


def test_verify_step_reports_the_matching_step() -> None:
    totp = otp.TOTP(SECRET)
    t = 1_700_000_015
    step = t // 30
    assert totp.verify_step(totp.at(t), for_time=t) == step
    assert totp.verify_step(totp.at(t, -1), for_time=t) == step - 1
    assert totp.verify_step(totp.at(t, 1), for_time=t) == step + 1
    assert totp.verify_step(totp.at(t, 2), for_time=t) is None  # default window is 1
    assert totp.verify_step(totp.at(t, 2), for_time=t, valid_window=2) == step + 2
    assert totp.verify_step(totp.at(t, -1), for_time=t, valid_window=0) is None
    current = int(time.time()) // 30
    assert totp.verify_step(totp.now()) in (current, current + 1)  # a boundary may pass


def test_verify_step_supports_refusing_replays() -> None:
    """The pattern the docstring asks for: accept only a step after the last accepted."""
    totp = otp.TOTP(SECRET)
    t = 1_700_000_015
    attempts = [  # (code, when presented)
        (totp.at(t), t),
        (totp.at(t), t + 5),  # replay within the same step
        (totp.at(t), t + 30),  # replay one step later, still inside the window
        (totp.at(t, -1), t + 1),  # an older code, inside the window
        (totp.at(t + 30), t + 31),  # the next code
    ]
    last_step = -1
    accepted = []
    for i, (code, when) in enumerate(attempts):
        step = totp.verify_step(code, for_time=when)
        assert step is not None  # every one is inside the window...
        if step > last_step:  # ...but only fresh steps are accepted
            last_step = step
            accepted.append(i)
    assert accepted == [0, 4]


def test_window_near_epoch_is_clamped() -> None:
    totp = otp.TOTP(SECRET)
    assert totp.verify_step(totp.at(0), for_time=0, valid_window=3) == 0
    assert totp.verify_step(totp.at(0), for_time=31, valid_window=1) == 0


def test_hotp_match_look_ahead() -> None:
    hotp = otp.HOTP(SECRET)
    assert hotp.match(hotp.at(5), 5) == 5
    assert hotp.match(hotp.at(7), 5) is None
    assert hotp.match(hotp.at(7), 5, look_ahead=2) == 7
    assert hotp.match(hotp.at(7), 5, look_ahead=1) is None
    assert hotp.match(hotp.at(4), 5, look_ahead=3) is None  # never behind the counter
    shifted = otp.HOTP(SECRET, initial_count=100)
    assert shifted.at(0) == hotp.at(100)
    assert shifted.match(hotp.at(103), 0, look_ahead=5) == 103


@pytest.mark.parametrize("window", [-1, 11, 1000])
def test_window_out_of_range(window: int) -> None:
    totp = otp.TOTP(SECRET)
    with pytest.raises(exc.InvalidOTPParametersError):
        totp.verify(totp.now(), valid_window=window)
    with pytest.raises(exc.InvalidOTPParametersError):
        totp.verify_step(totp.now(), valid_window=window)
    with pytest.raises(exc.InvalidOTPParametersError):
        otp.HOTP(SECRET).match("123456", 0, look_ahead=window)


@pytest.mark.parametrize(
    "code",
    [
        "",
        "abcdef",
        "12345",
        "1234567",
        "12345a",
        " 123456",
        "123456 ",
        "12 3456",
        "-12345",
        "+12345",
        "\uff11\uff12\uff13\uff14\uff15\uff16",  # fullwidth digits (pyotp NFKC-folds them)
        "\u0661\u0662\u0663\u0664\u0665\u0666",  # Arabic-Indic digits
        "\u0000" * 6,
        "1" * 10_000,
        None,
        12345,
        -123456,
        1.5,
        b"123456",
        ["123456"],
    ],
)
def test_malformed_codes_are_false_not_errors(code: Any) -> None:
    totp = otp.TOTP(SECRET)
    hotp = otp.HOTP(SECRET)
    assert totp.verify(code, for_time=1_700_000_015) is False
    assert totp.verify(code, for_time=1_700_000_015, valid_window=2) is False
    assert totp.verify_step(code, for_time=1_700_000_015) is None
    assert hotp.verify(code, 0) is False
    assert hotp.match(code, 0, look_ahead=3) is None


def test_integer_code_as_pyotp() -> None:
    """pyotp compares str(otp): an int code works unless it has a leading zero."""
    hotp = otp.HOTP(SECRET)
    reference = pyotp.HOTP(SECRET)
    for count in range(40):
        code = hotp.at(count)
        assert hotp.verify(int(code), count) == reference.verify(int(code), count)  # type: ignore[arg-type]
        assert hotp.verify(code, count)


# --- secrets ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "secret",
    [
        "JBSWY3DPEHPK3PXP",  # 16 chars = 80 bits
        "JBSWY3DPEHPK3PXPJBSWY3DP",  # 120 bits
        b32(b"x" * 15),  # 120 bits
        "",
        "A",
    ],
)
def test_weak_secret_is_refused(secret: str) -> None:
    for cls in (otp.TOTP, otp.HOTP):
        with pytest.raises(exc.InvalidSecretError):
            cls(secret)


def test_128_bit_secret_is_the_minimum() -> None:
    assert otp.TOTP(b32(b"x" * 16)).at(0) == pyotp.TOTP(b32(b"x" * 16)).at(0)
    assert len(b32(b"x" * 16)) == 26


@pytest.mark.parametrize(
    "secret",
    [
        "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PX1",  # '1' is not base32
        "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PX0",
        "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PX!",
        "JBSWY3DP EHPK3PXP JBSWY3DP EHPK3PXP",
        "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJ",  # 33 chars: not a whole number of bytes
        "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP=",  # wrong padding
        b32(b"x" * 17)[:-1] + "B",  # 28 chars, 4 unused bits: non-zero (non-canonical)
        "ÄBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
        "JBSWY3DPEHPK3PXP\u0000JBSWY3DPEHPK3PXP",
    ],
)
def test_invalid_base32_is_refused(secret: str) -> None:
    with pytest.raises(exc.InvalidSecretError):
        otp.TOTP(secret)
    assert issubclass(exc.InvalidSecretError, ValueError)


def test_padded_and_lowercase_secrets_are_accepted() -> None:
    secret = b32(b"0123456789abcdef!")  # 17 bytes: needs padding
    padded = secret + "=" * (-len(secret) % 8)
    for s in (secret, padded, secret.lower()):
        assert otp.TOTP(s).at(1234) == pyotp.TOTP(secret).at(1234)


def test_secret_must_be_text() -> None:
    with pytest.raises(TypeError):
        otp.TOTP(SECRET.encode())  # type: ignore[arg-type]


def test_random_base32() -> None:
    secrets = {otp.random_base32() for _ in range(50)}
    assert len(secrets) == 50
    for s in secrets:
        assert len(s) == 32
        assert set(s) <= set(B32)
        assert len(base64.b32decode(s)) == 20
        assert otp.TOTP(s).at(0) == pyotp.TOTP(s).at(0)
    assert len(base64.b32decode(otp.random_base32(64))) == 40
    assert len(otp.random_base32(26)) == 26
    for bad in (16, 20, 25, 27, 0, -8):
        with pytest.raises(exc.InvalidOTPParametersError):
            otp.random_base32(bad)


@pytest.mark.parametrize("digits", [1, 4, 6, 8, 10])
def test_random_code(digits: int) -> None:
    codes = [otp.random_code(digits) for _ in range(300)]
    for code in codes:
        assert len(code) == digits
        assert code.isascii() and code.isdigit()
    assert len(set(codes)) > (5 if digits == 1 else 250)
    assert len(otp.random_code()) == 6


def test_random_code_uses_every_digit() -> None:
    seen = {otp.random_code(1) for _ in range(2000)}
    assert seen == set("0123456789")  # a miss has probability 10 * 0.9**2000


@pytest.mark.parametrize("digits", [0, 11, -1])
def test_random_code_out_of_range(digits: int) -> None:
    with pytest.raises((exc.InvalidOTPParametersError, OverflowError, TypeError)):
        otp.random_code(digits)


@pytest.mark.parametrize("digits", [0, 5, 9, 10])
def test_digits_out_of_range(digits: int) -> None:
    with pytest.raises(exc.InvalidOTPParametersError):
        otp.TOTP(SECRET, digits=digits)


@pytest.mark.parametrize("digest", [hashlib.md5, "md5", "sha3_256", "SHA-224", hashlib.sha224, 42])
def test_unsupported_digest(digest: Any) -> None:
    with pytest.raises(exc.InvalidOTPParametersError):
        otp.TOTP(SECRET, digest=digest)


@pytest.mark.parametrize("interval", [0, -30, 1.5, "30"])
def test_bad_interval(interval: Any) -> None:
    with pytest.raises(exc.InvalidOTPParametersError):
        otp.TOTP(SECRET, interval=interval)


def test_negative_counter_and_time() -> None:
    with pytest.raises(exc.InvalidOTPParametersError):
        otp.HOTP(SECRET).at(-1)
    with pytest.raises(exc.InvalidOTPParametersError):
        otp.TOTP(SECRET).at(-31)
    for bad in (float("nan"), float("inf")):
        with pytest.raises((exc.InvalidOTPParametersError, ValueError, OverflowError)):
            otp.TOTP(SECRET).at(bad)


def test_counter_beyond_64_bits_is_not_a_wrong_code() -> None:
    with pytest.raises((exc.InvalidOTPParametersError, OverflowError, TypeError)):
        otp.HOTP(SECRET).at(2**64)


# --- provisioning URIs and parse_uri ---------------------------------------------------------


@pytest.mark.vectors(URIS, "vectors")
def test_provisioning_uri_vectors(vector: dict[str, Any]) -> None:
    digest = DIGESTS[vector["algorithm"]]
    if vector["type"] == "totp":
        ours: otp.TOTP | otp.HOTP = otp.TOTP(
            vector["secret"], digits=vector["digits"], digest=digest, interval=vector["period"]
        )
        uri = ours.provisioning_uri(name=vector["account"], issuer_name=vector["issuer"] or None)
    else:
        ours = otp.HOTP(
            vector["secret"],
            digits=vector["digits"],
            digest=digest,
            initial_count=vector["counter"],
        )
        uri = ours.provisioning_uri(name=vector["account"], issuer_name=vector["issuer"] or None)
    assert uri == vector["uri"]


@pytest.mark.vectors(URIS, "vectors")
def test_parse_uri_vectors(vector: dict[str, Any]) -> None:
    parsed = otp.parse_uri(vector["uri"])
    assert type(parsed) is (otp.TOTP if vector["type"] == "totp" else otp.HOTP)
    assert parsed.secret == vector["secret"]
    assert parsed.name == vector["account"]
    assert parsed.issuer == (vector["issuer"] or None)
    assert parsed.digits == vector["digits"]
    assert parsed.algorithm == vector["algorithm"]
    if isinstance(parsed, otp.TOTP):
        assert parsed.interval == vector["period"]
    else:
        assert parsed.initial_count == vector["counter"]
    # and the URI it writes is the one it read
    if isinstance(parsed, otp.TOTP):
        assert parsed.provisioning_uri() == vector["uri"]


@pytest.mark.vectors(URIS, "vectors")
def test_pyotp_parses_pyauth_uri_and_back(vector: dict[str, Any]) -> None:
    theirs = pyotp.parse_uri(vector["uri"])
    ours = otp.parse_uri(vector["uri"])
    assert theirs.secret == ours.secret
    assert theirs.name == ours.name
    assert theirs.issuer == ours.issuer
    assert theirs.digits == ours.digits
    assert theirs.digest().name.upper() == ours.algorithm
    if isinstance(ours, otp.TOTP):
        assert isinstance(theirs, pyotp.TOTP)
        assert theirs.interval == ours.interval
        for t in (0, 1_700_000_000, int(time.time())):
            assert theirs.at(t) == ours.at(t)
    else:
        assert isinstance(theirs, pyotp.HOTP)
        assert theirs.initial_count == ours.initial_count
        assert theirs.at(0) == ours.at(0)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"name": "alice@example.com", "issuer_name": "Example"},
        {"name": "alice@example.com"},
        {"name": "Zoë Jürgen", "issuer_name": "Bücher & Co."},
        {"name": "a+b@c.d", "issuer_name": "ACME Co"},
    ],
)
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"digits": 8},
        {"digest": hashlib.sha256},
        {"interval": 60},
        {"digits": 7, "digest": hashlib.sha512, "interval": 15},
    ],
)
def test_totp_provisioning_uri_equals_pyotp(kwargs: dict[str, Any], params: dict[str, Any]) -> None:
    secret = otp.random_base32()
    ours = otp.TOTP(secret, **params).provisioning_uri(**kwargs)
    theirs = pyotp.TOTP(secret, **params).provisioning_uri(**kwargs)
    assert ours == theirs
    parsed = pyotp.parse_uri(ours)
    assert parsed.at(1_700_000_000) == otp.TOTP(secret, **params).at(1_700_000_000)


def test_hotp_provisioning_uri_equals_pyotp() -> None:
    secret = otp.random_base32()
    for initial in (0, 1, 99):
        ours = otp.HOTP(secret, initial_count=initial).provisioning_uri(
            name="bob", issuer_name="Ex"
        )
        theirs = pyotp.HOTP(secret, initial_count=initial).provisioning_uri(
            name="bob", issuer_name="Ex"
        )
        assert ours == theirs
        assert otp.HOTP(secret).provisioning_uri(name="bob", initial_count=initial) == pyotp.HOTP(
            secret
        ).provisioning_uri(name="bob", initial_count=initial)


def test_pyauth_parses_pyotp_uris() -> None:
    secret = otp.random_base32()
    for obj in (
        pyotp.TOTP(secret, digits=8, digest=hashlib.sha512, interval=45, name="x", issuer="Y Z"),
        pyotp.HOTP(secret, digits=7, digest=hashlib.sha256, initial_count=12),
    ):
        uri = obj.provisioning_uri(name="carol", issuer_name="Issuer")
        ours = otp.parse_uri(uri)
        assert ours.secret == secret
        assert ours.name == "carol"
        assert ours.issuer == "Issuer"
        assert ours.digits == obj.digits
        assert ours.algorithm == obj.digest().name.upper()
        if isinstance(obj, pyotp.TOTP):
            assert isinstance(ours, otp.TOTP) and ours.interval == 45
            assert ours.at(1_234_567_890) == obj.at(1_234_567_890)
        else:
            assert isinstance(ours, otp.HOTP) and ours.initial_count == 12
            assert ours.at(3) == obj.at(3)


def test_parse_uri_spellings_pyotp_also_accepts() -> None:
    uri = f"otpauth://totp/Example:%20alice?secret={SECRET.lower()}&issuer=Example&image=https%3A%2F%2Fx.example%2Fa.png"
    ours = otp.parse_uri(uri)
    theirs = pyotp.parse_uri(uri)
    assert ours.at(1000) == theirs.at(1000)
    assert ours.issuer == theirs.issuer == "Example"


@pytest.mark.parametrize(
    "uri",
    [
        "",
        "otpauth://",
        f"http://totp/x?secret={SECRET}",
        f"otpauth://xotp/x?secret={SECRET}",
        "otpauth://totp/x",
        "otpauth://totp/x?issuer=a",
        "otpauth://totp/x?secret=",
        f"otpauth://totp/?secret={SECRET}",
        f"otpauth://totp/x?secret={SECRET}&secret={SECRET}",
        f"otpauth://totp/x?secret={SECRET}&digits=9",
        f"otpauth://totp/x?secret={SECRET}&digits=5",
        f"otpauth://totp/x?secret={SECRET}&digits=six",
        f"otpauth://totp/x?secret={SECRET}&algorithm=MD5",
        f"otpauth://totp/x?secret={SECRET}&period=0",
        f"otpauth://totp/x?secret={SECRET}&period=-30",
        f"otpauth://totp/A:x?secret={SECRET}&issuer=B",
        f"otpauth://totp/x%ZZ?secret={SECRET}",
        f"otpauth://totp/x\n?secret={SECRET}",
        "otpauth://totp/x?secret=JBSWY3DPEHPK3PX1JBSWY3DPEHPK3PXP",
        "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP",  # 80 bits
        f"otpauth://totp/x?secret={SECRET}&" + "a=b&" * 1000,
    ],
)
def test_malformed_uris_are_refused(uri: str) -> None:
    with pytest.raises(exc.InvalidURIError):
        otp.parse_uri(uri)
    assert issubclass(exc.InvalidURIError, ValueError)


def test_uri_type_errors() -> None:
    with pytest.raises(TypeError):
        otp.parse_uri(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        otp.parse_uri(1)  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_arbitrary_uri_text_only_raises_otp_errors(uri: str) -> None:
    try:
        otp.parse_uri(uri)
    except exc.OTPError:
        pass


@settings(max_examples=150, deadline=None)
@given(
    # (a leading space after "Issuer:" is optional per the Key Uri Format and is dropped)
    account=st.text(
        st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters=":/"),
        min_size=1,
        max_size=30,
    ).filter(lambda a: not a.startswith(" ")),
    issuer=st.text(
        st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters=":/"), max_size=30
    ),
)
def test_provisioning_uri_round_trip_and_pyotp_agrees(account: str, issuer: str) -> None:
    totp = otp.TOTP(SECRET)
    uri = totp.provisioning_uri(name=account, issuer_name=issuer or None)
    assert uri == pyotp.TOTP(SECRET).provisioning_uri(name=account, issuer_name=issuer or None)
    parsed = otp.parse_uri(uri)
    assert parsed.name == account
    assert parsed.issuer == (issuer or None)
    theirs = pyotp.parse_uri(uri)
    assert (theirs.name, theirs.issuer) == (account, issuer or None)
