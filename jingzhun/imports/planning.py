"""From rows to a plan: read every cell, group the rows into households, match areas (by name,
under the uploader's scope), households (by 户编号) and members (by normalised ID number), and
work out what would be created, changed, left unchanged or refused.

Nothing here writes. :func:`build_plan` is run once for the preview and again, against the
database of that moment, when the user applies (jingzhun.imports.actions.do_apply_upload).
A household with any refused row is held back whole.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from django.utils import translation

from jingzhun.areas.models import Area, Level
from jingzhun.core.actions import jsonable
from jingzhun.core.names import normalize_name
from jingzhun.imports.cells import Cell, CellError, read_cell, read_id
from jingzhun.imports.reading import Table
from jingzhun.policy import parameters
from jingzhun.registry import choices as c
from jingzhun.registry import scoping, validation
from jingzhun.registry.actions import (
    CONDITION_FIELDS,
    HOUSEHOLD_FIELDS,
    MEMBER_FIELDS,
    SPOUSE_SAME_SEX,
)
from jingzhun.registry.income import INPUT_FIELDS, TRANSFER_PARTS, derive
from jingzhun.registry.models import MEASURE_FIELDS, Conditions, Household, Income, Measures, Member

if TYPE_CHECKING:
    from jingzhun.accounts.models import User

logger = logging.getLogger(__name__)
Progress = Callable[[int, int, str], None]
CHUNK = 500


@dataclass
class Problem:
    """One refused cell or row: what the failed-rows file and the preview show."""

    sheet: str
    row: int
    column: str
    value: str
    reason: str
    fix: str

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


@dataclass
class Row:
    number: int
    area: dict[str, str] = field(default_factory=dict)
    household: dict[str, Any] = field(default_factory=dict)
    member: dict[str, Any] = field(default_factory=dict)
    income: dict[str, Any] = field(default_factory=dict)
    conditions: dict[str, Any] = field(default_factory=dict)
    measures: dict[str, Any] = field(default_factory=dict)
    risks: dict[int, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


@dataclass
class MemberPlan:
    row: int
    values: dict[str, Any]
    existing: Member | None
    action: str = "create"  # create | change | unchanged
    changes: dict[str, list[Any]] = field(default_factory=dict)


@dataclass
class HouseholdPlan:
    number: str
    rows: list[Row]
    values: dict[str, Any] = field(default_factory=dict)
    risks: list[tuple[str, str]] | None = None
    income: dict[str, Any] = field(default_factory=dict)
    stated_transfer: Decimal | None = None
    stated_per_capita: Decimal | None = None
    conditions: dict[str, Any] = field(default_factory=dict)
    measures: dict[str, Any] = field(default_factory=dict)
    existing: Household | None = None
    village: Area | None = None
    new_village: tuple[Area, str] | None = None  # (township, name)
    members: list[MemberPlan] = field(default_factory=list)
    action: str = "create"  # create | change | unchanged | refused
    changes: dict[str, list[Any]] = field(default_factory=dict)
    income_action: str = ""
    income_changes: dict[str, list[Any]] = field(default_factory=dict)
    conditions_action: str = ""
    conditions_changes: dict[str, list[Any]] = field(default_factory=dict)
    measures_action: str = ""
    measures_changes: dict[str, list[Any]] = field(default_factory=dict)
    stored_measures: Measures | None = None  # the year's, as stored before the import
    warnings: list[str] = field(default_factory=list)
    # Inconsistencies a quality check lists: imported, and flagged by the next quality run.
    flagged: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        return bool(self.problems) or any(r.problems for r in self.rows)

    def all_problems(self) -> list[Problem]:
        return [p for r in self.rows for p in r.problems] + self.problems


@dataclass
class Plan:
    sheet: str
    header_row: int
    total_rows: int
    households: list[HouseholdPlan]
    orphan_problems: list[Problem]  # rows that belong to no household (no 户编号)
    notes: list[dict[str, Any]]
    note_counts: dict[str, int]
    file_notes: list[str]
    unknown_columns: list[str]
    new_villages: list[tuple[Area, str]]


# --- reading rows -------------------------------------------------------------------------------


def _number(raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return re.sub(r"[\s\u3000]", "", unicodedata.normalize("NFKC", str(raw or "")))


def read_rows(
    table: Table, *, notes: list[dict[str, Any]], note_counts: Counter[str]
) -> Iterable[Row]:
    """Each data row read cell by cell; empty rows (trailing or between blocks) are skipped,
    which is reported through the counts, not silently."""
    columns = table.columns
    id_index = next((i for i, col in columns.items() if col.kind == "id"), None)
    read = [
        (index, column)
        for index, column in columns.items()
        if column.record != "ignored" and index != id_index
    ]
    for number, cells in table.rows:
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in cells):
            note_counts["空行（已跳过）"] += 1
            continue
        row = Row(number)
        width = len(cells)
        for index, column in read:
            raw = cells[index] if index < width else None
            if raw is None:
                continue  # a blank cell reads as nothing, with no note
            try:
                cell = _read(column.kind, raw, column.choices)
            except CellError as error:
                row.problems.append(
                    Problem(table.sheet, number, column.name, str(raw), error.reason, error.fix)
                )
                continue
            for note in cell.notes:
                note_counts[f"{column.name}：{_note_kind(note)}"] += 1
                if len(notes) < 500:
                    notes.append({"row": number, "column": column.name, "note": note})
            if cell.value is None:
                continue
            unstorable = _unstorable(column.record, column.field, cell.value)
            if unstorable:
                row.problems.append(
                    Problem(table.sheet, number, column.name, _clip(str(raw)), *unstorable)
                )
                continue
            if column.record == "area":
                row.area[column.field] = cell.value
            elif column.record == "household" and column.field == "number":
                row.household["number"] = _number(raw)
            elif column.record == "risk":
                row.risks[int(column.field)] = cell.value
            else:
                getattr(row, column.record)[column.field] = cell.value
        if id_index is not None:
            _read_id_cell(
                table, row, cells[id_index] if id_index < len(cells) else None, notes, note_counts
            )
        yield row


_SMALL_INT = {"PositiveSmallIntegerField": 32767, "SmallIntegerField": 32767}


@cache
def _limits() -> dict[tuple[str, str], tuple[str, Decimal | int]]:
    """(record, field) → what the registry can store there: ("text", most characters) or
    ("number", the bound its absolute value must stay under), from the models themselves."""
    models = {
        "household": Household,
        "member": Member,
        "income": Income,
        "conditions": Conditions,
        "measures": Measures,
    }
    out: dict[tuple[str, str], tuple[str, Decimal | int]] = {}
    for record, model in models.items():
        for f in model._meta.concrete_fields:
            kind = f.get_internal_type()
            if kind == "DecimalField":
                out[(record, f.name)] = ("number", Decimal(10) ** (f.max_digits - f.decimal_places))
            elif kind in _SMALL_INT:
                out[(record, f.name)] = ("number", _SMALL_INT[kind] + 1)
            elif getattr(f, "max_length", None) and not f.choices:
                out[(record, f.name)] = ("text", int(f.max_length))
    for level in ("county", "township", "village"):
        out[("area", level)] = ("text", int(Area._meta.get_field("name").max_length or 0))
    return out


def _unstorable(record: str, field: str, value: Any) -> tuple[str, str] | None:
    """(reason, fix) when ``value`` is longer or larger than the field can store, else None:
    the form refuses such a value, and the database would refuse the whole import."""
    kind, limit = _limits().get((record, field), ("", 0))
    if kind == "text" and isinstance(value, str) and len(value) > limit:
        return (
            f"内容有{len(value)}字，超过该项最多可保存的{limit}字",
            f"请缩短到{limit}字以内（多项内容请只写主要的）",
        )
    number = isinstance(value, Decimal | int) and not isinstance(value, bool)
    if kind == "number" and number and abs(value) >= limit:
        return (f"数值{value}超出可保存的范围", "请核对单位和数值（金额以元为单位）")
    return None


def _clip(text: str, size: int = 60) -> str:
    return text if len(text) <= size else text[:size] + "…"


@lru_cache(maxsize=65536, typed=True)
def _read_repeated(kind: str, raw: Any, choices: str) -> Cell:
    """Value-list, yes/no, money and date cells repeat a lot (是/否, 汉族, the household's
    figures on every member row): read each distinct value once. Cells are never mutated.
    Typed: ``True == 1 == 1.0`` share a hash, but a TRUE cell is no number (read_decimal)."""
    return read_cell(kind, raw, choices)


def _read(kind: str, raw: Any, choices: str) -> Cell:
    if kind in ("choice", "bool", "money", "decimal", "int", "date", "year") and isinstance(
        raw, str | int | float
    ):
        return _read_repeated(kind, raw, choices)
    return read_cell(kind, raw, choices)


def _note_kind(note: str) -> str:
    """Notes are grouped in the counts by their shape, not by the value they name."""
    return re.sub(r"“[^”]*”", "…", note)


def _read_id_cell(
    table: Table,
    row: Row,
    raw: Any,
    notes: list[dict[str, Any]],
    note_counts: Counter[str],
) -> None:
    id_type = row.member.get("id_type") or c.IdType.RESIDENT_ID
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if id_type not in (c.IdType.NONE,):
            row.problems.append(
                Problem(
                    table.sheet,
                    row.number,
                    "证件号码",
                    "",
                    "证件号码为空",
                    "请填写证件号码；确无证件的将证件类型填为“无证件”",
                )
            )
        return
    try:
        cell = read_id(raw, resident_id=id_type == c.IdType.RESIDENT_ID)
    except CellError as error:
        row.problems.append(
            Problem(table.sheet, row.number, "证件号码", str(raw), error.reason, error.fix)
        )
        return
    for note in cell.notes:
        note_counts[f"证件号码：{note}"] += 1
        if len(notes) < 500:
            notes.append({"row": row.number, "column": "证件号码", "note": note})
    row.member["id_number"] = cell.value


# --- grouping -----------------------------------------------------------------------------------


def _merge_household_fields(plan: HouseholdPlan, row: Row, label: dict[str, str]) -> None:
    """Household-level values repeat on every member row: the first filled value counts; a
    different value on a later row is reported as a warning, never silently replaced."""
    for record, target in (
        ("household", plan.values),
        ("income", plan.income),
        ("conditions", plan.conditions),
        ("measures", plan.measures),
        ("area", None),
    ):
        source = getattr(row, record)
        store = target if target is not None else plan.rows[0].area
        for key, value in source.items():
            if key not in store:
                store[key] = value
            elif store[key] != value:
                plan.warnings.append(
                    f"第{row.number}行的“{label.get(key, key)}”（{shown(key, value)}）与本户第"
                    f"{plan.rows[0].number}行（{shown(key, store[key])}）不同："
                    f"按第{plan.rows[0].number}行导入"
                )
    if row.risks:
        first = dict(enumerate(plan.risks or [], start=1))
        if plan.risks is None:
            plan.risks = []
            for i in sorted(row.risks):
                if any(kind == row.risks[i] for kind, _ in plan.risks):
                    plan.warnings.append(
                        f"致贫/返贫风险“{shown('risks', row.risks[i])}”重复填写：只导入一次"
                    )
                    continue
                plan.risks.append((row.risks[i], ""))
        elif {i: k for i, (k, _) in first.items()} != row.risks:
            plan.warnings.append(
                f"第{row.number}行的致贫/返贫风险与本户第{plan.rows[0].number}行不同："
                f"按第{plan.rows[0].number}行导入"
            )


def group_households(
    rows: Iterable[Row], sheet: str, label: dict[str, str]
) -> tuple[list[HouseholdPlan], list[Problem]]:
    plans: dict[str, HouseholdPlan] = {}
    orphans: list[Problem] = []
    for row in rows:
        number = row.household.get("number")
        if not number:
            orphans.append(
                Problem(
                    sheet,
                    row.number,
                    "户编号",
                    "",
                    "户编号为空，无法确定属于哪一户",
                    "请填写该成员所在户的户编号",
                )
            )
            orphans.extend(row.problems)
            continue
        plan = plans.get(number)
        if plan is None:
            plan = plans[number] = HouseholdPlan(number=number, rows=[row])
            plan.rows[0].area = dict(row.area)
        else:
            plan.rows.append(row)
        _merge_household_fields(plan, row, label)
    return list(plans.values()), orphans


# --- areas --------------------------------------------------------------------------------------

_AREA_SUFFIX = re.compile(r"(村民委员会|村委会|居民委员会|居委会|街道办事处)$")


def _area_key(name: str) -> str:
    return _AREA_SUFFIX.sub("", normalize_name(name))


class AreaResolver:
    """Areas by name under the uploader's scope. Out of scope and absent answer the same way."""

    def __init__(self, user: User, scope: Area) -> None:
        self.user = user
        self.scope = scope
        known = list(scoping.areas_for(user).filter(level__lte=Level.VILLAGE))
        known = list({a.pk: a for a in [*known, *scope.ancestors(), scope]}.values())
        self.by_parent: dict[tuple[int | None, str], Area] = {}
        self.counties: dict[str, list[Area]] = {}
        self.ids = {a.pk for a in known}
        for area in known:
            self.by_parent[(area.parent_id, _area_key(area.name))] = area
            if area.level == Level.COUNTY:
                self.counties.setdefault(_area_key(area.name), []).append(area)
        self.cache: dict[
            tuple[str, str, str], tuple[Area | None, tuple[Area, str] | None, str]
        ] = {}
        self.planned_new: dict[tuple[int, str], str] = {}

    def _in_scope(self, area: Area) -> bool:
        return area.code.startswith(self.scope.scope_prefix)

    def _county(self, name: str) -> Area | None:
        if not name:
            chain = [*self.scope.ancestors(), self.scope]
            return next((a for a in chain if a.level == Level.COUNTY), None)
        found = self.counties.get(_area_key(name), [])
        return found[0] if len(found) == 1 else None

    def resolve(
        self, county: str, township: str, village: str
    ) -> tuple[Area | None, tuple[Area, str] | None, str]:
        """(existing village, or (township, name) of a village to create, or an error)."""
        key = (county, township, village)
        if key not in self.cache:
            self.cache[key] = self._resolve(county, township, village)
        return self.cache[key]

    def _resolve(
        self, county_name: str, township_name: str, village_name: str
    ) -> tuple[Area | None, tuple[Area, str] | None, str]:
        if not village_name:
            if self.scope.level == Level.VILLAGE:
                return self.scope, None, ""
            return None, None, "缺少行政村名称"
        county = self._county(county_name)
        if county is None:
            return None, None, f"县“{county_name}”不在您的管辖范围内或不存在"
        if not township_name:
            if self.scope.level >= Level.TOWNSHIP:
                chain = [*self.scope.ancestors(), self.scope]
                township = next(a for a in chain if a.level == Level.TOWNSHIP)
            else:
                return None, None, "缺少乡（镇）名称"
        else:
            township = self.by_parent.get((county.pk, _area_key(township_name)))
        if township is None:
            return None, None, f"乡（镇）“{township_name}”不在{county.name}的管辖范围内或不存在"
        village = self.by_parent.get((township.pk, _area_key(village_name)))
        if village is not None:
            if not self._in_scope(village):
                return None, None, f"行政村“{village_name}”不在您的管辖范围内"
            return village, None, ""
        exists = Area.objects.filter(parent=township, name_norm=normalize_name(village_name))
        if exists.exists() or not self._in_scope(township):
            return None, None, f"行政村“{village_name}”不在您的管辖范围内"
        if not self.user.can_manage_areas:
            return (
                None,
                None,
                (
                    f"行政村“{village_name}”尚未建立，您的角色不能新建行政村（请乡镇或县级人员先建立）"
                ),
            )
        return None, (township, village_name.strip()), ""


