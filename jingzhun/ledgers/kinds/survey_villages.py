"""第三方评估抽样村调查结果: one row per sampled village — the non-registered rural people
checked for 漏评 and the households asked for 认可度. Natural key: 调查编号 + 行政村. Stored
through ``do_record_survey_village`` (漏评人口数 ≤ 核查人口数).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from jingzhun.accounts.roles import SURVEY_MANAGERS
from jingzhun.assessment import actions
from jingzhun.assessment.models import SurveyVillage
from jingzhun.ledgers.kinds._survey_common import NOTES, SURVEY, SURVEYED_ON, outcome, survey_of
from jingzhun.ledgers.spec import Column, Context, Ledger, Outcome, Row


def find_village(ctx: Context, row: Row) -> SurveyVillage:
    survey = survey_of(ctx, row)
    village = ctx.village("village", row.get("village"), township=row.get("township"))
    found = (
        SurveyVillage.objects.filter(survey=survey, village=village)
        .select_related("survey", "village")
        .first()
    )
    if found is None:
        raise ValidationError(
            {"village": [f"{village.name}不在第{survey.pk}号调查抽中的村中：请核对。"]}
        )
    return found


def write_village(ctx: Context, row: Row, sampled: SurveyVillage) -> Outcome:
    keys = (
        "non_registered_people",
        "missed_poor_people",
        "non_registered_households",
        "non_registered_approving",
        "surveyed_on",
    )
    values = {key: row.get(key) for key in keys}
    values["notes"] = row.get("notes") or ""
    changed = actions.do_record_survey_village(
        actor=ctx.actor, survey_village=sampled, values=values
    )
    return outcome(
        changed,
        f"{sampled.village.name}：核查{values['non_registered_people']}人，"
        f"漏评{values['missed_poor_people']}人",
    )


LEDGER = Ledger(
    kind="survey_villages",
    title="第三方评估抽样村调查结果",
    order=96,
    roles=SURVEY_MANAGERS,
    key="按“调查编号＋行政村”识别抽样村",
    find=find_village,
    write=write_village,
    columns=(
        SURVEY,
        Column("township", "乡镇", aliases=("乡(镇)",), meaning="村所属乡镇（可空）", example=""),
        Column(
            "village",
            "行政村",
            aliases=("抽样村", "村"),
            required=True,
            meaning="抽中的行政村名称或区划代码",
            example="东冶村",
        ),
        Column(
            "non_registered_people",
            "核查的非建档立卡人口数",
            "int",
            aliases=("非建档立卡人口数", "核查人口数"),
            required=True,
            meaning="在本村核查的非建档立卡农村人口数",
            example=120,
        ),
        Column(
            "missed_poor_people",
            "发现的漏评人口数",
            "int",
            aliases=("漏评人口数", "漏评人数"),
            required=True,
            meaning="其中应纳未纳的贫困人口数（不能大于核查人口数）",
            example=0,
        ),
        Column(
            "non_registered_households",
            "调查的非建档立卡户数",
            "int",
            aliases=("调查户数",),
            meaning="询问认可度的非建档立卡户数",
            example=20,
        ),
        Column(
            "non_registered_approving",
            "其中认可户数",
            "int",
            aliases=("认可户数",),
            meaning="其中认可的户数（不能大于调查户数）",
            example=19,
        ),
        SURVEYED_ON,
        NOTES,
    ),
    notes=("一行一个抽中的行政村。",),
)
