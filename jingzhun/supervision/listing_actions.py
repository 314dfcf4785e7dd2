"""Every write of listed supervision (挂牌督战): listing an area, adding and changing the tasks
of its list, reporting a task's progress with evidence, and closing the listing (摘牌). Each
checks role and scope, validates with messages naming the field and the fix, writes in one
transaction with its audit entry (object type ``listing``, or ``listingtask`` for a task's:
together the listing's history), and changes nothing when it refuses. Status moves are
conditional updates.

Who: :data:`~jingzhun.accounts.roles.LISTING_MANAGERS` of a level above the area list and
close; :data:`~jingzhun.accounts.roles.LISTING_TASK_EDITORS` of the listed area or above keep
the tasks; :data:`~jingzhun.accounts.roles.LISTING_TASK_REPORTERS` of the area a task concerns
report its progress.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F

from jingzhun.accounts.roles import (
    LISTING_MANAGERS,
    LISTING_TASK_EDITORS,
    LISTING_TASK_REPORTERS,
)
from jingzhun.areas.models import Area, Level
from jingzhun.audit import recorder
from jingzhun.core.actions import (
    Actor,
    ConcurrentEditError,
    Errors,
    PermissionDenied,
    date_value,
    ensure_area,
    ensure_role,
    jsonable,
    raise_if_errors,
    text_value,
)
from jingzhun.registry.models import Household
from jingzhun.supervision.actions import _file, today
from jingzhun.supervision.listings import (
    LISTING_LABEL,
    Listing,
    ListingStatus,
    ListingTask,
    ListingTaskEvidence,
    TaskStatus,
)

LISTED_LEVELS = {Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE}
TASK_FIELDS = ("text", "owner_unit", "owner_person", "deadline")


def _label(listing: Listing) -> str:
    return LISTING_LABEL % {"area": listing.area.name}


def _ensure_level_above(actor: Actor, area: Area, what: str) -> None:
    """Only a user of a level above ``area``: an area is never listed or closed by itself."""
    assert actor.user is not None
    own = actor.user.area
    if own.level >= area.level:
        raise PermissionDenied(
            f"{area.name}不能由本级（{own.name}）{what}：应由上级（县级以上）{what}。"
        )


# --- listing -------------------------------------------------------------------------------------


def do_create_listing(
    *,
    actor: Actor,
    area: Area | None,
    values: Mapping[str, Any],
    supervising_area: Area | None = None,
) -> Listing:
    """List (挂牌) a county, township or village of the actor's area for supervision. The actor
    and the supervising unit (``supervising_area``, by default the actor's own area) are of a
    level above it; the period ends on or after its start; an area has one active listing."""
    ensure_role(actor, LISTING_MANAGERS, "挂牌督战")
    assert actor.user is not None
    errors: Errors = {}
    if area is None:
        errors.setdefault("area", []).append("请选择挂牌督战的县、乡镇或村。")
        raise_if_errors(errors)
    assert area is not None
    ensure_area(actor, area.code, area.pk)
    _ensure_level_above(actor, area, "挂牌督战")
    if area.level not in LISTED_LEVELS:
        errors.setdefault("area", []).append(
            f"“{area.name}”不是县、乡镇或村：挂牌督战的对象应为县、乡镇或行政村。"
        )
    supervising_area = supervising_area or actor.user.area
    if not (supervising_area.contains(area) and supervising_area.level < area.level):
        errors.setdefault("supervising_area", []).append(
            f"督战单位所在的{supervising_area.name}不是{area.name}的上级："
            "督战单位应为挂牌地区的上级单位。"
        )
    clean: dict[str, Any] = {
        "reason": text_value(values, errors, "reason", "挂牌原因", size=2000),
        "supervisor_name": text_value(values, errors, "supervisor_name", "督战领导", size=64),
        "supervisor_post": text_value(values, errors, "supervisor_post", "领导职务", size=100),
        "supervising_unit": text_value(values, errors, "supervising_unit", "督战单位", size=100),
        "starts_on": date_value(values, errors, "starts_on", "督战开始日期"),
        "ends_on": date_value(values, errors, "ends_on", "督战结束日期"),
    }
    starts_on, ends_on = clean["starts_on"], clean["ends_on"]
    if starts_on and ends_on and ends_on < starts_on:
        errors.setdefault("ends_on", []).append(
            f"督战结束日期{ends_on}早于开始日期{starts_on}：请填写开始日期当天或以后的日期。"
        )
    if Listing.objects.filter(area=area, status=ListingStatus.ACTIVE).exists():
        errors.setdefault("area", []).append(
            f"{area.name}已在挂牌督战中：请在原挂牌下添加任务，或先摘牌。"
        )
    raise_if_errors(errors)
    with transaction.atomic():
        listing = Listing.objects.create(
            area=area,
            area_code=area.code,
            supervising_area=supervising_area,
            created_by=actor.user,
            **clean,
        )
        changes = {k: [None, jsonable(v)] for k, v in clean.items()}
        changes["supervising_area"] = [None, supervising_area.code]
        recorder.record(
            actor=actor,
            action="create_listing",
            obj=listing,
            area_code=area.code,
            label=_label(listing),
            changes=changes,
        )
    return listing


def do_close_listing(
    *, actor: Actor, listing: Listing, reason: str, open_tasks_note: str = ""
) -> Listing:
    """Close a listing (摘牌) with a reason, by a level above the listed area. Refused while
    tasks are open unless ``open_tasks_note`` says why they may stay open."""
    ensure_role(actor, LISTING_MANAGERS, "摘牌")
    ensure_area(actor, listing.area_code, listing.pk)
    _ensure_level_above(actor, listing.area, "摘牌")
    errors: Errors = {}
    reason = text_value({"reason": reason}, errors, "reason", "摘牌意见", size=500)
    note = text_value(
        {"open_tasks_note": open_tasks_note},
        errors,
        "open_tasks_note",
        "未完成任务说明",
        size=500,
        required=False,
    )
    if listing.status != ListingStatus.ACTIVE:
        errors.setdefault("status", []).append("该挂牌已摘牌：不能再次摘牌。")
    open_tasks = listing.tasks.exclude(status=TaskStatus.DONE).count()
    if open_tasks and not note:
        errors.setdefault("open_tasks_note", []).append(
            f"任务清单中还有{open_tasks}项任务未完成：请完成后再摘牌，"
            "或在“未完成任务说明”中写明为什么可以摘牌。"
        )
    raise_if_errors(errors)
    on = today()
    with transaction.atomic():
        moved = Listing.objects.filter(pk=listing.pk, status=ListingStatus.ACTIVE).update(
            status=ListingStatus.CLOSED,
            closed_on=on,
            close_reason=reason,
            open_tasks_note=note if open_tasks else "",
        )
        if not moved:
            raise_if_errors({"status": ["该挂牌已被他人摘牌：请刷新页面。"]})
        listing.refresh_from_db()
        recorder.record(
            actor=actor,
            action="close_listing",
            obj=listing,
            area_code=listing.area_code,
            label=_label(listing),
            reason=reason,
            changes={
                "status": [ListingStatus.ACTIVE, ListingStatus.CLOSED],
                "closed_on": [None, on.isoformat()],
                "open_tasks_note": [None, listing.open_tasks_note or None],
            },
        )
    return listing


# --- tasks ---------------------------------------------------------------------------------------


def _ensure_active(listing: Listing, errors: Errors) -> None:
    if listing.status != ListingStatus.ACTIVE:
        errors.setdefault("listing", []).append("该挂牌已摘牌：任务清单不能再修改。")


def task_values(listing: Listing, values: Mapping[str, Any], errors: Errors) -> dict[str, Any]:
    """The checked fields of a task: text, owner (unit and person: a task without an owner is
    refused) and a deadline not before the listing's start."""
    clean: dict[str, Any] = {
        "text": text_value(values, errors, "text", "任务内容", size=2000),
        "owner_unit": text_value(values, errors, "owner_unit", "责任单位", size=100),
        "owner_person": text_value(values, errors, "owner_person", "责任人", size=64),
        "deadline": date_value(values, errors, "deadline", "完成时限"),
    }
    deadline = clean["deadline"]
    if deadline and deadline < listing.starts_on:
        errors.setdefault("deadline", []).append(
            f"完成时限{deadline}早于督战开始日期{listing.starts_on}："
            "请填写督战开始当天或以后的日期。"
        )
    return clean


def _task_area(
    listing: Listing, area: Area | None, household: Household | None, errors: Errors
) -> Area:
    """The area a task concerns: the given village (or the household's), within the listed
    area; the listed area itself when none is given."""
    listed = listing.area
    if household is not None:
        if not household.village_code.startswith(listed.scope_prefix):
            errors.setdefault("household", []).append(
                f"农户{household.number}不在{listed.name}：请选择挂牌地区内的农户。"
            )
            return listed
        village = Area.objects.get(code=household.village_code)
        if area is not None and area.pk != village.pk:
            errors.setdefault("area", []).append(
                f"农户{household.number}不在{area.name}：地区请选择农户所在的村，或留空。"
            )
        return village
    if area is None:
        return listed
    if not listed.contains(area):
        errors.setdefault("area", []).append(
            f"{area.name}不在{listed.name}：请选择挂牌地区内的乡镇或村。"
        )
        return listed
    return area


def do_add_listing_task(
    *,
    actor: Actor,
    listing: Listing,
    values: Mapping[str, Any],
    area: Area | None = None,
    household: Household | None = None,
) -> ListingTask:
    """Add a task to a listing's list, optionally for a village or a household of the listed
    area."""
    ensure_role(actor, LISTING_TASK_EDITORS, "添加督战任务")
    ensure_area(actor, listing.area_code, listing.pk)
    errors: Errors = {}
    _ensure_active(listing, errors)
    clean = task_values(listing, values, errors)
    where = _task_area(listing, area, household, errors)
    raise_if_errors(errors)
    with transaction.atomic():
        task = ListingTask.objects.create(
            listing=listing, area=where, area_code=where.code, household=household, **clean
        )
        changes = {k: [None, jsonable(v)] for k, v in clean.items()}
        changes["area"] = [None, where.code]
        if household is not None:
            # Its id, not its number: the listing's history is read in the villages too.
            changes["household"] = [None, household.pk]
        recorder.record(
            actor=actor,
            action="add_listing_task",
            obj=task,
            area_code=listing.area_code,
            label=_label(listing),
            changes=changes,
        )
    return task


def do_change_listing_task(
    *, actor: Actor, task: ListingTask, values: Mapping[str, Any], version: int
) -> ListingTask:
    """Change a task's text, owner or deadline. ``version`` is the one the user read: a task
    changed by someone else meanwhile raises ConcurrentEditError."""
    listing = task.listing
    ensure_role(actor, LISTING_TASK_EDITORS, "修改督战任务")
    ensure_area(actor, listing.area_code, listing.pk)
    errors: Errors = {}
    _ensure_active(listing, errors)
    clean = task_values(listing, values, errors)
    raise_if_errors(errors)
    changes = {
        k: [jsonable(getattr(task, k)), jsonable(v)]
        for k, v in clean.items()
        if getattr(task, k) != v
    }
    if not changes:
        return task
    with transaction.atomic():
        updated = ListingTask.objects.filter(pk=task.pk, version=version).update(
            version=F("version") + 1, **clean
        )
        if not updated:
            raise ConcurrentEditError(label=f"任务“{task.text[:20]}”")
        task.refresh_from_db()
        recorder.record(
            actor=actor,
            action="change_listing_task",
            obj=task,
            area_code=listing.area_code,
            label=_label(listing),
            changes=changes,
        )
    return task


def do_update_listing_task_status(
    *,
    actor: Actor,
    task: ListingTask,
    status: str,
    text: str = "",
    file: UploadedFile | None = None,
    completed_on: Any = None,
) -> ListingTask:
    """Report a task's progress (未开始 / 推进中 / 已完成) with evidence — a text, a file or
    both — by the staff of the area the task concerns. Becoming 已完成 stores ``completed_on``
    (the day it was finished when reported later: not in the future, not before the listing
    started; today when not given); leaving 已完成 clears the date."""
    listing = task.listing
    ensure_role(actor, LISTING_TASK_REPORTERS, "更新督战任务进度")
    ensure_area(actor, task.area_code, task.pk)
    errors: Errors = {}
    _ensure_active(listing, errors)
    if status not in TaskStatus.values:
        names = "、".join(str(label) for label in TaskStatus.labels)
        errors.setdefault("status", []).append(f"请选择任务进度（{names}之一）。")
    elif status == task.status:
        errors.setdefault("status", []).append(
            f"任务进度已是“{task.get_status_display()}”：请选择新的进度。"
        )
    text = text_value({"text": text}, errors, "text", "进展说明", size=2000, required=False)
    upload = _file(file, errors)
    if not (text or upload):
        errors.setdefault("text", []).append("请填写进展说明或上传佐证材料。")
    finished = None
    if status == TaskStatus.DONE:
        finished = (
            date_value({"completed_on": completed_on}, errors, "completed_on", "完成日期")
            if completed_on not in (None, "")
            else today()
        )
        if finished and finished > today():
            errors.setdefault("completed_on", []).append(
                f"完成日期{finished}晚于今天：请填写任务实际完成的日期。"
            )
        elif finished and finished < listing.starts_on:
            errors.setdefault("completed_on", []).append(
                f"完成日期{finished}早于督战开始日期{listing.starts_on}：请核对完成日期。"
            )
    raise_if_errors(errors)
    old, old_completed_on = task.status, task.completed_on
    completed_on = finished
    with transaction.atomic():
        moved = ListingTask.objects.filter(pk=task.pk, status=old).update(
            status=status, completed_on=completed_on, version=F("version") + 1
        )
        if not moved:
            raise_if_errors({"status": ["该任务的进度已被他人更新：请刷新页面。"]})
        ListingTaskEvidence.objects.create(
            task=task, text=text, file=upload or "", added_by=actor.user
        )
        task.refresh_from_db()
        recorder.record(
            actor=actor,
            action="update_listing_task_status",
            obj=task,
            area_code=listing.area_code,
            label=_label(listing),
            changes={
                "status": [old, status],
                "completed_on": [jsonable(old_completed_on), jsonable(completed_on)],
                "evidence": [None, [text or None, upload.name if upload else None]],
            },
        )
    return task
