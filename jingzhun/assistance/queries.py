"""Every read of the assistance work, scoped to the user's area, and its reports: coverage
(households without a current cadre, not visited within the interval, cadres over their
limit, monitored households whose only measure is 综合保障), first secretaries in post by
area, and work-team presence against the yearly minimum. Out of scope and absent both answer
NotFound. Every count is paired with the filter that lists its records."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum

from jingzhun.areas.models import Area, Level, code_range
from jingzhun.assistance.models import Cadre, Pairing, PlanItem, TeamPost, TeamRole, Visit
from jingzhun.core.actions import NotFound
from jingzhun.policy import parameters
from jingzhun.quality import queries as quality
from jingzhun.registry import choices as c
from jingzhun.registry.models import Household
from jingzhun.registry.scoping import areas_for, households_for

if TYPE_CHECKING:
    from jingzhun.accounts.models import User

# Households that must have a current cadre and be visited: 脱贫户 and 监测户.
CARED_FOR = (c.HouseholdType.EXITED, c.HouseholdType.MONITORED)


def _in(prefix: str, field: str) -> Q:
    low, high = code_range(prefix)
    return Q(**{f"{field}__gte": low, f"{field}__lt": high})


# --- scoped reads --------------------------------------------------------------------------------


def cadres_for(user: User) -> QuerySet[Cadre]:
    """Cadres serving the user's area or an area within it, and — for a township or village
    user — the cadres of the areas above who serve it (a county cadre paired in a village)."""
    above = [a.code for a in user.area.ancestors()] + [user.area.code]
    return Cadre.objects.filter(_in(user.scope_prefix, "area_code") | Q(area_code__in=above))


def access_cadre_by_id(user: User, pk: Any) -> Cadre:
    try:
        return cadres_for(user).select_related("area").get(pk=int(pk))
    except (Cadre.DoesNotExist, ValueError, TypeError):
        raise NotFound(pk) from None


def pairings_for(user: User) -> QuerySet[Pairing]:
    return Pairing.objects.filter(_in(user.scope_prefix, "village_code"))


def access_pairing_by_id(user: User, pk: Any) -> Pairing:
    try:
        return pairings_for(user).select_related("cadre", "household").get(pk=int(pk))
    except (Pairing.DoesNotExist, ValueError, TypeError):
        raise NotFound(pk) from None


def posts_for(user: User) -> QuerySet[TeamPost]:
    return TeamPost.objects.filter(_in(user.scope_prefix, "village_code"))


def access_post_by_id(user: User, pk: Any) -> TeamPost:
    try:
        return posts_for(user).select_related("village").get(pk=int(pk))
    except (TeamPost.DoesNotExist, ValueError, TypeError):
        raise NotFound(pk) from None


def visits_for(user: User) -> QuerySet[Visit]:
    return Visit.objects.filter(_in(user.scope_prefix, "village_code"))


def access_visit_by_id(user: User, pk: Any) -> Visit:
    try:
        return (
            visits_for(user)
            .select_related("household__village", "cadre", "case")
            .prefetch_related("photos")
            .get(pk=int(pk))
        )
    except (Visit.DoesNotExist, ValueError, TypeError):
        raise NotFound(pk) from None


def plan_items_for(user: User) -> QuerySet[PlanItem]:
    return PlanItem.objects.filter(_in(user.scope_prefix, "village_code"))


def access_plan_item_by_id(user: User, pk: Any) -> PlanItem:
    try:
        return plan_items_for(user).select_related("household").get(pk=int(pk))
    except (PlanItem.DoesNotExist, ValueError, TypeError):
        raise NotFound(pk) from None


def current_q(on: dt.date, prefix: str = "") -> Q:
    """Pairings (or posts) in force on ``on``."""
    return Q(**{f"{prefix}started_on__lte": on}) & (
        Q(**{f"{prefix}ended_on__isnull": True}) | Q(**{f"{prefix}ended_on__gt": on})
    )


# --- one household (the household page's card) --------------------------------------------------


@dataclass
class HouseholdAssistance:
    pairing: Pairing | None
    history: list[Pairing]
    visits: list[Visit]
    last_visit: dt.date | None
    plan: list[PlanItem]


def household_assistance(household: Household, year: int) -> HouseholdAssistance:
    """The cadre, the pairing history, the latest visits and the year's plan of one household
    (three queries)."""
    pairings = list(
        Pairing.objects.filter(household=household)
        .select_related("cadre")
        .order_by("-started_on", "-id")
    )
    current = next((p for p in pairings if p.ended_on is None), None)
    visits = list(
        Visit.objects.filter(household=household)
        .select_related("case")
        .order_by("-visited_on", "-id")[:5]
    )
    plan = list(
        PlanItem.objects.filter(household=household, year=year, removed=False).order_by(
            "family", "id"
        )
    )
    return HouseholdAssistance(
        pairing=current,
        history=pairings,
        visits=visits,
        last_visit=visits[0].visited_on if visits else None,
        plan=plan,
    )


# --- coverage ------------------------------------------------------------------------------------


def _counties(user: User, within: str = "") -> list[Area]:
    """The counties the user's scope touches (the parameters are per region: a city reads each
    county's own interval). A township or village user gets its county."""
    if user.area.level >= Level.COUNTY:
        county = next((a for a in user.area.ancestors() if a.level == Level.COUNTY), user.area)
        return [county]
    qs = areas_for(user).filter(level=Level.COUNTY)
    if within:
        qs = qs.filter(_in(within, "code"))
    return list(qs.order_by("code"))


