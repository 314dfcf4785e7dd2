"""Problem ledgers for the demo county: problems from several sources (an audit, an inspection,
an unannounced visit, a petition, an assessment, a self-check of the data), dated back from
today so that some are overdue; some rectified and closed by the level above, one awaiting
closing, one closed and reopened. Everything through the supervision actions (validation,
audit entries), so the ledger, its report and its history read as a county's would. The demo
runs no data-quality batch when it loads, so its data-quality problem is entered by hand with
the households it names linked as evidence.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from jingzhun.accounts.models import User
from jingzhun.areas.models import Area
from jingzhun.audit.models import Source
from jingzhun.core.actions import Actor
from jingzhun.registry.models import Household
from jingzhun.supervision import actions

# (where, source, category, description, days ago found, days to deadline, what happens)
PROBLEMS: tuple[tuple[str, str, str, str, int, int, str], ...] = (
    ("village", "审计", "资金使用", "到户产业奖补资金拨付滞后两个月", 200, 60, "closed"),
    ("village", "巡视巡察", "政策落实", "防返贫监测对象未及时纳入帮扶", 150, 45, "overdue"),
    ("township", "明察暗访", "作风问题", "部分帮扶责任人走访记录与实际不符", 90, 60, "pending"),
    ("village", "群众信访", "帮扶工作", "群众反映光伏收益分配不公开", 120, 30, "overdue"),
    ("village", "成效考核", "项目管理", "村级扶贫车间设备闲置", 300, 90, "reopened"),
    ("village", "自查", "数据质量", "部分农户家庭成员劳动能力与年龄不符", 20, 40, "open"),
    ("county", "交叉检查", "政策落实", "县级部门行业帮扶政策台账不完整", 60, 90, "open"),
    (
        "township",
        "信息比对",
        "数据质量",
        "乡镇汇总的务工人数与人社部门数据不一致",
        45,
        30,
        "closed",
    ),
)

UNITS = {"village": "村民委员会", "township": "人民政府", "county": "乡村振兴局"}


def load_demo_problems(home_village: Area, users: dict[str, User]) -> dict[str, int]:
    """Enter the demo's problems for the county of ``home_village``; returns counts."""
    today = actions.today()
    township = home_village.parent
    county = township.parent if township else None
    assert township is not None and county is not None
    areas = {"village": home_village, "township": township, "county": county}
    inspector = Actor(user=users["jijian"], source=Source.DEMO)
    approver = Actor(user=users["xian"], source=Source.DEMO)
    reviewer = Actor(user=users["xiang"], source=Source.DEMO)
    cadre = Actor(user=users["cun"], source=Source.DEMO)
    staff = {"village": cadre, "township": reviewer, "county": approver}
    # The level above each area: the township closes a village's problem, the county a
    # township's; the county's own problem waits for the city.
    above = {"village": reviewer, "township": approver}
    households = list(
        Household.objects.filter(village_code=home_village.code, is_deleted=False).order_by("id")[
            :2
        ]
    )
    counts = {"problems": 0, "closed": 0, "overdue": 0}
    for where, source, category, text, ago, days, fate in PROBLEMS:
        found_on = today - dt.timedelta(days=ago)
        deadline = found_on + dt.timedelta(days=days)
        values: dict[str, Any] = {
            "source": source,
            "category": category,
            "description": text,
            "found_on": found_on,
            "responsible_unit": areas[where].name + UNITS[where],
            "responsible_person": "",
            "deadline": deadline,
            "measures": "限期整改，逐项销号",
        }
        problem = actions.do_create_problem(actor=inspector, area=areas[where], values=values)
        counts["problems"] += 1
        if category == "数据质量" and where == "village":
            for household in households:
                actions.do_add_problem_evidence(actor=cadre, problem=problem, household=household)
        if fate in ("closed", "pending", "reopened"):
            actions.do_add_problem_evidence(
                actor=staff[where], problem=problem, text="已按整改措施完成整改，资料已归档"
            )
            actions.do_submit_problem_closing(actor=staff[where], problem=problem)
        if fate in ("closed", "reopened"):
            actions.do_close_problem(actor=above[where], problem=problem, reason="经核查整改到位")
            counts["closed"] += 1
        if fate == "reopened":
            problem.refresh_from_db()
            actions.do_reopen_problem(
                actor=inspector, problem=problem, reason="回访发现设备仍未使用，问题反弹"
            )
            counts["closed"] -= 1
        problem.refresh_from_db()
        if problem.is_overdue(today):
            counts["overdue"] += 1
    return counts
