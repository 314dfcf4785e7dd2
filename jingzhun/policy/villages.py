"""Village and county exit decisions (贫困村、贫困县退出; 厅字〔2016〕16号, docs/domain.md).

A village exits when its poverty incidence is below ``village_exit_incidence_max`` (2%, 3% in
the western provinces) and it meets the rest of the village standard its province chose
(configuration: standards/village.yaml; the national default only considers infrastructure,
services, industry and collective income, Guangxi's 十一有一低于 requires eleven items). A
county exits when its incidence is below ``county_exit_incidence_max`` and the third-party
assessment's 三率一度 are within their limits (any one failing: no exit).

**Poverty incidence** = people of the registered poor households (建档立卡: identified, and not
exited before the year) that do not meet the household exit standard in the year
(:mod:`jingzhun.policy.decisions`) ÷ the rural registered population (农业户籍人口, from the
village's :class:`~jingzhun.areas.models.VillageProfile`). A household whose exit standard is
unknown (data missing) is neither counted out nor silently counted in: the incidence is a range,
from "only the failing households" to "the failing and the unknown ones". It passes when the
upper end is below the limit, fails when the lower end reaches it, and is unknown otherwise,
naming how many households' data decide it.

Two evaluations of the household part, with the same counts (tests/policy/test_village_county.py):

* :func:`counts_from_evaluations` — Python, over the household evaluations of one village
  (the village page);
* :func:`village_counts_expr` — ONE Ibis aggregation of the batch household decisions per
  village (DuckDB, PostgreSQL, Spark): no loop over households.

Both feed the same village-level combination (:func:`evaluate_village`), a handful of Decimal
comparisons per village, so the village decisions agree whenever the counts do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import yaml
from django.utils.translation import gettext_noop

from jingzhun.analytics.backend import Backend
from jingzhun.policy.criteria import (
    FAIL,
    OPERATOR_WORDS,
    PASS,
    STATUS_LABELS,
    UNKNOWN,
    Result,
    Text,
)
from jingzhun.policy.decisions import DecisionResult, HouseholdEvaluation, combine, decisions_expr
from jingzhun.policy.features import features_expr
from jingzhun.policy.parameters import (
    NATIONAL,
    TITLES,
    LineLoader,
    ParameterSet,
    default_parameters,
    known_region_codes,
    regions_for,
)

VILLAGE_EXIT, COUNTY_EXIT = "village_exit", "county_exit"
STANDARD_FILE = Path(__file__).parent / "standards" / "village.yaml"
HUNDRED = Decimal(100)
SHOWN = Decimal("0.01")  # rates are shown as percentages to two decimals, compared exactly


# --- the village items a standard may require (村情信息 fields) ---------------------------------


@dataclass(frozen=True)
class VillageItem:
    field: str  # the VillageProfile field
    code: str
    title: str  # Chinese
    op: str  # "==" True for a flag, ">" 0 for an amount
    constant: Any
    rationale: str


def _flag(field: str, code: str, title: str, rationale: str) -> VillageItem:
    return VillageItem(field, code, title, "==", True, rationale)


VILLAGE_ITEMS: dict[str, VillageItem] = {
    item.field: item
    for item in (
        _flag(
            "has_specialty_industry",
            "V-INDUSTRY",
            gettext_noop("有特色产业"),
            gettext_noop("村有稳定的特色主导产业。"),
        ),
        _flag(
            "has_housing_security",
            "V-HOUSING",
            gettext_noop("有住房保障"),
            gettext_noop("村内农户住房安全有保障。"),
        ),
        _flag(
            "has_medical_insurance",
            "V-MEDICAL",
            gettext_noop("有基本医疗保险"),
            gettext_noop("村民参加基本医疗保险。"),
        ),
        _flag(
            "has_compulsory_education",
            "V-EDUCATION",
            gettext_noop("有义务教育保障"),
            gettext_noop("义务教育阶段适龄儿童少年无因贫失学辍学。"),
        ),
        _flag(
            "has_road", "V-ROAD", gettext_noop("有路通村屯"), gettext_noop("通村（屯）道路硬化。")
        ),
        _flag(
            "has_drinking_water",
            "V-WATER",
            gettext_noop("有饮用水"),
            gettext_noop("村民饮水安全有保障。"),
        ),
        _flag(
            "has_electricity",
            "V-ELECTRICITY",
            gettext_noop("有电用"),
            gettext_noop("村通生产生活用电。"),
        ),
        _flag(
            "has_public_services",
            "V-SERVICES",
            gettext_noop("有公共服务设施"),
            gettext_noop("有村级公共服务中心（卫生室、文化室等）。"),
        ),
        _flag(
            "has_television", "V-TV", gettext_noop("有电视看"), gettext_noop("村民能收看广播电视。")
        ),
        VillageItem(
            "collective_income",
            "V-COLLECTIVE-INCOME",
            gettext_noop("有村集体经济收入"),
            ">",
            Decimal(0),
            gettext_noop("村集体经济有收入（当年收入高于0元；地方另有金额标准时以地方文件为准）。"),
        ),
        _flag(
            "has_good_committee",
            "V-COMMITTEE",
            gettext_noop("有好的“两委”班子"),
            gettext_noop("村“两委”班子坚强有力。"),
        ),
    )
}


# --- the standards file ----------------------------------------------------------------------


class StandardFileError(ValueError):
    """standards/village.yaml cannot be loaded; the message names the file, line and fix."""


@dataclass(frozen=True)
class VillageStandard:
    code: str
    title: str
    source: str
    conditions: tuple[str, ...]  # VILLAGE_ITEMS fields required (besides the incidence)
    considered: tuple[str, ...]  # shown, not deciding


NO_STANDARD = VillageStandard("none", gettext_noop("当年无生效的贫困村退出标准"), "", (), ())


@dataclass(frozen=True)
class StandardAssignment:
    region: str
    standard: str
    effective_from: dt.date

    @property
    def version(self) -> str:
        return f"village_standard@{self.region}@{self.effective_from.isoformat()}"


@dataclass(frozen=True)
class StandardConfig:
    standards: dict[str, VillageStandard]
    assignments: tuple[StandardAssignment, ...]

    def for_area(
        self, area_code: str, year: int
    ) -> tuple[VillageStandard, StandardAssignment | None]:
        """The standard in force on 31 December ``year`` for an area (its county, city,
        province, then the nation: the most specific region with an assignment); before any
        is in force, :data:`NO_STANDARD` (no item: only the incidence is judged) and None."""
        day = dt.date(year, 12, 31)
        for region in regions_for(area_code):
            found = [a for a in self.assignments if a.region == region and a.effective_from <= day]
            if found:
                chosen = max(found, key=lambda a: a.effective_from)
                return self.standards[chosen.standard], chosen
        return NO_STANDARD, None


def load_standards(path: Path = STANDARD_FILE) -> StandardConfig:
    """Read and check the standards file; raises :class:`StandardFileError` naming the line."""
    try:
        # LineLoader is a yaml.SafeLoader that also records each mapping's line.
        doc = yaml.load(path.read_text("utf-8"), Loader=LineLoader) or {}  # noqa: S506
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f" 第{mark.line + 1}行" if mark else ""
        raise StandardFileError(f"{path.name}{line}：不是有效的YAML：{error}") from None

    def where(node: Any) -> str:
        line = node.get("__line__", 0) if isinstance(node, dict) else 0
        return f"{path.name} 第{line}行"

    standards: dict[str, VillageStandard] = {}
    for code, entry in (doc.get("standards") or {}).items():
        if code == "__line__":
            continue
        if not isinstance(entry, dict) or not entry.get("title"):
            raise StandardFileError(f"{where(entry)}：标准{code}缺少 title。")
        items: dict[str, tuple[str, ...]] = {}
        for key in ("conditions", "considered"):
            names = tuple(entry.get(key) or ())
            unknown = [n for n in names if n not in VILLAGE_ITEMS]
            if unknown:
                raise StandardFileError(
                    f"{where(entry)}：标准{code}的{key}中有未知项{'、'.join(map(str, unknown))}："
                    f"可用{'、'.join(VILLAGE_ITEMS)}。"
                )
            items[key] = names
        both = set(items["conditions"]) & set(items["considered"])
        if both:
            raise StandardFileError(
                f"{where(entry)}：标准{code}的{'、'.join(sorted(both))}不能既是条件又是统筹考虑项。"
            )
        standards[code] = VillageStandard(
            code, str(entry["title"]), str(entry.get("source", "")), **items
        )
    assignments: list[StandardAssignment] = []
    known = known_region_codes()
    for entry in doc.get("assignments") or ():
        region, standard = str(entry.get("region", "")), entry.get("standard")
        day = entry.get("effective_from")
        if region not in known:
            raise StandardFileError(f"{where(entry)}：未知区划代码“{region}”。")
        if standard not in standards:
            raise StandardFileError(
                f"{where(entry)}：未知标准“{standard}”：可用{'、'.join(standards)}。"
            )
        if not isinstance(day, dt.date):
            raise StandardFileError(f"{where(entry)}：effective_from 应为日期（YYYY-MM-DD）。")
        if any(a.region == region and a.effective_from == day for a in assignments):
            raise StandardFileError(f"{where(entry)}：区划{region}在{day}已有一个标准。")
        assignments.append(StandardAssignment(region, standard, day))
    if not any(a.region == NATIONAL for a in assignments):
        raise StandardFileError(f"{path.name}：缺少全国（000000）默认标准的 assignments 条目。")
    return StandardConfig(standards, tuple(assignments))


@lru_cache(maxsize=1)
def default_standards() -> StandardConfig:
    return load_standards()


# --- the household part: counts per village --------------------------------------------------


@dataclass(frozen=True)
class VillageCounts:
    """The registered poor households of one village in a year, by household exit standard."""

    village_code: str
    registered_households: int = 0
    registered_people: int = 0
    failed_households: int = 0  # households failing the exit standard …
    failed_people: int = 0  # … and their people
    unknown_households: int = 0  # households whose exit standard is unknown …
    unknown_people: int = 0  # … and their people
    empty_households: int = 0  # registered poor households with no member record

    def __add__(self, other: VillageCounts) -> VillageCounts:
        return VillageCounts(
            self.village_code,
            *(getattr(self, f) + getattr(other, f) for f in COUNT_FIELDS),
        )


COUNT_FIELDS = tuple(f.name for f in fields(VillageCounts) if f.name != "village_code")


def registered_poor(formerly_poor: bool | None, exit_year: int | None, year: int) -> bool:
    """建档立卡贫困户 in ``year``: identified (or exited) and not exited before ``year``."""
    return bool(formerly_poor) and (exit_year is None or exit_year >= year)


def counts_from_evaluations(
    village_code: str, evaluations: Iterable[HouseholdEvaluation], year: int
) -> VillageCounts:
    """The village counts from household evaluations of ``year`` (Python, one village)."""
    totals = dict.fromkeys(COUNT_FIELDS, 0)
    for e in evaluations:
        f = e.features
        if not registered_poor(f.get("formerly_poor"), f.get("exit_year"), year):
            continue
        people, status = int(f.get("members") or 0), e.status("exit_standard")
        totals["registered_households"] += 1
        totals["registered_people"] += people
        totals["failed_households"] += status == FAIL
        totals["failed_people"] += people if status == FAIL else 0
        totals["unknown_households"] += status == UNKNOWN
        totals["unknown_people"] += people if status == UNKNOWN else 0
        totals["empty_households"] += people == 0
    return VillageCounts(village_code, **totals)


def registered_expr(
    backend: Backend,
    year: int,
    *,
    area_prefix: str = "",
    parameters: ParameterSet | None = None,
) -> ir.Table:
    """One row per registered poor household of ``year`` (:func:`registered_poor`):
    ``household_id``, ``village_code``, its ``exit_standard`` status (the batch household
    decisions, :func:`~jingzhun.policy.decisions.decisions_expr`) and its ``members``."""
    features = backend.materialize(
        "policy_village_features",
        features_expr(backend, year, parameters=parameters, area_prefix=area_prefix),
    )
    decided = decisions_expr(features).select("household_id", "village_code", "exit_standard")
    facts = features.select(
        f_id=features.household_id,
        members=features.members,
        formerly_poor=features.formerly_poor,
        exit_year=features.exit_year,
    )
    j = decided.join(facts, decided.household_id == facts.f_id)
    j = j.filter(j.formerly_poor.fill_null(False) & (j.exit_year.isnull() | (j.exit_year >= year)))
    return j.select("household_id", "village_code", "exit_standard", "members")


def village_counts_expr(
    backend: Backend,
    year: int,
    *,
    area_prefix: str = "",
    parameters: ParameterSet | None = None,
) -> ir.Table:
    """One row per village with registered poor households: ``village_code`` and the columns
    of :data:`COUNT_FIELDS`, aggregated set-based over :func:`registered_expr`."""
    j = registered_expr(backend, year, area_prefix=area_prefix, parameters=parameters)
    people = j.members.fill_null(0).cast("int64")
    zero = ibis.literal(0, type="int64")

    def total(condition: ir.BooleanValue, value: ir.IntegerValue) -> ir.IntegerScalar:
        return ibis.ifelse(condition, value, zero).sum().fill_null(0)

    one = ibis.literal(1, type="int64")
    return j.group_by("village_code").aggregate(
        registered_households=j.count().cast("int64"),
        registered_people=people.sum().fill_null(0),
        failed_households=total(j.exit_standard == FAIL, one),
        failed_people=total(j.exit_standard == FAIL, people),
        unknown_households=total(j.exit_standard == UNKNOWN, one),
        unknown_people=total(j.exit_standard == UNKNOWN, people),
        empty_households=total(people == 0, one),
    )


def village_counts_batch(
    backend: Backend,
    year: int,
    *,
    area_prefix: str = "",
    parameters: ParameterSet | None = None,
) -> dict[str, VillageCounts]:
    """:func:`village_counts_expr` run on ``backend``: {village code: counts}."""
    table = backend.execute(
        village_counts_expr(backend, year, area_prefix=area_prefix, parameters=parameters)
    )
    return {
        row["village_code"]: VillageCounts(
            row["village_code"], **{f: int(row[f]) for f in COUNT_FIELDS}
        )
        for row in table.to_pylist()
        if row["village_code"] is not None
    }


# --- facts entered by people ------------------------------------------------------------------


@dataclass(frozen=True)
class ProfileFacts:
    """A village's 村情信息 for a year, as plain data (see VillageProfile)."""

    village_code: str
    year: int
    rural_population: int | None
    items: Mapping[str, Any] = field(default_factory=dict)  # VILLAGE_ITEMS field → value

    @classmethod
    def from_model(cls, profile: Any) -> ProfileFacts:
        return cls(
            profile.village.code,
            profile.year,
            profile.rural_population,
            {name: getattr(profile, name) for name in VILLAGE_ITEMS},
        )


