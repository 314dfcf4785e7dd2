"""Every change to a project, its money and its benefit links goes through one of these.

Each function checks the actor's role and the project's area scope (out of scope answers like
absent: :class:`NotFound`), validates with Chinese messages per field
(:class:`ValidationError`), writes in one transaction with its audit entry, and changes nothing
when refused. They take plain keyword arguments, so a spreadsheet importer can call them row by
row exactly as the pages do.

The life cycle comes from the procedure files (:func:`jingzhun.cases.procedures.
project_procedure_for`): which step comes next, which roles may do it, its due days and where a
"return" sends the project. A step moves the project with one conditional UPDATE on its
version: of two people acting at once, the second is refused (:class:`ConcurrentEditError`).

Money rules (docs/projects.md): an allocation (下达) may not take a source's allocations above
the project's budget line for that source — the county adjusts the budget first
(:func:`do_set_budget`, audited); a disbursement (拨付) may not take a source's payments above
what was allocated from it. Both lock the project row first (``funds_version``), so two
payments recorded at once cannot together pass the limit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone, translation

from jingzhun.accounts.roles import FUND_KEEPERS, Role
from jingzhun.areas.models import Area, Level
from jingzhun.audit import recorder
from jingzhun.cases.procedures import (
    ProjectProcedure,
    Step,
    project_procedure_for,
    project_procedure_of,
)
from jingzhun.core.actions import (
    Actor,
    ConcurrentEditError,
    NotFound,
    PermissionDenied,
    jsonable,
    raise_if_errors,
)
from jingzhun.projects import choices as pc
from jingzhun.projects.models import (
    PROJECT_LABEL,
    Allocation,
    Benefit,
    BudgetLine,
    Disbursement,
    Project,
    ProjectStep,
)
from jingzhun.registry.models import Household

Errors = dict[str, list[str]]
NOTE_MIN_CHARS = 4
MAX_TARGETS = 30
CENT = Decimal("0.01")


def today() -> dt.date:
    return timezone.localdate()


def labels(choices: Any) -> str:
    """A value list's labels, for "可用…" in messages."""
    return "、".join(str(label) for label in choices.labels)


def yuan(value: Decimal) -> str:
    """An amount as messages and notices write it: 1,234,567.80元."""
    return f"{value:,.2f}元"


# --- who may act ---------------------------------------------------------------------------------


def ensure_in_scope(actor: Actor, area_code: str, pk: Any = None) -> None:
    """Out of scope answers like absent."""
    if actor.user is None:
        raise PermissionDenied("项目须由具名的工作人员办理。")
    if not area_code.startswith(actor.user.scope_prefix):
        raise NotFound(pk)


def ensure_step_role(actor: Actor, step: Step) -> None:
    role = getattr(actor.user, "role", "")
    if role not in step.allowed_roles:
        mine = Role(role).label if role in Role.values else role
        raise PermissionDenied(
            f"“{step.title}”应由{step.role_label}办理；您的角色是{mine}，不能办理本环节。"
        )


def ensure_fund_keeper(actor: Actor) -> None:
    if getattr(actor.user, "role", "") not in FUND_KEEPERS:
        raise PermissionDenied("资金下达、拨付和预算调整由县级审批员（县乡村振兴、财政部门）登记。")


def current_step(project: Project) -> Step | None:
    """The step the project waits on (None once closed)."""
    if not project.is_open:
        return None
    return project_procedure_of(project).step(project.position)


def can_act(user: Any, project: Project) -> bool:
    """Whether ``user`` may do the project's current step (role and scope): the pages offer the
    step form only then, and refuse a post before reading it otherwise."""
    step = current_step(project)
    return bool(
        step is not None
        and getattr(user, "role", "") in step.allowed_roles
        and project.area_code.startswith(getattr(user, "scope_prefix", "~"))
    )


# --- cleaning ------------------------------------------------------------------------------------


