"""Malformed files get a clear refusal before any row is read, and nothing is written."""

from __future__ import annotations

import os
import time
import zipfile

import pytest

from jingzhun.imports.models import Status
from jingzhun.imports.reading import FileRefused, open_table
from jingzhun.registry.models import Household
from tests.fuzz.files import SHEET, rewrite_part
from tests.imports.builders import HEADER, family, stage, write_national


def _refusal(path) -> FileRefused:
    with pytest.raises(FileRefused) as error:
        open_table(path)
    return error.value


def test_it_refuses_an_empty_file(tmp_path):
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    assert "空" in _refusal(path).reason


def test_it_refuses_ten_megabytes_of_garbage_quickly(tmp_path):
    path = tmp_path / "garbage.xlsx"
    path.write_bytes(os.urandom(10 * 1024 * 1024))
    started = time.monotonic()
    refusal = _refusal(path)
    assert "不是表格" in refusal.reason
    assert time.monotonic() - started < 5


def test_it_refuses_a_text_file_that_is_not_a_table(tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("亲爱的同事：\n请查收附件。\n", encoding="utf-8")
    assert "表头" in _refusal(path).reason


def test_it_refuses_a_password_protected_workbook(tmp_path):
    # An encrypted xlsx is an OLE compound file holding an "EncryptedPackage" stream.
    path = tmp_path / "locked.xlsx"
    path.write_bytes(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "EncryptedPackage".encode("utf-16-le")
    )
    refusal = _refusal(path)
    assert "密码" in refusal.reason
    assert "取消密码" in refusal.fix


def test_it_refuses_an_old_xls_and_says_to_save_as_xlsx(tmp_path):
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2048)
    assert "xlsx" in _refusal(path).fix


