"""The audit trail page and its xlsx export: rendering, filters, keyset paging, the export's
content, limit and log, masking, scope, and a query count that does not grow with the page."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import openpyxl
import pytest
from django.db import transaction
from django.urls import reverse

from jingzhun.audit import recorder, views
from jingzhun.audit.models import AuditEntry
from jingzhun.core.actions import Actor
from jingzhun.core.masking import mask_id_number
from jingzhun.exports.models import ExportLog
from jingzhun.registry import actions
from tests import factories
from tests.cases import helpers
from tests.conftest import login

DAY = dt.date(2025, 3, 3)


def page(client, user, **params: Any):
    login(client, user)
    return client.get(reverse("audit_list"), params)


def rows_of(response) -> int:
    return response.content.decode().count("<tr data-entry=")


def add_entries(user, household, count: int, *, source: str = "form", day: dt.date = DAY) -> None:
    """``count`` entries on ``household`` through the recorder, at fixed times on ``day``."""
    actor = Actor(user=user, source=source, ip="127.0.0.1")
    start = dt.datetime.combine(day, dt.time(9), helpers.SHANGHAI)
    with transaction.atomic():
        recorder.record_many(
            recorder.entry(
                actor=actor,
                action="update_household",
                obj=household,
                area_code=household.village_code,
                household=household,
                changes={"household_type": ["exited", "monitored"]},
                at=start + dt.timedelta(minutes=i),
            )
            for i in range(count)
        )


def test_the_page_shows_actions_fields_and_values_in_words(client, world, household):
    actions.do_delete_household(household, actor=world.actor(), reason="重复登记")
    text = page(client, world.inspector, household=household.pk).content.decode()
    assert "删除农户" in text and "新建农户" in text and "重复登记" in text
    assert "户类型" in text and "脱贫户" in text
    assert "is_deleted" not in text and "household_type：" not in text
    assert "<td>delete_household</td>" not in text


def test_the_household_page_history_uses_the_same_rendering(client, world, household):
    actions.do_update_household(
        household,
        actor=world.actor(),
        changes={},
        expected_version=household.version,
        risks=[("illness", "")],
    )
    login(client, world.cadre)
    text = client.get(reverse("household_detail", args=[household.pk])).content.decode()
    assert "修改农户信息" in text and "新增 因病" in text
    assert "[&#x27;illness&#x27;" not in text and "risks：" not in text


def test_the_actor_filter_keeps_one_persons_entries(client, world, household):
    add_entries(world.approver, household, 2)
    response = page(client, world.inspector, actor="approver")
    assert rows_of(response) == 2
    assert rows_of(page(client, world.inspector, actor="cadre")) == 5


def test_the_action_filter_keeps_one_action(client, world, household):
    response = page(client, world.inspector, action="add_member")
    assert rows_of(response) == 3
    assert response.content.decode().count("<td>添加家庭成员</td>") == 3


def test_the_area_filter_keeps_an_area_within_the_readers_scope(client, world, household):
    factories.make_household(
        world.actor(world.sibling_cadre), world.sibling_village, "140922100002001", members=False
    )
    created = {"action": "create_household"}
    assert rows_of(page(client, world.inspector, area=world.sibling_village.code, **created)) == 1
    assert rows_of(page(client, world.inspector, area=world.township.code, **created)) == 2
    assert rows_of(page(client, world.inspector, area=world.village.code, **created)) == 1


def test_the_household_filter_takes_the_id_or_the_household_number(client, world, household):
    other = factories.make_household(world.actor(), world.village, "140922100001099", members=False)
    assert rows_of(page(client, world.inspector, household=household.pk)) == 5
    assert rows_of(page(client, world.inspector, household=other.number)) == 1


def test_the_case_filter_keeps_the_cases_entries(client, world):
    people = helpers.people_of(world)
    case = helpers.open_case(people, helpers.new_household(world), "monitoring")
    response = page(client, world.inspector, case=case.number)
    assert rows_of(response) == 1
    assert "发起案件" in response.content.decode()


def test_the_source_filter_keeps_one_source(client, world, household):
    add_entries(world.cadre, household, 3, source="api")
    assert rows_of(page(client, world.inspector, source="api")) == 3
    assert rows_of(page(client, world.inspector, source="form")) == 5


def test_the_date_filters_include_both_whole_days(client, world, household):
    add_entries(world.cadre, household, 2, day=dt.date(2024, 1, 10))
    add_entries(world.cadre, household, 3, day=dt.date(2024, 1, 11))
    add_entries(world.cadre, household, 4, day=dt.date(2024, 1, 12))
    assert rows_of(page(client, world.inspector, date_from="2024-01-11", date_to="2024-01-11")) == 3
    assert rows_of(page(client, world.inspector, date_from="2024-01-10", date_to="2024-01-11")) == 5
    assert rows_of(page(client, world.inspector, date_from="2024-01-12", date_to="2024-01-31")) == 4


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"action": "frobnicate"}, "没有这种操作"),
        ({"source": "telepathy"}, "没有这种来源"),
        ({"actor": "nobody-here"}, "没有用户名为“nobody-here”的用户"),
        ({"area": "140921"}, "区划代码140921不存在或不在您的辖区内"),
        ({"household": "abc"}, "户编号abc不存在或不在您的辖区内"),
        ({"case": "NOPE-1"}, "案件编号NOPE-1不存在或不在您的辖区内"),
        ({"date_from": "2024-13-40"}, "日期格式不正确"),
        ({"date_from": "2024-02-01", "date_to": "2024-01-01"}, "结束日期不能早于起始日期"),
    ],
)
def test_an_invalid_filter_answers_with_a_message_not_an_error(
    client, world, household, params, message
):
    response = page(client, world.inspector, **params)
    assert response.status_code == 400
    text = response.content.decode()
    assert message in text and "没有记录" in text


def test_paging_goes_back_and_forth_and_keeps_the_filters(client, world, household, monkeypatch):
    monkeypatch.setattr(views, "PAGE", 2)
    for _ in range(5):  # interleaved with another person's entries, which are filtered out
        add_entries(world.approver, household, 1)
        add_entries(world.cadre, household, 1)
    wanted = list(
        AuditEntry.objects.filter(actor=world.approver).order_by("-id").values_list("id", flat=True)
    )
    login(client, world.inspector)
    seen: list[int] = []
    url = reverse("audit_list") + "?actor=approver&action=update_household"
    pages = []
    while url:
        text = client.get(url).content.decode()
        pages.append(url)
        seen += [int(i) for i in re.findall(r'data-entry="(\d+)"', text)]
        older = re.search(r'href="(\?[^"]*before=\d+[^"]*)"[^>]*>更早', text)
        url = (reverse("audit_list") + older.group(1).replace("&amp;", "&")) if older else ""
        if url:
            assert "actor=approver" in url and "action=update_household" in url
    assert seen == wanted and len(pages) == 3
    newer = re.search(r'href="(\?[^"]*after=\d+[^"]*)"[^>]*>« 较新', text)
    assert newer and "actor=approver" in newer.group(1)
    back = client.get(reverse("audit_list") + newer.group(1).replace("&amp;", "&")).content.decode()
    assert [int(i) for i in re.findall(r'data-entry="(\d+)"', back)] == wanted[2:4]


def test_the_export_holds_the_filtered_entries_rendered_and_is_logged(client, world, household):
    login(client, world.inspector)
    response = client.get(
        reverse("audit_export"), {"household": household.pk, "action": "create_household"}
    )
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response)))
    rows = list(book.active.iter_rows(values_only=True))
    assert "户编号" in rows[0][0]
    assert list(rows[1]) == [
        "时间",
        "操作人",
        "来源地址",
        "来源",
        "操作",
        "对象",
        "区划代码",
        "变更",
        "原因",
    ]
    assert len(rows) == 3
    row = rows[2]
    assert row[1] == "cadre" and row[3] == "页面表单" and row[4] == "新建农户"
    assert "户类型：脱贫户" in row[7] and "主要致贫原因：因病" in row[7]
    assert "13912345678" not in row[7] and "139****5678" in row[7]  # the inspector's masking
    log = ExportLog.objects.get(what="audit")
    assert log.user == world.inspector and log.row_count == 1 and log.masked
    entry = AuditEntry.objects.filter(action="export_data").latest("id")
    assert entry.actor == world.inspector and entry.area_code == world.county.code


def test_an_export_over_the_limit_is_refused_with_a_message(client, world, household, monkeypatch):
    monkeypatch.setattr(views, "EXPORT_LIMIT", 3)
    login(client, world.inspector)
    response = client.get(reverse("audit_export"), {"household": household.pk}, follow=True)
    text = response.content.decode()
    assert "符合条件的记录超过3条" in text
    assert not ExportLog.objects.filter(what="audit").exists()


def test_an_export_with_an_invalid_filter_goes_back_to_the_page_with_its_message(client, world):
    login(client, world.inspector)
    response = client.get(reverse("audit_export"), {"source": "nope"}, follow=True)
    assert "没有这种来源" in response.content.decode()
    assert not ExportLog.objects.filter(what="audit").exists()


def test_personal_numbers_are_masked_for_the_inspector_and_shown_to_the_approver(
    client, world, household
):
    head_id = household.members.get(relation="head").id_number
    inspector = page(client, world.inspector, household=household.pk).content.decode()
    assert head_id not in inspector and mask_id_number(head_id) in inspector
    assert "13912345678" not in inspector
    approver = page(client, world.approver, household=household.pk).content.decode()
    assert head_id in approver and "13912345678" in approver


def test_entries_outside_the_readers_area_are_never_shown(client, world, household):
    outside = factories.make_household(
        world.actor(world.outsider), world.other_county_village, "140921100001001", members=False
    )
    add_entries(world.outsider, outside, 2)
    text = page(client, world.inspector).content.decode()
    assert "140921100001001" not in text
    assert page(client, world.inspector, household=outside.pk).status_code == 400
    assert page(client, world.inspector, area=world.other_county_village.code).status_code == 400
    assert rows_of(page(client, world.inspector, actor="outsider")) == 0
    login(client, world.inspector)
    export = client.get(reverse("audit_export"), {"actor": "outsider"})
    rows = list(
        openpyxl.load_workbook(io.BytesIO(b"".join(export))).active.iter_rows(values_only=True)
    )
    assert len(rows) == 2  # the title and the headers


def test_a_role_that_does_not_read_the_audit_trail_is_refused_the_page_and_the_export(
    client, world
):
    login(client, world.analyst)
    assert client.get(reverse("audit_list")).status_code == 403
    assert client.get(reverse("audit_export")).status_code == 403


# The session, the user, the user's area (the scope), the household filter's household, the
# page of entries; the actor filter adds its user. Rendering adds none.
@pytest.mark.parametrize(
    ("filters", "queries"),
    [
        ({}, 5),
        (
            {
                "actor": "approver",
                "source": "form",
                "date_from": "2025-03-01",
                "date_to": "2025-03-31",
            },
            6,
        ),
    ],
)
def test_the_page_costs_the_same_queries_for_10_and_50_entries(
    client, world, household, django_assert_num_queries, filters, queries
):
    login(client, world.inspector)
    params = {"household": household.pk, **filters}
    add_entries(world.approver, household, 10)
    client.get(reverse("audit_list"), params)  # the session's first read out of the count
    with django_assert_num_queries(queries):
        assert rows_of(client.get(reverse("audit_list"), params)) >= 10
    add_entries(world.approver, household, 40)
    with django_assert_num_queries(queries):
        assert rows_of(client.get(reverse("audit_list"), params)) >= 50
