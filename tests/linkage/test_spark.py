"""The Spark backend links the labelled village exactly as DuckDB does: same pairs, same
levels, the same probabilities (to float precision)."""

from __future__ import annotations

import pandas as pd
import pytest

from jingzhun.linkage.linker import link
from tests.linkage.data import MAPPING, TRUE_PAIRS, department, registry

pytestmark = [pytest.mark.spark, pytest.mark.slow]


def test_spark_links_as_duckdb_does(spark: object) -> None:
    on_spark = link(registry(), department(), MAPPING, backend="spark")
    on_duckdb = link(registry(), department(), MAPPING, backend="duckdb")
    assert set(zip(on_spark.left_id, on_spark.right_id, strict=True)) == TRUE_PAIRS
    levels = [c for c in on_duckdb.columns if c.endswith("_level")]
    pd.testing.assert_frame_equal(on_spark[levels], on_duckdb[levels])
    pd.testing.assert_series_equal(
        on_spark.match_probability, on_duckdb.match_probability, rtol=1e-9
    )