def test_it_refuses_a_broken_zip(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04" + os.urandom(2000))
    assert "xlsx" in _refusal(path).reason


def test_it_refuses_a_million_row_csv_without_reading_it_all(tmp_path):
    path = tmp_path / "huge.csv"
    line = "五台县,台城镇,东冶村,140922100001001,张三,居民身份证,140922197003040113\n"
    with path.open("w", encoding="utf-8") as out:
        out.write("县,乡,村,户编号,姓名,证件类型,证件号码\n")
        out.writelines(line for _ in range(1_000_000))
    started = time.monotonic()
    refusal = _refusal(path)
    assert "上限" in refusal.reason
    assert "拆分" in refusal.fix
    assert time.monotonic() - started < 10


def test_it_refuses_a_sheet_above_the_row_limit_from_its_dimension(tmp_path, settings, world):
    settings.JINGZHUN_IMPORT_MAX_ROWS = 30
    rows = [r for i in range(20) for r in family(world, f"14092210000{i:04d}", seq=i)]
    path = write_national(tmp_path / "big.xlsx", rows)
    with zipfile.ZipFile(path) as archive:
        assert b"<dimension" in archive.read("xl/worksheets/sheet1.xml")[:2000]
    assert "上限" in _refusal(path).reason


def test_a_refused_file_writes_nothing_and_fails_the_upload(tmp_path, world):
    path = tmp_path / "garbage.xlsx"
    path.write_bytes(os.urandom(4096))
    before = Household.objects.count()
    upload = stage(world.approver, path)
    assert upload.status == Status.FAILED
    assert "不是表格" in upload.error
    assert Household.objects.count() == before


def test_it_finds_the_sheet_by_its_header_whatever_the_sheet_order(tmp_path, world):
    path = write_national(
        tmp_path / "n.xlsx", family(world, "140922100009001"), sheet="Sheet1", decoy_first=True
    )
    table = open_table(path)
    assert table.sheet == "Sheet1"
    assert table.header_row == 3
    assert any("Sheet1" in n for n in table.notes)


def test_it_refuses_a_named_sheet_that_is_not_there(tmp_path, world):
    path = write_national(tmp_path / "n.xlsx", family(world, "140922100009001"))
    with pytest.raises(FileRefused) as error:
        open_table(path, sheet="不存在的表")
    assert "（自定义）监测对象信息" in error.value.reason


def test_merged_household_cells_are_expanded_to_every_member_row(tmp_path, world):
    rows = family(world, "140922100009001")
    path = write_national(tmp_path / "m.xlsx", rows, merge_household=True)
    table = open_table(path)
    col = next(i for i, c in table.columns.items() if c.field == "number")
    values = [cells[col] for _, cells in table.rows]
    assert values == ["140922100009001"] * 3


def test_header_titles_are_matched_tolerantly(tmp_path, world):
    header = ["县（市、区、旗）", "乡 (镇)", "村", "户 编 号", *HEADER[4:]]
    rows = [
        {
            (
                "县（市、区、旗）"
                if k == "县(市、区、旗)"
                else "乡 (镇)"
                if k == "乡(镇)"
                else "村"
                if k == "行政村"
                else "户 编 号"
                if k == "户编号"
                else k
            ): v
            for k, v in r.items()
        }
        for r in family(world, "140922100009001")
    ]
    table = open_table(write_national(tmp_path / "t.xlsx", rows, header=header))
    fields = {c.field for c in table.columns.values()}
    assert {"county", "township", "village", "number", "id_number"} <= fields


# Found by tests/fuzz/test_readers.py: readers place a cell by its reference, and a broken
# archive or Parquet page failed with whatever zipfile, zlib or pyarrow raised.


def _sheet_with(tmp_path, world, cell: str):
    path = write_national(tmp_path / "small.xlsx", family(world, "140922100000001"))
    return tmp_path / "far.xlsx", rewrite_part(
        path.read_bytes(), SHEET, lambda xml: xml.replace(b"</sheetData>", cell + b"</sheetData>")
    )


@pytest.mark.parametrize("ref", ["A1048576", "A200"])
def test_one_cell_far_down_counts_as_all_the_rows_above_it(tmp_path, settings, world, ref):
    settings.JINGZHUN_IMPORT_MAX_ROWS = 100
    row = ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    path, data = _sheet_with(
        tmp_path, world, f'<row r="{row}"><c r="{ref}"><v>1</v></c></row>'.encode()
    )
    path.write_bytes(data)
    assert "上限" in _refusal(path).reason


def test_a_cell_with_content_right_of_column_iv_is_refused(tmp_path, world):
    path, data = _sheet_with(tmp_path, world, b'<row r="9"><c r="XFD9"><v>1</v></c></row>')
    path.write_bytes(data)
    assert "右侧还有内容" in _refusal(path).reason


def test_styled_empty_cells_far_out_are_no_content(tmp_path, world):
    path, data = _sheet_with(
        tmp_path, world, b'<row r="9"><c r="XFD9" s="0"/></row><row r="1048576" s="0"/>'
    )
    path.write_bytes(data)
    table = open_table(path)
    assert [number for number, _ in table.rows] == [4, 5, 6]


def test_a_broken_deflate_stream_inside_an_xlsx_is_refused(tmp_path, world):
    path = write_national(tmp_path / "n.xlsx", family(world, "140922100000001"))
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(SHEET)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start : start + 40] = bytes(40)  # the sheet's compressed bytes, zeroed
    path.write_bytes(bytes(data))
    assert "xlsx" in _refusal(path).reason


def test_a_parquet_file_with_a_damaged_page_is_refused(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "n.parquet"
    pq.write_table(pa.table({"户编号": ["140922100000001"] * 50, "证件号码": ["x"] * 50}), path)
    data = bytearray(path.read_bytes())
    data[8:40] = b"\xff" * 32  # the first page's header
    path.write_bytes(bytes(data))
    with pytest.raises(FileRefused, match="Parquet"):
        list(open_table(path).rows)
