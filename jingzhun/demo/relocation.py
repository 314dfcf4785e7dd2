"""Relocation for the demo county: a resettlement site in the demo township, one village that
moved whole (整村搬迁) to it in 2018, a few households of the demo village resettled on their own
(分散安置) in 2019, their members' jobs and their follow-up support. Everything goes through the
relocation actions (validation, audit entries, the registry's 生产生活条件 kept in line), as the
county approver; the choices depend on the generated registry alone (ages on the demo's
reference date), so one seed always gives the same relocation.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count

from jingzhun.accounts.models import User
from jingzhun.areas.models import Area, Level
from jingzhun.audit.models import Source
from jingzhun.core.actions import Actor
from jingzhun.demo.synth import REFERENCE_DATE
from jingzhun.registry.models import Household, Member
from jingzhun.relocation import actions

WHOLE_VILLAGE_LIMIT = 60  # households: keeps the demo load fast
DISPERSED = 4
# (place, channel, employer) given in turn to working-age members with a job.
JOBS = (
    ("site_workshop", "workshop", "安置点扶贫车间"),
    ("local", "public_welfare", "社区保洁公益岗位"),
    ("out_province", "labour_export", "有组织劳务输出"),
    ("in_province", "self_found", ""),
)
MEASURES = (
    ("skills_training", dt.date(2018, 10, 15), "800"),
    ("fee_relief", dt.date(2019, 1, 10), "360"),
    ("schooling", dt.date(2018, 9, 1), None),
    ("community", dt.date(2019, 6, 1), None),
)


def _age(birth: dt.date) -> int:
    on = REFERENCE_DATE
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def load_demo_relocation(village: Area, approver: User) -> dict[str, int]:
    """Relocate households of ``village``'s county; returns what was written."""
    actor = Actor(user=approver, source=Source.DEMO)
    township = village.parent
    county = approver.area
    assert township is not None
    lo, hi = county.scope_prefix, county.scope_prefix + ":"
    moving = (
        Area.objects.filter(level=Level.VILLAGE, code__gte=lo, code__lt=hi)
        .exclude(pk=village.pk)
        .annotate(n=Count("households"))
        .filter(n__gte=2, n__lte=WHOLE_VILLAGE_LIMIT)
        .order_by("n", "code")
        .first()
    )
    whole = (
        list(Household.objects.filter(village=moving, is_deleted=False).order_by("number"))
        if moving is not None
        else []
    )
    people = sum(h.member_count for h in whole)
    site = actions.do_create_site(
        actor=actor,
        area=township,
        name=f"{township.name}易地扶贫搬迁安置小区",
        resettlement_type="town",
        capacity_households=max(len(whole) + 20, 40),
        capacity_people=max(people + 60, 120),
        built_year=2017,
        services=["school", "kindergarten", "clinic", "community_centre", "workshop", "shop"],
        managing_unit=f"{township.name}安置社区居委会",
    )
    relocations: list[Any] = []
    for i, household in enumerate(whole):
        relocations.append(
            actions.do_record_relocation(
                actor=actor,
                household=household,
                moved_on=dt.date(2018, 6, 1) + dt.timedelta(days=i % 20),
                mode="centralised",
                site=site,
                housing_area_m2=str(25 * max(household.member_count, 2)),
                whole_village=True,
                old_house_demolished=True,
                demolished_on=dt.date(2018, 11, 1),
            )
        )
    dispersed = list(
        Household.objects.filter(village=village, is_deleted=False, household_type="exited")
        .exclude(relocation__isnull=False)
        .order_by("number")[:DISPERSED]
    )
    for household in dispersed:
        relocations.append(
            actions.do_record_relocation(
                actor=actor,
                household=household,
                moved_on=dt.date(2019, 4, 1),
                mode="dispersed",
                resettlement_type="central_village",
                housing_area_m2="80",
            )
        )
    members: dict[int, list[Member]] = {}
    for member in Member.objects.filter(
        household__relocation__in=[r.pk for r in relocations], is_deleted=False
    ).order_by("household_id", "id"):
        members.setdefault(member.household_id, []).append(member)
    jobs = measures = 0
    turn = 0
    for n, relocation in enumerate(relocations):
        adults = [
            m for m in members.get(relocation.household_id, []) if 18 <= _age(m.birth_date) <= 55
        ]
        for k, member in enumerate(adults):
            # Every fourth household has nobody in work: the site report lists it.
            employed = n % 4 != 3 and k == 0
            place, channel, employer = JOBS[turn % len(JOBS)]
            if employed:
                turn += 1
            actions.do_set_member_job(
                relocation,
                actor=actor,
                member=member,
                employed=employed,
                place=place,
                channel=channel,
                employer=employer,
                since=dt.date(2019, 3, 1),
            )
            jobs += 1
        for kind, on, amount in MEASURES[n % 2 :: 2]:
            actions.do_add_followup_measure(
                relocation,
                actor=actor,
                kind=kind,
                on=max(on, relocation.moved_on),
                amount=amount,
            )
            measures += 1
    return {
        "sites": 1,
        "households": len(relocations),
        "whole_village": len(whole),
        "jobs": jobs,
        "measures": measures,
    }
