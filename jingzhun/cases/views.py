"""Case pages: the inbox with its batch actions, the case page and its step forms, the
open-case form, the household's cases and the county overview.

Views are thin: every read goes through :mod:`jingzhun.cases.queries` (or the registry's
scoping), every change through :mod:`jingzhun.cases.actions`, which validates and names the
fields; a refused POST shows the page again with the messages beside the fields and the
posted values kept.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jingzhun.accounts.roles import Role
from jingzhun.areas.models import Area, code_range
from jingzhun.cases import actions, effects, overview, queries, records
from jingzhun.cases import choices as cc
from jingzhun.cases import forms as f
from jingzhun.cases.models import Attachment, Case
from jingzhun.cases.procedures import Procedure, procedure_for, procedure_of
from jingzhun.core.actions import Actor, ConcurrentEditError, NotFound, PermissionDenied
from jingzhun.core.http import domain_errors
from jingzhun.policy.criteria import STATUS_LABELS
from jingzhun.policy.decisions import evaluate_household
from jingzhun.quality.context import default_year
from jingzhun.registry import scoping

CASE_WORKERS = actions.HANDLERS
OVERDUE_WATCHERS = frozenset({Role.TOWNSHIP_REVIEWER, Role.COUNTY_APPROVER})
INBOX_LIMIT = 500
OVERDUE_LIMIT = 200


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request)


def _errors(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return error.message_dict
    return {"__all__": error.messages}


def _version(request: HttpRequest) -> int:
    """The case version the page was showing; a page without one is refused like a stale one."""
    raw = request.POST.get("version", "").strip()
    if not raw.isdigit():
        raise ValidationError({"version": [_("页面缺少案件版本：请刷新案件页面后重新办理。")]})
    return int(raw)


def _with_overdue(qs: Any) -> Any:
    return qs.annotate(is_overdue=queries.overdue_flag(actions.today()))


def _role_label(role: str) -> str:
    return str(Role(role).label) if role in Role.values else role


def _step_title(case: Case) -> str:
    if not case.step_code:
        return ""
    # Shown in pages and messages only: the interface language.
    return _(procedure_of(case).step(case.position).title)


# --- inbox ---------------------------------------------------------------------------------------


@dataclass
class InboxGroup:
    """The inbox's cases at one step, with the batch form that step allows."""

    step_code: str
    title: str
    kind: str
    mode: str  # "step" (one record for all), "notice" (publish one notice), "close", ""
    cases: list[Case] = field(default_factory=list)
    inputs: list[f.Bound] = field(default_factory=list)

    @property
    def notice_word(self) -> str:
        return _("公示") if self.kind == cc.StepKind.PUBLICITY else _("公告")


def _group_mode(kind: str, case: Case) -> str:
    if kind == cc.StepKind.PUBLICITY and case.notice_id:
        return "close"
    if kind in (cc.StepKind.PUBLICITY, cc.StepKind.ANNOUNCEMENT):
        return "notice"
    if kind in f.BATCH_KINDS:
        return "step"
    return ""


