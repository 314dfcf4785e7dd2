"""Household search and filters shared by the list page, the API and exports.

Everything starts from :func:`jingzhun.registry.scoping.households_for` (the search's look-ups
from its siblings ``households_for_search`` / ``members_for_search``: the same households, the
area written so that the search key's index drives the query). Pagination is keyset on (village
code, id) — ``after`` = ``"<village_code>-<id>"`` of the last row seen — which is exactly the
order of the scope index, so both the area range and the order come from one index scan: no
OFFSET and no COUNT, and page 20,000 costs what page 1 costs at 1,000,000 households. Households
come grouped by village, as cadres read them.

Search ``q`` ("search as people search", :func:`search`) is read the way cadres read names and
numbers off a card, and every kind is an index look-up on a stored key
(:mod:`jingzhun.registry.search_keys`), limited to the user's scope in the same query:

* a full ID number (15 or 18 characters; spaces, full width and lower-case x tolerated) → the
  household holding it; 15 or 18 digits may also be a household number (prefix);
* a person's name, traditional or simplified (normalised key): exact, then by prefix (two
  characters or more: 王建 finds 王建国);
* Latin letters → pinyin initials (wjg, WJG → 王建国; two letters or more, exact then prefix) and
  Latin names by prefix;
* 4–6 characters of digits (an ID may end in X) → the members whose ID number ends with them,
  and (digits only) the members or households whose phone ends with them;
* a run of digits → household numbers starting with it (the village code end) or, from three
  digits, ending with it (the sequence end); from four digits, for a user whose scope is a
  township or a village, also containing it anywhere (a fragment from the middle: no index
  serves it, so it reads the scope's households through the scope index — a few thousand —
  and is not offered to counties and above, where it would read hundreds of thousands).

Results are ranked — exact name or ID > name prefix > initials > ID tail > phone tail >
household number — then by (village code, id); each household appears once, with its best
match (``search_rank`` and ``search_match`` on the rows of :func:`household_page`). Each kind
reads at most :data:`SEARCH_LIMIT` matches (no sort, so the index scan stops there); when one
is cut the page says so and asks for a longer search. Search pages are keyset pages of that
ranked list: ``after`` names the last household shown (if it left the results, the list
starts again from the top). Exports and the API (:func:`filter_households`) get the same
matching households, unordered.

Personal data: a search never shows more than the list shows (household number, head's name,
village …; the matched member's NAME and the kind of match, never a number), and it only ever
matches within the user's scope. Roles that see ID and phone numbers masked
(``User.sees_personal_numbers`` false: ``1409**********10X9``) may search by the last FOUR
characters only — exactly what the mask shows them; a 5- or 6-character tail would let them
probe digits the mask hides, so for them such a run is read as a household number only.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from jingzhun.areas.models import code_range
from jingzhun.core.idnumber import IdNumberError, normalize_id_text, parse_id_number
from jingzhun.core.names import normalize_name
from jingzhun.registry import choices as c
from jingzhun.registry.models import Household, Income, RiskFactor
from jingzhun.registry.scoping import (
    areas_for,
    households_for,
    households_for_search,
    members_for_search,
    search_prefix,
)

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from jingzhun.accounts.models import User

# ASCII digits only: NFKC folds full-width digits, but other scripts' digits stay as they are.
ID_LIKE = re.compile(r"^\d{14}[\dX]$|^\d{17}[\dX]$", re.ASCII)
ID_TAIL = re.compile(r"^\d{3,5}[\dX]$", re.ASCII)
DIGITS = re.compile(r"^\d+$", re.ASCII)  # the last 4–6 characters of an ID number
MASKED_TAIL = 4  # what a masked ID or phone shows of its end (jingzhun.core.masking)
NUMBER_TAIL_MIN = 3  # shorter runs end too many household numbers to mean anything
NUMBER_MIDDLE_MIN = 4  # a fragment from the middle of a number, from four digits …
MIDDLE_SCOPE_DIGITS = 9  # … within a township's or a village's households (scope prefix)
NAME_PREFIX_MIN = 2  # one character is a surname: only an exact match
LATIN = re.compile(r"^[a-z]+$")
SEARCH_LIMIT = 200  # matches read per kind of search

# Ranks, best first.
EXACT, NAME_PREFIX, INITIALS, INITIALS_PREFIX, ID_TAIL_RANK, PHONE_TAIL, NUMBER = range(7)
MATCH_LABELS: dict[int, Promise] = {
    EXACT: _("姓名或证件号码"),
    NAME_PREFIX: _("姓名开头"),
    INITIALS: _("拼音首字母"),
    INITIALS_PREFIX: _("拼音首字母开头"),
    ID_TAIL_RANK: _("证件号码尾号"),
    PHONE_TAIL: _("电话尾号"),
    NUMBER: _("户编号"),
}


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
    income_min: Decimal | None = None  # per-capita net income of ``year``, yuan (inclusive)
    income_max: Decimal | None = None  # (exclusive)
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
                    amount = Decimal(raw)
                except InvalidOperation:
                    amount = None
                if amount is None or not amount.is_finite():
                    f.errors[name] = f"“{raw}”不是金额：请填写数字，如 6000。"
                else:
                    setattr(f, name, amount)
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
            "year",
            "income_min",
            "income_max",
        )
        values = {k: getattr(self, k) for k in keys}
        values["at_risk"] = "1" if self.at_risk else ""
        return {k: v for k, v in values.items() if v not in ("", None)}


# 风险未消除: a monitoring category whose risk is not eliminated — the list's ``at_risk`` filter
# and every count of "monitored households still at risk" (home, dashboards, reports).
AT_RISK = Q(~Q(monitoring_category=""), ~Q(risk_eliminated=True))


# Further sets of household ids the list must keep to (a ``values`` queryset of
# ``household_id``, or ids): how the pages above the registry narrow the list to a quality
# check's, a case step's or an evaluation's households without the registry knowing them.
Restrict = Sequence["QuerySet[Any] | Collection[int]"]


def _filtered(
    user: User, f: HouseholdFilters, *, start: str = "", restrict: Restrict = ()
) -> tuple[QuerySet, str]:
    """The scoped queryset with every filter but ``q``, and the area prefix it is within."""
    within = ""
    if f.area:
        area = areas_for(user).filter(code=f.area).first()
        if area is None:
            # Out of scope answers like nowhere: nothing.
            return households_for(user).none(), ""
        within = area.scope_prefix
    qs = households_for(user, within=within, start=start)
    for ids in restrict:
        qs = qs.filter(pk__in=ids)
    if f.group:
        qs = qs.filter(group__code=f.group)
    if f.at_risk:
        qs = qs.filter(AT_RISK)
    if f.household_type:
        qs = qs.filter(household_type=f.household_type)
    if f.monitoring_category:
        qs = qs.filter(monitoring_category=f.monitoring_category)
    if f.risk:
        qs = qs.filter(Exists(RiskFactor.objects.filter(household=OuterRef("pk"), kind=f.risk)))
    if f.year:
        incomes = Income.objects.filter(household=OuterRef("pk"), year=f.year)
        if f.income_min is not None:
            incomes = incomes.filter(per_capita_net__gte=f.income_min)
        if f.income_max is not None:
            incomes = incomes.filter(per_capita_net__lt=f.income_max)
        qs = qs.filter(Exists(incomes))
    return qs, within


def _narrowed(f: HouseholdFilters, restrict: Restrict = ()) -> bool:
    """Whether a filter other than area and ``q`` narrows the households."""
    return bool(
        restrict
        or f.household_type
        or f.monitoring_category
        or f.risk
        or f.year
        or f.group
        or f.at_risk
    )


def filter_households(
    user: User, f: HouseholdFilters, *, start: str = "", restrict: Restrict = ()
) -> QuerySet[Household]:
    """The scoped, filtered queryset (unordered, unpaginated); ``start`` is the keyset page's
    lowest village code; ``restrict``: see :data:`Restrict`. With ``q``: the households
    :func:`search` finds (at most :data:`SEARCH_LIMIT` per kind of match)."""
    qs, within = _filtered(user, f, start=start, restrict=restrict)
    if f.q and not qs.query.is_empty():
        found = search(user, f.q, within=within)
        qs = qs.filter(pk__in=[hit.household_id for hit in found.hits])
    return qs


@dataclass(frozen=True)
class Hit:
    """One household a search found, by its best match."""

    rank: int
    village_code: str
    household_id: int
    name: str = ""  # the matched member's name ("" for a household-level match)

    @property
    def key(self) -> tuple[int, str, int]:
        return self.rank, self.village_code, self.household_id

    @property
    def label(self) -> str:
        kind = str(MATCH_LABELS[self.rank])
        return f"{self.name}（{kind}）" if self.name else kind


@dataclass
class SearchResult:
    hits: list[Hit]  # ranked, one per household
    truncated: bool  # a kind of match had more than SEARCH_LIMIT matches


def _starts_with(column: str, prefix: str) -> Q:
    """``column`` starts with ``prefix``, as an index range on either database."""
    if connection.vendor == "postgresql":
        # LIKE 'prefix%' uses the varchar_pattern_ops indexes (registry.models).
        return Q(**{f"{column}__startswith": prefix})
    # SQLite's LIKE ignores case and then uses no index; its text order is the code points'
    # (BINARY), so the strings starting with ``prefix`` are exactly this range.
    return Q(**{f"{column}__gte": prefix, f"{column}__lt": prefix + "\U0010ffff"})


class _Collector:
    """Hits by household, keeping each household's best."""

    def __init__(self) -> None:
        self.best: dict[int, Hit] = {}
        self.truncated = False

    def add(self, rows: list[tuple], rank_of: Any) -> None:
        if len(rows) > SEARCH_LIMIT:
            self.truncated = True
            rows = rows[:SEARCH_LIMIT]
        for row in rows:
            hit = rank_of(row)
            old = self.best.get(hit.household_id)
            if old is None or hit.key < old.key:
                self.best[hit.household_id] = hit

    def result(self) -> SearchResult:
        return SearchResult(sorted(self.best.values(), key=lambda h: h.key), self.truncated)


