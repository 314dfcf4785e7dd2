"""Administrators add dated values; history is kept, the open period closed, all audited; the
parameters page lists every parameter with its history and source."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from jingzhun.accounts.roles import Role
from jingzhun.audit.models import AuditEntry
from jingzhun.core.actions import Actor, PermissionDenied
from jingzhun.policy.actions import do_add_parameter_value
from jingzhun.policy.models import ParameterValue
from jingzhun.policy.parameters import default_parameters, invalidate_cache, value
from tests.conftest import World, login, make_user

SYSTEM = Actor(user=None, source="command")


@pytest.fixture(autouse=True)
def _fresh_parameters() -> Iterator[None]:
    # Each test's additions are rolled back with its transaction; forget them in this process.
    invalidate_cache()
    yield
    invalidate_cache()


def _add(actor: Actor, **overrides: Any) -> ParameterValue:
    fields: dict[str, Any] = {
        "name": "monitoring_threshold",
        "region": "140922",
        "effective_from": dt.date(2025, 1, 1),
        "value": Decimal(7600),
        "unit": "元/人·年",
        "source": "五台县2025年防返贫监测范围通知",
        "confirmed": True,
    }
    return do_add_parameter_value(actor, **(fields | overrides))


@pytest.fixture
def province_admin(world: World) -> Any:
    return make_user("provadmin", Role.ADMIN, world.province)


def test_a_county_override_applies_from_its_date_and_keeps_the_past(world: World) -> None:
    row = _add(world.actor(world.admin))
    assert row.closes == ""  # the county had no value of its own: nothing to close
    p = value("monitoring_threshold", on=2025, area_code="140922100001")
    assert (p.value, p.region, p.confirmed, p.added_by) == (7600, "140922", True, "admin")
    assert p.file == "" and p.added_at is not None
    assert value("monitoring_threshold", on=dt.date(2024, 12, 31), area_code="140922").value == 6000
    assert value("monitoring_threshold", on=2025, area_code="140921").value == 6000


def test_the_addition_is_audited_in_the_same_transaction(world: World) -> None:
    row = _add(world.actor(world.admin))
    entry = AuditEntry.objects.get(action="add_parameter_value")
    assert (entry.actor, entry.object_id, entry.area_code) == (world.admin, str(row.pk), "140922")
    assert entry.changes["value"] == [None, "7600"]
    assert entry.changes["effective_from"] == [None, "2025-01-01"]
    assert entry.changes["source"] == [None, "五台县2025年防返贫监测范围通知"]
    assert not AuditEntry.objects.filter(action="close_parameter_period").exists()


def test_a_new_national_value_closes_the_open_file_period_the_day_before(
    world: World, province_admin: Any
) -> None:
    row = _add(
        world.actor(province_admin),
        name="notice_days_min",
        region="000000",
        effective_from=dt.date(2026, 1, 1),
        value=6,
        unit="天",
        source="测试通知",
        confirmed=False,
    )
    assert row.closes == "notice_days_min@000000@2014-01-01"
    old = value("notice_days_min", on=dt.date(2025, 12, 31), area_code="140922")
    assert (old.value, old.effective_to, old.file) == (5, dt.date(2025, 12, 31), "procedures.yaml")
    assert old.closed_by == "notice_days_min@000000@2026-01-01"
    assert value("notice_days_min", on=dt.date(2026, 1, 1), area_code="140922").value == 6
    # Guizhou's own 7 days are untouched by a national change.
    assert value("notice_days_min", on=2026, area_code="520102").value == 7
    closing = AuditEntry.objects.get(action="close_parameter_period")
    assert closing.object_id == "notice_days_min@000000@2014-01-01"
    assert closing.changes == {"effective_to": [None, "2025-12-31"]}
    assert closing.area_code == "140000"  # filed under the administrator's area
    # Inspectors read where the closed value came from in words, not a file and a line.
    assert closing.object_label == "notice_days_min@000000@2014-01-01（系统内置（随版本发布））"


def test_a_second_addition_ends_the_first_added_row_and_keeps_all_three_periods(
    world: World,
) -> None:
    first = _add(world.actor(world.admin))
    _add(world.actor(world.admin), effective_from=dt.date(2026, 1, 1), value=8000)
    first.refresh_from_db()
    assert first.effective_to == dt.date(2025, 12, 31)
    history = [
        (p.effective_from, p.effective_to, p.value)
        for p in default_parameters().all()
        if (p.name, p.region) == ("monitoring_threshold", "140922")
    ]
    assert history == [
        (dt.date(2025, 1, 1), dt.date(2025, 12, 31), 7600),
        (dt.date(2026, 1, 1), None, 8000),
    ]
    assert value("monitoring_threshold", on=2025, area_code="140922").value == 7600
    assert value("monitoring_threshold", on=2026, area_code="140922").value == 8000


@pytest.mark.parametrize("start", [dt.date(2025, 1, 1), dt.date(2024, 6, 1)])
def test_a_value_starting_on_or_before_an_existing_start_is_refused(
    world: World, start: dt.date
) -> None:
    _add(world.actor(world.admin))
    with pytest.raises(ValidationError) as error:
        _add(world.actor(world.admin), effective_from=start, value=9000)
    assert "历史值不能改写" in str(error.value.message_dict["effective_from"])
    assert ParameterValue.objects.count() == 1
    assert value("monitoring_threshold", on=2025, area_code="140922").value == 7600


def test_rewriting_a_file_year_is_refused(world: World, province_admin: Any) -> None:
    with pytest.raises(ValidationError, match="历史值不能改写"):
        _add(
            world.actor(province_admin),
            name="poverty_line",
            region="000000",
            effective_from=dt.date(2018, 1, 1),
            value=3000,
        )
    assert value("poverty_line", on=2018).value == 2995


@pytest.mark.django_db
def test_a_value_leaving_a_gap_after_a_closed_period_is_refused() -> None:
    # 元谋's 2023 override ends on 31 December 2023: a 2025 value would leave 2024 unexplained.
    with pytest.raises(ValidationError, match="2024-01-01"):
        _add(SYSTEM, region="532328", effective_from=dt.date(2025, 1, 1))


@pytest.mark.django_db
def test_a_value_right_after_a_closed_period_is_accepted() -> None:
    row = _add(SYSTEM, region="532328", effective_from=dt.date(2024, 1, 1), value=8300)
    assert row.closes == ""
    assert value("monitoring_threshold", on=2023, area_code="532328").value == 8050
    assert value("monitoring_threshold", on=2024, area_code="532328").value == 8300


@pytest.mark.parametrize("role_user", ["cadre", "reviewer", "approver", "analyst", "inspector"])
def test_other_roles_may_not_add_values(world: World, role_user: str) -> None:
    with pytest.raises(PermissionDenied):
        _add(world.actor(getattr(world, role_user)))
    assert not ParameterValue.objects.exists()
    assert not AuditEntry.objects.filter(action="add_parameter_value").exists()


def test_a_county_administrator_may_not_set_national_or_other_counties_values(
    world: World,
) -> None:
    with pytest.raises(PermissionDenied, match="省级"):
        _add(world.actor(world.admin), region="000000", effective_from=dt.date(2026, 1, 1))
    with pytest.raises(PermissionDenied, match="管辖范围"):
        _add(world.actor(world.admin), region="140921")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"unit": "元/月"}, "unit"),
        ({"region": "149999"}, "region"),
        ({"name": "no_such_parameter"}, "name"),
        ({"source": "  "}, "source"),
        ({"value": "七千"}, "value"),
        ({"effective_to": dt.date(2024, 12, 31)}, "effective_to"),
    ],
)
def test_bad_values_are_refused_naming_the_field(
    world: World, overrides: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as error:
        _add(SYSTEM, **overrides)
    assert field in error.value.message_dict
    assert not ParameterValue.objects.exists()


def test_a_value_added_by_another_process_is_seen_after_the_recheck_interval(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert value("monitoring_threshold", on=2025, area_code="140922").value == 6000  # cached
    # Another process (a second web worker) adds a value: this process's cache is not cleared.
    monkeypatch.setattr("jingzhun.policy.parameters.invalidate_cache", lambda: None)
    _add(world.actor(world.admin))
    assert value("monitoring_threshold", on=2025, area_code="140922").value == 6000
    monkeypatch.setattr("jingzhun.policy.parameters.RECHECK_SECONDS", 0.0)
    assert value("monitoring_threshold", on=2025, area_code="140922").value == 7600


# --- the page ---------------------------------------------------------------------------------


def test_the_page_needs_a_login(client: Client, db: None) -> None:
    response = client.get("/policy/parameters/")
    assert response.status_code == 302 and "/login" in response["Location"]


def test_every_role_reads_every_parameter_with_its_history_and_source(
    client: Client, world: World, django_assert_max_num_queries: Any
) -> None:
    login(client, world.cadre)
    default_parameters()  # the added-values table is known to exist (no savepoint any more)
    invalidate_cache()  # … and the page loads the set cold
    with django_assert_max_num_queries(8):
        response = client.get("/policy/parameters/")
    page = response.content.decode()
    assert response.status_code == 200
    for text in (
        "农村贫困标准（贫困线）",
        "系统内置（随版本发布）",
        "国家统计局《中国农村贫困监测报告》",
        "全国默认值，请对照本省文件核实",
        "贵州省",
        "3535",
        "2800",
        "第三方评估：群众认可度下限",
        "新疆维吾尔自治区",
        "alert_vehicle_value",
    ):
        assert text in page, text
    assert 'id="add"' not in page  # no form for a village cadre
    assert "/policy/parameters/" in client.get("/").content.decode()  # the navigation link


def test_the_administrator_adds_a_value_through_the_page(client: Client, world: World) -> None:
    login(client, world.admin)
    assert 'id="add"' in client.get("/policy/parameters/").content.decode()
    response = client.post(
        "/policy/parameters/add/",
        {
            "name": "monitoring_threshold",
            "region": "140922",
            "effective_from": "2025-01-01",
            "value": "7600",
            "unit": "元/人·年",
            "source": "五台县2025年通知",
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith(
        "/policy/parameters/?history=monitoring_threshold#monitoring_threshold"
    )
    row = ParameterValue.objects.get()
    assert (row.confirmed, row.added_by, row.value) == (False, world.admin, 7600)
    page = client.get("/policy/parameters/").content.decode()
    assert "由admin于" in page and "五台县2025年通知" in page
    assert value("monitoring_threshold", on=2025, area_code="140922").value == 7600


def test_the_page_says_where_a_value_comes_from_in_words_never_a_file_or_a_line(
    client: Client, world: World, province_admin: Any
) -> None:
    # A national value that ends a file period, so the page also shows what closed it.
    _add(
        world.actor(province_admin),
        name="notice_days_min",
        region="000000",
        effective_from=dt.date(2026, 1, 1),
        value=6,
        unit="天",
        source="某省2026年公示办法",
        confirmed=False,
    )
    login(client, world.admin)
    page = client.get("/policy/parameters/").content.decode()
    assert "系统内置（随版本发布）" in page
    assert "由provadmin于" in page
    assert "因自2026-01-01起的新值截止" in page
    assert ".yaml" not in page
    assert not re.search(r"第\d+行|\.py\b|\.md\b|:\d+</td>", page)
    assert "notice_days_min@" not in page  # no internal version reference either


def test_the_page_shows_the_action_errors_beside_the_fields(client: Client, world: World) -> None:
    login(client, world.admin)
    response = client.post(
        "/policy/parameters/add/",
        {
            "name": "monitoring_threshold",
            "region": "140922",
            "effective_from": "2025-01-01",
            "value": "600",
            "unit": "元/月",
            "source": "x",
        },
    )
    assert response.status_code == 400
    assert "单位应为“元/人·年”" in response.content.decode()
    assert not ParameterValue.objects.exists()


def test_other_roles_cannot_post_a_value(client: Client, world: World) -> None:
    login(client, world.approver)
    response = client.post(
        "/policy/parameters/add/",
        {"name": "poverty_line", "region": "000000", "effective_from": "2030-01-01"},
    )
    assert response.status_code == 403
    assert not ParameterValue.objects.exists()
