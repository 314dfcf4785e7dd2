"""Import files for fuzzing: valid ones of every format with random cells (national header,
shuffled, at a random row), and the ways a file arrives broken."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import xlsxwriter
from hypothesis import strategies as st

from tests.fuzz.strategies import numbers_and_dates, words
from tests.imports.builders import HEADER

SHEET = "xl/worksheets/sheet1.xml"


@st.composite
def headers(draw: st.DrawFn) -> list[str]:
    """The national header (shuffled, some titles dropped, repeated or replaced by junk)."""
    header = draw(st.permutations(HEADER))
    keep = draw(st.lists(st.booleans(), min_size=len(header), max_size=len(header)))
    header = [title for title, kept in zip(header, keep, strict=True) if kept or title in {
        "户编号", "证件号码"} or draw(st.booleans())]  # fmt: skip
    extra = draw(
        st.lists(st.one_of(words, st.text(max_size=8), st.sampled_from(HEADER)), max_size=3)
    )
    for title in extra:
        header.insert(draw(st.integers(0, len(header))), title)
    return header


@st.composite
def sheets(draw: st.DrawFn, max_rows: int) -> tuple[int, list[str], list[list[Any]]]:
    """(rows above the header, the header, the data rows) with random cells."""
    header = draw(headers())
    rows = draw(
        st.lists(
            st.lists(numbers_and_dates(), min_size=0, max_size=len(header) + 2),
            max_size=max_rows,
        )
    )
    return draw(st.integers(0, 12)), header, rows


def xlsx_bytes(above: int, header: list[str], rows: list[list[Any]]) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(
        out, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False}
    )
    book.set_properties({"created": dt.datetime(2024, 3, 1)})  # the same bytes every time
    sheet = book.add_worksheet("（自定义）监测对象信息")
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    for r in range(above):
        sheet.write_string(r, 0, "防止返贫监测信息系统")
    sheet.write_row(above, 0, header)
    for r, row in enumerate(rows, start=above + 1):
        for c, value in enumerate(row):
            if isinstance(value, str):
                sheet.write_string(r, c, value[:32767])
            elif isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date)
            elif value is not None:
                sheet.write(r, c, value)
    book.close()
    return out.getvalue()


def csv_bytes(above: int, header: list[str], rows: list[list[Any]], encoding: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for _ in range(above):
        writer.writerow(["防止返贫监测信息系统"])
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else str(v) for v in row])
    return out.getvalue().encode(encoding, errors="replace")


PARQUET_TYPES = {
    "string": (pa.string(), numbers_and_dates().map(lambda v: None if v is None else str(v))),
    "int64": (pa.int64(), st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1))),
    "float64": (pa.float64(), st.one_of(st.none(), st.floats())),
    "bool": (pa.bool_(), st.one_of(st.none(), st.booleans())),
    "date32": (pa.date32(), st.one_of(st.none(), st.dates())),
    "decimal": (
        pa.decimal128(38, 6),
        st.one_of(
            st.none(),
            st.decimals(min_value=-(10**31), max_value=10**31, places=6, allow_nan=False),
        ),
    ),
    "timestamp": (pa.timestamp("us"), st.one_of(st.none(), st.datetimes())),
}


@st.composite
def parquet_bytes(draw: st.DrawFn, max_rows: int) -> bytes:
    header = list(dict.fromkeys(draw(headers())))  # Parquet column names are unique
    size = draw(st.integers(0, max_rows))
    columns = {}
    for title in header:
        kind, values = PARQUET_TYPES[draw(st.sampled_from(sorted(PARQUET_TYPES)))]
        column = draw(st.lists(values, min_size=size, max_size=size))
        if kind == pa.decimal128(38, 6):
            column = [None if v is None else Decimal(v) for v in column]
        columns[title] = pa.array(column, type=kind)
    out = io.BytesIO()
    pq.write_table(pa.table(columns), out)
    return out.getvalue()


def rewrite_part(data: bytes, part: str, change: Any) -> bytes:
    """``data`` (an xlsx) with its part ``part`` replaced by ``change(old part)``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as old, zipfile.ZipFile(out, "w") as new:
        for item in old.infolist():
            content = old.read(item.filename)
            if item.filename == part:
                content = change(content)
            entry = zipfile.ZipInfo(item.filename, date_time=(2024, 3, 1, 0, 0, 0))
            new.writestr(entry, content, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def with_dimension(data: bytes, ref: str) -> bytes:
    """An xlsx whose sheet declares ``<dimension ref=REF>`` whatever it holds."""
    declared = f'<dimension ref="{ref}"'.encode()
    return rewrite_part(data, SHEET, lambda xml: re.sub(rb'<dimension ref="[^"]*"', declared, xml))


def with_cell_at(data: bytes, ref: str) -> bytes:
    """An xlsx with one more cell (a value) at ``ref``, however far down or right."""
    row = re.sub(r"[A-Z]", "", ref)
    cell = f'<row r="{row}"><c r="{ref}" t="inlineStr"><is><t>x</t></is></c></row>'.encode()
    return rewrite_part(
        data, SHEET, lambda xml: xml.replace(b"</sheetData>", cell + b"</sheetData>")
    )


@st.composite
def mutated(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` truncated, with bytes overwritten, inserted or deleted, or several of these."""
    for _ in range(draw(st.integers(1, 3))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        how = draw(st.sampled_from(["truncate", "overwrite", "insert", "delete"]))
        noise = draw(st.binary(min_size=1, max_size=16))
        if how == "truncate":
            data = data[:at]
        elif how == "overwrite":
            data = data[:at] + noise + data[at + len(noise) :]
        elif how == "insert":
            data = data[:at] + noise + data[at:]
        else:
            data = data[:at] + data[at + len(noise) :]
    return data


@st.composite
def mutated_sheet(draw: st.DrawFn, data: bytes) -> bytes:
    """An xlsx whose parts are intact zip members but whose sheet (or workbook) XML is not."""
    part = draw(
        st.sampled_from(
            [SHEET, "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/sharedStrings.xml"]
        )
    )
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        if part not in archive.namelist():
            part = SHEET
        old = archive.read(part)
    new = draw(mutated(old))
    return rewrite_part(data, part, lambda _: new)
