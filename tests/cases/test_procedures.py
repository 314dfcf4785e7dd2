"""The statutory procedures, walked through the case actions with the role personas.

Every case type is carried through its whole national procedure (and the Guizhou variant of
identification) and the registry checked afterwards; at every step the step is tried out of
order, by every other role and from outside the area, and each refusal must change nothing.
Time rules run on a frozen clock (time_machine); see tests/cases/helpers.py for the walking.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from jingzhun.accounts.roles import Role
from jingzhun.areas.actions import do_create_area
from jingzhun.areas.loading import load_divisions_into_db
from jingzhun.areas.models import Area
from jingzhun.cases import actions
from jingzhun.cases.choices import StepKind
from jingzhun.cases.models import Case, CaseStep, NoticeEntry, Objection
from jingzhun.cases.procedures import procedure_for, procedure_of
from jingzhun.cases.queries import access_case, inbox_for, overdue_for
from jingzhun.core.actions import Actor, NotFound, PermissionDenied
from jingzhun.registry import actions as registry_actions
from jingzhun.registry.models import Household
from tests import factories
from tests.cases.helpers import (
    IN_SCOPE_PERSONAS,
    OUT_OF_SCOPE_PERSONAS,
    OVERRIDE,
    START,
    STARTING_STATE,
    STEP_RECORDS,
    actor,
    advance,
    application,
    at,
    attempt,
    current_step,
    eliminated,
    fresh,
    minutes,
    monitored,
    new_household,
    not_registered,
    notice_record,
    open_case,
    people_of,
    registered_poor,
    registry_audit,
    snapshot,
    step_record,
    walk,
)
from tests.conftest import make_user

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)
CASE_TYPES = ("identification", "exit", "monitoring", "elimination", "reversal", "removal")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def walk_through(world, case_type: str, household: Household, **application) -> Case:
    people = people_of(world)
    case = walk(people, open_case(people, household, case_type, **application))
    assert case.status == "completed", case.step_code
    return case


def assert_case_trail(case: Case) -> None:
    """One step row per step done by the role configured (a 公示 has two: opened, closed), and
    the registry's change audited with the case as its source."""
    procedure = procedure_of(case)
    rows = list(CaseStep.objects.filter(case=case).order_by("id"))
    expected = [
        s.code
        for s in procedure.steps
        for _ in range(2 if s.is_notice and s.kind == StepKind.PUBLICITY else 1)
    ]
    assert [r.code for r in rows] == expected
    for row in rows:
        assert row.role == procedure.step(row.position).role
        assert row.household_facts["head_name"] == "张建国"
    decisions = [r for r in rows if r.kind in (StepKind.REVIEW, StepKind.APPROVAL)]
    assert decisions and all(
        r.policy and r.policy["decision"] == procedure.decision for r in decisions
    )
    assert case.closed_on == rows[-1].on
    entry = registry_audit(case.household)
    assert entry.source == "case"
    assert entry.source_ref == case.number
    assert entry.actor_id == rows[-1].performed_by_id


# --- every case type, the whole national procedure -----------------------------------------------


def test_identification_registers_the_household(world):
    household = not_registered(world)
    case = walk_through(world, "identification", household)
    household.refresh_from_db()
    # Two 公示 of 5 days: 3–7 March, then 8–12 March; decided and entered on the 13th.
    assert household.identified_on == dt.date(2025, 3, 13)
    assert household.main_cause == "illness"
    assert household.poverty_attribute == "general"
    assert household.identification_standard == "national"
    assert household.exit_year is None and household.exited_on is None
    assert household.monitoring_category == ""
    assert case.number.startswith("SB2025")
    assert_case_trail(case)
    assert set(case.notice_entries.values_list("notice__kind", flat=True)) == {
        "publicity",
        "announcement",
    }
    assert case.notice_entries.count() == 3  # two 公示 and the 公告


def test_exit_marks_the_household_exited(world):
    household = registered_poor(world)
    case = walk_through(world, "exit", household)
    household.refresh_from_db()
    assert household.household_type == "exited"
    assert household.exit_year == 2025
    assert household.exited_on == dt.date(2025, 3, 8)
    assert household.identified_on == dt.date(2014, 6, 1)
    assert case.number.startswith("TC2025")
    assert_case_trail(case)


