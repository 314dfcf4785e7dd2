"""Households as the plain dicts the checks read, and a runner for both evaluations."""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pyarrow as pa

from jingzhun.analytics.backend import DuckDBBackend
from jingzhun.analytics.schema import rows_to_arrow
from jingzhun.core.idnumber import make_id_number
from jingzhun.quality.batch import prepare_frames, run_checks
from jingzhun.quality.checks import duplicate_keys, village_findings_expr
from jingzhun.quality.context import CheckContext
from jingzhun.quality.entry import findings_for_data, village_findings_for_data
from jingzhun.registry.income import derive
from jingzhun.registry.models import MEASURE_FIELDS

YEAR = 2024
VILLAGE = "140922100001"
# (check, household id, member id); a village finding: (check, village code, None).
Key = tuple[str, int | str, int | None]


def person_id(birth: dt.date, male: bool, county: str = "140922", seq: int = 11) -> str:
    seq = seq * 2 + (1 if male else 0)
    # Past 999 the sequence digits wrap: move to the next area code so numbers stay unique.
    county = f"{int(county) + seq // 1000:06d}"
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


def measures(hid: int, year: int = YEAR, **values: str) -> dict:
    """One year's 帮扶措施; ``yulu_plan`` derived from 教育帮扶 as the registry's action does."""
    row: dict[str, Any] = {"household_id": hid, "year": year, **dict.fromkeys(MEASURE_FIELDS, "")}
    row.update(values)
    row["yulu_plan"] = "雨露计划" in row["education_aid"]
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
        "measures": [measures(hid, industry_aid="产业奖补", health_aid="家庭医生签约服务")],
    }


def copy_of(bundle: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(bundle)


# The village checks' parameter columns and their types in the per-county parameter table.
VILLAGE_COLUMNS = {"p_same_income_min": pa.int32(), "p_missing_income_pct": pa.decimal128(14, 2)}


@dataclass(frozen=True)
class VillageParameters(CheckContext):
    """A check context with the village checks' parameters given outright (column → value),
    laid over what the policy files say, for entry (``params_for``) and batch
    (``params_table``) alike."""

    village: dict[str, Any] = field(default_factory=dict)

    def params_for(self, county_code: str) -> dict[str, Any]:
        return super().params_for(county_code) | self.village

    def params_table(self, county_codes: list[str]) -> pa.Table:
        table = super().params_table(county_codes)
        for column, value in self.village.items():
            values = pa.array([value] * table.num_rows, type=VILLAGE_COLUMNS[column])
            if column in table.column_names:
                table = table.set_column(table.column_names.index(column), column, values)
            else:
                table = table.append_column(column, values)
        return table


def entry_keys(bundles: list[dict[str, Any]], ctx: CheckContext) -> set[Key]:
    everyone = [m for b in bundles for m in b["members"]]
    dups = duplicate_keys(everyone)
    found: set[Key] = set()
    for b in bundles:
        for f in findings_for_data(**b, ctx=ctx, duplicate_keys=dups):
            found.add((f.code, f.household_id, f.member_id))
    for f in village_findings_for_data(bundles, ctx=ctx):
        found.add((f.code, f.village_code, None))
    return found


def tables(bundles: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "households": rows_to_arrow("households", [b["household"] for b in bundles]),
        "members": rows_to_arrow("members", [m for b in bundles for m in b["members"]]),
        "incomes": rows_to_arrow("incomes", [i for b in bundles for i in b["incomes"]]),
        "risks": rows_to_arrow("risks", [r for b in bundles for r in b["risks"]]),
        "conditions": rows_to_arrow("conditions", [c for b in bundles for c in b["conditions"]]),
        "measures": rows_to_arrow("measures", [a for b in bundles for a in b.get("measures", [])]),
    }


def batch_keys(bundles: list[dict[str, Any]], ctx: CheckContext) -> set[Key]:
    """Every batch finding: the per-household union of ``run_checks`` and the village checks'
    rows (read the same way whether or not ``run_checks`` already includes them)."""
    backend = DuckDBBackend(tables=tables(bundles))
    found: set[Key] = set()
    for r in run_checks(backend, ctx).to_pylist():
        if r["household_id"] is None:
            found.add((r["check_code"], r["village_code"], None))
        else:
            found.add((r["check_code"], r["household_id"], r["member_id"]))
    frames = prepare_frames(backend, ctx)
    # The village parameters reach the frames through the context's parameter columns; where
    # they are not among them (no value in force, as the entry side sees it) nothing is found.
    if set(VILLAGE_COLUMNS) <= set(frames.households.columns):
        villages = village_findings_expr(frames)
        assert villages is not None
        for r in backend.execute(villages).to_pylist():
            found.add((r["check_code"], r["village_code"], None))
    return found