def _groups(cases: list[Case]) -> list[InboxGroup]:
    """Cases grouped by their current step (and, at a 公示, by whether it is published), the
    groups in the order of their nearest deadline (the cases come sorted)."""
    today = actions.today()
    groups: dict[tuple[str, str, str], InboxGroup] = {}
    for case in cases:
        step = procedure_of(case).step(case.position)
        mode = _group_mode(step.kind, case)
        key = (step.code, step.kind, mode)
        if key not in groups:
            title = _(step.title) + (_("（公示中）") if mode == "close" else "")
            group = InboxGroup(step.code, title, step.kind, mode)
            if mode == "step":
                group.inputs = f.bind(f.step_inputs(step.kind), initial={"on": today.isoformat()})
            elif mode == "notice":
                group.inputs = f.bind(f.NOTICE_INPUTS, initial={"starts_on": today.isoformat()})
            groups[key] = group
        groups[key].cases.append(case)
    return list(groups.values())


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    user = request.user
    today = actions.today()
    waiting = queries.inbox_for(user)  # type: ignore[arg-type]
    per_village = dict(
        waiting.order_by()
        .values_list("village_code")
        .annotate(n=Count("id"))
        .values_list("village_code", "n")
    )
    names = dict(Area.objects.filter(code__in=per_village).values_list("code", "name"))
    villages = [(code, names.get(code, code), n) for code, n in sorted(per_village.items())]
    village = request.GET.get("village", "")
    if village:
        waiting = waiting.filter(village_code=village)
    cases = list(
        _with_overdue(waiting).select_related("household", "household__village", "notice")[
            :INBOX_LIMIT
        ]
    )
    overdue: list[Case] = []
    if user.role in OVERDUE_WATCHERS:  # type: ignore[union-attr]
        overdue = list(
            queries.overdue_for(user, today).select_related("household", "household__village")[  # type: ignore[arg-type]
                :OVERDUE_LIMIT
            ]
        )
        for case in overdue:
            case.step_title = _step_title(case)  # type: ignore[attr-defined]
            case.role_label = _role_label(case.step_role)  # type: ignore[attr-defined]
    return render(
        request,
        "cases/inbox.html",
        {
            "groups": _groups(cases),
            "total": sum(per_village.values()),
            "shown": len(cases),
            "limit": INBOX_LIMIT,
            "villages": villages,
            "village": village,
            "overdue": overdue,
            "watch_overdue": user.role in OVERDUE_WATCHERS,  # type: ignore[union-attr]
            "today": today,
        },
    )


@dataclass
class BatchRow:
    case_id: int | None
    number: str
    head_name: str
    ok: bool
    message: str


def _parse_batch(request: HttpRequest) -> tuple[list[tuple[Case, int]], list[BatchRow]]:
    """The selected ``<id>:<version>`` pairs as (case, version) in scope; the rest refused."""
    wanted: dict[int, int] = {}
    refused: list[BatchRow] = []
    for raw in request.POST.getlist("case"):
        case_id, _sep, version = raw.partition(":")
        if not (case_id.isdigit() and version.isdigit()):
            refused.append(BatchRow(None, raw, "", False, _("无法识别的案件选择，请刷新页面。")))
            continue
        wanted[int(case_id)] = int(version)
    found = {
        case.pk: case
        for case in queries.cases_for(request.user)  # type: ignore[arg-type]
        .filter(pk__in=wanted)
        .select_related("household", "household__village", "household__group", "notice")
    }
    pairs = []
    for case_id, version in wanted.items():
        if case_id in found:
            pairs.append((found[case_id], version))
        else:
            refused.append(
                BatchRow(case_id, str(case_id), "", False, _("案件不存在或不在您的管辖范围内。"))
            )
    return pairs, refused


def _row(case: Case, ok: bool, message: str) -> BatchRow:
    return BatchRow(case.pk, case.number, case.household.head_name, ok, message)


