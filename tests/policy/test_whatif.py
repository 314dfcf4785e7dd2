"""What-if: overrides laid over the parameters in a copy, two batch evaluations on one backend,
the households that move — checked against a direct computation on generated households; the
command and the page (scoped, names by role, no ID numbers); bad input refused."""

from __future__ import annotations

import json
import random
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from jingzhun.policy.models import ParameterValue, WhatIfRun
from jingzhun.policy.parameters import default_parameters, load_directory
from jingzhun.policy.whatif import (
    DECISION_TITLES,
    Override,
    OverrideError,
    overlay,
    parse_override,
    simulate,
)
from jingzhun.registry import actions
from tests import factories
from tests.conftest import login
from tests.policy.builders import YEAR, backend_for, bundle, set_income

COUNTY, OTHER_COUNTY = "140922", "140921"
VILLAGES = ("140922100001", "140922100002", "140921100001")


def threshold(county: str) -> Decimal:
    return load_directory().value("monitoring_threshold", on=YEAR, area_code=county).value


def generated(n: int = 90, seed: int = 7) -> tuple[list[dict], dict[int, Decimal]]:
    """``n`` valid 脱贫户 of three in three villages of two counties, each with a per-capita
    income drawn around the monitoring threshold (whole cents; no 合规自付支出)."""
    rng = random.Random(seed)
    low = int(threshold(COUNTY)) - 3000
    bundles, incomes = [], {}
    for hid in range(1, n + 1):
        data = bundle(id=hid, number=f"H{hid:08d}", village_code=VILLAGES[hid % 3])
        for m, row in enumerate(data["members"], start=1):
            row["id"], row["household_id"] = hid * 10 + m, hid
        for key in ("conditions", "measures"):
            for row in data[key]:
                row["household_id"] = hid
        per_capita = Decimal(rng.randrange(low * 100, (low + 7000) * 100)) / 100
        set_income(data, wage=per_capita * 3)
        incomes[hid] = data["incomes"][0]["per_capita_net"]
        assert incomes[hid] == per_capita
        bundles.append(data)
    return bundles, incomes


def test_raising_the_threshold_moves_exactly_the_households_between_old_and_new() -> None:
    bundles, incomes = generated()
    old = threshold(COUNTY)
    new = old + 2000
    result = simulate(
        backend_for(bundles), YEAR, [parse_override(f"monitoring_threshold@{COUNTY}={new}")]
    )
    # Direct computation: monitoring means per-capita income below the threshold.
    expected = {
        hid
        for hid, pc in incomes.items()
        if VILLAGES[hid % 3].startswith(COUNTY) and old <= pc < new
    }
    assert expected  # the generated incomes straddle the band
    rows = result.affected.to_pylist()
    entered = {r["household_id"] for r in rows if r["monitoring_after"] == "pass"}
    assert entered == expected
    assert all(r["monitoring_before"] == "fail" for r in rows)
    assert {r["household_id"] for r in rows} == expected  # exit and elimination unchanged
    assert result.totals["monitoring"]["entered"] == len(expected)
    assert result.totals["monitoring"]["left"] == 0
    assert result.totals["monitoring"]["after"] - result.totals["monitoring"]["before"] == len(
        expected
    )
    assert result.households == len(bundles)
    # By area: the county's villages only, summing to the total.
    assert set(result.areas["county"]) == {COUNTY}
    assert sum(v["monitoring"]["entered"] for v in result.areas["village"].values()) == len(
        expected
    )


def test_lowering_the_poverty_line_makes_households_exit_eligible_by_area() -> None:
    bundles, incomes = generated(seed=11)
    line = load_directory().value("poverty_line", on=YEAR, area_code=COUNTY).value
    lower = line - 1000
    result = simulate(backend_for(bundles), YEAR, [parse_override(f"poverty_line={lower}")])
    expected = {hid for hid, pc in incomes.items() if lower < pc <= line}
    entered = {
        r["household_id"] for r in result.affected.to_pylist() if r["exit_standard_after"] == "pass"
    }
    assert entered == expected
    assert result.totals["exit_standard"]["entered"] == len(expected)


