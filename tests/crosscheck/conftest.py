"""Department batches written as real files, and a county with households to link them to."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import time_machine

from jingzhun.core.actions import Actor
from jingzhun.crosscheck import actions, intake
from jingzhun.crosscheck.models import Batch
from tests import factories


def write_csv(
    path: Path, header: list[str], rows: list[list[Any]], encoding: str = "utf-8"
) -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def load(world: Any, kind: str, path: Path, as_of: dt.date = dt.date(2026, 11, 30)) -> Batch:
    """Stage and compare a file as the county approver."""
    actor = Actor(user=world.approver, source="command")
    batch, new = intake.stage_file(
        actor=actor, kind=kind, area=world.county, path=path, as_of=as_of, source="command"
    )
    if new:
        batch = actions.do_apply_batch(batch, actor=actor)
    return batch


TODAY = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def clock():
    """Every test runs on 2026-12-01 (batches of 2026-11-30 are not from the future)."""
    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def families(world):
    """Two 脱贫户 in 东冶村 and one 一般农户 in 西冶村, each of three (张建国, 李秀英, 張小明)."""
    return [
        factories.make_household(world.actor(), world.village, number="140922100001001"),
        factories.make_household(world.actor(), world.village, number="140922100001002"),
        factories.make_household(
            world.actor(world.sibling_cadre),
            world.sibling_village,
            number="140922100002001",
            household_type="ordinary",
            identified_on=None,
            exit_year=None,
            exited_on=None,
            main_cause="",
            poverty_attribute="",
            identification_standard="",
        ),
    ]


def head(household: Any) -> Any:
    return household.members.get(relation="head")
