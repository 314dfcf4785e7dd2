"""Loading administrative-area boundaries (行政区划边界) as user data: a GeoJSON
FeatureCollection whose features carry the division code in a property, checked against the
area tree and stored all or nothing (:func:`do_load_boundaries`). No boundary ships with
jingzhun: docs/maps.md says which openly licensed sources exist and what their licences ask.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from jingzhun.areas.models import Area, AreaBoundary
from jingzhun.audit import recorder
from jingzhun.core.actions import Actor, Errors, raise_if_errors, text_value

POLYGONS = ("Polygon", "MultiPolygon")
# How many refused features a message names before it says "…and N more".
NAMED_MAX = 20


@dataclass(frozen=True)
class Parsed:
    """A checked file: the geometry of each area, by code."""

    geometries: dict[str, dict[str, Any]]


def _feature_name(index: int, feature: Any) -> str:
    """How a message names a feature: its position and its name property, if any."""
    props = feature.get("properties") if isinstance(feature, Mapping) else None
    name = ""
    if isinstance(props, Mapping):
        name = str(props.get("name") or props.get("NAME") or props.get("shapeName") or "")
    return f"第{index + 1}个要素" + (f"（{name}）" if name else "")


def _named(items: list[str]) -> str:
    shown = "、".join(items[:NAMED_MAX])
    if len(items) > NAMED_MAX:
        shown += f"等{len(items)}个"
    return shown


def parse_boundaries(text: str | bytes, code_property: str) -> Parsed:
    """Read and check a GeoJSON FeatureCollection: every feature has a code in
    ``code_property`` naming an area of the tree, once, and a Polygon or MultiPolygon geometry.
    Raises ValidationError naming every refused feature (nothing is loaded then)."""
    errors: Errors = {}
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as error:
        raise_if_errors({"file": [f"文件不是有效的 GeoJSON（JSON 格式错误：{error}）。"]})
    if not isinstance(data, Mapping) or data.get("type") != "FeatureCollection":
        raise_if_errors({"file": ["文件应为 GeoJSON 的 FeatureCollection（要素集合）。"]})
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise_if_errors({"file": ["文件中没有要素（features 为空）。"]})
    no_code: list[str] = []
    bad_geometry: list[str] = []
    seen: dict[str, str] = {}
    duplicates: list[str] = []
    geometries: dict[str, dict[str, Any]] = {}
    for index, feature in enumerate(features):
        label = _feature_name(index, feature)
        props = feature.get("properties") if isinstance(feature, Mapping) else None
        raw = props.get(code_property) if isinstance(props, Mapping) else None
        code = str(raw).strip() if raw not in (None, "") else ""
        if not code:
            no_code.append(label)
            continue
        geometry = feature.get("geometry")
        if not isinstance(geometry, Mapping) or geometry.get("type") not in POLYGONS:
            kind = geometry.get("type") if isinstance(geometry, Mapping) else "无"
            bad_geometry.append(f"{label}（{code}，{kind}）")
        if code in seen:
            duplicates.append(f"{label}与{seen[code]}（{code}）")
        else:
            seen[code] = label
            geometries[code] = dict(geometry) if isinstance(geometry, Mapping) else {}
    known = set(Area.objects.filter(code__in=list(seen)).values_list("code", flat=True))
    unknown = [f"{seen[c]}（{c}）" for c in seen if c not in known]
    if no_code:
        errors.setdefault("file", []).append(
            f"{_named(no_code)}没有区划代码（属性“{code_property}”为空或不存在）："
            "请补上代码，或用 --code-property 指定存放代码的属性。"
        )
    if unknown:
        errors.setdefault("file", []).append(
            f"{_named(unknown)}的区划代码不在本系统的行政区划中：请核对代码"
            "（县6位、乡镇9位、村12位）或先建立这些区划。"
        )
    if bad_geometry:
        errors.setdefault("file", []).append(
            f"{_named(bad_geometry)}的几何类型不是面（Polygon 或 MultiPolygon）。"
        )
    if duplicates:
        errors.setdefault("file", []).append(
            f"{_named(duplicates)}的区划代码重复：每个区划只能有一个边界。"
        )
    raise_if_errors(errors)
    return Parsed(geometries)


def do_load_boundaries(*, actor: Actor, parsed: Parsed, source: str) -> int:
    """Store the boundaries of a checked file (replacing those of the same areas), with their
    source and licence, in one transaction with one audit entry. Returns how many were
    stored."""
    errors: Errors = {}
    source = text_value({"source": source}, errors, "source", "来源与许可", size=500)
    raise_if_errors(errors)
    areas = {a.code: a for a in Area.objects.filter(code__in=list(parsed.geometries))}
    now = timezone.now()
    with transaction.atomic():
        AreaBoundary.objects.filter(area__in=list(areas.values())).delete()
        AreaBoundary.objects.bulk_create(
            [
                AreaBoundary(
                    area=areas[code],
                    geometry=json.dumps(geometry, ensure_ascii=False, separators=(",", ":")),
                    source=source,
                    loaded_at=now,
                )
                for code, geometry in sorted(parsed.geometries.items())
            ]
        )
        first = areas[min(areas)]
        recorder.record(
            actor=actor,
            action="load_boundaries",
            obj=first,
            object_type="boundaries",
            object_id=len(areas),
            area_code=first.code,
            label="行政区划边界",
            changes={"areas": [None, sorted(areas)[:200]], "source": [None, source]},
        )
    return len(areas)


def do_clear_boundaries(*, actor: Actor, prefix: str = "") -> int:
    """Delete the stored boundaries (those of the areas under ``prefix`` when given). Returns
    how many were deleted."""
    with transaction.atomic():
        rows = AreaBoundary.objects.filter(area__code__startswith=prefix)
        codes = sorted(rows.values_list("area__code", flat=True))
        deleted = rows.delete()[0]
        if deleted:
            recorder.record(
                actor=actor,
                action="clear_boundaries",
                obj=None,
                object_type="boundaries",
                object_id=deleted,
                area_code=prefix or codes[0],
                label="行政区划边界",
                changes={"areas": [codes[:200], None]},
            )
    return deleted
