"""Notices: the public page and PDF show only the printed columns, expire with the notice, and
the staff pages are scoped to the user's area."""

from __future__ import annotations

import datetime as dt
import io
import re
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from jingzhun.cases import actions
from jingzhun.cases import choices as cc
from jingzhun.cases.models import Case, Notice
from jingzhun.cases.notices import (
    NoticeContent,
    NoticeLine,
    column_widths,
    notice_body,
    notice_pdf,
    table_rows,
)
from jingzhun.registry import actions as registry_actions
from jingzhun.registry.models import Household, Member
from tests import factories
from tests.conftest import login

START = dt.datetime(2026, 3, 2, 10)  # the 公示 runs 2026-03-02 to 2026-03-06 (5 days)
DURING = dt.datetime(2026, 3, 4, 10)
SHANGHAI = ZoneInfo("Asia/Shanghai")
LAST_DAY = dt.datetime(2026, 3, 6, 23, 30, tzinfo=SHANGHAI)  # naive times are UTC to time_machine
AFTER = dt.datetime(2026, 3, 7, 0, 30, tzinfo=SHANGHAI)

SECOND_PHONE = "13811112222"
SECOND_BANK = "6217000011112222333"
HEALTH_WORDS = ["长期慢性病", "患有大病", "残疾", "户主住院", "尿毒症"]


# --- PDF text ------------------------------------------------------------------------------------


def pdf_text(data: bytes) -> str:
    """All text of the PDF (pypdf, through the embedded font's ToUnicode map), in page order,
    joined without separators so a number split across two lines would still be found."""
    reader = PdfReader(io.BytesIO(data))
    text = "".join(page.extract_text() or "" for page in reader.pages)
    return text.replace("\n", "")


def embedded_fonts(data: bytes) -> set[str]:
    """The base names of the fonts whose program is embedded in the PDF."""
    names = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        fonts = page["/Resources"]["/Font"]
        for ref in fonts.values():
            font = ref.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object().get("/FontDescriptor")
                if descriptor is not None and any(
                    key in descriptor.get_object() for key in ("/FontFile", "/FontFile2")
                ):
                    names.add(str(font["/BaseFont"]))
    return names


# --- building the cases through the actions -------------------------------------------------------


def minutes():
    return {"minutes": SimpleUploadedFile("评议记录.jpg", b"\xff\xd8minutes", "image/jpeg")}


def second_household(world) -> Household:
    """A household whose members are ill: none of this may reach a notice."""
    actor = world.actor()
    household = factories.make_household(
        actor,
        world.village,
        number="140922100001002",
        members=False,
        phone=SECOND_PHONE,
        bank_account=SECOND_BANK,
    )
    registry_actions.do_add_member(
        household,
        actor=actor,
        data=factories.member_data(
            "赵大山",
            "head",
            dt.date(1965, 1, 1),
            health="serious",
            id_number=factories.id_male(dt.date(1965, 1, 1)),
        ),
    )
    registry_actions.do_add_member(
        household,
        actor=actor,
        data=factories.member_data(
            "钱桂兰",
            "spouse",
            dt.date(1966, 2, 2),
            health="chronic",
            id_number=factories.id_female(dt.date(1966, 2, 2)),
        ),
    )
    household.refresh_from_db()
    return household


