"""One place opens every batch backend, and a snapshot is never read for another year: each
area and year has its own snapshot, kept only while it holds exactly the registry of now."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jingzhun.analytics.backend import SnapshotMismatch, open_backend, snapshot_directory
from jingzhun.analytics.snapshot import SnapshotInfo, write_snapshot
from jingzhun.quality.actions import do_queue_quality_run
from jingzhun.quality.models import QualityCount
from jingzhun.quality.runner import execute_run
from jingzhun.registry import actions
from tests import factories


@pytest.fixture(autouse=True)
def _snapshot_dir(settings, tmp_path):
    settings.SNAPSHOT_DIR = tmp_path / "snapshot"


def _incomes(backend) -> list[tuple[int, Decimal]]:
    t = backend.table("incomes")
    return sorted(backend.execute(t.select("year", "wage")).to_pylist(), key=str)


def test_each_area_and_year_has_its_own_snapshot(world, household):
    open_backend("duckdb", year=2023, area_code=world.county.code)
    open_backend("duckdb", year=2024, area_code=world.county.code)
    for year in (2023, 2024):
        info = SnapshotInfo.read(snapshot_directory(year=year, area_code=world.county.code))
        assert (info.year, info.area_code) == (year, world.county.code)


def test_a_snapshot_of_another_year_is_refused_where_it_is_opened(world, household, tmp_path):
    directory = tmp_path / "mine"
    write_snapshot(year=2024, out=directory, area_code=world.county.code)
    with pytest.raises(SnapshotMismatch, match="2024"):
        open_backend("duckdb", year=2023, snapshot=directory)
    assert open_backend("duckdb", year=2024, snapshot=directory) is not None


def test_a_kept_snapshot_is_reused_only_while_the_registry_is_unchanged(world, household):
    open_backend("duckdb", year=2024, area_code=world.county.code)
    directory = snapshot_directory(year=2024, area_code=world.county.code)
    first = SnapshotInfo.read(directory)
    open_backend("duckdb", year=2024, area_code=world.county.code, reuse=True)
    assert SnapshotInfo.read(directory).created_at == first.created_at
    factories.make_household(world.actor(), world.village, number="140922100001777", members=False)
    open_backend("duckdb", year=2024, area_code=world.county.code, reuse=True)
    again = SnapshotInfo.read(directory)
    assert again.created_at != first.created_at
    assert again.rows["households"] == first.rows["households"] + 1


def test_a_quality_run_of_2023_after_one_of_2024_checks_the_2023_data(world, household):
    """The old runner kept one snapshot per area: a 2023 run reused the 2024 data."""
    actor = world.actor(world.approver)
    # 2023's income says a household of 4 while 3 are registered (Q-H-032); 2024's is right.
    actions.do_set_income(
        household, actor=world.actor(), year=2023, household_size=4, values={"wage": "9000"}
    )
    run_2024 = do_queue_quality_run(
        actor=actor, area_code=world.county.code, year=2024, backend="duckdb"
    )
    execute_run(run_2024, actor=actor)
    run_2023 = do_queue_quality_run(
        actor=actor, area_code=world.county.code, year=2023, backend="duckdb"
    )
    execute_run(run_2023, actor=actor, fresh=False)
    codes_2023 = set(QualityCount.objects.filter(run=run_2023).values_list("check_code", flat=True))
    codes_2024 = set(QualityCount.objects.filter(run=run_2024).values_list("check_code", flat=True))
    assert "Q-H-032" in codes_2023
    assert "Q-H-032" not in codes_2024
