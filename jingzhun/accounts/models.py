from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from jingzhun.accounts import roles
from jingzhun.accounts.roles import Role

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

    REQUIRED_FIELDS = ["role", "area"]

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def has_role(self) -> bool:
        """Roles fail closed: a user without a known role may read and do nothing."""
        return self.role in Role.values

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
