"""Apache Spark as the third analytics backend, for national scale.

:class:`SparkBackend` is the :class:`~jingzhun.analytics.backend.Backend` of
:mod:`jingzhun.analytics.backend` over a Parquet snapshot directory, run by Spark through Ibis
(``ibis.pyspark``), exactly like :class:`~jingzhun.analytics.backend.DuckDBBackend`: the
analytics (the quality checks, the policy engine) do not change.

Where it runs: ``local[2]`` (this process, two threads) unless a master is configured:
``JINGZHUN_SPARK_MASTER`` (environment) or ``settings.SPARK_MASTER`` — e.g.
``spark://host:7077`` or ``yarn``. On a cluster the snapshot directory must be readable by the
executors at the same path (a shared file system or an ``hdfs://`` / ``s3a://`` URI). Spark and
Java are optional: nothing imports this module unless the ``spark`` backend is asked for, and
:func:`spark_unavailable` says why it cannot run here.

One ``SparkSession`` is started per process (its JVM takes seconds to start) and every
:class:`SparkBackend` works in its own child session (``newSession()``), so the temporary views
of two backends (two snapshots, two runs) never collide.

Results come back as Arrow (``DataFrame.toArrow()``, Spark 4) cast to the expression's Ibis
schema, so the three backends return the same types.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import tempfile
import threading
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ibis.expr.types as ir
import pyarrow as pa
from django.conf import settings

from jingzhun.analytics.backend import _IbisBackend
from jingzhun.analytics.schema import TABLE_NAMES, arrow_schema

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

MASTER_ENV = "JINGZHUN_SPARK_MASTER"
DRIVER_MEMORY_ENV = "JINGZHUN_SPARK_DRIVER_MEMORY"
LOCAL_MASTER = "local[2]"

# Every session we start. Results come back through Arrow with the ordinary string type, as
# DuckDB's do; times are UTC (the snapshot has dates only, but Ibis assumes it).
_BASE_CONF = {
    "spark.app.name": "jingzhun",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.execution.arrow.useLargeVarTypes": "false",
}
# Local mode: the data of one machine is small enough that Spark's default of 200 shuffle
# partitions only adds scheduling; the driver is the only executor, so it gets the memory.
# A cluster keeps its own defaults (spark-defaults.conf of the cluster).
_LOCAL_CONF = {
    "spark.sql.shuffle.partitions": "8",
    "spark.default.parallelism": "4",
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
}
# Spark logs INFO and WARN lines by the dozen from its JVM; errors are enough for a batch run.
_LOG4J2 = """\
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = stderr
appender.stderr.type = Console
appender.stderr.name = stderr
appender.stderr.target = SYSTEM_ERR
appender.stderr.layout.type = PatternLayout
appender.stderr.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n%ex
"""

_lock = threading.Lock()
_session: SparkSession | None = None


def spark_master() -> str:
    """The master URL: ``JINGZHUN_SPARK_MASTER``, else ``settings.SPARK_MASTER``, else local."""
    return (
        os.environ.get(MASTER_ENV, "").strip()
        or str(getattr(settings, "SPARK_MASTER", "") or "").strip()
        or LOCAL_MASTER
    )


def spark_unavailable() -> str | None:
    """Why Spark cannot run in this process (pyspark or Java missing), or ``None`` if it can."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "未安装 pyspark（pip install -r requirements.txt）"
    java_home = os.environ.get("JAVA_HOME", "")
    if not (java_home and (Path(java_home) / "bin" / "java").exists()) and not shutil.which("java"):
        return "找不到 Java（Spark 需要 Java 17：请安装 JDK 或设置 JAVA_HOME）"
    return None


def spark_session(conf: dict[str, str] | None = None) -> SparkSession:
    """The process's SparkSession, started on first use on :func:`spark_master`.

    ``conf`` adds to (or overrides) our settings when this call starts the session; later calls
    return the running session unchanged. Raises ``RuntimeError`` (with the reason) if pyspark
    or Java is missing."""
    global _session
    with _lock:
        if _session is not None:
            return _session
        reason = spark_unavailable()
        if reason:
            raise RuntimeError(f"无法启动 Spark：{reason}。")
        from pyspark.sql import SparkSession

        master = spark_master()
        conf_ = dict(_BASE_CONF)
        if master.startswith("local"):
            conf_.update(_LOCAL_CONF)
            conf_["spark.driver.memory"] = os.environ.get(DRIVER_MEMORY_ENV, "2g")
        conf_["spark.driver.extraJavaOptions"] = f"-Dlog4j2.configurationFile=file:{_log4j2_file()}"
        # Splink's string-similarity UDFs (record linkage, jingzhun.linkage): a jar it ships,
        # which must be on the classpath when the session starts.
        from splink.backends.spark import similarity_jar_location

        conf_["spark.jars"] = similarity_jar_location()
        conf_.update(conf or {})
        builder = SparkSession.builder.master(master)
        for key, value in conf_.items():
            builder = builder.config(key, value)
        # py4j logs every connection it closes at INFO, through Python's logging.
        logging.getLogger("py4j").setLevel(logging.WARNING)
        _session = builder.getOrCreate()
        _session.sparkContext.setLogLevel("ERROR")
        return _session


