"""Sessions and devices (pyauth.lifecycle): the sessions list over HTTP for token logins
and Django sessions, revocation of one / the others / all (staff), the session
middleware on every session engine, the admin, and the system checks.

The URLs below add the session views (and a session-only probe) to pyauth's test URLs;
device-bound refresh tokens are in test_sessions_fingerprint.py.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import authenticate, login
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import include, path
from django.utils import timezone
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.test import APIClient
from rest_framework.views import APIView

from pyauth.authentication import JWTAuthentication, JWTCookieAuthentication
from pyauth.checks import check_settings
from pyauth.lifecycle import revocation, services
from pyauth.lifecycle.models import TokenFamily
from pyauth.lifecycle.urls import session_urlpatterns
from pyauth.tokens import AccessToken
from tests.django.conftest import PASSWORD
from tests.django.urls import urlpatterns as base_urlpatterns

AUTH = (JWTCookieAuthentication, JWTAuthentication, SessionAuthentication)
FIREFOX = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)


class SessionLogin(APIView):  # type: ignore[misc]
    """Django's own login: {username, password} -> a signed-in session."""

    authentication_classes = ()
    permission_classes = ()

    def post(self, request: Any) -> Response:
        user = authenticate(
            request._request,
            username=request.data.get("username"),
            password=request.data.get("password"),
        )
        if user is None:
            return Response(status=401)
        login(request._request, user)
        return Response({"username": user.get_username()})


class SessionWhoAmI(APIView):  # type: ignore[misc]
    """Who the Django session says the caller is (sessions only)."""

    authentication_classes = (SessionAuthentication,)
    permission_classes = (IsAuthenticated,)

    def get(self, request: Any) -> Response:
        return Response({"username": request.user.get_username()})