def cared_for(user: User, within: str = "") -> QuerySet[Household]:
    return households_for(user, within=within).filter(household_type__in=CARED_FOR)


def without_cadre(user: User, on: dt.date, within: str = "") -> QuerySet[Household]:
    """脱贫户 and 监测户 with no pairing in force on ``on``."""
    paired = Pairing.objects.filter(current_q(on), household=OuterRef("pk"))
    return cared_for(user, within).exclude(Exists(paired))


def visit_cutoffs(user: User, on: dt.date, within: str = "") -> list[tuple[Area, int, dt.date]]:
    """Per county: the interval in force and the date before which a last visit is too old."""
    out = []
    for county in _counties(user, within):
        days = parameters.value("visit_max_interval_days", on=on, area_code=county.code).as_int()
        out.append((county, days, on - dt.timedelta(days=days)))
    return out


def not_visited(user: User, on: dt.date, within: str = "") -> QuerySet[Household]:
    """脱贫户 and 监测户 not visited within each county's interval up to ``on``."""
    late = Q(pk__in=[])
    for county, _days, cutoff in visit_cutoffs(user, on, within):
        recent = Visit.objects.filter(
            household=OuterRef("pk"), visited_on__gt=cutoff, visited_on__lte=on
        )
        late |= _in(county.scope_prefix, "village_code") & ~Exists(recent)
    return cared_for(user, within).filter(late)


ONLY_GUARANTEE_CHECK = "Q-H-041"  # 有劳动力的监测户仅落实综合保障措施


def only_guarantee(user: User) -> int | None:
    """Monitored households with working-age labour whose only measure is 综合保障, as the
    latest quality runs of the user's area found them (None before any run) — the same
    households the list opens (``check=Q-H-041``)."""
    runs = quality.latest_runs(user)
    if not runs:
        return None
    found = quality.finding_households(runs, ONLY_GUARANTEE_CHECK)
    return households_for(user).filter(pk__in=found).count()


@dataclass
class CadreLoad:
    cadre: Cadre
    households: int
    limit: int

    @property
    def over(self) -> bool:
        return self.households > self.limit


def cadre_loads(user: User, on: dt.date) -> list[CadreLoad]:
    """Every cadre of the user's scope with the households paired on ``on`` and the limit in
    force for the cadre's area (most loaded first)."""
    cadres = (
        cadres_for(user)
        .filter(active=True)
        .annotate(n=Count("pairings", filter=current_q(on, "pairings__")))
    )
    limits: dict[str, int] = {}
    out = []
    for cadre in cadres.select_related("area"):
        if cadre.area_code not in limits:
            limits[cadre.area_code] = parameters.value(
                "cadre_household_limit", on=on, area_code=cadre.area_code
            ).as_int()
        out.append(CadreLoad(cadre, cadre.n, limits[cadre.area_code]))
    out.sort(key=lambda load: (-load.households, load.cadre.name))
    return out