def test_an_override_for_one_county_does_not_affect_another() -> None:
    bundles, _ = generated()
    result = simulate(
        backend_for(bundles), YEAR, [parse_override(f"monitoring_threshold@{OTHER_COUNTY}=99999")]
    )
    assert result.affected.num_rows > 0
    assert {r["village_code"][:6] for r in result.affected.to_pylist()} == {OTHER_COUNTY}
    base = load_directory()
    changed = overlay(base, [Override("monitoring_threshold", OTHER_COUNTY, Decimal(99999))], YEAR)
    assert changed.value("monitoring_threshold", on=YEAR, area_code=COUNTY) == base.value(
        "monitoring_threshold", on=YEAR, area_code=COUNTY
    )
    assert changed.value("monitoring_threshold", on=YEAR, area_code=OTHER_COUNTY).value == 99999


def test_the_override_starts_on_1_january_and_is_never_written() -> None:
    base = load_directory()
    changed = overlay(base, [parse_override("monitoring_threshold@140000=9000")], YEAR)
    found = changed.value("monitoring_threshold", on=YEAR, area_code=COUNTY)
    assert (found.value, found.effective_from.isoformat()) == (9000, f"{YEAR}-01-01")
    # The year before keeps the value in force; the set the rules use is untouched.
    assert changed.value("monitoring_threshold", on=YEAR - 1, area_code=COUNTY) == base.value(
        "monitoring_threshold", on=YEAR - 1, area_code=COUNTY
    )
    assert base.value("monitoring_threshold", on=YEAR, area_code=COUNTY).value != 9000


def test_a_province_override_reaches_a_county_with_its_own_value() -> None:
    base = load_directory()
    own = sorted(
        {p.region for p in base.all() if p.name == "monitoring_threshold" and len(p.region) == 6}
        - {"000000"}
    )
    county = next((r for r in own if not r.endswith("00")), None)
    if county is None:  # no county value in the files: give one through a copy
        county = COUNTY
        base = overlay(base, [Override("monitoring_threshold", county, Decimal(7777))], YEAR)
    province = county[:2] + "0000"
    changed = overlay(base, [Override("monitoring_threshold", province, Decimal(12345))], YEAR)
    assert changed.value("monitoring_threshold", on=YEAR, area_code=county).value == 12345


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("foo=1", "未知参数名"),
        ("notice_days_min=5", "不影响农户判定"),
        ("poverty_line=600元/月", "单位是“元/人·年”"),
        ("monitoring_threshold@999999=8000", "不是参数可用的区划"),
        ("monitoring_threshold@140922100001=8000", "不是参数可用的区划"),
        ("min_months_before_elimination=6.5", "应为整数"),
        ("monitoring_threshold=abc", "不是数字"),
        ("monitoring_threshold=-1", "不能为负数"),
        ("monitoring_threshold 8000", "格式不对"),
    ],
)
def test_it_refuses_bad_overrides_clearly(text: str, message: str) -> None:
    with pytest.raises(OverrideError, match=message):
        parse_override(text)


def test_it_accepts_the_right_unit_and_refuses_a_region_outside_the_area() -> None:
    assert parse_override("monitoring_threshold=8000元/人·年", area_code=COUNTY) == Override(
        "monitoring_threshold", COUNTY, Decimal(8000)
    )
    with pytest.raises(OverrideError, match="不会影响任何农户"):
        parse_override(f"monitoring_threshold@{OTHER_COUNTY}=8000", area_code=COUNTY)


# --- the command and the page, on the database ---------------------------------------------------


