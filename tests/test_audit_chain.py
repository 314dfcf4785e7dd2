"""The audit trail cannot be rewritten unseen: every entry is chained by hash, and
``jingzhun audit verify`` names the first entry that was edited, deleted or inserted."""

from __future__ import annotations

import itertools

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from jingzhun.audit.chain import verify
from jingzhun.audit.models import AuditEntry, AuditHead
from jingzhun.registry import actions
from tests import factories
from tests.cases.test_races import on_postgresql, race, shanxi  # noqa: F401 (a fixture)


@pytest.fixture
def trail(world, household):
    """A few dozen entries of real actions (the household fixture, then edits)."""
    for n in range(5):
        household.refresh_from_db()
        actions.do_update_household(
            household,
            actor=world.actor(),
            changes={"address": f"地址{n}"},
            expected_version=household.version,
            reason=f"第{n}次修改，电话13912345678",
        )
    return list(AuditEntry.objects.order_by("seq"))


def test_a_real_trail_verifies_and_ends_at_the_head(trail):
    verdict = verify()
    assert verdict.ok, verdict.broken
    head = AuditHead.objects.get(pk=1)
    assert verdict.entries == head.seq == AuditEntry.objects.count()
    assert head.hash == trail[-1].hash
    assert [e.seq for e in trail] == list(range(1, len(trail) + 1))
    assert all(e.prev_hash == p.hash for p, e in itertools.pairwise(trail))


def test_an_edited_entry_is_named(trail):
    victim = trail[len(trail) // 2]
    AuditEntry.objects.filter(pk=victim.pk).update(reason="改过的原因")
    verdict = verify()
    assert not verdict.ok
    assert (verdict.broken.seq, verdict.broken.entry_id) == (victim.seq, victim.pk)
    assert "内容被改动" in verdict.broken.problem


def test_an_edited_change_value_is_named(trail):
    victim = trail[3]
    changes = dict(victim.changes)
    changes["forged"] = [None, "x"]
    AuditEntry.objects.filter(pk=victim.pk).update(changes=changes)
    assert verify().broken.entry_id == victim.pk


def test_a_deleted_entry_is_named_by_the_gap_it_leaves(trail):
    victim = trail[4]
    AuditEntry.objects.filter(pk=victim.pk).delete()
    verdict = verify()
    assert verdict.broken.seq == victim.seq + 1
    assert f"第{victim.seq}至{victim.seq}条记录缺失" in verdict.broken.problem


def test_deleting_the_newest_entries_is_found_at_the_head(trail):
    AuditEntry.objects.filter(seq__gt=trail[-3].seq).delete()
    verdict = verify()
    assert verdict.broken.entry_id is None
    assert "最新的记录被删除" in verdict.broken.problem


def test_a_rehashed_forgery_breaks_the_link_to_the_next_entry(trail):
    from jingzhun.audit.chain import digest

    victim = trail[2]
    row = dict(AuditEntry.objects.filter(pk=victim.pk).values().get())
    row["reason"] = "伪造"
    AuditEntry.objects.filter(pk=victim.pk).update(reason="伪造", hash=digest(row))
    verdict = verify()
    assert verdict.broken.seq == victim.seq + 1
    assert "不衔接" in verdict.broken.problem


def test_the_command_names_the_break_and_fails(trail, capsys):
    call_command("audit", "verify")
    assert "审计记录完整" in capsys.readouterr().out
    AuditEntry.objects.filter(pk=trail[1].pk).update(action="forged")
    with pytest.raises(CommandError, match=f"第{trail[1].seq}条"):
        call_command("audit", "verify")


def test_bulk_registration_chains_every_entry(world):
    from jingzhun.registry.bulk import NewHousehold, do_create_households

    items = [
        NewHousehold(
            village=world.village,
            data=factories.household_data(f"1409221000099{n:02d}"),
            members=[],
        )
        for n in range(20)
    ]
    from django.db import transaction

    with transaction.atomic():
        assert do_create_households(actor=world.actor(), items=items) == []
    assert verify().ok


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_unbroken_chain(shanxi, world, household):  # noqa: F811
    def contender(n):
        def act(_):
            for k in range(10):
                factories.make_household(
                    world.actor(), world.village, number=f"14092210008{n}{k:02d}", members=False
                )

        return (lambda: None, act)

    outcomes = race(*(contender(n) for n in range(4)))
    assert all(o.error is None for o in outcomes), [o.error for o in outcomes]
    assert verify().ok
    assert connection.vendor == "postgresql"
