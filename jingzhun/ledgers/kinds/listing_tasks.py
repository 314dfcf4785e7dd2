"""挂牌督战任务清单: one row is one task of a listed area's task list (县乡村户任务清单) — the
sheet a county hands out when it lists a township or village.

Natural key: 挂牌地区 (its active listing) + 任务内容. A task already on the list is never
changed by an import (progress and changes are recorded on the task's page): the same task with
another owner or deadline is refused, naming what differs. Stored through
``do_add_listing_task``, which refuses a task without an owner (unit and person) and a deadline
before the listing's start.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from jingzhun.accounts.roles import LISTING_TASK_EDITORS
from jingzhun.areas.models import Area, Level
from jingzhun.ledgers.spec import Column, Context, Ledger, Outcome, Row
from jingzhun.supervision import listing_actions
from jingzhun.supervision.listings import Listing, ListingStatus, ListingTask

COMPARED = {"owner_unit": "责任单位", "owner_person": "责任人", "deadline": "完成时限"}
LISTED_LEVELS = (Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE)


def _listing(ctx: Context, row: Row) -> Listing:
    area = ctx.area("listed_area", row.get("listed_area"), levels=LISTED_LEVELS, what="挂牌地区")
    listing = (
        Listing.objects.filter(area=area, status=ListingStatus.ACTIVE)
        .select_related("area")
        .first()
    )
    if listing is None:
        raise ValidationError(
            {"listed_area": [f"{area.name}没有督战中的挂牌：请先挂牌，或核对挂牌地区。"]}
        )
    return listing


def _where(ctx: Context, row: Row) -> Area | None:
    if row.get("village") in (None, ""):
        return None
    return ctx.village("village", row.get("village"), township=row.get("township"))


def find(ctx: Context, row: Row) -> ListingTask | None:
    listing = _listing(ctx, row)
    if not row.get("text"):
        return None  # the action names what is missing
    return (
        ListingTask.objects.filter(listing=listing, text=str(row["text"]).strip())
        .order_by("id")
        .first()
    )


def write(ctx: Context, row: Row, task: ListingTask | None) -> Outcome:
    listing = _listing(ctx, row)
    if task is not None:
        differ = {
            key: [getattr(task, key), row[key]]
            for key in COMPARED
            if row.get(key) not in (None, "") and row[key] != getattr(task, key)
        }
        if differ:
            raise ValidationError(
                {
                    key: [
                        f"{listing.area.name}的任务清单已有这项任务，{COMPARED[key]}为“{old}”，"
                        f"表中为“{new}”：请核对；导入不修改已有的任务，请在任务页面修改"
                    ]
                    for key, (old, new) in differ.items()
                }
            )
        return Outcome("unchanged", f"{listing.area.name} 任务已在清单中")
    household = None
    if row.get("household") not in (None, ""):
        household = ctx.household("household", row.get("household"))
    task = listing_actions.do_add_listing_task(
        actor=ctx.actor,
        listing=listing,
        values={key: row.get(key) for key in ("text", "owner_unit", "owner_person", "deadline")},
        area=_where(ctx, row),
        household=household,
    )
    return Outcome("create", f"{listing.area.name} 任务（{task.area.name}），时限{task.deadline}")


LEDGER = Ledger(
    kind="listing_tasks",
    title="挂牌督战任务清单",
    order=95,
    roles=LISTING_TASK_EDITORS,
    key="按“挂牌地区＋任务内容”识别",
    find=find,
    write=write,
    columns=(
        Column(
            "listed_area",
            "挂牌地区",
            aliases=("挂牌督战地区", "挂牌单位", "督战对象"),
            required=True,
            meaning="督战中的挂牌县、乡镇或行政村的名称或区划代码",
            example="东冶镇",
            errors=("listing",),
        ),
        Column(
            "text",
            "任务内容",
            aliases=("任务", "督战任务", "工作任务"),
            required=True,
            meaning="要完成的任务",
            example="完成监测对象帮扶措施落实",
        ),
        Column(
            "owner_unit",
            "责任单位",
            aliases=("牵头单位", "责任主体"),
            required=True,
            meaning="负责完成任务的单位（不能空）",
            example="东冶镇人民政府",
        ),
        Column(
            "owner_person",
            "责任人",
            "name",
            aliases=("任务责任人",),
            required=True,
            meaning="负责完成任务的人（不能空）",
            example="赵镇长",
        ),
        Column(
            "deadline",
            "完成时限",
            "date",
            aliases=("完成时间", "时限要求", "完成期限"),
            required=True,
            meaning="任务完成的期限（不能早于督战开始日期）",
            example="2026-12-31",
        ),
        Column(
            "township",
            "乡镇",
            aliases=("乡(镇)", "所属乡镇"),
            meaning="任务所在村所属的乡镇（可空；村名在本县重名时用于区分）",
            example="",
        ),
        Column(
            "village",
            "任务所在村",
            aliases=("行政村", "所在村"),
            meaning="任务落到的行政村（可空：空为挂牌地区本级的任务）",
            example="",
            errors=("area",),
        ),
        Column(
            "household",
            "户编号",
            aliases=("农户户编号",),
            meaning="任务落到的农户的户编号（可空）",
            example="",
        ),
    ),
    notes=(
        "一行一项任务；已在清单中的任务不会被导入修改，进度和修改在任务页面办理。",
        "责任单位和责任人都要填写；完成时限不能早于督战开始日期。",
    ),
)
