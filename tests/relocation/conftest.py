"""A small county for relocation: one resettlement site and three relocated households, built
through the real actions on a frozen day.

Hand-computed figures (on 2025-06-30; working age 16–59 from the policy parameters): every
household is the factories' three (张建国 born 1970, 55; 李秀英 born 1972, 53; 張小明 born
2012, 12), so each has two working-age members.

* 东冶村 households ``a`` and ``b`` moved in 2018 to the site (集中安置, 整村搬迁);
  ``c`` of 西冶村 moved in 2019, 分散安置.
* ``a``'s head works in the site's workshop, ``a``'s spouse does not work; ``b`` has no job
  recorded.
* The site: 2 households, 6 people moved, 6 people now, 4 of working age, 1 of them employed;
  1 household without any employed member (``b``, with working-age members).
* By year (a county user, by township): 2018 — 1 整村搬迁 village, 2 households, 6 people;
  2019 — 0 villages, 1 household, 3 people.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from jingzhun.registry.models import Household, Member
from jingzhun.relocation import actions
from jingzhun.relocation.models import Relocation, ResettlementSite
from tests import factories
from tests.cases.helpers import at

DAY = dt.date(2025, 6, 30)


@pytest.fixture(autouse=True)
def clock():
    with at(DAY):
        yield


def site_values(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "东冶移民新村",
        "resettlement_type": "town",
        "capacity_households": 3,
        "capacity_people": 10,
        "built_year": 2017,
        "services": ["学校", "卫生室", "workshop"],
        "managing_unit": "东冶社区居委会",
    } | overrides


@dataclass
class County:
    site: ResettlementSite
    a: Household
    b: Household
    c: Household
    ra: Relocation
    rb: Relocation
    rc: Relocation


def head(household: Household) -> Member:
    return household.members.get(relation="head")


def spouse(household: Household) -> Member:
    return household.members.get(relation="spouse")


def son(household: Household) -> Member:
    return household.members.get(relation="son")


@pytest.fixture
def site(world) -> ResettlementSite:
    return actions.do_create_site(
        actor=world.actor(world.approver), area=world.township, **site_values()
    )


@pytest.fixture
def county(world, site) -> County:
    cadre = world.actor(world.cadre)
    a = factories.make_household(cadre, world.village, number="140922100001101")
    b = factories.make_household(cadre, world.village, number="140922100001102")
    c = factories.make_household(
        world.actor(world.sibling_cadre), world.sibling_village, number="140922100002101"
    )
    ra = actions.do_record_relocation(
        actor=cadre,
        household=a,
        moved_on=dt.date(2018, 5, 1),
        mode="centralised",
        site=site,
        housing_area_m2="75",
        whole_village=True,
    )
    rb = actions.do_record_relocation(
        actor=cadre,
        household=b,
        moved_on=dt.date(2018, 6, 1),
        mode="centralised",
        site=site,
        housing_area_m2="75",
        whole_village=True,
    )
    rc = actions.do_record_relocation(
        actor=world.actor(world.reviewer),
        household=c,
        moved_on=dt.date(2019, 3, 1),
        mode="dispersed",
        housing_area_m2="60",
    )
    actions.do_set_member_job(
        ra,
        actor=cadre,
        member=head(a),
        employed=True,
        place="site_workshop",
        channel="workshop",
        employer="东冶扶贫车间",
        since=dt.date(2018, 9, 1),
    )
    actions.do_set_member_job(ra, actor=cadre, member=spouse(a), employed=False)
    return County(site=site, a=a, b=b, c=c, ra=ra, rb=rb, rc=rc)
