"""View helpers: turn the action layer's exceptions into the pages users see."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from jingzhun.core.actions import NotFound, PermissionDenied


def domain_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """NotFound → 404 (same as absent); PermissionDenied → 403 page with the reason."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            raise Http404("未找到该记录。") from None
        except PermissionDenied as error:
            return render(request, "403.html", {"reason": str(error)}, status=403)

    return wrapper
