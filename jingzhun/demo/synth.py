"""Synthetic households, members, incomes, conditions and measures: pure Python, no database.

:class:`Synthesizer` turns a seed and a village plan into row tuples in a fixed field order
(``HOUSEHOLD_FIELDS`` …). It draws every choice from one ``random.Random`` in a fixed order and
reads nothing else (no clock, no dict or set iteration, no database), so the same seed and plan
give the same rows, byte for byte. :mod:`jingzhun.demo.generator` assigns primary keys and writes.

The rows are built to pass the registry's entry rules (``jingzhun.registry.validation``) and to
be mostly consistent with the quality checks (docs/domain.md, 全国系统导出与问题数据), except for
the deliberate errors listed in :data:`PLANTED_ERRORS`, which a quality engine should find.

Ages and dates are relative to :data:`REFERENCE_DATE`, never to today, so the data does not
change when the calendar does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from array import array
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import TypeVar

from jingzhun.core.idnumber import make_id_number
from jingzhun.core.names import normalize_name
from jingzhun.demo import vocab
from jingzhun.registry import actions as registry_actions
from jingzhun.registry import choices as c
from jingzhun.registry.income import INPUT_FIELDS, derive
from jingzhun.registry.models import MEASURE_FIELDS as REGISTRY_MEASURE_FIELDS
from jingzhun.registry.search_keys import id_tail_rev, name_initials, number_rev, phone_tail_rev

REFERENCE_DATE = dt.date(2025, 12, 31)
INCOME_YEARS = tuple(range(2014, REFERENCE_DATE.year + 1))
CONDITION_YEARS = (2024, 2025)
MEASURE_YEARS = CONDITION_YEARS

# Shares of household types (about 5% of the registered population is monitored: 国开发〔2020〕6号,
# docs/domain.md, 防返贫动态监测).
MONITORED_SHARE = 0.05
ORDINARY_SHARE = 0.20  # the rest (75%) are 脱贫户

# From 2021 the households nobody monitors (and those whose risk was eliminated) stay above these
# per-capita incomes, which are above every yearly monitoring threshold the project has seen
# (2021 6000, 2023 7300 and 8050, 2024 8500): only planted errors fall below a threshold.
_INCOME_FLOOR = {2021: 6600, 2022: 7200, 2023: 8100, 2024: 8600, 2025: 9000}
# Per-capita net income below which every province's yearly monitoring threshold lies (the lowest
# the project has seen is the 2021 default of 6000). Planted "low income" errors stay under it.
LOW_INCOME_CEILING = 6000

# Precursors of monitoring (what a visit ranking can learn from, docs/risk.md): a household that
# enters monitoring in year Y (other than by sudden hardship, which has none by definition) often
# shows in year Y-1 a fall of its earned income and, where illness or disability is its risk, a
# year of high medical out-of-pocket spending. The same shocks also strike households that never
# enter monitoring (false alarms), so neither is the outcome in disguise.
PRECURSOR_SHARE = 0.7  # of households entering monitoring: a fall of earned income in Y-1
MEDICAL_PRECURSOR_SHARE = 0.6  # of those entering for illness/disability: high spending in Y-1
FALSE_ALARM_RATE = 0.03  # per other household and year: the same fall, without monitoring
MEDICAL_FALSE_ALARM_RATE = 0.03  # per household with an ill member and year: high spending

PLANTED_ERRORS: dict[str, tuple[str, str]] = {
    # code: (what the quality engine should flag, how often the generator plants it)
    "child_has_labour": ("16岁以下儿童劳动技能不是“无劳动力”", "1.5% of children aged 10–15"),
    "student_has_labour": ("在校生劳动技能不是“无劳动力”", "3% of students aged 16+"),
    "weak_but_healthy": ("16–59岁“弱劳动力或半劳动力”但健康状况为“健康”", "1% of healthy 16–59"),
    "illness_risk_no_ill_member": (
        "返贫风险“因病”但家庭成员无患病",
        "8% of monitored households with an illness risk",
    ),
    "disability_risk_no_disabled_member": (
        "返贫风险“因残”但家庭成员无残疾",
        "8% of monitored households with a disability risk",
    ),
    "exited_member_uninsured": (
        "脱贫人口未参加基本医疗保险",
        "0.6% of members of households with an exit record",
    ),
    "early_elimination": ("识别监测不足6个月即标注风险消除", "12% of eliminated households"),
    "eliminated_low_income": (
        f"风险已消除但人均纯收入低于{LOW_INCOME_CEILING}元",
        "10% of eliminated households",
    ),
    "eliminated_unsafe_house": ("风险已消除但仍住危房（C/D级）", "6% of eliminated households"),
    "exited_low_income_unmonitored": (
        f"脱贫户{REFERENCE_DATE.year}年人均纯收入低于{LOW_INCOME_CEILING}元但未纳入监测",
        "1.5% of 脱贫户",
    ),
    "education_contradicts_school": (
        "文化程度与在校生状况矛盾（高中及以上在校生文化程度为小学）",
        "2% of students in senior school or above",
    ),
}

HOUSEHOLD_FIELDS = (
    "number",
    "village_id",
    "village_code",
    "group_id",
    "address",
    "household_type",
    "identification_standard",
    "poverty_attribute",
    "main_cause",
    "other_cause_1",
    "other_cause_2",
    "cause_remark",
    "phone",
    "bank_name",
    "bank_account",
    "identified_on",
    "exit_year",
    "exited_on",
    "monitoring_category",
    "monitoring_identified_on",
    "risk_eliminated",
    "risk_eliminated_on",
    "elimination_method",
    "no_labour_guarantee",
    "head_name",
    "head_name_norm",
    "member_count",
    "number_rev",
    "phone_tail_rev",
)
# The member columns the registry's actions write, plus the search keys, in row order.
MEMBER_FIELDS = (
    "name",
    "name_norm",
    *registry_actions.MEMBER_FIELDS[1:],
    "name_initials",
    "id_tail_rev",
    "phone_tail_rev",
)
_INCOME_DERIVED = ("transfer", "net_income", "per_capita_net")  # what derive() returns
INCOME_FIELDS = ("year", "household_size", *INPUT_FIELDS, *_INCOME_DERIVED)
# The row order of :meth:`Synthesizer._measures` (yulu_plan derived as the action does).
MEASURE_FIELDS = ("year", *REGISTRY_MEASURE_FIELDS, "yulu_plan")
CONDITION_FIELDS = (
    "year",
    "cultivated_land_mu",
    "irrigated_land_mu",
    "forest_land_mu",
    "grain_for_green_mu",
    "orchard_mu",
    "pasture_mu",
    "water_surface_mu",
    "has_electricity",
    "has_broadcast_tv",
    "distance_to_road_km",
    "road_hardened",
    "housing_area_m2",
    "is_dangerous_house",
    "housing_grade",
    "safe_drinking_water",
    "water_difficulty",
    "main_fuel",
    "has_sanitary_toilet",
    "in_cooperative",
    "is_relocated",
    "relocation_mode",
    "resettlement_type",
    "resettlement_site",
)
RISK_FIELDS = ("position", "kind", "remark")

# Weighted value lists. Cause shares follow the national 建档立卡 figures (因病 ~42%, 因残 ~14%,
# 因学 ~10%, lack of skills, labour and funds most of the rest).
_CAUSES = (
    (c.PovertyCause.ILLNESS, 42),
    (c.PovertyCause.DISABILITY, 14),
    (c.PovertyCause.SCHOOLING, 10),
    (c.PovertyCause.LACK_SKILLS, 11),
    (c.PovertyCause.LACK_FUNDS, 9),
    (c.PovertyCause.LACK_LABOUR, 8),
    (c.PovertyCause.DISASTER, 2),
    (c.PovertyCause.LACK_LAND, 1),
    (c.PovertyCause.LACK_WATER, 1),
    (c.PovertyCause.POOR_TRANSPORT, 1),
    (c.PovertyCause.LACK_MOTIVATION, 0.7),
    (c.PovertyCause.OTHER, 0.3),
)
_RISKS = (
    (c.RiskType.ILLNESS, 40),
    (c.RiskType.UNSTABLE_EMPLOYMENT, 12),
    (c.RiskType.DISABILITY, 12),
    (c.RiskType.SCHOOLING, 8),
    (c.RiskType.LACK_LABOUR, 8),
    (c.RiskType.ACCIDENT, 6),
    (c.RiskType.NATURAL_DISASTER, 5),
    (c.RiskType.INDUSTRY_FAILURE, 4),
    (c.RiskType.UNSAFE_HOUSING, 2),
    (c.RiskType.UNSAFE_WATER, 1),
    (c.RiskType.OTHER, 2),
)
_CATEGORIES = (
    (c.MonitoringCategory.UNSTABLE_EXITED, 55),
    (c.MonitoringCategory.MARGINAL, 35),
    (c.MonitoringCategory.SUDDEN_HARDSHIP, 10),
)
_EXIT_YEARS = ((2016, 18), (2017, 24), (2018, 28), (2019, 22), (2020, 8))
_MONITORING_YEARS = ((2021, 25), (2022, 25), (2023, 20), (2024, 18), (2025, 12))
_SIZES = ((1, 14), (2, 26), (3, 22), (4, 19), (5, 11), (6, 5), (7, 3))  # mean ≈ 3.1
_DROPOUT_REASONS = (
    (c.DropoutReason.ILLNESS_DISABILITY, 40),
    (c.DropoutReason.STUDY_DIFFICULTY, 30),
    (c.DropoutReason.FINANCIAL, 15),
    (c.DropoutReason.WORK, 10),
    (c.DropoutReason.OTHER, 5),
)
_FUELS = (
    (c.Fuel.COAL, 60),
    (c.Fuel.FIREWOOD, 18),
    (c.Fuel.ELECTRICITY, 10),
    (c.Fuel.GAS, 6),
    (c.Fuel.CLEAN, 5),
    (c.Fuel.OTHER, 1),
)
_EDUCATION_BY_COHORT = (
    # (born before, weighted education levels of adults who are no longer at school)
    (1955, ((c.Education.ILLITERATE, 40), (c.Education.PRIMARY, 45), (c.Education.JUNIOR, 15))),
    (
        1970,
        (
            (c.Education.ILLITERATE, 10),
            (c.Education.PRIMARY, 45),
            (c.Education.JUNIOR, 40),
            (c.Education.SENIOR, 5),
        ),
    ),
    (
        1985,
        (
            (c.Education.PRIMARY, 25),
            (c.Education.JUNIOR, 60),
            (c.Education.SENIOR, 10),
            (c.Education.VOCATIONAL, 5),
        ),
    ),
    (
        9999,
        (
            (c.Education.PRIMARY, 5),
            (c.Education.JUNIOR, 55),
            (c.Education.SENIOR, 20),
            (c.Education.VOCATIONAL, 10),
            (c.Education.COLLEGE, 7),
            (c.Education.BACHELOR, 3),
        ),
    ),
)
_SCHOOL_EDUCATION = {
    c.StudentStatus.PRESCHOOL: c.Education.PRESCHOOL,
    c.StudentStatus.SENIOR_1: c.Education.SENIOR,
    c.StudentStatus.SENIOR_2: c.Education.SENIOR,
    c.StudentStatus.SENIOR_3: c.Education.SENIOR,
    c.StudentStatus.SECONDARY_VOCATIONAL: c.Education.VOCATIONAL,
    c.StudentStatus.HIGHER_VOCATIONAL: c.Education.COLLEGE,
    c.StudentStatus.UNDERGRADUATE: c.Education.BACHELOR,
}
# Pupils of compulsory age by age on the reference date (school year starting in September).
_COMPULSORY_GRADE = {
    6: c.StudentStatus.PRIMARY_1,
    7: c.StudentStatus.PRIMARY_2,
    8: c.StudentStatus.PRIMARY_3,
    9: c.StudentStatus.PRIMARY_4,
    10: c.StudentStatus.PRIMARY_5,
    11: c.StudentStatus.PRIMARY_6,
    12: c.StudentStatus.GRADE_7,
    13: c.StudentStatus.GRADE_8,
    14: c.StudentStatus.GRADE_9,
}
_SENIOR_BY_AGE = {
    15: c.StudentStatus.SENIOR_1,
    16: c.StudentStatus.SENIOR_2,
    17: c.StudentStatus.SENIOR_3,
}
_UPPER_SCHOOL = frozenset(_SCHOOL_EDUCATION) - {c.StudentStatus.PRESCHOOL}
_RESIDENT_ID = str(c.IdType.RESIDENT_ID)
_HAN = str(c.Ethnicity.HAN)
_MINORITIES = (str(c.Ethnicity.HUI), str(c.Ethnicity.MONGOL), str(c.Ethnicity.MANCHU))
_ID_SEQUENCES = 499  # per (county, birth date, sex): male 001…997 odd, female 002…998 even
_ID_STEP = 7919  # a prime, so k ↦ k·step mod 499 visits every slot once
_FIRST_BIRTH = dt.date(1900, 1, 1)


T = TypeVar("T")
Table = tuple[list[T], list[float]]


def _weighted(pairs: Sequence[tuple[T, float]]) -> Table[T]:
    values = [v for v, _ in pairs]
    cumulative: list[float] = []
    total = 0.0
    for _, weight in pairs:
        total += weight
        cumulative.append(total)
    return values, cumulative


@lru_cache(maxsize=200_000)
def _norm(name: str) -> str:
    # Names repeat a lot (王建国 is everywhere); OpenCC per call is the slow part of a member.
    return normalize_name(name)


@lru_cache(maxsize=200_000)
def _initials(name: str) -> str:
    return name_initials(name)


@dataclass(frozen=True)
class VillagePlan:
    """One demo village and how many households to put in it."""

    area_id: int
    code: str  # 12 digits
    county_code: str  # 6 digits, also the area code of its people's ID numbers
    county_name: str
    address_prefix: str  # 乡镇 + 村, e.g. 台城镇东庄村
    households: int
    group_ids: tuple[int, ...] = ()


@dataclass
class Bundle:
    """One household's rows, without primary or foreign keys (the writer adds those)."""

    household: tuple
    members: list[tuple]
    incomes: list[tuple]
    conditions: list[tuple]
    risks: list[tuple]
    measures: list[tuple] = field(default_factory=list)


