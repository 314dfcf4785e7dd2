"""Round trip: what the system exports in the national layout, the system imports back as
"nothing to change" — the layout module is the contract between exporter and importer."""

from __future__ import annotations

import datetime as dt

from django.core.management import call_command

from jingzhun.audit.models import AuditEntry
from jingzhun.exports.layouts import ExportSpec, build_table
from jingzhun.imports.models import Upload
from jingzhun.registry import actions
from jingzhun.registry.queries import HouseholdFilters
from tests import factories


def test_a_national_export_imports_back_with_nothing_changed(world, household, tmp_path):
    actor = world.actor()
    other = factories.make_household(
        actor,
        world.village,
        "140922100001002",
        household_type="monitored",
        monitoring_category="unstable_exited",
        monitoring_identified_on=dt.date(2022, 3, 1),
        risks=[("illness", ""), ("other", "子女上学负担重")],
    )
    actions.do_set_conditions(
        other,
        actor=actor,
        year=2024,
        values={"is_dangerous_house": True, "housing_grade": "C", "cultivated_land_mu": 3},
    )
    actions.do_set_measures(
        other,
        actor=actor,
        year=2024,
        values={
            "industry_aid": "产业奖补、光伏收益分红",
            "education_aid": "雨露计划",
            "basic_guarantee": "低保",
            "living_conditions_aid": "农村改厕",
        },
    )
    # Another year's measures are not in the sheet and must survive the round trip as well.
    actions.do_set_measures(other, actor=actor, year=2023, values={"social_aid": "社会捐赠"})
    exported = tmp_path / "national.xlsx"
    call_command(
        "export",
        what="members",
        format="xlsx",
        layout="national",
        user="cadre",
        year=2024,
        out=str(exported),
    )
    audit_before = AuditEntry.objects.exclude(action__startswith="export").count()

    call_command("import", "national", str(exported), year=2024, user="cadre", dry_run=True)

    upload = Upload.objects.latest("id")
    counts = upload.counts
    assert counts["households_refused"] == 0, upload.preview
    assert counts["households_create"] == 0
    assert counts["households_change"] == 0, upload.preview
    assert counts["households_unchanged"] == 2
    assert counts["members_create"] == 0
    assert (
        AuditEntry.objects.exclude(action__startswith="export")
        .exclude(object_type="upload")
        .count()
        == audit_before
    )


def test_the_national_export_carries_the_year_s_measures(world, household):
    actions.do_set_measures(
        household, actor=world.actor(), year=2024, values={"employment_aid": "稳岗补贴"}
    )
    table = build_table(
        world.cadre,
        ExportSpec(
            what="members", format="csv", layout="national", filters=HouseholdFilters(year=2024)
        ),
    )
    rows = [dict(zip(table.headers, row, strict=True)) for row in table.rows()]
    assert {r["就业帮扶"] for r in rows} == {"稳岗补贴"}
    assert {r["产业帮扶"] for r in rows} == {None}  # blank = none
