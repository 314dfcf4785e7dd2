"""The household list, search, filters, keyset pages, and the forms' write paths."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jingzhun.audit.models import AuditEntry
from jingzhun.registry import actions
from jingzhun.registry.models import Household
from tests import factories
from tests.conftest import login


def listed(client, **params) -> list[str]:
    response = client.get(reverse("household_list"), params)
    assert response.status_code == 200
    return [h.number for h in response.context["rows"]]


def test_search_by_name_tolerates_traditional_characters_and_width(client, world, household):
    login(client, world.cadre)
    assert listed(client, q="張 建國") == [household.number]
    assert listed(client, q="张小明") == [household.number]  # entered as 張小明
    assert listed(client, q="李四") == []


def test_search_by_id_number_tolerates_spaces_and_lower_case(client, world, household):
    login(client, world.cadre)
    number = household.members.get(relation="head").id_number
    spaced = f" {number[:6]} {number[6:14]} {number[14:].lower()} "
    assert listed(client, q=spaced) == [household.number]


def test_search_by_household_number_prefix(client, world, household):
    login(client, world.cadre)
    assert listed(client, q=household.number[:10]) == [household.number]
    assert listed(client, q=household.number) == [household.number]  # 15 digits, like an old ID
    assert listed(client, q="999") == []


def test_filters_combine_and_respect_scope(client, world, household):
    actor = world.actor()
    monitored = factories.make_household(
        actor,
        world.village,
        "140922100001003",
        household_type="monitored",
        monitoring_category="unstable_exited",
        monitoring_identified_on=dt.date(2022, 3, 1),
        risks=[("illness", "")],
    )
    factories.make_household(
        world.actor(world.sibling_cadre), world.sibling_village, "140922100002001"
    )
    login(client, world.cadre)
    assert listed(client) == [household.number, monitored.number]
    assert listed(client, household_type="monitored") == [monitored.number]
    assert listed(client, risk="illness") == [monitored.number]
    assert listed(client, risk="schooling") == []
    assert listed(client, year=2024) == [household.number, monitored.number]
    assert listed(client, year=2019) == []
    # Filtering by an area outside the scope finds nothing, like an unknown area.
    assert listed(client, area=world.sibling_village.code) == []
    login(client, world.reviewer)
    assert len(listed(client)) == 3
    assert listed(client, area=world.sibling_village.code) == ["140922100002001"]


def test_invalid_filter_values_are_reported_not_ignored_silently(client, world, household):
    login(client, world.cadre)
    response = client.get(reverse("household_list"), {"household_type": "rich", "year": "abc"})
    assert set(response.context["filters"].errors) == {"household_type", "year"}


def test_keyset_pages_visit_every_household_once_grouped_by_village(client, world, settings):
    settings.JINGZHUN_PAGE_SIZE = 2
    reviewer = world.actor(world.reviewer)
    # Created alternating between two villages, so id order and village order differ.
    created = []
    for i in range(7):
        village = world.sibling_village if i % 2 == 0 else world.village
        created.append(
            factories.make_household(reviewer, village, f"14092210000{i:04d}", members=False)
        )
    expected = [h.number for h in sorted(created, key=lambda h: (h.village_code, h.id))]
    login(client, world.reviewer)
    seen: list[str] = []
    params: dict = {}
    while True:
        response = client.get(reverse("household_list"), params)
        seen += [h.number for h in response.context["rows"]]
        if not response.context["next_after"]:
            break
        params = {"after": response.context["next_after"]}
    assert seen == expected
    bad = client.get(reverse("household_list"), {"after": "x-1"})
    assert "after" in bad.context["filters"].errors


def test_the_list_query_count_does_not_grow_with_the_rows_shown(client, world):
    actor = world.actor()
    factories.make_household(actor, world.village, "140922100005000", members=False)
    login(client, world.cadre)
    client.get(reverse("household_list"))  # warm the session and caches
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("household_list"))
    for i in range(1, 12):
        factories.make_household(actor, world.village, f"14092210000{5000 + i}", members=False)
    with CaptureQueriesContext(connection) as twelve:
        response = client.get(reverse("household_list"))
    assert len(response.context["rows"]) == 12
    assert len(one) == len(twelve)


# The household page, by purpose: session and user (2), the user's area (1), the household
# with its village, members, risks, incomes, conditions and measures — each read once (7), the
# read recorded in the audit trail (4: savepoint, chain head, insert, release), the village's
# ancestors (1), the change history (1), ID numbers registered elsewhere (1), new parameter
# values (1), the cases card (1), the department alerts card (1), the relocation card (1), the
# assistance card: the pairings, the latest visits, the year's plan (3), the benefit links
# (带贫益贫) card with their projects (1). (The session is written at most once a minute, not here.)
HOUSEHOLD_PAGE_QUERIES = 25


def test_the_detail_page_query_count_is_pinned_whatever_the_years(client, world, household):
    login(client, world.cadre)
    url = reverse("household_detail", args=[household.pk])
    # The clock stands still: the session's once-a-minute renewal never falls in between.
    with time_machine.travel("2025-03-03 10:00:00+08:00", tick=False):
        client.get(url)
        with CaptureQueriesContext(connection) as small:
            client.get(url)
        for year in range(2015, 2024):
            actions.do_set_income(household, actor=world.actor(), year=year, values={"wage": "1"})
        with CaptureQueriesContext(connection) as big:
            client.get(url)
    assert len(small) == len(big) == HOUSEHOLD_PAGE_QUERIES, [q["sql"][:80] for q in big]


def test_the_detail_page_reads_the_household_and_its_members_once(client, world, household):
    login(client, world.cadre)
    url = reverse("household_detail", args=[household.pk])
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    sql = [q["sql"] for q in queries.captured_queries]
    assert sum(s.startswith('SELECT "registry_household"') for s in sql) == 1
    assert sum(s.startswith('SELECT "registry_member"."id",') for s in sql) == 1


def test_opening_a_household_page_is_recorded_for_inspectors(client, world, household):
    from jingzhun.audit.models import AuditEntry

    login(client, world.cadre)
    client.get(reverse("household_detail", args=[household.pk]))
    read = AuditEntry.objects.get(action="read_household")
    assert (read.household_id, read.actor_id) == (household.pk, world.cadre.pk)
    page = client.get(reverse("household_detail", args=[household.pk])).content.decode()
    assert "read_household" not in page  # reads are not the household's change history


def test_creating_a_household_through_the_form_then_its_head(client, world):
    login(client, world.cadre)
    response = client.post(
        reverse("household_create"),
        {
            "number": "140922100007001",
            "village": world.village.pk,
            "household_type": "ordinary",
            "no_labour_guarantee": "",
        },
    )
    household = Household.objects.get(number="140922100007001")
    assert response.status_code == 302
    assert response["Location"] == reverse("member_create", args=[household.pk])
    birth = dt.date(1980, 1, 2)
    response = client.post(
        reverse("member_create", args=[household.pk]),
        {
            "name": "赵大",
            "relation": "head",
            "id_type": "resident_id",
            "id_number": factories.id_male(birth),
            "ethnicity": "han",
            "student_status": "not_student",
            "health": "healthy",
            "labour_skill": "ordinary",
            "work_status": "not_working",
            "work_months": 0,
            "public_welfare_months": 0,
        },
    )
    assert response.status_code == 302
    household.refresh_from_db()
    assert (household.head_name, household.member_count) == ("赵大", 1)
    member = household.members.get()
    assert (member.birth_date, member.sex) == (birth, "M")
    assert AuditEntry.objects.filter(household=household, source="form").count() == 2


def test_a_form_with_a_bad_id_shows_the_message_beside_the_field_and_stores_nothing(
    client, world, household
):
    login(client, world.cadre)
    response = client.post(
        reverse("member_create", args=[household.pk]),
        {
            "name": "钱二",
            "relation": "daughter",
            "id_type": "resident_id",
            "id_number": "140922199007081241",
            "labour_skill": "ordinary",
            "health": "healthy",
            "ethnicity": "han",
            "student_status": "not_student",
            "work_status": "not_working",
            "work_months": 0,
            "public_welfare_months": 0,
        },
    )
    assert response.status_code == 200
    assert "校验位" in " ".join(response.context["form"].errors["id_number"])
    assert household.members.count() == 3


def test_the_second_save_of_a_stale_form_explains_what_changed(client, world, household):
    seen_version = household.version
    actions.do_update_household(
        household,
        actor=world.actor(world.reviewer),
        changes={"address": "新地址"},
        expected_version=seen_version,
    )
    login(client, world.cadre)
    data = {
        "number": household.number,
        "village": world.village.pk,
        "household_type": "exited",
        "identification_standard": "national",
        "poverty_attribute": "general",
        "main_cause": "illness",
        "identified_on": "2014-06-01",
        "exit_year": 2018,
        "exited_on": "2018-12-01",
        "phone": "13700000000",
        "bank_account": household.bank_account,
        "version": seen_version,
    }
    response = client.post(reverse("household_edit", args=[household.pk]), data, follow=True)
    text = response.content.decode()
    assert "已被reviewer修改" in text
    assert "新地址" in text
    household.refresh_from_db()
    assert household.phone == "13912345678"


def test_personal_numbers_are_masked_for_roles_that_do_not_need_them(client, world, household):
    head_id = household.members.get(relation="head").id_number
    login(client, world.cadre)
    page = client.get(reverse("household_detail", args=[household.pk])).content.decode()
    assert head_id in page and "13912345678" in page
    for persona in ("analyst", "inspector", "city_viewer"):
        login(client, getattr(world, persona))
        page = client.get(reverse("household_detail", args=[household.pk])).content.decode()
        assert head_id not in page
        assert head_id[:4] + "*" * 10 + head_id[-4:] in page
        assert "13912345678" not in page
        assert household.bank_account not in page


def test_the_audit_trail_is_for_inspectors_and_shows_deleted_households(client, world, household):
    actions.do_delete_household(household, actor=world.actor(), reason="重复登记")
    login(client, world.inspector)
    response = client.get(reverse("audit_list"), {"household": household.pk})
    assert response.status_code == 200
    text = response.content.decode()
    assert "重复登记" in text and "<td>删除农户</td>" in text
    head_id = household.members.get(relation="head").id_number
    assert head_id not in text  # the inspector reads masked values
    login(client, world.cadre)
    assert client.get(reverse("audit_list")).status_code == 403
    login(client, world.outsider)
    assert client.get(reverse("audit_list"), {"household": household.pk}).status_code == 403


def test_narrowing_the_scope_never_widens_it(world, household):
    from jingzhun.registry.scoping import households_for

    assert list(households_for(world.cadre, within=world.county.scope_prefix)) == [household]
    assert not households_for(world.cadre, within=world.sibling_village.scope_prefix).exists()
    assert not households_for(world.outsider, within=world.village.scope_prefix).exists()
    assert not households_for(world.cadre, start="140923").exists()
