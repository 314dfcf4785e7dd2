"""The one write path of the visit ranking: storing a run with its scores."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from django.db import transaction

from jingzhun.accounts.roles import RISK_RANKERS
from jingzhun.areas.models import Area
from jingzhun.audit import recorder
from jingzhun.core.actions import Actor, PermissionDenied
from jingzhun.core.bulk_insert import insert_rows
from jingzhun.registry import scoping
from jingzhun.risk.models import RiskRun, RiskScore
from jingzhun.risk.reasons import reason_record


def _check(actor: Actor, area: Area | None) -> None:
    user = actor.user
    if user is None:
        return  # the system itself (a scheduled job)
    if getattr(user, "role", "") not in RISK_RANKERS:
        raise PermissionDenied("只有县级审批员、县级分析员和管理员可以生成走访排序。")
    if area is None:
        if user.scope_prefix:
            raise PermissionDenied("只有全部区划的管理员可以对全部区划排序：请指定区划。")
    else:
        scoping.access_area_by_code(user, area.code)


def do_store_risk_run(
    actor: Actor,
    *,
    year: int,
    area: Area | None,
    model_kind: str,
    trained_at: dt.datetime,
    metrics: dict[str, Any],
    scored: pd.DataFrame,
    reasons: dict[int, list[tuple[str, float]]],
) -> RiskRun:
    """Store a ranking of ``scored`` (indexed by household id, with a ``score`` column and the
    feature columns) with each household's ``reasons``: rank 1 is the highest score (ties by
    household id). Role and area are checked (PermissionDenied / NotFound); the run, its scores
    and the audit entry are written in one transaction."""
    _check(actor, area)
    ordered = scored.assign(_id=scored.index).sort_values(["score", "_id"], ascending=[False, True])
    rows = []
    with transaction.atomic():
        run = RiskRun.objects.create(
            year=year,
            area_code=area.code if area else "",
            model_kind=model_kind,
            trained_at=trained_at,
            households=len(ordered),
            metrics=metrics,
            started_by=actor.user,
            started_by_name=actor.name,
        )
        for position, (hid, row) in enumerate(ordered.iterrows(), start=1):
            rows.append(
                {
                    "run_id": run.pk,
                    "household_id": int(hid),
                    "rank": position,
                    "score": round(float(row["score"]), 6),
                    "reasons": [
                        reason_record(name, row[name], effect)
                        for name, effect in reasons.get(int(hid), [])
                    ],
                }
            )
        insert_rows(RiskScore, rows)
        recorder.record(
            actor=actor,
            action="store_risk_run",
            obj=run,
            area_code=run.area_code,
            changes={
                "year": [None, year],
                "model_kind": [None, model_kind],
                "households": [None, len(ordered)],
            },
        )
    return run
