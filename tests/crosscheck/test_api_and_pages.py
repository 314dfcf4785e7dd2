"""The department push endpoint and its key's scope; the pages of batches and alerts per
persona."""

from __future__ import annotations

import pytest
from django.test import Client

from jingzhun.core.actions import Actor
from jingzhun.crosscheck import actions
from jingzhun.crosscheck.models import Alert, AlertStatus, Batch
from tests.conftest import login, run_worker
from tests.crosscheck.conftest import head, load, write_csv

pytestmark = pytest.mark.django_db
URL = "/api/v1/crosscheck/batches/"


@pytest.fixture
def feed_key(world):
    _token, raw = actions.do_create_feed_token(
        actor=Actor(world.approver, "form"),
        name="县医保局结算系统",
        kind="medical_stays",
        area=world.county,
    )
    return raw


def push(key, body, keyword="Feed"):
    return Client().post(
        URL, body, content_type="application/json", HTTP_AUTHORIZATION=f"{keyword} {key}"
    )


def stays(member, amount="8000"):
    return {
        "as_of": "2026-11-30",
        "records": [
            {
                "患者姓名": "张建国",
                "身份证号": member.id_number,
                "出院日期": "2026-11-03",
                "合规自付费用": amount,
            }
        ],
    }


def test_a_department_pushes_a_batch_and_an_alert_is_raised(world, families, feed_key):
    member = head(families[0])
    response = push(feed_key, stays(member))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["new"] and body["counts"]["alerts"] == 1 and body["counts"]["linked_exact"] == 1
    assert (
        "id_number" not in response.content.decode()
        and member.id_number not in response.content.decode()
    )
    again = push(feed_key, stays(member))
    assert again.status_code == 200 and again.json()["new"] is False
    assert Batch.objects.count() == 1 and Alert.objects.count() == 1


def test_field_names_work_as_well_as_titles_and_bad_rows_come_back_refused(
    world, families, feed_key
):
    member = head(families[0])
    body = {
        "as_of": "2026-11-30",
        "records": [
            {
                "name": "张建国",
                "id_number": member.id_number,
                "event_date": "2026-11-03",
                "amount": "6000",
            },
            {
                "name": "李四",
                "id_number": "140922197001011234",
                "event_date": "2026-11-03",
                "amount": "1",
            },
        ],
    }
    response = push(feed_key, body)
    assert response.status_code == 201
    refused = response.json()["refusals"]
    assert [(r["row"], r["column"]) for r in refused] == [(2, "身份证号")]


def test_a_department_key_reads_nothing_of_the_registry(world, families, feed_key):
    for path in ("/api/v1/households/", "/api/v1/areas/", f"/api/v1/households/{families[0].pk}/"):
        for keyword in ("Feed", "Token"):
            response = Client().get(path, HTTP_AUTHORIZATION=f"{keyword} {feed_key}")
            assert response.status_code in (401, 403), (path, keyword)
    assert Client().get(URL, HTTP_AUTHORIZATION=f"Feed {feed_key}").status_code == 405


def test_a_department_key_cannot_write_another_kind(world, families, feed_key):
    body = stays(head(families[0])) | {"dataset": "deaths"}
    response = push(feed_key, body)
    assert response.status_code == 403 and "住院费用" in response.json()["detail"]
    assert not Batch.objects.exists()


def test_unknown_fields_a_future_batch_and_a_revoked_key_are_refused(world, families, feed_key):
    body = stays(head(families[0]))
    body["records"][0]["车牌号"] = "晋H12345"
    response = push(feed_key, body)
    assert response.status_code == 400 and "车牌号" in response.json()["detail"]
    future = stays(head(families[0])) | {"as_of": "2027-01-01"}
    assert push(feed_key, future).status_code == 400
    token = actions.FeedToken.objects.get()
    actions.do_revoke_feed_token(token, actor=Actor(world.approver, "form"))
    assert push(feed_key, stays(head(families[0]))).status_code == 401
    assert not Batch.objects.exists()


def test_a_user_token_cannot_push(world, families, client):
    from jingzhun.accounts import tokens

    _t, raw = tokens.do_issue_token(actor=Actor(world.approver, "api"), name="x")
    assert push(raw, stays(head(families[0])), keyword="Token").status_code in (401, 403)


