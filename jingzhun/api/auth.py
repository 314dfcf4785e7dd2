"""Token sign-in for API clients, guarded by django-axes like the sign-in page, and the
authentication of API requests by those tokens (stored hashed: jingzhun.accounts.tokens).

DRF's serializer calls ``django.contrib.auth.authenticate(request=..., ...)``, so axes' backend
sees the request, counts each failure against the user name and address and refuses a
locked-out user even with the right password. Axes flags the lockout on the request object it
was given (DRF's ``Request``, not the ``HttpRequest`` its middleware looks at), so this view
answers the lockout itself rather than with a generic "wrong credentials". A user who signs in
with a second factor (approvers and administrators in production) gives the current TOTP code
as ``otp``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django_otp import match_token
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jingzhun.accounts import tokens
from jingzhun.accounts.models import ApiToken
from jingzhun.accounts.passwords import password_expired
from jingzhun.core.actions import Actor


def lockout_message() -> str:
    minutes = round(float(settings.AXES_COOLOFF_TIME) * 60)
    return f"登录失败次数过多，账户已被锁定，请{minutes}分钟后再试或联系管理员解锁。"


EXPIRED_MESSAGE = "密码已过期：请先在网页“修改密码”后再获取令牌。"
OTP_MISSING = "请填写动态验证码（身份验证器中的6位数字）。"


class TokenRequest(AuthTokenSerializer):
    otp = serializers.CharField(
        required=False, allow_blank=True, help_text="需要第二重验证的角色：动态验证码（6位）"
    )
    name = serializers.CharField(required=False, allow_blank=True, max_length=64)


class ObtainTokenView(APIView):
    """POST ``username`` and ``password`` (and ``otp`` where a second factor is required);
    returns ``{"token": "...", "expires_at": "..."}``. Send it as ``Authorization: Token
    <token>``. The token is shown only here: the system keeps its hash."""

    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []
    serializer_class = TokenRequest

    @extend_schema(
        tags=["auth"],
        request=TokenRequest,
        responses={
            200: inline_serializer(
                "TokenResponse",
                {"token": serializers.CharField(), "expires_at": serializers.DateTimeField()},
            ),
            400: OpenApiResponse(description="用户名、密码或动态验证码不正确"),
            429: OpenApiResponse(description="登录失败次数过多，已锁定"),
        },
        auth=[],
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        parsed = TokenRequest(data=request.data, context={"request": request})
        if not parsed.is_valid():
            if getattr(request, "axes_locked_out", False):
                return Response(
                    {"detail": lockout_message()}, status=status.HTTP_429_TOO_MANY_REQUESTS
                )
            raise serializers.ValidationError(parsed.errors)
        user = parsed.validated_data["user"]
        if password_expired(user):
            return Response({"detail": EXPIRED_MESSAGE}, status=status.HTTP_403_FORBIDDEN)
        code = (parsed.validated_data.get("otp") or "").strip()
        # No code is no attempt: only a wrong code counts against the device's throttle.
        if user.needs_second_factor and (not code or match_token(user, code) is None):
            raise serializers.ValidationError(
                {"otp": ["请填写动态验证码（身份验证器中的6位数字）。"]}
            )
        # A token grant is a sign-in: axes resets the user's failure count (AXES_RESET_ON_SUCCESS)
        # and Django records last_login, as for the sign-in page.
        user_logged_in.send(sender=type(user), request=request, user=user)
        ip = Actor.from_request(request, source="api").ip
        token, key = tokens.do_issue_token(
            actor=Actor(user=user, source="api", ip=ip),
            name=parsed.validated_data.get("name") or "接口",
        )
        return Response({"token": key, "expires_at": token.expires_at})


class TokenInfoSerializer(serializers.ModelSerializer):
    active = serializers.BooleanField(source="is_active", read_only=True)

    class Meta:
        model = ApiToken
        fields = (
            "id",
            "prefix",
            "name",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
            "revoked_reason",
            "active",
        )
        read_only_fields = fields


class TokenListView(generics.ListAPIView):
    """The signed-in user's own tokens (never the token itself: it is stored hashed)."""

    serializer_class = TokenInfoSerializer
    pagination_class = None

    def get_queryset(self) -> Any:
        return ApiToken.objects.filter(user=self.request.user).order_by("-created_at", "-id")


class TokenRevokeView(APIView):
    """DELETE revokes one of the user's own tokens (another user's token answers 404)."""

    @extend_schema(tags=["auth"], responses={204: None, 404: None})
    def delete(self, request: Request, token_id: int) -> Response:
        tokens.do_revoke_token(token_id, actor=Actor.from_request(request, source="api"))
        return Response(status=status.HTTP_204_NO_CONTENT)
