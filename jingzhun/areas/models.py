"""The area tree 省 > 市 > 县 > 乡 > 村 > 组 with GB/T 2260 and statistical codes.

Codes are digit strings whose prefixes nest: province 2 significant digits of a 6-digit code,
city 4, county 6, township 9, village 12 (township + 3), group 15 (village + 3). A household
stores its village's 12-digit code, so "everything under area A" is the code range
``[A.scope_prefix, A.scope_prefix + ":")`` — one B-tree range scan on every database.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from jingzhun.core.names import normalize_name


class Level(models.IntegerChoices):
    PROVINCE = 1, _("省")
    CITY = 2, _("市")
    COUNTY = 3, _("县")
    TOWNSHIP = 4, _("乡")
    VILLAGE = 5, _("村")
    GROUP = 6, _("组")


# How many leading digits of an area's code are shared by everything beneath it.
SCOPE_DIGITS = {
    Level.PROVINCE: 2,
    Level.CITY: 4,
    Level.COUNTY: 6,
    Level.TOWNSHIP: 9,
    Level.VILLAGE: 12,
    Level.GROUP: 15,
}

# Western provinces (西部地区): poverty-incidence limits differ there (厅字〔2016〕16号;
# docs/domain.md, 区划与代码).
WESTERN_PROVINCES = frozenset(
    ["15", "45", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65"]
)


class Area(models.Model):
    code = models.CharField(_("代码"), max_length=15, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    name_norm = models.CharField(_("名称（检索）"), max_length=64, db_index=True, editable=False)
    level = models.PositiveSmallIntegerField(_("级别"), choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="area_unique_name_per_parent")
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    def save(self, *args: object, **kwargs: object) -> None:
        self.name_norm = normalize_name(self.name)
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def scope_prefix(self) -> str:
        return self.code[: SCOPE_DIGITS[Level(self.level)]]

    @property
    def province_code(self) -> str:
        return self.code[:2]

    @property
    def is_western(self) -> bool:
        return self.province_code in WESTERN_PROVINCES

    def contains(self, other: Area) -> bool:
        return other.code.startswith(self.scope_prefix) and other.level >= self.level

    def ancestors(self) -> list[Area]:
        """From the province down to the parent, in one query: an ancestor's code is a prefix
        of this code padded the way its level is written (6 digits down to the county)."""
        candidates = {
            (self.code[:digits] + "000000")[: max(digits, 6)]
            for digits in (2, 4, 6, 9, 12)
            if digits < len(self.code)
        }
        candidates.discard(self.code)
        rows = Area.objects.filter(code__in=candidates, level__lt=self.level).order_by("level")
        return list(rows)


def prefix_of_code(area_code: str) -> str:
    """The scope prefix of an area read from its code alone, the way codes are written
    (province 140000 → 14, city 140900 → 1409, county 6 digits, township 9, village 12)."""
    if len(area_code) == 6 and area_code.endswith("0000"):
        return area_code[:2]
    if len(area_code) == 6 and area_code.endswith("00"):
        return area_code[:4]
    return area_code


def latest_without_overlap(runs: list[Any], key: Callable[[Any], str]) -> list[Any]:
    """From ``runs`` (newest first), those whose areas (``key``: the area code) do not overlap
    the area of a newer one already taken — a roll-up that counts no area twice."""
    taken: list[Any] = []
    prefixes: list[str] = []
    for run in runs:
        prefix = prefix_of_code(key(run))
        if any(prefix.startswith(p) or p.startswith(prefix) for p in prefixes):
            continue
        taken.append(run)
        prefixes.append(prefix)
    return taken


def code_range(prefix: str) -> tuple[str, str]:
    """The half-open string range holding every digit code that starts with ``prefix``."""
    return prefix, prefix + ":"  # ":" sorts right after "9"


class VillageProfile(models.Model):
    """One village's facts for one year (村情信息): what a village exit standard reads besides
    the households — the rural registered population (the denominator of the poverty
    incidence) and the infrastructure / service items. A flag left empty (None) is "not
    verified": the criteria reading it answer unknown, never pass. Written only through
    :func:`jingzhun.areas.profiles.do_set_village_profile`."""

    village = models.ForeignKey(
        Area, verbose_name=_("行政村"), on_delete=models.PROTECT, related_name="profiles"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    rural_population = models.PositiveIntegerField(_("农业户籍人口"))
    has_specialty_industry = models.BooleanField(_("有特色产业"), null=True, blank=True)
    has_housing_security = models.BooleanField(_("有住房保障"), null=True, blank=True)
    has_medical_insurance = models.BooleanField(_("有基本医疗保险"), null=True, blank=True)
    has_compulsory_education = models.BooleanField(_("有义务教育保障"), null=True, blank=True)
    has_road = models.BooleanField(_("有路通村屯"), null=True, blank=True)
    has_drinking_water = models.BooleanField(_("有饮用水"), null=True, blank=True)
    has_electricity = models.BooleanField(_("有电用"), null=True, blank=True)
    has_public_services = models.BooleanField(_("有公共服务设施"), null=True, blank=True)
    has_television = models.BooleanField(_("有电视看"), null=True, blank=True)
    collective_income = models.DecimalField(
        _("村集体经济收入（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    has_good_committee = models.BooleanField(_("有好的“两委”班子"), null=True, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("村情信息")
        verbose_name_plural = _("村情信息")
        ordering = ["village__code", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["village", "year"], name="village_profile_one_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.village.name}{self.year}年村情信息"


# The editable facts of a profile, in form order (the flags are the ones village standards use).
PROFILE_FLAGS = (
    "has_specialty_industry",
    "has_housing_security",
    "has_medical_insurance",
    "has_compulsory_education",
    "has_road",
    "has_drinking_water",
    "has_electricity",
    "has_public_services",
    "has_television",
    "has_good_committee",
)
PROFILE_FIELDS = ("rural_population", *PROFILE_FLAGS, "collective_income", "notes")


class AreaBoundary(models.Model):
    """The boundary of one area as GeoJSON, loaded by users from a file they have the right to
    use (``jingzhun boundaries load``): no boundary ships with jingzhun (docs/maps.md). Maps
    draw areas by these when every area shown has one, and fall back to a tile layout
    otherwise (:mod:`jingzhun.areas.maps`)."""

    area = models.OneToOneField(
        Area, verbose_name=_("行政区划"), on_delete=models.CASCADE, related_name="boundary"
    )
    # The GeoJSON geometry (Polygon or MultiPolygon, WGS 84 / GCJ-02 as the file gives it).
    geometry = models.TextField(_("边界（GeoJSON）"))
    source = models.CharField(_("来源与许可"), max_length=500)
    loaded_at = models.DateTimeField(_("导入时间"))

    class Meta:
        verbose_name = _("行政区划边界")
        verbose_name_plural = _("行政区划边界")
        ordering = ["area__code"]

    def __str__(self) -> str:
        return f"{self.area_id} {self.source[:20]}"
