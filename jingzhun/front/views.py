"""Pages that combine several domains, above them: the household page shows the registry's
records, the quality checks' findings, the policy engine's verdict and the household's cases,
from one load of the household's records (:class:`HouseholdRecord`)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from jingzhun.audit import recorder
from jingzhun.audit.models import AuditEntry
from jingzhun.audit.rendering import render_entries
from jingzhun.cases.views import household_cases_context
from jingzhun.core.actions import Actor
from jingzhun.core.http import domain_errors
from jingzhun.core.masking import Disclosure
from jingzhun.crosscheck.views import alert_card
from jingzhun.front.household import HouseholdRecord
from jingzhun.policy.panel import policy_panel
from jingzhun.quality import entry as quality_entry

HISTORY_SHOWN = 50


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
    }
    return render(request, "front/household.html", context)
