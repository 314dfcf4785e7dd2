"""Allocations (下达) and disbursements (拨付): refused above the budget line and above what was
allocated, with a message giving the figures, and nothing changed; the funds figures and the
industry-share check against hand-computed numbers."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from jingzhun.core.actions import PermissionDenied
from jingzhun.projects import actions, queries
from jingzhun.projects.models import Allocation, Disbursement, Project
from tests.projects import helpers as h


def test_an_allocation_above_the_budget_line_is_refused_with_the_figures_and_changes_nothing(world):
    project = h.approved(world)  # central 300,000
    h.allocate(world, project, "200000")
    before = h.snapshot()
    with pytest.raises(ValidationError) as refused:
        h.allocate(world, project, "150000")
    message = refused.value.message_dict["amount"][0]
    assert "计划300,000.00元" in message and "已下达200,000.00元" in message
    assert "超出计划50,000.00元" in message
    assert h.snapshot() == before


def test_a_disbursement_above_what_was_allocated_is_refused_and_changes_nothing(world):
    project = h.approved(world)
    h.allocate(world, project, "100000")
    h.disburse(world, project, "60000")
    before = h.snapshot()
    with pytest.raises(ValidationError) as refused:
        h.disburse(world, project, "40000.01", voucher="PZ-002")
    message = refused.value.message_dict["amount"][0]
    assert "已下达100,000.00元，已拨付60,000.00元" in message
    assert "超出已下达资金0.01元" in message
    assert h.snapshot() == before
    # Exactly up to the allocation is fine; another source has its own allocation (none).
    h.disburse(world, project, "40000", voucher="PZ-002")
    with pytest.raises(ValidationError, match=r"县级财政衔接资金：本项目已下达0\.00元"):
        h.disburse(world, project, "1", source="county", voucher="PZ-003")


def test_a_voucher_is_recorded_once_per_project_and_source(world):
    project = h.approved(world)
    h.allocate(world, project, "100000")
    h.disburse(world, project, "1000", voucher="PZ-9")
    before = h.snapshot()
    with pytest.raises(ValidationError, match="凭证号PZ-9已登记过"):
        h.disburse(world, project, "1000", voucher="PZ-9")
    assert h.snapshot() == before


def test_money_waits_for_the_approval_and_only_the_county_records_it(world):
    project = h.new_project(world)  # waiting at 论证审核
    with pytest.raises(ValidationError, match="尚未批复入库"):
        h.allocate(world, project, "1000")
    project = h.walk(world, project, until="implementation")
    for user in (world.cadre, world.reviewer, world.inspector, world.analyst):
        with pytest.raises(PermissionDenied):
            actions.do_add_allocation(
                project,
                actor=h.actor(user),
                source="central",
                on=h.today(),
                amount="1",
                document="x",
            )
    assert not Allocation.objects.exists()


@pytest.mark.parametrize(
    ("amount", "field"),
    [("-5", "amount"), ("abc", "amount"), ("1.234", "amount"), ("0", "amount")],
)
def test_bad_amounts_are_refused_per_field(world, amount, field):
    project = h.approved(world)
    with pytest.raises(ValidationError) as refused:
        h.allocate(world, project, amount)
    assert field in refused.value.message_dict


def test_a_budget_may_not_fall_below_what_was_allocated(world):
    project = h.approved(world)
    h.allocate(world, project, "200000")
    project = Project.objects.get(pk=project.pk)
    with pytest.raises(ValidationError) as refused:
        actions.do_set_budget(
            project,
            actor=h.actor(world.approver),
            expected_version=project.version,
            budget={"central": "100000"},
            reason="压减预算",
        )
    assert "budget_central" in refused.value.message_dict
    actions.do_set_budget(
        project,
        actor=h.actor(world.approver),
        expected_version=project.version,
        budget={"central": "350000", "county": "100000"},
        reason="追加中央衔接资金",
    )
    h.allocate(world, project, "150000")  # now within 350,000


def test_fund_figures_by_source_area_and_project_match_a_hand_computed_fixture(world):
    a = h.approved(world, budget={"central": "300000", "county": "100000"})
    b = h.approved(
        world,
        area=world.far_village,
        by=world.approver,
        project_type="infrastructure",
        name="南村饮水工程",
        budget={"central": "200000", "integrated": "50000"},
    )
    h.allocate(world, a, "300000")
    h.allocate(world, a, "50000", source="county")
    h.disburse(world, a, "150000")
    h.allocate(world, b, "100000")
    h.disburse(world, b, "100000", voucher="PZ-B1")
    figures = queries.fund_figures(world.approver, year=h.today().year)
    by_source = {s: m for s, _, m in figures.by_source}
    assert by_source["central"].planned == Decimal("500000")
    assert by_source["central"].allocated == Decimal("400000")
    assert by_source["central"].disbursed == Decimal("250000")
    assert by_source["central"].rate == Decimal("62.50")  # 250,000 / 400,000
    assert by_source["county"].rate == Decimal("0.00")
    assert by_source["integrated"].rate is None  # nothing allocated
    assert figures.total.planned == Decimal("650000")
    assert figures.total.allocated == Decimal("450000")
    assert figures.total.disbursed == Decimal("250000")
    assert figures.total.rate == Decimal("55.56")  # 250,000 / 450,000, half up
    areas = {name: (m.planned, count) for _, name, m, count in figures.by_area}
    assert areas[world.township.name] == (Decimal("400000"), 1)
    assert areas[world.other_township.name] == (Decimal("250000"), 1)
    # Industry share of central 衔接资金 (allocated): 300,000 / 400,000 = 75% ≥ the floor.
    industry = figures.industry
    assert industry is not None
    assert industry.share == Decimal("75.00") and industry.spent_share == Decimal("60.00")
    assert industry.floor == Decimal("60") and industry.passes is True


def test_the_industry_share_fails_below_the_floor_of_the_projects_year(world):
    year = 2022  # the floor then: 55%
    a = h.approved(world, year=year, budget={"central": "100000"})
    b = h.approved(
        world,
        project_type="infrastructure",
        name="东冶村道路",
        year=year,
        budget={"central": "100000"},
    )
    h.allocate(world, a, "50000")
    h.allocate(world, b, "50000")
    check = queries.fund_figures(world.approver, year=year).industry
    assert check is not None
    assert (check.share, check.floor, check.passes) == (Decimal("50.00"), Decimal("55"), False)
    assert "2022年中央一号文件" in check.source and check.confirmed is False


def test_two_disbursements_recorded_at_once_cannot_together_pass_the_allocation(world):
    """The funds lock: both read the sums after bumping the project row; the second sees the
    first's payment."""
    project = h.approved(world)
    h.allocate(world, project, "1000")
    h.disburse(world, project, "600", voucher="A")
    with pytest.raises(ValidationError):
        h.disburse(world, project, "600", voucher="B")
    assert Disbursement.objects.count() == 1