def to_publicity(world, household: Household) -> Case:
    a = world.actor
    case = actions.do_open_case(
        actor=a(world.cadre),
        household=household,
        case_type="monitoring",
        record={
            "on": "2026-03-02",
            "channel": "cadre_visit",
            "first_signal_on": "2026-03-01",
            "reason": "户主住院，尿毒症透析",
            "category": "unstable_exited",
            "risk_types": ["illness"],
            "year": 2024,
        },
    )
    case = actions.do_perform_step(
        case,
        actor=a(world.cadre),
        expected_version=case.version,
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
    return case


@pytest.fixture
def published(world, household):
    """A village 公示 of two monitoring cases, published in one batch on 2026-03-02."""
    with time_machine.travel(START, tick=False):
        other = second_household(world)
        cases = [to_publicity(world, household), to_publicity(world, other)]
        notice = actions.do_publish_notice(
            [(case, case.version) for case in cases],
            actor=world.actor(world.cadre),
            record={
                "starts_on": "2026-03-02",
                "place": "东冶村村委会公示栏",
                "contact": "乡纪委 0350-1234567",
            },
        )
    assert notice.ends_on == dt.date(2026, 3, 6)
    return notice


def personal_details(household: Household) -> list[str]:
    ids = list(
        Member.objects.filter(household__village=household.village).values_list(
            "id_number", flat=True
        )
    )
    phones = list(
        Household.objects.filter(village=household.village).values_list("phone", flat=True)
    )
    banks = list(
        Household.objects.filter(village=household.village).values_list("bank_account", flat=True)
    )
    values = [v for v in ids + phones + banks if v]
    assert len(values) >= 5 + 2 + 2  # five members, two phones, two bank accounts
    return values


def assert_nothing_personal(text: str, household: Household) -> None:
    for value in personal_details(household):
        assert value not in text
        assert value[-8:] not in text  # not even a tail of it
    for word in HEALTH_WORDS:
        assert word not in text


# --- the public page -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_anyone_with_the_link_sees_the_notice_without_logging_in(published, household):
    with time_machine.travel(DURING, tick=False):
        response = Client().get(reverse("notices:public", args=[published.token]))
    assert response.status_code == 200
    html = response.content.decode()
    for expected in [
        published.title,
        "张建国",
        "赵大山",
        "<td>3</td>",  # 张建国's household of three
        "<td>2</td>",  # 赵大山's household of two
        "纳入监测",
        "因病",
        "拟将下列农户纳入监测对象，现予公示。",
        "公示期2026年3月2日至2026年3月6日。",
        "如有异议，请于公示期内向乡纪委 0350-1234567反映。",
        "东冶村村委会公示栏",
        "东冶村村民委员会",
        reverse("notices:pdf", args=[published.token]),
    ]:
        assert expected in html, expected
    # Standalone: no staff navigation, nothing loaded from elsewhere.
    assert reverse("household_list") not in html
    assert "http://" not in html and "https://" not in html


@pytest.mark.django_db
def test_the_public_page_shows_no_id_phone_bank_or_health_detail(published, household):
    with time_machine.travel(DURING, tick=False):
        html = Client().get(reverse("notices:public", args=[published.token])).content.decode()
    assert "赵大山" in html  # the page did render the households
    assert_nothing_personal(html, household)
    assert "钱桂兰" not in html  # members other than the head are not named


@pytest.mark.django_db
def test_the_pdf_has_the_notice_and_no_id_phone_bank_or_health_detail(published, household):
    with time_machine.travel(DURING, tick=False):
        response = Client().get(reverse("notices:pdf", args=[published.token]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    data = response.content
    assert data.startswith(b"%PDF")
    # The font travels with the notice (a subset: a tag before its name), nothing else is
    # left to the reader's machine.
    fonts = embedded_fonts(data)
    assert fonts and all(re.fullmatch(r"/[A-Z]{6}\+WenQuanYiMicroHei-\d+", f) for f in fonts), fonts
    text = pdf_text(data)
    for expected in [
        published.title,
        "序号",
        "户主姓名",
        "张建国",
        "赵大山",
        "纳入监测",
        "因病",
        "公示期2026年3月2日至2026年3月6日",
        "乡纪委 0350-1234567",
        "东冶村村委会公示栏",
        "东冶村村民委员会",
        "2026年3月2日",
    ]:
        assert expected in text, expected
    assert_nothing_personal(text, household)
    assert "钱桂兰" not in text


@pytest.mark.django_db
def test_the_notice_is_public_through_its_last_day(published):
    with time_machine.travel(LAST_DAY, tick=False):
        response = Client().get(reverse("notices:public", args=[published.token]))
    assert response.status_code == 200
    assert "赵大山" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["notices:public", "notices:pdf"])
def test_after_the_notice_ends_its_link_answers_gone_without_names(published, name):
    with time_machine.travel(AFTER, tick=False):
        response = Client().get(reverse(name, args=[published.token]))
    assert response.status_code == 410
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "该公示已于2026年3月6日结束，不再公开。" in html
    assert "张建国" not in html and "赵大山" not in html
    assert published.title not in html


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["notices:public", "notices:pdf"])
def test_an_unknown_link_is_not_found(published, name):
    with time_machine.travel(DURING, tick=False):
        # Another last character (a token may itself end in "x").
        wrong = published.token[:-1] + ("x" if published.token[-1] != "x" else "y")
        response = Client().get(reverse(name, args=[wrong]))
    assert response.status_code == 404
    assert "赵大山" not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("when", [DURING, AFTER])
@pytest.mark.parametrize("name", ["notices:public", "notices:pdf"])
def test_public_answers_keep_out_of_search_engines_and_caches(published, name, when):
    with time_machine.travel(when, tick=False):
        response = Client().get(reverse(name, args=[published.token]))
    assert "noindex" in response["X-Robots-Tag"]
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_the_public_page_cannot_be_posted_to(published):
    with time_machine.travel(DURING, tick=False):
        response = Client().post(reverse("notices:public", args=[published.token]))
    assert response.status_code == 405


# --- objections ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_household_objected_to_is_marked_withdrawn_on_the_page_and_the_pdf(
    world, published, household
):
    case = Case.objects.get(household=household, status="open")
    with time_machine.travel(DURING, tick=False):
        actions.do_record_objection(
            case,
            actor=world.actor(world.cadre),
            expected_version=case.version,
            record={
                "raised_on": "2026-03-03",
                "raised_by": "村民李四",
                "content": "该户家中有车，身份证140922197003041234",
            },
        )
        html = Client().get(reverse("notices:public", args=[published.token])).content.decode()
        pdf = pdf_text(Client().get(reverse("notices:pdf", args=[published.token])).content)
        staff = login(Client(), world.reviewer).get(reverse("notices:detail", args=[published.pk]))
    row = re.search(r"<tr class=\"withdrawn\">.*?</tr>", html, re.S)
    assert row is not None and "张建国" in row.group(0) and "已撤回复核" in row.group(0)
    assert html.count("（已撤回复核）") == 1  # 赵大山 stays on the notice
    assert "纳入监测（已撤回复核）" in pdf
    assert "村民李四" not in html and "该户家中有车" not in html  # objections are not public
    staff_html = staff.content.decode()
    assert "该户家中有车" in staff_html and "村民李四" in staff_html
    assert "140922197003041234" not in staff_html  # a number quoted in an objection is masked
    assert "1409**********1234" in staff_html


