"""pyauth.lifecycle.services: issue, rotation, replay detection, grace, revocation,
adoption of family-less tokens, and what is (not) stored."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from pyauth.lifecycle import services
from pyauth.lifecycle.models import RefreshTokenRecord, TokenFamily, jti_digest
from pyauth.tokens import AccessToken, RefreshToken, TokenError

pytestmark = pytest.mark.django_db


def family_of(token: Any) -> TokenFamily:
    family: TokenFamily = TokenFamily.objects.get(pk=token["sid"])
    return family


def record_of(token: Any) -> RefreshTokenRecord:
    record: RefreshTokenRecord = RefreshTokenRecord.objects.get(jti_digest=jti_digest(token["jti"]))
    return record


def test_issue_records_a_family_and_a_digest(user: Any, rf: Any) -> None:
    request = rf.post("/", HTTP_USER_AGENT="Agent/" + "x" * 400, REMOTE_ADDR="203.0.113.9")
    refresh, access = services.issue(user, request)
    assert refresh["sid"] == access["sid"]
    assert len(refresh["sid"]) == 22
    family = family_of(refresh)
    assert family.user == user
    assert family.user_agent == ("Agent/" + "x" * 400)[:256]
    assert family.ip == "203.0.113.9"
    assert family.revoked_at is None
    assert family.expires_at == refresh.expires_at
    record = record_of(refresh)
    assert record.family == family
    assert record.jti_digest == hashlib.sha256(refresh["jti"].encode()).hexdigest()
    assert record.expires_at == refresh.expires_at
    assert record.is_live
    assert AccessToken(str(access))["user_id"] == str(user.pk)
    assert RefreshToken(str(refresh))["sid"] == family.id


def test_issue_without_request_and_bad_address(user: Any, rf: Any) -> None:
    refresh, _access = services.issue(user)
    assert family_of(refresh).ip is None and family_of(refresh).user_agent == ""
    refresh, _access = services.issue(user, rf.get("/", REMOTE_ADDR="not an ip"))
    assert family_of(refresh).ip is None


def test_update_last_login(user: Any, settings: Any) -> None:
    services.issue(user)
    user.refresh_from_db()
    assert user.last_login is None
    settings.PYAUTH = {"UPDATE_LAST_LOGIN": True}
    services.issue(user)
    user.refresh_from_db()
    assert user.last_login is not None


def test_rotation(user: Any) -> None:
    first, _ = services.issue(user)
    second, access = services.refresh(str(first))
    assert second is not None
    assert second["sid"] == first["sid"] == access["sid"]
    assert second["jti"] != first["jti"]
    assert record_of(first).used_at is not None
    assert record_of(second).is_live
    third, _ = services.refresh(str(second))
    assert third is not None and third["sid"] == first["sid"]
    assert RefreshTokenRecord.objects.filter(family_id=first["sid"]).count() == 3
    assert family_of(first).last_used_at >= family_of(first).created_at


def test_rotation_keeps_custom_claims_and_renews_extra_claims(user: Any, settings: Any) -> None:
    token = RefreshToken.for_user(user)
    token["tenant"] = "acme"
    first, _ = services.issue(user, token=token)
    settings.PYAUTH = {"EXTRA_ACCESS_CLAIMS": "tests.django.claims.profile_claims"}
    user.email = "new@example.com"
    user.save()
    second, access = services.refresh(str(first))
    assert second is not None
    assert second["tenant"] == access["tenant"] == "acme"
    assert access["email"] == "new@example.com"


def test_refresh_without_rotation(user: Any, settings: Any) -> None:
    first, _ = services.issue(user)
    none, access = services.refresh(str(first), rotate=False)
    assert none is None and access["sid"] == first["sid"]
    assert record_of(first).is_live
    none, _ = services.refresh(str(first), rotate=False)
    settings.PYAUTH = {"ROTATE_REFRESH_TOKENS": False}
    none, _ = services.refresh(str(first))
    assert none is None
    assert RefreshTokenRecord.objects.filter(family_id=first["sid"]).count() == 1


def test_replay_of_a_rotated_token_revokes_the_family(api: Any, user: Any) -> None:
    first, _ = services.issue(user)
    second, access = services.refresh(str(first))
    assert second is not None
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    assert api.get("/api/whoami/").status_code == 200

    with pytest.raises(TokenError) as excinfo:
        services.refresh(str(first))  # the replay (attacker or victim, we cannot tell)
    assert excinfo.value.code == "token_reused"
    family = family_of(first)
    assert family.revoked_at is not None
    assert family.revoke_reason == services.REASON_REUSE
    # every token of the family is dead: the live refresh token and the access token
    with pytest.raises(TokenError) as excinfo:
        services.refresh(str(second))
    assert excinfo.value.code == "token_revoked"
    assert api.get("/api/whoami/").status_code == 401
    # other sessions of the same user live on
    other, _ = services.issue(user)
    assert services.refresh(str(other))[0] is not None


def test_replay_on_a_non_rotating_refresh_also_revokes(user: Any) -> None:
    first, _ = services.issue(user)
    services.refresh(str(first))
    with pytest.raises(TokenError):
        services.refresh(str(first), rotate=False)
    assert family_of(first).revoked_at is not None


def test_grace_window(user: Any, settings: Any) -> None:
    settings.PYAUTH = {"REUSE_GRACE_SECONDS": 30}
    first, _ = services.issue(user)
    second, _ = services.refresh(str(first))
    assert second is not None
    with pytest.raises(TokenError) as excinfo:
        services.refresh(str(first))  # a racing tab, a second later
    assert excinfo.value.code == "token_reused"
    assert family_of(first).revoked_at is None
    third, _ = services.refresh(str(second))  # the family survived
    assert third is not None
    # outside the window the same replay revokes the family
    RefreshTokenRecord.objects.filter(jti_digest=jti_digest(first["jti"])).update(
        used_at=timezone.now() - timedelta(seconds=31)
    )
    with pytest.raises(TokenError):
        services.refresh(str(first))
    assert family_of(first).revoked_at is not None
    with pytest.raises(TokenError):
        services.refresh(str(third))


def test_rotation_without_blacklist_keeps_old_tokens_valid(user: Any, settings: Any) -> None:
    settings.PYAUTH = {"BLACKLIST_AFTER_ROTATION": False}
    first, _ = services.issue(user)
    second, _ = services.refresh(str(first))
    again, _ = services.refresh(str(first))
    assert second is not None and again is not None and second["jti"] != again["jti"]
    assert family_of(first).revoked_at is None


def test_blacklist_on_logout(user: Any) -> None:
    refresh, access = services.issue(user)
    assert services.revoke_token(str(refresh))
    assert record_of(refresh).blacklisted_at is not None
    assert family_of(refresh).revoked_at is not None
    assert family_of(refresh).revoke_reason == services.REASON_LOGOUT
    assert services.is_revoked(access["sid"])
    with pytest.raises(TokenError):
        services.refresh(str(refresh))
    assert not services.revoke_token(str(refresh))  # nothing left to revoke


def test_logout_with_an_access_token_even_expired(user: Any) -> None:
    refresh, access = services.issue(user)
    access.set_exp(lifetime=timedelta(seconds=-3600))
    assert services.revoke_token(str(access))
    assert services.is_revoked(refresh["sid"])
    with pytest.raises(TokenError):
        services.refresh(str(refresh))


def test_revoke_token_refuses_foreign_tokens(user: Any) -> None:
    import jwt as pyjwt

    claims = RefreshToken.for_user(user).payload
    with pytest.raises(TokenError):
        services.revoke_token(pyjwt.encode(claims, "an attacker's key of 32 bytes or more"))
    with pytest.raises(TokenError):
        services.revoke_token("garbage")


def test_revoke_user_ends_every_session(user: Any, make_user: Any) -> None:
    sessions = [services.issue(user)[0] for _ in range(3)]
    other, _ = services.issue(make_user("bob"))
    assert services.revoke_user(user) == 3
    assert all(services.is_revoked(s["sid"]) for s in sessions)
    assert not services.is_revoked(other["sid"])
    assert services.revoke_user(user) == 0


def test_revoke_family_and_is_revoked(user: Any) -> None:
    refresh, _ = services.issue(user)
    assert not services.is_revoked(refresh["sid"])
    assert services.is_revoked("unknown-family")
    assert services.revoke_family(refresh["sid"], "x" * 100)
    assert family_of(refresh).revoke_reason == "x" * 64
    assert not services.revoke_family(refresh["sid"])


def test_new_session_access(user: Any, rf: Any) -> None:
    access = services.new_session_access(
        user, rf.get("/", HTTP_USER_AGENT="ua"), lifetime=timedelta(minutes=60)
    )
    assert access["exp"] - access["iat"] == 3600
    family = family_of(access)
    assert family.user_agent == "ua"
    assert not family.tokens.exists()
    assert family.expires_at == access.expires_at
    assert not services.is_revoked(access["sid"])
    assert services.revoke_token(str(access))
    assert services.is_revoked(access["sid"])
    default = services.new_session_access(user)
    assert default["exp"] - default["iat"] == 300


def test_inactive_user_cannot_refresh_and_keeps_the_token(user: Any) -> None:
    refresh, _ = services.issue(user)
    user.is_active = False
    user.save()
    with pytest.raises(TokenError) as excinfo:
        services.refresh(str(refresh))
    assert excinfo.value.code == "no_active_account"
    assert record_of(refresh).is_live  # the claim was rolled back
    user.is_active = True
    user.save()
    assert services.refresh(str(refresh))[0] is not None


def test_refused_tokens(user: Any) -> None:
    refresh, access = services.issue(user)
    with pytest.raises(TokenError):
        services.refresh(str(access))  # an access token is not a refresh token
    expired = RefreshToken(str(refresh))
    expired.set_exp(lifetime=timedelta(seconds=-10))
    with pytest.raises(TokenError):
        services.refresh(str(expired))
    # a valid signature but a family it was not issued in
    other, _ = services.issue(user)
    moved = RefreshToken(str(refresh))
    moved["sid"] = other["sid"]
    with pytest.raises(TokenError):
        services.refresh(str(moved))
    # a family claim but no record (never issued by services.issue)
    unrecorded = RefreshToken.for_user(user)
    unrecorded["sid"] = refresh["sid"]
    with pytest.raises(TokenError):
        services.refresh(str(unrecorded))
    # another user's id in a token of this family
    forged = RefreshToken(str(refresh))
    forged["user_id"] = "999"
    with pytest.raises(TokenError):
        services.refresh(str(forged))
    assert record_of(refresh).is_live
    assert not services.is_revoked(refresh["sid"])


def test_family_less_refresh_token_is_adopted(user: Any) -> None:
    legacy = RefreshToken.for_user(user)  # e.g. issued before the lifecycle app
    new, access = services.refresh(str(legacy))
    assert new is not None and "sid" in new and access["sid"] == new["sid"]
    assert record_of(legacy).family_id == new["sid"]
    assert record_of(legacy).used_at is not None
    with pytest.raises(TokenError):
        services.refresh(str(legacy))
    assert services.is_revoked(new["sid"])


def test_family_less_refresh_token_blacklisted_at_logout(user: Any) -> None:
    legacy = RefreshToken.for_user(user)
    assert services.revoke_token(str(legacy))
    with pytest.raises(TokenError):
        services.refresh(str(legacy))
    assert record_of(legacy).blacklisted_at is not None


def test_is_token_revoked(user: Any) -> None:
    first, access = services.issue(user)
    assert not services.is_token_revoked(first)
    assert not services.is_token_revoked(access)
    services.refresh(str(first))
    assert services.is_token_revoked(first)  # rotated
    assert not services.is_token_revoked(access)
    services.revoke_family(first["sid"])
    assert services.is_token_revoked(access)
    assert not services.is_token_revoked(AccessToken.for_user(user))


def test_nothing_secret_is_stored(user: Any, lifecycle_rows: Any, rf: Any) -> None:
    """Every row of both tables, scanned for every token and jti this test made."""
    secrets: list[str] = []

    def keep(*tokens: Any) -> None:
        for token in tokens:
            if token is not None:
                secrets.extend([str(token), token["jti"]])

    first, access = services.issue(user, rf.get("/"))
    keep(first, access)
    second, access2 = services.refresh(str(first))
    keep(second, access2)
    keep(*services.refresh(str(second), rotate=False))
    keep(services.new_session_access(user))
    legacy = RefreshToken.for_user(user)
    keep(legacy, *services.refresh(str(legacy)))
    logout = RefreshToken.for_user(user)
    keep(logout)
    services.revoke_token(str(logout))
    with pytest.raises(TokenError):
        services.refresh(str(first))
    rows = lifecycle_rows()
    assert len(rows) >= 8
    for row in rows:
        for secret in secrets:
            assert secret not in row
    digests = {r.jti_digest for r in RefreshTokenRecord.objects.all()}
    assert jti_digest(first["jti"]) in digests  # what is stored is the digest


def test_records_refuse_raw_jtis(user: Any) -> None:
    refresh, _ = services.issue(user)
    record = RefreshTokenRecord(
        jti_digest=refresh["jti"], family=family_of(refresh), expires_at=datetime.now(tz=UTC)
    )
    with pytest.raises(ValueError):
        record.save()


def test_trading_without_single_use_touches_the_family(user: Any, settings: Any) -> None:
    first, _ = services.issue(user)
    stale = timezone.now() - timedelta(hours=1)
    TokenFamily.objects.filter(pk=first["sid"]).update(last_used_at=stale, expires_at=stale)
    services.refresh(str(first), rotate=False)
    family = family_of(first)
    assert family.last_used_at > stale
    assert family.expires_at > timezone.now()
    settings.PYAUTH = {"BLACKLIST_AFTER_ROTATION": False}
    TokenFamily.objects.filter(pk=first["sid"]).update(expires_at=stale)
    second, _ = services.refresh(str(first))
    assert second is not None
    assert family_of(first).expires_at == second.expires_at
