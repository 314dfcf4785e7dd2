"""What every data-quality check shares: the check record, the catalogue, the facts and
frames the checks read, and the pieces written once for Python and once for Ibis.

The catalogue of data-quality checks (问题数据校验规则).

Each check is ONE definition (code, Chinese title, severity, level, fields read, rationale)
carrying its two evaluations side by side:

* ``entry(facts)`` — pure Python over one household's plain dicts (forms, API, import preview);
  returns ``[(member or None, detail)]``;
* ``batch(frames)`` — a set-based Ibis expression over the snapshot tables returning rows
  ``(household_id, member_id, details)``; never a Python loop over rows.

The property test in tests/quality/test_agreement.py generates households (valid and with planted
errors) and proves both give exactly the same findings. Thresholds come from the dated policy
parameters, joined per county (``p_*`` columns, see :mod:`jingzhun.quality.context`).

Village checks (level ``village``, codes ``Q-V-…``) look at all the households of one village at
once, so they have no per-household entry evaluation: ``entry(village_facts)`` takes a
:class:`VillageFacts` (every household of one village) and ``batch(frames)`` returns rows
``(village_code, details)``. Their findings belong to the village (no household, no member).
:func:`runnable_checks` lists the per-household checks (entry warnings, import previews, the main
batch union); :func:`village_checks` the village ones, evaluated by
:func:`village_findings_expr` in batch and by ``jingzhun.quality.entry.village_findings_for_data``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.types as ir
from django.utils.translation import gettext, pgettext_lazy

from jingzhun.registry import choices as c
from jingzhun.registry.models import MEASURE_FIELDS

Row = dict[str, Any]
EntryHit = tuple[Row | None, str]

ERROR, WARNING = "error", "warning"
MEMBER, HOUSEHOLD, VILLAGE = "member", "household", "village"
# The project's account of the problem data counties clean before each national review, which
# several rationales cite (section 全国系统导出与问题数据 of docs/domain.md).
DATA_PROBLEMS_DOC = "docs/domain.md“全国系统导出与问题数据”"
SEVERITY_LABELS = {ERROR: "错误", WARNING: "提示"}
LEVEL_LABELS = {MEMBER: "成员", HOUSEHOLD: "户", VILLAGE: "村"}
# The levels as pages show them (the context tells 户 the level from 户 the unit).
LEVEL_NAMES = {
    MEMBER: pgettext_lazy("check level", "成员"),
    HOUSEHOLD: pgettext_lazy("check level", "户"),
    VILLAGE: pgettext_lazy("check level", "村"),
}

PLACEHOLDER_RE = "^(" + "|".join(f"{d}{{6}}" for d in range(10)) + ")"
ID18_RE = "^[0-9]{17}[0-9X]$"
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
MIGRANT_STATUSES = (c.WorkStatus.MIGRANT_OUT_PROVINCE.value, c.WorkStatus.MIGRANT_IN_PROVINCE.value)
WORKING_LABOUR = tuple(sorted(str(x) for x in c.WORKING_LABOUR))
ILL_HEALTH = (c.Health.CHRONIC.value, c.Health.SERIOUS.value)
COMPULSORY = tuple(sorted(str(x) for x in c.COMPULSORY_STATUSES))
VOCATIONAL = (c.StudentStatus.SECONDARY_VOCATIONAL.value, c.StudentStatus.HIGHER_VOCATIONAL.value)
# Every measure family but 综合保障 (兜底): the "development" side a household with labour needs.
NON_GUARANTEE_MEASURES = tuple(f for f in MEASURE_FIELDS if f != "basic_guarantee")
# The household types whose yearly income must be recorded (Q-H-043, Q-V-002).
INCOME_REQUIRED_TYPES = ("exited", "monitored")
YOUNGER_GENERATION = (
    "son",
    "daughter",
    "son_in_law",
    "daughter_in_law",
    "grandson",
    "granddaughter",
    "great_grandchild",
)
OLDER_GENERATION = ("father", "mother", "parent_in_law", "grandparent")
RELATION_SEX = {str(k): str(v) for k, v in c.RELATION_SEX.items()}

# 在校生状况 → the 文化程度 values that agree with it (the stage attended, or the one just
# completed, since forms are filled either way).
_PRIMARY = [s for s in c.StudentStatus.values if s.startswith("primary_")]
EDUCATION_FOR_STATUS: dict[str, tuple[str, ...]] = {
    "preschool": ("preschool", "illiterate"),
    **{s: ("primary", "preschool", "illiterate") for s in _PRIMARY},
    **{s: ("junior", "primary") for s in ("grade_7", "grade_8", "grade_9")},
    **{s: ("senior", "junior") for s in ("senior_1", "senior_2", "senior_3")},
    "secondary_vocational": ("vocational", "junior"),
    "higher_vocational": ("college", "senior", "vocational"),
    "undergraduate": ("bachelor", "college", "senior", "vocational"),
}


@dataclass
class Facts:
    """One household prepared for the entry-time checks."""

    household: Row
    members: list[Row]  # each with "age" (on the reference day) added
    income: Row | None  # the review year's
    conditions: Row | None  # the review year's
    risks: list[Row]
    params: dict[str, Any]
    year: int
    duplicate_keys: frozenset[tuple[str, str]] = frozenset()
    measures: Row | None = None  # the review year's 帮扶措施

    @property
    def heads(self) -> list[Row]:
        return [m for m in self.members if m.get("relation") == "head"]


@dataclass
class Frames:
    """The snapshot tables prepared for the batch checks (same names and meanings as Facts)."""

    households: ir.Table  # + county_code and the p_* parameter columns
    members: ir.Table  # + age, household_type, monitoring_category and p_* columns
    incomes: ir.Table  # the review year's
    conditions: ir.Table  # the review year's
    risks: ir.Table
    year: int
    measures: ir.Table  # the review year's 帮扶措施


@dataclass
class VillageFacts:
    """One village prepared for the village checks: every household of the village (each as the
    entry-time checks see it), the village's county parameters, the review year."""

    village_code: str
    households: list[Facts]
    params: dict[str, Any]
    year: int