# --- staff pages ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["cadre", "reviewer", "approver", "inspector", "city_viewer"])
def test_staff_in_the_area_see_the_notice_in_their_list(world, published, persona):
    with time_machine.travel(DURING, tick=False):
        response = login(Client(), getattr(world, persona)).get(reverse("notices:list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert published.title in html
    assert reverse("notices:detail", args=[published.pk]) in html
    assert reverse("notices:public", args=[published.token]) in html
    assert "公示中" in html


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["outsider", "sibling_cadre", "other_reviewer"])
def test_staff_outside_the_village_do_not_see_the_notice(world, published, persona):
    client = login(Client(), getattr(world, persona))
    with time_machine.travel(DURING, tick=False):
        listing = client.get(reverse("notices:list"))
        detail = client.get(reverse("notices:detail", args=[published.pk]))
        pdf = client.get(reverse("notices:staff_pdf", args=[published.pk]))
    assert listing.status_code == 200
    assert published.title not in listing.content.decode()
    assert published.token not in listing.content.decode()
    assert detail.status_code == 404
    assert "赵大山" not in detail.content.decode()
    assert pdf.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["notices:list", "notices:detail", "notices:staff_pdf"])
def test_staff_pages_need_a_login(published, name):
    args = [] if name == "notices:list" else [published.pk]
    response = Client().get(reverse(name, args=args))
    assert response.status_code == 302
    assert "/login" in response["Location"]


