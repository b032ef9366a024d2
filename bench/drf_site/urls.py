"""``/me`` (the class PYAUTH_BENCH_AUTH selects) and ``/open``; with
PYAUTH_BENCH_VARIANTS=1 (the in-process run) also one URL per authentication class."""

from __future__ import annotations

import os

from django.urls import URLPattern, path

from drf_site import views

urlpatterns: list[URLPattern] = [
    path("me", views.Me.as_view()),
    path("open", views.Open.as_view()),
]

if os.environ.get("PYAUTH_BENCH_VARIANTS") == "1":
    from drf_site import variants

    urlpatterns += [
        path("floor", variants.NoWork.as_view()),
        path("pyauth/bearer", variants.PyauthBearer.as_view()),
        path("pyauth/cookie", variants.PyauthCookie.as_view()),
        path("simplejwt/default", variants.SimpleJWTDefault.as_view()),
        path("simplejwt/stateless", variants.SimpleJWTStateless.as_view()),
    ]
