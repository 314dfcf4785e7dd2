"""Walking cases through their procedures in tests: valid records per step kind, the persona
for each role, and a frozen clock per step.

Every change goes through :mod:`jingzhun.cases.actions`, exactly as the pages and the API do.
Other test modules import these names; keep them stable.

- :func:`new_household`, :func:`not_registered`, :func:`registered_poor`, :func:`monitored`,
  :func:`eliminated` (and :data:`STARTING_STATE` by case type) make households in the state a
  case type starts from;
- :func:`at` freezes the clock (Asia/Shanghai, 10:00) on a day;
- :func:`application` / :func:`step_record` / :func:`notice_record` give a complete, valid
  record for a case type's application, a step kind or a notice, with overrides;
- :func:`open_case` opens a case as the village cadre on a day;
- :func:`advance` does the case's current step as the right persona (opening or closing a 公示,
  publishing a 公告 included); :func:`walk` repeats it to the end (or to a given step), moving
  the clock past each notice's last day;
- :func:`attempt` tries the current step as any user and lets the exception through, for the
  refusal tests; :func:`snapshot` is what "nothing changed" compares.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from jingzhun.accounts.models import User
from jingzhun.accounts.roles import Role
from jingzhun.audit.models import AuditEntry
from jingzhun.cases import actions
from jingzhun.cases.choices import StepKind
from jingzhun.cases.models import Case, CaseStep
from jingzhun.cases.procedures import Step, procedure_of
from jingzhun.core.actions import Actor
from jingzhun.registry.models import Household
from tests import factories

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Long enough for OVERRIDE_MIN_CHARS; given with every decision so a walk never stops on a
# policy verdict. actions.do_perform_step drops it when the verdict matches the procedure.
OVERRIDE = "入户核实情况属实，村乡两级一致同意办理"
START = dt.date(2025, 3, 3)  # a Monday; the default income year is then 2024 (factories)

APPLICATIONS: dict[str, dict[str, Any]] = {
    "identification": {
        "channel": "self_report",
        "reason": "户主患病，家庭收入低于贫困线",
        "main_cause": "illness",
        "poverty_attribute": "general",
        "identification_standard": "national",
    },
    "exit": {"channel": "cadre_visit", "reason": "务工收入稳定，达到退出标准"},
    "monitoring": {
        "channel": "cadre_visit",
        "first_signal_on": None,  # filled with the opening day
        "reason": "户主住院，自付医疗费用高",
        "category": "unstable_exited",
        "risk_types": ["illness"],
    },
    "elimination": {
        "channel": "cadre_visit",
        "reason": "务工收入稳定，风险已消除",
        "method": "assisted",
    },
    "reversal": {
        "channel": "department_alert",
        "first_signal_on": None,
        "reason": "遭受洪灾，房屋受损",
        "risk_types": ["natural_disaster"],
    },
    "removal": {
        "channel": "department_alert",
        "reason": "部门比对显示家庭有商品房和车辆",
        "scope": "monitoring",
    },
}

STEP_RECORDS: dict[str, dict[str, Any]] = {
    StepKind.VISIT: {"visitors": "王书记、驻村工作队李队长", "consent_signed": True},
    StepKind.COMPARISON: {"departments": "民政、医保、住建、公安", "result": "consistent"},
    StepKind.DELIBERATION: {
        "participants": 15,
        "votes_for": 12,
        "votes_against": 1,
        "votes_abstain": 2,
        "attendees": "村民代表12人、村干部2人、驻村工作队1人",
    },
    StepKind.VERIFICATION: {"verifiers": "村委会、驻村工作队", "result": "confirmed"},
    StepKind.AGREEMENT: {"signed": True},
    StepKind.REVIEW: {"opinion": "agree", "override_reason": OVERRIDE},
    StepKind.APPROVAL: {"opinion": "agree", "override_reason": OVERRIDE},
    StepKind.UPDATE: {"notes": ""},
}

# The persona of the world fixture (tests/conftest.py) who does a step of each role.
ROLE_PERSONA = {
    Role.VILLAGE_CADRE: "cadre",
    Role.TOWNSHIP_REVIEWER: "reviewer",
    Role.COUNTY_APPROVER: "approver",
}
# Every in-scope persona of the world fixture, for "every other role is refused".
IN_SCOPE_PERSONAS = (
    "cadre",
    "reviewer",
    "approver",
    "analyst",
    "city_viewer",
    "province_viewer",
    "inspector",
    "admin",
)
OUT_OF_SCOPE_PERSONAS = ("sibling_cadre", "other_reviewer", "outsider")


# --- households in the starting state of each case type (the world fixture's village) --------

_numbers = iter(range(2, 1000))


def new_household(world: Any, **overrides: Any) -> Household:
    """A household of the world's village (a 脱贫户 of three that exited in 2018, with a 2024
    income: tests/factories.py) with ``overrides``; numbered after the ``household`` fixture's."""
    number = f"140922100001{next(_numbers) % 1000:03d}"
    return factories.make_household(world.actor(), world.village, number=number, **overrides)


def not_registered(world: Any) -> Household:
    """An ordinary household, never identified (a 建档立卡 candidate)."""
    return new_household(
        world,
        household_type="ordinary",
        identified_on=None,
        exit_year=None,
        exited_on=None,
        main_cause="",
        poverty_attribute="",
        identification_standard="",
    )


def registered_poor(world: Any) -> Household:
    """Identified in 2014, not exited yet."""
    return new_household(world, household_type="ordinary", exit_year=None, exited_on=None)


