"""The audit trail as an xlsx workbook for inspectors: the page's columns, rendered the same way.

Cells hold what the reader may see (the entries come rendered with their disclosure policy) and
are neutralised against formula injection like every other spreadsheet the project writes
(:mod:`jingzhun.core.formulas`)."""

from __future__ import annotations

from typing import IO

import xlsxwriter
from django.utils import timezone
from django.utils.translation import gettext

from jingzhun.audit.rendering import RenderedEntry
from jingzhun.core.formulas import neutralise


def headers() -> list[str]:
    """The column titles, in the active language."""
    return [
        gettext("时间"),
        gettext("操作人"),
        gettext("来源地址"),
        gettext("来源"),
        gettext("操作"),
        gettext("对象"),
        gettext("区划代码"),
        gettext("变更"),
        gettext("原因"),
    ]


def write_audit_xlsx(entries: list[RenderedEntry], out: IO[bytes], *, filters: list[str]) -> int:
    """Write ``entries`` to ``out`` (one sheet: a title row naming the filters, the header row,
    one row per entry). Returns the number of entries written."""
    book = xlsxwriter.Workbook(
        out,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    sheet = book.add_worksheet(gettext("审计记录"))
    bold = book.add_format({"bold": True})
    header = book.add_format({"bold": True, "bg_color": "#E8EEF4", "border": 1})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    described = "；".join(filters) or gettext("全部")
    title = gettext("审计记录（筛选：%(filters)s）") % {"filters": described}
    sheet.write_string(0, 0, neutralise(title), bold)
    for col, title in enumerate(headers()):
        sheet.write_string(1, col, title, header)
    sheet.freeze_panes(2, 0)
    sheet.set_column(0, 0, 20)
    sheet.set_column(1, 6, 14)
    sheet.set_column(7, 8, 48)
    for row, r in enumerate(entries, start=2):
        e = r.entry
        cells = [
            timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"),
            r.actor,
            e.ip or "",
            e.get_source_display(),
            r.action,
            r.object_label,
            e.area_code,
            r.changes_text,
            r.reason,
        ]
        for col, value in enumerate(cells):
            if value:
                sheet.write_string(row, col, neutralise(str(value)), wrap)
    book.close()
    return len(entries)
