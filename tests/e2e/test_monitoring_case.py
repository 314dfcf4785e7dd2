"""A monitoring enrolment (纳入监测) carried through in a real browser, persona by persona.

The village cadre opens the case from the household page, records the visit, the county
approver the department comparison, the cadre the 民主评议 (uploading its minutes) and
publishes the 公示. The clock then moves past the 公示's last day (time_machine; the live
server runs in this process, so its clock moves too), the cadre closes the 公示, the township
reviewer reviews, the county approver approves (with a written reason, the policy verdict
being against), publishes the 公告 and enters the result. The public notice pages open
without login and show the head's name and no ID, phone or bank number.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from jingzhun.cases.models import Case, CaseStep, Notice
from jingzhun.registry.models import Household

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SHANGHAI = ZoneInfo("Asia/Shanghai")
OVERRIDE = "户主住院自付费用高，当年收入明显下降，经核实同意纳入"


def nine_oclock(day: dt.date) -> time_machine.travel:
    """The clock (of the test and of the live server, one process) from 09:00 on ``day``."""
    return time_machine.travel(dt.datetime.combine(day, dt.time(9), SHANGHAI), tick=True)


def step_form(page):
    """The current step's form (the page also has the withdrawal and objection forms)."""
    return page.locator("#current form").filter(has=page.get_by_role("button", name="提交"))


def submit_step(page, title: str) -> None:
    step_form(page).get_by_role("button", name="提交").click()
    page.wait_for_load_state()
    assert f"已办理“{title}”" in page.locator(".messages").inner_text(), page_errors(page)


def page_errors(page) -> str:
    return " | ".join(page.locator(".errorlist, .messages .error").all_inner_texts())


def assert_public_notice_masked(page, household: Household) -> None:
    text = page.locator("body").inner_text()
    assert household.head_name in text
    for member in household.members.all():
        assert member.id_number not in text
        assert member.id_number[:14] not in text  # not even the first digits
    assert household.phone not in text and household.bank_account not in text
    html = page.content()
    assert household.phone not in html and household.bank_account not in html


