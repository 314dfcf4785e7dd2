"""Opening an uploaded file: recognise its format, refuse what cannot be read, find the sheet
and the header row, and stream the data rows.

Refusals happen before any row is read: an empty file, something that is not a spreadsheet
(10 MB of garbage included), a password-protected workbook, an old .xls, or a sheet longer than
``JINGZHUN_IMPORT_MAX_ROWS`` (counted from the file's own metadata or by a streaming scan, never
by loading the sheet).
"""

from __future__ import annotations

import csv
import logging
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from django.conf import settings

from jingzhun.imports.layout import REQUIRED_FIELDS, find_column
from jingzhun.registry.national import SHEET_NAMES, NationalColumn, normalize_header

logger = logging.getLogger(__name__)
HEADER_SEARCH_ROWS = 10
DEFAULT_MAX_ROWS = 200_000


def max_rows() -> int:
    return int(getattr(settings, "JINGZHUN_IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS))


class FileRefused(Exception):
    """The whole file is refused: ``reason`` and ``fix`` are shown to the user."""

    def __init__(self, reason: str, fix: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.fix = fix


@dataclass
class Table:
    sheet: str
    header_row: int  # 1-based
    columns: dict[int, Any]  # 0-based column index → column (NationalColumn for registry files)
    titles: dict[int, str]  # 0-based column index → title as written
    unknown: list[str]
    rows: Iterator[tuple[int, list[Any]]]  # (1-based row number, cells)
    notes: list[str] = field(default_factory=list)


def sniff(path: Path) -> str:
    """``xlsx``, ``csv`` or ``parquet``; raises :class:`FileRefused` for anything else."""
    size = path.stat().st_size
    if size == 0:
        raise FileRefused("文件是空的", "请选择包含数据的xlsx、CSV或Parquet文件")
    with path.open("rb") as handle:
        head = handle.read(65536)
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        with path.open("rb") as handle:
            blob = handle.read(4 * 1024 * 1024)
        if "EncryptedPackage".encode("utf-16-le") in blob or b"EncryptedPackage" in blob:
            raise FileRefused(
                "文件设置了密码（已加密），无法读取",
                "请在Excel中取消密码（文件→信息→保护工作簿），另存为xlsx后重新上传",
            )
        raise FileRefused("这是旧版Excel（.xls）文件", "请在Excel中另存为.xlsx格式后重新上传")
    if head.startswith(b"PAR1"):
        return "parquet"
    if b"\x00" in head:
        raise FileRefused("文件不是表格（无法识别的二进制内容）", "请上传xlsx、CSV或Parquet文件")
    for encoding in ("utf-8", "gb18030"):
        try:
            # The 64 KB sample may cut a multi-byte character: drop at most 3 trailing bytes.
            head[: len(head) - 3 if len(head) == 65536 else len(head)].decode(encoding)
        except UnicodeDecodeError:
            continue
        return "csv"
    raise FileRefused(
        "文件不是表格，也不是可识别编码的文本", "请上传xlsx、CSV（UTF-8或GBK编码）或Parquet文件"
    )


def _recognise_header(cells: list[Any]) -> dict[int, NationalColumn]:
    found: dict[int, NationalColumn] = {}
    for index, title in enumerate(cells):
        column = find_column(title) if title not in (None, "") else None
        if column is not None and column.field not in {c.field for c in found.values()}:
            found[index] = column
    fields = {(c.record, c.field) for c in found.values()}
    return found if fields >= REQUIRED_FIELDS else {}


@dataclass(frozen=True)
class Header:
    """How a kind of file's header row is recognised: ``recognise`` maps a row's cells to the
    columns it knows (0-based index → column), or {} when the row is not the header; ``missing``
    says what the file lacks when no row of the first ten is."""

    recognise: Callable[[list[Any]], dict[int, Any]]
    missing: str
    fix: str


NATIONAL_HEADER = Header(
    _recognise_header,
    "没有找到可识别的表头（需要至少包含“户编号”和“证件号码”两列，位于前10行）",
    "请使用国家系统导出的原始表格或本系统的农户模板",
)


def _table_from_rows(
    sheet: str, rows: Iterator[tuple[int, list[Any]]], notes: list[str], header: Header
) -> Table | None:
    """Find the header among the first rows; the rest of ``rows`` are the data."""
    for number, cells in rows:
        columns = header.recognise(cells)
        if columns:
            titles = {i: str(cells[i]) for i in range(len(cells)) if cells[i] not in (None, "")}
            unknown = [titles[i] for i in sorted(titles) if i not in columns]
            return Table(sheet, number, columns, titles, unknown, rows, notes)
        if number >= HEADER_SEARCH_ROWS:
            return None
    return None


# --- xlsx ---------------------------------------------------------------------------------------

_NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension ref="[A-Z]+\d+(?::[A-Z]+(\d+))?"')


def _xlsx_sheet_paths(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → path of its XML part inside the archive."""
    try:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))  # noqa: S314
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))  # noqa: S314
    except (KeyError, ElementTree.ParseError):
        raise FileRefused(
            "xlsx文件结构损坏或不是Excel工作簿", "请用Excel打开后另存为xlsx再上传"
        ) from None
    targets = {
        rel.get("Id"): rel.get("Target", "") for rel in rels.findall("rel:Relationship", _NS)
    }
    paths: dict[str, str] = {}
    for sheet in workbook.findall("m:sheets/m:sheet", _NS):
        target = targets.get(sheet.get(f"{{{_NS['r']}}}id"), "")
        target = target.lstrip("/")
        paths[sheet.get("name", "")] = target if target.startswith("xl/") else f"xl/{target}"
    return paths


_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")
# Readers place a cell by its reference, not by counting tags: one cell at A1048576 makes a
# sheet of a million rows, and one at XFD5 makes every row 16,384 cells wide (calamine holds a
# sheet as a full rectangle), however few tags the file has. These find references (r="123" of
# a row, r="AB123" of a cell) to a row number of at least N digits, and to a column right of IV
# (256; the national layout has under 100 columns). Both start with a literal, which the regex
# engine finds fast: the scan costs a fraction of reading the sheet.
_ROW_REF = rb'r="[A-Z]{0,3}(\d{%d,})"'
_WIDE_REF = re.compile(rb'r="(?:[A-Z]{3}|I[W-Z]|[J-Z][A-Z])\d+"')
LAST_COLUMN = "IV"
_OVERLAP = 512  # bytes a chunk shares with the next one: no tag is cut in both


@dataclass(frozen=True)
class Extent:
    rows: int  # the <row> tags, or the highest row a reference names if that is more
    too_wide: bool  # a cell with content right of LAST_COLUMN


def _with_content(data: bytes, match: re.Match[bytes]) -> bool:
    """Whether the reference ``match`` is the ``r`` attribute of a row or cell that is not a
    self-closing (styled but empty) one, which readers skip."""
    end = data.find(b">", match.end())  # -1: cut at the chunk's end, seen with the next
    spaced = data[match.start() - 1 : match.start()].isspace()
    return spaced and end != -1 and data[end - 1 : end] != b"/"


def _highest_row(data: bytes, row_ref: re.Pattern[bytes], most: int) -> int:
    highest = max(map(int, row_ref.findall(data)), default=0)
    if highest <= most:
        return highest
    found = (int(m.group(1)) for m in row_ref.finditer(data) if _with_content(data, m))
    return max(found, default=0)


def xlsx_extent(archive: zipfile.ZipFile, part: str, limit: int) -> Extent:
    """How far one sheet reaches, found by streaming over its XML and stopping once past
    ``limit`` rows: never by loading the sheet. The ``<dimension>`` element a file declares is
    used only to refuse early: a file may declare A1:W4 and hold 400,001 rows."""
    most = limit + HEADER_SEARCH_ROWS
    row_ref = re.compile(_ROW_REF % len(str(most)))
    with archive.open(part) as stream:
        head = stream.read(4096)
        match = _DIMENSION.search(head)
        if match and match.group(1) and int(match.group(1)) > most:
            return Extent(int(match.group(1)), False)
        count, highest, too_wide, tail = 0, 0, False, b""
        chunk = head
        while True:
            data = tail + chunk
            # A tag cut at the chunk's end is counted with the next chunk (the tail overlaps).
            complete = max(len(data) - _OVERLAP, 0) if chunk else len(data)
            count += sum(1 for m in _ROW_TAG.finditer(data) if m.start() < complete)
            highest = max(highest, _highest_row(data, row_ref, most))
            too_wide = too_wide or any(_with_content(data, m) for m in _WIDE_REF.finditer(data))
            tail = data[complete:]
            if max(count, highest) > most or too_wide or not chunk:
                return Extent(max(count, highest), too_wide)
            chunk = stream.read(1 << 20)


def _sheet_order(names: list[str], wanted: str | None) -> list[str]:
    if wanted:
        key = normalize_header(wanted)
        chosen = [n for n in names if normalize_header(n) == key]
        if not chosen:
            raise FileRefused(
                f"文件中没有名为“{wanted}”的工作表（现有：{'、'.join(names)}）",
                "请核对工作表名称，或不指定工作表由系统按表头识别",
            )
        return chosen
    preferred = [normalize_header(n) for n in SHEET_NAMES[:1]]
    # 监测对象信息 first, then the other sheets in file order (tolerates wrong sheet order).
    return sorted(names, key=lambda n: 0 if normalize_header(n) in preferred else 1)


def _calamine_rows(sheet: Any) -> Iterator[tuple[int, list[Any]]]:
    """Rows with merged ranges expanded (the top-left value copied into the range)."""
    row0, col0 = sheet.start or (0, 0)
    fills: dict[int, list[tuple[int, int, int]]] = {}
    for (r1, c1), (r2, c2) in sheet.merged_cell_ranges or []:
        fills.setdefault(r1, []).append((r2, c1, c2))
    pending: list[tuple[int, int, int, Any]] = []  # (last row, first col, last col, value)
    for offset, cells in enumerate(sheet.iter_rows()):
        r = row0 + offset
        row = [None] * col0 + [None if v == "" else v for v in cells]
        for last, c1, c2, value in pending:
            if r <= last:
                for col in range(c1, c2 + 1):
                    while len(row) <= col:
                        row.append(None)
                    if row[col] is None:
                        row[col] = value
        pending = [p for p in pending if p[0] > r]
        for last, c1, c2 in fills.get(r, []):
            if c1 < len(row) and row[c1] is not None:
                pending.append((last, c1, c2, row[c1]))
                for col in range(c1 + 1, c2 + 1):
                    while len(row) <= col:
                        row.append(None)
                    row[col] = row[col] if row[col] is not None else row[c1]
        yield r + 1, row


def _openpyxl_rows(path: Path, sheet: str) -> Iterator[tuple[int, list[Any]]]:
    """The slow reader, for files calamine could not open. Those are mostly broken files, and
    openpyxl fails on broken parts with any exception at all: each is a refusal of the file."""
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:
        logger.warning("openpyxl could not open %s", path.name, exc_info=True)
        raise FileRefused(_BROKEN_XLSX_REASON, _BROKEN_XLSX_FIX) from None
    try:
        for number, cells in enumerate(workbook[sheet].iter_rows(values_only=True), start=1):
            yield number, list(cells)
    except Exception:
        logger.warning("openpyxl could not read %s", path.name, exc_info=True)
        raise FileRefused(_BROKEN_XLSX_REASON, _BROKEN_XLSX_FIX) from None
    finally:
        workbook.close()


_BROKEN_XLSX_REASON = "xlsx文件内容损坏，无法读取"
_BROKEN_XLSX_FIX = "请用Excel打开后另存为xlsx再上传"
# What a broken zip archive or XML part raises from zipfile, zlib and the XML parser.
_BROKEN_ARCHIVE = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    NotImplementedError,
    RuntimeError,
    ElementTree.ParseError,
)


def _open_xlsx(path: Path, sheet: str | None, limit: int, header: Header) -> Table:
    try:
        archive = zipfile.ZipFile(path)
    except _BROKEN_ARCHIVE:
        raise FileRefused(
            "文件不是有效的xlsx（压缩结构损坏）", "请用Excel打开后另存为xlsx再上传"
        ) from None
    with archive:
        try:
            paths = _xlsx_sheet_paths(archive)
            names = _sheet_order(list(paths), sheet)
            extents = {}
            for name in names:
                try:
                    extents[name] = xlsx_extent(archive, paths[name], limit)
                except KeyError:
                    continue
        except _BROKEN_ARCHIVE:
            raise FileRefused(
                "xlsx文件结构损坏（压缩内容或XML无法读取）", "请用Excel打开后另存为xlsx再上传"
            ) from None
    for name, extent in extents.items():
        if extent.rows > limit + HEADER_SEARCH_ROWS:
            raise FileRefused(
                f"工作表“{name}”约有{extent.rows:,}行，超过单次导入上限{limit:,}行",
                "请按乡镇或行政村拆分成多个文件分别导入",
            )
        if extent.too_wide:
            raise FileRefused(
                f"工作表“{name}”在{LAST_COLUMN}列（第256列）右侧还有内容",
                "请删除表格右侧多余的列（导入表不超过100列）后另存为xlsx再上传",
            )
    notes: list[str] = []
    try:
        import python_calamine

        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
        readers = {name: _calamine_rows(workbook.get_sheet_by_name(name)) for name in names}
    except Exception as error:
        if type(error).__name__ == "PasswordError":
            raise FileRefused("文件设置了密码，无法读取", "请取消密码后另存为xlsx再上传") from None
        notes.append("快速读取失败，已改用openpyxl读取")
        readers = {name: _openpyxl_rows(path, name) for name in names}
    for name in names:
        table = _table_from_rows(name, readers[name], notes, header)
        if table is not None:
            if name != names[0] or len(names) > 1:
                table.notes.append(f"按表头识别出工作表“{name}”")
            return table
    raise FileRefused(header.missing, header.fix)


# --- CSV and Parquet ----------------------------------------------------------------------------


def csv_encoding(path: Path) -> str:
    """The encoding of a CSV file: UTF-8 (with or without BOM), else GB18030 (a superset of GBK)."""
    with path.open("rb") as handle:
        head = handle.read(65536)
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        head[: max(len(head) - 3, 0) if len(head) == 65536 else len(head)].decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"


def _count_lines(path: Path, limit: int) -> int:
    count = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            count += chunk.count(b"\n")
            if count > limit + HEADER_SEARCH_ROWS:
                break
    return count


def _open_csv(path: Path, limit: int, header: Header) -> Table:
    if _count_lines(path, limit) > limit + HEADER_SEARCH_ROWS:
        raise FileRefused(
            f"文件超过单次导入上限{limit:,}行", "请按乡镇或行政村拆分成多个文件分别导入"
        )
    encoding = csv_encoding(path)

    def rows() -> Iterator[tuple[int, list[Any]]]:
        with path.open(encoding=encoding, errors="strict", newline="") as handle:
            try:
                for number, cells in enumerate(csv.reader(handle), start=1):
                    yield number, [cell if cell != "" else None for cell in cells]
            except UnicodeDecodeError:
                raise FileRefused(
                    "CSV文件中有无法识别的字符（编码混杂）", "请用UTF-8编码重新保存CSV"
                ) from None
            except csv.Error as error:
                raise FileRefused(f"CSV格式错误：{error}", "请用Excel打开后另存为CSV") from None

    notes = [] if encoding != "gb18030" else ["按GBK编码读取"]
    table = _table_from_rows("CSV", rows(), notes, header)
    if table is None:
        raise FileRefused(f"CSV中{header.missing}", header.fix)
    return table


def _open_parquet(path: Path, limit: int, header: Header) -> Table:
    import pyarrow as pa
    import pyarrow.parquet as pq

    broken = FileRefused("Parquet文件损坏，无法读取", "请重新导出Parquet文件")
    try:
        parquet = pq.ParquetFile(path)
        names = parquet.schema_arrow.names
    except Exception:
        raise broken from None
    if parquet.metadata.num_rows > limit:
        raise FileRefused(
            f"文件有{parquet.metadata.num_rows:,}行，超过单次导入上限{limit:,}行",
            "请按乡镇或行政村拆分成多个文件分别导入",
        )

    def rows() -> Iterator[tuple[int, list[Any]]]:
        yield 1, list(names)
        number = 1
        batches = parquet.iter_batches(batch_size=5000)
        while True:
            # A damaged page fails only when its batch is read (OSError, ArrowInvalid), and a
            # value Python cannot hold (a timestamp in year 60000) when it is converted.
            try:
                batch = next(batches, None)
                if batch is None:
                    return
                columns = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
            except (OSError, ValueError, OverflowError, pa.ArrowException):
                raise broken from None
            for cells in zip(*columns, strict=True):
                number += 1
                if number > limit + 1:  # the footer said fewer rows than the pages hold
                    raise broken
                yield number, list(cells)

    table = _table_from_rows("Parquet", rows(), [], header)
    if table is None:
        raise FileRefused(f"Parquet中{header.missing}", header.fix)
    return table


def open_table(path: Path, *, sheet: str | None = None, header: Header = NATIONAL_HEADER) -> Table:
    """Open ``path`` and position it after the header row. Raises :class:`FileRefused`."""
    limit = max_rows()
    kind = sniff(path)
    if kind == "xlsx":
        return _open_xlsx(path, sheet, limit, header)
    if kind == "parquet":
        return _open_parquet(path, limit, header)
    return _open_csv(path, limit, header)