def test_monitoring_enrols_the_household_with_category_and_risks(world):
    household = new_household(world)
    case = walk_through(world, "monitoring", household, risk_types=["illness", "schooling"])
    household.refresh_from_db()
    assert household.household_type == "monitored"
    assert household.monitoring_category == "unstable_exited"
    assert household.monitoring_identified_on == dt.date(2025, 3, 8)
    assert household.risk_eliminated is False
    assert sorted(household.risks.values_list("kind", flat=True)) == ["illness", "schooling"]
    assert household.exit_year == 2018  # still a 脱贫户 that exited in 2018
    assert case.decided_on == dt.date(2025, 3, 8)
    assert_case_trail(case)


def test_elimination_marks_the_risk_eliminated(world):
    household = monitored(world)
    case = walk_through(world, "elimination", household, method="natural")
    household.refresh_from_db()
    assert household.risk_eliminated is True
    assert household.risk_eliminated_on == dt.date(2025, 3, 8)
    assert household.elimination_method == "natural"
    assert household.monitoring_category == "unstable_exited"
    assert household.monitoring_identified_on == dt.date(2023, 6, 1)
    assert list(household.risks.values_list("kind", flat=True)) == ["illness"]
    assert_case_trail(case)


def test_reversal_puts_the_household_back_under_monitoring(world):
    household = eliminated(world)
    case = walk_through(world, "reversal", household)
    household.refresh_from_db()
    assert household.household_type == "monitored"
    assert household.monitoring_category == "unstable_exited"  # kept: none given
    assert household.monitoring_identified_on == dt.date(2025, 3, 8)
    assert household.risk_eliminated is False
    assert household.risk_eliminated_on is None
    assert household.elimination_method == ""
    assert list(household.risks.values_list("kind", flat=True)) == ["natural_disaster"]
    assert_case_trail(case)


def test_removal_from_monitoring_clears_the_monitoring_fields(world):
    household = monitored(world)
    case = walk_through(world, "removal", household, scope="monitoring")
    household.refresh_from_db()
    assert household.household_type == "exited"  # it exited in 2018
    assert household.monitoring_category == ""
    assert household.monitoring_identified_on is None
    assert household.risk_eliminated is None
    assert household.risks.count() == 0
    assert household.identified_on == dt.date(2014, 6, 1)
    assert_case_trail(case)


def test_removal_from_registration_clears_the_identification(world):
    household = new_household(world)
    case = walk_through(world, "removal", household, scope="registration")
    household.refresh_from_db()
    assert household.household_type == "ordinary"
    assert household.identified_on is None
    assert household.exit_year is None and household.exited_on is None
    assert household.identification_standard == "" and household.poverty_attribute == ""
    assert_case_trail(case)


def test_a_household_identified_then_exits(world):
    household = not_registered(world)
    walk_through(world, "identification", household)
    household.refresh_from_db()
    people = people_of(world)
    case = walk(
        people, open_case(people, household, "exit", dt.date(2025, 3, 20)), dt.date(2025, 3, 20)
    )
    household.refresh_from_db()
    assert case.status == "completed"
    assert (household.household_type, household.exit_year) == ("exited", 2025)
    assert household.identified_on == dt.date(2025, 3, 13)


# --- at every step: out of order, wrong role, out of scope ---------------------------------------


def each_state(world, case_type: str) -> Iterator[tuple[Case, dt.date]]:
    """The case at each state of its procedure (a 公示 twice: to open, then to close, the day
    after it ends), with the day its current step is done."""
    people = people_of(world)
    case = open_case(people, STARTING_STATE[case_type](world), case_type)
    day = START
    while case.is_open:
        yield case, day
        case = advance(people, case, day)
        if case.notice_id is not None:
            day = case.notice.ends_on + DAY
    assert case.status == "completed"


