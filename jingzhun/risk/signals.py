"""What the features need from the database beyond the snapshot: department alerts raised
before the cut-off, and members' health as it was on the cut-off (undoing changes recorded in
the audit trail after it). Both are small: a few rows per alerted or changed household."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd
from django.utils import timezone

from jingzhun.audit.models import AuditEntry
from jingzhun.crosscheck.models import Alert, AlertStatus
from jingzhun.risk.features import ALERT_GROUPS


def alert_counts(on: dt.date, household_ids: Iterable[int] | None = None) -> pd.DataFrame:
    """Alerts raised on or before ``on`` per household (index) and rule group (columns of
    :data:`ALERT_GROUPS`). An alert verified as a wrong link by then does not count."""
    group_of = {rule: group for group, rules in ALERT_GROUPS.items() for rule in rules}
    alerts = Alert.objects.filter(raised_on__lte=on, rule__in=list(group_of)).exclude(
        status=AlertStatus.WRONG_LINK, decided_on__lte=on
    )
    if household_ids is not None:
        alerts = alerts.filter(household_id__in=list(household_ids))
    rows = list(alerts.values_list("household_id", "rule"))
    frame = pd.DataFrame(rows, columns=["household_id", "rule"])
    frame["group"] = frame["rule"].map(group_of)
    counts = frame.groupby(["household_id", "group"]).size().unstack(fill_value=0)
    return counts.reindex(columns=list(ALERT_GROUPS), fill_value=0)


def health_at(on: dt.date) -> dict[int, str]:
    """{member id: health on ``on``} for the members whose health was changed after that day
    (the old value of the first such change in the audit trail). Members not in it kept the
    health they have now."""
    after = timezone.make_aware(dt.datetime.combine(on + dt.timedelta(days=1), dt.time()))
    entries = (
        AuditEntry.objects.filter(action="update_member", at__gte=after)
        .order_by("at", "pk")
        .values_list("object_id", "changes")
    )
    then: dict[int, str] = {}
    for object_id, changes in entries.iterator():
        change = (changes or {}).get("health")
        if isinstance(change, list) and change and int(object_id) not in then:
            then[int(object_id)] = str(change[0])
    return then