def stop_spark_session() -> None:
    """Stop the process's SparkSession (and its Spark context), if one was started."""
    global _session
    with _lock:
        if _session is not None:
            _session.stop()
            _session = None


def _log4j2_file() -> Path:
    path = Path(tempfile.gettempdir()) / "jingzhun-spark-log4j2.properties"
    if not path.exists() or path.read_text("utf-8") != _LOG4J2:
        path.write_text(_LOG4J2, "utf-8")
    return path


class SparkBackend(_IbisBackend):
    """Spark over a snapshot directory (``households.parquet`` …) or Arrow tables.

    ``session`` is the parent SparkSession (default :func:`spark_session`); the backend works in
    a child session of it, with the SQL settings ``conf`` on top (e.g. fewer shuffle partitions
    for small data). Raises ``FileNotFoundError`` for a local snapshot without one of the
    tables, like the DuckDB backend."""

    name = "spark"

    def __init__(
        self,
        directory: Path | str | None = None,
        *,
        tables: dict[str, pa.Table] | None = None,
        session: SparkSession | None = None,
        conf: dict[str, str] | None = None,
    ) -> None:
        self.session = (session or spark_session()).newSession()
        for key, value in (conf or {}).items():
            self.session.conf.set(key, value)
        super().__init__(_ibis_backend_class()().connect(self.session))
        # Cached intermediates live in the Spark context all sessions share: released by
        # close(), or when this backend is garbage-collected at the latest.
        self._cached: dict[str, DataFrame] = {}
        self._release = weakref.finalize(self, _unpersist, self._cached)
        if tables is not None:
            for name in TABLE_NAMES:
                data = tables.get(name)
                data = data if data is not None else arrow_schema(name).empty_table()
                df = self.session.createDataFrame(data.cast(arrow_schema(name)))
                df.createOrReplaceTempView(name)
                self._tables[name] = self.con.table(name)
            return
        directory = str(directory or settings.SNAPSHOT_DIR)
        is_local = "://" not in directory
        for name in TABLE_NAMES:
            path = f"{directory.rstrip('/')}/{name}.parquet"
            if is_local and not Path(path).exists():
                raise FileNotFoundError(
                    f"快照目录 {directory} 中缺少 {name}.parquet：请先生成快照。"
                )
            self._tables[name] = self.con.read_parquet(path, table_name=name)

    def execute(self, expr: ir.Table) -> pa.Table:
        self._register_memtables(expr)
        result = self.run_sql(self.compile(expr))
        return result.cast(expr.schema().to_pyarrow())

    def materialize(self, name: str, expr: ir.Table) -> ir.Table:
        # A cached DataFrame behind a temporary view, computed here (count) so that the queries
        # reading it many times find it computed; the previous one of the name is released.
        self._register_memtables(expr)
        df = self.session.sql(self.compile(expr)).cache()
        df.count()
        df.createOrReplaceTempView(name)
        old = self._cached.pop(name, None)
        if old is not None:
            old.unpersist()
        self._cached[name] = df
        return self.con.table(name)

    def run_sql(self, query: str) -> pa.Table:
        return self.session.sql(query).toArrow()

    def close(self) -> None:
        """Release the cached intermediates now (the backend is not used afterwards)."""
        self._release()

    def _register_memtables(self, expr: ir.Table) -> None:
        # Literal tables (the per-county parameters) become temporary views of this session;
        # Ibis registers them itself only in its own execute paths, not for compiled SQL.
        self.con._run_pre_execute_hooks(expr)


def _unpersist(cached: dict[str, DataFrame]) -> None:
    for df in cached.values():
        df.unpersist()
    cached.clear()


@functools.cache
def _ibis_backend_class() -> type:
    # Imported here: pyspark is needed only when a Spark backend is built.
    import ibis
    from ibis.backends.pyspark import Backend
    from ibis.backends.pyspark.datatypes import PySparkSchema

    class ArrowPySpark(Backend):
        """Ibis' PySpark backend, handing literal tables (``ibis.memtable``) to Spark as Arrow:
        its own path converts them through pandas and fails on a null decimal."""

        def _register_in_memory_table(self, op: Any) -> None:
            data = op.data.to_pyarrow(op.schema)
            schema = PySparkSchema.from_ibis(op.schema)
            self._session.createDataFrame(data, schema=schema).createOrReplaceTempView(op.name)

    # Ibis registers a backend's options (``ibis.options.pyspark``) when the backend is reached
    # through ``ibis.pyspark``; built directly, the compiler would fail on a float literal.
    if getattr(ibis.options, "pyspark", None) is None:
        ArrowPySpark.register_options()
    return ArrowPySpark