@pytest.fixture
def registry(world, settings, tmp_path):
    """Two households of 五台县 (one rich, one poor) and one of 定襄县."""
    settings.SNAPSHOT_DIR = tmp_path / "snapshot"
    settings.VAR_DIR = tmp_path / "var"
    actor = world.actor(world.approver)
    rich = factories.make_household(actor, world.village, number="140922100001001")
    poor = factories.make_household(actor, world.far_village, number="140922100002001")
    income = poor.incomes.get(year=YEAR)
    actions.do_set_income(
        poor,
        actor=actor,
        year=YEAR,
        values={"wage": Decimal(9000), "business": Decimal(0), "business_expense": Decimal(0)},
        expected_version=income.version,
        reason="核实后更正",
    )
    other = factories.make_household(
        world.actor(world.outsider), world.other_county_village, number="140921100001001"
    )
    return rich, poor, other


def _rich_income(rich) -> Decimal:
    return rich.incomes.get(year=YEAR).per_capita_net


def test_the_command_prints_counts_by_area_and_the_affected_households(registry, world) -> None:
    rich, poor, _other = registry
    new = _rich_income(rich) + 1
    stdout = StringIO()
    call_command(
        "whatif",
        year=YEAR,
        area=world.county.code,
        overrides=[f"monitoring_threshold={new}"],
        stdout=stdout,
    )
    printed = stdout.getvalue()
    assert "2户" in printed  # the county's two households; 定襄县 is outside the area
    assert "受影响农户：1户" in printed
    assert rich.number in printed and poor.number not in printed
    assert world.village.name in printed
    assert world.county.code in printed and world.township.code in printed
    # No names, no ID numbers.
    for member in rich.members.all():
        assert member.name not in printed
        assert member.id_number not in printed
    assert ParameterValue.objects.count() == 0  # nothing written


def test_the_command_prints_json(registry, world) -> None:
    rich, _, _ = registry
    stdout = StringIO()
    call_command(
        "whatif",
        year=YEAR,
        overrides=[f"monitoring_threshold@{world.county.code}={_rich_income(rich) + 1}"],
        format="json",
        stdout=stdout,
    )
    summary = json.loads(stdout.getvalue())
    assert summary["households"] == 3
    assert summary["totals"]["monitoring"]["entered"] == 1
    assert [r["number"] for r in summary["affected"]] == [rich.number]
    assert summary["affected"][0]["monitoring_before"] == "fail"
    assert summary["affected"][0]["monitoring_after"] == "pass"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"overrides": ["monitoring_threshold=800元/月"]}, "单位"),
        ({"overrides": ["nonsense=1"]}, "未知参数名"),
        ({"overrides": ["monitoring_threshold=8000"], "area": "999999"}, "不存在"),
        ({}, "至少给出一个"),
    ],
)
def test_the_command_refuses_bad_input(registry, options, message) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("whatif", year=YEAR, stdout=StringIO(), **options)


def _post(client, world, rich, **extra):
    data = {
        "year": YEAR,
        "area": world.county.code,
        "name_1": "monitoring_threshold",
        "region_1": "",
        "value_1": str(_rich_income(rich) + 1),
    } | extra
    return client.post("/policy/whatif/", data)


def test_the_page_shows_the_affected_households_with_names_for_an_approver(
    registry, world, client
) -> None:
    rich, poor, other = registry
    login(client, world.approver)
    assert client.get("/policy/whatif/").status_code == 200
    response = _post(client, world, rich)
    assert response.status_code == 200
    page = response.content.decode()
    assert rich.number in page and poor.number not in page and other.number not in page
    assert rich.head_name in page
    for member in rich.members.all():
        assert member.id_number not in page
    assert ParameterValue.objects.count() == 0


def test_the_page_hides_names_from_an_analyst(registry, world, client) -> None:
    rich, _, _ = registry
    login(client, world.analyst)
    page = _post(client, world, rich).content.decode()
    assert rich.number in page
    assert rich.head_name not in page


