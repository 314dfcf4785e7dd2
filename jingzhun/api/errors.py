"""Map the action layer's exceptions to API responses (one place, no status dicts)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from jingzhun.core.actions import ConcurrentEditError, NotFound, PermissionDenied


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, NotFound):
        return Response({"detail": "未找到。"}, status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, PermissionDenied):
        return Response({"detail": str(exc)}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, ConcurrentEditError):
        return Response(
            {
                "detail": str(exc),
                "changed_by": exc.changed_by,
                "changes": {k: {"seen": v[0], "now": v[1]} for k, v in exc.changes.items()},
            },
            status=status.HTTP_409_CONFLICT,
        )
    return drf_exception_handler(exc, context)
