"""Every read of relocation, scoped to the user's area; out of scope and absent both raise
:class:`NotFound`.

* Relocated households are read by their household's village, like the registry: a user sees
  the records of the households of their area.
* A resettlement site serves its county: everyone whose area lies in the site's county (or
  holds it) sees the site. What a site page lists and counts are its households *in the user's
  area* (for a county user: all of them), so no page shows a household outside the user's area.
* Working age is read from the policy parameters ``labour_age_min`` and ``labour_age_max`` for
  the site's area on the report's day, never from literals.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from jingzhun.areas.models import SCOPE_DIGITS, Area, Level
from jingzhun.core.actions import NotFound
from jingzhun.policy.parameters import value as parameter
from jingzhun.registry import scoping
from jingzhun.registry.models import Conditions, Household, Member
from jingzhun.relocation.actions import registry_values
from jingzhun.relocation.models import FollowUpMeasure, MemberJob, Relocation, ResettlementSite

if TYPE_CHECKING:
    from jingzhun.accounts.models import User

PAGE_SIZE = 100


def _in(prefix: str, field: str) -> Q:
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix + ":"})


# --- sites ---------------------------------------------------------------------------------------


def site_scope(user: User) -> str:
    """The prefix of the sites a user sees: their county's (or their own wider area's)."""
    return user.scope_prefix[: SCOPE_DIGITS[Level.COUNTY]]


def sites_for(user: User) -> QuerySet[ResettlementSite]:
    return ResettlementSite.objects.filter(_in(site_scope(user), "area_code")).select_related(
        "area"
    )


def access_site_by_id(user: User, pk: Any) -> ResettlementSite:
    try:
        return sites_for(user).get(pk=int(pk))
    except (ResettlementSite.DoesNotExist, ValueError, TypeError):
        raise NotFound(pk) from None


def manages_site(user: User, site: ResettlementSite) -> bool:
    from jingzhun.accounts.roles import SITE_MANAGERS

    return user.role in SITE_MANAGERS and site.area_code.startswith(user.scope_prefix)


# --- relocation records --------------------------------------------------------------------------


def relocations_for(user: User) -> QuerySet[Relocation]:
    return Relocation.objects.filter(
        _in(user.scope_prefix, "household__village_code"), household__is_deleted=False
    )


def relocation_of(user: User, household_id: Any) -> tuple[Household, Relocation | None]:
    """The household (NotFound when out of scope) and its relocation record, if any."""
    household = scoping.access_household_by_id(user, household_id)
    relocation = (
        Relocation.objects.filter(household=household)
        .select_related("site", "origin_village")
        .first()
    )
    if relocation is not None:
        relocation.household = household
    return household, relocation


def _employed_count() -> Any:
    return Coalesce(
        Subquery(
            MemberJob.objects.filter(
                relocation=OuterRef("pk"), employed=True, member__is_deleted=False
            )
            .order_by()
            .values("relocation")
            .annotate(n=Count("id"))
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def _has_employed() -> Exists:
    return Exists(
        MemberJob.objects.filter(relocation=OuterRef("pk"), employed=True, member__is_deleted=False)
    )


@dataclass(frozen=True)
class ListFilters:
    site: int | None = None
    year: int | None = None
    mode: str = ""
    without_employment: bool = False
    whole_village: bool = False

    @classmethod
    def from_params(cls, params: Any) -> ListFilters:
        def number(name: str) -> int | None:
            text = (params.get(name) or "").strip()
            return int(text) if text.isdigit() else None

        from jingzhun.relocation.choices import RelocationMode

        mode = params.get("mode", "")
        return cls(
            site=number("site"),
            year=number("year"),
            mode=mode if mode in RelocationMode.values else "",
            without_employment=params.get("without_employment") == "1",
            whole_village=params.get("whole_village") == "1",
        )

    def as_params(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.site:
            out["site"] = self.site
        if self.year:
            out["year"] = self.year
        if self.mode:
            out["mode"] = self.mode
        if self.without_employment:
            out["without_employment"] = "1"
        if self.whole_village:
            out["whole_village"] = "1"
        return out


def filtered(user: User, filters: ListFilters) -> QuerySet[Relocation]:
    qs = relocations_for(user)
    if filters.site:
        qs = qs.filter(site_id=filters.site)
    if filters.year:
        qs = qs.filter(
            moved_on__gte=dt.date(filters.year, 1, 1), moved_on__lte=dt.date(filters.year, 12, 31)
        )
    if filters.mode:
        qs = qs.filter(mode=filters.mode)
    if filters.without_employment:
        qs = qs.filter(~_has_employed())
    if filters.whole_village:
        qs = qs.filter(whole_village=True)
    return qs


def page(user: User, filters: ListFilters, after: int | None = None) -> dict[str, Any]:
    """One keyset page (by id) of the filtered records with what the list shows, and the total:
    three queries whatever the page holds."""
    qs = filtered(user, filters)
    total = qs.count()
    rows_qs = (
        qs.select_related("household", "origin_village", "site")
        .annotate(employed=_employed_count())
        .order_by("id")
    )
    if after:
        rows_qs = rows_qs.filter(id__gt=after)
    rows = list(rows_qs[: PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return {"rows": rows, "total": total, "next": rows[-1].pk if more else None}


# --- figures -------------------------------------------------------------------------------------


def working_ages(area_code: str, on: dt.date) -> tuple[int, int]:
    """(min, max) working age in years for ``area_code`` on ``on`` (policy parameters)."""
    low = int(parameter("labour_age_min", on=on, area_code=area_code).value)
    high = int(parameter("labour_age_max", on=on, area_code=area_code).value)
    return low, high


def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


@dataclass
class SiteFigures:
    households: int = 0
    people_moved: int = 0  # 搬迁人数 recorded at the move
    people: int = 0  # living members now
    working_age: int = 0
    working_age_employed: int = 0
    employed: int = 0  # every employed member, of working age or not
    without_employment: list[int] = field(default_factory=list)  # relocation ids
    labour_without_employment: int = 0  # of those, households with working-age members

    @property
    def employment_rate(self) -> float | None:
        return self.working_age_employed / self.working_age if self.working_age else None


def site_figures(user: User, sites: list[ResettlementSite], on: dt.date) -> dict[int, SiteFigures]:
    """Figures of each site over its households in the user's area, in three queries."""
    by_site: dict[int, SiteFigures] = {s.pk: SiteFigures() for s in sites}
    if not sites:
        return by_site
    ages = {s.pk: working_ages(s.area_code, on) for s in sites}
    relocations = relocations_for(user).filter(site__in=[s.pk for s in sites])
    household_site: dict[int, tuple[int, int]] = {}
    for pk, site_id, household_id, people in relocations.values_list(
        "pk", "site_id", "household_id", "people"
    ):
        f = by_site[site_id]
        f.households += 1
        f.people_moved += people
        household_site[household_id] = (site_id, pk)
    working: dict[int, int] = defaultdict(int)  # relocation id → working-age members
    working_members: set[int] = set()
    for member_id, household_id, birth in Member.objects.filter(
        household__relocation__in=relocations, is_deleted=False
    ).values_list("pk", "household_id", "birth_date"):
        site_id, relocation_id = household_site[household_id]
        f = by_site[site_id]
        f.people += 1
        low, high = ages[site_id]
        if low <= _age(birth, on) <= high:
            f.working_age += 1
            working[relocation_id] += 1
            working_members.add(member_id)
    employed_in: set[int] = set()
    for member_id, household_id in MemberJob.objects.filter(
        relocation__in=relocations, employed=True, member__is_deleted=False
    ).values_list("member_id", "member__household_id"):
        site_id, relocation_id = household_site[household_id]
        f = by_site[site_id]
        f.employed += 1
        employed_in.add(relocation_id)
        if member_id in working_members:
            f.working_age_employed += 1
    for _household_id, (site_id, relocation_id) in household_site.items():
        if relocation_id not in employed_in:
            f = by_site[site_id]
            f.without_employment.append(relocation_id)
            if working[relocation_id]:
                f.labour_without_employment += 1
    return by_site


