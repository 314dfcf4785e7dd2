"""The reports as xlsx workbooks in the layout a county hands in: a title row naming the area
and year, a header row, one row per line, a total row. Cells hold numbers as numbers (amounts
to the cent, rates as percentages) and text neutralised against formula injection like every
spreadsheet the project writes (:mod:`jingzhun.core.formulas`)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import xlsxwriter

from jingzhun.core.formulas import neutralise


class Book:
    """A small helper over xlsxwriter: sheets of titled tables."""

    def __init__(self) -> None:
        self.buffer = io.BytesIO()
        self.book = xlsxwriter.Workbook(
            self.buffer,
            {
                "in_memory": True,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        self.title = self.book.add_format({"bold": True, "font_size": 14})
        self.header = self.book.add_format(
            {"bold": True, "bg_color": "#E8EEF4", "border": 1, "text_wrap": True}
        )
        self.cell = self.book.add_format({"border": 1, "text_wrap": True, "valign": "top"})
        self.money = self.book.add_format({"border": 1, "num_format": "#,##0.00"})
        self.number = self.book.add_format({"border": 1, "num_format": "#,##0.###"})
        self.percent = self.book.add_format({"border": 1, "num_format": "0.00"})
        self.bold = self.book.add_format({"border": 1, "bold": True})

    def sheet(
        self,
        name: str,
        title: str,
        header: Sequence[str],
        rows: Sequence[Sequence[Any]],
        *,
        formats: Sequence[str] = (),
        notes: Sequence[str] = (),
    ) -> None:
        """``formats`` per column: "text", "money", "number" or "percent" (a percentage figure
        such as 30.14, written as a number)."""
        sheet = self.book.add_worksheet(name[:31])
        sheet.write_string(0, 0, neutralise(title), self.title)
        for col, text in enumerate(header):
            sheet.write_string(2, col, neutralise(str(text)), self.header)
        sheet.set_column(0, 0, 8)
        sheet.set_column(1, len(header), 16)
        for r, row in enumerate(rows, start=3):
            for col, value in enumerate(row):
                kind = formats[col] if col < len(formats) else "text"
                if value is None or value == "":
                    sheet.write_blank(r, col, None, self.cell)
                elif kind in ("money", "number", "percent") and isinstance(
                    value, Decimal | int | float
                ):
                    style = {"money": self.money, "number": self.number, "percent": self.percent}
                    sheet.write_number(r, col, float(value), style[kind])
                else:
                    sheet.write_string(r, col, neutralise(str(value)), self.cell)
        line = len(rows) + 4
        for note in notes:
            sheet.write_string(line, 0, neutralise(note))
            line += 1
        sheet.freeze_panes(3, 0)

    def close(self) -> bytes:
        self.book.close()
        return self.buffer.getvalue()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
