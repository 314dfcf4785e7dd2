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


# --- what many actions check and parse the same way ---------------------------------------------

Errors = dict[str, list[str]]


def ensure_role(actor: Actor, roles: frozenset[str], what: str) -> None:
    """PermissionDenied unless a named user of one of ``roles`` acts (``what``: 登记走访 …)."""
    if actor.user is None or actor.user.role not in roles:
        raise PermissionDenied(f"您的角色不能{what}。")


def ensure_area(actor: Actor, code: str, pk: Any) -> None:
    """A record whose area code lies outside the actor's area answers like an absent one."""
    assert actor.user is not None
    if not code.startswith(actor.user.scope_prefix):
        raise NotFound(pk)


def text_value(
    values: Any, errors: Errors, key: str, label: str, *, size: int, required: bool = True
) -> str:
    """``values[key]`` stripped; a message under ``key`` when required and blank or too long."""
    text = str(values.get(key) or "").strip()
    if required and not text:
        errors.setdefault(key, []).append(f"请填写{label}。")
    elif len(text) > size:
        errors.setdefault(key, []).append(f"{label}最多{size}个字，现有{len(text)}个字：请缩短。")
    return text


def date_value(
    values: Any, errors: Errors, key: str, label: str, *, required: bool = True
) -> dt.date | None:
    """``values[key]`` as a date (a date, a datetime or ISO text); None, with a message under
    ``key`` when required, for a blank; None with a message for anything else."""
    raw = values.get(key)
    if raw in (None, ""):
        if required:
            errors.setdefault(key, []).append(f"请填写{label}（如 2026-03-08）。")
        return None
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw).strip())
    except ValueError:
        errors.setdefault(key, []).append(f"{label}“{raw}”不是日期：请写成 2026-03-08。")
        return None
