"""Reading listed supervision (挂牌督战): the one scoping function, a listing's weekly progress
(computed from the tasks' deadlines and stored completion dates, never typed), and the battle
map's figures (作战图: per listed area, tasks done / open / overdue and open problems).

Scope: a user sees the listings of areas within their own area, and the listings of the areas
above theirs — a village cadre sees the listing of their township, whose tasks they report.
Everything else answers 404 like an absent listing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone

from jingzhun.areas.models import SCOPE_DIGITS, Area, Level, code_range
from jingzhun.audit.models import AuditEntry
from jingzhun.core.actions import NotFound
from jingzhun.registry.models import Household
from jingzhun.supervision.listings import (
    Listing,
    ListingStatus,
    ListingTask,
    TaskStatus,
)
from jingzhun.supervision.models import ProblemStatus
from jingzhun.supervision.queries import problems_for, rate

if TYPE_CHECKING:
    from decimal import Decimal

    from jingzhun.accounts.models import User


def listings_for(user: User, *, within: str = "") -> QuerySet[Listing]:
    """Listings of the user's area and beneath it, and of the areas above the user's
    (``within``, a scope prefix, narrows to the listings under one area)."""
    low, high = code_range(user.scope_prefix)
    # Without a role the scope is empty, above as below.
    above = [a.code for a in user.area.ancestors()] if user.has_role else []
    qs = Listing.objects.filter(Q(area_code__gte=low, area_code__lt=high) | Q(area_code__in=above))
    if within:
        w_low, w_high = code_range(within)
        qs = qs.filter(area_code__gte=w_low, area_code__lt=w_high)
    return qs


def access_listing(user: User, listing_id: int | str) -> Listing:
    try:
        return (
            listings_for(user)
            .select_related("area", "supervising_area", "created_by")
            .get(pk=int(listing_id))
        )
    except (Listing.DoesNotExist, ValueError, TypeError):
        raise NotFound(listing_id) from None


def access_task(listing: Listing, task_id: int | str) -> ListingTask:
    """A task of a listing the user may read (``listing`` from :func:`access_listing`)."""
    try:
        return ListingTask.objects.select_related("listing__area", "area", "household").get(
            pk=int(task_id), listing=listing
        )
    except (ListingTask.DoesNotExist, ValueError, TypeError):
        raise NotFound(task_id) from None


def history(listing: Listing) -> QuerySet[AuditEntry]:
    """The listing's audit trail and its tasks', oldest first."""
    tasks = [str(pk) for pk in listing.tasks.values_list("pk", flat=True)]
    return AuditEntry.objects.filter(
        Q(object_type="listing", object_id=str(listing.pk))
        | Q(object_type="listingtask", object_id__in=tasks)
    ).order_by("at", "id")


# --- weekly progress -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskFacts:
    """What the weekly progress reads of one task."""

    created_on: dt.date
    deadline: dt.date
    completed_on: dt.date | None


@dataclass(frozen=True)
class Week:
    """One ISO week of a listing: figures as of ``as_of`` (the week's Sunday, or the last day
    counted when the week is not over). ``tasks``: on the list by then; ``due``: deadline in
    this week or before; ``done``: completed by then; ``overdue``: past the deadline and not
    completed by then."""

    year: int
    week: int
    monday: dt.date
    as_of: dt.date
    tasks: int
    due: int
    done: int
    overdue: int

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    @property
    def percent(self) -> Decimal | None:
        """Share of the tasks on the list completed, in percent with one decimal."""
        return rate(self.done, self.tasks)


def weekly_progress(tasks: Iterable[TaskFacts], start: dt.date, until: dt.date) -> list[Week]:
    """One :class:`Week` per ISO week from the week of ``start`` to the week of ``until``
    (nothing when ``until`` is before ``start``). Pure: tested without a database."""
    facts = list(tasks)
    weeks: list[Week] = []
    if until < start:
        return weeks
    monday = start - dt.timedelta(days=start.weekday())
    while monday <= until:
        sunday = monday + dt.timedelta(days=6)
        as_of = min(sunday, until)
        listed = [t for t in facts if t.created_on <= as_of]
        done = [t for t in listed if t.completed_on is not None and t.completed_on <= as_of]
        iso = monday.isocalendar()
        weeks.append(
            Week(
                year=iso.year,
                week=iso.week,
                monday=monday,
                as_of=as_of,
                tasks=len(listed),
                due=sum(1 for t in listed if t.deadline <= sunday),
                done=len(done),
                overdue=sum(
                    1
                    for t in listed
                    if t.deadline < as_of and (t.completed_on is None or t.completed_on > as_of)
                ),
            )
        )
        monday += dt.timedelta(days=7)
    return weeks


def progress_until(listing: Listing, today: dt.date) -> dt.date:
    """The last day a listing's progress counts: its closing day, or today."""
    return listing.closed_on if listing.closed_on else today


