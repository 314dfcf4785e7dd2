"""What the two survey-result ledgers share (survey_households, survey_villages): the
第三方评估抽样调查结果 are what the survey team found, one row per sampled exited household
(抽样户) or per sampled village (抽样村) — the sample list the survey page hands out, filled in.

Natural key: 调查编号 (the survey's number on its page and sample list) + 户编号, or + 行政村.
A row changes the stored result through ``do_record_survey_household`` /
``do_record_survey_village`` (the same checks as the page: 错退人口数 ≤ 家庭人口数, 漏评人口数 ≤
核查人口数, no survey date after today); the same result again is "unchanged".
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from jingzhun.assessment.results import surveys_for
from jingzhun.ledgers.spec import Column, Context, Outcome, Row

SURVEY = Column(
    "survey",
    "调查编号",
    "int",
    aliases=("抽样调查编号",),
    required=True,
    meaning="抽样调查页面和抽样名单上的调查编号",
    example=1,
)
SURVEYED_ON = Column(
    "surveyed_on",
    "调查日期",
    "date",
    aliases=("入户日期", "调查时间"),
    meaning="调查的日期（不能晚于今天）",
    example="2026-11-20",
)
NOTES = Column("notes", "备注", meaning="调查员的说明", example="")


def survey_of(ctx: Context, row: Row) -> Any:
    number = row.get("survey")
    found = surveys_for(ctx.user).filter(pk=number).first() if number else None
    if found is None or not found.county_code.startswith(ctx.scope.scope_prefix[:6]):
        raise ValidationError(
            {"survey": [f"调查编号“{number or ''}”不存在或不在本地区：请按抽样名单填写。"]}
        )
    return found


def outcome(changed: bool, what: str) -> Outcome:
    return Outcome("change" if changed else "unchanged", what)
