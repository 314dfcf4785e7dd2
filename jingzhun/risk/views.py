"""The visit list (/risk/): the latest ranking run's households in the user's area, by rank,
with score and main reasons. Reads through :mod:`jingzhun.risk.queries` only."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from jingzhun.core.http import domain_errors
from jingzhun.core.masking import Disclosure
from jingzhun.risk import queries
from jingzhun.risk.reasons import reason_text

DEFAULT_TOP = 100
MAX_TOP = 500


def _top(request: HttpRequest) -> int:
    try:
        return max(1, min(MAX_TOP, int(request.GET.get("top", DEFAULT_TOP))))
    except ValueError:
        return DEFAULT_TOP


@login_required
@domain_errors
@require_GET
def visit_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    run = queries.latest_run_for(user)  # type: ignore[arg-type]
    top = _top(request)
    rows = []
    if run is not None:
        sees_health = Disclosure.of(user).health
        for position, score in enumerate(queries.scores_for(user, run)[:top], start=1):  # type: ignore[arg-type]
            rows.append(
                {
                    "position": position,
                    "score": score,
                    "reasons": [reason_text(r, sees_health=sees_health) for r in score.reasons],
                }
            )
    return render(request, "risk/visit_list.html", {"run": run, "rows": rows, "top": top})
