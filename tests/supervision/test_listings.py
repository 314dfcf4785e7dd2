"""Listed supervision (挂牌督战): who may list, keep tasks, report progress and close, by persona
and scope; what is refused with nothing changed; the weekly progress against hand-computed
figures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from jingzhun.accounts.roles import Role
from jingzhun.audit.models import AuditEntry
from jingzhun.core.actions import ConcurrentEditError, NotFound, PermissionDenied
from jingzhun.supervision import listing_actions, listing_queries
from jingzhun.supervision.listing_queries import TaskFacts, weekly_progress
from jingzhun.supervision.listings import Listing, ListingStatus, ListingTask, TaskStatus
from tests.conftest import make_user
from tests.supervision.listing_helpers import (
    listing_values,
    new_listing,
    new_task,
    report,
    task_values,
)


def at(clock, day: str) -> None:
    clock.move_to(dt.datetime.fromisoformat(day + "T09:00:00+08:00"))


# --- listing -------------------------------------------------------------------------------------


def test_the_county_approver_lists_a_township_and_the_listing_is_audited(world) -> None:
    listing = new_listing(world)
    assert listing.status == ListingStatus.ACTIVE
    assert listing.supervising_area == world.county
    entry = AuditEntry.objects.get(action="create_listing")
    assert (entry.object_type, entry.object_id) == ("listing", str(listing.pk))
    assert entry.changes["supervisor_name"] == [None, "王副县长"]


def test_an_inspector_of_the_county_lists_a_village(world) -> None:
    assert new_listing(world, area=world.village, user=world.inspector).area == world.village


@pytest.mark.parametrize("persona", ["cadre", "reviewer", "analyst", "city_viewer"])
def test_roles_that_do_not_supervise_cannot_list(world, persona) -> None:
    with pytest.raises(PermissionDenied):
        new_listing(world, area=world.village, user=getattr(world, persona))
    assert not Listing.objects.exists()


def test_an_area_is_never_listed_by_its_own_level(world) -> None:
    with pytest.raises(PermissionDenied, match="应由上级"):
        new_listing(world, area=world.county)
    assert not Listing.objects.exists()


def test_an_area_of_another_county_answers_like_an_absent_one(world) -> None:
    with pytest.raises(NotFound):
        new_listing(world, area=world.other_county_village)


def test_the_supervising_unit_must_be_above_the_listed_area(world) -> None:
    with pytest.raises(ValidationError) as caught:
        listing_actions.do_create_listing(
            actor=world.actor(world.approver),
            area=world.township,
            values=listing_values(),
            supervising_area=world.other_township,
        )
    assert "不是" in caught.value.message_dict["supervising_area"][0]
    assert not Listing.objects.exists()


def test_a_period_ending_before_it_starts_and_a_second_listing_are_refused(world) -> None:
    with pytest.raises(ValidationError) as caught:
        new_listing(world, ends_on="2026-10-01")
    assert "早于开始日期" in caught.value.message_dict["ends_on"][0]
    new_listing(world)
    with pytest.raises(ValidationError) as caught:
        new_listing(world)
    assert "已在挂牌督战中" in caught.value.message_dict["area"][0]
    assert Listing.objects.count() == 1


# --- tasks ---------------------------------------------------------------------------------------


def test_a_task_without_an_owner_is_refused_naming_both_fields(world) -> None:
    listing = new_listing(world)
    with pytest.raises(ValidationError) as caught:
        new_task(world, listing, owner_unit="", owner_person=" ")
    errors = caught.value.message_dict
    assert errors["owner_unit"] == ["请填写责任单位。"]
    assert errors["owner_person"] == ["请填写责任人。"]
    assert not ListingTask.objects.exists()
    assert not AuditEntry.objects.filter(action="add_listing_task").exists()


def test_a_deadline_before_the_listing_starts_is_refused(world) -> None:
    listing = new_listing(world)
    with pytest.raises(ValidationError) as caught:
        new_task(world, listing, deadline="2026-11-01")
    assert "早于督战开始日期2026-11-02" in caught.value.message_dict["deadline"][0]
    assert not ListingTask.objects.exists()


def test_a_task_may_concern_a_village_of_the_listed_area_and_no_other(world) -> None:
    listing = new_listing(world)
    task = new_task(world, listing, area=world.village)
    assert task.area_code == world.village.code
    with pytest.raises(ValidationError) as caught:
        new_task(world, listing, area=world.far_village)
    assert "不在" in caught.value.message_dict["area"][0]


def test_the_listed_townships_reviewer_adds_tasks_and_a_village_cadre_cannot(world) -> None:
    listing = new_listing(world)
    assert new_task(world, listing, user=world.reviewer).listing == listing
    with pytest.raises(PermissionDenied):
        new_task(world, listing, user=world.cadre)
    with pytest.raises(NotFound):
        new_task(world, listing, user=world.other_reviewer)


def test_changing_a_task_checks_the_version_read(world) -> None:
    listing = new_listing(world)
    task = new_task(world, listing)
    changed = listing_actions.do_change_listing_task(
        actor=world.actor(world.reviewer),
        task=task,
        values=task_values(deadline="2026-11-27"),
        version=task.version,
    )
    assert changed.deadline == dt.date(2026, 11, 27)
    entry = AuditEntry.objects.get(action="change_listing_task")
    assert entry.changes["deadline"] == ["2026-11-20", "2026-11-27"]
    with pytest.raises(ConcurrentEditError):
        listing_actions.do_change_listing_task(
            actor=world.actor(world.approver),
            task=task,
            values=task_values(text="另一内容"),
            version=1,
        )


def test_the_village_cadre_reports_the_villages_task_and_completion_is_dated(world) -> None:
    listing = new_listing(world)
    task = new_task(world, listing, area=world.village)
    report(world, task, TaskStatus.IN_PROGRESS)
    done = report(world, task, TaskStatus.DONE)
    assert (done.status, done.completed_on) == (TaskStatus.DONE, dt.date(2026, 12, 1))
    assert done.evidence.count() == 2
    back = report(world, done, TaskStatus.IN_PROGRESS)
    assert back.completed_on is None


def test_progress_is_reported_only_by_the_staff_of_the_tasks_area_with_evidence(world) -> None:
    listing = new_listing(world)
    village_task = new_task(world, listing, area=world.village)
    township_task = new_task(world, listing)
    with pytest.raises(NotFound):
        report(world, village_task, TaskStatus.DONE, user=world.sibling_cadre)
    with pytest.raises(NotFound):
        report(world, township_task, TaskStatus.DONE, user=world.cadre)
    with pytest.raises(PermissionDenied):
        report(world, township_task, TaskStatus.DONE, user=world.inspector)
    with pytest.raises(ValidationError) as caught:
        listing_actions.do_update_listing_task_status(
            actor=world.actor(world.reviewer), task=township_task, status=TaskStatus.DONE
        )
    assert "进展说明" in caught.value.message_dict["text"][0]
    township_task.refresh_from_db()
    assert township_task.status == TaskStatus.NOT_STARTED
    assert report(world, township_task, TaskStatus.DONE, user=world.reviewer).completed_on


def test_overdue_is_derived_from_the_deadline_and_never_stored(world) -> None:
    listing = new_listing(world)
    task = new_task(world, listing, deadline="2026-11-30")
    assert task.is_overdue(dt.date(2026, 12, 1))
    assert not task.is_overdue(dt.date(2026, 11, 30))
    assert TaskStatus.values == ["not_started", "in_progress", "done"]


# --- closing -------------------------------------------------------------------------------------


def test_closing_with_open_tasks_is_refused_unless_a_note_says_why(world) -> None:
    listing = new_listing(world)
    new_task(world, listing)
    with pytest.raises(ValidationError) as caught:
        listing_actions.do_close_listing(
            actor=world.actor(world.approver), listing=listing, reason="基本完成"
        )
    assert "还有1项任务未完成" in caught.value.message_dict["open_tasks_note"][0]
    listing.refresh_from_db()
    assert listing.status == ListingStatus.ACTIVE
    closed = listing_actions.do_close_listing(
        actor=world.actor(world.approver),
        listing=listing,
        reason="基本完成",
        open_tasks_note="剩余任务纳入常态化帮扶",
    )
    assert (closed.status, closed.closed_on) == (ListingStatus.CLOSED, dt.date(2026, 12, 1))
    assert closed.open_tasks_note == "剩余任务纳入常态化帮扶"
    with pytest.raises(ValidationError):
        new_task(world, closed)


def test_a_listing_with_every_task_done_closes_without_a_note(world) -> None:
    listing = new_listing(world)
    report(world, new_task(world, listing), TaskStatus.DONE, user=world.reviewer)
    closed = listing_actions.do_close_listing(
        actor=world.actor(world.inspector), listing=listing, reason="任务全部完成"
    )
    assert closed.open_tasks_note == ""
    assert AuditEntry.objects.filter(action="close_listing").count() == 1


def test_the_listed_level_cannot_close_its_own_listing(world) -> None:
    listing = new_listing(world, area=world.village)
    with pytest.raises(PermissionDenied):
        listing_actions.do_close_listing(
            actor=world.actor(world.reviewer), listing=listing, reason="完成"
        )
    city_inspector = make_user("cityinspector", Role.INSPECTOR, world.city)
    county = new_listing(world, area=world.county, user=city_inspector)
    with pytest.raises(PermissionDenied, match="应由上级"):
        listing_actions.do_close_listing(
            actor=world.actor(world.approver), listing=county, reason="完成"
        )
    closed = listing_actions.do_close_listing(
        actor=world.actor(city_inspector), listing=county, reason="完成"
    )
    assert closed.status == ListingStatus.CLOSED


# --- weekly progress -----------------------------------------------------------------------------


def test_weekly_progress_counts_tasks_due_done_and_overdue_per_iso_week(world, clock) -> None:
    at(clock, "2026-11-02")
    listing = new_listing(world)
    a = new_task(world, listing, deadline="2026-11-06")
    b = new_task(world, listing, deadline="2026-11-13")
    new_task(world, listing, deadline="2026-11-20")
    new_task(world, listing, deadline="2026-12-04")
    at(clock, "2026-11-05")
    report(world, a, TaskStatus.DONE, user=world.reviewer)
    at(clock, "2026-11-16")
    report(world, b, TaskStatus.DONE, user=world.reviewer)
    at(clock, "2026-11-17")
    new_task(world, listing, deadline="2026-11-27")
    at(clock, "2026-12-01")
    weeks = listing_queries.listing_progress(listing, dt.date(2026, 12, 1))
    assert [
        (w.label, w.as_of.isoformat(), w.tasks, w.due, w.done, w.overdue, w.percent) for w in weeks
    ] == [
        ("2026-W45", "2026-11-08", 4, 1, 1, 0, Decimal("25.0")),
        ("2026-W46", "2026-11-15", 4, 2, 1, 1, Decimal("25.0")),
        ("2026-W47", "2026-11-22", 5, 3, 2, 1, Decimal("40.0")),
        ("2026-W48", "2026-11-29", 5, 4, 2, 2, Decimal("40.0")),
        ("2026-W49", "2026-12-01", 5, 5, 2, 2, Decimal("40.0")),
    ]


def test_weekly_progress_stops_at_the_closing_day_and_is_empty_before_the_start() -> None:
    facts = [TaskFacts(dt.date(2026, 1, 5), dt.date(2026, 1, 9), dt.date(2026, 1, 8))]
    weeks = weekly_progress(facts, dt.date(2026, 1, 7), dt.date(2026, 1, 13))
    assert [(w.label, w.as_of, w.done, w.percent) for w in weeks] == [
        ("2026-W02", dt.date(2026, 1, 11), 1, Decimal("100.0")),
        ("2026-W03", dt.date(2026, 1, 13), 1, Decimal("100.0")),
    ]
    assert weekly_progress(facts, dt.date(2026, 2, 1), dt.date(2026, 1, 31)) == []
    assert weekly_progress([], dt.date(2026, 1, 5), dt.date(2026, 1, 5))[0].percent is None


def test_a_task_finished_earlier_is_reported_with_its_day_but_never_a_future_one(world) -> None:
    listing = new_listing(world)
    task = new_task(world, listing)
    actor = world.actor(world.reviewer)
    for day, message in (("2026-12-02", "晚于今天"), ("2026-11-01", "早于督战开始日期")):
        with pytest.raises(ValidationError) as caught:
            listing_actions.do_update_listing_task_status(
                actor=actor, task=task, status=TaskStatus.DONE, text="完成", completed_on=day
            )
        assert message in caught.value.message_dict["completed_on"][0]
    done = listing_actions.do_update_listing_task_status(
        actor=actor, task=task, status=TaskStatus.DONE, text="完成", completed_on="2026-11-27"
    )
    assert done.completed_on == dt.date(2026, 11, 27)
