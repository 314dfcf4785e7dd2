"""Reading a department batch: the file (or the rows a department system pushes) checked
against its dataset kind, row by row, into normalised records and refused rows.

Refused is only what cannot be stored or identified: a required cell that is blank or
unreadable, an ID number that fails its check character, a value not in the kind's list, and a
row with neither an ID number nor a birth date (a name alone cannot say who it is). Everything
else is kept, with a note per cell where a value was read in a normalised way.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from jingzhun.core.idnumber import parse_id_number
from jingzhun.core.names import normalize_name
from jingzhun.crosscheck import addresses
from jingzhun.crosscheck.kinds import Column, DatasetKind, best_other_kind, fold
from jingzhun.imports import cells
from jingzhun.imports.reading import FileRefused, Header, open_table

TEXT_MAX = 200
NAME_MAX = 64
# As the registry stores sex (M/F): the labels and codes departments write.
_SEXES = {"男": "M", "女": "F", "1": "M", "2": "F", "m": "M", "f": "F", "male": "M", "female": "F"}


class BatchRefused(Exception):
    """The whole batch is refused (nothing stored): ``reason`` and ``fix`` are shown."""

    def __init__(self, reason: str, fix: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.fix = fix


@dataclass
class Refusal:
    row: int
    column: str
    reason: str
    fix: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "reason": self.reason, "fix": self.fix}


@dataclass
class Parsed:
    records: list[dict[str, Any]] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    total_rows: int = 0


def person_key(id_number: str, name_norm: str, birth: dt.date | None) -> str:
    """Who a record is about, as far as the record says: the ID number, else name and birth."""
    return id_number or f"{name_norm}|{birth.isoformat() if birth else ''}"


def _signal_key(kind: str, record: dict[str, Any]) -> str:
    parts = [
        kind,
        person_key(record["id_number"], record["name_norm"], record["birth_date"]),
        record["event_date"].isoformat(),
        record["category"],
        str(record["amount"] if record["amount"] is not None else ""),
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]


def _sex(raw: Any) -> str:
    key = fold(raw)
    if key in _SEXES:
        return _SEXES[key]
    raise cells.CellError(f"“{raw}”不是性别", "请填写“男”或“女”")


def _text(raw: Any, limit: int) -> str:
    text = cells.read_text(raw).value or ""
    if len(text) > limit:
        raise cells.CellError(f"内容有{len(text)}个字，超过{limit}个字", f"请精简到{limit}个字以内")
    return text


def _amount(raw: Any) -> Decimal:
    value = cells.read_decimal(raw).value
    if value < 0:
        raise cells.CellError(f"金额“{raw}”是负数", "请填写不小于0的金额")
    return value


def read_value(column: Column, raw: Any) -> Any:
    """One cell as its column's kind says; raises :class:`cells.CellError`."""
    if column.kind == "name":
        return _text(raw, NAME_MAX)
    if column.kind == "id_number":
        return cells.read_id(raw).value
    if column.kind == "date":
        return cells.read_date(raw).value
    if column.kind == "sex":
        return _sex(raw)
    if column.kind == "amount":
        return _amount(raw)
    if column.kind == "choice":
        code = column.code_for(str(raw))
        if code is None:
            labels = "、".join(labels[0] for labels in column.values.values())
            raise cells.CellError(f"“{raw}”不在可选值中", f"请填写其中之一：{labels}")
        return code
    return _text(raw, TEXT_MAX)


def _record(
    kind: DatasetKind, number: int, values: dict[str, Any], resolve: addresses.Resolver
) -> dict[str, Any]:
    id_number = values.get("id_number") or ""
    birth = values.get("birth_date")
    sex = values.get("sex") or ""
    if id_number:
        parsed = parse_id_number(id_number)
        birth = birth or parsed.birth_date
        sex = sex or parsed.sex
    address = values.get("address") or ""
    category_column = next((c for c in kind.columns if c.kind == "choice"), None)
    record = {
        "row": number,
        "name": values["name"],
        "name_norm": normalize_name(values["name"]),
        "id_number": id_number,
        "birth_date": birth,
        "sex": sex,
        "address": address,
        "area_code": resolve(address) if address else "",
        "event_date": values["event_date"],
        "amount": values.get("amount"),
        "category": values.get(category_column.field, "") if category_column else "",
        "details": {
            c.field: str(values[c.field])
            for c in kind.columns
            if c.kind == "text" and values.get(c.field)
        },
    }
    record["signal_key"] = _signal_key(kind.code, record)
    return record


