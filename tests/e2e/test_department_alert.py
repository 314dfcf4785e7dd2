"""From a department alert in the village cadre's inbox to the opened monitoring case, in a real
browser: the cadre reads why the record was linked to the member, confirms it, fills in the
case's application and lands on the case, which records the department channel."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from jingzhun.cases.choices import Channel
from jingzhun.crosscheck.models import Alert, AlertStatus
from tests.crosscheck.conftest import load, write_csv

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_cadre_turns_a_hospital_alert_into_a_monitoring_case(
    shanxi, media, world, household, log_in, tmp_path
):
    today = timezone.localdate()
    head = household.members.get(relation="head")
    with time_machine.travel(dt.datetime.combine(today, dt.time(9), SHANGHAI), tick=True):
        path = write_csv(
            tmp_path / "stays.csv",
            ["患者姓名", "身份证号", "出生日期", "住址", "出院日期", "合规自付费用"],
            # No ID number, the name in traditional characters: linked by name, birth and village.
            [["張建國", "", "1970年3月4日", "五台县东冶村", today.isoformat(), "18600"]],
        )
        load(world, "medical_stays", path, as_of=today)
        alert = Alert.objects.get()
        assert alert.member_id == head.pk

        cadre = log_in(world.cadre)
        cadre.goto("/alerts/")
        cadre.get_by_role("link", name="住院合规自付费用达到预警线").click()
        cadre.wait_for_url(re.compile(rf"/alerts/{alert.pk}/$"))
        reasons = cadre.locator("body").inner_text()
        assert "概率匹配" in reasons and "18,600.00" in reasons and "張建國" in reasons
        cadre.get_by_role("link", name="属实：纳入监测").click()
        cadre.wait_for_url(re.compile(r"target=monitoring"))
        form = cadre.locator("form#verify")
        form.locator("select[name=category]").select_option("unstable_exited")
        form.locator("textarea[name=reason]").fill("入户核实：户主住院，自付较多")
        form.get_by_role("button", name="确认").click()
        cadre.wait_for_load_state()
        errors = " | ".join(cadre.locator(".errorlist, .messages .error").all_inner_texts())
        assert re.search(r"/cases/\d+/(#verify)?$", cadre.url), errors

    alert.refresh_from_db()
    assert alert.status == AlertStatus.CONFIRMED
    assert f"/cases/{alert.case_id}/" in cadre.url
    assert alert.case.channel == Channel.DEPARTMENT_ALERT
    assert alert.case.household_id == household.pk
    assert alert.case.number in cadre.locator("body").inner_text()
