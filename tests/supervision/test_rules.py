"""The problem ledger's rules, per persona: entry, rectification, closing by the level above,
reopening, and problems raised from quality findings."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest
from django.core.exceptions import ValidationError

from jingzhun.accounts.roles import Role
from jingzhun.audit.models import AuditEntry
from jingzhun.core.actions import NotFound, PermissionDenied
from jingzhun.quality.actions import do_queue_quality_run, do_record_quality_run
from jingzhun.quality.batch import FINDING_SCHEMA
from jingzhun.supervision import actions
from jingzhun.supervision.models import EvidenceKind, Problem, ProblemStatus
from tests import factories
from tests.conftest import make_user
from tests.supervision.conftest import new_problem, rectified

# --- entry ---------------------------------------------------------------------------------------


def test_an_inspector_enters_a_problem_with_labels_read_in_chinese(world) -> None:
    problem = new_problem(world, source="暗访")
    assert (problem.source, problem.category, problem.status) == (
        "unannounced_visit",
        "funds",
        ProblemStatus.RECTIFYING,
    )
    assert problem.number.startswith("WT1409222026")
    entry = AuditEntry.objects.get(action="create_problem", object_id=str(problem.pk))
    assert entry.area_code == world.village.code


def test_a_village_cadre_enters_a_self_check_problem_of_the_own_village(world) -> None:
    problem = new_problem(world, user=world.cadre, source="自查")
    assert problem.source == "self_check"


def test_a_discovery_date_in_the_future_is_refused_and_nothing_is_entered(world) -> None:
    with pytest.raises(ValidationError) as error:
        new_problem(world, found_on="2026-12-02", deadline="2026-12-31")
    assert "晚于今天" in error.value.message_dict["found_on"][0]
    assert not Problem.objects.exists()


def test_a_deadline_before_the_discovery_date_is_refused(world) -> None:
    with pytest.raises(ValidationError) as error:
        new_problem(world, found_on="2026-10-08", deadline="2026-10-07")
    message = error.value.message_dict["deadline"][0]
    assert "早于发现日期2026-10-08" in message
    assert not Problem.objects.exists()
    assert not AuditEntry.objects.filter(action="create_problem").exists()


def test_an_unknown_source_names_the_choices(world) -> None:
    with pytest.raises(ValidationError) as error:
        new_problem(world, source="领导交办")
    assert "巡视巡察" in error.value.message_dict["source"][0]


def test_a_city_viewer_may_not_enter_a_problem(world) -> None:
    with pytest.raises(PermissionDenied):
        new_problem(world, user=world.city_viewer)


def test_an_area_outside_the_actor_answers_like_absent(world) -> None:
    with pytest.raises(NotFound):
        new_problem(world, area=world.other_county_village, user=world.approver)
    with pytest.raises(NotFound):
        new_problem(world, area=world.sibling_village, user=world.cadre)


def test_a_problem_of_a_group_or_city_is_refused(world) -> None:
    with pytest.raises(ValidationError) as error:
        new_problem(world, area=world.city, user=make_user("cityinsp", Role.INSPECTOR, world.city))
    assert "县、乡镇或村" in error.value.message_dict["area"][0]


# --- rectification and closing -------------------------------------------------------------------


def test_closing_needs_evidence_first(world) -> None:
    problem = new_problem(world)
    with pytest.raises(ValidationError) as error:
        actions.do_submit_problem_closing(actor=world.actor(world.cadre), problem=problem)
    assert "整改佐证" in error.value.message_dict["evidence"][0]
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.RECTIFYING


def test_evidence_links_a_household_and_refuses_one_of_another_village(world, household) -> None:
    problem = new_problem(world)
    actor = world.actor(world.cadre)
    pieces = actions.do_add_problem_evidence(
        actor=actor, problem=problem, text="已补发", household=household
    )
    assert [p.kind for p in pieces] == [EvidenceKind.TEXT, EvidenceKind.HOUSEHOLD]
    other = factories.make_household(
        world.actor(world.sibling_cadre), world.sibling_village, number="140922100002001"
    )
    with pytest.raises(ValidationError) as error:
        actions.do_add_problem_evidence(actor=actor, problem=problem, household=other)
    assert "不在东冶村" in error.value.message_dict["household"][0]
    assert problem.evidence.count() == 2


def test_a_village_problem_is_closed_by_its_township_with_a_reason(world) -> None:
    problem = rectified(world, new_problem(world))
    assert problem.status == ProblemStatus.PENDING_CLOSING
    closed = actions.do_close_problem(
        actor=world.actor(world.reviewer), problem=problem, reason="经核查已整改到位"
    )
    assert (closed.status, closed.closed_on, closed.close_reason) == (
        ProblemStatus.CLOSED,
        dt.date(2026, 12, 1),
        "经核查已整改到位",
    )
    assert AuditEntry.objects.get(action="close_problem").reason == "经核查已整改到位"


def test_a_village_problem_may_also_be_closed_by_the_county(world) -> None:
    problem = rectified(world, new_problem(world))
    actions.do_close_problem(actor=world.actor(world.approver), problem=problem, reason="同意")
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.CLOSED


def test_a_problem_closed_by_its_own_unit_is_refused_and_nothing_changes(world) -> None:
    problem = new_problem(world, area=world.township, responsible_unit="某乡镇人民政府")
    problem = rectified(world, problem, user=world.reviewer)
    with pytest.raises(PermissionDenied) as error:
        actions.do_close_problem(actor=world.actor(world.reviewer), problem=problem, reason="已改")
    assert "不能由本级" in str(error.value) and "上级" in str(error.value)
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.PENDING_CLOSING
    assert not AuditEntry.objects.filter(action="close_problem").exists()


def test_a_county_problem_is_closed_by_the_city_not_the_county(world) -> None:
    problem = rectified(world, new_problem(world, area=world.county), user=world.approver)
    with pytest.raises(PermissionDenied):
        actions.do_close_problem(actor=world.actor(world.approver), problem=problem, reason="改")
    city_inspector = make_user("cityinsp", Role.INSPECTOR, world.city)
    actions.do_close_problem(actor=world.actor(city_inspector), problem=problem, reason="同意销号")
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.CLOSED


def test_a_village_cadre_and_a_city_viewer_may_not_close(world) -> None:
    problem = rectified(world, new_problem(world))
    for user in (world.cadre, world.city_viewer):
        with pytest.raises(PermissionDenied):
            actions.do_close_problem(actor=world.actor(user), problem=problem, reason="改")


def test_another_township_closing_answers_like_absent(world) -> None:
    problem = rectified(world, new_problem(world))
    with pytest.raises(NotFound):
        actions.do_close_problem(
            actor=world.actor(world.other_reviewer), problem=problem, reason="x"
        )


def test_closing_needs_a_reason(world) -> None:
    problem = rectified(world, new_problem(world))
    with pytest.raises(ValidationError) as error:
        actions.do_close_problem(actor=world.actor(world.reviewer), problem=problem, reason=" ")
    assert "销号意见" in error.value.message_dict["reason"][0]


def test_two_reviewers_closing_at_once_do_not_both_succeed(world) -> None:
    problem = rectified(world, new_problem(world))
    stale = Problem.objects.get(pk=problem.pk)
    actions.do_close_problem(actor=world.actor(world.reviewer), problem=problem, reason="同意")
    with pytest.raises(ValidationError) as error:
        actions.do_close_problem(actor=world.actor(world.approver), problem=stale, reason="同意")
    assert "他人" in error.value.message_dict["status"][0]
    assert AuditEntry.objects.filter(action="close_problem").count() == 1


def test_a_request_sent_back_is_rectified_again(world) -> None:
    problem = rectified(world, new_problem(world))
    actions.do_return_problem(actor=world.actor(world.reviewer), problem=problem, reason="佐证不足")
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.RECTIFYING


def test_an_inspector_reopens_a_closed_problem_with_a_reason(world) -> None:
    problem = rectified(world, new_problem(world))
    actions.do_close_problem(actor=world.actor(world.reviewer), problem=problem, reason="同意")
    with pytest.raises(PermissionDenied):
        actions.do_reopen_problem(actor=world.actor(world.cadre), problem=problem, reason="x")
    reopened = actions.do_reopen_problem(
        actor=world.actor(world.inspector), problem=problem, reason="回访发现资金仍未到户"
    )
    assert (reopened.status, reopened.closed_on) == (ProblemStatus.RECTIFYING, None)
    entry = AuditEntry.objects.get(action="reopen_problem")
    assert entry.reason == "回访发现资金仍未到户"
    assert entry.changes["closed_on"] == ["2026-12-01", None]


def test_reopening_an_open_problem_is_refused(world) -> None:
    problem = new_problem(world)
    with pytest.raises(ValidationError):
        actions.do_reopen_problem(actor=world.actor(world.reviewer), problem=problem, reason="x")


def test_evidence_on_a_closed_problem_is_refused(world) -> None:
    problem = rectified(world, new_problem(world))
    actions.do_close_problem(actor=world.actor(world.reviewer), problem=problem, reason="同意")
    problem.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        actions.do_add_problem_evidence(actor=world.actor(world.cadre), problem=problem, text="x")
    assert "重新打开" in error.value.message_dict["text"][0]


# --- raised from quality findings ---------------------------------------------------------------


def _run(world, rows: list[dict]) -> object:
    run = do_queue_quality_run(
        actor=world.actor(world.approver), area_code=world.county.code, year=2024, backend="duckdb"
    )
    return do_record_quality_run(
        run,
        actor=world.actor(world.approver),
        findings=pa.Table.from_pylist(rows, schema=FINDING_SCHEMA),
        households_per_village={world.village.code: 3, world.sibling_village.code: 2},
        area_prefix=world.county.scope_prefix,
        seconds=0.1,
    )


def _finding(world, household, code: str = "Q-H-001") -> dict:
    return {
        "check_code": code,
        "household_id": household.pk,
        "member_id": None,
        "village_code": household.village_code,
        "details": "",
    }


def test_each_village_with_findings_gets_one_problem_with_its_findings_as_evidence(
    world, household
) -> None:
    run = _run(world, [_finding(world, household), _finding(world, household, "Q-V-002")])
    created = actions.do_raise_problems_from_quality_run(actor=world.actor(world.approver), run=run)
    assert len(created) == 1
    problem = created[0]
    assert (problem.area_code, problem.source, problem.category, problem.quality_run_id) == (
        world.village.code,
        "self_check",
        "data_quality",
        run.pk,
    )
    quality = {e.check_code: e.count for e in problem.evidence.filter(kind=EvidenceKind.QUALITY)}
    assert quality == {"Q-H-001": 1, "Q-V-002": 1}
    assert list(
        problem.evidence.filter(kind=EvidenceKind.HOUSEHOLD).values_list("household", flat=True)
    ) == [household.pk]
    again = actions.do_raise_problems_from_quality_run(actor=world.actor(world.approver), run=run)
    assert again == [] and Problem.objects.count() == 1


def test_a_quality_problem_closes_only_when_a_later_run_no_longer_has_its_findings(
    world, household
) -> None:
    run = _run(world, [_finding(world, household)])
    (problem,) = actions.do_raise_problems_from_quality_run(
        actor=world.actor(world.approver), run=run
    )
    problem = rectified(world, problem)
    reviewer = world.actor(world.reviewer)
    with pytest.raises(ValidationError) as error:
        actions.do_close_problem(actor=reviewer, problem=problem, reason="已更正")
    assert "重新运行数据质量检查" in error.value.message_dict["status"][0]
    still = _run(world, [_finding(world, household)])
    with pytest.raises(ValidationError) as error:
        actions.do_close_problem(actor=reviewer, problem=problem, reason="已更正")
    assert f"第{still.pk}次" in error.value.message_dict["status"][0]
    assert "Q-H-001（1条）" in error.value.message_dict["status"][0]
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.PENDING_CLOSING
    _run(world, [])
    actions.do_close_problem(actor=reviewer, problem=problem, reason="复查已清零")
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.CLOSED


def test_a_village_cadre_raises_only_the_own_village(world, household) -> None:
    other = factories.make_household(
        world.actor(world.sibling_cadre), world.sibling_village, number="140922100002001"
    )
    run = _run(world, [_finding(world, household), _finding(world, other)])
    created = actions.do_raise_problems_from_quality_run(actor=world.actor(world.cadre), run=run)
    assert [p.area_code for p in created] == [world.village.code]


def test_a_city_viewer_may_not_raise_problems(world, household) -> None:
    run = _run(world, [_finding(world, household)])
    with pytest.raises(PermissionDenied):
        actions.do_raise_problems_from_quality_run(actor=world.actor(world.city_viewer), run=run)
