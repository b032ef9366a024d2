"""The demo page's route, included at ``/demo/``."""

from __future__ import annotations

from django.urls import path

from django_app.demo.views import DemoView

app_name = "demo"

urlpatterns = [path("", DemoView.as_view(), name="index")]
