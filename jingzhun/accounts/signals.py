"""Signing out of the web pages revokes the user's API tokens (jingzhun.accounts.tokens)."""

from __future__ import annotations

from typing import Any

from jingzhun.core.actions import Actor
from jingzhun.core.middleware import note_session_touched


def revoke_tokens_on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is None or not getattr(user, "pk", None):
        return
    from jingzhun.accounts import tokens

    actor = Actor.from_request(request) if request is not None else Actor(user, "system")
    tokens.do_revoke_all_tokens(user, actor=Actor(user, actor.source, actor.ip), reason="退出登录")


def note_touch_on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    # The session saved at sign-in starts its idle clock: the first page after it does not
    # write the session again (jingzhun.core.middleware.touch_session).
    session = getattr(request, "session", None)
    if session is not None:
        note_session_touched(session)
