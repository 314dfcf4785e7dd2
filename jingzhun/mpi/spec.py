"""The spec of a multidimensional poverty measure: indicators with cutoffs and weights.

A spec is a reviewed YAML file (the registry's is ``specs/registry.yaml``)::

    title: …                      # optional
    k: 0.3333333333333333         # optional poverty cutoff, in (0, 1]
    indicators:
      - {column: income, cutoff: 500, weight: 0.25, deprived: below, name: 收入, dimension: 收入}
      - {column: debt, cutoff: 1000, weight: 1/4, deprived: above}

``deprived: below`` means deprived when the achievement is **less than** the cutoff,
``above`` when it is **greater than** it. Weights are numbers or fractions written ``a/b``
and must sum to one (within 1e-9). :func:`spec_errors` says everything wrong at once, in
Chinese, naming the field and the fix; :func:`parse_spec` raises :class:`SpecError` with them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml

WEIGHT_TOLERANCE = 1e-9
DEPRIVED = ("below", "above")
SPEC_KEYS = frozenset({"title", "source", "k", "indicators"})
INDICATOR_KEYS = frozenset(
    {"column", "cutoff", "weight", "deprived", "name", "dimension", "source"}
)
REGISTRY_SPEC = Path(__file__).resolve().parent / "specs" / "registry.yaml"


class SpecError(ValueError):
    """A spec that cannot be used; ``messages`` are the Chinese reasons, one per problem."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("；".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class Indicator:
    column: str
    cutoff: float
    weight: float
    deprived: str  # "below" | "above"
    name: str = ""
    dimension: str = ""
    source: str = ""

    @property
    def label(self) -> str:
        return self.name or self.column


@dataclass(frozen=True)
class Spec:
    indicators: tuple[Indicator, ...]
    k: float | None = None
    title: str = ""
    source: str = ""

    @property
    def columns(self) -> list[str]:
        return [i.column for i in self.indicators]