def _text(errors: Errors, field: str, label: str, value: Any, *, max_length: int = 200) -> str:
    text = str(value or "").strip()
    if not text:
        errors.setdefault(field, []).append(f"请填写{label}。")
    elif len(text) > max_length:
        errors.setdefault(field, []).append(f"{label}最多{max_length}字。")
    return text


def _amount(
    errors: Errors, field: str, label: str, value: Any, *, positive: bool = True
) -> Decimal:
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        errors.setdefault(field, []).append(f"{label}应为金额（元），如 120000 或 120000.50。")
        return Decimal(0)
    if not amount.is_finite():
        errors.setdefault(field, []).append(f"{label}应为金额（元）。")
        return Decimal(0)
    if amount != amount.quantize(CENT):
        errors.setdefault(field, []).append(f"{label}最多保留两位小数（分）。")
    if positive and amount <= 0:
        errors.setdefault(field, []).append(f"{label}应大于0。")
    elif amount < 0:
        errors.setdefault(field, []).append(f"{label}不能为负数。")
    if amount >= Decimal("1e12"):
        errors.setdefault(field, []).append(f"{label}过大：请核对单位（元）。")
    return amount.quantize(CENT) if amount.is_finite() else Decimal(0)


def _date(errors: Errors, field: str, label: str, value: Any, *, required: bool = True) -> Any:
    if value in (None, ""):
        if required:
            errors.setdefault(field, []).append(f"请填写{label}。")
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(str(value).strip())
        except ValueError:
            errors.setdefault(field, []).append(f"{label}应为日期，如 2025-03-01。")
            return None
    if day > today():
        errors.setdefault(field, []).append(f"{label}{day}晚于今天：请填写实际日期。")
    return day


def _source(errors: Errors, value: Any, field: str = "source") -> str:
    if value not in pc.FundSource.values:
        errors.setdefault(field, []).append(
            f"资金来源“{value or ''}”无效：可用{labels(pc.FundSource)}。"
        )
        return ""
    return str(value)


def clean_budget(errors: Errors, budget: Mapping[str, Any] | None) -> dict[str, Decimal]:
    """``{source: amount}`` with amounts ≥ 0; at least one positive."""
    out: dict[str, Decimal] = {}
    for source, raw in (budget or {}).items():
        if raw in (None, ""):
            continue
        if _source(errors, source, "budget"):
            amount = _amount(errors, f"budget_{source}", "计划金额", raw, positive=False)
            if amount > 0:
                out[source] = amount
    if not out and "budget" not in errors:
        errors.setdefault("budget", []).append("请至少填写一项资金来源的计划金额。")
    return out


def clean_targets(errors: Errors, targets: Iterable[Mapping[str, Any]] | None) -> list[dict]:
    """绩效目标: a list of {indicator, target, actual}; indicator and target required."""
    out = []
    for n, item in enumerate(targets or [], start=1):
        indicator = str(item.get("indicator") or "").strip()
        target = str(item.get("target") or "").strip()
        actual = str(item.get("actual") or "").strip()
        if not (indicator or target or actual):
            continue
        if not indicator or not target:
            errors.setdefault("targets", []).append(f"第{n}条绩效目标须同时填写指标和目标值。")
            continue
        out.append({"indicator": indicator[:100], "target": target[:100], "actual": actual[:100]})
    if len(out) > MAX_TARGETS:
        errors.setdefault("targets", []).append(f"绩效目标最多{MAX_TARGETS}条。")
    return out


# --- life cycle ----------------------------------------------------------------------------------


def _position_changes(procedure: ProjectProcedure, position: int, since: dt.date) -> dict:
    step = procedure.step(position)
    return {
        "position": position,
        "step_code": step.code,
        "step_roles": "," + ",".join(step.allowed_roles) + ",",
        "step_since": since,
        "step_due_on": since + dt.timedelta(days=step.due_days) if step.due_days else None,
    }


def _closed(status: str, on: dt.date) -> dict[str, Any]:
    return {"status": status, "closed_on": on, "step_roles": "", "step_due_on": None}


def _label(project: Project) -> str:
    return PROJECT_LABEL % {"number": project.number}


