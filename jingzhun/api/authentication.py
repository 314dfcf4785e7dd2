"""How API requests authenticate with a token (kept apart from the views: DRF reads this class
from its settings while importing its own view classes)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from jingzhun.accounts import tokens
from jingzhun.accounts.models import ApiToken


class HashedTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Token <token>``: the token's SHA-256 is looked up; expired, revoked
    or unknown tokens answer 401."""

    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("令牌格式不正确：应为 Token <令牌>。")
        try:
            key = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed("令牌格式不正确。") from None
        token = tokens.authenticate(key)
        if token is None:
            raise exceptions.AuthenticationFailed("令牌无效、已过期或已吊销：请重新获取。")
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class HashedTokenScheme(OpenApiAuthenticationExtension):
    target_class = HashedTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Token <令牌>（POST /api/v1/auth/token/ 获取）",
        }