@dataclass(frozen=True)
class AssessmentFacts:
    """A county's third-party assessment figures for a year (see CountyAssessment); None:
    not reported."""

    county_code: str
    year: int
    sampled_exited_people: int | None = None
    wrongly_exited_people: int | None = None
    sampled_non_registered_people: int | None = None
    missed_poor_people: int | None = None
    households_surveyed: int | None = None
    households_approving: int | None = None
    remaining_poor_people: int | None = None
    rural_population: int | None = None
    source: str = ""

    @classmethod
    def from_model(cls, assessment: Any) -> AssessmentFacts:
        names = [f.name for f in fields(cls) if f.name not in ("county_code", "year")]
        return cls(
            assessment.county.code,
            assessment.year,
            **{name: getattr(assessment, name) for name in names},
        )


ASSESSMENT_LABELS = {
    "sampled_exited_people": gettext_noop("抽查的退出人口数"),
    "wrongly_exited_people": gettext_noop("发现的错退人口数"),
    "sampled_non_registered_people": gettext_noop("抽查村非建档立卡农村人口数"),
    "missed_poor_people": gettext_noop("发现的漏评人口数"),
    "households_surveyed": gettext_noop("调查户数"),
    "households_approving": gettext_noop("认可户数"),
    "remaining_poor_people": gettext_noop("剩余建档立卡贫困人口数"),
    "rural_population": gettext_noop("农村人口数"),
}


