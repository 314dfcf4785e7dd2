"""Ledger pages: the list with the upload form and the templates, an upload's preview with
confirm and discard, the failed rows. Thin: the form parses, the action decides, the view
renders. A ledger file is previewed in the request (ledgers are small: see rows.max_rows)."""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jingzhun.core.actions import Actor, PermissionDenied
from jingzhun.core.http import domain_errors
from jingzhun.core.masking import Disclosure
from jingzhun.imports.scoping import disclosed_cell
from jingzhun.ledgers import actions, files
from jingzhun.ledgers.forms import LedgerUploadForm
from jingzhun.ledgers.models import LedgerStatus, LedgerUpload
from jingzhun.ledgers.spec import get_ledger, ledgers

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE = 50
ROWS_SHOWN = 500


def _error_text(error: ValidationError) -> str:
    return "；".join(m for ms in error.message_dict.values() for m in ms)


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors
def ledger_list(request: HttpRequest) -> HttpResponse:
    """GET: my area's ledger uploads and the upload form; POST: load a file."""
    user = request.user
    allowed = actions.ledgers_for(user)
    form = LedgerUploadForm(request.POST or None, request.FILES or None, ledgers=allowed)
    status = 200
    if request.method == "POST":
        if not allowed:
            raise PermissionDenied(_("您的角色不能导入台账。"))
        wanted = get_ledger(request.POST.get("kind", ""))
        if wanted is not None and wanted not in allowed:
            raise PermissionDenied(_("您的角色不能导入“%(title)s”。") % {"title": wanted.title})
        if form.is_valid():
            try:
                upload, created = actions.do_load_ledger(
                    actor=Actor.from_request(request, source="import"),
                    kind=form.cleaned_data["kind"],
                    stream=form.cleaned_data["file"],
                    original_name=form.cleaned_data["file"].name,
                )
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                if created:
                    messages.success(request, _("文件已校验，请查看预览后确认导入。"))
                else:
                    messages.info(
                        request,
                        _("该文件此前已上传（批次%(id)s），未重复登记。") % {"id": upload.pk},
                    )
                return redirect("ledgers:detail", upload_id=upload.pk)
        status = 400
    uploads = actions.ledger_uploads_for(user).select_related("uploader", "area")
    before = request.GET.get("before", "")
    if before.isdigit():
        uploads = uploads.filter(pk__lt=int(before))
    page = list(uploads.order_by("-id")[:PAGE])
    return render(
        request,
        "ledgers/list.html",
        {
            "uploads": page,
            "next_before": page[-1].pk if len(page) == PAGE else None,
            "form": form if allowed else None,
            "ledgers": ledgers(),
        },
        status=status,
    )


def _shown_rows(user: Any, upload: LedgerUpload) -> dict[str, list[dict[str, Any]]]:
    """The preview's rows by action, as the user's disclosure lets them read the cells."""
    disclosure = Disclosure.of(user)
    by_action: dict[str, list[dict[str, Any]]] = {
        "refused": [],
        "create": [],
        "change": [],
        "unchanged": [],
    }
    for entry in upload.preview.get("rows", []):
        shown = dict(entry)
        shown["summary"] = disclosure.text(entry.get("summary", ""))
        shown["problems"] = [
            {
                **p,
                "value": disclosed_cell(disclosure, p.get("column", ""), p.get("value", "")),
                "reason": disclosure.text(p.get("reason", "")),
            }
            for p in entry.get("problems", [])
        ]
        shown["changes"] = {
            label: [disclosure.text(str(old)), disclosure.text(str(new))]
            for label, (old, new) in entry.get("changes", {}).items()
        }
        rows = by_action.setdefault(entry["action"], [])
        if len(rows) < ROWS_SHOWN:
            rows.append(shown)
    return by_action


@login_required
@require_GET
@domain_errors
def detail(request: HttpRequest, upload_id: int) -> HttpResponse:
    upload = actions.access_ledger_upload(request.user, upload_id)
    spec = get_ledger(upload.kind)
    disclosure = Disclosure.of(request.user)
    held_back = [
        {
            **entry,
            "problems": [
                {**p, "reason": disclosure.text(p.get("reason", ""))}
                for p in entry.get("problems", [])
            ],
        }
        for entry in upload.result.get("held_back", [])
    ]
    return render(
        request,
        "ledgers/detail.html",
        {
            "upload": upload,
            "spec": spec,
            "counts": upload.counts,
            "rows": _shown_rows(request.user, upload),
            "result": upload.result.get("counts"),
            "held_back": held_back,
            "can_decide": spec is not None
            and request.user.role in spec.roles
            and upload.status == LedgerStatus.STAGED,
            "has_failed_rows": bool(upload.counts.get("refused")) or bool(held_back),
            "notes": {
                disclosure.text(note): n for note, n in upload.preview.get("notes", {}).items()
            },
        },
    )


@login_required
@require_POST
@domain_errors
def apply(request: HttpRequest, upload_id: int) -> HttpResponse:
    upload = actions.access_ledger_upload(request.user, upload_id)
    try:
        actions.do_apply_ledger_upload(upload, actor=Actor.from_request(request, source="import"))
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("已导入全部有效的行。"))
    return redirect("ledgers:detail", upload_id=upload.pk)


@login_required
@require_POST
@domain_errors
def discard(request: HttpRequest, upload_id: int) -> HttpResponse:
    upload = actions.access_ledger_upload(request.user, upload_id)
    try:
        actions.do_discard_ledger_upload(
            upload,
            actor=Actor.from_request(request, source="import"),
            reason=request.POST.get("reason", "")[:200],
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("已放弃本批次，未导入任何数据。"))
    return redirect("ledgers:detail", upload_id=upload.pk)


@login_required
@require_GET
@domain_errors
def failed_rows(request: HttpRequest, upload_id: int) -> HttpResponse:
    upload = actions.access_ledger_upload(request.user, upload_id)
    out = io.BytesIO()
    actions.do_download_ledger_failed_rows(upload, out, actor=Actor.from_request(request))
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="ledger-failed-rows-{upload.pk}.xlsx"'
    return response


@login_required
@require_GET
def template(request: HttpRequest, kind: str) -> HttpResponse:
    """The ledger's empty template (an example row, no personal data: not logged)."""
    spec = get_ledger(kind)
    if spec is None:
        raise Http404
    out = io.BytesIO()
    files.write_template(
        spec, out, area_name=request.user.area.name if request.user.area_id else ""
    )
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="ledger-{spec.kind}-template.xlsx"'
    return response
