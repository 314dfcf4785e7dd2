"""The visit app in a real browser with the network switched off: the page opens from the
service worker, a visit is kept in the phone's queue (visible, surviving a reload), and it is
sent when the connection returns; a conflicting send is shown and never overwrites."""

from __future__ import annotations

import datetime as dt

import pytest

from jingzhun.assistance import actions
from jingzhun.assistance.models import Visit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True}
APP = "/assistance/visit-app/"
DAY = "2026-11-20"


def open_app(page):
    page.goto(APP)
    # The service worker is active and the page and its files are kept.
    page.wait_for_selector("html[data-offline-ready='1']")


def fill_visit(page, number: str, note: str) -> None:
    page.locator("[data-household-search]").fill(number)
    page.locator("[data-household-select]").select_option(index=0)
    page.locator("#va-date").fill(DAY)
    page.locator("#va-visitors").fill("王帮扶")
    page.locator("input[name=concern_housing]").check()
    page.locator("input[name=note_housing]").fill(note)
    page.get_by_role("button", name="保存到本机").click()


def test_a_visit_made_without_signal_is_kept_and_sent_when_the_connection_returns(
    shanxi, media, world, household, log_in
):
    page = log_in(world.cadre, **PHONE)
    open_app(page)
    context = page.context

    context.set_offline(True)
    response = page.reload()
    assert response is not None and response.from_service_worker
    assert "离线" in page.locator("[data-net]").inner_text()

    fill_visit(page, household.number, "后墙裂缝")
    item = page.locator("[data-queue-list] li[data-item]")
    assert item.count() == 1 and item.get_attribute("data-state") == "waiting"
    assert page.locator("[data-queue-count]").inner_text() == "1"
    assert not Visit.objects.exists()

    # Closing and opening the page without signal loses nothing.
    page.reload()
    assert page.locator("[data-queue-list] li[data-item]").count() == 1

    context.set_offline(False)  # the "online" event sends the queue
    page.wait_for_selector("[data-queue-list] li[data-sent]")
    assert page.locator("[data-queue-count]").inner_text() == "0"
    visit = Visit.objects.get()
    assert visit.household_id == household.pk and visit.visited_on == dt.date(2026, 11, 20)
    assert visit.checks["housing"] == {"concern": True, "note": "后墙裂缝"}
    assert visit.client_id and visit.recorded_by == world.cadre


def test_a_conflicting_send_is_shown_and_the_stored_visit_is_not_overwritten(
    shanxi, media, world, household, log_in
):
    stored, _ = actions.do_record_visit(
        actor=world.actor(),
        household=household,
        values={
            "client_id": "phone-dup-1",
            "visited_on": dt.date(2026, 11, 18),
            "kind": "home_visit",
            "visitors": "李村干",
            "note": "先前的记录",
        },
    )
    page = log_in(world.cadre, **PHONE)
    open_app(page)
    # A queued visit from this phone whose id the server already holds with other content.
    page.evaluate(
        """([id, household]) => localStorage.setItem("jz-visit-queue", JSON.stringify([{
            client_id: id, household: String(household), household_label: "张建国",
            visited_on: "2026-11-20", kind: "home_visit", visitors: "王帮扶",
            checks: {}, note: "另一次走访", follow_ups: [], risk_types: [], photos: [],
            state: "waiting", message: ""}]))""",
        ["phone-dup-1", household.pk],
    )
    page.reload()
    conflict = page.locator("[data-queue-list] li[data-state='conflict']")
    conflict.wait_for()
    assert "内容不同" in conflict.inner_text()
    stored.refresh_from_db()
    assert stored.note == "先前的记录" and Visit.objects.count() == 1

    page.get_by_role("button", name="作为新记录发送").click()
    page.wait_for_selector("[data-queue-list] li[data-sent]")
    assert Visit.objects.count() == 2
    assert Visit.objects.exclude(pk=stored.pk).get().note == "另一次走访"
