"""Token sign-in for API clients, guarded by django-axes like the sign-in page.

DRF's serializer calls ``django.contrib.auth.authenticate(request=..., ...)``, so axes' backend
sees the request, counts each failure against the user name and refuses a locked-out user even
with the right password. Axes flags the lockout on the request object it was given (DRF's
``Request``, not the ``HttpRequest`` its middleware looks at), so this view answers the lockout
itself rather than with a generic "wrong credentials".
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request
from rest_framework.response import Response


def lockout_message() -> str:
    minutes = round(float(settings.AXES_COOLOFF_TIME) * 60)
    return f"登录失败次数过多，账户已被锁定，请{minutes}分钟后再试或联系管理员解锁。"


class ObtainTokenView(ObtainAuthToken):
    """POST ``username`` and ``password``; returns ``{"token": "..."}``. Send it as
    ``Authorization: Token <token>``."""

    @extend_schema(
        tags=["auth"],
        request=AuthTokenSerializer,
        responses={
            200: inline_serializer("TokenResponse", {"token": serializers.CharField()}),
            400: None,
            429: None,
        },
        auth=[],
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        parsed = self.get_serializer(data=request.data)
        if not parsed.is_valid():
            if getattr(request, "axes_locked_out", False):
                return Response(
                    {"detail": lockout_message()}, status=status.HTTP_429_TOO_MANY_REQUESTS
                )
            raise serializers.ValidationError(parsed.errors)
        user = parsed.validated_data["user"]
        # A token grant is a sign-in: axes resets the user's failure count (AXES_RESET_ON_SUCCESS)
        # and Django records last_login, as for the sign-in page.
        user_logged_in.send(sender=type(user), request=request, user=user)
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
