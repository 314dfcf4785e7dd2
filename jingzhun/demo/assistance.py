"""Assistance work for the demo county, through the assistance actions: cadres from county and
township units paired with the 脱贫户 and 监测户 (a few left without one, so the coverage report
has something to show), a work team and a first secretary in every village (one replaced, one
short of days), monthly presence this year, visits in the home village (some too long ago, one
with a risk waiting for the village cadre) and this year's plan items. Dated relative to today.
"""

from __future__ import annotations

import datetime as dt
import random

from django.core.exceptions import ValidationError

from jingzhun.accounts.models import User
from jingzhun.areas.models import Area, Level, code_range
from jingzhun.assistance import actions
from jingzhun.audit.models import Source
from jingzhun.core.actions import Actor
from jingzhun.registry import choices as c
from jingzhun.registry.models import Household

UNITS = (
    "县农业农村局",
    "县乡村振兴局",
    "县人力资源和社会保障局",
    "县教育局",
    "县卫生健康局",
    "县住房和城乡建设局",
    "县水利局",
    "乡人民政府",
)
SENDING_UNITS = ("省财政厅", "市发展和改革委员会", "县农业农村局", "县供电公司", "县农商银行")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马胡朱郭何罗高林"
GIVEN = ("建华", "志强", "丽娟", "海燕", "国庆", "晓东", "红梅", "振宇", "文斌", "秀兰", "俊峰")
HOUSEHOLDS_PER_CADRE = 6  # below the default limit, leaving room for changes
LEFT_WITHOUT_CADRE = 3


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def load_demo_assistance(home_village: Area, users: dict[str, User]) -> dict[str, int]:
    """Write the demo's assistance records for the county of ``home_village``; returns counts."""
    rng = random.Random(2026)
    today = actions.today()
    county = home_village.parent.parent if home_village.parent else None
    assert county is not None and county.level == Level.COUNTY
    manager = Actor(user=users["xian"], source=Source.DEMO)
    reviewer = Actor(user=users["xiang"], source=Source.DEMO)
    cadre_user = Actor(user=users["cun"], source=Source.DEMO)
    counts = {"cadres": 0, "pairings": 0, "posts": 0, "presence": 0, "visits": 0, "plan": 0}

    low, high = code_range(county.scope_prefix)
    cared = list(
        Household.objects.filter(
            village_code__gte=low,
            village_code__lt=high,
            is_deleted=False,
            household_type__in=(c.HouseholdType.EXITED, c.HouseholdType.MONITORED),
        )
        .select_related("village__parent")
        .order_by("village_code", "id")
    )
    # Pair by township: each township's households shared among its cadres.
    by_township: dict[Area, list[Household]] = {}
    for household in cared[:-LEFT_WITHOUT_CADRE] if len(cared) > LEFT_WITHOUT_CADRE else []:
        by_township.setdefault(household.village.parent, []).append(household)
    started = today - dt.timedelta(days=400)
    for township, households in by_township.items():
        needed = -(-len(households) // HOUSEHOLDS_PER_CADRE)
        cadres = []
        for i in range(needed):
            unit = UNITS[i % len(UNITS)]
            cadres.append(
                actions.do_save_cadre(
                    actor=manager,
                    values={
                        "name": _name(rng),
                        "unit": unit.replace("乡", township.name[:2])
                        if unit == "乡人民政府"
                        else unit,
                        "position": rng.choice(("科员", "副科长", "股长", "干部")),
                        "phone": f"139{rng.randrange(10**8):08d}",
                        "area": township,
                    },
                )
            )
            counts["cadres"] += 1
        for i, household in enumerate(households):
            actions.do_pair_household(
                actor=manager,
                cadre=cadres[i // HOUSEHOLDS_PER_CADRE],
                household=household,
                started_on=started,
            )
            counts["pairings"] += 1

    villages = list(
        Area.objects.filter(level=Level.VILLAGE, code__gte=low, code__lt=high).order_by("code")
    )
    term_start = dt.date(today.year - 1, 6, 1)
    term_end = dt.date(today.year + 1, 5, 31)
    for index, village in enumerate(villages):
        roster = [("first_secretary", _name(rng)), ("leader", _name(rng)), ("member", _name(rng))]
        for role, name in roster:
            post = actions.do_appoint_team_member(
                actor=manager,
                village=village,
                values={
                    "name": name,
                    "role": role,
                    "sending_unit": rng.choice(SENDING_UNITS),
                    "phone": f"137{rng.randrange(10**8):08d}",
                    "term_start": term_start,
                    "term_end": term_end,
                },
            )
            counts["posts"] += 1
            if village == home_village and role == "first_secretary":
                # The home village's first secretary was rotated this spring: history kept.
                post = actions.do_appoint_team_member(
                    actor=manager,
                    village=village,
                    values={
                        "name": _name(rng),
                        "role": role,
                        "sending_unit": rng.choice(SENDING_UNITS),
                        "term_start": dt.date(today.year, 3, 1),
                        "term_end": term_end,
                    },
                    replaces=post,
                )
                counts["posts"] += 1
            short = index % 7 == 3 and role == "member"  # a member often away
            for month in range(1, today.month):
                if dt.date(today.year, month, 1) < post.term_start:
                    continue
                days = rng.randint(6, 12) if short else rng.randint(18, 23)
                actions.do_record_presence(
                    actor=manager, post=post, year=today.year, month=month, days=days
                )
                counts["presence"] += 1

    home = [h for h in cared if h.village_code == home_village.code]
    for i, household in enumerate(home):
        ago = 150 if i % 5 == 4 else 5 + (i * 7) % 60  # every fifth visited too long ago
        values = {
            "visited_on": today - dt.timedelta(days=ago),
            "kind": ("home_visit", "six_checks", "door_knocking")[i % 3],
            "visitors": "帮扶责任人、驻村第一书记",
            "checks": {"income": {"concern": False}, "work": {"concern": False}},
            "note": "家中人员在家，生产生活正常（演示）。",
        }
        actor = cadre_user
        if i == 1:
            # A risk seen by the township on its own round: waits for the village cadre.
            actor = reviewer
            values["checks"] = {"illness": {"concern": True, "note": "户主腰伤，暂不能务工"}}
            values["risk_types"] = [c.RiskType.ILLNESS]
        try:
            actions.do_record_visit(actor=actor, household=household, values=values)
        except ValidationError:
            continue
        counts["visits"] += 1
        for family, name, amount in (
            ("industry_aid", "养殖补贴", "3000"),
            ("employment_aid", "公益岗位（护林员）", "6000"),
        )[: 1 + i % 2]:
            actions.do_add_plan_item(
                actor=cadre_user,
                household=household,
                year=today.year,
                values={
                    "family": family,
                    "name": name,
                    "amount": amount,
                    "started_on": dt.date(today.year, 1, 1),
                    "fund_source": "县级衔接资金",
                },
            )
            counts["plan"] += 1
    return counts