# --- planning -----------------------------------------------------------------------------------


def _label_map() -> dict[str, str]:
    from jingzhun.imports.layout import TEMPLATE_COLUMNS

    return {col.field: col.name for col in TEMPLATE_COLUMNS} | {"risks": "致贫/返贫风险1"}


@cache
def _choice_labels() -> dict[str, dict[str, str]]:
    """Field name → {stored code: the value list's Chinese label}, for what users are shown."""
    out: dict[str, dict[str, str]] = {"risks": {}}
    with translation.override("zh-hans"):
        for model in (Household, Member, Conditions):
            for f in model._meta.concrete_fields:
                if f.choices:
                    out[f.name] = {str(k): str(v) for k, v in f.choices}
        out["risks"] = {str(k): str(v) for k, v in c.RiskType.choices}
    return out


def shown(field: str, value: Any) -> str:
    """A value as the user wrote it on the form: a value list's label, never its code."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list | tuple):
        return "、".join(shown(field, v) for v in value)
    return _choice_labels().get(field, {}).get(str(value), str(value))


def _problems_from_errors(
    sheet: str,
    row: int,
    errors: dict[str, list[str]],
    values: dict[str, Any],
    label: dict[str, str],
    flagged: list[str] | None = None,
) -> list[Problem]:
    """The refusals among ``errors`` as problems of ``row``. A :class:`validation.Flag` (an
    inconsistency a quality check lists) does not refuse: it is added to ``flagged``, shown in
    the preview as a warning and listed by the next quality run."""
    out = []
    for key, messages in errors.items():
        for message in messages:
            if isinstance(message, validation.Flag) and flagged is not None:
                flagged.append(f"[{message.check}] 第{row}行 {label.get(key, key)}：{message}")
                continue
            reason, _, fix = message.partition("：")
            out.append(
                Problem(
                    sheet,
                    row,
                    label.get(key, key),
                    shown(key, values.get(key, "")),
                    reason,
                    fix or "请核对后重新填写",
                )
            )
    return out


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def build_plan(
    table: Table,
    *,
    user: User,
    scope: Area,
    year: int | None,
    progress: Progress | None = None,
    quality: bool = True,
) -> Plan:
    """Read ``table`` and plan it against the database. Does not write. ``quality=False`` skips
    the entry-time quality warnings (the apply step re-plans and does not show them)."""
    progress = progress or (lambda done, total, phase: None)
    label = _label_map()
    notes: list[dict[str, Any]] = []
    note_counts: Counter[str] = Counter()
    rows: list[Row] = []
    for row in read_rows(table, notes=notes, note_counts=note_counts):
        rows.append(row)
        if len(rows) % 2000 == 0:
            progress(len(rows), 0, "读取")
    total_rows = len(rows)
    households, orphans = group_households(rows, table.sheet, label)
    del rows
    progress(0, len(households), "匹配")
    _plan_against_db(
        households,
        user=user,
        scope=scope,
        year=year,
        table=table,
        label=label,
        progress=progress,
        quality=quality,
    )
    new_villages = sorted(
        {
            (p.new_village[0].pk, p.new_village[1]): p.new_village
            for p in households
            if p.new_village and not p.refused
        }.values(),
        key=lambda x: (x[0].code, x[1]),
    )
    return Plan(
        sheet=table.sheet,
        header_row=table.header_row,
        total_rows=total_rows,
        households=households,
        orphan_problems=orphans,
        notes=notes,
        note_counts=dict(note_counts),
        file_notes=table.notes + _ignored_columns_note(table),
        unknown_columns=table.unknown,
        new_villages=new_villages,
    )


def _ignored_columns_note(table: Table) -> list[str]:
    ignored = [col.name for col in table.columns.values() if col.record == "ignored"]
    if not ignored:
        return []
    return [f"已识别但本系统暂不保存的列（未导入）：{'、'.join(ignored)}"]


def _plan_against_db(
    households: list[HouseholdPlan],
    *,
    user: User,
    scope: Area,
    year: int | None,
    table: Table,
    label: dict[str, str],
    progress: Progress,
    quality: bool = True,
) -> None:
    sheet = table.sheet
    fields_present = {col.field for col in table.columns.values()}
    resolver = AreaResolver(user, scope)
    numbers = [p.number for p in households]
    existing: dict[str, Household] = {}
    for chunk in _chunks(numbers):
        for h in Household.objects.filter(number__in=chunk).select_related("village"):
            existing[h.number] = h
    visible_ids = set()
    scoped = scoping.households_for(user)
    for chunk in _chunks([h.number for h in existing.values()]):
        visible_ids.update(scoped.filter(number__in=chunk).values_list("id", flat=True))
    ids = sorted(
        {r.member["id_number"] for p in households for r in p.rows if r.member.get("id_number")}
    )
    members_by_id: dict[tuple[str, str], Member] = {}
    for chunk in _chunks(ids):
        for m in Member.objects.filter(id_number__in=chunk, is_deleted=False).select_related(
            "household"
        ):
            members_by_id[(m.id_type, m.id_number)] = m
    household_ids = [h.pk for h in existing.values() if h.pk in visible_ids]
    members_of: dict[int, list[Member]] = {}
    risks_of: dict[int, list[tuple[str, str]]] = {}
    incomes: dict[int, Income] = {}
    conditions: dict[int, Conditions] = {}
    measures: dict[int, Measures] = {}
    for start in range(0, len(household_ids), CHUNK):
        chunk_ids = household_ids[start : start + CHUNK]
        for m in Member.objects.filter(household_id__in=chunk_ids, is_deleted=False):
            members_of.setdefault(m.household_id, []).append(m)
        from jingzhun.registry.models import RiskFactor

        for r in RiskFactor.objects.filter(household_id__in=chunk_ids).order_by("position"):
            risks_of.setdefault(r.household_id, []).append((r.kind, r.remark))
        if year:
            for i in Income.objects.filter(household_id__in=chunk_ids, year=year):
                incomes[i.household_id] = i
            for k in Conditions.objects.filter(household_id__in=chunk_ids, year=year):
                conditions[k.household_id] = k
            for a in Measures.objects.filter(household_id__in=chunk_ids, year=year):
                measures[a.household_id] = a
    ctx = _quality_context(year) if quality else None
    seen_ids: Counter[tuple[str, str]] = Counter(
        (r.member.get("id_type") or c.IdType.RESIDENT_ID, r.member["id_number"])
        for p in households
        for r in p.rows
        if r.member.get("id_number")
    )
    for done, plan in enumerate(households, start=1):
        if done % 500 == 0:
            progress(done, len(households), "匹配")
        first = plan.rows[0]
        household = existing.get(plan.number)
        if household is not None and household.pk not in visible_ids:
            plan.problems.append(
                Problem(
                    sheet,
                    first.number,
                    "户编号",
                    plan.number,
                    "该户编号已被使用（在您的管辖范围以外，或已删除）",
                    "请核对户编号；迁入的农户请由原地区先办理迁出",
                )
            )
            plan.action = "refused"
            continue
        plan.existing = household
        area = first.area
        if area or household is None:
            village, new_village, error = resolver.resolve(
                area.get("county", ""), area.get("township", ""), area.get("village", "")
            )
            if error:
                plan.problems.append(
                    Problem(
                        sheet,
                        first.number,
                        "村",
                        area.get("village", ""),
                        error,
                        "请核对县、乡（镇）、村名称，或由有权限的人员导入",
                    )
                )
            plan.village, plan.new_village = village, new_village
        else:
            plan.village = household.village
        _plan_household(plan, household, risks_of, fields_present, sheet, label)
        _plan_members(plan, household, members_of, members_by_id, seen_ids, sheet, label)
        _plan_income(
            plan,
            household,
            incomes.get(household.pk) if household else None,
            year,
            fields_present,
            sheet,
            label,
        )
        _plan_conditions(
            plan, conditions.get(household.pk) if household else None, year, sheet, label
        )
        _plan_measures(
            plan,
            measures.get(household.pk) if household else None,
            year,
            fields_present,
            sheet,
            label,
        )
        if plan.refused:
            plan.action = "refused"
        elif household is None:
            plan.action = "create"
        elif (
            plan.changes
            or plan.income_action in ("create", "change")
            or plan.conditions_action in ("create", "change")
            or plan.measures_action in ("create", "change")
            or any(m.action != "unchanged" for m in plan.members)
        ):
            plan.action = "change"
        else:
            plan.action = "unchanged"
        # A refused household shows its refusals only: the quality checks would read the
        # cells that were refused as empty and contradict them (a bad ID "missing").
        if quality and plan.action != "refused":
            found = quality_warnings(plan, year, ctx)
            codes = {w[1 : w.index("]")] for w in found if w.startswith("[")}
            plan.warnings.extend(found)
            plan.warnings.extend(
                f"导入后列为问题数据：{f}" for f in plan.flagged if f[1 : f.index("]")] not in codes
            )
    progress(len(households), len(households), "匹配")


@cache
def _defaults(model: Any) -> tuple[tuple[str, Any], ...]:
    """The model's stored value for each plain field of a new record (computed once per model:
    imports call :func:`_stored` for every record)."""
    out = []
    for f in model._meta.concrete_fields:
        if f.is_relation or f.name == "id":
            continue
        if f.has_default():
            out.append((f.name, f.get_default()))
        else:
            out.append((f.name, None if f.null else ""))
    return tuple(out)


def _stored(model: Any, instance: Any, values: dict[str, Any]) -> dict[str, Any]:
    """A record as it would be stored: the instance's values (or the model's defaults) with
    ``values`` laid over them, keyed by field name (the snapshot's column names)."""
    if instance is None:
        return dict(_defaults(model)) | values
    return {name: getattr(instance, name) for name, _ in _defaults(model)} | values


def _quality_context(year: int | None) -> Any:
    """One check context (policy parameters loaded once) for the whole preview."""
    entry = _entry_checks()
    if entry is None:
        return None
    from jingzhun.quality.context import CheckContext, default_year

    return CheckContext(year=year or default_year())


CAUSES = ("main_cause", "other_cause_1", "other_cause_2")


def _fold_causes(values: dict[str, Any], warnings: list[str]) -> None:
    """致贫原因 as the form takes them: a cause repeated in a later column is dropped, and a
    household with only 其他致贫原因 gets the first of them as its main cause (each noted)."""
    if not any(k in values for k in CAUSES):
        return
    causes = [values.get(k) or "" for k in CAUSES]
    kept: list[str] = []
    for cause in causes:
        if cause and cause in kept:
            warnings.append(f"致贫原因“{shown('main_cause', cause)}”重复填写：只导入一次")
        elif cause:
            kept.append(cause)
    if kept and not causes[0]:
        warnings.append(
            f"未填主要致贫原因：以其他致贫原因“{shown('main_cause', kept[0])}”作为主要致贫原因"
        )
    kept += [""] * (len(CAUSES) - len(kept))
    for key, cause in zip(CAUSES, kept, strict=True):
        if key in values or cause:
            values[key] = cause


def _per_capita_tolerance(year: int, plan: HouseholdPlan) -> Decimal:
    """How far the file's stated 人均纯收入 may lie from the recomputed one (a parameter)."""
    area = plan.village.code if plan.village else ""
    return Decimal(
        str(parameters.value("import_per_capita_tolerance", on=year, area_code=area).value)
    )


def _plan_household(
    plan: HouseholdPlan,
    household: Household | None,
    risks_of: dict[int, list[tuple[str, str]]],
    fields_present: set[str],
    sheet: str,
    label: dict[str, str],
) -> None:
    values = {k: v for k, v in plan.values.items() if k in HOUSEHOLD_FIELDS}
    _fold_causes(values, plan.warnings)
    plan.values = values
    old_risks = risks_of.get(household.pk, []) if household else []
    if plan.risks is not None:
        # Remarks are not in the national sheet: keep the stored remark of a kept risk kind.
        remarks = dict(old_risks)
        plan.risks = [(kind, remarks.get(kind, "")) for kind, _ in plan.risks]
    elif any(col.startswith(("1", "2", "3", "4", "5")) for col in fields_present) and household:
        plan.risks = []  # the risk columns are present and empty: the household has none
    if household is None:
        merged = {k: None for k in HOUSEHOLD_FIELDS} | values
    else:
        merged = {k: getattr(household, k) for k in HOUSEHOLD_FIELDS} | values
    check_risks = plan.risks if plan.risks is not None else old_risks
    errors = validation.check_household(merged, check_risks)
    plan.problems.extend(
        _problems_from_errors(sheet, plan.rows[0].number, errors, merged, label, plan.flagged)
    )
    if household is not None:
        plan.changes = {
            k: [jsonable(getattr(household, k)), jsonable(v)]
            for k, v in values.items()
            if jsonable(getattr(household, k)) != jsonable(v)
            and not (getattr(household, k) in ("", None) and v in ("", None))
        }
        if plan.risks is not None and [list(r) for r in plan.risks] != [list(r) for r in old_risks]:
            plan.changes["risks"] = [[k for k, _ in old_risks], [k for k, _ in plan.risks]]
        if plan.village is not None and plan.village.pk != household.village_id:
            plan.changes["village"] = [household.village.name, plan.village.name]


def _plan_members(
    plan: HouseholdPlan,
    household: Household | None,
    members_of: dict[int, list[Member]],
    members_by_id: dict[tuple[str, str], Member],
    seen_ids: Counter[tuple[str, str]],
    sheet: str,
    label: dict[str, str],
) -> None:
    stored = members_of.get(household.pk, []) if household else []
    heads = [r for r in plan.rows if r.member.get("relation") == c.Relation.HEAD]
    if len(heads) > 1:
        for row in heads[1:]:
            row.problems.append(
                Problem(
                    sheet,
                    row.number,
                    "与户主关系",
                    "户主",
                    "同一户有多名户主",
                    "一户只能有一名户主：请核对与户主关系",
                )
            )
    head_sex = next((r.member.get("sex") for r in heads), None)
    for row in plan.rows:
        values = {k: v for k, v in row.member.items() if k in MEMBER_FIELDS}
        id_type = values.get("id_type") or c.IdType.RESIDENT_ID
        key = (id_type, values.get("id_number") or "")
        member = None
        if key[1]:
            member = members_by_id.get(key)
            if seen_ids[key] > 1:
                row.problems.append(
                    Problem(
                        sheet,
                        row.number,
                        "证件号码",
                        key[1],
                        "证件号码在文件中出现了多次",
                        "一人只能登记一次：请删除重复的行或核对号码",
                    )
                )
            if member is not None and (household is None or member.household_id != household.pk):
                row.problems.append(
                    Problem(
                        sheet,
                        row.number,
                        "证件号码",
                        key[1],
                        "该证件号码已登记在另一户",
                        "一人只能在一户登记：请先在原户办理减员，或核对号码",
                    )
                )
                member = None
        elif household is not None and values.get("name"):
            member = next((m for m in stored if m.name == values["name"] and not m.id_number), None)
        merged = (
            {k: getattr(member, k) for k in MEMBER_FIELDS} | values
            if member is not None
            else values
        )
        errors, clean = validation.check_member(dict(merged))
        if any(p.column == "证件号码" for p in row.problems):
            # The cell was refused with its own reason; the empty value it left is not a
            # second, contradictory error ("证件号码为空").
            errors.pop("id_number", None)
        if member is None and values.get("id_number") and "birth_date" not in values:
            values["birth_date"] = clean.get("birth_date")
        if (
            values.get("relation") == c.Relation.SPOUSE
            and head_sex
            and clean.get("sex", values.get("sex")) == head_sex
        ):
            errors.setdefault("relation", []).append(SPOUSE_SAME_SEX)
        row.problems.extend(
            _problems_from_errors(sheet, row.number, errors, merged, label, plan.flagged)
        )
        mp = MemberPlan(row=row.number, values=values, existing=member)
        if member is not None:
            mp.changes = {
                k: [jsonable(getattr(member, k)), jsonable(v)]
                for k, v in values.items()
                if jsonable(getattr(member, k)) != jsonable(v)
            }
            mp.action = "change" if mp.changes else "unchanged"
        plan.members.append(mp)
    if household is not None:
        in_file = {m.existing.pk for m in plan.members if m.existing is not None}
        missing = [m.name for m in stored if m.pk not in in_file]
        if missing:
            plan.warnings.append(
                f"已登记成员{'、'.join(missing)}不在文件中：导入不会删除成员，如已减员请在页面办理"
            )
    # The head first, so that the spouse's sex check and the household's head name work.
    plan.members.sort(key=lambda m: 0 if m.values.get("relation") == c.Relation.HEAD else 1)


def _plan_income(
    plan: HouseholdPlan,
    household: Household | None,
    income: Income | None,
    year: int | None,
    fields_present: set[str],
    sheet: str,
    label: dict[str, str],
) -> None:
    raw = dict(plan.income)
    if not raw:
        return
    row = plan.rows[0].number
    if not year:
        plan.problems.append(
            Problem(
                sheet,
                row,
                "人均纯收入（元）",
                "",
                "文件含收入列，但没有指定收入年度",
                "导入时请选择收入年度（命令行用 --year）",
            )
        )
        return
    plan.stated_per_capita = raw.pop("per_capita_net", None)
    stated_transfer = raw.pop("transfer", None)
    values = {k: v for k, v in raw.items() if k in INPUT_FIELDS}
    if stated_transfer is not None:
        parts = [values.get(p) for p in TRANSFER_PARTS if values.get(p) is not None]
        if not parts:
            # The national sheet gives 转移性收入 as one total. The sub-items already stored
            # for that year are kept, and 其他转移性收入 takes the rest, so re-importing an
            # unchanged total (e.g. an export of this system) changes nothing.
            kept = (
                {p: getattr(income, p) for p in TRANSFER_PARTS if p != "other_transfer"}
                if income is not None
                else {}
            )
            rest = stated_transfer - sum(kept.values(), Decimal(0))
            if kept and rest >= 0:
                values.update(kept)
                values["other_transfer"] = rest
            else:
                values["other_transfer"] = stated_transfer
        elif sum(parts, Decimal(0)) != stated_transfer:
            plan.warnings.append(
                f"转移性收入{stated_transfer}与各分项之和{sum(parts, Decimal(0))}不一致：按分项导入"
            )
    size = len(plan.rows)
    errors, clean = validation.check_income(year, size, values)
    if errors:
        plan.problems.extend(_problems_from_errors(sheet, row, errors, values, label))
        return
    clean.pop("year")
    clean.pop("household_size")
    derived = derive(clean, size)
    if plan.stated_per_capita is not None and abs(
        plan.stated_per_capita - derived["per_capita_net"]
    ) > _per_capita_tolerance(year, plan):
        plan.warnings.append(
            f"表中人均纯收入{plan.stated_per_capita}元与按收入各项和{size}人重新计算的"
            f"{derived['per_capita_net']}元不一致：按重新计算的值保存"
        )
    plan.income = {k: v for k, v in clean.items() if k in values}
    new_values = {**plan.income, **derived, "household_size": size}
    if income is None:
        plan.income_action = "create"
        plan.income_changes = {k: [None, jsonable(v)] for k, v in new_values.items()}
    else:
        diff = {
            k: [jsonable(getattr(income, k)), jsonable(v)]
            for k, v in new_values.items()
            if Decimal(str(getattr(income, k))) != Decimal(str(v))
        }
        plan.income_action = "change" if diff else "unchanged"
        plan.income_changes = diff


def _plan_conditions(
    plan: HouseholdPlan,
    existing: Conditions | None,
    year: int | None,
    sheet: str,
    label: dict[str, str],
) -> None:
    values = {k: v for k, v in plan.conditions.items() if k in CONDITION_FIELDS}
    plan.conditions = values
    if not values:
        return
    if not year:
        plan.problems.append(
            Problem(
                sheet,
                plan.rows[0].number,
                "是否危房户",
                "",
                "文件含生产生活条件列，但没有指定年度",
                "导入时请选择年度（命令行用 --year）",
            )
        )
        return
    if existing is None:
        plan.conditions_action = "create"
        plan.conditions_changes = {k: [None, jsonable(v)] for k, v in values.items()}
    else:
        diff = {
            k: [jsonable(getattr(existing, k)), jsonable(v)]
            for k, v in values.items()
            if jsonable(getattr(existing, k)) != jsonable(v)
            and not (isinstance(v, Decimal) and Decimal(str(getattr(existing, k))) == v)
        }
        plan.conditions_action = "change" if diff else "unchanged"
        plan.conditions_changes = diff


def _plan_measures(
    plan: HouseholdPlan,
    existing: Measures | None,
    year: int | None,
    fields_present: set[str],
    sheet: str,
    label: dict[str, str],
) -> None:
    """The year's 帮扶措施. A household with any measure cell filled gets, for each measure
    column of the file, what its row says (a blank cell is "none", as the national export
    writes it); a household whose measure cells are all blank keeps what is stored."""
    given = {k: v for k, v in plan.measures.items() if k in MEASURE_FIELDS}
    plan.measures = {}
    plan.stored_measures = existing
    if not given:
        return
    row = plan.rows[0].number
    if not year:
        plan.problems.append(
            Problem(
                sheet,
                row,
                label.get(next(iter(given)), "帮扶措施"),
                "",
                "文件含帮扶措施列，但没有指定年度",
                "导入时请选择年度（命令行用 --year）",
            )
        )
        return
    values = {k: given.get(k, "") for k in MEASURE_FIELDS if k in fields_present}
    errors, clean = validation.check_measures(year, values)
    if errors:
        plan.problems.extend(_problems_from_errors(sheet, row, errors, values, label))
        return
    clean.pop("year")
    plan.measures = clean
    if existing is None:
        plan.measures_action = "create"
        plan.measures_changes = {k: [None, v] for k, v in clean.items() if v not in ("", False)}
    else:
        diff = {k: [getattr(existing, k), v] for k, v in clean.items() if getattr(existing, k) != v}
        plan.measures_action = "change" if diff else "unchanged"
        plan.measures_changes = diff


@lru_cache(maxsize=1)
def _entry_checks() -> Any:
    """jingzhun.quality.entry (built by the quality part), or None when it is absent."""
    try:
        from jingzhun.quality import entry
    except ImportError:
        return None
    return entry if hasattr(entry, "findings_for_data") else None


def quality_warnings(plan: HouseholdPlan, year: int | None, ctx: Any = None) -> list[str]:
    """Entry-time quality findings (jingzhun.quality.entry.findings_for_data) for the household
    as it would be after the import, shown in the preview as warnings. They never refuse a row:
    refusals are the registry's entry rules. Returns [] when the quality module is absent."""
    entry = _entry_checks()
    if entry is None:
        return []
    village_code = plan.village.code if plan.village else ""
    household = _stored(Household, plan.existing, plan.values) | {
        "number": plan.number,
        "village_code": village_code,
        "id": plan.existing.pk if plan.existing else None,
    }
    members = [
        _stored(Member, m.existing, m.values) | {"id": m.existing.pk if m.existing else None}
        for m in plan.members
    ]
    incomes = []
    if plan.income_action and year:
        size = len(plan.rows)
        values = {k: plan.income.get(k, Decimal(0)) for k in INPUT_FIELDS}
        incomes = [{**values, **derive(values, size), "year": year, "household_size": size}]
    risks = [
        {"position": i, "kind": kind, "remark": remark}
        for i, (kind, remark) in enumerate(plan.risks or [], start=1)
    ]
    conditions = (
        [_stored(Conditions, None, plan.conditions) | {"year": year}]
        if plan.conditions and year
        else []
    )
    # The measures as they would be after the import: a file without measure columns (or with
    # them blank) leaves the stored ones, which the checks then read.
    measures = (
        [_stored(Measures, plan.stored_measures, plan.measures) | {"year": year}]
        if (plan.measures or plan.stored_measures) and year
        else []
    )
    try:
        findings = entry.findings_for_data(
            household, members, incomes, risks, conditions, year=year, ctx=ctx, measures=measures
        )
    except Exception:  # a soft check must not break the preview; the error is logged
        logger.exception("entry-time quality checks failed for household %s", plan.number)
        return ["数据质量检查暂时无法运行（已记录错误），不影响导入。"]
    out = []
    for f in findings:
        who = f"{f.member_name}：" if getattr(f, "member_name", "") else ""
        out.append(f"[{f.code}] {who}{f.message}")
    return out


# --- the preview as JSON ------------------------------------------------------------------------

PREVIEW_LIMIT = 300
PROBLEM_LIMIT = 50_000


def preview_of(plan: Plan) -> dict[str, Any]:
    """What the upload page shows: counts, and the first entries of each kind."""
    counts: Counter[str] = Counter(p.action for p in plan.households)
    members: Counter[str] = Counter()
    for p in plan.households:
        if p.action != "refused":
            members.update(m.action for m in p.members)
    entries: dict[str, list[dict[str, Any]]] = {"create": [], "change": [], "refused": []}
    problems = [pr.as_dict() for pr in plan.orphan_problems]
    warnings = []
    for p in plan.households:
        if p.action in entries and len(entries[p.action]) < PREVIEW_LIMIT:
            entries[p.action].append(_entry(p))
        if p.refused:
            held = [pr.as_dict() for pr in p.all_problems()]
            problems.extend(held)
            bad_rows = {pr.row for pr in p.all_problems()}
            for r in p.rows:
                if r.number not in bad_rows:
                    problems.append(
                        Problem(
                            plan.sheet,
                            r.number,
                            "户编号",
                            p.number,
                            "本户其他行有错误，整户暂不导入",
                            "改正本户出错的行后，整户一起重新上传",
                        ).as_dict()
                    )
        elif p.warnings and len(warnings) < PREVIEW_LIMIT:
            warnings.append({"number": p.number, "row": p.rows[0].number, "warnings": p.warnings})
    problems.sort(key=lambda x: (x["row"], x["column"]))
    with translation.override("zh-hans"):
        villages = [{"township": t.name, "name": n} for t, n in plan.new_villages]
    return {
        "sheet": plan.sheet,
        "header_row": plan.header_row,
        "counts": {
            "rows": plan.total_rows,
            "households_create": counts["create"],
            "households_change": counts["change"],
            "households_unchanged": counts["unchanged"],
            "households_refused": counts["refused"],
            "members_create": members["create"],
            "members_change": members["change"],
            "members_unchanged": members["unchanged"],
            "rows_refused": len({x["row"] for x in problems}),
            "new_villages": len(plan.new_villages),
        },
        "entries": entries,
        "warnings": warnings,
        "problems": problems[:PROBLEM_LIMIT],
        "problems_truncated": len(problems) > PROBLEM_LIMIT,
        "notes": plan.notes,
        "note_counts": plan.note_counts,
        "file_notes": plan.file_notes,
        "unknown_columns": plan.unknown_columns,
        "new_villages": villages,
    }


def _entry(p: HouseholdPlan) -> dict[str, Any]:
    village = p.village.name if p.village else (p.new_village[1] if p.new_village else "")
    return {
        "number": p.number,
        "row": p.rows[0].number,
        "village": village,
        "new_village": bool(p.new_village),
        "changes": p.changes,
        "members": [
            {
                "row": m.row,
                "name": m.values.get("name") or (m.existing.name if m.existing else ""),
                "id_number": m.values.get("id_number") or "",
                "action": m.action,
                "changes": m.changes,
            }
            for m in p.members
        ],
        "income": {"action": p.income_action, "changes": p.income_changes},
        "conditions": {"action": p.conditions_action, "changes": p.conditions_changes},
        "measures": {"action": p.measures_action, "changes": p.measures_changes},
        "warnings": p.warnings,
        "problems": [pr.as_dict() for pr in p.all_problems()],
    }
