"""The cadres-and-pairings ledger: what it stores is what the actions store; loading and
applying twice changes nothing; a bad row is refused with its column and the action's reason
while the rest is applied; the preview changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from jingzhun.assistance import actions as assistance
from jingzhun.assistance.models import Cadre, Pairing
from jingzhun.audit.models import AuditEntry
from jingzhun.core.actions import PermissionDenied
from jingzhun.ledgers.models import LedgerStatus
from tests.ledgers.conftest import (
    actions_by_row,
    apply,
    csv_bytes,
    load,
    refused,
    xlsx_bytes,
)

HEADERS = ["姓名", "工作单位", "职务", "联系电话", "帮扶范围", "户编号", "户主姓名", "结对日期"]


def domain_state() -> tuple[Any, ...]:
    """What a ledger may change: cadres, pairings and every audit entry but the uploads'."""
    return (
        list(
            Cadre.objects.values_list("name", "unit", "position", "phone", "area_code", "version")
        ),
        list(
            Pairing.objects.values_list(
                "cadre__name", "household__number", "started_on", "ended_on"
            )
        ),
        AuditEntry.objects.exclude(object_type="ledgerupload").count(),
    )


def good_rows(world: Any) -> list[list[Any]]:
    town = world.township.name
    return [
        [
            "王帮扶",
            "县农业农村局",
            "科员",
            "13800001111",
            town,
            "140922100001001",
            "张建国",
            dt.date(2026, 3, 1),
        ],
        [
            "王帮扶",
            "县农业农村局",
            "科员",
            "13800001111",
            town,
            "140922100001002",
            None,
            "2026年3月1日",
        ],
        ["李结对", "县民政局", None, None, town, None, None, None],
    ]


def test_a_good_file_stores_what_the_actions_would_store(world, homes):
    upload, created = load(
        world.approver, "cadres", xlsx_bytes(HEADERS, good_rows(world), title="帮扶责任人台账")
    )
    assert created and upload.status == LedgerStatus.STAGED
    assert upload.counts == {
        "rows": 3,
        "create": 3,
        "change": 0,
        "unchanged": 0,
        "refused": 0,
        "empty_rows": 0,
    }
    assert upload.preview["header_row"] == 3
    apply(world.approver, upload)

    wang = Cadre.objects.get(name="王帮扶")
    assert (wang.unit, wang.position, wang.phone, wang.area_id) == (
        "县农业农村局",
        "科员",
        "13800001111",
        world.township.pk,
    )
    assert Cadre.objects.get(name="李结对").area_id == world.township.pk
    pairings = Pairing.objects.filter(cadre=wang, ended_on__isnull=True).order_by(
        "household__number"
    )
    assert [(p.household.number, p.started_on) for p in pairings] == [
        ("140922100001001", dt.date(2026, 3, 1)),
        ("140922100001002", dt.date(2026, 3, 1)),
    ]
    entries = AuditEntry.objects.filter(action__in=["create_cadre", "pair_household"])
    assert entries.count() == 4
    assert {(e.source, e.source_ref) for e in entries} == {("import", f"ledger:{upload.pk}")}
    upload.refresh_from_db()
    assert upload.status == LedgerStatus.APPLIED and upload.applied_at is not None
    assert upload.result["counts"]["create"] == 3


def test_the_preview_leaves_the_database_unchanged(world, homes):
    before = domain_state()
    upload, _ = load(world.approver, "cadres", xlsx_bytes(HEADERS, good_rows(world)))
    assert upload.counts["create"] == 3
    assert domain_state() == before


def test_loading_the_same_file_again_returns_the_upload_and_changes_nothing(world, homes):
    content = xlsx_bytes(HEADERS, good_rows(world))
    first, _ = load(world.approver, "cadres", content)
    again, created = load(world.approver, "cadres", content, name="另一个名字.xlsx")
    assert (again.pk, created) == (first.pk, False)
    apply(world.approver, first)
    state = domain_state()
    after_apply, created = load(world.approver, "cadres", content)
    assert (after_apply.pk, created, after_apply.status) == (first.pk, False, LedgerStatus.APPLIED)
    assert domain_state() == state


def test_rows_already_stored_are_unchanged_and_applying_them_writes_nothing(world, homes):
    apply(world.approver, load(world.approver, "cadres", xlsx_bytes(HEADERS, good_rows(world)))[0])
    state = domain_state()
    # The same rows in another file (a CSV the county saved from the same sheet).
    upload, created = load(
        world.approver, "cadres", csv_bytes(HEADERS, good_rows(world)), "台账.csv"
    )
    assert created
    assert set(actions_by_row(upload).values()) == {"unchanged"}
    apply(world.approver, upload)
    assert domain_state() == state
    assert upload.result["counts"]["unchanged"] == 3


def test_a_changed_phone_is_a_change_and_a_blank_cell_keeps_what_is_stored(world, homes):
    apply(world.approver, load(world.approver, "cadres", xlsx_bytes(HEADERS, good_rows(world)))[0])
    rows = [["王帮扶", "县农业农村局", None, "13900002222", world.township.name, None, None, None]]
    upload, _ = load(world.approver, "cadres", xlsx_bytes(HEADERS, rows))
    row = upload.preview["rows"][0]
    assert row["action"] == "change"
    assert row["changes"] == {"联系电话": ["13800001111", "13900002222"]}
    apply(world.approver, upload)
    wang = Cadre.objects.get(name="王帮扶")
    assert (wang.phone, wang.position) == ("13900002222", "科员")


