"""The assistance rules, through the actions: pairings and their limit, work-team posts and
presence, visits and the risk signal, the yearly plan written into the registry's measures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from jingzhun.assistance import actions, queries
from jingzhun.assistance.models import Pairing, PlanItem, Presence, SignalStatus, TeamPost, Visit
from jingzhun.audit.models import AuditEntry
from jingzhun.cases.choices import CaseType, Channel
from jingzhun.cases.models import Case
from jingzhun.core.actions import NotFound, PermissionDenied
from jingzhun.policy.actions import do_add_parameter_value
from jingzhun.registry.models import Measures
from tests import factories
from tests.assistance.conftest import new_cadre

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 11, 20)


def visit_values(**overrides: Any) -> dict[str, Any]:
    return {
        "visited_on": DAY,
        "kind": "home_visit",
        "visitors": "王帮扶、村支书",
        "checks": {"income": {"concern": False}, "work": {"concern": False}},
        **overrides,
    }


# --- pairings ------------------------------------------------------------------------------------


def test_a_pairing_is_recorded_with_its_audit_entry(world, homes):
    cadre = new_cadre(world)
    pairing = actions.do_pair_household(
        actor=world.actor(world.reviewer), cadre=cadre, household=homes["a"], started_on=DAY
    )
    assert pairing.ended_on is None and pairing.village_code == world.village.code
    entry = AuditEntry.objects.get(action="pair_household")
    assert entry.household_id == homes["a"].pk and entry.changes["cadre"] == [None, "王帮扶"]


def test_changing_the_cadre_ends_the_old_pairing_and_keeps_it(world, homes):
    first, second = new_cadre(world), new_cadre(world, name="赵接任")
    actor = world.actor(world.reviewer)
    actions.do_pair_household(
        actor=actor, cadre=first, household=homes["a"], started_on=dt.date(2025, 3, 1)
    )
    actions.do_pair_household(actor=actor, cadre=second, household=homes["a"], started_on=DAY)
    rows = list(Pairing.objects.filter(household=homes["a"]).order_by("started_on"))
    assert [(p.cadre.name, p.ended_on) for p in rows] == [("王帮扶", DAY), ("赵接任", None)]
    assert "更换" in rows[0].end_reason


def test_a_household_outside_the_cadres_area_is_refused_and_nothing_changes(world, homes):
    cadre = new_cadre(world)  # serves the first township; 南村 lies in the other
    with pytest.raises(ValidationError) as refused:
        actions.do_pair_household(
            actor=world.actor(world.approver), cadre=cadre, household=homes["far"], started_on=DAY
        )
    assert "不在帮扶责任人王帮扶的帮扶范围" in str(refused.value)
    assert not Pairing.objects.exists()
    assert not AuditEntry.objects.filter(action="pair_household").exists()


def test_a_pairing_dated_in_the_future_is_refused(world, homes):
    cadre = new_cadre(world)
    with pytest.raises(ValidationError) as refused:
        actions.do_pair_household(
            actor=world.actor(world.reviewer),
            cadre=cadre,
            household=homes["a"],
            started_on=dt.date(2027, 1, 1),
        )
    assert "晚于今天" in str(refused.value)
    assert not Pairing.objects.exists()


def test_the_limit_per_cadre_is_the_regions_parameter(world, homes):
    do_add_parameter_value(
        world.actor(world.admin),
        name="cadre_household_limit",
        region=world.county.code[:6],
        effective_from=dt.date(2026, 1, 1),
        value=1,
        unit="户",
        source="五台县结对帮扶工作方案（测试）",
        confirmed=True,
    )
    cadre = new_cadre(world)
    actor = world.actor(world.reviewer)
    actions.do_pair_household(actor=actor, cadre=cadre, household=homes["a"], started_on=DAY)
    with pytest.raises(ValidationError) as refused:
        actions.do_pair_household(actor=actor, cadre=cadre, household=homes["b"], started_on=DAY)
    assert "达到每人1户的上限" in str(refused.value)
    assert Pairing.objects.filter(cadre=cadre).count() == 1


def test_a_cadre_over_the_limit_is_reported(world, homes):
    cadre = new_cadre(world)
    actor = world.actor(world.reviewer)
    for key in ("a", "b"):
        actions.do_pair_household(actor=actor, cadre=cadre, household=homes[key], started_on=DAY)
    # The county lowers its limit afterwards: the cadre now holds more than allowed.
    do_add_parameter_value(
        world.actor(world.admin),
        name="cadre_household_limit",
        region=world.county.code[:6],
        effective_from=dt.date(2026, 11, 25),
        value=1,
        unit="户",
        source="五台县结对帮扶工作方案（测试）",
        confirmed=True,
    )
    figures = queries.coverage(world.approver, dt.date(2026, 12, 1))
    assert [(x.cadre.name, x.households, x.limit) for x in figures.over_limit] == [("王帮扶", 2, 1)]


def test_a_village_cadre_cannot_pair_and_an_outsider_cannot_see(world, homes):
    cadre = new_cadre(world)
    with pytest.raises(PermissionDenied):
        actions.do_pair_household(
            actor=world.actor(world.cadre), cadre=cadre, household=homes["a"], started_on=DAY
        )
    with pytest.raises(NotFound):
        actions.do_pair_household(
            actor=world.actor(world.other_reviewer),
            cadre=cadre,
            household=homes["a"],
            started_on=DAY,
        )
    with pytest.raises(NotFound):
        queries.access_cadre_by_id(world.outsider, cadre.pk)


# --- coverage ------------------------------------------------------------------------------------


def test_coverage_counts_exited_and_monitored_households_without_a_cadre(world, homes):
    cadre = new_cadre(world)
    actions.do_pair_household(
        actor=world.actor(world.reviewer), cadre=cadre, household=homes["a"], started_on=DAY
    )
    today = dt.date(2026, 12, 1)
    # 脱贫户 b and far lack a cadre; the 一般农户 need none.
    assert set(queries.without_cadre(world.approver, today).values_list("number", flat=True)) == {
        "140922100001002",
        "140922200001001",
    }
    assert queries.without_cadre(world.cadre, today).count() == 1


def test_households_not_visited_within_the_interval(world, homes):
    actor = world.actor()
    actions.do_record_visit(actor=actor, household=homes["a"], values=visit_values())
    actions.do_record_visit(
        actor=actor, household=homes["b"], values=visit_values(visited_on=dt.date(2026, 8, 1))
    )
    late = queries.not_visited(world.approver, dt.date(2026, 12, 1))
    # The interval is 90 days: a visit on 2026-08-01 is too old; 南村 was never visited.
    assert set(late.values_list("number", flat=True)) == {"140922100001002", "140922200001001"}


# --- work teams ----------------------------------------------------------------------------------


def post_values(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "刘书记",
        "role": "first_secretary",
        "sending_unit": "省财政厅",
        "term_start": dt.date(2025, 3, 1),
        "term_end": dt.date(2027, 2, 28),
        **overrides,
    }


def test_a_village_has_one_first_secretary_and_a_replacement_keeps_history(world):
    actor = world.actor(world.reviewer)
    first = actions.do_appoint_team_member(actor=actor, village=world.village, values=post_values())
    with pytest.raises(ValidationError) as refused:
        actions.do_appoint_team_member(
            actor=actor, village=world.village, values=post_values(name="陈书记")
        )
    assert "仍在岗" in str(refused.value)
    second = actions.do_appoint_team_member(
        actor=actor,
        village=world.village,
        values=post_values(name="陈书记", term_start=dt.date(2026, 6, 1)),
        replaces=first,
    )
    first.refresh_from_db()
    assert first.ended_on == dt.date(2026, 6, 1) and second.replaces_id == first.pk
    counts = queries.posts_by_area(world.reviewer, dt.date(2026, 12, 1))
    row = next(p for p in counts if p.area == world.village)
    assert (row.first_secretaries, row.villages_without_secretary) == (1, 0)
    # On a day before the replacement, the first secretary in post was the first one.
    assert TeamPost.objects.get(pk=first.pk).in_post_on(dt.date(2026, 5, 31))


def test_first_secretaries_in_post_are_counted_per_township_for_the_county(world):
    actor = world.actor(world.approver)
    actions.do_appoint_team_member(actor=actor, village=world.village, values=post_values())
    actions.do_appoint_team_member(
        actor=actor, village=world.far_village, values=post_values(name="孙书记")
    )
    actions.do_appoint_team_member(
        actor=actor,
        village=world.sibling_village,
        values=post_values(name="周队员", role="member"),
    )
    rows = {p.area.code: p for p in queries.posts_by_area(world.approver, dt.date(2026, 12, 1))}
    assert rows[world.township.code].first_secretaries == 1
    assert rows[world.township.code].team_members == 1
    assert rows[world.township.code].villages_without_secretary >= 1  # 西冶村
    assert rows[world.other_township.code].first_secretaries == 1


def test_presence_is_checked_against_the_month_and_the_term(world):
    actor = world.actor(world.reviewer)
    post = actions.do_appoint_team_member(actor=actor, village=world.village, values=post_values())
    with pytest.raises(ValidationError) as refused:
        actions.do_record_presence(actor=actor, post=post, year=2026, month=2, days=29)
    assert "只有28天" in str(refused.value)
    with pytest.raises(ValidationError) as refused:
        actions.do_record_presence(actor=actor, post=post, year=2027, month=1, days=20)
    assert "还没有到" in str(refused.value)
    with pytest.raises(ValidationError):
        actions.do_record_presence(actor=actor, post=post, year=2025, month=1, days=20)
    actions.do_record_presence(actor=actor, post=post, year=2026, month=3, days=20)
    actions.do_record_presence(actor=actor, post=post, year=2026, month=3, days=22)
    assert Presence.objects.get(post=post).days == 22


def test_presence_report_flags_who_can_no_longer_reach_the_minimum(world):
    actor = world.actor(world.reviewer)
    post = actions.do_appoint_team_member(
        actor=actor, village=world.village, values=post_values(term_start=dt.date(2025, 1, 1))
    )
    for month in range(1, 12):
        actions.do_record_presence(actor=actor, post=post, year=2026, month=month, days=15)
    rows = queries.presence_report(world.reviewer, 2026, dt.date(2026, 12, 1))
    (row,) = rows
    # 165 days recorded; at most 30 days of December remain; the minimum is 220.
    assert (row.days, row.minimum, row.short, row.reachable) == (165, 220, True, False)


# --- visits --------------------------------------------------------------------------------------


def test_a_visit_dated_in_the_future_is_refused(world, homes):
    with pytest.raises(ValidationError) as refused:
        actions.do_record_visit(
            actor=world.actor(),
            household=homes["a"],
            values=visit_values(visited_on=dt.date(2026, 12, 2)),
        )
    assert "晚于今天" in str(refused.value)
    assert not Visit.objects.exists()


def test_a_concern_must_say_what_was_seen(world, homes):
    with pytest.raises(ValidationError) as refused:
        actions.do_record_visit(
            actor=world.actor(),
            household=homes["a"],
            values=visit_values(checks={"illness": {"concern": True, "note": ""}}),
        )
    assert "疾病" in str(refused.value)


def test_a_risk_found_by_the_village_cadre_opens_the_monitoring_procedure(world, homes):
    visit, created = actions.do_record_visit(
        actor=world.actor(),
        household=homes["a"],
        values=visit_values(
            checks={"illness": {"concern": True, "note": "户主住院，自付三万元"}},
            risk_types=["illness"],
        ),
    )
    assert created and visit.signal == SignalStatus.CASE_OPENED
    case = Case.objects.get(household=homes["a"])
    assert case.case_type == CaseType.MONITORING and case.channel == Channel.CADRE_VISIT
    assert case.first_signal_on == DAY and visit.case == case


def test_a_risk_found_by_a_township_reviewer_waits_for_the_village_cadre(world, homes):
    visit, _ = actions.do_record_visit(
        actor=world.actor(world.reviewer),
        household=homes["a"],
        values=visit_values(
            checks={"work": {"concern": True, "note": "务工返乡，无收入"}},
            risk_types=["unstable_employment"],
        ),
    )
    assert visit.signal == SignalStatus.PENDING and not Case.objects.exists()
    visit = actions.do_open_case_from_visit(actor=world.actor(), visit=visit)
    assert visit.signal == SignalStatus.CASE_OPENED
    assert Case.objects.get().first_signal_on == DAY


def test_a_second_signal_is_noted_against_the_case_under_way(world, homes):
    values = visit_values(
        checks={"illness": {"concern": True, "note": "住院"}}, risk_types=["illness"]
    )
    first, _ = actions.do_record_visit(actor=world.actor(), household=homes["a"], values=values)
    second, _ = actions.do_record_visit(
        actor=world.actor(), household=homes["a"], values={**values, "note": "复访"}
    )
    assert second.signal == SignalStatus.IN_PROCEDURE and second.case == first.case
    assert Case.objects.count() == 1


def test_an_offline_visit_sent_twice_is_stored_once(world, homes):
    values = visit_values(client_id="phone-1-abc")
    first, created = actions.do_record_visit(
        actor=world.actor(), household=homes["a"], values=values
    )
    again, created_again = actions.do_record_visit(
        actor=world.actor(), household=homes["a"], values=values
    )
    assert created and not created_again and again.pk == first.pk
    assert Visit.objects.count() == 1


def test_an_offline_visit_with_the_same_id_and_other_content_is_a_conflict(world, homes):
    actions.do_record_visit(
        actor=world.actor(), household=homes["a"], values=visit_values(client_id="phone-1-abc")
    )
    with pytest.raises(ValidationError) as refused:
        actions.do_record_visit(
            actor=world.actor(),
            household=homes["a"],
            values=visit_values(client_id="phone-1-abc", note="另一次"),
        )
    assert "内容不同" in str(refused.value) and "不会被覆盖" in str(refused.value)
    assert Visit.objects.get().note == ""


def test_photos_are_kept_and_other_files_refused(world, homes):
    photo = SimpleUploadedFile("house.jpg", b"\xff\xd8\xff" + b"0" * 100, "image/jpeg")
    visit, _ = actions.do_record_visit(
        actor=world.actor(), household=homes["a"], values=visit_values(), photos=[photo]
    )
    assert visit.photos.get().original_name == "house.jpg"
    with pytest.raises(ValidationError) as refused:
        actions.do_record_visit(
            actor=world.actor(),
            household=homes["a"],
            values=visit_values(),
            photos=[SimpleUploadedFile("run.exe", b"MZ", "application/octet-stream")],
        )
    assert "不是照片" in str(refused.value)
    assert Visit.objects.count() == 1


def test_a_visit_outside_the_cadres_village_is_not_found(world, homes):
    with pytest.raises(NotFound):
        actions.do_record_visit(actor=world.actor(), household=homes["far"], values=visit_values())


# --- the yearly plan -----------------------------------------------------------------------------


def test_plan_items_write_the_registrys_measures_of_the_year(world, homes):
    actor = world.actor()
    actions.do_add_plan_item(
        actor=actor,
        household=homes["a"],
        year=2026,
        values={"family": "finance_aid", "name": "小额信贷", "amount": "50000"},
    )
    actions.do_add_plan_item(
        actor=actor,
        household=homes["a"],
        year=2026,
        values={"family": "产业帮扶", "name": "养殖补贴", "amount": "3000"},
    )
    measures = Measures.objects.get(household=homes["a"], year=2026)
    assert (measures.finance_aid, measures.industry_aid) == ("小额信贷", "养殖补贴")
    item = PlanItem.objects.get(name="小额信贷")
    assert item.amount == Decimal("50000.00")
    actions.do_remove_plan_item(actor=actor, item=item, reason="录错")
    measures.refresh_from_db()
    assert measures.finance_aid == "" and measures.industry_aid == "养殖补贴"


def test_plan_items_keep_what_the_national_export_entered(world, homes):
    from jingzhun.registry.actions import do_set_measures

    do_set_measures(
        homes["b"], actor=world.actor(), year=2026, values={"employment_aid": "公益岗位"}
    )
    actions.do_add_plan_item(
        actor=world.actor(),
        household=homes["b"],
        year=2026,
        values={"family": "employment_aid", "name": "劳务输出补贴"},
    )
    assert Measures.objects.get(household=homes["b"], year=2026).employment_aid == (
        "公益岗位、劳务输出补贴"
    )


def test_a_bad_plan_item_names_the_field_and_changes_nothing(world, homes):
    with pytest.raises(ValidationError) as refused:
        actions.do_add_plan_item(
            actor=world.actor(),
            household=homes["a"],
            year=2026,
            values={"family": "住房", "name": "危房改造", "amount": "1e30"},
        )
    errors = refused.value.message_dict
    assert "family" in errors and "amount" in errors
    assert not PlanItem.objects.exists() and not Measures.objects.exists()


def test_factories_build_households_for_these_tests(world):
    # Guard: the fixtures above rely on the factory's default 脱贫户.
    h = factories.make_household(world.actor(), world.village, number="140922100001009")
    assert h.household_type == "exited"


def test_a_plan_item_counts_as_the_years_measure_for_risk_elimination(world):
    from jingzhun.policy.criteria import ELIMINATION
    from jingzhun.policy.decisions import evaluate_household
    from tests.cases.helpers import monitored

    household = monitored(world)

    def measure() -> str:
        result = evaluate_household(household, 2026, world.cadre).decision(ELIMINATION)
        return next(r.status for r in result.criteria if r.code == "R-MEASURE")

    assert measure() == "unknown"  # no measures recorded for 2026
    actions.do_add_plan_item(
        actor=world.actor(),
        household=household,
        year=2026,
        values={"family": "public_job_aid", "name": "护林员", "amount": "6000"},
    )
    assert measure() == "pass"


def test_a_follow_up_is_closed_once_with_who_and_when(world, homes):
    visit, _ = actions.do_record_visit(
        actor=world.actor(),
        household=homes["a"],
        values=visit_values(follow_ups="联系住建局鉴定\n下月复访"),
    )
    visit = actions.do_complete_follow_up(
        actor=world.actor(), visit=visit, index=0, note="已鉴定为C级"
    )
    done = visit.follow_ups[0]
    assert done["done"] and done["done_on"] == "2026-12-01" and done["done_note"] == "已鉴定为C级"
    assert not Visit.objects.get().follow_ups[1]["done"]
    with pytest.raises(ValidationError):
        actions.do_complete_follow_up(actor=world.actor(), visit=visit, index=0)
    with pytest.raises(ValidationError):
        actions.do_complete_follow_up(actor=world.actor(), visit=visit, index=5)


def test_chinese_labels_are_read_whatever_the_interface_language(world, homes):
    from django.utils import translation

    with translation.override("en"):
        item = actions.do_add_plan_item(
            actor=world.actor(),
            household=homes["a"],
            year=2026,
            values={"family": "产业帮扶", "name": "养殖补贴"},
        )
        post = actions.do_appoint_team_member(
            actor=world.actor(world.reviewer),
            village=world.village,
            values=post_values(role="第一书记"),
        )
    assert item.family == "industry_aid" and post.role == "first_secretary"


def test_a_plan_item_names_the_project_its_money_comes_from(world, homes):
    from tests.projects import helpers as project_helpers

    project = project_helpers.new_project(world)  # serves 东冶村, central and county funds
    item = actions.do_add_plan_item(
        actor=world.actor(),
        household=homes["a"],
        year=2026,
        values={"family": "industry_aid", "name": "光伏收益分红", "project": project.number},
    )
    assert item.project == project and "中央财政衔接资金" in item.fund_source
    with pytest.raises(ValidationError) as refused:
        actions.do_add_plan_item(
            actor=world.actor(world.approver),
            household=homes["far"],  # 南村 is not served by the project
            year=2026,
            values={"family": "industry_aid", "name": "光伏收益分红", "project": project.number},
        )
    assert "project" in refused.value.message_dict
