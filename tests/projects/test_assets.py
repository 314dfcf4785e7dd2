"""Project assets: registration and ownership, income distribution adding up exactly,
disposal approval by the county, handover as the project's last step, and the reports
(idle or loss-making, PV capacity and its share of a higher area's total) against hand-computed
figures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from jingzhun.areas.actions import do_create_area
from jingzhun.assets import actions, queries
from jingzhun.assets.models import Asset, AssetIncome, Distribution
from jingzhun.audit.models import AuditEntry
from jingzhun.core.actions import Actor, NotFound, PermissionDenied
from tests import factories
from tests.projects import helpers as h


def pv(world, *, area=None, capacity="100", by=None, project=None, name="东冶村光伏电站"):
    return actions.do_create_asset(
        actor=h.actor(by or world.cadre),
        name=name,
        asset_class="operating",
        kind="pv_station",
        area=area or world.village,
        owner_type="collective",
        owner_name="东冶村股份经济合作社",
        custodian="东冶村村民委员会",
        value="400000",
        capacity=capacity,
        project=project,
    )


LAST_MONTH_END = h.today().replace(day=1) - dt.timedelta(days=1)
LAST_MONTH_START = LAST_MONTH_END.replace(day=1)


def income(world, asset, lines, *, amount="10000", costs="0", **extra):
    return actions.do_record_asset_income(
        asset,
        actor=h.actor(world.cadre),
        period_kind="month",
        period_start=extra.get("start", LAST_MONTH_START),
        period_end=extra.get("end", LAST_MONTH_END),
        income=amount,
        costs=costs,
        lines=lines,
    )


@pytest.fixture
def households(world):
    return [
        factories.make_household(
            world.actor(), world.village, number=f"14092210000100{n}", members=False
        )
        for n in (1, 2)
    ]


def test_an_income_whose_distribution_adds_up_is_stored_with_each_recipient(world, households):
    asset = pv(world)
    entry = income(
        world,
        asset,
        [
            {"kind": "welfare_wages", "amount": "3000", "household": households[0]},
            {"kind": "dividend", "amount": "1500", "household": households[0]},
            {"kind": "dividend", "amount": "1500", "household": households[1]},
            {"kind": "collective", "amount": "3000", "recipient": "东冶村集体"},
            {"kind": "maintenance", "amount": "1000", "recipient": "县光伏运维中心"},
        ],
    )
    assert entry.income == Decimal("10000")
    lines = list(Distribution.objects.filter(income=entry).values_list("kind", "household_id"))
    assert ("dividend", households[1].pk) in lines and ("collective", None) in lines
    assert AuditEntry.objects.filter(action="record_asset_income").count() == 1


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([{"kind": "collective", "amount": "9999.99", "recipient": "村集体"}], "未分配0.01元"),
        ([{"kind": "collective", "amount": "10000.01", "recipient": "村集体"}], "多分配0.01元"),
    ],
)
def test_a_distribution_that_does_not_add_up_is_refused_and_nothing_is_stored(
    world, lines, message
):
    asset = pv(world)
    before = h.snapshot()
    with pytest.raises(ValidationError) as refused:
        income(world, asset, lines)
    assert message in refused.value.message_dict["lines"][0]
    assert "收益分配合计" in refused.value.message_dict["lines"][0]
    assert h.snapshot() == before


def test_dividends_name_a_registry_household_of_the_area(world, households):
    asset = pv(world)
    foreign = factories.make_household(
        Actor(user=world.outsider, source="form"),
        world.other_county_village,
        number="140921100001001",
        members=False,
    )
    with pytest.raises(ValidationError) as refused:
        income(world, asset, [{"kind": "dividend", "amount": "10000"}])
    assert "lines_1_household" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        income(world, asset, [{"kind": "dividend", "amount": "10000", "household": foreign}])
    assert "lines_1_household" in refused.value.message_dict
    assert not AssetIncome.objects.exists()


def test_the_same_period_is_recorded_once_and_public_assets_have_no_income(world):
    asset = pv(world)
    income(world, asset, [{"kind": "collective", "amount": "10000", "recipient": "村集体"}])
    with pytest.raises(ValidationError, match="不能重复登记"):
        income(world, asset, [{"kind": "collective", "amount": "10000", "recipient": "村集体"}])
    road = actions.do_create_asset(
        actor=h.actor(world.cadre),
        name="东冶村通村道路",
        asset_class="public",
        kind="road",
        area=world.village,
        owner_type="collective",
        owner_name="东冶村",
        custodian="东冶村村民委员会",
        value="1200000",
    )
    with pytest.raises(ValidationError, match="只有经营性资产"):
        income(world, road, [{"kind": "collective", "amount": "10000", "recipient": "村集体"}])


def test_a_household_asset_is_owned_by_a_registry_household(world, households):
    with pytest.raises(ValidationError) as refused:
        actions.do_create_asset(
            actor=h.actor(world.cadre),
            name="能繁母牛2头",
            asset_class="household",
            kind="livestock",
            area=world.village,
            owner_type="household",
            custodian="农户自管",
            value="16000",
        )
    assert "owner_household" in refused.value.message_dict
    cow = actions.do_create_asset(
        actor=h.actor(world.cadre),
        name="能繁母牛2头",
        asset_class="household",
        kind="livestock",
        area=world.village,
        owner_type="household",
        owner_household=households[0],
        custodian="农户自管",
        value="16000",
    )
    assert cow.owner_name == (households[0].head_name or households[0].number)


def test_disposal_needs_the_countys_approval_and_every_step_is_audited(world):
    asset = pv(world)
    with pytest.raises(ValidationError, match="经县级审批"):
        actions.do_change_asset_status(
            asset,
            actor=h.actor(world.cadre),
            expected_version=asset.version,
            status="disposed",
            reason="已拆除",
        )
    actions.do_change_asset_status(
        asset,
        actor=h.actor(world.cadre),
        expected_version=asset.version,
        status="damaged",
        reason="冰雹损坏组件",
    )
    disposal = actions.do_request_disposal(
        asset, actor=h.actor(world.cadre), method="scrap", reason="组件损毁，评估无修复价值"
    )
    with pytest.raises(ValidationError, match="已有待审批"):
        actions.do_request_disposal(
            asset, actor=h.actor(world.cadre), method="scrap", reason="再次申请处置"
        )
    for user in (world.cadre, world.reviewer, world.inspector):
        with pytest.raises(PermissionDenied):
            actions.do_decide_disposal(disposal, actor=h.actor(user), approve=True)
    with pytest.raises(NotFound):
        actions.do_decide_disposal(
            disposal,
            actor=h.actor(
                type(world.approver).objects.create(
                    username="a2", role="county_approver", area=world.other_county
                )
            ),
            approve=True,
        )
    actions.do_decide_disposal(
        disposal, actor=h.actor(world.approver), approve=True, comment="同意报废"
    )
    asset.refresh_from_db()
    assert asset.status == "disposed"
    with pytest.raises(ValidationError, match="已审批过"):
        actions.do_decide_disposal(
            disposal, actor=h.actor(world.approver), approve=False, comment="重复审批此申请"
        )
    assert list(
        AuditEntry.objects.filter(object_type="asset")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["create_asset", "change_asset_status", "request_asset_disposal", "approve_asset_disposal"]


def test_a_refused_disposal_leaves_the_asset_and_needs_a_reason(world):
    asset = pv(world)
    disposal = actions.do_request_disposal(
        asset, actor=h.actor(world.cadre), method="sale", reason="闲置多年拟拍卖"
    )
    with pytest.raises(ValidationError):
        actions.do_decide_disposal(disposal, actor=h.actor(world.approver), approve=False)
    actions.do_decide_disposal(
        disposal, actor=h.actor(world.approver), approve=False, comment="仍可发电，继续使用"
    )
    asset.refresh_from_db()
    assert asset.status == "in_use"


def test_the_handover_step_registers_and_hands_over_the_projects_assets(world):
    project = h.walk(world, h.new_project(world), until="handover")
    existing = pv(world, project=project, by=world.approver)
    assert existing.handed_over_on is None
    h.advance(
        world,
        project,
        assets=[
            {
                "name": "东冶村光伏电站配套线路",
                "asset_class": "operating",
                "kind": "equipment",
                "area": world.village,
                "owner_type": "collective",
                "owner_name": "东冶村股份经济合作社",
                "custodian": "东冶村村民委员会",
                "value": "20000",
            }
        ],
    )
    assets = Asset.objects.filter(project=project)
    assert assets.count() == 2 and not assets.filter(handed_over_on__isnull=True).exists()


def test_idle_damaged_and_loss_making_assets_are_reported(world):
    idle = pv(world, name="闲置光伏")
    actions.do_change_asset_status(
        idle,
        actor=h.actor(world.cadre),
        expected_version=idle.version,
        status="idle",
        reason="并网未完成",
    )
    losing = pv(world, name="亏损光伏")
    income(
        world,
        losing,
        [{"kind": "collective", "amount": "800", "recipient": "村集体"}],
        amount="800",
        costs="1200",
    )
    fine = pv(world, name="正常光伏")
    income(
        world,
        fine,
        [{"kind": "collective", "amount": "800", "recipient": "村集体"}],
        amount="800",
        costs="300",
    )
    problems = queries.problem_assets(world.approver, year=LAST_MONTH_START.year)
    assert [(p.asset.name, p.reason) for p in problems] == [
        ("闲置光伏", "状态：闲置"),
        ("亏损光伏", "成本高于收益（亏损）"),
    ]
    assert queries.problem_assets(world.outsider, year=LAST_MONTH_START.year) == []


def test_pv_capacity_by_village_and_its_share_of_the_province_matches_the_seed(world):
    """Seed 001: village stations 36.576万 kW of the province's 121.35万 kW = 30.14%."""
    system = Actor(user=None, source="system")
    extra = do_create_area(world.township, actor=system, name="上冶村")
    pv(world, capacity="200000")
    pv(
        world,
        capacity="100000",
        name="西冶村光伏电站",
        area=world.sibling_village,
        by=world.approver,
    )
    pv(world, capacity="65760", name="上冶村光伏电站", area=extra, by=world.approver)
    # A centralised station of the county, and one of another county of the province.
    pv(world, capacity="600000", name="五台县集中式光伏电站", area=world.county, by=world.approver)
    actions.do_create_asset(
        actor=h.actor(
            type(world.admin).objects.create(username="dx", role="admin", area=world.other_county)
        ),
        name="定襄县集中式光伏电站",
        asset_class="operating",
        kind="pv_station",
        area=world.other_county,
        owner_type="department",
        owner_name="定襄县国资公司",
        custodian="定襄县国资公司",
        value="1",
        capacity="247740",
    )
    figures = queries.pv_figures(world.province_viewer, world.province)
    assert figures.total == Decimal("1213500")  # 121.35万 kW
    assert figures.village_total == Decimal("365760")  # 36.576万 kW
    assert figures.village_share == Decimal("30.14")
    assert figures.village_stations == 3 and figures.stations == 5
    shares = {v.name: v.share for v in figures.villages}
    assert shares["东冶村"] == Decimal("16.48")  # 200,000 / 1,213,500
    # The county approver sees the province's total as the denominator, and only their villages.
    county_view = queries.pv_figures(world.approver, world.province)
    assert county_view.total == Decimal("1213500") and county_view.village_share == Decimal("30.14")
    assert {v.name for v in county_view.villages} == {"东冶村", "西冶村", "上冶村"}
    # A village cadre: only their own village, against the province's total.
    cadre_view = queries.pv_figures(world.cadre, world.province)
    assert [v.name for v in cadre_view.villages] == ["东冶村"]
    with pytest.raises(NotFound):
        queries.pv_figures(world.outsider, world.county)
