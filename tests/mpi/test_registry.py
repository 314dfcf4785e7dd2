"""``jingzhun mpi`` on the registry and on a file, and the /mpi/ page for every persona, over a
small registry built through the real actions (figures worked out by hand below)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from jingzhun.analytics.backend import open_backend
from jingzhun.policy import parameters
from jingzhun.registry import actions
from tests import factories
from tests.conftest import login, make_user

YEAR = 2024


def _household(world, village, members: list[dict], income: Decimal, conditions: dict | None):
    actor = world.actor(world.admin)
    household = factories.make_household(actor, village, f"{village.code}001", members=False)
    for data in members:
        actions.do_add_member(household, actor=actor, data=data)
    household.refresh_from_db()
    actions.do_set_income(household, actor=actor, year=YEAR, values={"wage": income})
    if conditions is not None:
        actions.do_set_conditions(household, actor=actor, year=YEAR, values=conditions)
    return household


@pytest.fixture
def registry(world, settings, tmp_path):
    """Three households of the township:

    * the village, 3 people: per-capita 8,100 yuan, junior school, the pupil at school, all
      insured, conditions by default (no sanitary toilet): deprived in sanitation only
      (score 1/20), not poor;
    * the sibling village, 2 people: 2,500 yuan each (below the line), both illiterate, one
      uninsured, a D-grade dangerous house, no sanitary toilet: score 1/4 + 1/8 + 1/4 + 1/20 +
      1/20 = 0.725, poor;
    * the far village (other township), 1 person with no conditions record: missing.
    """
    settings.SNAPSHOT_DIR = tmp_path / "snapshot"
    head = dt.date(1970, 3, 4)
    _household(
        world,
        world.village,
        [
            factories.member_data("张建国", "head", head, id_number=factories.id_male(head)),
            factories.member_data(
                "李秀英",
                "spouse",
                dt.date(1972, 5, 6),
                id_number=factories.id_female(dt.date(1972, 5, 6)),
            ),
            factories.member_data(
                "张小明",
                "son",
                dt.date(2012, 9, 1),
                labour_skill="none",
                student_status="grade_7",
                id_number=factories.id_male(dt.date(2012, 9, 1)),
            ),
        ],
        Decimal("24300"),
        {},
    )
    _household(
        world,
        world.sibling_village,
        [
            factories.member_data(
                "王大山",
                "head",
                dt.date(1960, 1, 1),
                education="illiterate",
                id_number=factories.id_male(dt.date(1960, 1, 1)),
            ),
            factories.member_data(
                "赵桂兰",
                "spouse",
                dt.date(1962, 2, 2),
                education="illiterate",
                resident_medical_insurance=False,
                id_number=factories.id_female(dt.date(1962, 2, 2)),
            ),
        ],
        Decimal("5000"),
        {"is_dangerous_house": True, "housing_grade": "D"},
    )
    _household(
        world,
        world.far_village,
        [
            factories.member_data(
                "孙一",
                "head",
                dt.date(1950, 1, 1),
                id_number=factories.id_male(dt.date(1950, 1, 1)),
            )
        ],
        Decimal("9000"),
        None,
    )
    return world


def _run(*args: str) -> dict:
    out = StringIO()
    call_command("mpi", *args, "--format", "json", stdout=out)
    return json.loads(out.getvalue())


def test_the_registry_figures_of_a_county_match_the_hand_computed_ones(registry):
    data = _run("--year", str(YEAR), "--area", registry.county.code, "--by-area")
    line = parameters.value("poverty_line", on=YEAR, area_code=registry.county.code).value
    income_gap = (float(line) - 2500) / float(line)
    assert (data["persons"], data["missing"], data["n"], data["q"]) == (6, 1, 5, 2)
    assert data["H"] == pytest.approx(2 / 5)
    assert data["A"] == pytest.approx(0.725)
    assert data["M0"] == pytest.approx(0.29)
    others = 1 / 8 + 1 / 4 + 1 / 20 + 1 / 20  # schooling, insurance, housing, sanitation: gap 1
    assert data["M1"] == pytest.approx(2 * (income_gap / 4 + others) / 5)
    assert data["M2"] == pytest.approx(2 * (income_gap**2 / 4 + others) / 5)
    ind = data["indicators"]
    assert ind["sanitation"]["uncensored_headcount"] == pytest.approx(1.0)
    assert ind["sanitation"]["censored_headcount"] == pytest.approx(0.4)
    for column in ("income_ratio", "schooling_years", "medical_insurance", "housing_safe"):
        assert ind[column]["uncensored_headcount"] == pytest.approx(0.4), column
    for column in ("school_attendance", "drinking_water", "electricity", "road"):
        assert ind[column]["uncensored_headcount"] == 0, column
    assert ind["income_ratio"]["contribution"] == pytest.approx(0.25 * 0.4 / 0.29)
    # Decomposed by township: the people of the far village are all missing.
    groups = data["groups"]
    assert groups[registry.township.code]["n"] == 5
    assert groups[registry.township.code]["contribution"] == pytest.approx(1.0)
    assert groups[registry.other_township.code]["n"] == 0


@pytest.mark.spark
@pytest.mark.slow
def test_the_registry_figures_are_the_same_on_spark(registry, spark):
    args = ("--year", str(YEAR), "--area", registry.county.code, "--by-area")
    on_duckdb = _run(*args)
    on_spark = _run(*args, "--backend", "spark")
    assert _flat(on_spark) == pytest.approx(_flat(on_duckdb))


def _flat(data: dict, prefix: str = "") -> dict:
    """Nested figures as one flat mapping (pytest.approx compares flat mappings of numbers)."""
    out: dict = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out |= _flat(value, f"{prefix}{key}.")
        else:
            out[f"{prefix}{key}"] = value
    return out


def test_the_township_decomposes_into_its_villages(registry):
    data = _run("--year", str(YEAR), "--area", registry.township.code, "--by-area")
    groups = data["groups"]
    assert groups[registry.village.code]["population_share"] == pytest.approx(0.6)
    assert groups[registry.village.code]["M0"] == 0
    assert groups[registry.sibling_village.code]["M0"] == pytest.approx(0.725)
    assert groups[registry.sibling_village.code]["contribution"] == pytest.approx(1.0)


def test_k_changes_who_is_poor_and_the_year_comparison_is_reported(registry):
    # k = 1/20: the first household (score 1/20) is poor as well.
    data = _run(
        "--year",
        str(YEAR),
        "--area",
        registry.township.code,
        "--k",
        "1/20",
        "--compare-year",
        str(YEAR),
    )
    assert data["q"] == 5
    assert data["change"]["M0"]["absolute"] == 0


def test_the_table_format_prints_the_headline(registry):
    out = StringIO()
    call_command("mpi", "--year", str(YEAR), "--area", registry.township.code, stdout=out)
    assert "H=0.4000  A=0.7250  M0=0.2900" in out.getvalue()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--year", "2024", "--area", "999999"], "区划代码“999999”不存在"),
        (["--year", "2024", "--k", "0"], "k（贫困临界值）必须是大于0且不大于1的数"),
        ([], "请用 --year 指定年度"),
        (["--year", "2024", "--by", "x"], "--by 和 --weight 只用于 --data"),
    ],
)
def test_bad_registry_input_is_refused_in_chinese_and_nothing_is_written(
    registry, settings, args, message
):
    with pytest.raises(CommandError, match=message):
        call_command("mpi", *args)
    assert not Path(settings.SNAPSHOT_DIR).exists()


def test_a_spec_naming_a_column_the_registry_lacks_is_refused(registry, settings, tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text("indicators:\n  - {column: assets, cutoff: 1, weight: 1, deprived: below}\n")
    with pytest.raises(CommandError, match="列 assets 不在数据中：数据中的列有 drinking_water"):
        call_command(
            "mpi", "--year", str(YEAR), "--area", registry.township.code, "--spec", str(spec)
        )
    assert not Path(settings.SNAPSHOT_DIR).exists()


# --- any file -----------------------------------------------------------------------------------

# The illustration of Alkire & Foster (2011), section 2 (tests/mpi/test_measures.py).
AF_CSV = (
    "income,schooling,health,access,area\n13.1,14,4,1,a\n15.2,7,5,0,a\n12.5,10,1,0,b\n20,11,3,1,b\n"
)
AF_SPEC = """k: 1/2
indicators:
  - {column: income, cutoff: 13, weight: 0.25, deprived: below}
  - {column: schooling, cutoff: 12, weight: 0.25, deprived: below}
  - {column: health, cutoff: 3, weight: 0.25, deprived: below}
  - {column: access, cutoff: 1, weight: 1/4, deprived: below}
