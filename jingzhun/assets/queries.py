"""Reading assets: the one scoping function and the reports (idle or loss-making assets, PV
capacity by village and its share of a higher area's total) — computed from the rows."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from jingzhun.areas.models import Area, Level, code_range
from jingzhun.assets import choices as ac
from jingzhun.assets.models import Asset, AssetIncome, Disposal
from jingzhun.core.actions import NotFound
from jingzhun.projects.queries import rate

if TYPE_CHECKING:
    from jingzhun.accounts.models import User

ZERO = Decimal(0)


def assets_for(user: User, *, within: str = "") -> QuerySet[Asset]:
    low, high = code_range(user.scope_prefix)
    if within:
        w_low, w_high = code_range(within)
        low, high = max(low, w_low), min(high, w_high)
    return Asset.objects.filter(area_code__gte=low, area_code__lt=high)


def access_asset(user: User, asset_id: int | str) -> Asset:
    try:
        return (
            assets_for(user)
            .select_related("area", "project", "owner_household")
            .get(pk=int(asset_id))
        )
    except (Asset.DoesNotExist, ValueError, TypeError):
        raise NotFound(asset_id) from None


def access_disposal(user: User, disposal_id: int | str) -> Disposal:
    try:
        return Disposal.objects.select_related("asset__area").get(
            pk=int(disposal_id), asset__in=assets_for(user)
        )
    except (Disposal.DoesNotExist, ValueError, TypeError):
        raise NotFound(disposal_id) from None


# --- idle and loss-making ------------------------------------------------------------------------


@dataclass
class Problem:
    asset: Asset
    reason: str
    income: Decimal | None = None
    costs: Decimal | None = None
    period: str = ""


def problem_assets(user: User, *, year: int) -> list[Problem]:
    """Assets of the user's area that are idle (闲置) or damaged (损坏), and operating assets
    whose costs exceeded their income in a period of ``year`` (one line per such period).
    Two queries."""
    scoped = assets_for(user)
    out = [
        Problem(asset=a, reason=f"状态：{a.get_status_display()}")
        for a in scoped.filter(status__in=[ac.AssetStatus.IDLE, ac.AssetStatus.DAMAGED])
        .select_related("area")
        .order_by("area_code", "id")
    ]
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    losses = (
        AssetIncome.objects.filter(asset__in=scoped, period_start__lte=end, period_end__gte=start)
        .filter(Q(costs__gt=0))
        .select_related("asset__area")
        .order_by("asset__area_code", "asset_id", "period_start")
    )
    for entry in losses:
        if entry.costs > entry.income:
            out.append(
                Problem(
                    asset=entry.asset,
                    reason="成本高于收益（亏损）",
                    income=entry.income,
                    costs=entry.costs,
                    period=f"{entry.period_start}—{entry.period_end}",
                )
            )
    return out


# --- PV capacity ---------------------------------------------------------------------------------


@dataclass
class VillagePV:
    code: str
    name: str
    stations: int
    capacity: Decimal  # kW
    share: Decimal | None  # of the area's total, %


@dataclass
class PVFigures:
    area: Area
    total: Decimal  # every PV station in use under the area (kW)
    stations: int
    village_total: Decimal  # the village stations (村级光伏电站)
    village_stations: int
    village_share: Decimal | None
    other_total: Decimal  # centralised stations of a township, county or above
    other_share: Decimal | None
    villages: list[VillagePV] = field(default_factory=list)

    @property
    def village_total_wan(self) -> Decimal:
        return (self.village_total / 10000).quantize(Decimal("0.001"))

    @property
    def total_wan(self) -> Decimal:
        return (self.total / 10000).quantize(Decimal("0.001"))


def pv_figures(user: User, area: Area) -> PVFigures:
    """PV capacity (kW) under ``area`` — the user's area, or a county, city or province above
    it: each village's stations (villages in the user's scope only) and their share of the
    area's total, the villages together and the remaining stations (centralised ones, and for
    an area above the user's, those outside the user's scope). The area's total is an
    aggregate over all its stations, as the seed's "30.14% of the province's capacity" reads;
    no station outside the user's scope is listed. Disposed stations are left out. Two
    queries."""
    if not user.has_role:  # roles fail closed: nothing to count
        return PVFigures(area, ZERO, 0, ZERO, 0, None, ZERO, None)
    inside = area.code.startswith(user.scope_prefix)
    above = user.scope_prefix.startswith(area.scope_prefix) and area.level <= Level.COUNTY
    if not (inside or above):
        raise NotFound(area.pk)
    low, high = code_range(area.scope_prefix)
    rows = list(
        Asset.objects.filter(area_code__gte=low, area_code__lt=high, kind=ac.AssetKind.PV_STATION)
        .exclude(status=ac.AssetStatus.DISPOSED)
        .values_list("area_id", "area__level", "area_code", "capacity")
    )
    total = sum((c or ZERO for *_, c in rows), ZERO)
    per_village: dict[int, list[Decimal]] = defaultdict(list)
    for area_id, level, code, capacity in rows:
        if level == Level.VILLAGE and code.startswith(user.scope_prefix):
            per_village[area_id].append(capacity or ZERO)
    names = {a.pk: a for a in Area.objects.filter(pk__in=list(per_village)).only("code", "name")}
    villages = sorted(
        (
            VillagePV(
                code=names[pk].code,
                name=names[pk].name,
                stations=len(caps),
                capacity=sum(caps, ZERO),
                share=rate(sum(caps, ZERO), total),
            )
            for pk, caps in per_village.items()
        ),
        key=lambda v: v.code,
    )
    village_total = sum((v.capacity for v in villages), ZERO)
    return PVFigures(
        area=area,
        total=total,
        stations=len(rows),
        village_total=village_total,
        village_stations=sum(v.stations for v in villages),
        village_share=rate(village_total, total),
        other_total=total - village_total,
        other_share=rate(total - village_total, total),
        villages=villages,
    )
