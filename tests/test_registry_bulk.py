"""The bulk registration action stores and audits exactly what the one-by-one actions do."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from jingzhun.audit.models import AuditEntry
from jingzhun.core.actions import PermissionDenied
from jingzhun.registry import actions, bulk
from jingzhun.registry.models import (
    Conditions,
    Household,
    Income,
    Measures,
    Member,
    RiskFactor,
)
from tests.factories import household_data, id_female, id_male, member_data

INCOME = {"wage": Decimal("18000"), "business": Decimal("600"), "business_expense": Decimal("150")}
MEASURES = {"education_aid": "雨露计划", "industry_aid": "养殖补贴", "social_aid": "无"}
CONDITIONS = {
    "is_dangerous_house": False,
    "safe_drinking_water": True,
    "cultivated_land_mu": Decimal("3.50"),
}


def _item(world, number: str, **overrides) -> bulk.NewHousehold:
    head_birth = dt.date(1968, 2, 3)
    members = [
        member_data("王建国", "head", head_birth, id_number=id_male(head_birth)),
        member_data(
            "刘秀英", "spouse", dt.date(1970, 1, 1), id_number=id_female(dt.date(1970, 1, 1))
        ),
        member_data(
            "王小明",
            "son",
            dt.date(2013, 5, 6),
            labour_skill="none",
            student_status="primary_6",
            education="primary",
            id_number=id_male(dt.date(2013, 5, 6)),
        ),
    ]
    fields = {
        "village": world.village,
        "data": household_data(number),
        "members": members,
        "risks": [("illness", ""), ("other", "  老宅漏雨 ")],
        "income": dict(INCOME),
        "conditions": dict(CONDITIONS),
        "measures": dict(MEASURES),
    }
    fields.update(overrides)
    return bulk.NewHousehold(**fields, key=number)


def _one_by_one(actor, item: bulk.NewHousehold, year: int) -> Household:
    household = actions.do_create_household(
        actor=actor, village=item.village, data=item.data, risks=item.risks
    )
    for data in item.members:
        actions.do_add_member(household, actor=actor, data=data)
    household.refresh_from_db()
    actions.do_set_income(
        household, actor=actor, year=year, values=item.income, household_size=3, reason="导入"
    )
    actions.do_set_conditions(
        household, actor=actor, year=year, values=item.conditions, reason="导入"
    )
    actions.do_set_measures(household, actor=actor, year=year, values=item.measures, reason="导入")
    household.refresh_from_db()
    return household


IGNORED = {"id", "number", "created_at", "updated_at", "household", "id_number", "village"}
# Search keys derived from the ignored number and ID number (tests/test_search.py checks them).
IGNORED |= {"number_rev", "id_tail_rev"}


def _state(household: Household) -> dict:
    def plain(obj) -> dict:
        return {
            f.attname: getattr(obj, f.attname)
            for f in obj._meta.concrete_fields
            if f.name not in IGNORED and f.attname not in {"household_id", "village_id"}
        }

    audit = [
        (e.action, e.object_type, e.reason, e.source, e.area_code, _strip(e.changes))
        for e in AuditEntry.objects.filter(household=household).order_by("id")
    ]
    return {
        "household": plain(household),
        "members": [plain(m) for m in household.members.order_by("id")],
        "risks": [plain(r) for r in RiskFactor.objects.filter(household=household)],
        "incomes": [plain(i) for i in Income.objects.filter(household=household)],
        "conditions": [plain(c) for c in Conditions.objects.filter(household=household)],
        "measures": [plain(m) for m in Measures.objects.filter(household=household)],
        "audit": sorted(audit, key=repr),
    }


def _strip(changes: dict) -> dict:
    return {k: v for k, v in changes.items() if k not in {"number", "id_number"}}


def test_bulk_stores_and_audits_what_the_one_by_one_actions_do(world):
    actor = world.actor()
    single = _one_by_one(actor, _item(world, "140922100007001"), 2024)
    refusals = bulk.do_create_households(
        actor=actor, items=[_item(world, "140922100007002")], year=2024, reason="导入"
    )
    assert refusals == []
    together = Household.objects.get(number="140922100007002")
    assert _state(together) == _state(single)
    assert together.head_name == "王建国" and together.member_count == 3
    assert Measures.objects.get(household=together).yulu_plan is True
    labels = AuditEntry.objects.filter(household=together, action="create_household")
    assert labels.get().object_label == "140922100007002"


def test_a_household_with_one_bad_member_is_held_back_whole_and_others_written(world):
    actor = world.actor()
    good = _item(world, "140922100007003")
    bad = _item(world, "140922100007004")
    bad.members[1] = dict(bad.members[1], id_number="140922197001011234")  # wrong check digit
    second_head = _item(world, "140922100007005")
    second_head.members[2] = dict(second_head.members[2], relation="head")
    refusals = bulk.do_create_households(actor=actor, items=[good, bad, second_head], year=2024)
    assert {r.key for r in refusals} == {"140922100007004", "140922100007005"}
    by_key = {r.key: r for r in refusals}
    assert "member.2.id_number" in by_key["140922100007004"].errors
    assert "刘秀英" in by_key["140922100007004"].message
    assert "已有户主" in by_key["140922100007005"].message
    assert set(Household.objects.values_list("number", flat=True)) == {"140922100007003"}
    assert not Member.objects.filter(household__number="140922100007004").exists()


def test_numbers_and_ids_already_stored_or_repeated_in_the_batch_are_refused(world):
    actor = world.actor()
    stored = _item(world, "140922100007006")
    bulk.do_create_households(actor=actor, items=[stored], year=2024)
    again = _item(world, "140922100007006")
    reused_id = _item(world, "140922100007007")
    reused_id.members[0] = dict(reused_id.members[0], id_number=stored.members[0]["id_number"])
    twin_a, twin_b = _item(world, "140922100007008"), _item(world, "140922100007008")
    refusals = bulk.do_create_households(
        actor=actor, items=[again, reused_id, twin_a, twin_b], year=2024
    )
    messages = {r.key: r.message for r in refusals}
    assert "已存在" in messages["140922100007006"]
    assert "已登记在户编号140922100007006" in messages["140922100007007"]
    assert "本批中出现了多次" in messages["140922100007008"]
    assert Household.objects.count() == 1


def test_bad_income_refuses_the_household(world):
    item = _item(world, "140922100007009", income={"wage": "十八万"})
    refusals = bulk.do_create_households(actor=world.actor(), items=[item], year=2024)
    assert "income.wage" in refusals[0].errors
    assert not Household.objects.exists()


def test_roles_and_scope_are_checked(world):
    with pytest.raises(PermissionDenied):
        bulk.do_create_households(
            actor=world.actor(world.analyst), items=[_item(world, "140922100007010")], year=2024
        )
    far = _item(world, "140922100007011", village=world.sibling_village)
    with pytest.raises(Exception, match="不在您的管辖范围内"):
        bulk.do_create_households(actor=world.actor(world.cadre), items=[far], year=2024)
    assert not Household.objects.exists()


def test_a_race_on_a_unique_number_raises_and_writes_nothing(world, monkeypatch):
    """Checks pass, then someone else registers the number before the insert: the database's
    constraint stops it and the caller's savepoint leaves nothing behind."""
    item = _item(world, "140922100007012")
    monkeypatch.setattr(bulk, "_clashes", lambda prepared: None)
    actions.do_create_household(
        actor=world.actor(), village=world.village, data=household_data("140922100007012")
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk.do_create_households(actor=world.actor(), items=[item], year=2024)
    assert Household.objects.count() == 1
    assert not Member.objects.exists()
