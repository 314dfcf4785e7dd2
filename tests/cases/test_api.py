"""The cases API: a monitoring case walked through every step by the personas, and each
refusal (wrong role 403, out of scope 404, stale version 409, missing record 400) changing
nothing. The clock is frozen on each day the steps are done."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from jingzhun.accounts.models import User
from jingzhun.audit.models import AuditEntry
from jingzhun.cases.models import Case, CaseStep, Notice
from tests import factories
from tests.conftest import PASSWORD

MINUTES = b"\xff\xd8minutes of the villagers' representatives"
OVERRIDE = "户主住院自付费用高，收入下降明显"
APPLICATION = {
    "case_type": "monitoring",
    "on": "2026-03-02",
    "channel": "cadre_visit",
    "first_signal_on": "2026-03-01",
    "reason": "户主住院",
    "category": "unstable_exited",
    "risk_types": ["illness"],
    "year": 2024,
}
VISIT = {"step_code": "visit", "on": "2026-03-02", "visitors": "王书记", "consent_signed": True}


@contextmanager
def on_day(day: dt.date) -> Iterator[None]:
    with time_machine.travel(dt.datetime(day.year, day.month, day.day, 10), tick=False):
        yield


def client_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def open_case(world, household, **changes: Any) -> dict[str, Any]:
    body = {**APPLICATION, "household": household.pk, **changes}
    response = client_for(world.cadre).post("/api/v1/cases/", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def step(user: User, case: dict[str, Any], body: dict[str, Any], **kwargs: Any):
    return client_for(user).post(
        f"/api/v1/cases/{case['id']}/steps/",
        {"version": case["version"], **body},
        **(kwargs or {"format": "json"}),
    )


def ok(response, code: int = 200) -> dict[str, Any]:
    assert response.status_code == code, response.json()
    return response.json()


def minutes_file() -> SimpleUploadedFile:
    return SimpleUploadedFile("评议记录.jpg", MINUTES, "image/jpeg")


def deliberation(user: User, case: dict[str, Any], **extra: Any):
    body = {
        "step_code": "deliberation",
        "version": case["version"],
        "on": "2026-03-02",
        "participants": "15",
        "votes_for": "12",
        "votes_against": "1",
        "votes_abstain": "2",
        "attendees": "村民代表",
        **extra,
    }
    return client_for(user).post(f"/api/v1/cases/{case['id']}/steps/", body, format="multipart")


def to_publicity(world, household, case: dict[str, Any] | None = None) -> dict[str, Any]:
    """A case opened on 2026-03-02 (or ``case``, just opened) and carried to its 村级公示
    (not yet published)."""
    case = case or open_case(world, household)
    case = ok(step(world.cadre, case, VISIT))
    case = ok(
        step(
            world.approver,
            case,
            {
                "step_code": "comparison",
                "on": "2026-03-02",
                "departments": "民政、医保",
                "result": "consistent",
            },
        )
    )
    return ok(deliberation(world.cadre, case, minutes=minutes_file()))


def publish(user: User, cases: list[dict[str, Any]], starts_on: str, place: str = "村委会公示栏"):
    return client_for(user).post(
        "/api/v1/notices/",
        {
            "cases": [{"id": c["id"], "version": c["version"]} for c in cases],
            "starts_on": starts_on,
            "place": place,
            "contact": "乡纪委 0350-1234567",
        },
        format="json",
    )


def current(case: dict[str, Any], user: User) -> dict[str, Any]:
    return ok(client_for(user).get(f"/api/v1/cases/{case['id']}/"))


def test_a_monitoring_case_walks_through_every_step_over_the_api(world, household):
    with on_day(dt.date(2026, 3, 2)):
        case = open_case(world, household)
        assert (case["step_code"], case["step_role"]) == ("visit", "village_cadre")
        assert case["due_on"] == "2026-03-16" and case["deadline"] == "2026-03-16"
        assert case["head_name"] == household.head_name and case["household"] == household.pk
        assert case["case_type_display"] == "纳入监测"
        case = to_publicity(world, household, case)
        assert case["step_code"] == "publicity"
        notice = ok(publish(world.cadre, [case], "2026-03-02"), 201)
        assert notice["kind"] == "publicity" and notice["ends_on"] == "2026-03-06"
        assert notice["public_path"] == f"/notices/{notice['token']}/"
        assert [e["head_name"] for e in notice["entries"]] == [household.head_name]
        case = current(case, world.cadre)
        assert case["notice"]["id"] == notice["id"]
        assert notice["cases"] == [
            {"id": case["id"], "number": case["number"], "version": case["version"]}
        ]

    with on_day(dt.date(2026, 3, 7)):
        case = ok(step(world.cadre, case, {"step_code": "publicity"}))
        assert case["step_code"] == "review"
        for user, code in ((world.reviewer, "review"), (world.approver, "approval")):
            body = {"step_code": code, "on": "2026-03-07", "opinion": "agree"}
            case = ok(step(user, case, {**body, "override_reason": OVERRIDE}))
        assert case["decided_on"] == "2026-03-07" and case["overridden"] is True
        assert case["step_code"] == "announcement"
        ok(publish(world.approver, [case], "2026-03-07", place="县政府网站"), 201)
        case = current(case, world.approver)
        case = ok(step(world.approver, case, {"step_code": "update", "on": "2026-03-07"}))

    household.refresh_from_db()
    assert case["status"] == "completed"
    assert household.household_type == "monitored"
    assert household.monitoring_category == "unstable_exited"
    assert [s["state"] for s in case["procedure"]] == ["done"] * 9
    assert [s["code"] for s in case["steps"]] == [
        "application",
        "visit",
        "comparison",
        "deliberation",
        "publicity",  # opened
        "publicity",  # closed
        "review",
        "approval",
        "announcement",
        "update",
    ]
    by_code = {s["code"]: s for s in case["steps"]}
    assert by_code["visit"]["performed_by_name"] == world.cadre.full_name
    assert by_code["visit"]["role"] == "village_cadre"
    assert by_code["deliberation"]["record"]["votes_for"] == 12
    assert by_code["deliberation"]["attachments"] == [
        {
            "purpose": "minutes",
            "name": "评议记录.jpg",
            "size": len(MINUTES),
            "sha256": hashlib.sha256(MINUTES).hexdigest(),
        }
    ]
    assert by_code["review"]["is_override"] is True
    assert by_code["review"]["override_reason"] == OVERRIDE
    assert by_code["review"]["policy"]["decision"] == "monitoring"
    assert by_code["review"]["household_facts"]["head_name"] == household.head_name
    # The audit trail says each step came through the API.
    actions_by_api = set(
        AuditEntry.objects.filter(
            object_type="case", object_id=str(case["id"]), source="api"
        ).values_list("action", flat=True)
    )
    assert {"open_case", "case_step", "publish_notice", "complete_case"} <= actions_by_api


def test_the_case_page_data_shows_no_id_phone_or_bank_number(world, household):
    with on_day(dt.date(2026, 3, 2)):
        case = to_publicity(world, household)
    text = json.dumps(current(case, world.cadre), ensure_ascii=False)
    for member in household.members.all():
        assert member.id_number not in text
    assert household.phone not in text
    assert household.bank_account not in text


def test_a_number_typed_into_the_application_is_masked_for_a_role_that_sees_masked_numbers(
    world, household
):
    with on_day(dt.date(2026, 3, 2)):
        case = open_case(world, household, reason="户主住院，联系电话13600001234")

    for user, shown in ((world.cadre, "13600001234"), (world.analyst, "136****1234")):
        text = json.dumps(current(case, user), ensure_ascii=False)
        assert shown in text
        assert (user.sees_personal_numbers) == ("13600001234" in text)


def test_a_step_by_the_wrong_role_is_refused_with_403_and_changes_nothing(world, household):
    with on_day(dt.date(2026, 3, 2)):
        case = open_case(world, household)
        response = step(world.reviewer, case, VISIT)
        assert response.status_code == 403
        assert "村干部" in response.json()["detail"]
        # Read-only roles are refused before the body is looked at.
        assert step(world.inspector, case, VISIT).status_code == 403
    stored = Case.objects.get(pk=case["id"])
    assert (stored.step_code, stored.version) == ("visit", case["version"])
    assert CaseStep.objects.filter(case=stored).count() == 1


def test_a_case_out_of_scope_answers_404_like_an_absent_one(world, household):
    with on_day(dt.date(2026, 3, 2)):
        case = open_case(world, household)
        outsider = client_for(world.outsider)
        assert outsider.get(f"/api/v1/cases/{case['id']}/").status_code == 404
        assert outsider.get("/api/v1/cases/999999/").status_code == 404
        assert step(world.outsider, case, VISIT).status_code == 404
        assert (
            outsider.post(
                f"/api/v1/cases/{case['id']}/withdraw/",
                {"version": case["version"], "reason": "重复申请"},
                format="json",
            ).status_code
            == 404
        )
        assert outsider.get("/api/v1/cases/").json()["results"] == []
        # Opening a case on a household out of scope: refused naming the field.
        response = outsider.post(
            "/api/v1/cases/", {**APPLICATION, "household": household.pk}, format="json"
        )
        assert response.status_code == 400 and "household" in response.json()
    assert Case.objects.get(pk=case["id"]).step_code == "visit"


def test_a_cadre_of_another_village_cannot_open_a_case_on_this_household(world, household):
    with on_day(dt.date(2026, 3, 2)):
        response = client_for(world.sibling_cadre).post(
            "/api/v1/cases/", {**APPLICATION, "household": household.pk}, format="json"
        )
    assert response.status_code == 400
    assert "管辖范围" in response.json()["household"][0]
    assert not Case.objects.exists()


def test_a_stale_version_is_refused_with_409_and_changes_nothing(world, household):
    with on_day(dt.date(2026, 3, 2)):
        seen = to_publicity(world, household)  # read before the notice was published
        ok(publish(world.cadre, [seen], "2026-03-02"), 201)
    with on_day(dt.date(2026, 3, 7)):
        response = step(world.cadre, seen, {"step_code": "publicity"})
        withdraw = client_for(world.cadre).post(
            f"/api/v1/cases/{seen['id']}/withdraw/",
            {"version": seen["version"], "reason": "农户撤回申请"},
            format="json",
        )
    assert response.status_code == 409
    assert response.json()["changed_by"] == world.cadre.full_name
    assert withdraw.status_code == 409
    stored = Case.objects.get(pk=seen["id"])
    assert (stored.status, stored.step_code, stored.version) == (
        "open",
        "publicity",
        seen["version"] + 1,
    )
    assert not CaseStep.objects.filter(
        case=stored, outcome__in=["done", "withdrawn"], code="publicity"
    ).exists()


def test_a_notice_sent_twice_with_the_same_version_is_published_once(world, household):
    with on_day(dt.date(2026, 3, 2)):
        case = to_publicity(world, household)
        case = current(case, world.cadre)
        # The second request saw the same version: the case is already under notice (400) or
        # its version moved on (409). Either way there is one notice.
        first = publish(world.cadre, [case], "2026-03-02")
        second = publish(world.cadre, [case], "2026-03-02")
    assert first.status_code == 201
    assert second.status_code in (400, 409)
    assert Notice.objects.count() == 1


def test_a_deliberation_without_minutes_is_refused_naming_the_field(world, household):
    with on_day(dt.date(2026, 3, 2)):
        case = open_case(world, household)
        case = ok(step(world.cadre, case, VISIT))
        response = step(
            world.approver,
            case,
            {"step_code": "comparison", "on": "2026-03-02", "departments": "民政"},
        )
        assert response.status_code == 400
        assert "比对结果" in response.json()["result"][0]
        case = ok(
            step(
                world.approver,
                case,
                {
                    "step_code": "comparison",
                    "on": "2026-03-02",
                    "departments": "民政",
                    "result": "consistent",
                },
            )
        )
        response = deliberation(world.cadre, case)
    assert response.status_code == 400
    errors = response.json()
    assert "评议会议记录" in errors["minutes"][0]
    stored = Case.objects.get(pk=case["id"])
    assert (stored.step_code, stored.version) == ("deliberation", case["version"])


def test_a_step_without_version_or_step_code_is_refused_naming_them(world, household):
    with on_day(dt.date(2026, 3, 2)):
        case = open_case(world, household)
        response = client_for(world.cadre).post(
            f"/api/v1/cases/{case['id']}/steps/", {"on": "2026-03-02"}, format="json"
        )
    assert response.status_code == 400
    assert "version" in response.json()["version"][0]
    assert "step_code" in response.json()["step_code"][0]


def test_a_step_out_of_order_is_refused(world, household):
    with on_day(dt.date(2026, 3, 2)):
        case = open_case(world, household)
        response = step(
            world.reviewer, case, {"step_code": "review", "on": "2026-03-02", "opinion": "agree"}
        )
    assert response.status_code == 400
    assert "当前环节是" in response.json()["step"][0]


def test_a_publicity_cannot_close_before_its_days_have_passed(world, household):
    with on_day(dt.date(2026, 3, 2)):
        case = to_publicity(world, household)
        ok(publish(world.cadre, [case], "2026-03-02"), 201)
        case = current(case, world.cadre)
    with on_day(dt.date(2026, 3, 6)):
        response = step(world.cadre, case, {"step_code": "publicity"})
    assert response.status_code == 400
    assert "2026-03-07" in response.json()["step"][0]


def test_an_objection_during_the_publicity_sends_the_case_back_to_the_visit(world, household):
    with on_day(dt.date(2026, 3, 2)):
        case = to_publicity(world, household)
        ok(publish(world.cadre, [case], "2026-03-02"), 201)
        case = current(case, world.cadre)
    with on_day(dt.date(2026, 3, 4)):
        response = client_for(world.cadre).post(
            f"/api/v1/cases/{case['id']}/objections/",
            {
                "version": case["version"],
                "raised_on": "2026-03-03",
                "raised_by": "村民张某",
                "content": "该户在县城有商品房",
            },
            format="json",
        )
    case = ok(response, 201)
    assert case["step_code"] == "visit" and case["notice"] is None
    assert [o["content"] for o in case["objections"]] == ["该户在县城有商品房"]
    assert case["steps"][-1]["outcome"] == "objection"


def test_an_objection_without_content_is_refused_naming_it(world, household):
    with on_day(dt.date(2026, 3, 2)):
        case = to_publicity(world, household)
        ok(publish(world.cadre, [case], "2026-03-02"), 201)
        case = current(case, world.cadre)
        response = client_for(world.cadre).post(
            f"/api/v1/cases/{case['id']}/objections/",
            {"version": case["version"], "raised_on": "2026-03-02"},
            format="json",
        )
    assert response.status_code == 400
    assert "异议内容" in response.json()["content"][0]
    assert Case.objects.get(pk=case["id"]).step_code == "publicity"


def test_a_case_is_withdrawn_with_a_reason(world, household):
    with on_day(dt.date(2026, 3, 2)):
        case = open_case(world, household)
        response = client_for(world.cadre).post(
            f"/api/v1/cases/{case['id']}/withdraw/", {"version": case["version"]}, format="json"
        )
        assert response.status_code == 400 and "reason" in response.json()
        case = ok(
            client_for(world.cadre).post(
                f"/api/v1/cases/{case['id']}/withdraw/",
                {"version": case["version"], "reason": "农户撤回申请"},
                format="json",
            )
        )
    assert case["status"] == "withdrawn"
    assert [s["state"] for s in case["procedure"]][:2] == ["done", "stopped"]


def test_a_read_only_role_cannot_open_a_case_but_can_read_it(world, household):
    with on_day(dt.date(2026, 3, 2)):
        response = client_for(world.inspector).post(
            "/api/v1/cases/", {**APPLICATION, "household": household.pk}, format="json"
        )
        assert response.status_code == 403
        case = open_case(world, household)
        assert current(case, world.inspector)["number"] == case["number"]


def test_opening_with_missing_records_names_each_field(world, household):
    with on_day(dt.date(2026, 3, 2)):
        response = client_for(world.cadre).post(
            "/api/v1/cases/",
            {"household": household.pk, "case_type": "monitoring", "on": "2026-03-02"},
            format="json",
        )
    assert response.status_code == 400
    errors = response.json()
    assert {"channel", "first_signal_on", "reason", "category", "risk_types"} <= set(errors)
    assert not Case.objects.exists()


def test_a_case_opens_from_a_multipart_form_with_repeated_risk_types(world, household):
    body = {**APPLICATION, "household": household.pk, "risk_types": ["illness", "disability"]}
    with on_day(dt.date(2026, 3, 2)):
        response = client_for(world.cadre).post("/api/v1/cases/", body, format="multipart")
    case = ok(response, 201)
    assert case["facts"]["risk_types"] == ["illness", "disability"]


def make_households(world, count: int) -> list:
    return [
        factories.make_household(world.actor(), world.village, number=f"14092210000{i:04d}")
        for i in range(2, 2 + count)
    ]


def test_the_inbox_lists_the_cases_waiting_for_the_user_nearest_deadline_first(world, household):
    others = make_households(world, 2)
    with on_day(dt.date(2026, 3, 2)):
        late = open_case(world, household, first_signal_on="2026-03-02")
        early = open_case(world, others[0], first_signal_on="2026-02-20")
        middle = open_case(world, others[1], first_signal_on="2026-02-25")
        ok(step(world.cadre, middle, VISIT))  # now waiting for the county's comparison
        inbox = ok(client_for(world.cadre).get("/api/v1/inbox/"))
        approver_inbox = ok(client_for(world.approver).get("/api/v1/inbox/"))
        assert ok(client_for(world.outsider).get("/api/v1/inbox/"))["results"] == []
        assert ok(client_for(world.inspector).get("/api/v1/inbox/"))["results"] == []
    assert [c["id"] for c in inbox["results"]] == [early["id"], late["id"]]
    assert [c["deadline"] for c in inbox["results"]] == ["2026-03-07", "2026-03-17"]
    assert inbox["more"] is False
    assert [c["id"] for c in approver_inbox["results"]] == [middle["id"]]
    assert approver_inbox["results"][0]["step_title"] == "县级部门信息比对"


def test_the_inbox_is_cut_at_page_size_and_says_there_is_more(world, household):
    others = make_households(world, 1)
    with on_day(dt.date(2026, 3, 2)):
        open_case(world, household)
        open_case(world, others[0])
        inbox = ok(client_for(world.cadre).get("/api/v1/inbox/", {"page_size": 1}))
        bad = client_for(world.cadre).get("/api/v1/inbox/", {"page_size": "x"})
    assert len(inbox["results"]) == 1 and inbox["more"] is True
    assert bad.status_code == 400 and "page_size" in bad.json()


def test_the_case_list_filters_and_flags_overdue_cases(world, household):
    others = make_households(world, 2)
    with on_day(dt.date(2026, 3, 2)):
        overdue = open_case(world, household, first_signal_on="2026-02-01", late_confirmed=True)
        fresh = open_case(world, others[0])
        withdrawn = open_case(world, others[1])
        ok(
            client_for(world.cadre).post(
                f"/api/v1/cases/{withdrawn['id']}/withdraw/",
                {"version": withdrawn["version"], "reason": "重复申请"},
                format="json",
            )
        )
    with on_day(dt.date(2026, 3, 3)):
        client = client_for(world.approver)
        everything = ok(client.get("/api/v1/cases/"))["results"]
        late = ok(client.get("/api/v1/cases/", {"overdue": "true"}))["results"]
        still_open = ok(client.get("/api/v1/cases/", {"status": "open"}))["results"]
        at_visit = ok(client.get("/api/v1/cases/", {"step_code": "visit"}))["results"]
        village = ok(client.get("/api/v1/cases/", {"village": world.sibling_village.code}))
        typed = ok(client.get("/api/v1/cases/", {"case_type": "exit"}))["results"]
        bad = client.get("/api/v1/cases/", {"status": "lost", "overdue": "maybe"})
    assert {c["id"] for c in everything} == {overdue["id"], fresh["id"], withdrawn["id"]}
    assert [c["id"] for c in late] == [overdue["id"]]
    assert late[0]["overdue"] is True and late[0]["due_on"] == "2026-02-16"
    assert {c["id"] for c in still_open} == {overdue["id"], fresh["id"]}
    assert {c["id"] for c in at_visit} == {overdue["id"], fresh["id"]}
    assert village["results"] == [] and typed == []
    assert bad.status_code == 400 and {"status", "overdue"} <= set(bad.json())


def test_the_case_list_runs_a_fixed_number_of_queries(world, household):
    others = make_households(world, 3)
    with on_day(dt.date(2026, 3, 2)):
        for h in [household, *others]:
            open_case(world, h)
        client = client_for(world.reviewer)
        with CaptureQueriesContext(connection) as four:
            assert len(ok(client.get("/api/v1/cases/"))["results"]) == 4
    with on_day(dt.date(2026, 3, 2)):
        extra = factories.make_household(world.actor(), world.village, number="140922100009999")
        open_case(world, extra)
        with CaptureQueriesContext(connection) as five:
            assert len(ok(client.get("/api/v1/cases/"))["results"]) == 5
    assert len(five) == len(four)


def test_a_token_from_the_sign_in_endpoint_works_for_the_cases_api(world, household):
    client = APIClient()
    token = client.post(
        "/api/v1/auth/token/", {"username": "cadre", "password": PASSWORD}, format="json"
    ).json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    with on_day(dt.date(2026, 3, 2)):
        response = client.post(
            "/api/v1/cases/", {**APPLICATION, "household": household.pk}, format="json"
        )
        assert response.status_code == 201
        assert APIClient().get("/api/v1/cases/").status_code == 401


def test_a_notice_naming_a_case_out_of_scope_is_refused_and_publishes_nothing(world, household):
    other = factories.make_household(
        world.actor(world.sibling_cadre), world.sibling_village, number="140922100101001"
    )
    with on_day(dt.date(2026, 3, 2)):
        here = to_publicity(world, household)
        body = {**APPLICATION, "household": other.pk}
        there = ok(client_for(world.sibling_cadre).post("/api/v1/cases/", body, format="json"), 201)
        there = ok(step(world.sibling_cadre, there, VISIT))
        there = ok(
            step(
                world.approver,
                there,
                {
                    "step_code": "comparison",
                    "on": "2026-03-02",
                    "departments": "民政",
                    "result": "consistent",
                },
            )
        )
        there = ok(deliberation(world.sibling_cadre, there, minutes=minutes_file()))
        response = publish(world.cadre, [here, there], "2026-03-02")
    assert response.status_code == 404  # the cadre does not see the other village's case
    assert Notice.objects.count() == 0


def test_the_schema_lists_the_case_endpoints(world):
    client = Client()
    client.force_login(world.analyst)
    schema = json.loads(client.get("/api/v1/schema/", {"format": "json"}).content)
    for endpoint in (
        "/api/v1/cases/",
        "/api/v1/cases/{case_id}/",
        "/api/v1/cases/{case_id}/steps/",
        "/api/v1/cases/{case_id}/objections/",
        "/api/v1/cases/{case_id}/withdraw/",
        "/api/v1/notices/",
        "/api/v1/inbox/",
    ):
        assert endpoint in schema["paths"]


def test_a_notice_with_missing_parts_is_refused_naming_each(world, household):
    client = client_for(world.cadre)
    with on_day(dt.date(2026, 3, 2)):
        case = to_publicity(world, household)
        no_cases = client.post("/api/v1/notices/", {"starts_on": "2026-03-02"}, format="json")
        not_a_list = client.post("/api/v1/notices/", {"cases": "x"}, format="json")
        no_place = client.post(
            "/api/v1/notices/",
            {"cases": [{"id": case["id"], "version": case["version"]}], "starts_on": "2026-03-02"},
            format="json",
        )
    assert no_cases.status_code == 400 and "请至少选择一个案件" in no_cases.json()["cases"][0]
    assert not_a_list.status_code == 400 and "{id, version}" in not_a_list.json()["cases"][0]
    assert no_place.status_code == 400
    assert {"place", "contact"} <= set(no_place.json())
    assert Notice.objects.count() == 0
    assert Case.objects.get(pk=case["id"]).notice_id is None