# --- criteria --------------------------------------------------------------------------------


def percent(numerator: int, denominator: int) -> Decimal:
    """``numerator ÷ denominator`` in percent, for display (:func:`shown`)."""
    return Decimal(numerator) * HUNDRED / Decimal(denominator)


def reaches(numerator: int, denominator: int, limit: Decimal) -> bool:
    """``numerator ÷ denominator ≥ limit %``, compared exactly (integers × a decimal limit, no
    division to round)."""
    return Decimal(numerator) * HUNDRED >= limit * denominator


def shown(rate: Decimal) -> Decimal:
    return rate.quantize(SHOWN, rounding=ROUND_HALF_UP)


def _limit(name: str, year: int, area_code: str, parameters: ParameterSet) -> tuple[Any, Any]:
    found = parameters.value_or_none(name, on=year, area_code=area_code)
    return (None, None) if found is None else (found.value, found.version)


def _result(
    code: str,
    title: str,
    status: str,
    value: Any,
    threshold: Any,
    parameter: str | None,
    version: str | None,
    missing: list[Text],
    message: Text,
) -> Result:
    """A Result whose explanation (and missing items) are stored Chinese and shown in the
    interface language (:class:`~jingzhun.policy.criteria.Text`)."""
    return Result(
        code,
        title,
        status,
        value,
        threshold,
        parameter,
        version,
        tuple(m.render() for m in missing),
        message.render(),
        message,
    )


