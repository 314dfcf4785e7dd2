"""The visit list per persona (scope, health, numbers) and the commands."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pandas as pd
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from jingzhun.audit.models import AuditEntry
from jingzhun.core.actions import PermissionDenied
from jingzhun.registry.models import Member
from jingzhun.risk.actions import do_store_risk_run
from jingzhun.risk.features import FEATURE_NAMES
from jingzhun.risk.models import RiskRun, RiskScore
from tests.conftest import login
from tests.risk.conftest import history_backend

pytestmark = pytest.mark.django_db


def _store(world, history, actor_user=None):
    keys = list(history.households)
    frame = pd.DataFrame(
        {name: 0.0 for name in FEATURE_NAMES},
        index=[history.households[k].pk for k in keys],
    )
    frame["score"] = [1 - i / 20 for i in range(len(keys))]
    frame["serious_ill_members"] = 2.0
    frame["income_change"] = -0.38
    reasons = {
        int(hid): [("income_change", 0.3), ("serious_ill_members", 0.1)] for hid in frame.index
    }
    return do_store_risk_run(
        world.actor(actor_user or world.analyst, source="command"),
        year=2024,
        area=world.county,
        model_kind="hgb",
        trained_at=dt.datetime(2025, 1, 5, tzinfo=dt.UTC),
        metrics={"training_years": [2021, 2022, 2023]},
        scored=frame,
        reasons=reasons,
    )


def test_storing_a_run_ranks_by_score_and_writes_one_audit_entry(world, history):
    run = _store(world, history)
    ranks = list(RiskScore.objects.filter(run=run).order_by("rank").values_list("household_id"))
    assert ranks[0] == (history.households["a"].pk,)
    assert run.households == 10
    assert AuditEntry.objects.filter(action="store_risk_run", object_id=str(run.pk)).count() == 1


def test_a_village_cadre_may_not_store_a_run(world, history):
    with pytest.raises(PermissionDenied):
        _store(world, history, actor_user=world.cadre)
    assert not RiskRun.objects.exists()


@pytest.mark.parametrize(
    ("persona", "visible"),
    [
        ("cadre", {"a", "b", "c", "d"}),
        ("sibling_cadre", {"e", "f", "g"}),
        ("reviewer", {"a", "b", "c", "d", "e", "f", "g"}),
        ("approver", {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}),
        ("outsider", set()),
    ],
)
def test_the_visit_list_shows_each_persona_only_its_area(client, world, history, persona, visible):
    _store(world, history)
    page = login(client, getattr(world, persona)).get("/risk/")
    assert page.status_code == 200
    shown = {row["score"].household_id for row in page.context["rows"]}
    assert shown == {history.households[k].pk for k in visible}
    assert "排序参考，不作为认定依据" in page.content.decode()


def test_the_visit_list_hides_health_reasons_and_personal_numbers(client, world, history):
    _store(world, history)
    numbers = list(Member.objects.values_list("id_number", flat=True))
    cadre = login(client, world.cadre).get("/risk/").content.decode()
    assert "家中有2名大病患者" in cadre and "人均纯收入较上年下降38%" in cadre
    analyst = login(client, world.analyst).get("/risk/").content.decode()
    assert "家中有2名大病患者" not in analyst and "无权查看详情" in analyst
    for page in (cadre, analyst):
        assert not any(number in page for number in numbers)


def test_the_visit_list_needs_a_login(client):
    assert client.get("/risk/").status_code == 302


def test_rank_stores_a_run_and_prints_the_top(world, history, snapshot_dir):
    out = StringIO()
    call_command("risk", "rank", "--user", "analyst", "--top", "3", "--year", "2023", stdout=out)
    run = RiskRun.objects.get()
    assert run.year == 2023 and run.area_code == world.county.code
    assert run.metrics["training_years"] == [2021, 2022]
    assert RiskScore.objects.filter(run=run).count() == 10
    lines = out.getvalue().splitlines()
    assert lines[0].startswith(f"已保存走访排序批次 {run.pk}")
    assert len(lines) == 4


def test_rank_refuses_an_area_outside_the_users_scope(world, history, snapshot_dir):
    with pytest.raises(CommandError):
        call_command(
            "risk",
            "rank",
            "--user",
            "analyst",
            "--area",
            world.other_county.code,
            stdout=StringIO(),
        )


def test_backtest_prints_json_figures(world, history, snapshot_dir):
    out = StringIO()
    call_command("risk", "backtest", "--year", "2023", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["training_years"] == [2021, 2022]
    assert report["models"]["hgb"]["all"]["outcomes"] == 6
    assert history_backend()  # the snapshot the command wrote is readable


def test_backtest_refuses_a_year_whose_outcome_is_not_recorded(world, history, snapshot_dir):
    with pytest.raises(CommandError, match="2025年还没有收入记录"):
        call_command("risk", "backtest", "--year", "2024", stdout=StringIO())
