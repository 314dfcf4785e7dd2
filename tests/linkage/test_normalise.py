"""Normalisation: equal things written differently compare equal; unreadable values are empty."""

from __future__ import annotations

import datetime as dt

import pytest

from jingzhun.core.idnumber import make_id_number
from jingzhun.linkage import normalise as n

ID_1975 = make_id_number("140922", dt.date(1975, 3, 8), 11)  # odd sequence: male
ID_X = "11010519491231002X"  # the GB 11643 example: check character X, female


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("王建國", "王建国"),
        ("劉 秀英", "刘秀英"),
        ("张\u3000三", "张三"),
        ("  李四  ", "李四"),
        ("阿依古丽•买买提", "阿依古丽·买买提"),
        ("阿依古丽・买买提", "阿依古丽·买买提"),
        ("ＷＡＮＧ", "wang"),
        (None, ""),
        ("   ", ""),
        (float("nan"), ""),
    ],
)
def test_it_normalises_names(raw: object, expected: str) -> None:
    assert n.normalise_name(raw) == expected


def test_homophones_share_their_pinyin_and_initials() -> None:
    assert n.name_pinyin("王建国") == n.name_pinyin("汪建國") == "wangjianguo"
    assert n.name_initials("王建国") == "wjg"
    assert n.name_pinyin(None) == ""


def test_it_normalises_id_numbers_and_upgrades_15_digit_ones() -> None:
    old = ID_1975[:6] + ID_1975[8:17]
    assert n.normalise_id(old) == ID_1975  # the check character is computed
    assert n.normalise_id("１１０１０５ １９４９１２３１ ００２x") == ID_X
    assert n.normalise_id("110105-19491231-002x") == ID_X
    assert n.normalise_id(None) == n.normalise_id(" ") == ""


def test_a_mistyped_id_number_is_kept_but_not_valid() -> None:
    wrong = ID_1975[:17] + ("0" if ID_1975[17] != "0" else "1")
    assert n.normalise_id(wrong) == wrong
    assert not n.valid_id(wrong)
    assert n.valid_id(ID_1975) and n.valid_id(ID_X.lower())
    assert not n.valid_id("") and not n.valid_id("12345")


def test_birth_date_and_sex_come_from_valid_numbers_only() -> None:
    assert n.birth_from_id(ID_1975) == dt.date(1975, 3, 8)
    assert n.sex_from_id(ID_1975) == "1"
    assert n.sex_from_id(ID_X) == "2"
    assert n.birth_from_id("123") is None and n.sex_from_id("123") == ""


@pytest.mark.parametrize(
    "raw",
    [
        dt.date(1975, 3, 8),
        dt.datetime(1975, 3, 8, 10, 30),
        19750308,
        19750308.0,
        "19750308",
        "1975-03-08",
        "1975/3/8",
        "1975.3.8",
        "1975年3月8日",
        "１９７５年３月８日",
        27461,  # Excel's serial number of 1975-03-08
        "27461",
    ],
)
def test_it_reads_every_written_form_of_a_date(raw: object) -> None:
    assert n.normalise_date(raw) == dt.date(1975, 3, 8)


@pytest.mark.parametrize("raw", [None, "", "不详", "1975-02-30", "abc", float("nan"), True])
def test_an_unreadable_date_is_none(raw: object) -> None:
    assert n.normalise_date(raw) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("男", "1"),
        ("女", "2"),
        ("M", "1"),
        ("f", "2"),
        ("Male", "1"),
        ("female", "2"),
        (1, "1"),
        ("2", "2"),
        ("２", "2"),
        ("未知", ""),
        (None, ""),
    ],
)
def test_it_normalises_sex(raw: object, expected: str) -> None:
    assert n.normalise_sex(raw) == expected


def test_it_normalises_free_text() -> None:
    assert n.normalise_text("  山西省　五臺縣  東冶村 ") == "山西省 五台县 东冶村"
    assert n.normalise_text("Main  STREET") == "main street"
    assert n.normalise_code(" 2000.0 ") == "2000.0" and n.normalise_code(2000.0) == "2000"
