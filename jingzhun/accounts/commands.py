"""Who a command acts as: ``--user NAME``, or the only administrator when there is one."""

from __future__ import annotations

from django.core.management.base import CommandError

from jingzhun.accounts.models import User


def command_user(username: str, *, doing: str = "执行") -> User:
    if username:
        try:
            return User.objects.select_related("area").get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"没有用户“{username}”。") from None
    admins = list(User.objects.filter(role="admin", is_active=True)[:2])
    if len(admins) != 1:
        raise CommandError(f"请用 --user 指定以哪个用户的名义{doing}。")
    return admins[0]
