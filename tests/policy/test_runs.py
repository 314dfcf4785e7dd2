"""Stored evaluation runs: ``jingzhun evaluate --store`` writes the Parquet file, the run with its
totals and parameter fingerprint, counts per village and an audit entry; the runs page lists runs
in the user's scope only, with counts over the user's villages."""

from __future__ import annotations

import json
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from django.core.management import call_command

from jingzhun.audit.models import AuditEntry
from jingzhun.policy.decisions import BATCH_SCHEMA
from jingzhun.policy.models import EvaluationCount, EvaluationRun
from jingzhun.policy.parameters import load_directory
from jingzhun.policy.runs import parameter_fingerprint
from jingzhun.policy.whatif import Override, overlay
from jingzhun.registry import actions
from tests import factories
from tests.conftest import login

YEAR = 2024


@pytest.fixture
def registry(world, settings, tmp_path):
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


def test_store_keeps_the_file_the_counts_and_an_audit_entry(registry, world, settings) -> None:
    rich, poor, _ = registry
    stdout = StringIO()
    call_command(
        "evaluate",
        year=YEAR,
        area=world.county.code,
        store=True,
        format="json",
        stdout=stdout,
        stderr=StringIO(),
    )
    assert json.loads(stdout.getvalue())["households"] == 2  # the JSON output is unchanged
    run = EvaluationRun.objects.get()
    assert (run.year, run.area_code, run.backend, run.households) == (
        YEAR,
        world.county.code,
        "duckdb",
        2,
    )
    assert run.counts["exit_standard"] == {"fail": 1, "unknown": 1}
    assert run.counts["elimination"] == {"not_applicable": 2}
    assert run.parameter_fingerprint == parameter_fingerprint(YEAR)
    table = pq.read_table(Path(settings.VAR_DIR) / run.result_file)
    assert table.schema == BATCH_SCHEMA
    assert set(table.column("household_id").to_pylist()) == {rich.id, poor.id}
    per_village = {
        (c.village_code, c.decision, c.status): c.households
        for c in EvaluationCount.objects.filter(run=run)
    }
    assert per_village[(world.far_village.code, "exit_standard", "fail")] == 1
    assert per_village[(world.village.code, "exit_standard", "unknown")] == 1
    assert sum(n for (_, d, _), n in per_village.items() if d == "monitoring") == 2
    entry = AuditEntry.objects.get(action="store_evaluation_run")
    assert entry.object_id == str(run.pk) and entry.area_code == world.county.code


def test_without_store_nothing_is_kept(registry, world) -> None:
    call_command("evaluate", year=YEAR, area=world.county.code, stdout=StringIO())
    assert not EvaluationRun.objects.exists()


def test_the_fingerprint_changes_with_the_parameters() -> None:
    base = load_directory()
    changed = overlay(base, [Override("poverty_line", "140922", Decimal(1))], YEAR)
    assert parameter_fingerprint(YEAR, base) != parameter_fingerprint(YEAR, changed)
    assert parameter_fingerprint(YEAR, base) == parameter_fingerprint(YEAR, load_directory())


def test_the_page_lists_runs_in_scope_with_counts_of_the_users_villages(
    registry, world, client
) -> None:
    rich, _, _ = registry
    call_command(
        "evaluate",
        year=YEAR,
        area=world.county.code,
        store=True,
        stdout=StringIO(),
        stderr=StringIO(),
    )
    call_command(
        "evaluate",
        year=YEAR,
        area=world.other_county.code,
        store=True,
        stdout=StringIO(),
        stderr=StringIO(),
    )
    ours, theirs = EvaluationRun.objects.order_by("id")
    login(client, world.approver)
    page = client.get("/policy/evaluations/").content.decode()
    assert f'?run={ours.pk}"' in page and f'?run={theirs.pk}"' not in page
    # The cadre of one village sees the county's run, counted over their village only.
    login(client, world.cadre)
    response = client.get(f"/policy/evaluations/?run={ours.pk}")
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [r["run"].pk for r in rows] == [ours.pk]
    exit_cells = [c["n"] for c in rows[0]["cells"][0]]  # exit: pass/fail/unknown/n.a.
    assert sum(exit_cells) == 1 and exit_cells[2] == 1
    # Each number opens exactly its households: the list's total is the number clicked.
    listed = client.get(rows[0]["cells"][0][2]["url"])
    assert listed.context["total"] == 1
    assert [h.pk for h in listed.context["rows"]] == [rich.pk]
    assert client.get(rows[0]["cells"][0][0]["url"]).context["total"] == 0
    assert [a["code"] for a in response.context["by_area"]] == [world.village.code]
    # A run out of scope is not found.
    login(client, world.outsider)
    assert client.get(f"/policy/evaluations/?run={ours.pk}").status_code == 404
    assert f'?run={theirs.pk}"' in client.get("/policy/evaluations/").content.decode()


def test_the_page_pins_its_queries(registry, world, client, django_assert_max_num_queries) -> None:
    for _ in range(3):
        call_command(
            "evaluate",
            year=YEAR,
            area=world.county.code,
            store=True,
            stdout=StringIO(),
            stderr=StringIO(),
        )
    login(client, world.approver)
    with django_assert_max_num_queries(12):
        assert client.get("/policy/evaluations/").status_code == 200


def test_store_is_refused_for_village_or_county_levels(registry, world) -> None:
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="--store"):
        call_command(
            "evaluate",
            year=YEAR,
            area=world.county.code,
            level="village",
            store=True,
            stdout=StringIO(),
        )
    assert not EvaluationRun.objects.exists()


def test_a_county_officer_starts_the_batch_evaluation_from_its_page(
    registry, world, client
) -> None:
    from jingzhun.policy.models import EvaluationJob
    from tests.conftest import run_worker

    login(client, world.approver)
    response = client.post("/policy/evaluations/start/", {"year": YEAR})
    job = EvaluationJob.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"?job={job.pk}")
    assert (job.area_code, job.year, job.status) == (world.county.code, YEAR, "queued")
    page = client.get("/policy/evaluations/")
    assert page.context["working"] and 'http-equiv="refresh"' in page.content.decode()
    run_worker()
    job.refresh_from_db()
    assert job.status == "done" and job.run is not None
    run = job.run
    assert (run.area_code, run.year, run.households) == (world.county.code, YEAR, 2)
    page = client.get("/policy/evaluations/")
    assert not page.context["working"]
    assert [r["run"].pk for r in page.context["rows"]] == [run.pk]
    # A village cadre may not start one; nothing is queued.
    login(client, world.cadre)
    assert client.post("/policy/evaluations/start/", {"year": YEAR}).status_code == 403
    assert EvaluationJob.objects.count() == 1


def test_an_evaluation_job_killed_midway_is_failed_by_the_reaper_and_stores_nothing(
    registry, world
) -> None:
    from jingzhun.core import jobs
    from jingzhun.policy.models import EvaluationJob
    from jingzhun.policy.runs import do_queue_evaluation

    job = do_queue_evaluation(world.actor(world.approver), area=world.county, year=YEAR)
    # A process that died: its lease is gone, the job still says running.
    EvaluationJob.objects.filter(pk=job.pk).update(status="running", worker="nohost:999999:1")
    jobs.reap()
    job.refresh_from_db()
    assert job.status == "failed" and "可重新发起" in job.error
    assert not EvaluationRun.objects.exists()
