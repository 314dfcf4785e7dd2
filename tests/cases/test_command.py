"""``jingzhun cases overdue``: open monitoring cases past the 15-day limit from the first risk
signal without a decision are listed; a decided one is not; --area and --as narrow the list."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from jingzhun import cli
from jingzhun.cases import actions
from jingzhun.cases.models import Case
from tests import factories

OVERRIDE = "户主住院自付费用高，收入下降明显"


@contextmanager
def on_day(day: dt.date) -> Iterator[None]:
    with time_machine.travel(dt.datetime(day.year, day.month, day.day, 10), tick=False):
        yield


def open_monitoring(world, household, user=None, *, signal: str = "2026-03-01") -> Case:
    return actions.do_open_case(
        actor=world.actor(user or world.cadre),
        household=household,
        case_type="monitoring",
        record={
            "on": "2026-03-02",
            "channel": "cadre_visit",
            "first_signal_on": signal,
            "reason": "户主住院",
            "category": "unstable_exited",
            "risk_types": ["illness"],
            "year": 2024,
        },
    )


def perform(world, case: Case, user, record: dict[str, Any], **kwargs: Any) -> Case:
    case = Case.objects.get(pk=case.pk)
    return actions.do_perform_step(
        case, actor=world.actor(user), expected_version=case.version, record=record, **kwargs
    )


def decide(world, case: Case) -> Case:
    """Carry a monitoring case opened on 2026-03-02 to its county approval on 2026-03-07."""
    with on_day(dt.date(2026, 3, 2)):
        perform(
            world,
            case,
            world.cadre,
            {"on": "2026-03-02", "visitors": "王书记", "consent_signed": True},
        )
        perform(
            world,
            case,
            world.approver,
            {"on": "2026-03-02", "departments": "民政、医保", "result": "consistent"},
        )
        perform(
            world,
            case,
            world.cadre,
            {
                "on": "2026-03-02",
                "participants": 15,
                "votes_for": 12,
                "votes_against": 1,
                "votes_abstain": 2,
                "attendees": "村民代表",
            },
            attachments={"minutes": SimpleUploadedFile("记录.jpg", b"\xff\xd8", "image/jpeg")},
        )
        case = Case.objects.get(pk=case.pk)
        actions.do_publish_notice(
            [(case, case.version)],
            actor=world.actor(world.cadre),
            record={"starts_on": "2026-03-02", "place": "村委会", "contact": "乡纪委"},
        )
    with on_day(dt.date(2026, 3, 7)):
        perform(world, case, world.cadre, {})
        for user in (world.reviewer, world.approver):
            perform(
                world,
                case,
                user,
                {"on": "2026-03-07", "opinion": "agree", "override_reason": OVERRIDE},
            )
    case = Case.objects.get(pk=case.pk)
    assert case.decided_on == dt.date(2026, 3, 7) and case.is_open
    return case


@pytest.fixture
def cases(world, household):
    """On 2026-03-02: an undecided case (due 03-16) and a decided one in 五台县, and an
    undecided one in 定襄县 (due 03-11)."""
    decided_household = factories.make_household(
        world.actor(), world.village, number="140922100001002"
    )
    far_household = factories.make_household(
        world.actor(world.outsider), world.other_county_village, number="140921100001001"
    )
    with on_day(dt.date(2026, 3, 2)):
        late = open_monitoring(world, household)
        decided = open_monitoring(world, decided_household)
        far = open_monitoring(world, far_household, world.outsider, signal="2026-02-24")
    decide(world, decided)
    return {"late": late, "decided": decided, "far": far}


def overdue(*args: str, day: dt.date = dt.date(2026, 3, 20)) -> str:
    out = StringIO()
    with on_day(day):
        call_command("cases", "overdue", *args, stdout=out)
    return out.getvalue()


def numbers(output: str) -> list[str]:
    return [row["number"] for row in json.loads(output)]


def test_it_lists_an_undecided_case_past_the_15_days_and_not_a_decided_one(cases, world):
    text = overdue()
    late = cases["late"]

    assert late.number in text and cases["decided"].number not in text
    line = next(row for row in text.splitlines() if late.number in row)
    for part in ("纳入监测", world.village.code, "东冶村", late.household.head_name, "入户核实"):
        assert part in line
    assert "2026-03-16" in line and line.rstrip().endswith("4")
    assert "共2件逾期案件" in text  # the 定襄县 case too: the system sees everywhere


def test_json_gives_scripts_the_days_overdue(cases):
    rows = {row["number"]: row for row in json.loads(overdue("--format", "json"))}

    assert set(rows) == {cases["late"].number, cases["far"].number}
    late = rows[cases["late"].number]
    assert (late["due_on"], late["days_overdue"], late["step_code"]) == ("2026-03-16", 4, "visit")
    assert rows[cases["far"].number]["days_overdue"] == 9


def test_area_restricts_the_list_to_an_area_code(cases, world):
    assert numbers(overdue("--area", world.county.code, "--format", "json")) == [
        cases["late"].number
    ]
    assert numbers(overdue("--area", world.other_county.code, "--format", "json")) == [
        cases["far"].number
    ]
    assert "无逾期案件" in overdue("--area", world.sibling_village.code)


def test_a_bad_area_code_is_refused_naming_it(cases):
    with pytest.raises(CommandError, match="区划代码“149999”不存在"):
        overdue("--area", "149999")


def test_as_a_user_lists_only_the_users_scope(cases, world):
    assert numbers(overdue("--as", world.reviewer.username, "--format", "json")) == [
        cases["late"].number
    ]
    assert numbers(overdue("--as", world.outsider.username, "--format", "json")) == [
        cases["far"].number
    ]
    with pytest.raises(CommandError, match="不在用户的管辖范围内"):
        overdue("--as", world.outsider.username, "--area", world.county.code)
    with pytest.raises(CommandError, match="没有用户"):
        overdue("--as", "nobody")


def test_it_says_so_when_nothing_is_overdue(world, household):
    with on_day(dt.date(2026, 3, 2)):
        open_monitoring(world, household)

    assert overdue(day=dt.date(2026, 3, 16)).strip() == "无逾期案件"  # the last day allowed
    assert json.loads(overdue("--format", "json", day=dt.date(2026, 3, 16))) == []
    assert "共1件逾期案件" in overdue(day=dt.date(2026, 3, 17))


def test_the_console_script_dispatches_cases_overdue(cases, capsys):
    with on_day(dt.date(2026, 3, 20)):
        cli.main(["cases", "overdue", "--format", "json"])

    assert cases["late"].number in numbers(capsys.readouterr().out)