@pytest.mark.parametrize("case_type", CASE_TYPES)
def test_every_other_step_is_refused_naming_the_current_one(world, case_type):
    states = 0
    for case, day in each_state(world, case_type):
        step = current_step(case)
        procedure = procedure_of(case)
        user = people_of(world)[step.role]
        before = snapshot(case)
        for other in procedure.steps:
            if other.code == step.code:
                continue
            with at(day), pytest.raises(ValidationError) as refused:
                actions.do_perform_step(
                    case,
                    actor=actor(user),
                    expected_version=case.version,
                    step_code=other.code,
                    record=step_record(other.kind, day) if other.kind in STEP_RECORDS else {},
                    attachments=minutes(),
                )
            message = refused.value.message_dict["step"][0]
            assert f"当前环节是“{step.title}”" in message
            assert f"不能办理“{other.title}”" in message
            assert snapshot(case) == before
        if not step.is_notice or case.notice_id is not None:
            # Publishing a notice is its own act: refused unless a notice step waits for one.
            with at(day), pytest.raises(ValidationError) as refused:
                actions.do_publish_notice(
                    [(case, case.version)], actor=actor(user), record=notice_record(day)
                )
            message = refused.value.message_dict["cases"][0]
            assert ("已在公示中" in message) if case.notice_id else (step.title in message)
            assert snapshot(case) == before
        states += 1
    publicities = sum(1 for s in procedure.steps if s.kind == StepKind.PUBLICITY)
    assert states == len(procedure.steps) - 1 + publicities


@pytest.mark.parametrize("case_type", CASE_TYPES)
def test_every_step_is_refused_to_every_other_role(world, case_type):
    for case, day in each_state(world, case_type):
        step = current_step(case)
        before = snapshot(case)
        others = [p for p in IN_SCOPE_PERSONAS if getattr(world, p).role != step.role]
        assert len(others) == len(IN_SCOPE_PERSONAS) - 1
        for persona in others:
            with pytest.raises(PermissionDenied) as refused:
                attempt(case, getattr(world, persona), day)
            assert step.role_label in str(refused.value), persona
            assert snapshot(case) == before, persona


@pytest.mark.parametrize("case_type", CASE_TYPES)
def test_every_step_answers_not_found_outside_the_area(world, case_type):
    for case, day in each_state(world, case_type):
        before = snapshot(case)
        for persona in OUT_OF_SCOPE_PERSONAS:
            # Out of scope answers like absent, whether or not the role would fit.
            with pytest.raises(NotFound):
                attempt(case, getattr(world, persona), day)
            with pytest.raises(NotFound):
                access_case(getattr(world, persona), case.pk)
            assert snapshot(case) == before, persona


@pytest.mark.parametrize("case_type", CASE_TYPES)
def test_only_the_village_cadre_of_the_village_opens_a_case(world, case_type):
    household = STARTING_STATE[case_type](world)
    record = application(case_type, START)
    for persona in IN_SCOPE_PERSONAS[1:]:
        with at(START), pytest.raises(PermissionDenied):
            actions.do_open_case(
                actor=actor(getattr(world, persona)),
                household=household,
                case_type=case_type,
                record=record,
            )
    for persona in OUT_OF_SCOPE_PERSONAS:
        with at(START), pytest.raises(NotFound):
            actions.do_open_case(
                actor=actor(getattr(world, persona)),
                household=household,
                case_type=case_type,
                record=record,
            )
    with pytest.raises(PermissionDenied):
        actions.do_open_case(
            actor=Actor(user=None, source="system"),
            household=household,
            case_type=case_type,
            record=record,
        )
    assert not Case.objects.exists() and not CaseStep.objects.exists()


# --- before its time: the 公示 -------------------------------------------------------------------


def test_a_publicity_cannot_close_before_its_five_days_have_passed(world, household):
    people = people_of(world)
    case = walk(people, open_case(people, household, "monitoring"), until="publicity")
    case = advance(people, case, START)
    notice = case.notice
    assert (notice.starts_on, notice.ends_on, notice.days) == (START, dt.date(2025, 3, 7), 5)
    assert notice.days_version
    before = snapshot(case)
    for day in (START, dt.date(2025, 3, 7)):  # the first and the last day of the 公示
        with pytest.raises(ValidationError) as refused:
            attempt(case, world.cadre, day)
        assert "2025-03-08起才能结束公示" in refused.value.message_dict["step"][0]
        assert snapshot(case) == before
    case = attempt(case, world.cadre, dt.date(2025, 3, 8))
    assert case.step_code == "review" and case.notice_id is None
    closed = CaseStep.objects.filter(case=case, code="publicity").order_by("id")
    assert [r.outcome for r in closed] == ["notice_opened", "done"]
    assert closed.last().on == dt.date(2025, 3, 8)


