"""The people who help and what they do: assistance cadres (帮扶责任人) and their pairings with
households, village work teams and first secretaries (驻村工作队, 第一书记) with their presence,
visits (入户走访) with what was seen, and the items of each household's yearly assistance plan
(一户一策), which detail the registry's yearly 帮扶措施.

History is kept by dates, never by overwriting: a pairing or a team post ends (``ended_on``) and
a new one starts; a replacement points at the post it replaces.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from jingzhun.registry.models import Measures

# Labels stored in the audit trail (Chinese at the time of the change; shown translated).
PAIRING_LABEL = gettext_noop("%(cadre)s 结对 %(number)s")
VISIT_LABEL = gettext_noop("%(date)s 走访 %(number)s")
POST_LABEL = gettext_noop("%(village)s %(role)s %(name)s")


class Cadre(models.Model):
    """An assistance cadre (帮扶责任人) from a county or township unit. Not necessarily a user of
    the system; ``user`` links the login of a cadre who records their own visits."""

    name = models.CharField(_("姓名"), max_length=64)
    unit = models.CharField(_("工作单位"), max_length=100)
    position = models.CharField(_("职务"), max_length=64, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    # The area the cadre serves (a county or township): households paired with the cadre must
    # lie within it, and the cadre is listed to the users of that area and above.
    area = models.ForeignKey("areas.Area", verbose_name=_("帮扶范围"), on_delete=models.PROTECT)
    area_code = models.CharField(_("范围代码"), max_length=15, db_index=True, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("系统账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cadre",
    )
    active = models.BooleanField(_("在职"), default=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("帮扶责任人")
        verbose_name_plural = _("帮扶责任人")
        ordering = ["area_code", "name", "id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.unit}）"


class Pairing(models.Model):
    """One cadre responsible for one household from ``started_on`` until ``ended_on`` (open =
    current). A household has at most one current pairing; changing the cadre ends the old."""

    cadre = models.ForeignKey(
        Cadre, verbose_name=_("帮扶责任人"), on_delete=models.PROTECT, related_name="pairings"
    )
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("农户"),
        on_delete=models.PROTECT,
        related_name="pairings",
    )
    village_code = models.CharField(_("行政村代码"), max_length=15, editable=False)
    started_on = models.DateField(_("结对日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    end_reason = models.CharField(_("结束原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("结对帮扶")
        verbose_name_plural = _("结对帮扶")
        ordering = ["household", "-started_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(ended_on__isnull=True),
                name="pairing_one_current_per_household",
            )
        ]
        indexes = [
            models.Index(fields=["village_code", "ended_on"], name="pairing_scope"),
            models.Index(fields=["cadre", "ended_on"], name="pairing_cadre"),
        ]

    def __str__(self) -> str:
        return f"{self.cadre_id} → {self.household_id}"


class TeamRole(models.TextChoices):
    FIRST_SECRETARY = "first_secretary", _("第一书记")
    LEADER = "leader", _("工作队队长")
    MEMBER = "member", _("工作队队员")


class TeamPost(models.Model):
    """One person's post in a village work team (驻村工作队) or as first secretary, for a term.
    A replacement ends the post (``ended_on``) and opens a new one that ``replaces`` it."""

    village = models.ForeignKey(
        "areas.Area", verbose_name=_("行政村"), on_delete=models.PROTECT, related_name="+"
    )
    village_code = models.CharField(_("行政村代码"), max_length=15, editable=False)
    name = models.CharField(_("姓名"), max_length=64)
    role = models.CharField(_("职务"), max_length=20, choices=TeamRole.choices)
    sending_unit = models.CharField(_("派出单位"), max_length=100)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    term_start = models.DateField(_("任期开始"))
    term_end = models.DateField(_("任期届满"))
    ended_on = models.DateField(_("离岗日期"), null=True, blank=True)
    end_reason = models.CharField(_("离岗原因"), max_length=200, blank=True)
    replaces = models.ForeignKey(
        "self",
        verbose_name=_("接替"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("驻村工作队员")
        verbose_name_plural = _("驻村工作队员")
        ordering = ["village_code", "role", "term_start", "id"]
        indexes = [models.Index(fields=["village_code", "ended_on"], name="teampost_scope")]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_role_display()}）"

    def in_post_on(self, day: object) -> bool:
        """Whether the post is held on ``day`` (a date)."""
        return self.term_start <= day and (self.ended_on is None or day < self.ended_on)  # type: ignore[operator]


class Presence(models.Model):
    """Days in post (在岗天数) of a team member in one month, as the township records them."""

    post = models.ForeignKey(TeamPost, on_delete=models.CASCADE, related_name="presence")
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    days = models.PositiveSmallIntegerField(_("在岗天数"))

    class Meta:
        verbose_name = _("在岗天数")
        verbose_name_plural = _("在岗天数")
        ordering = ["post", "year", "month"]
        constraints = [
            models.UniqueConstraint(fields=["post", "year", "month"], name="presence_one_per_month")
        ]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d} {self.days}"


class VisitKind(models.TextChoices):
    HOME_VISIT = "home_visit", _("入户走访")
    ALL_HOUSEHOLDS = "all_households", _("遍访")
    DOOR_KNOCKING = "door_knocking", _("敲门行动")
    SIX_CHECKS = "six_checks", _("六看六查")


class CheckItem(models.TextChoices):
    """What a visit looks at (六看六查: local wording varies; these are the common items)."""

    INCOME = "income", _("收入变化")
    ILLNESS = "illness", _("疾病")
    SCHOOLING = "schooling", _("就学")
    HOUSING = "housing", _("住房")
    WATER = "water", _("饮水")
    WORK = "work", _("务工就业")
    NEW_RISK = "new_risk", _("新增风险")


class SignalStatus(models.TextChoices):
    NONE = "", _("无")
    CASE_OPENED = "case_opened", _("已启动监测程序")
    IN_PROCEDURE = "in_procedure", _("已在办理程序中")
    MONITORED = "monitored", _("已是监测对象")
    PENDING = "pending", _("待村干部受理")


class Visit(models.Model):
    """One visit to one household: who, when, what was seen (one entry per check item: a concern
    or not, and a note), photos, follow-ups. A finding may raise a risk signal, which opens the
    monitoring procedure (channel 基层干部排查) or is noted against the one under way."""

    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("农户"),
        on_delete=models.PROTECT,
        related_name="visits",
    )
    village_code = models.CharField(_("行政村代码"), max_length=15, editable=False)
    cadre = models.ForeignKey(
        Cadre,
        verbose_name=_("帮扶责任人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visits",
    )
    visitors = models.CharField(_("走访人员"), max_length=200)
    visited_on = models.DateField(_("走访日期"))
    kind = models.CharField(_("走访方式"), max_length=20, choices=VisitKind.choices)
    # {item code: {"concern": bool, "note": str}} for every item of CheckItem.
    checks = models.JSONField(_("查看情况"), default=dict)
    note = models.TextField(_("走访记录"), blank=True)
    follow_ups = models.JSONField(_("后续跟进事项"), default=list, blank=True)
    risk_types = models.JSONField(_("发现的风险类型"), default=list, blank=True)
    signal = models.CharField(
        _("风险信号"), max_length=16, choices=SignalStatus.choices, blank=True, default=""
    )
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="visits"
    )
    # The phone's id for a visit kept offline: sending it twice stores it once.
    client_id = models.CharField(
        _("离线记录标识"), max_length=64, unique=True, null=True, blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("走访记录")
        verbose_name_plural = _("走访记录")
        ordering = ["-visited_on", "-id"]
        indexes = [
            models.Index(fields=["village_code", "-visited_on"], name="visit_scope"),
            models.Index(fields=["household", "-visited_on"], name="visit_household"),
        ]

    def __str__(self) -> str:
        return f"{self.visited_on} {self.household_id}"

    @property
    def concerns(self) -> list[tuple[str, str]]:
        """(item label, note) of the items where something was wrong, in the list's order."""
        out = []
        for code, label in CheckItem.choices:
            item = self.checks.get(code) or {}
            if item.get("concern"):
                out.append((str(label), str(item.get("note") or "")))
        return out


