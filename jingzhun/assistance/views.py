"""Assistance pages: the overview (coverage, first secretaries by area), cadres and their
households, village work teams with presence, visits, and a household's yearly plan. Thin:
read through ``queries``, write through ``actions``."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jingzhun.accounts.roles import ASSISTANCE_MANAGERS, VISIT_RECORDERS
from jingzhun.areas.models import Level
from jingzhun.assistance import actions, queries
from jingzhun.assistance.forms import (
    CadreForm,
    EndForm,
    PairForm,
    PlanItemForm,
    PostForm,
    PresenceForm,
    VisitForm,
)
from jingzhun.assistance.models import CheckItem, SignalStatus, Visit, VisitKind
from jingzhun.core.actions import Actor, ConcurrentEditError, NotFound, PermissionDenied
from jingzhun.core.http import domain_errors
from jingzhun.core.links import households_url
from jingzhun.core.masking import Disclosure
from jingzhun.exports.reports import Report, report_download
from jingzhun.registry import choices as c
from jingzhun.registry import scoping
from jingzhun.registry.forms import attach_errors

LIST_LIMIT = 500


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request)


def _manager(request: HttpRequest) -> bool:
    return getattr(request.user, "role", "") in ASSISTANCE_MANAGERS


def _recorder(request: HttpRequest) -> bool:
    return getattr(request.user, "role", "") in VISIT_RECORDERS


def _ensure_manager(request: HttpRequest) -> None:
    if not _manager(request):
        raise PermissionDenied(
            _("只有乡镇审核员、县级审批员和管理员可以管理帮扶责任人和驻村工作队。")
        )


def _ensure_recorder(request: HttpRequest) -> None:
    if not _recorder(request):
        raise PermissionDenied(
            _("只有村干部、乡镇审核员、县级审批员和管理员可以登记走访和帮扶措施。")
        )


def _today() -> dt.date:
    return actions.today()


# --- overview ------------------------------------------------------------------------------------


@login_required
@require_GET
@domain_errors
def overview(request: HttpRequest) -> HttpResponse:
    user = request.user
    today = _today()
    figures = queries.coverage(user, today)  # type: ignore[arg-type]
    posts = queries.posts_by_area(user, today)  # type: ignore[arg-type]
    return render(
        request,
        "assistance/overview.html",
        {
            "figures": figures,
            "posts": posts,
            "totals": _post_totals(posts),
            "links": {
                "without_cadre": households_url(assistance="no_cadre"),
                "not_visited": households_url(assistance="not_visited"),
                "only_guarantee": households_url(check="Q-H-041"),
            },
        },
    )


def _post_totals(posts: list[queries.AreaPosts]) -> dict[str, int]:
    return {
        "first_secretaries": sum(p.first_secretaries for p in posts),
        "team_members": sum(p.team_members for p in posts),
        "villages": sum(p.villages for p in posts),
        "villages_without_secretary": sum(p.villages_without_secretary for p in posts),
    }


@login_required
@require_GET
@domain_errors
def posts_report(request: HttpRequest) -> HttpResponse:
    """First secretaries and work-team members in post by area, as xlsx."""
    user = request.user
    today = _today()
    posts = queries.posts_by_area(user, today)  # type: ignore[arg-type]
    totals = _post_totals(posts)
    report = Report(
        title=_("驻村第一书记和工作队员在岗情况统计表"),
        area=user.area.name,  # type: ignore[union-attr]
        headers=[
            _("地区"),
            _("行政村数"),
            _("第一书记（人）"),
            _("工作队员（人）"),
            _("无第一书记的村"),
        ],
        rows=[
            [
                p.area.name,
                p.villages,
                p.first_secretaries,
                p.team_members,
                p.villages_without_secretary,
            ]
            for p in posts
        ],
        totals=[
            _("合计"),
            totals["villages"],
            totals["first_secretaries"],
            totals["team_members"],
            totals["villages_without_secretary"],
        ],
        notes=[_("在岗：截至%(date)s，任期已开始且未登记离岗。") % {"date": today.isoformat()}],
    )
    return report_download(
        request, [report], file_stem="first-secretaries", area_code=user.area.code
    )  # type: ignore[union-attr]


@login_required
@require_GET
@domain_errors
def coverage_report(request: HttpRequest) -> HttpResponse:
    """Coverage as xlsx: the figures, the cadres over their limit."""
    user = request.user
    today = _today()
    f = queries.coverage(user, today)  # type: ignore[arg-type]
    summary = Report(
        title=_("帮扶责任落实情况统计表"),
        area=user.area.name,  # type: ignore[union-attr]
        sheet=_("落实情况"),
        headers=[_("指标"), _("数量")],
        rows=[
            [_("脱贫户和监测户"), f.cared_for],
            [_("无帮扶责任人"), f.without_cadre],
            [_("超过走访间隔未走访"), f.not_visited],
            [_("帮扶责任人（在职）"), f.cadres],
            [_("结对户数超过上限的帮扶责任人"), len(f.over_limit)],
            [_("今年走访次数"), f.visits_this_year],
            [_("有劳动力却只有综合保障的监测户"), f.only_guarantee],
        ],
        notes=[
            _("%(county)s：走访间隔%(days)s天（%(cutoff)s以后未走访即计入）")
            % {"county": county.name, "days": days, "cutoff": cutoff.isoformat()}
            for county, days, cutoff in f.intervals
        ],
    )
    over = Report(
        title=_("结对户数超过上限的帮扶责任人"),
        area=user.area.name,  # type: ignore[union-attr]
        sheet=_("超过上限"),
        headers=[_("姓名"), _("工作单位"), _("帮扶范围"), _("结对户数"), _("上限")],
        rows=[
            [load.cadre.name, load.cadre.unit, load.cadre.area.name, load.households, load.limit]
            for load in f.over_limit
        ],
    )
    return report_download(
        request, [summary, over], file_stem="assistance-coverage", area_code=user.area.code
    )  # type: ignore[union-attr]


# --- cadres --------------------------------------------------------------------------------------


def _cadre_areas(request: HttpRequest) -> list[tuple[str, str]]:
    qs = (
        scoping.areas_for(request.user)
        .filter(  # type: ignore[arg-type]
            level__in=(Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE)
        )
        .order_by("code")[:2000]
    )
    return [(a.code, a.name) for a in qs]


@login_required
@domain_errors
def cadre_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = CadreForm(request.POST or None, areas=_cadre_areas(request))
    if request.method == "POST":
        _ensure_manager(request)
        if form.is_valid():
            try:
                cadre = actions.do_save_cadre(actor=_actor(request), values=form.cleaned_data)
            except ValidationError as error:
                attach_errors(form, error)
            else:
                messages.success(request, _("已登记帮扶责任人%(name)s。") % {"name": cadre.name})
                return redirect("assistance:cadre", pk=cadre.pk)
    loads = queries.cadre_loads(user, _today())  # type: ignore[arg-type]
    q = (request.GET.get("q") or "").strip()
    if q:
        loads = [x for x in loads if q in x.cadre.name or q in x.cadre.unit]
    disclosure = Disclosure.of(user)  # type: ignore[arg-type]
    rows = [
        {"load": x, "phone": disclosure.number("phone", x.cadre.phone)} for x in loads[:LIST_LIMIT]
    ]
    return render(
        request,
        "assistance/cadre_list.html",
        {"rows": rows, "total": len(loads), "form": form, "can_manage": _manager(request), "q": q},
    )


@login_required
@domain_errors
def cadre_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    cadre = queries.access_cadre_by_id(user, pk)  # type: ignore[arg-type]
    today = _today()
    pair_form = PairForm(initial={"started_on": today})
    edit_form = CadreForm(
        initial={
            "name": cadre.name,
            "unit": cadre.unit,
            "position": cadre.position,
            "phone": cadre.phone,
            "area": cadre.area_code,
            "active": cadre.active,
        },
        areas=_cadre_areas(request) or [(cadre.area_code, cadre.area.name)],
    )
    if request.method == "POST":
        _ensure_manager(request)
        if request.POST.get("form") == "edit":
            edit_form = CadreForm(request.POST, areas=_cadre_areas(request))
            if edit_form.is_valid():
                try:
                    actions.do_save_cadre(
                        actor=_actor(request),
                        values=edit_form.cleaned_data,
                        cadre=cadre,
                        expected_version=int(request.POST.get("version") or 0),
                    )
                except ValidationError as error:
                    attach_errors(edit_form, error)
                except ConcurrentEditError:
                    messages.error(request, _("该帮扶责任人刚被他人修改：请刷新后重新修改。"))
                else:
                    messages.success(request, _("已保存。"))
                    return redirect("assistance:cadre", pk=cadre.pk)
        else:
            pair_form = PairForm(request.POST)
            if pair_form.is_valid():
                data = pair_form.cleaned_data
                household = (
                    scoping.households_for(user)  # type: ignore[arg-type]
                    .filter(number=data["household"].strip())
                    .first()
                )
                if household is None:
                    pair_form.add_error(
                        "household",
                        _("您的辖区内没有户编号为“%(n)s”的农户。") % {"n": data["household"]},
                    )
                else:
                    try:
                        actions.do_pair_household(
                            actor=_actor(request),
                            cadre=cadre,
                            household=household,
                            started_on=data["started_on"],
                            reason=data["reason"],
                        )
                    except ValidationError as error:
                        attach_errors(pair_form, error)
                    else:
                        messages.success(request, _("已结对农户%(n)s。") % {"n": household.number})
                        return redirect("assistance:cadre", pk=cadre.pk)
    current = list(
        queries.pairings_for(user)  # type: ignore[arg-type]
        .filter(queries.current_q(today), cadre=cadre)
        .select_related("household__village")
        .order_by("village_code", "household__number")
    )
    history = list(
        queries.pairings_for(user)  # type: ignore[arg-type]
        .filter(cadre=cadre)
        .exclude(ended_on__isnull=True)
        .select_related("household")
        .order_by("-ended_on")[:100]
    )
    visits = list(
        queries.visits_for(user)  # type: ignore[arg-type]
        .filter(cadre=cadre)
        .select_related("household")
        .order_by("-visited_on", "-id")[:20]
    )
    limit = actions.cadre_limit(cadre, today)
    disclosure = Disclosure.of(user)  # type: ignore[arg-type]
    return render(
        request,
        "assistance/cadre_detail.html",
        {
            "cadre": cadre,
            "phone": disclosure.number("phone", cadre.phone),
            "current": current,
            "history": history,
            "visits": visits,
            "limit": limit,
            "pair_form": pair_form,
            "edit_form": edit_form,
            "end_form": EndForm(initial={"ended_on": today}),
            "can_manage": _manager(request),
            "households_link": households_url(assistance="cadre", cadre=cadre.pk),
        },
    )


@login_required
@require_POST
@domain_errors
def pairing_end(request: HttpRequest, pk: int) -> HttpResponse:
    pairing = queries.access_pairing_by_id(request.user, pk)  # type: ignore[arg-type]
    _ensure_manager(request)
    form = EndForm(request.POST)
    if form.is_valid():
        try:
            actions.do_end_pairing(
                actor=_actor(request),
                pairing=pairing,
                ended_on=form.cleaned_data["ended_on"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("已结束结对。"))
    else:
        messages.error(request, _("请填写结束日期和原因。"))
    return redirect("assistance:cadre", pk=pairing.cadre_id)


# --- village work teams --------------------------------------------------------------------------


def _villages(request: HttpRequest) -> list[tuple[str, str]]:
    qs = scoping.areas_for(request.user).filter(level=Level.VILLAGE).order_by("code")[:5000]  # type: ignore[arg-type]
    return [(a.code, a.name) for a in qs]


@login_required
@domain_errors
def team_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    villages = _villages(request)
    form = PostForm(request.POST or None, villages=villages)
    replaces = None
    raw_replaces = request.GET.get("replaces") or request.POST.get("replaces") or ""
    if raw_replaces:
        replaces = queries.access_post_by_id(user, raw_replaces)  # type: ignore[arg-type]
        if request.method != "POST":
            form = PostForm(
                initial={"village": replaces.village_code, "role": replaces.role},
                villages=villages,
            )
    if request.method == "POST":
        _ensure_manager(request)
        if form.is_valid():
            data = dict(form.cleaned_data)
            village = scoping.access_area_by_code(user, data.pop("village"))  # type: ignore[arg-type]
            try:
                post = actions.do_appoint_team_member(
                    actor=_actor(request), village=village, values=data, replaces=replaces
                )
            except ValidationError as error:
                attach_errors(form, error)
            else:
                messages.success(request, _("已选派%(name)s。") % {"name": post.name})
                return redirect(f"{request.path}?village={village.code}")
    village = request.GET.get("village") or ""
    show_all = request.GET.get("all") == "1"
    posts = queries.posts_for(user).select_related("village", "replaces")  # type: ignore[arg-type]
    if village:
        posts = posts.filter(village_code=village)
    if not show_all:
        posts = posts.filter(ended_on__isnull=True)
    posts = posts.order_by("village_code", "role", "-term_start")
    total = posts.count()
    disclosure = Disclosure.of(user)  # type: ignore[arg-type]
    rows = [{"post": p, "phone": disclosure.number("phone", p.phone)} for p in posts[:LIST_LIMIT]]
    return render(
        request,
        "assistance/team_list.html",
        {
            "rows": rows,
            "total": total,
            "form": form,
            "villages": villages,
            "village": village,
            "show_all": show_all,
            "replaces": replaces,
            "can_manage": _manager(request),
        },
    )


@login_required
@domain_errors
def post_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    post = queries.access_post_by_id(user, pk)  # type: ignore[arg-type]
    today = _today()
    presence_form = PresenceForm(initial={"year": today.year, "month": today.month})
    end_form = EndForm(initial={"ended_on": today})
    if request.method == "POST":
        _ensure_manager(request)
        if request.POST.get("form") == "end":
            end_form = EndForm(request.POST)
            if end_form.is_valid():
                try:
                    actions.do_end_team_post(
                        actor=_actor(request),
                        post=post,
                        ended_on=end_form.cleaned_data["ended_on"],
                        reason=end_form.cleaned_data["reason"],
                    )
                except ValidationError as error:
                    attach_errors(end_form, error)
                else:
                    messages.success(request, _("已登记离岗。"))
                    return redirect("assistance:post", pk=post.pk)
        else:
            presence_form = PresenceForm(request.POST)
            if presence_form.is_valid():
                try:
                    actions.do_record_presence(
                        actor=_actor(request), post=post, **presence_form.cleaned_data
                    )
                except ValidationError as error:
                    attach_errors(presence_form, error)
                else:
                    messages.success(request, _("已登记在岗天数。"))
                    return redirect("assistance:post", pk=post.pk)
    chain = []
    previous = post.replaces
    while previous is not None and len(chain) < 20:
        chain.append(previous)
        previous = previous.replaces
    successors = list(post.replaced_by.all())
    presence = list(post.presence.order_by("-year", "-month"))
    by_year: dict[int, int] = {}
    for row in presence:
        by_year[row.year] = by_year.get(row.year, 0) + row.days
    disclosure = Disclosure.of(user)  # type: ignore[arg-type]
    return render(
        request,
        "assistance/post_detail.html",
        {
            "post": post,
            "phone": disclosure.number("phone", post.phone),
            "chain": chain,
            "successors": successors,
            "presence": presence,
            "by_year": sorted(by_year.items(), reverse=True),
            "presence_form": presence_form,
            "end_form": end_form,
            "can_manage": _manager(request),
        },
    )


@login_required
@require_GET
@domain_errors
def presence_report(request: HttpRequest) -> HttpResponse:
    user = request.user
    today = _today()
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError:
        year = today.year
    rows = queries.presence_report(user, year, today)  # type: ignore[arg-type]
    if request.GET.get("format") == "xlsx":
        report = Report(
            title=_("%(year)s年驻村工作队员在岗天数统计表") % {"year": year},
            area=user.area.name,  # type: ignore[union-attr]
            headers=[
                _("行政村"),
                _("姓名"),
                _("职务"),
                _("派出单位"),
                _("已登记月数"),
                _("在岗天数"),
                _("应在岗天数"),
                _("是否达标"),
                _("还能否达标"),
            ],
            rows=[
                [
                    r.post.village.name,
                    r.post.name,
                    r.post.get_role_display(),
                    r.post.sending_unit,
                    r.months,
                    r.days,
                    r.minimum,
                    not r.short,
                    r.reachable,
                ]
                for r in rows
            ],
            notes=[
                _(
                    "应在岗天数：全年最少在岗天数（政策参数“驻村工作队员每年最少在岗天数”）按当年在任天数折算。"
                )
            ],
        )
        return report_download(
            request, [report], file_stem=f"team-presence-{year}", area_code=user.area.code
        )  # type: ignore[union-attr]
    return render(
        request,
        "assistance/presence_report.html",
        {
            "rows": rows[:LIST_LIMIT],
            "total": len(rows),
            "year": year,
            "short": sum(1 for r in rows if not r.reachable),
        },
    )


# --- visits --------------------------------------------------------------------------------------


@login_required
@require_GET
@domain_errors
def visit_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    visits = queries.visits_for(user).select_related("household__village", "cadre")  # type: ignore[arg-type]
    signal = request.GET.get("signal") or ""
    if signal in SignalStatus.values and signal:
        visits = visits.filter(signal=signal)
    village = request.GET.get("village") or ""
    if village:
        visits = visits.filter(village_code=village)
    rows = list(visits.order_by("-visited_on", "-id")[:LIST_LIMIT])
    return render(
        request,
        "assistance/visit_list.html",
        {"rows": rows, "signal": signal, "signals": SignalStatus.choices[1:]},
    )


@login_required
@domain_errors
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    visit = queries.access_visit_by_id(user, pk)  # type: ignore[arg-type]
    if request.method == "POST":
        _ensure_recorder(request)
        try:
            if "follow_up" in request.POST:
                actions.do_complete_follow_up(
                    actor=_actor(request),
                    visit=visit,
                    index=request.POST["follow_up"],
                    note=request.POST.get("note", ""),
                )
                done = _("已办结。")
            else:
                actions.do_open_case_from_visit(
                    actor=_actor(request), visit=visit, category=request.POST.get("category", "")
                )
                done = _("已启动监测程序。")
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, done)
        return redirect("assistance:visit", pk=visit.pk)
    disclosure = Disclosure.of(user)  # type: ignore[arg-type]
    return render(
        request,
        "assistance/visit_detail.html",
        {
            "visit": visit,
            "note": disclosure.text(visit.note),
            "concerns": [(label, disclosure.text(note)) for label, note in visit.concerns],
            "can_take_up": visit.signal == SignalStatus.PENDING and _recorder(request),
            "can_follow_up": _recorder(request),
        },
    )


@login_required
@require_GET
@domain_errors
def visit_photo(request: HttpRequest, pk: int, photo: int) -> HttpResponse:
    visit = queries.access_visit_by_id(request.user, pk)  # type: ignore[arg-type]
    found = next((p for p in visit.photos.all() if p.pk == int(photo)), None)
    if found is None:
        raise NotFound(photo)
    return FileResponse(found.file.open("rb"), filename=found.original_name)


@login_required
@domain_errors
def visit_new(request: HttpRequest, household_id: int) -> HttpResponse:
    user = request.user
    household = scoping.access_household_by_id(user, household_id)  # type: ignore[arg-type]
    _ensure_recorder(request)
    form = VisitForm(
        request.POST or None,
        initial={"visited_on": _today(), "visitors": user.full_name or user.username},  # type: ignore[union-attr]
    )
    if request.method == "POST" and form.is_valid():
        try:
            visit, _created = actions.do_record_visit(
                actor=_actor(request),
                household=household,
                values=form.values(),
                photos=request.FILES.getlist("photos"),
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("已登记走访。"))
            return redirect("assistance:visit", pk=visit.pk)
    return render(request, "assistance/visit_form.html", {"form": form, "household": household})


# --- the yearly plan -----------------------------------------------------------------------------


@login_required
@domain_errors
def household_plan(request: HttpRequest, household_id: int) -> HttpResponse:
    user = request.user
    household = scoping.access_household_by_id(user, household_id)  # type: ignore[arg-type]
    try:
        year = int(request.GET.get("year") or request.POST.get("year") or _today().year)
    except ValueError:
        year = _today().year
    form = PlanItemForm(request.POST or None)
    if request.method == "POST":
        _ensure_recorder(request)
        if request.POST.get("remove"):
            item = queries.access_plan_item_by_id(user, request.POST["remove"])  # type: ignore[arg-type]
            try:
                actions.do_remove_plan_item(
                    actor=_actor(request), item=item, reason=request.POST.get("reason", "")
                )
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                messages.success(request, _("已撤销该措施。"))
            return redirect(f"{request.path}?year={year}")
        if form.is_valid():
            try:
                actions.do_add_plan_item(
                    actor=_actor(request),
                    household=household,
                    year=year,
                    values=form.cleaned_data,
                )
            except ValidationError as error:
                attach_errors(form, error)
            else:
                messages.success(request, _("已登记帮扶措施。"))
                return redirect(f"{request.path}?year={year}")
    items = list(
        queries.plan_items_for(user)  # type: ignore[arg-type]
        .filter(household=household, year=year, removed=False)
        .select_related("project")
        .order_by("family", "id")
    )
    totals = sum((i.amount for i in items if i.amount is not None), start=0)
    years = sorted(
        {
            y
            for y in queries.plan_items_for(user)  # type: ignore[arg-type]
            .filter(household=household)
            .values_list("year", flat=True)
        }
        | {year, _today().year},
        reverse=True,
    )
    return render(
        request,
        "assistance/plan.html",
        {
            "household": household,
            "year": year,
            "years": years,
            "items": items,
            "total": totals,
            "form": form,
            "can_edit": _recorder(request),
        },
    )


# --- the offline visit app -----------------------------------------------------------------------
# A phone-sized page that keeps visits in the phone's storage and sends them when the connection
# returns (static/js/visit-app.js); a service worker (static/js/visit-sw.js) keeps the page and
# its files so it opens without signal. The server side: the page, the data the page keeps (the
# households of the user's area, the lists, a fresh CSRF token), and the endpoint that stores one
# queued visit through do_record_visit (its client id makes a repeated send harmless).

APP_HOUSEHOLDS = 3000  # households kept on the phone (a village has a few hundred)
PHOTO_DATA_MAX = 2 * 1024 * 1024  # one photo as the phone sends it (base64 data URL)


@login_required
@require_GET
@domain_errors
def visit_app(request: HttpRequest) -> HttpResponse:
    _ensure_recorder(request)
    return render(request, "assistance/visit_app.html", {})


@login_required
@require_GET
@domain_errors
def visit_app_data(request: HttpRequest) -> HttpResponse:
    """What the phone keeps: the households of the user's area (number, head, village, type,
    last visit), the value lists, today, and a CSRF token for the sends."""
    _ensure_recorder(request)
    user = request.user
    households = (
        scoping.households_for(user)  # type: ignore[arg-type]
        .select_related("village")
        .order_by("village_code", "number")[:APP_HOUSEHOLDS]
    )
    rows = list(households)
    last: dict[int, dt.date] = {}
    for visit in (
        Visit.objects.filter(household__in=[h.pk for h in rows])
        .order_by("household_id", "-visited_on")
        .values("household_id", "visited_on")
    ):
        last.setdefault(visit["household_id"], visit["visited_on"])
    return JsonResponse(
        {
            "csrf": get_token(request),
            "today": _today().isoformat(),
            "user": user.full_name or user.username,  # type: ignore[union-attr]
            "households": [
                {
                    "id": h.pk,
                    "number": h.number,
                    "head": h.head_name,
                    "village": h.village.name,
                    "type": h.get_household_type_display(),
                    "last_visit": last[h.pk].isoformat() if h.pk in last else "",
                }
                for h in rows
            ],
            "truncated": len(rows) == APP_HOUSEHOLDS,
            "kinds": [[k, str(v)] for k, v in VisitKind.choices],
            "checks": [[k, str(v)] for k, v in CheckItem.choices],
            "risks": [[k, str(v)] for k, v in c.RiskType.choices],
        }
    )


def _photos_from(data: list[object]) -> list[SimpleUploadedFile]:
    photos = []
    for index, item in enumerate(data[: actions.PHOTOS_MAX + 1]):
        text = str(item or "")
        if not text.startswith("data:image/") or ";base64," not in text:
            continue
        if len(text) > PHOTO_DATA_MAX:
            photos.append(SimpleUploadedFile(f"photo{index + 1}.jpg", b"", "image/jpeg"))
            photos[-1].size = actions.PHOTO_MAX_BYTES + 1  # refused with its message
            continue
        kind = text[len("data:image/") : text.index(";")]
        try:
            content = base64.b64decode(text.split(";base64,", 1)[1], validate=True)
        except (binascii.Error, ValueError):
            continue
        photos.append(SimpleUploadedFile(f"photo{index + 1}.{kind}", content, f"image/{kind}"))
    return photos


@login_required
@require_POST
@domain_errors
def visit_app_send(request: HttpRequest) -> HttpResponse:
    """Store one visit sent from the phone's queue. Answers JSON: 201 stored, 200 already stored
    (the same visit sent again), 409 a conflict (this id was stored with other content), 400
    refused with the messages per field, 404 a household outside the user's area."""
    _ensure_recorder(request)
    try:
        body = json.loads(request.body.decode("utf-8"))
        if not isinstance(body, dict):
            raise ValueError
    except (ValueError, UnicodeDecodeError):
        return JsonResponse({"errors": {"": [_("发送的内容无法读取。")]}}, status=400)
    try:
        household = scoping.access_household_by_id(request.user, body.get("household"))  # type: ignore[arg-type]
    except NotFound:
        return JsonResponse(
            {"errors": {"household": [_("该农户不在您的辖区内（或已删除）。")]}}, status=404
        )
    values = {
        key: body.get(key)
        for key in (
            "client_id",
            "visited_on",
            "kind",
            "visitors",
            "checks",
            "note",
            "follow_ups",
            "risk_types",
            "category",
        )
    }
    if not values["client_id"]:
        return JsonResponse({"errors": {"client_id": [_("缺少离线记录标识。")]}}, status=400)
    photos = body.get("photos") if isinstance(body.get("photos"), list) else []
    try:
        visit, created = actions.do_record_visit(
            actor=Actor.from_request(request, source="api"),
            household=household,
            values=values,
            photos=_photos_from(photos),
        )
    except ValidationError as error:
        errors = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
        status = 409 if "client_id" in errors else 400
        return JsonResponse({"errors": errors}, status=status)
    return JsonResponse(
        {
            "id": visit.pk,
            "url": reverse("assistance:visit", args=[visit.pk]),
            "signal": visit.get_signal_display() if visit.signal else "",
        },
        status=201 if created else 200,
    )


@require_GET
def visit_app_worker(request: HttpRequest) -> HttpResponse:
    """The service worker's script, served under the app's path so that its scope covers the
    page (a worker controls only what lies below its own URL)."""
    path = settings.BASE_DIR / "static" / "js" / "visit-sw.js"
    response = HttpResponse(path.read_text("utf-8"), content_type="application/javascript")
    response["Cache-Control"] = "no-cache"
    return response