@pytest.mark.django_db
def test_the_staff_page_links_each_household_to_its_case(world, published):
    cases = list(Case.objects.filter(notice=published).order_by("id"))
    assert len(cases) == 2
    with time_machine.travel(DURING, tick=False):
        response = login(Client(), world.cadre).get(reverse("notices:detail", args=[published.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    for case in cases:
        assert f'href="/cases/{case.pk}/"' in html
        assert case.number in html
    assert "未登记异议" in html
    assert f"http://testserver/notices/{published.token}/" in html


@pytest.mark.django_db
def test_the_list_marks_ended_notices_and_staff_still_get_their_pdf(world, published):
    client = login(Client(), world.cadre)
    with time_machine.travel(AFTER, tick=False):
        listing = client.get(reverse("notices:list")).content.decode()
        current = client.get(reverse("notices:list"), {"state": "current"}).content.decode()
        pdf = client.get(reverse("notices:staff_pdf", args=[published.pk]))
    assert "已结束" in listing and published.title in listing
    assert reverse("notices:public", args=[published.token]) not in listing
    assert published.title not in current
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert "赵大山" in pdf_text(pdf.content)


def announce(world, household: Household) -> Notice:
    """Close the 公示 of ``household``'s case, review, approve, and publish its 公告."""
    case = Case.objects.get(household=household, status="open")
    case = actions.do_perform_step(
        case, actor=world.actor(world.cadre), expected_version=case.version, record={}
    )
    for persona in ("reviewer", "approver"):
        case = actions.do_perform_step(
            case,
            actor=world.actor(getattr(world, persona)),
            expected_version=case.version,
            record={
                "on": "2026-03-07",
                "opinion": "agree",
                "override_reason": "户主住院自付费用高，收入下降明显",
            },
        )
    return actions.do_publish_notice(
        [(case, case.version)],
        actor=world.actor(world.approver),
        record={"starts_on": "2026-03-07", "place": "县政府网站", "contact": "县乡村振兴局"},
    )


@pytest.mark.django_db
def test_the_list_is_newest_first_in_pages(world, published, settings, household):
    settings.JINGZHUN_PAGE_SIZE = 1
    with time_machine.travel(dt.datetime(2026, 3, 7, 10), tick=False):
        announcement = announce(world, household)
        client = login(Client(), world.approver)
        first = client.get(reverse("notices:list")).content.decode()
        second = client.get(reverse("notices:list"), {"before": announcement.pk}).content.decode()
    assert announcement.title in first and published.title not in first
    assert f"before={announcement.pk}" in first and "下一页" in first
    assert published.title in second and announcement.title not in second
    assert "下一页" not in second
    assert "公告中" in first


@pytest.mark.django_db
def test_the_list_costs_the_same_queries_for_more_notices(world, published, household):
    client = login(Client(), world.approver)

    def queries() -> int:
        client.get(reverse("notices:list"))  # warm up
        with CaptureQueriesContext(connection) as context:
            response = client.get(reverse("notices:list"))
        assert response.status_code == 200
        return len(context)

    with time_machine.travel(dt.datetime(2026, 3, 7, 10), tick=False):
        one = queries()
        announce(world, household)
        two = queries()
    assert Notice.objects.count() == 2
    # session, user, area, the notices with their villages and counts, the session's save (3)
    assert one == two <= 7


# --- the document itself (no database) ------------------------------------------------------------


def test_an_announcement_of_monitoring_cases_says_they_are_enrolled():
    text = notice_body(
        cc.NoticeKind.ANNOUNCEMENT,
        ["monitoring"],
        starts_on=dt.date(2026, 3, 7),
        ends_on=dt.date(2026, 3, 11),
        contact="县乡村振兴局",
    )
    assert text == (
        "经民主评议、公示、审核和审批，下列农户纳入监测对象，现予公告。"
        "公告期2026年3月7日至2026年3月11日。如有异议，请于公告期内向县乡村振兴局反映。"
    )


def test_a_notice_of_several_case_types_names_them_all():
    text = notice_body(
        cc.NoticeKind.PUBLICITY,
        ["elimination", "monitoring", "monitoring"],
        starts_on=dt.date(2026, 3, 2),
        ends_on=dt.date(2026, 3, 6),
        contact="村委会",
    )
    assert "拟对下列农户办理所列事项（风险消除、纳入监测）" in text
    assert text.endswith("如有异议，请于公示期内向村委会反映。")


def test_a_long_list_runs_over_several_pages_with_the_header_on_each():
    content = NoticeContent(
        title="东冶村2026年纳入监测公示",
        kind=cc.NoticeKind.PUBLICITY,
        kind_label="公示",
        issuer="东冶村村民委员会",
        village="东冶村",
        township="",
        county="",
        starts_on=dt.date(2026, 3, 2),
        ends_on=dt.date(2026, 3, 6),
        days=5,
        place="村委会公示栏",
        contact="乡纪委",
        body="经农户申请、民主评议、村级核实，拟将下列农户纳入监测对象，现予公示。",
        period="2026年3月2日至2026年3月6日（共5天）",
        issued_on=dt.date(2026, 3, 2),
        entries=tuple(
            NoticeLine(
                line=i,
                group_name="第一村民小组",
                head_name=f"户主{i:03d}",
                size=3,
                case_type="monitoring",
                case_type_label="纳入监测",
                reason="因病、因学",
                withdrawn=i == 70,
                case_id=i,
            )
            for i in range(1, 121)
        ),
    )
    data = notice_pdf(Notice(), content=content)
    pages = len(re.findall(rb"/Type /Page\b", data))
    assert pages >= 3
    text = pdf_text(data)
    assert text.count("户主姓名") == pages  # the header row repeats on every page
    assert "户主001" in text and "户主120" in text
    assert text.count("已撤回复核") == 2  # the marked row and the note under the table
    assert "第3页" in text


def test_a_notice_is_stored_in_chinese_whatever_the_publishers_language(world, household):
    """A notice is a statutory document: published from an English session it still reads in
    Chinese, and stays so (its rows are a stored copy)."""
    from django.utils import translation

    with time_machine.travel(START, tick=False), translation.override("en"):
        case = to_publicity(world, household)
        notice = actions.do_publish_notice(
            [(case, case.version)],
            actor=world.actor(world.cadre),
            record={"starts_on": "2026-03-02", "place": "公示栏", "contact": "乡纪委"},
        )
    assert notice.title.endswith("纳入监测公示")
    assert list(notice.entries.values_list("reason", flat=True)) == ["因病"]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_header_of_the_notice_table_fits_its_column_on_one_line(language):
    from django.utils import translation
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics

    from jingzhun.cases.notices import CELL_PADDING, FONT

    empty = SimpleNamespace(entries=[])  # the header alone
    with translation.override(language):
        header = table_rows(empty)[0]
    widths = column_widths(header, 10, A4[0] - 36 * mm)
    assert sum(widths) <= A4[0] - 36 * mm + 1
    for text, width in zip(header, widths, strict=True):
        needed = max(pdfmetrics.stringWidth(w, FONT, 10) for w in text.split()) + 2 * CELL_PADDING
        assert needed <= width, (text, needed, width)
