"""One SparkSession for the whole test session (its JVM takes seconds to start), and the rule
for tests marked ``spark``: skipped with the reason when ``JINGZHUN_SKIP_SPARK=1`` or when
pyspark or Java is missing — except under ``CI=true``, where they must run and fail instead."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from jingzhun.analytics.spark import spark_session, spark_unavailable, stop_spark_session

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

# The test data are a few hundred rows: one partition per shuffle, no broadcast jobs and no
# code generation (whole-stage or per expression) make a run several times faster (measured on
# the checks' union: each query plan is large, each stage tiny).
SPARK_TEST_CONF = {
    "spark.driver.memory": "1g",
    "spark.sql.shuffle.partitions": "1",
    "spark.default.parallelism": "2",
    "spark.sql.autoBroadcastJoinThreshold": "-1",
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",
}


def spark_skip_reason() -> str | None:
    """Why the Spark tests are skipped here, or None when they run. Under CI=true nothing is
    skipped: a missing pyspark or Java fails the tests."""
    if os.environ.get("CI") == "true":
        return None
    if os.environ.get("JINGZHUN_SKIP_SPARK") == "1":
        return "Spark tests skipped: JINGZHUN_SKIP_SPARK=1 (they run in CI)"
    reason = spark_unavailable()
    if reason:
        return f"Spark tests skipped: {reason} (they run in CI)"
    return None


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("spark") is not None:
        reason = spark_skip_reason()
        if reason:
            pytest.skip(reason)


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkSession]:
    """The process's SparkSession (pytest-xdist: one per worker), stopped at the end."""
    reason = spark_unavailable()
    if reason:
        pytest.fail(f"Spark is required here (CI=true or a test marked spark): {reason}")
    yield spark_session(SPARK_TEST_CONF)
    stop_spark_session()
