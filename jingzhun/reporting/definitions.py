"""Standard reports (定期报表) as configuration: one reviewed YAML file per report in
``definitions/``, naming its period, its rows and its columns from the catalogue of
:mod:`jingzhun.reporting.measures`. A file that names an unknown measure, key or period is
refused at load with the file, the column and what is allowed.

A definition::

    code: monitoring_weekly          # the report's name in URLs and on the command line
    title: 防返贫动态监测工作周报
    period: week                     # week | month | year
    rows: children                   # children: the areas one level down, with a total;
                                     # self: the area alone
    columns:
      - {measure: at_risk}                         # title defaults to the measure's label
      - {measure: identified_in_period, title: 本周新识别}
      - {ratio: [problems_closed_in_period, problems_found_in_period], title: 本期整改率}
    notes: [...]                     # printed under the table
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from jingzhun.reporting.measures import MEASURES
from jingzhun.reporting.periods import KINDS

DIRECTORY = Path(__file__).resolve().parent / "definitions"
ROWS = ("children", "self")
KEYS = {"code", "title", "period", "rows", "columns", "notes", "order"}
COLUMN_KEYS = {"measure", "ratio", "title"}


class DefinitionError(ValueError):
    pass


@dataclass(frozen=True)
class Column:
    title: str
    measure: str = ""  # a measure of the catalogue, or
    ratio: tuple[str, str] | None = None  # numerator ÷ denominator, in percent

    @property
    def measures(self) -> tuple[str, ...]:
        return self.ratio if self.ratio else (self.measure,)


@dataclass(frozen=True)
class Definition:
    code: str
    title: str
    period: str
    rows: str
    columns: tuple[Column, ...]
    notes: tuple[str, ...] = ()
    order: int = 100


def parse(data: Any, source: str) -> Definition:
    """A definition from parsed YAML; DefinitionError naming ``source`` and what is wrong."""

    def refuse(message: str) -> DefinitionError:
        return DefinitionError(f"{source}：{message}")

    if not isinstance(data, dict):
        raise refuse("报表定义应为键值对（code、title、period、rows、columns）。")
    unknown = set(data) - KEYS
    if unknown:
        raise refuse(
            f"不认识的键：{'、'.join(sorted(unknown))}（可用：{'、'.join(sorted(KEYS))}）。"
        )
    for key in ("code", "title", "period", "columns"):
        if not data.get(key):
            raise refuse(f"缺少{key}。")
    if data["period"] not in KINDS:
        raise refuse(f"period “{data['period']}”无效：应为 {'、'.join(KINDS)} 之一。")
    rows = data.get("rows", "children")
    if rows not in ROWS:
        raise refuse(f"rows “{rows}”无效：应为 {'、'.join(ROWS)} 之一。")
    columns = []
    allowed = "、".join(MEASURES)
    for number, raw in enumerate(data["columns"], 1):
        if not isinstance(raw, dict) or set(raw) - COLUMN_KEYS:
            raise refuse(
                f"第{number}列应写成 {{measure: …, title: …}} 或 {{ratio: [甲, 乙], title: …}}。"
            )
        names = raw.get("ratio") or [raw.get("measure")]
        if raw.get("ratio") is not None and (not isinstance(names, list) or len(names) != 2):
            raise refuse(f"第{number}列的 ratio 应为两个指标：[分子, 分母]。")
        for name in names:
            if name not in MEASURES:
                raise refuse(f"第{number}列的指标“{name}”不存在（可用：{allowed}）。")
        if raw.get("ratio"):
            if not raw.get("title"):
                raise refuse(f"第{number}列（比率）请写 title。")
            columns.append(Column(str(raw["title"]), ratio=(names[0], names[1])))
        else:
            columns.append(Column(str(raw.get("title") or MEASURES[names[0]].label), names[0]))
    return Definition(
        code=str(data["code"]),
        title=str(data["title"]),
        period=data["period"],
        rows=rows,
        columns=tuple(columns),
        notes=tuple(str(n) for n in data.get("notes") or ()),
        order=int(data.get("order", 100)),
    )


def load_file(path: Path) -> Definition:
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except yaml.YAMLError as error:
        raise DefinitionError(f"{path.name}：不是有效的 YAML（{error}）。") from None
    return parse(data, path.name)


@cache
def definitions() -> dict[str, Definition]:
    """Every shipped definition by code, in their order."""
    found: dict[str, Definition] = {}
    for path in sorted(DIRECTORY.glob("*.yaml")):
        definition = load_file(path)
        if definition.code in found:
            raise DefinitionError(f"{path.name}：报表代码“{definition.code}”重复。")
        found[definition.code] = definition
    return dict(sorted(found.items(), key=lambda item: (item[1].order, item[0])))
