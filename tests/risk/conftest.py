"""A small registry history for the ranking: households in three villages with incomes
2021–2024, some of which fall below the monitoring line (6000 yuan, the national default) one
year after a first drop of their wages."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from jingzhun.analytics.backend import Backend, open_backend
from jingzhun.registry import actions
from jingzhun.registry.models import Household, Income
from tests import factories

YEARS = (2021, 2022, 2023, 2024)


def set_incomes(world, household: Household, wages: dict[int, int]) -> None:
    for year, wage in wages.items():
        existing = Income.objects.filter(household=household, year=year).first()
        actions.do_set_income(
            household,
            actor=world.actor(world.admin),
            year=year,
            expected_version=existing.version if existing else None,
            values={
                "wage": Decimal(wage),
                "business": Decimal("6000"),
                "pension_benefit": Decimal("1800"),
                "business_expense": Decimal("1500"),
            },
        )


def wages_falling_in(year: int | None) -> dict[int, int]:
    """30,000 a year; with a fall year: 20,000 the year before (the precursor), then 6,000."""
    wages = {}
    for y in YEARS:
        if year is not None and y == year - 1:
            wages[y] = 20000
        elif year is not None and y >= year:
            wages[y] = 6000
        else:
            wages[y] = 30000
    return wages


@dataclass
class History:
    households: dict[str, Household]
    falls: dict[str, int | None]


@pytest.fixture
def history(world) -> History:
    plan = [
        ("a", world.village, 2022),
        ("b", world.village, 2023),
        ("c", world.village, 2024),
        ("d", world.village, None),
        ("e", world.sibling_village, 2022),
        ("f", world.sibling_village, 2023),
        ("g", world.sibling_village, None),
        ("h", world.far_village, 2024),
        ("i", world.far_village, None),
        ("j", world.far_village, None),
    ]
    households = {}
    falls = {}
    for n, (key, village, fall) in enumerate(plan, start=1):
        household = factories.make_household(
            world.actor(world.admin), village, number=f"{village.code}{n:04d}"
        )
        set_incomes(world, household, wages_falling_in(fall))
        households[key] = household
        falls[key] = fall
    return History(households, falls)


@pytest.fixture
def snapshot_dir(settings, tmp_path):
    settings.SNAPSHOT_DIR = str(tmp_path / "snapshot")
    return tmp_path


def history_backend(year: int = 2024) -> Backend:
    return open_backend("duckdb", year=year, history=True)
