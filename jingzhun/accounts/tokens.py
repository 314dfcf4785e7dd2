"""API tokens: issued, checked, listed and revoked here and nowhere else.

A token is 43 random URL-safe characters shown to its owner once; the database keeps only its
SHA-256 (``ApiToken.key_hash``) and its first eight characters to tell tokens apart in a list.
A token expires after ``settings.JINGZHUN_TOKEN_DAYS`` days and is revoked when its owner signs
out of the web pages, changes their password, or revokes it on the tokens page or the API.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from jingzhun.accounts.models import ApiToken
from jingzhun.audit import recorder
from jingzhun.core.actions import Actor, NotFound, jsonable

if TYPE_CHECKING:
    from jingzhun.accounts.models import User

# Writing last_used_at on every request would make every API read a write: once a minute.
TOUCH_SECONDS = 60


def lifetime() -> dt.timedelta:
    return dt.timedelta(days=int(getattr(settings, "JINGZHUN_TOKEN_DAYS", 30)))


@transaction.atomic
def do_issue_token(*, actor: Actor, name: str = "") -> tuple[ApiToken, str]:
    """A new token for ``actor.user``; returns the stored row and the token (shown once)."""
    user = actor.user
    assert user is not None
    key = ApiToken.new_key()
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        key_hash=ApiToken.digest(key),
        prefix=key[:8],
        name=name[:64],
        created_at=now,
        expires_at=now + lifetime(),
    )
    recorder.record(
        actor=actor,
        action="issue_token",
        obj=token,
        area_code=user.area.code,
        changes={
            "token": [None, {"prefix": token.prefix, "expires_at": jsonable(token.expires_at)}]
        },
        label=f"接口令牌 {token.prefix}…",
    )
    return token, key


def authenticate(key: str) -> ApiToken | None:
    """The active token whose key is ``key`` (with its user), else None."""
    if not key:
        return None
    token = (
        ApiToken.objects.select_related("user", "user__area")
        .filter(key_hash=ApiToken.digest(key), revoked_at__isnull=True)
        .first()
    )
    if token is None or token.expires_at <= timezone.now() or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > TOUCH_SECONDS:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def tokens_of(user: User) -> list[ApiToken]:
    """The user's own tokens, newest first (the only tokens a user may list)."""
    return list(ApiToken.objects.filter(user=user).order_by("-created_at", "-id"))


@transaction.atomic
def do_revoke_token(token_id: int | str, *, actor: Actor) -> ApiToken:
    """Revoke one of ``actor.user``'s own tokens (another user's answers NotFound)."""
    user = actor.user
    assert user is not None
    try:
        token = ApiToken.objects.select_for_update().get(pk=int(token_id), user=user)
    except (ApiToken.DoesNotExist, ValueError, TypeError):
        raise NotFound(token_id) from None
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_reason = "本人吊销"
        token.save(update_fields=["revoked_at", "revoked_reason"])
        recorder.record(
            actor=actor,
            action="revoke_token",
            obj=token,
            area_code=user.area.code,
            changes={"revoked_at": [None, jsonable(token.revoked_at)]},
            label=f"接口令牌 {token.prefix}…",
        )
    return token


@transaction.atomic
def do_revoke_all_tokens(user: User, *, actor: Actor, reason: str) -> int:
    """Revoke every active token of ``user`` (sign-out, password change)."""
    revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_reason=reason[:64]
    )
    if revoked:
        recorder.record(
            actor=actor,
            action="revoke_tokens",
            obj=user,
            area_code=user.area.code,
            changes={"revoked": [None, revoked]},
            reason=reason,
            label=str(user),
        )
    return revoked
