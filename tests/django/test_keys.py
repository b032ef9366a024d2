"""pyauth.keys: the signing-key store, rotation with grace and retirement, kid
selection, the unknown-kid reload, sealing at rest, the JWKS view, the command and the
checks. SQLite here; PostgreSQL with PYAUTH_TEST_POSTGRES=1 (the race test then races
real connections)."""

from __future__ import annotations

import base64
import io
import json
import logging
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import jwt as pyjwt
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from joserfc.jwk import import_key

from pyauth import _core, jwt
from pyauth.checks import check_settings
from pyauth.exceptions import UnsealError
from pyauth.keys import store
from pyauth.keys.models import SigningKey
from pyauth.keys.store import key_store
from pyauth.tokens import AccessToken, RefreshToken, TokenError

PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "k")


def header(raw: str) -> dict[str, Any]:
    return pyjwt.get_unverified_header(raw)


def signer_row() -> SigningKey:
    row: SigningKey = SigningKey.objects.get(is_signer=True)
    return row


def token_signed_by(row: SigningKey, user: Any) -> str:
    """An access token for ``user`` signed by ``row``'s private key, as another node
    holding that key would sign it."""
    key, _fallback = store._open(row)
    payload = AccessToken.for_user(user).payload
    return jwt.encode(payload, key)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(key_store, "_clock", fake)
    monkeypatch.setattr(key_store, "_last_forced", -float("inf"))
    return fake


# --- the store ------------------------------------------------------------------------


@pytest.mark.django_db
def test_first_use_generates_an_eddsa_signer_named_by_its_thumbprint(user: Any) -> None:
    assert not SigningKey.objects.exists()
    raw = str(AccessToken.for_user(user))
    row = signer_row()
    assert SigningKey.objects.count() == 1
    assert row.algorithm == "EdDSA" and row.activated_at is not None
    assert header(raw) == {"alg": "EdDSA", "kid": row.kid, "typ": "JWT"}
    assert row.kid == jwt.load_key(row.public_jwk, "EdDSA").thumbprint()
    assert row.public_jwk == {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": row.public_jwk["x"],
        "alg": "EdDSA",
        "use": "sig",
        "kid": row.kid,
    }
    # PyJWT verifies it with the public JWK alone.
    public = pyjwt.PyJWK(row.public_jwk)
    assert pyjwt.decode(raw, public.key, algorithms=["EdDSA"])["token_type"] == "access"
    assert AccessToken(raw)["user_id"] == str(user.pk)


@pytest.mark.django_db
def test_the_private_half_is_stored_sealed_only() -> None:
    row = SigningKey.objects.get(kid=store.ensure_signer().kid)
    blob = bytes(row.sealed_private)
    assert blob[0] == 1 and len(blob) > 24 + 16
    assert b"PRIVATE" not in blob and b"BEGIN" not in blob
    assert not set(PRIVATE_MEMBERS) & set(row.public_jwk)
    assert "sealed" not in repr(row) and blob.hex() not in repr(row)


@pytest.mark.django_db
@pytest.mark.parametrize("algorithm", ["ES256", "RS256"])
def test_algorithm_picks_the_first_key(user: Any, settings: Any, algorithm: str) -> None:
    settings.PYAUTH = {"ALGORITHM": algorithm}
    raw = str(AccessToken.for_user(user))
    assert header(raw)["alg"] == algorithm == signer_row().algorithm
    assert AccessToken(raw)["user_id"] == str(user.pk)


@pytest.mark.django_db(transaction=True)
def test_simultaneous_first_use_leaves_exactly_one_signer() -> None:
    threads = 6
    barrier = threading.Barrier(threads)
    kids: list[str] = []
    errors: list[str] = []
    lock = threading.Lock()

    def run() -> None:
        try:
            barrier.wait()
            kid = store.ensure_signer().kid
            with lock:
                kids.append(kid)
        except Exception as exc:  # the test reports every failure
            with lock:
                errors.append(repr(exc))
        finally:
            connections.close_all()

    pool = [threading.Thread(target=run) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=60)
    assert errors == []
    assert len(kids) == threads and len(set(kids)) == 1
    assert SigningKey.objects.filter(is_signer=True).count() == 1
    assert list(SigningKey.objects.values_list("kid", flat=True)) == kids[:1]