@login_required
@domain_errors
@require_POST
def batch(request: HttpRequest) -> HttpResponse:
    """One step (or one notice) for the selected cases; each case is recorded on its own."""
    action = request.POST.get("action", "")
    pairs, rows = _parse_batch(request)
    errors: list[str] = []
    notice = None
    if not pairs and not rows:
        errors.append(_("请至少选择一个案件。"))
    elif action == "step":
        step_code = request.POST.get("step_code", "")
        kind = next(
            (s.kind for case, _v in pairs for s in procedure_of(case).steps if s.code == step_code),
            "",
        )
        record = f.record_from(request.POST, f.step_inputs(kind))
        outcomes = actions.do_perform_steps(
            pairs, actor=_actor(request), step_code=step_code, record=record
        )
        rows = [_row(o.case, o.ok, o.message) for o in outcomes] + rows
    elif action == "notice" and pairs:
        record = f.record_from(request.POST, f.NOTICE_INPUTS)
        try:
            notice = actions.do_publish_notice(pairs, actor=_actor(request), record=record)
        except ValidationError as error:
            errors += [m for ms in _errors(error).values() for m in ms]
            rows = [_row(case, False, _("未发布")) for case, _v in pairs] + rows
        except (PermissionDenied, ConcurrentEditError) as error:
            errors.append(str(error))
            rows = [_row(case, False, _("未发布")) for case, _v in pairs] + rows
        else:
            rows = [
                _row(case, True, _("已列入《%(title)s》") % {"title": notice.title})
                for case, _v in pairs
            ] + rows
    elif action != "notice":
        errors.append(_("未知的批量操作。"))
    return render(
        request,
        "cases/batch_result.html",
        {
            "rows": rows,
            "errors": errors,
            "notice": notice,
            "ok": sum(1 for r in rows if r.ok),
            "failed": sum(1 for r in rows if not r.ok),
        },
    )


# --- the case page -------------------------------------------------------------------------------


def _status(status: str) -> str:
    """A stored status code's label in the interface language (unknown codes as they are)."""
    return _(STATUS_LABELS[status]) if status in STATUS_LABELS else status


def _policy_view(policy: dict[str, Any] | None) -> dict[str, Any] | None:
    if not policy:
        return None
    return {
        **policy,
        "status_label": _status(policy.get("status", "")),
        "expect_label": _status(policy.get("expect", "")),
        # The record keeps the Chinese title and explanation as they were; shown translated.
        "title": _(policy["title"]) if policy.get("title") else "",
        "criteria": [
            {
                **r,
                "title": _(r["title"]) if r.get("title") else "",
                "explanation": _(r["explanation"]) if r.get("explanation") else "",
                "status_label": _status(r.get("status", "")),
            }
            for r in policy.get("criteria", [])
        ],
    }


def _timeline(case: Case) -> list[dict[str, Any]]:
    rows = case.steps.prefetch_related("attachments").order_by("id")
    return [
        {
            "step": s,
            "role_label": _role_label(s.role),
            "record": f.readable_record(s.kind, s.record),
            "facts": f.readable_facts(s.household_facts),
            "policy": _policy_view(s.policy),
            "notice_id": (s.record or {}).get("notice"),
            "attachments": [
                (a, records.ATTACHMENT_LABELS.get(a.purpose, a.purpose))
                for a in s.attachments.all()
            ],
        }
        for s in rows
    ]


def _live_policy(case: Case, user: Any) -> dict[str, Any] | None:
    """The 政策判定 panel's context for the case's income year, or None when the household
    is no longer visible in the registry (deleted or moved out of the user's area)."""
    try:
        evaluation = evaluate_household(case.household, case.year, user)
    except NotFound:
        return None
    return {"year": case.year, "years": [case.year], "evaluation": evaluation}


def _procedure_strip(case: Case, procedure: Procedure) -> list[dict[str, Any]]:
    out = []
    for s in procedure.steps:
        if case.status == cc.CaseStatus.COMPLETED or s.position < case.position:
            state = "done"
        elif s.position == case.position:
            state = "current" if case.is_open else "stopped"
        else:
            state = "todo"
        out.append({"step": s, "state": state})
    return out