def test_a_cadre_carries_a_monitoring_case_to_county_approval(
    shanxi, media, world, household, log_in, anonymous
):
    today = timezone.localdate()
    year = 2024  # the household's income year (tests/factories.py)

    # The clock runs from 09:00 (Shanghai) today: no midnight in the middle of the walk.
    with nine_oclock(today):
        # --- the village cadre opens the case from the household page ----------------------------
        cadre = log_in(world.cadre)
        cadre.goto(f"/households/{household.pk}/")
        cadre.get_by_role("link", name="发起纳入监测").click()  # the page's 办理程序 card
        cadre.wait_for_url(re.compile(r"/cases/new/\?type=monitoring"))
        form = cadre.locator("form").filter(has=cadre.get_by_role("button", name="发起"))
        assert form.locator("input[name=on]").input_value() == today.isoformat()
        form.locator("select[name=channel]").select_option("cadre_visit")
        form.locator("input[name=first_signal_on]").fill((today - dt.timedelta(days=2)).isoformat())
        form.locator("textarea[name=reason]").fill("户主住院，自付医疗费用高")
        form.locator("select[name=category]").select_option("unstable_exited")
        form.locator("input[name=risk_types][value=illness]").check()
        form.locator("input[name=year]").fill(str(year))
        form.get_by_role("button", name="发起").click()
        cadre.wait_for_url(re.compile(r"/cases/\d+/$"))
        case_id = int(re.search(r"/cases/(\d+)/$", cadre.url).group(1))
        case = Case.objects.get(pk=case_id)
        assert (case.household_id, case.case_type, case.step_code) == (
            household.pk,
            "monitoring",
            "visit",
        )
        assert case.due_on == today - dt.timedelta(days=2) + dt.timedelta(days=15)
        case_url = f"/cases/{case_id}/"

        # --- the visit, with signed consent ------------------------------------------------------
        form = step_form(cadre)
        form.locator("input[name=visitors]").fill("王书记、驻村工作队李队长")
        form.locator("input[name=consent_signed]").check()
        submit_step(cadre, "入户核实、签字申请和授权承诺")

        # --- the county's department comparison, as the county approver --------------------------
        approver = log_in(world.approver)
        approver.goto(case_url)
        form = step_form(approver)
        form.locator("input[name=departments]").fill("民政、医保、住建、公安")
        form.locator("select[name=result]").select_option("consistent")
        submit_step(approver, "县级部门信息比对")

        # --- 民主评议 with its minutes -----------------------------------------------------------
        cadre.goto(case_url)
        form = step_form(cadre)
        for name, value in (
            ("participants", 15),
            ("votes_for", 12),
            ("votes_against", 1),
            ("votes_abstain", 2),
        ):
            form.locator(f"input[name={name}]").fill(str(value))
        form.locator("textarea[name=attendees]").fill("村民代表12人、村干部2人、驻村工作队1人")
        form.locator("input[name=minutes]").set_input_files(
            files=[
                {
                    "name": "评议会议记录.jpg",
                    "mimeType": "image/jpeg",
                    "buffer": b"\xff\xd8\xff\xe0minutes",
                }
            ]
        )
        submit_step(cadre, "村民主评议")
        deliberation = CaseStep.objects.get(case_id=case_id, code="deliberation")
        assert deliberation.attachments.get().name == "评议会议记录.jpg"
        assert deliberation.record["votes_for"] == 12

        # --- the 公示 ----------------------------------------------------------------------------
        form = cadre.locator("#current form").filter(
            has=cadre.get_by_role("button", name="发布公示")
        )
        assert form.locator("input[name=starts_on]").input_value() == today.isoformat()
        form.locator("input[name=place]").fill("东冶村村委会公示栏")
        form.locator("input[name=contact]").fill("乡镇纪委 0350-1234567")
        form.get_by_role("button", name="发布公示").click()
        cadre.wait_for_load_state()
        assert "已发布《" in cadre.locator(".messages").inner_text(), page_errors(cadre)
        ends_on = today + dt.timedelta(days=4)  # 5 days, today included
        assert f"{ends_on:%Y-%m-%d}" in cadre.locator("#current").inner_text()
        close = cadre.get_by_role("button", name="结束公示")
        assert close.is_disabled()  # not before its days have passed
        publicity_url = cadre.get_by_role("link", name="公开页面").get_attribute("href")
        assert publicity_url and publicity_url.startswith("/notices/")

        public = anonymous()
        public.goto(publicity_url)
        assert "/login/" not in public.url
        assert "纳入监测" in public.locator("body").inner_text()
        assert_public_notice_masked(public, household)

    # --- past the 公示's last day ----------------------------------------------------------------
    close_day = ends_on + dt.timedelta(days=1)
    with nine_oclock(close_day):
        # Sessions expire after 30 idle minutes: everyone logs in again, days later.
        cadre = log_in(world.cadre)
        cadre.goto(case_url)
        cadre.get_by_role("button", name="结束公示").click()
        cadre.wait_for_load_state()
        assert "已办理“村级公示”" in cadre.locator(".messages").inner_text(), page_errors(cadre)
        closed = cadre.locator("#timeline .step h3").filter(has_text="村级公示 · 完成")
        assert f"{close_day:%Y-%m-%d}" in closed.inner_text()  # the server's clock moved too

        public = anonymous()
        public.goto(publicity_url)
        assert household.head_name not in public.locator("body").inner_text()  # expired

        # --- township review, against the policy verdict: a written reason -----------------------
        reviewer = log_in(world.reviewer)
        reviewer.goto(case_url)
        hint = reviewer.locator(".decision-hint").inner_text()
        assert "如仍同意" in hint  # the 2024 income is above the monitoring line
        form = step_form(reviewer)
        form.locator("select[name=opinion]").select_option("agree")
        form.get_by_role("button", name="提交").click()
        reviewer.wait_for_load_state()
        refused = reviewer.locator(".has-error [name=override_reason]")
        assert refused.count() == 1, page_errors(reviewer)
        assert "纪检督查" in reviewer.locator(".has-error .errorlist").first.inner_text()
        form = step_form(reviewer)
        form.locator("select[name=opinion]").select_option("agree")
        form.locator("[name=override_reason]").fill(OVERRIDE)
        submit_step(reviewer, "乡镇审核")

        # --- county approval ---------------------------------------------------------------------
        approver = log_in(world.approver)
        approver.goto(case_url)
        form = step_form(approver)
        form.locator("select[name=opinion]").select_option("agree")
        if "如仍同意" in approver.locator(".decision-hint").inner_text():
            form.locator("[name=override_reason]").fill(OVERRIDE)
        submit_step(approver, "县级审批")
        timeline = approver.locator("#timeline").inner_text()
        assert "县级审批 · 完成" in timeline
        assert OVERRIDE in timeline
        assert f"已于{close_day:%Y-%m-%d}作出决定" in approver.locator(".card").first.inner_text()
        assert approver.locator("h1 .tag", has_text="违背政策判定").count() == 1

        # --- the 公告 and the registry -----------------------------------------------------------
        form = approver.locator("#current form").filter(
            has=approver.get_by_role("button", name="发布公告")
        )
        form.locator("input[name=place]").fill("五台县人民政府网站")
        form.locator("input[name=contact]").fill("县乡村振兴局 0350-7654321")
        form.get_by_role("button", name="发布公告").click()
        approver.wait_for_load_state()
        assert "已发布《" in approver.locator(".messages").inner_text(), page_errors(approver)
        submit_step(approver, "录入监测系统")
        assert "已办结" in approver.locator("h1").inner_text()
        announcement_url = approver.locator(
            "#timeline a", has_text="查看公示公告"
        ).last.get_attribute("href")

        public = anonymous()
        notice_id = int(re.search(r"/cases/notices/(\d+)/", announcement_url).group(1))
        announcement = Notice.objects.get(pk=notice_id)
        assert announcement.kind == "announcement"
        public.goto(f"/notices/{announcement.token}/")
        assert "公告" in public.locator("h1").inner_text()
        assert_public_notice_masked(public, household)

    case.refresh_from_db()
    assert case.status == "completed" and case.decided_on == close_day and case.overridden
    household.refresh_from_db()
    assert household.household_type == "monitored"
    assert household.monitoring_category == "unstable_exited"
    assert household.monitoring_identified_on == close_day
    assert [
        (s.code, s.performed_by.username)
        for s in CaseStep.objects.filter(case=case).select_related("performed_by").order_by("id")
    ] == [
        ("application", "cadre"),
        ("visit", "cadre"),
        ("comparison", "approver"),
        ("deliberation", "cadre"),
        ("publicity", "cadre"),
        ("publicity", "cadre"),
        ("review", "reviewer"),
        ("approval", "approver"),
        ("announcement", "approver"),
        ("update", "approver"),
    ]
