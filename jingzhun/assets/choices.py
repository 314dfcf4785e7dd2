"""Value lists of project assets (扶贫项目资产; 国办函〔2021〕51号, docs/domain.md)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AssetClass(models.TextChoices):
    OPERATING = "operating", _("经营性资产")
    PUBLIC = "public", _("公益性资产")
    HOUSEHOLD = "household", _("到户类资产")


class AssetKind(models.TextChoices):
    PV_STATION = "pv_station", _("光伏电站")
    WORKSHOP = "workshop", _("厂房（扶贫车间）")
    COLD_STORE = "cold_store", _("冷库")
    GREENHOUSE = "greenhouse", _("大棚")
    ROAD = "road", _("道路")
    WATER = "water", _("饮水工程")
    LIVESTOCK = "livestock", _("牲畜")
    EQUIPMENT = "equipment", _("设备")
    EQUITY = "equity", _("股权")
    OTHER = "other", _("其他")


class OwnerType(models.TextChoices):
    """确权: who owns the asset."""

    COLLECTIVE = "collective", _("村集体")
    DEPARTMENT = "department", _("部门（单位）")
    HOUSEHOLD = "household", _("农户")


class AssetStatus(models.TextChoices):
    IN_USE = "in_use", _("在用")
    IDLE = "idle", _("闲置")
    DAMAGED = "damaged", _("损坏")
    DISPOSED = "disposed", _("已处置")


class DisposalMethod(models.TextChoices):
    SCRAP = "scrap", _("报废")
    SALE = "sale", _("拍卖（转让）")
    TRANSFER = "transfer", _("无偿划转")
    OTHER = "other", _("其他")


class DisposalStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("不予批准")


class PeriodKind(models.TextChoices):
    MONTH = "month", _("月")
    QUARTER = "quarter", _("季度")
    YEAR = "year", _("年")


class DistributionKind(models.TextChoices):
    """Where an operating asset's income goes (收益分配)."""

    WELFARE_WAGES = "welfare_wages", _("公益岗位工资")
    COLLECTIVE = "collective", _("村集体经济收入")
    DIVIDEND = "dividend", _("农户分红")
    PUBLIC_WORKS = "public_works", _("小型公益事业")
    MAINTENANCE = "maintenance", _("运维管护")
    OTHER = "other", _("其他")


# Kinds paid to a registry household: each such line names the household.
HOUSEHOLD_KINDS = frozenset({DistributionKind.DIVIDEND, DistributionKind.WELFARE_WAGES})
