"""Household decisions (政策判定): criteria combined, for one household or every household.

A decision lists its criteria (codes of :mod:`jingzhun.policy.criteria`) and how they combine:

* ``all`` — every criterion must pass: any fail → fail; all pass → pass; otherwise unknown;
* ``any`` — one passing criterion is enough (monitoring: income OR income net of 合规自付支出
  within the threshold): any pass → pass; all fail → fail; otherwise unknown;

and, where it does not apply to every household, a declarative ``applies`` condition on the
feature row (risk elimination: households under monitoring): otherwise ``not_applicable``.

Two evaluations of the same definitions, with the same answers (tests/policy/test_agreement.py):

* :func:`evaluate_household` / :func:`evaluate_data` — one household, in Python, instantly (the
  household page's 政策判定 panel, ``/api/v1/households/<id>/policy/``), with every value,
  threshold and parameter version;
* :func:`evaluate_batch` — every household of a backend (DuckDB over the snapshot, PostgreSQL,
  Spark) as ONE set-based Ibis query returning an Arrow table (:data:`BATCH_SCHEMA`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
from django.utils.translation import gettext, gettext_noop

from jingzhun.analytics.backend import Backend
from jingzhun.analytics.schema import TABLES
from jingzhun.policy.criteria import (
    CONDITION,
    CRITERIA,
    ELIMINATION,
    EXIT,
    FAIL,
    MONITORING,
    NOT_APPLICABLE,
    PASS,
    SIGNAL,
    STATUS_LABELS,
    STATUS_MARKS,
    UNKNOWN,
    Criterion,
    Result,
)
from jingzhun.policy.features import HEALTH_FEATURES, features_expr, features_from_data
from jingzhun.policy.parameters import ParameterSet
from jingzhun.registry import choices as c

if TYPE_CHECKING:
    from jingzhun.accounts.models import User
    from jingzhun.areas.models import Area
    from jingzhun.registry.models import Household

Row = dict[str, Any]


@dataclass(frozen=True)
class Decision:
    code: str
    title: str  # Chinese
    criteria: tuple[str, ...]  # conditions, combined
    combine: str = "all"  # "all" or "any"
    signals: tuple[str, ...] = ()  # listed, not combined
    applies: tuple[str, Any] | None = None  # (feature, value it must equal); None: every household
    applies_label: str = ""  # Chinese: to whom it applies

    def conditions(self) -> list[Criterion]:
        return [CRITERIA[code] for code in self.criteria]

    def signal_criteria(self) -> list[Criterion]:
        return [CRITERIA[code] for code in self.signals]


DECISIONS: dict[str, Decision] = {
    d.code: d
    for d in (
        Decision(
            EXIT,
            gettext_noop("贫困户退出标准（两不愁三保障）"),
            (
                "E-INCOME",
                "E-FOOD",
                "E-CLOTHING",
                "E-EDUCATION",
                "E-MEDICAL",
                "E-SERIOUS-ILLNESS",
                "E-HOUSING",
            ),
        ),
        Decision(
            MONITORING,
            gettext_noop("防返贫监测范围"),
            ("M-INCOME", "M-SPENDING"),
            combine="any",
            signals=(
                "M-RISK-ILLNESS",
                "M-RISK-DISABILITY",
                "M-RISK-LABOUR",
                "M-RISK-HOUSING",
                "M-RISK-WATER",
            ),
        ),
        Decision(
            ELIMINATION,
            gettext_noop("风险消除条件"),
            (
                "R-INCOME",
                "R-EDUCATION",
                "R-MEDICAL",
                "R-SERIOUS-ILLNESS",
                "R-HOUSING",
                "R-WATER",
                "R-MONTHS",
                "R-MEASURE",
                "R-LABOUR",
            ),
            applies=("under_monitoring", True),
            applies_label=gettext_noop("仅适用于风险未消除的监测对象"),
        ),
    )
}
# Every criterion belongs to exactly the decision it names, as a condition or a signal.
for _d in DECISIONS.values():
    for _code in _d.criteria:
        assert CRITERIA[_code].decision == _d.code and CRITERIA[_code].role == CONDITION, _code
    for _code in _d.signals:
        assert CRITERIA[_code].decision == _d.code and CRITERIA[_code].role == SIGNAL, _code
# Signals that rest on members' health (有长期慢性病或大病成员, 有残疾成员): left out of one
# household's evaluation for a role that does not see health (HouseholdEvaluation.disclosed_to).
# No condition reads health, so no decision changes with them.
HEALTH_SIGNALS = frozenset(code for code, x in CRITERIA.items() if x.feature in HEALTH_FEATURES)
assert all(CRITERIA[code].role == SIGNAL for code in HEALTH_SIGNALS)


def combine(statuses: Iterable[str], how: str) -> str:
    statuses = list(statuses)
    decisive, other = (FAIL, PASS) if how == "all" else (PASS, FAIL)
    if decisive in statuses:
        return decisive
    return other if all(s == other for s in statuses) else UNKNOWN


def suggested_category(monitoring: str, income_status: str, formerly_poor: bool) -> str:
    """The monitoring category the data supports ("" when not in the monitoring range or
    unknown): within the threshold by income → 脱贫不稳定户 (formerly registered poor) or
    边缘易致贫户; only net of 合规自付支出 → 突发严重困难户."""
    if monitoring != PASS:
        return ""
    if income_status == PASS:
        return (
            c.MonitoringCategory.UNSTABLE_EXITED.value
            if formerly_poor
            else c.MonitoringCategory.MARGINAL.value
        )
    return c.MonitoringCategory.SUDDEN_HARDSHIP.value


# --- one household ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DecisionResult:
    code: str
    title: str
    status: str
    failed: tuple[str, ...]
    criteria: tuple[Result, ...]
    signals: tuple[Result, ...]
    applies_label: str = ""

    @property
    def mark(self) -> str:
        return STATUS_MARKS[self.status]

    @property
    def status_label(self) -> str:
        """In the interface language (stored records keep :data:`STATUS_LABELS`)."""
        return gettext(STATUS_LABELS[self.status])

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "title": self.title,
            "status": self.status,
            "failed": list(self.failed),
            "criteria": [r.as_dict() for r in self.criteria],
            "signals": [r.as_dict() for r in self.signals],
        }


@dataclass(frozen=True)
class HouseholdEvaluation:
    household_id: int | None
    year: int
    decisions: tuple[DecisionResult, ...]
    suggested_category: str
    risk_types: tuple[str, ...]
    features: Row = field(repr=False)

    def decision(self, code: str) -> DecisionResult:
        return next(d for d in self.decisions if d.code == code)

    def status(self, code: str) -> str:
        return self.decision(code).status

    @property
    def suggested_category_label(self) -> str:
        return (
            str(c.MonitoringCategory(self.suggested_category).label)
            if self.suggested_category
            else ""
        )

    @property
    def risk_type_labels(self) -> list[str]:
        return [str(c.RiskType(code).label) for code in self.risk_types]

    def disclosed_to(self, user: Any) -> HouseholdEvaluation:
        """The evaluation as ``user`` may read it: for a role that does not see health
        (``User.sees_health`` false) without the :data:`HEALTH_SIGNALS` and the risk types
        only they suggest (因病, 因残); every decision and condition stays as it is."""
        if getattr(user, "sees_health", False):
            return self
        hidden_risks = {CRITERIA[code].risk_type for code in HEALTH_SIGNALS}
        decisions = tuple(
            replace(d, signals=tuple(r for r in d.signals if r.code not in HEALTH_SIGNALS))
            for d in self.decisions
        )
        risk_types = tuple(t for t in self.risk_types if t not in hidden_risks)
        return replace(self, decisions=decisions, risk_types=risk_types)

    def as_dict(self) -> dict[str, Any]:
        return {
            "household_id": self.household_id,
            "year": self.year,
            "decisions": [d.as_dict() for d in self.decisions],
            "suggested_category": self.suggested_category,
            "risk_types": list(self.risk_types),
        }


def evaluate_row(row: Row, year: int) -> HouseholdEvaluation:
    """Every decision on one feature row (see :mod:`jingzhun.policy.features`)."""
    results: list[DecisionResult] = []
    statuses: dict[str, str] = {}
    risk_types: list[str] = []
    for d in DECISIONS.values():
        conditions = tuple(x.evaluate(row) for x in d.conditions())
        signals = tuple(x.evaluate(row) for x in d.signal_criteria())
        for r in conditions:
            statuses[r.code] = r.status
        applicable = d.applies is None or row.get(d.applies[0]) == d.applies[1]
        if applicable:
            status = combine((r.status for r in conditions), d.combine)
            failed = tuple(r.code for r in conditions if r.status == FAIL)
        else:
            status, failed = NOT_APPLICABLE, ()
        statuses[d.code] = status
        risk_types += [CRITERIA[r.code].risk_type for r in signals if r.status == PASS]
        results.append(
            DecisionResult(d.code, d.title, status, failed, conditions, signals, d.applies_label)
        )
    category = suggested_category(
        statuses[MONITORING], statuses["M-INCOME"], bool(row.get("formerly_poor"))
    )
    return HouseholdEvaluation(
        household_id=row.get("household_id"),
        year=year,
        decisions=tuple(results),
        suggested_category=category,
        risk_types=tuple(risk_types),
        features=row,
    )


def evaluate_data(
    data: dict[str, Any], *, year: int, parameters: ParameterSet | None = None
) -> HouseholdEvaluation:
    """One household given as plain dicts: ``household``, ``members``, ``incomes``,
    ``conditions``, ``measures`` (``risks`` ignored), the snapshot's column names."""
    return evaluate_row(features_from_data(**data, year=year, parameters=parameters), year)


