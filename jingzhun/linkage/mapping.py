"""What to link on: the id column of each table and the fields compared, by kind.

A mapping is written as YAML (see docs/linkage.md) and read by :func:`load_mapping`, which
refuses a bad file with a :class:`MappingError` naming the key and the fix, in Chinese, before
any data is read.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

import yaml

Kind = Literal["name", "id_number", "date", "sex", "address", "text", "code"]
KINDS: tuple[str, ...] = get_args(Kind)
KIND_LABELS = {
    "name": "姓名",
    "id_number": "证件号码",
    "date": "日期",
    "sex": "性别",
    "address": "地址",
    "text": "文本",
    "code": "代码",
}
# The kinds that tell two namesakes apart: by default a link needs one of them to agree.
IDENTIFYING_KINDS = ("id_number", "date")
DEFAULT_THRESHOLD = 0.9
_KINDS_TEXT = "、".join(KINDS)
_KEYS = {"left_id", "right_id", "fields", "threshold", "blocking", "require_any"}
_FIELD_KEYS = {"column", "kind", "right_column"}
# Parts of a field a blocking rule may use instead of its whole value: ``<date column>.year``
# (pairs born the same year) and ``<name column>.pinyin`` (homophones).
BLOCKING_PARTS = {"year": "date", "pinyin": "name"}


class MappingError(ValueError):
    """The mapping cannot be used; the message names the key and the fix."""


@dataclass(frozen=True)
class Field:
    """One compared field: ``column`` in the left table (and in the right one, unless
    ``right_column`` names it differently there), compared as ``kind``."""

    column: str
    kind: Kind
    right_column: str | None = None

    @property
    def right(self) -> str:
        return self.right_column or self.column


@dataclass(frozen=True)
class Mapping:
    """The id columns, the fields, the probability a pair needs to be a link, the blocking rules
    (lists of field columns — or their parts, ``birth_date.year``, ``name.pinyin`` — whose values
    must all be equal for a pair to be compared; ``None``: derived from the kinds) and
    ``require_any``: field columns of which at least one must agree
    (exactly or nearly) for a pair to link. ``None`` means every ID-number and date field."""

    left_id: str
    right_id: str
    fields: tuple[Field, ...]
    threshold: float = DEFAULT_THRESHOLD
    blocking: tuple[tuple[str, ...], ...] | None = None
    require_any: tuple[str, ...] | None = None
    _by_column: dict[str, Field] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "fields", tuple(self.fields))
        if not self.fields:
            raise MappingError(
                "fields 为空：请至少列出一个比对字段，如 {column: name, kind: name}。"
            )
        by_column: dict[str, Field] = {}
        for one in self.fields:
            if one.kind not in KINDS:
                raise MappingError(
                    f"字段“{one.column}”的 kind “{one.kind}”无法识别：请填写 {_KINDS_TEXT} 之一。"
                )
            if one.column in by_column:
                raise MappingError(f"字段“{one.column}”在 fields 中出现了两次：请删去重复的一项。")
            by_column[one.column] = one
        object.__setattr__(self, "_by_column", by_column)
        if not 0 < self.threshold <= 1:
            raise MappingError(
                f"threshold 为{self.threshold}：请填写0到1之间的概率（如0.9），大于0。"
            )
        if self.blocking is not None:
            blocking = tuple(tuple(rule) for rule in self.blocking)
            for rule in blocking:
                if not rule:
                    raise MappingError("blocking 中有空的规则：每条规则至少列出一个字段。")
                self._check_known([self.blocking_key(key)[0] for key in rule], "blocking")
            object.__setattr__(self, "blocking", blocking)
        if self.require_any is not None:
            object.__setattr__(self, "require_any", tuple(self.require_any))
            self._check_known(self.require_any, "require_any")

    def _check_known(self, columns: Iterable[str], key: str) -> None:
        for column in columns:
            if column not in self._by_column:
                known = "、".join(self._by_column)
                raise MappingError(
                    f"{key} 中的“{column}”不是 fields 中的字段：请填写 {known} 之一，"
                    "或先在 fields 中加入该字段。"
                )

    def blocking_key(self, key: str) -> tuple[str, str | None]:
        """A blocking rule's entry as (field column, part): ``birth_date.year`` is
        ("birth_date", "year"); a whole field's column has no part. Raises
        :class:`MappingError` for a part the field's kind does not have."""
        if key in self._by_column or "." not in key:
            return key, None
        column, part = key.rsplit(".", 1)
        kind = BLOCKING_PARTS.get(part)
        if column in self._by_column and self._by_column[column].kind != kind:
            parts = "、".join(f"<{KIND_LABELS[k]}字段>.{p}" for p, k in BLOCKING_PARTS.items())
            wanted = KIND_LABELS.get(kind or "", "可取部分的")
            raise MappingError(
                f"blocking 中的“{key}”：字段“{column}”不是{wanted}字段，不能取 .{part}。"
                f"可用的部分：{parts}。"
            )
        return column, part

    def field(self, column: str) -> Field:
        return self._by_column[column]

    @property
    def required_columns(self) -> tuple[str, ...]:
        """The fields of which one must agree: ``require_any``, or every ID-number and date field
        when it is not given (empty: no such rule)."""
        if self.require_any is not None:
            return self.require_any
        return tuple(f.column for f in self.fields if f.kind in IDENTIFYING_KINDS)

    def check_columns(self, left: Sequence[str], right: Sequence[str]) -> None:
        """Raise :class:`MappingError` naming the first column the mapping needs and a table
        lacks."""
        for side, columns, id_column, names in (
            ("左表", left, self.left_id, [f.column for f in self.fields]),
            ("右表", right, self.right_id, [f.right for f in self.fields]),
        ):
            present = set(columns)
            if id_column not in present:
                raise MappingError(
                    f"{side}没有编号列“{id_column}”：请核对映射文件的 "
                    f"{'left_id' if side == '左表' else 'right_id'}，或在表中加入该列。"
                )
            for name in names:
                if name not in present:
                    raise MappingError(
                        f"{side}没有比对列“{name}”：请核对映射文件 fields 中的列名"
                        "（两表列名不同时用 right_column 指明右表的列名）。"
                    )


