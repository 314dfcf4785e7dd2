"""Every change to a project asset, its income and its disposal goes through one of these.

Each checks role and area scope (out of scope answers like absent), validates with Chinese
messages per field, writes in one transaction with its audit entry and changes nothing when
refused. Plain keyword arguments, so a spreadsheet importer can call them row by row.

Rules (docs/projects.md): a 到户类 asset is owned by a registry household of its area; income is
recorded for operating (经营性) assets only, once per period, and its distribution lines add up
to the income to the cent (dividends and public-welfare wages name their registry household);
a status change to 已处置 happens only through an approved disposal; a disposal is requested by
the area's staff and approved or refused by the county, each step audited; an asset's row moves
with a conditional update on its version.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F

from jingzhun.accounts.roles import ASSET_WRITERS, DISPOSAL_APPROVERS
from jingzhun.areas.models import Area, Level
from jingzhun.assets import choices as ac
from jingzhun.assets.models import ASSET_LABEL, Asset, AssetIncome, Disposal, Distribution
from jingzhun.audit import recorder
from jingzhun.core.actions import (
    Actor,
    ConcurrentEditError,
    NotFound,
    PermissionDenied,
    raise_if_errors,
)
from jingzhun.projects.actions import Errors, _amount, _date, _date_any, _text, today, yuan
from jingzhun.registry.models import Household

NOTE_MIN_CHARS = 4
PV_UNIT = "kW"


def _label(asset: Asset) -> str:
    return ASSET_LABEL % {"number": asset.number}


def ensure_in_scope(actor: Actor, area_code: str, pk: Any = None) -> None:
    if actor.user is None:
        raise PermissionDenied("资产须由具名的工作人员登记。")
    if not area_code.startswith(actor.user.scope_prefix):
        raise NotFound(pk)


def ensure_writer(actor: Actor) -> None:
    if getattr(actor.user, "role", "") not in ASSET_WRITERS:
        raise PermissionDenied("项目资产由村、乡、县经办人员登记。")


def _choice(errors: Errors, field: str, label: str, value: Any, choices: Any) -> str:
    if value not in choices.values:
        errors.setdefault(field, []).append(
            f"{label}“{value or ''}”无效：可用{'、'.join(str(x) for x in choices.labels)}。"
        )
        return ""
    return str(value)


def _household_in(
    errors: Errors, field: str, household: Household | None, area_code: str, actor: Actor
) -> None:
    if household is None:
        return
    if household.is_deleted or not household.village_code.startswith(area_code):
        errors.setdefault(field, []).append(
            f"户{household.number}不在本资产所在地区内（或已删除）：请选择本地区的农户。"
        )
    elif actor.user is not None and not household.village_code.startswith(actor.user.scope_prefix):
        errors.setdefault(field, []).append(f"户{household.number}不在您的管辖范围内。")


def _area_prefix(area: Area) -> str:
    return area.scope_prefix


@transaction.atomic
def do_create_asset(
    *,
    actor: Actor,
    name: str,
    asset_class: str,
    kind: str,
    area: Area,
    owner_type: str,
    owner_name: str = "",
    custodian: str,
    value: Any,
    project: Any = None,
    capacity: Any = None,
    capacity_unit: str = "",
    owner_household: Household | None = None,
    built_on: dt.date | str | None = None,
    handed_over_on: dt.date | str | None = None,
    status: str = ac.AssetStatus.IN_USE,
) -> Asset:
    """Register an asset (资产登记和确权). ``project`` is the project that created it (None for
    an asset recorded without one; then the asset's area must lie in the project's area when
    given). A 到户类 asset is owned by ``owner_household`` (a registry household of the area);
    a PV station states its capacity in kW."""
    ensure_in_scope(actor, area.code, area.pk)
    ensure_writer(actor)
    errors: Errors = {}
    if area.level not in (Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE):
        errors.setdefault("area", []).append("资产所在地区应为县、乡镇或行政村。")
    if project is not None:
        ensure_in_scope(actor, project.area_code, project.pk)
        if not area.code.startswith(project.area.scope_prefix):
            errors.setdefault("area", []).append(
                f"资产所在地区应在形成项目的实施地区（{project.area.name}）内。"
            )
    name = _text(errors, "name", "资产名称", name)
    asset_class = _choice(errors, "asset_class", "资产类别", asset_class, ac.AssetClass)
    kind = _choice(errors, "kind", "资产类型", kind, ac.AssetKind)
    owner_type = _choice(errors, "owner_type", "确权主体类型", owner_type, ac.OwnerType)
    status = _choice(errors, "status", "状态", status, ac.AssetStatus)
    if status == ac.AssetStatus.DISPOSED:
        errors.setdefault("status", []).append("新登记的资产不能是“已处置”：处置须经县级审批。")
    custodian = _text(errors, "custodian", "管护主体", custodian, max_length=100)
    amount = _amount(errors, "value", "资产价值", value, positive=False)
    cap = None
    if capacity not in (None, ""):
        cap = _amount(errors, "capacity", "规模（容量）", capacity)
        cap = Decimal(str(capacity).replace(",", "")).quantize(Decimal("0.001")) if cap else None
    unit = str(capacity_unit or "").strip()[:16]
    if kind == ac.AssetKind.PV_STATION:
        if cap is None:
            errors.setdefault("capacity", []).append("光伏电站须填写装机容量（kW）。")
        if unit and unit != PV_UNIT:
            errors.setdefault("capacity_unit", []).append(
                "光伏电站的装机容量以kW计：请换算后填写。"
            )
        unit = PV_UNIT
    if asset_class == ac.AssetClass.HOUSEHOLD or owner_type == ac.OwnerType.HOUSEHOLD:
        if asset_class != ac.AssetClass.HOUSEHOLD or owner_type != ac.OwnerType.HOUSEHOLD:
            errors.setdefault("owner_type", []).append(
                "到户类资产确权给农户；确权给农户的资产应为到户类。"
            )
        if owner_household is None:
            errors.setdefault("owner_household", []).append("到户类资产须选择确权的农户。")
        _household_in(errors, "owner_household", owner_household, area.scope_prefix, actor)
        owner_name = (
            (owner_household.head_name or owner_household.number) if owner_household else ""
        )
    else:
        owner_household = None
        owner_name = _text(errors, "owner_name", "产权归属", owner_name, max_length=100)
    built = _date(errors, "built_on", "建成日期", built_on, required=False)
    handed = _date(errors, "handed_over_on", "移交日期", handed_over_on, required=False)
    if built and handed and handed < built:
        errors.setdefault("handed_over_on", []).append("移交日期不能早于建成日期。")
    raise_if_errors(errors)
    asset = Asset.objects.create(
        number=f"tmp-{secrets.token_hex(8)}",
        name=name,
        project=project,
        asset_class=asset_class,
        kind=kind,
        capacity=cap,
        capacity_unit=unit,
        area=area,
        area_code=area.code,
        owner_type=owner_type,
        owner_name=owner_name,
        owner_household=owner_household,
        custodian=custodian,
        value=amount,
        built_on=built,
        handed_over_on=handed,
        status=status,
        created_by=actor.user,
    )
    asset.number = f"ZC{area.code[:6]}{asset.pk:07d}"
    Asset.objects.filter(pk=asset.pk).update(number=asset.number)
    recorder.record(
        actor=actor,
        action="create_asset",
        obj=asset,
        area_code=asset.area_code,
        household=owner_household,
        label=_label(asset),
        changes={
            "name": [None, name],
            "asset_class": [None, asset_class],
            "kind": [None, kind],
            "capacity": [None, str(cap) if cap is not None else None],
            "owner_type": [None, owner_type],
            "owner_name": [None, owner_name],
            "value": [None, str(amount)],
            "project": [None, project.pk if project is not None else None],
        },
    )
    return asset


def hand_over_project_assets(project: Any, *, actor: Actor, on: dt.date) -> int:
    """资产移交 (the project's last step): every asset of the project not yet handed over is
    marked handed over on ``on``, each with its audit entry. Returns how many."""
    assets = list(Asset.objects.filter(project=project, handed_over_on__isnull=True))
    for asset in assets:
        Asset.objects.filter(pk=asset.pk).update(handed_over_on=on, version=F("version") + 1)
        recorder.record(
            actor=actor,
            action="hand_over_asset",
            obj=asset,
            area_code=asset.area_code,
            label=_label(asset),
            changes={"handed_over_on": [None, on.isoformat()]},
        )
    return len(assets)


def _move(asset: Asset, expected_version: int, **changes: Any) -> None:
    updated = Asset.objects.filter(pk=asset.pk, version=expected_version).update(
        **changes, version=F("version") + 1
    )
    if updated != 1:
        raise ConcurrentEditError(label=_label(asset), changes={"状态": (asset.status, "")})
    for key, value in changes.items():
        setattr(asset, key, value)
    asset.version = expected_version + 1


@transaction.atomic
def do_change_asset_status(
    asset: Asset, *, actor: Actor, expected_version: int, status: str, reason: str
) -> Asset:
    """在用 / 闲置 / 损坏, with the reason; 已处置 only through an approved disposal."""
    ensure_in_scope(actor, asset.area_code, asset.pk)
    ensure_writer(actor)
    errors: Errors = {}
    status = _choice(errors, "status", "状态", status, ac.AssetStatus)
    if status == ac.AssetStatus.DISPOSED:
        errors.setdefault("status", []).append("处置资产须提出处置申请，经县级审批后标注为已处置。")
    if asset.status == ac.AssetStatus.DISPOSED:
        errors.setdefault("status", []).append("资产已处置，不能再变更状态。")
    reason = str(reason or "").strip()
    if len(reason) < NOTE_MIN_CHARS:
        errors.setdefault("reason", []).append("变更资产状态须写明原因。")
    if status and status == asset.status:
        errors.setdefault("status", []).append(f"资产已是“{asset.get_status_display()}”。")
    raise_if_errors(errors)
    old = asset.status
    _move(asset, expected_version, status=status)
    recorder.record(
        actor=actor,
        action="change_asset_status",
        obj=asset,
        area_code=asset.area_code,
        label=_label(asset),
        changes={"status": [old, status]},
        reason=reason,
    )
    return asset


# --- disposal ------------------------------------------------------------------------------------


@transaction.atomic
def do_request_disposal(
    asset: Asset, *, actor: Actor, method: str, reason: str, on: dt.date | str | None = None
) -> Disposal:
    """处置申请 by the staff of the asset's area; one pending request per asset."""
    ensure_in_scope(actor, asset.area_code, asset.pk)
    ensure_writer(actor)
    errors: Errors = {}
    method = _choice(errors, "method", "处置方式", method, ac.DisposalMethod)
    reason = str(reason or "").strip()
    if len(reason) < NOTE_MIN_CHARS:
        errors.setdefault("reason", []).append("请写明处置理由（如损毁情况、评估结论）。")
    day = _date(errors, "on", "申请日期", on, required=False) or today()
    if asset.status == ac.AssetStatus.DISPOSED:
        errors.setdefault("asset", []).append("资产已处置。")
    raise_if_errors(errors)
    try:
        with transaction.atomic():
            disposal = Disposal.objects.create(
                asset=asset, method=method, reason=reason, requested_on=day, requested_by=actor.user
            )
    except IntegrityError:
        raise_if_errors({"asset": ["该资产已有待审批的处置申请。"]})
    recorder.record(
        actor=actor,
        action="request_asset_disposal",
        obj=asset,
        area_code=asset.area_code,
        label=_label(asset),
        changes={"disposal": [None, disposal.pk], "method": [None, method]},
        reason=reason,
    )
    return disposal


@transaction.atomic
def do_decide_disposal(
    disposal: Disposal, *, actor: Actor, approve: bool, comment: str = ""
) -> Disposal:
    """The county approves (the asset becomes 已处置) or refuses a pending disposal request.
    Of two decisions at once only the first is taken (a conditional update on the status)."""
    asset = disposal.asset
    ensure_in_scope(actor, asset.area_code, asset.pk)
    if getattr(actor.user, "role", "") not in DISPOSAL_APPROVERS:
        raise PermissionDenied("资产处置由县级审批员审批。")
    comment = str(comment or "").strip()
    if not approve and len(comment) < NOTE_MIN_CHARS:
        raise_if_errors({"comment": ["不予批准须写明理由。"]})
    status = ac.DisposalStatus.APPROVED if approve else ac.DisposalStatus.REFUSED
    day = today()
    updated = Disposal.objects.filter(pk=disposal.pk, status=ac.DisposalStatus.PENDING).update(
        status=status, decided_on=day, decided_by=actor.user, comment=comment
    )
    if updated != 1:
        raise_if_errors({"disposal": ["该处置申请已审批过：请刷新页面查看结果。"]})
    disposal.status, disposal.decided_on, disposal.comment = status, day, comment
    changes: dict[str, Any] = {
        "disposal": [disposal.pk, disposal.pk],
        "disposal_status": [None, status],
    }
    if approve:
        old = asset.status
        _move(asset, asset.version, status=ac.AssetStatus.DISPOSED)
        changes["status"] = [old, ac.AssetStatus.DISPOSED]
    action, _decided = _disposal_action(approve)
    recorder.record(
        actor=actor,
        action=action,
        obj=asset,
        area_code=asset.area_code,
        label=_label(asset),
        changes=changes,
        reason=comment,
    )
    return disposal


def _disposal_action(approve: bool) -> tuple[str, str]:
    """The audit action of a disposal decision, and the decision's status."""
    if approve:
        return "approve_asset_disposal", ac.DisposalStatus.APPROVED
    return "refuse_asset_disposal", ac.DisposalStatus.REFUSED


# --- income and its distribution -----------------------------------------------------------------


@transaction.atomic
def do_record_asset_income(
    asset: Asset,
    *,
    actor: Actor,
    period_kind: str,
    period_start: dt.date | str,
    period_end: dt.date | str,
    income: Any,
    lines: Iterable[Mapping[str, Any]],
    costs: Any = 0,
    note: str = "",
) -> AssetIncome:
    """An operating asset's income for a period and where it went. ``lines``: each
    ``{kind, amount, household (for dividends and public-welfare wages), recipient}``. The
    lines must add up to ``income`` exactly; otherwise nothing is stored and the message gives
    both totals and the difference. One entry per asset and period."""
    ensure_in_scope(actor, asset.area_code, asset.pk)
    ensure_writer(actor)
    errors: Errors = {}
    if asset.asset_class != ac.AssetClass.OPERATING:
        errors.setdefault("asset", []).append("只有经营性资产登记收益和收益分配。")
    if asset.status == ac.AssetStatus.DISPOSED:
        errors.setdefault("asset", []).append("资产已处置，不能再登记收益。")
    period_kind = _choice(errors, "period_kind", "期间类型", period_kind, ac.PeriodKind)
    start = _date_any(errors, "period_start", "期间开始", period_start)
    end = _date_any(errors, "period_end", "期间结束", period_end)
    if start is None and "period_start" not in errors:
        errors.setdefault("period_start", []).append("请填写期间开始日期。")
    if end is None and "period_end" not in errors:
        errors.setdefault("period_end", []).append("请填写期间结束日期。")
    if start and end:
        if end < start:
            errors.setdefault("period_end", []).append("期间结束不能早于期间开始。")
        elif end > today():
            errors.setdefault("period_end", []).append("期间尚未结束，不能登记收益。")
    total = _amount(errors, "income", "收益", income, positive=False)
    cost = _amount(errors, "costs", "运营管护成本", costs or 0, positive=False)
    rows: list[Distribution] = []
    for n, line in enumerate(lines, start=1):
        line_errors: Errors = {}
        kind = _choice(line_errors, "kind", "分配用途", line.get("kind"), ac.DistributionKind)
        amount = _amount(line_errors, "amount", "金额", line.get("amount"))
        household = line.get("household")
        recipient = str(line.get("recipient") or "").strip()[:100]
        if kind in ac.HOUSEHOLD_KINDS:
            if household is None:
                line_errors.setdefault("household", []).append(
                    f"{ac.DistributionKind(kind).label}须指明受益农户。"
                )
            _household_in(line_errors, "household", household, asset.area.scope_prefix, actor)
            if household is not None:
                recipient = recipient or household.head_name or household.number
        elif household is not None:
            line_errors.setdefault("household", []).append(
                f"{ac.DistributionKind(kind).label}不分配到农户：请填写接收方。"
            )
        if not recipient:
            line_errors.setdefault("recipient", []).append("请填写接收方（如村集体、管护单位）。")
        for field, messages in line_errors.items():
            errors.setdefault(f"lines_{n}_{field}", []).extend(f"第{n}行：{m}" for m in messages)
        if not line_errors:
            rows.append(
                Distribution(
                    kind=kind,
                    amount=amount,
                    household=household if kind in ac.HOUSEHOLD_KINDS else None,
                    village_code=household.village_code if household is not None else "",
                    recipient=recipient,
                )
            )
    if not errors:
        distributed = sum((r.amount for r in rows), Decimal(0))
        if distributed != total:
            gap = total - distributed
            where = "未分配" if gap > 0 else "多分配"
            errors.setdefault("lines", []).append(
                f"收益分配合计{yuan(distributed)}，与本期收益{yuan(total)}不一致"
                f"（{where}{yuan(abs(gap))}）：各项分配之和应等于收益。"
            )
    raise_if_errors(errors)
    assert start is not None and end is not None
    try:
        with transaction.atomic():
            entry = AssetIncome.objects.create(
                asset=asset,
                period_kind=period_kind,
                period_start=start,
                period_end=end,
                income=total,
                costs=cost,
                note=str(note or "").strip()[:200],
                recorded_by=actor.user,
            )
    except IntegrityError:
        raise_if_errors(
            {"period_start": [f"资产{asset.number}已登记{start}至{end}的收益，不能重复登记。"]}
        )
    for row in rows:
        row.income = entry
    Distribution.objects.bulk_create(rows)
    recorder.record(
        actor=actor,
        action="record_asset_income",
        obj=asset,
        area_code=asset.area_code,
        label=_label(asset),
        changes={
            "income": [None, str(total)],
            "costs": [None, str(cost)],
            "period": [None, f"{start.isoformat()}—{end.isoformat()}"],
            "lines": [None, [[r.kind, str(r.amount), r.recipient] for r in rows]],
        },
    )
    return entry
