"""Every read of the cross-check: batches of the user's area, alerts of households in it, and
the figures of the report. Out of scope and absent both answer NotFound."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from django.db.models import Count, Q, QuerySet

from jingzhun.accounts.models import User
from jingzhun.core.actions import NotFound
from jingzhun.crosscheck.models import Alert, AlertStatus, Batch, FeedToken
from jingzhun.crosscheck.rules import RULES


def _in(prefix: str, field: str) -> Q:
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix + ":"})


def batches_for(user: User) -> QuerySet[Batch]:
    """Batches loaded for the user's area or an area within it (a village cadre sees none: a
    batch holds the whole county's records)."""
    prefix = user.scope_prefix
    return Batch.objects.filter(_in(prefix, "area_code")).select_related("area", "uploader")


def access_batch_by_id(user: User, pk: Any) -> Batch:
    try:
        return batches_for(user).get(pk=int(pk))
    except (Batch.DoesNotExist, ValueError, TypeError):
        raise NotFound(pk) from None


def alerts_for(user: User) -> QuerySet[Alert]:
    return Alert.objects.filter(_in(user.scope_prefix, "village_code"))


def access_alert_by_id(user: User, pk: Any) -> Alert:
    try:
        return (
            alerts_for(user)
            .select_related("record__batch", "link", "household__village", "member", "case")
            .get(pk=int(pk))
        )
    except (Alert.DoesNotExist, ValueError, TypeError):
        raise NotFound(pk) from None


def tokens_for(user: User) -> QuerySet[FeedToken]:
    return FeedToken.objects.filter(
        area__code__gte=user.scope_prefix, area__code__lt=user.scope_prefix + ":"
    ).select_related("area")


def inbox(user: User, *, status: str = "open", rule: str = "", village: str = "") -> Any:
    """Alerts to verify (or decided ones), overdue first, then by due date."""
    qs = alerts_for(user).select_related("household__village", "member", "record__batch")
    if status:
        qs = qs.filter(status=status)
    if rule:
        qs = qs.filter(rule=rule)
    if village:
        qs = qs.filter(_in(village, "village_code"))
    return qs.order_by("due_on", "id")


def open_count(user: User) -> int:
    return alerts_for(user).filter(status=AlertStatus.OPEN).count()


def report(user: User, today: dt.date) -> dict[str, Any]:
    """Alerts by rule and status with the share confirmed (how precise each rule is), by
    township, the days from the alert to the decision, and the overdue ones."""
    qs = alerts_for(user)
    by_rule: dict[str, Counter[str]] = defaultdict(Counter)
    for row in qs.values("rule", "status").annotate(n=Count("id")):
        by_rule[row["rule"]][row["status"]] += row["n"]
    rules = []
    for code, rule in RULES.items():
        c = by_rule.get(code, Counter())
        decided = (
            c[AlertStatus.CONFIRMED] + c[AlertStatus.NOT_CONFIRMED] + c[AlertStatus.WRONG_LINK]
        )
        rules.append(
            {
                "code": code,
                "name": rule.name,
                "total": sum(c.values()),
                "open": c[AlertStatus.OPEN],
                "confirmed": c[AlertStatus.CONFIRMED],
                "not_confirmed": c[AlertStatus.NOT_CONFIRMED],
                "wrong_link": c[AlertStatus.WRONG_LINK],
                "precision": (c[AlertStatus.CONFIRMED] / decided) if decided else None,
            }
        )
    days = sorted(
        (decided - raised).days
        for raised, decided in qs.exclude(decided_on=None).values_list("raised_on", "decided_on")
    )
    by_area: dict[str, Counter[str]] = defaultdict(Counter)
    for row in qs.values("village_code", "status").annotate(n=Count("id")):
        by_area[row["village_code"][:9]][row["status"]] += row["n"]
    overdue = qs.filter(status=AlertStatus.OPEN, due_on__lt=today).count()
    return {
        "rules": [r for r in rules if r["total"]],
        "days": {
            "count": len(days),
            "median": days[len(days) // 2] if days else None,
            "max": days[-1] if days else None,
        },
        "areas": dict(by_area),
        "overdue": overdue,
        "open": sum(c[AlertStatus.OPEN] for c in by_rule.values()),
    }
