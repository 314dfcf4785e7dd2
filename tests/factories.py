"""Test data built through the real actions (never by writing rows directly)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from jingzhun.areas.models import Area
from jingzhun.core.actions import Actor
from jingzhun.core.idnumber import make_id_number
from jingzhun.registry import actions
from jingzhun.registry.models import Household

# Endless: a worker of the whole suite draws tens of thousands (``% 1000`` below keeps the
# sequence number of an ID within its three digits).
_sequence = itertools.count(100)


def id_for(birth: dt.date, area: str = "140922") -> str:
    seq = next(_sequence) % 1000
    return make_id_number(area, birth, seq)


def household_data(number: str, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "number": number,
        "household_type": "exited",
        "identification_standard": "national",
        "poverty_attribute": "general",
        "main_cause": "illness",
        "identified_on": dt.date(2014, 6, 1),
        "exit_year": 2018,
        "exited_on": dt.date(2018, 12, 1),
        "phone": "13912345678",
        "bank_account": "6228480012345678901",
    }
    data.update(overrides)
    return data


def member_data(name: str, relation: str, birth: dt.date, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": name,
        "relation": relation,
        "id_type": "resident_id",
        "id_number": id_for(birth),
        "labour_skill": "ordinary",
        "health": "healthy",
        "education": "junior",
        "resident_medical_insurance": True,
        "serious_illness_insurance": True,
    }
    data.update(overrides)
    return data


def make_household(
    actor: Actor,
    village: Area,
    number: str,
    *,
    members: bool = True,
    risks: list[tuple[str, str]] = (),  # type: ignore[assignment]
    **overrides: Any,
) -> Household:
    group = overrides.pop("group", None)
    household = actions.do_create_household(
        actor=actor,
        village=village,
        data=household_data(number, **overrides),
        risks=list(risks),
        group=group,
    )
    if members:
        head_birth = dt.date(1970, 3, 4)
        actions.do_add_member(
            household,
            actor=actor,
            data=member_data("张建国", "head", head_birth, id_number=id_male(head_birth)),
        )
        actions.do_add_member(
            household,
            actor=actor,
            data=member_data(
                "李秀英", "spouse", dt.date(1972, 5, 6), id_number=id_female(dt.date(1972, 5, 6))
            ),
        )
        actions.do_add_member(
            household,
            actor=actor,
            data=member_data(
                "張小明",
                "son",
                dt.date(2012, 9, 1),
                labour_skill="none",
                education="junior",
                student_status="grade_7",
                id_number=id_male(dt.date(2012, 9, 1)),
            ),
        )
        household.refresh_from_db()
        actions.do_set_income(
            household,
            actor=actor,
            year=2024,
            values={
                "wage": Decimal("18000"),
                "business": Decimal("6000"),
                "pension_benefit": Decimal("1800"),
                "business_expense": Decimal("1500"),
            },
        )
    household.refresh_from_db()
    return household


def _id_with_sex(birth: dt.date, odd: bool) -> str:
    while True:
        seq = next(_sequence) % 1000
        if (seq % 2 == 1) == odd:
            return make_id_number("140922", birth, seq)


def id_male(birth: dt.date) -> str:
    return _id_with_sex(birth, True)


def id_female(birth: dt.date) -> str:
    return _id_with_sex(birth, False)