"""


@pytest.fixture
def files(tmp_path):
    (tmp_path / "people.csv").write_text(AF_CSV)
    (tmp_path / "spec.yaml").write_text(AF_SPEC)
    return tmp_path


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_a_data_file_gives_the_measures_as_json(files, kind):
    path = files / "people.csv"
    if kind == "parquet":
        import pyarrow.csv
        import pyarrow.parquet

        path = files / "people.parquet"
        pyarrow.parquet.write_table(pyarrow.csv.read_csv(files / "people.csv"), path)
    data = _run(
        "--data", str(path), "--spec", str(files / "spec.yaml"), "--k", "0.5", "--by", "area"
    )
    assert (data["n"], data["q"]) == (4, 2)
    assert data["H"] == pytest.approx(0.5) and data["A"] == pytest.approx(0.75)
    assert data["M0"] == pytest.approx(0.375)
    gaps = [5 / 12, 1, 1 / 26, 1 / 6, 2 / 3, 1]  # the paper's g1: 0.42, 1; 0.04, 0.17, 0.67, 1
    assert data["M1"] == pytest.approx(sum(gaps) / 16)
    assert data["M2"] == pytest.approx(sum(g * g for g in gaps) / 16)
    assert data["indicators"]["schooling"]["uncensored_headcount"] == pytest.approx(0.75)
    assert data["indicators"]["schooling"]["censored_headcount"] == pytest.approx(0.5)
    assert data["indicators"]["income"]["contribution"] == pytest.approx(1 / 6)
    assert data["groups"]["b"]["contribution"] == pytest.approx(2 / 3)


def test_the_spec_k_is_used_when_none_is_given_and_weights_may_be_a_column(files):
    csv = files / "weighted.csv"
    csv.write_text(
        AF_CSV.replace(",area\n", ",area,w\n").replace(",a\n", ",a,1\n").replace(",b\n", ",b,3\n")
    )
    data = _run("--data", str(csv), "--spec", str(files / "spec.yaml"), "--weight", "w")
    assert data["k"] == 0.5
    assert (data["n"], data["q"]) == (8, 4)  # persons 2 (weight 1) and 3 (weight 3)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--spec", "missing.yaml"], "找不到指标设定文件"),
        (["--spec", "spec.yaml", "--by", "village"], "分组列 village 不在数据中"),
        (["--spec", "spec.yaml", "--k", "2"], "k（贫困临界值）"),
        (["--spec", "bad.yaml"], "各指标权重之和必须为1，现为 0.75"),
        (["--spec", "unknown.yaml"], "列 assets 不在数据中：数据中的列有 access, area, health"),
        ([], "必须用 --spec"),
    ],
)
def test_bad_file_input_is_refused_in_chinese(files, args, message, monkeypatch):
    (files / "bad.yaml").write_text(
        AF_SPEC.replace("  - {column: access, cutoff: 1, weight: 1/4, deprived: below}\n", "")
    )
    (files / "unknown.yaml").write_text(AF_SPEC.replace("column: access", "column: assets"))
    monkeypatch.chdir(files)
    with pytest.raises(CommandError, match=message):
        call_command("mpi", "--data", str(files / "people.csv"), *args)


def test_a_data_file_that_is_not_csv_or_parquet_is_refused(files):
    (files / "people.xlsx").write_text("x")
    with pytest.raises(CommandError, match=r"不是 \.csv 或 \.parquet"):
        call_command(
            "mpi", "--data", str(files / "people.xlsx"), "--spec", str(files / "spec.yaml")
        )


# --- the page -------------------------------------------------------------------------------


@pytest.fixture
def snapshot(registry):
    """The snapshot of everything for the year, as ``jingzhun mpi --year`` writes it."""
    backend = open_backend("duckdb", year=YEAR)
    backend.con.disconnect()
    return registry


@pytest.mark.parametrize(
    ("persona", "q", "groups"),
    [
        ("cadre", 0, 0),  # a village: no level below
        ("reviewer", 2, 2),  # the township: its two villages with people
        ("approver", 2, 2),  # the county: its two townships with people
        ("inspector", 2, 2),
        ("city_viewer", 2, 1),  # the city: the one county with people
        ("province_viewer", 2, 1),
    ],
)
def test_the_page_shows_each_persona_the_figures_of_their_area(
    snapshot, client, persona, q, groups
):
    response = login(client, getattr(snapshot, persona)).get("/mpi/", {"year": YEAR})
    assert response.status_code == 200
    assert response.context["result"].q == q
    assert len(response.context["groups"]) == groups
    body = response.content.decode()
    assert 'data-chart="mpi-chart-data"' in body and 'id="mpi-chart-data"' in body
    if persona == "reviewer":
        # Each area of the decomposition links to the same page for that area.
        assert f"?area={snapshot.sibling_village.code}&amp;year={YEAR}" in body


def test_the_page_follows_an_area_link_within_scope_and_sets_k(snapshot, client):
    response = login(client, snapshot.approver).get(
        "/mpi/", {"area": snapshot.township.code, "year": YEAR, "k": "1/20"}
    )
    assert response.status_code == 200
    assert response.context["result"].q == 5
    assert response.context["area"] == snapshot.township


def test_an_area_outside_the_users_scope_is_not_found(snapshot, client):
    response = login(client, snapshot.outsider).get(
        "/mpi/", {"area": snapshot.village.code, "year": YEAR}
    )
    assert response.status_code == 404
    response = login(client, snapshot.cadre).get(
        "/mpi/", {"area": snapshot.township.code, "year": YEAR}
    )
    assert response.status_code == 404


def test_the_outsider_sees_only_their_own_empty_village(snapshot, client):
    response = login(client, snapshot.outsider).get("/mpi/", {"year": YEAR})
    assert response.status_code == 200
    assert response.context["result"].n == 0


def test_a_bad_k_is_explained_and_the_spec_k_used(snapshot, client):
    response = login(client, snapshot.reviewer).get("/mpi/", {"year": YEAR, "k": "2"})
    assert "k（贫困临界值）必须是" in response.content.decode()
    assert response.context["k"] == pytest.approx(1 / 3)


def test_without_a_snapshot_the_page_says_what_to_run(registry, client):
    response = login(client, registry.reviewer).get("/mpi/", {"year": YEAR})
    assert response.status_code == 200
    assert f"jingzhun mpi --year {YEAR}" in response.content.decode()
    assert response.context["result"] is None


def test_a_user_without_a_role_sees_no_figures(snapshot, client):
    user = make_user("nobody", "", snapshot.county)
    response = login(client, user).get("/mpi/", {"year": YEAR})
    assert response.status_code == 200
    assert response.context["result"] is None


def test_the_dashboard_loads_the_headline_of_its_area(snapshot, client):
    login(client, snapshot.approver)
    board = client.get("/dashboard/", {"year": YEAR}).content.decode()
    assert f"/mpi/summary/?area={snapshot.approver.area.code}&amp;year={YEAR}" in board
    fragment = client.get("/mpi/summary/", {"year": YEAR})
    assert fragment.status_code == 200
    assert fragment.context["result"].q == 2
    assert "多维贫困发生率 H" in fragment.content.decode()
    outside = client.get("/mpi/summary/", {"year": YEAR, "area": snapshot.outsider.area.code})
    assert outside.status_code == 404


def test_the_dashboard_fragment_says_what_to_run_without_a_snapshot(registry, client):
    response = login(client, registry.reviewer).get("/mpi/summary/", {"year": YEAR})
    assert (
        response.status_code == 200 and f"jingzhun mpi --year {YEAR}" in response.content.decode()
    )
