"""The set-based screening (a snapshot against whole datasets, on DuckDB) finds exactly what the
per-record rules find, at each threshold on both sides."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import ibis
import pytest

from jingzhun.analytics.backend import DuckDBBackend
from jingzhun.analytics.snapshot import write_snapshot
from jingzhun.crosscheck import screening
from jingzhun.crosscheck.kinds import get_kind
from jingzhun.crosscheck.models import Record
from jingzhun.crosscheck.rules import RULES, Signal
from jingzhun.registry.models import Member
from tests.crosscheck.conftest import head

pytestmark = pytest.mark.django_db
ON = dt.date(2026, 10, 1)


def cases(families):
    exited, other = head(families[0]), head(families[2])
    son = families[1].members.get(relation="son")
    spouse = families[0].members.get(relation="spouse")
    rows = []
    for member in (exited, other):
        for amount in (4999.99, 5000, 19999.99, 20000):
            rows.append(("medical_stays", member, amount, ""))
        for amount in (30000, 30000.01):
            rows.append(("vehicles", member, amount, ""))
        rows.append(("payroll", member, None, ""))
    rows += [
        ("medical_outpatient", spouse, 499.99, ""),
        ("medical_outpatient", spouse, 500, ""),
        ("disasters", spouse, 9999.99, ""),
        ("disasters", spouse, 10000, ""),
        ("students", son, None, "dropout"),
        ("students", son, None, "enrolled"),
        ("house_safety", exited, None, "B"),
        ("house_safety", exited, None, "D"),
        ("employment", spouse, None, "unemployed"),
        ("disability", spouse, None, ""),
        ("deaths", exited, None, ""),
        ("social_assistance", son, None, "dibao"),
        ("medical_enrolment", spouse, None, "stopped"),
    ]
    return rows


def per_record(rows) -> set[tuple[int, str]]:
    found = set()
    for rid, (kind, member, amount, category) in enumerate(rows):
        member = Member.objects.select_related("household").get(pk=member.pk)
        labour = member.household.members.filter(
            labour_skill__in=["ordinary", "skilled", "weak"], is_deleted=False
        ).count()
        record = Record(
            kind=kind,
            row=rid,
            name=member.name,
            event_date=ON,
            category=category,
            amount=None if amount is None else Decimal(str(amount)),
            details={},
        )
        signal = Signal(record, member, member.household, labour)
        for code in get_kind(kind).rules:
            if RULES[code].check(signal) is not None:
                found.add((rid, code))
    return found


def set_based(rows, tmp_path) -> set[tuple[int, str]]:
    write_snapshot(year=2024, out=tmp_path / "snapshot")
    backend = DuckDBBackend(tmp_path / "snapshot")
    limits = screening.thresholds(["140922"], ON)
    found = set()
    for kind in {r[0] for r in rows}:
        table = ibis.memtable(
            {
                "rid": [i for i, r in enumerate(rows) if r[0] == kind],
                "id_number": [r[1].id_number for r in rows if r[0] == kind],
                "event_date": [ON for r in rows if r[0] == kind],
                "amount": [r[2] for r in rows if r[0] == kind],
                "category": [r[3] for r in rows if r[0] == kind],
            },
            schema={
                "rid": "int64",
                "id_number": "string",
                "event_date": "date",
                "amount": "float64",
                "category": "string",
            },
        )
        result = backend.execute(screening.screen(backend, kind, table, limits))
        found |= set(zip(result["rid"].to_pylist(), result["rule"].to_pylist(), strict=True))
    return found


def test_screening_and_the_per_record_rules_agree_at_every_threshold(world, families, tmp_path):
    rows = cases(families)
    expected = per_record(rows)
    assert set_based(rows, tmp_path) == expected
    # …and the thresholds were really crossed on both sides.
    fired = {code for _, code in expected}
    assert {"medical_stay", "vehicle_value", "disaster_loss", "school_dropout"} <= fired
    assert len(expected) < len(rows)
