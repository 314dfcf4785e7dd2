"""Two people acting on the same case at once: exactly one succeeds.

The stale-version tests run on both databases: two reviewers open the case at version v, the
first one's step is stored, the second is refused with :class:`ConcurrentEditError` and leaves
nothing behind. The threaded tests race two real connections through a barrier on PostgreSQL
(SQLite serialises writers, so there is nothing to race there): the case's conditional UPDATE,
the registry's version lock and the one-open-case index must each let exactly one through.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from jingzhun.accounts.roles import Role
from jingzhun.areas.loading import load_divisions_into_db
from jingzhun.audit.models import AuditEntry
from jingzhun.cases import actions
from jingzhun.cases.models import Case, CaseStep, Notice
from jingzhun.cases.queries import access_case
from jingzhun.core.actions import ConcurrentEditError
from jingzhun.registry.models import Household
from tests.cases.helpers import (
    START,
    actor,
    application,
    at,
    new_household,
    notice_record,
    open_case,
    people_of,
    step_record,
    walk,
)
from tests.conftest import make_user

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="a real race needs concurrent writers: runs on PostgreSQL (DATABASE_URL)",
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def review(user, case: Case, version: int) -> Case:
    return actions.do_perform_step(
        case,
        actor=actor(user),
        expected_version=version,
        step_code="review",
        record=step_record("review", case.step_since),
    )


# --- stale version: both databases ---------------------------------------------------------------


@pytest.mark.django_db
def test_the_second_of_two_reviewers_on_the_same_version_is_refused(world, household):
    people = people_of(world)
    second = make_user("reviewer_b", Role.TOWNSHIP_REVIEWER, world.township)
    case = walk(people, open_case(people, household, "monitoring"), until="review")
    seen_by_first = access_case(world.reviewer, case.pk)
    seen_by_second = access_case(second, case.pk)
    version = seen_by_first.version
    assert seen_by_second.version == version
    audit_before = AuditEntry.objects.count()
    with at(case.step_since):
        review(world.reviewer, seen_by_first, version)
        with pytest.raises(ConcurrentEditError) as refused:
            review(second, seen_by_second, version)
    assert "已被reviewer修改" in str(refused.value)
    assert CaseStep.objects.filter(case=case, code="review").count() == 1
    stored = Case.objects.get(pk=case.pk)
    assert (stored.version, stored.step_code) == (version + 1, "approval")
    assert CaseStep.objects.get(case=case, code="review").performed_by == world.reviewer
    # The winner's step and case audit entries; nothing from the refused one.
    assert AuditEntry.objects.count() == audit_before + 1


@pytest.mark.django_db
def test_a_stale_publish_leaves_no_second_notice(world, household):
    people = people_of(world)
    second = make_user("cadre_b", Role.VILLAGE_CADRE, world.village)
    case = walk(people, open_case(people, household, "monitoring"), until="publicity")
    a, b = access_case(world.cadre, case.pk), access_case(second, case.pk)
    with at(START):
        actions.do_publish_notice(
            [(a, a.version)], actor=actor(world.cadre), record=notice_record(START)
        )
        with pytest.raises(ConcurrentEditError):
            actions.do_publish_notice(
                [(b, b.version)], actor=actor(second), record=notice_record(START)
            )
    assert Notice.objects.count() == 1
    assert CaseStep.objects.filter(case=case, code="publicity").count() == 1


@pytest.mark.django_db
def test_a_stale_objection_after_the_publicity_closed_is_refused(world, household):
    people = people_of(world)
    case = walk(people, open_case(people, household, "monitoring"), until="publicity")
    with at(START):
        actions.do_publish_notice(
            [(case, case.version)], actor=actor(world.cadre), record=notice_record(START)
        )
    stale = access_case(world.reviewer, case.pk)
    closing = access_case(world.cadre, case.pk)
    with at(dt.date(2025, 3, 8)):
        actions.do_perform_step(
            closing, actor=actor(world.cadre), expected_version=closing.version, record={}
        )
    # The objection was raised on the last day; the reviewer records it the next morning on
    # the page loaded before the cadre closed the 公示.
    with at(dt.date(2025, 3, 8)), pytest.raises(ConcurrentEditError):
        actions.do_record_objection(
            stale,
            actor=actor(world.reviewer),
            expected_version=stale.version,
            record={"raised_on": "2025-03-07", "content": "收入有误"},
        )
    assert not stale.objections.exists()
    assert Case.objects.get(pk=case.pk).step_code == "review"


@pytest.mark.django_db
def test_a_batch_reports_a_stale_case_and_does_the_others(world, household):
    people = people_of(world)
    cases = [
        walk(people, open_case(people, h, "monitoring"), until="review")
        for h in (household, new_household(world))
    ]
    day = cases[0].step_since
    stale = access_case(world.reviewer, cases[0].pk)  # the list page as loaded
    with at(day):
        review(world.reviewer, cases[0], cases[0].version)  # done meanwhile on the case page
        results = actions.do_perform_steps(
            [(stale, stale.version), (cases[1], cases[1].version)],
            actor=actor(world.reviewer),
            step_code="review",
            record=step_record("review", day),
        )
    assert [r.ok for r in results] == [False, True]
    assert "修改" in results[0].message
    assert CaseStep.objects.filter(code="review").count() == 2


# --- real concurrency: PostgreSQL ----------------------------------------------------------------


@dataclasses.dataclass
class Outcome:
    value: Any = None
    error: BaseException | None = None


def race(*contenders: tuple[Callable[[], Any], Callable[[Any], Any]]) -> list[Outcome]:
    """Run each (prepare, act) in its own thread and database connection: every thread
    prepares (reads the case as the user sees it), waits at a barrier, then acts."""
    barrier = threading.Barrier(len(contenders))
    outcomes = [Outcome() for _ in contenders]

    def run(i: int, prepare: Callable[[], Any], act: Callable[[Any], Any]) -> None:
        try:
            seen = prepare()
            barrier.wait(timeout=20)
            outcomes[i].value = act(seen)
        except BaseException as error:  # reported to the test, which asserts on it
            outcomes[i].error = error
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=(i, prepare, act))
        for i, (prepare, act) in enumerate(contenders)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a contender hung"
    return outcomes


@pytest.fixture
def shanxi(transactional_db):
    """The division list. A transactional test's flush at teardown empties every table,
    including the divisions django_db_setup loaded once: load them (again) if missing."""
    load_divisions_into_db(["14"])


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_reviewers_at_once_exactly_one_succeeds(shanxi, world, household):
    people = people_of(world)
    second = make_user("reviewer_b", Role.TOWNSHIP_REVIEWER, world.township)
    case = walk(people, open_case(people, household, "monitoring"), until="review")

    def contender(user):
        def prepare():
            seen = access_case(user, case.pk)
            return seen, seen.version

        def act(seen):
            return review(user, *seen)

        return prepare, act

    with at(case.step_since):
        outcomes = race(contender(world.reviewer), contender(second))
    errors = [o.error for o in outcomes if o.error is not None]
    assert sum(o.error is None for o in outcomes) == 1, errors
    assert len(errors) == 1 and isinstance(errors[0], ConcurrentEditError), errors
    assert CaseStep.objects.filter(case=case, code="review").count() == 1
    stored = Case.objects.get(pk=case.pk)
    assert (stored.step_code, stored.version) == ("approval", case.version + 1)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_approvers_entering_the_result_at_once_change_the_registry_once(
    shanxi, world, household
):
    people = people_of(world)
    second = make_user("approver_b", Role.COUNTY_APPROVER, world.county)
    case = walk(people, open_case(people, household, "monitoring"), until="update")
    day = case.step_since

    def contender(user):
        def prepare():
            seen = access_case(user, case.pk)
            return seen, seen.version

        def act(seen):
            return actions.do_perform_step(
                seen[0],
                actor=actor(user),
                expected_version=seen[1],
                step_code="update",
                record=step_record("update", day),
            )

        return prepare, act

    with at(day):
        outcomes = race(contender(world.approver), contender(second))
    errors = [o.error for o in outcomes if o.error is not None]
    assert sum(o.error is None for o in outcomes) == 1, errors
    assert len(errors) == 1 and isinstance(errors[0], ConcurrentEditError), errors
    assert CaseStep.objects.filter(case=case, code="update").count() == 1
    assert AuditEntry.objects.filter(household=household, source="case").count() == 1
    assert Household.objects.get(pk=household.pk).household_type == "monitored"
    assert Case.objects.get(pk=case.pk).status == "completed"


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_cadres_opening_a_case_for_the_same_household_at_once(shanxi, world, household):
    second = make_user("cadre_b", Role.VILLAGE_CADRE, world.village)

    def contender(user):
        def prepare():
            return Household.objects.get(pk=household.pk)

        def act(seen):
            return actions.do_open_case(
                actor=actor(user),
                household=seen,
                case_type="monitoring",
                record=application("monitoring", START),
            )

        return prepare, act

    with at(START):
        outcomes = race(contender(world.cadre), contender(second))
    errors = [o.error for o in outcomes if o.error is not None]
    assert sum(o.error is None for o in outcomes) == 1, errors
    assert len(errors) == 1 and isinstance(errors[0], ValidationError), errors
    assert errors[0].message_dict == {
        "household": ["该户已有办理中的案件：请先办结或撤回原案件，再发起新的程序。"]
    }
    assert Case.objects.filter(household=household).count() == 1
    assert CaseStep.objects.count() == 1
