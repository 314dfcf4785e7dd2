"""Department data pages: batches (upload, preview, compare), the alert inbox beside the
procedures' inbox, an alert with its link and reasons and the verification form, the report,
and the departments' push keys. Thin: read through ``queries``, write through ``actions``."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from jingzhun.accounts.roles import ALERT_VERIFIERS, CROSSCHECK_LOADERS
from jingzhun.cases import forms as case_forms
from jingzhun.cases.choices import CaseType
from jingzhun.cases.procedures import procedure_for
from jingzhun.core.actions import Actor, NotFound, PermissionDenied
from jingzhun.core.http import domain_errors
from jingzhun.core.masking import Disclosure
from jingzhun.crosscheck import actions, display, intake, queries, rules
from jingzhun.crosscheck.kinds import all_kinds, get_kind, kind_choices
from jingzhun.crosscheck.loading import BatchRefused
from jingzhun.crosscheck.models import AlertStatus, BatchStatus
from jingzhun.crosscheck.tasks import apply_batch_task
from jingzhun.registry import scoping

INBOX_LIMIT = 200


class BatchForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("数据类型"), choices=kind_choices)
    file = forms.FileField(label=gettext_lazy("文件（xlsx、CSV或Parquet）"))
    as_of = forms.DateField(
        label=gettext_lazy("数据截止日期"), widget=forms.DateInput(attrs={"type": "date"})
    )


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("名称"), max_length=100)
    kind = forms.ChoiceField(label=gettext_lazy("数据类型"), choices=kind_choices)


def _actor(request: HttpRequest, source: str = "form") -> Actor:
    return Actor.from_request(request, source=source)


def _loader(request: HttpRequest) -> bool:
    return getattr(request.user, "role", "") in CROSSCHECK_LOADERS


@login_required
@domain_errors
def batch_list(request: HttpRequest) -> HttpResponse:
    form = BatchForm(
        request.POST or None, request.FILES or None, initial={"as_of": actions.today()}
    )
    if request.method == "POST":
        if not _loader(request):
            raise PermissionDenied(_("只有县级审批员、县级分析员和管理员可以导入部门数据。"))
        if form.is_valid():
            data = form.cleaned_data
            upload = data["file"]
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "batch"
                with path.open("wb") as out:
                    for chunk in upload.chunks():
                        out.write(chunk)
                try:
                    batch, new = intake.stage_file(
                        actor=_actor(request, "import"),
                        kind=data["kind"],
                        area=request.user.area,  # type: ignore[union-attr]
                        path=path,
                        as_of=data["as_of"],
                        source="page",
                        original_name=upload.name,
                    )
                except BatchRefused as refused:
                    form.add_error("file", f"{refused.reason}。{refused.fix}。")
                else:
                    if not new:
                        messages.info(request, _("这批数据已经导入过，未作任何改动。"))
                    return redirect("crosscheck:batch", pk=batch.pk)
    return render(
        request,
        "crosscheck/batch_list.html",
        {
            "form": form,
            "can_load": _loader(request),
            "batches": queries.batches_for(request.user)[:100],  # type: ignore[arg-type]
            "kinds": all_kinds().values(),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@domain_errors
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = queries.access_batch_by_id(request.user, pk)  # type: ignore[arg-type]
    if request.method == "POST":
        actor = _actor(request)
        if request.POST.get("action") == "discard":
            actions.do_discard_batch(batch, actor=actor, reason=request.POST.get("reason", ""))
            messages.info(request, _("已放弃该批次，未比对任何记录。"))
        else:
            actions.ensure_loader(actor, batch.area)
            if batch.status != BatchStatus.STAGED:
                raise PermissionDenied(_("该批次不在待确认状态。"))
            user_id = request.user.pk
            with transaction.atomic():
                result = apply_batch_task.enqueue(batch.pk, user_id)
                type(batch).objects.filter(pk=batch.pk).update(task_id=str(result.id))
            messages.success(request, _("已开始比对，完成后本页显示结果。"))
        return redirect("crosscheck:batch", pk=batch.pk)
    task = _task_state(batch.task_id) if batch.status == BatchStatus.STAGED else None
    disclosure = Disclosure.of(request.user)
    refusals = [r | {"reason": disclosure.text(r["reason"])} for r in batch.refusals[:500]]
    return render(
        request,
        "crosscheck/batch_detail.html",
        {
            "batch": batch,
            "kind": get_kind(batch.kind),
            "refusals": refusals,
            "task": task,
            "can_load": _loader(request),
        },
    )


def _task_state(task_id: str) -> str:
    """'' (not started), 'running', or 'failed' (the worker stopped: it can be run again)."""
    if not task_id:
        return ""
    from django_tasks_db.models import DBTaskResult

    row = DBTaskResult.objects.filter(id=task_id).values_list("status", flat=True).first()
    if row in (None, "FAILED", "SUCCESSFUL"):
        return "failed"
    return "running"


@login_required
@require_GET
@domain_errors
def alert_inbox(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", AlertStatus.OPEN)
    if status not in AlertStatus.values and status != "":
        status = AlertStatus.OPEN
    rule = request.GET.get("rule", "")
    village = request.GET.get("village", "")
    qs = queries.inbox(request.user, status=status, rule=rule, village=village)  # type: ignore[arg-type]
    total = qs.count()
    today = actions.today()
    rows = []
    disclosure = Disclosure.of(request.user)
    for alert in qs[:INBOX_LIMIT]:
        rows.append(
            {
                "alert": alert,
                "rule": _(rules.rule_label(alert.rule)),
                "days_left": (alert.due_on - today).days,
                "overdue_days": (today - alert.due_on).days,
                "overdue": alert.status == AlertStatus.OPEN and alert.due_on < today,
                "member": alert.member.name,
                "id_number": disclosure.number("id_number", alert.member.id_number),
            }
        )
    return render(
        request,
        "crosscheck/alert_inbox.html",
        {
            "rows": rows,
            "total": total,
            "limit": INBOX_LIMIT,
            "status": status,
            "rule": rule,
            "statuses": AlertStatus.choices,
            "rules": [(code, _(r.name)) for code, r in rules.RULES.items()],
        },
    )


def alert_card(user: Any, household: Any) -> list[dict[str, Any]]:
    """The household's department alerts (newest first) for its page's card."""
    today = actions.today()
    return [
        {
            "alert": alert,
            "rule": _(rules.rule_label(alert.rule)),
            "overdue": alert.status == AlertStatus.OPEN and alert.due_on < today,
        }
        for alert in queries.alerts_for(user)
        .filter(household=household)
        .select_related("record__batch")
        .order_by("-raised_on", "-id")[:20]
    ]


def _case_inputs(target: str, household: Any) -> tuple[Any, ...]:
    procedure = procedure_for(target, household.village_code)
    inputs = case_forms.application_inputs(target, needs_signal=bool(procedure.deadline_parameter))
    # The channel and the date of the signal come from the alert.
    return tuple(i for i in inputs if i.name not in ("channel", "first_signal_on"))


@login_required
@domain_errors
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    alert = queries.access_alert_by_id(request.user, pk)  # type: ignore[arg-type]
    rule = rules.RULES[alert.rule]
    target = request.POST.get("target") or request.GET.get("target", "")
    inputs = _case_inputs(target, alert.household) if target in CaseType.values else ()
    errors: dict[str, list[str]] = {}
    posted: dict[str, Any] | None = None
    if request.method == "POST":
        outcome = request.POST.get("outcome", "")
        posted = case_forms.record_from(request.POST, inputs) if inputs else {}
        try:
            alert = actions.do_verify_alert(
                alert,
                actor=_actor(request),
                expected_version=int(request.POST.get("version") or 0),
                outcome=outcome,
                reason=request.POST.get("reason", ""),
                target=target if outcome == AlertStatus.CONFIRMED else "",
                record=posted,
                attachments=case_forms.files_from(request.FILES, inputs) if inputs else None,
            )
        except ValidationError as error:
            errors = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
        else:
            messages.success(request, _("已记录核实结果：%s。") % alert.get_status_display())
            if alert.case_id:
                return redirect("cases:detail", pk=alert.case_id)
            return redirect("crosscheck:alert", pk=alert.pk)
    disclosure = Disclosure.of(request.user)
    record = alert.record
    kind = get_kind(record.kind)
    record_rows = [
        [_("姓名"), record.name],
        [_("证件号码"), disclosure.number("id_number", record.id_number) or "—"],
        [_("出生日期"), record.birth_date or "—"],
        [_("住址"), disclosure.text(record.address) or "—"],
        [
            kind.column("event_date").label if kind.column("event_date") else _("日期"),
            record.event_date,
        ],
    ]
    if record.amount is not None:
        record_rows.append([_("金额"), f"{record.amount:,.2f}"])
    for field, value in record.details.items():
        column = kind.column(field)
        record_rows.append([column.label if column else field, disclosure.text(value)])
    today = actions.today()
    return render(
        request,
        "crosscheck/alert_detail.html",
        {
            "alert": alert,
            "rule": rule,
            "kind": kind,
            "record_rows": record_rows,
            "member_id_number": disclosure.number("id_number", alert.member.id_number),
            "values": [
                [label, disclosure.text(value)]
                for label, value in display.compared_values(alert.values)
            ],
            "reasons": alert.link.reasons,
            "outcomes": [(o, rules.outcome_label(o)) for o in rule.outcomes],
            "target": target,
            "inputs": case_forms.bind(
                inputs,
                posted,
                errors,
                initial={
                    "on": today.isoformat(),
                    "year": today.year - 1,
                    "reason": f"{rule.name}（{alert.record.batch.department}数据）",
                    "risk_types": [rule.risk] if rule.risk else [],
                },
            )
            if inputs
            else (),
            "errors": errors,
            "other_errors": [
                m for k, ms in errors.items() if k not in {i.name for i in inputs} for m in ms
            ],
            "can_verify": alert.status == AlertStatus.OPEN
            and getattr(request.user, "role", "") in ALERT_VERIFIERS,
            "days_left": (alert.due_on - today).days,
        },
        status=400 if errors else 200,
    )


@login_required
@require_GET
@domain_errors
def alert_report(request: HttpRequest) -> HttpResponse:
    figures = queries.report(request.user, actions.today())  # type: ignore[arg-type]
    names = dict(
        scoping.areas_for(request.user)  # type: ignore[arg-type]
        .filter(code__in=[code + "000" for code in figures["areas"]])
        .values_list("code", "name")
    )
    areas = [
        {
            "code": code,
            "name": names.get(code + "000", code),
            "open": c.get(AlertStatus.OPEN, 0),
            "total": sum(c.values()),
        }
        for code, c in sorted(figures["areas"].items())
    ]
    return render(request, "crosscheck/alert_report.html", {"figures": figures, "areas": areas})


@login_required
@domain_errors
def token_list(request: HttpRequest) -> HttpResponse:
    if not _loader(request):
        raise PermissionDenied(_("只有县级审批员、县级分析员和管理员可以管理部门推送令牌。"))
    form = TokenForm(request.POST or None)
    raw = ""
    if request.method == "POST" and form.is_valid():
        _token, raw = actions.do_create_feed_token(
            actor=_actor(request),
            name=form.cleaned_data["name"],
            kind=form.cleaned_data["kind"],
            area=request.user.area,  # type: ignore[union-attr]
        )
        form = TokenForm()
    return render(
        request,
        "crosscheck/token_list.html",
        {"form": form, "raw": raw, "tokens": queries.tokens_for(request.user)},  # type: ignore[arg-type]
    )


@login_required
@require_POST
@domain_errors
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = queries.tokens_for(request.user).filter(pk=pk).first()  # type: ignore[arg-type]
    if token is None:
        raise NotFound(pk)
    actions.do_revoke_feed_token(token, actor=_actor(request))
    messages.info(request, _("令牌已停用。"))
    return redirect("crosscheck:tokens")