def search(user: User, q: str, *, within: str = "") -> SearchResult:
    """The households under the user's area (``within``: an area's scope prefix) that ``q``
    finds, ranked (see the module docstring). One indexed query per kind of match that applies
    to ``q``: at most five."""
    households = households_for_search(user, within=within)
    members = members_for_search(user, within=within)
    found = _Collector()
    # One more than the limit: whether a kind was cut.
    limit = SEARCH_LIMIT + 1
    member_columns = ("household_id", "household__village_code", "name", "name_norm")
    text = normalize_id_text(q)
    digits = bool(DIGITS.match(text))

    def member_hit(rank: int) -> Any:
        return lambda row: Hit(rank, row[1], row[0], row[2])

    def household_hit(rank: int) -> Any:
        return lambda row: Hit(rank, row[1], row[0])

    if ID_LIKE.match(text):
        try:
            number = parse_id_number(text).normalized
        except IdNumberError:
            number = text  # stored numbers are normalised; an invalid one simply finds nothing
        found.add(
            list(members.filter(id_number=number).values_list(*member_columns)[:limit]),
            member_hit(EXACT),
        )
        if not digits:
            return found.result()
    elif ID_TAIL.match(text):
        allowed = len(text) == MASKED_TAIL or user.sees_personal_numbers
        if allowed:
            found.add(
                list(
                    members.filter(_starts_with("id_tail_rev", text[::-1])).values_list(
                        *member_columns
                    )[:limit]
                ),
                member_hit(ID_TAIL_RANK),
            )
            if digits:
                tail = text[::-1]
                found.add(
                    list(
                        members.filter(_starts_with("phone_tail_rev", tail)).values_list(
                            *member_columns
                        )[:limit]
                    ),
                    member_hit(PHONE_TAIL),
                )
                found.add(
                    list(
                        households.filter(_starts_with("phone_tail_rev", tail)).values_list(
                            "id", "village_code"
                        )[:limit]
                    ),
                    household_hit(PHONE_TAIL),
                )
    if digits:
        # Household numbers: from the start (the unique index on number) and, from three
        # digits, from the end (the reversed copy). Two look-ups, not one OR: an OR across
        # two indexes makes PostgreSQL scan every household (2.5 s at 1,000,000 households).
        low, high = code_range(text)
        found.add(
            list(
                households.filter(number__gte=low, number__lt=high).values_list(
                    "id", "village_code"
                )[:limit]
            ),
            household_hit(NUMBER),
        )
        if len(text) >= NUMBER_TAIL_MIN:
            found.add(
                list(
                    households.filter(_starts_with("number_rev", text[::-1])).values_list(
                        "id", "village_code"
                    )[:limit]
                ),
                household_hit(NUMBER),
            )
        scope = search_prefix(user, within)
        middle = scope is not None and len(scope) >= MIDDLE_SCOPE_DIGITS
        if middle and len(text) >= NUMBER_MIDDLE_MIN:
            found.add(
                list(
                    households_for(user, within=scope)
                    .filter(number__contains=text)
                    .values_list("id", "village_code")[:limit]
                ),
                household_hit(NUMBER),
            )
        return found.result()
    if ID_TAIL.match(text):
        return found.result()
    key = normalize_name(q)
    if not key:
        return found.result()
    # Exact and prefix in one look-up: the exact match is the prefix match of equal length.
    names = Q(name_norm=key)
    if len(key) >= NAME_PREFIX_MIN:
        names = _starts_with("name_norm", key)
    found.add(
        list(members.filter(names).values_list(*member_columns)[:limit]),
        lambda row: Hit(EXACT if row[3] == key else NAME_PREFIX, row[1], row[0], row[2]),
    )
    if LATIN.match(key) and len(key) >= NAME_PREFIX_MIN:
        found.add(
            list(
                members.filter(_starts_with("name_initials", key)).values_list(
                    *member_columns, "name_initials"
                )[:limit]
            ),
            lambda row: Hit(INITIALS if row[4] == key else INITIALS_PREFIX, row[1], row[0], row[2]),
        )
    return found.result()


