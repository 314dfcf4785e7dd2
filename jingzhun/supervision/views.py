"""Problem-ledger pages: the list (filters, scoped, limited), a problem (details, evidence,
history, the actions the user may take), the entry form, the report with its xlsx, and raising
problems from the latest quality run. Thin: read through ``queries``, write through
``actions``."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jingzhun.accounts.roles import (
    PROBLEM_CLOSERS,
    PROBLEM_RECORDERS,
    PROBLEM_RECTIFIERS,
    PROBLEM_REOPENERS,
    Role,
)
from jingzhun.areas.models import Area
from jingzhun.audit.rendering import render_entries
from jingzhun.cases.queries import access_case
from jingzhun.core.actions import Actor, NotFound, PermissionDenied
from jingzhun.core.http import domain_errors
from jingzhun.core.masking import Disclosure
from jingzhun.exports.reports import Report, report_download
from jingzhun.quality.models import QualityRun, RunStatus
from jingzhun.quality.queries import runs_for
from jingzhun.registry import scoping
from jingzhun.registry.models import Household
from jingzhun.supervision import actions, queries
from jingzhun.supervision.models import (
    Problem,
    ProblemCategory,
    ProblemSource,
    ProblemStatus,
)

LIST_LIMIT = 200
FIELDS = (
    "source",
    "category",
    "description",
    "found_on",
    "responsible_unit",
    "responsible_person",
    "deadline",
    "measures",
)


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request)


def _role(request: HttpRequest) -> str:
    return getattr(request.user, "role", "")


def list_url(**params: str) -> str:
    """The list filtered to exactly the problems of ``params``."""
    query = urlencode({k: v for k, v in params.items() if v})
    return reverse("supervision:list") + (f"?{query}" if query else "")


# --- list ----------------------------------------------------------------------------------------


@login_required
@require_GET
@domain_errors
def problem_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    today = actions.today()
    qs, chosen = queries.filtered(user, request.GET, today)  # type: ignore[arg-type]
    rows = list(qs.select_related("area").order_by("-found_on", "-id")[: LIST_LIMIT + 1])
    more = len(rows) > LIST_LIMIT
    rows = rows[:LIST_LIMIT]
    for row in rows:
        row.overdue = row.is_overdue(today)  # type: ignore[attr-defined]
    return render(
        request,
        "supervision/list.html",
        {
            "rows": rows,
            "more": more,
            "limit": LIST_LIMIT,
            "chosen": chosen,
            "statuses": ProblemStatus.choices,
            "sources": ProblemSource.choices,
            "categories": ProblemCategory.choices,
            "areas": scoping.areas_for(user).filter(level__lte=5).order_by("code")[:300],  # type: ignore[arg-type]
            "can_create": _role(request) in PROBLEM_RECORDERS,
        },
    )


# --- one problem ---------------------------------------------------------------------------------


def _may(request: HttpRequest, problem: Problem) -> dict[str, bool]:
    """What the user may do on this problem (the actions decide again)."""
    user = request.user
    role = _role(request)
    above = user.area.level < problem.area.level  # type: ignore[union-attr]
    status = problem.status
    return {
        "rectify": role in PROBLEM_RECTIFIERS and status != ProblemStatus.CLOSED,
        "submit": role in PROBLEM_RECTIFIERS and status == ProblemStatus.RECTIFYING,
        "close": role in PROBLEM_CLOSERS and above and status == ProblemStatus.PENDING_CLOSING,
        "reopen": role in PROBLEM_REOPENERS
        and (above or role == Role.INSPECTOR)
        and status == ProblemStatus.CLOSED,
    }


@login_required
@domain_errors
def problem_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    problem = queries.access_problem(user, pk)  # type: ignore[arg-type]
    if request.method == "POST":
        return _act(request, problem)
    evidence = list(problem.evidence.select_related("household", "case", "added_by"))
    remaining = None
    if problem.quality_run_id is not None and problem.status != ProblemStatus.CLOSED:
        remaining = actions.remaining_quality_findings(problem)
    return render(
        request,
        "supervision/detail.html",
        {
            "problem": problem,
            "overdue": problem.is_overdue(actions.today()),
            "evidence": evidence,
            "history": render_entries(queries.history(problem), Disclosure.of(user)),  # type: ignore[arg-type]
            "may": _may(request, problem),
            "remaining": remaining,
        },
    )


def _act(request: HttpRequest, problem: Problem) -> HttpResponse:
    user = request.user
    if _role(request) not in PROBLEM_RECTIFIERS | PROBLEM_CLOSERS:
        raise PermissionDenied(_("您的角色不能办理问题整改和销号。"))
    actor = _actor(request)
    post = request.POST
    what = post.get("action", "")
    done = ""
    try:
        if what == "evidence":
            household = case = None
            if post.get("household"):
                household = _household(user, post["household"])
            if post.get("case"):
                case = access_case(user, post["case"])  # type: ignore[arg-type]
            actions.do_add_problem_evidence(
                actor=actor,
                problem=problem,
                text=post.get("text", ""),
                file=request.FILES.get("file"),
                household=household,
                case=case,
            )
            done = _("已登记整改情况。")
        elif what == "submit":
            actions.do_submit_problem_closing(
                actor=actor, problem=problem, note=post.get("note", "")
            )
            done = _("已申请销号。")
        elif what == "close":
            actions.do_close_problem(actor=actor, problem=problem, reason=post.get("reason", ""))
            done = _("已销号。")
        elif what == "return":
            actions.do_return_problem(actor=actor, problem=problem, reason=post.get("reason", ""))
            done = _("已退回整改。")
        elif what == "reopen":
            actions.do_reopen_problem(actor=actor, problem=problem, reason=post.get("reason", ""))
            done = _("已重新打开。")
        else:
            messages.error(request, _("请选择要办理的操作。"))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        if done:
            messages.success(request, done)
    return redirect("supervision:detail", pk=problem.pk)


@login_required
@require_GET
@domain_errors
def evidence_file(request: HttpRequest, pk: int, evidence: int) -> HttpResponse:
    """A file of a problem's evidence, to the users who may read the problem."""
    problem = queries.access_problem(request.user, pk)  # type: ignore[arg-type]
    found = problem.evidence.filter(pk=evidence).exclude(file="").first()
    if found is None:
        raise NotFound(evidence)
    return FileResponse(found.file.open("rb"), filename=found.file.name.rsplit("/", 1)[-1])


