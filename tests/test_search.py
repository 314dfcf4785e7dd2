"""Search as people search: name prefix, pinyin initials, ID and phone tails, household-number
fragments — ranked, scoped, masked, and the stored keys kept by every writer."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.test import override_settings
from django.urls import reverse

from jingzhun.core.actions import Actor
from jingzhun.core.idnumber import make_id_number
from jingzhun.exports.layouts import _SKIP
from jingzhun.registry import actions, bulk, search_keys
from jingzhun.registry.models import Household, Member
from jingzhun.registry.queries import (
    EXACT,
    INITIALS,
    NAME_PREFIX,
    NUMBER,
    HouseholdFilters,
    filter_households,
    search,
)
from tests import factories
from tests.conftest import login

BIRTH = dt.date(1970, 3, 4)


def an_id(sequence: int, birth: dt.date = BIRTH) -> str:
    """A valid ID number of the test county with this 3-digit sequence (odd: male)."""
    return make_id_number("140922", birth, sequence)


def an_id_ending_in_x() -> tuple[str, int]:
    """The first male ID number (odd sequence from 501) whose check character is X."""
    for sequence in range(501, 1000, 2):
        number = an_id(sequence)
        if number.endswith("X"):
            return number, sequence
    raise AssertionError("no sequence gives X")


def register(
    world, village, number: str, *people: tuple[str, str, str], phone: str | None = None
) -> Household:
    """A household with ``people`` = (name, relation, ID number), registered by the actions
    (as the system: some villages are outside the cadre's)."""
    actor = Actor(user=None, source="system")
    household = actions.do_create_household(
        actor=actor,
        village=village,
        data=factories.household_data(number, **({} if phone is None else {"phone": phone})),
    )
    for name, relation, id_number in people:
        # The sex is read from the ID number (all odd sequences here: men).
        actions.do_add_member(
            household,
            actor=actor,
            data=factories.member_data(name, relation, BIRTH, id_number=id_number),
        )
    household.refresh_from_db()
    return household


@pytest.fixture
def people(world):
    """Households of the cadre's village (东冶村) and its township, and one far away."""
    x_id, _ = an_id_ending_in_x()
    return {
        "wang": register(
            world, world.village, "140922100001001", ("王建国", "head", an_id(11)), phone=""
        ),
        "wang_hua": register(
            world, world.village, "140922100001002", ("王建华", "head", an_id(13))
        ),
        "wang_jian": register(world, world.village, "140922100001003", ("王建", "head", an_id(15))),
        "wang_water": register(
            world, world.sibling_village, "140922100002001", ("汪建国", "head", an_id(17))
        ),
        "x": register(world, world.village, "140922100001004", ("李强", "head", x_id)),
        "far": register(
            world,
            world.other_county_village,
            "140921100001001",
            ("王建国", "head", an_id(19)),
            phone="13900005555",
        ),
    }


def found(user, q: str) -> list[str]:
    return [Household.objects.get(pk=h.household_id).number for h in search(user, q).hits]


def test_it_finds_a_member_by_name_prefix(world, people):
    assert found(world.reviewer, "王建国") == ["140922100001001"]
    assert set(found(world.reviewer, "王建")) == {
        "140922100001001",
        "140922100001002",
        "140922100001003",
    }


def test_it_finds_a_member_by_pinyin_initials_in_lower_or_upper_case(world, people):
    # 王建国 and 汪建国 share their initials; both are found, in village order.
    assert found(world.reviewer, "wjg") == ["140922100001001", "140922100002001"]
    assert found(world.reviewer, "WJG") == ["140922100001001", "140922100002001"]
    assert found(world.reviewer, "ＷＪＧ") == ["140922100001001", "140922100002001"]
    assert "140922100001002" in found(world.reviewer, "wj")  # 王建华: initials prefix


def test_traditional_input_finds_the_simplified_name(world, people):
    assert found(world.reviewer, "王建國") == ["140922100001001"]
    assert found(world.reviewer, "王建華") == ["140922100001002"]


def test_a_polyphonic_surname_is_read_as_a_surname():
    assert search_keys.name_initials("单志刚") == "szg"
    assert search_keys.name_initials("曾小贤") == "zxx"
    assert search_keys.name_initials("王建國") == "wjg"
    # Only as the first of two or more Han characters: 单 alone keeps pypinyin's reading.
    assert search_keys.name_initials("单") == "d"
    assert search_keys.name_initials("买买提·吐尔逊") == "mmttex"


def test_it_finds_a_member_by_the_last_four_or_six_characters_of_the_id_number(world, people):
    number = people["wang"].members.get().id_number
    assert found(world.cadre, number[-4:]) == ["140922100001001"]
    assert found(world.cadre, number[-6:]) == ["140922100001001"]
    x_id = people["x"].members.get().id_number
    assert found(world.cadre, x_id[-6:]) == ["140922100001004"]
    assert found(world.cadre, x_id[-4:].lower()) == ["140922100001004"]


def test_it_finds_by_the_phone_tail_of_a_member_or_a_household(world, people):
    member = people["wang_hua"].members.get()
    actions.do_update_member(
        member, actor=world.actor(), changes={"phone": "13800132468"}, expected_version=1
    )
    assert found(world.cadre, "2468") == ["140922100001002"]
    assert found(world.cadre, "132468") == ["140922100001002"]
    # The household's phone (13912345678, from the factory) of every household but 王建国's.
    assert found(world.cadre, "345678") == [
        "140922100001002",
        "140922100001003",
        "140922100001004",
    ]


def test_it_finds_a_household_by_a_fragment_of_its_number(world, people):
    assert found(world.cadre, "1409221000") == [
        "140922100001001",
        "140922100001002",
        "140922100001003",
        "140922100001004",
    ]
    # The end of the number, as cadres read the sequence within the village.
    assert found(world.cadre, "01003") == ["140922100001003"]
    assert found(world.cadre, "004") == ["140922100001004"]
    assert found(world.cadre, "77777") == []


def test_a_fragment_from_the_middle_of_a_number_is_found_within_a_township(world, people):
    register(world, world.village, "140922100001725", ("钱七", "head", an_id(25)))
    # "0017" is neither the start nor the end of any number: only the middle finds it.
    assert found(world.cadre, "0017") == ["140922100001725"]
    assert found(world.reviewer, "2210000172") == ["140922100001725"]
    # Three digits are too few for the middle; a county's scope is too large for it.
    assert found(world.cadre, "017") == []
    assert found(world.approver, "0017") == []
    # Never outside the user's area.
    assert found(world.sibling_cadre, "0017") == []


def test_results_are_ranked_exact_then_prefix_then_initials(world, people):
    hits = search(world.reviewer, "王建").hits
    assert [(h.rank, h.name) for h in hits] == [
        (EXACT, "王建"),
        (NAME_PREFIX, "王建国"),
        (NAME_PREFIX, "王建华"),
    ]
    # Same rank: by village code, then id (吴建刚 was registered after 王建国).
    register(world, world.village, "140922100001005", ("吴建刚", "head", an_id(21)))
    hits = search(world.reviewer, "wjg").hits
    assert [(h.rank, h.name) for h in hits] == [
        (INITIALS, "王建国"),
        (INITIALS, "吴建刚"),
        (INITIALS, "汪建国"),
    ]
    number_hits = search(world.reviewer, "001001").hits
    assert [h.rank for h in number_hits] == [NUMBER]


def test_id_and_phone_tails_rank_above_household_numbers(world, people):
    wang = people["wang"].members.get()
    tail = wang.id_number[-4:]
    # A household whose number ends with the same four digits.
    register(world, world.far_village, f"14092210000{tail}", ("赵四", "head", an_id(23)))
    numbers = found(world.approver, tail)
    assert numbers[0] == "140922100001001"
    assert f"14092210000{tail}" in numbers[1:]


def test_a_household_outside_the_users_area_is_never_found(world, people):
    far = people["far"]
    far_id = far.members.get().id_number
    for q in ("王建国", "wjg", far_id[-4:], far_id[-6:], "5555", far.number[-5:], far.number):
        assert far.number not in found(world.cadre, q), q
        assert far.number not in found(world.approver, q), q
    # The sibling village's 汪建国 is in the reviewer's township, not in the cadre's village.
    assert found(world.cadre, "汪建国") == []
    assert found(world.reviewer, "汪建国") == ["140922100002001"]
    # The far household is found by a user whose scope holds it.
    assert far.number in found(world.province_viewer, "5555")


def test_a_role_that_sees_ids_masked_may_search_by_the_last_four_characters_only(world, people):
    number = people["wang"].members.get().id_number
    assert not world.analyst.sees_personal_numbers
    assert found(world.analyst, number[-4:]) == ["140922100001001"]
    # The mask shows the last four: five or six would probe hidden digits.
    assert "140922100001001" not in found(world.analyst, number[-6:])
    assert "140922100001001" not in found(world.analyst, number[-5:])
    assert found(world.approver, number[-6:]) == ["140922100001001"]


def test_the_keys_follow_a_member_edit_and_rename(world, people):
    member = people["wang_hua"].members.get()
    new_id = an_id(25)
    actions.do_update_member(
        member,
        actor=world.actor(),
        changes={"name": "張明", "id_number": new_id, "phone": "13700001111"},
        expected_version=1,
    )
    member.refresh_from_db()
    assert (member.name_norm, member.name_initials) == ("张明", "zm")
    assert member.id_tail_rev == new_id[-6:][::-1]
    assert member.phone_tail_rev == "111100"
    assert found(world.cadre, "zm") == ["140922100001002"]
    assert found(world.cadre, "王建华") == []
    assert found(world.cadre, new_id[-6:]) == ["140922100001002"]


def test_the_keys_follow_a_household_number_and_phone_change(world, people):
    household = people["wang"]
    actions.do_update_household(
        household,
        actor=world.actor(),
        changes={"number": "140922100001099", "phone": "0350-6012345"},
        expected_version=household.version,
    )
    household.refresh_from_db()
    assert household.number_rev == "140922100001099"[::-1]
    assert household.phone_tail_rev == "543210"
    assert found(world.cadre, "01099") == ["140922100001099"]
    assert found(world.cadre, "012345") == ["140922100001099"]


def test_bulk_registration_stores_the_keys(world):
    head_id = an_id(27)
    item = bulk.NewHousehold(
        village=world.village,
        data=factories.household_data("140922100003001", phone="13655556666"),
        members=[factories.member_data("單志剛", "head", BIRTH, id_number=head_id)],
        key="140922100003001",
    )
    assert bulk.do_create_households(actor=world.actor(), items=[item]) == []
    household = Household.objects.get(number="140922100003001")
    member = household.members.get()
    assert (member.name_norm, member.name_initials) == ("单志刚", "szg")
    assert member.id_tail_rev == head_id[-6:][::-1]
    assert household.number_rev == "140922100003001"[::-1]
    assert household.phone_tail_rev == "666655"
    assert found(world.cadre, "szg") == ["140922100003001"]
    assert found(world.cadre, "6666") == ["140922100003001"]


def test_the_migration_fills_the_keys_of_existing_rows(world, people):
    migration = importlib.import_module("jingzhun.registry.migrations.0003_search_keys")
    Member.objects.update(name_initials="", id_tail_rev="", phone_tail_rev="")
    Household.objects.update(number_rev="", phone_tail_rev="")
    migration.fill_search_keys(apps, None)
    for member in Member.objects.all():
        expected = search_keys.member_keys(member.name, member.id_number, member.phone)
        assert {k: getattr(member, k) for k in expected} == expected
    for household in Household.objects.all():
        expected = search_keys.household_keys(household.number, household.phone)
        assert {k: getattr(household, k) for k in expected} == expected
    assert Household.objects.get(number="140921100001001").phone_tail_rev == "555500"


def test_the_list_page_shows_the_village_and_what_matched(client, world, people):
    login(client, world.reviewer)
    response = client.get(reverse("household_list"), {"q": "wjg"})
    rows = response.context["rows"]
    assert [h.number for h in rows] == ["140922100001001", "140922100002001"]
    html = response.content.decode()
    assert "东冶村" in html and "西冶村" in html
    assert "汪建国（拼音首字母）" in html
    # Never a number in the match column, whatever matched.
    number = people["wang"].members.get().id_number
    response = client.get(reverse("household_list"), {"q": number[-6:]})
    assert "王建国（证件号码尾号）" in response.content.decode()
    assert number not in response.content.decode()


@override_settings(JINGZHUN_PAGE_SIZE=2)
def test_search_results_page_in_rank_order(client, world, people):
    login(client, world.reviewer)
    first = client.get(reverse("household_list"), {"q": "王建"})
    assert [h.number for h in first.context["rows"]] == ["140922100001003", "140922100001001"]
    after = first.context["next_after"]
    assert after == f"{world.village.code}-{people['wang'].pk}"
    second = client.get(reverse("household_list"), {"q": "王建", "after": after})
    assert [h.number for h in second.context["rows"]] == ["140922100001002"]
    assert second.context["next_after"] is None


def test_a_search_combines_with_the_other_filters(client, world, people):
    login(client, world.reviewer)
    response = client.get(reverse("household_list"), {"q": "王建", "household_type": "monitored"})
    assert response.context["rows"] == []
    response = client.get(reverse("household_list"), {"q": "wjg", "area": world.village.code})
    assert [h.number for h in response.context["rows"]] == ["140922100001001"]


def test_exports_and_the_api_get_the_same_households(world, people):
    numbers = set(
        filter_households(world.reviewer, HouseholdFilters(q="wjg")).values_list(
            "number", flat=True
        )
    )
    assert numbers == {"140922100001001", "140922100002001"}
    assert not {"name_initials", "id_tail_rev", "phone_tail_rev", "number_rev"} - _SKIP


def test_a_search_page_costs_a_fixed_number_of_queries(
    client, world, people, django_assert_num_queries
):
    login(client, world.reviewer)
    client.get(reverse("household_list"), {"q": "wjg"})  # session and user cached
    # session, user, the user's area, name look-up, initials look-up, the page's households,
    # the area menu.
    with django_assert_num_queries(7):
        response = client.get(reverse("household_list"), {"q": "wjg"})
    assert len(response.context["rows"]) == 2
    # A Chinese name is one look-up (exact and prefix together); the count does not grow with
    # the matches.
    for q in ("王建国", "王建"):
        with django_assert_num_queries(6):
            client.get(reverse("household_list"), {"q": q})