def households_without_employment(user: User, ids: list[int], on: dt.date) -> list[dict[str, Any]]:
    """The listed households (no member employed): number, head, origin village, people now
    and working-age members — two queries."""
    rows = list(
        relocations_for(user)
        .filter(pk__in=ids)
        .select_related("household", "origin_village")
        .order_by("household__number")
    )
    if not rows:
        return []
    site_code = rows[0].site.area_code if rows[0].site_id else rows[0].origin_village_code
    low, high = working_ages(site_code, on)
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for household_id, birth in Member.objects.filter(
        household_id__in=[r.household_id for r in rows], is_deleted=False
    ).values_list("household_id", "birth_date"):
        counts[household_id][0] += 1
        if low <= _age(birth, on) <= high:
            counts[household_id][1] += 1
    return [
        {
            "relocation": r,
            "household": r.household,
            "village": r.origin_village.name,
            "people": counts[r.household_id][0],
            "working_age": counts[r.household_id][1],
        }
        for r in rows
    ]


def _group_digits(user: User) -> int:
    """Digits of the area one level below the user's (a village user: the village itself)."""
    level = min(int(user.area.level) + 1, int(Level.VILLAGE))
    return SCOPE_DIGITS[Level(level)]


def _area_code(prefix: str) -> str:
    return prefix if len(prefix) >= 6 else (prefix + "000000")[:6]


