"""Listings built through the real actions, for the listed-supervision tests."""

from __future__ import annotations

from typing import Any

from jingzhun.supervision import listing_actions
from jingzhun.supervision.listings import Listing, ListingTask


def listing_values(**overrides: Any) -> dict[str, Any]:
    return {
        "reason": "脱贫成果巩固任务重，监测对象多",
        "supervisor_name": "王副县长",
        "supervisor_post": "县人民政府副县长",
        "supervising_unit": "县乡村振兴局",
        "starts_on": "2026-11-02",
        "ends_on": "2026-12-31",
        **overrides,
    }


def task_values(**overrides: Any) -> dict[str, Any]:
    return {
        "text": "完成监测对象帮扶措施落实",
        "owner_unit": "乡人民政府",
        "owner_person": "赵乡长",
        "deadline": "2026-11-20",
        **overrides,
    }


def new_listing(world: Any, area: Any = None, user: Any = None, **overrides: Any) -> Listing:
    """The township listed by the county's approver (unless said otherwise)."""
    return listing_actions.do_create_listing(
        actor=world.actor(user or world.approver),
        area=area or world.township,
        values=listing_values(**overrides),
    )


def new_task(
    world: Any, listing: Listing, user: Any = None, area: Any = None, **overrides: Any
) -> ListingTask:
    return listing_actions.do_add_listing_task(
        actor=world.actor(user or world.approver),
        listing=listing,
        values=task_values(**overrides),
        area=area,
    )


def report(world: Any, task: ListingTask, status: str, user: Any = None) -> ListingTask:
    task.refresh_from_db()
    return listing_actions.do_update_listing_task_status(
        actor=world.actor(user or world.cadre), task=task, status=status, text="已入户核实"
    )