def test_the_page_lists_only_households_in_the_users_scope(registry, world, client) -> None:
    rich, _, _ = registry
    login(client, world.cadre)  # the rich household's village
    page = _post(client, world, rich, area=world.village.code).content.decode()
    assert rich.number in page
    # A county outside the cadre's area is refused.
    response = _post(client, world, rich, area=world.county.code)
    assert response.status_code == 400
    assert "不在您的管辖范围内" in response.content.decode()


def test_the_page_refuses_a_value_in_the_wrong_unit(registry, world, client) -> None:
    rich, _, _ = registry
    login(client, world.approver)
    response = _post(client, world, rich, value_1="700元/月")
    assert response.status_code == 400
    assert "单位是" in response.content.decode()


def test_a_large_scope_runs_in_the_background_with_progress(registry, world, client, settings):
    rich, _, _ = registry
    settings.JINGZHUN_WHATIF_SYNC_MAX = 0
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    login(client, world.approver)
    response = _post(client, world, rich)
    assert response.status_code == 302
    run = WhatIfRun.objects.get()
    assert response["Location"] == f"/policy/whatif/{run.pk}/"
    assert run.status == WhatIfRun.Status.DONE
    assert run.result["totals"]["monitoring"]["entered"] == 1
    page = client.get(response["Location"])
    assert rich.number in page.content.decode()
    # The background run keeps every affected household too: its counts open them.
    (monitoring, *_rest) = page.context["totals"]
    listed = client.get(monitoring["entered_url"])
    assert listed.context["total"] == 1
    assert [h.pk for h in listed.context["rows"]] == [rich.pk]
    # Another county's user cannot open it.
    login(client, world.outsider)
    assert client.get(response["Location"]).status_code == 404


def test_the_simulation_uses_values_added_by_administrators_as_the_base(registry, world) -> None:
    # The base is the effective set (files + added values), so an added value is what "in
    # force" means; default_parameters() is read, never changed.
    before = default_parameters().value("monitoring_threshold", on=YEAR, area_code=COUNTY)
    overlay(default_parameters(), [parse_override("monitoring_threshold=1")], YEAR)
    assert default_parameters().value("monitoring_threshold", on=YEAR, area_code=COUNTY) == before


def _listed(client, url: str) -> tuple[int, list[int]]:
    response = client.get(url)
    assert response.status_code == 200
    assert not response.context["errors"], response.context["errors"]
    return response.context["total"], [h.pk for h in response.context["rows"]]


def test_every_count_of_the_result_opens_exactly_its_households(registry, world, client) -> None:
    rich, poor, _other = registry
    login(client, world.approver)
    response = _post(client, world, rich)
    run = WhatIfRun.objects.get()  # the answer within the request is kept as a finished run
    assert run.status == WhatIfRun.Status.DONE and run.affected_file
    totals = {t["title"]: t for t in response.context["totals"]}
    monitoring = totals[str(DECISION_TITLES["monitoring"])]
    assert monitoring["entered"] == 1 and "left_url" not in monitoring  # nothing left: no link
    assert _listed(client, monitoring["entered_url"]) == (1, [rich.pk])
    page = response.content.decode()
    assert monitoring["entered_url"].replace("&", "&amp;") in page
    # Each area's cell opens the households of that area only.
    cells = {
        a["code"]: a["cells"][0] for a in response.context["areas"] if a["cells"][0]["entered"]
    }
    assert set(cells) == {world.county.code[:6], world.township.code[:9], world.village.code}
    for cell in cells.values():
        assert _listed(client, cell["entered_url"]) == (1, [rich.pk])
    # "View in the household list": every affected household.
    assert _listed(client, response.context["all_affected_url"]) == (1, [rich.pk])
    # The list says what it shows.
    heading = client.get(monitoring["entered_url"]).content.decode()
    assert f"政策模拟 #{run.pk}" in heading and "新进入" in heading
    # The same filter for the other direction and another decision finds nobody.
    assert _listed(client, f"/households/?whatif={run.pk}&decision=monitoring&move=left") == (
        0,
        [],
    )
    assert poor.pk not in _listed(client, f"/households/?whatif={run.pk}")[1]


