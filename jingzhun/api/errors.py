"""Map the action layer's exceptions to API responses (one place, no status dicts)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
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


@csrf_exempt  # it changes nothing; a token client's POST to a wrong URL must get this 404 too
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any other URL under /api/v1/ (``/households/-1/``, ``/households/abc/``): a 404 in JSON
    like the API's own, not the site's HTML page, which API clients cannot read."""
    return JsonResponse({"detail": "未找到。"}, status=404)
