"""Listed supervision for the demo county: the demo township listed by the county eight weeks
ago, with a task list down to villages and households — some tasks done (on days in the past),
some in progress, some overdue — and demo boundaries so that maps draw.

The boundaries are SYNTHETIC: a jittered grid over the county's townships, each township's
cell divided among its villages. They are labelled as such in their source text
(:data:`DEMO_BOUNDARY_SOURCE`) and in docs/maps.md; they say nothing about where anything is.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from typing import Any

from django.db.models import Q

from jingzhun.accounts.models import User
from jingzhun.areas.boundaries import Parsed, do_load_boundaries
from jingzhun.areas.models import Area, AreaBoundary, Level
from jingzhun.audit.models import Source
from jingzhun.core.actions import Actor
from jingzhun.registry.models import Household
from jingzhun.supervision import listing_actions
from jingzhun.supervision.actions import today
from jingzhun.supervision.listings import ListingTask, TaskStatus

DEMO_BOUNDARY_SOURCE = "演示用示意形状，非真实行政区划边界（jingzhun 演示数据按网格生成）"
LISTING_WEEKS = 8
UNITS = {True: "人民政府", False: "村民委员会"}  # the owner of a township's / a village's task
# Where the synthetic grid is drawn (degrees): a nominal spot, not the county's real extent.
ORIGIN = (113.0, 38.5)
CELL = 0.12

# (text, where, days after the start due, days after the start done (None: open), status)
TASKS: tuple[tuple[str, str, int, int | None, str], ...] = (
    ("逐户排查监测对象收入变化，建立台账", "township", 14, 10, "done"),
    ("完成村内饮水安全工程复核", "village", 21, 19, "done"),
    ("落实监测户小额信贷贴息", "household", 28, 33, "done"),
    ("补齐帮扶手册和走访记录", "sibling", 35, None, "in_progress"),
    ("村集体光伏电站收益分配方案公示", "village", 42, None, "not_started"),
    ("完成危房改造竣工验收", "household", 49, None, "in_progress"),
    ("乡镇产业帮扶项目开工", "township", 70, None, "in_progress"),
)


def load_demo_listing(home_village: Area, users: dict[str, User]) -> dict[str, int]:
    """List the township of ``home_village`` (by the county's approver ``xian``) with its task
    list; returns counts (tasks, done, overdue)."""
    on = today()
    township = home_village.parent
    assert township is not None
    approver = Actor(user=users["xian"], source=Source.DEMO)
    reviewer = Actor(user=users["xiang"], source=Source.DEMO)
    cadre = Actor(user=users["cun"], source=Source.DEMO)
    start = on - dt.timedelta(weeks=LISTING_WEEKS)
    listing = listing_actions.do_create_listing(
        actor=approver,
        area=township,
        values={
            "reason": "监测对象占比高，帮扶措施落实进度慢，问题台账整改滞后",
            "supervisor_name": "演示副县长",
            "supervisor_post": "县人民政府副县长",
            "supervising_unit": "县乡村振兴局",
            "starts_on": start,
            "ends_on": start + dt.timedelta(weeks=16),
        },
    )
    sibling = (
        Area.objects.filter(parent=township, level=Level.VILLAGE)
        .exclude(pk=home_village.pk)
        .order_by("code")
        .first()
    ) or home_village
    households = list(
        Household.objects.filter(village_code=home_village.code, is_deleted=False).order_by("id")[
            :2
        ]
    )
    counts = {"tasks": 0, "done": 0, "overdue": 0}
    for index, (text, where, due, done, status) in enumerate(TASKS):
        household = None
        area: Area | None = None
        if where == "village":
            area = home_village
        elif where == "sibling":
            area = sibling
        elif where == "household" and households:
            household = households[index % len(households)]
            area = home_village
        task = listing_actions.do_add_listing_task(
            actor=approver if where == "township" else reviewer,
            listing=listing,
            values={
                "text": text,
                "owner_unit": (area or township).name + UNITS[area is None],
                "owner_person": "演示责任人",
                "deadline": start + dt.timedelta(days=due),
            },
            area=area,
            household=household,
        )
        # The list was drawn up when the listing started: the demo dates its tasks so (the
        # weekly progress counts a task from the day it was added).
        ListingTask.objects.filter(pk=task.pk).update(
            created_at=task.created_at - dt.timedelta(weeks=LISTING_WEEKS)
        )
        task.refresh_from_db()
        reporter = reviewer if task.area_code == township.code else cadre
        if task.area_code == sibling.code and sibling != home_village:
            reporter = reviewer
        if status in ("in_progress", "done"):
            task = listing_actions.do_update_listing_task_status(
                actor=reporter, task=task, status=TaskStatus.IN_PROGRESS, text="已部署，正在推进"
            )
        if status == "done" and done is not None:
            task = listing_actions.do_update_listing_task_status(
                actor=reporter,
                task=task,
                status=TaskStatus.DONE,
                text="已完成，资料已归档",
                completed_on=start + dt.timedelta(days=done),
            )
            counts["done"] += 1
        counts["tasks"] += 1
        if task.is_overdue(on):
            counts["overdue"] += 1
    return counts


# --- synthetic boundaries ------------------------------------------------------------------------


Point = tuple[float, float]


def _grid(
    rng: random.Random, cols: int, rows: int, corners: tuple[Point, ...]
) -> list[list[Point]]:
    """Vertices of a ``cols`` × ``rows`` grid over the quadrilateral ``corners`` (bottom-left,
    bottom-right, top-right, top-left), inner vertices jittered so cells are irregular but
    still tile the quadrilateral without gaps."""
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = corners
    grid: list[list[Point]] = []
    for j in range(rows + 1):
        line: list[Point] = []
        for i in range(cols + 1):
            u, v = i / cols, j / rows
            if 0 < i < cols and 0 < j < rows:
                u += rng.uniform(-0.25, 0.25) / cols
                v += rng.uniform(-0.25, 0.25) / rows
            x = (1 - u) * (1 - v) * x0 + u * (1 - v) * x1 + u * v * x2 + (1 - u) * v * x3
            y = (1 - u) * (1 - v) * y0 + u * (1 - v) * y1 + u * v * y2 + (1 - u) * v * y3
            line.append((round(x, 5), round(y, 5)))
        grid.append(line)
    return grid


def _cells(
    rng: random.Random, n: int, corners: tuple[Point, ...]
) -> list[tuple[tuple[Point, ...], dict[str, Any]]]:
    """``n`` cells (corners and their GeoJSON Polygon) tiling ``corners`` row by row."""
    cols = max(1, math.ceil(math.sqrt(n)))
    rows = max(1, math.ceil(n / cols))
    grid = _grid(rng, cols, rows, corners)
    cells = []
    for k in range(n):
        i, j = k % cols, rows - 1 - k // cols
        quad = (grid[j][i], grid[j][i + 1], grid[j + 1][i + 1], grid[j + 1][i])
        ring = [list(p) for p in (*quad, quad[0])]
        cells.append((quad, {"type": "Polygon", "coordinates": [ring]}))
    return cells


def load_demo_boundaries(county: Area, seed: int = 7) -> int:
    """Synthetic boundaries for the county's townships and their villages (see the module's
    docstring), replacing earlier demo ones; returns how many areas have one."""
    AreaBoundary.objects.filter(
        Q(area__code__startswith=county.scope_prefix) & Q(source=DEMO_BOUNDARY_SOURCE)
    ).delete()
    rng = random.Random(seed)
    townships = list(Area.objects.filter(parent=county).order_by("code"))
    villages: dict[int, list[Area]] = {}
    for village in Area.objects.filter(parent__in=townships, level=Level.VILLAGE).order_by("code"):
        villages.setdefault(village.parent_id, []).append(village)  # type: ignore[arg-type]
    x, y = ORIGIN
    side = CELL * max(1, math.ceil(math.sqrt(len(townships))))
    county_quad = ((x, y), (x + side, y), (x + side, y + side), (x, y + side))
    geometries: dict[str, dict[str, Any]] = {}
    for township, (quad, polygon) in zip(
        townships, _cells(rng, len(townships), county_quad), strict=True
    ):
        geometries[township.code] = polygon
        inside = villages.get(township.pk, [])
        for village, (_quad, shape) in zip(inside, _cells(rng, len(inside), quad), strict=True):
            geometries[village.code] = shape
    if not geometries:
        return 0
    do_load_boundaries(
        actor=Actor(user=None, source=Source.DEMO),
        parsed=Parsed(geometries),
        source=DEMO_BOUNDARY_SOURCE,
    )
    return len(geometries)
