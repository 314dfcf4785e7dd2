"""A small labelled village: the registry's members and a department's records of them,
written the ways departments write them, with the true pairs."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from jingzhun.core.idnumber import make_id_number
from jingzhun.linkage.mapping import Field, Mapping


def id_number(born: str, sequence: int) -> str:
    return make_id_number("140922", dt.date.fromisoformat(born), sequence)


def excel_serial(born: str) -> int:
    return (dt.date.fromisoformat(born) - dt.date(1899, 12, 30)).days


MEMBERS = [
    # rec_id, name, born, sequence (odd: male), village
    ("L1", "王建国", "1975-03-08", 11, "东冶村"),
    ("L2", "李秀兰", "1982-11-20", 22, "东冶村"),
    ("L3", "张明华", "1960-05-04", 31, "东冶村"),
    ("L4", "王秀英", "1950-02-01", 42, "东冶村"),
    ("L5", "王秀英", "1963-07-15", 52, "东冶村"),
    ("L6", "赵志强", "1990-01-02", 61, "西冶村"),
    ("L7", "陈玉珍", "1944-12-30", 72, "西冶村"),
    ("L8", "周海平", "1971-09-09", 81, "西冶村"),
]


def registry() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "rec_id": rec,
                "name": name,
                "id_number": id_number(born, seq),
                "birth_date": born,
                "sex": "1" if seq % 2 else "2",
                "village": village,
            }
            for rec, name, born, seq, village in MEMBERS
        ]
    )


def _mistyped(number: str) -> str:
    return number[:10] + str((int(number[10]) + 1) % 10) + number[11:]


def department() -> pd.DataFrame:
    ids = {rec: id_number(born, seq) for rec, _, born, seq, _ in MEMBERS}
    rows = [
        # traditional characters, no ID, a date in Chinese
        ("D1", "王建國", None, "1975年3月8日", "男", "东冶村"),
        # a full-width space in the name, the old 15-digit number, a compact date
        ("D2", "李\u3000秀兰", ids["L2"][:6] + ids["L2"][8:17], "19821120", "女", "东冶村"),
        # a homophone (明 → 铭), no ID, slashes
        ("D3", "张铭华", None, "1960/5/4", "男", "东冶村"),
        # one of two namesakes of the village, told apart by the birth date
        ("D4", "王秀英", None, "1950.2.1", "女", "东冶村"),
        # a third 王秀英 of the village, not in the registry
        ("D5", "王秀英", id_number("1958-10-10", 92), "1958-10-10", "女", "东冶村"),
        # a one-character typo in the name and a mistyped ID number
        ("D6", "赵志刚", _mistyped(ids["L6"]), "1990-01-02", "男", "西冶村"),
        # the ID in lower case with spaces, the date as an Excel serial number
        ("D7", "陈玉珍", " " + ids["L7"].lower() + " ", excel_serial("1944-12-30"), "女", "西冶村"),
        # a namesake with neither ID nor birth date: the name, sex and village alone
        ("D8", "王秀英", None, None, "女", "东冶村"),
    ]
    columns = ["编号", "姓名", "证件号码", "出生日期", "性别", "住址"]
    return pd.DataFrame(rows, columns=columns).astype({"出生日期": "object"})


TRUE_PAIRS = {("L1", "D1"), ("L2", "D2"), ("L3", "D3"), ("L4", "D4"), ("L6", "D6"), ("L7", "D7")}

MAPPING = Mapping(
    left_id="rec_id",
    right_id="编号",
    fields=(
        Field("name", "name", "姓名"),
        Field("id_number", "id_number", "证件号码"),
        Field("birth_date", "date", "出生日期"),
        Field("sex", "sex", "性别"),
        Field("village", "address", "住址"),
    ),
)