@pytest.mark.django_db(transaction=True)
def test_simultaneous_rotations_never_leave_two_signers() -> None:
    from django.db import IntegrityError, OperationalError

    first = store.ensure_signer().kid
    threads = 4
    barrier = threading.Barrier(threads)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run() -> None:
        try:
            barrier.wait()
            store.rotate()
            outcome = "ok"
        except IntegrityError:
            outcome = "lost"  # another rotation won: the command says "run again"
        except OperationalError as exc:  # SQLite's writer lock timing out
            outcome = f"busy: {exc}"
        except Exception as exc:  # the test reports every other failure
            outcome = f"error: {exc!r}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    pool = [threading.Thread(target=run) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=60)
    assert len(outcomes) == threads
    assert not [o for o in outcomes if o.startswith("error")], outcomes
    wins = outcomes.count("ok")
    assert wins >= 1
    assert SigningKey.objects.filter(is_signer=True).count() == 1
    # Every replaced signer verifies for its grace; none is lost or double-activated.
    rows = list(SigningKey.objects.all())
    assert len(rows) == 1 + wins
    assert all(r.retire_after is not None for r in rows if not r.is_signer)
    assert SigningKey.objects.get(kid=first).retire_after is not None


@pytest.mark.django_db
def test_the_database_refuses_a_second_signer() -> None:
    from django.db import IntegrityError, transaction

    store.ensure_signer()
    second = store.new_key("EdDSA")
    second.is_signer = True
    second.activated_at = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        second.save(force_insert=True)


# --- rotation, grace, retirement ----------------------------------------------------


@pytest.mark.django_db
def test_rotation_keeps_old_tokens_verifying_until_they_expire(user: Any) -> None:
    old_refresh = RefreshToken.for_user(user)
    old_access = str(old_refresh.access_token)
    old_raw = str(old_refresh)
    old_kid = header(old_access)["kid"]
    before = timezone.now()
    result = store.rotate()
    new_access = str(AccessToken.for_user(user))
    assert header(new_access)["kid"] == result.new.kid != old_kid
    assert header(new_access)["alg"] == "EdDSA"  # the signer's algorithm by default
    AccessToken(old_access)
    RefreshToken(old_raw)
    AccessToken(new_access)
    previous = SigningKey.objects.get(kid=old_kid)
    assert not previous.is_signer and previous.state == "verifying"
    # Grace: the longest lifetime (refresh, 1 day) plus LEEWAY (0).
    assert previous.retire_after is not None
    assert before + timedelta(days=1) <= previous.retire_after
    assert previous.retire_after <= timezone.now() + timedelta(days=1)


@pytest.mark.django_db
def test_rotation_to_another_algorithm_verifies_both(user: Any, settings: Any) -> None:
    settings.PYAUTH = {"LEEWAY": 30, "SIGNING_KEY_GRACE": None}
    old = str(AccessToken.for_user(user))
    store.rotate("ES256")
    new = str(AccessToken.for_user(user))
    assert header(new)["alg"] == "ES256" and header(old)["alg"] == "EdDSA"
    from pyauth.settings import api_settings

    assert api_settings.verifying_algorithms() == ["ES256", "EdDSA"]
    AccessToken(old)
    AccessToken(new)
    previous = SigningKey.objects.get(kid=header(old)["kid"])
    assert previous.retire_after is not None and previous.activated_at is not None
    grace = previous.retire_after - timezone.now()
    assert timedelta(days=1) < grace <= timedelta(days=1, seconds=30)


@pytest.mark.django_db
def test_a_retired_key_verifies_nothing_and_leaves_the_jwks(user: Any) -> None:
    old = str(AccessToken.for_user(user))
    old_kid = header(old)["kid"]
    AccessToken(old)  # verified once: this process's VerifiedTokenCache holds it
    store.rotate()
    # Its grace runs out (tokens it signed have all expired by now, in real life).
    SigningKey.objects.filter(kid=old_kid).update(
        retire_after=timezone.now() - timedelta(seconds=1)
    )
    key_store.reset()
    with pytest.raises(TokenError):
        AccessToken(old)
    assert old_kid not in {k["kid"] for k in key_store.public_jwks()["keys"]}
    assert SigningKey.objects.get(kid=old_kid).state == "retired"
    # Marking it retired erases the sealed private half.
    assert store.retire_expired() == [old_kid]
    row = SigningKey.objects.get(kid=old_kid)
    assert row.retired_at is not None and bytes(row.sealed_private) == b""
    assert store.retire_expired() == []


