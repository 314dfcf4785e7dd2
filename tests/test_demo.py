"""The demo dataset: deterministic, replaceable, valid under the entry rules, flawed on purpose.

Loads are small (a few hundred households, two thousand where rare planted errors must show up)
so that the whole file runs in seconds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.utils import timezone

from jingzhun.accounts.models import User
from jingzhun.accounts.roles import ROLE_LEVELS, Role
from jingzhun.areas.models import Area, Level
from jingzhun.audit.models import AuditEntry
from jingzhun.core.idnumber import parse_id_number
from jingzhun.core.names import normalize_name
from jingzhun.demo import generator, synth
from jingzhun.demo.generator import (
    DEMO_PASSWORD,
    PLANTED_ERRORS,
    DemoError,
    database_is_empty,
    demo_logins,
    load_demo,
)
from jingzhun.demo.synth import INCOME_YEARS, REFERENCE_DATE
from jingzhun.registry import choices as c
from jingzhun.registry import validation
from jingzhun.registry.actions import HOUSEHOLD_FIELDS, MEMBER_FIELDS
from jingzhun.registry.income import INPUT_FIELDS, derive
from jingzhun.registry.models import Conditions, Household, Income, Member, RiskFactor

pytestmark = pytest.mark.django_db


def _digest() -> str:
    """A hash of every generated fact, leaving out surrogate keys and write timestamps."""
    h = hashlib.sha256()
    households = Household.objects.order_by("number")
    skip = {"id", "village", "group", "created_at", "updated_at", "created_by", "updated_by"}
    fields = [f.attname for f in Household._meta.concrete_fields if f.name not in skip]
    for row in households.values_list("group__code", *fields):
        h.update(repr(row).encode())
    for model, order in (
        (Member, ("household__number", "id_number")),
        (Income, ("household__number", "year")),
        (Conditions, ("household__number", "year")),
        (RiskFactor, ("household__number", "position")),
    ):
        names = [
            f.attname
            for f in model._meta.concrete_fields
            if f.name not in {"id", "household", "created_at", "updated_at"}
        ]
        for row in model.objects.order_by(*order).values_list("household__number", *names):
            h.update(repr(row).encode())
    for row in (
        Area.objects.filter(code__startswith="1409", level__gte=Level.VILLAGE)
        .order_by("code")
        .values_list("code", "name")
    ):
        h.update(repr(row).encode())
    return h.hexdigest()


def _demo_villages() -> list[str]:
    return [
        code
        for code in Area.objects.filter(level=Level.VILLAGE, code__startswith="1409").values_list(
            "code", flat=True
        )
        if int(code[9:]) >= generator.FIRST_VILLAGE_SEQUENCE
    ]


def test_the_same_seed_gives_identical_data_and_another_seed_does_not():
    load_demo(households=150, seed=7)
    first = _digest()
    load_demo(households=150, seed=7)
    assert _digest() == first
    load_demo(households=150, seed=8)
    assert _digest() != first


def test_the_data_does_not_depend_on_the_day_it_is_generated(monkeypatch):
    load_demo(households=120, seed=7)
    today = _digest()
    later = dt.datetime(2031, 7, 1, 9, 30, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: later)
    load_demo(households=120, seed=7)
    assert _digest() == today


def test_generating_in_a_second_process_gives_the_same_data(monkeypatch):
    monkeypatch.setattr(generator, "CHUNK_HOUSEHOLDS", 40)
    monkeypatch.setattr(generator, "PIPELINE_MIN_HOUSEHOLDS", 10**9)
    serial = load_demo(households=200, seed=12)
    expected = _digest()
    monkeypatch.setattr(generator, "PIPELINE_MIN_HOUSEHOLDS", 1)
    forked = load_demo(households=200, seed=12)
    assert _digest() == expected
    assert (forked.rows, forked.planted) == (serial.rows, serial.planted)


def test_reloading_replaces_the_demo_instead_of_adding_to_it():
    first = load_demo(households=200, seed=1)
    second = load_demo(households=200, seed=1)
    assert Household.objects.count() == 200
    assert Member.objects.count() == second.rows["members"] == first.rows["members"]
    assert Income.objects.count() == 200 * len(INCOME_YEARS)
    assert len(_demo_villages()) == second.villages
    assert second.removed["registry.Household"] == 200
    assert User.objects.filter(username__in=generator.DEMO_USERNAMES).count() == 8
    numbers = list(Household.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers))


def test_villages_created_by_users_and_real_accounts_survive_a_reload(world):
    # world made villages 14092210000x through do_create_area, numbered from 001.
    real_admin = world.admin  # a real account named "admin", without the demo mark
    result = load_demo(households=200, seed=3)
    load_demo(households=200, seed=3)
    assert Area.objects.filter(pk=world.village.pk).exists()
    assert result.skipped_users == ["admin"]
    real_admin.refresh_from_db()
    assert real_admin.role == Role.ADMIN and real_admin.area == world.county
    assert "admin" not in [name for name, _, _ in demo_logins()]


def test_an_account_bound_to_a_demo_village_blocks_the_reload():
    load_demo(households=100, seed=1)
    village = Area.objects.get(code=_demo_villages()[0])
    User.objects.create(username="zhang", role=Role.VILLAGE_CADRE, area=village)
    with pytest.raises(DemoError, match="zhang"):
        load_demo(households=100, seed=2)
    assert Household.objects.count() == 100


def test_every_generated_row_passes_the_registry_entry_rules():
    load_demo(households=400, seed=11)
    risks: dict[int, list[tuple[str, str]]] = {}
    for household_id, kind, remark in RiskFactor.objects.order_by(
        "household", "position"
    ).values_list("household_id", "kind", "remark"):
        risks.setdefault(household_id, []).append((kind, remark))
    for household in Household.objects.all():
        data = {name: getattr(household, name) for name in HOUSEHOLD_FIELDS}
        assert validation.check_household(data, risks.get(household.pk, [])) == {}, household
    for member in Member.objects.all():
        errors, clean = validation.check_member({k: getattr(member, k) for k in MEMBER_FIELDS})
        assert errors == {}, member
        assert clean["id_number"] == member.id_number
    for income in Income.objects.all():
        values = {name: getattr(income, name) for name in INPUT_FIELDS}
        errors, _ = validation.check_income(income.year, income.household_size, values)
        assert errors == {}
        derived = derive(values, income.household_size)
        assert (income.transfer, income.net_income, income.per_capita_net) == (
            derived["transfer"],
            derived["net_income"],
            derived["per_capita_net"],
        )
    for conditions in Conditions.objects.all():
        # The rule do_set_conditions applies: 危房 exactly when the grade is C or D.
        assert conditions.is_dangerous_house == (conditions.housing_grade in {"C", "D"})


def test_about_five_percent_of_households_are_monitored_with_their_procedure_dates():
    load_demo(households=400, seed=5)
    monitored = Household.objects.filter(household_type=c.HouseholdType.MONITORED)
    assert 0.025 <= monitored.count() / 400 <= 0.085
    for household in monitored.prefetch_related("risks"):
        assert household.monitoring_category
        assert dt.date(2021, 1, 1) <= household.monitoring_identified_on <= REFERENCE_DATE
        assert 1 <= household.risks.count() <= 3
        if household.risk_eliminated:
            assert household.risk_eliminated_on > household.monitoring_identified_on
            assert household.elimination_method
    assert not RiskFactor.objects.filter(kind=c.RiskType.OTHER, remark="").exists()
    exited = Household.objects.filter(household_type=c.HouseholdType.EXITED)
    assert exited.count() > 400 / 2
    assert not exited.filter(identified_on__year__gt=2014).exists()
    assert set(exited.values_list("exit_year", flat=True)) <= set(range(2016, 2021))
    assert Household.objects.filter(household_type=c.HouseholdType.ORDINARY).exists()


def test_poverty_causes_follow_the_national_shares_roughly():
    load_demo(households=1000, seed=5)
    causes = Counter(Household.objects.exclude(main_cause="").values_list("main_cause", flat=True))
    total = sum(causes.values())
    assert 0.35 <= causes["illness"] / total <= 0.50
    assert 0.08 <= causes["disability"] / total <= 0.20
    assert 0.05 <= causes["schooling"] / total <= 0.15


def test_every_member_has_a_valid_id_matching_birth_date_sex_and_county():
    load_demo(households=300, seed=2)
    for member in Member.objects.select_related("household"):
        parsed = parse_id_number(member.id_number)
        assert parsed.birth_date == member.birth_date
        assert parsed.sex == member.sex
        assert member.id_number[:6] == member.household.village_code[:6]
        assert member.name_norm == normalize_name(member.name)
        expected_sex = c.RELATION_SEX.get(member.relation)
        assert expected_sex is None or expected_sex == member.sex
    ids = list(Member.objects.values_list("id_number", flat=True))
    assert len(ids) == len(set(ids))


def test_every_household_has_one_head_and_a_matching_summary():
    load_demo(households=300, seed=4)
    heads = Counter(
        Member.objects.filter(relation=c.Relation.HEAD).values_list("household_id", flat=True)
    )
    sizes = Counter(Member.objects.values_list("household_id", flat=True))
    for household in Household.objects.all():
        assert heads[household.pk] == 1
        assert household.member_count == sizes[household.pk]
        assert 1 <= household.member_count <= 7
        head = household.members.get(relation=c.Relation.HEAD)
        assert household.head_name == head.name
        assert household.head_name_norm == normalize_name(head.name)
        assert household.number.startswith(household.village_code)
        assert len(household.number) == 16
        if household.group_id:
            assert household.group.parent_id == household.village_id
    assert 2.6 <= sum(sizes.values()) / 300 <= 3.6


def test_incomes_cover_2014_to_2025_once_per_household():
    load_demo(households=200, seed=6)
    years = Counter(Income.objects.values_list("household_id", "year"))
    assert set(years.values()) == {1}
    per_household = Counter(household_id for household_id, _ in years)
    assert set(per_household.values()) == {len(INCOME_YEARS)}
    assert set(Income.objects.values_list("year", flat=True)) == set(range(2014, 2026))
    assert not Income.objects.filter(household_size__lt=1).exists()


def test_school_age_children_are_at_school_unless_a_dropout_reason_says_why():
    load_demo(households=1000, seed=9)
    for member in Member.objects.all():
        age = member.age_on(REFERENCE_DATE)
        if 6 <= age <= 14 and member.student_status not in c.COMPULSORY_STATUSES:
            assert member.dropout_reason, member
        if member.dropout_reason:
            assert member.student_status == c.StudentStatus.NOT_STUDENT
    assert Member.objects.exclude(dropout_reason="").exists()
    assert Member.objects.filter(
        resident_medical_insurance=False, employee_medical_insurance=False
    ).exists()
    assert Conditions.objects.filter(year=2025, is_dangerous_house=True).exists()
    assert Conditions.objects.filter(safe_drinking_water=False).exists()


def _found_quality_errors() -> dict[str, int]:
    """Each planted error, found the way a quality rule would look for it."""
    ref = REFERENCE_DATE
    members = list(Member.objects.select_related("household"))
    risk_kinds: dict[int, set[str]] = {}
    for household_id, kind in RiskFactor.objects.values_list("household_id", "kind"):
        risk_kinds.setdefault(household_id, set()).add(kind)
    health: dict[int, set[str]] = {}
    for m in members:
        health.setdefault(m.household_id, set()).add(m.health)
    latest = dict(Income.objects.filter(year=2025).values_list("household_id", "per_capita_net"))
    unsafe_2025 = set(
        Conditions.objects.filter(year=2025, is_dangerous_house=True).values_list(
            "household_id", flat=True
        )
    )
    eliminated = list(Household.objects.filter(risk_eliminated=True))
    upper_school = {"senior_1", "senior_2", "senior_3"} | {
        "secondary_vocational",
        "higher_vocational",
        "undergraduate",
    }
    ceiling = synth.LOW_INCOME_CEILING
    return {
        "child_has_labour": sum(
            m.age_on(ref) < 16 and m.labour_skill != c.LabourSkill.NONE for m in members
        ),
        "student_has_labour": sum(
            m.age_on(ref) >= 16
            and m.student_status != c.StudentStatus.NOT_STUDENT
            and m.labour_skill != c.LabourSkill.NONE
            for m in members
        ),
        "weak_but_healthy": sum(
            16 <= m.age_on(ref) <= 59
            and m.labour_skill == c.LabourSkill.WEAK
            and m.health == c.Health.HEALTHY
            for m in members
        ),
        "illness_risk_no_ill_member": sum(
            "illness" in kinds and not health[h] & {c.Health.CHRONIC, c.Health.SERIOUS}
            for h, kinds in risk_kinds.items()
        ),
        "disability_risk_no_disabled_member": sum(
            "disability" in kinds and c.Health.DISABLED not in health[h]
            for h, kinds in risk_kinds.items()
        ),
        "exited_member_uninsured": sum(
            m.household.exit_year is not None
            and not (m.resident_medical_insurance or m.employee_medical_insurance)
            for m in members
        ),
        "early_elimination": sum(
            (h.risk_eliminated_on - h.monitoring_identified_on).days < 183 for h in eliminated
        ),
        "eliminated_low_income": sum(latest[h.pk] < ceiling for h in eliminated),
        "eliminated_unsafe_house": sum(h.pk in unsafe_2025 for h in eliminated),
        "exited_low_income_unmonitored": sum(
            latest[h.pk] < ceiling
            for h in Household.objects.filter(household_type=c.HouseholdType.EXITED)
        ),
        "education_contradicts_school": sum(
            m.student_status in upper_school and m.education == c.Education.PRIMARY for m in members
        ),
    }


def test_the_planted_quality_errors_are_there_and_nothing_else_of_their_kind():
    result = load_demo(households=2000, seed=9)
    found = _found_quality_errors()
    assert set(found) == set(PLANTED_ERRORS)
    # Every planted error is found, and the rules find no unplanted ones.
    assert found == {code: result.planted.get(code, 0) for code in PLANTED_ERRORS}
    assert all(count > 0 for count in found.values()), found
    # "A few percent": enough to find, not enough to drown the real data.
    assert 0.01 <= sum(found.values()) / result.households <= 0.10


def test_demo_accounts_exist_for_every_role_and_can_sign_in():
    load_demo(households=100, seed=1)
    logins = demo_logins()
    assert [role for _, role, _ in logins] == [str(role.label) for role in Role]
    for username, _, area_name in logins:
        user = User.objects.get(username=username)
        assert user.area.level in ROLE_LEVELS[user.role]
        assert user.area.name == area_name
        client = Client()
        request = RequestFactory().post("/")
        assert client.login(request=request, username=username, password=DEMO_PASSWORD)
    cadre = User.objects.get(username="cun")
    assert Household.objects.filter(village=cadre.area).exists()
    assert cadre.area.code.startswith(generator.HOME_COUNTY_CODE)


def test_a_load_leaves_one_audit_entry_naming_the_demo_as_source():
    load_demo(households=120, seed=1)
    entries = AuditEntry.objects.filter(source="demo", action="load_demo")
    assert entries.count() == 1
    entry = entries.get()
    assert (entry.area_code, entry.object_type) == ("140900", "area")
    assert entry.changes["households"] == [0, 120]
    assert entry.changes["members"][1] == Member.objects.count()
    load_demo(households=130, seed=1)
    assert entries.count() == 2
    assert entries.order_by("-id").first().changes["households"] == [120, 130]


def test_database_is_empty_until_the_demo_is_loaded():
    assert database_is_empty()
    load_demo(households=50, seed=1)
    assert not database_is_empty()


def test_the_commands_load_areas_and_print_the_logins():
    out = io.StringIO()
    call_command("load_areas", province=["14"], stdout=out)
    assert "新增0条" in out.getvalue()
    out = io.StringIO()
    call_command("demo", households=60, seed=1, stdout=out)
    text = out.getvalue()
    assert "60户" in text
    assert DEMO_PASSWORD in text
    assert "cun" in text and "村干部" in text
    assert Household.objects.count() == 60


def test_the_demo_has_department_alerts_from_dirty_records_and_no_namesake_link():
    from jingzhun.crosscheck.models import Alert, Link, Record

    result = load_demo(households=300, seed=5)
    rules = set(Alert.objects.values_list("rule", flat=True))
    assert {"deceased_listed", "medical_stay", "unsafe_house"} <= rules, rules
    assert sum(result.alerts.values()) == Alert.objects.count()
    # The record in traditional characters without an ID links by name, birth date and village.
    probable = Link.objects.filter(method="probabilistic").select_related("record", "member")
    assert any(link.record.name != link.member.name for link in probable)
    # The namesake born seven years earlier is in the batch but links to nobody.
    stays = Record.objects.filter(kind="medical_stays")
    assert stays.count() == 3 and stays.filter(links__isnull=True).count() == 1
    cadre = User.objects.get(username="cun")
    assert Alert.objects.filter(village_code=cadre.area.code).exists()  # in cun's inbox
    load_demo(households=300, seed=5)  # reloading replaces the batches and their alerts
    assert Alert.objects.count() == sum(result.alerts.values())


def test_the_demo_has_assistance_work_with_gaps_to_find():
    from jingzhun.assistance import queries as assistance
    from jingzhun.assistance.models import Cadre, Pairing, TeamPost, Visit

    result = load_demo(households=300, seed=5)
    county = User.objects.get(username="xian")
    today = timezone.localdate()
    assert result.assistance["cadres"] == Cadre.objects.count() > 0
    assert result.assistance["pairings"] == Pairing.objects.count() > 0
    coverage = assistance.coverage(county, today)
    # Three 脱贫户 or 监测户 are left without a cadre; every fifth visit is too old.
    assert coverage.without_cadre == 3 and coverage.not_visited > 0
    assert not coverage.over_limit
    rows = assistance.posts_by_area(county, today)
    villages = sum(r.villages for r in rows)
    assert sum(r.first_secretaries for r in rows) == villages  # one in post in every village
    assert TeamPost.objects.filter(replaces__isnull=False).count() == 1
    cadre = User.objects.get(username="cun")
    assert Visit.objects.filter(village_code=cadre.area.code).exists()
    load_demo(households=300, seed=5)  # reloading replaces the assistance records
    assert Cadre.objects.count() == result.assistance["cadres"]


def test_the_demo_county_has_a_project_library_with_funds_assets_and_a_disclosure():
    from decimal import Decimal

    from jingzhun.assets.models import Asset, AssetIncome
    from jingzhun.cases.models import Notice
    from jingzhun.projects import queries
    from jingzhun.projects.models import Allocation, Benefit, Disbursement, Project

    load_demo(households=200, seed=1)
    result = load_demo(households=200, seed=1)  # a reload replaces them
    assert result.projects["projects"] == Project.objects.count() == 5
    assert Allocation.objects.count() == result.projects["allocations"] > 0
    assert Disbursement.objects.count() == result.projects["disbursements"] > 0
    assert Benefit.objects.count() == result.projects["benefits"] > 0
    assert Project.objects.filter(status="completed").count() == 1
    assert Asset.objects.filter(kind="pv_station").count() == result.projects["assets"]
    assert AssetIncome.objects.count() == 3
    for entry in AssetIncome.objects.all():
        assert sum(line.amount for line in entry.lines.all()) == entry.income
    notice = Notice.objects.get(subject="projects")
    assert Client().get(f"/notices/{notice.token}/").status_code == 200
    approver = User.objects.get(username="xian")
    figures = queries.fund_figures(approver, year=timezone.localdate().year)
    assert figures.total.disbursed == Decimal("1370000")
    assert figures.industry is not None and figures.industry.passes is True


def test_the_demo_county_has_problems_from_several_sources_some_overdue_some_closed():
    from jingzhun.supervision import queries as supervision
    from jingzhun.supervision.models import Problem

    load_demo(households=200, seed=1)
    result = load_demo(households=200, seed=1)  # a reload replaces them
    assert result.problems["problems"] == Problem.objects.count() == 8
    assert Problem.objects.values("source").distinct().count() == 8
    county = User.objects.get(username="xian")
    _lines, total = supervision.report(county, "source", timezone.localdate())
    assert (total.found, total.closed) == (8, 2)
    assert total.overdue == result.problems["overdue"] >= 2
    # The reopened problem's history holds its closing and its reopening.
    reopened = AuditEntry.objects.filter(action="reopen_problem").latest("id")
    problem = Problem.objects.get(pk=reopened.object_id)
    assert problem.status == "rectifying"
    assert AuditEntry.objects.filter(action="close_problem", object_id=reopened.object_id).exists()


def test_the_demo_county_has_an_applied_assessment_survey_that_feeds_its_exit_decision():
    from jingzhun.assessment.models import AssessmentSurvey, CountyAssessment, SurveyStatus

    load_demo(households=200, seed=1)
    result = load_demo(households=200, seed=1)  # a reload replaces it
    survey = AssessmentSurvey.objects.get()
    assert survey.status == SurveyStatus.APPLIED and survey.seed == "demo-2026"
    assert result.survey["households"] == survey.households.count() > 0
    figures = CountyAssessment.objects.get(county=survey.county, year=survey.year)
    assert figures.wrongly_exited_people == result.survey["wrongly_exited_people"]
    assert figures.missed_poor_people == 1
    page = Client()
    page.force_login(User.objects.get(username="fenxi"))
    shown = page.get(f"/assessment/surveys/{survey.pk}/").content.decode()
    assert "错退率" in shown and "置信区间" in shown


def test_the_demo_township_is_listed_with_tasks_done_and_overdue_and_maps_draw():
    from jingzhun.areas.maps import area_map
    from jingzhun.areas.models import AreaBoundary
    from jingzhun.demo.listings import DEMO_BOUNDARY_SOURCE
    from jingzhun.supervision import listing_queries
    from jingzhun.supervision.listings import Listing, ListingTask

    load_demo(households=200, seed=1)
    result = load_demo(households=200, seed=1)  # a reload replaces them
    listing = Listing.objects.get()
    assert result.listing["tasks"] == ListingTask.objects.count() == 7
    assert result.listing["done"] == 3 and result.listing["overdue"] == 3
    weeks = listing_queries.listing_progress(listing, timezone.localdate())
    assert len(weeks) >= 8 and weeks[0].tasks == 7
    assert weeks[1].done < weeks[-1].done == 3
    # Synthetic boundaries, labelled so, for every township of the county and its villages.
    county = User.objects.get(username="xian").area
    townships = list(Area.objects.filter(parent=county).order_by("code"))
    assert area_map(townships, {}, {})["mode"] == "geo"
    assert result.listing["boundaries"] == AreaBoundary.objects.count()
    assert set(AreaBoundary.objects.values_list("source", flat=True)) == {DEMO_BOUNDARY_SOURCE}
    assert "非真实行政区划边界" in DEMO_BOUNDARY_SOURCE