def test_a_pairing_outside_the_cadres_area_is_refused_with_the_actions_message(world, homes):
    rows = [*good_rows(world)]
    rows.append(
        [
            "王帮扶",
            "县农业农村局",
            "科员",
            "13800001111",
            world.township.name,
            "140922200001001",
            None,
            "2026-03-01",
        ]
    )
    upload, _ = load(world.approver, "cadres", xlsx_bytes(HEADERS, rows))
    problems = refused(upload)
    assert list(problems) == [5]
    [problem] = problems[5]
    assert problem["column"] == "户编号"
    assert "不在帮扶责任人王帮扶的帮扶范围" in problem["reason"]
    assert problem["fix"].startswith("请选择该范围内的农户")
    # Exactly the message the action gives the same pairing.
    cadre = assistance.do_save_cadre(
        actor=world.actor(world.approver),
        values={"name": "核对", "unit": "县农业农村局", "area": world.township},
    )
    with pytest.raises(ValidationError) as error:
        assistance.do_pair_household(
            actor=world.actor(world.approver),
            cadre=cadre,
            household=homes["far"],
            started_on="2026-03-01",
        )
    [message] = error.value.message_dict["household"]
    assert f"{problem['reason']}：{problem['fix']}" == message.replace("核对", "王帮扶")
    apply(world.approver, upload)
    assert not Pairing.objects.filter(household=homes["far"]).exists()
    assert Pairing.objects.filter(cadre__name="王帮扶").count() == 2
    assert upload.result["counts"] == {
        "create": 3,
        "change": 0,
        "unchanged": 0,
        "refused_at_preview": 1,
        "held_back": 0,
    }


def test_a_future_and_a_malformed_date_are_refused_under_their_column(world, homes):
    town = world.township.name
    rows = [
        ["王帮扶", "县农业农村局", None, None, town, "140922100001001", None, "2027-01-05"],
        ["王帮扶", "县农业农村局", None, None, town, "140922100001002", None, "2026-13-40"],
        ["赵平", "县民政局", None, None, town, None, None, None],
    ]
    upload, _ = load(world.approver, "cadres", xlsx_bytes(HEADERS, rows))
    problems = refused(upload)
    assert problems[2][0]["column"] == "结对日期"
    assert "晚于今天" in problems[2][0]["reason"]
    assert problems[3][0]["column"] == "结对日期"
    assert problems[3][0]["value"] == "2026-13-40"
    assert "不是有效日期" in problems[3][0]["reason"]
    assert actions_by_row(upload)[4] == "create"
    apply(world.approver, upload)
    assert Cadre.objects.filter(name="赵平").exists()
    assert not Pairing.objects.exists()
    # The cadre of the refused rows was not kept either: a refused row stores nothing.
    assert not Cadre.objects.filter(name="王帮扶").exists()


def test_an_unknown_household_or_a_head_that_does_not_match_is_refused(world, homes):
    town = world.township.name
    rows = [
        ["王帮扶", "县农业农村局", None, None, town, "140922999999999", None, "2026-03-01"],
        ["王帮扶", "县农业农村局", None, None, town, "140922100001001", "李四", "2026-03-01"],
    ]
    problems = refused(load(world.approver, "cadres", xlsx_bytes(HEADERS, rows))[0])
    assert problems[2][0]["column"] == "户编号" and "不存在" in problems[2][0]["reason"]
    assert problems[3][0]["column"] == "户主姓名" and "张建国" in problems[3][0]["reason"]


def test_a_row_refused_at_apply_is_held_back_and_the_rest_applied(world, homes):
    upload, _ = load(world.approver, "cadres", xlsx_bytes(HEADERS, good_rows(world)))
    # Meanwhile the township pairs household a with another cadre from a later day.
    other = assistance.do_save_cadre(
        actor=world.actor(world.reviewer),
        values={"name": "周先到", "unit": "乡政府", "area": world.township},
    )
    assistance.do_pair_household(
        actor=world.actor(world.reviewer),
        cadre=other,
        household=homes["a"],
        started_on="2026-06-01",
    )
    apply(world.approver, upload)
    assert upload.result["counts"]["held_back"] == 1
    [held] = upload.result["held_back"]
    assert held["row"] == 2 and held["problems"][0]["column"] == "结对日期"
    assert "不能早于这一天" in held["problems"][0]["reason"]
    assert Pairing.objects.get(household=homes["a"], ended_on__isnull=True).cadre == other
    assert Pairing.objects.get(household=homes["b"], ended_on__isnull=True).cadre.name == "王帮扶"


def test_a_role_that_may_not_keep_cadres_cannot_load_the_ledger(world, homes):
    with pytest.raises(PermissionDenied):
        load(world.cadre, "cadres", xlsx_bytes(HEADERS, good_rows(world)))


def test_a_file_without_the_ledgers_header_fails_with_the_reason(world):
    upload, created = load(world.approver, "cadres", xlsx_bytes(["户编号", "姓名"], [["1", "2"]]))
    assert created and upload.status == LedgerStatus.FAILED
    assert "工作单位" in upload.error