@pytest.mark.django_db
def test_a_snapshot_reloads_when_a_key_reaches_its_retire_after(user: Any, settings: Any) -> None:
    settings.PYAUTH = {
        "SIGNING_KEY_GRACE": timedelta(seconds=1),
        "ACCESS_TOKEN_LIFETIME": timedelta(hours=1),
    }
    old = str(AccessToken.for_user(user))
    store.rotate()
    AccessToken(old)  # within its grace, from this process's snapshot
    SigningKey.objects.filter(kid=header(old)["kid"]).update(
        retire_after=timezone.now() - timedelta(microseconds=1)
    )
    # The snapshot's freshness ended with the grace (1 s): no reset needed.
    snapshot = key_store._snapshot
    assert snapshot is not None
    assert snapshot.fresh_until <= key_store._clock() + 1.0
    key_store._snapshot = type(snapshot)(
        signer=snapshot.signer,
        keyset=snapshot.keyset,
        algorithms=snapshot.algorithms,
        kids=snapshot.kids,
        fresh_until=key_store._clock(),
    )
    with pytest.raises(TokenError):
        AccessToken(old)


@pytest.mark.django_db
def test_another_process_picks_up_a_rotation_within_the_refresh_interval(
    user: Any, clock: FakeClock
) -> None:
    first = header(str(AccessToken.for_user(user)))["kid"]
    other = _rotate_elsewhere()
    assert header(str(AccessToken.for_user(user)))["kid"] == first  # stale, still valid
    clock.now += 29
    assert header(str(AccessToken.for_user(user)))["kid"] == first
    clock.now += 1.5  # past KEY_STORE_REFRESH_SECONDS (30)
    assert header(str(AccessToken.for_user(user)))["kid"] == other.kid


def _rotate_elsewhere(algorithm: str = "EdDSA") -> SigningKey:
    """What rotate() does on another node: the table changes, this process's snapshot
    does not."""
    now = timezone.now()
    SigningKey.objects.filter(is_signer=True).update(
        is_signer=False, retire_after=now + timedelta(days=1)
    )
    row = store.new_key(algorithm)
    row.is_signer = True
    row.activated_at = now
    row.save(force_insert=True)
    return row


# --- kid selection and the unknown-kid reload ---------------------------------------


def reheader(raw: str, **fields: Any) -> str:
    """``raw`` with its header replaced by ``fields`` (payload and signature kept)."""
    _head, body, sig = raw.split(".")
    head = base64.urlsafe_b64encode(json.dumps(fields, separators=(",", ":")).encode())
    return f"{head.rstrip(b'=').decode()}.{body}.{sig}"


@pytest.mark.django_db
def test_each_token_is_verified_by_the_key_its_kid_names(user: Any) -> None:
    first = str(AccessToken.for_user(user))
    store.rotate()
    second = str(AccessToken.for_user(user))
    first_kid, second_kid = header(first)["kid"], header(second)["kid"]
    assert first_kid != second_kid
    AccessToken(first)
    AccessToken(second)
    # The same header rebuilt verifies; naming the other live key does not (the
    # signature is not that key's), nor another algorithm, nor "none".
    assert AccessToken(reheader(first, alg="EdDSA", kid=first_kid, typ="JWT"))
    with pytest.raises(TokenError):
        AccessToken(reheader(first, alg="EdDSA", kid=second_kid, typ="JWT"))
    with pytest.raises(TokenError):
        AccessToken(reheader(first, alg="ES256", kid=first_kid, typ="JWT"))
    with pytest.raises(TokenError):
        AccessToken(reheader(first, alg="none", kid=first_kid, typ="JWT"))


@pytest.mark.django_db
def test_an_unknown_kid_reloads_the_store_once(user: Any, clock: FakeClock) -> None:
    AccessToken.for_user(user)  # this process's snapshot: the first key only
    other = _rotate_elsewhere()
    raw = token_signed_by(other, user)
    with CaptureQueriesContext(connection) as queries:
        assert AccessToken(raw)["user_id"] == str(user.pk)
    assert len(queries) == 1  # one re-read of the table
    with CaptureQueriesContext(connection) as queries:
        AccessToken(raw)
    assert len(queries) == 0  # known now