def _case_page(
    request: HttpRequest,
    case: Case,
    *,
    form: str = "",
    errors: dict[str, list[str]] | None = None,
    posted: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The case page; ``form`` names the form a refused POST came from (its errors and values
    go there)."""
    user = request.user
    today = actions.today()
    procedure = procedure_of(case)
    step = procedure.step(case.position) if case.is_open else None
    role = getattr(user, "role", "")

    def bound(name: str, inputs: tuple[f.Input, ...], initial: dict[str, Any]) -> list[f.Bound]:
        if form == name:
            return f.bind(inputs, posted, errors)
        return f.bind(inputs, initial=initial)

    def others(name: str, inputs: tuple[f.Input, ...]) -> list[str]:
        return f.other_errors(errors or {}, inputs) if form == name else []

    context: dict[str, Any] = {
        "case": case,
        "procedure": procedure,
        "strip": _procedure_strip(case, procedure),
        "timeline": _timeline(case),
        "objections": list(case.objections.select_related("notice").order_by("id")),
        "current": step,
        "today": today,
        "is_overdue": Case.objects.filter(pk=case.pk).filter(queries.overdue_q(today)).exists(),
        "can_act": bool(step and role == step.role),
        "policy": _live_policy(case, user),
    }
    if step and step.is_decision and context["policy"]:
        # What the policy engine says now about the decision this step takes.
        live = context["policy"]["evaluation"].decision(procedure.decision)
        context["decision_hint"] = {
            "title": _(live.title),
            "status_label": live.status_label,
            "expect_label": _status(procedure.expect),
            "matches": live.status == procedure.expect,
        }
    if step and context["can_act"]:
        if step.is_notice and case.notice_id is None:
            context["notice_inputs"] = bound(
                "notice", f.NOTICE_INPUTS, {"starts_on": today.isoformat()}
            )
            context["notice_errors"] = others("notice", f.NOTICE_INPUTS)
            context["notice_word"] = _("公示") if step.kind == cc.StepKind.PUBLICITY else _("公告")
        elif not step.is_notice:
            inputs = f.step_inputs(step.kind)
            context["step_inputs"] = bound("step", inputs, {"on": today.isoformat()})
            context["step_errors"] = others("step", inputs)
    if step and step.kind == cc.StepKind.PUBLICITY and case.notice_id:
        notice = case.notice
        assert notice is not None
        context["open_notice"] = notice
        context["can_close"] = context["can_act"] and today > notice.ends_on
        context["close_from"] = notice.ends_on + dt.timedelta(days=1)
        context["close_errors"] = (
            [m for ms in (errors or {}).values() for m in ms] if (form == "step") else []
        )
        if role in CASE_WORKERS:
            context["objection_inputs"] = bound(
                "objection", f.OBJECTION_INPUTS, {"raised_on": today.isoformat()}
            )
            context["objection_errors"] = others("objection", f.OBJECTION_INPUTS)
    if case.is_open and role in CASE_WORKERS:
        context["withdraw_inputs"] = bound("withdraw", f.WITHDRAW_INPUTS, {})
        context["withdraw_errors"] = others("withdraw", f.WITHDRAW_INPUTS)
    return render(request, "cases/case_detail.html", context, status=status)


@login_required
@domain_errors
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = queries.access_case(request.user, pk)  # type: ignore[arg-type]
    return _case_page(request, case)


def _post_on_case(
    request: HttpRequest,
    pk: int,
    form: str,
    inputs: tuple[f.Input, ...],
    act: Any,
    done: str,
) -> HttpResponse:
    """Run ``act(case, version, record, files)``; on success back to the case page with
    ``done``, on refusal the page again with the messages and the posted values."""
    case = queries.access_case(request.user, pk)  # type: ignore[arg-type]
    record = f.record_from(request.POST, inputs)
    try:
        version = _version(request)
        message = act(case, version, record, f.files_from(request.FILES, inputs)) or done
    except ValidationError as error:
        fresh = queries.access_case(request.user, pk)  # type: ignore[arg-type]
        return _case_page(request, fresh, form=form, errors=_errors(error), posted=record)
    except ConcurrentEditError as error:
        messages.error(request, _("%(error)s页面已更新为最新内容。") % {"error": error})
    else:
        messages.success(request, message)
    return redirect("cases:detail", pk=pk)


@login_required
@domain_errors
@require_POST
def perform_step(request: HttpRequest, pk: int) -> HttpResponse:
    case = queries.access_case(request.user, pk)  # type: ignore[arg-type]
    kind = procedure_of(case).step(case.position).kind if case.is_open else ""
    step_code = request.POST.get("step_code", "").strip() or None

    def act(case: Case, version: int, record: dict, files: dict) -> str:
        title = _step_title(case)
        actions.do_perform_step(
            case,
            actor=_actor(request),
            expected_version=version,
            record=record,
            step_code=step_code,
            attachments=files,
        )
        return _("已办理“%(step)s”。") % {"step": title}

    return _post_on_case(request, pk, "step", f.step_inputs(kind), act, "")


@login_required
@domain_errors
@require_POST
def publish_notice(request: HttpRequest, pk: int) -> HttpResponse:
    def act(case: Case, version: int, record: dict, files: dict) -> str:
        notice = actions.do_publish_notice([(case, version)], actor=_actor(request), record=record)
        return _("已发布《%(title)s》（%(start)s至%(end)s），公开链接：/notices/%(token)s/") % {
            "title": notice.title,
            "start": notice.starts_on,
            "end": notice.ends_on,
            "token": notice.token,
        }

    return _post_on_case(request, pk, "notice", f.NOTICE_INPUTS, act, "")


@login_required
@domain_errors
@require_POST
def record_objection(request: HttpRequest, pk: int) -> HttpResponse:
    def act(case: Case, version: int, record: dict, files: dict) -> str:
        actions.do_record_objection(
            case, actor=_actor(request), expected_version=version, record=record
        )
        return _("已登记公示异议，案件退回“%(step)s”重新核实。") % {"step": _step_title(case)}

    return _post_on_case(request, pk, "objection", f.OBJECTION_INPUTS, act, "")


@login_required
@domain_errors
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    def act(case: Case, version: int, record: dict, files: dict) -> str:
        actions.do_withdraw_case(
            case, actor=_actor(request), expected_version=version, reason=record["reason"]
        )
        return _("案件%(number)s已撤回。") % {"number": case.number}

    return _post_on_case(request, pk, "withdraw", f.WITHDRAW_INPUTS, act, "")


@login_required
@domain_errors
@require_GET
def attachment(request: HttpRequest, pk: int) -> FileResponse:
    """A step's file, to those who may see its case (others: 404, as if absent)."""
    try:
        item = Attachment.objects.select_related("step").get(pk=pk)
    except Attachment.DoesNotExist:
        raise NotFound(pk) from None
    queries.access_case(request.user, item.step.case_id)  # type: ignore[arg-type]
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise NotFound(pk) from None
    response = FileResponse(handle, as_attachment=True, filename=item.name)
    response["Cache-Control"] = "private, no-store"
    return response


# --- opening a case ------------------------------------------------------------------------------


def _open_types(user: Any, household: Any) -> list[tuple[str, str, str]]:
    """(case type, label, why not or '') for a household, as the user may open them."""
    out = []
    for value, label in cc.CaseType.choices:
        procedure = procedure_for(value, household.village_code)
        if procedure.step(0).role != getattr(user, "role", ""):
            continue
        out.append((value, str(label), effects.eligibility_error(value, household, {})))
    return out


@login_required
@domain_errors
def open_case(request: HttpRequest, pk: int) -> HttpResponse:
    household = scoping.access_household_by_id(request.user, pk)  # type: ignore[arg-type]
    case_type = request.GET.get("type") or request.POST.get("case_type", "")
    open_now = (
        queries.cases_for(request.user)  # type: ignore[arg-type]
        .filter(household=household, status=cc.CaseStatus.OPEN)
        .first()
    )
    if case_type not in cc.CaseType.values:
        return render(
            request,
            "cases/open_choose.html",
            {
                "household": household,
                "types": _open_types(request.user, household),
                "open_now": open_now,
            },
        )
    procedure = procedure_for(case_type, household.village_code)
    actor = _actor(request)
    actions.ensure_role(actor, procedure.step(0))
    inputs = f.application_inputs(case_type, needs_signal=bool(procedure.deadline_parameter))
    today = actions.today()
    errors: dict[str, list[str]] = {}
    posted = None
    if request.method == "POST":
        posted = f.record_from(request.POST, inputs)
        posted["late_confirmed"] = request.POST.get("late_confirmed") == "1"
        try:
            case = actions.do_open_case(
                actor=actor,
                household=household,
                case_type=case_type,
                record=posted,
                attachments=f.files_from(request.FILES, inputs),
            )
        except ValidationError as error:
            errors = _errors(error)
        else:
            messages.success(
                request,
                _("已发起%(type)s案件%(number)s，下一环节：%(step)s。")
                % {
                    "type": case.get_case_type_display(),
                    "number": case.number,
                    "step": _step_title(case),
                },
            )
            return redirect("cases:detail", pk=case.pk)
    elif request.method != "GET":
        return HttpResponse(status=405)
    return render(
        request,
        "cases/open_case.html",
        {
            "household": household,
            "case_type": case_type,
            "type_label": cc.CaseType(case_type).label,
            "procedure": procedure,
            "inputs": f.bind(
                inputs,
                posted,
                errors,
                initial={"on": today.isoformat(), "year": default_year(today)},
            ),
            "other_errors": f.other_errors(errors, inputs),
            "warning": effects.eligibility_error(case_type, household, {}),
            "open_now": open_now,
            "late": any("已知逾期" in m for m in errors.get("first_signal_on", [])),
        },
        status=200,
    )


@login_required
@domain_errors
@require_GET
def household_cases(request: HttpRequest, pk: int) -> HttpResponse:
    """The 办理程序 card of the household page, as a page of its own."""
    household = scoping.access_household_by_id(request.user, pk)  # type: ignore[arg-type]
    return render(
        request,
        "cases/household_cases.html",
        {"household": household, **household_cases_context(request.user, household)},  # type: ignore[arg-type]
    )


def household_cases_context(user: Any, household: Any) -> dict[str, Any]:
    """The household's cases (scoped), the open one, and the case types the user may start."""
    cases = list(
        _with_overdue(queries.cases_for(user).filter(household=household)).order_by("-id")[:50]
    )
    for case in cases:
        case.step_title = _step_title(case) if case.is_open else ""  # type: ignore[attr-defined]
    open_now = next((c for c in cases if c.is_open), None)
    return {
        "cases": cases,
        "types": [] if open_now else _open_types(user, household),
        "open_now": open_now,
    }


# --- the county overview -------------------------------------------------------------------------


@login_required
@domain_errors
@require_GET
def county_overview(request: HttpRequest) -> HttpResponse:
    user = request.user
    area = user.area  # type: ignore[union-attr]
    within = request.GET.get("area", "")
    if within:
        area = scoping.access_area_by_code(user, within)  # type: ignore[arg-type]
    cases = queries.cases_for(user, within=area.scope_prefix)  # type: ignore[arg-type]
    today = actions.today()
    direct = None
    if user.can_read_audit:  # type: ignore[union-attr]
        low, high = code_range(area.scope_prefix)
        entries = scoping.audit_entries_for(user).filter(  # type: ignore[arg-type]
            area_code__gte=low, area_code__lt=high
        )
        direct = overview.status_changes_outside_procedures(entries)
    return render(
        request,
        "cases/overview.html",
        {
            "area": area,
            "ancestors": area.ancestors() if within else [],
            "today": today,
            "totals": overview.totals(cases, today),
            "by_step": overview.open_by_type_and_step(cases, today),
            "by_area": overview.by_area(cases, area, today),
            "times": overview.days_per_step(cases),
            "deadlines": overview.deadlines(cases, today),
            "overrides": list(overview.overrides(cases)),
            "direct_changes": direct,
        },
    )
