"""What every action function shares: who acts, from where, and the errors it may raise.

Every state change is a ``do_<verb>_<noun>(..., *, actor)`` function that validates, writes,
records its audit entry in the same transaction and schedules side effects ``on_commit``.
Views, the API, imports, commands and tests all call those functions and nothing else.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_noop

if TYPE_CHECKING:
    from django.http import HttpRequest

    from jingzhun.accounts.models import User


# The actor name recorded for what the system does by itself (a msgid: shown translated).
SYSTEM_NAME = gettext_noop("系统")


@dataclass(frozen=True)
class Actor:
    """The person (or the system) on whose behalf an action runs."""

    user: User | None
    source: str  # one of jingzhun.audit.models.Source
    ip: str | None = None
    source_ref: str = ""

    @classmethod
    def from_request(cls, request: HttpRequest, source: str = "form") -> Actor:
        """The signed-in user at the request's address. The address is ``REMOTE_ADDR`` only: a
        client can write any X-Forwarded-For it likes. Behind a reverse proxy, ``jingzhun
        serve`` takes the client's address from the proxy's header — and only from the proxy
        configured as trusted (``JINGZHUN_TRUSTED_PROXY``) — and puts it there."""
        ip = request.META.get("REMOTE_ADDR")
        return cls(user=request.user, source=source, ip=ip or None)  # type: ignore[arg-type]

    @property
    def name(self) -> str:
        if self.user is None:
            return SYSTEM_NAME
        return self.user.full_name or self.user.username


class PermissionDenied(Exception):
    """The actor's role may not do this (scope failures raise NotFound instead)."""


class NotFound(Exception):
    """Absent, deleted, or outside the actor's scope: the three answer the same."""


@dataclass
class ConcurrentEditError(Exception):
    """Someone saved the record after the user opened it. ``changes`` maps each field the other
    person changed to (the value the user saw, the value now stored)."""

    label: str
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    changed_by: str = ""

    def __str__(self) -> str:
        return f"{self.label}已被{self.changed_by or '他人'}修改，请查看最新内容后重新保存。"


def jsonable(value: Any) -> Any:
    """A value as the audit trail stores it."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, models.Model):
        return value.pk
    return value


def diff_fields(instance: models.Model, new_values: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for the fields whose value changes."""
    changes: dict[str, list[Any]] = {}
    for name, new in new_values.items():
        old = getattr(instance, name)
        if jsonable(old) != jsonable(new):
            changes[name] = [jsonable(old), jsonable(new)]
    return changes


def raise_if_errors(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError({key: value for key, value in errors.items() if value})
