"""The Spark rule of tests/analytics/conftest.py for the MPI tests too: tests marked ``spark``
are skipped (with the reason) without pyspark or Java, except under CI=true."""

from __future__ import annotations

import pytest

from tests.analytics.conftest import spark, spark_skip_reason

__all__ = ["spark"]


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("spark") is not None:
        reason = spark_skip_reason()
        if reason:
            pytest.skip(reason)