def _alert(world, families, tmp_path):
    member = head(families[0])
    path = write_csv(
        tmp_path / "s.csv",
        ["患者姓名", "身份证号", "出院日期", "合规自付费用"],
        [["张建国", member.id_number, "2026-11-03", "7300"]],
    )
    load(world, "medical_stays", path)
    return Alert.objects.get()


def test_the_inbox_and_the_alert_page_per_persona(world, families, tmp_path, client):
    alert = _alert(world, families, tmp_path)
    page = login(client, world.cadre).get("/alerts/")
    html = page.content.decode()
    assert "住院合规自付费用达到预警线" in html and "还剩15天" in html
    assert alert.member.id_number in html  # the cadre sees full numbers
    detail = client.get(f"/alerts/{alert.pk}/").content.decode()
    assert "为什么认为是此人" in detail and "提交核实结果" in detail and "7,300.00" in detail
    analyst = login(Client(), world.analyst)
    detail = analyst.get(f"/alerts/{alert.pk}/").content.decode()
    assert (
        alert.member.id_number not in detail and "提交核实结果" not in detail
    )  # masked, read-only
    assert login(Client(), world.sibling_cadre).get(f"/alerts/{alert.pk}/").status_code == 404
    assert (
        f"/alerts/{alert.pk}/"
        not in login(Client(), world.sibling_cadre).get("/alerts/").content.decode()
    )


def test_verifying_from_the_page_opens_the_case(world, families, tmp_path, client):
    alert = _alert(world, families, tmp_path)
    c = login(client, world.cadre)
    form = c.get(f"/alerts/{alert.pk}/?target=monitoring").content.decode()
    assert 'name="category"' in form and 'name="channel"' not in form
    response = c.post(
        f"/alerts/{alert.pk}/",
        {
            "version": alert.version,
            "outcome": "confirmed",
            "target": "monitoring",
            "on": "2026-12-01",
            "category": "unstable_exited",
            "risk_types": ["illness"],
            "year": "2025",
            "reason": "入户核实属实",
        },
    )
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CONFIRMED and alert.case is not None
    assert response.status_code == 302 and response.url == f"/cases/{alert.case_id}/"


def test_the_batch_pages_are_the_countys(world, families, tmp_path, client):
    _alert(world, families, tmp_path)
    batch = Batch.objects.get()
    page = login(client, world.approver).get("/crosscheck/").content.decode()
    assert "导入一批部门数据" in page and f"/crosscheck/batches/{batch.pk}/" in page
    assert (
        "导入一批部门数据" not in login(Client(), world.cadre).get("/crosscheck/").content.decode()
    )
    assert login(Client(), world.cadre).get(f"/crosscheck/batches/{batch.pk}/").status_code == 404
    report = login(Client(), world.inspector).get("/alerts/report/").content.decode()
    assert "住院合规自付费用达到预警线" in report


def test_uploading_on_the_page_stages_and_the_comparison_is_queued(
    world, families, tmp_path, client
):
    member = head(families[0])
    path = write_csv(
        tmp_path / "s.csv",
        ["姓名", "公民身份号码", "死亡日期"],
        [["张建国", member.id_number, "2026-11-03"]],
    )
    c = login(client, world.approver)
    with path.open("rb") as handle:
        response = c.post("/crosscheck/", {"kind": "deaths", "as_of": "2026-11-30", "file": handle})
    batch = Batch.objects.get()
    assert response.status_code == 302 and batch.status == "staged"
    response = c.post(f"/crosscheck/batches/{batch.pk}/", {"action": "apply"})
    batch.refresh_from_db()
    assert batch.task_id and batch.status == "staged"  # queued: the request compares nothing
    assert "正在后台比对" in c.get(f"/crosscheck/batches/{batch.pk}/").content.decode()
    run_worker()
    batch.refresh_from_db()
    assert batch.status == "applied" and Alert.objects.count() == 1


def test_the_household_page_shows_its_alerts(world, families, tmp_path, client):
    alert = _alert(world, families, tmp_path)
    page = login(client, world.cadre).get(f"/households/{families[0].pk}/").content.decode()
    assert 'id="alerts"' in page and f"/alerts/{alert.pk}/" in page
    other = login(Client(), world.cadre).get(f"/households/{families[1].pk}/").content.decode()
    assert 'id="alerts"' not in other
