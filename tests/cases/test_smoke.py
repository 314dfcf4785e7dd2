import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from jingzhun.cases import actions
from jingzhun.cases.models import Case


def minutes():
    return {"minutes": SimpleUploadedFile("评议记录.jpg", b"\xff\xd8minutes", "image/jpeg")}


@pytest.mark.django_db
def test_monitoring_walk(world, household):
    with time_machine.travel(dt.datetime(2026, 3, 2, 10), tick=False):
        case = actions.do_open_case(
            actor=world.actor(world.cadre),
            household=household,
            case_type="monitoring",
            record={
                "on": "2026-03-02",
                "channel": "cadre_visit",
                "first_signal_on": "2026-03-01",
                "reason": "户主住院",
                "category": "unstable_exited",
                "risk_types": ["illness"],
                "year": 2024,
            },
        )
        assert case.step_code == "visit" and case.due_on == dt.date(2026, 3, 16)
        a = world.actor
        case = actions.do_perform_step(
            case,
            actor=a(world.cadre),
            expected_version=case.version,
            step_code="visit",
            record={"on": "2026-03-02", "visitors": "王书记", "consent_signed": True},
        )
        case = actions.do_perform_step(
            case,
            actor=a(world.approver),
            expected_version=case.version,
            record={"on": "2026-03-02", "departments": "民政、医保", "result": "consistent"},
        )
        case = actions.do_perform_step(
            case,
            actor=a(world.cadre),
            expected_version=case.version,
            record={
                "on": "2026-03-02",
                "participants": 15,
                "votes_for": 12,
                "votes_against": 1,
                "votes_abstain": 2,
                "attendees": "村民代表",
            },
            attachments=minutes(),
        )
        assert case.step_code == "publicity"
        notice = actions.do_publish_notice(
            [(case, case.version)],
            actor=a(world.cadre),
            record={
                "starts_on": "2026-03-02",
                "place": "村委会公示栏",
                "contact": "乡纪委 0350-1234567",
            },
        )
        assert notice.ends_on == dt.date(2026, 3, 6)
        case.refresh_from_db()
    with time_machine.travel(dt.datetime(2026, 3, 7, 10), tick=False):
        case = actions.do_perform_step(
            case, actor=a(world.cadre), expected_version=case.version, record={}
        )
        assert case.step_code == "review"
        case = Case.objects.get(pk=case.pk)
        case = actions.do_perform_step(
            case,
            actor=a(world.reviewer),
            expected_version=case.version,
            record={
                "on": "2026-03-07",
                "opinion": "agree",
                "override_reason": "户主住院自付费用高，收入下降明显",
            },
        )
        case = actions.do_perform_step(
            case,
            actor=a(world.approver),
            expected_version=case.version,
            record={
                "on": "2026-03-07",
                "opinion": "agree",
                "override_reason": "户主住院自付费用高，收入下降明显",
            },
        )
        assert case.decided_on == dt.date(2026, 3, 7)
        case = Case.objects.get(pk=case.pk)
        actions.do_publish_notice(
            [(case, case.version)],
            actor=a(world.approver),
            record={"starts_on": "2026-03-07", "place": "县政府网站", "contact": "县乡村振兴局"},
        )
        case = Case.objects.get(pk=case.pk)
        case = actions.do_perform_step(
            case,
            actor=a(world.approver),
            expected_version=case.version,
            record={"on": "2026-03-07"},
        )
    household.refresh_from_db()
    assert case.status == "completed"
    assert household.household_type == "monitored"
    assert household.monitoring_category == "unstable_exited"
    assert household.monitoring_identified_on == dt.date(2026, 3, 7)
    assert case.steps.count() == 10
    assert case.overridden
