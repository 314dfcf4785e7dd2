"""The account gate: a signed-in user whose password has expired changes it first; an approver
or administrator who must sign in with a second factor enrols or enters the code first.
Nothing else is served to them until then (the API answers 403 with the reason)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect

from jingzhun.accounts.passwords import password_expired

# Paths a user held at the gate may still reach.
OPEN_PREFIXES = ("/account/", "/logout/", "/login/", "/static/", "/i18n/", "/notices/")


def account_gate(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable:
    def middleware(request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or request.path.startswith(OPEN_PREFIXES):
            return get_response(request)
        if user.needs_second_factor and not user.is_verified():
            return _held(request, "second_factor", "请先完成第二重身份验证（动态验证码）。")
        if password_expired(user):
            return _held(request, "password_change", "密码已过期：请先修改密码。")
        return get_response(request)

    return middleware


def _held(request: HttpRequest, page: str, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=403)
    return redirect(page)
