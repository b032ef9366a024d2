"""django_app's URLs: the admin, and the API of documents 000 (``/api/auth/``),
001, 003, 004 (``/api/``) and 002 (``/auth-api/``), all served at once."""

from __future__ import annotations

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from django_app.accounts.views.profile import ANY_LOGIN
from django_app.authapi.authentication import AUTH_API_AUTHENTICATION
from django_app.openapi.views import SchemaView, SwaggerView
from pyauth.lifecycle.urls import session_urlpatterns
from pyauth.mfa.urls import urlpatterns_for as mfa_urlpatterns

# Two-factor enrollment (pyauth.mfa) under each prefix, signed in as its documents are:
# /api/auth/2fa/<name> (000's style, no trailing slash) takes any /api/ login;
# /auth-api/2fa/<name>/ takes 002's cookie or Bearer, with CSRF on every unsafe request.
_MFA_API = mfa_urlpatterns(trailing_slash=False, authentication_classes=ANY_LOGIN)
_MFA_AUTH_API = mfa_urlpatterns(
    authentication_classes=AUTH_API_AUTHENTICATION, csrf_on_every_unsafe_request=True
)

# Sessions and devices (pyauth.lifecycle): /api/auth/sessions (000's style) and
# /api/sessions/ (001, 003, 004) take any /api/ login; /auth-api/sessions/ takes 002's
# cookie or Bearer, with CSRF on every unsafe request.
_SESSIONS_000 = session_urlpatterns(trailing_slash=False, authentication_classes=ANY_LOGIN)
_SESSIONS_API = session_urlpatterns(authentication_classes=ANY_LOGIN)
_SESSIONS_AUTH_API = session_urlpatterns(
    authentication_classes=AUTH_API_AUTHENTICATION, csrf_on_every_unsafe_request=True
)

urlpatterns = [
    path("admin/", admin.site.urls),
    # The public keys of the access tokens (pyauth.keys): /.well-known/jwks.json.
    path("", include("pyauth.keys.urls")),
    path("api/auth/", include("django_app.accounts.urls.doc000")),
    path("api/", include("django_app.accounts.urls.shared")),
    path("api/", include("django_app.accounts.urls.doc003")),
    path("api/", include("django_app.accounts.urls.profile")),
    path("auth-api/", include("django_app.authapi.urls")),
    path("auth-api/", include("django_app.authapi_users.urls")),
    path("api/auth/2fa/", include((_MFA_API, "pyauth_mfa"), namespace="mfa-api")),
    path("auth-api/2fa/", include((_MFA_AUTH_API, "pyauth_mfa"), namespace="mfa-auth-api")),
    path("api/auth/", include((_SESSIONS_000, "pyauth_sessions"), namespace="sessions-000")),
    path("api/", include((_SESSIONS_API, "pyauth_sessions"), namespace="sessions-api")),
    path(
        "auth-api/",
        include((_SESSIONS_AUTH_API, "pyauth_sessions"), namespace="sessions-auth-api"),
    ),
    # The OpenAPI schema (YAML; ?format=json) and Swagger UI on it (django_app.openapi).
    path("api/schema/", SchemaView.as_view(), name="schema"),
    path("api/docs/", SwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    # The demo page (django_app.demo): sign up, sign in, 2FA and sessions in a browser.
    path("demo/", include("django_app.demo.urls")),
]

# JSON for Django's own error answers (django_app.errors): 503 for an unreachable database.
handler400 = "django_app.errors.bad_request"
handler404 = "django_app.errors.page_not_found"
handler500 = "django_app.errors.server_error"

if settings.DEBUG:  # uploaded profile images, in development only
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
