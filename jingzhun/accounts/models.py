from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jingzhun.accounts import roles
from jingzhun.accounts.roles import Role

KNOWN_ROLES = frozenset(Role.values)  # (Choices.values builds a new list on every access)
# No area code starts with this (codes are digits), so a scope built on it is empty.
NO_SCOPE = "~"


class User(AbstractUser):
    """A person who signs in. Bound to one area and one role; sees only what lies under it."""

    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="users"
    )
    full_name = models.CharField(_("姓名"), max_length=64, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    # When the password was last set (expiry: settings.JINGZHUN_PASSWORD_MAX_DAYS).
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)

    REQUIRED_FIELDS = ["role", "area"]

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.full_name or self.username

    def set_password(self, raw_password: str | None) -> None:
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    @property
    def needs_second_factor(self) -> bool:
        """Approvers and administrators sign in with a second factor where it is required
        (the production profile; settings.JINGZHUN_REQUIRE_SECOND_FACTOR)."""
        return bool(settings.JINGZHUN_REQUIRE_SECOND_FACTOR) and (
            self.role in roles.SECOND_FACTOR_ROLES
        )

    @property
    def has_role(self) -> bool:
        """Roles fail closed: a user without a known role may read and do nothing."""
        return self.role in KNOWN_ROLES

    @property
    def scope_prefix(self) -> str:
        """The code prefix of everything this user may see: their area's, or — without a known
        role — one that no area code has (every scope is then empty)."""
        return self.area.scope_prefix if self.has_role else NO_SCOPE

    @property
    def can_edit_registry(self) -> bool:
        return self.role in roles.REGISTRY_WRITERS

    @property
    def sees_personal_numbers(self) -> bool:
        return self.role in roles.PERSONAL_DATA_READERS

    @property
    def sees_health(self) -> bool:
        """Health status (慢性病, 大病, 残疾) is sensitive personal information: only the roles
        that decide on a household's assistance see it (accounts.roles.HEALTH_READERS)."""
        return self.role in roles.HEALTH_READERS

    @property
    def can_read_audit(self) -> bool:
        return self.role in roles.AUDIT_READERS

    @property
    def can_manage_areas(self) -> bool:
        return self.role in roles.AREA_MANAGERS


class ApiToken(models.Model):
    """An API token of one user. Only its SHA-256 is stored (the token is shown once, when
    issued); it expires, is revoked on sign-out and on a password change, and its owner lists
    and revokes their tokens (jingzhun.accounts.tokens)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    key_hash = models.CharField(_("令牌摘要"), max_length=64, unique=True)
    prefix = models.CharField(_("令牌前缀"), max_length=8)
    name = models.CharField(_("用途"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("签发时间"))
    expires_at = models.DateTimeField(_("到期时间"))
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    revoked_reason = models.CharField(_("吊销原因"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def digest(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @staticmethod
    def new_key() -> str:
        return secrets.token_urlsafe(32)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
