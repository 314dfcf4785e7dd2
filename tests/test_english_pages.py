"""In English mode the main pages carry no Chinese outside data values.

A small county is built through the real actions (a household with a quality finding, a stored
policy evaluation, a monitoring case, a department alert), the client switches to English, and
every main page is rendered. Data values — names of people and places, free-text reasons and the
official documents a value cites — legitimately stay Chinese: templates mark them
``class="data"`` (or, for the language menu, ``lang="zh-hans"``), and the values this fixture
typed are removed too. Whatever Chinese is left is a label, heading, status or value-list label
that was not translated, and the test reports it with its surroundings.
"""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from jingzhun.areas.models import Area
from jingzhun.cases import actions as case_actions
from jingzhun.core.actions import Actor
from jingzhun.crosscheck import actions as crosscheck_actions
from jingzhun.crosscheck import intake
from jingzhun.crosscheck.models import Alert
from jingzhun.policy.parameters import invalidate_cache
from jingzhun.quality.actions import do_queue_quality_run
from jingzhun.quality.runner import execute_run
from jingzhun.registry import actions
from tests import factories
from tests.conftest import World, login

TODAY = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
CJK = re.compile(r"[\u4e00-\u9fff]")
# Free text this fixture types (reasons, remarks): data, not interface.
TYPED = ("户主住院", "核实后更正", "重复登记")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
READ_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")


class InterfaceText(HTMLParser):
    """The text a reader sees (and the attributes read aloud or shown on hover), without the
    content of elements marked as data (``class="data"``) or as written in Chinese
    (``lang="zh-hans"``: the language menu names Chinese in Chinese)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._stack: list[bool] = []  # per open element: whether it is skipped

    @property
    def _skipping(self) -> bool:
        return any(self._stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        skip = "data" in (found.get("class") or "").split() or found.get("lang") == "zh-hans"
        if tag == "html":
            skip = False  # the page's own lang attribute is the interface language
        if not self._skipping and not skip:
            self.parts += [found[a] or "" for a in READ_ATTRIBUTES if found.get(a)]
        if tag not in VOID:
            self._stack.append(skip)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self._stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID and self._stack:
            self._stack.pop()

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def chinese_outside_data(html: str, data_values: list[str]) -> list[str]:
    """Each distinct run of Chinese left in the page's interface text, with a little of what
    surrounds it (to find it in the template)."""
    parser = InterfaceText()
    parser.feed(html)
    text = " ".join(" ".join(parser.parts).split())
    for value in sorted(data_values, key=len, reverse=True):
        text = text.replace(value, " ")
    snippets = []
    for match in re.finditer(r"[\u4e00-\u9fff][^a-zA-Z\s]*", text):
        before = text[max(match.start() - 15, 0) : match.start()]
        snippets.append(f"{before}[{match.group(0).strip()}]")
    return list(dict.fromkeys(snippets))


@pytest.fixture
def county(world: World, settings: Any, tmp_path: Path) -> dict[str, Any]:
    """On 2026-12-01: a household with a child marked as labour (a quality finding), a stored
    evaluation of 2024, a monitoring case and a hospital-stay alert."""
    settings.SNAPSHOT_DIR = tmp_path / "snapshot"
    settings.VAR_DIR = tmp_path / "var"
    settings.MEDIA_ROOT = tmp_path / "media"
    invalidate_cache()
    with time_machine.travel(TODAY, tick=False):
        actor = world.actor()
        household = factories.make_household(actor, world.village, number="140922100001001")
        child = household.members.get(relation="son")
        actions.do_update_member(
            child, actor=actor, changes={"labour_skill": "ordinary"}, expected_version=child.version
        )
        approver = world.actor(world.approver)
        run = do_queue_quality_run(
            actor=approver, area_code=world.county.code, year=2024, backend="duckdb"
        )
        execute_run(run, actor=approver)
        call_command("evaluate", year=2024, area=world.county.code, store=True, stdout=StringIO())
        case = case_actions.do_open_case(
            actor=world.actor(world.cadre),
            household=household,
            case_type="monitoring",
            record={
                "on": "2026-11-30",
                "channel": "cadre_visit",
                "first_signal_on": "2026-11-29",
                "reason": "户主住院",
                "category": "unstable_exited",
                "risk_types": ["illness"],
                "year": 2024,
            },
        )
        head = household.members.get(relation="head")
        path = tmp_path / "stays.csv"
        path.write_text(
            f"患者姓名,身份证号,出院日期,合规自付费用\n张建国,{head.id_number},2026-11-03,7300\n",
            "utf-8",
        )
        command = Actor(user=world.approver, source="command")
        batch, new = intake.stage_file(
            actor=command,
            kind="medical_stays",
            area=world.county,
            path=path,
            as_of=dt.date(2026, 11, 30),
            source="command",
        )
        if new:
            crosscheck_actions.do_apply_batch(batch, actor=command)
    return {
        "household": household,
        "case": case,
        "alert": Alert.objects.get(),
        "village": world.village.code,
    }


@pytest.fixture(autouse=True)
def _interface_language_restored() -> Any:
    """A request in English leaves English active in this thread: later tests must not see it."""
    before = translation.get_language()
    yield
    translation.activate(before)


def data_values(world: World) -> list[str]:
    """Names of the fixture's people and places, and the text it typed."""
    names = ["张建国", "李秀英", "張小明"]
    areas = Area.objects.filter(code__startswith="1409").values_list("name", flat=True)
    return [*names, *areas, "山西省", *TYPED]