def test_a_notice_may_not_start_more_than_seven_days_ahead_or_before_the_last_step(
    world, household
):
    people = people_of(world)
    case = walk(people, open_case(people, household, "monitoring"), until="publicity")
    before = snapshot(case)
    for starts in (START + 8 * DAY, START - DAY):
        with pytest.raises(ValidationError) as refused:
            attempt(case, world.cadre, START, starts_on=starts.isoformat())
        assert "starts_on" in refused.value.message_dict
        assert snapshot(case) == before


# --- Guizhou: 7-day 公示 and 两评议两公示一比对一公告 --------------------------------------------


@pytest.fixture
def guizhou(db):
    """A village of 南明区 (贵阳市, 贵州省) and its cadre, township reviewer and county approver.
    Only Shanxi is loaded for every test; Guizhou's divisions load here, inside the test's
    transaction."""
    load_divisions_into_db(["52"])
    county = Area.objects.get(code="520102")
    township = Area.objects.filter(parent=county).order_by("code").first()
    village = do_create_area(township, actor=Actor(user=None, source="system"), name="花果园村")
    people = {
        Role.VILLAGE_CADRE: make_user("gz_cadre", Role.VILLAGE_CADRE, village),
        Role.TOWNSHIP_REVIEWER: make_user("gz_reviewer", Role.TOWNSHIP_REVIEWER, township),
        Role.COUNTY_APPROVER: make_user("gz_approver", Role.COUNTY_APPROVER, county),
    }
    return village, people


def guizhou_household(village, number: str = "520102001001001", **overrides) -> Household:
    return factories.make_household(
        Actor(user=None, source="system"), village, number=number, **overrides
    )


def test_guizhou_identification_is_two_deliberations_two_publicities_one_comparison(guizhou, world):
    village, people = guizhou
    procedure = procedure_for("identification", village.code)
    assert procedure.region == "520000"
    assert [s.code for s in procedure.steps] == [
        "application",
        "group_deliberation",
        "verification",
        "village_deliberation",
        "village_publicity",
        "comparison",
        "review",
        "township_publicity",
        "approval",
        "announcement",
        "update",
    ]
    assert procedure_for("identification", world.village.code).region == "000000"
    assert procedure_for("exit", village.code).region == "000000"  # not configured: national

    household = guizhou_household(
        village,
        household_type="ordinary",
        identified_on=None,
        exit_year=None,
        exited_on=None,
        main_cause="",
        poverty_attribute="",
        identification_standard="",
    )
    case = walk(people, open_case(people, household, "identification"))
    assert case.status == "completed" and case.region == "520000"
    assert case.procedure_version.startswith("520000:")
    notices = sorted(
        {e.notice for e in case.notice_entries.select_related("notice")}, key=lambda n: n.pk
    )
    assert [(n.kind, n.days) for n in notices] == [
        ("publicity", 7),
        ("publicity", 7),
        ("announcement", 7),
    ]
    assert notices[0].ends_on == dt.date(2025, 3, 9)
    household.refresh_from_db()
    # 公示 3–9 March, 10–16 March; entered on the 17th.
    assert household.identified_on == dt.date(2025, 3, 17)
    assert registry_audit(household).source_ref == case.number
    kinds = list(CaseStep.objects.filter(case=case).values_list("code", flat=True))
    assert kinds.count("group_deliberation") == kinds.count("village_deliberation") == 1


def test_a_guizhou_publicity_lasts_seven_days(guizhou):
    village, people = guizhou
    case = walk(
        people, open_case(people, guizhou_household(village), "monitoring"), until="publicity"
    )
    case = advance(people, case, START)
    assert (case.notice.days, case.notice.ends_on) == (7, dt.date(2025, 3, 9))
    with pytest.raises(ValidationError):
        advance(people, case, dt.date(2025, 3, 9))
    assert advance(people, case, dt.date(2025, 3, 10)).step_code == "review"


def test_a_guizhou_visit_is_due_within_two_days_and_then_overdue(guizhou):
    village, people = guizhou
    case = open_case(people, guizhou_household(village), "monitoring")
    assert (case.step_code, case.step_due_on) == ("visit", START + 2 * DAY)
    reviewer = people[Role.TOWNSHIP_REVIEWER]
    assert case not in overdue_for(reviewer, START + 2 * DAY)
    assert case in overdue_for(reviewer, START + 3 * DAY)
    case = advance(people, case, START + DAY)
    assert case.step_due_on is None
    assert case not in overdue_for(reviewer, START + 3 * DAY)


# --- objections ----------------------------------------------------------------------------------


