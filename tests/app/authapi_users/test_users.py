"""/auth-api/users/: registration, the admin's list, self-or-admin reads and edits,
roles (no escalation), activation, deactivation (revoking every session), deletion of
deactivated accounts only, and profile image uploads."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient

from pyauth.lifecycle import services as lifecycle

pytestmark = pytest.mark.django_db

User = get_user_model()
SignedIn = Callable[[Any], APIClient]


def png(size: tuple[int, int] = (8, 8)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (20, 120, 200)).save(buffer, format="PNG")
    return SimpleUploadedFile("me.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def alice(make_user: Any) -> Any:
    return make_user(email="alice@example.com", full_name="Alice")


@pytest.fixture
def bob(make_user: Any) -> Any:
    return make_user(email="bob@example.com")


@pytest.fixture
def admin(make_user: Any) -> Any:
    return make_user(email="admin@example.com", is_staff=True)


@pytest.fixture
def root(make_user: Any) -> Any:
    return make_user(email="root@example.com", is_staff=True, is_superuser=True)


# --- create ------------------------------------------------------------------------------


def test_register_creates_a_user_and_mails_a_verification_link(
    api: APIClient, password: str
) -> None:
    response = api.post(
        "/auth-api/users/",
        {"email": "New@Example.com", "password": password, "full_name": "New Person"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["email"] == "new@example.com"
    assert body["role"] == "user"
    assert body["email_verified"] is False
    assert body["phone_verified"] is False
    assert body["is_active"] is True
    assert "password" not in body
    user = User.objects.get(email="new@example.com")
    assert user.check_password(password)
    assert not user.is_staff and not user.is_superuser
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new@example.com"]
    assert "verify-email" in mail.outbox[0].body
    # No tokens: the user signs in through login/ and the OTP.
    assert "access_token" not in response.cookies


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "x@example.com", "password": "password"}, "password"),
        ({"email": "x@example.com", "password": "12345678901"}, "password"),
        ({"email": "not-an-email", "password": "Quiet-harbour-lantern-72"}, "email"),
        ({"password": "Quiet-harbour-lantern-72"}, "email"),
        ({"email": "x@example.com"}, "password"),
    ],
)
def test_register_validates(api: APIClient, payload: dict[str, str], field: str) -> None:
    response = api.post("/auth-api/users/", payload)
    assert response.status_code == 400
    assert field in response.json()
    assert not mail.outbox


def test_register_refuses_a_taken_email(api: APIClient, alice: Any, password: str) -> None:
    response = api.post("/auth-api/users/", {"email": "ALICE@example.com", "password": password})
    assert response.status_code == 400
    assert "email" in response.json()


def test_register_cannot_choose_a_role(api: APIClient, password: str) -> None:
    response = api.post(
        "/auth-api/users/",
        {"email": "x@example.com", "password": password, "role": "superuser", "is_staff": True},
    )
    assert response.status_code == 201
    assert response.json()["role"] == "user"
    assert not User.objects.get(email="x@example.com").is_staff


def test_closed_registration(
    api: APIClient, settings: Any, signed_in: SignedIn, admin: Any, password: str
) -> None:
    settings.AUTH_API_OPEN_REGISTRATION = False
    response = api.post("/auth-api/users/", {"email": "x@example.com", "password": password})
    assert response.status_code == 401
    response = signed_in(admin).post(
        "/auth-api/users/", {"email": "x@example.com", "password": password}
    )
    assert response.status_code == 201


def test_register_needs_the_csrf_token(password: str, csrf_client: APIClient) -> None:
    bare = APIClient(enforce_csrf_checks=True)
    response = bare.post("/auth-api/users/", {"email": "x@example.com", "password": password})
    assert response.status_code == 403
    assert response.json()["detail"].startswith("CSRF Failed")
    response = csrf_client.post(
        "/auth-api/users/", {"email": "x@example.com", "password": password}
    )
    assert response.status_code == 201, response.content


def test_register_is_rate_limited(api: APIClient, settings: Any, password: str) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "auth_register": "2/hour",
        },
    }
    for n in range(2):
        response = api.post(
            "/auth-api/users/", {"email": f"u{n}@example.com", "password": password}
        )
        assert response.status_code == 201
    response = api.post("/auth-api/users/", {"email": "u9@example.com", "password": password})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert not User.objects.filter(email="u9@example.com").exists()


# --- list and read -----------------------------------------------------------------------


def test_list_is_for_admins(
    api: APIClient, signed_in: SignedIn, alice: Any, admin: Any, root: Any, settings: Any
) -> None:
    assert api.get("/auth-api/users/").status_code == 401
    assert signed_in(alice).get("/auth-api/users/").status_code == 403
    settings.AUTH_API_USERS_PAGE_SIZE = 2
    for who in (admin, root):
        response = signed_in(who).get("/auth-api/users/")
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"count", "next", "previous", "results"}
        assert body["count"] == 3
        assert body["previous"] is None
        assert body["next"].endswith("/auth-api/users/?page=2")
        assert [u["email"] for u in body["results"]] == [alice.email, admin.email]
        page2 = signed_in(who).get(body["next"]).json()
        assert [u["role"] for u in page2["results"]] == ["superuser"]


def test_read_self_or_admin(
    signed_in: SignedIn, alice: Any, bob: Any, admin: Any, api: APIClient
) -> None:
    response = signed_in(alice).get(f"/auth-api/users/{alice.pk}/")
    assert response.status_code == 200
    assert response.json() == {
        "id": alice.pk,
        "email": "alice@example.com",
        "username": "",
        "full_name": "Alice",
        "role": "user",
        "is_active": True,
        "email_verified": False,
        "phone_verified": False,
        "image": None,
        "bio": "",
        "phone": "",
        "date_joined": response.json()["date_joined"],
    }
    # Someone else's account is not there for a plain user.
    assert signed_in(bob).get(f"/auth-api/users/{alice.pk}/").status_code == 404
    assert signed_in(admin).get(f"/auth-api/users/{alice.pk}/").status_code == 200
    assert api.get(f"/auth-api/users/{alice.pk}/").status_code == 401


# --- update and roles --------------------------------------------------------------------


def test_patch_self(signed_in: SignedIn, alice: Any) -> None:
    alice.phone_verified = True
    alice.email_verified = True
    alice.save()
    client = signed_in(alice)
    response = client.patch(
        f"/auth-api/users/{alice.pk}/",
        {"full_name": "Alice L.", "bio": "Hi", "phone": "+44 20 7946 0000", "username": "al"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["full_name"], body["bio"], body["phone"], body["username"]) == (
        "Alice L.",
        "Hi",
        "+44 20 7946 0000",
        "al",
    )
    assert body["phone_verified"] is False  # a new number is verified again
    assert body["email_verified"] is True
    assert not mail.outbox

    response = client.patch(f"/auth-api/users/{alice.pk}/", {"email": "alice2@example.com"})
    assert response.status_code == 200
    assert response.json()["email_verified"] is False
    assert mail.outbox[-1].to == ["alice2@example.com"]


def test_patch_validates(signed_in: SignedIn, alice: Any, bob: Any) -> None:
    client = signed_in(alice)
    assert client.patch(f"/auth-api/users/{alice.pk}/", {"phone": "call me"}).status_code == 400
    response = client.patch(f"/auth-api/users/{alice.pk}/", {"email": "BOB@example.com"})
    assert response.status_code == 400
    assert "email" in response.json()


def test_plain_user_cannot_edit_others_or_raise_their_role(
    signed_in: SignedIn, alice: Any, bob: Any
) -> None:
    client = signed_in(alice)
    assert client.patch(f"/auth-api/users/{bob.pk}/", {"full_name": "x"}).status_code == 404
    for role in ("admin", "superuser"):
        response = client.patch(f"/auth-api/users/{alice.pk}/", {"role": role})
        assert response.status_code == 400
        assert "role" in response.json()
    alice.refresh_from_db()
    assert not alice.is_staff and not alice.is_superuser
    # Sending one's own role is a no-op, not an error.
    assert client.patch(f"/auth-api/users/{alice.pk}/", {"role": "user"}).status_code == 200


def test_admin_grants_up_to_admin(signed_in: SignedIn, admin: Any, alice: Any) -> None:
    client = signed_in(admin)
    response = client.patch(f"/auth-api/users/{alice.pk}/", {"role": "superuser"})
    assert response.status_code == 400
    alice.refresh_from_db()
    assert not alice.is_superuser
    response = client.patch(f"/auth-api/users/{alice.pk}/", {"role": "admin"})
    assert response.status_code == 200
    assert response.json()["role"] == "admin"
    alice.refresh_from_db()
    assert alice.is_staff and not alice.is_superuser
    response = client.patch(f"/auth-api/users/{alice.pk}/", {"role": "user"})
    assert response.json()["role"] == "user"


def test_admin_cannot_touch_a_superuser(signed_in: SignedIn, admin: Any, root: Any) -> None:
    client = signed_in(admin)
    assert client.get(f"/auth-api/users/{root.pk}/").status_code == 200
    for method, url, data in [
        ("patch", f"/auth-api/users/{root.pk}/", {"role": "user"}),
        ("patch", f"/auth-api/users/{root.pk}/", {"full_name": "Pwned"}),
        ("post", f"/auth-api/users/{root.pk}/deactivate/", {}),
        ("post", f"/auth-api/users/{root.pk}/activate/", {}),
        ("delete", f"/auth-api/users/{root.pk}/", None),
    ]:
        response = getattr(client, method)(url, data)
        assert response.status_code == 403, (method, url)
    root.refresh_from_db()
    assert root.is_superuser and root.is_active and root.full_name == ""


def test_nobody_changes_their_own_role(signed_in: SignedIn, admin: Any, root: Any) -> None:
    response = signed_in(admin).patch(f"/auth-api/users/{admin.pk}/", {"role": "user"})
    assert response.status_code == 400
    response = signed_in(root).patch(f"/auth-api/users/{root.pk}/", {"role": "admin"})
    assert response.status_code == 400


def test_superuser_grants_superuser(signed_in: SignedIn, root: Any, admin: Any) -> None:
    response = signed_in(root).patch(f"/auth-api/users/{admin.pk}/", {"role": "superuser"})
    assert response.status_code == 200
    assert response.json()["role"] == "superuser"


# --- activate, deactivate, delete -----------------------------------------------------


def test_deactivate_self_revokes_every_session(
    signed_in: SignedIn, alice: Any, password: str
) -> None:
    refresh, _access = lifecycle.issue(alice)
    browser = APIClient()
    assert browser.login(username=alice.email, password=password)
    assert Session.objects.count() == 1
    client = signed_in(alice)
    response = client.post(f"/auth-api/users/{alice.pk}/deactivate/")
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert response.cookies["access_token"]["max-age"] == 0  # cookies cleared
    alice.refresh_from_db()
    assert alice.is_active is False
    assert lifecycle.is_revoked(refresh["sid"])
    assert Session.objects.count() == 0
    # The access token it used is refused now.
    assert client.get(f"/auth-api/users/{alice.pk}/").status_code == 401


def test_plain_user_cannot_deactivate_or_activate_others(
    signed_in: SignedIn, alice: Any, bob: Any
) -> None:
    assert signed_in(alice).post(f"/auth-api/users/{bob.pk}/deactivate/").status_code == 404
    assert signed_in(alice).post(f"/auth-api/users/{alice.pk}/activate/").status_code == 403
    bob.refresh_from_db()
    assert bob.is_active


def test_admin_deactivates_activates_and_deletes(
    signed_in: SignedIn, admin: Any, alice: Any
) -> None:
    client = signed_in(admin)
    response = client.delete(f"/auth-api/users/{alice.pk}/")
    assert response.status_code == 409  # still active
    assert User.objects.filter(pk=alice.pk).exists()

    assert client.post(f"/auth-api/users/{alice.pk}/deactivate/").json()["is_active"] is False
    assert client.post(f"/auth-api/users/{alice.pk}/activate/").json()["is_active"] is True
    client.post(f"/auth-api/users/{alice.pk}/deactivate/")
    response = client.delete(f"/auth-api/users/{alice.pk}/")
    assert response.status_code == 204
    assert not User.objects.filter(pk=alice.pk).exists()
    assert client.delete(f"/auth-api/users/{alice.pk}/").status_code == 404


def test_plain_user_cannot_delete_themselves(signed_in: SignedIn, alice: Any) -> None:
    assert signed_in(alice).delete(f"/auth-api/users/{alice.pk}/").status_code == 403


# --- images --------------------------------------------------------------------------------


def test_upload_image(signed_in: SignedIn, alice: Any, settings: Any) -> None:
    client = signed_in(alice)
    url = f"/auth-api/users/{alice.pk}/upload_image/"
    response = client.patch(url, {"image": png()}, format="multipart")
    assert response.status_code == 200, response.content
    image = response.json()["image"]
    assert image.startswith("http://testserver/media/user_images/")
    stored = settings.MEDIA_ROOT / image.removeprefix("http://testserver/media/")
    assert stored.is_file()
    response = client.patch(url, {"image": png()}, format="multipart")
    assert response.status_code == 200
    assert not stored.exists()  # replaced


def test_upload_refuses_non_images_and_large_files(
    signed_in: SignedIn, alice: Any, settings: Any
) -> None:
    client = signed_in(alice)
    url = f"/auth-api/users/{alice.pk}/upload_image/"
    fake = SimpleUploadedFile("me.png", b"<?php echo 1; ?>", content_type="image/png")
    response = client.patch(url, {"image": fake}, format="multipart")
    assert response.status_code == 400
    assert "image" in response.json()
    settings.PROFILE_IMAGE_MAX_BYTES = 100
    response = client.patch(url, {"image": png((64, 64))}, format="multipart")
    assert response.status_code == 400
    assert "image" in response.json()
    # JSON is not an upload.
    assert client.patch(url, {"image": "x"}).status_code == 415
    alice.profile.refresh_from_db()
    assert alice.profile.image.name == "default.jpg"


def test_upload_for_others(signed_in: SignedIn, alice: Any, bob: Any, admin: Any) -> None:
    url = f"/auth-api/users/{alice.pk}/upload_image/"
    assert signed_in(bob).patch(url, {"image": png()}, format="multipart").status_code == 404
    response = signed_in(admin).patch(url, {"image": png()}, format="multipart")
    assert response.status_code == 200
