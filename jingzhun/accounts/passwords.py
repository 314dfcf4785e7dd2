"""Password rules of a level-3 system, and when a password has expired.

The validators are listed in ``settings.AUTH_PASSWORD_VALIDATORS`` beside Django's (length,
common passwords, similarity to the user's name, all digits), so the password change page, the
``createuser`` command and the admin apply all of them.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

CLASSES = (
    (re.compile(r"[a-z]"), "小写字母"),
    (re.compile(r"[A-Z]"), "大写字母"),
    (re.compile(r"[0-9]"), "数字"),
    (re.compile(r"[^A-Za-z0-9]"), "符号"),
)


class CompositionValidator:
    """At least ``kinds`` of: lower case, upper case, digits, symbols."""

    def __init__(self, kinds: int = 3) -> None:
        self.kinds = kinds

    def validate(self, password: str, user: Any = None) -> None:
        present = sum(1 for pattern, _label in CLASSES if pattern.search(password))
        if present < self.kinds:
            raise ValidationError(
                _("密码须包含大写字母、小写字母、数字、符号中的至少%(n)d种。"),
                code="password_composition",
                params={"n": self.kinds},
            )

    def get_help_text(self) -> str:
        return _("至少包含大写字母、小写字母、数字、符号中的%(n)d种。") % {"n": self.kinds}


class NotDemoPasswordValidator:
    """The demo's password is published in the README: no account may use it."""

    def validate(self, password: str, user: Any = None) -> None:
        from jingzhun.demo.generator import DEMO_PASSWORD

        if password == DEMO_PASSWORD:
            raise ValidationError(_("不能使用公开的演示密码。"), code="password_demo")

    def get_help_text(self) -> str:
        return _("不能使用公开的演示密码。")


def max_age() -> dt.timedelta | None:
    days = int(getattr(settings, "JINGZHUN_PASSWORD_MAX_DAYS", 0))
    return dt.timedelta(days=days) if days > 0 else None


def password_expired(user: Any) -> bool:
    """True when passwords expire and ``user``'s is older than the limit (or of unknown age)."""
    limit = max_age()
    if limit is None or not getattr(user, "is_authenticated", False):
        return False
    changed = getattr(user, "password_changed_at", None)
    return changed is None or timezone.now() - changed > limit