def listing_progress(listing: Listing, today: dt.date) -> list[Week]:
    """The listing's weekly progress from its start to today (or its closing day)."""
    rows = ListingTask.objects.filter(listing=listing).values_list(
        "created_at", "deadline", "completed_on"
    )
    facts = [TaskFacts(timezone.localdate(at), deadline, done) for at, deadline, done in rows]
    return weekly_progress(facts, listing.starts_on, progress_until(listing, today))


# --- figures per listing (the list and the battle map) ------------------------------------------


def with_figures(qs: QuerySet[Listing], today: dt.date) -> QuerySet[Listing]:
    """Listings annotated with ``task_count``, ``done_count``, ``open_count`` and
    ``overdue_count`` (one query)."""
    not_done = ~Q(tasks__status=TaskStatus.DONE)
    return qs.annotate(
        task_count=Count("tasks"),
        done_count=Count("tasks", filter=Q(tasks__status=TaskStatus.DONE)),
        open_count=Count("tasks", filter=not_done),
        overdue_count=Count("tasks", filter=not_done & Q(tasks__deadline__lt=today)),
    )


def open_problem_counts(user: User, areas: Sequence[Area]) -> dict[str, int]:
    """Open problems (not 已销号) of the user's scope under each area, by area code: one
    grouped query per level among ``areas``."""
    counts: dict[str, int] = {}
    levels = {a.level for a in areas}
    for level in levels:
        digits = SCOPE_DIGITS[Level(level)]
        prefixes = {a.scope_prefix: a.code for a in areas if a.level == level}
        rows = (
            problems_for(user)
            .exclude(status=ProblemStatus.CLOSED)
            .annotate(prefix=Substr("area_code", 1, digits))
            .filter(prefix__in=list(prefixes))
            .values("prefix")
            .annotate(n=Count("id"))
            .order_by()
        )
        for row in rows:
            counts[prefixes[row["prefix"]]] = row["n"]
    return counts


def household_counts(areas: Sequence[Area]) -> dict[str, int]:
    """Registered households (not deleted) under each area, by code: the size of the area's
    tile where a map has no boundaries. One grouped query per level among ``areas``."""
    counts: dict[str, int] = {}
    for level in {a.level for a in areas}:
        digits = SCOPE_DIGITS[Level(level)]
        prefixes = {a.scope_prefix: a.code for a in areas if a.level == level}
        rows = (
            Household.objects.filter(is_deleted=False)
            .annotate(prefix=Substr("village_code", 1, digits))
            .filter(prefix__in=list(prefixes))
            .values("prefix")
            .annotate(n=Count("id"))
            .order_by()
        )
        for row in rows:
            counts[prefixes[row["prefix"]]] = row["n"]
    return counts


@dataclass
class Front:
    """One part of the battle map: an area shown on the map (a child of the map's area), the
    active listings within it and their summed figures."""

    area: Area
    listings: list[Listing]
    tasks: int
    done: int
    open: int
    overdue: int
    problems: int

    @property
    def percent(self) -> Decimal | None:
        return rate(self.done, self.tasks)


def battle_map(user: User, centre: Area, today: dt.date) -> tuple[list[Front], list[Listing]]:
    """The battle map of ``centre`` (an area of the user's scope): one :class:`Front` per area
    one level below it (the centre itself for a village), and every active listing of the
    user's scope under the centre with its figures and ``open_problems``."""
    listings = list(
        with_figures(
            listings_for(user, within=centre.scope_prefix)
            .filter(status=ListingStatus.ACTIVE)
            .filter(area_code__startswith=user.scope_prefix)
            .select_related("area"),
            today,
        ).order_by("area_code")
    )
    problems = open_problem_counts(user, [x.area for x in listings])
    for listing in listings:
        listing.open_problems = problems.get(listing.area_code, 0)  # type: ignore[attr-defined]
    if centre.level >= Level.VILLAGE:
        parts = [centre]
    else:
        parts = list(Area.objects.filter(parent=centre).order_by("code"))
    part_problems = open_problem_counts(user, parts)
    fronts: list[Front] = []
    for part in parts:
        inside = [x for x in listings if part.contains(x.area)]
        fronts.append(
            Front(
                area=part,
                listings=inside,
                tasks=sum(x.task_count for x in inside),  # type: ignore[attr-defined]
                done=sum(x.done_count for x in inside),  # type: ignore[attr-defined]
                open=sum(x.open_count for x in inside),  # type: ignore[attr-defined]
                overdue=sum(x.overdue_count for x in inside),  # type: ignore[attr-defined]
                problems=part_problems.get(part.code, 0),
            )
        )
    return fronts, listings


def with_open_problems(user: User, listing: Listing) -> Any:
    """The open problems of the user's scope under the listed area, newest first."""
    return (
        problems_for(user, within=listing.area.scope_prefix)
        .exclude(status=ProblemStatus.CLOSED)
        .select_related("area")
        .order_by("-found_on", "-id")
    )