class VisitPhoto(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("照片"), upload_to="visits/%Y/%m/")
    original_name = models.CharField(_("文件名"), max_length=255)

    class Meta:
        verbose_name = _("走访照片")
        verbose_name_plural = _("走访照片")

    def __str__(self) -> str:
        return self.original_name


class PlanItem(models.Model):
    """One measure of a household's plan for a year (一户一策): which family (the registry's
    yearly 帮扶措施 column it details), what, how much, when, from which fund, with what result.
    Adding an item writes its name into that family of the registry's 帮扶措施 of the year, so
    the export, the quality checks and the policy engine's "at least one measure" read it."""

    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("农户"),
        on_delete=models.PROTECT,
        related_name="plan_items",
    )
    village_code = models.CharField(_("行政村代码"), max_length=15, editable=False)
    year = models.PositiveSmallIntegerField(_("年度"))
    family = models.CharField(_("措施类别"), max_length=32)
    name = models.CharField(_("措施内容"), max_length=100)
    amount = models.DecimalField(
        _("金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    started_on = models.DateField(_("开始日期"), null=True, blank=True)
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    fund_source = models.CharField(_("资金来源"), max_length=100, blank=True)
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("来源项目"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="plan_items",
    )
    result = models.CharField(_("帮扶成效"), max_length=200, blank=True)
    removed = models.BooleanField(_("已撤销"), default=False)
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("帮扶计划措施")
        verbose_name_plural = _("帮扶计划措施")
        ordering = ["household", "-year", "family", "id"]
        indexes = [models.Index(fields=["household", "year"], name="planitem_household_year")]

    def __str__(self) -> str:
        return f"{self.year} {self.name}"

    @property
    def family_label(self) -> str:
        return str(Measures._meta.get_field(self.family).verbose_name)