@pytest.mark.django_db
def test_forged_kids_cost_at_most_one_reload_per_interval(user: Any, clock: FakeClock) -> None:
    good = str(AccessToken.for_user(user))
    _head, body, sig = good.split(".")

    def with_kid(kid: str) -> str:
        encoded = base64.urlsafe_b64encode(
            ('{"alg":"EdDSA","kid":"%s","typ":"JWT"}' % kid).encode()  # noqa: UP031
        ).rstrip(b"=")
        return f"{encoded.decode()}.{body}.{sig}"

    with CaptureQueriesContext(connection) as queries:
        for n in range(20):
            with pytest.raises(TokenError):
                AccessToken(with_kid(f"forged-{n}"))
    assert len(queries) == 1
    clock.now += store.UNKNOWN_KID_RELOAD_INTERVAL
    with CaptureQueriesContext(connection) as queries:
        with pytest.raises(TokenError):
            AccessToken(with_kid("forged-again"))
    assert len(queries) == 1
    # A kid is a lookup key, never a path: nothing but the table was read.
    with pytest.raises(TokenError):
        AccessToken(with_kid("../../etc/passwd"))


@pytest.mark.django_db
def test_a_token_of_a_new_algorithm_from_another_node_verifies(user: Any, clock: FakeClock) -> None:
    AccessToken.for_user(user)  # snapshot: EdDSA only
    other = _rotate_elsewhere("ES256")
    raw = token_signed_by(other, user)
    assert header(raw)["alg"] == "ES256"
    assert AccessToken(raw)["user_id"] == str(user.pk)


@pytest.mark.django_db
def test_logout_revocation_verifies_through_the_store(user: Any) -> None:
    from pyauth.lifecycle import services

    refresh, _access = services.issue(user)
    store.rotate()
    assert services.revoke_token(str(refresh)) is True


# --- sealing --------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_tampered_blob_is_a_typed_error(user: Any) -> None:
    row = store.ensure_signer()
    blob = bytearray(bytes(SigningKey.objects.get(kid=row.kid).sealed_private))
    blob[30] ^= 0x01
    SigningKey.objects.filter(kid=row.kid).update(sealed_private=bytes(blob))
    key_store.reset()
    with pytest.raises(UnsealError, match=row.kid):
        AccessToken.for_user(user).__str__()
    from pyauth.exceptions import MalformedSealError

    for stored in (b"\x01short", b"not a blob" * 10, b""):
        SigningKey.objects.filter(kid=row.kid).update(sealed_private=stored)
        key_store.reset()
        with pytest.raises(MalformedSealError):
            key_store.signing_key()


@pytest.mark.django_db
def test_a_public_key_swapped_in_the_table_is_ignored(
    user: Any, caplog: pytest.LogCaptureFixture
) -> None:
    old = str(AccessToken.for_user(user))
    old_kid = header(old)["kid"]
    store.rotate()
    # Someone with write access puts their own public key under the trusted kid.
    attacker = jwt.generate_key("EdDSA")
    SigningKey.objects.filter(kid=old_kid).update(
        public_jwk={**json.loads(attacker.public_jwk()), "kid": old_kid}
    )
    key_store.reset()
    payload = pyjwt.decode(old, options={"verify_signature": False})
    forged = jwt.encode(payload, attacker, headers={"kid": old_kid})
    assert header(forged)["kid"] == old_kid
    with caplog.at_level(logging.ERROR, logger="pyauth.keys"):
        with pytest.raises(TokenError):
            AccessToken(forged)
    assert f"signing key {old_kid}: its public JWK does not match its kid" in caplog.text
    with pytest.raises(TokenError):
        AccessToken(old)  # nor is the real key trusted until the row is repaired


@pytest.mark.django_db
def test_a_blob_moved_to_another_row_does_not_open() -> None:
    first = store.ensure_signer()
    store.rotate()
    second = signer_row()
    SigningKey.objects.filter(kid=second.kid).update(
        sealed_private=bytes(SigningKey.objects.get(kid=first.kid).sealed_private)
    )
    key_store.reset()
    with pytest.raises(UnsealError):
        key_store.signing_key()


