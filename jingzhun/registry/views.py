"""Registry pages: home, household list/detail/forms, members, incomes, conditions, measures.

Views are thin: parse with a form, call the action, render. Every read goes through
jingzhun.registry.scoping; every write through jingzhun.registry.actions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from jingzhun.areas.models import Level
from jingzhun.core.actions import Actor, ConcurrentEditError
from jingzhun.core.http import domain_errors
from jingzhun.registry import actions, scoping
from jingzhun.registry import choices as c
from jingzhun.registry.forms import (
    ConditionsForm,
    DeleteForm,
    HouseholdForm,
    IncomeForm,
    MeasuresForm,
    MemberForm,
    attach_errors,
)
from jingzhun.registry.models import MEASURE_FIELDS, Conditions, Household, Income, Measures, Member


def _villages(request: HttpRequest) -> Any:
    return scoping.areas_for(request.user).filter(level=Level.VILLAGE).order_by("code")


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def household_create(request: HttpRequest) -> HttpResponse:
    scoping.ensure_can_edit(request.user)
    form = HouseholdForm(request.POST or None, villages=_villages(request))
    if request.method == "POST" and form.is_valid():
        try:
            household = actions.do_create_household(
                actor=Actor.from_request(request),
                village=form.cleaned_data["village"],
                data=form.values(),
                risks=form.risks(),
                group=form.cleaned_data.get("group"),
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, f"已新建农户{household.number}，请继续登记户主和家庭成员。")
            return redirect("member_create", household_id=household.pk)
    return render(request, "registry/household_form.html", {"form": form, "creating": True})


def _conflict_message(request: HttpRequest, error: ConcurrentEditError, model: Any) -> None:
    labels = {f.name: str(f.verbose_name) for f in model._meta.get_fields() if f.concrete}
    lines = [
        f"{labels.get(field, field)}：您看到的是“{seen if seen not in (None, '') else '空'}”，"
        f"现在是“{now if now not in (None, '') else '空'}”"
        for field, (seen, now) in error.changes.items()
        if field not in {"id_number", "phone", "bank_account"} or request.user.sees_personal_numbers
    ]
    messages.error(request, str(error) + ("　" + "；".join(lines) if lines else ""))


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def household_edit(request: HttpRequest, household_id: int) -> HttpResponse:
    household = scoping.access_household_by_id(request.user, household_id)
    scoping.ensure_can_edit(request.user, household)
    form = HouseholdForm(
        request.POST or None,
        instance=household,
        villages=_villages(request),
        initial={"version": household.version},
    )
    if request.method == "POST" and form.is_valid():
        # The form wrote the posted values onto the instance; compare against the stored row.
        stored = Household.objects.get(pk=household.pk)
        try:
            actions.do_update_household(
                stored,
                actor=Actor.from_request(request),
                changes=form.values(),
                risks=form.risks(),
                village=form.cleaned_data["village"],
                group=form.cleaned_data.get("group"),
                expected_version=form.cleaned_data["version"],
                reason=form.cleaned_data.get("reason", ""),
            )
        except ValidationError as error:
            attach_errors(form, error)
        except ConcurrentEditError as error:
            _conflict_message(request, error, Household)
        else:
            messages.success(request, "已保存。")
            return redirect("household_detail", household_id=household.pk)
    return render(request, "registry/household_form.html", {"form": form, "household": household})


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def household_delete(request: HttpRequest, household_id: int) -> HttpResponse:
    household = scoping.access_household_by_id(request.user, household_id)
    scoping.ensure_can_edit(request.user, household)
    form = DeleteForm(request.POST or None, initial={"version": household.version})
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_delete_household(
                household,
                actor=Actor.from_request(request),
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as error:
            attach_errors(form, error)
        except ConcurrentEditError as error:
            _conflict_message(request, error, Household)
        else:
            messages.success(request, f"已删除农户{household.number}（可在审计记录中查到原因）。")
            return redirect("household_list")
    return render(request, "registry/confirm_delete.html", {"form": form, "object": household})


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def member_create(request: HttpRequest, household_id: int) -> HttpResponse:
    household = scoping.access_household_by_id(request.user, household_id)
    scoping.ensure_can_edit(request.user, household)
    has_head = household.members.filter(is_deleted=False, relation=c.Relation.HEAD).exists()
    form = MemberForm(
        request.POST or None,
        initial={"relation": "" if has_head else c.Relation.HEAD},
    )
    if request.method == "POST" and form.is_valid():
        try:
            member = actions.do_add_member(
                household, actor=Actor.from_request(request), data=form.values()
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, f"已登记成员{member.name}。")
            if "add_another" in request.POST:
                return redirect("member_create", household_id=household.pk)
            return redirect("household_detail", household_id=household.pk)
    return render(request, "registry/member_form.html", {"form": form, "household": household})


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def member_edit(request: HttpRequest, member_id: int) -> HttpResponse:
    member = scoping.access_member_by_id(request.user, member_id)
    household = member.household
    scoping.ensure_can_edit(request.user, household)
    form = MemberForm(request.POST or None, instance=member, initial={"version": member.version})
    if request.method == "POST" and form.is_valid():
        stored = Member.objects.select_related("household").get(pk=member.pk)
        try:
            actions.do_update_member(
                stored,
                actor=Actor.from_request(request),
                changes=form.values(),
                expected_version=form.cleaned_data["version"],
                reason=form.cleaned_data.get("reason", ""),
            )
        except ValidationError as error:
            attach_errors(form, error)
        except ConcurrentEditError as error:
            _conflict_message(request, error, Member)
        else:
            messages.success(request, "已保存。")
            return redirect("household_detail", household_id=household.pk)
    return render(
        request,
        "registry/member_form.html",
        {"form": form, "household": household, "member": member},
    )


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def member_remove(request: HttpRequest, member_id: int) -> HttpResponse:
    member = scoping.access_member_by_id(request.user, member_id)
    household = member.household
    scoping.ensure_can_edit(request.user, household)
    form = DeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_remove_member(
                member, actor=Actor.from_request(request), reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, f"已减员：{member.name}。")
            return redirect("household_detail", household_id=household.pk)
    return render(
        request,
        "registry/confirm_delete.html",
        {"form": form, "object": member, "household": household, "is_member": True},
    )


def _year_record_edit(
    request: HttpRequest,
    household_id: int,
    year: int | None,
    *,
    model: Any,
    form_class: Any,
    initial: Callable[[Household], dict[str, Any]],
    save: Callable[[Household, Actor, dict[str, Any], int | None], Any],
    title: str,
    what: str = "",
) -> HttpResponse:
    """The form of one household's record of one year (income, conditions, measures): a new
    year, or the stored year with the version the user saw."""
    household = scoping.access_household_by_id(request.user, household_id)
    scoping.ensure_can_edit(request.user, household)
    instance = model.objects.filter(household=household, year=year).first() if year else None
    start = {"version": instance.version} if instance else initial(household)
    form = form_class(request.POST or None, instance=instance, initial=start)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            save(
                household,
                Actor.from_request(request),
                data,
                data.get("version") if instance else None,
            )
        except ValidationError as error:
            attach_errors(form, error)
        except ConcurrentEditError as error:
            _conflict_message(request, error, model)
        else:
            messages.success(request, f"已保存{data['year']}年{what or title}。")
            return redirect("household_detail", household_id=household.pk)
    return render(
        request,
        "registry/simple_form.html",
        {"form": form, "household": household, "title": title},
    )


def _last_year() -> int:
    return timezone.localdate().year - 1


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def income_edit(request: HttpRequest, household_id: int, year: int | None = None) -> HttpResponse:
    return _year_record_edit(
        request,
        household_id,
        year,
        model=Income,
        form_class=IncomeForm,
        initial=lambda h: {"year": _last_year(), "household_size": h.member_count},
        save=lambda h, actor, data, version: actions.do_set_income(
            h,
            actor=actor,
            year=data["year"],
            household_size=data["household_size"],
            values={k: data[k] for k in actions.INPUT_FIELDS},
            expected_version=version,
            reason=data.get("reason", ""),
        ),
        title="年度收入",
        what="收入",
    )


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def conditions_edit(
    request: HttpRequest, household_id: int, year: int | None = None
) -> HttpResponse:
    return _year_record_edit(
        request,
        household_id,
        year,
        model=Conditions,
        form_class=ConditionsForm,
        initial=lambda h: {"year": timezone.localdate().year},
        save=lambda h, actor, data, version: actions.do_set_conditions(
            h,
            actor=actor,
            year=data["year"],
            values={k: data[k] for k in actions.CONDITION_FIELDS},
            expected_version=version,
            reason=data.get("reason", ""),
        ),
        title="生产生活条件",
    )


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def measures_edit(request: HttpRequest, household_id: int, year: int | None = None) -> HttpResponse:
    return _year_record_edit(
        request,
        household_id,
        year,
        model=Measures,
        form_class=MeasuresForm,
        # Measures are entered with the year's income, in the review of the year just ended.
        initial=lambda h: {"year": _last_year()},
        save=lambda h, actor, data, version: actions.do_set_measures(
            h,
            actor=actor,
            year=data["year"],
            values={k: data[k] for k in MEASURE_FIELDS},
            expected_version=version,
            reason=data.get("reason", ""),
        ),
        title="帮扶措施",
    )
