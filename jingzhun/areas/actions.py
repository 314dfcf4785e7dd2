"""Creating villages and groups (the levels no package ships). Same rules as every action."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from jingzhun.accounts.roles import AREA_MANAGERS, Role
from jingzhun.areas.models import Area, Level
from jingzhun.audit import recorder
from jingzhun.core.actions import Actor, PermissionDenied, raise_if_errors
from jingzhun.core.names import clean_display_name, normalize_name

if TYPE_CHECKING:
    from jingzhun.accounts.models import User

CHILD_LEVEL = {Level.TOWNSHIP: Level.VILLAGE, Level.VILLAGE: Level.GROUP}
# Roles that may create an area at all: the managers (villages, groups) and a village cadre
# (the groups of the own village); do_create_area checks the parent and the scope.
AREA_CREATORS = AREA_MANAGERS | {Role.VILLAGE_CADRE}


def ensure_can_create_areas(user: User | None) -> None:
    """Raise PermissionDenied unless ``user``'s role may create some area (None: the system).
    Callers that parse a request check this first, so a read-only role is refused whatever
    it sent."""
    if user is not None and user.role not in AREA_CREATORS:
        raise PermissionDenied("您的角色不能新建行政区划。")


@transaction.atomic
def do_create_area(parent: Area, *, actor: Actor, name: str, code: str = "") -> Area:
    """Create a village under a township (code = township + 3 digits) or a group under a
    village (village + 3 digits). ``code`` may be given (e.g. from the statistics bureau);
    otherwise the next free sequence number is used."""
    user = actor.user
    if user is not None:
        if not user.can_manage_areas and not (
            user.role == "village_cadre" and parent.level == Level.VILLAGE
        ):
            raise PermissionDenied("您的角色不能新建行政区划。")
        if not parent.code.startswith(user.scope_prefix):
            raise PermissionDenied("上级区划不在您的管辖范围内。")
    level = CHILD_LEVEL.get(Level(parent.level))
    name = clean_display_name(name)
    errors: dict[str, list[str]] = {}
    if level is None:
        errors["parent"] = ["只能在乡镇下新建行政村，或在行政村下新建村民小组。"]
    if not name:
        errors["name"] = ["请填写名称。"]
    elif Area.objects.filter(parent=parent, name_norm=normalize_name(name)).exists():
        errors["name"] = [f"“{parent.name}”下已有名为“{name}”的区划。"]
    if code:
        if not (
            code.isdigit() and len(code) == len(parent.code) + 3 and code.startswith(parent.code)
        ):
            errors["code"] = [f"代码应为上级代码{parent.code}后加3位数字。"]
        elif Area.objects.filter(code=code).exists():
            errors["code"] = [f"代码{code}已被使用。"]
    raise_if_errors(errors)
    if not code:
        taken = set(Area.objects.filter(parent=parent).values_list("code", flat=True))
        seq = next(i for i in range(1, 1000) if f"{parent.code}{i:03d}" not in taken)
        code = f"{parent.code}{seq:03d}"
    area = Area.objects.create(code=code, name=name, level=level, parent=parent)
    recorder.record(
        actor=actor,
        action="create_area",
        obj=area,
        area_code=area.code,
        changes={"code": [None, code], "name": [None, name], "parent": [None, parent.code]},
    )
    return area