def parse_rows(
    kind: DatasetKind,
    rows: Iterable[tuple[int, dict[Column, Any]]],
    *,
    resolve: addresses.Resolver,
) -> Parsed:
    """Rows as (row number, column → raw value) into records and refusals."""
    parsed = Parsed()
    for number, raw_row in rows:
        if all(cells.is_blank(v) for v in raw_row.values()):
            continue
        parsed.total_rows += 1
        values: dict[str, Any] = {}
        refusals: list[Refusal] = []
        for column in kind.columns:
            raw = raw_row.get(column)
            if cells.is_blank(raw):
                if column.required:
                    refusals.append(
                        Refusal(number, column.label, "必填项为空", f"请填写“{column.label}”")
                    )
                continue
            try:
                values[column.field] = read_value(column, raw)
            except cells.CellError as error:
                refusals.append(Refusal(number, column.label, error.reason, error.fix))
        if not refusals and not values.get("id_number") and not values.get("birth_date"):
            refusals.append(
                Refusal(
                    number,
                    "证件号码",
                    "既无证件号码也无出生日期，仅凭姓名无法确认是谁（同名者常见）",
                    "请补充身份证号码或出生日期",
                )
            )
        if refusals:
            parsed.refusals.extend(refusals)
        else:
            parsed.records.append(_record(kind, number, values, resolve))
    return parsed


def _header(kind: DatasetKind) -> Header:
    required = "、".join(f"“{c.label}”" for c in kind.columns if c.required)
    return Header(
        kind.recognise,
        f"没有找到“{kind.name}”的表头（前10行中须有{required}等列）",
        "请使用部门导出的原始表格，列名见“部门数据”页的说明",
    )


def read_file(
    path: Path, kind: DatasetKind, *, resolve: addresses.Resolver, original_name: str = ""
) -> Parsed:
    """Parse a batch file. Raises :class:`BatchRefused` for a file that cannot be this kind."""
    try:
        table = open_table(path, header=_header(kind))
    except FileRefused as refused:
        titles = _first_rows_titles(path)
        other = best_other_kind(titles, kind.code) if titles else None
        if other is not None:
            raise BatchRefused(
                f"这份文件看起来是“{other.department}：{other.name}”，不是“{kind.name}”",
                f"请选择数据类型“{other.name}”后重新上传，或换成{kind.name}的文件",
            ) from None
        raise BatchRefused(refused.reason, refused.fix) from None

    def rows() -> Iterator[tuple[int, dict[Column, Any]]]:
        for number, values in table.rows:
            yield (
                number,
                {
                    column: values[i] if i < len(values) else None
                    for i, column in table.columns.items()
                },
            )

    parsed = parse_rows(kind, rows(), resolve=resolve)
    parsed.notes.extend(table.notes)
    if table.unknown:
        parsed.notes.append("未使用的列：" + "、".join(table.unknown))
    return parsed


def _first_rows_titles(path: Path) -> list[str]:
    """The titles of the file's first non-empty row (to say which kind a wrong file is)."""
    try:
        table = open_table(path, header=Header(lambda row: {0: row} if any(row) else {}, "", ""))
    except FileRefused:
        return []
    return [str(t) for t in next(iter(table.columns.values()), []) if t not in (None, "")]


def read_pushed(
    kind: DatasetKind, rows: list[dict[str, Any]], *, resolve: addresses.Resolver
) -> Parsed:
    """Rows pushed as JSON objects, keyed by field name (``id_number``) or column title."""
    index = {fold(c.field): c for c in kind.columns} | kind.title_index
    unknown = sorted({k for row in rows for k in row if fold(k) not in index})
    if unknown:
        raise BatchRefused(
            "未知的字段：" + "、".join(unknown),
            "可用字段：" + "、".join(f"{c.field}（{c.label}）" for c in kind.columns),
        )
    return parse_rows(
        kind,
        ((n, {index[fold(k)]: v for k, v in row.items()}) for n, row in enumerate(rows, 1)),
        resolve=resolve,
    )


def check_as_of(as_of: dt.date, today: dt.date) -> None:
    if as_of > today:
        raise BatchRefused(
            f"数据截止日期{as_of.isoformat()}晚于今天（{today.isoformat()}）",
            "请填写部门导出数据的实际日期",
        )
