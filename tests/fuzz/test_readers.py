"""Every reader of an import (xlsx, CSV in UTF-8 and GBK, Parquet), fed valid files with random
cells and broken files (random bytes, truncated, overwritten, a sheet's XML cut, a lying
``<dimension>``, a cell far out), yields rows or refuses the file with a reason and a fix
(FileRefused) — never another exception — and never yields more rows than the limit."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jingzhun.imports.reading import HEADER_SEARCH_ROWS, FileRefused, open_table
from tests.fuzz import files

LIMIT = 20  # JINGZHUN_IMPORT_MAX_ROWS in these tests: files of up to twice as many rows
FILES = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,  # the same files every run: a failure is a finding, never a fluke
    suppress_health_check=[HealthCheck.too_slow],
)
SLOW_FILES = settings(FILES, max_examples=600)


def read(data: bytes, suffix: str) -> int | None:
    """Open ``data`` as an upload and read every row: how many rows, or None if refused."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / f"upload{suffix}"
        path.write_bytes(data)
        with override_settings(JINGZHUN_IMPORT_MAX_ROWS=LIMIT):
            try:
                table = open_table(path)
                rows = 0
                for _number, cells in table.rows:
                    assert isinstance(cells, list)
                    rows += 1
                    assert rows <= LIMIT + HEADER_SEARCH_ROWS, "read past the row limit"
            except FileRefused as refused:
                assert refused.reason and refused.fix
                return None
    return rows


def valid_files(max_rows: int = 2 * LIMIT) -> st.SearchStrategy[tuple[bytes, str]]:
    sheet = files.sheets(max_rows)
    return st.one_of(
        sheet.map(lambda s: (files.xlsx_bytes(*s), ".xlsx")),
        st.tuples(sheet, st.sampled_from(["utf-8", "utf-8-sig", "gb18030"])).map(
            lambda t: (files.csv_bytes(*t[0], t[1]), ".csv")
        ),
        files.parquet_bytes(max_rows).map(lambda data: (data, ".parquet")),
    )


@FILES
@given(file=valid_files())
def test_a_file_with_random_cells_is_read_or_refused_within_the_row_limit(file):
    read(*file)


@FILES
@given(data=st.data(), file=valid_files())
def test_a_truncated_or_overwritten_file_is_read_or_refused(data, file):
    content, suffix = file
    read(data.draw(files.mutated(content)), suffix)


@FILES
@given(data=st.data(), sheet=files.sheets(2 * LIMIT))
def test_an_xlsx_with_broken_xml_inside_an_intact_zip_is_read_or_refused(data, sheet):
    read(data.draw(files.mutated_sheet(files.xlsx_bytes(*sheet))), ".xlsx")


@FILES
@given(content=st.binary(max_size=4096), suffix=st.sampled_from([".xlsx", ".csv", ".parquet"]))
def test_random_bytes_are_refused_or_read_as_text(content, suffix):
    read(content, suffix)


@FILES
@given(
    sheet=files.sheets(2 * LIMIT),
    ref=st.sampled_from(["A1", "A4", "W4", "A1:W4", "A1:XFD1048576", "Z9999999", "B2:A1", "x"]),
)
def test_a_lying_dimension_element_does_not_decide_how_many_rows_are_read(sheet, ref):
    rows = read(files.with_dimension(files.xlsx_bytes(*sheet), ref), ".xlsx")
    if rows is not None:
        assert rows == read(files.xlsx_bytes(*sheet), ".xlsx")


@pytest.mark.parametrize("ref", ["A1048576", "A500", "XFD40", "XFD1048576", "AMJ30"])
def test_one_cell_far_down_or_right_does_not_make_a_small_file_huge(ref):
    small = files.xlsx_bytes(2, files.HEADER, [["x"] * 5] * 3)
    read(files.with_cell_at(small, ref), ".xlsx")


@pytest.mark.slow
@SLOW_FILES
@given(data=st.data(), file=valid_files())
def test_many_more_mutated_files_are_read_or_refused(data, file):
    content, suffix = file
    read(data.draw(st.one_of(st.just(content), files.mutated(content))), suffix)