def _save_step(
    project: Project,
    step: Step,
    *,
    actor: Actor,
    on: dt.date,
    outcome: str,
    decision: str = "",
    note: str = "",
    document: str = "",
    attachment: UploadedFile | None = None,
) -> ProjectStep:
    row = ProjectStep(
        project=project,
        position=step.position,
        code=step.code,
        kind=step.kind,
        title=step.title,
        outcome=outcome,
        decision=decision,
        on=on,
        note=note,
        document=document,
        performed_by=actor.user,
        performed_by_name=actor.name,
        role=getattr(actor.user, "role", ""),
    )
    if attachment is not None:
        row.attachment = attachment
    row.save()
    return row


@transaction.atomic
def do_create_project(
    *,
    actor: Actor,
    name: str,
    project_type: str,
    area: Area,
    year: int,
    implementing_unit: str,
    content: str,
    budget: Mapping[str, Any],
    on: dt.date | str | None = None,
    starts_on: dt.date | str | None = None,
    ends_on: dt.date | str | None = None,
    targets: Iterable[Mapping[str, Any]] | None = None,
    note: str = "",
) -> Project:
    """入库申报: the project enters the library at its procedure's first step, done by the
    actor (a role the configuration allows for that step, holding ``area``), and waits on the
    second. ``budget`` is ``{fund source: amount}``."""
    if actor.user is None:
        raise PermissionDenied("项目须由具名的工作人员申报。")
    ensure_in_scope(actor, area.code, area.pk)
    errors: Errors = {}
    if area.level not in (Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE):
        errors.setdefault("area", []).append("项目的实施地区应为县、乡镇或行政村。")
    if project_type not in pc.ProjectType.values:
        errors.setdefault("project_type", []).append(
            f"项目类型“{project_type}”无效：可用{labels(pc.ProjectType)}。"
        )
        procedure = project_procedure_for(pc.ProjectType.OTHER, area.code)
    else:
        procedure = project_procedure_for(project_type, area.code)
    first = procedure.step(0)
    ensure_step_role(actor, first)
    name = _text(errors, "name", "项目名称", name)
    unit = _text(errors, "implementing_unit", "实施单位", implementing_unit, max_length=100)
    content = _text(errors, "content", "建设内容和规模", content, max_length=2000)
    try:
        year = int(year)
        if not 2000 <= year <= today().year + 5:
            raise ValueError
    except (TypeError, ValueError):
        errors.setdefault("year", []).append("年度应为四位年份（不早于2000年，最多提前5年）。")
        year = today().year
    day = _date(errors, "on", "申报日期", on, required=False) or today()
    start = _date_any(errors, "starts_on", "计划开工日期", starts_on)
    end = _date_any(errors, "ends_on", "计划完工日期", ends_on)
    if start and end and end < start:
        errors.setdefault("ends_on", []).append("计划完工日期不能早于计划开工日期。")
    lines = clean_budget(errors, budget)
    cleaned_targets = clean_targets(errors, targets)
    raise_if_errors(errors)

    project = Project.objects.create(
        number=f"tmp-{timezone.now().timestamp()}-{actor.user.pk}",
        name=name,
        project_type=project_type,
        area=area,
        area_code=area.code,
        year=year,
        implementing_unit=unit,
        content=content,
        starts_on=start,
        ends_on=end,
        targets=cleaned_targets,
        region=procedure.region,
        procedure_type=procedure.project_type,
        procedure_version=procedure.version,
        created_by=actor.user,
        **_position_changes(procedure, 1, day),
    )
    project.number = f"XM{area.code[:6]}{year}{project.pk:06d}"
    Project.objects.filter(pk=project.pk).update(number=project.number)
    BudgetLine.objects.bulk_create(
        [BudgetLine(project=project, source=s, amount=a) for s, a in lines.items()]
    )
    _save_step(project, first, actor=actor, on=day, outcome=pc.StepOutcome.DONE, note=note)
    recorder.record(
        actor=actor,
        action="create_project",
        obj=project,
        area_code=project.area_code,
        label=_label(project),
        changes={
            "name": [None, name],
            "project_type": [None, project_type],
            "year": [None, year],
            "budget": [None, {s: str(a) for s, a in lines.items()}],
            "step_code": [None, project.step_code],
        },
    )
    return project