def by_year(user: User) -> dict[str, Any]:
    """Relocation by year of moving, per area one level below the user's (by the households'
    迁出村): 整村搬迁 villages (villages with at least one record marked 整村搬迁), households,
    and people (搬迁人数 at the move); with each year's total. Two queries."""
    digits = _group_digits(user)
    cells: dict[tuple[int, str], dict[str, Any]] = {}
    totals: dict[int, dict[str, Any]] = {}

    def add(cell: dict[str, Any], village: str, whole: bool, people: int) -> None:
        cell["households"] += 1
        cell["people"] += people
        if whole:
            cell["villages"].add(village)

    for moved_on, village, whole, people in relocations_for(user).values_list(
        "moved_on", "origin_village_code", "whole_village", "people"
    ):
        empty = {"villages": set(), "households": 0, "people": 0}
        add(cells.setdefault((moved_on.year, village[:digits]), empty), village, whole, people)
        empty = {"villages": set(), "households": 0, "people": 0}
        add(totals.setdefault(moved_on.year, empty), village, whole, people)
    names = dict(
        Area.objects.filter(code__in={_area_code(p) for _, p in cells}).values_list("code", "name")
    )
    rows = [
        {
            "year": year,
            "area_code": _area_code(prefix),
            "area": names.get(_area_code(prefix), prefix),
            "villages": len(cell["villages"]),
            "households": cell["households"],
            "people": cell["people"],
        }
        for (year, prefix), cell in sorted(cells.items())
    ]
    years = [
        {
            "year": year,
            "villages": len(cell["villages"]),
            "households": cell["households"],
            "people": cell["people"],
        }
        for year, cell in sorted(totals.items())
    ]
    return {"rows": rows, "years": years}


# --- the registry's fields against the record ----------------------------------------------------


def disagreements(relocation: Relocation, conditions: list[Conditions]) -> list[int]:
    """Years (from the move on) whose 生产生活条件 relocation fields differ from the record."""
    wanted = registry_values(relocation)
    return sorted(
        row.year
        for row in conditions
        if row.year >= relocation.moved_on.year
        and any(getattr(row, k) != v for k, v in wanted.items())
    )


def registry_mismatches(user: User, limit: int = 50) -> dict[str, Any]:
    """Where the registry and the relocation records disagree in the user's area: records whose
    registry years say otherwise, and households the registry marks as relocated that have no
    relocation record (entered before this module, or by an import)."""
    relocations = relocations_for(user)
    site_names = dict(sites_for(user).values_list("pk", "name"))
    records = {
        r["pk"]: r
        for r in relocations.values(
            "pk", "household_id", "moved_on", "mode", "resettlement_type", "site_id"
        )
    }
    by_household = {r["household_id"]: r for r in records.values()}
    out_of_line: dict[int, list[int]] = defaultdict(list)
    for household_id, year, is_rel, mode, rtype, site in Conditions.objects.filter(
        household__relocation__in=relocations
    ).values_list(
        "household_id",
        "year",
        "is_relocated",
        "relocation_mode",
        "resettlement_type",
        "resettlement_site",
    ):
        r = by_household[household_id]
        if year < r["moved_on"].year:
            continue
        wanted = (True, r["mode"], r["resettlement_type"], site_names.get(r["site_id"], ""))
        if (is_rel, mode, rtype, site) != wanted:
            out_of_line[household_id].append(year)
    unrecorded = (
        scoping.households_for(user)
        .filter(Exists(Conditions.objects.filter(household=OuterRef("pk"), is_relocated=True)))
        .filter(~Exists(Relocation.objects.filter(household=OuterRef("pk"))))
    )
    households = dict(
        Household.objects.filter(pk__in=list(out_of_line)[:limit]).values_list("pk", "number")
    )
    return {
        "out_of_line": [
            {"household_id": h, "number": households.get(h, ""), "years": sorted(y)}
            for h, y in sorted(out_of_line.items())[:limit]
        ],
        "out_of_line_count": len(out_of_line),
        "unrecorded": list(unrecorded.order_by("id").values("pk", "number", "head_name")[:limit]),
        "unrecorded_count": unrecorded.count(),
    }


# --- the household page's card -------------------------------------------------------------------


def card(household_id: int) -> Relocation | None:
    """The household's relocation record for its page (the page has checked scope): one query,
    with the site, the origin village and the counts of employed members and measures."""
    measures = (
        FollowUpMeasure.objects.filter(relocation=OuterRef("pk"))
        .order_by()
        .values("relocation")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        Relocation.objects.filter(household_id=household_id)
        .select_related("site", "origin_village")
        .annotate(
            employed=_employed_count(),
            measure_count=Coalesce(Subquery(measures, output_field=IntegerField()), 0),
        )
        .first()
    )
