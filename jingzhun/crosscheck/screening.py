"""The exact pass and every rule over whole tables, on the batch backend: a national snapshot
of the registry (``members``, ``households``) against departments' datasets of millions of
records, in one set-based query per dataset instead of a comparison per record.

A dataset table has the normalised columns of a batch's records (``rid``, ``id_number``,
``event_date``, ``amount``, ``category``). Each record is joined to the members with its ID
number (the exact pass; the probabilistic pass is ``jingzhun.linkage`` on the rest), to their
household and labour count, and to the thresholds in force for the household's county on the
record's date; each rule of the dataset's kind is the same rule as ``rules.py`` checks per
record, written as a filter over those columns (``Rule.where``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import ibis
import ibis.expr.types as ir

from jingzhun.crosscheck.kinds import get_kind
from jingzhun.crosscheck.rules import REGISTERED_TYPES, RULES
from jingzhun.policy import parameters

# The thresholds the rules read, as columns ``t_<name>`` of the joined table.
THRESHOLDS = (
    "alert_medical_stay_exited",
    "alert_medical_stay_others",
    "alert_outpatient_monthly",
    "alert_vehicle_value",
    "alert_disaster_loss",
    "compulsory_school_age_min",
    "compulsory_school_age_max",
)


def thresholds(counties: Iterable[str], on: dt.date) -> ir.Table:
    """One row per county with each threshold in force there on ``on``."""
    rows = [
        {
            "county": code,
            **{
                f"t_{n}": float(parameters.value(n, on=on, area_code=code).value)
                for n in THRESHOLDS
            },
        }
        for code in sorted(set(counties))
    ]
    return ibis.memtable(rows or [{"county": "", **{f"t_{n}": 0.0 for n in THRESHOLDS}}])


def _age(t: ir.Table) -> ir.IntegerValue:
    born, on = t.birth_date, t.event_date
    before_birthday = (on.month() * 100 + on.day()) < (born.month() * 100 + born.day())
    return on.year() - born.year() - before_birthday.cast("int32")


def linked(backend: Any, records: ir.Table, limits: ir.Table) -> ir.Table:
    """The exact pass: each record with the member of its ID number, the member's household,
    its working labour and the thresholds of its county."""
    members = backend.table("members")
    households = backend.table("households")
    labour = (
        members.filter(members.labour_skill.isin(["ordinary", "skilled", "weak"]))
        .group_by("household_id")
        .aggregate(labour=ibis._.count())
    )
    m = members.select(
        member_id=members.id,
        household_id=members.household_id,
        member_id_number=members.id_number,
        birth_date=members.birth_date,
        health=members.health,
        dibao=members.dibao,
        tekun=members.tekun,
    )
    h = households.select(
        hid=households.id,
        village_code=households.village_code,
        household_type=households.household_type,
        identified_on=households.identified_on,
        monitoring_category=households.monitoring_category,
        risk_eliminated=households.risk_eliminated,
    )
    joined = (
        records.join(m, records.id_number == m.member_id_number)
        .join(h, ibis._.household_id == h.hid)
        .left_join(labour, ibis._.household_id == labour.household_id)
    )
    joined = joined.select(
        *[col for col in joined.columns if col not in ("household_id_right", "hid")]
    ).mutate(labour=ibis.coalesce(ibis._.labour, 0), county=ibis._.village_code.substr(0, 6))
    joined = joined.join(limits, "county").mutate(age=_age)
    registered = joined.household_type.isin(list(REGISTERED_TYPES)) | joined.identified_on.notnull()
    monitored = (
        joined.monitoring_category.fill_null("") != ""
    ) & ~joined.risk_eliminated.fill_null(False)
    return joined.mutate(registered=registered, monitored=monitored)


def screen(backend: Any, kind: str, records: ir.Table, limits: ir.Table) -> ir.Table:
    """Alert candidates (``rid``, ``member_id``, ``household_id``, ``village_code``, ``rule``)
    of one dataset: every rule of its kind over its linked records."""
    t = linked(backend, records, limits)
    parts = []
    for code in get_kind(kind).rules:
        rule = RULES[code]
        if rule.where is None:
            continue
        parts.append(
            t.filter(rule.where(t)).select(
                "rid", "member_id", "household_id", "village_code", rule=ibis.literal(code)
            )
        )
    return ibis.union(*parts) if len(parts) > 1 else parts[0]
