"""Every write of the cross-check: staging a batch, comparing it (links and alerts), verifying
an alert (which may open a procedure or correct the registry), and the departments' push keys.
Each checks role and scope, writes in one transaction with its audit entries, and changes
nothing when it refuses."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Mapping
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from jingzhun.accounts.roles import ALERT_VERIFIERS, CROSSCHECK_LOADERS
from jingzhun.areas.models import Area
from jingzhun.audit import recorder
from jingzhun.cases import actions as case_actions
from jingzhun.cases.choices import CaseType, Channel
from jingzhun.core.actions import (
    Actor,
    ConcurrentEditError,
    NotFound,
    PermissionDenied,
    raise_if_errors,
)
from jingzhun.crosscheck import alerting, linking, rules
from jingzhun.crosscheck.kinds import get_kind
from jingzhun.crosscheck.loading import Parsed, check_as_of, person_key
from jingzhun.crosscheck.models import (
    ALERT_LABEL,
    BATCH_LABEL,
    Alert,
    AlertStatus,
    Batch,
    BatchStatus,
    FeedToken,
    Link,
    LinkStatus,
    Record,
    RejectedPair,
)
from jingzhun.registry import actions as registry_actions

REFUSALS_KEPT = 5000  # refused rows stored for the page and the download (the count is exact)


def _alert_label(alert: Alert) -> str:
    """The alert as labelled in the audit trail: rule title and household number, in Chinese."""
    return ALERT_LABEL % {"rule": rules.rule_label(alert.rule), "number": alert.household.number}


def today() -> dt.date:
    return timezone.localdate()


def ensure_loader(actor: Actor, area: Area) -> None:
    user = actor.user
    if user is None or user.role not in CROSSCHECK_LOADERS:
        raise PermissionDenied("只有县级审批员、县级分析员和管理员可以导入部门数据。")
    if not area.code.startswith(user.scope_prefix):
        raise NotFound(area.code)


def _audit_batch(actor: Actor, batch: Batch, action: str, changes: dict[str, Any]) -> None:
    recorder.record(
        actor=actor,
        action=action,
        obj=batch,
        area_code=batch.area_code,
        changes=changes,
        label=BATCH_LABEL
        % {"department": batch.department, "kind": get_kind(batch.kind).name, "date": batch.as_of},
    )


def do_stage_batch(
    *,
    actor: Actor,
    kind: str,
    area: Area,
    as_of: dt.date,
    parsed: Parsed,
    source: str,
    sha256: str,
    original_name: str = "",
    feed: FeedToken | None = None,
) -> tuple[Batch, bool]:
    """Store a parsed batch (not yet compared). The same content for the same kind, area and
    date is the same batch: returned as it is, with ``False`` (nothing changed)."""
    dataset = get_kind(kind)
    if feed is None:
        ensure_loader(actor, area)
    check_as_of(as_of, today())
    same = Batch.objects.filter(
        kind=kind,
        area_code=area.code,
        as_of=as_of,
        sha256=sha256,
        status__in=[BatchStatus.STAGED, BatchStatus.APPLIED],
    ).first()
    if same is not None:
        return same, False
    with transaction.atomic():
        batch = Batch.objects.create(
            kind=kind,
            department=dataset.department,
            as_of=as_of,
            source=source,
            original_name=original_name[:255],
            sha256=sha256,
            area=area,
            area_code=area.code,
            total_rows=parsed.total_rows,
            counts={
                "rows": parsed.total_rows,
                "records": len(parsed.records),
                "refused": len(parsed.refusals),
            },
            refusals=[r.as_dict() for r in parsed.refusals[:REFUSALS_KEPT]],
            notes=parsed.notes,
            uploader=actor.user,
            feed=feed,
        )
        Record.objects.bulk_create(
            [Record(batch=batch, kind=kind, **values) for values in parsed.records],
            batch_size=1000,
        )
        _audit_batch(actor, batch, "stage_crosscheck_batch", {"counts": [None, batch.counts]})
    return batch, True


def do_apply_batch(batch: Batch, *, actor: Actor) -> Batch:
    """Compare a staged batch: link its records and raise the alerts its rules find, in one
    transaction (a batch is compared whole or not at all)."""
    if batch.feed_id is None:
        ensure_loader(actor, batch.area)
    if batch.status != BatchStatus.STAGED:
        raise_if_errors({"batch": [f"该批次状态为“{batch.get_status_display()}”，不能再比对。"]})
    records = list(batch.records.all())
    found = linking.find_links(batch, records)
    on = today()
    with transaction.atomic():
        claimed = Batch.objects.filter(pk=batch.pk, status=BatchStatus.STAGED).update(
            status=BatchStatus.APPLIED, applied_at=timezone.now()
        )
        if claimed != 1:
            raise_if_errors({"batch": ["该批次已由他人比对。"]})
        Link.objects.bulk_create(
            [
                Link(
                    record_id=f.record_id,
                    member_id=f.member_id,
                    household_id=f.household_id,
                    village_code=f.village_code,
                    method=f.method,
                    probability=f.probability,
                    weight=f.weight,
                    reasons=f.reasons,
                )
                for f in found
            ],
            batch_size=1000,
        )
        batch.refresh_from_db()
        alerts = alerting.draft_alerts(batch, alerting.links_of(batch), on)
        Alert.objects.bulk_create(alerts, batch_size=1000)
        linked = {f.record_id for f in found}
        batch.counts = batch.counts | {
            "linked_exact": len({f.record_id for f in found if f.method == "exact_id"}),
            "linked_probable": len({f.record_id for f in found if f.method != "exact_id"}),
            "unlinked": len(records) - len(linked),
            "alerts": len(alerts),
        }
        batch.save(update_fields=["counts"])
        _audit_batch(actor, batch, "apply_crosscheck_batch", {"counts": [None, batch.counts]})
        recorder.record_many(
            recorder.entry(
                actor=actor,
                action="raise_alert",
                obj=alert,
                area_code=alert.village_code,
                household=alert.household,
                changes={"rule": [None, alert.rule], "status": [None, AlertStatus.OPEN]},
                object_type="alert",
                object_id=alert.pk or "",
                label=_alert_label(alert),
            )
            for alert in alerts
        )
    return batch


def do_discard_batch(batch: Batch, *, actor: Actor, reason: str) -> Batch:
    ensure_loader(actor, batch.area)
    if batch.status != BatchStatus.STAGED:
        raise_if_errors({"batch": ["只有待确认的批次可以放弃。"]})
    with transaction.atomic():
        Batch.objects.filter(pk=batch.pk).update(status=BatchStatus.DISCARDED)
        batch.records.all().delete()
        batch.status = BatchStatus.DISCARDED
        _audit_batch(actor, batch, "discard_crosscheck_batch", {"status": ["staged", "discarded"]})
    return batch


# --- verifying an alert (核实) -------------------------------------------------------------------


def ensure_verifier(actor: Actor, alert: Alert) -> None:
    user = actor.user
    if user is None or not alert.village_code.startswith(user.scope_prefix):
        raise NotFound(alert.pk)
    if user.role not in ALERT_VERIFIERS:
        raise PermissionDenied("只有村、乡、县的经办人员可以核实预警。")


def _confirm(
    alert: Alert,
    actor: Actor,
    target: str,
    record: dict[str, Any],
    attachments: Mapping[str, UploadedFile] | None,
) -> dict[str, Any]:
    rule = rules.RULES[alert.rule]
    if target not in rule.outcomes:
        labels = "、".join(rules.outcome_label(o) for o in rule.outcomes)
        raise_if_errors({"target": [f"请选择核实属实后的办理事项：{labels}。"]})
    reason = f"部门预警核实属实：{rule.name}（{alert.record.batch.department}，{alert.signal_on}）"
    if target == rules.REMOVE_MEMBER:
        registry_actions.do_remove_member(alert.member, actor=actor, reason=reason)
        return {}
    if target == rules.SET_ASSISTANCE:
        field = "dibao" if alert.record.category == "dibao" else "tekun"
        member = alert.member
        member.refresh_from_db()
        registry_actions.do_update_member(
            member,
            actor=actor,
            changes={field: True},
            expected_version=member.version,
            reason=reason,
        )
        return {}
    values = {
        "channel": Channel.DEPARTMENT_ALERT,
        "first_signal_on": alert.raised_on.isoformat(),
        # The alert's page shows its own due date and whether it is overdue; verifying it late
        # must still open the case (the lateness is then on record in both).
        "late_confirmed": True,
        "reason": f"{rule.name}：" + "；".join(f"{k}{v}" for k, v in alert.values),
        **({"risk_types": [rule.risk]} if rule.risk else {}),
    } | {k: v for k, v in record.items() if v not in (None, "", [])}
    case = case_actions.do_open_case(
        actor=actor,
        household=alert.household,
        case_type=CaseType(target),
        record=values,
        attachments=attachments,
    )
    return {"case": case}


def do_verify_alert(
    alert: Alert,
    *,
    actor: Actor,
    expected_version: int,
    outcome: str,
    reason: str = "",
    target: str = "",
    record: dict[str, Any] | None = None,
    attachments: Mapping[str, UploadedFile] | None = None,
) -> Alert:
    """Record the village's verification: ``confirmed`` (with what it leads to: a procedure
    opened with the alert attached, or a registry correction), ``not_confirmed`` (with the
    reason) or ``wrong_link`` (the record is not this member: the pair is never linked again)."""
    ensure_verifier(actor, alert)
    if alert.status != AlertStatus.OPEN:
        raise_if_errors({"outcome": [f"该预警已核实（{alert.get_status_display()}）。"]})
    reason = (reason or "").strip()
    if outcome not in (AlertStatus.CONFIRMED, AlertStatus.NOT_CONFIRMED, AlertStatus.WRONG_LINK):
        raise_if_errors({"outcome": ["请选择核实结果。"]})
    if outcome != AlertStatus.CONFIRMED and len(reason) < 4:
        raise_if_errors({"reason": ["请写明核实情况（不少于4个字）。"]})
    with transaction.atomic():
        extra: dict[str, Any] = {}
        if outcome == AlertStatus.CONFIRMED:
            extra = _confirm(alert, actor, target, record or {}, attachments)
        updated = Alert.objects.filter(pk=alert.pk, version=expected_version).update(
            status=outcome,
            outcome=reason[:2000],
            case=extra.get("case"),
            decided_on=today(),
            decided_by=actor.user,
            version=F("version") + 1,
        )
        if updated != 1:
            raise ConcurrentEditError(label="该预警", changed_by="他人")
        link_status = (
            LinkStatus.REJECTED if outcome == AlertStatus.WRONG_LINK else LinkStatus.CONFIRMED
        )
        if outcome != AlertStatus.NOT_CONFIRMED:
            Link.objects.filter(pk=alert.link_id).update(status=link_status)
        if outcome == AlertStatus.WRONG_LINK:
            r = alert.record
            RejectedPair.objects.get_or_create(
                person_key=person_key(r.id_number, r.name_norm, r.birth_date),
                member=alert.member,
                defaults={"reason": reason[:200], "created_by": actor.user},
            )
            # Other open alerts resting on the same wrong link close with it.
            Alert.objects.filter(link_id=alert.link_id, status=AlertStatus.OPEN).exclude(
                pk=alert.pk
            ).update(
                status=AlertStatus.WRONG_LINK,
                outcome=reason[:2000],
                decided_on=today(),
                decided_by=actor.user,
                version=F("version") + 1,
            )
        recorder.record(
            actor=actor,
            action="verify_alert",
            obj=alert,
            area_code=alert.village_code,
            household=alert.household,
            changes={
                "status": [AlertStatus.OPEN, outcome],
                **({"target": [None, target]} if target else {}),
                **({"case": [None, extra["case"].number]} if extra.get("case") else {}),
            },
            reason=reason,
            label=_alert_label(alert),
        )
    alert.refresh_from_db()
    return alert


# --- department push keys ------------------------------------------------------------------------


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def do_create_feed_token(
    *, actor: Actor, name: str, kind: str, area: Area
) -> tuple[FeedToken, str]:
    """A push key for one department system, one dataset kind and one area. The key is shown
    once (only its hash is stored)."""
    ensure_loader(actor, area)
    dataset = get_kind(kind)
    if not name.strip():
        raise_if_errors({"name": ["请填写令牌名称（如：县医保局结算系统）。"]})
    raw = "jzf_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = FeedToken.objects.create(
            name=name.strip()[:100],
            kind=kind,
            department=dataset.department,
            area=area,
            key_hash=hash_key(raw),
            prefix=raw[:8],
            created_by=actor.user,
        )
        recorder.record(
            actor=actor,
            action="create_feed_token",
            obj=token,
            area_code=area.code,
            changes={"kind": [None, kind], "name": [None, token.name]},
        )
    return token, raw


def do_revoke_feed_token(token: FeedToken, *, actor: Actor) -> FeedToken:
    ensure_loader(actor, token.area)
    with transaction.atomic():
        FeedToken.objects.filter(pk=token.pk, revoked_at=None).update(revoked_at=timezone.now())
        recorder.record(
            actor=actor,
            action="revoke_feed_token",
            obj=token,
            area_code=token.area.code,
            changes={"revoked": [False, True]},
        )
    token.refresh_from_db()
    return token
