"""What a cell of an import may hold, as hypothesis strategies: everything the readers can
produce (str from CSV; str, int, float, bool, date and datetime from xlsx; those and Decimal from
Parquet) and the dirt counties send in them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import strategies as st

from jingzhun.core.idnumber import make_id_number
from jingzhun.imports.layout import TEMPLATE_COLUMNS
from jingzhun.registry import choices as c

CHOICE_LISTS = sorted({col.choices for col in TEMPLATE_COLUMNS if col.choices})


def _labels() -> list[str]:
    out = []
    for name in CHOICE_LISTS:
        enum = getattr(c, name)
        out += [str(label) for label in enum.labels] + [str(v) for v in enum.values]
    return out


# Words a real sheet holds, to be mixed with and cut into by random text.
WORDS = [
    *_labels(),
    "是", "否", "√", "×", "有", "无", "已参加", "Y", "n", "TRUE",
    "2023-03-15", "2023/3/5", "2023年3月15日", "20230315", "202303", "2023.03", "45000",
    "2023-02-30", "0000-00-00", "9999-12-31", "1899-12-31", "2101-01-01", "0001-01-01",
    "18,000", "１２，３４５.５", "3500元", "-0", "1e300", "1E-300", "NaN", "-Infinity", "sNaN",
    "1_000", "٣٤٥", "１e５", "99999999999999999999",
    make_id_number("140922", dt.date(1985, 3, 4), 41), "140922850304041", "14092219850304041x",
    "戶主", "漢族", "脫貧戶", "普通勞動力", "張建國", "=1+1", "'=cmd", "@SUM(A1)",
    "\x00", "北京\x00市", "张\x00三", "\t是\r\n", "\u200b否", "\ufeff汉族",
]  # fmt: skip

full_width = st.text(st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E), max_size=20)
traditional = st.text(st.sampled_from("與戶關係國臺灣學歷勞動脫貧漢張建華為這"), max_size=12)
control = st.text(
    st.one_of(st.just("\x00"), st.characters(categories=["Cc", "Cf", "Zs", "Zl", "Zp"])),
    max_size=8,
)
words = st.sampled_from(WORDS)
pieces = st.one_of(words, st.text(max_size=12), full_width, traditional, control)
texts = st.one_of(
    st.text(),
    words,
    st.lists(pieces, min_size=1, max_size=4).map("".join),
    st.tuples(pieces, st.integers(200, 2000)).map(lambda t: t[0] * t[1]),  # very long
)
floats = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e300, -1e300, 1e15, 1e16, 0.005, 0.015, -0.0, 45000.5, 202303.0, 2e7]),
)
# Readers produce 64-bit integers at most (Parquet int64/uint64; xlsx numbers are floats).
integers = st.one_of(
    st.integers(-(2**63), 2**64 - 1), st.integers(-100, 21001231), st.sampled_from([0, 1, -1])
)
decimals = st.decimals(allow_nan=True, allow_infinity=True)
dates = st.one_of(st.dates(), st.sampled_from([dt.date(1, 1, 1), dt.date(9999, 12, 31)]))
datetimes = st.datetimes()

raw_values = st.one_of(
    st.none(), texts, floats, integers, decimals, st.booleans(), dates, datetimes
)  # fmt: skip


def numbers_and_dates() -> st.SearchStrategy[object]:
    """Cells xlsxwriter can write (no NaN or infinity, no Decimal, no 64-bit integers), texts
    kept short so that a file of dozens of rows stays cheap to generate."""
    return st.one_of(
        st.none(),
        words,
        st.lists(pieces, max_size=2).map("".join),
        st.floats(allow_nan=False, allow_infinity=False),
        st.integers(-(2**53), 2**53),
        st.booleans(),
        st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(9999, 12, 31)),
    )


DECIMAL_PLACES = Decimal("0.01")
