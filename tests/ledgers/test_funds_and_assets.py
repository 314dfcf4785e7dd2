"""The project library, fund and asset ledgers: projects proposed as the action proposes them,
allocations and disbursements within their limits (a row above them refused with the figures,
the rest applied), assets registered with their ownership, income rows whose distribution must
add up; each file loaded twice changes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jingzhun.assets.models import Asset, AssetIncome
from jingzhun.core.actions import PermissionDenied
from jingzhun.ledgers.models import LedgerUpload
from jingzhun.projects.models import Allocation, Disbursement, Project
from tests.ledgers.conftest import actions_by_row, apply, load, refused, xlsx_bytes
from tests.projects import helpers as h

PROJECT_HEADERS = [
    "年度",
    "项目名称",
    "项目类型",
    "实施地区",
    "实施单位",
    "建设内容和规模",
    "计划开工日期",
    "计划完工日期",
    "中央财政衔接资金（元）",
    "县级财政衔接资金（元）",
]


def test_a_project_library_file_proposes_each_project_once(world):
    rows = [
        [
            2026,
            "东冶村光伏电站",
            "产业发展",
            "东冶村",
            "东冶村委会",
            "100kW",
            "2026-03-01",
            "2026-10-31",
            300000,
            50000,
        ],
        [
            2026,
            "西冶村道路硬化",
            "基础设施",
            world.sibling_village.code,
            "西冶村委会",
            "2公里",
            None,
            None,
            None,
            200000,
        ],
        [2026, "无资金的项目", "产业发展", "东冶村", "东冶村委会", "—", None, None, None, None],
        [2026, "外县项目", "产业发展", "北村", "某村委会", "—", None, None, 1000, None],
    ]
    upload, _ = load(world.reviewer, "projects", xlsx_bytes(PROJECT_HEADERS, rows))
    assert actions_by_row(upload) == {2: "create", 3: "create", 4: "refused", 5: "refused"}
    problems = refused(upload)
    assert "资金来源" in str(problems[4]) or "计划金额" in str(problems[4])
    assert "实施地区" in str(problems[5])
    assert not Project.objects.exists()  # the preview stores nothing
    apply(world.reviewer, upload)
    solar = Project.objects.get(name="东冶村光伏电站")
    assert solar.area == world.village and solar.step_code == "review"
    assert {line.source: line.amount for line in solar.budget.all()} == {
        "central": Decimal("300000.00"),
        "county": Decimal("50000.00"),
    }
    again, _ = load(world.reviewer, "projects", xlsx_bytes(PROJECT_HEADERS, rows[:2]))
    assert actions_by_row(again) == {2: "unchanged", 3: "unchanged"}
    assert Project.objects.count() == 2


ALLOCATION_HEADERS = ["项目编号", "资金来源", "下达日期", "下达金额（元）", "下达文号"]
DISBURSEMENT_HEADERS = ["项目编号", "资金来源", "拨付日期", "拨付金额（元）", "凭证号", "收款单位"]


def test_money_rows_above_their_limits_are_refused_with_the_figures_and_the_rest_applied(world):
    project = h.approved(world)  # central 300,000 and county 100,000 planned
    allocations = [
        [project.number, "中央财政衔接资金", "2026-11-01", 200000, "五财农〔2026〕1号"],
        [project.name, "中央衔接资金", "2026-11-02", 150000, "五财农〔2026〕2号"],  # above plan
        [project.number, "县级财政衔接资金", "2026-11-03", 100000, "五财农〔2026〕3号"],
    ]
    upload, _ = load(world.approver, "allocations", xlsx_bytes(ALLOCATION_HEADERS, allocations))
    assert actions_by_row(upload) == {2: "create", 3: "refused", 4: "create"}
    assert "超出计划50,000.00元" in str(refused(upload)[3])
    apply(world.approver, upload)
    assert Allocation.objects.count() == 2

    payments = [
        [project.number, "中央财政衔接资金", "2026-11-10", 150000, "PZ-001", "某建设公司"],
        [project.number, "中央财政衔接资金", "2026-11-11", 60000, "PZ-002", "某建设公司"],  # above
        [project.number, "县级财政衔接资金", "2026-11-12", 100000, "PZ-003", "某建设公司"],
    ]
    upload, _ = load(world.approver, "disbursements", xlsx_bytes(DISBURSEMENT_HEADERS, payments))
    assert actions_by_row(upload) == {2: "create", 3: "refused", 4: "create"}
    assert "超出已下达资金10,000.00元" in str(refused(upload)[3])
    apply(world.approver, upload)
    assert sorted(d.voucher for d in Disbursement.objects.all()) == ["PZ-001", "PZ-003"]
    # The same rows in another file: the stored payments are unchanged, the refused one still
    # refused. (The same file again returns its upload.)
    again, new = load(
        world.approver,
        "disbursements",
        xlsx_bytes(DISBURSEMENT_HEADERS, payments, title="拨付台账"),
    )
    assert new
    assert actions_by_row(again) == {4: "unchanged", 5: "refused", 6: "unchanged"}  # under a title


def test_a_village_cadre_may_not_load_fund_ledgers(world):
    with pytest.raises(PermissionDenied):
        load(
            world.cadre,
            "allocations",
            xlsx_bytes(ALLOCATION_HEADERS, [["x", "中央", "2026-11-01", 1, "d"]]),
        )
    assert not LedgerUpload.objects.exists()


ASSET_HEADERS = [
    "资产名称",
    "资产类别",
    "资产类型",
    "所在地区",
    "确权主体类型",
    "产权归属",
    "管护主体",
    "资产价值（元）",
    "规模（容量）",
    "规模单位",
]
INCOME_HEADERS = [
    "资产",
    "期间类型",
    "期间开始",
    "期间结束",
    "收益（元）",
    "村集体经济收入（元）",
    "运维管护（元）",
    "村集体接收方",
    "运维接收方",
    "农户分红（户编号:金额）",
]


def test_assets_and_their_income_whose_distribution_must_add_up(world, homes):
    assets = [
        [
            "东冶村光伏电站",
            "经营性资产",
            "光伏电站",
            "东冶村",
            "村集体",
            "东冶村合作社",
            "东冶村委会",
            800000,
            300,
            "kW",
        ],
        [
            "东冶村道路",
            "公益性资产",
            "道路",
            "东冶村",
            "村集体",
            "东冶村合作社",
            "东冶村委会",
            500000,
            2,
            "公里",
        ],
    ]
    upload, _ = load(world.cadre, "assets", xlsx_bytes(ASSET_HEADERS, assets))
    assert actions_by_row(upload) == {2: "create", 3: "create"}, upload.preview
    apply(world.cadre, upload)
    station = Asset.objects.get(name="东冶村光伏电站")
    assert station.capacity == Decimal("300") and station.asset_class == "operating"

    a, b = homes["a"].number, homes["b"].number
    income = [
        [
            "东冶村光伏电站",
            "季度",
            "2026-07-01",
            "2026-09-30",
            30000,
            25000,
            3000,
            "东冶村合作社",
            "运维公司",
            f"{a}:1000；{b}:1000",
        ],
        [
            "东冶村光伏电站",
            "季度",
            "2026-04-01",
            "2026-06-30",
            30000,
            25000,
            3000,
            "东冶村合作社",
            "运维公司",
            f"{a}:1000",
        ],  # 1,000 short
        [
            "东冶村道路",
            "年",
            "2025-01-01",
            "2025-12-31",
            100,
            100,
            None,
            "东冶村合作社",
            None,
            None,
        ],  # not operating
    ]
    upload, _ = load(world.cadre, "asset_income", xlsx_bytes(INCOME_HEADERS, income))
    assert actions_by_row(upload) == {2: "create", 3: "refused", 4: "refused"}, upload.preview
    assert "收益" in str(refused(upload)[3])
    apply(world.cadre, upload)
    entry = AssetIncome.objects.get()
    assert sum(line.amount for line in entry.lines.all()) == entry.income == Decimal("30000")
    assert {line.household_id for line in entry.lines.all() if line.household_id} == {
        homes["a"].pk,
        homes["b"].pk,
    }
    again, _ = load(world.cadre, "asset_income", xlsx_bytes(INCOME_HEADERS, income[:1]), "二.xlsx")
    assert actions_by_row(again) == {2: "unchanged"}


def test_the_project_and_asset_templates_example_rows_import(client, world):
    from tests.conftest import login
    from tests.ledgers.test_pages import _filled

    login(client, world.reviewer)
    upload, _ = load(world.reviewer, "projects", _filled("projects", {}, client))
    assert upload.counts["create"] == 1, upload.preview
    login(client, world.cadre)
    upload, _ = load(world.cadre, "assets", _filled("assets", {}, client))
    assert upload.counts["create"] == 1, upload.preview