def _household(user: Any, number: str) -> Household:
    """A household of the user's scope by its number (or id)."""
    number = number.strip()
    found = scoping.households_for_search(user).filter(number=number).first()
    if found is None:
        if number.isdigit() and len(number) < 12:
            return scoping.access_household_by_id(user, number)
        raise NotFound(number)
    return found


# --- entry form ----------------------------------------------------------------------------------


@login_required
@domain_errors
def problem_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if _role(request) not in PROBLEM_RECORDERS:
        raise PermissionDenied(
            _("只有村干部、乡镇审核员、县级审批员、纪检督查和管理员可以登记问题。")
        )
    errors: dict[str, list[str]] = {}
    values: dict[str, str] = {key: request.POST.get(key, "") for key in FIELDS}
    values["area"] = request.POST.get("area", "")
    if request.method == "POST":
        area: Area | None = None
        if values["area"]:
            area = scoping.access_area_by_code(user, values["area"])  # type: ignore[arg-type]
        try:
            problem = actions.do_create_problem(actor=_actor(request), area=area, values=values)
        except ValidationError as error:
            errors = error.message_dict
        else:
            messages.success(request, _("已登记问题%(number)s。") % {"number": problem.number})
            return redirect("supervision:detail", pk=problem.pk)
    return render(
        request,
        "supervision/form.html",
        {
            "values": values,
            "errors": errors,
            "sources": ProblemSource.choices,
            "categories": ProblemCategory.choices,
            "areas": scoping.areas_for(user)
            .filter(level__gte=3, level__lte=5)
            .order_by("code")[:500],  # type: ignore[arg-type]
        },
        status=400 if errors else 200,
    )


