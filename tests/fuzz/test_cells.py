"""Every cell reader of an import, fed anything a file can hold, reads it or refuses it with a
reason and a fix (CellError) — never another exception — and what it reads can be stored."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import partial
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from jingzhun.imports import cells
from jingzhun.imports.cells import Cell, CellError
from jingzhun.imports.planning import _read
from jingzhun.registry import choices as c
from tests.fuzz.strategies import CHOICE_LISTS, DECIMAL_PLACES, raw_values

# Cells are cheap: many examples. Derandomized, like every fuzz test here: the same examples on
# every run, so a failure in CI is a finding, never a fluke.
MANY = settings(max_examples=400, deadline=None, derandomize=True)
KINDS = ["text", "name", "id", "choice", "date", "year", "money", "decimal", "int", "bool", "x"]
# No number a cell yields may reach this (cells._TOO_LARGE): a numeric(17, 2) holds it; each
# field's own bound is checked by the planning (tests/fuzz/test_planning.py).
LARGEST = Decimal(10) ** 15


def read(function: Any, *args: Any) -> Cell | None:
    """``function(*args)``: the Cell, or None when refused with a reason and a fix."""
    try:
        cell = function(*args)
    except CellError as error:
        assert error.reason and error.fix
        return None
    assert isinstance(cell, Cell)
    assert all(isinstance(note, str) and note for note in cell.notes)
    return cell


def storable_text(value: Any) -> None:
    assert isinstance(value, str)
    assert "\x00" not in value  # PostgreSQL refuses NUL in text


def storable(kind: str, value: Any, choices: str = "") -> None:
    """``value`` as read for a column of ``kind`` can be stored by the registry."""
    if value is None:
        return
    if kind in ("text", "name", "id", "x"):
        storable_text(value)
    elif kind == "choice":
        assert value in getattr(c, choices).values
    elif kind == "date":
        assert type(value) is dt.date
        assert 1900 <= value.year <= 2100
    elif kind in ("money", "decimal"):
        assert isinstance(value, Decimal) and value.is_finite()
        assert value == value.quantize(DECIMAL_PLACES) and abs(value) < LARGEST
    elif kind in ("year", "int"):
        assert type(value) is int and abs(value) < LARGEST
    elif kind == "bool":
        assert type(value) is bool


@MANY
@given(raw=raw_values)
def test_text_names_and_id_numbers_are_read_as_text_without_nul(raw):
    for function in (cells.read_text, cells.read_name, partial(cells.read_id, resident_id=False)):
        cell = read(function, raw)
        if cell is not None:
            storable_text(cell.value)


@MANY
@given(raw=raw_values)
def test_a_resident_id_number_is_read_as_a_valid_18_character_number_or_refused(raw):
    cell = read(cells.read_id, raw)
    if cell is not None:
        storable_text(cell.value)
        assert len(cell.value) == 18 and cell.value[:17].isascii() and cell.value[:17].isdigit()


@MANY
@given(raw=raw_values, choices=st.sampled_from(CHOICE_LISTS))
def test_a_value_list_cell_is_read_as_one_of_its_values_or_refused(raw, choices):
    cell = read(cells.read_choice, raw, choices)
    if cell is not None:
        storable("choice", cell.value, choices)


@MANY
@given(raw=raw_values)
def test_a_date_is_read_within_1900_to_2100_or_refused(raw):
    cell = read(cells.read_date, raw)
    if cell is not None:
        storable("date", cell.value)


@MANY
@given(raw=raw_values)
def test_numbers_are_read_to_the_fen_within_the_storable_range_or_refused(raw):
    decimal = read(cells.read_decimal, raw)
    if decimal is not None:
        storable("money", decimal.value)
    integer = read(cells.read_int, raw)
    if integer is not None:
        storable("int", integer.value)


@MANY
@given(raw=raw_values)
def test_a_yes_no_cell_is_read_as_a_bool_or_refused(raw):
    cell = read(cells.read_bool, raw)
    if cell is not None:
        storable("bool", cell.value)


@MANY
@given(kind=st.sampled_from(KINDS), raw=raw_values, choices=st.sampled_from(CHOICE_LISTS))
def test_every_kind_of_column_reads_any_cell_or_refuses_it(kind, raw, choices):
    cell = read(cells.read_cell, kind, raw, choices)
    if cell is not None:
        storable(kind, cell.value, choices)
        if cells.is_blank(raw):
            assert cell.value is None


@MANY
@given(kind=st.sampled_from(KINDS), raws=st.lists(raw_values, max_size=6))
def test_the_planning_s_cache_of_repeated_cells_reads_each_cell_as_read_cell_does(kind, raws):
    # Repeated values are read once (planning._read caches them); a cached reading must be
    # the one read_cell gives for that very value, whatever was read before it.
    for raw in raws:
        direct, cached = read(cells.read_cell, kind, raw, "Sex"), read(_read, kind, raw, "Sex")
        assert (direct and (direct.value, direct.notes)) == (
            cached and (cached.value, cached.notes)
        )
