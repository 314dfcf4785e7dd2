"""Disclosure notices of projects and funds (扶贫资金项目公告公示): published through the notice
machinery (public page and PDF with the embedded font, public until they end), at least the
parameter's days, and without any personal data — no head name, ID number or phone of the
households the projects benefit, on the page or in the PDF."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from jingzhun.cases.models import Notice
from jingzhun.core.actions import PermissionDenied
from jingzhun.projects import actions, disclosure
from jingzhun.registry.models import Member
from tests import factories
from tests.projects import helpers as h


def notice_record(**extra):
    return {
        "starts_on": h.today().isoformat(),
        "place": "五台县政府网站和各村公示栏",
        "contact": "五台县乡村振兴局0350-1234567",
        **extra,
    }


@pytest.fixture
def county(world):
    """Two approved projects of the county's year with benefit links to registry households,
    allocations, and one project still under review (not in the plan)."""
    household = factories.make_household(world.actor(), world.village, number="140922100001001")
    a = h.approved(world)
    b = h.approved(
        world, project_type="infrastructure", name="东冶村道路硬化", budget={"integrated": "80000"}
    )
    h.new_project(world, name="西冶村冷库（论证中）", area=world.sibling_village, by=world.approver)
    actions.do_link_benefit(
        a, actor=h.actor(world.cadre), household=household, kind="dividend", amount_per_year="600"
    )
    actions.do_link_benefit(
        b, actor=h.actor(world.cadre), household=household, kind="wages", amount_per_year="3000"
    )
    h.allocate(world, a, "300000")
    h.allocate(world, b, "80000", source="integrated")
    return {"household": household, "projects": (a, b)}


def personal_data(household) -> list[str]:
    members = Member.objects.filter(household=household)
    values = [household.head_name, household.number, household.phone or ""]
    for m in members:
        values += [m.name, m.id_number, m.phone or ""]
    return [v for v in values if v]


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.parametrize("kind", ["plan", "funds", "project"])
def test_a_disclosure_notice_shows_projects_and_money_but_no_personal_data(world, county, kind):
    a, _ = county["projects"]
    notice = disclosure.do_publish_disclosure(
        actor=h.actor(world.approver),
        kind=kind,
        year=h.today().year,
        project=a if kind == "project" else None,
        record=notice_record(),
    )
    client = Client()
    page = client.get(reverse("notices:public", args=[notice.token]))
    assert page.status_code == 200
    text = page.content.decode()
    pdf = client.get(reverse("notices:pdf", args=[notice.token]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    printed = pdf_text(pdf.content)
    assert a.name in text and a.name in printed.replace("\n", "")
    for value in personal_data(county["household"]):
        assert value not in text, value
        assert value not in printed, value
    # The stored copy holds nothing personal either.
    stored = str(notice.rows) + notice.body
    assert not any(v in stored for v in personal_data(county["household"]))
    assert notice.subject in ("projects", "funds") and notice.village == (
        world.county if kind != "project" else world.village
    )


def test_the_plan_lists_the_years_approved_projects_with_counts_of_households(world, county):
    notice = disclosure.do_publish_disclosure(
        actor=h.actor(world.approver), kind="plan", year=h.today().year, record=notice_record()
    )
    names = [row[1] for row in notice.rows]
    assert names == ["东冶村光伏电站扩建（产业发展）", "东冶村道路硬化（基础设施）"]
    assert "带贫益贫1户" in notice.rows[0][7]
    assert "300,000.00" in notice.rows[0][6]
    assert notice.kind == "announcement" and notice.days == 10  # disclosure_days_min
    assert notice.ends_on == h.today() + dt.timedelta(days=9)


def test_the_funds_notice_lists_each_allocation_with_its_document(world, county):
    notice = disclosure.do_publish_disclosure(
        actor=h.actor(world.approver), kind="funds", year=h.today().year, record=notice_record()
    )
    assert [row[1] for row in notice.rows] == ["忻财农〔2025〕8号", "忻财农〔2025〕8号"]
    assert [row[6] for row in notice.rows] == ["300,000.00", "80,000.00"]
    assert "合计380,000.00元" in notice.body


def test_a_period_shorter_than_the_parameter_is_refused_and_a_longer_one_kept(world, county):
    before = Notice.objects.count()
    with pytest.raises(ValidationError) as refused:
        disclosure.do_publish_disclosure(
            actor=h.actor(world.approver),
            kind="plan",
            year=h.today().year,
            record=notice_record(days="7"),
        )
    assert "少于规定的最短天数10天" in refused.value.message_dict["days"][0]
    assert Notice.objects.count() == before
    notice = disclosure.do_publish_disclosure(
        actor=h.actor(world.approver),
        kind="plan",
        year=h.today().year,
        record=notice_record(days="30"),
    )
    assert notice.days == 30


def test_a_notice_with_nothing_to_list_or_by_a_reader_is_refused(world, county):
    with pytest.raises(ValidationError, match="没有可公示"):
        disclosure.do_publish_disclosure(
            actor=h.actor(world.approver), kind="plan", year=2001, record=notice_record()
        )
    with pytest.raises(PermissionDenied):
        disclosure.do_publish_disclosure(
            actor=h.actor(world.inspector), kind="plan", year=h.today().year, record=notice_record()
        )


def test_a_village_cadre_publishes_the_village_projects_and_lists_only_the_village(world, county):
    notice = disclosure.do_publish_disclosure(
        actor=h.actor(world.cadre), kind="plan", year=h.today().year, record=notice_record()
    )
    assert notice.village == world.village and len(notice.rows) == 2
    county_notice = disclosure.do_publish_disclosure(
        actor=h.actor(world.approver), kind="funds", year=h.today().year, record=notice_record()
    )
    listed = {n.pk for n in disclosure.disclosures_for(world.cadre)}
    assert notice.pk in listed and county_notice.pk not in listed
    assert {notice.pk, county_notice.pk} <= {
        n.pk for n in disclosure.disclosures_for(world.approver)
    }
    assert not list(disclosure.disclosures_for(world.outsider))


def test_a_disclosure_ends_like_every_notice(world, county):
    import time_machine

    notice = disclosure.do_publish_disclosure(
        actor=h.actor(world.approver), kind="plan", year=h.today().year, record=notice_record()
    )
    with time_machine.travel(
        dt.datetime.combine(notice.ends_on + dt.timedelta(days=1), dt.time(12))
    ):
        assert Client().get(reverse("notices:public", args=[notice.token])).status_code == 410


def test_staff_see_the_disclosure_with_its_table_and_keep_its_pdf(client, world, county):
    from tests.conftest import login

    notice = disclosure.do_publish_disclosure(
        actor=h.actor(world.approver), kind="plan", year=h.today().year, record=notice_record()
    )
    login(client, world.inspector)
    page = client.get(reverse("notices:detail", args=[notice.pk])).content.decode()
    assert "东冶村道路硬化（基础设施）" in page and "公示异议" not in page
    listed = client.get(reverse("notices:list"), {"subject": "projects"}).content.decode()
    assert notice.title in listed
    assert client.get(reverse("notices:staff_pdf", args=[notice.pk])).status_code == 200
    login(client, world.outsider)
    assert client.get(reverse("notices:detail", args=[notice.pk])).status_code == 404