def english(client: Client) -> Client:
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    return client


def pages(county: dict[str, Any]) -> list[str]:
    household = county["household"]
    return [
        reverse("home"),
        reverse("household_list"),
        reverse("household_detail", args=[household.pk]),
        reverse("cases:inbox"),
        reverse("cases:detail", args=[county["case"].pk]),
        reverse("quality_home"),
        reverse("quality_check", args=["Q-M-010"]),
        reverse("evaluation_list"),
        reverse("parameter_list"),
        reverse("crosscheck:inbox"),
        reverse("crosscheck:alert", args=[county["alert"].pk]),
        reverse("dashboards:home"),
        reverse("mpi:overview"),
        reverse("reporting:list"),
        reverse("assessment:surveys"),
        reverse("supervision:listings"),
        reverse("supervision:battle_map"),
        reverse("whatif"),
        reverse("export_new") + "?household_type=exited&exit_standard=registered&exit_year=2024",
        reverse("area_detail", args=[county["village"]]) + "?policy_year=2024",
        reverse("household_list") + "?exit_standard=fail&exit_year=2024",
    ]


@pytest.mark.parametrize("persona", ["cadre", "reviewer", "approver"])
def test_the_main_pages_in_english_show_no_chinese_outside_data_values(
    client: Client, world: World, county: dict[str, Any], persona: str
) -> None:
    login(client, getattr(world, persona))
    english(client)
    values = data_values(world)
    found: dict[str, list[str]] = {}
    with time_machine.travel(TODAY, tick=False):
        for url in pages(county):
            response = client.get(url)
            assert response.status_code == 200, url
            assert '<html lang="en">' in response.content.decode(), url
            snippets = chinese_outside_data(response.content.decode(), values)
            if snippets:
                found[url] = snippets
    assert found == {}, "\n".join(
        f"{url}:\n  " + "\n  ".join(dict.fromkeys(snippets)) for url, snippets in found.items()
    )


def test_the_audit_list_in_english_shows_no_chinese_outside_data_values(
    client: Client, world: World, county: dict[str, Any]
) -> None:
    login(client, world.approver)
    english(client)
    with time_machine.travel(TODAY, tick=False):
        response = client.get(reverse("audit_list"))
    assert response.status_code == 200
    snippets = chinese_outside_data(response.content.decode(), data_values(world))
    assert snippets == []


def test_the_language_menu_names_each_language_in_its_own_language(
    client: Client, world: World
) -> None:
    page = login(client, world.cadre).get(reverse("home")).content.decode()
    assert '<option value="en" lang="en"' in page and ">English</option>" in page
    assert '<option value="zh-hans" lang="zh-hans"' in page and ">简体中文</option>" in page


def test_the_checker_strips_data_and_reports_the_rest() -> None:
    html = (
        '<html lang="en"><p>Head: <span class="data">张建国</span><br>'
        '<b title="状态">符合</b></p><option lang="zh-hans">简体中文</option></html>'
    )
    snippets = chinese_outside_data(html, [])
    assert len(snippets) == 2 and "[符合]" in " ".join(snippets) and "[状态]" in " ".join(snippets)
    assert "张建国" not in " ".join(snippets) and "简体中文" not in " ".join(snippets)
    assert chinese_outside_data("<p>李秀英 (Spouse)</p>", ["李秀英"]) == []
