"""The case pages: inbox and batch actions, the case page and its forms, opening a case, the
household's cases, the county overview and attachment downloads — by persona, in and out of
scope, with a frozen clock."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jingzhun.audit.models import AuditEntry
from jingzhun.cases import actions, overview
from jingzhun.cases.models import Case, CaseStep, Notice
from jingzhun.cases.queries import cases_for
from tests import factories
from tests.conftest import login

OVERRIDE = "户主住院自付费用高，收入下降明显"
START = dt.datetime(2026, 3, 2, 10)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def make_household(world, village, n):
    return factories.make_household(
        world.actor(world.approver), village, number=f"{village.code}{n:03d}"
    )


def open_monitoring(world, household, *, cadre=None, signal="2026-03-01", on="2026-03-02"):
    return actions.do_open_case(
        actor=world.actor(cadre or world.cadre),
        household=household,
        case_type="monitoring",
        record={
            "on": on,
            "channel": "cadre_visit",
            "first_signal_on": signal,
            "late_confirmed": True,  # some of these tests plant overdue cases on purpose
            "reason": "户主住院",
            "category": "unstable_exited",
            "risk_types": ["illness"],
            "year": 2024,
        },
    )


def minutes():
    return {"minutes": SimpleUploadedFile("评议记录.jpg", b"\xff\xd8minutes", "image/jpeg")}


def fresh(case):
    return Case.objects.select_related("household", "household__village").get(pk=case.pk)


def step(world, case, user, record, **kw):
    return actions.do_perform_step(
        fresh(case),
        actor=world.actor(user),
        expected_version=fresh(case).version,
        record=record,
        **kw,
    )


def to_deliberation(world, case, cadre=None):
    cadre = cadre or world.cadre
    step(world, case, cadre, {"on": "2026-03-02", "visitors": "王书记", "consent_signed": True})
    step(
        world,
        case,
        world.approver,
        {"on": "2026-03-02", "departments": "民政", "result": "consistent"},
    )
    return fresh(case)


def deliberate(world, case, cadre=None):
    votes = {"participants": 15, "votes_for": 12, "votes_against": 1, "votes_abstain": 2}
    step(
        world,
        case,
        cadre or world.cadre,
        {"on": "2026-03-02", **votes, "attendees": "村民代表"},
        attachments=minutes(),
    )
    return fresh(case)


def publish(world, cases, user):
    return actions.do_publish_notice(
        [(fresh(c), fresh(c).version) for c in cases],
        actor=world.actor(user),
        record={
            "starts_on": actions.today().isoformat(),
            "place": "村委会公示栏",
            "contact": "乡纪委",
        },
    )


def to_review(world, cases, clock):
    """Cases of one village walked to the township review (the clock ends on 2026-03-07)."""
    for case in cases:
        deliberate(world, to_deliberation(world, case))
    publish(world, cases, world.cadre)
    clock.move_to(dt.datetime(2026, 3, 7, 10))
    for case in cases:
        step(world, case, world.cadre, {})
    return [fresh(c) for c in cases]


# --- inbox ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_inbox_lists_only_the_roles_waiting_cases_in_scope_nearest_deadline_first(
    world, client, clock
):
    later = open_monitoring(world, make_household(world, world.village, 1), signal="2026-03-01")
    sooner = open_monitoring(world, make_household(world, world.village, 2), signal="2026-02-20")
    elsewhere = open_monitoring(
        world, make_household(world, world.sibling_village, 3), cadre=world.sibling_cadre
    )
    page = login(client, world.cadre).get(reverse("cases:inbox")).content.decode()
    assert sooner.number in page and later.number in page
    assert page.index(sooner.number) < page.index(later.number)
    assert f"{world.village.name}（2）" in page and "共2件待我办理" in page
    assert elsewhere.number not in page
    # The reviewer has nothing waiting (the visits are the cadre's), but watches overdue cases.
    clock.move_to(dt.datetime(2026, 3, 10, 10))
    page = login(client, world.reviewer).get(reverse("cases:inbox")).content.decode()
    assert "暂无待您办理的案件" in page
    assert "我管辖范围内的逾期案件" in page
    overdue_part = page.split("我管辖范围内的逾期案件")[1]
    assert sooner.number in overdue_part and later.number not in overdue_part


@pytest.mark.django_db
def test_inbox_queries_do_not_grow_with_its_cases(world, client, clock):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("cases:inbox")).status_code == 200
        return len(queries)

    login(client, world.approver)
    for n in (1, 2):
        visited = open_monitoring(world, make_household(world, world.village, n))
        step(
            world,
            visited,
            world.cadre,
            {"on": "2026-03-02", "visitors": "王", "consent_signed": True},
        )
    few = count()
    for n in (3, 4, 5):
        visited = open_monitoring(world, make_household(world, world.village, n))
        step(
            world,
            visited,
            world.cadre,
            {"on": "2026-03-02", "visitors": "王", "consent_signed": True},
        )
    assert count() == few


@pytest.mark.django_db
def test_inbox_filters_by_village(world, client, clock):
    here = open_monitoring(world, make_household(world, world.village, 1))
    step(world, here, world.cadre, {"on": "2026-03-02", "visitors": "王", "consent_signed": True})
    there = open_monitoring(
        world, make_household(world, world.sibling_village, 2), cadre=world.sibling_cadre
    )
    step(
        world,
        there,
        world.sibling_cadre,
        {"on": "2026-03-02", "visitors": "李", "consent_signed": True},
    )
    c = login(client, world.approver)
    page = c.get(reverse("cases:inbox")).content.decode()
    assert here.number in page and there.number in page
    assert "批量办理" in page  # a comparison may be done for several cases at once
    page = c.get(reverse("cases:inbox"), {"village": world.village.code}).content.decode()
    assert here.number in page and there.number not in page


@pytest.mark.django_db
def test_batch_review_records_each_case_on_its_own(world, client, clock):
    first, second = to_review(
        world,
        [
            open_monitoring(world, make_household(world, world.village, 1)),
            open_monitoring(world, make_household(world, world.village, 2)),
        ],
        clock,
    )
    steps_before = CaseStep.objects.filter(code="review").count()
    audits = AuditEntry.objects.filter(
        object_type="case", action="case_step", object_id__in=[str(first.pk), str(second.pk)]
    )
    audits_before = audits.count()
    response = login(client, world.reviewer).post(
        reverse("cases:batch"),
        {
            "action": "step",
            "step_code": "review",
            "case": [f"{first.pk}:{first.version}", f"{second.pk}:{second.version}"],
            "on": "2026-03-07",
            "opinion": "agree",
            "comment": "同意纳入",
            "override_reason": OVERRIDE,
        },
    )
    assert response.status_code == 200
    assert "成功2件" in response.content.decode()
    reviews = CaseStep.objects.filter(code="review")
    assert reviews.count() == steps_before + 2
    assert {r.case_id for r in reviews} == {first.pk, second.pk}
    assert all(r.is_override and r.performed_by == world.reviewer for r in reviews)
    assert {fresh(first).step_code, fresh(second).step_code} == {"approval"}
    new = list(audits.order_by("id"))[audits_before:]
    assert sorted(a.object_id for a in new) == sorted([str(first.pk), str(second.pk)])


@pytest.mark.django_db
def test_batch_step_reports_a_stale_case_and_does_the_others(world, client, clock):
    first, second = to_review(
        world,
        [
            open_monitoring(world, make_household(world, world.village, 1)),
            open_monitoring(world, make_household(world, world.village, 2)),
        ],
        clock,
    )
    response = login(client, world.reviewer).post(
        reverse("cases:batch"),
        {
            "action": "step",
            "step_code": "review",
            "case": [f"{first.pk}:{first.version - 1}", f"{second.pk}:{second.version}"],
            "on": "2026-03-07",
            "opinion": "agree",
            "override_reason": OVERRIDE,
        },
    )
    page = response.content.decode()
    assert "成功1件，未办理1件" in page
    assert "已被" in page
    assert fresh(first).step_code == "review" and fresh(second).step_code == "approval"


@pytest.mark.django_db
def test_batch_notice_publishes_one_notice_for_a_villages_cases(world, client, clock):
    cases = [
        deliberate(
            world,
            to_deliberation(world, open_monitoring(world, make_household(world, world.village, n))),
        )
        for n in (1, 2)
    ]
    response = login(client, world.cadre).post(
        reverse("cases:batch"),
        {
            "action": "notice",
            "case": [f"{c.pk}:{c.version}" for c in cases],
            "starts_on": "2026-03-02",
            "place": "村委会公示栏",
            "contact": "乡纪委 0350-1234567",
        },
    )
    assert "成功2件" in response.content.decode()
    notice = Notice.objects.get()
    assert notice.entries.count() == 2
    assert {fresh(c).notice_id for c in cases} == {notice.pk}


@pytest.mark.django_db
def test_batch_notice_without_place_names_it_and_publishes_nothing(world, client, clock):
    case = deliberate(
        world,
        to_deliberation(world, open_monitoring(world, make_household(world, world.village, 1))),
    )
    response = login(client, world.cadre).post(
        reverse("cases:batch"),
        {"action": "notice", "case": [f"{case.pk}:{case.version}"], "starts_on": "2026-03-02"},
    )
    page = response.content.decode()
    assert "请填写张贴地点" in page and "未办理1件" in page
    assert not Notice.objects.exists()


@pytest.mark.django_db
def test_batch_ignores_cases_out_of_scope(world, client, clock):
    case = open_monitoring(world, make_household(world, world.village, 1))
    response = login(client, world.outsider).post(
        reverse("cases:batch"),
        {
            "action": "step",
            "step_code": "visit",
            "case": [f"{case.pk}:{case.version}"],
            "on": "2026-03-02",
            "visitors": "x",
            "consent_signed": "1",
        },
    )
    assert "不在您的管辖范围内" in response.content.decode()
    assert fresh(case).step_code == "visit"


# --- the case page -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_case_page_is_shown_in_scope_and_404_out_of_scope(world, client, clock, household):
    case = open_monitoring(world, household)
    url = reverse("cases:detail", args=[case.pk])
    for user in (world.cadre, world.reviewer, world.approver, world.inspector, world.analyst):
        response = login(client, user).get(url)
        assert response.status_code == 200, user.username
        page = response.content.decode()
        assert case.number in page and "政策判定" in page
        for member in household.members.all():
            assert member.id_number not in page
    for user in (world.sibling_cadre, world.other_reviewer, world.outsider):
        assert login(client, user).get(url).status_code == 404, user.username


@pytest.mark.django_db
def test_case_page_shows_the_form_only_to_the_steps_role(world, client, clock, household):
    case = open_monitoring(world, household)
    url = reverse("cases:detail", args=[case.pk])
    page = login(client, world.cadre).get(url).content.decode()
    assert 'name="visitors"' in page and 'name="consent_signed"' in page and ">提交<" in page
    page = login(client, world.reviewer).get(url).content.decode()
    assert 'name="visitors"' not in page and "等待村干部办理" in page


@pytest.mark.django_db
def test_step_post_performs_the_current_step(world, client, clock, household):
    case = open_monitoring(world, household)
    response = login(client, world.cadre).post(
        reverse("cases:step", args=[case.pk]),
        {
            "step_code": "visit",
            "version": case.version,
            "on": "2026-03-02",
            "visitors": "王书记、驻村队员",
            "consent_signed": "1",
        },
    )
    assert response.status_code == 302
    case = fresh(case)
    assert case.step_code == "comparison"
    visit = case.steps.get(code="visit")
    assert visit.record["visitors"] == "王书记、驻村队员" and visit.performed_by == world.cadre
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "王书记、驻村队员" in page and "入户核实人员" in page


@pytest.mark.django_db
def test_step_post_by_the_wrong_role_is_refused_with_the_reason(world, client, clock, household):
    case = open_monitoring(world, household)
    response = login(client, world.reviewer).post(
        reverse("cases:step", args=[case.pk]),
        {
            "step_code": "visit",
            "version": case.version,
            "on": "2026-03-02",
            "visitors": "x",
            "consent_signed": "1",
        },
    )
    assert response.status_code == 403
    assert "应由村干部办理" in response.content.decode()
    assert fresh(case).version == case.version and case.steps.count() == 1


@pytest.mark.django_db
def test_step_post_out_of_scope_answers_404(world, client, clock, household):
    case = open_monitoring(world, household)
    response = login(client, world.sibling_cadre).post(
        reverse("cases:step", args=[case.pk]),
        {
            "step_code": "visit",
            "version": case.version,
            "on": "2026-03-02",
            "visitors": "x",
            "consent_signed": "1",
        },
    )
    assert response.status_code == 404
    assert fresh(case).version == case.version


@pytest.mark.django_db
def test_deliberation_without_minutes_names_them_keeps_the_values_and_stores_nothing(
    world, client, clock, household
):
    case = to_deliberation(world, open_monitoring(world, household))
    count = case.steps.count()
    data = {
        "step_code": "deliberation",
        "version": case.version,
        "on": "2026-03-02",
        "participants": "15",
        "votes_for": "12",
        "votes_against": "1",
        "votes_abstain": "2",
        "attendees": "村民代表张三等15人",
    }
    response = login(client, world.cadre).post(reverse("cases:step", args=[case.pk]), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "评议会议记录" in page and "须上传" in page
    assert "村民代表张三等15人" in page and 'value="12"' in page
    assert fresh(case).version == case.version and case.steps.count() == count
    upload = SimpleUploadedFile("评议记录.jpg", b"\xff\xd8minutes", "image/jpeg")
    response = client.post(reverse("cases:step", args=[case.pk]), {**data, "minutes": upload})
    assert response.status_code == 302
    assert fresh(case).step_code == "publicity"
    assert case.steps.get(code="deliberation").attachments.get().purpose == "minutes"


@pytest.mark.django_db
def test_stale_version_is_shown_as_a_message(world, client, clock, household):
    case = open_monitoring(world, household)
    response = login(client, world.cadre).post(
        reverse("cases:step", args=[case.pk]),
        {
            "step_code": "visit",
            "version": case.version + 5,
            "on": "2026-03-02",
            "visitors": "x",
            "consent_signed": "1",
        },
        follow=True,
    )
    assert "已被" in response.content.decode()
    assert fresh(case).step_code == "visit"


@pytest.mark.django_db
def test_publicity_publish_close_and_objection_from_the_case_page(world, client, clock, household):
    case = deliberate(world, to_deliberation(world, open_monitoring(world, household)))
    url = reverse("cases:detail", args=[case.pk])
    c = login(client, world.cadre)
    assert "发布公示" in c.get(url).content.decode()
    response = c.post(
        reverse("cases:notice", args=[case.pk]),
        {
            "version": case.version,
            "starts_on": "2026-03-02",
            "place": "村委会公示栏",
            "contact": "乡纪委 0350-1234567",
        },
    )
    assert response.status_code == 302
    case = fresh(case)
    assert case.notice is not None
    page = c.get(url).content.decode()
    assert f"/notices/{case.notice.token}/" in page
    assert "2026-03-07起才能结束公示" in page and "disabled" in page
    # Closing before the end is refused and changes nothing.
    response = c.post(
        reverse("cases:step", args=[case.pk]), {"step_code": "publicity", "version": case.version}
    )
    assert "起才能结束公示" in response.content.decode()
    assert fresh(case).step_code == "publicity"
    # An objection sends the case back to the visit.
    response = c.post(
        reverse("cases:objection", args=[case.pk]),
        {
            "version": case.version,
            "raised_on": "2026-03-02",
            "raised_by": "村民李某",
            "content": "该户有经营收入未申报",
        },
    )
    assert response.status_code == 302
    case = fresh(case)
    assert case.step_code == "visit" and case.notice is None
    assert "该户有经营收入未申报" in c.get(url).content.decode()


@pytest.mark.django_db
def test_publicity_closes_once_its_days_have_passed(world, client, clock, household):
    case = deliberate(world, to_deliberation(world, open_monitoring(world, household)))
    publish(world, [case], world.cadre)
    clock.move_to(dt.datetime(2026, 3, 7, 10))
    case = fresh(case)
    c = login(client, world.cadre)
    page = c.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "结束公示" in page and "起才能结束公示" not in page
    c.post(
        reverse("cases:step", args=[case.pk]), {"step_code": "publicity", "version": case.version}
    )
    assert fresh(case).step_code == "review"


@pytest.mark.django_db
def test_batch_closes_the_publicities_whose_days_have_passed(world, client, clock):
    first, second = (
        deliberate(
            world,
            to_deliberation(world, open_monitoring(world, make_household(world, world.village, n))),
        )
        for n in (1, 2)
    )
    publish(world, [first], world.cadre)
    clock.move_to(dt.datetime(2026, 3, 4, 10))
    publish(world, [second], world.cadre)
    clock.move_to(dt.datetime(2026, 3, 7, 10))
    c = login(client, world.cadre)
    assert "批量结束公示" in c.get(reverse("cases:inbox")).content.decode()
    first, second = fresh(first), fresh(second)
    response = c.post(
        reverse("cases:batch"),
        {
            "action": "step",
            "step_code": "publicity",
            "case": [f"{first.pk}:{first.version}", f"{second.pk}:{second.version}"],
        },
    )
    page = response.content.decode()
    assert "成功1件，未办理1件" in page and "2026-03-09起才能结束公示" in page
    assert fresh(first).step_code == "review" and fresh(second).step_code == "publicity"


@pytest.mark.django_db
def test_review_against_the_policy_verdict_needs_a_reason_and_is_shown_in_red(
    world, client, clock, household
):
    (case,) = to_review(world, [open_monitoring(world, household)], clock)
    c = login(client, world.reviewer)
    page = c.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "本环节征询政策判定“防返贫监测范围”：现为不符合，本程序要求符合" in page
    data = {"step_code": "review", "version": case.version, "on": "2026-03-07", "opinion": "agree"}
    # The household's 2024 income (8,100 a head) is above the monitoring line: the verdict
    # fails, so agreeing needs a written reason.
    response = c.post(reverse("cases:step", args=[case.pk]), data)
    assert response.status_code == 200
    assert "不少于10字的理由" in response.content.decode()
    assert fresh(case).step_code == "review"
    c.post(reverse("cases:step", args=[case.pk]), {**data, "override_reason": OVERRIDE})
    case = fresh(case)
    assert case.step_code == "approval" and case.overridden
    page = c.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "当时政策判定" in page and "M-INCOME" in page
    assert f"违背政策判定：{OVERRIDE}" in page


@pytest.mark.django_db
def test_withdraw_from_the_case_page(world, client, clock, household):
    case = open_monitoring(world, household)
    c = login(client, world.cadre)
    response = c.post(
        reverse("cases:withdraw", args=[case.pk]), {"version": case.version, "reason": ""}
    )
    assert "撤回案件须写明原因" in response.content.decode()
    assert fresh(case).status == "open"
    c.post(
        reverse("cases:withdraw", args=[case.pk]),
        {"version": case.version, "reason": "农户撤回申请"},
    )
    assert fresh(case).status == "withdrawn"
    other = open_monitoring(world, make_household(world, world.village, 9))
    response = login(client, world.inspector).post(
        reverse("cases:withdraw", args=[other.pk]), {"version": other.version, "reason": "重复受理"}
    )
    assert (
        response.status_code == 403
        and "只有村、乡、县经办人员可以撤回案件" in response.content.decode()
    )
    assert fresh(other).status == "open"


# --- opening a case ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_open_case_form_creates_a_case(world, client, clock, household):
    url = reverse("cases:open", args=[household.pk]) + "?type=monitoring"
    c = login(client, world.cadre)
    page = c.get(url).content.decode()
    for name in ("on", "channel", "first_signal_on", "reason", "category", "risk_types", "year"):
        assert f'name="{name}"' in page
    assert 'value="2026-03-02"' in page and ">发起<" in page
    response = c.post(
        url,
        {
            "on": "2026-03-02",
            "channel": "self_report",
            "first_signal_on": "2026-03-01",
            "reason": "户主住院",
            "category": "unstable_exited",
            "risk_types": ["illness", "accident"],
            "year": "2024",
        },
    )
    case = Case.objects.get(household=household)
    assert response.status_code == 302 and response.url == reverse("cases:detail", args=[case.pk])
    assert case.facts["risk_types"] == ["illness", "accident"]
    assert case.opened_by == world.cadre and case.due_on == dt.date(2026, 3, 16)


@pytest.mark.django_db
def test_open_case_form_names_missing_fields_and_keeps_the_values(world, client, clock, household):
    url = reverse("cases:open", args=[household.pk]) + "?type=monitoring"
    response = login(client, world.cadre).post(
        url,
        {
            "on": "2026-03-02",
            "channel": "self_report",
            "risk_types": ["illness"],
            "reason": "户主住院",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "请填写首次发现风险日期" in page and "请选择监测对象类别" in page
    assert "户主住院" in page and 'value="illness" checked' in page
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_open_case_is_for_the_village_cadre_in_scope(world, client, clock, household):
    url = reverse("cases:open", args=[household.pk]) + "?type=monitoring"
    assert login(client, world.reviewer).get(url).status_code == 403
    assert login(client, world.sibling_cadre).get(url).status_code == 404
    assert login(client, world.outsider).post(url, {"on": "2026-03-02"}).status_code == 404
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_household_cases_card_lists_cases_and_the_types_to_open(world, client, clock, household):
    url = reverse("cases:household", args=[household.pk])
    page = login(client, world.cadre).get(f"/households/{household.pk}/").content.decode()
    assert "发起纳入监测" in page and "?type=monitoring" in page  # drawn on the household page
    case = open_monitoring(world, household)
    page = client.get(url).content.decode()
    assert case.number in page and "?type=" not in page
    page = login(client, world.reviewer).get(url).content.decode()
    assert case.number in page and "?type=" not in page
    assert login(client, world.outsider).get(url).status_code == 404
    detail = login(client, world.cadre).get(f"/households/{household.pk}/").content.decode()
    assert case.number in detail and "?type=" not in detail


# --- attachments ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_attachment_download_is_scoped(world, client, clock, household):
    case = deliberate(world, to_deliberation(world, open_monitoring(world, household)))
    item = case.steps.get(code="deliberation").attachments.get()
    url = reverse("cases:attachment", args=[item.pk])
    response = login(client, world.reviewer).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"\xff\xd8minutes"
    assert "attachment" in response["Content-Disposition"]
    assert url in client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    for user in (world.sibling_cadre, world.outsider, world.other_reviewer):
        assert login(client, user).get(url).status_code == 404
    assert (
        login(client, world.cadre).get(reverse("cases:attachment", args=[item.pk + 99])).status_code
        == 404
    )


# --- the county overview -------------------------------------------------------------------------


@pytest.mark.django_db
def test_overview_counts_by_type_step_and_area_and_lists_overrides(world, client, clock):
    (reviewed,) = to_review(
        world, [open_monitoring(world, make_household(world, world.village, 1))], clock
    )
    step(
        world,
        reviewed,
        world.reviewer,
        {"on": "2026-03-07", "opinion": "agree", "override_reason": OVERRIDE},
    )
    other = open_monitoring(
        world,
        make_household(world, world.sibling_village, 3),
        cadre=world.sibling_cadre,
        signal="2026-02-01",
        on="2026-03-07",
    )
    response = login(client, world.approver).get(reverse("cases:overview"))
    assert response.status_code == 200
    ctx = response.context
    counts = {(r.case_type, r.step_code): (r.open, r.overdue) for r in ctx["by_step"]}
    assert counts[("monitoring", "visit")] == (1, 1)  # signal 02-01: due 02-16, now 03-07
    reviewed = fresh(reviewed)
    assert counts[("monitoring", reviewed.step_code)][0] == 1
    areas = {r.code: r.open for r in ctx["by_area"]}
    assert areas == {world.township.code: 2}
    assert ctx["totals"]["overdue"] == 1
    page = response.content.decode()
    assert reviewed.overridden
    assert OVERRIDE in page and reviewed.number in page
    assert [s.case_id for s in ctx["overrides"]] == [reviewed.pk]
    times = {(t.case_type, t.step_code): t for t in ctx["times"]}
    assert times[("monitoring", "publicity")].average_days == 5  # 03-02 → closed 03-07
    assert other.number  # counted above; the inspector and the analyst see the same page
    for user in (world.inspector, world.analyst):
        assert login(client, user).get(reverse("cases:overview")).status_code == 200
    narrowed = login(client, world.approver).get(
        reverse("cases:overview"), {"area": world.township.code}
    )
    assert {r.code for r in narrowed.context["by_area"]} == {
        world.village.code,
        world.sibling_village.code,
    }
    assert (
        login(client, world.approver)
        .get(reverse("cases:overview"), {"area": world.other_county.code})
        .status_code
        == 404
    )


@pytest.mark.django_db
def test_overview_functions_on_a_scoped_queryset(world, clock):
    late = open_monitoring(world, make_household(world, world.village, 1), signal="2026-02-01")
    clock.move_to(dt.datetime(2026, 3, 20, 10))
    cases = cases_for(world.sibling_cadre)
    assert overview.totals(cases, actions.today())["all"] == 0
    cases = cases_for(world.cadre)
    assert overview.totals(cases, actions.today())["overdue"] == 1
    d = overview.deadlines(cases, actions.today())
    assert d.overdue == 1 and d.decided_late == 0
    assert overview.days_per_step(cases) == []  # only the application so far
    assert late.number


@pytest.mark.django_db
@pytest.mark.parametrize(
    "case_type", ["identification", "exit", "monitoring", "elimination", "reversal", "removal"]
)
def test_open_case_form_renders_for_every_case_type(world, client, clock, household, case_type):
    url = reverse("cases:open", args=[household.pk]) + f"?type={case_type}"
    response = login(client, world.cadre).get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="reason"' in page and 'name="channel"' in page and ">发起<" in page


@pytest.mark.django_db
def test_a_monitoring_case_walked_through_the_pages_changes_the_registry(
    world, client, clock, household
):
    (case,) = to_review(world, [open_monitoring(world, household)], clock)
    url = reverse("cases:detail", args=[case.pk])

    def post(user, name, data):
        c = login(client, user)
        response = c.post(reverse(name, args=[case.pk]), {"version": fresh(case).version, **data})
        assert response.status_code == 302, response.content.decode()[-2000:]
        return c

    decision = {"on": "2026-03-07", "opinion": "agree", "override_reason": OVERRIDE}
    post(world.reviewer, "cases:step", {"step_code": "review", **decision})
    c = login(client, world.approver)
    assert 'name="opinion"' in c.get(url).content.decode()
    post(world.approver, "cases:step", {"step_code": "approval", **decision})
    assert "发布公告" in c.get(url).content.decode()
    post(
        world.approver,
        "cases:notice",
        {"starts_on": "2026-03-07", "place": "县政府网站", "contact": "县乡村振兴局"},
    )
    assert fresh(case).step_code == "update"
    post(world.approver, "cases:step", {"step_code": "update", "on": "2026-03-07"})
    case = fresh(case)
    household.refresh_from_db()
    assert case.status == "completed" and case.decided_on == dt.date(2026, 3, 7)
    assert household.household_type == "monitored"
    page = c.get(url).content.decode()
    assert "已办结" in page and "录入监测系统" in page and 'name="version"' not in page


@pytest.mark.django_db
def test_the_overview_lists_status_changes_made_outside_a_procedure(world, client, household):
    """Changing a household's type on its form bypasses the procedure: inspectors see it; other
    edits, and roles that do not read the audit trail, do not."""
    from jingzhun.registry.actions import do_update_household

    household = do_update_household(
        household,
        actor=world.actor(world.cadre),
        changes={"phone": "13900001111"},
        expected_version=household.version,
    )
    page = login(client, world.inspector).get(reverse("cases:overview")).content.decode()
    assert "没有未经办理程序的状态修改" in page
    do_update_household(
        household,
        actor=world.actor(world.cadre),
        changes={
            "household_type": "monitored",
            "monitoring_category": "unstable_exited",
            "monitoring_identified_on": dt.date(2025, 1, 2),
        },
        risks=[("illness", "")],
        expected_version=household.version,
        reason="直接改为监测户",
    )
    page = client.get(reverse("cases:overview")).content.decode()
    assert "共1次" in page and "直接改为监测户" in page and "监测对象类别" in page
    assert "13900001111" not in page
    page = login(client, world.analyst).get(reverse("cases:overview")).content.decode()
    assert "未经办理程序修改的农户状态" not in page  # the analyst does not read the audit trail


def test_a_case_whose_decision_limit_has_passed_is_named_late_before_it_is_saved(
    world, client, clock, household
):
    # The clock fixture: 2026-03-02. A risk first found on 2026-02-01 had to be decided by
    # 2026-02-16 (15 days).
    url = reverse("cases:open", args=[household.pk]) + "?type=monitoring"
    form = {
        "on": "2026-03-02",
        "channel": "cadre_visit",
        "first_signal_on": "2026-02-01",
        "reason": "户主住院",
        "category": "unstable_exited",
        "risk_types": ["illness"],
        "year": "2024",
    }
    login(client, world.cadre)
    refused = client.post(url, form)
    assert refused.status_code == 200
    page = refused.content.decode()
    assert "2026-02-16前" in page and "已知逾期，仍然发起" in page
    assert not Case.objects.filter(household=household).exists()
    accepted = client.post(url, form | {"late_confirmed": "1"})
    assert accepted.status_code == 302
    assert Case.objects.get(household=household).due_on == dt.date(2026, 2, 16)
