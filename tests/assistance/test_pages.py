"""The assistance pages per persona: coverage with its drill-downs, the cadre page, the rosters,
the visit form, the plan, the household card and the xlsx reports against hand-computed
figures."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import re
from typing import Any

import openpyxl
import pytest
from django.urls import reverse

from jingzhun.assistance import actions
from jingzhun.assistance.models import Pairing, Visit
from jingzhun.exports.models import ExportLog
from tests.assistance.conftest import new_cadre
from tests.conftest import login

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 11, 20)


@pytest.fixture
def paired(world: Any, homes: dict[str, Any]) -> Any:
    cadre = new_cadre(world, phone="13800001111")
    actions.do_pair_household(
        actor=world.actor(world.reviewer), cadre=cadre, household=homes["a"], started_on=DAY
    )
    return cadre


def test_the_overview_counts_open_the_households_behind_them(client, world, homes, paired):
    login(client, world.approver)
    page = client.get(reverse("assistance:overview")).content.decode()
    without = re.search(r'href="([^"]*assistance=no_cadre[^"]*)">(\d+)<', page)
    assert without and without.group(2) == "2"  # 脱贫户 b and 南村's
    listed = client.get(without.group(1).replace("&amp;", "&"))
    assert listed.context["total"] == 2 and not listed.context["errors"]
    numbers = {h.number for h in listed.context["rows"]}
    assert numbers == {"140922100001002", "140922200001001"}


def test_a_cadres_households_are_listed_from_the_cadre_page(client, world, homes, paired):
    login(client, world.reviewer)
    page = client.get(reverse("assistance:cadre", args=[paired.pk])).content.decode()
    assert "140922100001001" in page and "县农业农村局" in page
    link = re.search(r'href="([^"]*assistance=cadre[^"]*)"', page)
    assert link
    listed = client.get(link.group(1).replace("&amp;", "&"))
    assert listed.context["total"] == 1
    assert [h.number for h in listed.context["rows"]] == ["140922100001001"]


def test_the_cadres_phone_is_masked_for_an_analyst(client, world, paired):
    login(client, world.analyst)
    page = client.get(reverse("assistance:cadres")).content.decode()
    assert "王帮扶" in page and "13800001111" not in page
    login(client, world.approver)
    assert "13800001111" in client.get(reverse("assistance:cadres")).content.decode()


def test_pairing_from_the_cadre_page_refuses_a_household_of_another_township(
    client, world, homes, paired
):
    login(client, world.approver)
    response = client.post(
        reverse("assistance:cadre", args=[paired.pk]),
        {"form": "pair", "household": "140922200001001", "started_on": "2026-11-25"},
    )
    assert response.status_code == 200
    assert "不在帮扶责任人王帮扶的帮扶范围" in response.content.decode()
    assert Pairing.objects.count() == 1


def test_a_village_cadre_may_not_register_cadres(client, world):
    login(client, world.cadre)
    response = client.post(
        reverse("assistance:cadres"), {"name": "某", "unit": "某局", "area": world.village.code}
    )
    assert response.status_code == 403


def test_a_visit_is_recorded_from_the_form_with_its_check_list(client, world, homes):
    login(client, world.cadre)
    url = reverse("assistance:visit_new", args=[homes["a"].pk])
    response = client.post(
        url,
        {
            "visited_on": "2026-11-30",
            "kind": "six_checks",
            "visitors": "王帮扶",
            "concern_housing": "on",
            "note_housing": "后墙裂缝",
            "follow_ups": "联系住建局鉴定\n下月复访",
        },
    )
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert visit.checks["housing"] == {"concern": True, "note": "后墙裂缝"}
    assert [f["what"] for f in visit.follow_ups] == ["联系住建局鉴定", "下月复访"]
    page = client.get(response["Location"]).content.decode()
    assert "后墙裂缝" in page and "联系住建局鉴定" in page


def test_a_future_visit_from_the_form_says_why_and_stores_nothing(client, world, homes):
    login(client, world.cadre)
    response = client.post(
        reverse("assistance:visit_new", args=[homes["a"].pk]),
        {"visited_on": "2026-12-02", "kind": "home_visit", "visitors": "王帮扶"},
    )
    assert response.status_code == 200 and "晚于今天" in response.content.decode()
    assert not Visit.objects.exists()


def test_the_household_page_shows_the_cadre_the_visits_and_the_plan(client, world, homes, paired):
    actions.do_record_visit(
        actor=world.actor(),
        household=homes["a"],
        values={"visited_on": DAY, "kind": "home_visit", "visitors": "王帮扶"},
    )
    actions.do_add_plan_item(
        actor=world.actor(),
        household=homes["a"],
        year=2026,
        values={"family": "finance_aid", "name": "小额信贷", "amount": "50000"},
    )
    login(client, world.cadre)
    page = client.get(reverse("household_detail", args=[homes["a"].pk])).content.decode()
    assert "王帮扶" in page and "2026-11-20" in page and "小额信贷" in page
    other = client.get(reverse("household_detail", args=[homes["b"].pk])).content.decode()
    assert "无帮扶责任人" in other


def test_the_first_secretaries_report_matches_the_roster(client, world):
    actor = world.actor(world.approver)
    for village, name, role in (
        (world.village, "刘书记", "first_secretary"),
        (world.far_village, "孙书记", "first_secretary"),
        (world.village, "周队员", "member"),
    ):
        actions.do_appoint_team_member(
            actor=actor,
            village=village,
            values={
                "name": name,
                "role": role,
                "sending_unit": "省财政厅",
                "term_start": dt.date(2025, 3, 1),
                "term_end": dt.date(2027, 2, 28),
            },
        )
    login(client, world.approver)
    response = client.get(reverse("assistance:posts_report"))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = {r[0]: r[1:] for r in sheet.iter_rows(min_row=5, values_only=True) if r[0]}
    assert rows[world.township.name][1:3] == (1, 1)
    assert rows[world.other_township.name][1] == 1
    assert rows["合计"][1:3] == (2, 1)
    assert ExportLog.objects.get().what == "report"


def test_the_plan_page_adds_and_withdraws_a_measure(client, world, homes):
    login(client, world.cadre)
    url = reverse("assistance:plan", args=[homes["a"].pk])
    client.post(
        url, {"year": 2026, "family": "employment_aid", "name": "公益岗位", "amount": "6000"}
    )
    page = client.get(url + "?year=2026").content.decode()
    assert "公益岗位" in page and "6000" in page
    item = homes["a"].plan_items.get()
    client.post(url, {"year": 2026, "remove": item.pk, "reason": "录错"})
    item.refresh_from_db()
    assert item.removed


def send(client, body: dict[str, Any]) -> Any:
    return client.post(
        reverse("assistance:visit_app_send"), data=json.dumps(body), content_type="application/json"
    )


def test_the_visit_apps_sends_store_once_and_report_conflicts_and_refusals(client, world, homes):
    login(client, world.cadre)
    body = {
        "client_id": "phone-7",
        "household": homes["a"].pk,
        "visited_on": "2026-11-20",
        "kind": "home_visit",
        "visitors": "王帮扶",
        "checks": {"water": {"concern": True, "note": "水管冻裂"}},
        "photos": ["data:image/png;base64," + base64.b64encode(b"\x89PNG fake").decode()],
    }
    first = send(client, body)
    assert first.status_code == 201 and first.json()["url"].startswith("/assistance/visits/")
    again = send(client, body)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert Visit.objects.get().photos.get().original_name == "photo1.png"
    conflict = send(client, {**body, "note": "另一次"})
    assert conflict.status_code == 409 and "内容不同" in str(conflict.json()["errors"])
    refused = send(client, {**body, "client_id": "phone-8", "visited_on": "2026-12-05"})
    assert refused.status_code == 400 and "visited_on" in refused.json()["errors"]
    outside = send(client, {**body, "client_id": "phone-9", "household": homes["far"].pk})
    assert outside.status_code == 404
    assert Visit.objects.count() == 1


def test_the_visit_app_data_holds_the_areas_households_and_a_token(client, world, homes):
    login(client, world.cadre)
    data = client.get(reverse("assistance:visit_app_data")).json()
    assert {h["number"] for h in data["households"]} == {"140922100001001", "140922100001002"}
    assert data["csrf"] and ["housing", "住房"] in data["checks"]
    login(client, world.analyst)
    assert client.get(reverse("assistance:visit_app_data")).status_code == 403


def test_the_village_cadres_home_lists_visits_due_and_risks_waiting(client, world, homes):
    actions.do_record_visit(
        actor=world.actor(),
        household=homes["a"],
        values={"visited_on": DAY, "kind": "home_visit", "visitors": "王帮扶"},
    )
    actions.do_record_visit(
        actor=world.actor(world.reviewer),
        household=homes["b"],
        values={
            "visited_on": DAY,
            "kind": "home_visit",
            "visitors": "乡干部",
            "checks": {"work": {"concern": True, "note": "务工返乡"}},
            "risk_types": ["unstable_employment"],
        },
    )
    login(client, world.cadre)
    items = {item.key: item for item in client.get(reverse("home")).context["items"]}
    assert items["visit_signals"].count == 1 and items["visit_signals"].urgency == 0
    # Both 脱贫户 of the village were visited on DAY, within the interval: nobody is due.
    assert "visits_due" not in items
    # 南村's 脱贫户, in the other township, was never visited.
    login(client, world.other_reviewer)
    items = {item.key: item for item in client.get(reverse("home")).context["items"]}
    assert items["visits_due"].count == 1 and "visit_signals" not in items
    listed = client.get(items["visits_due"].url)
    assert [h.number for h in listed.context["rows"]] == ["140922200001001"]


def test_monitored_households_with_labour_and_only_basic_guarantee_come_from_the_quality_run(
    client, world
):
    from jingzhun.quality.actions import do_queue_quality_run
    from jingzhun.quality.runner import execute_run
    from jingzhun.registry.actions import do_set_measures
    from tests.cases.helpers import monitored

    household = monitored(world)  # a couple of working age, both ordinary labour
    do_set_measures(household, actor=world.actor(), year=2025, values={"basic_guarantee": "低保"})
    actor = world.actor(world.approver)
    run = do_queue_quality_run(
        actor=actor, area_code=world.county.code, year=2025, backend="duckdb"
    )
    execute_run(run, actor=actor)
    login(client, world.approver)
    page = client.get(reverse("assistance:overview"))
    assert page.context["figures"].only_guarantee == 1
    listed = client.get(page.context["links"]["only_guarantee"])
    assert listed.context["total"] == 1 and listed.context["rows"][0].pk == household.pk