def _number(value: Any) -> float | None:
    """A YAML number (not a boolean) as float, or None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def fraction_value(value: Any) -> float | None:
    """A number, or a string such as ``0.25`` or ``1/3``, as float; None if it is neither."""
    number = _number(value)
    if number is not None:
        return number
    if isinstance(value, str):
        try:
            return float(Fraction(value.replace(" ", "")))
        except (ValueError, ZeroDivisionError):
            return None
    return None


def k_error(k: Any) -> str | None:
    """The Chinese reason ``k`` is not a poverty cutoff in (0, 1], or None."""
    value = fraction_value(k)
    if value is None or not 0 < value <= 1:
        return f"k（贫困临界值）必须是大于0且不大于1的数（如 1/3），现为“{k}”：请改正。"
    return None


def spec_errors(raw: Any, columns: Iterable[str] | None = None) -> list[str]:
    """Everything wrong with a spec read from YAML (``raw``), in Chinese, each naming the field
    and the fix; empty when it is usable. With ``columns`` (the data's columns) an indicator
    whose column the data does not hold is refused, naming the columns there are."""
    if not isinstance(raw, dict):
        return ["指标设定必须是一个含 indicators 列表的 YAML 映射：请按 docs/mpi.md 的格式填写。"]
    errors: list[str] = []
    unknown = sorted(set(map(str, raw)) - SPEC_KEYS)
    if unknown:
        errors.append(
            f"未知的设定项 {', '.join(unknown)}：只允许 {', '.join(sorted(SPEC_KEYS))}，"
            "请删除或改名。"
        )
    if "k" in raw and raw["k"] is not None and (message := k_error(raw["k"])):
        errors.append(message)
    items = raw.get("indicators")
    if not isinstance(items, list) or not items:
        errors.append("indicators 必须是至少含一个指标的列表：请列出各指标。")
        return errors
    available = sorted(columns) if columns is not None else None
    total = 0.0
    weights_ok = True
    seen: set[str] = set()
    for position, item in enumerate(items, start=1):
        where = f"第{position}个指标"
        if not isinstance(item, dict):
            errors.append(f"{where}必须是映射（column、cutoff、weight、deprived）：请改正。")
            weights_ok = False
            continue
        column = item.get("column")
        if isinstance(column, str) and column:
            where = f"{where}（{column}）"
        unknown = sorted(set(map(str, item)) - INDICATOR_KEYS)
        if unknown:
            errors.append(
                f"{where}有未知的键 {', '.join(unknown)}：只允许 "
                f"{', '.join(sorted(INDICATOR_KEYS))}，请删除或改名。"
            )
        if not isinstance(column, str) or not column:
            errors.append(f"{where}缺少 column（数据中的列名）：请填写。")
        elif column in seen:
            errors.append(f"{where}的列 {column} 重复：每列只能作一个指标。")
        else:
            seen.add(column)
            if available is not None and column not in available:
                errors.append(
                    f"{where}的列 {column} 不在数据中：数据中的列有 {', '.join(available)}，"
                    "请改正列名。"
                )
        if _number(item.get("cutoff")) is None:
            errors.append(
                f"{where}的 cutoff（剥夺临界值）必须是数字，现为“{item.get('cutoff')}”：请改正。"
            )
        weight = fraction_value(item.get("weight"))
        if weight is None or weight <= 0:
            errors.append(
                f"{where}的 weight（权重）必须是大于0的数或分数（如 0.25、1/3），"
                f"现为“{item.get('weight')}”：请改正。"
            )
            weights_ok = False
        else:
            total += weight
        if item.get("deprived") not in DEPRIVED:
            errors.append(
                f"{where}的 deprived 必须是 below（低于临界值为剥夺）或 above（高于临界值为剥夺），"
                f"现为“{item.get('deprived')}”：请改正。"
            )
        for key in ("name", "dimension", "source"):
            if key in item and not isinstance(item[key], str):
                errors.append(f"{where}的 {key} 必须是文字：请改正。")
    if weights_ok and abs(total - 1) > WEIGHT_TOLERANCE:
        errors.append(f"各指标权重之和必须为1，现为 {total:.12g}：请调整权重。")
    return errors


def parse_spec(raw: Any, columns: Iterable[str] | None = None) -> Spec:
    """The :class:`Spec` of ``raw`` (read from YAML); :class:`SpecError` if anything is wrong."""
    errors = spec_errors(raw, columns)
    if errors:
        raise SpecError(errors)
    indicators = tuple(
        Indicator(
            column=item["column"],
            cutoff=float(item["cutoff"]),
            weight=fraction_value(item["weight"]) or 0.0,
            deprived=item["deprived"],
            name=item.get("name", ""),
            dimension=item.get("dimension", ""),
            source=item.get("source", ""),
        )
        for item in raw["indicators"]
    )
    k = raw.get("k")
    return Spec(
        indicators=indicators,
        k=None if k is None else fraction_value(k),
        title=str(raw.get("title", "")),
        source=str(raw.get("source", "")),
    )


def read_spec_file(path: Path) -> Any:
    """The YAML of a spec file; :class:`SpecError` (Chinese) if it is missing or not YAML."""
    try:
        text = Path(path).read_text("utf-8")
    except FileNotFoundError:
        raise SpecError([f"找不到指标设定文件 {path}：请核对路径。"]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise SpecError([f"无法读取指标设定文件 {path}（{error}）：请用 UTF-8 保存。"]) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise SpecError([f"指标设定文件 {path} 不是有效的 YAML：{error}"]) from None


def load_spec(path: Path, columns: Iterable[str] | None = None) -> Spec:
    return parse_spec(read_spec_file(path), columns)


def registry_spec() -> Spec:
    """The reviewed spec shipped for the registry (specs/registry.yaml)."""
    return load_spec(REGISTRY_SPEC)
