"""The audit trail for inspectors: everything under their area, filtered, in keyset pages, and
the same entries as an xlsx file.

Both views read entries only through :func:`jingzhun.registry.scoping.audit_entries_for`
(:func:`jingzhun.audit.filters.filtered`) and show them through
:mod:`jingzhun.audit.rendering` with the reader's disclosure policy.
"""

from __future__ import annotations

import io
import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from jingzhun.audit.filters import AuditFilterForm, filtered
from jingzhun.audit.models import AuditEntry
from jingzhun.audit.rendering import render_entries
from jingzhun.audit.spreadsheet import write_audit_xlsx
from jingzhun.core.actions import Actor
from jingzhun.core.http import domain_errors
from jingzhun.core.masking import Disclosure
from jingzhun.exports.actions import do_log_download
from jingzhun.exports.models import ExportWhat
from jingzhun.registry import scoping

PAGE = 100
EXPORT_LIMIT = 20_000  # rows in one xlsx; more must be narrowed by the filters
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_DIGITS = re.compile(r"^[0-9]{1,18}$")


def _cursor(request: HttpRequest, name: str) -> int | None:
    """A keyset cursor from the query string (ASCII digits only; anything else is ignored)."""
    raw = request.GET.get(name, "")
    return int(raw) if _DIGITS.match(raw) else None


def _page(entries: QuerySet[AuditEntry], before: int | None, after: int | None) -> dict[str, Any]:
    """One page of ``entries`` by id, newest first: below ``before``, or just above ``after``
    (the page before this one). One query; whether a newer page exists is known from the
    cursor (we came from it), whether an older one exists from the extra row fetched."""
    if after is not None:
        rows = list(entries.filter(id__gt=after).order_by("id")[: PAGE + 1])
        has_newer = len(rows) > PAGE
        rows = rows[:PAGE][::-1]
        has_older = True
    else:
        if before is not None:
            entries = entries.filter(id__lt=before)
        rows = list(entries.order_by("-id")[: PAGE + 1])
        has_older = len(rows) > PAGE
        rows = rows[:PAGE]
        has_newer = before is not None
    return {
        "rows": rows,
        "older": rows[-1].id if rows and has_older else None,
        "newer": rows[0].id if rows and has_newer else None,
    }


@login_required
@require_GET
@domain_errors
def audit_list(request: HttpRequest) -> HttpResponse:
    """The entries under the reader's area that pass the filters, 100 a page, newest first.
    Invalid filters: the page with their messages and no entries (400)."""
    scoping.audit_entries_for(request.user)  # refuses roles that do not read the audit trail
    form = AuditFilterForm(request.GET, user=request.user)
    context: dict[str, Any] = {"form": form, "household": None, "entries": []}
    if not form.is_valid():
        context["errors"] = form.messages()
        return render(request, "audit/audit_list.html", context, status=400)
    page = _page(
        filtered(request.user, form.cleaned_data),
        _cursor(request, "before"),
        _cursor(request, "after"),
    )
    context.update(
        household=form.cleaned_data.get("household"),
        entries=render_entries(page["rows"], Disclosure.of(request.user)),
        older=page["older"],
        newer=page["newer"],
        export_query=urlencode(form.params()),
    )
    return render(request, "audit/audit_list.html", context)


@login_required
@require_GET
@domain_errors
def audit_export(request: HttpRequest) -> HttpResponse:
    """The filtered entries (at most :data:`EXPORT_LIMIT`, newest first) as xlsx, rendered as on
    the page for the reader. The download is logged like any export (the export log and an
    ``export_data`` audit entry). Invalid filters or too many rows: back to the page with a
    message."""
    scoping.audit_entries_for(request.user)
    form = AuditFilterForm(request.GET, user=request.user)
    back = reverse("audit_list") + (f"?{request.GET.urlencode()}" if request.GET else "")
    if not form.is_valid():
        for message in form.messages():
            messages.error(request, message)
        return redirect(back)
    rows = list(filtered(request.user, form.cleaned_data).order_by("-id")[: EXPORT_LIMIT + 1])
    if len(rows) > EXPORT_LIMIT:
        messages.error(
            request,
            gettext("符合条件的记录超过%(limit)s条，请缩小筛选范围（如日期或区划）后再导出。")
            % {"limit": EXPORT_LIMIT},
        )
        return redirect(back)
    disclosure = Disclosure.of(request.user)
    out = io.BytesIO()
    params = form.params()
    count = write_audit_xlsx(render_entries(rows, disclosure), out, filters=form.described())
    area = form.cleaned_data.get("area")
    file_name = f"audit-{timezone.localdate():%Y%m%d}.xlsx"
    do_log_download(
        actor=Actor.from_request(request),
        what=ExportWhat.AUDIT,
        area_code=area.code if area else request.user.area.code,
        file_format="xlsx",
        masked=not disclosure.numbers,
        rows=count,
        file_name=file_name,
        details={"filters": params} if params else None,
    )
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response
