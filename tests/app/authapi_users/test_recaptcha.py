"""/auth-api/recaptcha-verify/ against a siteverify served on 127.0.0.1 in Google's format:
POST form-encoded secret/response/remoteip -> {"success", "challenge_ts", "hostname"} or
{"success": false, "error-codes": [...]}."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

import pytest
from pytest_httpserver import HTTPServer
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

SITEVERIFY = "/recaptcha/api/siteverify"
SECRET = "6LeIxAcTAAAAAGG-vFI1TnRWxMZNFuojJ4WifJWe"


@pytest.fixture
def siteverify(settings: Any, provider_urls: HTTPServer) -> HTTPServer:
    settings.RECAPTCHA_SECRET = SECRET
    return provider_urls


def test_valid_token(api: APIClient, siteverify: HTTPServer) -> None:
    siteverify.expect_oneshot_request(
        SITEVERIFY,
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    ).respond_with_json(
        {"success": True, "challenge_ts": "2026-11-21T13:30:00Z", "hostname": "localhost"}
    )
    response = api.post("/auth-api/recaptcha-verify/", {"token": "03AFcWeA6-widget-token"})
    assert response.status_code == 200
    assert response.json() == {"success": True}
    request, _response = siteverify.log[0]
    form = parse_qs(request.get_data(as_text=True))
    assert form == {
        "secret": [SECRET],
        "response": ["03AFcWeA6-widget-token"],
        "remoteip": ["127.0.0.1"],
    }
    siteverify.check_assertions()


def test_refused_token(api: APIClient, siteverify: HTTPServer) -> None:
    siteverify.expect_request(SITEVERIFY, method="POST").respond_with_data(
        json.dumps({"success": False, "error-codes": ["invalid-input-response"]}),
        content_type="application/json; charset=utf-8",
    )
    response = api.post("/auth-api/recaptcha-verify/", {"token": "forged"})
    assert response.status_code == 200
    assert response.json() == {"success": False, "error_codes": ["invalid-input-response"]}


def test_success_must_be_true_not_truthy(api: APIClient, siteverify: HTTPServer) -> None:
    siteverify.expect_request(SITEVERIFY, method="POST").respond_with_json({"success": "yes"})
    assert api.post("/auth-api/recaptcha-verify/", {"token": "t"}).json()["success"] is False


def test_without_a_secret(api: APIClient, settings: Any, provider_urls: HTTPServer) -> None:
    settings.RECAPTCHA_SECRET = ""
    response = api.post("/auth-api/recaptcha-verify/", {"token": "t"})
    assert response.status_code == 503
    assert response.json()["success"] is False
    assert "not configured" in response.json()["detail"]
    assert not provider_urls.log  # Google was not asked


@pytest.mark.parametrize("status", [500, 502])
def test_siteverify_down(api: APIClient, siteverify: HTTPServer, status: int) -> None:
    siteverify.expect_request(SITEVERIFY).respond_with_data("<html>oops</html>", status=status)
    response = api.post("/auth-api/recaptcha-verify/", {"token": "t"})
    assert response.status_code == 503
    assert response.json()["success"] is False


def test_siteverify_unreachable(api: APIClient, settings: Any) -> None:
    settings.RECAPTCHA_SECRET = SECRET
    settings.RECAPTCHA_VERIFY_URL = "http://127.0.0.1:9/recaptcha/api/siteverify"
    response = api.post("/auth-api/recaptcha-verify/", {"token": "t"})
    assert response.status_code == 503


def test_needs_a_token_and_csrf(api: APIClient, siteverify: HTTPServer) -> None:
    assert api.post("/auth-api/recaptcha-verify/", {}).status_code == 400
    bare = APIClient(enforce_csrf_checks=True)
    response = bare.post("/auth-api/recaptcha-verify/", {"token": "t"})
    assert response.status_code == 403
    assert not siteverify.log
