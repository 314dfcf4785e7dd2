"""Building projects and assets in tests through the real actions (as the pages and an
importer do): a project of the cadre's village with a budget by source, walked through its
configured life cycle by the persona each step names."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Model
from django.utils import timezone

from jingzhun.accounts.models import User
from jingzhun.assets.models import Asset, AssetIncome, Disposal, Distribution
from jingzhun.audit.models import AuditEntry
from jingzhun.cases.procedures import project_procedure_of
from jingzhun.core.actions import Actor
from jingzhun.projects import actions
from jingzhun.projects.models import (
    Allocation,
    Benefit,
    BudgetLine,
    Disbursement,
    Project,
    ProjectStep,
)
from tests.conftest import World

TABLES: tuple[type[Model], ...] = (
    Project,
    ProjectStep,
    BudgetLine,
    Allocation,
    Disbursement,
    Benefit,
    Asset,
    AssetIncome,
    Distribution,
    Disposal,
    AuditEntry,
)


def actor(user: User) -> Actor:
    return Actor(user=user, source="form", ip="127.0.0.1")


def today() -> dt.date:
    return timezone.localdate()


def snapshot() -> dict[str, Any]:
    """What "nothing changed" compares: row counts, versions and money totals."""
    state: dict[str, Any] = {m.__name__: m.objects.count() for m in TABLES}
    state["versions"] = list(Project.objects.order_by("pk").values_list("version", flat=True))
    state["assets"] = list(Asset.objects.order_by("pk").values_list("status", "version"))
    return state


def new_project(
    world: World,
    *,
    by: User | None = None,
    area: Any = None,
    project_type: str = "industry",
    year: int | None = None,
    budget: dict[str, Any] | None = None,
    name: str = "东冶村光伏电站扩建",
) -> Project:
    return actions.do_create_project(
        actor=actor(by or world.cadre),
        name=name,
        project_type=project_type,
        area=area or world.village,
        year=year or today().year,
        implementing_unit="五台县乡村振兴局",
        content="新建村级光伏电站100kW",
        budget=budget or {"central": "300000", "county": "100000"},
        targets=[{"indicator": "带动脱贫户增收", "target": "20户"}],
    )


def persona_for(world: World, project: Project) -> User:
    """The persona who does the project's current step (its first allowed role holding it)."""
    by_role = {
        "village_cadre": world.cadre,
        "township_reviewer": world.reviewer,
        "county_approver": world.approver,
        "admin": world.admin,
    }
    step = project_procedure_of(project).step(project.position)
    return next(
        by_role[r]
        for r in step.allowed_roles
        if r in by_role and project.area_code.startswith(by_role[r].scope_prefix)
    )


def advance(world: World, project: Project, **record: Any) -> Project:
    """Do the current step as its persona, agreeing where it decides."""
    step = project_procedure_of(project).step(project.position)
    values: dict[str, Any] = {"on": today()}
    if step.is_decision:
        values["decision"] = "agree"
    if step.kind == "approval":
        values["document"] = "五乡振发〔2025〕12号"
    if step.kind == "handover":
        values["note"] = "光伏电站移交村集体"
    values.update(record)
    return actions.do_perform_project_step(
        project,
        actor=actor(persona_for(world, project)),
        expected_version=project.version,
        step_code=step.code,
        **values,
    )


def walk(world: World, project: Project, *, until: str) -> Project:
    """Advance until the project waits on the step ``until`` (or closes)."""
    while project.is_open and project.step_code != until:
        project = advance(world, project)
    return project


def approved(world: World, **kwargs: Any) -> Project:
    """A project approved into the library (waiting at 实施)."""
    return walk(world, new_project(world, **kwargs), until="implementation")


def allocate(world: World, project: Project, amount: str, source: str = "central") -> Allocation:
    return actions.do_add_allocation(
        project,
        actor=actor(world.approver),
        source=source,
        on=today(),
        amount=amount,
        document="忻财农〔2025〕8号",
    )


def disburse(
    world: World, project: Project, amount: str, source: str = "central", voucher: str = "PZ-001"
) -> Disbursement:
    return actions.do_add_disbursement(
        project,
        actor=actor(world.approver),
        source=source,
        on=today(),
        amount=amount,
        voucher=voucher,
        payee="五台县光伏工程公司",
    )


def money(value: str) -> Decimal:
    return Decimal(value)
