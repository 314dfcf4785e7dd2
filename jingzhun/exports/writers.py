"""Writers: an :class:`~jingzhun.exports.layouts.ExportTable` to CSV, xlsx or Parquet.

All three read the table's row iterator once, in order, and keep only a bounded amount in
memory: CSV yields encoded chunks (for a ``StreamingHttpResponse`` or a file), xlsx uses
XlsxWriter's ``constant_memory`` mode (each row is flushed to a temp file as soon as the next
begins), Parquet writes record batches of ``PARQUET_BATCH`` rows.

Text cells (text, value-list labels, personal numbers) are neutralised against formula
injection in CSV and xlsx (:mod:`jingzhun.core.formulas`); numbers are written as numbers.

A table's lead sheets (a report's summary) are written before its main sheet in xlsx only: CSV
and Parquet hold one table each.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import xlsxwriter

from jingzhun.core.formulas import neutralise
from jingzhun.exports.layouts import TEXT_KINDS, Column, ExportTable, LeadSheet

Progress = Callable[[int], None]
CSV_FLUSH_BYTES = 64 * 1024
PARQUET_BATCH = 50_000
XLSX_MAX_ROWS = 1_048_576  # Excel's limit per sheet: more rows continue on a new sheet
YES, NO = "是", "否"
PROGRESS_EVERY = 10_000


def _noop(_rows: int) -> None:
    return None


def _csv_cell(kind: str, value: Any) -> Any:
    if value is None:
        return ""
    if kind in TEXT_KINDS:
        return neutralise(str(value))
    if kind == "bool":
        return YES if value else NO
    if kind == "date":
        return value.isoformat()
    return value  # numbers: str(Decimal) keeps the exact cents


def iter_csv(
    table: ExportTable, progress: Progress = _noop, on_done: Callable[[int], None] | None = None
) -> Iterator[bytes]:
    """The table as UTF-8 CSV (with a BOM so that Excel reads the Chinese), in chunks.

    ``on_done(rows)`` runs after the last row has been yielded (the export log's row count).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    width = len(table.columns)
    for title in table.title_rows:
        writer.writerow([neutralise(title)] + [""] * (width - 1))
    writer.writerow([neutralise(h) for h in table.headers])
    kinds = [col.kind for col in table.columns]
    count = 0
    for row in table.rows():
        writer.writerow([_csv_cell(k, v) for k, v in zip(kinds, row, strict=True)])
        count += 1
        if count % PROGRESS_EVERY == 0:
            progress(count)
        if buffer.tell() >= CSV_FLUSH_BYTES:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")
    progress(count)
    if on_done is not None:
        on_done(count)


def write_csv(table: ExportTable, path: Path, progress: Progress = _noop) -> int:
    rows = [0]
    with open(path, "wb") as out:
        for chunk in iter_csv(table, progress, on_done=lambda n: rows.__setitem__(0, n)):
            out.write(chunk)
    return rows[0]


def write_xlsx(table: ExportTable, path: Path, progress: Progress = _noop) -> int:
    """The table as an xlsx workbook; returns the number of data rows written."""
    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "tmpdir": str(path.parent),
        },
    )
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    money_format = workbook.add_format({"num_format": "0.00"})
    header_format = workbook.add_format({"bold": True, "bg_color": "#E8EEF4", "border": 1})
    title_format = workbook.add_format({"bold": True})

    def new_sheet(name: str, title_rows: list[str], columns: list[Column]) -> Any:
        sheet = workbook.add_worksheet(name)
        for i, title in enumerate(title_rows):
            sheet.write_string(i, 0, neutralise(title), title_format)
        top = len(title_rows) + 1
        for j, col in enumerate(columns):
            sheet.write_string(top - 1, j, neutralise(col.header), header_format)
        sheet.freeze_panes(top, 0)
        sheet.set_column(0, len(columns) - 1, 14)
        return sheet

    def write_row(sheet: Any, r: int, kinds: list[str], row: tuple[Any, ...]) -> None:
        for j, (kind, value) in enumerate(zip(kinds, row, strict=True)):
            if value is None:
                continue
            if kind in TEXT_KINDS:
                sheet.write_string(r, j, neutralise(str(value)))
            elif kind == "bool":
                sheet.write_string(r, j, YES if value else NO)
            elif kind == "date":
                sheet.write_datetime(r, j, dt.datetime.combine(value, dt.time()), date_format)
            elif kind in ("money", "decimal"):
                sheet.write_number(r, j, float(value), money_format)
            else:
                sheet.write_number(r, j, value)

    for lead in table.lead_sheets:
        _write_lead_sheet(lead, new_sheet, write_row)
    kinds = [col.kind for col in table.columns]
    top = len(table.title_rows) + 1  # rows above the data on each sheet

    def main_sheet(number: int) -> Any:
        name = table.sheet if number == 1 else f"{table.sheet[:26]}({number})"
        return new_sheet(name, table.title_rows, table.columns)

    sheet_number = 1
    sheet = main_sheet(sheet_number)
    r = top
    count = 0
    for row in table.rows():
        if r >= XLSX_MAX_ROWS:
            sheet_number += 1
            sheet = main_sheet(sheet_number)
            r = top
        write_row(sheet, r, kinds, row)
        r += 1
        count += 1
        if count % PROGRESS_EVERY == 0:
            progress(count)
    workbook.close()
    progress(count)
    return count