def _date_any(errors: Errors, field: str, label: str, value: Any) -> dt.date | None:
    """A planned date (may lie in the future)."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        errors.setdefault(field, []).append(f"{label}应为日期，如 2025-03-01。")
        return None


def _ensure_version(project: Project, expected_version: int) -> None:
    if int(expected_version) != project.version:
        latest = project.steps.order_by("-id").first()
        raise ConcurrentEditError(
            label=_label(project),
            changes={"环节": (latest.title if latest else "", project.step_code)},
            changed_by=latest.performed_by_name if latest else "",
        )


def _advance(
    project: Project,
    *,
    actor: Actor,
    expected_version: int,
    changes: dict[str, Any],
    audit_action: str,
    reason: str = "",
) -> None:
    """Move the project on if nobody else did first (one conditional UPDATE)."""
    old = {k: getattr(project, k) for k in changes}
    updated = Project.objects.filter(
        pk=project.pk, version=expected_version, status=pc.ProjectStatus.OPEN
    ).update(**changes, version=F("version") + 1)
    if updated != 1:
        latest = Project.objects.get(pk=project.pk)
        raise ConcurrentEditError(
            label=_label(project),
            changes={"环节": (project.step_code, latest.step_code)},
            changed_by=latest.steps.order_by("-id")
            .values_list("performed_by_name", flat=True)
            .first()
            or "",
        )
    for key, value in changes.items():
        setattr(project, key, value)
    project.version = expected_version + 1
    diff = {
        k: [jsonable(old[k]), jsonable(v)]
        for k, v in changes.items()
        if jsonable(old[k]) != jsonable(v)
    }
    diff["version"] = [expected_version, expected_version + 1]
    recorder.record(
        actor=actor,
        action=audit_action,
        obj=project,
        area_code=project.area_code,
        label=_label(project),
        changes=diff,
        reason=reason,
    )


def _outcome(
    procedure: ProjectProcedure, step: Step, decision: str, day: dt.date
) -> tuple[str, str, dict[str, Any]]:
    """(the step's outcome, the audit action, the project's new fields)."""
    if step.is_decision and decision == pc.Decision.REJECT:
        return (
            pc.StepOutcome.REJECTED,
            "reject_project",
            _closed(pc.ProjectStatus.REJECTED, day),
        )
    if step.is_decision and decision == pc.Decision.RETURN:
        back = procedure.position_of(step.returns_to)
        return pc.StepOutcome.RETURNED, "return_project", _position_changes(procedure, back, day)
    if step.kind == pc.ProjectStepKind.HANDOVER:
        return pc.StepOutcome.DONE, "complete_project", _closed(pc.ProjectStatus.COMPLETED, day)
    return (
        pc.StepOutcome.DONE,
        "project_step",
        _position_changes(procedure, step.position + 1, day),
    )


def _last_step_on(project: Project) -> dt.date:
    last = project.steps.order_by("-id").values_list("on", flat=True).first()
    return last or project.created_at.date()


@transaction.atomic
def do_perform_project_step(
    project: Project,
    *,
    actor: Actor,
    expected_version: int,
    on: dt.date | str | None,
    step_code: str | None = None,
    decision: str = "",
    note: str = "",
    document: str = "",
    attachment: UploadedFile | None = None,
    targets: Iterable[Mapping[str, Any]] | None = None,
    assets: Iterable[Mapping[str, Any]] | None = None,
) -> Project:
    """Do the project's current step. ``step_code`` (what the user believes they are doing)
    must be the current one. Deciding steps (论证审核, 批复入库, 验收) take ``decision``
    agree / return / reject — return and reject with a ``note`` saying why; "return" sends the
    project to the step the configuration names. 批复入库 takes its ``document`` (批复文号).
    验收 may record the targets' actual values (``targets``). 资产移交, the last step, confirms
    the project's assets (``assets``: new ones to register, each as
    :func:`jingzhun.assets.actions.do_create_asset` takes them; the assets already recorded for
    the project are marked handed over that day); a project that leaves no asset says why in
    ``note``."""
    ensure_in_scope(actor, project.area_code, project.pk)
    _ensure_version(project, expected_version)
    if not project.is_open:
        raise_if_errors(
            {"step": [f"项目{project.number}已{project.get_status_display()}，不能再办理。"]}
        )
    procedure = project_procedure_of(project)
    step = procedure.step(project.position)
    if step_code and step_code != step.code:
        asked = next((s.title for s in procedure.steps if s.code == step_code), step_code)
        raise_if_errors(
            {
                "step": [
                    f"项目{project.number}当前环节是“{step.title}”，不能办理“{asked}”："
                    "请按程序顺序办理。"
                ]
            }
        )
    ensure_step_role(actor, step)

    errors: Errors = {}
    day = _date(errors, "on", "办理日期", on)
    if day is not None and day < _last_step_on(project):
        errors.setdefault("on", []).append(
            f"办理日期{day}早于上一环节的日期{_last_step_on(project)}：请按实际顺序填写。"
        )
    note = str(note or "").strip()
    document = str(document or "").strip()[:100]
    if step.is_decision:
        if decision not in pc.Decision.values:
            errors.setdefault("decision", []).append("请选择意见：同意、退回或不同意。")
        elif decision != pc.Decision.AGREE and len(note) < NOTE_MIN_CHARS:
            errors.setdefault("note", []).append("退回或不同意须写明理由。")
    else:
        decision = ""
    if step.kind == pc.ProjectStepKind.APPROVAL and decision == pc.Decision.AGREE and not document:
        errors.setdefault("document", []).append("批复入库须填写批复文号。")
    cleaned_targets = None
    if targets is not None:
        cleaned_targets = clean_targets(errors, targets)
    new_assets = list(assets or [])
    if step.kind == pc.ProjectStepKind.HANDOVER:
        from jingzhun.assets.models import Asset

        has_assets = Asset.objects.filter(project=project).exists()
        if not new_assets and not has_assets and len(note) < NOTE_MIN_CHARS:
            errors.setdefault("assets", []).append(
                "资产移交须登记项目形成的资产；未形成资产的项目须在说明中写明原因。"
            )
    raise_if_errors(errors)
    assert day is not None

    outcome, action, changes = _outcome(procedure, step, decision, day)
    if outcome == pc.StepOutcome.DONE and step.kind == pc.ProjectStepKind.APPROVAL:
        changes["approved_on"] = day
    if outcome == pc.StepOutcome.DONE and step.kind == pc.ProjectStepKind.ACCEPTANCE:
        changes["accepted_on"] = day
    if cleaned_targets is not None:
        changes["targets"] = cleaned_targets
    _advance(
        project,
        actor=actor,
        expected_version=expected_version,
        changes=changes,
        audit_action=action,
        reason=note,
    )
    _save_step(
        project,
        step,
        actor=actor,
        on=day,
        outcome=outcome,
        decision=decision,
        note=note,
        document=document,
        attachment=attachment,
    )
    if step.kind == pc.ProjectStepKind.HANDOVER:
        from jingzhun.assets.actions import do_create_asset, hand_over_project_assets

        for n, spec in enumerate(new_assets, start=1):
            try:
                do_create_asset(actor=actor, **{"project": project, "handed_over_on": day, **spec})
            except ValidationError as error:
                raise_if_errors(
                    {
                        f"assets_{n}_{field}": [f"第{n}项资产：{m}" for m in messages]
                        for field, messages in error.message_dict.items()
                    }
                )
        hand_over_project_assets(project, actor=actor, on=day)
    return project


# --- budget and targets --------------------------------------------------------------------------


def _before_approval(project: Project) -> bool:
    return project.approved_on is None and project.is_open


@transaction.atomic
def do_set_budget(
    project: Project,
    *,
    actor: Actor,
    expected_version: int,
    budget: Mapping[str, Any],
    reason: str = "",
) -> Project:
    """Replace the project's budget lines (``{source: amount}``; a source left out is removed).
    Before 批复入库 the roles of the current step may change it; afterwards only the county
    (调整, with a reason). A line may not fall below what was already allocated from it."""
    ensure_in_scope(actor, project.area_code, project.pk)
    _ensure_version(project, expected_version)
    if _before_approval(project):
        step = current_step(project)
        assert step is not None
        if getattr(actor.user, "role", "") not in step.allowed_roles:
            ensure_fund_keeper(actor)
    else:
        ensure_fund_keeper(actor)
    errors: Errors = {}
    lines = clean_budget(errors, budget)
    reason = str(reason or "").strip()
    if not _before_approval(project) and len(reason) < NOTE_MIN_CHARS:
        errors.setdefault("reason", []).append("批复入库后调整预算须写明调整原因。")
    allocated = _sums(Allocation, project)
    for source, total in allocated.items():
        if total > lines.get(source, Decimal(0)):
            errors.setdefault(f"budget_{source}", []).append(
                f"{pc.FundSource(source).label}已下达{yuan(total)}，计划金额不能低于已下达金额。"
            )
    raise_if_errors(errors)
    old = {line.source: str(line.amount) for line in project.budget.all()}
    BudgetLine.objects.filter(project=project).delete()
    BudgetLine.objects.bulk_create(
        [BudgetLine(project=project, source=s, amount=a) for s, a in lines.items()]
    )
    _bump(project, expected_version)
    recorder.record(
        actor=actor,
        action="set_project_budget",
        obj=project,
        area_code=project.area_code,
        label=_label(project),
        changes={"budget": [old, {s: str(a) for s, a in lines.items()}]},
        reason=reason,
    )
    return project


@transaction.atomic
def do_set_targets(
    project: Project,
    *,
    actor: Actor,
    expected_version: int,
    targets: Iterable[Mapping[str, Any]],
) -> Project:
    """Replace the performance targets (绩效目标) — by the roles of the current step, or the
    county."""
    ensure_in_scope(actor, project.area_code, project.pk)
    _ensure_version(project, expected_version)
    if not can_act(actor.user, project):
        ensure_fund_keeper(actor)
    errors: Errors = {}
    cleaned = clean_targets(errors, targets)
    raise_if_errors(errors)
    old = project.targets
    Project.objects.filter(pk=project.pk).update(targets=cleaned)
    project.targets = cleaned
    _bump(project, expected_version)
    recorder.record(
        actor=actor,
        action="set_project_targets",
        obj=project,
        area_code=project.area_code,
        label=_label(project),
        changes={"targets": [old, cleaned]},
    )
    return project


def _bump(project: Project, expected_version: int) -> None:
    updated = Project.objects.filter(pk=project.pk, version=expected_version).update(
        version=F("version") + 1
    )
    if updated != 1:
        raise ConcurrentEditError(label=_label(project))
    project.version = expected_version + 1


# --- money ---------------------------------------------------------------------------------------


def _sums(model: type[Allocation] | type[Disbursement], project: Project) -> dict[str, Decimal]:
    return {
        row["source"]: row["total"]
        for row in model.objects.filter(project=project)
        .values("source")
        .annotate(total=Sum("amount"))
    }


def _lock_funds(project: Project) -> None:
    """Take the project's row lock before reading its sums (see the module docstring)."""
    Project.objects.filter(pk=project.pk).update(funds_version=F("funds_version") + 1)


