"""The listed-supervision pages per persona: the scoped list, a listing with its tasks, weekly
progress and the area's open problems, out-of-scope 404, the task forms, the progress xlsx
and the battle map (tiles without boundaries, a choropleth with them)."""

from __future__ import annotations

import io
import json

import openpyxl
from django.urls import reverse

from jingzhun.areas.boundaries import do_load_boundaries, parse_boundaries
from jingzhun.areas.models import Area
from jingzhun.core.actions import Actor
from jingzhun.supervision.listings import ListingTask, TaskStatus
from tests.conftest import login
from tests.supervision.conftest import new_problem
from tests.supervision.listing_helpers import new_listing, new_task, report

LIST = reverse("supervision:listings")
MAP = reverse("supervision:battle_map")


def _page(listing) -> str:
    return reverse("supervision:listing", args=[listing.pk])


def test_the_list_shows_the_scope_and_the_listings_above_the_user(client, world) -> None:
    township = new_listing(world)
    far = new_listing(world, area=world.far_village)
    login(client, world.approver)
    assert {x.pk for x in client.get(LIST).context["rows"]} == {township.pk, far.pk}
    # A village cadre sees the listing of their township (they report its tasks), not the far
    # village's.
    login(client, world.cadre)
    assert [x.pk for x in client.get(LIST).context["rows"]] == [township.pk]
    login(client, world.outsider)
    assert list(client.get(LIST).context["rows"]) == []


def test_a_listing_out_of_scope_answers_404(client, world) -> None:
    listing = new_listing(world, area=world.far_village)
    for user in (world.cadre, world.reviewer, world.outsider):
        login(client, user)
        assert client.get(_page(listing)).status_code == 404
        assert (
            client.get(reverse("supervision:listing_progress", args=[listing.pk])).status_code
            == 404
        )


def test_the_listing_page_shows_tasks_progress_and_the_areas_open_problems(client, world) -> None:
    listing = new_listing(world)
    task = new_task(world, listing, area=world.village, deadline="2026-11-20")
    new_task(world, listing, deadline="2026-12-20")
    problem = new_problem(world)
    login(client, world.reviewer)
    response = client.get(_page(listing))
    page = response.content.decode()
    assert response.status_code == 200
    assert "已逾期" in page  # the first task is past its deadline on 2026-12-01
    assert task.text in page
    assert problem.number in page
    assert response.context["weeks"][0].label == "2026-W45"
    assert response.context["may"] == {"edit": True, "close": False}
    assert 'data-chart="progress-chart-data"' in page
    actions = [h.action for h in response.context["history"]]
    assert actions == ["挂牌督战", "添加督战任务", "添加督战任务"]


def test_the_approver_adds_a_task_through_the_page_and_a_missing_owner_is_said(
    client, world
) -> None:
    listing = new_listing(world)
    login(client, world.approver)
    form = {
        "action": "add_task",
        "text": "完成饮水安全复核",
        "owner_unit": "县水利局",
        "owner_person": "",
        "deadline": "2026-12-15",
        "area": world.village.code,
    }
    response = client.post(_page(listing), form, follow=True)
    assert "请填写责任人" in response.content.decode()
    assert not ListingTask.objects.exists()
    client.post(_page(listing), {**form, "owner_person": "孙局长"})
    task = ListingTask.objects.get()
    assert (task.area_code, task.owner_person) == (world.village.code, "孙局长")


def test_the_village_cadre_reports_progress_on_the_task_page(client, world) -> None:
    listing = new_listing(world)
    task = new_task(world, listing, area=world.village)
    url = reverse("supervision:listing_task", args=[listing.pk, task.pk])
    login(client, world.cadre)
    assert client.get(url).context["may"] == {"report": True, "edit": False}
    client.post(url, {"action": "status", "status": "done", "text": "已完成改造并验收"})
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    login(client, world.sibling_cadre)
    assert client.get(url).context["may"]["report"] is False