def test_an_objection_during_the_publicity_sends_the_case_back_and_withdraws_the_entry(
    world, household
):
    people = people_of(world)
    case = walk(people, open_case(people, household, "monitoring"), until="publicity")
    case = advance(people, case, START)
    notice = case.notice
    objection_on = dt.date(2025, 3, 5)
    with at(objection_on):
        actions.do_record_objection(
            case,
            actor=actor(world.cadre),
            expected_version=case.version,
            record={
                "raised_on": "2025-03-05",
                "raised_by": "村民甲",
                "content": "该户有经营性收入未申报",
            },
        )
    case = fresh(case)
    assert case.step_code == "visit"  # publicity returns_to
    assert case.position == procedure_of(case).position_of("visit")
    assert case.notice_id is None and case.is_open
    entry = NoticeEntry.objects.get(notice=notice, case=case)
    assert entry.withdrawn
    objection = Objection.objects.get(case=case)
    assert (objection.notice_id, objection.raised_on) == (notice.pk, objection_on)
    step = CaseStep.objects.filter(case=case).order_by("id").last()
    assert (step.code, step.outcome) == ("publicity", "objection")
    # Re-verified, deliberated and publicised again, the case goes on to the end.
    case = walk(people, case, objection_on)
    assert case.status == "completed"
    assert case.notice_entries.filter(withdrawn=False).count() == 2  # the new 公示 and the 公告


def test_an_objection_is_refused_outside_the_publicity_or_by_a_viewer(world, household):
    people = people_of(world)
    case = walk(people, open_case(people, household, "monitoring"), until="publicity")
    record = {"raised_on": "2025-03-03", "content": "有异议"}
    before = snapshot(case)
    with at(START), pytest.raises(ValidationError) as refused:
        actions.do_record_objection(
            case, actor=actor(world.cadre), expected_version=case.version, record=record
        )
    assert "不在公示期内" in refused.value.message_dict["step"][0]
    case = advance(people, case, START)
    before = snapshot(case)
    with at(START), pytest.raises(PermissionDenied):
        actions.do_record_objection(
            case, actor=actor(world.inspector), expected_version=case.version, record=record
        )
    with at(START), pytest.raises(NotFound):
        actions.do_record_objection(
            case, actor=actor(world.outsider), expected_version=case.version, record=record
        )
    with at(dt.date(2025, 3, 10)), pytest.raises(ValidationError) as refused:
        actions.do_record_objection(
            case,
            actor=actor(world.cadre),
            expected_version=case.version,
            record={"raised_on": "2025-03-10", "content": "有异议"},
        )
    assert "raised_on" in refused.value.message_dict
    with at(START), pytest.raises(ValidationError) as refused:
        actions.do_record_objection(
            case, actor=actor(world.cadre), expected_version=case.version, record={}
        )
    assert {"raised_on", "content"} <= set(refused.value.message_dict)
    assert snapshot(case) == before
    assert not Objection.objects.exists()


# --- missing records -----------------------------------------------------------------------------


def at_step(world, household, case_type: str, code: str) -> Case:
    people = people_of(world)
    return walk(people, open_case(people, household, case_type), until=code)


def refused_fields(
    case: Case, user, *, record: dict | None = None, attachments=None, **overrides
) -> dict[str, list[str]]:
    """The errors by field of doing the current step on its first day with ``record`` (or a
    valid record with ``overrides``); asserts nothing changed."""
    day = case.step_since
    if record is None:
        record = step_record(current_step(case).kind, day, **overrides)
    else:
        record = {"on": day.isoformat(), **record}
    before = snapshot(case)
    with at(day), pytest.raises(ValidationError) as refused:
        actions.do_perform_step(
            case,
            actor=actor(user),
            expected_version=case.version,
            step_code=case.step_code,
            record=record,
            attachments=attachments,
        )
    assert snapshot(case) == before
    return refused.value.message_dict


def test_a_deliberation_without_minutes_is_refused_naming_them(world, household):
    case = at_step(world, household, "monitoring", "deliberation")
    errors = refused_fields(case, world.cadre)
    assert list(errors) == ["minutes"]
    assert "评议会议记录" in errors["minutes"][0]


