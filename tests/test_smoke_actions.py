import datetime as dt

from jingzhun.audit.models import AuditEntry
from jingzhun.registry.models import Income


def test_a_household_built_through_actions_has_its_summary_and_audit(world, household):
    assert household.member_count == 3
    assert household.head_name == "张建国"
    income = Income.objects.get(household=household, year=2024)
    # (18000 + 6000 + 1800 - 1500) / 3
    assert str(income.per_capita_net) == "8100.00"
    actions = list(AuditEntry.objects.filter(household=household).values_list("action", flat=True))
    assert sorted(actions) == sorted(
        ["create_household", "add_member", "add_member", "add_member", "set_income"]
    )
    assert dt.date(2012, 9, 1) in set(household.members.values_list("birth_date", flat=True))
