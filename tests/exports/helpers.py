"""Reading exports back, and running them for a persona."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import openpyxl
import pyarrow.parquet as pq

from jingzhun.core.actions import Actor
from jingzhun.exports.layouts import ExportSpec
from jingzhun.exports.models import ExportLog
from jingzhun.exports.service import export_to_file
from jingzhun.registry.queries import HouseholdFilters


def run_export(
    user: Any,
    tmp_path: Path,
    *,
    what: str = "members",
    fmt: str = "csv",
    layout: str = "project",
    **filters: Any,
) -> tuple[list[list[Any]], ExportLog]:
    """Export as ``user`` and read the file back as rows (title rows and header included)."""
    path = tmp_path / f"out-{what}-{layout}.{fmt}"
    spec = ExportSpec(what=what, format=fmt, layout=layout, filters=HouseholdFilters(**filters))
    log = export_to_file(spec, actor=Actor(user=user, source="form"), path=path)
    return read_rows(path, fmt), log


def read_rows(path: Path, fmt: str) -> list[list[Any]]:
    if fmt == "csv":
        return read_csv(path.read_bytes())
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    table = pq.read_table(path)
    return [table.column_names] + [list(r.values()) for r in table.to_pylist()]


def read_sheet(path: Path, name: str) -> list[list[Any]]:
    """One named sheet of an xlsx file, as rows."""
    sheet = openpyxl.load_workbook(path, read_only=True)[name]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def read_csv(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8")
    assert text.startswith("\ufeff"), "CSV starts with a BOM so that Excel reads the Chinese"
    return list(csv.reader(io.StringIO(text[1:])))


def header_and_body(rows: list[list[Any]], layout: str, fmt: str) -> tuple[list[Any], list[Any]]:
    """The header row and the data rows (the national layout has two title rows, except in
    Parquet, which has no rows above its column names)."""
    skip = 2 if layout == "national" and fmt != "parquet" else 0
    return rows[skip], rows[skip + 1 :]


def column(rows: list[list[Any]], layout: str, fmt: str, name: str) -> list[Any]:
    header, body = header_and_body(rows, layout, fmt)
    i = header.index(name)
    return [row[i] for row in body]
