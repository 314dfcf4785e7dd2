"""The demo's open cases: real cases through the actions, a live 公示, one overdue."""

from __future__ import annotations

import pytest
from django.test import Client

from jingzhun.accounts.models import User
from jingzhun.cases import actions, queries
from jingzhun.cases.models import Case, Notice
from jingzhun.demo.generator import load_demo

pytestmark = pytest.mark.django_db


def test_the_demo_opens_cases_at_several_steps_with_a_live_notice():
    result = load_demo(households=1500, seed=7)
    cases = Case.objects.filter(number__in=result.cases)
    assert len(result.cases) == 3 == cases.count()
    assert sorted(cases.values_list("step_code", flat=True)) == ["publicity", "review", "visit"]
    cadre = User.objects.get(username="cun")
    assert all(case.village_code == cadre.area.code for case in cases)
    # The one waiting for review is past its 15-day decision deadline.
    overdue = queries.overdue_for(User.objects.get(username="xian"), actions.today())
    assert list(overdue.values_list("step_code", flat=True)) == ["review"]
    # The running 公示 can be read without login.
    live = Notice.objects.filter(subject="households").get(
        starts_on__lte=actions.today(), ends_on__gte=actions.today()
    )
    assert Client().get(f"/notices/{live.token}/").status_code == 200
    # The registry was not changed: no case reached its final step.
    assert not cases.filter(status="completed").exists()


def test_reloading_the_demo_replaces_its_cases():
    load_demo(households=1500, seed=7)
    second = load_demo(households=1500, seed=7)
    assert Case.objects.count() == 3
    assert set(Case.objects.values_list("number", flat=True)) == set(second.cases)
