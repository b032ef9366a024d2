"""Small, bounded JSON calls to third parties (Google, GitHub, Facebook, reCAPTCHA) with
the standard library: every call has a timeout, a size cap and http(s) URLs only, and
every failure becomes :class:`ProviderUnavailable` (answered 503, never 500)."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings

#: The largest provider answer read (a JWK Set or a user object is a few KiB).
MAX_RESPONSE_BYTES = 1024 * 1024
USER_AGENT = "pyauth-django-app/1"


class ProviderUnavailable(Exception):
    """The provider could not be reached or answered something that is not JSON."""


@dataclass(frozen=True)
class JsonResponse:
    status: int
    data: Any
    headers: Mapping[str, str]


def _timeout() -> float:
    return float(getattr(settings, "SOCIAL_AUTH_TIMEOUT", 5.0))


def fetch_json(
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    form: Mapping[str, str] | None = None,
    json_body: Mapping[str, Any] | None = None,
    params: Mapping[str, str] | None = None,
) -> JsonResponse:
    """GET ``url`` (POST form-encoded ``form``, or POST ``json_body`` as JSON, when given)
    and parse its JSON answer.

    HTTP error statuses are returned, not raised: the caller knows what a provider's 401
    means. Raises :class:`ProviderUnavailable` on a network error, a timeout, an oversized
    or non-JSON body, or a URL that is not http(s)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ProviderUnavailable(f"not an http(s) URL: {url!r}")
    if params:
        query = urllib.parse.urlencode(params)
        url = f"{url}&{query}" if parts.query else f"{url}?{query}"
    extra: dict[str, str] = {}
    body: bytes | None = None
    if form is not None:
        body = urllib.parse.urlencode(form).encode("ascii")
    elif json_body is not None:
        body = json.dumps(dict(json_body)).encode("utf-8")
        extra["Content-Type"] = "application/json"
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        url,
        data=body,
        headers={
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
            **extra,
            **(headers or {}),
        },
        method="POST" if body is not None else "GET",
    )
    try:
        with urllib.request.urlopen(request, timeout=_timeout()) as response:  # noqa: S310
            status = response.status
            raw = response.read(MAX_RESPONSE_BYTES + 1)
            response_headers = dict(response.headers.items())
    except urllib.error.HTTPError as exc:
        status = exc.code
        try:
            raw = exc.read(MAX_RESPONSE_BYTES + 1)
        except OSError:
            raw = b""
        response_headers = dict(exc.headers.items()) if exc.headers else {}
        exc.close()
    except (urllib.error.URLError, OSError, ValueError) as exc:  # timeouts are OSErrors
        raise ProviderUnavailable(f"{parts.netloc}: {exc}") from exc
    if len(raw) > MAX_RESPONSE_BYTES:
        raise ProviderUnavailable(f"{parts.netloc}: answer larger than {MAX_RESPONSE_BYTES}")
    try:
        data = json.loads(raw) if raw else None
    except ValueError as exc:
        if status >= 400:  # an error page that is not JSON: the status says enough
            data = None
        else:
            raise ProviderUnavailable(f"{parts.netloc}: answer is not JSON") from exc
    return JsonResponse(status=status, data=data, headers=response_headers)