# --- raised from quality --------------------------------------------------------------------------


@login_required
@require_POST
@domain_errors
def raise_from_quality(request: HttpRequest) -> HttpResponse:
    """Raise problems from the latest completed quality run covering the user's area."""
    user = request.user
    if _role(request) not in PROBLEM_RECORDERS:
        raise PermissionDenied(_("您的角色不能从数据质量检查登记问题。"))
    run: QualityRun | None = (
        runs_for(user).filter(status=RunStatus.DONE).order_by("-pk").first()  # type: ignore[arg-type]
    )
    if run is None:
        messages.error(request, _("还没有已完成的数据质量检查：请先运行检查。"))
        return redirect("supervision:list")
    try:
        created = actions.do_raise_problems_from_quality_run(actor=_actor(request), run=run)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request, _("已从第%(run)s次检查登记%(n)s个问题。") % {"run": run.pk, "n": len(created)}
        )
    return redirect(list_url(source=ProblemSource.SELF_CHECK, category="data_quality"))


# --- report --------------------------------------------------------------------------------------


def _by(request: HttpRequest) -> str:
    by = request.GET.get("by", "source")
    return by if by in queries.DIMENSIONS else "source"


def _dimension_label(by: str) -> str:
    return {
        "source": _("问题来源"),
        "category": _("问题类别"),
        "area": _("地区"),
        "year": _("年度"),
        "month": _("月份"),
    }[by]


@login_required
@require_GET
@domain_errors
def report(request: HttpRequest) -> HttpResponse:
    user = request.user
    by = _by(request)
    year = request.GET.get("year", "")
    lines, total = queries.report(user, by, actions.today(), year=year)  # type: ignore[arg-type]
    return render(
        request,
        "supervision/report.html",
        {
            "by": by,
            "year": year,
            "dimensions": [(d, _dimension_label(d)) for d in queries.DIMENSIONS],
            "label": _dimension_label(by),
            "lines": [(line, _links(line)) for line in lines],
            "total": (total, _links(total)),
        },
    )


def _links(line: queries.Line) -> dict[str, str]:
    p = line.params
    return {
        "found": list_url(**p),
        "closed": list_url(**p, status=ProblemStatus.CLOSED),
        "open": list_url(**p, open="1"),
        "overdue": list_url(**p, overdue="1"),
    }


def _percent(value: Any) -> Any:
    return None if value is None else float(value)


@login_required
@require_GET
@domain_errors
def report_xlsx(request: HttpRequest) -> HttpResponse:
    user = request.user
    by = _by(request)
    year = request.GET.get("year", "")
    lines, total = queries.report(user, by, actions.today(), year=year)  # type: ignore[arg-type]
    sheet = Report(
        title=_("问题整改情况统计表"),
        area=user.area.name,  # type: ignore[union-attr]
        headers=[
            _dimension_label(by),
            _("发现问题"),
            _("已整改销号"),
            _("未销号"),
            _("逾期未整改"),
            _("整改率（%）"),
        ],
        rows=[
            [line.label, line.found, line.closed, line.open, line.overdue, _percent(line.rate)]
            for line in lines
        ],
        totals=[
            total.label,
            total.found,
            total.closed,
            total.open,
            total.overdue,
            _percent(total.rate),
        ],
        notes=[
            _("整改率 = 已销号问题数 ÷ 发现问题数，保留一位小数。"),
            _("逾期：截至%(date)s未销号且已过整改时限。")
            % {"date": dt.date.isoformat(actions.today())},
        ],
    )
    return report_download(
        request,
        [sheet],
        file_stem="problems",
        area_code=user.area.code,  # type: ignore[union-attr]
    )