@dataclass
class HouseholdPage:
    rows: list[Household]
    next_after: str | None  # the cursor of the next page; None on the last page
    truncated: bool = False  # a search had more matches than it read (SEARCH_LIMIT)
    found: int | None = None  # a search's households (all pages), known without counting


def household_page(
    user: User, f: HouseholdFilters, page_size: int, *, restrict: Restrict = ()
) -> HouseholdPage:
    """One keyset page and the cursor of the next page. With ``q``: a page of the ranked
    search results, each row carrying ``search_rank`` and ``search_match`` (a label)."""
    if f.q:
        return _search_page(user, f, page_size, restrict)
    qs, _within = _filtered(user, f, start=f.after[0] if f.after else "", restrict=restrict)
    if f.after:
        code, pk = f.after
        # (village_code, id) > (code, pk): the range starts at ``code`` (see above), and the
        # rows of that village up to ``pk`` were on the previous page.
        qs = qs.exclude(village_code=code, id__lte=pk)
    rows = list(
        _with_year(qs, f).select_related("village").order_by("village_code", "id")[: page_size + 1]
    )
    last = rows[page_size - 1] if len(rows) > page_size else None
    next_after = f"{last.village_code}-{last.id}" if last else None
    return HouseholdPage(rows[:page_size], next_after)


