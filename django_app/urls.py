"""django_app's URLs: the admin, and the API of documents 000 (``/api/auth/``),
001, 003, 004 (``/api/``) and 002 (``/auth-api/``), all served at once."""

from __future__ import annotations

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/auth/", include("django_app.accounts.urls.doc000")),
    path("api/", include("django_app.accounts.urls.shared")),
    path("api/", include("django_app.accounts.urls.doc003")),
    path("api/", include("django_app.accounts.urls.profile")),
    path("auth-api/", include("django_app.authapi.urls")),
    path("auth-api/", include("django_app.authapi_users.urls")),
]

if settings.DEBUG:  # uploaded profile images, in development only
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
