"""帮扶措施 in the national sheet: read, previewed, applied through do_set_measures, re-imported
unchanged; a blank measure cell means "none"; other years are never touched."""

from __future__ import annotations

import csv
from typing import Any

from jingzhun.audit.models import AuditEntry
from jingzhun.core.actions import Actor
from jingzhun.imports.models import Status
from jingzhun.registry import actions
from jingzhun.registry.models import Household, Measures
from tests.imports.builders import HEADER, apply, family, stage, write_national

MEASURE_COLUMNS = ["产业帮扶", "就业帮扶", "健康帮扶", "教育帮扶", "综合保障", "社会帮扶"]
HEADER_WITH_MEASURES = [*HEADER, *MEASURE_COLUMNS]
NUMBER = "140922100009001"


def _rows(world: Any, **measures: str) -> list[dict[str, Any]]:
    return [row | measures for row in family(world, NUMBER)]


def _write(tmp_path, name: str, rows: list[dict[str, Any]]):
    return write_national(tmp_path / name, rows, header=HEADER_WITH_MEASURES)


def test_measures_of_a_new_household_are_stored_for_the_import_year(tmp_path, world):
    rows = _rows(world, 产业帮扶="产业奖补", 教育帮扶="雨露计划、助学贷款", 综合保障="无")
    upload = apply(stage(world.approver, _write(tmp_path, "n.xlsx", rows)), world.approver)
    assert upload.status == Status.APPLIED
    assert upload.result["households_created"] == 1, upload.preview["problems"]
    household = Household.objects.get(number=NUMBER)
    stored = Measures.objects.get(household=household)
    assert stored.year == 2023
    assert (stored.industry_aid, stored.education_aid, stored.yulu_plan) == (
        "产业奖补",
        "雨露计划、助学贷款",
        True,
    )
    assert stored.basic_guarantee == ""  # "无" is the registry's blank
    entry = AuditEntry.objects.get(action="set_measures", household=household)
    assert (entry.source, entry.source_ref) == ("import", f"upload:{upload.pk}")


def test_the_preview_lists_the_measures_to_create_and_reimport_changes_nothing(tmp_path, world):
    path = _write(tmp_path, "n.xlsx", _rows(world, 就业帮扶="稳岗补贴"))
    upload = stage(world.approver, path)
    planned = upload.preview["entries"]["create"][0]["measures"]
    assert planned == {"action": "create", "changes": {"employment_aid": [None, "稳岗补贴"]}}
    apply(upload, world.approver)
    again = stage(world.approver, path)
    assert again.counts["households_unchanged"] == 1, again.preview["entries"]["change"]


def test_a_changed_measure_is_applied_and_a_blank_cell_clears_its_family(tmp_path, world):
    apply(
        stage(world.approver, _write(tmp_path, "a.xlsx", _rows(world, 产业帮扶="产业奖补"))),
        world.approver,
    )
    upload = stage(world.approver, _write(tmp_path, "b.xlsx", _rows(world, 健康帮扶="医疗救助")))
    change = upload.preview["entries"]["change"][0]["measures"]
    assert change["action"] == "change"
    assert change["changes"] == {
        "industry_aid": ["产业奖补", ""],
        "health_aid": ["", "医疗救助"],
    }
    apply(upload, world.approver)
    stored = Measures.objects.get(household__number=NUMBER, year=2023)
    assert (stored.industry_aid, stored.health_aid, stored.version) == ("", "医疗救助", 2)


def test_a_household_whose_measure_cells_are_all_blank_keeps_its_measures(tmp_path, world):
    apply(
        stage(world.approver, _write(tmp_path, "a.xlsx", _rows(world, 社会帮扶="社会捐赠"))),
        world.approver,
    )
    upload = stage(world.approver, _write(tmp_path, "b.xlsx", _rows(world)))
    assert upload.counts["households_unchanged"] == 1
    apply(upload, world.approver)
    assert Measures.objects.get(household__number=NUMBER).social_aid == "社会捐赠"


def test_measures_of_other_years_are_never_touched(tmp_path, world):
    apply(
        stage(world.approver, _write(tmp_path, "a.xlsx", _rows(world, 产业帮扶="产业奖补"))),
        world.approver,
    )
    household = Household.objects.get(number=NUMBER)
    actions.do_set_measures(
        household, actor=Actor(world.approver, "form"), year=2022, values={"industry_aid": "旧"}
    )
    apply(
        stage(world.approver, _write(tmp_path, "b.xlsx", _rows(world, 产业帮扶="光伏收益分红"))),
        world.approver,
    )
    years = dict(Measures.objects.filter(household=household).values_list("year", "industry_aid"))
    assert years == {2022: "旧", 2023: "光伏收益分红"}


def test_measures_without_an_import_year_are_refused_with_the_fix(tmp_path, world):
    # The template (CSV) may come without a year; its measures then have none to belong to.
    rows = [
        {k: v for k, v in row.items() if "收入" not in k and k != "生产经营性支出"}
        for row in _rows(world, 产业帮扶="产业奖补")
    ]
    path = tmp_path / "h.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    upload = stage(world.approver, path, kind="households", year=None)
    problems = upload.preview["problems"]
    assert any(p["column"] == "产业帮扶" and "年度" in p["reason"] for p in problems), problems
    assert upload.counts["households_refused"] == 1


def test_the_preview_warns_of_a_vocational_student_without_the_yulu_plan(tmp_path, world):
    monitored = {
        "户类型": "监测户",
        "监测对象类别": "边缘易致贫户",
        "识别监测时间": "202205",
        "致贫/返贫风险1": "因学",
    }
    rows = [row | monitored for row in _rows(world, 教育帮扶="助学贷款")]
    rows[2] |= {"在校生状况": "中职", "劳动技能": "无劳动力", "文化程度": "初中"}
    upload = stage(world.approver, _write(tmp_path, "n.xlsx", rows))
    warnings = upload.preview["entries"]["create"][0]["warnings"]
    assert any("[Q-M-040]" in w and "张小明" in w for w in warnings), warnings
    for row in rows:
        row["教育帮扶"] = "雨露计划"
    upload = stage(world.approver, _write(tmp_path, "m.xlsx", rows))
    warnings = upload.preview["entries"]["create"][0]["warnings"]
    assert not any("[Q-M-040]" in w for w in warnings), warnings
