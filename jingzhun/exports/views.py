"""Export pages: the export form, the export log (inspectors), a background export's status and
its download.

Read-only roles may export (personal numbers masked); an out-of-scope area exports nothing.
CSV always streams; xlsx and Parquet are written to a temp file and sent, or, above
``EXPORT_SYNC_MAX_HOUSEHOLDS`` households, written by the background worker.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from jingzhun.areas.models import Area
from jingzhun.core import jobs
from jingzhun.core.actions import Actor
from jingzhun.core.http import domain_errors
from jingzhun.exports import service
from jingzhun.exports.forms import ExportForm
from jingzhun.exports.layouts import ExportRefused
from jingzhun.exports.models import ExportStatus
from jingzhun.exports.scoping import access_export_log_by_id, export_logs_for
from jingzhun.exports.writers import CONTENT_TYPES
from jingzhun.registry import choices as c
from jingzhun.registry.scoping import areas_for

LOG_PAGE = 100


class _TempFileResponse(FileResponse):
    """A FileResponse that deletes its temp file once sent."""

    def __init__(self, path: Path, **kwargs: object) -> None:
        self._temp_path = path
        super().__init__(open(path, "rb"), **kwargs)  # noqa: SIM115 - closed by the response

    def close(self) -> None:
        super().close()
        self._temp_path.unlink(missing_ok=True)


@login_required
@require_http_methods(["GET", "POST"])
def export_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = ExportForm(request.POST, user=user)
    else:
        # Every filter of the list comes along: the form's own fields, the carried ones.
        initial = {k: v for k, v in request.GET.items() if v}
        form = ExportForm(initial=initial, user=user)
    if request.method == "POST" and form.is_valid():
        spec = form.spec()
        actor = Actor.from_request(request)
        name = service.file_name_for(spec)
        if spec.format == "csv":
            try:
                _log, chunks = service.stream_csv(spec, actor=actor)
            except ExportRefused as refused:
                return _refused(request, form, user, str(refused))
            response = StreamingHttpResponse(chunks, content_type=CONTENT_TYPES["csv"])
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
        try:
            households = service.household_count(actor, spec)
        except ExportRefused as refused:
            return _refused(request, form, user, str(refused))
        if households > service.sync_limit():
            log = service.queue_export(spec, actor=actor)
            return redirect("export_detail", log_id=log.pk)
        path = Path(tempfile.mkstemp(suffix=f".{spec.format}", dir=service.export_dir())[1])
        try:
            service.export_to_file(spec, actor=actor, path=path)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return _TempFileResponse(
            path, as_attachment=True, filename=name, content_type=CONTENT_TYPES[spec.format]
        )
    return _form_page(request, form, user)


def _refused(request: HttpRequest, form: ExportForm, user: Any, message: str) -> HttpResponse:
    form.add_error(None, message)
    return _form_page(request, form, user)


def _form_page(request: HttpRequest, form: ExportForm, user: Any) -> HttpResponse:
    return render(
        request,
        "exports/export_form.html",
        {
            "form": form,
            "areas": _area_choices(user, form["area"].value() or ""),
            "household_types": c.HouseholdType.choices,
            "categories": c.MonitoringCategory.choices,
            "risk_types": c.RiskType.choices,
            "sync_limit": service.sync_limit(),
        },
        status=400 if request.method == "POST" else 200,
    )


def _area_choices(user: Any, selected: str) -> list[Area]:
    """The user's area and two levels below it (down to villages), plus the selected area
    wherever it lies in scope, so a filter carried over from the list page is never dropped."""
    scoped = areas_for(user)
    areas = list(scoped.filter(level__lte=min(user.area.level + 2, 5)).order_by("code")[:2000])
    if selected and all(a.code != selected for a in areas):
        areas += list(scoped.filter(code=selected))
    return areas


@login_required
def export_list(request: HttpRequest) -> HttpResponse:
    logs = export_logs_for(request.user).select_related("user").order_by("-id")
    before = request.GET.get("before", "")
    if before.isdigit():
        logs = logs.filter(id__lt=int(before))
    rows = list(logs[: LOG_PAGE + 1])
    next_before = rows[LOG_PAGE - 1].pk if len(rows) > LOG_PAGE else None
    return render(
        request,
        "exports/export_list.html",
        {
            "logs": rows[:LOG_PAGE],
            "next_before": next_before,
            "all_in_area": request.user.can_read_audit,
        },
    )


@login_required
@domain_errors
def export_detail(request: HttpRequest, log_id: int) -> HttpResponse:
    log = jobs.settled(access_export_log_by_id(request.user, log_id))
    template = (
        "exports/_status.html"
        if request.headers.get("HX-Request")
        else "exports/export_detail.html"
    )
    return render(request, template, {"log": log, "done": ExportStatus.DONE})


@login_required
@domain_errors
def export_download(request: HttpRequest, log_id: int) -> HttpResponse:
    """A background export's file: only for the person who exported it (inspectors see the
    log, not the personal data)."""
    log = access_export_log_by_id(request.user, log_id)
    if log.user_id != request.user.pk or log.status != ExportStatus.DONE or not log.file_name:
        raise Http404("未找到该文件。")
    path = service.export_dir() / Path(log.file_name).name
    if not path.exists():
        raise Http404("文件已被清理，请重新导出。")
    return FileResponse(
        open(path, "rb"),
        as_attachment=True,
        filename=path.name,
        content_type=CONTENT_TYPES[log.format],
    )