@dataclass
class Stats:
    """What a run produced: counts by kind, and the planted errors by code."""

    households: Counter = field(default_factory=Counter)
    rows: Counter = field(default_factory=Counter)
    planted: Counter = field(default_factory=Counter)
    facts: Counter = field(default_factory=Counter)  # legitimate but notable: dropouts, uninsured


_HEALTH_KINDS = (c.PovertyCause.ILLNESS, c.PovertyCause.DISABILITY)  # same codes as RiskType


def _one_health_state(
    causes: list[str], risks: list[tuple[str, str]]
) -> tuple[list[str], list[tuple[str, str]]]:
    """For a one-person household: a member has one 健康状况, so it cannot explain both an
    illness and a disability cause/risk. Keep the first named (the main cause wins); a risk
    list left empty gets 缺劳动力 instead, since a monitored household needs one."""
    named = [k for k in [*causes, *(k for k, _ in risks)] if k in _HEALTH_KINDS]
    if len(set(named)) < 2:
        return causes, risks
    dropped = next(k for k in named if k != named[0])
    causes = [k for k in causes if k != dropped]
    kept = [(k, r) for k, r in risks if k != dropped]
    if risks and not kept:
        kept = [(str(c.RiskType.LACK_LABOUR), "")]
    return causes, kept


