"""WSGI entry point of django_app (``gunicorn django_app.wsgi``)."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "django_app.settings")

application = get_wsgi_application()
