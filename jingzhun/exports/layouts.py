"""What an export contains: its columns, its rows, its title rows, for each layout.

Four datasets (``what``): households, members, incomes, and the quality report (质量报告, built
in :mod:`jingzhun.exports.quality` from :mod:`jingzhun.quality.runner`; project layout only).
Two layouts:

* ``project``: one table per record type (households, members, incomes), headers from the
  models' verbose names in the active language, value lists as their Chinese labels.
* ``national``: the national monitoring system's person sheet (:mod:`jingzhun.registry.national`
  is the shared contract with the importer): one row per person with the household, income,
  conditions and measures (帮扶措施) fields repeated, two title rows above the header, value
  lists as Chinese labels.

Rows are read through :func:`jingzhun.registry.queries.filter_households` (and hence
:mod:`jingzhun.registry.scoping`) as one ``values_list`` query per export: area names, risks,
the year's income, conditions and measures are joined in SQL, never fetched per row. The rows
come back as plain Python values (str, bool, date, Decimal, int, None) with personal numbers already
masked for roles that may not see them; the writers in :mod:`jingzhun.exports.writers` only
format them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import FilteredRelation, Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone, translation

from jingzhun.core.masking import (
    FREE_TEXT_FIELDS,
    HEALTH_FIELDS,
    Disclosure,
    mask_bank_account,
    mask_free_text,
    mask_id_number,
    mask_phone,
)
from jingzhun.registry import choices as c
from jingzhun.registry import national
from jingzhun.registry.models import Household, Income, Member, RiskFactor
from jingzhun.registry.queries import HouseholdFilters, filter_households
from jingzhun.registry.scoping import incomes_for, members_for

if TYPE_CHECKING:
    from jingzhun.accounts.models import User

WHATS = ("households", "members", "incomes", "quality")
FORMATS = ("csv", "xlsx", "parquet")
LAYOUTS = ("project", "national")
CHUNK_SIZE = 2000

# Column kinds. Writers format by kind: text-like kinds are neutralised in CSV/xlsx, numbers are
# written as numbers, booleans as 是/否 (typed in Parquet), dates as dates. "note" is free text
# written by people (a finding's details, an exemption's reason): numbers that look like ID,
# bank or phone numbers in it are masked for roles that may not see them.
TEXT_KINDS = frozenset({"text", "choice", "id", "phone", "bank", "note"})
NUMBER_KINDS = frozenset({"money", "decimal", "int"})


@dataclass(frozen=True)
class Column:
    header: str
    path: str  # a values_list path on the export's queryset
    kind: str  # text | choice | id | phone | bank | note | bool | date | money | decimal | int
    labels: dict[str, str] | None = None  # code → Chinese label, for kind "choice"


@dataclass(frozen=True)
class LeadSheet:
    """A small sheet written before the main one in xlsx only (a report's summary): its rows
    are already plain values (numbers, text), built in a bounded number of queries."""

    name: str
    title_rows: list[str]
    columns: list[Column]
    rows: list[tuple[Any, ...]]


@dataclass
class ExportTable:
    """One export, ready to be written: sheet name, title rows, columns and a row iterator.

    ``lead_sheets`` (xlsx only; CSV and Parquet hold the main table alone) come before the main
    sheet; ``metadata`` is added to the Parquet schema's metadata."""

    what: str
    layout: str
    sheet: str
    columns: list[Column]
    title_rows: list[str]
    queryset: QuerySet[Any]
    masked: bool
    year: int | None = None
    converters: list[Callable[[Any], Any]] = field(default_factory=list)
    # What the reader may see (numbers, health); None: numbers as ``masked`` says, health hidden.
    disclosure: Disclosure | None = None
    lead_sheets: list[LeadSheet] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def headers(self) -> list[str]:
        return [col.header for col in self.columns]

    def rows(self) -> Iterator[tuple[Any, ...]]:
        """The rows as plain values, streamed from a server-side cursor in chunks."""
        converters = self.converters
        paths = [col.path for col in self.columns]
        for raw in self.queryset.values_list(*paths).iterator(chunk_size=CHUNK_SIZE):
            yield tuple(conv(v) for conv, v in zip(converters, raw, strict=True))


@dataclass(frozen=True)
class ExportSpec:
    """What the user asked for. ``filters`` are the household list's filters; ``drill`` the
    drill-down parameters of the pages above the registry that narrowed the list (a quality
    check, a case step, an evaluation or a what-if), resolved by :data:`narrowing`."""

    what: str = "members"
    format: str = "xlsx"
    layout: str = "project"
    filters: HouseholdFilters = field(default_factory=HouseholdFilters)
    drill: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        return {
            "what": self.what,
            "format": self.format,
            "layout": self.layout,
            # Amounts (the income range) as their text: the log and the audit entry are JSON.
            "filters": {
                k: str(v) if isinstance(v, Decimal) else v
                for k, v in {**self.filters.as_params(), **self.drill}.items()
            },
        }


@dataclass
class Narrowing:
    """A drill-down of the household list as an export sees it: its own parameters
    (normalised), what it selects in words, its errors, and the household id sets it keeps to
    (``restrict()``, computed only when the export runs)."""

    params: dict[str, Any] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    restrict: Callable[[], list[Any]] = list


# The drill-downs live in the pages above the registry (jingzhun.front.drilldown), which sit
# above the exports: the front installs its parser here at start-up (FrontConfig.ready), so an
# export "with the list's filters" keeps to exactly the list's households. None: no drill-downs.
NarrowingParser = Callable[["User", Any], Narrowing]
_narrowing: list[NarrowingParser] = []


def install_narrowing(parser: NarrowingParser) -> None:
    _narrowing[:] = [parser]


def narrowing(user: User, params: Any) -> Narrowing:
    """The drill-down in ``params`` (a query dict, or an export log's stored filters, whose
    values may be numbers: read as the strings of a query)."""
    if not _narrowing:
        return Narrowing()
    return _narrowing[0](user, {k: str(v) for k, v in params.items() if v is not None})


class ExportRefused(ValueError):
    """An export whose drill-down cannot be applied (its run gone, too many households)."""


def drill_restrict(user: User, spec: ExportSpec) -> list[Any]:
    """The id sets ``spec.drill`` keeps to; raises :class:`ExportRefused` with the reason."""
    if not spec.drill:
        return []
    found = narrowing(user, {**spec.filters.as_params(), **spec.drill})
    restrict = found.restrict() if not found.errors else []
    if found.errors:
        raise ExportRefused("；".join(found.errors.values()))
    return restrict


def labels_of(choices: type[models.TextChoices]) -> dict[str, str]:
    """Code → Chinese form word (labels are lazy translations whose msgids are the words)."""
    with translation.override("zh-hans"):
        return {value: str(label) for value, label in choices.choices}


def _identity(value: Any) -> Any:
    return value


def _converter(col: Column, disclosure: Disclosure) -> Callable[[Any], Any]:
    masked = not disclosure.numbers
    if col.path.rsplit("__", 1)[-1] in HEALTH_FIELDS and not disclosure.health:
        return lambda v: disclosure.health_value(v) or None
    if col.kind == "choice" and col.labels is not None:
        labels = col.labels
        return lambda v: labels.get(v, v) if v else None
    if col.kind in ("id", "phone", "bank"):
        mask = {"id": mask_id_number, "phone": mask_phone, "bank": mask_bank_account}[col.kind]
        if masked:
            return lambda v: mask(v) or None
        return lambda v: v or None
    if col.kind == "note":
        if masked:
            return lambda v: mask_free_text(v) if v else None
        return lambda v: v or None
    if col.kind == "text":
        return lambda v: v if v not in ("", None) else None
    return _identity


# --- the project layout ----------------------------------------------------------------------

_SPECIAL_KINDS = {"id_number": "id", "phone": "phone", "bank_account": "bank"}
_SKIP = {
    "id",
    "version",
    "is_deleted",
    "deleted_reason",
    "deleted_at",
    "created_at",
    "updated_at",
    "created_by",
    "updated_by",
    # Search keys (jingzhun.registry.search_keys): internal, and the tails are personal data.
    "name_norm",
    "head_name_norm",
    "name_initials",
    "id_tail_rev",
    "phone_tail_rev",
    "number_rev",
    "household",
    "village",
    "group",
}


def _kind_of(f: models.Field[Any, Any]) -> tuple[str, dict[str, str] | None]:
    if f.name in _SPECIAL_KINDS:
        return _SPECIAL_KINDS[f.name], None
    if f.name in FREE_TEXT_FIELDS:
        return "note", None
    if f.choices:
        with translation.override("zh-hans"):
            enum = {str(v): str(label) for v, label in f.choices}
        return "choice", enum
    if isinstance(f, models.BooleanField):
        return "bool", None
    if isinstance(f, models.DateField):
        return "date", None
    if isinstance(f, models.DecimalField):
        return "money", None
    if isinstance(f, models.IntegerField):
        return "int", None
    return "text", None


def _model_columns(model: type[models.Model], prefix: str = "") -> list[Column]:
    cols = []
    for f in model._meta.concrete_fields:
        if f.name in _SKIP:
            continue
        kind, labels = _kind_of(f)
        cols.append(Column(str(f.verbose_name), prefix + f.name, kind, labels))
    return cols


def _household_key_columns(prefix: str) -> list[Column]:
    return [
        Column(str(Household._meta.get_field("number").verbose_name), prefix + "number", "text"),
        Column(
            str(Household._meta.get_field("village_code").verbose_name),
            prefix + "village_code",
            "text",
        ),
        Column(
            str(Household._meta.get_field("village").verbose_name), prefix + "village__name", "text"
        ),
    ]


def _project_table(user: User, spec: ExportSpec, households: QuerySet[Household]) -> ExportTable:
    if spec.what == "households":
        cols = _household_key_columns("")
        cols.append(
            Column(str(Household._meta.get_field("group").verbose_name), "group__name", "text")
        )
        cols += [
            col for col in _model_columns(Household) if col.path not in ("number", "village_code")
        ]
        qs: QuerySet[Any] = households.order_by("id")
        sheet = str(Household._meta.verbose_name_plural)
    elif spec.what == "members":
        cols = _household_key_columns("household__") + _model_columns(Member)
        qs = (
            members_for(user)
            .filter(household__in=households.values("pk"))
            .order_by("household_id", "id")
        )
        sheet = str(Member._meta.verbose_name_plural)
    else:
        cols = _household_key_columns("household__") + _model_columns(Income)
        qs = incomes_for(user).filter(household__in=households.values("pk"))
        if spec.filters.year:
            qs = qs.filter(year=spec.filters.year)
        qs = qs.order_by("household_id", "year")
        sheet = str(Income._meta.verbose_name_plural)
    return ExportTable(
        spec.what,
        "project",
        sheet,
        cols,
        [],
        qs,
        not user.sees_personal_numbers,
        spec.filters.year,
        disclosure=Disclosure.of(user),
    )


# --- the national layout ---------------------------------------------------------------------

NATIONAL_SHEET = national.SHEET_NAMES[0]  # （自定义）监测对象信息
_AREA_PATHS = {
    "county": "household__village__parent__parent__name",
    "township": "household__village__parent__name",
    "village": "household__village__name",
}
_NATIONAL_KINDS = {"name": "text", "text": "text", "year": "int"}


def national_year(user: User, spec: ExportSpec) -> int | None:
    """The income year the national sheet describes: the filter's, else the latest on record."""
    if spec.filters.year:
        return spec.filters.year
    latest = incomes_for(user).aggregate(year=Max("year"))["year"]
    return int(latest) if latest else None


def _national_table(
    user: User, spec: ExportSpec, households: QuerySet[Household], exported_by: str
) -> ExportTable:
    year = national_year(user, spec)
    qs: QuerySet[Any] = members_for(user).filter(household__in=households.values("pk"))
    qs = qs.annotate(
        inc=FilteredRelation("household__incomes", condition=Q(household__incomes__year=year)),
        cond=FilteredRelation(
            "household__conditions", condition=Q(household__conditions__year=year)
        ),
        meas=FilteredRelation("household__measures", condition=Q(household__measures__year=year)),
        **{
            f"risk_{i}": Subquery(
                RiskFactor.objects.filter(household=OuterRef("household_id"), position=i).values(
                    "kind"
                )[:1]
            )
            for i in range(1, 6)
        },
    ).order_by("household_id", "id")
    risk_labels = labels_of(c.RiskType)
    cols: list[Column] = []
    for col in national.COLUMNS:
        if col.record == "ignored":
            continue  # known national columns this version does not store
        labels = labels_of(getattr(c, col.choices)) if col.choices else None
        kind = _NATIONAL_KINDS.get(col.kind, col.kind)
        if col.field in FREE_TEXT_FIELDS:
            kind = "note"
        if col.record == "area":
            path = _AREA_PATHS[col.field]
        elif col.record == "household":
            path = f"household__{col.field}"
        elif col.record == "member":
            path = col.field
        elif col.record == "income":
            path = f"inc__{col.field}"
        elif col.record == "conditions":
            path = f"cond__{col.field}"
        elif col.record == "measures":
            path = f"meas__{col.field}"
        elif col.record == "risk":
            path, labels = f"risk_{col.field}", risk_labels
        else:  # pragma: no cover - national.py gained a record type this exporter ignores
            continue
        cols.append(Column(col.name, path, kind, labels))
    now = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    scope = spec.filters.area or user.area.code
    titles = [
        NATIONAL_SHEET,
        f"导出范围：{scope}　年度：{year or ''}　导出时间：{now}　导出人：{exported_by}",
    ]
    return ExportTable(
        "members",
        "national",
        NATIONAL_SHEET,
        cols,
        titles,
        qs,
        not user.sees_personal_numbers,
        year,
        disclosure=Disclosure.of(user),
    )


QUALITY_LAYOUT_ERROR = "质量报告只有本系统格式：请把“版式”选为“本系统格式”。"


def build_table(user: User, spec: ExportSpec) -> ExportTable:
    """The export ``spec`` asks for, scoped to ``user`` (an out-of-scope area gives no rows)."""
    if spec.what not in WHATS or spec.layout not in LAYOUTS or spec.format not in FORMATS:
        raise ValueError(f"未知的导出内容/格式/版式：{spec.what}/{spec.format}/{spec.layout}")
    filters = HouseholdFilters(**{**spec.filters.__dict__, "after": None, "errors": {}})
    if spec.what == "quality":
        if spec.layout != "project":
            raise ValueError(QUALITY_LAYOUT_ERROR)
        # Imported here: the quality report builds its table with this module's classes.
        from jingzhun.exports.quality import quality_table

        return quality_table(user, spec, filters)
    households = filter_households(user, filters, restrict=drill_restrict(user, spec))
    if spec.layout == "national":
        table = _national_table(user, spec, households, user.full_name or user.username)
    else:
        table = _project_table(user, spec, households)
    table.converters = converters_for(table)
    return table


def converters_for(table: ExportTable) -> list[Callable[[Any], Any]]:
    """Per column: value-list codes to labels, personal numbers and free text masked when the
    table is masked, empty text to None."""
    disclosure = table.disclosure or Disclosure(numbers=not table.masked)
    return [_converter(col, disclosure) for col in table.columns]


def today_stamp() -> str:
    return timezone.localtime().strftime("%Y%m%d-%H%M%S")
