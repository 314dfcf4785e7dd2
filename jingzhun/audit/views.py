"""The audit trail for inspectors: per household, or everything under their area (keyset)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from jingzhun.core.http import domain_errors
from jingzhun.registry import scoping

PAGE = 100


@login_required
@domain_errors
def audit_list(request: HttpRequest) -> HttpResponse:
    entries = scoping.audit_entries_for(request.user).select_related("actor")
    household = None
    if household_id := request.GET.get("household"):
        household = scoping.access_household_for_audit(request.user, household_id)
        entries = entries.filter(household=household)
    before = request.GET.get("before")
    if before and before.isdigit():
        entries = entries.filter(id__lt=int(before))
    rows = list(entries.order_by("-id")[: PAGE + 1])
    next_before = rows[PAGE - 1].id if len(rows) > PAGE else None
    return render(
        request,
        "audit/audit_list.html",
        {"entries": rows[:PAGE], "household": household, "next_before": next_before},
    )
