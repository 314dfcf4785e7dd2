"""Files the import hands out: the household template (with dropdowns for every value list) and
the failed rows of an upload (the original cells plus an error column, ready to correct and
upload again). Text that a spreadsheet would run as a formula is neutralised on the way out.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import IO, Any

import xlsxwriter
from django.utils import translation

from jingzhun.core.formulas import neutralise
from jingzhun.core.masking import Disclosure
from jingzhun.imports.cells import choice_labels
from jingzhun.imports.layout import TEMPLATE_COLUMNS
from jingzhun.imports.models import Upload
from jingzhun.imports.reading import open_table
from jingzhun.imports.scoping import disclosed_cell

TEMPLATE_SHEET = "农户信息"
TEMPLATE_ROWS = 2000  # rows that carry the dropdowns
KIND_HELP = {
    "text": "文本",
    "name": "姓名（按原样保存）",
    "id": "证件号码（文本格式，18位）",
    "choice": "下拉选择",
    "date": "日期，如2023-03-15",
    "year": "年份，如2020",
    "money": "金额（元）",
    "decimal": "数字",
    "int": "整数",
    "bool": "是/否",
}


def write_household_template(out: IO[bytes]) -> None:
    """One row per person, the national export's columns first (so the same reader takes both):
    two title rows, the header on row 3, household fields repeated on each member's row."""
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    bold = book.add_format({"bold": True, "bg_color": "#E4E7EB", "border": 1})
    title = book.add_format({"bold": True, "font_size": 14})
    text = book.add_format({"num_format": "@"})
    sheet = book.add_worksheet(TEMPLATE_SHEET)
    lists = book.add_worksheet("值列表")
    help_sheet = book.add_worksheet("填写说明")
    sheet.write(0, 0, "农户信息导入模板（精准扶贫与防返贫动态监测系统）", title)
    sheet.write(
        1,
        0,
        "每行一名家庭成员；户编号、区划、户信息、收入和生产生活条件在本户每位成员行重复填写。"
        "收入年度在上传时选择。",
    )
    list_col = 0
    with translation.override("zh-hans"):
        for index, column in enumerate(TEMPLATE_COLUMNS):
            sheet.write(2, index, column.name, bold)
            sheet.set_column(
                index,
                index,
                max(10, len(column.name) * 2 + 2),
                text if column.kind in ("id", "text") else None,
            )
            source = None
            if column.kind == "choice":
                labels = choice_labels(column.choices)
                lists.write(0, list_col, column.name, bold)
                for r, label in enumerate(labels, start=1):
                    lists.write_string(r, list_col, label)
                letter = xlsxwriter.utility.xl_col_to_name(list_col)
                source = f"=值列表!${letter}$2:${letter}${len(labels) + 1}"
                list_col += 1
            elif column.kind == "bool":
                source = ["是", "否"]
            if source is not None:
                sheet.data_validation(
                    3,
                    index,
                    3 + TEMPLATE_ROWS,
                    index,
                    {
                        "validate": "list",
                        "source": source,
                        "error_title": column.name,
                        "error_message": "请从下拉列表中选择",
                    },
                )
            help_sheet.write_string(index + 1, 0, column.name)
            help_sheet.write_string(index + 1, 1, KIND_HELP.get(column.kind, column.kind))
    help_sheet.write_row(0, 0, ["列名", "填写方式"], bold)
    help_sheet.set_column(0, 1, 30)
    sheet.freeze_panes(3, 4)
    lists.hide()
    book.close()


def _cell_text(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def write_failed_rows(upload: Upload, out: IO[bytes], *, disclosure: Disclosure) -> int:
    """The refused rows (and the rows held back with them) with their original cells and a
    last column 错误说明, as ``disclosure`` allows the reader to see them (number columns
    masked, health hidden, numbers in other text masked). Returns how many rows were written.
    Callers log the download (:func:`jingzhun.imports.actions.do_download_failed_rows`)."""
    problems = upload.preview.get("problems", [])
    by_row: dict[int, list[str]] = {}
    for p in problems:
        by_row.setdefault(int(p["row"]), []).append(
            f"{p['column']}：{p['reason']}（改正：{p['fix']}）"
            if p.get("column")
            else f"{p['reason']}（改正：{p['fix']}）"
        )
    for refusal in upload.result.get("late_refusals", []):
        by_row.setdefault(int(refusal["row"]), []).append(refusal["reason"])
    by_row = {row: [disclosure.text(e) for e in errors] for row, errors in by_row.items()}
    table = open_table(Path(upload.file_path), sheet=upload.sheet or None)
    width = max(table.titles) + 1 if table.titles else 0
    book = xlsxwriter.Workbook(
        out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    sheet = book.add_worksheet("失败行")
    bold = book.add_format({"bold": True, "bg_color": "#FED7D7"})
    sheet.write_string(0, 0, f"导入失败的行（批次{upload.pk}：{upload.original_name}）")
    sheet.write_string(1, 0, "改正后可直接重新上传；“错误说明”和“原行号”两列导入时会被忽略。")
    for index in range(width):
        sheet.write_string(2, index, table.titles.get(index, ""), bold)
    sheet.write_string(2, width, "错误说明", bold)
    sheet.write_string(2, width + 1, "原行号", bold)
    written = 0
    for number, cells in table.rows:
        errors = by_row.get(number)
        if not errors:
            continue
        written += 1
        r = 2 + written
        for index, value in enumerate(cells[:width]):
            value = _cell_text(value)
            if value is None:
                continue
            if not disclosure.full:
                value = disclosed_cell(disclosure, table.titles.get(index, ""), value)
            if isinstance(value, bool):
                sheet.write_string(r, index, "是" if value else "否")
            elif isinstance(value, int | float):
                sheet.write_number(r, index, value)
            else:
                sheet.write_string(r, index, neutralise(str(value)))
        sheet.write_string(r, width, neutralise("；".join(errors)))
        sheet.write_number(r, width + 1, number)
    book.close()
    return written
