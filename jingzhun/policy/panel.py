"""The 政策判定 panel of the household page: the year asked for and the evaluation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from jingzhun.policy.decisions import evaluate_data, evaluate_household
from jingzhun.quality.context import default_year
from jingzhun.registry.models import Household

YEARS_SHOWN = 6  # the years offered in the panel's year list (the default year and earlier)


def panel_year(request: HttpRequest) -> int:
    """``?policy_year=Y`` (2000–2100), else the default review year (last year)."""
    raw = request.GET.get("policy_year", "")
    if raw.isdigit() and 2000 <= int(raw) <= 2100:
        return int(raw)
    return default_year()


def policy_panel(
    request: HttpRequest,
    household: Household,
    data: Callable[[int], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The panel's context: ``year``, ``years`` to choose from and ``evaluation`` (as the
    requesting user may read it: ``HouseholdEvaluation.disclosed_to``). ``data`` gives the
    household's records of a year as already loaded by the page; without it they are read
    through the registry's scoping functions as the requesting user."""
    year = panel_year(request)
    latest = max(default_year(), year)
    evaluation = (
        evaluate_data(data(year), year=year).disclosed_to(request.user)
        if data is not None
        else evaluate_household(household, year, request.user)  # type: ignore[arg-type]
    )
    # Each parameter version once, under the decisions, not in every criterion's row.
    versions = sorted(
        {r.version for d in evaluation.decisions for r in d.criteria if getattr(r, "version", None)}
    )
    return {
        "versions": versions,
        "year": year,
        "years": list(range(latest, min(year, latest - YEARS_SHOWN + 1) - 1, -1)),
        "evaluation": evaluation,
    }
