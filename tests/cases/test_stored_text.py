"""What a case stores is kept as it was said, in Chinese, whatever language the worker reads in."""

from __future__ import annotations

import pytest
from django.utils import translation

from tests.cases import helpers as h

pytestmark = pytest.mark.django_db


def test_the_household_facts_of_a_step_are_stored_with_chinese_labels(world):
    household = h.monitored(world)
    with translation.override("en"):
        case = h.open_case(h.people_of(world), household, "elimination", h.START)
    facts = case.steps.get().household_facts
    assert facts["household_type"] == "监测户"
    assert facts["monitoring_category"] == "脱贫不稳定户"
    assert facts["risks"] == ["因病"]
