"""The period a standard report covers: an ISO week (2026-W48), a month (2026-11) or a year
(2026), each an inclusive date range."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

KINDS = ("week", "month", "year")


@dataclass(frozen=True)
class Period:
    kind: str
    start: dt.date
    end: dt.date
    label: str  # Chinese, for the report's title

    @property
    def key(self) -> str:
        if self.kind == "week":
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        return str(self.start.year)


class PeriodError(ValueError):
    pass


def parse(kind: str, text: str) -> Period:
    """``text`` as a period of ``kind``; PeriodError (in Chinese, with the form expected)."""
    text = (text or "").strip()
    if kind == "week":
        found = re.fullmatch(r"(\d{4})-?W(\d{1,2})", text, re.IGNORECASE)
        if found:
            year, week = int(found.group(1)), int(found.group(2))
            try:
                start = dt.date.fromisocalendar(year, week, 1)
            except ValueError:
                raise PeriodError(f"{year}年没有第{week}周。") from None
            end = start + dt.timedelta(days=6)
            return Period(
                kind, start, end, f"{year}年第{week}周（{start:%m月%d日}—{end:%m月%d日}）"
            )
        raise PeriodError(f"“{text}”不是周：请写成 2026-W48。")
    if kind == "month":
        found = re.fullmatch(r"(\d{4})-(\d{1,2})", text)
        if found and 1 <= int(found.group(2)) <= 12:
            year, month = int(found.group(1)), int(found.group(2))
            last = calendar.monthrange(year, month)[1]
            return Period(
                kind, dt.date(year, month, 1), dt.date(year, month, last), f"{year}年{month}月"
            )
        raise PeriodError(f"“{text}”不是月份：请写成 2026-11。")
    if kind == "year":
        if re.fullmatch(r"\d{4}", text):
            year = int(text)
            return Period(kind, dt.date(year, 1, 1), dt.date(year, 12, 31), f"{year}年")
        raise PeriodError(f"“{text}”不是年份：请写成 2026。")
    raise PeriodError(f"不认识的报表周期“{kind}”。")


def current(kind: str, today: dt.date) -> Period:
    """The period of ``kind`` that holds ``today``."""
    if kind == "week":
        year, week, _ = today.isocalendar()
        return parse(kind, f"{year}-W{week}")
    if kind == "month":
        return parse(kind, f"{today:%Y-%m}")
    return parse(kind, str(today.year))
