"""挂牌督战任务清单 as a ledger: a county's sheet of tasks for a listed township, rows down to
villages and households, stored through do_add_listing_task; a task without an owner, a
deadline before the start and an area without an active listing are refused under their
columns with the rest applied; loading again changes nothing."""

from __future__ import annotations

import datetime as dt

from jingzhun.supervision.listings import ListingTask
from tests.ledgers.conftest import actions_by_row, apply, load, refused, xlsx_bytes
from tests.supervision.listing_helpers import new_listing

HEADERS = ["挂牌地区", "任务内容", "责任单位", "责任人", "完成时限", "任务所在村", "户编号"]


def _rows(world) -> list[list[object]]:
    t, other, unit = world.township.name, world.other_township.name, "东冶村村民委员会"
    return [
        [t, "完成监测户收入核实", "乡人民政府", "赵乡长", dt.date(2026, 12, 20), None, None],
        [t, "完成饮水安全复核", unit, "李支书", "2026-12-15", "东冶村", None],
        [t, "落实小额信贷贴息", unit, "李支书", "2026-12-15", None, "140922100001001"],
        [t, "无人负责的任务", "乡人民政府", "", "2026-12-15", None, None],
        [t, "太早的任务", "乡人民政府", "赵乡长", "2026-10-01", None, None],
        [other, "未挂牌地区的任务", "乡人民政府", "钱乡长", "2026-12-15", None, None],
    ]


def test_a_task_list_sheet_is_applied_row_by_row_through_the_action(world, homes) -> None:
    new_listing(world)
    upload, created = load(world.approver, "listing_tasks", xlsx_bytes(HEADERS, _rows(world)))
    assert created
    problems = refused(upload)
    assert sorted(problems) == [5, 6, 7]
    assert problems[5][0]["column"] == "责任人"
    assert problems[6][0]["column"] == "完成时限" and "早于督战开始日期" in problems[6][0]["reason"]
    assert problems[7][0]["column"] == "挂牌地区" and "没有督战中的挂牌" in problems[7][0]["reason"]
    apply(world.approver, upload)
    tasks = {t.text: t for t in ListingTask.objects.select_related("household")}
    assert set(tasks) == {"完成监测户收入核实", "完成饮水安全复核", "落实小额信贷贴息"}
    assert tasks["完成饮水安全复核"].area_code == world.village.code
    assert tasks["落实小额信贷贴息"].household.number == "140922100001001"
    again, _ = load(
        world.approver, "listing_tasks", xlsx_bytes(HEADERS, _rows(world)[:3]), name="again.xlsx"
    )
    assert set(actions_by_row(again).values()) == {"unchanged"}
