"""Building import files in tests (national-format xlsx, template-shaped CSV/Parquet)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import xlsxwriter

from jingzhun.core.idnumber import make_id_number

NATIONAL_SHEET = "（自定义）监测对象信息"
HEADER = [
    "县(市、区、旗)",
    "乡(镇)",
    "行政村",
    "户编号",
    "姓名",
    "证件类型",
    "证件号码",
    "性别",
    "出生日期",
    "民族",
    "与户主关系",
    "文化程度",
    "在校生状况",
    "健康状况",
    "劳动技能",
    "户类型",
    "监测对象类别",
    "识别监测时间",
    "致贫/返贫风险1",
    "人均纯收入（元）",
    "工资性收入",
    "生产经营性收入",
    "财产性收入",
    "转移性收入",
    "生产经营性支出",
    "是否参加城乡居民基本医疗保险",
    "是否参加大病保险",
    "是否危房户",
    "耕地面积（亩）",
    "务工所在地",
]


def person_id(birth: dt.date, seq: int, area: str = "140922") -> str:
    return make_id_number(area, birth, seq)


def family(
    world: Any, number: str, *, seq: int = 1, village: str | None = None, **overrides: Any
) -> list[dict[str, Any]]:
    """A 脱贫户 of three (head, spouse, son) as three national rows."""
    head_birth, wife_birth, son_birth = (
        dt.date(1970, 3, 4),
        dt.date(1972, 5, 6),
        dt.date(2000, 9, 1),
    )
    household = {
        "县(市、区、旗)": world.county.name,
        "乡(镇)": world.township.name,
        "行政村": village or world.village.name,
        "户编号": number,
        "户类型": "脱贫户",
        "人均纯收入（元）": "8,100",
        "工资性收入": "18,000",
        "生产经营性收入": 6000,
        "财产性收入": 0,
        "转移性收入": 1800,
        "生产经营性支出": 1500,
        "是否危房户": "否",
        "耕地面积（亩）": 3.5,
    }
    base = seq * 10
    rows = [
        household
        | {
            "姓名": "张建国",
            "证件类型": "居民身份证",
            "证件号码": person_id(head_birth, base + 1),
            "性别": "男",
            "出生日期": "1970-03-04",
            "民族": "汉族",
            "与户主关系": "户主",
            "文化程度": "初中",
            "在校生状况": "非在校生",
            "健康状况": "健康",
            "劳动技能": "普通劳动力",
            "是否参加城乡居民基本医疗保险": "是",
            "是否参加大病保险": "是",
        },
        household
        | {
            "姓名": "李秀英",
            "证件类型": "居民身份证",
            "证件号码": person_id(wife_birth, base + 2),
            "性别": "女",
            "出生日期": "1972-05-06",
            "民族": "汉族",
            "与户主关系": "配偶",
            "文化程度": "小学",
            "在校生状况": "非在校生",
            "健康状况": "健康",
            "劳动技能": "普通劳动力",
            "是否参加城乡居民基本医疗保险": "是",
            "是否参加大病保险": "是",
        },
        household
        | {
            "姓名": "张小明",
            "证件类型": "居民身份证",
            "证件号码": person_id(son_birth, base + 3),
            "性别": "男",
            "出生日期": "2000-09-01",
            "民族": "汉族",
            "与户主关系": "之子",
            "文化程度": "高中",
            "在校生状况": "非在校生",
            "健康状况": "健康",
            "劳动技能": "普通劳动力",
            "是否参加城乡居民基本医疗保险": "是",
            "是否参加大病保险": "是",
        },
    ]
    for row in rows:
        row.update(overrides)
    return rows


def write_national(
    path: Path,
    rows: list[dict[str, Any]],
    *,
    header: list[str] = HEADER,
    sheet: str = NATIONAL_SHEET,
    decoy_first: bool = False,
    merge_household: bool = False,
    trailing_empty: int = 0,
) -> Path:
    """A national export: two title rows, header on row 3. Values are written as they are
    given (strings stay strings: nothing is turned into a formula)."""
    book = xlsxwriter.Workbook(
        str(path), {"strings_to_formulas": False, "strings_to_numbers": False}
    )
    if decoy_first:
        decoy = book.add_worksheet("（自定义）行政村信息")
        decoy.write_row(2, 0, ["县", "乡", "村", "人口数"])
    ws = book.add_worksheet(sheet)
    ws.write(0, 0, "防止返贫监测信息系统 监测对象信息")
    ws.write(1, 0, f"导出时间：2024-03-01  共{len(rows)}条")
    ws.write_row(2, 0, header)
    r = 3
    for row in rows:
        for c, title in enumerate(header):
            value = row.get(title)
            if value is None:
                continue
            if isinstance(value, str):
                ws.write_string(r, c, value)
            elif isinstance(value, dt.date):
                ws.write_datetime(
                    r,
                    c,
                    dt.datetime.combine(value, dt.time()),
                    book.add_format({"num_format": "yyyy-mm-dd"}),
                )
            else:
                ws.write(r, c, value)
        r += 1
    if merge_household and len(rows) >= 2:
        # 户编号 merged over the family's rows, as some exports do.
        col = header.index("户编号")
        ws.merge_range(3, col, 3 + len(rows) - 1, col, rows[0]["户编号"])
    for extra in range(trailing_empty):
        ws.write_blank(r + extra, 0, None, book.add_format({"bold": True}))
    book.close()
    return path


def stage(user: Any, path: Path, *, kind: str = "national", year: int | None = 2023, **kw: Any):
    """Upload, validate; returns the upload waiting for confirmation (or failed)."""
    from jingzhun.core.actions import Actor
    from jingzhun.imports import actions

    with path.open("rb") as stream:
        upload = actions.do_create_upload(
            actor=Actor(user=user, source="import"),
            stream=stream,
            original_name=path.name,
            kind=kind,
            year=year,
            **kw,
        )
    return actions.do_validate_upload(upload)


def apply(upload: Any, user: Any):
    from jingzhun.core.actions import Actor
    from jingzhun.imports import actions

    actions.do_request_apply(upload, actor=Actor(user=user, source="import"))
    return actions.do_apply_upload(upload)
