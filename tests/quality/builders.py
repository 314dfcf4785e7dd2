"""Households as the plain dicts the checks read, and a runner for both evaluations."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal
from typing import Any

from jingzhun.analytics.backend import DuckDBBackend
from jingzhun.analytics.schema import rows_to_arrow
from jingzhun.core.idnumber import make_id_number
from jingzhun.quality.batch import run_checks
from jingzhun.quality.checks import duplicate_keys
from jingzhun.quality.context import CheckContext
from jingzhun.quality.entry import findings_for_data
from jingzhun.registry.income import derive

YEAR = 2024
VILLAGE = "140922100001"
Key = tuple[str, int, int | None]


def person_id(birth: dt.date, male: bool, county: str = "140922", seq: int = 11) -> str:
    seq = seq * 2 + (1 if male else 0)
    return make_id_number(county, birth, seq % 1000)


def member(mid: int, hid: int, relation: str, sex: str, birth: dt.date, **extra: Any) -> dict:
    row = {
        "id": mid,
        "household_id": hid,
        "name": f"成员{mid}",
        "sex": sex,
        "id_type": "resident_id",
        "id_number": person_id(birth, sex == "M", seq=mid),
        "birth_date": birth,
        "relation": relation,
        "ethnicity": "han",
        "education": "junior",
        "student_status": "not_student",
        "dropout_reason": "",
        "health": "healthy",
        "labour_skill": "ordinary",
        "work_status": "not_working",
        "work_months": 0,
        "resident_medical_insurance": True,
        "employee_medical_insurance": False,
        "serious_illness_insurance": True,
        "resident_pension": False,
        "employee_pension": False,
        "dibao": False,
        "tekun": False,
        "public_welfare_months": 0,
    }
    row.update(extra)
    return row


def income(hid: int, size: int, year: int = YEAR, **values: Any) -> dict:
    parts = {
        "wage": Decimal("18000"),
        "business": Decimal("6000"),
        "property_income": Decimal(0),
        "dibao_benefit": Decimal(0),
        "tekun_benefit": Decimal(0),
        "pension_benefit": Decimal("1800"),
        "family_planning_benefit": Decimal(0),
        "ecological_compensation": Decimal(0),
        "other_transfer": Decimal(0),
        "business_expense": Decimal("1500"),
        "compliant_out_of_pocket": Decimal(0),
    }
    parts.update({k: Decimal(str(v)) for k, v in values.items()})
    return {
        "household_id": hid,
        "year": year,
        "household_size": size,
        **parts,
        **derive(parts, size),
    }


def conditions(hid: int, year: int = YEAR, **extra: Any) -> dict:
    row = {
        "household_id": hid,
        "year": year,
        "cultivated_land_mu": Decimal("3.50"),
        "has_electricity": True,
        "road_hardened": True,
        "housing_area_m2": Decimal("80.00"),
        "is_dangerous_house": False,
        "housing_grade": "",
        "safe_drinking_water": True,
        "water_difficulty": False,
        "has_sanitary_toilet": True,
        "is_relocated": False,
    }
    row.update(extra)
    return row


def valid_household(hid: int = 1, village: str = VILLAGE) -> dict[str, Any]:
    """A 脱贫户 of three with a 2024 income above every threshold: no check fires."""
    base = hid * 10
    return {
        "household": {
            "id": hid,
            "number": f"H{hid:08d}",
            "village_code": village,
            "household_type": "exited",
            "identification_standard": "national",
            "poverty_attribute": "general",
            "main_cause": "illness",
            "identified_on": dt.date(2014, 6, 1),
            "exit_year": 2018,
            "exited_on": dt.date(2018, 12, 1),
            "monitoring_category": "",
            "monitoring_identified_on": None,
            "risk_eliminated": None,
            "risk_eliminated_on": None,
            "elimination_method": "",
            "no_labour_guarantee": False,
            "member_count": 3,
        },
        "members": [
            member(base + 1, hid, "head", "M", dt.date(1970, 3, 4)),
            member(base + 2, hid, "spouse", "F", dt.date(1972, 5, 6)),
            member(
                base + 3,
                hid,
                "son",
                "M",
                dt.date(2012, 9, 1),
                labour_skill="none",
                student_status="grade_7",
            ),
        ],
        "incomes": [income(hid, 3)],
        "risks": [],
        "conditions": [conditions(hid)],
    }


def copy_of(bundle: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(bundle)


def entry_keys(bundles: list[dict[str, Any]], ctx: CheckContext) -> set[Key]:
    everyone = [m for b in bundles for m in b["members"]]
    dups = duplicate_keys(everyone)
    found: set[Key] = set()
    for b in bundles:
        for f in findings_for_data(**b, ctx=ctx, duplicate_keys=dups):
            found.add((f.code, f.household_id, f.member_id))
    return found


def tables(bundles: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "households": rows_to_arrow("households", [b["household"] for b in bundles]),
        "members": rows_to_arrow("members", [m for b in bundles for m in b["members"]]),
        "incomes": rows_to_arrow("incomes", [i for b in bundles for i in b["incomes"]]),
        "risks": rows_to_arrow("risks", [r for b in bundles for r in b["risks"]]),
        "conditions": rows_to_arrow("conditions", [c for b in bundles for c in b["conditions"]]),
    }


def batch_keys(bundles: list[dict[str, Any]], ctx: CheckContext) -> set[Key]:
    result = run_checks(DuckDBBackend(tables=tables(bundles)), ctx)
    return {(r["check_code"], r["household_id"], r["member_id"]) for r in result.to_pylist()}