def test_closing_through_the_page_with_open_tasks_needs_the_note(client, world) -> None:
    listing = new_listing(world)
    new_task(world, listing)
    login(client, world.approver)
    response = client.post(_page(listing), {"action": "close", "reason": "完成"}, follow=True)
    assert "未完成任务说明" in response.content.decode()
    listing.refresh_from_db()
    assert listing.status == "active"


def test_the_progress_xlsx_has_one_row_per_week(client, world) -> None:
    listing = new_listing(world)
    report(world, new_task(world, listing), TaskStatus.DONE, user=world.reviewer)
    login(client, world.approver)
    response = client.get(reverse("supervision:listing_progress", args=[listing.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [[c for c in r] for r in sheet.iter_rows(values_only=True)]
    weeks = [r for r in rows if r and isinstance(r[0], str) and r[0].startswith("2026-W")]
    assert [w[0] for w in weeks] == ["2026-W45", "2026-W46", "2026-W47", "2026-W48", "2026-W49"]
    assert weeks[-1][2:] == [1, 1, 1, 0, 100]


def test_the_battle_map_colours_the_townships_by_progress_as_tiles(client, world) -> None:
    listing = new_listing(world)
    report(world, new_task(world, listing), TaskStatus.DONE, user=world.reviewer)
    new_task(world, listing)
    new_problem(world)
    login(client, world.approver)
    response = client.get(MAP)
    spec = response.context["map_spec"]
    assert spec["mode"] == "tiles"
    item = next(i for i in spec["items"] if i["code"] == world.township.code)
    assert item["value"] == 50.0
    assert item["url"] == _page(listing)
    others = [i for i in spec["items"] if i["code"] != world.township.code]
    assert all(i["value"] is None and i["url"] == "" for i in others)
    (row,) = response.context["listings"]
    assert (row.task_count, row.done_count, row.open_problems) == (2, 1, 1)
    page = response.content.decode()
    assert 'data-area-map="battle-map-data"' in page
    data = page.split('id="battle-map-data" type="application/json">')[1].split("</script>")[0]
    assert json.loads(data)["mode"] == "tiles"


def test_the_battle_map_is_a_choropleth_once_every_township_has_a_boundary(client, world) -> None:
    new_listing(world)
    townships = list(Area.objects.filter(parent=world.county).order_by("code"))
    features = [
        {
            "type": "Feature",
            "properties": {"code": a.code},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[i, 0], [i + 1, 0], [i + 1, 1], [i, 1], [i, 0]]],
            },
        }
        for i, a in enumerate(townships)
    ]
    parsed = parse_boundaries(
        json.dumps({"type": "FeatureCollection", "features": features}), "code"
    )
    do_load_boundaries(actor=Actor(user=None, source="command"), parsed=parsed, source="示意")
    login(client, world.approver)
    assert client.get(MAP).context["map_spec"]["mode"] == "geo"


def test_the_battle_map_of_an_area_out_of_scope_answers_404(client, world) -> None:
    login(client, world.reviewer)
    assert client.get(MAP, {"area": world.other_township.code}).status_code == 404
    assert client.get(MAP, {"area": world.village.code}).status_code == 200


def test_only_supervising_roles_open_the_listing_form(client, world) -> None:
    url = reverse("supervision:listing_new")
    login(client, world.reviewer)
    assert client.get(url).status_code == 403
    login(client, world.approver)
    page = client.get(url)
    assert page.status_code == 200
    codes = {a.code for a in page.context["areas"]}
    assert world.township.code in codes and world.county.code not in codes


def test_the_list_and_the_battle_map_take_the_same_queries_for_two_listings_or_four(
    client, world
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def counts() -> tuple[int, int]:
        login(client, world.approver)
        taken = []
        for url in (LIST, MAP):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            taken.append(len(queries))
        return taken[0], taken[1]

    # A township and a village: the open problems are counted once per level listed.
    new_task(world, new_listing(world))
    new_task(world, new_listing(world, area=world.village))
    two = counts()
    new_task(world, new_listing(world, area=world.far_village))
    new_task(world, new_listing(world, area=world.sibling_village))
    assert counts() == two