urlpatterns = [
    *base_urlpatterns,
    path("api/session/login/", SessionLogin.as_view()),
    path("api/session/whoami/", SessionWhoAmI.as_view()),
    path(
        "api/",
        include((session_urlpatterns(authentication_classes=AUTH), "pyauth_sessions")),
    ),
    path(
        "strict/",
        include(
            (
                session_urlpatterns(
                    trailing_slash=False,
                    authentication_classes=AUTH,
                    csrf_on_every_unsafe_request=True,
                ),
                "pyauth_sessions",
            ),
            namespace="strict",
        ),
    ),
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.django.test_sessions")]

LIST = "/api/sessions/"
OTHERS = "/api/sessions/revoke-others/"


def one(session_id: str) -> str:
    return f"/api/sessions/{session_id}/"


def cookie_login(username: str = "alice", agent: str = FIREFOX, ip: str = "203.0.113.7") -> Any:
    """A browser signed in through the cookie views, with a user agent and an address."""
    client = APIClient(HTTP_USER_AGENT=agent, REMOTE_ADDR=ip)
    response = client.post(
        "/api/cookie/login/", {"username": username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    return client


def session_login(user: Any, agent: str = IPHONE, ip: str = "198.51.100.9") -> Any:
    """A browser signed in to a Django session (Django's login, user_logged_in sent)."""
    client = APIClient(HTTP_USER_AGENT=agent, REMOTE_ADDR=ip)
    response = client.post(
        "/api/session/login/",
        {"username": user.get_username(), "password": PASSWORD},
        format="json",
    )
    assert response.status_code == 200, response.content
    return client


def sid_of(client: APIClient) -> str:
    """The family of the access cookie a client holds."""
    sid: str = AccessToken(client.cookies["access_token"].value)["sid"]
    return sid


def session_sid(client: APIClient) -> str:
    store = Session.objects.get(pk=client.cookies["sessionid"].value)
    sid: str = store.get_decoded()[services.SESSION_FAMILY_KEY]
    return sid


def listed(client: APIClient) -> dict[str, dict[str, Any]]:
    response = client.get(LIST)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == len(body["sessions"])
    return {item["id"]: item for item in body["sessions"]}


# --- the list ---------------------------------------------------------------------


def test_list_shows_token_logins_and_sessions(user: Any, make_user: Any) -> None:
    laptop = cookie_login()
    phone = session_login(user)
    make_user("bob")
    cookie_login("bob")  # another user's session is never listed

    items = listed(laptop)
    assert set(items) == {sid_of(laptop), session_sid(phone)}
    mine = items[sid_of(laptop)]
    assert mine == {
        "id": sid_of(laptop),
        "kind": "token",
        "device": "Firefox 128.0 on Ubuntu",
        "user_agent": FIREFOX,
        "ip": "203.0.113.7",
        "created_at": mine["created_at"],
        "last_used_at": mine["last_used_at"],
        "current": True,
    }
    assert mine["created_at"].endswith("Z")
    theirs = items[session_sid(phone)]
    assert theirs["kind"] == "session"
    assert theirs["device"] == "Mobile Safari 17.1 on iOS 17.1 (iPhone)"
    assert theirs["current"] is False

    # The phone's session sees itself as current, the laptop's login as not.
    from_phone = listed(phone)
    assert from_phone[session_sid(phone)]["current"] is True
    assert from_phone[sid_of(laptop)]["current"] is False


def test_list_needs_a_login(api: APIClient) -> None:
    assert api.get(LIST).status_code in (401, 403)
    assert api.post(OTHERS).status_code in (401, 403)
    assert api.delete(one("x" * 22)).status_code in (401, 403)


def test_list_hides_revoked_and_expired(user: Any) -> None:
    laptop = cookie_login()
    revoked, _ = services.issue(user)
    services.revoke_family(revoked["sid"])
    expired, _ = services.issue(user)
    TokenFamily.objects.filter(pk=expired["sid"]).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert set(listed(laptop)) == {sid_of(laptop)}


def test_list_is_bounded(user: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from pyauth.lifecycle import views

    monkeypatch.setattr(views, "MAX_LISTED", 2)
    laptop = cookie_login()
    for _ in range(3):
        services.issue(user)
    body = laptop.get(LIST).json()
    assert body["count"] == 4 and len(body["sessions"]) == 2


def test_list_is_one_query_plus_count(user: Any, django_assert_max_num_queries: Any) -> None:
    laptop = cookie_login()
    for _ in range(5):
        services.issue(user)
    with django_assert_max_num_queries(2):  # the page and its count; no user row
        assert laptop.get(LIST).status_code == 200


def test_refresh_records_last_use_and_address(user: Any) -> None:
    laptop = cookie_login()
    sid = sid_of(laptop)
    TokenFamily.objects.filter(pk=sid).update(last_used_at=timezone.now() - timedelta(hours=1))
    laptop.defaults["REMOTE_ADDR"] = "192.0.2.44"
    assert laptop.post("/api/cookie/refresh/").status_code == 200
    family = TokenFamily.objects.get(pk=sid)
    assert timezone.now() - family.last_used_at < timedelta(minutes=1)
    assert family.ip == "192.0.2.44"
    assert family.user_agent == FIREFOX  # the device it signed in from


# --- revoking one -----------------------------------------------------------------


def test_revoke_one_token_login(user: Any) -> None:
    laptop = cookie_login()
    desktop = cookie_login(agent="curl/8.1.2", ip="192.0.2.1")
    victim = sid_of(desktop)
    assert desktop.get("/api/cookie/whoami/").status_code == 200

    response = laptop.delete(one(victim))
    assert response.status_code == 204
    assert TokenFamily.objects.get(pk=victim).revoke_reason == services.REASON_USER
    # its access token is refused at its next request, and its refresh token too
    assert desktop.get("/api/cookie/whoami/").status_code == 401
    assert desktop.post("/api/cookie/refresh/").status_code == 401
    # the caller's own login lives on
    assert laptop.get("/api/cookie/whoami/").status_code == 200
    assert laptop.delete(one(victim)).status_code == 404  # already revoked


def test_revoked_family_refused_by_other_processes_within_the_memo(user: Any) -> None:
    """Another process's memo still says "live"; the mark reaches it through the cache
    once its memo entry (REVOCATION_MEMO_SECONDS) is gone."""
    laptop = cookie_login()
    desktop = cookie_login()
    assert desktop.get("/api/cookie/whoami/").status_code == 200
    assert laptop.delete(one(sid_of(desktop))).status_code == 204
    revocation.clear_memo()  # what a second process holds once its memo expired
    assert desktop.get("/api/cookie/whoami/").status_code == 401


def test_another_users_session_is_404(user: Any, make_user: Any) -> None:
    bob = make_user("bob")
    laptop = cookie_login()
    bobs = cookie_login("bob")
    bobs_session = session_login(bob)
    for foreign in (sid_of(bobs), session_sid(bobs_session)):
        response = laptop.delete(one(foreign))
        assert response.status_code == 404
        assert response.json() == {"detail": "No such session."}
        assert not TokenFamily.objects.get(pk=foreign).is_revoked
    unknown = laptop.delete(one("A" * 22))
    assert unknown.status_code == 404 and unknown.json() == response.json()
    assert laptop.delete(one("A" * 200)).status_code == 404
    assert bobs.get("/api/cookie/whoami/").status_code == 200


def test_revoking_ones_current_login(user: Any) -> None:
    laptop = cookie_login()
    assert laptop.delete(one(sid_of(laptop))).status_code == 204
    assert laptop.get("/api/cookie/whoami/").status_code == 401


def test_unsafe_requests_by_cookie_need_csrf(user: Any) -> None:
    client = APIClient(enforce_csrf_checks=True)
    response = client.post(
        "/api/cookie/login/", {"username": "alice", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    other = cookie_login()
    assert client.get(LIST).status_code == 200  # reading needs no token
    assert client.delete(one(sid_of(other))).status_code == 403
    assert client.post(OTHERS).status_code == 403
    token = client.cookies["csrftoken"].value
    assert client.delete(one(sid_of(other)), HTTP_X_CSRFTOKEN=token).status_code == 204


def test_csrf_on_every_unsafe_request_option(user: Any) -> None:
    _refresh, access = services.issue(user)
    bearer = APIClient(enforce_csrf_checks=True)
    bearer.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    assert bearer.get("/strict/sessions").status_code == 200
    assert bearer.post(OTHERS).status_code == 200  # Bearer: no CSRF by default
    response = bearer.post("/strict/sessions/revoke-others")
    assert response.status_code == 403
    assert response.json()["detail"].startswith("CSRF Failed")


# --- revoking the others ----------------------------------------------------------


def test_revoke_others_keeps_the_current_ones(user: Any, make_user: Any) -> None:
    laptop = cookie_login()
    desktop = cookie_login()
    phone = session_login(user)
    make_user("bob")
    bobs = cookie_login("bob")
    body_login, _ = services.issue(user)

    response = laptop.post(OTHERS)
    assert response.status_code == 200
    assert response.json() == {"revoked": 3}
    assert set(listed(laptop)) == {sid_of(laptop)}
    assert desktop.get("/api/cookie/whoami/").status_code == 401
    assert phone.get("/api/session/whoami/").status_code == 403  # signed out
    with pytest.raises(Exception, match="blacklisted"):
        services.refresh(str(body_login))
    assert bobs.get("/api/cookie/whoami/").status_code == 200
    assert laptop.post(OTHERS).json() == {"revoked": 0}


def test_revoke_others_from_a_session_keeps_the_session_and_its_token(user: Any) -> None:
    """A request carrying a token and a session keeps both."""
    laptop = cookie_login()
    laptop.force_login(user)  # the same browser also signs in to a Django session
    other = cookie_login()
    assert laptop.post(OTHERS).json() == {"revoked": 1}
    assert laptop.get("/api/session/whoami/").status_code == 200
    assert laptop.get("/api/cookie/whoami/").status_code == 200
    assert other.get("/api/cookie/whoami/").status_code == 401


# --- Django sessions --------------------------------------------------------------


@pytest.fixture(
    params=[
        "django.contrib.sessions.backends.db",
        "django.contrib.sessions.backends.cache",
        "django.contrib.sessions.backends.cached_db",
        "django.contrib.sessions.backends.signed_cookies",
    ]
)
def engine(request: pytest.FixtureRequest, settings: Any) -> str:
    settings.SESSION_ENGINE = request.param
    return str(request.param)


def test_session_revoke_signs_the_browser_out(user: Any, engine: str) -> None:
    phone = session_login(user)
    assert phone.get("/api/session/whoami/").json() == {"username": "alice"}
    stolen_cookie = phone.cookies["sessionid"].value
    (item,) = [i for i in listed(phone).values() if i["kind"] == "session"]
    assert item["current"] is True

    laptop = cookie_login()
    assert laptop.delete(one(item["id"])).status_code == 204
    response = phone.get("/api/session/whoami/")
    assert response.status_code == 403  # anonymous: SessionAuthentication's answer
    # The session is gone from the store (its cookie deleted) ...
    assert phone.cookies["sessionid"].value == ""
    if engine.endswith((".db", ".cached_db")):
        assert not Session.objects.filter(pk=stolen_cookie).exists()
    if not engine.endswith("signed_cookies"):
        from importlib import import_module

        store = import_module(engine).SessionStore
        assert not store().exists(stolen_cookie)
    # ... and a copy of the old cookie is refused, signed cookies included.
    replay = APIClient()
    replay.cookies["sessionid"] = stolen_cookie
    assert replay.get("/api/session/whoami/").status_code == 403


def test_logout_revokes_the_session_family(user: Any, engine: str) -> None:
    phone = session_login(user)
    sid = next(i["id"] for i in listed(phone).values() if i["kind"] == "session")
    phone.logout()
    family = TokenFamily.objects.get(pk=sid)
    assert family.is_revoked and family.revoke_reason == services.REASON_LOGOUT


def test_logging_in_again_keeps_the_session_family(user: Any, rf: Any) -> None:
    phone = session_login(user)
    sid = session_sid(phone)
    phone.force_login(user)  # Django keeps the session of a user who signs in again
    assert session_sid(phone) == sid
    assert TokenFamily.objects.filter(user=user, kind="session").count() == 1
    services.revoke_family(sid)
    phone.force_login(user)  # a revoked family is not reused
    assert session_sid(phone) != sid


def test_session_without_family_is_adopted(user: Any) -> None:
    phone = session_login(user)
    sid = session_sid(phone)
    TokenFamily.objects.filter(pk=sid).delete()
    store = Session.objects.get(pk=phone.cookies["sessionid"].value)
    data = store.get_decoded()
    del data[services.SESSION_FAMILY_KEY]  # signed in before pyauth.lifecycle was there
    Session.objects.save(store.session_key, data, store.expire_date)
    revocation.clear_memo()

    assert phone.get("/api/session/whoami/").status_code == 200
    adopted = session_sid(phone)
    assert adopted != sid
    family = TokenFamily.objects.get(pk=adopted)
    assert family.kind == "session" and family.user_agent == IPHONE
    assert family.ip == "198.51.100.9"


def test_last_use_is_written_at_most_once_per_interval(user: Any, settings: Any) -> None:
    settings.PYAUTH = {"SESSION_TOUCH_SECONDS": 3600}
    phone = session_login(user)
    sid = session_sid(phone)
    old = timezone.now() - timedelta(hours=2)
    TokenFamily.objects.filter(pk=sid).update(last_used_at=old)
    assert phone.get("/api/session/whoami/").status_code == 200
    first = TokenFamily.objects.get(pk=sid).last_used_at
    assert first > old
    TokenFamily.objects.filter(pk=sid).update(last_used_at=old)
    assert phone.get("/api/session/whoami/").status_code == 200
    assert TokenFamily.objects.get(pk=sid).last_used_at == old  # throttled

    settings.PYAUTH = {"SESSION_TOUCH_SECONDS": 0}
    assert phone.get("/api/session/whoami/").status_code == 200
    assert TokenFamily.objects.get(pk=sid).last_used_at > old


def test_touch_never_shortens_the_expiry(user: Any, settings: Any) -> None:
    settings.PYAUTH = {"SESSION_TOUCH_SECONDS": 0}
    phone = session_login(user)
    sid = session_sid(phone)
    far = timezone.now() + timedelta(days=365)
    TokenFamily.objects.filter(pk=sid).update(expires_at=far)
    assert phone.get("/api/session/whoami/").status_code == 200
    assert TokenFamily.objects.get(pk=sid).expires_at == far


def test_token_requests_do_not_load_the_session(user: Any) -> None:
    """A request authenticated by a token pays nothing for the session cookie it
    carries: the middleware only checks when someone reads request.user."""
    laptop = cookie_login()
    laptop.force_login(user)
    assert laptop.cookies["sessionid"].value
    access = laptop.cookies["access_token"].value
    laptop.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    laptop.get("/api/whoami/")  # warm the revocation memo
    with CaptureQueriesContext(connection) as queries:
        assert laptop.get("/api/whoami/").status_code == 200
    assert not [q for q in queries if "session" in q["sql"] or "tokenfamily" in q["sql"]]


def test_password_change_signs_sessions_out(user: Any) -> None:
    phone = session_login(user)
    sid = session_sid(phone)
    user.set_password("another long passphrase")
    user.save()
    assert TokenFamily.objects.get(pk=sid).is_revoked
    assert phone.get("/api/session/whoami/").status_code == 403


def test_nothing_of_the_session_key_is_stored(user: Any, lifecycle_rows: Any) -> None:
    phone = session_login(user)
    key = phone.cookies["sessionid"].value
    assert key
    rows = "\n".join(lifecycle_rows())
    assert key not in rows
    assert key not in phone.get(LIST).content.decode()


# --- staff ------------------------------------------------------------------------


def test_staff_list_and_revoke_a_users_sessions(user: Any, make_user: Any) -> None:
    make_user("root", is_staff=True)
    staff = cookie_login("root")
    laptop = cookie_login()
    phone = session_login(user)
    base = f"/api/sessions/users/{user.pk}/"

    body = staff.get(base).json()
    assert body["count"] == 2
    assert {i["id"] for i in body["sessions"]} == {sid_of(laptop), session_sid(phone)}
    assert not any(i["current"] for i in body["sessions"])

    assert staff.delete(f"{base}{sid_of(laptop)}/").status_code == 204
    assert laptop.get("/api/cookie/whoami/").status_code == 401
    assert TokenFamily.objects.get(pk=sid_of(laptop)).revoke_reason == services.REASON_ADMIN
    staffs_own = sid_of(staff)
    assert staff.delete(f"{base}{staffs_own}/").status_code == 404  # not this user's

    assert staff.post(f"{base}revoke-all/").json() == {"revoked": 1}
    assert phone.get("/api/session/whoami/").status_code == 403
    assert staff.get(base).json() == {"count": 0, "sessions": []}
    assert staff.get("/api/cookie/whoami/").status_code == 200


def test_staff_endpoints_refuse_non_staff_and_guard_superusers(user: Any, make_user: Any) -> None:
    bob = make_user("bob")
    make_user("root", is_staff=True)
    chief = make_user("chief", is_staff=True, is_superuser=True)
    alice = cookie_login()
    root = cookie_login("root")
    boss = cookie_login("chief")

    for path_ in (f"/api/sessions/users/{bob.pk}/", f"/api/sessions/users/{bob.pk}/revoke-all/"):
        call = alice.get if path_.endswith(f"{bob.pk}/") else alice.post
        assert call(path_).status_code == 403
    assert root.get(f"/api/sessions/users/{chief.pk}/").status_code == 403
    assert root.post(f"/api/sessions/users/{chief.pk}/revoke-all/").status_code == 403
    assert boss.get(f"/api/sessions/users/{chief.pk}/").status_code == 200
    for missing in ("999999", "not-a-number", "-1", "9" * 30, "1.5"):
        response = root.get(f"/api/sessions/users/{missing}/")
        assert response.status_code == 404
        assert response.json() == {"detail": "No such user."}


# --- the admin --------------------------------------------------------------------


def admin_client(make_user: Any) -> APIClient:
    client = APIClient()
    client.force_login(make_user("admin", is_staff=True, is_superuser=True))
    return client


def test_admin_revoke_action_and_delete(user: Any, make_user: Any) -> None:
    laptop = cookie_login()
    desktop = cookie_login()
    admin = admin_client(make_user)
    url = "/admin/pyauth_lifecycle/tokenfamily/"
    assert admin.get(url).status_code == 200
    for query in ("Firefox", str(user.pk), sid_of(laptop)):
        page = admin.get(url, {"q": query, "kind": "token"})
        assert page.status_code == 200 and sid_of(laptop).encode() in page.content
    response = admin.post(
        url, {"action": "revoke_families", "_selected_action": [sid_of(laptop)]}, format="multipart"
    )
    assert response.status_code == 302
    assert laptop.get("/api/cookie/whoami/").status_code == 401

    # Deleting a family revokes it first: processes holding a cached "live" answer
    # get the mark, not a stale "live" until REVOCATION_CACHE_TTL.
    assert desktop.get("/api/cookie/whoami/").status_code == 200
    sid = sid_of(desktop)
    response = admin.post(f"{url}{sid}/delete/", {"post": "yes"}, format="multipart")
    assert response.status_code == 302
    assert not TokenFamily.objects.filter(pk=sid).exists()
    assert desktop.get("/api/cookie/whoami/").status_code == 401


def test_admin_log_users_out_everywhere(user: Any, make_user: Any) -> None:
    laptop = cookie_login()
    phone = session_login(user)
    admin = admin_client(make_user)
    url = "/admin/pyauth_lifecycle/tokenfamily/"
    page = admin.get(f"{url}{sid_of(laptop)}/change/")
    assert page.status_code == 200 and b"Firefox 128.0 on Ubuntu" in page.content
    response = admin.post(
        url, {"action": "revoke_users", "_selected_action": [sid_of(laptop)]}, format="multipart"
    )
    assert response.status_code == 302
    assert laptop.get("/api/cookie/whoami/").status_code == 401
    assert phone.get("/api/session/whoami/").status_code == 403


# --- checks and migrations --------------------------------------------------------


def test_w005_session_middleware_missing_or_misplaced(settings: Any) -> None:
    ours = "pyauth.lifecycle.middleware.SessionLifecycleMiddleware"
    assert "pyauth.W005" not in {m.id for m in check_settings()}
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != ours]
    assert "pyauth.W005" in {m.id for m in check_settings()}
    settings.MIDDLEWARE = [ours, *settings.MIDDLEWARE]  # before AuthenticationMiddleware
    assert "pyauth.W005" in {m.id for m in check_settings()}


@pytest.mark.parametrize("name", ["", "__Host-fgp", "__Secure-fgp", "refresh_token", None])
def test_e011_fingerprint_cookie_name(settings: Any, name: Any) -> None:
    settings.PYAUTH = {"AUTH_COOKIE_FINGERPRINT": name}
    assert "pyauth.E011" in {m.id for m in check_settings()}
    settings.PYAUTH = {"AUTH_COOKIE_FINGERPRINT": "device"}
    assert "pyauth.E011" not in {m.id for m in check_settings()}


def test_migrations_are_complete() -> None:
    call_command("makemigrations", "pyauth_lifecycle", "--check", "--dry-run", verbosity=0)


def test_login_signals_without_a_request_record_nothing(user: Any) -> None:
    from django.contrib.auth.signals import user_logged_in, user_logged_out

    user_logged_in.send(sender=type(user), request=None, user=user)
    user_logged_out.send(sender=type(user), request=None, user=user)
    assert not TokenFamily.objects.exists()