def test_a_whatif_drill_down_is_scoped_and_refuses_bad_values(registry, world, client) -> None:
    rich, _, _ = registry
    login(client, world.approver)
    _post(client, world, rich)
    run = WhatIfRun.objects.get()
    for query, field in [
        (f"whatif={run.pk}&decision=nonsense", "decision"),
        (f"whatif={run.pk}&decision=monitoring&move=sideways", "move"),
        ("whatif=99999", "whatif"),
    ]:
        response = client.get(f"/households/?{query}")
        assert field in response.context["errors"]
        assert response.context["rows"] == []  # a drill-down that cannot apply lists nobody
    # Another county's user cannot open this county's simulation.
    login(client, world.outsider)
    response = client.get(f"/households/?whatif={run.pk}&decision=monitoring&move=entered")
    assert "whatif" in response.context["errors"] and response.context["rows"] == []


def test_a_whatif_whose_file_is_gone_says_so(registry, world, client, settings) -> None:
    rich, _, _ = registry
    login(client, world.approver)
    _post(client, world, rich)
    run = WhatIfRun.objects.get()
    (Path(settings.VAR_DIR) / run.affected_file).unlink()
    response = client.get(f"/households/?whatif={run.pk}&decision=monitoring&move=entered")
    assert "逐户结果文件已不存在" in response.context["errors"]["whatif"]
    assert response.context["rows"] == []


def test_the_export_of_a_drilled_list_keeps_to_its_households(
    registry, world, client, settings, tmp_path
) -> None:
    """ "Export with the current filters" from a what-if's list exports exactly that list, in
    the foreground and in the background; a drill-down that cannot apply exports nothing."""
    from jingzhun.exports.models import ExportLog
    from tests.exports.helpers import column, read_csv, read_rows

    rich, _poor, _other = registry
    login(client, world.approver)
    _post(client, world, rich)
    run = WhatIfRun.objects.get()
    drill = f"whatif={run.pk}&decision=monitoring&move=entered&area={world.county.code}"
    form = client.get(f"/exports/new/?{drill}").content.decode()
    assert f'name="whatif" value="{run.pk}"' in form and 'name="move" value="entered"' in form
    assert f"政策模拟 #{run.pk}" in form  # the form says what the export keeps to
    data = {
        "what": "households",
        "layout": "project",
        "area": world.county.code,
        "whatif": run.pk,
        "decision": "monitoring",
        "move": "entered",
    }
    response = client.post("/exports/new/", {**data, "format": "csv"})
    rows = read_csv(b"".join(response.streaming_content))
    assert column(rows, "project", "csv", "户编号") == [rich.number]  # not the poor household
    assert ExportLog.objects.get().filters["whatif"] == run.pk
    # In the background, the worker reads the same drill-down back from the log.
    settings.EXPORT_SYNC_MAX_HOUSEHOLDS = 0
    settings.EXPORT_DIR = tmp_path / "exports"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    client.post("/exports/new/", {**data, "format": "parquet"})
    log = ExportLog.objects.order_by("-id").first()
    assert (log.status, log.row_count) == ("done", 1)
    assert column(
        read_rows(settings.EXPORT_DIR / log.file_name, "parquet"), "project", "parquet", "户编号"
    ) == [rich.number]
    # The run's file gone: refused with the reason, nothing logged.
    (Path(settings.VAR_DIR) / run.affected_file).unlink()
    before = ExportLog.objects.count()
    refused = client.post("/exports/new/", {**data, "format": "csv"})
    assert refused.status_code == 400
    assert "逐户结果文件已不存在" in refused.content.decode()
    assert ExportLog.objects.count() == before
