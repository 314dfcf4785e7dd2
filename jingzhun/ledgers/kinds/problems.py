"""问题台账: one row is one problem found by an inspection, an audit, an unannounced visit, a
cross-check, an assessment, data comparison, a petition or a self-check — the sheets inspectors
hand out.

Natural key: 地区 + 发现日期 + 问题描述. A problem is never changed by an import (its
rectification and closing are recorded on its page, with evidence): the same problem with other
content is refused, naming what differs. Stored through ``do_create_problem``, which refuses a
discovery date in the future and a deadline before the discovery date.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import translation

from jingzhun.accounts.roles import PROBLEM_RECORDERS
from jingzhun.areas.models import Area, Level
from jingzhun.ledgers.spec import Column, Context, Ledger, Outcome, Row
from jingzhun.supervision import actions
from jingzhun.supervision.models import Problem, ProblemCategory, ProblemSource

COMPARED = {
    "source": "问题来源",
    "category": "问题类别",
    "responsible_unit": "责任单位",
    "deadline": "整改时限",
}


def _options(choices: type, extra: dict[str, tuple[str, ...]]) -> tuple:
    with translation.override("zh-hans"):
        return tuple((code, (str(label), *extra.get(code, ()))) for code, label in choices.choices)


SOURCES = _options(
    ProblemSource,
    {
        "inspection": ("巡视", "巡察", "巡视反馈", "巡察反馈"),
        "audit": ("审计发现", "审计反馈"),
        "unannounced_visit": ("暗访", "明察", "暗访明察"),
        "assessment": ("考核", "成效考核反馈", "考核评估"),
        "data_comparison": ("数据比对", "部门比对"),
        "petition": ("信访", "信访举报", "举报"),
        "self_check": ("自查自纠", "排查"),
    },
)
CATEGORIES = _options(
    ProblemCategory,
    {
        "policy": ("政策落实不到位",),
        "funds": ("资金", "资金管理"),
        "projects": ("项目", "项目建设"),
        "data_quality": ("数据", "信息采集"),
        "assistance": ("帮扶", "帮扶责任"),
        "conduct": ("作风", "工作作风"),
    },
)


def _area(ctx: Context, row: Row) -> Area:
    if row.get("township") not in (None, "") and not str(row.get("area") or "").isdigit():
        return ctx.village("area", row.get("area"), township=row.get("township"))
    return ctx.area(
        "area", row.get("area"), levels=(Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE), what="地区"
    )


def find(ctx: Context, row: Row) -> Problem | None:
    area = _area(ctx, row)
    if not row.get("found_on") or not row.get("description"):
        return None  # the action names what is missing
    return (
        Problem.objects.filter(
            area=area, found_on=row["found_on"], description=str(row["description"]).strip()
        )
        .order_by("id")
        .first()
    )


def write(ctx: Context, row: Row, problem: Problem | None) -> Outcome:
    area = _area(ctx, row)
    if problem is not None:
        differ = {
            key: [getattr(problem, key), row[key]]
            for key in COMPARED
            if row.get(key) not in (None, "") and row[key] != getattr(problem, key)
        }
        if differ:
            raise ValidationError(
                {
                    key: [
                        f"{area.name}已登记问题{problem.number}，{COMPARED[key]}为“{old}”，"
                        f"表中为“{new}”：请核对；导入不修改已登记的问题，整改和销号请在问题页面办理"
                    ]
                    for key, (old, new) in differ.items()
                }
            )
        return Outcome("unchanged", f"{area.name} 问题{problem.number}已登记")
    problem = actions.do_create_problem(
        actor=ctx.actor,
        area=area,
        values={
            key: row.get(key)
            for key in (
                "source",
                "category",
                "description",
                "found_on",
                "responsible_unit",
                "responsible_person",
                "deadline",
                "measures",
            )
        },
    )
    return Outcome(
        "create", f"{area.name} {problem.get_source_display()}问题，时限{problem.deadline}"
    )


LEDGER = Ledger(
    kind="problems",
    title="问题整改台账",
    order=90,
    roles=PROBLEM_RECORDERS,
    key="按“地区＋发现日期＋问题描述”识别",
    find=find,
    write=write,
    columns=(
        Column(
            "township",
            "乡镇",
            aliases=("乡(镇)", "所属乡镇"),
            meaning="问题所在村所属的乡镇（可空；村名在本县重名时用于区分）",
            example="",
        ),
        Column(
            "area",
            "地区",
            aliases=("问题所在地", "所在村", "行政村", "单位所在地", "区划代码"),
            required=True,
            meaning="问题所在的县、乡镇或行政村的名称或区划代码",
            example="东冶村",
            errors=("area",),
        ),
        Column(
            "source",
            "问题来源",
            "options",
            aliases=("来源", "发现渠道", "问题渠道"),
            required=True,
            meaning="发现问题的渠道",
            example="审计",
            options=SOURCES,
        ),
        Column(
            "category",
            "问题类别",
            "options",
            aliases=("类别", "问题类型", "问题分类"),
            required=True,
            meaning="问题所属的类别",
            example="资金使用",
            options=CATEGORIES,
        ),
        Column(
            "description",
            "问题描述",
            aliases=("问题表现", "具体问题", "存在问题", "问题内容"),
            required=True,
            meaning="发现的问题",
            example="到户产业奖补资金未按时发放",
        ),
        Column(
            "found_on",
            "发现日期",
            "date",
            aliases=("发现时间", "反馈日期", "交办日期"),
            required=True,
            meaning="发现（反馈）问题的日期（不能晚于今天）",
            example="2026-10-08",
        ),
        Column(
            "responsible_unit",
            "责任单位",
            aliases=("整改责任单位", "责任主体"),
            required=True,
            meaning="负责整改的单位",
            example="东冶村村民委员会",
        ),
        Column(
            "responsible_person",
            "责任人",
            "name",
            aliases=("整改责任人",),
            meaning="负责整改的人",
            example="李支书",
        ),
        Column(
            "deadline",
            "整改时限",
            "date",
            aliases=("整改期限", "完成时限", "整改完成时限"),
            required=True,
            meaning="整改完成的期限（不能早于发现日期）",
            example="2026-12-31",
        ),
        Column(
            "measures",
            "整改措施",
            aliases=("整改措施及进展", "整改方案"),
            meaning="承诺的整改措施",
            example="11月底前发放到户并公示",
        ),
    ),
    notes=(
        "一行一个问题；已登记的问题不会被导入修改，整改情况、销号申请和销号在问题页面办理。",
        "整改时限不能早于发现日期，发现日期不能晚于今天。",
    ),
)