def _unknown(
    code: str,
    title: str,
    threshold: Any,
    parameter: str | None,
    version: str | None,
    missing: list[Text],
) -> Result:
    message = Text(gettext_noop("无法判定：缺少%(missing)s。"), {"missing": missing})
    return _result(code, title, UNKNOWN, None, threshold, parameter, version, missing, message)


def _parameter_missing(name: str) -> Text:
    return Text(gettext_noop("%(title)s参数（当年无生效值）"), {"title": TITLES.get(name, name)})


def incidence_result(
    code: str,
    title: str,
    counts: VillageCounts,
    population: int | None,
    population_missing: Text,
    *,
    parameter: str,
    area_code: str,
    year: int,
    parameters: ParameterSet,
) -> Result:
    """Poverty incidence below the limit, as the range described in the module docstring."""
    limit, version = _limit(parameter, year, area_code, parameters)
    missing = []
    if not population:
        missing.append(population_missing)
    if limit is None:
        missing.append(_parameter_missing(parameter))
    if missing:
        return _unknown(code, title, limit, parameter, version, missing)
    assert population is not None
    low = percent(counts.failed_people, population)
    high = percent(counts.failed_people + counts.unknown_people, population)
    c = counts
    unknown = (
        Text(
            gettext_noop("、数据不全%(h)s户%(p)s人"),
            {"h": c.unknown_households, "p": c.unknown_people},
        )
        if c.unknown_households
        else ""
    )
    basis = Text(
        gettext_noop(
            "建档立卡贫困户%(h)s户%(p)s人中，未达到退出标准%(failed)s人%(unknown)s；农业户籍人口%(population)s人"
        ),
        {
            "h": c.registered_households,
            "p": c.registered_people,
            "failed": c.failed_people,
            "unknown": unknown,
            "population": population,
        },
    )
    wanted = Text(
        gettext_noop("贫困发生率应低于%(limit)s%%（参数版本 %(version)s）"),
        {"limit": limit, "version": version},
    )
    if reaches(counts.failed_people, population, limit):
        message = Text(
            gettext_noop("不符合：%(basis)s，贫困发生率至少为%(low)s%%；%(wanted)s。"),
            {"basis": basis, "low": shown(low), "wanted": wanted},
        )
        return _result(code, title, FAIL, shown(low), limit, parameter, version, [], message)
    unsure = []
    if counts.empty_households:
        unsure.append(
            Text(gettext_noop("%(n)s户建档立卡贫困户的家庭成员"), {"n": counts.empty_households})
        )
    if counts.unknown_households and reaches(
        counts.failed_people + counts.unknown_people, population, limit
    ):
        unsure.append(
            Text(
                gettext_noop("%(n)s户建档立卡贫困户的退出标准数据（见各户政策判定）"),
                {"n": counts.unknown_households},
            )
        )
    if unsure:
        message = Text(
            gettext_noop(
                "无法判定：%(basis)s，贫困发生率在%(low)s%%至%(high)s%%之间；缺少%(missing)s。"
            ),
            {"basis": basis, "low": shown(low), "high": shown(high), "missing": unsure},
        )
        value = f"{shown(low)}–{shown(high)}"
        return _result(code, title, UNKNOWN, value, limit, parameter, version, unsure, message)
    message = Text(
        gettext_noop("符合：%(basis)s，贫困发生率为%(high)s%%；%(wanted)s。"),
        {"basis": basis, "high": shown(high), "wanted": wanted},
    )
    return _result(code, title, PASS, shown(high), limit, parameter, version, [], message)


