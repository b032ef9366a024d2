"""The core's sealing of small secrets (SealKey.seal / SealKey.open), which pyauth.mfa
uses for TOTP secrets at rest: round trip, binding to the secret, purpose and associated
data, and refusal of every modified or malformed blob with a typed error."""

from __future__ import annotations

import pytest

from pyauth import _core
from pyauth.exceptions import InvalidSealInputError, MalformedSealError, UnsealError

SECRET = b"a-django-secret-key-" + b"x" * 40


def test_round_trip_and_fresh_nonce() -> None:
    key = _core.SealKey(SECRET, b"pyauthtp")
    blob = key.seal(b"JBSWY3DPEHPK3PXP", b"user:7")
    assert b"JBSWY3DPEHPK3PXP" not in blob
    assert key.seal(b"JBSWY3DPEHPK3PXP", b"user:7") != blob
    assert key.open(blob, b"user:7") == b"JBSWY3DPEHPK3PXP"
    # 1 version byte + 24-byte nonce + plaintext + 16-byte tag
    assert len(blob) == 1 + 24 + 16 + 16


@pytest.mark.parametrize(
    ("secret", "context", "aad"),
    [
        (SECRET + b"!", b"pyauthtp", b"user:7"),  # another SECRET_KEY
        (SECRET, b"pyauthky", b"user:7"),  # another purpose
        (SECRET, b"pyauthtp", b"user:8"),  # copied onto another row
    ],
)
def test_opens_only_with_its_secret_purpose_and_aad(
    secret: bytes, context: bytes, aad: bytes
) -> None:
    blob = _core.SealKey(SECRET, b"pyauthtp").seal(b"secret", b"user:7")
    with pytest.raises(UnsealError):
        _core.SealKey(secret, context).open(blob, aad)


def test_every_modified_byte_is_refused() -> None:
    key = _core.SealKey(SECRET, b"pyauthtp")
    blob = key.seal(b"secret", b"ad")
    for i in range(len(blob)):
        changed = bytearray(blob)
        changed[i] ^= 0x01
        with pytest.raises((UnsealError, MalformedSealError)):
            key.open(bytes(changed), b"ad")


@pytest.mark.parametrize("blob", [b"", b"\x01", b"\x01" + b"\x00" * 39, b"\x02" + b"\x00" * 60])
def test_malformed_blobs(blob: bytes) -> None:
    with pytest.raises(MalformedSealError):
        _core.SealKey(SECRET, b"pyauthtp").open(blob, b"")


@pytest.mark.parametrize(("secret", "context"), [(b"", b"pyauthtp"), (SECRET, b"short")])
def test_invalid_key_input(secret: bytes, context: bytes) -> None:
    with pytest.raises(InvalidSealInputError):
        _core.SealKey(secret, context)