def test_a_deliberation_without_votes_is_refused_naming_each_count(world, household):
    case = at_step(world, household, "monitoring", "deliberation")
    record = {"participants": 15, "attendees": "村民代表"}
    errors = refused_fields(case, world.cadre, record=record, attachments=minutes())
    assert set(errors) == {"votes_for", "votes_against", "votes_abstain"}
    assert errors["votes_for"] == ["请填写赞成票数。"]
    errors = refused_fields(case, world.cadre, record={}, attachments=minutes())
    assert {"participants", "attendees", "votes_for"} <= set(errors)


def test_a_deliberation_with_more_votes_than_participants_is_refused(world, household):
    case = at_step(world, household, "monitoring", "deliberation")
    errors = refused_fields(case, world.cadre, attachments=minutes(), votes_for=14)
    assert "多于参会人数15人" in errors["votes_for"][0]


def test_a_notice_without_place_or_contact_is_refused_naming_them(world, household):
    case = at_step(world, household, "monitoring", "publicity")
    before = snapshot(case)
    with at(START), pytest.raises(ValidationError) as refused:
        attempt(case, world.cadre, START, place="", contact=" ", starts_on="")
    errors = refused.value.message_dict
    assert set(errors) == {"place", "contact", "starts_on"}
    assert errors["place"] == ["请填写张贴地点。"]
    assert snapshot(case) == before
    # Closing a 公示 that was never published names what to publish first.
    with at(START), pytest.raises(ValidationError) as refused:
        actions.do_perform_step(
            case, actor=actor(world.cadre), expected_version=case.version, record={}
        )
    assert "须先发布公示" in refused.value.message_dict["step"][0]


def test_a_visit_without_signed_consent_is_refused(world, household):
    case = at_step(world, household, "monitoring", "visit")
    errors = refused_fields(case, world.cadre, consent_signed=False)
    assert list(errors) == ["consent_signed"]
    assert "授权" in errors["consent_signed"][0]


@pytest.mark.parametrize("opinion", ["return", "reject"])
def test_a_return_or_rejection_without_a_comment_is_refused(world, household, opinion):
    case = at_step(world, household, "monitoring", "review")
    errors = refused_fields(case, world.reviewer, opinion=opinion)
    assert errors == {"comment": ["请填写意见说明。"]}


def test_a_step_dated_in_the_future_or_before_the_last_step_is_refused(world, household):
    case = at_step(world, household, "monitoring", "visit")
    for on in (START + DAY, START - DAY):
        errors = refused_fields(case, world.cadre, on=on.isoformat())
        assert list(errors) == ["on"]


# --- the policy verdict and overrides ------------------------------------------------------------


def test_agreeing_against_the_policy_verdict_needs_a_written_reason(world, household):
    case = at_step(world, household, "monitoring", "review")
    # The household's 2024 income is above the monitoring line: the verdict fails.
    for reason in ("", "太短了"):
        errors = refused_fields(case, world.reviewer, override_reason=reason)
        assert list(errors) == ["override_reason"]
        assert "M-INCOME" in errors["override_reason"][0]
        assert "纪检督查" in errors["override_reason"][0]
    case = advance(people_of(world), case, case.step_since)
    step = CaseStep.objects.get(case=case, code="review")
    assert step.is_override and step.override_reason == OVERRIDE
    assert step.policy["status"] == "fail" and step.policy["matches"] is False
    assert case.overridden
    assert CaseStep.objects.filter(case=case, is_override=True).count() == 1


def test_an_unknown_verdict_also_needs_a_reason(world, household):
    people = people_of(world)
    case = walk(people, open_case(people, household, "monitoring", year=2023), until="review")
    errors = refused_fields(case, world.reviewer, override_reason="")
    assert "override_reason" in errors
    case = advance(people, case, case.step_since)
    step = CaseStep.objects.get(case=case, code="review")
    assert step.policy["status"] == "unknown" and step.is_override


def test_agreeing_with_a_matching_verdict_is_no_override(world, household):
    registry_actions.do_set_income(
        household, actor=world.actor(), year=2023, values={"wage": Decimal("3000")}
    )
    people = people_of(world)
    case = walk(people, open_case(people, household, "monitoring", year=2023), until="review")
    case = attempt(case, world.reviewer, case.step_since, override_reason="")
    step = CaseStep.objects.get(case=case, code="review")
    assert step.policy["status"] == "pass" and step.policy["matches"] is True
    assert not step.is_override and step.override_reason == ""
    case = attempt(case, world.approver, case.step_since)  # a reason given anyway is not kept
    step = CaseStep.objects.get(case=case, code="approval")
    assert not step.is_override and step.override_reason == ""
    assert not case.overridden