def monitored(world: Any, since: dt.date = dt.date(2023, 6, 1), **overrides: Any) -> Household:
    """A 脱贫不稳定户 under monitoring since ``since``, risk not eliminated (因病)."""
    data: dict[str, Any] = {
        "household_type": "monitored",
        "monitoring_category": "unstable_exited",
        "monitoring_identified_on": since,
        "risk_eliminated": False,
        "risks": [("illness", "")],
    }
    return new_household(world, **(data | overrides))


def eliminated(world: Any) -> Household:
    """A monitored household whose risk was eliminated (帮扶消除) in June 2024."""
    return monitored(
        world,
        risk_eliminated=True,
        risk_eliminated_on=dt.date(2024, 6, 1),
        elimination_method="assisted",
    )


STARTING_STATE: dict[str, Callable[[Any], Household]] = {
    "identification": not_registered,
    "exit": registered_poor,
    "monitoring": new_household,
    "elimination": monitored,
    "reversal": eliminated,
    "removal": monitored,  # scope "monitoring" (the default application)
}


@contextmanager
def at(day: dt.date, hour: int = 10) -> Iterator[None]:
    """The clock frozen on ``day`` (Shanghai time)."""
    with time_machine.travel(dt.datetime.combine(day, dt.time(hour), SHANGHAI), tick=False):
        yield


def actor(user: User) -> Actor:
    return Actor(user=user, source="form", ip="127.0.0.1")


def minutes() -> dict[str, SimpleUploadedFile]:
    return {"minutes": SimpleUploadedFile("评议记录.jpg", b"\xff\xd8minutes", "image/jpeg")}


def application(case_type: str, on: dt.date, /, **overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {"on": on.isoformat(), **APPLICATIONS[case_type]}
    if "first_signal_on" in record:
        record["first_signal_on"] = on.isoformat()
    record.update(overrides)
    return record


def step_record(kind: str, on: dt.date, /, **overrides: Any) -> dict[str, Any]:
    return {"on": on.isoformat(), **STEP_RECORDS[kind], **overrides}


def notice_record(on: dt.date, /, **overrides: Any) -> dict[str, Any]:
    return {
        "starts_on": on.isoformat(),
        "place": "村委会公示栏",
        "contact": "乡镇纪委 0350-1234567",
        **overrides,
    }


def people_of(world: Any) -> dict[str, User]:
    """Role → the persona who does that role's steps."""
    return {role: getattr(world, name) for role, name in ROLE_PERSONA.items()}


def fresh(case: Case) -> Case:
    return Case.objects.select_related("household", "notice").get(pk=case.pk)


def current_step(case: Case) -> Step:
    return procedure_of(case).step(case.position)


def open_case(
    people: Mapping[str, User],
    household: Household,
    case_type: str,
    on: dt.date = START,
    **overrides: Any,
) -> Case:
    with at(on):
        return actions.do_open_case(
            actor=actor(people[Role.VILLAGE_CADRE]),
            household=household,
            case_type=case_type,
            record=application(case_type, on, **overrides),
        )


def attempt(case: Case, user: User, on: dt.date, /, **overrides: Any) -> Case:
    """Do the case's current step as ``user`` on ``on`` with a valid record (``overrides``
    replace parts of it). Exceptions go through to the caller. Returns the case re-read."""
    case = fresh(case)
    step = current_step(case)
    with at(on):
        if step.is_notice and case.notice_id is None:
            actions.do_publish_notice(
                [(case, case.version)], actor=actor(user), record=notice_record(on, **overrides)
            )
        elif step.kind == StepKind.PUBLICITY:
            actions.do_perform_step(
                case, actor=actor(user), expected_version=case.version, record={},
                step_code=step.code,
            )  # fmt: skip
        else:
            actions.do_perform_step(
                case,
                actor=actor(user),
                expected_version=case.version,
                step_code=step.code,
                record=step_record(step.kind, on, **overrides),
                attachments=minutes() if step.kind == StepKind.DELIBERATION else None,
            )
    return fresh(case)


def advance(people: Mapping[str, User], case: Case, on: dt.date, /, **overrides: Any) -> Case:
    """Do the current step as the persona of its role."""
    case = fresh(case)
    return attempt(case, people[current_step(case).role], on, **overrides)


def walk(
    people: Mapping[str, User],
    case: Case,
    on: dt.date = START,
    *,
    until: str = "",
) -> Case:
    """Do every step in turn from ``on`` (the same day, or the day after a 公示 ends) until the
    case is closed or its current step is ``until`` (stopping before a 公示 is opened)."""
    case = fresh(case)
    day = on
    while case.is_open and not (case.step_code == until and case.notice_id is None):
        case = advance(people, case, day)
        if case.notice_id is not None:
            day = case.notice.ends_on + dt.timedelta(days=1)
    return case


def snapshot(case: Case) -> tuple[Any, ...]:
    """What must stay the same when a step is refused."""
    row = Case.objects.get(pk=case.pk)
    household = Household.objects.get(pk=case.household_id)
    return (
        row.version,
        row.position,
        row.status,
        row.notice_id,
        CaseStep.objects.filter(case=case).count(),
        household.version,
        AuditEntry.objects.count(),
    )


def registry_audit(household: Household) -> AuditEntry:
    """The registry's audit entry for the household change a case made (exactly one)."""
    return AuditEntry.objects.get(household=household, action="update_household", source="case")
