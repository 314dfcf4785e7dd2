"""第三方评估抽样户调查结果: one row per sampled exited household — the sample list the
survey page hands out, filled in. Natural key: 调查编号 + 户编号. Stored through
``do_record_survey_household`` (错退人口数 ≤ 家庭人口数; no survey date after today).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from jingzhun.accounts.roles import SURVEY_MANAGERS
from jingzhun.assessment import actions
from jingzhun.assessment.models import SurveyHousehold
from jingzhun.ledgers.kinds._survey_common import NOTES, SURVEY, SURVEYED_ON, outcome, survey_of
from jingzhun.ledgers.spec import Column, Context, Ledger, Outcome, Row


def find_household(ctx: Context, row: Row) -> SurveyHousehold:
    survey = survey_of(ctx, row)
    household = ctx.household("household", row.get("household"))
    found = (
        SurveyHousehold.objects.filter(survey=survey, household=household)
        .select_related("survey", "household")
        .first()
    )
    if found is None:
        raise ValidationError(
            {"household": [f"户编号{household.number}不在第{survey.pk}号调查的样本中：请核对。"]}
        )
    return found


def write_household(ctx: Context, row: Row, sampled: SurveyHousehold) -> Outcome:
    values = {key: row.get(key) for key in ("people", "wrongly_exited_people", "surveyed_on")}
    values["approves"] = row.get("approves")
    values["notes"] = row.get("notes") or ""
    changed = actions.do_record_survey_household(
        actor=ctx.actor, survey_household=sampled, values=values
    )
    return outcome(
        changed,
        f"{sampled.household.number}：{values['people']}人，错退{values['wrongly_exited_people']}人",
    )


LEDGER = Ledger(
    kind="survey_households",
    title="第三方评估抽样户调查结果",
    order=95,
    roles=SURVEY_MANAGERS,
    key="按“调查编号＋户编号”识别抽样户",
    find=find_household,
    write=write_household,
    columns=(
        SURVEY,
        Column(
            "household",
            "户编号",
            aliases=("农户编号",),
            required=True,
            meaning="抽样户的户编号",
            example="140922100001001",
        ),
        Column(
            "people",
            "家庭人口数",
            "int",
            aliases=("调查核实人口数", "人口数"),
            required=True,
            meaning="调查核实的家庭人口数（1至30）",
            example=4,
        ),
        Column(
            "wrongly_exited_people",
            "错退人口数",
            "int",
            aliases=("错退人数",),
            required=True,
            meaning="仍未达到脱贫标准的人数（不能大于家庭人口数；没有填0）",
            example=0,
        ),
        Column(
            "approves",
            "是否认可",
            "bool",
            aliases=("认可度", "是否满意"),
            meaning="农户是否认可帮扶和退出工作（未答留空）",
            example="是",
        ),
        SURVEYED_ON,
        NOTES,
    ),
    notes=("一行一个抽样户；从抽样调查页面下载抽样名单填写后上传。",),
)
