"""The endpoint: the caller's id, reading nothing but the pk (a token claim).

``Me`` authenticates with REST_FRAMEWORK's default class (PYAUTH_BENCH_AUTH), so a
server of this site imports only the library it serves; the in-process variants that
name their class are in variants.py."""

from __future__ import annotations

from typing import Any, ClassVar

from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView


class Me(APIView):
    """GET: ``{"id": <the user's pk>}``."""

    def get(self, request: Any) -> Response:
        return Response({"id": request.user.pk})


class Open(APIView):
    """The same view without authentication: the cost every other one is compared to."""

    authentication_classes: ClassVar[list[type]] = []
    permission_classes: ClassVar[list[type]] = [AllowAny]

    def get(self, request: Any) -> Response:
        return Response({"id": None})
