"""The ledger's pages: the list (filters, scope, query count), a problem's page and its
actions, the report against hand-computed figures (the 98.3% of a city ledger) and its xlsx."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pyarrow as pa
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jingzhun.quality.actions import do_queue_quality_run, do_record_quality_run
from jingzhun.quality.batch import FINDING_SCHEMA
from jingzhun.supervision import actions, queries
from jingzhun.supervision.models import Problem, ProblemStatus
from tests.conftest import login
from tests.supervision.conftest import new_problem, rectified

LIST = reverse("supervision:list")


def _ledger(world) -> dict[str, Problem]:
    """Four problems: an audit one closed, an overdue inspection one, a petition of the other
    township, and a county self-check."""
    audit = rectified(world, new_problem(world))
    actions.do_close_problem(actor=world.actor(world.reviewer), problem=audit, reason="同意")
    overdue = new_problem(
        world, source="巡视巡察", category="作风问题", found_on="2026-03-02", deadline="2026-06-30"
    )
    far = new_problem(world, area=world.far_village, source="群众信访", found_on="2025-11-20")
    county = new_problem(world, area=world.county, source="自查", category="政策落实")
    return {"audit": audit, "overdue": overdue, "far": far, "county": county}


def _numbers(response) -> list[str]:
    return sorted(p.number for p in response.context["rows"])


def test_the_list_filters_by_status_source_and_overdue(client, world) -> None:
    p = _ledger(world)
    login(client, world.approver)
    assert _numbers(client.get(LIST)) == sorted(x.number for x in p.values())
    assert _numbers(client.get(LIST, {"status": "closed"})) == [p["audit"].number]
    assert _numbers(client.get(LIST, {"source": "petition"})) == [p["far"].number]
    assert _numbers(client.get(LIST, {"overdue": "1"})) == [p["overdue"].number]
    assert _numbers(client.get(LIST, {"area": world.other_township.code})) == [p["far"].number]


def test_a_village_cadre_lists_only_the_own_village(client, world) -> None:
    p = _ledger(world)
    login(client, world.cadre)
    assert _numbers(client.get(LIST)) == sorted([p["audit"].number, p["overdue"].number])
    # Another area's code in the filter never widens the scope.
    assert _numbers(client.get(LIST, {"area": world.county.code})) == []


def test_the_list_makes_the_same_queries_for_one_or_many_problems(client, world) -> None:
    new_problem(world)
    login(client, world.approver)
    client.get(LIST)
    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST).status_code == 200
    _ledger(world)
    with CaptureQueriesContext(connection) as many:
        assert client.get(LIST).status_code == 200
    assert len(many) == len(few)
    assert len(few) <= 8


def test_a_problem_of_another_county_answers_404(client, world) -> None:
    problem = new_problem(world)
    login(client, world.outsider)
    assert client.get(reverse("supervision:detail", args=[problem.pk])).status_code == 404
    login(client, world.sibling_cadre)
    assert client.get(reverse("supervision:detail", args=[problem.pk])).status_code == 404


def test_the_problem_page_shows_history_and_offers_the_township_the_closing(client, world) -> None:
    problem = rectified(world, new_problem(world))
    login(client, world.reviewer)
    page = client.get(reverse("supervision:detail", args=[problem.pk]))
    assert page.context["may"]["close"] and not page.context["may"]["submit"]
    text = page.content.decode()
    assert "登记问题" in text and "申请销号" in text and "已发放到户" in text
    response = client.post(
        reverse("supervision:detail", args=[problem.pk]), {"action": "close", "reason": "同意"}
    )
    assert response.status_code == 302
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.CLOSED


def test_the_own_unit_is_not_offered_the_closing_and_its_post_is_refused(client, world) -> None:
    problem = rectified(
        world, new_problem(world, area=world.township, responsible_unit="乡政府"), world.reviewer
    )
    login(client, world.reviewer)
    url = reverse("supervision:detail", args=[problem.pk])
    assert not client.get(url).context["may"]["close"]
    response = client.post(url, {"action": "close", "reason": "同意"})
    assert response.status_code == 403
    assert "不能由本级" in response.content.decode()
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.PENDING_CLOSING


def test_the_entry_form_refuses_a_deadline_before_discovery(client, world) -> None:
    login(client, world.inspector)
    response = client.post(
        reverse("supervision:new"),
        {
            "area": world.village.code,
            "source": "audit",
            "category": "funds",
            "description": "资金滞留",
            "found_on": "2026-10-08",
            "deadline": "2026-10-01",
            "responsible_unit": "村委会",
        },
    )
    assert response.status_code == 400
    assert "早于发现日期" in response.content.decode()
    assert not Problem.objects.exists()


def test_the_report_by_source_matches_the_hand_count_and_links_to_exactly_those(
    client, world
) -> None:
    p = _ledger(world)
    lines, total = queries.report(world.approver, "source", dt.date(2026, 12, 1))
    got = {line.key: (line.found, line.closed, line.open, line.overdue) for line in lines}
    assert got == {
        "inspection": (1, 0, 1, 1),
        "audit": (1, 1, 0, 0),
        "petition": (1, 0, 1, 0),
        "self_check": (1, 0, 1, 0),
    }
    assert (total.found, total.closed, total.overdue, total.rate) == (4, 1, 1, Decimal("25.0"))
    login(client, world.approver)
    page = client.get(reverse("supervision:report"), {"by": "source"})
    links = dict((line.key, link) for line, link in page.context["lines"])
    assert _numbers(client.get(links["inspection"]["overdue"])) == [p["overdue"].number]
    assert _numbers(client.get(links["audit"]["closed"])) == [p["audit"].number]


def test_the_report_by_area_is_one_level_below_the_user(world) -> None:
    _ledger(world)
    lines, _total = queries.report(world.approver, "area", dt.date(2026, 12, 1))
    got = [(line.key, line.found, line.closed) for line in lines]
    assert got == [
        (world.county.code, 1, 0),  # the county's own problem
        (world.township.code, 2, 1),
        (world.other_township.code, 1, 0),
    ]


def test_the_report_by_year_and_month(world) -> None:
    _ledger(world)
    years = queries.report(world.approver, "year", dt.date(2026, 12, 1))[0]
    assert [(line.key, line.found) for line in years] == [("2025", 1), ("2026", 3)]
    months = queries.report(world.approver, "month", dt.date(2026, 12, 1), year="2026")[0]
    assert [(line.key, line.found) for line in months] == [("2026-03", 1), ("2026-10", 2)]


def _city_ledger(world, found: int, closed: int) -> None:
    """A city ledger of ``found`` problems, ``closed`` of them closed. Built in bulk (the
    report reads the ledger, not the way rows came in: entry goes through the actions above)."""
    template = new_problem(world)
    rows = []
    for i in range(found - 1):
        rows.append(
            Problem(
                number=f"B{i:07d}",
                source=template.source,
                category=template.category,
                area=world.village,
                area_code=world.village.code,
                description="批量",
                found_on=dt.date(2026, 1 + i % 10, 1),
                responsible_unit="村委会",
                deadline=dt.date(2026, 12, 31),
                status=ProblemStatus.CLOSED if i < closed else ProblemStatus.RECTIFYING,
            )
        )
    Problem.objects.bulk_create(rows, batch_size=2000)


def test_a_city_ledger_of_7680_with_7553_closed_reports_98_3_percent(client, world) -> None:
    _city_ledger(world, 7680, 7553)
    _lines, total = queries.report(world.city_viewer, "source", dt.date(2026, 12, 1))
    assert (total.found, total.closed, total.open, total.rate) == (7680, 7553, 127, Decimal("98.3"))
    login(client, world.city_viewer)
    page = client.get(reverse("supervision:report"))
    assert "98.3%" in page.content.decode()
    response = client.get(reverse("supervision:report_xlsx"), {"by": "source"})
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    cells = [[c for c in row] for row in book.active.iter_rows(values_only=True)]
    totals = next(row for row in cells if row and row[0] == "合计")
    assert list(totals[:6]) == ["合计", 7680, 7553, 127, 0, 98.3]


def test_a_city_viewer_reads_a_problem_without_any_action_and_may_not_post(client, world) -> None:
    problem = rectified(world, new_problem(world))
    login(client, world.city_viewer)
    url = reverse("supervision:detail", args=[problem.pk])
    page = client.get(url)
    assert page.status_code == 200 and not any(page.context["may"].values())
    assert client.post(url, {"action": "close", "reason": "同意"}).status_code == 403
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.PENDING_CLOSING


def test_an_inspector_reopens_through_the_page(client, world) -> None:
    problem = rectified(world, new_problem(world))
    actions.do_close_problem(actor=world.actor(world.reviewer), problem=problem, reason="同意")
    login(client, world.inspector)
    url = reverse("supervision:detail", args=[problem.pk])
    assert client.get(url).context["may"]["reopen"]
    client.post(url, {"action": "reopen", "reason": "问题反弹"})
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.RECTIFYING
    history = client.get(url).context["history"]
    assert [h.action for h in history][-2:] == ["问题销号", "重新打开问题"]


def test_the_own_area_line_links_to_the_own_areas_problems_only(client, world) -> None:
    p = _ledger(world)
    login(client, world.approver)
    page = client.get(reverse("supervision:report"), {"by": "area"})
    links = dict((line.key, link) for line, link in page.context["lines"])
    assert _numbers(client.get(links[world.county.code]["found"])) == [p["county"].number]


def test_the_list_raises_problems_from_the_latest_quality_run(client, world, household) -> None:
    login(client, world.approver)
    url = reverse("supervision:raise_from_quality")
    client.post(url)
    assert not Problem.objects.exists()  # no completed run yet: nothing, with a message
    run = do_queue_quality_run(
        actor=world.actor(world.approver), area_code=world.county.code, year=2024, backend="duckdb"
    )
    finding = {
        "check_code": "Q-H-001",
        "household_id": household.pk,
        "member_id": None,
        "village_code": household.village_code,
        "details": "",
    }
    do_record_quality_run(
        run,
        actor=world.actor(world.approver),
        findings=pa.Table.from_pylist([finding], schema=FINDING_SCHEMA),
        households_per_village={world.village.code: 1},
        area_prefix=world.county.scope_prefix,
        seconds=0.1,
    )
    assert client.post(url).status_code == 302
    client.post(url)
    assert list(Problem.objects.values_list("area_code", "quality_run")) == [
        (world.village.code, run.pk)
    ]
    problem = Problem.objects.get()
    page = client.get(reverse("supervision:detail", args=[problem.pk])).content.decode()
    assert "Q-H-001" in page and "尚无复查" in page


def test_a_file_of_evidence_is_uploaded_and_read_back_and_a_script_is_refused(
    client, world
) -> None:
    problem = new_problem(world)
    login(client, world.cadre)
    url = reverse("supervision:detail", args=[problem.pk])
    scan = SimpleUploadedFile("发放表.pdf", b"%PDF-1.4 signed", "application/pdf")
    client.post(url, {"action": "evidence", "file": scan})
    piece = problem.evidence.get()
    download = client.get(reverse("supervision:evidence_file", args=[problem.pk, piece.pk]))
    assert b"".join(download.streaming_content) == b"%PDF-1.4 signed"
    script = SimpleUploadedFile("x.html", b"<script>", "text/html")
    client.post(url, {"action": "evidence", "file": script})
    assert problem.evidence.count() == 1
    login(client, world.outsider)
    assert (
        client.get(reverse("supervision:evidence_file", args=[problem.pk, piece.pk])).status_code
        == 404
    )
