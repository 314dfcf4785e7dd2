"""The parameters page: the values in force for the user's area first (county over province over
national), each with its official source and plain words for a default to check; the history of
every parameter on demand; never a file name, a line number or an internal note."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.test import Client

from jingzhun.core.actions import Actor
from jingzhun.policy.actions import do_add_parameter_value
from jingzhun.policy.parameters import invalidate_cache
from tests.conftest import World, login

SYSTEM = Actor(user=None, source="command")
TODAY = dt.datetime(2025, 6, 1, 10, 0)


@pytest.fixture(autouse=True)
def _fresh_parameters() -> Iterator[None]:
    invalidate_cache()
    yield
    invalidate_cache()


@pytest.fixture
def overrides(world: World) -> None:
    """A county value for 五台县 (140922) and a province value for 山西省 (140000), both from
    2025-01-01; 定襄县 (140921) has neither county value."""
    common: dict[str, Any] = {"effective_from": dt.date(2025, 1, 1), "confirmed": True}
    do_add_parameter_value(
        SYSTEM,
        name="monitoring_threshold",
        region="140922",
        value=Decimal(7600),
        unit="元/人·年",
        source="五台县2025年防返贫监测范围通知",
        **common,
    )
    do_add_parameter_value(
        SYSTEM,
        name="notice_days_min",
        region="140000",
        value=Decimal(7),
        unit="天",
        source="山西省2025年公示办法",
        **common,
    )


def _row(page: str, name: str) -> str:
    found = re.search(rf'<tr id="in-force-{name}">(.*?)</tr>', page, re.S)
    assert found is not None, name
    return found.group(1)


def _page(client: Client, url: str = "/policy/parameters/") -> str:
    with time_machine.travel(TODAY, tick=False):
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_county_user_sees_the_county_and_province_values_in_force_before_the_national_ones(
    client: Client, world: World, overrides: None
) -> None:
    login(client, world.cadre)
    page = _page(client)
    assert page.index('id="in-force"') < page.index('id="poverty_line"')  # history comes after
    county = _row(page, "monitoring_threshold")
    assert "7600" in county and "五台县" in county and "2025-01-01" in county
    assert "五台县2025年防返贫监测范围通知" in county and "6000" not in county
    province = _row(page, "notice_days_min")
    assert "7 天" in province and "山西省" in province and "山西省2025年公示办法" in province
    national = _row(page, "poverty_line")
    assert "4000" in national and "全国" in national


def test_another_countys_user_keeps_the_national_value_and_the_shared_province_value(
    client: Client, world: World, overrides: None
) -> None:
    login(client, world.outsider)  # a village cadre of 定襄县
    page = _page(client)
    threshold = _row(page, "monitoring_threshold")
    assert "6000" in threshold and "全国" in threshold and "7600" not in threshold
    assert "7 天" in _row(page, "notice_days_min")


def test_a_national_default_to_check_says_so_in_plain_words(client: Client, world: World) -> None:
    login(client, world.cadre)
    page = _page(client)
    assert "全国默认值，请对照本省文件核实" in _row(page, "poverty_line")
    assert "未确认" not in page
    # A confirmed value carries no such warning.
    assert "请对照本省文件核实" not in _row(page, "compulsory_school_age_min")


def test_the_history_of_every_parameter_is_there_on_demand(
    client: Client, world: World, overrides: None
) -> None:
    login(client, world.cadre)
    page = _page(client)
    history = re.search(r'<details id="poverty_line" class="card">(.*?)</details>', page, re.S)
    assert history is not None  # folded by default
    assert "2536" in history.group(1) and "3535" in history.group(1)  # 2011 national, 贵州 2018
    assert "贵州省" in history.group(1)
    opened = _page(client, "/policy/parameters/?history=monitoring_threshold")
    assert '<details id="monitoring_threshold" class="card" open>' in opened
    assert "系统内置（随版本发布）" in opened  # the files' periods, in words


def test_the_page_names_no_file_line_internal_note_or_version_reference(
    client: Client, world: World, overrides: None
) -> None:
    login(client, world.admin)
    page = _page(client)
    for text in (".yaml", ".md", ".py", "DOMAIN", "__line__", "@000000@"):
        assert text not in page, text
    assert not re.search(r"第\d+行|\bline\b", page)


def test_the_page_reads_in_english(client: Client, world: World, overrides: None) -> None:
    login(client, world.cadre)
    client.cookies["django_language"] = "en"
    page = _page(client)
    assert "Policy parameters" in page
    assert "National default: check against your province" in page
    threshold = _row(page, "monitoring_threshold")
    assert "Monitoring range (monitoring line)" in threshold
    assert "National" in _row(page, "poverty_line")
