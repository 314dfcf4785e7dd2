"""The registry's action functions: validation, audit, history, optimistic locking, scope."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from jingzhun.audit.models import AuditEntry
from jingzhun.core.actions import ConcurrentEditError, NotFound, PermissionDenied
from jingzhun.core.idnumber import make_id_number
from jingzhun.registry import actions
from jingzhun.registry.models import Household, Income, Member
from tests import factories


def snapshot(household: Household) -> tuple:
    """Everything stored about a household, to prove a refused request changed nothing."""
    return (
        tuple(Household.objects.filter(pk=household.pk).values_list()),
        tuple(Member.objects.filter(household=household).order_by("id").values_list()),
        tuple(Income.objects.filter(household=household).order_by("year").values_list()),
        AuditEntry.objects.count(),
    )


def errors_of(excinfo: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return excinfo.value.message_dict


def test_it_derives_birth_date_and_sex_from_the_id_number(world, household):
    birth = dt.date(1990, 7, 8)
    member = actions.do_add_member(
        household,
        actor=world.actor(),
        data={
            "name": "王芳",
            "relation": "daughter",
            "labour_skill": "ordinary",
            "id_number": make_id_number("140922", birth, 124).lower(),
        },
    )
    assert (member.birth_date, member.sex) == (birth, "F")


@pytest.mark.parametrize(
    ("data", "field", "fragment"),
    [
        ({"id_number": "140922199007081241"}, "id_number", "校验位"),
        (
            {
                "id_number": make_id_number("140922", dt.date(1990, 7, 8), 124),
                "birth_date": dt.date(1990, 7, 9),
            },
            "birth_date",
            "不一致",
        ),
        (
            {"id_number": make_id_number("140922", dt.date(1990, 7, 8), 124), "sex": "M"},
            "sex",
            "第17位",
        ),
        ({"relation": "head"}, "relation", "已有户主"),
        (
            {"relation": "son", "id_number": make_id_number("140922", dt.date(1990, 7, 8), 124)},
            "relation",
            "矛盾",
        ),
        (
            {"id_type": "none", "id_number": "", "birth_date": dt.date(2099, 1, 1), "sex": "F"},
            "birth_date",
            "晚于今天",
        ),
        ({"work_months": 13}, "work_months", "0至12"),
        ({"name": ""}, "name", "姓名"),
    ],
)
def test_bad_member_input_is_refused_naming_the_field_and_nothing_changes(
    world, household, data, field, fragment
):
    before = snapshot(household)
    base = {
        "name": "王芳",
        "relation": "daughter",
        "labour_skill": "ordinary",
        "id_number": make_id_number("140922", dt.date(1990, 7, 8), 124),
    }
    with pytest.raises(ValidationError) as excinfo:
        actions.do_add_member(household, actor=world.actor(), data=base | data)
    assert any(fragment in message for message in errors_of(excinfo)[field])
    assert snapshot(household) == before


def test_an_id_number_can_live_in_one_household_only(world, household):
    other = factories.make_household(world.actor(), world.village, "140922100001002", members=False)
    existing = household.members.get(relation="head").id_number
    with pytest.raises(ValidationError) as excinfo:
        actions.do_add_member(
            other,
            actor=world.actor(),
            data={
                "name": "张建国",
                "relation": "head",
                "labour_skill": "ordinary",
                "id_number": existing,
            },
        )
    assert household.number in errors_of(excinfo)["id_number"][0]


def test_negative_income_is_refused_and_nothing_is_stored(world, household):
    before = snapshot(household)
    with pytest.raises(ValidationError) as excinfo:
        actions.do_set_income(
            household, actor=world.actor(), year=2023, values={"wage": Decimal("-5")}
        )
    assert "负数" in errors_of(excinfo)["wage"][0]
    assert snapshot(household) == before


def test_income_of_one_year_never_overwrites_another(world, household):
    actions.do_set_income(
        household, actor=world.actor(), year=2023, values={"wage": "9000"}, household_size=3
    )
    with pytest.raises(ValidationError) as excinfo:
        actions.do_set_income(
            household, actor=world.actor(), year=2024, values={"wage": "30000"}, household_size=3
        )
    assert "已录入" in errors_of(excinfo)["year"][0]
    actions.do_set_income(
        household,
        actor=world.actor(),
        year=2024,
        values={"wage": "30000"},
        household_size=3,
        expected_version=1,
    )
    rows = dict(Income.objects.filter(household=household).values_list("year", "per_capita_net"))
    assert rows == {2023: Decimal("3000.00"), 2024: Decimal("10000.00")}


def test_household_rules_refuse_inconsistent_dates_and_monitoring(world):
    with pytest.raises(ValidationError) as excinfo:
        actions.do_create_household(
            actor=world.actor(),
            village=world.village,
            data=factories.household_data(
                "140922100009001",
                household_type="monitored",
                exited_on=dt.date(2013, 1, 1),
                risk_eliminated=True,
            ),
        )
    errors = errors_of(excinfo)
    assert "monitoring_category" in errors
    assert "exited_on" in errors
    assert "risks" in errors
    assert "risk_eliminated_on" in errors
    assert not Household.objects.filter(number="140922100009001").exists()


def test_every_write_path_leaves_an_audit_entry_with_old_and_new_values(world, household):
    actor = world.actor()
    head = household.members.get(relation="head")
    count = AuditEntry.objects.count()
    household = actions.do_update_household(
        household,
        actor=actor,
        changes={"phone": "13800000000"},
        expected_version=household.version,
        reason="农户换号",
    )
    actions.do_update_member(
        head, actor=actor, changes={"health": "chronic"}, expected_version=head.version
    )
    actions.do_set_income(
        household, actor=actor, year=2024, values={"wage": "1"}, expected_version=1
    )
    actions.do_set_conditions(
        household, actor=actor, year=2024, values={"is_dangerous_house": True, "housing_grade": "C"}
    )
    actions.do_remove_member(household.members.get(relation="son"), actor=actor, reason="户籍迁出")
    household.refresh_from_db()
    actions.do_delete_household(household, actor=actor, reason="重复登记")
    entries = list(AuditEntry.objects.order_by("id")[count:])
    assert [e.action for e in entries] == [
        "update_household",
        "update_member",
        "set_income",
        "set_conditions",
        "remove_member",
        "delete_household",
    ]
    assert entries[0].changes["phone"] == ["13912345678", "13800000000"]
    assert entries[0].reason == "农户换号"
    assert entries[1].changes["health"] == ["healthy", "chronic"]
    assert entries[5].reason == "重复登记"
    assert all(e.actor == world.cadre and e.ip == "127.0.0.1" for e in entries)


def test_soft_deleted_household_disappears_from_scope_but_stays_in_the_database(world, household):
    from jingzhun.registry.scoping import access_household_by_id

    actions.do_delete_household(household, actor=world.actor(), reason="整户死亡")
    with pytest.raises(NotFound):
        access_household_by_id(world.cadre, household.pk)
    assert Household.objects.filter(pk=household.pk, is_deleted=True).exists()


def test_deleting_needs_a_reason(world, household):
    with pytest.raises(ValidationError):
        actions.do_delete_household(household, actor=world.actor(), reason=" ")
    assert not Household.objects.get(pk=household.pk).is_deleted


def test_the_second_of_two_concurrent_edits_is_refused_with_what_changed(world, household):
    seen_version = household.version
    first = Household.objects.get(pk=household.pk)
    second = Household.objects.get(pk=household.pk)
    actions.do_update_household(
        first,
        actor=world.actor(world.reviewer),
        changes={"address": "东冶村3组"},
        expected_version=seen_version,
    )
    with pytest.raises(ConcurrentEditError) as excinfo:
        actions.do_update_household(
            second,
            actor=world.actor(),
            changes={"phone": "13700000000"},
            expected_version=seen_version,
        )
    assert excinfo.value.changes == {"address": ("", "东冶村3组")}
    assert excinfo.value.changed_by == "reviewer"
    stored = Household.objects.get(pk=household.pk)
    assert stored.phone == "13912345678"
    assert stored.address == "东冶村3组"


def test_member_edits_are_version_checked_too(world, household):
    head = household.members.get(relation="head")
    seen = head.version
    actions.do_update_member(
        head, actor=world.actor(), changes={"work_months": 6}, expected_version=seen
    )
    with pytest.raises(ConcurrentEditError) as excinfo:
        actions.do_update_member(
            head, actor=world.actor(), changes={"work_months": 3}, expected_version=seen
        )
    assert excinfo.value.changes == {"work_months": (0, 6)}
    assert Member.objects.get(pk=head.pk).work_months == 6


def test_actions_refuse_read_only_roles_and_other_areas(world, household):
    with pytest.raises(PermissionDenied):
        actions.do_update_household(
            household,
            actor=world.actor(world.analyst),
            changes={"phone": "13800000000"},
            expected_version=household.version,
        )
    with pytest.raises(NotFound):
        actions.do_update_household(
            household,
            actor=world.actor(world.sibling_cadre),
            changes={"phone": "13800000000"},
            expected_version=household.version,
        )
    with pytest.raises(ValidationError) as excinfo:
        actions.do_create_household(
            actor=world.actor(),
            village=world.sibling_village,
            data=factories.household_data("140922100009002"),
        )
    assert "管辖范围" in errors_of(excinfo)["village"][0]


def test_spouse_of_the_same_sex_as_the_head_is_refused(world, household):
    with pytest.raises(ValidationError) as excinfo:
        actions.do_add_member(
            household,
            actor=world.actor(),
            data={
                "name": "赵某",
                "relation": "spouse",
                "labour_skill": "ordinary",
                "id_number": factories.id_male(dt.date(1971, 1, 1)),
            },
        )
    assert "性别相同" in errors_of(excinfo)["relation"][0]


def test_a_household_with_an_open_case_keeps_its_status_and_cannot_be_deleted_directly(world):
    from django.core.exceptions import ValidationError

    from jingzhun.registry.actions import do_delete_household, do_update_household
    from tests.cases.helpers import new_household, open_case, people_of

    people = people_of(world)
    household = new_household(world)
    case = open_case(people, household, "monitoring")
    household.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        do_update_household(
            household,
            actor=world.actor(),
            changes={"household_type": "monitored", "monitoring_category": "unstable_exited"},
            expected_version=household.version,
        )
    assert case.number in str(refused.value.message_dict["household_type"])
    with pytest.raises(ValidationError) as refused:
        do_delete_household(household, actor=world.actor(), reason="重复登记")
    assert case.number in str(refused.value.message_dict["reason"])
    household.refresh_from_db()
    assert (household.household_type, household.is_deleted) == ("exited", False)
    # Other fields stay editable while the case runs.
    do_update_household(
        household,
        actor=world.actor(),
        changes={"address": "东冶村3组"},
        expected_version=household.version,
    )
    household.refresh_from_db()
    assert household.address == "东冶村3组"