def _money_target(project: Project, errors: Errors) -> None:
    if project.status == pc.ProjectStatus.REJECTED:
        errors.setdefault("project", []).append(f"项目{project.number}未通过，不能下达或拨付资金。")
    elif project.approved_on is None:
        errors.setdefault("project", []).append(
            f"项目{project.number}尚未批复入库（当前环节：{project.step_code}），不能下达或拨付资金。"
        )


@transaction.atomic
def do_add_allocation(
    project: Project,
    *,
    actor: Actor,
    source: str,
    on: dt.date | str,
    amount: Any,
    document: str,
) -> Allocation:
    """资金下达: ``amount`` of ``source`` made available to the project by ``document`` (文号).
    Refused, changing nothing, when the source's allocations would exceed its budget line."""
    ensure_in_scope(actor, project.area_code, project.pk)
    ensure_fund_keeper(actor)
    errors: Errors = {}
    _money_target(project, errors)
    source = _source(errors, source)
    day = _date(errors, "on", "下达日期", on)
    value = _amount(errors, "amount", "下达金额", amount)
    document = _text(errors, "document", "下达文号", document, max_length=100)
    raise_if_errors(errors)
    _lock_funds(project)
    planned = (
        BudgetLine.objects.filter(project=project, source=source)
        .values_list("amount", flat=True)
        .first()
    ) or Decimal(0)
    allocated = _sums(Allocation, project).get(source, Decimal(0))
    label = pc.FundSource(source).label
    if allocated + value > planned:
        excess = allocated + value - planned
        raise_if_errors(
            {
                "amount": [
                    f"{label}：本项目计划{yuan(planned)}，已下达{yuan(allocated)}，"
                    f"本次下达{yuan(value)}后为{yuan(allocated + value)}，超出计划{yuan(excess)}。"
                    "下达不能超过项目预算：请核对金额，或先由县级调整项目预算。"
                ]
            }
        )
    row = Allocation.objects.create(
        project=project,
        source=source,
        on=day,
        amount=value,
        document=document,
        created_by=actor.user,
    )
    recorder.record(
        actor=actor,
        action="add_allocation",
        obj=project,
        area_code=project.area_code,
        label=_label(project),
        changes={
            "allocation": [None, row.pk],
            "source": [None, source],
            "on": [None, day.isoformat()],
            "amount": [None, str(value)],
            "document": [None, document],
        },
    )
    return row


