"""Pages that combine several domains, above them: the household page shows the registry's
records, the quality checks' findings, the policy engine's verdict and the household's cases,
from one load of the household's records (:class:`HouseholdRecord`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from jingzhun.accounts.roles import VISIT_RECORDERS
from jingzhun.areas.models import Level
from jingzhun.assistance.queries import household_assistance
from jingzhun.audit import recorder
from jingzhun.audit.models import AuditEntry
from jingzhun.audit.rendering import render_entries
from jingzhun.cases.views import household_cases_context
from jingzhun.core.actions import Actor
from jingzhun.core.http import domain_errors
from jingzhun.core.masking import Disclosure
from jingzhun.crosscheck.views import alert_card
from jingzhun.front import home as home_page
from jingzhun.front.drilldown import DrillDown, ListPage, list_page
from jingzhun.front.household import HouseholdRecord, income_chart
from jingzhun.policy.panel import policy_panel
from jingzhun.projects.queries import benefits_of_household
from jingzhun.quality import entry as quality_entry
from jingzhun.registry import choices as c
from jingzhun.registry import scoping
from jingzhun.registry.queries import SEARCH_LIMIT, HouseholdFilters
from jingzhun.relocation.views import household_card as relocation_card

HISTORY_SHOWN = 50


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """What needs the user today (:func:`jingzhun.front.home.worklist`), then the area's
    figures, each opening its records."""
    user = request.user
    today = timezone.localdate()
    return render(
        request,
        "front/home.html",
        {
            "area": user.area,
            "ancestors": user.area.ancestors(),
            "items": home_page.worklist(user, today),
            "figures": home_page.headline(user),
        },
    )


def _groups_of(user: Any, village_code: str) -> list[Any]:
    if len(village_code) != 12:
        return []
    return list(
        scoping.areas_for(user)
        .filter(level=Level.GROUP, code__startswith=village_code)
        .order_by("code")[:100]
    )


@login_required
def household_list(request: HttpRequest) -> HttpResponse:
    """The household list with the registry's filters and the drill-down filters of the pages
    above it (:mod:`jingzhun.front.drilldown`), keyset-paged, with the total of a filtered list."""
    user = request.user
    filters = HouseholdFilters.from_params(request.GET)
    drill = DrillDown.from_params(user, request.GET)
    if drill.errors:
        # A drill-down that cannot be applied lists nothing rather than everyone: the number
        # clicked was not "all households".
        page = ListPage([], None, 0)
    else:
        page = list_page(user, filters, drill, settings.JINGZHUN_PAGE_SIZE)
        if drill.errors:  # found while reading (a run's file gone)
            page = ListPage([], None, 0)
    context: dict[str, Any] = {
        "rows": page.rows,
        "filters": filters,
        "errors": filters.errors | drill.errors,
        "drill": drill,
        "drill_params": drill.as_params(),
        "total": page.total,
        "total_capped": page.total_capped,
        "next_after": page.next_after,
        "truncated": page.truncated,
        "search_limit": SEARCH_LIMIT,
        "household_types": c.HouseholdType.choices,
        "categories": c.MonitoringCategory.choices,
        "risk_types": c.RiskType.choices,
        # A village's 村民小组, once the list is within one village.
        "groups": _groups_of(user, filters.area or user.area.code),
        "areas": scoping.areas_for(user)
        .filter(level__lte=max(user.area.level + 1, Level.TOWNSHIP))
        .order_by("code")[:300],
    }
    template = (
        "registry/_household_rows.html"
        if request.headers.get("HX-Request")
        else "registry/household_list.html"
    )
    return render(request, template, context)


def _history(household_id: int) -> list[AuditEntry]:
    """The household's changes (reads of it are in the audit trail, not its history)."""
    return list(
        AuditEntry.objects.filter(household_id=household_id)
        .exclude(action__startswith=recorder.READ_PREFIX)
        .order_by("-at", "-id")[:HISTORY_SHOWN]
    )


@login_required
@domain_errors
def household_detail(request: HttpRequest, household_id: int) -> HttpResponse:
    record = HouseholdRecord.load(request.user, household_id)
    household = record.household
    # Who opened which household's personal data: inspectors read it in the audit trail.
    recorder.record_read(
        actor=Actor.from_request(request),
        action="read_household",
        obj=household,
        area_code=household.village_code,
        household=household,
    )
    context: dict[str, Any] = {
        "household": household,
        "ancestors": household.village.ancestors(),
        "members": record.members,
        "incomes": record.incomes,
        "income_chart": income_chart(household, record.incomes),
        "conditions": record.conditions,
        "measures": record.measures,
        "risks": record.risks,
        "history": render_entries(_history(household.pk), Disclosure.of(request.user)),
        "can_edit": request.user.can_edit_registry,
        "quality_findings": quality_entry.findings_for_stored(
            record.data(), household_id=household.pk
        ),
        "policy": policy_panel(request, household, data=record.data),
        "case_card": household_cases_context(request.user, household),
        "alerts": alert_card(request.user, household),
        "assistance": household_assistance(household, timezone.localdate().year),
        "can_visit": request.user.role in VISIT_RECORDERS,
        "relocation_card": relocation_card(household.pk, record.conditions),
        # 带贫益贫: the projects this household benefits from (one query).
        "benefits": benefits_of_household(request.user, household.pk),
    }
    return render(request, "front/household.html", context)
