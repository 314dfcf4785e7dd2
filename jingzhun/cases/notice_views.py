"""Notice pages.

Public (no login, by the notice's unguessable link): the notice page and its PDF, until the
notice ends; afterwards 410 Gone with no names. Nothing but the printed columns is shown
(:mod:`jingzhun.cases.notices`), and search engines and caches are told to keep nothing.

Staff (login, the user's area through :func:`jingzhun.cases.queries.notices_for`): the list of
notices, one notice with its households linked to their cases and the objections raised, and
the PDF for the file (also after the notice ended).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from jingzhun.cases import choices as cc
from jingzhun.cases.models import Notice, NoticeEntry
from jingzhun.cases.notices import cn_date, is_expired, notice_content, notice_pdf
from jingzhun.cases.queries import notices_for
from jingzhun.core.actions import NotFound
from jingzhun.core.http import domain_errors
from jingzhun.core.masking import mask_free_text

# --- public --------------------------------------------------------------------------------------


def _private_headers(response: HttpResponse) -> HttpResponse:
    """A public notice is for the people of the village while it runs: not for search engines,
    not kept in caches, and its link (the token) not passed on to other sites."""
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _public_notice(token: str) -> Notice:
    try:
        return Notice.objects.select_related("village__parent__parent").get(token=token)
    except Notice.DoesNotExist:
        raise Http404(_("未找到该公示（公告）。")) from None


def _gone(request: HttpRequest, notice: Notice) -> HttpResponse:
    response = render(
        request,
        "cases/notice_gone.html",
        {
            "message": _("该%(kind)s已于%(end)s结束，不再公开。")
            % {"kind": cc.NoticeKind(notice.kind).label, "end": cn_date(notice.ends_on)}
        },
        status=410,
    )
    return _private_headers(response)


@require_safe
def public_notice(request: HttpRequest, token: str) -> HttpResponse:
    notice = _public_notice(token)
    if is_expired(notice):
        return _gone(request, notice)
    response = render(
        request,
        "cases/notice_public.html",
        {
            "notice": notice_content(notice),
            "pdf_url": reverse("notices:pdf", args=[token]),
        },
    )
    return _private_headers(response)


def _pdf_response(notice: Notice) -> HttpResponse:
    response = HttpResponse(notice_pdf(notice), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=False, filename=f"{notice.title}.pdf"
    )
    return response


@require_safe
def public_pdf(request: HttpRequest, token: str) -> HttpResponse:
    notice = _public_notice(token)
    if is_expired(notice):
        return _gone(request, notice)
    return _private_headers(_pdf_response(notice))


# --- staff ---------------------------------------------------------------------------------------


def _state(notice: Notice, today: dt.date) -> str:
    if today < notice.starts_on:
        return _("未开始")
    if today > notice.ends_on:
        return _("已结束")
    return _("公示中") if notice.kind == cc.NoticeKind.PUBLICITY else _("公告中")


def _filtered(request: HttpRequest, today: dt.date) -> tuple[QuerySet[Notice], dict[str, str]]:
    qs = notices_for(request.user)  # type: ignore[arg-type]
    filters = {
        "kind": request.GET.get("kind", ""),
        "state": request.GET.get("state", ""),
        "subject": request.GET.get("subject", ""),
    }
    if filters["kind"] in cc.NoticeKind.values:
        qs = qs.filter(kind=filters["kind"])
    else:
        filters["kind"] = ""
    if filters["subject"] in cc.NoticeSubject.values:
        qs = qs.filter(subject=filters["subject"])
    else:
        filters["subject"] = ""
    if filters["state"] == "current":
        qs = qs.filter(ends_on__gte=today)
    elif filters["state"] == "ended":
        qs = qs.filter(ends_on__lt=today)
    else:
        filters["state"] = ""
    return qs, filters


@login_required
@require_safe
def notice_list(request: HttpRequest) -> HttpResponse:
    """Newest first, 50 a page, by keyset (``?before=<id>``): no COUNT over the whole list."""
    today = timezone.localdate()
    qs, filters = _filtered(request, today)
    before = request.GET.get("before", "")
    if before.isdigit():
        qs = qs.filter(pk__lt=int(before))
    page_size = settings.JINGZHUN_PAGE_SIZE
    notices = list(
        qs.select_related("village")
        .annotate(entry_count=Count("entries"))
        .order_by("-id")[: page_size + 1]
    )
    next_before = notices[page_size - 1].pk if len(notices) > page_size else None
    notices = notices[:page_size]
    rows = [
        {
            "notice": n,
            "state": _state(n, today),
            "public": not is_expired(n, today),
            "public_url": reverse("notices:public", args=[n.token]),
            "pdf_url": reverse("notices:pdf", args=[n.token]),
        }
        for n in notices
    ]
    context: dict[str, Any] = {
        "rows": rows,
        "filters": filters,
        "kinds": cc.NoticeKind.choices,
        "subjects": cc.NoticeSubject.choices,
        "next_before": next_before,
        "paged": bool(before.isdigit()),
    }
    return render(request, "cases/notice_list.html", context)


def _access_notice(request: HttpRequest, notice_id: int) -> Notice:
    try:
        return (
            notices_for(request.user)  # type: ignore[arg-type]
            .select_related("village__parent__parent", "published_by")
            .get(pk=notice_id)
        )
    except Notice.DoesNotExist:
        raise NotFound(notice_id) from None


@login_required
@require_safe
@domain_errors
def notice_detail(request: HttpRequest, notice_id: int) -> HttpResponse:
    notice = _access_notice(request, notice_id)
    entries = list(
        NoticeEntry.objects.filter(notice=notice)
        .select_related("case")
        .only(
            *(f.name for f in NoticeEntry._meta.concrete_fields),
            "case__number",
            "case__status",
        )
        .order_by("line")
    )
    heads = {e.case_id: e.head_name for e in entries}
    objections = [
        {
            "objection": o,
            "head_name": heads.get(o.case_id, ""),
            # Objections are free text typed by staff: an ID or phone number someone quoted
            # stays masked here too.
            "content": mask_free_text(o.content),
        }
        for o in notice.objections.select_related("case", "recorded_by").order_by("raised_on", "id")
    ]
    today = timezone.localdate()
    public_url = reverse("notices:public", args=[notice.token])
    context: dict[str, Any] = {
        "notice": notice,
        "content": notice_content(notice, entries),
        "entries": [{"entry": e, "case_url": f"/cases/{e.case_id}/"} for e in entries],
        "objections": objections,
        "state": _state(notice, today),
        "public": not is_expired(notice, today),
        "public_url": public_url,
        "public_link": request.build_absolute_uri(public_url),
        "pdf_url": reverse("notices:staff_pdf", args=[notice.pk]),
    }
    return render(request, "cases/notice_detail.html", context)


@login_required
@require_safe
@domain_errors
def staff_pdf(request: HttpRequest, notice_id: int) -> HttpResponse:
    """The PDF for the file: staff in scope may print it also after the notice ended."""
    notice = _access_notice(request, notice_id)
    response = _pdf_response(notice)
    response["Cache-Control"] = "no-store"
    return response
