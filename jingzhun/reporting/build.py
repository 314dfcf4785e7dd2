"""A standard report for an area and a period: the definition's columns computed by the
catalogue's measures (each measure once, however many columns use it) into a
:class:`jingzhun.exports.reports.Report`, ready for the page, xlsx or PDF."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from jingzhun.areas.models import SCOPE_DIGITS, Area, Level
from jingzhun.exports.reports import Report
from jingzhun.reporting.definitions import Definition
from jingzhun.reporting.measures import MEASURES, Scope, Values
from jingzhun.reporting.periods import Period

if TYPE_CHECKING:
    from jingzhun.accounts.models import User


def percent(part: Any, whole: Any) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part or 0) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def build(user: User, definition: Definition, area: Area, period: Period) -> Report:
    """The report of ``area`` (in the user's scope) for ``period``."""
    if definition.rows == "children" and area.level < Level.VILLAGE:
        level = Level(area.level + 1)
        digits = SCOPE_DIGITS[level]
        rows_areas = list(Area.objects.filter(parent=area, level=level).order_by("code"))
    else:
        digits = len(area.scope_prefix)
        rows_areas = [area]
    scope = Scope(user, area, digits, period)
    needed = {name for column in definition.columns for name in column.measures}
    values: dict[str, Values] = {name: MEASURES[name].compute(scope) for name in sorted(needed)}

    def cell(column: Any, prefixes: list[str]) -> Any:
        if column.ratio:
            top, bottom = column.ratio
            return percent(
                sum(values[top].get(p, 0) for p in prefixes),
                sum(values[bottom].get(p, 0) for p in prefixes),
            )
        return sum(values[column.measure].get(p, 0) for p in prefixes)

    rows = [
        [a.name, *(cell(col, [a.scope_prefix[:digits]]) for col in definition.columns)]
        for a in rows_areas
    ]
    totals = None
    if len(rows_areas) > 1:
        every = [a.scope_prefix[:digits] for a in rows_areas]
        totals = ["合计", *(cell(col, every) for col in definition.columns)]
    headers = ["地区", *(_title(col) for col in definition.columns)]
    notes = [
        f"统计期间：{period.start.isoformat()} 至 {period.end.isoformat()}。",
        *definition.notes,
    ]
    return Report(
        title=f"{area.name}{definition.title}（{period.label}）",
        area=area.name,
        headers=headers,
        rows=rows,
        totals=totals,
        notes=notes,
        sheet=definition.title,
    )


def _title(column: Any) -> str:
    if column.ratio:
        return f"{column.title}（%）"
    unit = MEASURES[column.measure].unit
    return f"{column.title}（{unit}）" if unit else column.title