@transaction.atomic
def do_add_disbursement(
    project: Project,
    *,
    actor: Actor,
    source: str,
    on: dt.date | str,
    amount: Any,
    voucher: str,
    payee: str,
) -> Disbursement:
    """资金拨付: ``amount`` of ``source`` paid to ``payee`` with ``voucher`` (凭证号). Refused,
    changing nothing, when the source's payments would exceed what was allocated from it, or
    the voucher was already recorded for this project and source."""
    ensure_in_scope(actor, project.area_code, project.pk)
    ensure_fund_keeper(actor)
    errors: Errors = {}
    _money_target(project, errors)
    source = _source(errors, source)
    day = _date(errors, "on", "拨付日期", on)
    value = _amount(errors, "amount", "拨付金额", amount)
    voucher = _text(errors, "voucher", "凭证号", voucher, max_length=64)
    payee = _text(errors, "payee", "收款单位", payee, max_length=100)
    raise_if_errors(errors)
    _lock_funds(project)
    allocated = _sums(Allocation, project).get(source, Decimal(0))
    paid = _sums(Disbursement, project).get(source, Decimal(0))
    label = pc.FundSource(source).label
    if paid + value > allocated:
        excess = paid + value - allocated
        raise_if_errors(
            {
                "amount": [
                    f"{label}：本项目已下达{yuan(allocated)}，已拨付{yuan(paid)}，"
                    f"本次拨付{yuan(value)}后为{yuan(paid + value)}，超出已下达资金{yuan(excess)}。"
                    "拨付不能超过已下达的资金：请核对金额，或待资金下达后再拨付。"
                ]
            }
        )
    try:
        with transaction.atomic():
            row = Disbursement.objects.create(
                project=project,
                source=source,
                on=day,
                amount=value,
                voucher=voucher,
                payee=payee,
                created_by=actor.user,
            )
    except IntegrityError:
        raise_if_errors(
            {"voucher": [f"凭证号{voucher}已登记过本项目{label}的拨付，不能重复登记。"]}
        )
    recorder.record(
        actor=actor,
        action="add_disbursement",
        obj=project,
        area_code=project.area_code,
        label=_label(project),
        changes={
            "disbursement": [None, row.pk],
            "source": [None, source],
            "on": [None, day.isoformat()],
            "amount": [None, str(value)],
            "voucher": [None, voucher],
            "payee": [None, payee],
        },
    )
    return row


