"""Area maps: the data a page hands to ``static/js/maps.js`` to draw areas coloured by a value.

Usage (a view)::

    spec = area_map(children, values={code: 87.5, ...}, urls={code: "/...", ...},
                    sizes={code: households, ...}, unit="%")
    render(..., {"map_spec": spec})

and in the template ``{% include "areas/_map.html" with spec=map_spec id="my-map" %}``.

When every area has a stored boundary (:class:`~jingzhun.areas.models.AreaBoundary`), the
spec carries their GeoJSON and the page draws a choropleth. Otherwise — boundaries are user
data and usually absent — it carries none and the page draws tiles (an ECharts treemap) of
the same areas, sized by ``sizes`` and coloured by the value: still a map of the area tree,
each area clickable to its URL. A value of None is "no figure" (grey).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from jingzhun.areas.models import Area, AreaBoundary

GEO, TILES = "geo", "tiles"


def _number(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value)
    return float(value)


def area_map(
    areas: Sequence[Area],
    values: Mapping[str, Any],
    urls: Mapping[str, str],
    *,
    sizes: Mapping[str, int] | None = None,
    unit: str = "%",
    low: float = 0,
    high: float = 100,
) -> dict[str, Any]:
    """The JSON ``maps.js`` reads: ``mode`` (``"geo"`` or ``"tiles"``), ``items`` (one per
    area: ``code``, ``name``, ``value`` (None: no figure), ``url`` ('' : not clickable),
    ``size``), ``unit``, the colour range ``low``–``high`` (red at ``low``, green at
    ``high``; ``low`` above ``high`` reverses it, for a figure where more is worse), and
    ``geojson`` (a FeatureCollection whose features carry ``code`` and ``name``) only in
    ``"geo"`` mode.
    One query for the boundaries."""
    codes = [a.code for a in areas]
    boundaries = dict(
        AreaBoundary.objects.filter(area__code__in=codes).values_list("area__code", "geometry")
    )
    items = [
        {
            "code": a.code,
            "name": a.name,
            "value": _number(values.get(a.code)),
            "url": urls.get(a.code, ""),
            "size": max(int((sizes or {}).get(a.code, 0)), 1),
        }
        for a in areas
    ]
    spec: dict[str, Any] = {
        "mode": TILES,
        "items": items,
        "unit": unit,
        "low": low,
        "high": high,
        "geojson": None,
    }
    if areas and all(code in boundaries for code in codes):
        spec["mode"] = GEO
        spec["geojson"] = {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"code": a.code, "name": a.name},
                    "geometry": json.loads(boundaries[a.code]),
                }
                for a in areas
            ],
        }
    return spec
