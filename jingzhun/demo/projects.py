"""The demo county's project library, funds and assets: projects at each stage of their life
cycle with budgets by source, allocations and disbursements, a few benefit links to the home
village's households, village PV stations (and one centralised station of the county) with
three months of income and its distribution, and the year's plan published as a disclosure
notice. Everything goes through the projects' and assets' actions, dated relative to today.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from jingzhun.accounts.models import User
from jingzhun.areas.models import Area, Level
from jingzhun.assets import actions as asset_actions
from jingzhun.audit.models import Source
from jingzhun.core.actions import Actor
from jingzhun.projects import actions, disclosure
from jingzhun.projects.models import Project
from jingzhun.registry.models import Household

# (name, type, budget by source, steps to do after the application, allocated, disbursed)
PROJECTS: list[tuple[str, str, dict[str, str], int, dict[str, str], dict[str, str]]] = [
    (
        "村级光伏电站扩容",
        "industry",
        {"central": "800000", "county": "200000"},
        5,
        {"central": "800000", "county": "200000"},
        {"central": "720000", "county": "150000"},
    ),
    (
        "小杂粮加工扶贫车间",
        "industry",
        {"central": "600000", "east_west": "300000"},
        3,
        {"central": "600000", "east_west": "300000"},
        {"central": "300000", "east_west": "100000"},
    ),
    (
        "通村道路硬化",
        "infrastructure",
        {"central": "400000", "integrated": "500000"},
        3,
        {"central": "400000", "integrated": "250000"},
        {"central": "100000"},
    ),
    ("农村饮水安全巩固提升", "infrastructure", {"integrated": "350000"}, 2, {}, {}),
    ("脱贫劳动力技能培训", "employment", {"county": "120000", "paired": "50000"}, 1, {}, {}),
]


def _walk(project: Project, steps: int, users: dict[str, User], on: dt.date) -> Project:
    people = {
        "county_approver": Actor(user=users["xian"], source=Source.DEMO),
        "village_cadre": Actor(user=users["cun"], source=Source.DEMO),
    }
    for _ in range(steps):
        from jingzhun.cases.procedures import project_procedure_of

        step = project_procedure_of(project).step(project.position)
        role = next(
            r
            for r in step.allowed_roles
            if r in people and project.area_code.startswith(people[r].user.scope_prefix)  # type: ignore[union-attr]
        )
        project = actions.do_perform_project_step(
            project,
            actor=people[role],
            expected_version=project.version,
            step_code=step.code,
            on=on,
            decision="agree" if step.is_decision else "",
            document="演示乡振发〔2026〕1号" if step.kind == "approval" else "",
            note="资产移交村股份经济合作社（演示）" if step.kind == "handover" else "",
        )
    return project


def create_demo_projects(village: Area, users: dict[str, User]) -> dict[str, int]:
    """Build the demo's projects, assets and notice; returns counts by kind."""
    today = actions.today()
    on = today - dt.timedelta(days=20)
    county = village.parent.parent if village.parent else village
    assert county is not None
    cadre = Actor(user=users["cun"], source=Source.DEMO)
    approver = Actor(user=users["xian"], source=Source.DEMO)
    households = list(
        Household.objects.filter(village_code=village.code, is_deleted=False).order_by("id")[:6]
    )
    counts = {"projects": 0, "allocations": 0, "disbursements": 0, "benefits": 0, "assets": 0}
    projects = []
    for n, (name, kind, budget, steps, allocated, paid) in enumerate(PROJECTS):
        area = village if n % 2 == 0 else county
        project = actions.do_create_project(
            actor=cadre if area == village else approver,
            name=f"{area.name}{name}（演示）",
            project_type=kind,
            area=area,
            year=today.year,
            implementing_unit=f"{county.name}乡村振兴局",
            content=f"{name}，详见项目实施方案（演示）",
            budget=budget,
            on=on,
            starts_on=dt.date(today.year, 3, 1),
            ends_on=dt.date(today.year, 11, 30),
            targets=[
                {"indicator": "带动脱贫户和监测户", "target": "30户", "actual": ""},
                {"indicator": "户均增收", "target": "1000元", "actual": ""},
            ],
        )
        counts["projects"] += 1
        project = _walk(project, min(steps, 2), users, on)
        for source, amount in allocated.items():
            actions.do_add_allocation(
                project,
                actor=approver,
                source=source,
                on=on,
                amount=amount,
                document=f"演示财农〔{today.year}〕{n + 3}号",
            )
            counts["allocations"] += 1
        for k, (source, amount) in enumerate(paid.items(), start=1):
            actions.do_add_disbursement(
                project,
                actor=approver,
                source=source,
                on=on,
                amount=amount,
                voucher=f"YS{today.year}{n:02d}{k:02d}",
                payee="演示工程有限公司",
            )
            counts["disbursements"] += 1
        if kind == "industry" and area == village:
            for household, how, amount in zip(
                households,
                ("dividend", "dividend", "wages", "land_rent"),
                (600, 600, 3600, 800),
                strict=False,  # a small demo village may have fewer households
            ):
                actions.do_link_benefit(
                    project,
                    actor=cadre,
                    household=household,
                    kind=how,
                    amount_per_year=str(amount),
                )
                counts["benefits"] += 1
        if steps > 2:
            project = _walk(project, steps - 2, users, on)
        projects.append(project)

    # Village PV stations across the county and one centralised station of the county.
    villages = list(
        Area.objects.filter(level=Level.VILLAGE, code__startswith=county.code[:6]).order_by("code")[
            :8
        ]
    )
    stations = []
    for n, place in enumerate(villages):
        stations.append(
            asset_actions.do_create_asset(
                actor=approver,
                name=f"{place.name}村级光伏电站",
                asset_class="operating",
                kind="pv_station",
                area=place,
                owner_type="collective",
                owner_name=f"{place.name}股份经济合作社",
                custodian=f"{place.name}村民委员会",
                value=str(300000 + 50000 * n),
                capacity=str(100 + 20 * n),
                project=projects[0] if place == village else None,
                built_on=dt.date(today.year - 3, 6, 30),
                handed_over_on=dt.date(today.year - 3, 9, 1),
            )
        )
    asset_actions.do_create_asset(
        actor=approver,
        name=f"{county.name}集中式光伏扶贫电站",
        asset_class="operating",
        kind="pv_station",
        area=county,
        owner_type="department",
        owner_name=f"{county.name}国有资产投资经营公司",
        custodian=f"{county.name}光伏运维中心",
        value="42000000",
        capacity="20000",
        built_on=dt.date(today.year - 4, 6, 30),
    )
    counts["assets"] = len(stations) + 1
    idle = stations[-1]
    asset_actions.do_change_asset_status(
        idle,
        actor=approver,
        expected_version=idle.version,
        status="idle",
        reason="并网线路改造，暂停发电（演示）",
    )
    # Three months of income of the home village's station, distributed in full.
    home = next(s for s in stations if s.area_id == village.pk) if stations else None
    if home is not None:
        month_end = today.replace(day=1) - dt.timedelta(days=1)
        for _ in range(3):
            start = month_end.replace(day=1)
            income = Decimal("9000")
            lines: list[dict[str, Any]] = [
                {"kind": "maintenance", "amount": "900", "recipient": "县光伏运维中心"},
                {"kind": "public_works", "amount": "1100", "recipient": "村内小型公益事业"},
            ]
            for household in households[:2]:
                lines.append({"kind": "welfare_wages", "amount": "1500", "household": household})
            for household in households[2:4]:
                lines.append({"kind": "dividend", "amount": "500", "household": household})
            # The village collective receives the rest: the lines add up to the income.
            rest = income - sum(Decimal(line["amount"]) for line in lines)
            lines.insert(
                0, {"kind": "collective", "amount": str(rest), "recipient": f"{village.name}集体"}
            )
            asset_actions.do_record_asset_income(
                home,
                actor=cadre,
                period_kind="month",
                period_start=start,
                period_end=month_end,
                income=income,
                costs="600",
                lines=lines,
            )
            month_end = start - dt.timedelta(days=1)
    disclosure.do_publish_disclosure(
        actor=approver,
        kind="plan",
        year=today.year,
        area=county,
        record={
            "starts_on": (today - dt.timedelta(days=2)).isoformat(),
            "place": f"{county.name}人民政府网站和各乡镇、村公示栏",
            "contact": f"{county.name}乡村振兴局",
        },
    )
    counts["notices"] = 1
    return counts
