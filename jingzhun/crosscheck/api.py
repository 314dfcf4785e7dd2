"""The push endpoint of department systems: ``POST /api/v1/crosscheck/batches/`` with
``Authorization: Feed <key>``. A key pushes records of its one dataset kind into its one area;
it is not a user, so no other endpoint accepts it and it reads nothing of the registry. The
answer says what was staged and compared: counts and refused rows, never registry data."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import authentication, exceptions, serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jingzhun.core.actions import Actor
from jingzhun.crosscheck import actions, intake
from jingzhun.crosscheck.kinds import get_kind
from jingzhun.crosscheck.loading import BatchRefused
from jingzhun.crosscheck.models import FeedToken

MAX_RECORDS = 50_000


class FeedKey:
    """The authenticated principal of a push: a department system, not a user."""

    is_authenticated = True

    def __init__(self, token: FeedToken) -> None:
        self.token = token


class FeedAuthentication(authentication.BaseAuthentication):
    keyword = "Feed"

    def authenticate(self, request: Request) -> tuple[FeedKey, FeedToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("令牌格式不正确：应为 Feed <令牌>。")
        try:
            key = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed("令牌格式不正确。") from None
        token = (
            FeedToken.objects.select_related("area")
            .filter(key_hash=actions.hash_key(key), revoked_at=None)
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed("推送令牌无效或已停用。")
        return FeedKey(token), token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class FeedScheme(OpenApiAuthenticationExtension):
    target_class = FeedAuthentication
    name = "feedAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Feed <部门推送令牌>（县级在“部门推送令牌”页生成）",
        }


class IsFeed(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.user, FeedKey)


class PushSerializer(serializers.Serializer):
    dataset = serializers.CharField(required=False, help_text="数据类型；须与令牌的一致")
    as_of = serializers.DateField(help_text="数据截止日期")
    records = serializers.ListField(
        child=serializers.DictField(), allow_empty=False, max_length=MAX_RECORDS
    )


class BatchPushView(APIView):
    authentication_classes = [FeedAuthentication]
    permission_classes = [IsFeed]

    @extend_schema(
        request=PushSerializer,
        responses={
            201: inline_serializer(
                "PushResult",
                {
                    "batch": serializers.IntegerField(),
                    "status": serializers.CharField(),
                    "new": serializers.BooleanField(),
                    "counts": serializers.DictField(),
                    "refusals": serializers.ListField(child=serializers.DictField()),
                },
            )
        },
    )
    def post(self, request: Request) -> Response:
        token: FeedToken = request.user.token  # type: ignore[union-attr]
        data = PushSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        wanted = data.validated_data.get("dataset", token.kind)
        if wanted != token.kind:
            raise exceptions.PermissionDenied(
                f"该令牌只能推送“{get_kind(token.kind).name}”（{token.kind}），不能推送“{wanted}”。"
            )
        as_of: dt.date = data.validated_data["as_of"]
        try:
            batch, new = intake.stage_pushed(
                feed=token, rows=data.validated_data["records"], as_of=as_of
            )
            if new:
                batch = actions.do_apply_batch(
                    batch, actor=Actor(None, "api", source_ref=f"feed:{token.prefix}")
                )
        except BatchRefused as refused:
            return Response(
                {"detail": refused.reason, "fix": refused.fix}, status=status.HTTP_400_BAD_REQUEST
            )
        except ValidationError as error:
            return Response({"detail": error.messages}, status=status.HTTP_400_BAD_REQUEST)
        return Response(
            {
                "batch": batch.pk,
                "status": batch.status,
                "new": new,
                "counts": batch.counts,
                "refusals": batch.refusals[:1000],
                "received_at": timezone.now().isoformat(),
            },
            status=status.HTTP_201_CREATED if new else status.HTTP_200_OK,
        )