# --- benefit links (带贫益贫 / 利益联结) ---------------------------------------------------


def _ensure_benefit_writer(actor: Actor, project: Project) -> None:
    from jingzhun.accounts.roles import REGISTRY_WRITERS

    if getattr(actor.user, "role", "") not in REGISTRY_WRITERS:
        raise PermissionDenied("带贫益贫联结由村、乡、县经办人员登记。")
    if project.status == pc.ProjectStatus.REJECTED:
        raise_if_errors({"project": [f"项目{project.number}未通过，不能登记受益农户。"]})


@transaction.atomic
def do_link_benefit(
    project: Project,
    *,
    actor: Actor,
    household: Household,
    kind: str,
    amount_per_year: Any,
    note: str = "",
) -> Benefit:
    """Link a registry household to the project: how it benefits (务工、分红、土地流转、收购…)
    and how much a year. The household must live in the project's area and the actor's scope;
    the same household and kind once per project."""
    ensure_in_scope(actor, project.area_code, project.pk)
    ensure_in_scope(actor, household.village_code, household.pk)
    _ensure_benefit_writer(actor, project)
    errors: Errors = {}
    if household.is_deleted:
        errors.setdefault("household", []).append("该户已删除，不能登记为受益农户。")
    if not household.village_code.startswith(project.area_code[: _scope_digits(project)]):
        errors.setdefault("household", []).append(
            f"户{household.number}不在项目的实施地区（{project.area.name}）内：受益农户应为实施地区的农户。"
        )
    if kind not in pc.BenefitKind.values:
        errors.setdefault("kind", []).append(
            f"联结方式“{kind}”无效：可用{labels(pc.BenefitKind)}。"
        )
    amount = _amount(errors, "amount_per_year", "年收益", amount_per_year, positive=False)
    note = str(note or "").strip()[:200]
    raise_if_errors(errors)
    try:
        with transaction.atomic():
            row = Benefit.objects.create(
                project=project,
                household=household,
                village_code=household.village_code,
                kind=kind,
                amount_per_year=amount,
                note=note,
            )
    except IntegrityError:
        raise_if_errors(
            {"household": [f"户{household.number}已按“{pc.BenefitKind(kind).label}”联结到本项目。"]}
        )
    recorder.record(
        actor=actor,
        action="link_benefit",
        obj=project,
        area_code=household.village_code,
        household=household,
        label=_label(project),
        changes={
            "benefit": [None, row.pk],
            "kind": [None, kind],
            "amount_per_year": [None, str(amount)],
        },
    )
    return row


def _scope_digits(project: Project) -> int:
    from jingzhun.areas.models import SCOPE_DIGITS

    return SCOPE_DIGITS[Level(project.area.level)]


@transaction.atomic
def do_unlink_benefit(benefit: Benefit, *, actor: Actor, reason: str) -> None:
    """Remove a benefit link (entered by mistake, the household left the project)."""
    project = benefit.project
    ensure_in_scope(actor, project.area_code, project.pk)
    ensure_in_scope(actor, benefit.village_code, benefit.pk)
    _ensure_benefit_writer(actor, project)
    reason = str(reason or "").strip()
    if len(reason) < NOTE_MIN_CHARS:
        raise_if_errors({"reason": ["删除受益农户须写明原因。"]})
    recorder.record(
        actor=actor,
        action="unlink_benefit",
        obj=project,
        area_code=benefit.village_code,
        household=benefit.household,
        label=_label(project),
        changes={
            "benefit": [benefit.pk, None],
            "kind": [benefit.kind, None],
            "amount_per_year": [str(benefit.amount_per_year), None],
        },
        reason=reason,
    )
    benefit.delete()


def stored_in_chinese(text: str) -> str:
    with translation.override("zh-hans"):
        return str(text)
