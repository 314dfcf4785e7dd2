"""Reading a ledger file and running its rows through the ledger's action.

The file is opened by the registry import's reader (:func:`jingzhun.imports.reading.open_table`:
xlsx or CSV in UTF-8 or GBK, row limits, unreadable files refused) with a header recognised
from the ledger's columns; cells are read by :mod:`jingzhun.imports.cells` (dates in every
written form, numbers with separators and units, yes/no variants, value lists with their
variants). Every row then goes through ``find`` and ``write`` of the ledger in its own savepoint:
a refusal rolls back that row only.

:func:`run` is called twice with the same code: for the preview inside a transaction that is
rolled back, and for the apply inside the transaction that is kept. That is what makes the
preview's refusals the actions' own, to the message.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from jingzhun.core.actions import ConcurrentEditError, NotFound, PermissionDenied
from jingzhun.imports import cells
from jingzhun.imports.reading import FileRefused, Header, Table, open_table
from jingzhun.ledgers.spec import Column, Context, Ledger, Row
from jingzhun.registry.national import normalize_header

DEFAULT_MAX_ROWS = 5000
REFUSALS = (ValidationError, NotFound, PermissionDenied, ConcurrentEditError)
# The failed-rows file's own columns: read back as unknown columns and ignored.
ERROR_TITLE, ROW_TITLE = "错误说明", "原行号"


def max_rows() -> int:
    """Rows one ledger file may hold: every row runs through the actions twice (preview and
    apply) in the request, so the limit is far below the registry import's."""
    return int(getattr(settings, "JINGZHUN_LEDGER_MAX_ROWS", DEFAULT_MAX_ROWS))


def header_for(ledger: Ledger) -> Header:
    """How the ledger's header row is recognised: titles and aliases compared after width and
    bracket folding; every required column must be there."""
    index = {
        normalize_header(title): column
        for column in ledger.columns
        for title in (column.title, *column.aliases)
    }
    required = {c.key for c in ledger.columns if c.required}

    def recognise(row: list[Any]) -> dict[int, Column]:
        found: dict[int, Column] = {}
        for position, title in enumerate(row):
            column = index.get(normalize_header(title)) if title not in (None, "") else None
            if column is not None and column.key not in {c.key for c in found.values()}:
                found[position] = column
        return found if required <= {c.key for c in found.values()} else {}

    titles = "、".join(f"“{c.title}”" for c in ledger.columns if c.required)
    return Header(
        recognise,
        f"没有找到“{ledger.title}”的表头（前10行中应有一行包含{titles}）",
        f"请下载“{ledger.title}”的导入模板，按模板的列名填写后上传",
    )


def open_ledger(ledger: Ledger, path: Path) -> Table:
    """The file positioned after its header. Raises :class:`FileRefused`."""
    return open_table(path, header=header_for(ledger))


@dataclass
class Problem:
    """Why a row is refused: the column (its title as the ledger names it; "" for the row as a
    whole), the value as written, the reason and the fix."""

    column: str
    value: str
    reason: str
    fix: str

    def as_dict(self) -> dict[str, str]:
        return {"column": self.column, "value": self.value, "reason": self.reason, "fix": self.fix}


@dataclass
class RowResult:
    row: int
    action: str  # create / change / unchanged / refused
    summary: str = ""
    changes: dict[str, list[Any]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "action": self.action,
            "summary": self.summary,
            "changes": self.changes,
            "problems": [p.as_dict() for p in self.problems],
        }


@dataclass
class Run:
    rows: list[RowResult] = field(default_factory=list)
    empty_rows: int = 0
    notes: Counter[str] = field(default_factory=Counter)

    def counts(self) -> dict[str, int]:
        counted = Counter(r.action for r in self.rows)
        return {
            "rows": len(self.rows),
            "create": counted["create"],
            "change": counted["change"],
            "unchanged": counted["unchanged"],
            "refused": counted["refused"],
            "empty_rows": self.empty_rows,
        }


def _shown(raw: Any) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if hasattr(raw, "isoformat"):
        return raw.isoformat()[:10] if hasattr(raw, "hour") else raw.isoformat()
    return str(raw)


def read_option(raw: Any, column: Column) -> cells.Cell:
    """A value of a list outside the registry (``Column.options``): its label or one of the
    spellings given, compared after width folding and traditional → simplified."""
    text = cells.read_text(raw).value
    key = cells.to_simplified(text)
    for value, labels in column.options:
        if key in {cells.to_simplified(label) for label in (*labels, value)}:
            notes = [] if text == labels[0] else [f"“{text}”读作“{labels[0]}”"]
            return cells.Cell(value, notes)
    raise cells.CellError(f"“{text}”不在取值范围内", f"请从下列值中选择：{column.allowed}")


