"""Village checks (Q-V-…): evaluated over every household of a village, at entry (from the
village's plain dicts) and in batch, with the same findings; each finding belongs to the village."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from jingzhun.analytics.backend import DuckDBBackend
from jingzhun.quality.batch import prepare_frames
from jingzhun.quality.checks import CATALOGUE, village_findings_expr
from jingzhun.quality.entry import findings_for_data, village_findings_for_data
from tests.quality.builders import (
    VILLAGE,
    YEAR,
    VillageParameters,
    batch_keys,
    entry_keys,
    income,
    tables,
    valid_household,
)

OTHER_VILLAGE = "140922100002"
# Three households with the same per-capita income make a group; 20% missing incomes is too many.
CTX = VillageParameters(
    year=YEAR, village={"p_same_income_min": 3, "p_missing_income_pct": Decimal("20")}
)


def _village(first: int, n: int, village: str = VILLAGE) -> list[dict[str, Any]]:
    """``n`` valid households of one village; each with its own per-capita income."""
    bundles = []
    for k in range(n):
        b = valid_household(hid=first + k, village=village)
        b["incomes"] = [income(first + k, 3, wage=18000 + 300 * k)]
        bundles.append(b)
    return bundles


def _same_income(bundles: list[dict[str, Any]], wage: int = 20000) -> None:
    for b in bundles:
        b["incomes"] = [income(b["household"]["id"], 3, wage=wage)]


def _both(bundles: list[dict[str, Any]], ctx: VillageParameters = CTX) -> set:
    entry, batch = entry_keys(bundles, ctx), batch_keys(bundles, ctx)
    assert entry == batch
    return {k for k in entry if k[0].startswith("Q-V-")}


def test_a_village_where_three_households_share_one_income_is_reported() -> None:
    bundles = _village(1, 6)
    _same_income(bundles[:3])
    assert _both(bundles) == {("Q-V-001", VILLAGE, None)}


def test_two_households_sharing_an_income_are_below_the_parameter() -> None:
    bundles = _village(1, 6)
    _same_income(bundles[:2])
    assert _both(bundles) == set()


def test_the_same_income_in_two_villages_is_no_copy() -> None:
    bundles = _village(1, 2) + _village(11, 2, OTHER_VILLAGE)
    _same_income(bundles)
    assert _both(bundles) == set()


def test_a_village_missing_a_third_of_its_incomes_is_reported() -> None:
    bundles = _village(1, 3)
    bundles[0]["incomes"] = []
    found = _both(bundles)
    assert found == {("Q-V-002", VILLAGE, None)}


def test_ordinary_households_without_income_do_not_count() -> None:
    # 一般农户 need no yearly income: three of them without one leave the share at 0 of 3.
    bundles = _village(1, 6)
    for b in bundles[3:]:
        b["household"]["household_type"] = "ordinary"
        b["incomes"] = []
    assert _both(bundles) == set()


def test_the_share_is_compared_with_the_parameter_exactly() -> None:
    # One of five missing is exactly 20%: not above the parameter.
    bundles = _village(1, 5)
    bundles[0]["incomes"] = []
    assert _both(bundles) == set()
    bundles[1]["incomes"] = []
    assert _both(bundles) == {("Q-V-002", VILLAGE, None)}


def test_without_a_parameter_in_force_the_village_checks_find_nothing() -> None:
    bundles = _village(1, 4)
    _same_income(bundles)
    bundles[3]["incomes"] = []
    unset = VillageParameters(
        year=YEAR, village={"p_same_income_min": None, "p_missing_income_pct": None}
    )
    assert _both(bundles, unset) == set()


def test_village_findings_carry_the_village_and_no_household() -> None:
    bundles = _village(1, 3)
    _same_income(bundles)
    [finding] = village_findings_for_data(bundles, ctx=CTX)
    assert (finding.code, finding.level, finding.village_code) == ("Q-V-001", "village", VILLAGE)
    assert finding.household_id is None and finding.member_id is None
    assert "3户" in finding.message
    backend = DuckDBBackend(tables=tables(bundles))
    expr = village_findings_expr(prepare_frames(backend, CTX))
    assert expr is not None
    [row] = backend.execute(expr).to_pylist()
    assert row == {
        "check_code": "Q-V-001",
        "household_id": None,
        "member_id": None,
        "village_code": VILLAGE,
        "details": "1组共3户收入相同",
    }


def test_a_household_s_own_warnings_never_include_village_checks() -> None:
    bundles = _village(1, 3)
    _same_income(bundles)
    codes = {f.code for b in bundles for f in findings_for_data(**b, ctx=CTX)}
    assert not any(code.startswith("Q-V-") for code in codes)


@pytest.mark.parametrize("code", ["Q-V-001", "Q-V-002"])
def test_village_checks_name_their_policy_parameter(code: str) -> None:
    check = CATALOGUE[code]
    assert check.per_village and check.parameters
    assert all(name in check.rationale for name in check.parameters)


# --- with the village parameters registered in the policy files and the context --------------


def test_the_policy_files_give_the_village_checks_their_defaults() -> None:
    from jingzhun.quality.context import CheckContext

    params = CheckContext(year=YEAR).params_for("140922")
    assert (params["p_same_income_min"], params["p_missing_income_pct"]) == (5, Decimal("20"))


def test_a_batch_run_returns_village_findings_without_a_household() -> None:
    from jingzhun.quality.batch import run_checks
    from jingzhun.quality.context import CheckContext

    bundles = _village(1, 5)
    _same_income(bundles)
    found = run_checks(DuckDBBackend(tables=tables(bundles)), CheckContext(year=YEAR))
    rows = [r for r in found.to_pylist() if r["check_code"].startswith("Q-V-")]
    assert rows == [
        {
            "check_code": "Q-V-001",
            "household_id": None,
            "member_id": None,
            "village_code": VILLAGE,
            "details": "1组共5户收入相同",
        }
    ]