def item_result(item: VillageItem, profile: ProfileFacts | None, year: int, version: str) -> Result:
    """One 村情 item of a standard; unknown when there is no profile or it is not verified."""
    wanted = (
        Text(gettext_noop("为“是”"))
        if item.op == "=="
        else Text(gettext_noop("高于%(amount)s元"), {"amount": item.constant})
    )
    if profile is None:
        missing = [Text(gettext_noop("%(year)s年村情信息"), {"year": year})]
        return _unknown(item.code, item.title, item.constant, None, version, missing)
    value = profile.items.get(item.field)
    if value is None:
        missing = [Text(gettext_noop("村情信息“%(title)s”（未核实）"), {"title": item.title})]
        return _unknown(item.code, item.title, item.constant, None, version, missing)
    ok = value == item.constant if item.op == "==" else value > item.constant
    shown_value = (
        Text(gettext_noop("是") if value else gettext_noop("否"))
        if isinstance(value, bool)
        else Text(gettext_noop("%(amount)s元"), {"amount": value})
    )
    message = Text(
        gettext_noop("%(verdict)s：%(title)s为%(value)s；应%(wanted)s（%(rationale)s）"),
        {
            "verdict": STATUS_LABELS[PASS if ok else FAIL],
            "title": item.title,
            "value": shown_value,
            "wanted": wanted,
            "rationale": item.rationale,
        },
    )
    status = PASS if ok else FAIL
    return _result(item.code, item.title, status, value, item.constant, None, version, [], message)