@dataclass
class Coverage:
    on: dt.date
    cared_for: int
    without_cadre: int
    not_visited: int
    intervals: list[tuple[Area, int, dt.date]]
    cadres: int
    over_limit: list[CadreLoad]
    visits_this_year: int
    pending_signals: int
    only_guarantee: int | None


def coverage(user: User, on: dt.date) -> Coverage:
    loads = cadre_loads(user, on)
    year_start = dt.date(on.year, 1, 1)
    return Coverage(
        on=on,
        cared_for=cared_for(user).count(),
        without_cadre=without_cadre(user, on).count(),
        not_visited=not_visited(user, on).count(),
        intervals=visit_cutoffs(user, on),
        cadres=len(loads),
        over_limit=[load for load in loads if load.over],
        visits_this_year=visits_for(user).filter(visited_on__gte=year_start).count(),
        pending_signals=visits_for(user).filter(signal="pending").count(),
        only_guarantee=only_guarantee(user),
    )


# --- work teams ----------------------------------------------------------------------------------


@dataclass
class AreaPosts:
    area: Area
    first_secretaries: int
    team_members: int
    villages: int
    villages_without_secretary: int


def posts_by_area(user: User, on: dt.date) -> list[AreaPosts]:
    """First secretaries and work-team members in post on ``on``, per area one level below the
    user's (for a village user: the village itself)."""
    level = min(user.area.level + 1, Level.VILLAGE)
    children = list(
        areas_for(user).filter(level=level).order_by("code")
        if user.area.level < Level.VILLAGE
        else [user.area]
    )
    posts = posts_for(user).filter(
        Q(term_start__lte=on) & (Q(ended_on__isnull=True) | Q(ended_on__gt=on))
    )
    villages = areas_for(user).filter(level=Level.VILLAGE)
    by_village: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in posts.values("village_code", "role").annotate(n=Count("id")):
        by_village[row["village_code"]][row["role"]] += row["n"]
    village_codes = list(villages.values_list("code", flat=True))
    out = []
    for child in children:
        prefix = child.scope_prefix
        mine = [v for v in village_codes if v.startswith(prefix)]
        secretaries = sum(by_village[v][TeamRole.FIRST_SECRETARY] for v in mine)
        members = sum(by_village[v][TeamRole.LEADER] + by_village[v][TeamRole.MEMBER] for v in mine)
        missing = sum(1 for v in mine if not by_village[v][TeamRole.FIRST_SECRETARY])
        out.append(AreaPosts(child, secretaries, members, len(mine), missing))
    return out


@dataclass
class PresenceRow:
    post: TeamPost
    days: int
    minimum: int
    months: int  # months recorded
    reachable: bool  # the recorded days plus the days left in the year can still reach it

    @property
    def short(self) -> bool:
        return self.days < self.minimum


def presence_report(user: User, year: int, on: dt.date) -> list[PresenceRow]:
    """Each post held during ``year`` with its recorded days against the yearly minimum of its
    province (parameter team_presence_min_days), those that can no longer reach it first. The
    minimum is pro-rated for a post held part of the year."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    posts = (
        posts_for(user)
        .filter(term_start__lte=end)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=start))
        .select_related("village")
        .annotate(
            days=Sum("presence__days", filter=Q(presence__year=year)),
            months=Count("presence", filter=Q(presence__year=year)),
        )
    )
    minimums: dict[str, int] = {}
    out = []
    for post in posts:
        province = post.village_code[:2]
        if province not in minimums:
            minimums[province] = parameters.value(
                "team_presence_min_days", on=end, area_code=post.village_code
            ).as_int()
        held_from = max(start, post.term_start)
        held_to = min(end, post.ended_on - dt.timedelta(days=1) if post.ended_on else end)
        share = ((held_to - held_from).days + 1) / ((end - start).days + 1)
        minimum = round(minimums[province] * max(share, 0))
        days = post.days or 0
        left = max(0, (held_to - max(on, held_from - dt.timedelta(days=1))).days)
        out.append(PresenceRow(post, days, minimum, post.months, days + left >= minimum))
    out.sort(key=lambda r: (r.reachable, r.days - r.minimum, r.post.village_code))
    return out
