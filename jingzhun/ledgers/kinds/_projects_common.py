"""What the project, fund and asset ledgers share: finding the project or asset a row names,
and reading a list of households with amounts written in one cell."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q

from jingzhun.areas.models import code_range
from jingzhun.assets.models import Asset
from jingzhun.ledgers.spec import Context, Row
from jingzhun.projects.models import Project


def _in_scope(ctx: Context, field: str) -> Q:
    low, high = code_range(ctx.scope.scope_prefix)
    return Q(**{f"{field}__gte": low, f"{field}__lt": high})


def project(ctx: Context, row: Row, key: str = "project") -> Project:
    """The project a row names by its 项目编号, or by its name (with 年度 when names repeat),
    within the upload's area."""
    text = str(row.get(key) or "").strip()
    if not text:
        raise ValidationError({key: ["请填写项目编号或项目名称。"]})
    qs = Project.objects.filter(_in_scope(ctx, "area_code"))
    found = qs.filter(number=text).first()
    if found is not None:
        return found
    named = qs.filter(name=text)
    if row.get("year") not in (None, ""):
        named = named.filter(year=row["year"])
    matches = list(named.order_by("id")[:2])
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise ValidationError({key: [f"名为“{text}”的项目不止一个：请填写项目编号，或填写年度。"]})
    raise ValidationError(
        {
            key: [
                f"{ctx.scope.name}范围内没有编号或名称为“{text}”的项目：请核对，或先导入项目库台账。"
            ]
        }
    )


def asset(ctx: Context, row: Row, key: str = "asset") -> Asset:
    """The asset a row names by its 资产编号, or by its name within the upload's area."""
    text = str(row.get(key) or "").strip()
    if not text:
        raise ValidationError({key: ["请填写资产编号或资产名称。"]})
    qs = Asset.objects.filter(_in_scope(ctx, "area_code"))
    found = qs.filter(number=text).first()
    if found is not None:
        return found
    matches = list(qs.filter(name=text).order_by("id")[:2])
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise ValidationError({key: [f"名为“{text}”的资产不止一个：请填写资产编号。"]})
    raise ValidationError(
        {key: [f"{ctx.scope.name}范围内没有编号或名称为“{text}”的资产：请核对，或先导入资产台账。"]}
    )


def household_amounts(ctx: Context, row: Row, key: str) -> list[tuple[Any, Decimal]]:
    """A cell listing households and amounts, ``户编号:金额`` separated by ；or ; or 、 or a new
    line (e.g. ``140922100001001:300；140922100001002:300``)."""
    text = str(row.get(key) or "").strip()
    if not text:
        return []
    out = []
    for part in [
        p.strip() for p in text.replace("；", ";").replace("、", ";").replace("\n", ";").split(";")
    ]:
        if not part:
            continue
        number, sep, amount = part.replace("：", ":").partition(":")
        if not sep:
            raise ValidationError({key: [f"“{part}”应写成“户编号:金额”，多户用“；”分隔。"]})
        try:
            value = Decimal(amount.strip().replace(",", ""))
        except InvalidOperation:
            raise ValidationError({key: [f"“{part}”的金额“{amount}”不是数字。"]}) from None
        out.append((ctx.household(key, number.strip()), value))
    return out