@dataclass(frozen=True)
class Check:
    code: str
    title: str
    severity: str
    level: str
    fields: tuple[str, ...]
    rationale: str
    field: str  # the form field an entry-time warning sits beside
    needs: str = ""  # data the check needs and the registry does not hold yet
    # Facts → hits for member and household checks; VillageFacts → hits for village checks.
    entry: Callable[[Any], list[EntryHit]] | None = None
    batch: Callable[[Frames], ir.Table] | None = None
    parameters: tuple[str, ...] = field(default_factory=tuple)

    @property
    def runnable(self) -> bool:
        return not self.needs and self.entry is not None and self.batch is not None

    @property
    def per_village(self) -> bool:
        """Evaluated over all the households of a village (batch runs only, not at entry)."""
        return self.level == VILLAGE

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABELS[self.severity]

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS[self.level]

    @property
    def level_display(self) -> str:
        """The level in the interface language (exports keep :attr:`level_label`)."""
        return str(LEVEL_NAMES[self.level])

    @property
    def rationale_display(self) -> str:
        """The rationale in the interface language where the catalogue has it."""
        return gettext(self.rationale)


CATALOGUE: dict[str, Check] = {}
_pending: dict[str, dict[str, Any]] = {}


def check(
    code: str,
    title: str,
    *,
    severity: str,
    level: str,
    fields: tuple[str, ...],
    rationale: str,
    field: str,
    parameters: tuple[str, ...] = (),
    needs: str = "",
) -> Callable[[Callable[[Facts], list[EntryHit]]], Callable[[Facts], list[EntryHit]]]:
    """Register a check with its entry-time evaluation; :func:`batch_of` adds the batch one."""

    def register(fn: Callable[[Facts], list[EntryHit]]) -> Callable[[Facts], list[EntryHit]]:
        CATALOGUE[code] = Check(
            code, title, severity, level, fields, rationale, field, needs, fn, None, parameters
        )
        return fn

    return register


