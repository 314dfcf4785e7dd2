"""The columnar snapshot: the registry written as Parquet tables for the analytics backends.

``write_snapshot(year=Y, out=DIR)`` writes ``households``, ``members``, ``incomes``, ``risks``,
``conditions``, ``measures`` and ``areas`` (schema: :mod:`jingzhun.analytics.schema`,
docs/snapshot.md) plus ``manifest.json``. Rows stream from the database in chunks
(``.iterator(chunk_size=…)``, a server-side cursor on PostgreSQL) into a
``pyarrow.parquet.ParquetWriter``, so a million households never sit in memory at once.
Deleted households and removed members are left out. Files are written into a temporary
directory beside ``DIR`` and moved into place at the end, so a reader never sees half a
snapshot.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.db.models import Count, Max, QuerySet, Sum
from django.utils import timezone

from jingzhun.analytics.schema import SCHEMA_VERSION, TABLES, arrow_schema
from jingzhun.areas.models import Area, code_range
from jingzhun.audit.models import AuditEntry
from jingzhun.registry.models import Conditions, Household, Income, Measures, Member, RiskFactor

CHUNK_ROWS = 50_000


@dataclass(frozen=True)
class SnapshotInfo:
    directory: Path
    year: int
    area_code: str
    rows: dict[str, int]
    created_at: str
    history: bool = False
    content_key: str = ""

    @classmethod
    def read(cls, directory: Path) -> SnapshotInfo:
        manifest = json.loads((directory / "manifest.json").read_text("utf-8"))
        return cls(
            directory=directory,
            year=int(manifest["year"]),
            area_code=manifest["area_code"],
            rows=manifest["rows"],
            created_at=manifest["created_at"],
            history=bool(manifest.get("history", False)),
            content_key=str(manifest.get("content_key", "")),
        )


def content_key() -> str:
    """A fingerprint of the registry's content: it changes whenever a household, member or
    yearly record is added, changed or removed (every action bumps a version or writes an
    audit entry; the bulk paths insert rows). A snapshot whose manifest holds the current key
    is an exact copy and may be reused."""
    parts: list[Any] = []
    for model in (Household, Member, Income, Conditions, Measures, RiskFactor, AuditEntry):
        fields = {"n": Count("pk"), "top": Max("pk")}
        if any(f.name == "updated_at" for f in model._meta.concrete_fields):
            fields["at"] = Max("updated_at")
        if any(f.name == "version" for f in model._meta.concrete_fields):
            fields["v"] = Sum("version")
        parts.append(sorted(model.objects.aggregate(**fields).items()))
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def _querysets(year: int, prefix: str, history: bool) -> dict[str, QuerySet[Any]]:
    low, high = code_range(prefix)
    in_scope = {"household__village_code__gte": low, "household__village_code__lt": high}
    years = {"year__lte": year} if history else {"year": year}
    return {
        "households": Household.objects.filter(
            village_code__gte=low, village_code__lt=high, is_deleted=False
        ),
        "members": Member.objects.filter(is_deleted=False, household__is_deleted=False, **in_scope),
        "incomes": Income.objects.filter(household__is_deleted=False, **in_scope, **years),
        "risks": RiskFactor.objects.filter(household__is_deleted=False, **in_scope),
        "conditions": Conditions.objects.filter(household__is_deleted=False, **in_scope, **years),
        "measures": Measures.objects.filter(household__is_deleted=False, **in_scope, **years),
        "areas": Area.objects.filter(code__gte=low, code__lt=high),
    }


def _chunks(queryset: QuerySet[Any], table: str) -> Iterator[pa.RecordBatch]:
    columns = TABLES[table]
    schema = arrow_schema(table)
    rows = queryset.order_by("pk").values_list(*(c.orm for c in columns)).iterator(CHUNK_ROWS)
    buffer: list[tuple] = []
    for row in rows:
        buffer.append(row)
        if len(buffer) >= CHUNK_ROWS:
            yield _batch(buffer, columns, schema)
            buffer = []
    if buffer:
        yield _batch(buffer, columns, schema)


def _batch(rows: list[tuple], columns: list, schema: pa.Schema) -> pa.RecordBatch:
    arrays = [
        pa.array(values, type=col.type)
        for values, col in zip(zip(*rows, strict=True), columns, strict=True)
    ]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def write_snapshot(
    *, year: int, out: Path | None = None, area_code: str = "", history: bool = False
) -> SnapshotInfo:
    """Write the snapshot of ``area_code`` (all areas when empty) for ``year`` into ``out``
    (default ``settings.SNAPSHOT_DIR``). Incomes, conditions and measures are those of ``year``
    (all years up to ``year`` with ``history``). Returns what was written."""
    out = Path(out or settings.SNAPSHOT_DIR)
    out.mkdir(parents=True, exist_ok=True)
    prefix = _scope_prefix(area_code)
    key = content_key()  # before reading: a change during the write makes it stale, not wrong
    counts: dict[str, int] = {}
    staging = Path(tempfile.mkdtemp(prefix=".snapshot-", dir=out))
    try:
        for table, queryset in _querysets(year, prefix, history).items():
            counts[table] = 0
            with pq.ParquetWriter(staging / f"{table}.parquet", arrow_schema(table)) as writer:
                for batch in _chunks(queryset, table):
                    writer.write_batch(batch)
                    counts[table] += batch.num_rows
        created = timezone.now().isoformat()
        manifest = {
            "schema_version": SCHEMA_VERSION,
            "year": year,
            "area_code": area_code,
            "history": history,
            "content_key": key,
            "created_at": created,
            "rows": counts,
            "tables": {t: f"{t}.parquet" for t in TABLES},
        }
        (staging / "manifest.json").write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2), "utf-8"
        )
        for path in staging.iterdir():
            path.replace(out / path.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return SnapshotInfo(
        directory=out,
        year=year,
        area_code=area_code,
        rows=counts,
        created_at=created,
        history=history,
        content_key=key,
    )


def _scope_prefix(area_code: str) -> str:
    if not area_code:
        return ""
    area = Area.objects.get(code=area_code)
    return area.scope_prefix
