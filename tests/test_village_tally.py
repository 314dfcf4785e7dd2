"""The villages' headline counts (registry.VillageTally) are kept by database triggers: after
every kind of write to the household table — created through the action, its type, category,
risk, size changed, soft-deleted and restored, moved to another village, deleted outright,
updated in bulk with raw SQL — they equal a count over the households (SQLite and PostgreSQL)."""

from __future__ import annotations

import random

from django.db import connection
from django.db.models import Count, Q, Sum

from jingzhun.registry.models import Household, VillageTally
from jingzhun.registry.queries import AT_RISK
from tests import factories


def counted() -> dict[str, dict[str, int]]:
    rows = (
        Household.objects.filter(is_deleted=False)
        .values("village_code")
        .annotate(
            households=Count("id"),
            exited=Count("id", filter=Q(household_type="exited")),
            monitored=Count("id", filter=Q(household_type="monitored")),
            ordinary=Count("id", filter=Q(household_type="ordinary")),
            at_risk=Count("id", filter=AT_RISK),
            people=Sum("member_count"),
        )
        .order_by()
    )
    return {r.pop("village_code"): r for r in rows}


def tallied() -> dict[str, dict[str, int]]:
    return {
        t.village_code: {n: getattr(t, n) for n in VillageTally.COUNTS}
        for t in VillageTally.objects.all()
        if t.households  # a village whose households all went keeps a row of zeros
    }


def test_the_tallies_follow_every_kind_of_write(world) -> None:
    actor = world.actor(world.approver)
    villages = [world.village, world.far_village]
    made = [
        factories.make_household(actor, villages[i % 2], number=f"14092210000{i % 2 + 1}{i:03d}")
        for i in range(8)
    ]
    assert tallied() == counted() and sum(t["households"] for t in tallied().values()) == 8
    rng = random.Random(5)
    changes = [
        {"household_type": "monitored", "monitoring_category": "unstable_exited"},
        {"household_type": "monitored", "monitoring_category": "sudden_hardship"},
        {"risk_eliminated": True},
        {"risk_eliminated": None},
        {"household_type": "ordinary", "monitoring_category": ""},
        {"member_count": 7},
        {"is_deleted": True},
        {"is_deleted": False},
        {"village_code": world.far_village.code},
        {"village_code": world.village.code},
    ]
    for _step in range(40):
        household = rng.choice(made)
        Household.objects.filter(pk=household.pk).update(**rng.choice(changes))
        assert tallied() == counted()
    # save() writes every column; a bulk update and raw SQL too.
    first = Household.objects.get(pk=made[0].pk)
    first.member_count += 1
    first.save()
    assert tallied() == counted()
    Household.objects.filter(village_code=world.village.code).update(household_type="exited")
    assert tallied() == counted()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE registry_household SET member_count = member_count + 2 WHERE id IN (%s, %s)",
            [made[1].pk, made[2].pk],
        )
    assert tallied() == counted()
    # Inserted and deleted outright through the ORM (a copy without members or history).
    copy = Household.objects.get(pk=made[3].pk)
    copy.pk, copy.number, copy.is_deleted = None, "140922100001999", False
    copy.save()
    assert tallied() == counted()
    copy.delete()
    assert tallied() == counted()


def test_the_home_figures_are_the_tallies_of_the_users_villages(world, client) -> None:
    from jingzhun.front.home import headline

    actor = world.actor(world.approver)
    factories.make_household(actor, world.village, number="140922100001001")
    factories.make_household(actor, world.far_village, number="140922100002001")
    factories.make_household(
        world.actor(world.outsider), world.other_county_village, number="140921100001001"
    )
    households, people = (f.value for f in headline(world.cadre)[:2])
    assert households == 1  # the cadre's village only
    households, people = (f.value for f in headline(world.approver)[:2])
    assert households == 2  # the county: not the other county's household
    assert people == sum(
        Household.objects.filter(village_code__startswith="140922").values_list(
            "member_count", flat=True
        )
    )