def _string(data: dict[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str | int) or isinstance(value, bool) or not str(value).strip():
        raise MappingError(f"{where}缺少 {key}：请填写列名，如 {key}: rec_id。")
    return str(value).strip()


def _field(item: Any, number: int) -> Field:
    where = f"fields 第{number}项"
    if not isinstance(item, dict):
        raise MappingError(f"{where}不是映射：请写成 {{column: 列名, kind: 类型}}。")
    unknown = sorted(set(item) - _FIELD_KEYS)
    if unknown:
        raise MappingError(
            f"{where}有无法识别的键 {', '.join(map(str, unknown))}："
            "只能使用 column、kind、right_column。"
        )
    column = _string(item, "column", where)
    kind = item.get("kind")
    if kind not in KINDS:
        raise MappingError(
            f"{where}（{column}）的 kind “{kind}”无法识别：请填写 {_KINDS_TEXT} 之一。"
        )
    right = item.get("right_column")
    return Field(column, kind, _string(item, "right_column", where) if right is not None else None)


def _column_lists(value: Any, key: str) -> tuple[tuple[str, ...], ...]:
    if not isinstance(value, list) or not all(isinstance(rule, list | str) for rule in value):
        raise MappingError(f"{key} 格式错误：请写成列表的列表，如 {key}: [[name], [birth_date]]。")
    return tuple((rule,) if isinstance(rule, str) else tuple(map(str, rule)) for rule in value)


def mapping_from_dict(data: Any) -> Mapping:
    """A :class:`Mapping` from the parsed YAML; raises :class:`MappingError`."""
    if not isinstance(data, dict):
        raise MappingError(
            "映射文件应是键值形式（left_id、right_id、fields）：请参照 docs/linkage.md。"
        )
    unknown = sorted(map(str, set(data) - _KEYS))
    if unknown:
        raise MappingError(
            f"映射文件有无法识别的键 {', '.join(unknown)}：只能使用 {', '.join(sorted(_KEYS))}。"
        )
    fields = data.get("fields")
    if not isinstance(fields, list) or not fields:
        raise MappingError("映射文件缺少 fields：请列出比对字段，如 - {column: name, kind: name}。")
    threshold = data.get("threshold", DEFAULT_THRESHOLD)
    if not isinstance(threshold, int | float) or isinstance(threshold, bool):
        raise MappingError(f"threshold “{threshold}”不是数字：请填写0到1之间的概率，如0.9。")
    require_any = data.get("require_any")
    if require_any is not None:
        if isinstance(require_any, str):
            require_any = [require_any]
        if not isinstance(require_any, list):
            raise MappingError("require_any 格式错误：请写成字段列表，如 [id_number, birth_date]。")
    blocking = data.get("blocking")
    return Mapping(
        left_id=_string(data, "left_id", "映射文件"),
        right_id=_string(data, "right_id", "映射文件"),
        fields=tuple(_field(item, number) for number, item in enumerate(fields, start=1)),
        threshold=float(threshold),
        blocking=_column_lists(blocking, "blocking") if blocking is not None else None,
        require_any=tuple(map(str, require_any)) if require_any is not None else None,
    )


def load_mapping(path: Path | str) -> Mapping:
    """Read a mapping file; raises :class:`MappingError` for a missing, unreadable or wrong one."""
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise MappingError(f"找不到映射文件 {path}：请核对路径。") from None
    except (OSError, UnicodeDecodeError) as error:
        raise MappingError(f"无法读取映射文件 {path}（{error}）：请用UTF-8编码保存。") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise MappingError(
            f"映射文件 {path} 不是有效的YAML（{error}）：请核对缩进和冒号。"
        ) from None
    return mapping_from_dict(data)
