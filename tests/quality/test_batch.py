"""The batch run's own machinery: the cheap ID check-digit expression, the one-query frames on
DuckDB, and the compiled-SQL cache (the checks themselves: test_checks.py, test_agreement.py)."""

from __future__ import annotations

import datetime as dt
import re

import ibis
import pytest
import sqlglot
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlglot import exp

from jingzhun.analytics.backend import DuckDBBackend
from jingzhun.quality import batch
from jingzhun.quality.checks import CHECK_CHARS, ID18_RE, WEIGHTS, id_checksum_expr
from jingzhun.quality.context import CheckContext
from tests.quality.builders import (
    VILLAGE_COLUMNS,
    VillageParameters,
    member,
    person_id,
    tables,
    valid_household,
)


def _weighted_sum_mod11(number: str) -> int:
    """The entry-time reading of GB 11643: Σ digit·weight over the first 17 digits, mod 11;
    0 when the number is not 18 characters of the right shape."""
    if not re.match(ID18_RE, number):
        return 0
    return sum(int(d) * w for d, w in zip(number[:17], WEIGHTS, strict=True)) % 11


@given(st.lists(st.integers(min_value=0, max_value=9), min_size=8, max_size=9))
def test_remainder_weights_give_the_weighted_digit_sum_mod_11(digits: list[int]) -> None:
    weights = WEIGHTS[: len(digits)]
    number = int("".join(map(str, digits)))
    coefficients = batch._remainder_weights(weights)
    by_remainders = sum(a * (number % 10**j) for j, a in enumerate(coefficients, start=1))
    expected = sum(d * w for d, w in zip(digits, weights, strict=True))
    assert by_remainders % 11 == expected % 11


id_numbers = st.one_of(
    st.from_regex(r"\A[0-9]{17}[0-9X]\Z"),
    st.from_regex(r"\A[0-9X ]{0,20}\Z"),
    st.text(max_size=20),
    st.just(""),
)


@settings(max_examples=30, deadline=None)
@given(st.lists(id_numbers, min_size=1, max_size=40))
def test_the_check_digit_expression_agrees_with_the_entry_rule_and_the_old_expression(
    numbers: list[str],
) -> None:
    t = ibis.memtable({"id_number": numbers}, schema={"id_number": "string"})
    expr = t.select("id_number", new=batch.id_checksum_mod11(t.id_number), old=id_checksum_expr(t))
    rows = ibis.duckdb.connect().to_pyarrow(expr).to_pylist()
    for row in rows:
        expected = _weighted_sum_mod11(row["id_number"])
        assert (row["new"], row["old"]) == (expected, expected), row["id_number"]


def test_a_real_id_number_checks_out_through_the_expression() -> None:
    number = person_id(dt.date(1970, 3, 4), True)
    t = ibis.memtable({"id_number": [number]})
    (value,) = (
        ibis.duckdb.connect()
        .to_pyarrow(t.select(c=batch.id_checksum_mod11(t.id_number)))["c"]
        .to_pylist()
    )
    assert CHECK_CHARS[value] == number[17]


def _backend(bundles: list[dict]) -> DuckDBBackend:
    return DuckDBBackend(tables=tables(bundles))


def test_on_duckdb_the_frames_are_parts_of_one_query_not_temporary_tables() -> None:
    backend = _backend([valid_household(1), valid_household(2)])
    frames = batch.prepare_frames(backend, CheckContext(year=2024))
    sql = backend.compile(batch.findings_expr(frames, batch.runnable_checks()))
    # The member frame (with its regular expressions and check digit) is defined once and
    # read by name by every member check: no check repeats the patterns.
    tree = sqlglot.parse_one(sql, read="duckdb")
    (members,) = [cte for cte in tree.find_all(exp.CTE) if cte.alias == "q_members"]
    patterns = len(list(tree.find_all(exp.RegexpLike)))
    assert patterns > 0
    assert len(list(members.this.find_all(exp.RegexpLike))) == patterns
    uses = [t for t in tree.find_all(exp.Table) if t.name == "q_members"]
    assert len(uses) >= len([c for c in batch.runnable_checks() if c.level == "member"])
    temporary = backend.con.con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE temporary"
    ).fetchall()
    assert temporary == [("q_params",)]


def test_the_run_leaves_the_connection_ordered_as_by_default() -> None:
    backend = _backend([valid_household(1)])
    batch.run_checks(backend, CheckContext(year=2024))
    setting = backend.con.con.execute("SELECT current_setting('preserve_insertion_order')")
    assert setting.fetchone() == (True,)


def _child_labourer(hid: int, born: dt.date) -> dict:
    """A valid household whose son (born ``born``) is recorded as an ordinary labourer."""
    b = valid_household(hid)
    b["members"][2] = member(hid * 10 + 3, hid, "son", "M", born, labour_skill="ordinary")
    return b


def _keys(backend: DuckDBBackend, ctx: CheckContext) -> set[tuple]:
    found = batch.run_checks(backend, ctx).to_pylist()
    return {(r["check_code"], r["household_id"], r["member_id"]) for r in found}


def test_a_compiled_run_is_not_reused_for_another_year() -> None:
    # 15 on 2023-12-31 (below labour_age_min, 16), 16 on 2024-12-31.
    bundles = [_child_labourer(1, dt.date(2008, 6, 1))]
    child = ("Q-M-010", 1, 13)
    assert child not in _keys(_backend(bundles), CheckContext(year=2024))
    assert child in _keys(_backend(bundles), CheckContext(year=2023))
    assert child not in _keys(_backend(bundles), CheckContext(year=2024))


@pytest.mark.parametrize("extra_first", [True, False])
def test_contexts_with_other_parameter_columns_each_get_their_own_query(extra_first) -> None:
    bundles = [_child_labourer(1, dt.date(2012, 6, 1)), valid_household(2)]
    plain = CheckContext(year=2024)
    extra = VillageParameters(year=2024, village=dict.fromkeys(VILLAGE_COLUMNS))
    first, second = (extra, plain) if extra_first else (plain, extra)
    found = _keys(_backend(bundles), first)
    assert ("Q-M-010", 1, 13) in found
    assert _keys(_backend(bundles), second) == found