def _decision(
    code: str, title: str, criteria: list[Result], signals: list[Result]
) -> DecisionResult:
    status = combine((r.status for r in criteria), "all")
    failed = tuple(r.code for r in criteria if r.status == FAIL)
    return DecisionResult(code, title, status, failed, tuple(criteria), tuple(signals))


# --- villages ---------------------------------------------------------------------------------


class ExitEvaluation:
    """What a village's and a county's exit evaluation share: one decision (its first criterion
    is the incidence), its status, and the shape of their rows."""

    decision: DecisionResult
    counts: VillageCounts

    @property
    def decisions(self) -> tuple[DecisionResult, ...]:
        return (self.decision,)

    @property
    def status(self) -> str:
        return self.decision.status

    def _row(self, keys: dict[str, Any], code: str, extra: dict[str, Any]) -> dict[str, Any]:
        incidence = self.decision.criteria[0]
        return {
            **keys,
            code: self.status,
            f"{code}_failed": ",".join(self.decision.failed),
            "incidence": None if incidence.value is None else str(incidence.value),
            **extra,
            **{f: getattr(self.counts, f) for f in COUNT_FIELDS},
        }


@dataclass(frozen=True)
class VillageEvaluation(ExitEvaluation):
    village_code: str
    year: int
    standard: VillageStandard
    assignment: StandardAssignment | None  # None: no standard in force that year
    counts: VillageCounts
    profile: ProfileFacts | None
    decision: DecisionResult

    def as_row(self) -> dict[str, Any]:
        return self._row(
            {"village_code": self.village_code, "year": self.year, "standard": self.standard.code},
            VILLAGE_EXIT,
            {"rural_population": self.profile.rural_population if self.profile else None},
        )


