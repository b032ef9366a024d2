"""Sessions and devices in django_app: /api/auth/sessions (000's style), /api/sessions/
(001, 003, 004) and /auth-api/sessions/ (002), device-bound refresh cookies in the
cookie flows of 000 and 002, and the admin.

Clients are DRF's APIClient with a cookie jar, as the documents' Postman and curl users
have; ``csrf_api`` enforces CSRF as a browser meets it.
"""

from __future__ import annotations

import hashlib
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.core import mail
from rest_framework.test import APIClient

from pyauth.lifecycle.models import TokenFamily
from pyauth.tokens import AccessToken, RefreshToken

pytestmark = pytest.mark.django_db

FGP = "__Host-refresh_fgp"  # DEBUG is off under test: cookies are Secure
FIREFOX = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


def browser(agent: str = FIREFOX, ip: str = "203.0.113.7", csrf: bool = False) -> APIClient:
    return APIClient(enforce_csrf_checks=csrf, HTTP_USER_AGENT=agent, REMOTE_ADDR=ip)


def csrf_header(client: APIClient) -> dict[str, str]:
    return {"HTTP_X_CSRFTOKEN": client.cookies["csrftoken"].value}


def login_000(client: APIClient, password: str, email: str = "alice@example.com") -> Any:
    response = client.post("/api/auth/login", {"email": email, "password": password})
    assert response.status_code == 200, response.content
    return response


def login_shared(client: APIClient, password: str, email: str = "alice@example.com") -> Any:
    """001's and 004's login/: a Django session and the ``jwt`` cookie at once."""
    response = client.post("/api/login/", {"email": email, "password": password})
    assert response.status_code == 200, response.content
    return response


def login_002(client: APIClient, password: str, email: str = "alice@example.com") -> Any:
    """002's two steps, with X-CSRFToken from get-csrf-token/ on each."""
    client.get("/auth-api/get-csrf-token/")
    response = client.post(
        "/auth-api/login/", {"email": email, "password": password}, **csrf_header(client)
    )
    assert response.status_code == 200, response.content
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body)
    assert code is not None
    response = client.post(
        "/auth-api/token/", {"email": email, "otp": code.group(1)}, **csrf_header(client)
    )
    assert response.status_code == 200, response.content
    return response


def sid(client: APIClient, cookie: str = "access_token") -> str:
    value: str = AccessToken(client.cookies[cookie].value)["sid"]
    return value


def sessions(client: APIClient, url: str) -> dict[str, dict[str, Any]]:
    response = client.get(url)
    assert response.status_code == 200, response.content
    return {item["id"]: item for item in response.json()["sessions"]}


# --- document 000 -----------------------------------------------------------------


def test_document_000_flow_with_device_binding(make_user: Any, password: str) -> None:
    """login -> me -> sessions -> refresh -> logout, as 000's client does it, with the
    fingerprint cookie riding along untouched by the client."""
    user = make_user()
    client = browser()
    response = login_000(client, password)
    assert response.json() == {"detail": "Login successful"}
    assert {"access_token", "refresh_token", FGP} <= set(response.cookies)
    fgp = response.cookies[FGP]
    assert fgp["secure"] is True and fgp["httponly"] is True
    assert fgp["path"] == "/" and fgp["domain"] == "" and fgp["samesite"] == "Lax"
    refresh = RefreshToken(client.cookies["refresh_token"].value)
    assert refresh["fgp"] == hashlib.sha256(fgp.value.encode()).hexdigest()

    assert client.get("/api/auth/me").json() == {"id": user.pk, "email": "alice@example.com"}
    items = sessions(client, "/api/auth/sessions")
    assert list(items) == [sid(client)]
    item = items[sid(client)]
    assert item["kind"] == "token" and item["current"] is True
    assert item["device"] == "Firefox 128.0 on Ubuntu" and item["ip"] == "203.0.113.7"

    response = client.post("/api/auth/token/refresh")
    assert response.status_code == 200
    assert response.json() == {"detail": "Access token refreshed successfully"}
    assert response.cookies[FGP].value != fgp.value  # a fresh binding per rotation
    assert client.get("/api/auth/me").status_code == 200

    response = client.post("/api/auth/logout")
    assert response.status_code == 200
    assert response.cookies[FGP].value == "" and response.cookies[FGP]["max-age"] == 0
    assert client.get("/api/auth/me").status_code == 401
    assert not TokenFamily.objects.filter(user=user, revoked_at__isnull=True).exists()


def test_document_000_cookie_names_in_debug(make_user: Any, password: str, settings: Any) -> None:
    settings.DEBUG = True
    make_user()
    client = browser()
    response = login_000(client, password)
    assert FGP not in response.cookies
    assert not response.cookies["refresh_fgp"]["secure"]
    assert client.post("/api/auth/token/refresh").status_code == 200


