"""Statistical reports as xlsx workbooks (or PDF) in the layout a county hands in: a title row
(the report, the area, the date), the header row, the data rows, an optional totals row, and
notes (what each figure counts, the parameters used). Every ledger's report (assistance,
projects, assets, relocation) and every standard report (jingzhun/reporting) is a
:class:`Report` written here, and its download is logged like every export.

Text cells are neutralised against formula injection (:mod:`jingzhun.core.formulas`); numbers
stay numbers.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

import xlsxwriter
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext

from jingzhun.core.actions import Actor
from jingzhun.core.formulas import neutralise
from jingzhun.exports.actions import do_log_download
from jingzhun.exports.models import ExportWhat

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"


@dataclass
class Report:
    """One sheet of figures. ``rows`` hold text, numbers (int, float, Decimal) or None (blank);
    ``totals`` (optional) is written in bold under the rows; ``notes`` under everything."""

    title: str
    area: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Any]]
    totals: Sequence[Any] | None = None
    notes: list[str] = field(default_factory=list)
    sheet: str = ""


def write_report(reports: Sequence[Report], out: IO[bytes]) -> int:
    """Write one sheet per report to ``out``; returns the number of data rows written."""
    book = xlsxwriter.Workbook(
        out,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    title_format = book.add_format({"bold": True, "font_size": 14})
    header = book.add_format(
        {"bold": True, "bg_color": "#E8EEF4", "border": 1, "text_wrap": True, "valign": "top"}
    )
    cell = book.add_format({"border": 1})
    number = book.add_format({"border": 1, "num_format": "#,##0.##"})
    total_text = book.add_format({"border": 1, "bold": True})
    total_number = book.add_format({"border": 1, "bold": True, "num_format": "#,##0.##"})
    written = 0
    for index, report in enumerate(reports):
        name = (report.sheet or report.title)[:31] or f"Sheet{index + 1}"
        sheet = book.add_worksheet(name.replace("/", "-"))
        sheet.write_string(0, 0, neutralise(report.title), title_format)
        made = gettext("区域：%(area)s　制表日期：%(date)s") % {
            "area": report.area,
            "date": timezone.localdate().isoformat(),
        }
        sheet.write_string(1, 0, neutralise(made))
        for col, title in enumerate(report.headers):
            sheet.write_string(3, col, neutralise(str(title)), header)
        sheet.set_column(0, 0, 24)
        sheet.set_column(1, max(1, len(report.headers) - 1), 14)
        row = 4
        for values in report.rows:
            _write_row(sheet, row, values, cell, number)
            row += 1
            written += 1
        if report.totals is not None:
            _write_row(sheet, row, report.totals, total_text, total_number)
            row += 1
        for note in report.notes:
            row += 1
            sheet.write_string(row, 0, neutralise(note))
        sheet.freeze_panes(4, 1)
    book.close()
    return written


def _write_row(sheet: Any, row: int, values: Sequence[Any], text: Any, number: Any) -> None:
    for col, value in enumerate(values):
        if value is None or value == "":
            sheet.write_blank(row, col, None, text)
        elif isinstance(value, bool):
            sheet.write_string(row, col, gettext("是") if value else gettext("否"), text)
        elif isinstance(value, int | float | Decimal):
            sheet.write_number(row, col, float(value), number)
        else:
            sheet.write_string(row, col, neutralise(str(value)), text)


def _shown(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return gettext("是") if value else gettext("否")
    if isinstance(value, float | Decimal):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def write_report_pdf(reports: Sequence[Report], out: IO[bytes]) -> int:
    """The same reports as an A4 PDF (landscape when wide), one after the other: title, area
    and date, the table with its header repeated on every page and the totals in bold, the
    notes. CJK text in the embedded font of the notices. Returns the data rows written."""
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    from jingzhun.cases.notices import FONT, register_font

    register_font()
    wide = max((len(r.headers) for r in reports), default=0) > 6
    page = landscape(A4) if wide else A4
    title = ParagraphStyle("t", fontName=FONT, fontSize=15, leading=22, wordWrap="CJK")
    small = ParagraphStyle("s", fontName=FONT, fontSize=9, leading=13, wordWrap="CJK")
    cell = ParagraphStyle("c", fontName=FONT, fontSize=9, leading=12, wordWrap="CJK")
    story: list[Any] = []
    written = 0
    width = page[0] - 24 * mm
    for index, report in enumerate(reports):
        if index:
            story.append(PageBreak())
        story.append(Paragraph(escape(report.title), title))
        made = gettext("区域：%(area)s　制表日期：%(date)s") % {
            "area": report.area,
            "date": timezone.localdate().isoformat(),
        }
        story += [Paragraph(escape(made), small), Spacer(1, 4 * mm)]
        rows = [[Paragraph(escape(str(h)), cell) for h in report.headers]]
        rows += [[Paragraph(escape(_shown(v)), cell) for v in row] for row in report.rows]
        written += len(report.rows)
        style = [
            ("FONTNAME", (0, 0), (-1, -1), FONT),
            ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8EEF4")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
        if report.totals is not None:
            rows.append([Paragraph(f"<b>{escape(_shown(v))}</b>", cell) for v in report.totals])
        columns = max(len(report.headers), 1)
        story.append(Table(rows, colWidths=[width / columns] * columns, repeatRows=1))
        story[-1].setStyle(TableStyle(style))
        for note in report.notes:
            story.append(Paragraph(escape(note), small))
    doc = SimpleDocTemplate(
        out, pagesize=page, leftMargin=12 * mm, rightMargin=12 * mm, topMargin=12 * mm,
        bottomMargin=12 * mm, title=reports[0].title if reports else "", author="jingzhun",
        invariant=True,
    )  # fmt: skip
    doc.build(story)
    return written


def report_download(
    request: HttpRequest,
    reports: Sequence[Report],
    *,
    file_stem: str,
    area_code: str,
    masked: bool = True,
    details: dict[str, Any] | None = None,
    file_format: str = "xlsx",
) -> HttpResponse:
    """The reports as an xlsx (or, with ``file_format="pdf"``, PDF) attachment, logged (export
    log and audit entry) like every download. Reports hold figures and names of areas, units
    and projects; a report listing people's numbers passes ``masked`` as the reader's
    disclosure says."""
    out = io.BytesIO()
    pdf = file_format == "pdf"
    rows = (write_report_pdf if pdf else write_report)(reports, out)
    file_name = f"{file_stem}-{timezone.localdate():%Y%m%d}.{'pdf' if pdf else 'xlsx'}"
    do_log_download(
        actor=Actor.from_request(request),
        what=ExportWhat.REPORT,
        area_code=area_code,
        file_format="pdf" if pdf else "xlsx",
        masked=masked,
        rows=rows,
        file_name=file_name,
        details={"report": file_stem, **(details or {})},
    )
    response = HttpResponse(out.getvalue(), content_type=PDF if pdf else XLSX)
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response