def _columns(table: str) -> list[str]:
    return [col.orm for col in TABLES[table]]


def household_data_for(user: User, household_id: int | str, year: int) -> dict[str, Any]:
    """One household as the plain dicts the features read, through the registry's scoping
    functions (out of scope, deleted or absent: :class:`~jingzhun.core.actions.NotFound`).
    Five queries, none per member; only the year's income, conditions and measures."""
    from jingzhun.registry import scoping

    household = scoping.access_household_by_id(user, household_id)
    pk = household.pk
    h = scoping.households_for(user).filter(pk=pk).values(*_columns("households")).get()
    return {
        "household": h,
        "members": list(
            scoping.members_for(user)
            .filter(household_id=pk)
            .order_by("id")
            .values(*_columns("members"))
        ),
        "incomes": list(
            scoping.incomes_for(user)
            .filter(household_id=pk, year=year)
            .values(*_columns("incomes"))
        ),
        "conditions": list(
            scoping.conditions_for(user)
            .filter(household_id=pk, year=year)
            .values(*_columns("conditions"))
        ),
        "measures": list(
            scoping.measures_for(user)
            .filter(household_id=pk, year=year)
            .values(*_columns("measures"))
        ),
    }


def evaluate_household(
    household: Household | int,
    year: int,
    user: User,
    *,
    parameters: ParameterSet | None = None,
) -> HouseholdEvaluation:
    """Every decision for one household the user may see, for income year ``year`` with the
    parameters in force on its 31 December, as the user may read it (without the signals that
    rest on members' health for a role that does not see health). Raises NotFound when out of
    scope."""
    household_id = household if isinstance(household, int) else household.pk
    data = household_data_for(user, household_id, year)
    return evaluate_data(data, year=year, parameters=parameters).disclosed_to(user)


