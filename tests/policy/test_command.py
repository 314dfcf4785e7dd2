"""``jingzhun evaluate``: one row per household with every decision, counts per decision and
area, on a fresh DuckDB snapshot or a given one."""

from __future__ import annotations

import json
from decimal import Decimal
from io import StringIO

import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command

from jingzhun.analytics.snapshot import write_snapshot
from jingzhun.policy.decisions import BATCH_SCHEMA
from jingzhun.registry import actions
from tests import factories


@pytest.fixture
def registry(world, settings, tmp_path):
    settings.SNAPSHOT_DIR = tmp_path / "snapshot"
    actor = world.actor(world.approver)
    rich = factories.make_household(actor, world.village, number="140922100001001")
    poor = factories.make_household(actor, world.far_village, number="140922100002001")
    income = poor.incomes.get(year=2024)
    actions.do_set_income(
        poor,
        actor=actor,
        year=2024,
        values={"wage": Decimal(9000), "business": Decimal(0), "business_expense": Decimal(0)},
        expected_version=income.version,
        reason="核实后更正",
    )
    other = factories.make_household(
        world.actor(world.outsider), world.other_county_village, number="140921100001001"
    )
    return rich, poor, other


def test_it_writes_one_row_per_household_and_prints_counts(registry, world, tmp_path) -> None:
    rich, poor, _ = registry
    out = tmp_path / "result.parquet"
    stdout = StringIO()
    call_command("evaluate", year=2024, area=world.county.code, out=out, stdout=stdout)
    table = pq.read_table(out)
    assert table.schema == BATCH_SCHEMA
    rows = {r["household_id"]: r for r in table.to_pylist()}
    assert set(rows) == {rich.id, poor.id}  # 定襄县's household is outside the area
    # No conditions record for 2024 (the factory enters none): food and housing are unknown.
    assert rows[rich.id]["exit_standard"] == "unknown"
    assert rows[rich.id]["exit_standard_failed"] == ""
    assert rows[poor.id]["exit_standard"] == "fail"
    assert rows[poor.id]["exit_standard_failed"] == "E-INCOME,E-CLOTHING"
    assert rows[poor.id]["suggested_category"] == "unstable_exited"
    printed = stdout.getvalue()
    assert "2户" in printed
    assert "贫困户退出标准（两不愁三保障）" in printed
    assert world.county.code in printed and world.township.code in printed


def test_it_prints_a_json_summary_from_a_given_snapshot(registry, world, tmp_path) -> None:
    snapshot = tmp_path / "given"
    write_snapshot(year=2024, out=snapshot)
    stdout = StringIO()
    call_command("evaluate", year=2024, snapshot=snapshot, format="json", stdout=stdout)
    summary = json.loads(stdout.getvalue())
    assert summary["households"] == 3
    assert summary["decisions"]["exit_standard"] == {"fail": 1, "unknown": 2}
    assert summary["decisions"]["elimination"] == {"not_applicable": 3}
    assert summary["counties"][world.other_county.code]["exit_standard"] == {"unknown": 1}


def test_it_refuses_a_snapshot_of_another_year(registry, tmp_path) -> None:
    snapshot = tmp_path / "given"
    write_snapshot(year=2023, out=snapshot)
    with pytest.raises(CommandError, match="2023"):
        call_command("evaluate", year=2024, snapshot=snapshot, stdout=StringIO())


def test_it_refuses_an_unknown_area(registry) -> None:
    with pytest.raises(CommandError, match="不存在"):
        call_command("evaluate", year=2024, area="999999", stdout=StringIO())
