"""Routes of the enrollment endpoints (:mod:`pyauth.mfa.views`).

``include("pyauth.mfa.urls")`` serves them with trailing slashes (``status/``,
``setup/``, ``qr/``, ``confirm/``, ``disable/``, ``recovery-codes/``) and DRF's default
authentication. :func:`urlpatterns_for` builds them otherwise::

    path("api/auth/2fa/", include((urlpatterns_for(trailing_slash=False,
        authentication_classes=[...]), "pyauth_mfa"), namespace="mfa"))
"""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, path

from pyauth.mfa import views

__all__ = ["app_name", "urlpatterns", "urlpatterns_for"]

app_name = "pyauth_mfa"

_ROUTES: tuple[tuple[str, type[views.MFABaseView]], ...] = (
    ("status", views.StatusView),
    ("setup", views.SetupView),
    ("qr", views.QRCodeView),
    ("confirm", views.ConfirmView),
    ("disable", views.DisableView),
    ("recovery-codes", views.RecoveryCodesView),
)


def urlpatterns_for(*, trailing_slash: bool = True, **view_options: Any) -> list[URLPattern]:
    """The six routes, named as above, each view built with ``view_options`` (class
    attributes such as ``authentication_classes``, ``permission_classes`` or
    ``csrf_on_every_unsafe_request``)."""
    slash = "/" if trailing_slash else ""
    return [
        path(f"{name}{slash}", view.as_view(**view_options), name=name) for name, view in _ROUTES
    ]


urlpatterns = urlpatterns_for()
