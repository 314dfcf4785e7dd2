"""Every change to a case goes through one of these functions.

Each one checks the actor's role for the step and the case's area scope, refuses a step out of
order or before its time, validates the step's record (naming every missing item), consults the
policy engine at decision steps, writes the step and the case inside one transaction with its
audit entry, and moves the case on. The case row carries a version: of two people acting on the
same case at once, the second is refused (:class:`ConcurrentEditError`), whatever the database.
The final step changes the household through the registry's actions, in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation

from jingzhun.accounts.roles import Role
from jingzhun.audit import recorder
from jingzhun.cases import choices as cc
from jingzhun.cases import effects, records
from jingzhun.cases.models import (
    CASE_LABEL,
    Attachment,
    Case,
    CaseStep,
    Notice,
    NoticeEntry,
    Objection,
)
from jingzhun.cases.procedures import Procedure, Step, procedure_for, procedure_of
from jingzhun.core.actions import (
    Actor,
    ConcurrentEditError,
    NotFound,
    PermissionDenied,
    raise_if_errors,
)
from jingzhun.core.masking import mask_free_text
from jingzhun.policy import parameters
from jingzhun.quality.context import default_year
from jingzhun.registry import choices as c
from jingzhun.registry.actions import do_update_household
from jingzhun.registry.models import Household

CASE_SOURCE = "case"
OVERRIDE_MIN_CHARS = 10
NUMBER_PREFIX = {
    cc.CaseType.IDENTIFICATION: "SB",
    cc.CaseType.EXIT: "TC",
    cc.CaseType.MONITORING: "JC",
    cc.CaseType.ELIMINATION: "XC",
    cc.CaseType.REVERSAL: "FP",
    cc.CaseType.REMOVAL: "QT",
}


def today() -> dt.date:
    return timezone.localdate()


# --- who may act ---------------------------------------------------------------------------------


def ensure_in_scope(actor: Actor, case: Case) -> None:
    """Out of scope answers like absent."""
    if actor.user is None:
        raise PermissionDenied("办理环节须由具名的工作人员办理。")
    if not case.village_code.startswith(actor.user.scope_prefix):
        raise NotFound(case.pk)


def ensure_role(actor: Actor, step: Step) -> None:
    role = getattr(actor.user, "role", "")
    if role != step.role:
        mine = Role(role).label if role in Role.values else role
        raise PermissionDenied(
            f"“{step.title}”应由{step.role_label}办理；您的角色是{mine}，不能办理本环节。"
        )


HANDLERS = frozenset({Role.VILLAGE_CADRE, Role.TOWNSHIP_REVIEWER, Role.COUNTY_APPROVER})


def ensure_handler(actor: Actor, message: str) -> None:
    """Objections and withdrawals are recorded by the village, township or county staff who
    handle cases, whatever the current step."""
    if getattr(actor.user, "role", "") not in HANDLERS:
        raise PermissionDenied(message)


def _ensure_version(case: Case, expected_version: int) -> None:
    """The user saw an older state of the case: say what moved on, before anything else."""
    if int(expected_version) != case.version:
        latest = case.steps.order_by("-id").first()
        raise ConcurrentEditError(
            label=CASE_LABEL % {"number": case.number},
            changes={"环节": (latest.title if latest else "", case.step_code)},
            changed_by=latest.performed_by_name if latest else "",
        )


def _ensure_current(case: Case, procedure: Procedure, step_code: str | None) -> Step:
    if not case.is_open:
        raise_if_errors({"step": [f"案件{case.number}已{case.get_status_display()}，不能再办理。"]})
    step = procedure.step(case.position)
    if step_code and step_code != step.code:
        asked = next((s.title for s in procedure.steps if s.code == step_code), step_code)
        raise_if_errors(
            {
                "step": [
                    f"案件{case.number}当前环节是“{step.title}”，不能办理“{asked}”："
                    "请按程序顺序办理。"
                ]
            }
        )
    return step


def _last_step_on(case: Case) -> dt.date:
    last = case.steps.order_by("-id").values_list("on", flat=True).first()
    return last or case.opened_on


def _check_on(errors: records.Errors, on: dt.date | None, case: Case, field: str = "on") -> None:
    if on is None:
        return
    if on > today():
        errors.setdefault(field, []).append(f"办理日期{on}晚于今天：请填写实际办理日期。")
    earliest = _last_step_on(case)
    if on < earliest:
        errors.setdefault(field, []).append(
            f"办理日期{on}早于上一环节的日期{earliest}：请按实际顺序填写。"
        )


# --- writing -------------------------------------------------------------------------------------


def _advance(
    case: Case,
    *,
    actor: Actor,
    expected_version: int,
    changes: dict[str, Any],
    audit_action: str,
    reason: str = "",
) -> None:
    """Move the case on if nobody else did first (one conditional UPDATE)."""
    old = {k: getattr(case, k) for k in changes}
    updated = Case.objects.filter(pk=case.pk, version=expected_version, status="open").update(
        **changes, version=F("version") + 1
    )
    if updated != 1:
        latest = Case.objects.get(pk=case.pk)
        raise ConcurrentEditError(
            label=CASE_LABEL % {"number": case.number},
            changes={"环节": (case.step_code, latest.step_code)},
            changed_by=latest.steps.order_by("-id")
            .values_list("performed_by_name", flat=True)
            .first()
            or "",
        )
    for key, value in changes.items():
        setattr(case, key, value)
    case.version = expected_version + 1
    diff = {k: [_plain(old[k]), _plain(v)] for k, v in changes.items() if old[k] != v}
    diff["version"] = [expected_version, expected_version + 1]
    recorder.record(
        actor=actor,
        action=audit_action,
        obj=case,
        area_code=case.village_code,
        household=case.household,
        changes=diff,
        reason=reason,
    )


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    return value


def _position_changes(procedure: Procedure, position: int, since: dt.date) -> dict:
    step = procedure.step(position)
    return {
        "position": position,
        "step_code": step.code,
        "step_role": step.role,
        "step_since": since,
        "step_due_on": since + dt.timedelta(days=step.due_days) if step.due_days else None,
        "notice": None,
    }


def _save_step(
    case: Case,
    step: Step,
    *,
    actor: Actor,
    on: dt.date,
    outcome: str,
    record: dict[str, Any],
    policy: dict[str, Any] | None = None,
    override_reason: str = "",
    attachments: Mapping[str, UploadedFile] | None = None,
) -> CaseStep:
    row = CaseStep.objects.create(
        case=case,
        position=step.position,
        code=step.code,
        kind=step.kind,
        title=step.title,
        outcome=outcome,
        on=on,
        performed_by=actor.user,
        performed_by_name=actor.name,
        role=getattr(actor.user, "role", ""),
        record=_jsonable_record(record),
        household_facts=effects.household_facts(case.household, case.year),
        policy=policy,
        is_override=bool(override_reason),
        override_reason=override_reason,
    )
    for purpose, upload in (attachments or {}).items():
        if upload is None:
            continue
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        Attachment.objects.create(
            step=row,
            purpose=purpose,
            file=upload,
            name=(upload.name or purpose)[:200],
            size=upload.size or 0,
            sha256=digest.hexdigest(),
        )
    return row


def _jsonable_record(record: dict[str, Any]) -> dict[str, Any]:
    return {k: _plain(v) for k, v in record.items()}


# --- opening -------------------------------------------------------------------------------------


@transaction.atomic
def do_open_case(
    *,
    actor: Actor,
    household: Household,
    case_type: str,
    record: dict[str, Any],
    attachments: Mapping[str, UploadedFile] | None = None,
) -> Case:
    """The application or discovery (first step): channel, date, the matters to decide."""
    if actor.user is None:
        raise PermissionDenied("案件须由具名的工作人员受理。")
    if not household.village_code.startswith(actor.user.scope_prefix):
        raise NotFound(household.pk)
    errors: records.Errors = {}
    if case_type not in cc.CaseType.values:
        raise_if_errors({"case_type": [f"案件类型“{case_type}”无效。"]})
    procedure = procedure_for(case_type, household.village_code)
    first = procedure.step(0)
    ensure_role(actor, first)
    on = records.date_field(record, errors, "on", "受理（发现）日期")
    if on and on > today():
        errors.setdefault("on", []).append(f"受理日期{on}晚于今天：请填写实际日期。")
    channel = records.choice_field(record, errors, "channel", "发现渠道", cc.Channel)
    needs_signal = bool(procedure.deadline_parameter)
    signal = records.date_field(
        record, errors, "first_signal_on", "首次发现风险日期", required=needs_signal
    )
    if signal and on and signal > on:
        errors.setdefault("first_signal_on", []).append("首次发现风险日期不能晚于受理日期。")
    facts = records.application_facts(case_type, record, errors)
    year = record.get("year") or default_year(on)
    try:
        year = int(year)
    except (TypeError, ValueError):
        errors.setdefault("year", []).append("判定收入年度应为四位年份。")
        year = default_year(on)
    if not errors:
        reason = effects.eligibility_error(case_type, household, facts)
        if reason:
            errors["household"] = [reason]
        elif on:
            registry = effects.registry_errors(case_type, household, facts, on)
            for field, messages in registry.items():
                errors.setdefault(field, []).extend(
                    f"办结时登记信息将不合规：{m}" for m in messages
                )
    raise_if_errors(errors)
    assert on is not None

    due_on = None
    if procedure.deadline_parameter:
        start = signal or on
        days = parameters.value(
            procedure.deadline_parameter, on=start, area_code=household.village_code
        ).as_int()
        due_on = start + dt.timedelta(days=days)
        if due_on < today() and record.get("late_confirmed") not in (True, "1", "true", "on"):
            # Said on the form before anything is saved: the case would be overdue at once.
            late = (today() - due_on).days
            raise_if_errors(
                {
                    "first_signal_on": [
                        f"按首次发现风险日期{start}，应在{days}天内（{due_on}前）作出决定，"
                        f"现已超过{late}天：案件一经发起即为逾期。请核实日期；"
                        "日期无误的，勾选“已知逾期，仍然发起”后再提交。"
                    ]
                }
            )
    try:
        with transaction.atomic():
            case = Case.objects.create(
                number=f"tmp-{household.pk}-{timezone.now().timestamp()}",
                case_type=case_type,
                household=household,
                village_code=household.village_code,
                region=procedure.region,
                procedure_version=procedure.version,
                channel=channel,
                first_signal_on=signal,
                year=year,
                facts=facts,
                opened_on=on,
                opened_by=actor.user,
                due_on=due_on,
                due_step=procedure.deadline_until,
                **_position_changes(procedure, 1, on),
            )
    except IntegrityError:
        raise ValidationError(
            {"household": ["该户已有办理中的案件：请先办结或撤回原案件，再发起新的程序。"]}
        ) from None
    case.number = f"{NUMBER_PREFIX[case_type]}{on:%Y}{case.pk:07d}"
    Case.objects.filter(pk=case.pk).update(number=case.number)
    record_out = {"channel": channel, "first_signal_on": signal, **facts}
    _save_step(
        case,
        first,
        actor=actor,
        on=on,
        outcome=cc.Outcome.DONE,
        record=record_out,
        attachments=attachments,
    )
    recorder.record(
        actor=actor,
        action="open_case",
        obj=case,
        area_code=case.village_code,
        household=household,
        changes={
            "case_type": [None, case_type],
            "step_code": [None, case.step_code],
            "facts": [None, _jsonable_record(facts)],
        },
    )
    return case


# --- policy at decision steps --------------------------------------------------------------------


def policy_check(case: Case, procedure: Procedure, actor: Actor) -> dict[str, Any]:
    """The policy engine's verdict on the household for the case's income year, as stored with
    the step: the decision, the status it needs, the status found and the criteria against."""
    from jingzhun.policy.decisions import evaluate_household

    assert actor.user is not None
    evaluation = evaluate_household(case.household, case.year, actor.user)
    decision = evaluation.decision(procedure.decision)
    against = [
        {"code": r.code, "title": r.title, "status": r.status, "explanation": r.explanation}
        for r in decision.criteria
        if r.status != "pass"
    ]
    return {
        "decision": procedure.decision,
        "title": decision.title,
        "year": case.year,
        "expect": procedure.expect,
        "status": decision.status,
        "matches": decision.status == procedure.expect,
        "criteria": against,
        "evaluated_at": timezone.now().isoformat(timespec="seconds"),
    }


# --- performing a step ---------------------------------------------------------------------------


@dataclass
class StepResult:
    case: Case
    step: CaseStep


@transaction.atomic
def do_perform_step(
    case: Case,
    *,
    actor: Actor,
    expected_version: int,
    record: dict[str, Any],
    step_code: str | None = None,
    attachments: Mapping[str, UploadedFile] | None = None,
) -> Case:
    """Do the case's current step with its record. ``step_code`` (what the user believes they
    are doing) must be the current step. A 公示 is opened with :func:`do_publish_notice` (one
    case or a village's batch) and closed here once its days have passed."""
    ensure_in_scope(actor, case)
    _ensure_version(case, expected_version)
    procedure = procedure_of(case)
    step = _ensure_current(case, procedure, step_code)
    ensure_role(actor, step)
    if step.is_notice and case.notice_id is None:
        word = "公示" if step.kind == cc.StepKind.PUBLICITY else "公告"
        raise_if_errors(
            {"step": [f"“{step.title}”须先发布{word}（填写开始日期、张贴地点和异议受理方式）。"]}
        )
    if step.kind == cc.StepKind.PUBLICITY:
        return _close_publicity(case, procedure, step, actor=actor, version=expected_version)

    errors: records.Errors = {}
    on = records.date_field(record, errors, "on", "办理日期")
    _check_on(errors, on, case)
    cleaned = records.CLEANERS[step.kind](record, errors)
    for purpose in records.REQUIRED_ATTACHMENTS.get(step.kind, ()):
        if not (attachments or {}).get(purpose):
            errors.setdefault(purpose, []).append(
                f"“{step.title}”须上传{records.ATTACHMENT_LABELS[purpose]}（照片或扫描件）。"
            )
    policy = None
    override_reason = ""
    if step.is_decision and not errors:
        policy = policy_check(case, procedure, actor)
        override_reason = str(record.get("override_reason") or "").strip()
        if cleaned["opinion"] == cc.Opinion.AGREE and not policy["matches"]:
            if len(override_reason) < OVERRIDE_MIN_CHARS:
                against = "、".join(f"{r['code']} {r['title']}" for r in policy["criteria"]) or "—"
                errors["override_reason"] = [
                    f"政策判定“{policy['title']}”结果为{_status_label(policy['status'])}"
                    f"（{against}），与本程序要求的“{_status_label(procedure.expect)}”不符："
                    f"如仍同意，须写明不少于{OVERRIDE_MIN_CHARS}字的理由，"
                    "该决定将标示给纪检督查。"
                ]
        else:
            override_reason = ""
    raise_if_errors(errors)
    assert on is not None

    outcome, changes, action = _outcome(case, procedure, step, cleaned, on)
    if step.kind == cc.StepKind.UPDATE:
        _apply_to_registry(case, actor=actor, on=on)
    if override_reason:
        changes["overridden"] = True
    if case.decided_on is None and (
        (step.code == case.due_step and outcome == cc.Outcome.DONE)
        or outcome == cc.Outcome.REJECTED
    ):
        changes["decided_on"] = on
    _advance(
        case,
        actor=actor,
        expected_version=expected_version,
        changes=changes,
        audit_action=action,
        reason=override_reason or cleaned.get("comment", ""),
    )
    _save_step(
        case,
        step,
        actor=actor,
        on=on,
        outcome=outcome,
        record=cleaned,
        policy=policy,
        override_reason=override_reason,
        attachments=attachments,
    )
    return case


def _status_label(status: str) -> str:
    from jingzhun.policy.criteria import STATUS_LABELS

    return STATUS_LABELS.get(status, status)


def _closed(status: str, on: dt.date) -> dict[str, Any]:
    return {"status": status, "closed_on": on, "step_role": "", "step_due_on": None, "notice": None}


def _outcome(
    case: Case, procedure: Procedure, step: Step, cleaned: dict[str, Any], on: dt.date
) -> tuple[str, dict[str, Any], str]:
    """(the step's outcome, the case's new fields, the audit action)."""
    refused = (
        (step.kind == cc.StepKind.DELIBERATION and not cleaned["passed"])
        or (
            step.kind == cc.StepKind.VERIFICATION
            and cleaned["result"] == cc.VerificationResult.NOT_CONFIRMED
        )
        or (step.is_decision and cleaned["opinion"] == cc.Opinion.REJECT)
    )
    if refused:
        return cc.Outcome.REJECTED, _closed(cc.CaseStatus.REJECTED, on), "reject_case"
    if step.is_decision and cleaned["opinion"] == cc.Opinion.RETURN:
        back = procedure.position_of(step.returns_to)
        return cc.Outcome.RETURNED, _position_changes(procedure, back, on), "return_case"
    if step.kind == cc.StepKind.UPDATE:
        return cc.Outcome.DONE, _closed(cc.CaseStatus.COMPLETED, on), "complete_case"
    return (
        cc.Outcome.DONE,
        _position_changes(procedure, step.position + 1, on),
        "case_step",
    )


def _apply_to_registry(case: Case, *, actor: Actor, on: dt.date) -> None:
    household = Household.objects.select_related("village").get(pk=case.household_id)
    errors = effects.registry_errors(case.case_type, household, case.facts, on)
    raise_if_errors({f: [f"登记信息不合规，不能办结：{m}" for m in ms] for f, ms in errors.items()})
    changes, risks = effects.registry_changes(case.case_type, household, case.facts, on)
    do_update_household(
        household,
        actor=Actor(user=actor.user, source=CASE_SOURCE, ip=actor.ip, source_ref=case.number),
        changes=changes,
        expected_version=household.version,
        risks=risks,
        reason=_completed_reason(case),
    )
    case.household = household


def _completed_reason(case: Case) -> str:
    with translation.override("zh-hans"):  # stored in the audit trail as said
        return f"{case.get_case_type_display()}案件{case.number}办结"


# --- notices -------------------------------------------------------------------------------------


def notice_days(village_code: str, on: dt.date) -> parameters.Parameter:
    return parameters.value("notice_days_min", on=on, area_code=village_code)


def _issuer(actor: Actor) -> str:
    area = actor.user.area  # type: ignore[union-attr]
    suffix = {Role.VILLAGE_CADRE: "村民委员会", Role.TOWNSHIP_REVIEWER: "人民政府"}.get(
        actor.user.role,  # type: ignore[union-attr]
        "乡村振兴局",
    )
    return f"{area.name}{suffix}"


def _reason_label(case: Case) -> str:
    f = case.facts
    if f.get("risk_types"):
        return "、".join(str(c.RiskType(k).label) for k in f["risk_types"])
    if f.get("main_cause"):
        return str(c.PovertyCause(f["main_cause"]).label)
    if f.get("method"):
        return str(c.EliminationMethod(f["method"]).label)
    if f.get("scope"):
        return str(cc.RemovalScope(f["scope"]).label)
    return "达到退出标准" if case.case_type == cc.CaseType.EXIT else ""


@transaction.atomic
def do_publish_notice(
    cases: Iterable[tuple[Case, int]], *, actor: Actor, record: dict[str, Any]
) -> Notice:
    """Publish one 公示 or 公告 for a village's batch of cases (each at a notice step of the same
    kind, given with the version the user saw). The notice's days come from the parameter
    ``notice_days_min`` in force for the village on the start date. Each case gets its own step
    record and audit entry."""
    batch = list(cases)
    if not batch:
        raise_if_errors({"cases": ["请至少选择一个案件。"]})
    errors: records.Errors = {}
    cleaned = records.clean_notice(record, errors)
    steps: list[tuple[Case, int, Procedure, Step]] = []
    for case, version in batch:
        ensure_in_scope(actor, case)
        _ensure_version(case, version)
        procedure = procedure_of(case)
        step = _ensure_current(case, procedure, None)
        if not step.is_notice:
            errors.setdefault("cases", []).append(
                f"案件{case.number}当前环节是“{step.title}”，不是公示或公告环节。"
            )
            continue
        ensure_role(actor, step)
        if case.notice_id:
            errors.setdefault("cases", []).append(f"案件{case.number}已在公示中。")
        steps.append((case, version, procedure, step))
    villages = {case.village_code for case, _ in batch}
    kinds = {step.kind for *_, step in steps}
    if len(villages) > 1:
        errors.setdefault("cases", []).append("一份公示（公告）只能包含同一个行政村的案件。")
    if len(kinds) > 1:
        errors.setdefault("cases", []).append("公示和公告不能合在一份文件中：请分开发布。")
    starts = cleaned["starts_on"]
    if starts:
        earliest = max((_last_step_on(case) for case, *_ in steps), default=starts)
        if starts < earliest:
            errors.setdefault("starts_on", []).append(
                f"开始日期{starts}早于上一环节的日期{earliest}：请按实际顺序填写。"
            )
    if starts and starts > today() + dt.timedelta(days=7):
        errors.setdefault("starts_on", []).append("开始日期最多可提前7天安排。")
    raise_if_errors(errors)
    assert starts is not None

    with translation.override("zh-hans"):  # a notice is stored as published: in Chinese
        return _publish(steps, actor=actor, cleaned=cleaned, starts=starts)


def _publish(
    steps: list[tuple[Case, int, Procedure, Step]],
    *,
    actor: Actor,
    cleaned: dict[str, Any],
    starts: dt.date,
) -> Notice:
    kind = steps[0][3].kind
    village = steps[0][0].household.village
    days = notice_days(village.code, starts)
    ends = starts + dt.timedelta(days=days.as_int() - 1)
    titles = sorted({str(cc.CaseType(case.case_type).label) for case, *_ in steps})
    word = "公示" if kind == cc.StepKind.PUBLICITY else "公告"
    notice = Notice.objects.create(
        kind=(
            cc.NoticeKind.PUBLICITY if kind == cc.StepKind.PUBLICITY else cc.NoticeKind.ANNOUNCEMENT
        ),
        village=village,
        title=f"{village.name}{starts:%Y}年{'、'.join(titles)}{word}",
        starts_on=starts,
        ends_on=ends,
        days=days.as_int(),
        days_version=days.version,
        place=cleaned["place"],
        contact=cleaned["contact"],
        issuer=_issuer(actor),
        published_by=actor.user,
    )
    for line, (case, version, procedure, step) in enumerate(steps, start=1):
        household = case.household
        NoticeEntry.objects.create(
            notice=notice,
            case=case,
            line=line,
            group_name=household.group.name if household.group_id else "",
            head_name=household.head_name,
            size=household.member_count,
            case_type=case.case_type,
            reason=_reason_label(case),
        )
        if kind == cc.StepKind.PUBLICITY:
            changes = {"notice": notice}
            outcome = cc.Outcome.NOTICE_OPENED
        else:
            changes = _position_changes(procedure, step.position + 1, starts)
            outcome = cc.Outcome.DONE
        _advance(
            case,
            actor=actor,
            expected_version=version,
            changes=changes,
            audit_action="publish_notice",
        )
        _save_step(
            case,
            step,
            actor=actor,
            on=min(starts, today()),
            outcome=outcome,
            record={**cleaned, "notice": notice.pk, "ends_on": ends, "days": notice.days},
        )
    return notice


@dataclass(frozen=True)
class Listing:
    """A project or fund notice to publish: what it lists (no person on it), as printed."""

    subject: str  # cc.NoticeSubject: projects or funds
    kind: str  # cc.NoticeKind
    title: str
    body: str  # the paragraph above the table; "{start}", "{end}", "{days}" are filled in
    columns: list[str]
    rows: list[list[str]]
    year: int | None = None
    project_ids: tuple[int, ...] = ()


DISCLOSURE_DAYS = "disclosure_days_min"


def do_publish_listing_notice(
    listing: Listing,
    *,
    actor: Actor,
    area: Any,
    record: dict[str, Any],
    audit_obj: Any = None,
) -> Notice:
    """Publish a notice that lists projects or fund allocations (扶贫资金项目公告公示) for
    ``area`` (a village, township or county in the actor's scope), through the same notice
    machinery as the procedures' 公示 and 公告: public page and PDF by link until it ends.

    ``record``: starts_on, place, contact (as for every notice) and optionally ``days`` — at
    least the parameter ``disclosure_days_min`` in force for the area on the start date
    (10 days in principle); the default is that minimum. Must run inside the caller's
    transaction (the caller writes its own audit entry); this writes the notice's
    ``publish_notice`` entry. Raises ValidationError naming each field."""
    assert transaction.get_connection().in_atomic_block
    if actor.user is None:
        raise PermissionDenied("公告公示须由具名的工作人员发布。")
    if not area.code.startswith(actor.user.scope_prefix):
        raise NotFound(area.pk)
    errors: records.Errors = {}
    cleaned = records.clean_notice(record, errors)
    starts = cleaned["starts_on"]
    if starts and starts > today() + dt.timedelta(days=7):
        errors.setdefault("starts_on", []).append("开始日期最多可提前7天安排。")
    if listing.subject not in (cc.NoticeSubject.PROJECTS, cc.NoticeSubject.FUNDS):
        errors.setdefault("subject", []).append("只能发布项目或资金的公告公示。")
    if not listing.rows:
        errors.setdefault("rows", []).append("没有可公示的项目或资金：请先选择年度或项目。")
    minimum = parameters.value(DISCLOSURE_DAYS, on=starts or today(), area_code=area.code)
    days = minimum.as_int()
    raw_days = record.get("days")
    if raw_days not in (None, ""):
        try:
            days = int(raw_days)
        except (TypeError, ValueError):
            errors.setdefault("days", []).append("公示天数应为整数。")
        else:
            if days < minimum.as_int():
                errors.setdefault("days", []).append(
                    f"公示天数{days}天少于规定的最短天数{minimum.as_int()}天"
                    f"（{minimum.source}）：请至少公示{minimum.as_int()}天。"
                )
    raise_if_errors(errors)
    assert starts is not None
    ends = starts + dt.timedelta(days=days - 1)
    with translation.override("zh-hans"):  # stored as published: in Chinese
        body = mask_free_text(
            listing.body.format(start=notices_cn_date(starts), end=notices_cn_date(ends), days=days)
        )
        notice = Notice.objects.create(
            kind=listing.kind,
            subject=listing.subject,
            village=area,
            title=listing.title,
            starts_on=starts,
            ends_on=ends,
            days=days,
            days_version=minimum.version,
            place=cleaned["place"],
            contact=cleaned["contact"],
            issuer=_issuer(actor),
            published_by=actor.user,
            body=body,
            columns=[str(c) for c in listing.columns],
            # A number someone typed into a project's name or content never reaches the public.
            rows=[[mask_free_text(str(v)) for v in row] for row in listing.rows],
            year=listing.year,
            project_ids=list(listing.project_ids),
        )
    recorder.record(
        actor=actor,
        action="publish_notice",
        obj=audit_obj or notice,
        area_code=area.code,
        changes={
            "notice": [None, notice.pk],
            "title": [None, notice.title],
            "starts_on": [None, starts.isoformat()],
            "ends_on": [None, ends.isoformat()],
            "days": [None, days],
        },
    )
    return notice


def notices_cn_date(day: dt.date) -> str:
    from jingzhun.cases.notices import cn_date

    return cn_date(day)


def _close_publicity(
    case: Case, procedure: Procedure, step: Step, *, actor: Actor, version: int
) -> Case:
    notice = case.notice
    assert notice is not None
    now = today()
    if now <= notice.ends_on:
        raise_if_errors(
            {
                "step": [
                    f"公示期为{notice.starts_on}至{notice.ends_on}（{notice.days}天），"
                    f"{notice.ends_on + dt.timedelta(days=1)}起才能结束公示、进入下一环节。"
                ]
            }
        )
    _advance(
        case,
        actor=actor,
        expected_version=version,
        changes=_position_changes(procedure, step.position + 1, now),
        audit_action="close_publicity",
    )
    _save_step(
        case,
        step,
        actor=actor,
        on=now,
        outcome=cc.Outcome.DONE,
        record={"notice": notice.pk, "ends_on": notice.ends_on, "objections": 0},
    )
    return case


@transaction.atomic
def do_record_objection(
    case: Case, *, actor: Actor, expected_version: int, record: dict[str, Any]
) -> Objection:
    """An objection raised during a 公示: recorded, and the case goes back to re-verification
    (the step the procedure names); the household is marked withdrawn on the notice."""
    ensure_in_scope(actor, case)
    _ensure_version(case, expected_version)
    ensure_handler(actor, "公示异议由村、乡、县经办人员登记。")
    procedure = procedure_of(case)
    step = _ensure_current(case, procedure, None)
    notice = case.notice
    if step.kind != cc.StepKind.PUBLICITY or notice is None:
        raise_if_errors({"step": [f"案件{case.number}不在公示期内，不能登记公示异议。"]})
    assert notice is not None
    errors: records.Errors = {}
    cleaned = records.clean_objection(record, errors)
    raised = cleaned["raised_on"]
    if raised and not (notice.starts_on <= raised <= min(notice.ends_on, today())):
        errors.setdefault("raised_on", []).append(
            f"异议应在公示期{notice.starts_on}至{notice.ends_on}内提出，且不晚于今天。"
        )
    raise_if_errors(errors)
    objection = Objection.objects.create(
        case=case,
        notice=notice,
        raised_on=raised,
        raised_by=cleaned["raised_by"],
        content=cleaned["content"],
        recorded_by=actor.user,
    )
    NoticeEntry.objects.filter(notice=notice, case=case).update(withdrawn=True)
    back = procedure.position_of(step.returns_to)
    _advance(
        case,
        actor=actor,
        expected_version=expected_version,
        changes=_position_changes(procedure, back, today()),
        audit_action="objection",
        reason=cleaned["content"],
    )
    _save_step(
        case,
        step,
        actor=actor,
        on=today(),
        outcome=cc.Outcome.OBJECTION,
        record={**cleaned, "objection": objection.pk, "notice": notice.pk},
    )
    return objection


@transaction.atomic
def do_withdraw_case(case: Case, *, actor: Actor, expected_version: int, reason: str) -> Case:
    """Withdraw an open case (the household withdrew its application, a duplicate, …)."""
    ensure_in_scope(actor, case)
    _ensure_version(case, expected_version)
    ensure_handler(actor, "只有村、乡、县经办人员可以撤回案件。")
    if not case.is_open:
        raise_if_errors({"step": [f"案件{case.number}已{case.get_status_display()}。"]})
    if len((reason or "").strip()) < 4:
        raise_if_errors({"reason": ["撤回案件须写明原因。"]})
    procedure = procedure_of(case)
    step = procedure.step(case.position)
    _advance(
        case,
        actor=actor,
        expected_version=expected_version,
        changes=_closed(cc.CaseStatus.WITHDRAWN, today()),
        audit_action="withdraw_case",
        reason=reason.strip(),
    )
    _save_step(
        case,
        step,
        actor=actor,
        on=today(),
        outcome=cc.Outcome.WITHDRAWN,
        record={"reason": reason.strip()},
    )
    return case


# --- batches -------------------------------------------------------------------------------------


@dataclass
class BatchOutcome:
    case: Case
    ok: bool
    message: str


def do_perform_steps(
    cases: Iterable[tuple[Case, int]], *, actor: Actor, step_code: str, record: dict[str, Any]
) -> list[BatchOutcome]:
    """The same step with the same record on many cases (a township reviewing a village's
    cases at once). Each case is its own transaction and its own audit entry: one refused case
    does not stop the others, and each result says why."""
    results = []
    for case, version in cases:
        try:
            do_perform_step(
                case, actor=actor, expected_version=version, record=record, step_code=step_code
            )
            results.append(BatchOutcome(case, True, "已办理"))
        except ValidationError as error:
            results.append(BatchOutcome(case, False, "；".join(error.messages)))
        except (PermissionDenied, ConcurrentEditError) as error:
            results.append(BatchOutcome(case, False, str(error)))
        except NotFound:
            results.append(BatchOutcome(case, False, "案件不存在或不在您的管辖范围内。"))
    return results
