"""From links to alerts: each rule of the batch's kind looks at each linked record; what it
finds becomes an alert for the household's village, due a number of days
(``monitoring_decision_max_days``) after the department's data reached the system — the day
the risk was found. The same signal raises no second alert while one is open
or was confirmed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext_noop

from jingzhun.crosscheck.kinds import get_kind
from jingzhun.crosscheck.models import Alert, AlertStatus, Batch, Link
from jingzhun.crosscheck.rules import LINKED_WITH, RULES, Signal, chinese
from jingzhun.policy import parameters
from jingzhun.registry.choices import WORKING_LABOUR
from jingzhun.registry.models import Member

BLOCKING = (AlertStatus.OPEN, AlertStatus.CONFIRMED)


def alert_key(rule: str, member_id: int, signal_key: str) -> str:
    return f"{rule}|{member_id}|{signal_key}"


def due_on(signal_on: dt.date, village_code: str) -> dt.date:
    days = parameters.value("monitoring_decision_max_days", on=signal_on, area_code=village_code)
    return signal_on + dt.timedelta(days=int(days.value))


def _labour(household_ids: set[int]) -> dict[int, int]:
    rows = (
        Member.objects.filter(household_id__in=household_ids, is_deleted=False)
        .values("household_id")
        .annotate(n=Count("id", filter=Q(labour_skill__in=list(WORKING_LABOUR))))
    )
    return {r["household_id"]: r["n"] for r in rows}


def draft_alerts(batch: Batch, links: list[Link], today: dt.date) -> list[Alert]:
    """Unsaved alerts for ``links`` (saved links of ``batch``, members and households loaded)."""
    rules = [RULES[code] for code in get_kind(batch.kind).rules]
    labour = _labour({link.household_id for link in links})
    drafts: dict[str, Alert] = {}
    for link in links:
        signal = Signal(link.record, link.member, link.household, labour.get(link.household_id, 0))
        for rule in rules:
            values = rule.check(signal)
            if values is None:
                continue
            key = alert_key(rule.code, link.member_id, link.record.signal_key)
            if key in drafts:
                continue
            method = chinese(link.get_method_display)
            link_value = [
                gettext_noop("关联"),
                LINKED_WITH % {"method": method, "probability": f"{link.probability:.1%}"}
                if link.method != "exact_id"
                else method,
            ]
            drafts[key] = Alert(
                rule=rule.code,
                record=link.record,
                link=link,
                household=link.household,
                member=link.member,
                village_code=link.village_code,
                signal_on=link.record.event_date,
                raised_on=today,
                due_on=due_on(today, link.village_code),
                values=[*values, link_value],
                key=key,
            )
    taken = set(
        Alert.objects.filter(key__in=list(drafts), status__in=BLOCKING).values_list(
            "key", flat=True
        )
    )
    return [a for k, a in drafts.items() if k not in taken]


def links_of(batch: Batch) -> list[Any]:
    return list(
        Link.objects.filter(record__batch=batch).select_related("record", "member", "household")
    )
