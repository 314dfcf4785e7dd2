"""The household registry (建档立卡): households, members, yearly incomes, conditions and
assistance measures (帮扶措施).

History: a household's facts for year N (income, size, conditions, measures) live in rows keyed by
(household, year) and are never overwritten by year N+1. Current-state fields (type, category,
dates, members' status) keep their history in the audit trail, which stores old and new values.

Rows are changed only by the action functions in :mod:`jingzhun.registry.actions`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from jingzhun.registry import choices as c

MONEY = {"max_digits": 14, "decimal_places": 2}
PATTERN_OPS = "varchar_pattern_ops"  # PostgreSQL operator class for LIKE 'prefix%' on varchar


class Household(models.Model):
    number = models.CharField(_("户编号"), max_length=32, unique=True)
    village = models.ForeignKey(
        "areas.Area", verbose_name=_("行政村"), on_delete=models.PROTECT, related_name="households"
    )
    # The village's 12-digit code, copied so that area scope is one index range scan.
    village_code = models.CharField(_("行政村代码"), max_length=15, editable=False)
    group = models.ForeignKey(
        "areas.Area",
        verbose_name=_("村民小组"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="group_households",
    )
    address = models.CharField(_("住址"), max_length=200, blank=True)
    household_type = models.CharField(_("户类型"), max_length=16, choices=c.HouseholdType.choices)
    identification_standard = models.CharField(
        _("识别标准"), max_length=16, choices=c.IdentificationStandard.choices, blank=True
    )
    poverty_attribute = models.CharField(
        _("贫困户属性"), max_length=16, choices=c.PovertyAttribute.choices, blank=True
    )
    main_cause = models.CharField(
        _("主要致贫原因"), max_length=20, choices=c.PovertyCause.choices, blank=True
    )
    other_cause_1 = models.CharField(
        _("其他致贫原因一"), max_length=20, choices=c.PovertyCause.choices, blank=True
    )
    other_cause_2 = models.CharField(
        _("其他致贫原因二"), max_length=20, choices=c.PovertyCause.choices, blank=True
    )
    cause_remark = models.CharField(_("致贫原因说明"), max_length=200, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    bank_name = models.CharField(_("开户银行"), max_length=64, blank=True)
    bank_account = models.CharField(_("银行账号"), max_length=32, blank=True)
    identified_on = models.DateField(_("建档立卡识别时间"), null=True, blank=True)
    exit_year = models.PositiveSmallIntegerField(_("脱贫年度"), null=True, blank=True)
    exited_on = models.DateField(_("脱贫时间"), null=True, blank=True)
    monitoring_category = models.CharField(
        _("监测对象类别"), max_length=20, choices=c.MonitoringCategory.choices, blank=True
    )
    monitoring_identified_on = models.DateField(_("识别监测时间"), null=True, blank=True)
    risk_eliminated = models.BooleanField(_("风险是否已消除"), null=True, blank=True)
    risk_eliminated_on = models.DateField(_("消除监测时间"), null=True, blank=True)
    elimination_method = models.CharField(
        _("风险消除方式"), max_length=16, choices=c.EliminationMethod.choices, blank=True
    )
    no_labour_guarantee = models.BooleanField(_("整户无劳动能力兜底保障户"), default=False)

    # Derived from the members, kept by the member actions so lists need no join or count.
    head_name = models.CharField(_("户主姓名"), max_length=64, blank=True)
    head_name_norm = models.CharField(_("户主姓名（检索）"), max_length=64, blank=True)
    member_count = models.PositiveSmallIntegerField(_("家庭人口数"), default=0)
    # Search keys (jingzhun.registry.search_keys), kept by every writer of number and phone.
    number_rev = models.CharField(
        _("户编号（倒序，检索）"), max_length=32, editable=False, default=""
    )
    phone_tail_rev = models.CharField(
        _("联系电话尾号（倒序，检索）"), max_length=6, editable=False, default=""
    )

    version = models.PositiveIntegerField(_("版本"), default=1)
    is_deleted = models.BooleanField(_("已删除"), default=False)
    deleted_reason = models.CharField(_("删除原因"), max_length=200, blank=True)
    deleted_at = models.DateTimeField(_("删除时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("更新人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("农户")
        verbose_name_plural = _("农户")
        indexes = [
            # Scoped keyset listing: WHERE village_code range AND NOT deleted ORDER BY id.
            models.Index(fields=["village_code", "id"], name="household_scope_id"),
            models.Index(fields=["head_name_norm", "id"], name="household_head_name"),
            models.Index(fields=["household_type", "id"], name="household_type_id"),
            models.Index(fields=["monitoring_category", "id"], name="household_category_id"),
            # Prefix look-ups (LIKE 'x%'): PostgreSQL needs the pattern operator class unless
            # the database collation is C; SQLite ignores it and gets range conditions.
            models.Index(
                fields=["number_rev"], name="household_number_rev", opclasses=[PATTERN_OPS]
            ),
            models.Index(
                fields=["phone_tail_rev"], name="household_phone_tail", opclasses=[PATTERN_OPS]
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.head_name}".strip()

    @property
    def causes(self) -> list[str]:
        return [x for x in (self.main_cause, self.other_cause_1, self.other_cause_2) if x]


class VillageTally(models.Model):
    """Per village, the headline counts of its households that are not deleted (the home
    page's figures): kept by database triggers on the household table (migration
    0004_village_tally), so that every write path — forms, imports, bulk writes, restores,
    raw SQL — keeps them, and a city's figures are a sum over its villages, not a scan of its
    households. tests/test_village_tally.py checks them against the households after every
    kind of change."""

    village_code = models.CharField(_("行政村代码"), max_length=15, primary_key=True)
    households = models.IntegerField(_("户数"), default=0)
    exited = models.IntegerField(_("脱贫户数"), default=0)
    monitored = models.IntegerField(_("监测户数"), default=0)
    ordinary = models.IntegerField(_("一般农户数"), default=0)
    at_risk = models.IntegerField(_("风险未消除户数"), default=0)
    people = models.BigIntegerField(_("人口数"), default=0)

    COUNTS = ("households", "exited", "monitored", "ordinary", "at_risk", "people")

    class Meta:
        verbose_name = _("行政村户数汇总")
        verbose_name_plural = _("行政村户数汇总")

    def __str__(self) -> str:
        return f"{self.village_code}: {self.households}"


class RiskFactor(models.Model):
    """致贫/返贫风险1…5 of a household."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="risks")
    position = models.PositiveSmallIntegerField(_("序号"))
    kind = models.CharField(_("风险类型"), max_length=24, choices=c.RiskType.choices)
    remark = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("致贫/返贫风险")
        verbose_name_plural = _("致贫/返贫风险")
        ordering = ["household", "position"]
        constraints = [
            models.UniqueConstraint(fields=["household", "position"], name="risk_unique_position"),
            models.CheckConstraint(
                condition=Q(position__gte=1, position__lte=5), name="risk_position_1_to_5"
            ),
        ]
        indexes = [models.Index(fields=["kind", "household"], name="risk_kind_household")]

    def __str__(self) -> str:
        return self.get_kind_display()


