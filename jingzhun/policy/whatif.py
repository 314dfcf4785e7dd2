"""What-if (政策模拟): the batch evaluation run twice, with the parameters in force and with
some values changed, and the households whose decisions move.

An override is ``NAME[@AREA]=VALUE`` (``monitoring_threshold@140000=8000``): the value of a
parameter the household decisions read (:data:`OVERRIDABLE`) for a region (national
``000000``, a province, city or county; default: the area simulated) in force from 1 January of
the year simulated. It is laid over the effective parameters in a **copy**
(:func:`overlay`) — never written to a file, the database or the audit trail as a value — and
it wins over every more specific value beneath its region (a province override reaches a county
with its own value too: "what if this province's threshold were 8000" means every county).

:func:`simulate` evaluates the batch twice on ONE backend (one snapshot, one connection) and
compares the two Arrow tables by household: who enters or leaves the monitoring range, exit
eligibility and risk-elimination eligibility (status ``pass`` after and not before, or the
reverse), counted by county, township and village.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from jingzhun.analytics.backend import Backend
from jingzhun.policy.criteria import ELIMINATION, EXIT, MONITORING, PASS
from jingzhun.policy.decisions import DECISIONS, evaluate_batch
from jingzhun.policy.features import PARAMETER_LABELS, POLICY_PARAMETERS
from jingzhun.policy.parameters import (
    NATIONAL,
    UNITS,
    Parameter,
    ParameterSet,
    default_parameters,
    known_region_codes,
    region_name,
)

# The parameters a household decision reads: changing any other one changes no household.
OVERRIDABLE: dict[str, bool] = {p.name: p.integer for p in POLICY_PARAMETERS}
# The decisions compared, in the order pages and the command show them.
TRACKED = (MONITORING, EXIT, ELIMINATION)
LEVELS = (("county", 6), ("township", 9), ("village", 12))
SOURCE = "政策模拟假设值（未保存）"

_OVERRIDE = re.compile(r"^\s*([a-z_]+)\s*(?:@\s*([0-9A-Za-z]+)\s*)?=\s*(.+?)\s*$")
_AMOUNT = re.compile(r"^([+-]?[0-9]+(?:\.[0-9]+)?)\s*(.*)$")


class OverrideError(ValueError):
    """An override that cannot be simulated; the message (Chinese) says why and what to write."""


@dataclass(frozen=True)
class Override:
    name: str
    region: str  # "000000", or a province, city or county code
    value: Decimal

    @property
    def text(self) -> str:
        return f"{self.name}@{self.region}={self.value}"

    @property
    def label(self) -> str:
        where = region_name(self.region) or self.region
        return f"{PARAMETER_LABELS[self.name]}（{where}）= {self.value} {UNITS[self.name]}"

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "region": self.region, "value": str(self.value)}

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> Override:
        return cls(data["name"], data["region"], Decimal(data["value"]))


def region_prefix(region: str) -> str:
    """The code prefix of every area a parameter region covers ("" for the nation)."""
    if region == NATIONAL:
        return ""
    if region.endswith("0000"):
        return region[:2]
    if region.endswith("00"):
        return region[:4]
    return region[:6]


def default_region(area_code: str) -> str:
    """The parameter region of an area simulated: its own code down to a county, the county of
    a township or village, the nation when no area is given."""
    if not area_code:
        return NATIONAL
    return area_code[:6]


def check_override(name: str, region: str, raw_value: str, *, area_code: str = "") -> Override:
    """One override from its parts, checked: a parameter the decisions read, a known region
    (covering or within ``area_code`` when given), a number in the parameter's unit (a unit may
    follow the number and must then be the parameter's: ``8000元/人·年``). Raises
    :class:`OverrideError`."""
    name = (name or "").strip()
    if name not in OVERRIDABLE:
        known = "、".join(OVERRIDABLE)
        if name in UNITS:
            raise OverrideError(f"参数{name}不影响农户判定，模拟无从比较：可模拟的参数有{known}。")
        raise OverrideError(f"未知参数名“{name}”：可模拟的参数有{known}。")
    region = (region or "").strip() or default_region(area_code)
    if region.upper() == "CN":
        region = NATIONAL
    if region not in known_region_codes():
        raise OverrideError(
            f"区划代码“{region}”不是参数可用的区划：请填写全国000000，或现行省、市、县6位代码"
            "（参数不按乡镇、村设定）。"
        )
    prefix = region_prefix(region)
    if area_code and not (area_code.startswith(prefix) or prefix.startswith(area_code[:6])):
        raise OverrideError(
            f"区划{region}不在模拟范围{area_code}之内，也不包含它：这个假设值不会影响任何农户。"
        )
    match = _AMOUNT.match((raw_value or "").strip())
    if match is None:
        raise OverrideError(f"{name}的数值“{raw_value}”不是数字（单位为{UNITS[name]}）。")
    number, unit = match.groups()
    if unit and unit != UNITS[name]:
        raise OverrideError(
            f"{name}的单位是“{UNITS[name]}”，填写的是“{unit}”：请换算后填写（如每月的金额乘以12）。"
        )
    try:
        value = Decimal(number)
    except InvalidOperation:
        raise OverrideError(f"{name}的数值“{raw_value}”不是数字。") from None
    if value < 0:
        raise OverrideError(f"{name}的数值不能为负数。")
    if OVERRIDABLE[name] and value != value.to_integral_value():
        raise OverrideError(f"{name}应为整数（单位{UNITS[name]}），填写的是{value}。")
    return Override(name, region, value)


def parse_override(text: str, *, area_code: str = "") -> Override:
    """``NAME[@AREA]=VALUE[UNIT]`` → :class:`Override` (see :func:`check_override`)."""
    match = _OVERRIDE.match(text or "")
    if match is None:
        raise OverrideError(
            f"“{text}”的格式不对：应为 参数名[@区划代码]=数值，"
            "如 monitoring_threshold@140000=8000。"
        )
    name, region, raw = match.groups()
    return check_override(name, region or "", raw, area_code=area_code)


def overlay(base: ParameterSet, overrides: Iterable[Override], year: int) -> ParameterSet:
    """A copy of ``base`` where each override is the value of its name, for its region and for
    every more specific region beneath it that has values of its own, from 1 January ``year``
    (periods starting later are dropped, the one in force then is cut the day before). With
    several overrides of one name, the most specific region wins beneath it. ``base`` is not
    changed."""
    start = dt.date(year, 1, 1)
    values = base.all()
    targets: dict[tuple[str, str], Override] = {}
    for o in sorted(overrides, key=lambda o: len(region_prefix(o.region))):
        prefix = region_prefix(o.region)
        beneath = {
            p.region
            for p in values
            if p.name == o.name
            and region_prefix(p.region).startswith(prefix)
            and p.region != o.region
            and len(region_prefix(p.region)) > len(prefix)
        }
        for region in {o.region, *beneath}:
            targets[(o.name, region)] = o
    kept: list[Parameter] = []
    ends: dict[tuple[str, str], dt.date] = {}
    for p in values:
        key = (p.name, p.region)
        if key not in targets:
            kept.append(p)
            continue
        if p.effective_from >= start:
            continue  # replaced by the override
        if p.effective_to is None or p.effective_to >= start:
            p = replace(p, effective_to=start - dt.timedelta(days=1))
        kept.append(p)
        assert p.effective_to is not None
        ends[key] = max(ends.get(key, p.effective_to), p.effective_to)
    for (name, region), o in targets.items():
        end = ends.get((name, region))
        kept.append(
            Parameter(
                name=name,
                region=region,
                # Right after the last kept period (so no gap), which is at the latest 1 January.
                effective_from=end + dt.timedelta(days=1) if end else start,
                effective_to=None,
                value=o.value,
                unit=UNITS[name],
                source=SOURCE,
                confirmed=False,
                file="",
                line=0,
                added_by="政策模拟",
            )
        )
    return ParameterSet(kept)


@dataclass(frozen=True)
class WhatIf:
    """The comparison. ``totals[decision]`` = {"before", "after"} (households passing) and
    {"entered", "left"}; ``areas[level][code][decision]`` = {"entered", "left"} for every county,
    township and village with a change; ``affected`` holds one row per household whose status
    of a tracked decision changed: ``household_id, village_code, <d>_before, <d>_after``."""

    year: int
    area_code: str
    overrides: tuple[Override, ...]
    households: int
    totals: dict[str, dict[str, int]]
    areas: dict[str, dict[str, dict[str, dict[str, int]]]]
    affected: pa.Table
    seconds: float = 0.0

    def summary(self, limit: int) -> dict[str, Any]:
        """JSON-ready: everything but the affected rows beyond the first ``limit``."""
        return {
            "year": self.year,
            "area_code": self.area_code,
            "overrides": [o.as_dict() for o in self.overrides],
            "households": self.households,
            "totals": self.totals,
            "areas": self.areas,
            "affected_count": self.affected.num_rows,
            "affected": self.affected.slice(0, limit).to_pylist(),
            "seconds": round(self.seconds, 2),
        }


def compare(before: pa.Table, after: pa.Table) -> tuple[dict[str, Any], dict[str, Any], pa.Table]:
    """Totals, per-area counts and affected rows of two evaluations of the same households."""
    before = before.sort_by("household_id")
    after = after.sort_by("household_id")
    if not before.column("household_id").equals(after.column("household_id")):
        raise RuntimeError("两次判定的农户不一致：快照在模拟过程中被改动了。")
    columns: dict[str, pa.Array] = {
        "household_id": before.column("household_id"),
        "village_code": before.column("village_code"),
    }
    totals: dict[str, dict[str, int]] = {}
    changed = pa.array([False] * before.num_rows)
    moves: dict[str, tuple[pa.Array, pa.Array]] = {}
    for d in TRACKED:
        b, a = before.column(d), after.column(d)
        was, now = pc.equal(b, PASS), pc.equal(a, PASS)
        entered = pc.and_(now, pc.invert(was))
        left = pc.and_(was, pc.invert(now))
        moves[d] = (entered, left)
        totals[d] = {
            "before": pc.sum(was).as_py() or 0,
            "after": pc.sum(now).as_py() or 0,
            "entered": pc.sum(entered).as_py() or 0,
            "left": pc.sum(left).as_py() or 0,
        }
        changed = pc.or_(changed, pc.not_equal(b, a))
        columns[f"{d}_before"], columns[f"{d}_after"] = b, a
    table = pa.table(columns)
    flags = pa.table(
        {
            "village_code": before.column("village_code"),
            **{
                f"{d}_{k}": pc.cast(m, pa.int64())
                for d in TRACKED
                for k, m in zip(("entered", "left"), moves[d], strict=True)
            },
        }
    ).filter(changed)
    areas: dict[str, dict[str, dict[str, dict[str, int]]]] = {}
    for level, digits in LEVELS:
        keyed = flags.append_column(
            "code", pc.utf8_slice_codeunits(flags.column("village_code"), 0, digits)
        )
        sums = [(f"{d}_{k}", "sum") for d in TRACKED for k in ("entered", "left")]
        grouped = keyed.group_by("code").aggregate(sums).to_pylist()
        areas[level] = {
            row["code"]: {
                d: {k: row[f"{d}_{k}_sum"] or 0 for k in ("entered", "left")} for d in TRACKED
            }
            for row in sorted(grouped, key=lambda r: r["code"])
        }
    affected = table.filter(changed).sort_by(
        [("village_code", "ascending"), ("household_id", "ascending")]
    )
    return totals, areas, affected


def simulate(
    backend: Backend,
    year: int,
    overrides: Iterable[Override],
    *,
    area_code: str = "",
    area_prefix: str = "",
    parameters: ParameterSet | None = None,
    progress: Callable[[str], None] = lambda step: None,
) -> WhatIf:
    """Evaluate every household of ``backend`` (under ``area_prefix``) for ``year`` with the
    parameters in force and with ``overrides`` laid over them, on the same backend, and compare.
    ``progress`` is told each step (Chinese, for the background page)."""
    import time

    started = time.perf_counter()
    overrides = tuple(overrides)
    base = parameters or default_parameters()
    changed = overlay(base, overrides, year)
    progress("按现行参数判定")
    before = evaluate_batch(backend, year, area_prefix=area_prefix, parameters=base)
    progress("按假设参数判定")
    after = evaluate_batch(backend, year, area_prefix=area_prefix, parameters=changed)
    progress("比较结果")
    totals, areas, affected = compare(before, after)
    return WhatIf(
        year=year,
        area_code=area_code,
        overrides=overrides,
        households=before.num_rows,
        totals=totals,
        areas=areas,
        affected=affected,
        seconds=time.perf_counter() - started,
    )


DECISION_TITLES = {d: DECISIONS[d].title for d in TRACKED}


def simulate_area(
    year: int,
    overrides: Iterable[Override],
    *,
    area_code: str,
    area_prefix: str,
    progress: Callable[[str], None] = lambda step: None,
) -> WhatIf:
    """:func:`simulate` on DuckDB over a fresh snapshot of one area, written into a temporary
    directory under ``SNAPSHOT_DIR`` (one per call: two users simulating at once never share
    one) and removed afterwards. The page and the background task call this."""
    import tempfile
    from pathlib import Path

    from django.conf import settings

    from jingzhun.analytics.backend import open_backend
    from jingzhun.analytics.snapshot import write_snapshot

    root = Path(settings.SNAPSHOT_DIR)
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="whatif-", dir=root) as tmp:
        progress("生成快照")
        directory = Path(tmp) / "snapshot"
        write_snapshot(year=year, out=directory, area_code=area_code)
        backend = open_backend("duckdb", year=year, area_code=area_code, snapshot=directory)
        try:
            return simulate(
                backend,
                year,
                overrides,
                area_code=area_code,
                area_prefix=area_prefix,
                progress=progress,
            )
        finally:
            backend.con.disconnect()
