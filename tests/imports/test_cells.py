"""Each kind of dirty cell is either normalised (with a note) or refused (with reason and fix)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from jingzhun.core.formulas import neutralise
from jingzhun.core.idnumber import make_id_number
from jingzhun.imports.cells import CellError, read_cell, read_id, read_name, read_text
from jingzhun.imports.planning import _read

GOOD_ID = make_id_number("140922", dt.date(1985, 3, 4), 41)


def test_it_normalises_an_id_number_with_spaces_full_width_digits_and_lower_case_x():
    x_id = next(
        make_id_number("140922", dt.date(1985, 3, 4), s)
        for s in range(1000)
        if make_id_number("140922", dt.date(1985, 3, 4), s).endswith("X")
    )
    messy = " ".join([x_id[:6], x_id[6:14], x_id[14:].lower()])
    messy = messy.replace("1", "１", 1)  # one full-width digit
    cell = read_id(messy)
    assert cell.value == x_id
    assert "去除空格或分隔符" in cell.notes
    assert "小写x改为大写X" in cell.notes
    assert "全角字符转为半角" in cell.notes


def test_it_refuses_an_id_number_that_excel_stored_as_a_number():
    with pytest.raises(CellError) as error:
        read_id(float(GOOD_ID[:17] + "0"))
    assert "数字" in error.value.reason
    assert "文本" in error.value.fix


def test_it_refuses_an_id_number_with_a_wrong_check_character():
    wrong = GOOD_ID[:17] + ("0" if GOOD_ID[17] != "0" else "1")
    with pytest.raises(CellError, match="校验位"):
        read_id(wrong)


def test_it_upgrades_a_15_digit_id_number_and_says_so():
    cell = read_id("140922850304041")
    assert len(cell.value) == 18
    assert "15位旧号码升级为18位" in cell.notes


@pytest.mark.parametrize(
    ("raw", "expected", "noted"),
    [
        (dt.datetime(2023, 3, 15, 0, 0), dt.date(2023, 3, 15), False),
        ("2023-03-15", dt.date(2023, 3, 15), False),
        ("2023/3/5", dt.date(2023, 3, 5), True),
        ("2023年3月15日", dt.date(2023, 3, 15), True),
        ("２０２３-０３-１５", dt.date(2023, 3, 15), False),
        ("20230315", dt.date(2023, 3, 15), True),
        ("202303", dt.date(2023, 3, 1), True),
        (202303, dt.date(2023, 3, 1), True),
        (45000, dt.date(2023, 3, 15), True),  # Excel serial
        ("45000", dt.date(2023, 3, 15), True),
        ("2023.03", dt.date(2023, 3, 1), True),
    ],
)
def test_it_reads_dates_in_every_shape_counties_send(raw, expected, noted):
    cell = read_cell("date", raw)
    assert cell.value == expected
    assert bool(cell.notes) is noted


@pytest.mark.parametrize("raw", ["2023-02-30", "去年春天", "13/2023"])
def test_it_refuses_what_is_not_a_date(raw):
    with pytest.raises(CellError) as error:
        read_cell("date", raw)
    assert error.value.fix


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("18,000", Decimal("18000.00")),
        ("１２，３４５.５", Decimal("12345.50")),
        (6000, Decimal("6000.00")),
        ("3500元", Decimal("3500.00")),
    ],
)
def test_it_reads_money_with_commas_full_width_digits_and_units(raw, expected):
    cell = read_cell("money", raw)
    assert cell.value == expected
    if isinstance(raw, str):
        assert cell.notes


def test_it_refuses_money_that_is_not_a_number():
    with pytest.raises(CellError, match="不是数字"):
        read_cell("money", "一万二")


@pytest.mark.parametrize(
    ("raw", "choices", "expected"),
    [
        ("戶主", "Relation", "head"),  # traditional
        ("户主", "Relation", "head"),
        ("漢族", "Ethnicity", "han"),
        ("脫貧戶", "HouseholdType", "exited"),
        (" 男 ", "Sex", "M"),
        ("普通勞動力", "LabourSkill", "ordinary"),
    ],
)
def test_it_reads_value_lists_in_traditional_or_simplified(raw, choices, expected):
    cell = read_cell("choice", raw, choices)
    assert cell.value == expected


def test_it_notes_a_traditional_label_it_read_as_simplified():
    cell = read_cell("choice", "戶主", "Relation")
    assert any("繁体" in n for n in cell.notes)


def test_it_refuses_an_unknown_value_and_lists_the_allowed_ones():
    with pytest.raises(CellError) as error:
        read_cell("choice", "外星人", "Relation")
    assert "户主" in error.value.fix


@pytest.mark.parametrize(("raw", "expected"), [("是", True), ("否", False), ("√", True), (1, True)])
def test_it_reads_yes_and_no(raw, expected):
    assert read_cell("bool", raw).value is expected


def test_it_refuses_a_yes_no_cell_with_anything_else():
    with pytest.raises(CellError):
        read_cell("bool", "也许")


def test_blank_cells_are_blank_not_errors():
    assert read_cell("date", "   ").value is None
    assert read_cell("money", None).value is None


def test_formula_text_is_neutralised_for_writing_back():
    assert neutralise("=cmd|' /C calc'!A0") == "'=cmd|' /C calc'!A0"
    assert neutralise("@SUM(A1)") == "'@SUM(A1)"
    assert neutralise("东冶村") == "东冶村"
    assert read_cell("text", "'-东冶村3组").value == "-东冶村3组"  # our own export, restored


# Found by tests/fuzz/test_cells.py.


@pytest.mark.parametrize("reader", [read_text, read_name, lambda raw: read_id(raw)])
def test_it_removes_nul_characters_that_postgresql_cannot_store_and_says_so(reader):
    cell = reader(f"{GOOD_ID[:9]}\x00{GOOD_ID[9:]}")
    assert "\x00" not in cell.value
    assert "去除不可见的空字符（NUL）" in cell.notes


@pytest.mark.parametrize(
    "raw",
    [dt.date(1, 1, 1), "0023-03-15", dt.datetime(2101, 1, 1), "9999-12-31", 1, 79999],
)
def test_it_refuses_a_date_before_1900_or_after_2100(raw):
    with pytest.raises(CellError, match="不在1900至2100年之间"):
        read_cell("date", raw)


@pytest.mark.parametrize(
    ("kind", "first", "then"), [("money", 1, True), ("int", 0, False), ("bool", 1.0, True)]
)
def test_a_repeated_cell_is_never_answered_for_another_value_of_equal_hash(kind, first, then):
    # planning._read caches repeated cells; True == 1 == 1.0, but a TRUE cell is no number.
    _read(kind, first, "")
    try:
        expected = read_cell(kind, then)
    except CellError:
        with pytest.raises(CellError):
            _read(kind, then, "")
    else:
        assert _read(kind, then, "") == expected
