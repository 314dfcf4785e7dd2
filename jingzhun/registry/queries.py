"""Household search and filters shared by the list page, the API and exports.

Everything starts from :func:`jingzhun.registry.scoping.households_for`. Pagination is keyset
on (village code, id) — ``after`` = ``"<village_code>-<id>"`` of the last row seen — which is
exactly the order of the scope index, so both the area range and the order come from one index
scan: no OFFSET and no COUNT, and page 20,000 costs what page 1 costs at 1,000,000 households.
Households come grouped by village, as cadres read them.

Search ``q`` is read as, in order: an ID number (15 or 18 characters, normalised: spaces,
full-width digits, lower-case x) → the household holding that member; a run of digits → a
household number (prefix); otherwise a person's name, matched exactly on the normalised key
(traditional→simplified, width, spaces) of any member — an indexed lookup.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, QuerySet, Subquery

from jingzhun.areas.models import code_range
from jingzhun.core.idnumber import IdNumberError, normalize_id_text, parse_id_number
from jingzhun.core.names import normalize_name
from jingzhun.registry import choices as c
from jingzhun.registry.models import Household, Income, Member, RiskFactor
from jingzhun.registry.scoping import areas_for, households_for

if TYPE_CHECKING:
    from jingzhun.accounts.models import User

ID_LIKE = re.compile(r"^\d{14}[\dX]$|^\d{17}[\dX]$")


@dataclass
class HouseholdFilters:
    q: str = ""
    area: str = ""  # an area code under the user's scope
    household_type: str = ""
    monitoring_category: str = ""
    risk: str = ""
    group: str = ""  # a village group's code (村民小组)
    at_risk: bool = False  # a monitoring category whose risk is not eliminated (风险未消除)
    year: int | None = None
    income_min: Decimal | None = None  # per-capita net income of ``year``, yuan
    income_max: Decimal | None = None
    after: tuple[str, int] | None = None  # keyset cursor: (village_code, id) of the last row
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_params(cls, params: Any) -> HouseholdFilters:
        """Parse query parameters; unknown values are reported in ``errors``, not ignored."""
        f = cls(
            q=(params.get("q") or "").strip(),
            area=(params.get("area") or "").strip(),
            household_type=params.get("household_type") or "",
            monitoring_category=params.get("monitoring_category") or "",
            risk=params.get("risk") or "",
            group=(params.get("group") or "").strip(),
            at_risk=params.get("at_risk") == "1",
        )
        for name, enum in (
            ("household_type", c.HouseholdType),
            ("monitoring_category", c.MonitoringCategory),
            ("risk", c.RiskType),
        ):
            if getattr(f, name) and getattr(f, name) not in enum.values:
                f.errors[name] = f"取值“{getattr(f, name)}”无效。"
                setattr(f, name, "")
        raw_year = params.get("year")
        if raw_year not in (None, ""):
            try:
                f.year = int(raw_year)
            except (TypeError, ValueError):
                f.errors["year"] = f"“{raw_year}”不是整数。"
        for name in ("income_min", "income_max"):
            raw = (params.get(name) or "").strip()
            if raw:
                try:
                    setattr(f, name, Decimal(raw))
                except InvalidOperation:
                    f.errors[name] = f"“{raw}”不是金额：请填写数字，如 6000。"
                    continue
                if not getattr(f, name).is_finite():
                    f.errors[name] = f"“{raw}”不是金额：请填写数字，如 6000。"
                    setattr(f, name, None)
        if (f.income_min is not None or f.income_max is not None) and f.year is None:
            f.errors["year"] = "按收入范围筛选时请填写年度。"
            f.income_min = f.income_max = None
        if f.group and not (f.group.isdigit() and len(f.group) == 15):
            f.errors["group"] = f"“{f.group}”不是村民小组代码（15位数字）。"
            f.group = ""
        raw_after = params.get("after")
        if raw_after:
            code, _, pk = str(raw_after).partition("-")
            if code.isdigit() and pk.isdigit():
                f.after = (code, int(pk))
            else:
                f.errors["after"] = "翻页位置无效：请回到第一页。"
        return f

    def as_params(self) -> dict[str, Any]:
        keys = (
            "q",
            "area",
            "household_type",
            "monitoring_category",
            "risk",
            "group",
            "at_risk",
            "year",
            "income_min",
            "income_max",
        )
        values = {k: getattr(self, k) for k in keys}
        values["at_risk"] = "1" if self.at_risk else ""
        return {k: v for k, v in values.items() if v not in ("", None)}


def filter_households(
    user: User,
    f: HouseholdFilters,
    *,
    start: str = "",
    restrict: Sequence[QuerySet[Any] | Collection[int]] = (),
) -> QuerySet[Household]:
    """The scoped, filtered queryset (unordered, unpaginated); ``start`` is the keyset page's
    lowest village code. ``restrict``: further sets of household ids (a ``values`` queryset of
    ``household_id``, or ids) that the households must belong to — how the pages above the
    registry narrow the list to a quality check's, a case step's or an evaluation's households
    without the registry knowing those domains."""
    within = ""
    if f.area:
        area = areas_for(user).filter(code=f.area).first()
        if area is None:
            # Out of scope answers like nowhere: nothing.
            return households_for(user).none()
        within = area.scope_prefix
    qs = households_for(user, within=within, start=start)
    for ids in restrict:
        qs = qs.filter(pk__in=ids)
    if f.household_type:
        qs = qs.filter(household_type=f.household_type)
    if f.monitoring_category:
        qs = qs.filter(monitoring_category=f.monitoring_category)
    if f.risk:
        qs = qs.filter(Exists(RiskFactor.objects.filter(household=OuterRef("pk"), kind=f.risk)))
    if f.group:
        qs = qs.filter(group__code=f.group)
    if f.at_risk:
        qs = qs.exclude(monitoring_category="").exclude(risk_eliminated=True)
    if f.year:
        incomes = Income.objects.filter(household=OuterRef("pk"), year=f.year)
        if f.income_min is not None:
            incomes = incomes.filter(per_capita_net__gte=f.income_min)
        if f.income_max is not None:
            incomes = incomes.filter(per_capita_net__lt=f.income_max)
        qs = qs.filter(Exists(incomes))
    if f.q:
        qs = _search(qs, f.q)
    return qs


def _search(qs: QuerySet[Household], q: str) -> QuerySet[Household]:
    text = normalize_id_text(q)
    if ID_LIKE.match(text):
        try:
            number = parse_id_number(text).normalized
        except IdNumberError:
            number = text  # stored numbers are normalised; an invalid one simply finds nothing
        # "id IN (members with this number)": the member index drives the query on SQLite too,
        # where a correlated EXISTS would be checked household by household.
        holds_id = Member.objects.filter(id_number=number, is_deleted=False).values("household_id")
        if text.isdigit():
            # 15 or 18 digits may also be a household number (often village code + 3 digits).
            # Two indexed look-ups, not one OR: an OR across two tables' indexes makes
            # PostgreSQL scan every household (2.5 s at 1,000,000 households).
            low, high = code_range(text)
            ids = set(
                Member.objects.filter(id_number=number, is_deleted=False).values_list(
                    "household_id", flat=True
                )[:100]
            )
            ids.update(
                Household.objects.filter(number__gte=low, number__lt=high).values_list(
                    "id", flat=True
                )[:100]
            )
            return qs.filter(pk__in=ids)
        return qs.filter(pk__in=holds_id)
    if text.isdigit():
        low, high = code_range(text)
        return qs.filter(number__gte=low, number__lt=high)
    key = normalize_name(q)
    return qs.filter(
        pk__in=Member.objects.filter(name_norm=key, is_deleted=False).values("household_id")
    )


def household_page(
    user: User,
    f: HouseholdFilters,
    page_size: int,
    *,
    restrict: Sequence[QuerySet[Any] | Collection[int]] = (),
) -> tuple[list[Household], str | None]:
    """One keyset page and the cursor of the next page (None on the last page)."""
    qs = filter_households(user, f, start=f.after[0] if f.after else "", restrict=restrict)
    if f.after:
        code, pk = f.after
        # (village_code, id) > (code, pk): the range starts at ``code`` (see above), and the
        # rows of that village up to ``pk`` were on the previous page.
        qs = qs.exclude(village_code=code, id__lte=pk)
    if f.year:
        qs = qs.annotate(
            year_per_capita=Subquery(
                Income.objects.filter(household=OuterRef("pk"), year=f.year).values(
                    "per_capita_net"
                )[:1]
            )
        )
    rows = list(qs.select_related("village").order_by("village_code", "id")[: page_size + 1])
    last = rows[page_size - 1] if len(rows) > page_size else None
    next_after = f"{last.village_code}-{last.id}" if last else None
    return rows[:page_size], next_after