@pytest.mark.django_db
def test_another_secret_key_does_not_open_and_fallbacks_do(
    user: Any, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    old_secret = settings.SECRET_KEY
    raw = str(AccessToken.for_user(user))
    settings.SECRET_KEY = "a-completely-different-secret-key-" + "z" * 40
    with pytest.raises(UnsealError):
        str(AccessToken.for_user(user))
    AccessToken(raw)  # verification needs public halves only
    settings.SECRET_KEY_FALLBACKS = [old_secret]
    with caplog.at_level(logging.WARNING, logger="pyauth.keys"):
        assert header(str(AccessToken.for_user(user)))["kid"] == header(raw)["kid"]
    assert "--reseal" in caplog.text
    assert old_secret not in caplog.text
    out = io.StringIO()
    call_command("rotate_signing_key", "--reseal", stdout=out)
    assert "Resealed 1 key(s)" in out.getvalue()
    settings.SECRET_KEY_FALLBACKS = []
    assert header(str(AccessToken.for_user(user)))["kid"] == header(raw)["kid"]


# --- the JWKS view ------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.urls("pyauth.keys.urls")
def test_jwks_publishes_the_live_public_keys(client: Any, user: Any) -> None:
    old = str(AccessToken.for_user(user))
    store.rotate("RS256")
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "public, max-age=300"
    assert response["Access-Control-Allow-Origin"] == "*"
    keys = response.json()["keys"]
    assert [k["kid"] for k in keys] == [signer_row().kid, header(old)["kid"]]
    assert [k["alg"] for k in keys] == ["RS256", "EdDSA"]
    for jwk in keys:
        assert not set(PRIVATE_MEMBERS) & set(jwk)
        assert jwk["use"] == "sig"
    # PyJWT reads the document and verifies the old token with it.
    jwk_set = pyjwt.PyJWKSet.from_dict(response.json())
    old_key = jwk_set[header(old)["kid"]]
    assert pyjwt.decode(old, old_key.key, algorithms=["EdDSA"])["user_id"] == str(user.pk)
    assert client.post("/.well-known/jwks.json").status_code == 405


@pytest.mark.django_db
@pytest.mark.urls("pyauth.keys.urls")
def test_jwks_is_empty_for_hmac_and_lists_settings_keys(
    client: Any, settings: Any, jwt_keys: Any, user: Any
) -> None:
    settings.PYAUTH = {"ALGORITHM": "HS256"}
    assert client.get("/.well-known/jwks.json").json() == {"keys": []}
    assert not SigningKey.objects.exists()
    settings.PYAUTH = {
        "ALGORITHM": "ES256",
        "SIGNING_KEY": jwt_keys["ES256"].signing,
        "VERIFYING_KEY": jwt_keys["ES256"].verifying,
        "JWKS_MAX_AGE": 60,
    }
    response = client.get("/.well-known/jwks.json")
    assert response["Cache-Control"] == "public, max-age=60"
    (jwk,) = response.json()["keys"]
    raw = str(AccessToken.for_user(user))
    assert header(raw)["kid"] == jwk["kid"] == jwt.load_key(jwk, "ES256").thumbprint()
    assert "d" not in jwk


# --- settings-mode keys -------------------------------------------------------------


@pytest.mark.django_db
def test_a_key_file_path_signs_and_verifies(
    settings: Any, jwt_keys: Any, tmp_path: Path, user: Any
) -> None:
    private = tmp_path / "signing.pem"
    private.write_bytes(jwt_keys["EdDSA"].signing)
    public = tmp_path / "verifying.pem"
    public.write_bytes(jwt_keys["EdDSA"].verifying)
    settings.PYAUTH = {"ALGORITHM": "EdDSA", "SIGNING_KEY": private, "VERIFYING_KEY": public}
    raw = str(AccessToken.for_user(user))
    assert header(raw)["kid"] == jwt.load_key(jwt_keys["EdDSA"].verifying, "EdDSA").thumbprint()
    assert AccessToken(raw)["user_id"] == str(user.pk)
    settings.PYAUTH = {"ALGORITHM": "EdDSA", "SIGNING_KEY": tmp_path / "missing.pem"}
    assert "pyauth.E005" in {m.id for m in check_settings()}


@pytest.mark.django_db
def test_a_signing_pem_takes_the_kid_of_its_jwks_entry(
    settings: Any, jwt_keys: Any, user: Any
) -> None:
    public = jwt.load_key(jwt_keys["RS256"].verifying, "RS256", kid="published-2026")
    jwks = {"keys": [json.loads(public.public_jwk())]}
    settings.PYAUTH = {
        "ALGORITHM": "RS256",
        "SIGNING_KEY": jwt_keys["RS256"].signing,
        "VERIFYING_KEY": jwks,
    }
    raw = str(AccessToken.for_user(user))
    assert header(raw)["kid"] == "published-2026"
    AccessToken(raw)


@pytest.mark.parametrize("algorithm", ["EdDSA", "ES256", "RS256"])
def test_thumbprints_match_joserfc(algorithm: str) -> None:
    key = jwt.generate_key(algorithm)
    peer = import_key(json.loads(key.public_jwk()))
    assert key.thumbprint() == peer.thumbprint()


def test_a_private_key_never_reaches_python() -> None:
    key = jwt.generate_key("EdDSA")
    assert not hasattr(key, "private_pem") and not hasattr(key, "private_pkcs8_pem")
    seal = _core.SealKey(b"secret", b"pyauthky")
    blob = _core.seal_private_key(key, seal, b"aad")
    opened = _core.open_private_key("EdDSA", blob, seal, b"aad", "kid-1")
    assert opened.kid == "kid-1" and opened.public_jwk() == key.public_jwk().replace(
        "}", ',"kid":"kid-1"}'
    )
    from pyauth.exceptions import InvalidSealInputError, MalformedSealError

    with pytest.raises(InvalidSealInputError):
        _core.SealKey(b"secret", b"short")
    with pytest.raises(MalformedSealError):
        _core.open_private_key("EdDSA", b"\x02" + blob[1:], seal, b"aad", "")
    with pytest.raises(UnsealError):
        _core.open_private_key("EdDSA", blob, seal, b"other", "")
    assert repr(seal) == "<pyauth SealKey>"


# --- the command --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_command_rotates_and_lists_without_private_material(
    user: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    first = store.ensure_signer()
    out = io.StringIO()
    call_command("rotate_signing_key", "--algorithm", "ES256", stdout=out)
    new = signer_row()
    text = out.getvalue()
    assert f"New signing key {new.kid} (ES256)" in text
    assert f"Previous key {first.kid} (EdDSA) verifies until" in text
    listing = io.StringIO()
    call_command("rotate_signing_key", "--list", stdout=listing)
    lines = listing.getvalue().splitlines()
    assert lines[0].split() == ["kid", "alg", "state", "created", "until"]
    assert lines[1].split()[:3] == [new.kid, "ES256", "signer"]
    assert lines[2].split()[:3] == [first.kid, "EdDSA", "verifying"]
    everything = text + listing.getvalue()
    for row in SigningKey.objects.all():
        blob = bytes(row.sealed_private)
        for form in (blob.hex(), base64.b64encode(blob).decode(), repr(blob)):
            assert form not in everything
    assert "PRIVATE" not in everything and '"d"' not in everything
    # The log says which keys were made and rotated, and nothing else about them.
    assert first.kid in caplog.text and new.kid in caplog.text
    for row in SigningKey.objects.all():
        assert bytes(row.sealed_private).hex() not in caplog.text
    assert "PRIVATE" not in caplog.text
    out = io.StringIO()
    call_command("rotate_signing_key", "--retire-expired", stdout=out)
    assert out.getvalue().strip() == "Retired 0 key(s)."


@pytest.mark.django_db
def test_the_command_refuses_when_the_settings_hold_the_key(settings: Any) -> None:
    settings.PYAUTH = {"ALGORITHM": "HS256"}
    with pytest.raises(CommandError, match="SIGNING_KEY_SOURCE is 'settings'"):
        call_command("rotate_signing_key")
    with pytest.raises(CommandError):
        call_command("rotate_signing_key", "--algorithm", "HS256")
    assert not SigningKey.objects.exists()


# --- checks ---------------------------------------------------------------------------


def checks() -> list[Any]:
    # The test settings' local-memory cache with DEBUG off (pyauth.W008) is
    # test_checks.py's subject, not the key store's.
    return [m for m in check_settings() if m.id != "pyauth.W008"]


def ids() -> set[str]:
    return {m.id for m in checks()}


def test_store_default_is_clean_and_reads_no_table(settings: Any) -> None:
    # No database access allowed in this test: checks must not read the key table.
    assert ids() == set()


@pytest.mark.parametrize(
    "pyauth",
    [
        {"SIGNING_KEY_SOURCE": "vault"},
        {"KEY_STORE_REFRESH_SECONDS": "30"},
        {"KEY_STORE_REFRESH_SECONDS": -1},
        {"JWKS_MAX_AGE": True},
        {"SIGNING_KEY_GRACE": "1 day"},
        {"SIGNING_KEY_GRACE": timedelta(seconds=-1)},
    ],
)
def test_e007_bad_key_store_settings(settings: Any, pyauth: dict[str, Any]) -> None:
    settings.PYAUTH = pyauth
    assert ids() == {"pyauth.E007"}


def test_e008_store_without_the_app(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from django.apps import apps

    real = apps.is_installed
    monkeypatch.setattr(apps, "is_installed", lambda name: name != "pyauth.keys" and real(name))
    settings.PYAUTH = {"SIGNING_KEY_SOURCE": "store"}
    assert ids() == {"pyauth.E008"}
    # Without the app and without a choice, a project keeps HS256 with SECRET_KEY ...
    settings.PYAUTH = {}
    assert ids() == set()
    from pyauth.settings import api_settings

    assert (api_settings.key_source(), api_settings.ALGORITHM) == ("settings", "HS256")
    # ... and an asymmetric ALGORITHM then has no key at all.
    settings.PYAUTH = {"ALGORITHM": "EdDSA"}
    assert ids() == {"pyauth.E009"}


def test_e009_asymmetric_algorithm_with_no_key(settings: Any) -> None:
    settings.PYAUTH = {"ALGORITHM": "ES256", "SIGNING_KEY_SOURCE": "settings"}
    messages = checks()
    assert [m.id for m in messages] == ["pyauth.E009"]
    assert "pyauth.keys" in (messages[0].hint or "")


def test_e010_store_with_an_hmac_algorithm(settings: Any) -> None:
    settings.PYAUTH = {"ALGORITHM": "HS256", "SIGNING_KEY_SOURCE": "store"}
    assert ids() == {"pyauth.E010"}
    settings.PYAUTH = {"ALGORITHM": "PS512", "SIGNING_KEY_SOURCE": "store"}
    assert ids() == {"pyauth.E010"}


def test_simple_jwt_projects_keep_hs256_with_the_secret_key(settings: Any) -> None:
    del settings.PYAUTH
    settings.SIMPLE_JWT = {"ACCESS_TOKEN_LIFETIME": timedelta(minutes=5)}
    from pyauth.settings import api_settings

    assert (api_settings.key_source(), api_settings.ALGORITHM) == ("settings", "HS256")
    assert api_settings.signing_key_object().kid is None


@pytest.mark.django_db
def test_migrations_match_the_models() -> None:
    call_command("makemigrations", "pyauth_keys", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db
def test_the_admin_shows_public_data_only_and_changes_nothing(admin_client: Any) -> None:
    row = SigningKey.objects.get(kid=store.ensure_signer().kid)
    listing = admin_client.get("/admin/pyauth_keys/signingkey/")
    assert listing.status_code == 200 and row.kid in listing.content.decode()
    detail = admin_client.get(f"/admin/pyauth_keys/signingkey/{row.kid}/change/")
    assert detail.status_code == 200
    page = detail.content.decode()
    assert row.public_jwk["x"] in page
    blob = bytes(row.sealed_private)
    assert blob.hex() not in page and base64.b64encode(blob).decode() not in page
    assert "sealed" not in page.lower()
    assert admin_client.get("/admin/pyauth_keys/signingkey/add/").status_code == 403
    response = admin_client.post(
        f"/admin/pyauth_keys/signingkey/{row.kid}/delete/", {"post": "yes"}
    )
    assert response.status_code == 403
    assert SigningKey.objects.filter(kid=row.kid).exists()
