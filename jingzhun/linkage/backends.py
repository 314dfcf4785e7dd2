"""The SQL engines a linkage runs on: DuckDB in this process (the default) or Spark.

Both run the same Splink model. One difference is papered over here: DuckDB's
``damerau_levenshtein`` counts bytes, so two Chinese names one character apart (张三/张山, three
UTF-8 bytes each) are three edits apart. On DuckDB, names are compared with ``char_edits``, a
function registered on the connection that counts characters; Spark's ``damerau_levenshtein``
(Splink's Scala UDF) already counts characters.
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import duckdb
from django.conf import settings
from duckdb.sqltypes import INTEGER, VARCHAR
from splink import DuckDBAPI

if TYPE_CHECKING:
    from splink.internals.database_api import DatabaseAPISubClass

Backend = Literal["duckdb", "spark"]
BACKENDS: tuple[Backend, ...] = ("duckdb", "spark")


@lru_cache(maxsize=262144)
def char_edits(left: str, right: str) -> int:
    """The optimal-string-alignment (restricted Damerau–Levenshtein) distance in characters:
    insertions, deletions, substitutions and transpositions of neighbours each count one."""
    rows = [list(range(len(right) + 1))]
    for i, a in enumerate(left, start=1):
        row = [i] + [0] * len(right)
        for j, b in enumerate(right, start=1):
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + (a != b))
            if i > 1 and j > 1 and a == right[j - 2] and left[i - 2] == b:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def edits_function(backend: Backend) -> str:
    """The SQL function counting character edits between two strings on ``backend``."""
    return "char_edits" if backend == "duckdb" else "damerau_levenshtein"


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
        connection.create_function("char_edits", char_edits, [VARCHAR, VARCHAR], INTEGER)
        return DuckDBAPI(connection)
    if backend == "spark":
        from splink import SparkAPI

        from jingzhun.analytics.spark import spark_session

        # Splink breaks the lineage of its intermediate tables by checkpointing by default,
        # which needs a checkpoint directory; caching them does the same for one run.
        return SparkAPI(spark_session=spark_session().newSession(), break_lineage_method="persist")
    raise ValueError(f"未知的计算后端“{backend}”：请使用 {' 或 '.join(BACKENDS)}。")