class _Person:
    __slots__ = (
        "age",
        "birth",
        "dibao",
        "dropout",
        "education",
        "employee_insured",
        "health",
        "insured",
        "labour",
        "months",
        "name",
        "pension",
        "phone",
        "place",
        "relation",
        "sex",
        "student",
        "surname",
        "tekun",
        "welfare",
        "work",
    )

    def __init__(self, relation: str, sex: str, age: int, surname: str) -> None:
        self.relation, self.sex, self.age, self.surname = (
            relation,
            sex,
            max(0, min(age, 100)),
            surname,
        )
        self.health = c.Health.HEALTHY
        self.student = c.StudentStatus.NOT_STUDENT
        self.dropout = ""
        self.education = ""
        self.labour = c.LabourSkill.NONE
        self.work, self.months, self.place = c.WorkStatus.NOT_WORKING, 0, ""
        self.insured, self.employee_insured, self.pension = True, False, False
        self.dibao = self.tekun = False
        self.welfare = 0
        self.phone = ""
        self.name = ""
        self.birth = _FIRST_BIRTH

    @property
    def is_ill(self) -> bool:
        return self.health in (c.Health.CHRONIC, c.Health.SERIOUS)


class Synthesizer:
    """Generates households one at a time from a seeded random stream.

    ``county_codes`` lists the 6-digit codes whose ID-number sequences this run owns;
    ``taken_ids`` holds ID numbers already registered elsewhere, which are skipped.
    """

    def __init__(
        self,
        rng: random.Random,
        county_codes: Sequence[str],
        taken_ids: frozenset[str] = frozenset(),
    ) -> None:
        self.rng = rng
        self.stats = Stats()
        # Measures draw from their own stream (seeded from this one's state, which it does not
        # advance), so adding them left every other generated value as it was.
        self._measure_salt = hashlib.sha256(repr(rng.getstate()).encode()).hexdigest()[:16]
        self._county_index = {code: i for i, code in enumerate(county_codes)}
        span = (REFERENCE_DATE - _FIRST_BIRTH).days + 1
        # One counter per (county, birth date, sex): ID numbers are unique by construction, in
        # 2 bytes per slot instead of a set of millions of strings.
        self._id_counters = array("H", bytes(2 * span * 2 * len(county_codes)))
        self._span = span
        self._taken = taken_ids
        self._causes = _weighted(_CAUSES)
        self._risks = _weighted(_RISKS)
        self._categories = _weighted(_CATEGORIES)
        self._exit_years = _weighted(_EXIT_YEARS)
        self._monitoring_years = _weighted(_MONITORING_YEARS)
        self._sizes = _weighted(_SIZES)
        self._dropouts = _weighted(_DROPOUT_REASONS)
        self._fuels = _weighted(_FUELS)
        self._surnames = _weighted(vocab.SURNAMES)
        self._cohorts = [(year, _weighted(pairs)) for year, pairs in _EDUCATION_BY_COHORT]

    # --- small helpers --------------------------------------------------------------------
    def _pick(self, table: Table[T]) -> T:
        values, cumulative = table
        return self.rng.choices(values, cum_weights=cumulative)[0]

    def _date_in(self, year: int, first_month: int = 1, last_month: int = 12) -> dt.date:
        return dt.date(year, self.rng.randint(first_month, last_month), self.rng.randint(1, 28))

    def _mobile(self) -> str:
        rng = self.rng
        return f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"

    def _given_name(self, sex: str, birth_year: int) -> str:
        male = sex == c.Sex.MALE
        if birth_year < 1970:
            chars = vocab.GIVEN_OLD_MALE if male else vocab.GIVEN_OLD_FEMALE
        elif birth_year < 2000:
            chars = vocab.GIVEN_MID_MALE if male else vocab.GIVEN_MID_FEMALE
        else:
            chars = vocab.GIVEN_YOUNG_MALE if male else vocab.GIVEN_YOUNG_FEMALE
        if self.rng.random() < 0.22:
            return self.rng.choice(chars)
        first, second = self.rng.sample(chars, 2)
        return first + second

    def _id_number(self, county_code: str, birth: dt.date, sex: str) -> str:
        male = sex == c.Sex.MALE
        days = (birth - _FIRST_BIRTH).days
        slot = (self._county_index[county_code] * self._span + days) * 2 + (0 if male else 1)
        # An offset per date so that the first person born on a day is not always "001".
        offset = (days * 131 + self._county_index[county_code] * 17) % _ID_SEQUENCES
        while True:
            k = self._id_counters[slot]
            if k >= _ID_SEQUENCES:
                raise OverflowError(
                    f"more than {_ID_SEQUENCES} people born {birth} in {county_code}"
                )
            self._id_counters[slot] = k + 1
            index = (k * _ID_STEP + offset) % _ID_SEQUENCES
            number = make_id_number(county_code, birth, 2 * index + (1 if male else 2))
            if number not in self._taken:
                return number

    # --- the household --------------------------------------------------------------------
    def household(self, village: VillagePlan, sequence: int) -> Bundle:
        """The rows of household number ``village.code`` + 4-digit ``sequence``."""
        rng = self.rng
        stats = self.stats
        roll = rng.random()
        category = ""
        if roll < MONITORED_SHARE:
            kind = c.HouseholdType.MONITORED
            category = str(self._pick(self._categories))
        elif roll < MONITORED_SHARE + ORDINARY_SHARE:
            kind = c.HouseholdType.ORDINARY
        else:
            kind = c.HouseholdType.EXITED
        stats.households[str(kind)] += 1
        # 建档立卡 history: 脱贫户, and monitored households that had exited (脱贫不稳定户).
        registered = (
            kind == c.HouseholdType.EXITED or category == c.MonitoringCategory.UNSTABLE_EXITED
        )

        causes: list[str] = []
        cause_remark = ""
        if registered:
            causes.append(str(self._pick(self._causes)))
            for _ in range(rng.choices((0, 1, 2), cum_weights=(45, 85, 100))[0]):
                extra = str(self._pick(self._causes))
                if extra not in causes:
                    causes.append(extra)
            if c.PovertyCause.OTHER in causes:
                cause_remark = rng.choice(vocab.CAUSE_OTHER_REMARKS)
        risks: list[tuple[str, str]] = []
        if kind == c.HouseholdType.MONITORED:
            wanted = rng.choices((1, 2, 3), cum_weights=(50, 85, 100))[0]
            while len(risks) < wanted:
                risk = str(self._pick(self._risks))
                if risk not in (k for k, _ in risks):
                    remark = (
                        rng.choice(vocab.RISK_OTHER_REMARKS) if risk == c.RiskType.OTHER else ""
                    )
                    risks.append((risk, remark))
        people = self._family()
        if len(people) == 1:
            causes, risks = _one_health_state(causes, risks)
        risk_kinds = [k for k, _ in risks]
        self._health(people)
        needs_ill = c.PovertyCause.ILLNESS in causes or c.RiskType.ILLNESS in risk_kinds
        needs_disabled = c.PovertyCause.DISABILITY in causes or c.RiskType.DISABILITY in risk_kinds
        # Planted: a monitored household whose illness (disability) risk no member explains.
        if c.RiskType.ILLNESS in risk_kinds and rng.random() < 0.08:
            for p in people:
                if p.is_ill:
                    p.health = c.Health.HEALTHY
            needs_ill = False
            stats.planted["illness_risk_no_ill_member"] += 1
        if c.RiskType.DISABILITY in risk_kinds and rng.random() < 0.08:
            for p in people:
                if p.health == c.Health.DISABLED:
                    p.health = c.Health.HEALTHY
            needs_disabled = False
            stats.planted["disability_risk_no_disabled_member"] += 1
        # Give the causes and risks a member who explains them, without overwriting the one
        # member who explains the other (a single person needs only one, see above).
        if needs_ill and not any(p.is_ill for p in people):
            patient = rng.choice([p for p in people if p.health != c.Health.DISABLED] or people)
            patient.health = c.Health.SERIOUS if rng.random() < 0.45 else c.Health.CHRONIC
        if needs_disabled and not any(p.health == c.Health.DISABLED for p in people):
            rng.choice([p for p in people if not p.is_ill] or people).health = c.Health.DISABLED

        county = village.county_code
        for p in people:
            self._schooling(p)
            self._labour(p, county_name=village.county_name)
            p.birth = dt.date(REFERENCE_DATE.year - p.age, 1, 1) + dt.timedelta(
                days=rng.randrange(365)
            )
            p.name = p.surname + self._given_name(p.sex, p.birth.year)
        head = people[0]
        household_phone = self._mobile()
        head.phone = household_phone

        # Dates of the 建档立卡 and monitoring procedures.
        identified_on = exited_on = monitoring_on = eliminated_on = None
        exit_year: int | None = None
        standard = attribute = method = ""
        eliminated: bool | None = None
        if registered:
            standard = (
                c.IdentificationStandard.NATIONAL
                if rng.random() < 0.92
                else c.IdentificationStandard.PROVINCIAL
            )
            identified_on = self._date_in(2014, 4, 10)
            exit_year = self._pick(self._exit_years)
            exited_on = self._date_in(exit_year, 10, 12)
            elderly_alone = len(people) <= 2 and head.age >= 60
            roll = rng.random()
            if elderly_alone and roll < 0.25:
                attribute = c.PovertyAttribute.TEKUN
                head.tekun = True
            elif roll < 0.22:
                attribute = c.PovertyAttribute.DIBAO
                for p in people:
                    p.dibao = True
            else:
                attribute = c.PovertyAttribute.GENERAL
        low_after_elimination = unsafe_after_elimination = False
        if kind == c.HouseholdType.MONITORED:
            year = self._pick(self._monitoring_years)
            monitoring_on = self._date_in(year, 1, 11 if year == REFERENCE_DATE.year else 12)
            room = (REFERENCE_DATE - monitoring_on).days
            # A household without working-age labour stays monitored (docs/domain.md, 办理程序).
            can_eliminate = room >= 200 and any(
                p.labour in c.WORKING_LABOUR and 16 <= p.age <= 59 for p in people
            )
            eliminated = False
            if can_eliminate and rng.random() < 0.45:
                eliminated = True
                if rng.random() < 0.12:
                    eliminated_on = monitoring_on + dt.timedelta(days=rng.randint(30, 170))
                    stats.planted["early_elimination"] += 1
                else:
                    eliminated_on = monitoring_on + dt.timedelta(
                        days=rng.randint(183, min(room, 1100))
                    )
                method = (
                    c.EliminationMethod.ASSISTED
                    if rng.random() < 0.7
                    else c.EliminationMethod.NATURAL
                )
                low_after_elimination = rng.random() < 0.10
                unsafe_after_elimination = rng.random() < 0.06
                stats.planted["eliminated_unsafe_house"] += unsafe_after_elimination
            stats.facts["eliminated"] += eliminated

        for p in people:
            self._insurance(p, exited=registered, ordinary=kind == c.HouseholdType.ORDINARY)
        self._plant_member_errors(people)

        no_labour = kind != c.HouseholdType.ORDINARY and not any(
            p.labour in c.WORKING_LABOUR for p in people
        )
        bank_name, bank_account = "", ""
        if kind != c.HouseholdType.ORDINARY or rng.random() < 0.5:
            bank_name, prefix = rng.choice(vocab.BANKS)
            bank_account = f"{prefix}{rng.randrange(10**13):013d}"
        group_id = rng.choice(village.group_ids) if village.group_ids else None
        head_norm = _norm(head.name)
        number = f"{village.code}{sequence:04d}"
        household_row = (
            number,
            village.area_id,
            village.code,
            group_id,
            f"{village.address_prefix}{rng.randint(1, 260)}号",
            str(kind),
            str(standard),
            str(attribute),
            causes[0] if causes else "",
            causes[1] if len(causes) > 1 else "",
            causes[2] if len(causes) > 2 else "",
            cause_remark,
            household_phone,
            bank_name,
            bank_account,
            identified_on,
            exit_year,
            exited_on,
            category,
            monitoring_on,
            eliminated,
            eliminated_on,
            str(method),
            no_labour,
            head.name,
            head_norm,
            len(people),
            number_rev(number),
            phone_tail_rev(household_phone),
        )
        member_rows = []
        for p in people:
            id_number = self._id_number(county, p.birth, p.sex)
            # str() turns the choice enums into plain strings for the database driver.
            member_rows.append(
                (
                    p.name,
                    _norm(p.name),
                    str(p.sex),
                    _RESIDENT_ID,
                    id_number,
                    p.birth,
                    str(p.relation),
                    _HAN if rng.random() < 0.994 else rng.choice(_MINORITIES),
                    str(p.education),
                    str(p.student),
                    p.dropout,
                    str(p.health),
                    str(p.labour),
                    str(p.work),
                    p.months,
                    p.place,
                    p.insured and not p.employee_insured,
                    p.employee_insured,
                    p.insured,
                    p.pension and not p.employee_insured,
                    p.pension and p.employee_insured,
                    p.dibao,
                    p.tekun,
                    p.welfare,
                    p.phone,
                    _initials(p.name),
                    id_tail_rev(id_number),
                    phone_tail_rev(p.phone),
                )
            )
        incomes = self._incomes(
            household_row[0],
            people,
            kind=kind,
            category=category,
            attribute=str(attribute),
            exit_year=exit_year,
            monitoring_year=monitoring_on.year if monitoring_on else None,
            eliminated_year=eliminated_on.year if eliminated_on else None,
            low_after_elimination=low_after_elimination,
            health_risk=bool({c.RiskType.ILLNESS, c.RiskType.DISABILITY} & set(risk_kinds)),
        )
        conditions = self._conditions(
            risk_kinds,
            kind=kind,
            still_at_risk=kind == c.HouseholdType.MONITORED and not eliminated,
            unsafe_after_elimination=unsafe_after_elimination,
        )
        risk_rows = [(i, kind_, remark) for i, (kind_, remark) in enumerate(risks, start=1)]
        measures = (
            self._measures(household_row[0], people, risk_kinds)
            if kind != c.HouseholdType.ORDINARY
            else []
        )
        stats.rows["members"] += len(member_rows)
        stats.rows["incomes"] += len(incomes)
        stats.rows["conditions"] += len(conditions)
        stats.rows["risks"] += len(risk_rows)
        stats.rows["measures"] += len(measures)
        return Bundle(household_row, member_rows, incomes, conditions, risk_rows, measures)

    # --- members --------------------------------------------------------------------------
    def _family(self) -> list[_Person]:
        """Head first; relations are consistent with sex and plausible with age."""
        rng = self.rng
        size = self._pick(self._sizes)
        surname = str(self._pick(self._surnames))
        if size == 1:
            head_sex = c.Sex.MALE if rng.random() < 0.55 else c.Sex.FEMALE
            head_age = int(rng.triangular(40, 92, 72))
        else:
            head_sex = c.Sex.MALE if rng.random() < 0.88 else c.Sex.FEMALE
            head_age = int(rng.triangular(30, 82, 54))
        head = _Person(c.Relation.HEAD, head_sex, head_age, surname)
        people = [head]
        other = c.Sex.FEMALE if head_sex == c.Sex.MALE else c.Sex.MALE
        slots = size - 1
        if slots and rng.random() < 0.88:
            shift = rng.randint(-6, 2) if head_sex == c.Sex.MALE else rng.randint(-2, 6)
            people.append(
                _Person(c.Relation.SPOUSE, other, head_age + shift, str(self._pick(self._surnames)))
            )
            slots -= 1
        if slots and head_age < 56 and rng.random() < 0.25:
            parent_age = head_age + rng.randint(22, 34)
            if rng.random() < 0.55:
                people.append(
                    _Person(
                        c.Relation.MOTHER, c.Sex.FEMALE, parent_age, str(self._pick(self._surnames))
                    )
                )
            else:
                people.append(_Person(c.Relation.FATHER, c.Sex.MALE, parent_age, surname))
            slots -= 1
        children: list[_Person] = []
        in_laws: set[int] = set()  # indexes into children that already have a spouse listed
        while slots > 0:
            adults = [i for i, ch in enumerate(children) if ch.age >= 23]
            married = [i for i in adults if i in in_laws]
            single = [i for i in adults if i not in in_laws]
            roll = rng.random()
            # A son's wife (儿媳) often lives with the family; a live-in son-in-law is rarer.
            if single and roll < (0.45 if children[single[0]].sex == c.Sex.MALE else 0.15):
                i = single[0]
                child = children[i]
                relation = (
                    c.Relation.DAUGHTER_IN_LAW if child.sex == c.Sex.MALE else c.Relation.SON_IN_LAW
                )
                sex = c.Sex.FEMALE if child.sex == c.Sex.MALE else c.Sex.MALE
                people.append(
                    _Person(
                        relation,
                        sex,
                        child.age + rng.randint(-3, 3),
                        str(self._pick(self._surnames)),
                    )
                )
                in_laws.add(i)
            elif married and roll < 0.8:
                parent = children[rng.choice(married)]
                sex = c.Sex.MALE if rng.random() < 0.52 else c.Sex.FEMALE
                relation = c.Relation.GRANDSON if sex == c.Sex.MALE else c.Relation.GRANDDAUGHTER
                age = max(0, parent.age - rng.randint(22, 32))
                people.append(_Person(relation, sex, age, surname))
            elif head_age >= 38 or len(children) < 3:
                sex = c.Sex.MALE if rng.random() < 0.52 else c.Sex.FEMALE
                relation = c.Relation.SON if sex == c.Sex.MALE else c.Relation.DAUGHTER
                age = max(0, head_age - rng.randint(22, 38))
                child = _Person(relation, sex, age, surname)
                children.append(child)
                people.append(child)
            else:
                sex = c.Sex.MALE if rng.random() < 0.5 else c.Sex.FEMALE
                people.append(
                    _Person(c.Relation.SIBLING, sex, head_age + rng.randint(-8, 8), surname)
                )
            slots -= 1
        return people

    def _health(self, people: list[_Person]) -> None:
        rng = self.rng
        for p in people:
            # Chronic illness, serious illness and disability grow with age.
            chronic, serious, disabled = (
                (0.02, 0.01, 0.015)
                if p.age < 16
                else (0.08, 0.03, 0.04)
                if p.age < 60
                else (0.30, 0.06, 0.07)
            )
            roll = rng.random()
            if roll < disabled:
                p.health = c.Health.DISABLED
            elif roll < disabled + serious:
                p.health = c.Health.SERIOUS
            elif roll < disabled + serious + chronic:
                p.health = c.Health.CHRONIC

    def _schooling(self, p: _Person) -> None:
        rng = self.rng
        age = p.age
        if age <= 5:
            p.education = c.Education.PRESCHOOL
            if age >= 3 and rng.random() < 0.8:
                p.student = c.StudentStatus.PRESCHOOL
            return
        if age in _COMPULSORY_GRADE:
            # Compulsory education: nearly everyone is at school; the few who are not carry a
            # reason (and are what the 义务教育有保障 check is about).
            dropout = rng.random() < (0.05 if p.health == c.Health.DISABLED else 0.004)
            if dropout:
                p.dropout = str(self._pick(self._dropouts))
                p.education = c.Education.PRIMARY if age < 13 else c.Education.JUNIOR
                self.stats.facts["compulsory_dropouts"] += 1
                return
            p.student = _COMPULSORY_GRADE[age]
            p.education = c.Education.PRIMARY if age <= 11 else c.Education.JUNIOR
            return
        if age in _SENIOR_BY_AGE:
            roll = rng.random()
            if roll < 0.58:
                p.student = _SENIOR_BY_AGE[age]
            elif roll < 0.82:
                p.student = c.StudentStatus.SECONDARY_VOCATIONAL
        elif 18 <= age <= 22:
            roll = rng.random()
            if roll < 0.20:
                p.student = c.StudentStatus.HIGHER_VOCATIONAL
            elif roll < 0.32:
                p.student = c.StudentStatus.UNDERGRADUATE
        if p.student != c.StudentStatus.NOT_STUDENT:
            p.education = _SCHOOL_EDUCATION[p.student]
            return
        birth_year = REFERENCE_DATE.year - age
        for before, table in self._cohorts:
            if birth_year < before:
                p.education = str(self._pick(table))
                return

    def _labour(self, p: _Person, *, county_name: str) -> None:
        rng = self.rng
        age, health = p.age, p.health
        if age < 16 or p.student != c.StudentStatus.NOT_STUDENT:
            p.labour = c.LabourSkill.NONE
            return
        roll = rng.random()
        if age <= 59:
            if health == c.Health.HEALTHY:
                p.labour = c.LabourSkill.SKILLED if roll < 0.18 else c.LabourSkill.ORDINARY
            elif health == c.Health.CHRONIC:
                p.labour = c.LabourSkill.WEAK if roll < 0.55 else c.LabourSkill.ORDINARY
            elif health == c.Health.SERIOUS:
                p.labour = c.LabourSkill.LOST if roll < 0.5 else c.LabourSkill.WEAK
            else:
                p.labour = (
                    c.LabourSkill.LOST
                    if roll < 0.45
                    else c.LabourSkill.WEAK
                    if roll < 0.85
                    else c.LabourSkill.NONE
                )
        elif age <= 69:
            if health == c.Health.HEALTHY:
                p.labour = (
                    c.LabourSkill.ORDINARY
                    if roll < 0.35
                    else c.LabourSkill.WEAK
                    if roll < 0.8
                    else c.LabourSkill.NONE
                )
            else:
                p.labour = (
                    c.LabourSkill.WEAK
                    if roll < 0.4
                    else c.LabourSkill.LOST
                    if roll < 0.7
                    else c.LabourSkill.NONE
                )
        elif health == c.Health.HEALTHY:
            p.labour = c.LabourSkill.WEAK if roll < 0.25 else c.LabourSkill.NONE
        else:
            p.labour = c.LabourSkill.LOST if roll < 0.4 else c.LabourSkill.NONE
        if p.labour in (c.LabourSkill.ORDINARY, c.LabourSkill.SKILLED) and age <= 59:
            roll = rng.random()
            if roll < 0.22:
                p.work, p.place = (
                    c.WorkStatus.MIGRANT_OUT_PROVINCE,
                    rng.choice(vocab.WORK_PLACES_OUT_PROVINCE),
                )
            elif roll < 0.40:
                p.work, p.place = (
                    c.WorkStatus.MIGRANT_IN_PROVINCE,
                    rng.choice(vocab.WORK_PLACES_IN_PROVINCE),
                )
            elif roll < 0.65:
                p.work, p.place = c.WorkStatus.LOCAL, county_name
        elif p.labour == c.LabourSkill.WEAK and rng.random() < 0.25:
            p.work, p.place = c.WorkStatus.LOCAL, county_name
        if p.work != c.WorkStatus.NOT_WORKING:
            p.months = rng.randint(4, 12)
        if p.labour in c.WORKING_LABOUR and 40 <= age <= 65 and rng.random() < 0.06:
            p.welfare = rng.randint(6, 12)  # 公益性岗位
        if 16 <= age <= 65 and p.relation != c.Relation.HEAD and rng.random() < 0.4:
            p.phone = self._mobile()

    def _insurance(self, p: _Person, *, exited: bool, ordinary: bool) -> None:
        rng = self.rng
        if (
            p.work == c.WorkStatus.MIGRANT_OUT_PROVINCE
            and p.labour == c.LabourSkill.SKILLED
            and (rng.random() < 0.3)
        ):
            p.employee_insured = True
        if ordinary and rng.random() < 0.015:
            p.insured = (
                False  # outside the poverty rules an uninsured farmer is a fact, not an error
            )
            self.stats.facts["uninsured_ordinary_members"] += 1
        elif exited and rng.random() < 0.006:
            p.insured = False
            self.stats.planted["exited_member_uninsured"] += 1
        if not p.insured:
            p.employee_insured = False
        p.pension = (
            p.age >= 16
            and p.student == c.StudentStatus.NOT_STUDENT
            and (p.employee_insured or rng.random() < 0.88)
        )

    def _plant_member_errors(self, people: list[_Person]) -> None:
        rng = self.rng
        planted = self.stats.planted
        for p in people:
            at_school = p.student != c.StudentStatus.NOT_STUDENT
            if p.age < 16:
                if p.age >= 10 and rng.random() < 0.015:
                    p.labour = c.LabourSkill.ORDINARY
                    planted["child_has_labour"] += 1
            elif at_school:
                if rng.random() < 0.03:
                    p.labour = c.LabourSkill.ORDINARY
                    planted["student_has_labour"] += 1
            elif p.age <= 59 and p.health == c.Health.HEALTHY and rng.random() < 0.01:
                p.labour = c.LabourSkill.WEAK
                planted["weak_but_healthy"] += 1
            if p.student in _UPPER_SCHOOL and rng.random() < 0.02:
                p.education = c.Education.PRIMARY
                planted["education_contradicts_school"] += 1

    # --- incomes and conditions -------------------------------------------------------------
    def _incomes(
        self,
        number: str,
        people: list[_Person],
        *,
        kind: str,
        category: str,
        attribute: str,
        exit_year: int | None,
        monitoring_year: int | None,
        eliminated_year: int | None,
        low_after_elimination: bool,
        health_risk: bool,
    ) -> list[tuple]:
        """Twelve yearly incomes shaped by the household's story: below the line until exit,
        a dip from the year monitoring starts, recovery after elimination, and from 2021 above
        :data:`_INCOME_FLOOR` for everyone not monitored, except the planted low incomes.
        Precursor shocks (:meth:`_precursors`) lower a year's earned income or raise its medical
        spending without moving the household's path."""
        rng = self.rng
        uniform = rng.uniform
        last = REFERENCE_DATE.year
        low_unmonitored = kind == c.HouseholdType.EXITED and rng.random() < 0.015
        low_from = (
            last - 1 if low_unmonitored else eliminated_year if low_after_elimination else None
        )
        if exit_year is not None:
            start, at_exit = uniform(1500, 2750), uniform(4200, 6500)
        elif category == c.MonitoringCategory.MARGINAL:
            start, at_exit = uniform(3000, 5200), 0.0
        else:
            start, at_exit = uniform(4500, 9500), 0.0
        amounts = self._income_amounts(people, attribute, exit_year is not None, category)
        falls, medical = self._precursors(
            number,
            people,
            monitoring_year=monitoring_year,
            sudden=category == c.MonitoringCategory.SUDDEN_HARDSHIP,
            health_risk=health_risk,
        )
        rows: list[tuple] = []
        per_capita = start
        for year in INCOME_YEARS:
            if exit_year is not None and year <= exit_year:
                # Geometric path from the 2014 level to the exit-year level.
                span = max(1, exit_year - INCOME_YEARS[0])
                per_capita = start * (at_exit / start) ** ((year - INCOME_YEARS[0]) / span)
            elif year > INCOME_YEARS[0]:
                per_capita *= uniform(1.04, 1.12)
            floor = _INCOME_FLOOR.get(year, 0)
            lifted = floor * uniform(1.0, 1.25)
            at_risk = (
                monitoring_year is not None
                and category != c.MonitoringCategory.SUDDEN_HARDSHIP
                and year >= monitoring_year
                and (eliminated_year is None or year < eliminated_year)
            )
            if at_risk:
                per_capita = min(per_capita, uniform(3800, 6800))  # why it is monitored
            elif per_capita < floor:
                per_capita = lifted
            target = per_capita
            if year in falls and not at_risk and (exit_year is None or year > exit_year):
                # Never below the floor: the shock is a warning, not yet the low income itself.
                target = max(floor * uniform(1.0, 1.05), per_capita * falls[year])
            row = amounts(year, target, monitoring_year, medical.get(year))
            if low_from is not None and year >= low_from:
                low = amounts(
                    year,
                    uniform(3500, LOW_INCOME_CEILING - 100),
                    monitoring_year,
                    medical.get(year),
                )
                # Transfers (pensions, 低保) can lift a household over the ceiling by themselves;
                # then the error cannot be planted and the ordinary row stands.
                if low[-1] < LOW_INCOME_CEILING:
                    row = low
                elif year == last:
                    low_from = None
            rows.append(row)
        if low_from is not None:
            code = "exited_low_income_unmonitored" if low_unmonitored else "eliminated_low_income"
            self.stats.planted[code] += 1
        return rows

    def _precursors(
        self,
        number: str,
        people: list[_Person],
        *,
        monitoring_year: int | None,
        sudden: bool,
        health_risk: bool,
    ) -> tuple[dict[int, float], dict[int, int]]:
        """The household's shocks: {year: factor of that year's per-capita income} and {year:
        medical out-of-pocket spending}. Drawn from a stream of their own (seeded per household
        like the measures), so every other generated value is as it was before they existed."""
        rng = random.Random(f"{self._measure_salt}:{number}:precursors")
        falls: dict[int, float] = {}
        medical: dict[int, int] = {}
        ill = any(p.health != c.Health.HEALTHY for p in people)
        for year in INCOME_YEARS[1:]:
            if rng.random() < FALSE_ALARM_RATE:
                falls[year] = rng.uniform(0.6, 0.85)
            if ill and rng.random() < MEDICAL_FALSE_ALARM_RATE:
                medical[year] = rng.randint(12000, 40000)
        if monitoring_year is not None and not sudden:
            before = monitoring_year - 1
            if rng.random() < PRECURSOR_SHARE:
                falls[before] = rng.uniform(0.55, 0.85)
            if health_risk and rng.random() < MEDICAL_PRECURSOR_SHARE:
                medical[before] = rng.randint(12000, 40000)
        return falls, medical

    def _income_amounts(
        self, people: list[_Person], attribute: str, registered: bool, category: str
    ) -> Callable[[int, float, int | None, int | None], tuple]:
        """The household's income parts as a function of (year, target per-capita net income,
        monitoring year, medical spending of a precursor shock or None): transfers follow from
        its members, wage and farming fill the rest."""
        rng = self.rng
        uniform = rng.uniform
        last = REFERENCE_DATE.year
        ill = any(p.is_ill for p in people)
        workers = sum(
            1 for p in people if p.labour in (c.LabourSkill.ORDINARY, c.LabourSkill.SKILLED)
        )
        wage_share = uniform(0.45, 0.85) if workers else uniform(0.05, 0.2)
        expense_ratio = uniform(0.25, 0.45)
        property_base = rng.randint(200, 2500) if rng.random() < 0.2 else 0
        ecological = rng.randint(100, 1500) if rng.random() < 0.3 else 0
        family_planning = rng.random() < 0.1
        head_age = people[0].age
        tekun_people = sum(1 for p in people if p.tekun)
        birth_years = sorted(last - p.age for p in people)
        dibao_household = attribute == c.PovertyAttribute.DIBAO
        sudden = category == c.MonitoringCategory.SUDDEN_HARDSHIP

        def amounts(
            year: int, per_capita: float, monitoring_year: int | None, medical: int | None = None
        ) -> tuple:
            size = bisect_right(birth_years, year) or 1  # members born by then
            old = bisect_right(birth_years, year - 60)  # members aged 60+ that year
            step = year - INCOME_YEARS[0]
            pension = old * (840 + 60 * step)
            dibao = size * (1300 + 120 * step) if dibao_household else 0
            tekun = tekun_people * (4800 + 350 * step)
            planning = 960 if family_planning and head_age - (last - year) >= 60 else 0
            if registered:
                other = rng.randint(0, 800)
            else:
                other = rng.randint(0, 300) if rng.random() < 0.3 else 0
            property_income = property_base + (property_base * step) // 20
            transfers = pension + dibao + tekun + planning + ecological + other
            rest = max(300, round(per_capita * size) - transfers - property_income)
            wage = int(round(rest * wage_share, -1))
            business_net = rest - wage
            expense = round(business_net * expense_ratio / (1 - expense_ratio))
            if sudden and year == monitoring_year:
                out_of_pocket = rng.randint(20000, 60000)
            elif ill:
                out_of_pocket = rng.randint(500, 9000)
            else:
                out_of_pocket = rng.randint(0, 600) if rng.random() < 0.4 else 0
            if medical is not None:
                out_of_pocket = max(out_of_pocket, medical)
            # Whole yuan as ints: derive() takes them as they come, the database stores them
            # exactly, and a chunk pickles fast when the loader generates in a second process.
            values = {
                "wage": wage,
                "business": business_net + expense,
                "property_income": property_income,
                "dibao_benefit": dibao,
                "tekun_benefit": tekun,
                "pension_benefit": pension,
                "family_planning_benefit": planning,
                "ecological_compensation": ecological,
                "other_transfer": other,
                "business_expense": expense,
                "compliant_out_of_pocket": out_of_pocket,
            }
            derived = derive(values, size)  # type: ignore[arg-type]  # ints are exact Decimals
            return (
                year,
                size,
                *(values[name] for name in INPUT_FIELDS),
                *(derived[name] for name in _INCOME_DERIVED),
            )

        return amounts

    def _measures(self, number: str, people: list[_Person], risk_kinds: list[str]) -> list[tuple]:
        """帮扶措施 of 脱贫户 and 监测户 for :data:`MEASURE_YEARS`, following the family: health
        aid where someone is ill, education aid per pupil (雨露计划 for every 中职/高职 student),
        综合保障 for 低保/特困 households, and always an industry or employment measure where
        someone can work — so the measure checks (Q-M-040, Q-H-041) find nothing planted."""
        rng = random.Random(f"{self._measure_salt}:{number}")
        can_work = any(p.labour in c.WORKING_LABOUR for p in people)
        migrant = any(p.work != c.WorkStatus.NOT_WORKING for p in people)
        ill = any(p.health != c.Health.HEALTHY for p in people)
        students = {str(p.student) for p in people}
        education = []
        if students & {str(s) for s in c.COMPULSORY_STATUSES}:
            education.append("义务教育阶段资助")
        if students & {"senior_1", "senior_2", "senior_3"}:
            education.append("普通高中助学金")
        if students & {
            str(c.StudentStatus.SECONDARY_VOCATIONAL),
            str(c.StudentStatus.HIGHER_VOCATIONAL),
        }:
            education.append("雨露计划")
        if str(c.StudentStatus.UNDERGRADUATE) in students:
            education.append("生源地助学贷款")
        guarantee = [
            name
            for name, has in (
                ("低保", any(p.dibao for p in people)),
                ("特困供养", any(p.tekun for p in people)),
            )
            if has
        ]
        rows = []
        for year in MEASURE_YEARS:
            industry = rng.choice(vocab.INDUSTRY_AID) if can_work and rng.random() < 0.7 else ""
            employment = rng.choice(vocab.EMPLOYMENT_AID) if migrant and rng.random() < 0.6 else ""
            if can_work and not (industry or employment):
                industry = rng.choice(vocab.INDUSTRY_AID)
            values = {
                "industry_aid": industry,
                "employment_aid": employment,
                "finance_aid": rng.choice(vocab.FINANCE_AID)
                if can_work and rng.random() < 0.2
                else "",
                "public_job_aid": "公益性岗位" if any(p.welfare for p in people) else "",
                "health_aid": "、".join(rng.sample(vocab.HEALTH_AID, 2)) if ill else "",
                "education_aid": "、".join(education),
                "housing_aid": "危房改造" if c.RiskType.UNSAFE_HOUSING in risk_kinds else "",
                "basic_guarantee": "、".join(guarantee),
                "social_aid": rng.choice(vocab.SOCIAL_AID) if rng.random() < 0.15 else "",
                "infrastructure_aid": (
                    rng.choice(vocab.INFRASTRUCTURE_AID) if rng.random() < 0.1 else ""
                ),
                "living_conditions_aid": (
                    rng.choice(vocab.LIVING_CONDITIONS_AID) if rng.random() < 0.1 else ""
                ),
            }
            rows.append(
                (
                    year,
                    *(values[name] for name in REGISTRY_MEASURE_FIELDS),
                    "雨露计划" in values["education_aid"],
                )
            )
        return rows

    def _conditions(
        self,
        risk_kinds: list[str],
        *,
        kind: str,
        still_at_risk: bool,
        unsafe_after_elimination: bool,
    ) -> list[tuple]:
        """Conditions for :data:`CONDITION_YEARS`. 危房 and unsafe water appear where a monitored
        household's risk says so, and at random among 一般农户; an exited or eliminated household
        has them fixed by the latest year (except the planted ``eliminated_unsafe_house``)."""
        rng = self.rng
        cultivated = round(rng.uniform(1.5, 16), 1)
        irrigated = round(cultivated * rng.uniform(0, 0.35), 1)
        forest = round(rng.uniform(0, 5), 1) if rng.random() < 0.4 else 0.0
        green = round(rng.uniform(0.5, 6), 1) if rng.random() < 0.3 else 0.0
        orchard = round(rng.uniform(0.2, 2), 1) if rng.random() < 0.1 else 0.0
        distance = Decimal(str(round(rng.uniform(0, 3), 2)))
        area = Decimal(rng.randint(40, 120))
        fuel = str(self._pick(self._fuels))
        tv, road = rng.random() < 0.98, rng.random() < 0.9
        ordinary = kind == c.HouseholdType.ORDINARY
        toilet, coop = rng.random() < 0.45, rng.random() < (0.15 if ordinary else 0.35)
        relocated = kind == c.HouseholdType.EXITED and rng.random() < 0.05
        mode = resettlement = site = ""
        if relocated:
            mode = str(
                c.RelocationMode.CENTRALISED if rng.random() < 0.7 else c.RelocationMode.DISPERSED
            )
            resettlement = str(c.ResettlementType.TOWN)
            site = rng.choice(vocab.RESETTLEMENT_SITES)
        safe_grade = "A" if rng.random() < 0.6 else "B"
        unsafe_grade = "C" if rng.random() < 0.7 else "D"
        housing_risk = c.RiskType.UNSAFE_HOUSING in risk_kinds
        water_risk = c.RiskType.UNSAFE_WATER in risk_kinds
        house_before = housing_risk or (ordinary and rng.random() < 0.01)
        water_before = water_risk or (ordinary and rng.random() < 0.01)
        if ordinary:
            house_now, water_bad_now = house_before and rng.random() < 0.5, water_before
        else:
            house_now = (housing_risk and still_at_risk) or unsafe_after_elimination
            water_bad_now = water_risk and still_at_risk
        land = (
            Decimal(str(cultivated)),
            Decimal(str(irrigated)),
            Decimal(str(forest)),
            Decimal(str(green)),
            Decimal(str(orchard)),
            Decimal(0),
            Decimal(0),
        )
        rows = []
        for year in CONDITION_YEARS:
            latest = year == CONDITION_YEARS[-1]
            dangerous = house_now if latest else house_before
            water_bad = water_bad_now if latest else water_before
            rows.append(
                (
                    year,
                    *land,
                    True,
                    tv,
                    distance,
                    road,
                    area,
                    dangerous,
                    unsafe_grade if dangerous else safe_grade,
                    not water_bad,
                    water_bad,
                    fuel,
                    toilet,
                    coop,
                    relocated,
                    mode,
                    resettlement,
                    site,
                )
            )
        return rows
