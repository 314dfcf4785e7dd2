"""The SQL engines a linkage runs on: DuckDB in this process (the default) or Spark.

Both run the same Splink model. One difference is papered over here: DuckDB's
``damerau_levenshtein`` counts bytes, so two Chinese names one character apart (张三/张山, three
UTF-8 bytes each) are three edits apart. On DuckDB, "at most one character edit apart" is
written in DuckDB's own SQL over characters (:data:`DUCKDB_ONE_EDIT`: substrings and a list
lambda, evaluated in DuckDB's vectorised engine, no Python per pair); Spark's
``damerau_levenshtein`` (Splink's Scala UDF) already counts characters.
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import duckdb
from django.conf import settings
from splink import DuckDBAPI

if TYPE_CHECKING:
    from splink.internals.database_api import DatabaseAPISubClass

Backend = Literal["duckdb", "spark"]
BACKENDS: tuple[Backend, ...] = ("duckdb", "spark")


# At most one edit in characters (the optimal-string-alignment distance ≤ 1: one character
# inserted, deleted, replaced, or two neighbours swapped), over ``{l}`` and ``{r}``. DuckDB's
# length() and substring() count characters. Equal lengths: deleting the same position from both
# leaves equal strings (one replaced), or swapping neighbours k, k+1 of the left gives the right;
# lengths one apart: deleting one position of the longer gives the shorter.
DUCKDB_ONE_EDIT = """(CASE
 WHEN {l} = {r} THEN TRUE
 WHEN length({l}) = length({r}) THEN list_bool_or(list_transform(range(1, length({l}) + 1),
   k -> substring({l}, 1, k - 1) || substring({l}, k + 1)
        = substring({r}, 1, k - 1) || substring({r}, k + 1)
     OR (k < length({l}) AND substring({l}, 1, k - 1) || substring({l}, k + 1, 1)
         || substring({l}, k, 1) || substring({l}, k + 2) = {r})))
 WHEN length({l}) = length({r}) + 1 THEN list_bool_or(list_transform(range(1, length({l}) + 1),
   k -> substring({l}, 1, k - 1) || substring({l}, k + 1) = {r}))
 WHEN length({r}) = length({l}) + 1 THEN list_bool_or(list_transform(range(1, length({r}) + 1),
   k -> substring({r}, 1, k - 1) || substring({r}, k + 1) = {l}))
 ELSE FALSE END)"""


def one_edit_sql(backend: Backend) -> str:
    """SQL over ``{l}`` and ``{r}`` (to be formatted with the two columns) that is true when
    the strings are at most one character edit apart, on ``backend``."""
    return DUCKDB_ONE_EDIT if backend == "duckdb" else "damerau_levenshtein({l}, {r}) <= 1"


def database(backend: Backend) -> DatabaseAPISubClass:
    """A fresh Splink database API on ``backend``: a new in-memory DuckDB connection, or a child
    session of the process's SparkSession (its temporary tables apart from other runs')."""
    if backend == "duckdb":
        # A database file in a temporary folder, with a memory limit: Splink's pairs of a
        # million records do not fit in memory (an in-memory database took 22 GB), and DuckDB
        # spills what exceeds the limit to the folder. The folder goes with the connection.
        folder = tempfile.mkdtemp(prefix="jingzhun-link-")
        connection = duckdb.connect(
            str(Path(folder) / "link.duckdb"),
            config={
                "memory_limit": getattr(settings, "JINGZHUN_LINK_MEMORY", "4GB"),
                "temp_directory": folder,
                "preserve_insertion_order": False,
            },
        )
        weakref.finalize(connection, shutil.rmtree, folder, ignore_errors=True)
        return DuckDBAPI(connection)
    if backend == "spark":
        from splink import SparkAPI

        from jingzhun.analytics.spark import spark_session

        # Splink breaks the lineage of its intermediate tables by checkpointing by default,
        # which needs a checkpoint directory; caching them does the same for one run.
        return SparkAPI(spark_session=spark_session().newSession(), break_lineage_method="persist")
    raise ValueError(f"未知的计算后端“{backend}”：请使用 {' 或 '.join(BACKENDS)}。")