def evaluate_village(
    counts: VillageCounts,
    profile: ProfileFacts | None,
    year: int,
    *,
    parameters: ParameterSet | None = None,
    standards: StandardConfig | None = None,
) -> VillageEvaluation:
    """The village exit decision for ``year`` from its counts and its 村情信息 (None: not
    entered, so the incidence and every item are unknown)."""
    parameters = parameters or default_parameters()
    standard, assignment = (standards or default_standards()).for_area(counts.village_code, year)
    incidence = incidence_result(
        "V-INCIDENCE",
        gettext_noop("贫困发生率低于贫困村退出标准"),
        counts,
        profile.rural_population if profile else None,
        Text(gettext_noop("农业户籍人口（%(year)s年村情信息）"), {"year": year}),
        parameter="village_exit_incidence_max",
        area_code=counts.village_code,
        year=year,
        parameters=parameters,
    )
    version = assignment.version if assignment else ""
    criteria = [incidence] + [
        item_result(VILLAGE_ITEMS[name], profile, year, version) for name in standard.conditions
    ]
    signals = [
        item_result(VILLAGE_ITEMS[name], profile, year, version) for name in standard.considered
    ]
    decision = _decision(VILLAGE_EXIT, f"贫困村退出（{standard.title}）", criteria, signals)
    return VillageEvaluation(
        counts.village_code, year, standard, assignment, counts, profile, decision
    )


def evaluate_villages(
    counts: Mapping[str, VillageCounts],
    profiles: Mapping[str, ProfileFacts],
    village_codes: Iterable[str],
    year: int,
    *,
    parameters: ParameterSet | None = None,
) -> list[VillageEvaluation]:
    """Every village of ``village_codes`` (and every village with counts), by code. A loop over
    villages, not households: the household part is already aggregated."""
    parameters = parameters or default_parameters()
    codes = sorted(set(village_codes) | set(counts))
    return [
        evaluate_village(
            counts.get(code) or VillageCounts(code), profiles.get(code), year, parameters=parameters
        )
        for code in codes
    ]


# --- counties ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CountyEvaluation(ExitEvaluation):
    county_code: str
    year: int
    counts: VillageCounts  # summed over the county's villages
    rural_population: int | None
    population_source: Text | str  # where the denominator comes from ("" none)
    villages_without_profile: tuple[str, ...]
    assessment: AssessmentFacts | None
    decision: DecisionResult

    def as_row(self) -> dict[str, Any]:
        return self._row(
            {"county_code": self.county_code, "year": self.year},
            COUNTY_EXIT,
            {"rural_population": self.rural_population, "assessment": self.assessment is not None},
        )


def _rate_result(
    code: str,
    title: str,
    assessment: AssessmentFacts | None,
    parts: tuple[str, ...],
    whole: str,
    *,
    parameter: str,
    op: str,
    county_code: str,
    year: int,
    parameters: ParameterSet,
    whole_value: int | None = None,
    whole_label: str = "",
) -> Result:
    """``sum(parts) ÷ whole`` in percent, ``<`` or ``>=`` the limit; unknown naming each
    missing figure (or a zero denominator)."""
    limit, version = _limit(parameter, year, county_code, parameters)
    missing: list[Text] = []
    if assessment is None:
        missing.append(Text(gettext_noop("%(year)s年第三方评估数据"), {"year": year}))
    else:
        missing += [Text(ASSESSMENT_LABELS[p]) for p in parts if getattr(assessment, p) is None]
        if whole_value is None:
            whole_value = getattr(assessment, whole, None)
            whole_label = ASSESSMENT_LABELS.get(whole, whole_label)
        if whole_value is None:
            missing.append(Text(whole_label))
        elif whole_value == 0:
            missing.append(Text(gettext_noop("%(label)s（为0，无法计算）"), {"label": whole_label}))
    if limit is None:
        missing.append(_parameter_missing(parameter))
    if missing:
        return _unknown(code, title, limit, parameter, version, missing)
    assert assessment is not None and whole_value
    numerator = sum(getattr(assessment, p) for p in parts)
    rate = percent(numerator, whole_value)
    at_least = reaches(numerator, whole_value, limit)
    ok = not at_least if op == "<" else at_least
    formula = Text(
        gettext_noop("%(parts)s%(numerator)s÷%(whole)s%(whole_value)s"),
        {
            "parts": Text(
                "＋".join("%(" + p + ")s" for p in parts), {p: ASSESSMENT_LABELS[p] for p in parts}
            ),
            "numerator": numerator,
            "whole": whole_label,
            "whole_value": whole_value,
        },
    )
    message = Text(
        gettext_noop(
            "%(verdict)s：%(formula)s＝%(rate)s%%；应%(word)s%(limit)s%%（参数版本 %(version)s）。"
        ),
        {
            "verdict": STATUS_LABELS[PASS if ok else FAIL],
            "formula": formula,
            "rate": shown(rate),
            "word": OPERATOR_WORDS[op],
            "limit": limit,
            "version": version,
        },
    )
    status = PASS if ok else FAIL
    return _result(code, title, status, shown(rate), limit, parameter, version, [], message)


