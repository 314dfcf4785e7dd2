"""The survey team's filled-in sample list, uploaded back: the sampled households' and
villages' results stored as the page stores them, the same file again unchanged, impossible
results and households outside the sample refused."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest

from jingzhun.assessment.actions import do_draw_survey
from jingzhun.assessment.models import SurveyHousehold, SurveyVillage
from tests.conftest import login
from tests.ledgers.conftest import actions_by_row, apply, load, refused


@pytest.fixture
def survey(world: Any, homes: dict[str, Any]) -> Any:
    return do_draw_survey(
        actor=world.actor(world.analyst), county=world.county, year=2026,
        villages=3, households_per_village=5, seed="ledger",
    )  # fmt: skip


def filled_sample(client: Any, world: Any, survey: Any, fill: dict[str, list[Any]]) -> bytes:
    """The sample list downloaded from the survey page, with result cells filled per sheet."""
    response = login(client, world.analyst).get(f"/assessment/surveys/{survey.pk}/sample.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    for name, values in fill.items():
        sheet = book[name]
        header_row = next(r for r in range(1, 6) if sheet.cell(r, 1).value == "调查编号")
        titles = [c.value for c in sheet[header_row]]
        for offset, row_values in enumerate(values, start=header_row + 1):
            for title, value in row_values.items():
                sheet.cell(offset, titles.index(title) + 1, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_filled_sample_list_stores_every_household_result(client, world, survey):
    rows = [{"家庭人口数": 3, "错退人口数": 0, "是否认可": "是", "调查日期": "2026-11-20"}] * 3
    rows[1] = {"家庭人口数": 4, "错退人口数": 1, "是否认可": "否", "调查日期": "2026-11-21"}
    content = filled_sample(client, world, survey, {"抽样户": rows})
    upload, _ = load(world.analyst, "survey_households", content)
    assert upload.counts.get("change") == 3, upload.preview["rows"]
    apply(world.analyst, upload)
    found = sorted(
        SurveyHousehold.objects.filter(survey=survey).values_list(
            "people", "wrongly_exited_people", "approves"
        )
    )
    assert found == [(3, 0, True), (3, 0, True), (4, 1, False)]
    # The same results in another file (a copy re-saved): every row unchanged.
    copy = filled_sample(client, world, survey, {"抽样户": []})
    again, created = load(world.analyst, "survey_households", copy)
    assert created and set(actions_by_row(again).values()) == {"unchanged"}, refused(again)


def test_village_results_are_read_from_the_village_sheet(client, world, survey):
    rows = [
        {"核查的非建档立卡人口数": 100, "发现的漏评人口数": 1,
         "调查的非建档立卡户数": 10, "其中认可户数": 9},
    ] * 3  # fmt: skip
    content = filled_sample(client, world, survey, {"抽样村": rows})
    upload, _ = load(world.analyst, "survey_villages", content)
    assert upload.counts.get("change") == 3, upload.preview["rows"]
    apply(world.analyst, upload)
    assert set(SurveyVillage.objects.values_list("missed_poor_people", flat=True)) == {1}


def test_impossible_results_and_households_outside_the_sample_are_refused(client, world, survey):
    rows = [{"家庭人口数": 2, "错退人口数": 3, "调查日期": "2026-11-20"}]
    content = filled_sample(client, world, survey, {"抽样户": rows})
    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet = book["抽样户"]
    last = sheet.max_row + 1
    sheet.cell(last, 1, survey.pk)
    sheet.cell(last, 3, "140922999999999")  # not a household of the county
    sheet.cell(last, 6, 1)
    sheet.cell(last, 7, 0)
    out = io.BytesIO()
    book.save(out)
    upload, _ = load(world.analyst, "survey_households", out.getvalue())
    problems = refused(upload)
    messages = [p["reason"] for row in problems.values() for p in row]
    assert any("不能大于" in m for m in messages), problems
    assert any("140922999999999" in m for m in messages), problems
    assert not SurveyHousehold.objects.filter(people__isnull=False).exists()


def test_a_cadre_cannot_load_survey_results(world, survey):
    from jingzhun.core.actions import PermissionDenied

    with pytest.raises(PermissionDenied):
        load(world.cadre, "survey_households", b"x")
