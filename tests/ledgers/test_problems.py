"""The problem ledger: problems stored as the action stores them, found again unchanged, and
refusals of an unknown area, a deadline before the discovery date, a future discovery, an
unknown source, a stored problem with other content."""

from __future__ import annotations

import datetime as dt

import pytest

from jingzhun.audit.models import AuditEntry
from jingzhun.core.actions import PermissionDenied
from jingzhun.supervision.models import Problem, ProblemStatus
from tests.ledgers.conftest import actions_by_row, apply, load, refused, xlsx_bytes

HEADERS = [
    "乡镇",
    "地区",
    "问题来源",
    "问题类别",
    "问题描述",
    "发现日期",
    "责任单位",
    "责任人",
    "整改时限",
    "整改措施",
]


def rows(world):
    return [
        [
            None,
            "东冶村",
            "审计",
            "资金使用",
            "奖补资金未按时发放",
            "2024-10-08",
            "东冶村委会",
            "李支书",
            "2024-12-31",
            "发放到户",
        ],
        [
            None,
            world.sibling_village.code,
            "暗访",
            "帮扶",
            "帮扶手册填写不全",
            20241101,
            "西冶村委会",
            None,
            "2024/12/15",
            None,
        ],
        [
            None,
            world.township.name,
            "巡察",
            "作风问题",
            "乡镇干部走访不实",
            dt.date(2024, 9, 1),
            "乡党委",
            "王书记",
            dt.date(2024, 11, 30),
            "约谈并重新走访",
        ],
    ]


def test_a_good_file_stores_the_problems_as_the_action_would(world):
    upload, _ = load(world.inspector, "problems", xlsx_bytes(HEADERS, rows(world)))
    assert upload.counts["create"] == 3, upload.preview["rows"]
    apply(world.inspector, upload)
    problems = {p.description: p for p in Problem.objects.all()}
    audit = problems["奖补资金未按时发放"]
    assert (audit.area, audit.source, audit.category, audit.status) == (
        world.village,
        "audit",
        "funds",
        ProblemStatus.RECTIFYING,
    )
    assert (audit.found_on, audit.deadline) == (dt.date(2024, 10, 8), dt.date(2024, 12, 31))
    visit = problems["帮扶手册填写不全"]
    assert (visit.area, visit.source, visit.category) == (
        world.sibling_village,
        "unannounced_visit",
        "assistance",
    )
    assert problems["乡镇干部走访不实"].area == world.township
    assert AuditEntry.objects.filter(action="create_problem", source="import").count() == 3


def test_loading_the_problems_again_finds_them_unchanged(world):
    apply(world.inspector, load(world.inspector, "problems", xlsx_bytes(HEADERS, rows(world)))[0])
    again, _ = load(world.inspector, "problems", xlsx_bytes(HEADERS, rows(world), title="问题"))
    assert set(actions_by_row(again).values()) == {"unchanged"}
    apply(world.inspector, again)
    assert Problem.objects.count() == 3


def test_bad_rows_are_refused_under_their_column_and_the_rest_applied(world):
    file_rows = [
        *rows(world),
        [
            None,
            "不存在村",
            "审计",
            "资金使用",
            "甲",
            "2024-10-08",
            "村委会",
            None,
            "2024-12-31",
            None,
        ],
        [
            None,
            "东冶村",
            "审计",
            "资金使用",
            "乙",
            "2024-10-08",
            "村委会",
            None,
            "2024-10-01",
            None,
        ],
        [
            None,
            "东冶村",
            "审计",
            "资金使用",
            "丙",
            "2027-01-08",
            "村委会",
            None,
            "2027-12-31",
            None,
        ],
        [
            None,
            "东冶村",
            "领导交办",
            "资金使用",
            "丁",
            "2024-10-08",
            "村委会",
            None,
            "2024-12-31",
            None,
        ],
    ]
    upload, _ = load(world.inspector, "problems", xlsx_bytes(HEADERS, file_rows))
    problems = refused(upload)
    assert sorted(problems) == [5, 6, 7, 8]
    assert problems[5][0]["column"] == "地区" and "不存在村" in problems[5][0]["reason"]
    assert problems[6][0]["column"] == "整改时限" and "早于发现日期" in problems[6][0]["reason"]
    assert problems[7][0]["column"] == "发现日期" and "晚于今天" in problems[7][0]["reason"]
    assert problems[8][0]["column"] == "问题来源" and "巡视巡察" in problems[8][0]["fix"]
    apply(world.inspector, upload)
    assert Problem.objects.count() == 3


def test_an_area_of_another_county_is_unknown(world):
    file_rows = [
        [
            None,
            world.other_county_village.code,
            "审计",
            "资金使用",
            "甲",
            "2024-10-08",
            "村委会",
            None,
            "2024-12-31",
            None,
        ]
    ]
    upload, _ = load(world.inspector, "problems", xlsx_bytes(HEADERS, file_rows))
    assert refused(upload)[2][0]["column"] == "地区"


def test_a_stored_problem_with_other_content_is_refused_naming_the_difference(world):
    apply(
        world.inspector, load(world.inspector, "problems", xlsx_bytes(HEADERS, rows(world)[:1]))[0]
    )
    changed = [
        [
            None,
            "东冶村",
            "审计",
            "资金使用",
            "奖补资金未按时发放",
            "2024-10-08",
            "东冶村委会",
            None,
            "2025-03-31",
            None,
        ]
    ]
    problems = refused(load(world.inspector, "problems", xlsx_bytes(HEADERS, changed))[0])
    assert problems[2][0]["column"] == "整改时限"
    assert "2024-12-31" in problems[2][0]["reason"] and "2025-03-31" in problems[2][0]["reason"]


def test_a_city_viewer_may_not_load_the_ledger(world):
    with pytest.raises(PermissionDenied):
        load(world.city_viewer, "problems", xlsx_bytes(HEADERS, rows(world)))