def test_returning_or_rejecting_against_the_verdict_needs_no_reason(world, household):
    case = at_step(world, household, "monitoring", "review")
    case = attempt(
        case,
        world.reviewer,
        case.step_since,
        opinion="return",
        comment="请补充住院票据",
        override_reason="",
    )
    assert not CaseStep.objects.get(case=case, code="review").is_override


# --- deadlines -----------------------------------------------------------------------------------


def test_the_monitoring_decision_is_due_fifteen_days_after_the_first_signal(world, household):
    people = people_of(world)
    case = open_case(people, household, "monitoring", first_signal_on="2025-02-25")
    assert case.due_on == dt.date(2025, 3, 12)  # 2025-02-25 + 15 days
    assert case.due_step == "approval"
    case = walk(people, case, until="review")
    assert case.decided_on is None
    for user in (world.reviewer, world.approver, world.inspector):
        with at(dt.date(2025, 3, 12)):
            assert case not in overdue_for(user, actions.today())
        with at(dt.date(2025, 3, 13)):
            assert case in overdue_for(user, actions.today())
    assert case in overdue_for(world.approver, dt.date(2025, 3, 13), within=world.township.code)
    assert case not in overdue_for(
        world.approver, dt.date(2025, 3, 13), within=world.other_township.code
    )
    assert case not in overdue_for(world.other_reviewer, dt.date(2025, 3, 13))
    assert case not in overdue_for(world.outsider, dt.date(2025, 3, 13))
    inbox = list(inbox_for(world.reviewer))
    assert inbox == [case] and inbox[0].deadline == dt.date(2025, 3, 12)

    late = dt.date(2025, 3, 13)
    case = advance(people, case, late)
    assert case.decided_on is None  # the review is not the decision
    case = advance(people, case, late)
    assert case.step_code == "announcement"
    assert case.decided_on == late
    assert case not in overdue_for(world.approver, dt.date(2025, 4, 1))


def test_the_decision_deadline_comes_from_the_parameter_and_only_where_configured(world, household):
    people = people_of(world)
    reversal = open_case(people, eliminated(world), "reversal", first_signal_on="2025-03-01")
    assert reversal.due_on == dt.date(2025, 3, 16)
    exit_case = open_case(people, registered_poor(world), "exit")
    assert exit_case.due_on is None and exit_case.first_signal_on is None
    with at(START), pytest.raises(ValidationError) as refused:
        actions.do_open_case(
            actor=actor(world.cadre),
            household=household,
            case_type="monitoring",
            record=application("monitoring", START, first_signal_on=""),
        )
    assert "first_signal_on" in refused.value.message_dict


def test_a_rejection_decides_the_case(world, household):
    case = at_step(world, household, "monitoring", "review")
    day = case.step_since
    case = attempt(case, world.reviewer, day, opinion="reject", comment="收入高于监测线")
    assert case.status == "rejected" and case.decided_on == day and case.closed_on == day
    assert case not in overdue_for(world.approver, dt.date(2025, 4, 1))


# --- the 6-month minimum before elimination ------------------------------------------------------


def test_elimination_after_less_than_six_months_fails_r_months_and_needs_an_override(world):
    recent = monitored(world, since=dt.date(2024, 10, 15))
    case = at_step(world, recent, "elimination", "review")
    verdict = actions.policy_check(case, procedure_of(case), actor(world.reviewer))
    assert "R-MONTHS" in {r["code"] for r in verdict["criteria"] if r["status"] == "fail"}
    assert verdict["status"] == "fail" and not verdict["matches"]
    errors = refused_fields(case, world.reviewer, override_reason="")
    assert "R-MONTHS" in errors["override_reason"][0]
    people = people_of(world)
    case = walk(people, case, case.step_since, until="announcement")
    assert case.overridden
    approval = CaseStep.objects.get(case=case, code="approval")
    assert approval.is_override
    assert "R-MONTHS" in {r["code"] for r in approval.policy["criteria"]}


def test_elimination_after_six_months_passes_r_months(world):
    case = at_step(world, monitored(world, since=dt.date(2023, 6, 1)), "elimination", "review")
    verdict = actions.policy_check(case, procedure_of(case), actor(world.reviewer))
    assert "R-MONTHS" not in {r["code"] for r in verdict["criteria"]}