def read(column: Column, raw: Any) -> cells.Cell:
    """One cell as its column reads it (blank → ``Cell(None)``). Raises ``CellError``."""
    if cells.is_blank(raw):
        return cells.Cell(None)
    if column.kind == "options":
        return read_option(raw, column)
    return cells.read_cell(column.kind, raw, column.choices)


def parse(table: Table, values: list[Any]) -> tuple[Row, list[Problem], list[str]]:
    """The row's values by column key (absent columns and blank cells: None), the cells that
    cannot be read, and the notes of what was normalised."""
    row: Row = {}
    problems: list[Problem] = []
    notes: list[str] = []
    for position, column in table.columns.items():
        raw = values[position] if position < len(values) else None
        try:
            cell = read(column, raw)
        except cells.CellError as error:
            problems.append(Problem(column.title, _shown(raw), error.reason, error.fix))
            row[column.key] = None
            continue
        row[column.key] = cell.value
        notes += [f"{column.title}：{note}" for note in cell.notes]
    return row, problems, notes


def _split(message: str) -> tuple[str, str]:
    """An action's message "what is wrong：请 do this" as (reason, fix)."""
    for mark in ("：请", ":请", "；请", "，请"):
        if mark in message:
            reason, fix = message.split(mark, 1)
            return reason, "请" + fix
    return message.rstrip("。"), ""


def refusals(ledger: Ledger, error: Exception, row: Row) -> list[Problem]:
    """The problems an action's refusal names, each under the column its field belongs to."""
    problems: list[Problem] = []
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for key, messages in error.message_dict.items():
            column = ledger.column_for(key)
            for message in messages:
                reason, fix = _split(message)
                if not fix:
                    fix = (
                        f"请按填写说明改正“{column.title}”（{column.allowed}）"
                        if column is not None
                        else "请按填写说明改正后重新上传"
                    )
                value = _shown(row.get(column.key)) if column is not None else ""
                problems.append(Problem(column.title if column else "", value, reason, fix))
        return problems
    if isinstance(error, ValidationError):
        return [Problem("", "", "；".join(error.messages), "请按填写说明改正后重新上传")]
    if isinstance(error, NotFound):
        return [Problem("", "", "该行所指的记录不存在或不在您的辖区内", "请核对后重新上传")]
    if isinstance(error, ConcurrentEditError):
        return [Problem("", "", str(error), "请刷新后重新上传该行")]
    return [Problem("", "", str(error), "请由有权限的人员上传")]


def run(
    ledger: Ledger,
    table: Table,
    ctx: Context,
    *,
    skip: Collection[int] = (),
    progress: Callable[[int], None] | None = None,
) -> Run:
    """Every row of ``table`` through the ledger's ``find`` and ``write``, each in a savepoint.
    Rows numbered in ``skip`` (refused at the preview) are refused again without running.
    Raises :class:`FileRefused` for a file over :func:`max_rows`."""
    result = Run()
    limit = max_rows()
    for number, values in table.rows:
        if all(cells.is_blank(v) for v in values):
            result.empty_rows += 1
            continue
        if len(result.rows) >= limit:
            raise FileRefused(
                f"文件超过台账单次导入上限{limit:,}行", "请按乡镇拆分成多个文件分别导入"
            )
        row, problems, notes = parse(table, values)
        result.notes.update(notes)
        if number in skip:
            result.rows.append(RowResult(number, "refused", problems=problems))
            continue
        outcome = None
        if not problems:
            try:
                with transaction.atomic():
                    existing = ledger.find(ctx, row)
                    outcome = ledger.write(ctx, row, existing)
            except REFUSALS as error:
                problems = refusals(ledger, error, row)
        if outcome is None:
            result.rows.append(RowResult(number, "refused", problems=problems))
        else:
            result.rows.append(RowResult(number, outcome.action, outcome.summary, outcome.changes))
        if progress is not None:
            progress(len(result.rows))
    return result


class _RolledBack(Exception):
    pass


def preview(ledger: Ledger, table: Table, ctx: Context) -> Run:
    """:func:`run` inside a transaction that is always rolled back: the database is left as
    it was, audit entries and side effects (``on_commit``) included."""
    outcome: Run | None = None
    try:
        with transaction.atomic():
            outcome = run(ledger, table, ctx)
            raise _RolledBack
    except _RolledBack:
        pass
    assert outcome is not None
    return outcome
