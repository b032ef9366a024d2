"""The caller's profile (/api/profile/, /api/profile/image/), whichever way they logged in;
the multipart image upload is the one place a form body is accepted."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def png(size: tuple[int, int] = (8, 8)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile("me.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def bearer_api(api: APIClient, make_user: Any, password: str) -> APIClient:
    make_user(username="admin")
    response = api.post("/api/token/", {"username": "admin", "password": password})
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    return api


def test_get_and_patch(bearer_api: APIClient) -> None:
    response = bearer_api.get("/api/profile/")
    assert response.status_code == 200
    assert response.json() == {
        "bio": "",
        "image": "http://testserver/media/default.jpg",
        "phone": "",
        "verified": False,
    }
    response = bearer_api.patch(
        "/api/profile/", {"bio": "Hello", "phone": "+44 20 7946 0000", "verified": True}
    )
    assert response.status_code == 200
    assert response.json()["bio"] == "Hello"
    assert response.json()["phone"] == "+44 20 7946 0000"
    assert response.json()["verified"] is False  # not the owner's to set


def test_bad_phone(bearer_api: APIClient) -> None:
    response = bearer_api.patch("/api/profile/", {"phone": "call me"})
    assert response.status_code == 400
    assert "phone" in response.json()


def test_anonymous(api: APIClient) -> None:
    assert api.get("/api/profile/").status_code == 401


def test_image_upload(bearer_api: APIClient, settings: Any) -> None:
    response = bearer_api.put("/api/profile/image/", {"image": png()}, format="multipart")
    assert response.status_code == 200, response.content
    url = response.json()["image"]
    assert url.startswith("http://testserver/media/user_images/")
    stored = settings.MEDIA_ROOT / url.removeprefix("http://testserver/media/")
    assert stored.is_file()

    # A second upload replaces the first file.
    response = bearer_api.put("/api/profile/image/", {"image": png()}, format="multipart")
    assert response.status_code == 200
    assert not stored.exists()


def test_image_upload_refuses_non_images(bearer_api: APIClient) -> None:
    fake = SimpleUploadedFile("me.png", b"not an image", content_type="image/png")
    response = bearer_api.put("/api/profile/image/", {"image": fake}, format="multipart")
    assert response.status_code == 400
    assert "image" in response.json()


def test_image_upload_refuses_large_files(bearer_api: APIClient, settings: Any) -> None:
    settings.PROFILE_IMAGE_MAX_BYTES = 10
    response = bearer_api.put("/api/profile/image/", {"image": png()}, format="multipart")
    assert response.status_code == 400


def test_image_upload_takes_multipart_only(bearer_api: APIClient) -> None:
    response = bearer_api.put("/api/profile/image/", {"image": "x"})
    assert response.status_code == 415