def _with_year(qs: QuerySet[Household], f: HouseholdFilters) -> QuerySet[Household]:
    if not f.year:
        return qs
    return qs.annotate(
        year_per_capita=Subquery(
            Income.objects.filter(household=OuterRef("pk"), year=f.year).values("per_capita_net")[
                :1
            ]
        )
    )


def _search_page(
    user: User, f: HouseholdFilters, page_size: int, restrict: Restrict = ()
) -> HouseholdPage:
    qs, within = _filtered(user, f, restrict=restrict)
    if qs.query.is_empty():
        return HouseholdPage([], None, found=0)
    found = search(user, f.q, within=within)
    hits = found.hits
    if hits and _narrowed(f, restrict):
        kept = set(qs.filter(pk__in=[h.household_id for h in hits]).values_list("id", flat=True))
        hits = [h for h in hits if h.household_id in kept]
    start = 0
    if f.after:
        code, pk = f.after
        start = next(
            (i + 1 for i, h in enumerate(hits) if h.household_id == pk and h.village_code == code),
            0,
        )
    shown = hits[start : start + page_size]
    more = len(hits) > start + page_size
    rows = {}
    if shown:
        rows = {
            h.pk: h
            for h in _with_year(qs, f)
            .filter(pk__in=[hit.household_id for hit in shown])
            .select_related("village")
        }
    page = []
    for hit in shown:
        row = rows.get(hit.household_id)
        if row is not None:  # deleted between the two queries
            row.search_rank = hit.rank
            row.search_match = hit.label
            page.append(row)
    last = shown[-1] if more and shown else None
    next_after = f"{last.village_code}-{last.household_id}" if last else None
    return HouseholdPage(page, next_after, found.truncated, found=len(hits))