def evaluate_county(
    county_code: str,
    village_counts: Iterable[VillageCounts],
    profiles: Mapping[str, ProfileFacts],
    village_codes: Iterable[str],
    assessment: AssessmentFacts | None,
    year: int,
    *,
    parameters: ParameterSet | None = None,
) -> CountyEvaluation:
    """The county exit decision: the county's incidence (its villages' counts ÷ the rural
    population: the assessment's 农村人口数 when entered, else the sum of every village's
    农业户籍人口, unknown while a village has no profile) and 三率一度."""
    parameters = parameters or default_parameters()
    total = VillageCounts(county_code)
    for c in village_counts:
        total = total + c
    villages = sorted(set(village_codes))
    without = tuple(code for code in villages if code not in profiles)
    population: int | None
    if assessment is not None and assessment.rural_population:
        population = assessment.rural_population
        source: Text | str = Text(gettext_noop("第三方评估录入的农村人口数"))
    elif villages and not without:
        population = sum(profiles[code].rural_population or 0 for code in villages)
        source = Text(gettext_noop("%(n)s个村村情信息的农业户籍人口之和"), {"n": len(villages)})
    else:
        population, source = None, ""
    population_missing = (
        Text(
            gettext_noop("%(n)s个村的%(year)s年农业户籍人口（或第三方评估的农村人口数）"),
            {"n": len(without), "year": year},
        )
        if without
        else Text(
            gettext_noop("%(year)s年农业户籍人口（村情信息或第三方评估的农村人口数）"),
            {"year": year},
        )
    )
    common = {"county_code": county_code, "year": year, "parameters": parameters}
    criteria = [
        incidence_result(
            "C-INCIDENCE",
            gettext_noop("贫困发生率低于贫困县退出标准"),
            total,
            population,
            population_missing,
            parameter="county_exit_incidence_max",
            area_code=county_code,
            year=year,
            parameters=parameters,
        ),
        _rate_result(
            "C-COMPREHENSIVE",
            gettext_noop("综合贫困发生率"),
            assessment,
            ("remaining_poor_people", "wrongly_exited_people", "missed_poor_people"),
            "rural_population",
            parameter="comprehensive_incidence_max",
            op="<",
            whole_value=population,
            whole_label=gettext_noop("农村人口数"),
            **common,
        ),
        _rate_result(
            "C-WRONG-EXIT",
            gettext_noop("错退率"),
            assessment,
            ("wrongly_exited_people",),
            "sampled_exited_people",
            parameter="wrong_exit_rate_max",
            op="<",
            **common,
        ),
        _rate_result(
            "C-MISSED",
            gettext_noop("漏评率"),
            assessment,
            ("missed_poor_people",),
            "sampled_non_registered_people",
            parameter="missed_poor_rate_max",
            op="<",
            **common,
        ),
        _rate_result(
            "C-APPROVAL",
            gettext_noop("群众认可度"),
            assessment,
            ("households_approving",),
            "households_surveyed",
            parameter="public_approval_min",
            op=">=",
            **common,
        ),
    ]
    decision = _decision(
        COUNTY_EXIT, "贫困县退出（贫困发生率与第三方评估“三率一度”）", criteria, []
    )
    return CountyEvaluation(
        county_code, year, total, population, source, without, assessment, decision
    )
