"""A third-party assessment sample survey for the demo county: a sample drawn from a fixed
seed, every sampled household and village given a result (a few wrongly exited people, a
missed poor person, mostly approving households), and the results applied to the county's
assessment figures of the year — so the survey page shows 三率一度 with their intervals and the
county page's exit decision reads them. Everything through the assessment actions."""

from __future__ import annotations

import random
from typing import Any

from jingzhun.areas.models import Area
from jingzhun.assessment import actions
from jingzhun.audit.models import Source
from jingzhun.core.actions import Actor
from jingzhun.core.idnumber import local_today

SEED = "demo-2026"


def load_demo_survey(county: Area, users: dict[str, Any]) -> dict[str, int]:
    analyst = Actor(user=users["fenxi"], source=Source.DEMO)
    approver = Actor(user=users["xian"], source=Source.DEMO)
    today = local_today()
    survey = actions.do_draw_survey(
        actor=analyst, county=county, year=today.year, villages=4,
        households_per_village=5, seed=SEED,
    )  # fmt: skip
    rng = random.Random(SEED)
    wrong = 0
    for row in survey.households.select_related("household").order_by("id"):
        people = max(row.household.member_count, 1)
        wrongly = people if rng.random() < 0.05 else 0
        wrong += wrongly
        actions.do_record_survey_household(
            actor=analyst,
            survey_household=row,
            values={
                "people": people,
                "wrongly_exited_people": wrongly,
                "approves": rng.random() < 0.95,
                "surveyed_on": today,
            },
        )
    for village in survey.villages.order_by("position"):
        checked = rng.randint(80, 160)
        asked = rng.randint(8, 15)
        actions.do_record_survey_village(
            actor=analyst,
            survey_village=village,
            values={
                "non_registered_people": checked,
                "missed_poor_people": 1 if village.position == 1 else 0,
                "non_registered_households": asked,
                "non_registered_approving": asked - (1 if village.position == 2 else 0),
                "surveyed_on": today,
            },
        )
    actions.do_apply_survey(actor=approver, survey=survey, reason="演示：计入抽样调查结果")
    return {
        "surveys": 1,
        "villages": survey.villages.count(),
        "households": survey.households.count(),
        "wrongly_exited_people": wrong,
    }
