"""Area boundaries as user data: a GeoJSON file keyed by division code is loaded all or nothing
(codes not in the tree, features without a code, non-polygons and repeated codes refused,
naming the features), and the map spec falls back to tiles unless every area has one."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from jingzhun.areas.boundaries import do_load_boundaries, parse_boundaries
from jingzhun.areas.maps import area_map
from jingzhun.areas.models import Area, AreaBoundary
from jingzhun.audit.models import AuditEntry
from jingzhun.core.actions import Actor

SOURCE = "测试用示意形状，非真实行政区划边界"


def square(x: float, y: float) -> dict[str, Any]:
    return {
        "type": "Polygon",
        "coordinates": [[[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1], [x, y]]],
    }


def collection(*features: tuple[Any, Any, str]) -> str:
    """(code, geometry, name) per feature."""
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"adcode": code, "name": name},
                    "geometry": geometry,
                }
                for code, geometry, name in features
            ],
        },
        ensure_ascii=False,
    )


def townships(world) -> list[Area]:
    return list(Area.objects.filter(parent=world.county).order_by("code"))


def county_file(world, tmp_path: Path, **replace: Any) -> Path:
    feats = [(a.code, square(i, 0), a.name) for i, a in enumerate(townships(world))]
    path = tmp_path / "wutai.geojson"
    path.write_text(collection(*feats), encoding="utf-8")
    return path


def load(path: Path) -> str:
    out = StringIO()
    call_command(
        "boundaries", "load", str(path), "--code-property", "adcode", "--source", SOURCE, stdout=out
    )
    return out.getvalue()


def test_a_good_file_is_loaded_with_its_source_and_listed(world, tmp_path) -> None:
    said = load(county_file(world, tmp_path))
    n = len(townships(world))
    assert f"已导入{n}个" in said
    stored = AreaBoundary.objects.get(area=world.township)
    assert json.loads(stored.geometry)["type"] == "Polygon"
    assert stored.source == SOURCE
    assert AuditEntry.objects.filter(action="load_boundaries").count() == 1
    out = StringIO()
    call_command("boundaries", "list", stdout=out)
    assert f"乡级 {n}个：{SOURCE}" in out.getvalue()


def test_loading_again_replaces_the_boundaries_of_the_same_areas(world, tmp_path) -> None:
    path = county_file(world, tmp_path)
    load(path)
    load(path)
    assert AreaBoundary.objects.count() == len(townships(world))


def test_codes_not_in_the_tree_are_refused_and_nothing_is_loaded(world, tmp_path) -> None:
    first = townships(world)[0]
    path = tmp_path / "bad.geojson"
    path.write_text(
        collection((first.code, square(0, 0), first.name), ("140922999", square(1, 0), "无名乡")),
        encoding="utf-8",
    )
    with pytest.raises(CommandError) as caught:
        load(path)
    assert "第2个要素（无名乡）（140922999）的区划代码不在本系统的行政区划中" in str(caught.value)
    assert "未导入任何边界" in str(caught.value)
    assert not AreaBoundary.objects.exists()


def test_missing_codes_non_polygons_and_repeated_codes_are_each_named(world) -> None:
    first, second = townships(world)[:2]
    text = collection(
        ("", square(0, 0), "甲"),
        (first.code, {"type": "Point", "coordinates": [1, 1]}, "乙"),
        (second.code, square(2, 0), "丙"),
        (second.code, square(3, 0), "丁"),
    )
    with pytest.raises(ValidationError) as caught:
        parse_boundaries(text, "adcode")
    messages = caught.value.message_dict["file"]
    assert any("第1个要素（甲）没有区划代码" in m for m in messages)
    assert any("第2个要素（乙）" in m and "Point" in m and "不是面" in m for m in messages)
    assert any("第4个要素（丁）与第3个要素（丙）" in m and "重复" in m for m in messages)


def test_a_file_that_is_not_a_feature_collection_is_refused(world) -> None:
    for text in ("{", json.dumps({"type": "Feature"}), json.dumps({"type": "FeatureCollection"})):
        with pytest.raises(ValidationError):
            parse_boundaries(text, "adcode")


def test_boundaries_are_cleared_under_an_area(world, tmp_path) -> None:
    load(county_file(world, tmp_path))
    out = StringIO()
    call_command("boundaries", "clear", "--under", world.township.code, stdout=out)
    assert "已清除1个" in out.getvalue()
    assert not AreaBoundary.objects.filter(area=world.township).exists()
    assert AreaBoundary.objects.filter(area=world.other_township).exists()


# --- the map spec --------------------------------------------------------------------------------


def test_the_map_falls_back_to_tiles_when_a_boundary_is_missing(world) -> None:
    areas = townships(world)[:2]
    parsed = parse_boundaries(collection((areas[0].code, square(0, 0), areas[0].name)), "adcode")
    do_load_boundaries(actor=Actor(user=None, source="command"), parsed=parsed, source=SOURCE)
    spec = area_map(
        areas,
        {areas[0].code: 50, areas[1].code: None},
        {areas[0].code: "/x/"},
        sizes={areas[0].code: 120},
    )
    assert spec["mode"] == "tiles"
    assert spec["geojson"] is None
    assert spec["items"] == [
        {"code": areas[0].code, "name": areas[0].name, "value": 50.0, "url": "/x/", "size": 120},
        {"code": areas[1].code, "name": areas[1].name, "value": None, "url": "", "size": 1},
    ]


def test_the_map_carries_the_geojson_when_every_area_has_a_boundary(world) -> None:
    areas = townships(world)[:2]
    parsed = parse_boundaries(
        collection(*((a.code, square(i, 0), a.name) for i, a in enumerate(areas))), "adcode"
    )
    do_load_boundaries(actor=Actor(user=None, source="command"), parsed=parsed, source=SOURCE)
    spec = area_map(areas, {}, {})
    assert spec["mode"] == "geo"
    features = spec["geojson"]["features"]
    assert [f["properties"]["code"] for f in features] == [a.code for a in areas]
    assert features[0]["geometry"] == square(0, 0)
