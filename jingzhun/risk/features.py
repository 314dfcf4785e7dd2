"""The features of a household for year N, as known on 31 December of N (the cut-off).

:func:`build_features` reads the snapshot through the batch backend (``incomes`` of N and N-1,
``conditions`` of N, ``households`` and ``members``) plus the department signals and the health
history the database keeps (:mod:`jingzhun.risk.signals`), and returns one row per household
that has an income record for N. Nothing dated after the cut-off is read: incomes and
conditions are filtered to years ≤ N, monitoring and elimination dates are compared with the
cut-off, members' ages are taken at the cut-off, and a member's health is the value it had then
(changes recorded in the audit trail after it are undone). The registry's current-state fields
that carry no date (labour skill, student status) are used as they are now: see
:data:`UNDATED` and docs/risk.md.

The outcome is not here: it lives in :mod:`jingzhun.risk.labels`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from jingzhun.analytics.backend import Backend
from jingzhun.policy.parameters import ParameterMissing, ParameterSet, default_parameters
from jingzhun.registry import choices as c


@dataclass(frozen=True)
class Feature:
    name: str
    label: str  # Chinese, for pages and reports
    health: bool = False  # health information: shown only to roles that see health


FEATURES: tuple[Feature, ...] = (
    Feature("income_per_capita", "人均纯收入"),
    Feature("income_change", "人均纯收入较上年变化"),
    Feature("wage_change", "工资性收入较上年变化"),
    Feature("income_to_threshold", "人均纯收入与当年监测线之比"),
    Feature("transfer_share", "转移性收入占比"),
    Feature("medical_spending_per_capita", "人均合规自付医疗支出", health=True),
    Feature("household_size", "家庭人口"),
    Feature("labour_count", "劳动力人数"),
    Feature("dependants_ratio", "非劳动力占比"),
    Feature("serious_ill_members", "大病患者人数", health=True),
    Feature("disabled_members", "残疾人数", health=True),
    Feature("chronic_ill_members", "慢性病患者人数", health=True),
    Feature("students", "在校生人数"),
    Feature("elderly", "60岁以上老人数"),
    Feature("registered_poor", "建档立卡脱贫户"),
    Feature("assistance_household", "低保或特困户"),
    Feature("monitored_at_cutoff", "年底仍在监测中"),
    Feature("monitoring_eliminated", "曾纳入监测、风险已消除"),
    Feature("dangerous_house", "住房为危房"),
    Feature("water_difficulty", "饮水困难"),
    Feature("alerts_health", "部门预警：医疗与残疾", health=True),
    Feature("alerts_employment", "部门预警：失业"),
    Feature("alerts_housing", "部门预警：住房与灾害"),
    Feature("alerts_education", "部门预警：辍学"),
    Feature("alerts_assistance", "部门预警：低保特困未纳入监测"),
)
FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)
BY_NAME: Mapping[str, Feature] = {f.name: f for f in FEATURES}

# Current-state registry fields without a date: for a past year they say how things are now.
UNDATED = frozenset({"labour_count", "dependants_ratio", "students"})

# Department alert rules grouped into the signals above (jingzhun/crosscheck/rules.py). The
# eligibility rules (vehicle, business, payroll, property) say a household should not be helped,
# not that it is at risk, and are left out.
ALERT_GROUPS: Mapping[str, tuple[str, ...]] = {
    "alerts_health": ("medical_stay", "medical_outpatient", "insurance_stopped", "new_disability"),
    "alerts_employment": ("unemployment",),
    "alerts_housing": ("unsafe_house", "disaster_loss"),
    "alerts_education": ("school_dropout",),
    "alerts_assistance": ("assistance_not_monitored",),
}


def cutoff(year: int) -> dt.date:
    return dt.date(year, 12, 31)


def thresholds(
    county_codes: list[str], year: int, parameters: ParameterSet | None = None
) -> dict[str, float]:
    """{county code: monitoring threshold in force on 31 December ``year``}; a county without
    one is left out (:func:`threshold_years` keeps such years out of training)."""
    params = parameters or default_parameters()
    out: dict[str, float] = {}
    for county in sorted(set(county_codes)):
        try:
            out[county] = float(
                params.value("monitoring_threshold", on=year, area_code=county).value
            )
        except ParameterMissing:
            continue
    return out


def has_threshold(year: int, parameters: ParameterSet | None = None) -> bool:
    """Whether the national monitoring threshold exists for ``year`` (monitoring began in 2020)."""
    return bool(thresholds(["000000"], year, parameters))


_INCOME_COLUMNS = ("per_capita_net", "wage", "transfer", "net_income", "household_size")
_INCOME_PARTS = ("wage", "business", "property_income", "transfer", "compliant_out_of_pocket")


def _incomes(backend: Backend, years: tuple[int, ...]) -> pd.DataFrame:
    t = backend.table("incomes")
    columns = sorted({*_INCOME_COLUMNS, *_INCOME_PARTS})
    expr = t.filter(t.year.isin(list(years))).select("household_id", "year", *columns)
    frame = backend.execute(expr).to_pandas()
    for name in columns:
        frame[name] = frame[name].astype("float64")
    return frame


def _members(backend: Backend) -> pd.DataFrame:
    t = backend.table("members")
    expr = t.select("id", "household_id", "birth_date", "health", "labour_skill", "student_status")
    return backend.execute(expr).to_pandas()


def _households(backend: Backend) -> pd.DataFrame:
    t = backend.table("households")
    expr = t.select(
        "id",
        "village_code",
        "identified_on",
        "exit_year",
        "poverty_attribute",
        "monitoring_identified_on",
        "risk_eliminated",
        "risk_eliminated_on",
    )
    return backend.execute(expr).to_pandas().set_index("id")


def _conditions(backend: Backend, year: int) -> pd.DataFrame:
    t = backend.table("conditions")
    expr = t.filter(t.year == year).select("household_id", "is_dangerous_house", "water_difficulty")
    return backend.execute(expr).to_pandas().set_index("household_id")


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    out = numerator / denominator.where(denominator > 0)
    return out.astype("float64")


def _dates(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series, errors="coerce")


def _member_features(
    members: pd.DataFrame, year: int, health_then: Mapping[int, str]
) -> pd.DataFrame:
    """Counts per household of the members alive at the cut-off, with their health then."""
    day = pd.Timestamp(cutoff(year))
    born = _dates(members["birth_date"])
    members = members[born <= day].copy()
    born = born[born <= day]
    age = (day.year - born.dt.year) - (
        (born.dt.month > day.month) | ((born.dt.month == day.month) & (born.dt.day > day.day))
    ).astype(int)
    if health_then:
        members["health"] = [
            health_then.get(int(mid), h)
            for mid, h in zip(members["id"], members["health"], strict=True)
        ]
    working = members["labour_skill"].isin([str(s) for s in c.WORKING_LABOUR])
    student = ~members["student_status"].isin(["", str(c.StudentStatus.NOT_STUDENT)])
    frame = pd.DataFrame(
        {
            "household_id": members["household_id"],
            "labour_count": (working & age.between(16, 64)).astype(int),
            "serious_ill_members": (members["health"] == c.Health.SERIOUS).astype(int),
            "disabled_members": (members["health"] == c.Health.DISABLED).astype(int),
            "chronic_ill_members": (members["health"] == c.Health.CHRONIC).astype(int),
            "students": student.astype(int),
            "elderly": (age >= 60).astype(int),
        }
    )
    return frame.groupby("household_id").sum()


def build_features(
    backend: Backend,
    year: int,
    *,
    alerts: pd.DataFrame | None = None,
    health_then: Mapping[int, str] | None = None,
    parameters: ParameterSet | None = None,
) -> pd.DataFrame:
    """One row per household with an income record for ``year``, indexed by household id, with
    the columns :data:`FEATURE_NAMES` (float; NaN where unknown, e.g. no income the year before)
    and ``village_code``.

    ``alerts``: department alert counts per household and group as of the cut-off
    (:func:`jingzhun.risk.signals.alert_counts`; absent → 0). ``health_then``: {member id: health
    on the cut-off} for members whose health changed after it
    (:func:`jingzhun.risk.signals.health_at`)."""
    day = pd.Timestamp(cutoff(year))
    incomes = _incomes(backend, (year - 1, year))
    now = incomes[incomes["year"] == year].set_index("household_id")
    before = incomes[incomes["year"] == year - 1].set_index("household_id")
    households = _households(backend)
    ids = now.index.intersection(households.index)
    now, households = now.loc[ids], households.loc[ids]
    before = before.reindex(ids)

    county = households["village_code"].str[:6]
    line = county.map(thresholds(county.tolist(), year, parameters)).astype("float64")
    gross = now["wage"] + now["business"] + now["property_income"] + now["transfer"]

    out = pd.DataFrame(index=ids)
    out.index.name = "household_id"
    out["village_code"] = households["village_code"]
    out["income_per_capita"] = now["per_capita_net"]
    out["income_change"] = _ratio(
        now["per_capita_net"] - before["per_capita_net"], before["per_capita_net"].abs()
    )
    out["wage_change"] = _ratio(now["wage"] - before["wage"], before["wage"])
    out["income_to_threshold"] = _ratio(now["per_capita_net"], line)
    out["transfer_share"] = _ratio(now["transfer"], gross)
    out["medical_spending_per_capita"] = _ratio(
        now["compliant_out_of_pocket"], now["household_size"]
    )
    out["household_size"] = now["household_size"]

    people = _member_features(_members(backend), year, health_then or {}).reindex(ids)
    people = people.fillna(0)
    for name in people.columns:
        out[name] = people[name].astype("float64")
    out["dependants_ratio"] = _ratio(
        (out["household_size"] - out["labour_count"]).clip(lower=0), out["household_size"]
    )

    identified = _dates(households["identified_on"])
    out["registered_poor"] = (identified <= day).astype("float64")
    out["assistance_household"] = (
        households["poverty_attribute"].isin([c.PovertyAttribute.DIBAO, c.PovertyAttribute.TEKUN])
        & (identified <= day)
    ).astype("float64")
    entered = _dates(households["monitoring_identified_on"])
    eliminated_on = _dates(households["risk_eliminated_on"])
    eliminated_by_then = households["risk_eliminated"].fillna(False).astype(bool) & (
        eliminated_on <= day
    )
    out["monitored_at_cutoff"] = ((entered <= day) & ~eliminated_by_then).astype("float64")
    out["monitoring_eliminated"] = ((entered <= day) & eliminated_by_then).astype("float64")

    conditions = _conditions(backend, year).reindex(ids)
    out["dangerous_house"] = conditions["is_dangerous_house"].astype("float64")
    out["water_difficulty"] = conditions["water_difficulty"].astype("float64")

    counts = alerts if alerts is not None else pd.DataFrame(columns=list(ALERT_GROUPS))
    counts = counts.reindex(index=ids, columns=list(ALERT_GROUPS)).fillna(0)
    for name in ALERT_GROUPS:
        out[name] = counts[name].astype("float64")

    out = out[["village_code", *FEATURE_NAMES]]
    out[list(FEATURE_NAMES)] = out[list(FEATURE_NAMES)].replace([np.inf, -np.inf], np.nan)
    return out.sort_index()
