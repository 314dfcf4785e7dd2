"""The relocation actions: each rule, each refusal (nothing changed), each persona."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from jingzhun.audit.models import AuditEntry
from jingzhun.core.actions import Actor, ConcurrentEditError, NotFound, PermissionDenied
from jingzhun.registry import actions as registry_actions
from jingzhun.registry.models import Conditions
from jingzhun.relocation import actions, queries
from jingzhun.relocation.models import FollowUpMeasure, MemberJob, Relocation, ResettlementSite
from tests import factories
from tests.relocation.conftest import head, site_values, son, spouse

pytestmark = pytest.mark.django_db


def snapshot() -> tuple[int, ...]:
    return (
        ResettlementSite.objects.count(),
        Relocation.objects.count(),
        MemberJob.objects.count(),
        FollowUpMeasure.objects.count(),
        AuditEntry.objects.count(),
        sum(Conditions.objects.values_list("version", flat=True)),
    )


def refused(call, field: str, words: str) -> None:
    before = snapshot()
    with pytest.raises(ValidationError) as caught:
        call()
    messages = caught.value.message_dict
    assert field in messages, messages
    assert any(words in m for m in messages[field]), messages[field]
    assert snapshot() == before


def relocate(world, household, **overrides):
    values = {
        "actor": world.actor(world.cadre),
        "household": household,
        "moved_on": dt.date(2018, 5, 1),
        "mode": "dispersed",
        "housing_area_m2": "80",
    } | overrides
    return actions.do_record_relocation(**values)


# --- sites ---------------------------------------------------------------------------------------


def test_a_township_reviewer_creates_a_site_with_its_services_in_order(world):
    site = actions.do_create_site(
        actor=world.actor(world.reviewer), area=world.township, **site_values()
    )
    assert site.services == ["school", "clinic", "workshop"]
    assert site.area_code == world.township.code
    entry = AuditEntry.objects.get(action="create_resettlement_site")
    assert entry.area_code == world.township.code


@pytest.mark.parametrize("persona", ["cadre", "analyst", "inspector", "city_viewer"])
def test_roles_that_do_not_manage_sites_are_refused(world, persona):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        actions.do_create_site(
            actor=world.actor(getattr(world, persona)), area=world.village, **site_values()
        )
    assert snapshot() == before


@pytest.mark.parametrize("persona", ["other_reviewer", "outsider"])
def test_a_site_outside_the_actors_area_is_not_found(world, persona):
    with pytest.raises(NotFound):
        actions.do_create_site(
            actor=world.actor(getattr(world, persona)), area=world.township, **site_values()
        )


def test_a_site_built_in_the_future_or_without_a_unit_is_refused(world):
    approver = world.actor(world.approver)
    refused(
        lambda: actions.do_create_site(
            actor=approver, area=world.township, **site_values(built_year=2026)
        ),
        "built_year",
        "不能晚于今年",
    )
    refused(
        lambda: actions.do_create_site(
            actor=approver, area=world.township, **site_values(managing_unit=" ")
        ),
        "managing_unit",
        "管理单位",
    )
    refused(
        lambda: actions.do_create_site(
            actor=approver, area=world.township, **site_values(services=["游泳池"])
        ),
        "services",
        "不是有效的配套设施",
    )


def test_a_sites_capacity_cannot_drop_below_who_lives_there(world, county):
    site = county.site
    refused(
        lambda: actions.do_update_site(
            site,
            actor=world.actor(world.approver),
            expected_version=site.version,
            capacity_households=1,
        ),
        "capacity_households",
        "已安置2户",
    )


def test_renaming_a_site_renames_it_in_the_registry_of_its_households(world, county):
    registry_actions.do_set_conditions(
        county.a, actor=world.actor(world.cadre), year=2024, values={}
    )
    actions.do_sync_registry(county.ra, actor=world.actor(world.cadre))
    site = county.site
    actions.do_update_site(
        site, actor=world.actor(world.approver), expected_version=site.version, name="东冶新区"
    )
    assert Conditions.objects.get(household=county.a, year=2024).resettlement_site == "东冶新区"
    with pytest.raises(ConcurrentEditError):
        actions.do_update_site(
            site, actor=world.actor(world.approver), expected_version=1, name="旧名"
        )


# --- relocation records --------------------------------------------------------------------------


def test_recording_a_move_writes_the_registry_years_from_the_move_on(world, site):
    cadre = world.actor(world.cadre)
    household = factories.make_household(cadre, world.village, number="140922100001201")
    for year in (2017, 2018, 2024):
        registry_actions.do_set_conditions(household, actor=cadre, year=year, values={})
    relocation = actions.do_record_relocation(
        actor=cadre,
        household=household,
        moved_on="2018-05-01",
        mode="集中安置",
        site="东冶移民新村",
        housing_area_m2="75.5",
        whole_village="是",
    )
    assert relocation.site == site
    assert relocation.resettlement_type == "town"  # the site's
    assert relocation.people == 3  # the household's size when none is given
    assert relocation.housing_area_m2 == Decimal("75.50")
    assert relocation.origin_village == world.village
    rows = {c.year: c for c in Conditions.objects.filter(household=household)}
    assert not rows[2017].is_relocated
    for year in (2018, 2024):
        assert rows[year].is_relocated
        assert rows[year].relocation_mode == "centralised"
        assert rows[year].resettlement_type == "town"
        assert rows[year].resettlement_site == "东冶移民新村"
    assert (
        AuditEntry.objects.filter(action="set_conditions", reason=actions.SYNC_REASON).count() == 2
    )
    assert queries.disagreements(relocation, list(rows.values())) == []


def test_a_move_dated_in_the_future_is_refused(world, household):
    refused(
        lambda: relocate(world, household, moved_on=dt.date(2025, 7, 1)),
        "moved_on",
        "晚于今天",
    )


def test_a_site_over_capacity_is_refused_with_its_figures(world, county):
    cadre = world.actor(world.cadre)
    full = factories.make_household(cadre, world.village, number="140922100001103")
    relocate(world, full, mode="centralised", site=county.site)  # the third of three households
    fourth = factories.make_household(cadre, world.village, number="140922100001104")
    refused(
        lambda: relocate(world, fourth, mode="centralised", site=county.site),
        "site",
        "设计安置3户，已安置3户，已满",
    )


def test_a_site_with_too_few_places_for_the_people_is_refused(world, county):
    site = county.site
    actions.do_update_site(
        site, actor=world.actor(world.approver), expected_version=site.version, capacity_people=8
    )
    third = factories.make_household(world.actor(), world.village, number="140922100001103")
    refused(
        lambda: relocate(world, third, mode="centralised", site=county.site),
        "site",
        "设计安置8人，已安置6人，再安置本户3人将超出",
    )


@pytest.mark.parametrize("persona", ["sibling_cadre", "other_reviewer", "outsider"])
def test_a_household_outside_the_actors_area_is_not_found(world, household, persona):
    before = snapshot()
    with pytest.raises(NotFound):
        relocate(world, household, actor=world.actor(getattr(world, persona)))
    assert snapshot() == before


@pytest.mark.parametrize("persona", ["analyst", "inspector", "city_viewer", "province_viewer"])
def test_read_only_roles_may_not_record_a_move(world, household, persona):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        relocate(world, household, actor=world.actor(getattr(world, persona)))
    assert snapshot() == before


@pytest.mark.parametrize("persona", ["cadre", "reviewer", "approver", "admin"])
def test_the_registry_writers_record_a_move(world, household, persona):
    relocation = relocate(world, household, actor=world.actor(getattr(world, persona)))
    assert relocation.pk


def test_the_mode_and_the_site_must_agree(world, site, household):
    refused(lambda: relocate(world, household, mode="centralised"), "site", "须选择安置点")
    refused(lambda: relocate(world, household, site=site), "site", "分散安置没有集中安置点")
    refused(lambda: relocate(world, household, mode="搬走了"), "mode", "不是有效的搬迁方式")


def test_a_site_of_another_county_is_refused(world, household):
    other = actions.do_create_site(
        actor=Actor(user=None, source="system"),
        area=world.other_county,
        **site_values(name="外县安置点"),
    )
    refused(
        lambda: relocate(world, household, mode="centralised", site=other), "site", "本县没有安置点"
    )


def test_moving_in_before_the_site_was_built_is_refused(world, site, household):
    refused(
        lambda: relocate(world, household, mode="centralised", site=site, moved_on="2016-10-01"),
        "moved_on",
        "2017年建成",
    )


def test_demolition_needs_its_date_after_the_move(world, household):
    refused(
        lambda: relocate(world, household, old_house_demolished=True),
        "demolished_on",
        "请填写拆旧复垦日期",
    )
    refused(
        lambda: relocate(world, household, old_house_demolished=True, demolished_on="2018-01-01"),
        "demolished_on",
        "不能早于搬迁入住日期",
    )
    refused(
        lambda: relocate(world, household, demolished_on="2019-01-01"),
        "demolished_on",
        "未拆旧复垦时不应填写日期",
    )
    refused(lambda: relocate(world, household, moved_on="2018/13/01"), "moved_on", "不是日期")


def test_a_household_has_one_record_and_changes_need_the_version_seen(world, county):
    refused(
        lambda: relocate(world, county.c, actor=world.actor(world.reviewer)),
        "household",
        "已有搬迁记录",
    )
    rc = county.rc
    changed = actions.do_update_relocation(
        rc,
        actor=world.actor(world.reviewer),
        expected_version=rc.version,
        old_house_demolished=True,
        demolished_on="2020-04-01",
    )
    assert changed.version == 2 and changed.demolished_on == dt.date(2020, 4, 1)
    with pytest.raises(ConcurrentEditError):
        actions.do_update_relocation(
            rc, actor=world.actor(world.reviewer), expected_version=1, note="再改"
        )


def test_a_registry_year_entered_later_shows_as_a_disagreement_until_synced(world, county):
    cadre = world.actor(world.cadre)
    registry_actions.do_set_conditions(county.a, actor=cadre, year=2025, values={})
    conditions = list(Conditions.objects.filter(household=county.a))
    assert queries.disagreements(county.ra, conditions) == [2025]
    mismatches = queries.registry_mismatches(world.approver)
    assert mismatches["out_of_line"] == [
        {"household_id": county.a.pk, "number": county.a.number, "years": [2025]}
    ]
    assert actions.do_sync_registry(county.ra, actor=cadre) == 1
    assert queries.registry_mismatches(world.approver)["out_of_line_count"] == 0


def test_a_registry_relocation_without_a_record_is_listed(world, household):
    registry_actions.do_set_conditions(
        household,
        actor=world.actor(),
        year=2024,
        values={"is_relocated": True, "relocation_mode": "dispersed"},
    )
    mismatches = queries.registry_mismatches(world.reviewer)
    assert [h["number"] for h in mismatches["unrecorded"]] == [household.number]
    assert queries.registry_mismatches(world.outsider)["unrecorded_count"] == 0


# --- jobs ----------------------------------------------------------------------------------------


def test_a_job_for_a_member_of_another_household_is_refused(world, county):
    refused(
        lambda: actions.do_set_member_job(
            county.ra,
            actor=world.actor(world.cadre),
            member=head(county.b),
            employed=True,
            place="local",
            channel="self_found",
            since="2019-01-01",
        ),
        "member",
        "不是户140922100001101的在册家庭成员",
    )


def test_a_child_cannot_be_recorded_as_employed(world, county):
    refused(
        lambda: actions.do_set_member_job(
            county.ra,
            actor=world.actor(world.cadre),
            member=son(county.a),
            employed=True,
            place="local",
            channel="self_found",
            since="2024-01-01",
        ),
        "member",
        "未满16周岁",
    )


def test_an_employed_member_needs_place_channel_and_a_past_start(world, county):
    call = lambda **kw: actions.do_set_member_job(  # noqa: E731
        county.rb, actor=world.actor(world.cadre), member=head(county.b), employed=True, **kw
    )
    refused(lambda: call(channel="workshop", since="2019-01-01"), "place", "请选择就业地点")
    refused(lambda: call(place="local", since="2019-01-01"), "channel", "请选择就业渠道")
    refused(
        lambda: call(place="local", channel="workshop", since="2025-07-01"),
        "since",
        "不能晚于今天",
    )


def test_a_job_is_changed_in_place_with_its_version_and_cleared_when_work_stops(world, county):
    job = MemberJob.objects.get(member=head(county.a))
    refused(
        lambda: actions.do_set_member_job(
            county.ra, actor=world.actor(world.cadre), member=head(county.a), employed=False
        ),
        "member",
        "已录入",
    )
    stopped = actions.do_set_member_job(
        county.ra,
        actor=world.actor(world.cadre),
        member=head(county.a),
        employed="否",
        expected_version=job.version,
    )
    assert (stopped.employed, stopped.place, stopped.channel, stopped.since) == (
        False,
        "",
        "",
        None,
    )
    entry = AuditEntry.objects.filter(action="update_member_job").get()
    assert entry.changes["place"] == ["site_workshop", ""]


def test_an_inspector_may_not_record_a_job(world, county):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        actions.do_set_member_job(
            county.rb, actor=world.actor(world.inspector), member=head(county.b), employed=False
        )
    assert snapshot() == before


# --- follow-up support ---------------------------------------------------------------------------


def test_a_measures_aim_follows_from_its_kind(world, county):
    measure = actions.do_add_followup_measure(
        county.rb, actor=world.actor(world.cadre), kind="技能培训", on="2019-04-01", amount="800"
    )
    assert (measure.aim, measure.amount) == ("employ", Decimal("800.00"))
    other = actions.do_add_followup_measure(
        county.rb,
        actor=world.actor(world.cadre),
        kind="other",
        aim="integrate",
        on="2019-05-01",
        note="社区文艺活动",
    )
    assert other.aim == "integrate"


def test_a_measure_in_the_future_before_the_move_or_unexplained_is_refused(world, county):
    add = lambda **kw: actions.do_add_followup_measure(  # noqa: E731
        county.rb, actor=world.actor(world.cadre), **kw
    )
    refused(lambda: add(kind="fee_relief", on="2025-07-01"), "on", "不能晚于今天")
    refused(lambda: add(kind="fee_relief", on="2017-07-01"), "on", "之后")
    refused(lambda: add(kind="other", aim="stay", on="2020-07-01"), "note", "请说明具体内容")
    refused(lambda: add(kind="other", on="2020-07-01", note="x"), "aim", "请选择扶持目标")
    refused(lambda: add(kind="fee_relief", on="2020-07-01", amount="-5"), "amount", "负数")


def test_the_spouse_without_work_is_recorded_as_such(world, county):
    job = MemberJob.objects.get(member=spouse(county.a))
    assert job.employed is False and job.place == ""


def test_value_list_labels_are_read_in_chinese_whatever_the_interface_language(world):
    from django.utils import translation

    from tests.relocation.conftest import site_values

    with translation.override("en"):  # a request in English left the thread in English
        site = actions.do_create_site(
            actor=world.actor(world.approver), area=world.township, **site_values()
        )
    assert site.services  # 学校, 卫生室 … read as their codes