# --- every household ----------------------------------------------------------------------------

BATCH_SCHEMA = pa.schema(
    [
        pa.field("household_id", pa.int64()),
        pa.field("village_code", pa.string()),
        *(pa.field(code, pa.string()) for code in DECISIONS),
        pa.field("suggested_category", pa.string()),
        pa.field("risk_types", pa.string()),
        *(pa.field(f"{code}_failed", pa.string()) for code in DECISIONS),
        # Monitored already (a category, or 监测户) when evaluated: the worklist's "in the range
        # but not monitored" is read from the stored run without joining the registry again.
        pa.field("under_monitoring", pa.bool_()),
    ]
)


def _joined(parts: list[ir.StringValue]) -> ir.StringValue:
    """Comma-joined non-empty parts (each part "" or ",CODE"), as ``",".join`` does."""
    if not parts:
        return ibis.literal("")
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    return total.substr(1)


def decisions_expr(features: ir.Table) -> ir.Table:
    """The decisions of every row of ``features`` (:func:`features_expr`): one row per
    household with the columns of :data:`BATCH_SCHEMA`. Set-based: no loop over rows."""
    t = features.mutate(**{f"c_{code}": x.status_expr(features) for code, x in CRITERIA.items()})
    columns: dict[str, ir.Value] = {}
    for d in DECISIONS.values():
        cols = [t[f"c_{code}"] for code in d.criteria]
        decisive, other = (FAIL, PASS) if d.combine == "all" else (PASS, FAIL)
        any_decisive = ibis.literal(False)
        all_other = ibis.literal(True)
        for col in cols:
            any_decisive = any_decisive | (col == decisive)
            all_other = all_other & (col == other)
        status = ibis.cases((any_decisive, decisive), (all_other, other), else_=UNKNOWN)
        failed = _joined(
            [
                ibis.ifelse(col == FAIL, f",{code}", "")
                for code, col in zip(d.criteria, cols, strict=True)
            ]
        )
        if d.applies is not None:
            feature, value = d.applies
            applicable = (t[feature] == value).fill_null(False)
            status = ibis.ifelse(applicable, status, NOT_APPLICABLE)
            failed = ibis.ifelse(applicable, failed, "")
        columns[d.code] = status
        columns[f"{d.code}_failed"] = failed
    t = t.mutate(**columns)
    category = ibis.cases(
        (t[MONITORING] != PASS, ""),
        (
            t["c_M-INCOME"] == PASS,
            ibis.ifelse(
                t.formerly_poor,
                c.MonitoringCategory.UNSTABLE_EXITED.value,
                c.MonitoringCategory.MARGINAL.value,
            ),
        ),
        else_=c.MonitoringCategory.SUDDEN_HARDSHIP.value,
    )
    signals = [code for d in DECISIONS.values() for code in d.signals]
    risks = _joined(
        [
            ibis.ifelse(t[f"c_{code}"] == PASS, f",{CRITERIA[code].risk_type}", "")
            for code in signals
        ]
    )
    return t.select(
        household_id=t.household_id,
        village_code=t.village_code,
        **{code: t[code] for code in DECISIONS},
        suggested_category=category,
        risk_types=risks,
        **{f"{code}_failed": t[f"{code}_failed"] for code in DECISIONS},
        under_monitoring=t.under_monitoring.fill_null(False),
    )


def evaluate_batch(
    backend: Backend,
    year: int,
    area: Area | None = None,
    *,
    area_prefix: str = "",
    parameters: ParameterSet | None = None,
) -> pa.Table:
    """Every household of ``backend`` (under ``area``, or a scope prefix), one row each, as an
    Arrow table of :data:`BATCH_SCHEMA`, for income year ``year``."""
    prefix = area.scope_prefix if area is not None else area_prefix
    expr = decisions_expr(features_expr(backend, year, parameters=parameters, area_prefix=prefix))
    result = backend.execute(expr)
    return result.select(BATCH_SCHEMA.names).cast(BATCH_SCHEMA)
