"""Value lists of relocation. How a household was resettled (集中安置 / 分散安置) and the kind of
place (县城或城镇安置 …) are the registry's own lists (:mod:`jingzhun.registry.choices`), reused so
that the relocation record and the registry's 生产生活条件 speak the same words."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from jingzhun.registry.choices import RelocationMode, ResettlementType

__all__ = [
    "MEASURE_AIMS",
    "JobChannel",
    "JobPlace",
    "MeasureAim",
    "MeasureKind",
    "RelocationMode",
    "ResettlementType",
    "SiteService",
]


class SiteService(models.TextChoices):
    """Public services at a resettlement site (配套设施)."""

    SCHOOL = "school", _("学校")
    KINDERGARTEN = "kindergarten", _("幼儿园")
    CLINIC = "clinic", _("卫生室")
    COMMUNITY_CENTRE = "community_centre", _("社区服务中心")
    WORKSHOP = "workshop", _("扶贫车间/就业车间")
    SHOP = "shop", _("超市")
    OTHER = "other", _("其他")


class JobPlace(models.TextChoices):
    """Where a relocated member works."""

    SITE_WORKSHOP = "site_workshop", _("安置点扶贫车间")
    LOCAL = "local", _("县内务工")
    IN_PROVINCE = "in_province", _("省内县外务工")
    OUT_PROVINCE = "out_province", _("省外务工")


class JobChannel(models.TextChoices):
    """How the job was found."""

    PUBLIC_WELFARE = "public_welfare", _("公益岗位")
    WORKSHOP = "workshop", _("扶贫车间")
    LABOUR_EXPORT = "labour_export", _("劳务输出（有组织）")
    SELF_EMPLOYED = "self_employed", _("自主创业")
    SELF_FOUND = "self_found", _("自主务工")
    OTHER = "other", _("其他")


class MeasureAim(models.TextChoices):
    """What follow-up support (后续扶持) is for."""

    STAY = "stay", _("稳得住")
    INTEGRATE = "integrate", _("能融入")
    EMPLOY = "employ", _("有就业")


class MeasureKind(models.TextChoices):
    SKILLS_TRAINING = "skills_training", _("技能培训")
    JOB_REFERRAL = "job_referral", _("就业推荐")
    PUBLIC_WELFARE_JOB = "public_welfare_job", _("公益岗位安置")
    WORKSHOP_JOB = "workshop_job", _("扶贫车间就业")
    BUSINESS_SUPPORT = "business_support", _("创业扶持")
    INDUSTRY = "industry", _("产业配套扶持")
    FEE_RELIEF = "fee_relief", _("物业水电费用减免")
    LAND_RIGHTS = "land_rights", _("原籍土地权益保障")
    SCHOOLING = "schooling", _("子女就近入学")
    SOCIAL_SECURITY = "social_security", _("户籍与社保接续")
    COMMUNITY = "community", _("社区融入服务")
    OTHER = "other", _("其他")


# Which aim each kind of measure serves (a kind serves one aim, so the aims add up); for
# 其他 the person entering it says which.
MEASURE_AIMS: dict[str, str] = {
    MeasureKind.SKILLS_TRAINING: MeasureAim.EMPLOY,
    MeasureKind.JOB_REFERRAL: MeasureAim.EMPLOY,
    MeasureKind.PUBLIC_WELFARE_JOB: MeasureAim.EMPLOY,
    MeasureKind.WORKSHOP_JOB: MeasureAim.EMPLOY,
    MeasureKind.BUSINESS_SUPPORT: MeasureAim.EMPLOY,
    MeasureKind.INDUSTRY: MeasureAim.STAY,
    MeasureKind.FEE_RELIEF: MeasureAim.STAY,
    MeasureKind.LAND_RIGHTS: MeasureAim.STAY,
    MeasureKind.SCHOOLING: MeasureAim.INTEGRATE,
    MeasureKind.SOCIAL_SECURITY: MeasureAim.INTEGRATE,
    MeasureKind.COMMUNITY: MeasureAim.INTEGRATE,
}
