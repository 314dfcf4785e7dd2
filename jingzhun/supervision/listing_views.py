"""Listed-supervision pages (挂牌督战): the listings (scoped), listing an area, a listing with its
task list, weekly progress (table, chart, xlsx) and the open problems of its area, a task with
its evidence, and the battle map (作战图). Thin: read through ``listing_queries``, write through
``listing_actions``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from jingzhun.accounts.roles import (
    LISTING_MANAGERS,
    LISTING_TASK_EDITORS,
    LISTING_TASK_REPORTERS,
)
from jingzhun.areas.maps import area_map
from jingzhun.areas.models import Area, Level
from jingzhun.audit.rendering import render_entries
from jingzhun.core.actions import Actor, ConcurrentEditError, NotFound, PermissionDenied
from jingzhun.core.http import domain_errors
from jingzhun.core.masking import Disclosure
from jingzhun.exports.reports import Report, report_download
from jingzhun.registry import scoping
from jingzhun.supervision import listing_actions as actions
from jingzhun.supervision import listing_queries as queries
from jingzhun.supervision.actions import today
from jingzhun.supervision.listings import Listing, ListingStatus, ListingTask, TaskStatus
from jingzhun.supervision.views import _household, list_url

LIST_LIMIT = 200
LISTING_FIELDS = (
    "reason",
    "supervisor_name",
    "supervisor_post",
    "supervising_unit",
    "starts_on",
    "ends_on",
)
TASK_FIELDS = ("text", "owner_unit", "owner_person", "deadline")
OPEN_PROBLEMS_SHOWN = 50


def _role(request: HttpRequest) -> str:
    return getattr(request.user, "role", "")


def _errors_to_messages(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


# --- list and new --------------------------------------------------------------------------------


@login_required
@require_GET
@domain_errors
def listing_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    on = today()
    qs = queries.listings_for(user)  # type: ignore[arg-type]
    status = request.GET.get("status", "")
    if status in ListingStatus.values:
        qs = qs.filter(status=status)
    code = request.GET.get("area", "")
    if code:
        area = scoping.access_area_by_code(user, code)  # type: ignore[arg-type]
        qs = qs.filter(area_code__startswith=area.scope_prefix)
    rows = list(
        queries.with_figures(qs.select_related("area"), on).order_by("-starts_on", "-id")[
            : LIST_LIMIT + 1
        ]
    )
    return render(
        request,
        "supervision/listings/list.html",
        {
            "rows": rows[:LIST_LIMIT],
            "more": len(rows) > LIST_LIMIT,
            "limit": LIST_LIMIT,
            "status": status,
            "statuses": ListingStatus.choices,
            "can_create": _role(request) in LISTING_MANAGERS,
        },
    )


@login_required
@domain_errors
def listing_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if _role(request) not in LISTING_MANAGERS:
        raise PermissionDenied(_("只有县级审批员、纪检督查和管理员可以挂牌督战。"))
    errors: dict[str, list[str]] = {}
    values = {key: request.POST.get(key, "") for key in LISTING_FIELDS}
    values["area"] = request.POST.get("area", "")
    if request.method == "POST":
        area: Area | None = None
        if values["area"]:
            area = scoping.access_area_by_code(user, values["area"])  # type: ignore[arg-type]
        try:
            listing = actions.do_create_listing(
                actor=Actor.from_request(request), area=area, values=values
            )
        except ValidationError as error:
            errors = error.message_dict
        else:
            messages.success(request, _("已挂牌督战。"))
            return redirect("supervision:listing", pk=listing.pk)
    own = user.area  # type: ignore[union-attr]
    return render(
        request,
        "supervision/listings/form.html",
        {
            "values": values,
            "errors": errors,
            "areas": scoping.areas_for(user)  # type: ignore[arg-type]
            .filter(level__gt=own.level, level__gte=Level.COUNTY, level__lte=Level.VILLAGE)
            .order_by("code")[:500],
        },
        status=400 if errors else 200,
    )


# --- one listing ---------------------------------------------------------------------------------


def _may(request: HttpRequest, listing: Listing) -> dict[str, bool]:
    """What the user may do on this listing (the actions decide again)."""
    user = request.user
    role = _role(request)
    active = listing.status == ListingStatus.ACTIVE
    in_scope = listing.area_code.startswith(user.scope_prefix)  # type: ignore[union-attr]
    above = user.area.level < listing.area.level  # type: ignore[union-attr]
    return {
        "edit": active and in_scope and role in LISTING_TASK_EDITORS,
        "close": active and in_scope and above and role in LISTING_MANAGERS,
    }


def progress_chart(weeks: list[queries.Week]) -> dict[str, Any]:
    """The weekly progress as the spec ``charts.js`` reads."""
    return {
        "years": [w.label for w in weeks],
        "unit": _("项"),
        "series": [
            {"name": _("已完成"), "kind": "bar", "data": [w.done for w in weeks]},
            {"name": _("应完成"), "kind": "line", "data": [w.due for w in weeks]},
            {"name": _("逾期未完成"), "kind": "line", "data": [w.overdue for w in weeks]},
        ],
    }


@login_required
@domain_errors
def listing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    listing = queries.access_listing(user, pk)  # type: ignore[arg-type]
    if request.method == "POST":
        return _act(request, listing)
    on = today()
    tasks = list(listing.tasks.select_related("area", "household").order_by("deadline", "id"))
    prefix = user.scope_prefix  # type: ignore[union-attr]
    for task in tasks:
        task.overdue = task.is_overdue(on)  # type: ignore[attr-defined]
        # A township's listing read from one of its villages: other villages' households are
        # not the reader's to see.
        task.household_shown = bool(  # type: ignore[attr-defined]
            task.household_id and task.household.village_code.startswith(prefix)
        )
    weeks = queries.listing_progress(listing, on)
    problems = list(queries.with_open_problems(user, listing)[: OPEN_PROBLEMS_SHOWN + 1])  # type: ignore[arg-type]
    done = sum(1 for t in tasks if t.status == TaskStatus.DONE)
    return render(
        request,
        "supervision/listings/detail.html",
        {
            "listing": listing,
            "tasks": tasks,
            "done": done,
            "overdue": sum(1 for t in tasks if getattr(t, "overdue", False)),
            "percent": queries.rate(done, len(tasks)),
            "weeks": weeks,
            "chart": progress_chart(weeks),
            "problems": problems[:OPEN_PROBLEMS_SHOWN],
            "more_problems": len(problems) > OPEN_PROBLEMS_SHOWN,
            "problems_url": list_url(area=listing.area_code, open="1"),
            "history": render_entries(queries.history(listing), Disclosure.of(user)),  # type: ignore[arg-type]
            "may": _may(request, listing),
            "villages": Area.objects.filter(
                code__startswith=listing.area.scope_prefix,
                level__gt=listing.area.level,
                level__lte=Level.VILLAGE,
            ).order_by("code")[:500],
            "values": {},
        },
    )


def _task_target(request: HttpRequest, listing: Listing) -> dict[str, Any]:
    """The area and household a task form names (each within the user's scope)."""
    user = request.user
    post = request.POST
    area = household = None
    if post.get("area"):
        area = scoping.access_area_by_code(user, post["area"])  # type: ignore[arg-type]
    if post.get("household"):
        household = _household(user, post["household"])
    return {"area": area, "household": household}


def _act(request: HttpRequest, listing: Listing) -> HttpResponse:
    if _role(request) not in LISTING_TASK_EDITORS | LISTING_MANAGERS:
        raise PermissionDenied(_("您的角色不能修改挂牌督战。"))
    actor = Actor.from_request(request)
    post = request.POST
    what = post.get("action", "")
    try:
        if what == "add_task":
            values = {key: post.get(key, "") for key in TASK_FIELDS}
            actions.do_add_listing_task(
                actor=actor, listing=listing, values=values, **_task_target(request, listing)
            )
            messages.success(request, _("已添加任务。"))
        elif what == "close":
            actions.do_close_listing(
                actor=actor,
                listing=listing,
                reason=post.get("reason", ""),
                open_tasks_note=post.get("open_tasks_note", ""),
            )
            messages.success(request, _("已摘牌。"))
        else:
            messages.error(request, _("请选择要办理的操作。"))
    except ValidationError as error:
        _errors_to_messages(request, error)
    return redirect("supervision:listing", pk=listing.pk)


# --- one task ------------------------------------------------------------------------------------


@login_required
@domain_errors
def task_detail(request: HttpRequest, pk: int, task: int) -> HttpResponse:
    user = request.user
    listing = queries.access_listing(user, pk)  # type: ignore[arg-type]
    found = queries.access_task(listing, task)
    if request.method == "POST":
        return _act_on_task(request, listing, found)
    role = _role(request)
    active = listing.status == ListingStatus.ACTIVE
    return render(
        request,
        "supervision/listings/task.html",
        {
            "listing": listing,
            "task": found,
            "overdue": found.is_overdue(today()),
            "household_shown": bool(
                found.household_id and found.household.village_code.startswith(user.scope_prefix)  # type: ignore[union-attr]
            ),
            "evidence": list(found.evidence.select_related("added_by")),
            "statuses": [(c, label) for c, label in TaskStatus.choices if c != found.status],
            "may": {
                "report": active
                and role in LISTING_TASK_REPORTERS
                and found.area_code.startswith(user.scope_prefix),  # type: ignore[union-attr]
                "edit": _may(request, listing)["edit"],
            },
        },
    )


def _act_on_task(request: HttpRequest, listing: Listing, task: ListingTask) -> HttpResponse:
    if _role(request) not in LISTING_TASK_EDITORS | LISTING_TASK_REPORTERS:
        raise PermissionDenied(_("您的角色不能更新督战任务。"))
    actor = Actor.from_request(request)
    post = request.POST
    what = post.get("action", "")
    try:
        if what == "status":
            actions.do_update_listing_task_status(
                actor=actor,
                task=task,
                status=post.get("status", ""),
                text=post.get("text", ""),
                file=request.FILES.get("file"),
                completed_on=post.get("completed_on", ""),
            )
            messages.success(request, _("已更新任务进度。"))
        elif what == "change":
            values = {key: post.get(key, "") for key in TASK_FIELDS}
            version = int(post.get("version") or 0)
            actions.do_change_listing_task(actor=actor, task=task, values=values, version=version)
            messages.success(request, _("已修改任务。"))
        else:
            messages.error(request, _("请选择要办理的操作。"))
    except ValidationError as error:
        _errors_to_messages(request, error)
    except ConcurrentEditError as error:
        messages.error(request, str(error))
    return redirect("supervision:listing_task", pk=listing.pk, task=task.pk)


@login_required
@require_GET
@domain_errors
def task_evidence_file(request: HttpRequest, pk: int, task: int, evidence: int) -> HttpResponse:
    """A file of a task's evidence, to the users who may read the listing."""
    listing = queries.access_listing(request.user, pk)  # type: ignore[arg-type]
    found = queries.access_task(listing, task).evidence.filter(pk=evidence).exclude(file="")
    piece = found.first()
    if piece is None:
        raise NotFound(evidence)
    return FileResponse(piece.file.open("rb"), filename=piece.file.name.rsplit("/", 1)[-1])


# --- weekly progress as xlsx ----------------------------------------------------------------------


def _percent(value: Any) -> Any:
    return None if value is None else float(value)


@login_required
@require_GET
@domain_errors
def progress_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    listing = queries.access_listing(request.user, pk)  # type: ignore[arg-type]
    weeks = queries.listing_progress(listing, today())
    sheet = Report(
        title=_("挂牌督战任务推进情况周报表"),
        area=listing.area.name,
        headers=[
            _("周次"),
            _("统计截至"),
            _("任务数"),
            _("应完成"),
            _("已完成"),
            _("逾期未完成"),
            _("完成率（%）"),
        ],
        rows=[
            [w.label, w.as_of.isoformat(), w.tasks, w.due, w.done, w.overdue, _percent(w.percent)]
            for w in weeks
        ],
        notes=[
            _("完成率 = 截至当周末已完成任务数 ÷ 当周末任务清单中的任务数，保留一位小数。"),
            _("逾期未完成：截至统计日已过完成时限且尚未完成。"),
        ],
    )
    return report_download(
        request, [sheet], file_stem="listing-progress", area_code=listing.area_code
    )


# --- battle map ----------------------------------------------------------------------------------


@login_required
@require_GET
@domain_errors
def battle_map(request: HttpRequest) -> HttpResponse:
    """作战图: the areas one level below the chosen one (the user's own by default), coloured by
    the share of tasks done in their active listings, each clickable to its listing (or to the
    battle map one level down when it holds several)."""
    user = request.user
    centre = user.area  # type: ignore[union-attr]
    if request.GET.get("area"):
        centre = scoping.access_area_by_code(user, request.GET["area"])  # type: ignore[arg-type]
    fronts, listings = queries.battle_map(user, centre, today())  # type: ignore[arg-type]
    here = reverse("supervision:battle_map")
    values: dict[str, Any] = {}
    urls: dict[str, str] = {}
    for front in fronts:
        values[front.area.code] = front.percent
        if len(front.listings) == 1 and front.listings[0].area_code == front.area.code:
            urls[front.area.code] = reverse("supervision:listing", args=[front.listings[0].pk])
        elif front.listings:
            urls[front.area.code] = f"{here}?area={front.area.code}"
    spec = area_map(
        [f.area for f in fronts],
        values,
        urls,
        sizes=queries.household_counts([f.area for f in fronts]),
    )
    return render(
        request,
        "supervision/listings/battle_map.html",
        {
            "centre": centre,
            "up": centre.parent if centre.pk != user.area.pk else None,  # type: ignore[union-attr]
            "fronts": fronts,
            "listings": listings,
            "map_spec": spec,
        },
    )