def _write_lead_sheet(
    lead: LeadSheet,
    new_sheet: Callable[[str, list[str], list[Column]], Any],
    write_row: Callable[[Any, int, list[str], tuple[Any, ...]], None],
) -> None:
    """A summary sheet (small by construction: one row per check or per village)."""
    sheet = new_sheet(lead.name, lead.title_rows, lead.columns)
    kinds = [col.kind for col in lead.columns]
    for r, row in enumerate(lead.rows, start=len(lead.title_rows) + 1):
        write_row(sheet, r, kinds, row)


_ARROW_TYPES = {
    "bool": pa.bool_(),
    "date": pa.date32(),
    "money": pa.decimal128(14, 2),
    "decimal": pa.decimal128(14, 2),
    "int": pa.int32(),
}


def parquet_schema(table: ExportTable) -> pa.Schema:
    fields = [
        pa.field(col.header, _ARROW_TYPES.get(col.kind, pa.string())) for col in table.columns
    ]
    metadata = {
        "jingzhun.layout": table.layout,
        "jingzhun.what": table.what,
        "jingzhun.masked": "true" if table.masked else "false",
        "jingzhun.title_rows": "\n".join(table.title_rows),
        **table.metadata,
    }
    return pa.schema(fields, metadata=metadata)


def _decimal(value: Any) -> Any:
    return value if value is None or isinstance(value, Decimal) else Decimal(value)


def write_parquet(table: ExportTable, path: Path, progress: Progress = _noop) -> int:
    """The table as Parquet, written in record batches of ``PARQUET_BATCH`` rows."""
    schema = parquet_schema(table)
    width = len(table.columns)
    decimals = [i for i, col in enumerate(table.columns) if col.kind in ("money", "decimal")]
    count = 0
    with pq.ParquetWriter(str(path), schema, compression="zstd") as writer:
        batch: list[tuple[Any, ...]] = []

        def flush() -> None:
            columns = (
                [list(col) for col in zip(*batch, strict=True)]
                if batch
                else [[] for _ in range(width)]
            )
            for i in decimals:
                columns[i] = [_decimal(v) for v in columns[i]]
            writer.write_batch(pa.record_batch(columns, schema=schema))
            batch.clear()

        for row in table.rows():
            batch.append(row)
            count += 1
            if len(batch) >= PARQUET_BATCH:
                flush()
                progress(count)
        if batch or count == 0:
            flush()
    progress(count)
    return count


WRITERS: dict[str, Callable[[ExportTable, Path, Progress], int]] = {
    "csv": write_csv,
    "xlsx": write_xlsx,
    "parquet": write_parquet,
}
EXTENSIONS = {"csv": "csv", "xlsx": "xlsx", "parquet": "parquet"}
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "parquet": "application/vnd.apache.parquet",
}