def batch_of(code: str) -> Callable[[Callable[[Frames], ir.Table]], Callable[[Frames], ir.Table]]:
    def register(fn: Callable[[Frames], ir.Table]) -> Callable[[Frames], ir.Table]:
        existing = CATALOGUE[code]
        CATALOGUE[code] = Check(**{**existing.__dict__, "batch": fn})
        return fn

    return register


def not_yet_available(
    code: str, title: str, *, level: str, fields: tuple[str, ...], rationale: str, needs: str
) -> None:
    """A catalogue entry whose data the registry does not hold yet: listed, never run, never
    faked."""
    CATALOGUE[code] = Check(code, title, WARNING, level, fields, rationale, fields[0], needs)


# --- shared pieces: each written once for Python and once for Ibis ---------------------------


def age_on(birth: dt.date | None, day: dt.date) -> int | None:
    if birth is None:
        return None
    return day.year - birth.year - (1 if (birth.month, birth.day) > (day.month, day.day) else 0)


def age_expr(birth: ir.DateValue, day: dt.date) -> ir.IntegerValue:
    later = (birth.month() * 100 + birth.day()) > (day.month * 100 + day.day)
    return (day.year - birth.year() - ibis.ifelse(later, 1, 0)).cast("int32")


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months with the day clamped to the month's end (as DuckDB and PostgreSQL do)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def member_hits(m: ir.Table, condition: ir.BooleanValue, details: Any = "") -> ir.Table:
    m = m.filter(condition)
    return m.select(
        household_id=m.household_id,
        member_id=m.id.cast("int64"),
        details=ibis.literal(details) if isinstance(details, str) else details,
    )


def household_hits(h: ir.Table, condition: ir.BooleanValue | None = None) -> ir.Table:
    if condition is not None:
        h = h.filter(condition)
    return h.select(
        household_id=h.id,
        member_id=ibis.null().cast("int64"),
        details=ibis.literal(""),
    )


def text_of(value: Any) -> str:
    return "" if value is None else str(value)


def id_ok(member: Row) -> bool:
    """A resident ID present, not a placeholder, of the right shape."""
    number = text_of(member.get("id_number"))
    return (
        member.get("id_type") == "resident_id"
        and re.match(ID18_RE, number) is not None
        and re.match(PLACEHOLDER_RE, number) is None
    )


def id_checksum_expr(m: ir.Table) -> ir.IntegerValue:
    """GB 11643 weighted sum mod 11 of the first 17 digits (0 when the number is not 18 chars
    of the right shape). Computed once per member by the frames: an expression this size
    repeated inside the check's CASE costs a minute on three million members."""
    shape = m.id_number.re_search(ID18_RE)
    # Two integer parts (< 10^9, exact on every engine) instead of 17 substrings per row.
    high = ibis.ifelse(shape, m.id_number.substr(0, 8), "0").cast("int64")
    low = ibis.ifelse(shape, m.id_number.substr(8, 9), "0").cast("int64")
    terms = []
    for i, w in enumerate(WEIGHTS):
        part, width, pos = (high, 8, i) if i < 8 else (low, 9, i - 8)
        power = 10 ** (width - 1 - pos)
        terms.append(((part // power) % 10) * w)
    return (sum(terms, ibis.literal(0, type="int64")) % 11).cast("int32")


def id_ok_expr(m: ir.Table) -> ir.BooleanValue:
    # id_shape / id_placeholder: the two patterns, computed once per member by the frames.
    return (m.id_type == "resident_id") & m.id_shape & ~m.id_placeholder
