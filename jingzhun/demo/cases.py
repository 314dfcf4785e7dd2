"""A few open cases in the demo's home village, so the inbox, a running 公示 and an overdue case
are there to look at on the first login. Every step goes through the case actions, dated
relative to today; none is carried to its final step, so the generated registry is unchanged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile

from jingzhun.accounts.models import User
from jingzhun.areas.models import Area
from jingzhun.audit.models import Source
from jingzhun.cases import actions
from jingzhun.cases.models import Case
from jingzhun.core.actions import Actor
from jingzhun.registry import choices as c
from jingzhun.registry.models import Household

Days = Callable[[int], str]


def _minutes() -> dict[str, Any]:
    text = "村民代表民主评议会议记录（演示）：到会15人，赞成13票，反对1票，弃权1票。"
    return {"minutes": ContentFile(text.encode("utf-8"), name="评议会议记录.txt")}


def _walk(case: Case, steps: list[tuple[Actor, dict[str, Any], bool]]) -> Case:
    for actor, record, minutes in steps:
        case = actions.do_perform_step(
            case,
            actor=actor,
            expected_version=case.version,
            record=record,
            attachments=_minutes() if minutes else None,
        )
    return case


def _supported_first(households: list[Household], cadre: User) -> list[Household]:
    """Households the policy engine places in the monitoring range first, so the demo's cases
    mostly agree with their verdict (the others show what an override looks like)."""
    from jingzhun.policy.criteria import MONITORING, PASS
    from jingzhun.policy.decisions import evaluate_household
    from jingzhun.quality.context import default_year

    year = default_year(actions.today())
    supported = {
        h.pk for h in households if evaluate_household(h, year, cadre).status(MONITORING) == PASS
    }
    return sorted(households, key=lambda h: (h.pk not in supported, h.pk))


def create_demo_cases(village: Area, users: dict[str, User]) -> list[str]:
    """Open the demo cases; returns their numbers. A household whose demo data would make the
    case invalid is passed over for the next one."""
    today = actions.today()
    cadre, approver = (Actor(user=users[name], source=Source.DEMO) for name in ("cun", "xian"))

    township = village.parent.name if village.parent else ""

    def day(n: int) -> str:
        return (today - dt.timedelta(days=n)).isoformat()

    candidates = Household.objects.filter(
        village_code=village.code, is_deleted=False, monitoring_category=""
    ).order_by("id")
    plans = [
        # (days ago opened, first signal, steps to do, notice start or None)
        (18, 20, 14),  # publicity closed, waiting for review, past the 15-day deadline
        (3, 4, 1),  # publicity running now: the public notice page is live
        (1, 1, None),  # just opened, waiting for the visit
    ]
    numbers = []
    pool = iter(_supported_first(list(candidates[:80]), users["cun"]))
    for opened, signal, notice in plans:
        for household in pool:
            category = (
                c.MonitoringCategory.UNSTABLE_EXITED
                if household.exit_year
                else c.MonitoringCategory.MARGINAL
            )
            try:
                case = actions.do_open_case(
                    actor=cadre,
                    household=household,
                    case_type="monitoring",
                    record={
                        "on": day(opened),
                        "channel": "cadre_visit",
                        "first_signal_on": day(signal),
                        # The demo plants overdue cases on purpose.
                        "late_confirmed": True,
                        "reason": "户主患病住院，医疗支出大，家庭收入下降（演示）",
                        "category": category,
                        "risk_types": [c.RiskType.ILLNESS],
                    },
                )
            except ValidationError:
                continue
            if notice is not None:
                step_day = day(max(opened - 1, notice))
                case = _walk(
                    case,
                    [
                        (
                            cadre,
                            {
                                "on": step_day,
                                "visitors": "驻村第一书记、村委会主任",
                                "consent_signed": True,
                            },
                            False,
                        ),
                        (
                            approver,
                            {
                                "on": step_day,
                                "departments": "民政、医保、人社、公安",
                                "result": "consistent",
                            },
                            False,
                        ),
                        (
                            cadre,
                            {
                                "on": step_day,
                                "participants": 15,
                                "votes_for": 13,
                                "votes_against": 1,
                                "votes_abstain": 1,
                                "attendees": "村民代表、村干部、驻村工作队",
                            },
                            True,
                        ),
                    ],
                )
                actions.do_publish_notice(
                    [(case, case.version)],
                    actor=cadre,
                    record={
                        "starts_on": day(notice),
                        "place": f"{village.name}村务公开栏",
                        "contact": f"{township}人民政府 0350-0000000",
                    },
                )
                case.refresh_from_db()
                if case.notice and case.notice.ends_on < today:
                    case = actions.do_perform_step(
                        case, actor=cadre, expected_version=case.version, record={}
                    )
            numbers.append(case.number)
            break
    return numbers