def test_document_000_refresh_without_fingerprint(make_user: Any, password: str) -> None:
    make_user()
    client = browser()
    login_000(client, password)
    stolen = APIClient()
    stolen.cookies["refresh_token"] = client.cookies["refresh_token"].value
    response = stolen.post("/api/auth/token/refresh")
    assert response.status_code == 401
    assert response.json()["detail"] == "Device fingerprint cookie missing"
    assert client.post("/api/auth/token/refresh").status_code == 200  # not burnt


def test_document_000_revoke_one_and_others(make_user: Any, password: str) -> None:
    user = make_user()
    make_user(email="bob@example.com")
    laptop = browser(csrf=True)
    login_000(laptop, password)
    desktop = browser(CHROME, "192.0.2.8")
    login_000(desktop, password)
    phone = browser(CHROME, "192.0.2.9")
    login_000(phone, password)
    bob = browser()
    login_000(bob, password, "bob@example.com")

    items = sessions(laptop, "/api/auth/sessions")
    assert set(items) == {sid(laptop), sid(desktop), sid(phone)}
    assert items[sid(desktop)]["device"] == "Chrome 131.0 on Windows 10"
    assert [i["current"] for i in items.values()].count(True) == 1

    url = f"/api/auth/sessions/{sid(desktop)}"
    assert laptop.delete(url).status_code == 403  # a cookie login needs X-CSRFToken
    assert laptop.delete(url, **csrf_header(laptop)).status_code == 204
    assert desktop.get("/api/auth/me").status_code == 401
    assert desktop.post("/api/auth/token/refresh").status_code == 401
    response = laptop.delete(f"/api/auth/sessions/{sid(bob)}", **csrf_header(laptop))
    assert response.status_code == 404  # bob's: not a word about it
    assert bob.get("/api/auth/me").status_code == 200

    response = laptop.post("/api/auth/sessions/revoke-others", **csrf_header(laptop))
    assert response.json() == {"revoked": 1}
    assert phone.get("/api/auth/me").status_code == 401
    assert laptop.get("/api/auth/me").status_code == 200
    assert TokenFamily.objects.filter(user=user, revoked_at__isnull=True).count() == 1


# --- documents 001, 003, 004 under /api/ --------------------------------------------


def test_shared_login_lists_its_session_and_its_jwt(make_user: Any, password: str) -> None:
    make_user()
    client = browser(csrf=True)
    response = login_shared(client, password)
    items = sessions(client, "/api/sessions/")
    assert sorted(i["kind"] for i in items.values()) == ["session", "token"]
    assert all(i["current"] for i in items.values())  # the jwt cookie and the session
    assert sid(client, "jwt") in items

    # the session alone (004's client) sees itself as current too
    session_only = browser(csrf=True)
    session_only.cookies["sessionid"] = client.cookies["sessionid"].value
    items = sessions(session_only, "/api/sessions/")
    current = [i for i in items.values() if i["current"]]
    assert [i["kind"] for i in current] == ["session"]
    assert response.json()["csrf_token"]


def test_revoking_a_session_signs_004s_browser_out(make_user: Any, password: str) -> None:
    make_user()
    client = browser(CHROME, csrf=True)
    login_shared(client, password)
    session_cookie = client.cookies["sessionid"].value
    del client.cookies["jwt"]  # 004's client: the session only
    assert client.get("/api/user/").status_code == 200

    other = browser()
    login_000(other, password)
    (session_item,) = [
        i for i in sessions(other, "/api/auth/sessions").values() if i["kind"] == "session"
    ]
    assert session_item["device"] == "Chrome 131.0 on Windows 10"
    response = other.delete(f"/api/auth/sessions/{session_item['id']}", **csrf_header(other))
    assert response.status_code == 204
    assert client.get("/api/user/").status_code in (401, 403)
    replay = APIClient()
    replay.cookies["sessionid"] = session_cookie
    assert replay.get("/api/user/").status_code in (401, 403)


def test_document_003_bearer_flow_unchanged_and_listed(make_user: Any, password: str) -> None:
    make_user(username="alice")
    client = APIClient()
    pair = client.post("/api/token/", {"username": "alice", "password": password})
    assert pair.status_code == 200
    tokens = pair.json()
    assert "fgp" not in RefreshToken(tokens["refresh"]).payload
    refreshed = client.post("/api/token/refresh/", {"refresh": tokens["refresh"]})
    assert refreshed.status_code == 200 and set(refreshed.json()) == {"access"}
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {refreshed.json()['access']}")
    assert client.get("/api/dashboard/").status_code == 200
    items = sessions(client, "/api/sessions/")
    (item,) = items.values()
    assert item["kind"] == "token" and item["current"] is True
    # A Bearer caller needs no CSRF token under /api/.
    strict = APIClient(enforce_csrf_checks=True)
    strict.credentials(HTTP_AUTHORIZATION=f"Bearer {refreshed.json()['access']}")
    assert strict.post("/api/sessions/revoke-others/").json() == {"revoked": 0}