# --- rejection and return paths ------------------------------------------------------------------


@pytest.mark.parametrize(("votes_for", "outcome"), [(7, "rejected"), (8, "open")])
def test_a_deliberation_needs_more_than_half_of_the_participants(
    world, household, votes_for, outcome
):
    case = at_step(world, household, "monitoring", "deliberation")
    version = Household.objects.get(pk=household.pk).version
    votes = {"participants": 14, "votes_for": votes_for, "votes_against": 14 - votes_for}
    case = attempt(case, world.cadre, START, votes_abstain=0, **votes)
    assert case.status == outcome
    if outcome == "rejected":
        step = CaseStep.objects.filter(case=case).order_by("id").last()
        assert (step.code, step.outcome, step.record["passed"]) == (
            "deliberation",
            "rejected",
            False,
        )
        assert case.closed_on == START and case.decided_on == START
        assert case.step_role == "" and not inbox_for(world.cadre).exists()
        # Nothing reached the registry.
        household.refresh_from_db()
        assert household.version == version and household.household_type == "exited"
        assert not household.audit_entries.filter(source="case").exists()
        with pytest.raises(ValidationError) as refused:
            attempt(case, world.cadre, START)
        assert "已未通过" in refused.value.message_dict["step"][0]
    else:
        assert case.step_code == "publicity"


def test_a_failed_verification_rejects_the_case(world):
    case = at_step(world, monitored(world), "elimination", "verification")
    case = attempt(case, world.cadre, START, result="not_confirmed")
    assert case.status == "rejected"


def test_a_review_returned_goes_back_to_the_step_it_names(world, household):
    case = at_step(world, household, "monitoring", "review")
    day = case.step_since
    case = attempt(case, world.reviewer, day, opinion="return", comment="请补充住院票据")
    assert case.is_open and case.step_code == "visit" and case.step_role == "village_cadre"
    assert case.step_since == day
    step = CaseStep.objects.filter(case=case).order_by("id").last()
    assert (step.code, step.outcome, step.record["comment"]) == (
        "review",
        "returned",
        "请补充住院票据",
    )
    assert case in inbox_for(world.cadre) and case not in inbox_for(world.reviewer)
    case = walk(people_of(world), case, day)
    assert case.status == "completed"
    assert CaseStep.objects.filter(case=case, code="visit").count() == 2


def test_an_approval_returned_goes_back_to_the_visit(world, household):
    case = at_step(world, household, "monitoring", "approval")
    case = attempt(
        case, world.approver, case.step_since, opinion="return", comment="比对结果需复核"
    )
    assert case.step_code == "visit" and case.decided_on is None


# --- one open case per household -----------------------------------------------------------------


def test_a_household_has_one_open_case_at_a_time(world, household):
    people = people_of(world)
    first = open_case(people, household, "monitoring")
    with pytest.raises(ValidationError) as refused:
        open_case(people, household, "monitoring")
    assert refused.value.message_dict == {
        "household": ["该户已有办理中的案件：请先办结或撤回原案件，再发起新的程序。"]
    }
    assert Case.objects.filter(household=household).count() == 1
    with at(START):
        actions.do_withdraw_case(
            first, actor=actor(world.cadre), expected_version=first.version, reason="农户撤回申请"
        )
    second = open_case(people, household, "monitoring")
    assert second.is_open and fresh(first).status == "withdrawn"


def test_a_case_is_refused_when_the_household_is_not_in_the_right_state(world, household):
    people = people_of(world)
    for case_type in ("identification", "exit", "elimination", "reversal"):
        with pytest.raises(ValidationError) as refused:
            open_case(people, household, case_type)  # a 脱贫户, not monitored
        assert list(refused.value.message_dict) == ["household"], case_type
    with pytest.raises(ValidationError) as refused:
        open_case(people, monitored(world), "monitoring")
    assert "已是监测对象" in refused.value.message_dict["household"][0]
    assert not Case.objects.exists()


def test_an_application_without_its_matters_is_refused_naming_each(world, household):
    with at(START), pytest.raises(ValidationError) as refused:
        actions.do_open_case(
            actor=actor(world.cadre),
            household=household,
            case_type="monitoring",
            record={"on": START.isoformat()},
        )
    assert {"channel", "first_signal_on", "reason", "category", "risk_types"} <= set(
        refused.value.message_dict
    )
    assert not Case.objects.exists()
