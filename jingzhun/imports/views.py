"""Import pages: upload, list, detail with preview and progress, apply / reject, failed rows,
template. Thin: parse with the form, call the action, enqueue the job, render. The request never
parses or applies a file itself: the worker does (jingzhun.imports.tasks)."""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jingzhun.core import jobs
from jingzhun.core.actions import Actor, PermissionDenied
from jingzhun.core.http import domain_errors
from jingzhun.imports import actions
from jingzhun.imports.forms import UploadForm
from jingzhun.imports.models import Status
from jingzhun.imports.scoping import preview_for, uploads_for
from jingzhun.imports.spreadsheets import write_household_template
from jingzhun.imports.tasks import apply_upload_task, validate_upload_task
from jingzhun.registry.models import Conditions, Household, Income, Member

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _field_meta() -> dict[str, Any]:
    meta: dict[str, Any] = {}
    for model in (Conditions, Income, Member, Household):
        for f in model._meta.concrete_fields:
            meta[f.name] = f
    return meta


def _show(field: str, value: Any) -> str:
    if value in (None, ""):
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    f = _field_meta().get(field)
    if f is not None and f.choices:
        return str(dict(f.choices).get(value, value))
    if isinstance(value, list):
        return "、".join(_show("kind", v) for v in value)
    return str(value)


def _readable_changes(changes: dict[str, list[Any]]) -> list[dict[str, str]]:
    meta = _field_meta()
    out = []
    for field, (old, new) in changes.items():
        f = meta.get(field)
        label = (
            str(f.verbose_name)
            if f is not None
            else {"risks": "致贫/返贫风险", "village": "行政村"}.get(field, field)
        )
        if field == "risks":
            from jingzhun.registry.choices import RiskType

            old = "、".join(str(RiskType(k).label) for k in old or [])
            new = "、".join(str(RiskType(k).label) for k in new or [])
        out.append(
            {"field": field, "label": label, "old": _show(field, old), "new": _show(field, new)}
        )
    return out


def _current(request: HttpRequest, upload_id: int) -> Any:
    """The upload as it stands: a job that claims to run but whose process died is failed
    first (jingzhun.core.jobs), so the page never shows a dead job's progress."""
    return jobs.settled(actions.access_upload(request.user, upload_id))


@login_required
@require_GET
def upload_list(request: HttpRequest) -> HttpResponse:
    uploads = uploads_for(request.user).select_related("uploader", "area")
    before = request.GET.get("before", "")
    if before.isdigit():
        uploads = uploads.filter(pk__lt=int(before))
    page = list(uploads.order_by("-id")[:50])
    return render(
        request,
        "imports/upload_list.html",
        {
            "uploads": page,
            "next_before": page[-1].pk if len(page) == 50 else None,
            "form": UploadForm() if request.user.can_edit_registry else None,
        },
    )


@login_required
@domain_errors
def upload_create(request: HttpRequest) -> HttpResponse:
    if not request.user.can_edit_registry:
        raise PermissionDenied(_("您的角色只能查看，不能导入数据。"))
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            upload = actions.do_create_upload(
                actor=Actor.from_request(request, source="import"),
                stream=data["file"],
                original_name=data["file"].name,
                kind=data["kind"],
                year=data["year"],
                sheet=data["sheet"] or "",
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            transaction.on_commit(lambda: validate_upload_task.enqueue(upload.pk))
            messages.success(request, _("文件已上传，正在后台校验。"))
            return redirect("upload_detail", upload_id=upload.pk)
    return render(
        request,
        "imports/upload_form.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
@domain_errors
def upload_detail(request: HttpRequest, upload_id: int) -> HttpResponse:
    upload = _current(request, upload_id)
    preview = preview_for(request.user, upload)
    entries = preview.get("entries", {})
    for kind in ("create", "change", "refused"):
        for entry in entries.get(kind, []):
            entry["readable"] = _readable_changes(entry.get("changes", {}))
            for member in entry.get("members", []):
                member["readable"] = _readable_changes(member.get("changes", {}))
            entry["income_readable"] = _readable_changes(entry.get("income", {}).get("changes", {}))
    return render(
        request,
        "imports/upload_detail.html",
        {
            "upload": upload,
            "preview": preview,
            "entries": entries,
            "counts": upload.counts,
            "progress": actions.read_progress(upload),
            "can_decide": request.user.can_edit_registry and upload.status == Status.WAITING,
        },
    )


@login_required
@require_GET
@domain_errors
def upload_progress(request: HttpRequest, upload_id: int) -> HttpResponse:
    upload = _current(request, upload_id)
    response = render(
        request,
        "imports/_progress.html",
        {"upload": upload, "progress": actions.read_progress(upload)},
    )
    if not upload.is_busy and request.GET.get("was_busy"):
        response["HX-Refresh"] = "true"  # show the preview the job has just stored
    return response


@login_required
@require_POST
@domain_errors
def upload_apply(request: HttpRequest, upload_id: int) -> HttpResponse:
    upload = actions.access_upload(request.user, upload_id)
    try:
        actions.do_request_apply(upload, actor=Actor.from_request(request, source="import"))
    except ValidationError as error:
        messages.error(request, "；".join(m for ms in error.message_dict.values() for m in ms))
    else:
        transaction.on_commit(lambda: apply_upload_task.enqueue(upload.pk))
        messages.success(request, _("已开始导入有效的户，请稍候。"))
    return redirect("upload_detail", upload_id=upload.pk)


@login_required
@require_POST
@domain_errors
def upload_retry(request: HttpRequest, upload_id: int) -> HttpResponse:
    """Validate again an upload whose validation was interrupted (its process died)."""
    upload = actions.access_upload(request.user, upload_id)
    try:
        actions.do_retry_upload(upload, actor=Actor.from_request(request, source="import"))
    except ValidationError as error:
        messages.error(request, "；".join(m for ms in error.message_dict.values() for m in ms))
    else:
        transaction.on_commit(lambda: validate_upload_task.enqueue(upload.pk))
        messages.success(request, _("已重新开始校验。"))
    return redirect("upload_detail", upload_id=upload.pk)


@login_required
@require_POST
@domain_errors
def upload_reject(request: HttpRequest, upload_id: int) -> HttpResponse:
    upload = actions.access_upload(request.user, upload_id)
    try:
        actions.do_reject_upload(
            upload,
            actor=Actor.from_request(request, source="import"),
            reason=request.POST.get("reason", "")[:200],
        )
    except ValidationError as error:
        messages.error(request, "；".join(m for ms in error.message_dict.values() for m in ms))
    else:
        messages.success(request, _("已放弃本批次，未导入任何数据。"))
    return redirect("upload_detail", upload_id=upload.pk)


@login_required
@require_GET
@domain_errors
def upload_failed_rows(request: HttpRequest, upload_id: int) -> HttpResponse:
    upload = actions.access_upload(request.user, upload_id)
    out = io.BytesIO()
    actions.do_download_failed_rows(upload, out, actor=Actor.from_request(request))
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="failed-rows-{upload.pk}.xlsx"'
    return response


@login_required
@require_GET
def template_download(request: HttpRequest) -> HttpResponse:
    out = io.BytesIO()
    write_household_template(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="household-template.xlsx"'
    return response