# --- document 002 -----------------------------------------------------------------


def test_document_002_sessions_and_bound_refresh(make_user: Any, password: str) -> None:
    make_user()
    client = browser(csrf=True)
    response = login_002(client, password)
    assert FGP in response.cookies
    assert response.cookies["refresh_token"]["path"] == "/auth-api/"
    response = client.post("/auth-api/token/refresh/", **csrf_header(client))
    assert response.status_code == 200
    assert response.cookies["refresh_token"]["path"] == "/auth-api/"

    other = browser(CHROME, csrf=True)
    login_002(other, password)
    items = sessions(client, "/auth-api/sessions/")
    assert set(items) == {sid(client), sid(other)}
    assert items[sid(client)]["current"] and not items[sid(other)]["current"]

    # Every unsafe /auth-api/ request carries X-CSRFToken, Bearer ones included.
    bearer = APIClient(enforce_csrf_checks=True)
    bearer.credentials(HTTP_AUTHORIZATION=f"Bearer {client.cookies['access_token'].value}")
    response = bearer.delete(f"/auth-api/sessions/{sid(other)}/")
    assert response.status_code == 403 and response.json()["detail"].startswith("CSRF Failed")
    response = client.delete(f"/auth-api/sessions/{sid(other)}/", **csrf_header(client))
    assert response.status_code == 204
    assert other.post("/auth-api/token/refresh/", **csrf_header(other)).status_code == 401

    del client.cookies[FGP]
    response = client.post("/auth-api/token/refresh/", **csrf_header(client))
    assert response.status_code == 401


def test_document_002_staff_manage_a_users_sessions(make_user: Any, password: str) -> None:
    user = make_user()
    make_user(email="root@example.com", is_staff=True)
    staff = browser(csrf=True)
    login_002(staff, password, "root@example.com")
    alice = browser(csrf=True)
    login_002(alice, password)

    base = f"/auth-api/sessions/users/{user.pk}/"
    assert alice.get(base).status_code == 403
    items = sessions(staff, base)
    assert list(items) == [sid(alice)]
    response = staff.post(f"{base}revoke-all/", **csrf_header(staff))
    assert response.json() == {"revoked": 1}
    assert alice.get("/auth-api/sessions/").status_code == 401
    assert alice.post("/auth-api/token/refresh/", **csrf_header(alice)).status_code == 401
    assert staff.get("/auth-api/sessions/").status_code == 200


# --- the admin --------------------------------------------------------------------


def test_user_admin_shows_and_revokes_sessions(make_user: Any, password: str) -> None:
    user = make_user()
    admin = APIClient()
    admin.force_login(make_user(email="admin@example.com", is_staff=True, is_superuser=True))
    laptop = browser()
    login_000(laptop, password)

    page = admin.get(f"/admin/accounts/user/{user.pk}/change/")
    assert page.status_code == 200
    assert b"Firefox 128.0 on Ubuntu" in page.content and sid(laptop).encode() in page.content

    response = admin.post(
        "/admin/accounts/user/",
        {"action": "revoke_all_sessions", "_selected_action": [user.pk]},
        format="multipart",
    )
    assert response.status_code == 302
    assert laptop.get("/api/auth/me").status_code == 401
    page = admin.get(f"/admin/accounts/user/{user.pk}/change/")
    assert sid(laptop).encode() not in page.content


class _FormFields(HTMLParser):
    """The fields a browser would submit with the admin's change form."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.data.setdefault(name, []).append(a.get("value", ""))
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.data.setdefault(self._select, []).append(a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def test_user_admin_still_saves_with_the_sessions_inline(make_user: Any, password: str) -> None:
    user = make_user()
    admin = APIClient()
    admin.force_login(make_user(email="admin@example.com", is_staff=True, is_superuser=True))
    login_000(browser(), password)
    url = f"/admin/accounts/user/{user.pk}/change/"
    fields = _FormFields()
    fields.feed(admin.get(url).content.decode())
    assert "token_families-TOTAL_FORMS" in fields.data  # the read-only inline is there
    fields.data["full_name"] = ["Alice Liddell"]
    response = admin.post(url, fields.data, format="multipart")
    assert response.status_code == 302, response.content.decode()[:2000]
    user.refresh_from_db()
    assert user.full_name == "Alice Liddell"
    assert TokenFamily.objects.filter(user=user, revoked_at__isnull=True).count() == 1
