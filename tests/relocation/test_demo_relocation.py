"""The demo county gets a resettlement site, a village moved whole, jobs and follow-up support,
the same on every load of a seed."""

from __future__ import annotations

import pytest

from jingzhun.demo.generator import load_demo
from jingzhun.relocation import queries
from jingzhun.relocation.models import FollowUpMeasure, MemberJob, Relocation, ResettlementSite

pytestmark = pytest.mark.django_db


def _state() -> list[tuple]:
    return list(
        Relocation.objects.order_by("household__number").values_list(
            "household__number", "moved_on", "mode", "site__name", "whole_village", "people"
        )
    )


def test_the_demo_relocates_a_whole_village_with_jobs_and_measures():
    result = load_demo(households=400, seed=7)
    assert result.relocation["sites"] == 1
    assert result.relocation["whole_village"] >= 2
    site = ResettlementSite.objects.get()
    whole = Relocation.objects.filter(whole_village=True)
    assert whole.count() == result.relocation["whole_village"]
    assert whole.values("origin_village").distinct().count() == 1
    assert Relocation.objects.filter(mode="dispersed").exists()
    assert MemberJob.objects.filter(employed=True).exists()
    assert FollowUpMeasure.objects.exists()
    assert Relocation.objects.filter(site=site).count() == whole.count()
    first = _state()
    load_demo(households=400, seed=7)
    assert _state() == first
    assert ResettlementSite.objects.count() == 1
    from jingzhun.accounts.models import User

    approver = User.objects.get(username="xian")
    assert queries.registry_mismatches(approver)["out_of_line_count"] == 0