class Member(models.Model):
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="members")
    name = models.CharField(_("姓名"), max_length=64)
    name_norm = models.CharField(_("姓名（检索）"), max_length=64, editable=False)
    # Search keys (jingzhun.registry.search_keys), kept by every writer of name, ID and phone.
    name_initials = models.CharField(
        _("姓名拼音首字母（检索）"), max_length=64, editable=False, default=""
    )
    id_tail_rev = models.CharField(
        _("证件号码尾号（倒序，检索）"), max_length=6, editable=False, default=""
    )
    phone_tail_rev = models.CharField(
        _("联系电话尾号（倒序，检索）"), max_length=6, editable=False, default=""
    )
    sex = models.CharField(_("性别"), max_length=1, choices=c.Sex.choices)
    id_type = models.CharField(
        _("证件类型"), max_length=20, choices=c.IdType.choices, default=c.IdType.RESIDENT_ID
    )
    id_number = models.CharField(_("证件号码"), max_length=32, blank=True)
    birth_date = models.DateField(_("出生日期"))
    relation = models.CharField(_("与户主关系"), max_length=20, choices=c.Relation.choices)
    ethnicity = models.CharField(
        _("民族"), max_length=16, choices=c.Ethnicity.choices, default=c.Ethnicity.HAN
    )
    education = models.CharField(
        _("文化程度"), max_length=16, choices=c.Education.choices, blank=True
    )
    student_status = models.CharField(
        _("在校生状况"),
        max_length=24,
        choices=c.StudentStatus.choices,
        default=c.StudentStatus.NOT_STUDENT,
    )
    dropout_reason = models.CharField(
        _("义务教育阶段未上学原因"), max_length=24, choices=c.DropoutReason.choices, blank=True
    )
    health = models.CharField(
        _("健康状况"), max_length=16, choices=c.Health.choices, default=c.Health.HEALTHY
    )
    labour_skill = models.CharField(_("劳动技能"), max_length=16, choices=c.LabourSkill.choices)
    work_status = models.CharField(
        _("务工状况"), max_length=16, choices=c.WorkStatus.choices, default=c.WorkStatus.NOT_WORKING
    )
    work_months = models.PositiveSmallIntegerField(_("务工时间（月）"), default=0)
    work_place = models.CharField(_("务工所在地"), max_length=100, blank=True)
    resident_medical_insurance = models.BooleanField(
        _("是否参加城乡居民基本医疗保险"), default=False
    )
    employee_medical_insurance = models.BooleanField(_("是否参加职工基本医疗保险"), default=False)
    serious_illness_insurance = models.BooleanField(_("是否参加大病保险"), default=False)
    resident_pension = models.BooleanField(_("是否参加城乡居民基本养老保险"), default=False)
    employee_pension = models.BooleanField(_("是否参加职工基本养老保险"), default=False)
    dibao = models.BooleanField(_("享受低保"), default=False)
    tekun = models.BooleanField(_("享受特困供养"), default=False)
    public_welfare_months = models.PositiveSmallIntegerField(_("公益性岗位（月数）"), default=0)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)

    version = models.PositiveIntegerField(_("版本"), default=1)
    is_deleted = models.BooleanField(_("已删除"), default=False)
    deleted_reason = models.CharField(_("删除原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("家庭成员")
        verbose_name_plural = _("家庭成员")
        ordering = ["household", "id"]
        constraints = [
            # An ID number belongs to one living registration (dedup respects the ID type).
            models.UniqueConstraint(
                fields=["id_type", "id_number"],
                condition=Q(is_deleted=False) & ~Q(id_number=""),
                name="member_unique_id_number",
            ),
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(is_deleted=False, relation="head"),
                name="member_one_head_per_household",
            ),
        ]
        indexes = [
            # Equality and prefix (LIKE 'x%') look-ups: see Household's indexes.
            models.Index(fields=["name_norm"], name="member_name_norm", opclasses=[PATTERN_OPS]),
            models.Index(fields=["id_number"], name="member_id_number"),
            models.Index(
                fields=["name_initials"], name="member_name_initials", opclasses=[PATTERN_OPS]
            ),
            models.Index(fields=["id_tail_rev"], name="member_id_tail", opclasses=[PATTERN_OPS]),
            models.Index(
                fields=["phone_tail_rev"], name="member_phone_tail", opclasses=[PATTERN_OPS]
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def age_on(self, day: object) -> int:
        import datetime as dt

        assert isinstance(day, dt.date)
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years


# A year's records as labelled in the audit trail (stored in Chinese; jingzhun/audit/rendering.py
# shows them in the reader's language).
INCOME_LABEL = gettext_noop("%(year)s年收入")
CONDITIONS_LABEL = gettext_noop("%(year)s年生产生活条件")
MEASURES_LABEL = gettext_noop("%(year)s年帮扶措施")


class Income(models.Model):
    """One household's income for one year (收入情况). Never overwritten by another year."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="incomes")
    year = models.PositiveSmallIntegerField(_("年度"))
    household_size = models.PositiveSmallIntegerField(_("当年家庭人口数"))
    wage = models.DecimalField(_("工资性收入"), **MONEY, default=Decimal(0))
    business = models.DecimalField(_("生产经营性收入"), **MONEY, default=Decimal(0))
    property_income = models.DecimalField(_("财产性收入"), **MONEY, default=Decimal(0))
    dibao_benefit = models.DecimalField(_("低保金"), **MONEY, default=Decimal(0))
    tekun_benefit = models.DecimalField(_("特困供养金"), **MONEY, default=Decimal(0))
    pension_benefit = models.DecimalField(_("养老金"), **MONEY, default=Decimal(0))
    family_planning_benefit = models.DecimalField(_("计划生育金"), **MONEY, default=Decimal(0))
    ecological_compensation = models.DecimalField(_("生态补偿金"), **MONEY, default=Decimal(0))
    other_transfer = models.DecimalField(_("其他转移性收入"), **MONEY, default=Decimal(0))
    business_expense = models.DecimalField(_("生产经营性支出"), **MONEY, default=Decimal(0))
    compliant_out_of_pocket = models.DecimalField(_("合规自付支出"), **MONEY, default=Decimal(0))
    # Derived by jingzhun.registry.income.derive(); stored so lists and filters can read it.
    transfer = models.DecimalField(_("转移性收入"), **MONEY, editable=False, default=Decimal(0))
    net_income = models.DecimalField(_("家庭纯收入"), **MONEY, editable=False, default=Decimal(0))
    per_capita_net = models.DecimalField(
        _("人均纯收入"), **MONEY, editable=False, default=Decimal(0)
    )
    version = models.PositiveIntegerField(_("版本"), default=1)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("年度收入")
        verbose_name_plural = _("年度收入")
        ordering = ["household", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["household", "year"], name="income_one_per_year"),
            models.CheckConstraint(condition=Q(household_size__gte=1), name="income_size_positive"),
        ]

    def __str__(self) -> str:
        return INCOME_LABEL % {"year": self.year}


class Conditions(models.Model):
    """Production and living conditions (生产生活条件) of one household in one year."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="conditions")
    year = models.PositiveSmallIntegerField(_("年度"))
    cultivated_land_mu = models.DecimalField(
        _("耕地面积（亩）"), max_digits=9, decimal_places=2, default=0
    )
    irrigated_land_mu = models.DecimalField(
        _("有效灌溉面积（亩）"), max_digits=9, decimal_places=2, default=0
    )
    forest_land_mu = models.DecimalField(
        _("林地面积（亩）"), max_digits=9, decimal_places=2, default=0
    )
    grain_for_green_mu = models.DecimalField(
        _("退耕还林面积（亩）"), max_digits=9, decimal_places=2, default=0
    )
    orchard_mu = models.DecimalField(_("林果面积（亩）"), max_digits=9, decimal_places=2, default=0)
    pasture_mu = models.DecimalField(
        _("牧草地面积（亩）"), max_digits=9, decimal_places=2, default=0
    )
    water_surface_mu = models.DecimalField(
        _("水面面积（亩）"), max_digits=9, decimal_places=2, default=0
    )
    has_electricity = models.BooleanField(_("是否通生活用电"), default=True)
    has_broadcast_tv = models.BooleanField(_("是否通广播电视"), default=True)
    distance_to_road_km = models.DecimalField(
        _("与村主干路距离（公里）"), max_digits=6, decimal_places=2, default=0
    )
    road_hardened = models.BooleanField(_("入户道路是否硬化"), default=True)
    housing_area_m2 = models.DecimalField(
        _("住房面积（平方米）"), max_digits=8, decimal_places=2, default=0
    )
    is_dangerous_house = models.BooleanField(_("是否危房户"), default=False)
    housing_grade = models.CharField(
        _("危房等级"), max_length=1, choices=c.HousingSafetyGrade.choices, blank=True
    )
    safe_drinking_water = models.BooleanField(_("是否解决安全饮用水"), default=True)
    water_difficulty = models.BooleanField(_("是否饮水困难"), default=False)
    main_fuel = models.CharField(
        _("主要燃料类型"), max_length=16, choices=c.Fuel.choices, blank=True
    )
    has_sanitary_toilet = models.BooleanField(_("是否有卫生厕所"), default=False)
    in_cooperative = models.BooleanField(_("是否加入农民专业合作社"), default=False)
    is_relocated = models.BooleanField(_("是否易地扶贫搬迁户"), default=False)
    relocation_mode = models.CharField(
        _("搬迁方式"), max_length=16, choices=c.RelocationMode.choices, blank=True
    )
    resettlement_type = models.CharField(
        _("安置方式"), max_length=20, choices=c.ResettlementType.choices, blank=True
    )
    resettlement_site = models.CharField(_("安置点"), max_length=100, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("生产生活条件")
        verbose_name_plural = _("生产生活条件")
        ordering = ["household", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["household", "year"], name="conditions_one_per_year")
        ]

    def __str__(self) -> str:
        return CONDITIONS_LABEL % {"year": self.year}


# 帮扶措施 families as the national monitoring export carries them (docs/domain.md, 帮扶), in its
# order.
MEASURE_FIELDS = (
    "industry_aid",
    "employment_aid",
    "finance_aid",
    "public_job_aid",
    "health_aid",
    "education_aid",
    "housing_aid",
    "basic_guarantee",
    "social_aid",
    "infrastructure_aid",
    "living_conditions_aid",
)
# The words in 教育帮扶 that mean the household's student receives 雨露计划.
YULU_PLAN = "雨露计划"


MEASURE_TEXT: dict[str, Any] = {"max_length": 200, "blank": True, "default": ""}


class Measures(models.Model):
    """Assistance measures (帮扶措施) a household received in one year: per family the names of
    the measures as the national export writes them (blank = none). Never overwritten by
    another year. ``yulu_plan`` is derived from 教育帮扶 by the action (one source of truth: the
    text the export carries)."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="measures")
    year = models.PositiveSmallIntegerField(_("年度"))
    industry_aid = models.CharField(_("产业帮扶"), **MEASURE_TEXT)
    employment_aid = models.CharField(_("就业帮扶"), **MEASURE_TEXT)
    finance_aid = models.CharField(_("金融帮扶"), **MEASURE_TEXT)
    public_job_aid = models.CharField(_("公益岗位帮扶"), **MEASURE_TEXT)
    health_aid = models.CharField(_("健康帮扶"), **MEASURE_TEXT)
    education_aid = models.CharField(_("教育帮扶"), **MEASURE_TEXT)
    housing_aid = models.CharField(_("住房和搬迁帮扶"), **MEASURE_TEXT)
    basic_guarantee = models.CharField(_("综合保障"), **MEASURE_TEXT)
    social_aid = models.CharField(_("社会帮扶"), **MEASURE_TEXT)
    infrastructure_aid = models.CharField(_("基础设施建设"), **MEASURE_TEXT)
    living_conditions_aid = models.CharField(_("生产生活条件改善"), **MEASURE_TEXT)
    yulu_plan = models.BooleanField(_("享受雨露计划"), default=False, editable=False)
    version = models.PositiveIntegerField(_("版本"), default=1)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("帮扶措施")
        verbose_name_plural = _("帮扶措施")
        ordering = ["household", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["household", "year"], name="measures_one_per_year")
        ]

    def __str__(self) -> str:
        return MEASURES_LABEL % {"year": self.year}

    @property
    def received(self) -> list[tuple[str, str]]:
        """(family label, measure names) of the families with something entered, in order."""
        return [
            (str(self._meta.get_field(name).verbose_name), getattr(self, name))
            for name in MEASURE_FIELDS
            if getattr(self, name)
        ]
