#!/usr/bin/env python
"""Django's command-line utility for django_app, the reference backend:
``.venv/bin/python manage.py migrate``, ``runserver``, ``createsuperuser``..."""

from __future__ import annotations

import os
import sys


def main() -> None:
    """Run a management command with django_app's settings (unless another is set)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "django_app.settings")
    try:
        from django.core.management import execute_from_command_line
    except ImportError as exc:
        raise ImportError(
            "Django is not importable: run `make build`, then use .venv/bin/python."
        ) from exc
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
