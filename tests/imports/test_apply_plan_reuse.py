"""Applying reuses the validated plan only while the registry is unchanged since the preview."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from jingzhun.imports import actions
from jingzhun.imports.models import Status
from jingzhun.registry import actions as registry
from jingzhun.registry.models import Household, Member
from tests import factories
from tests.imports.builders import apply, family, stage, write_national


def test_an_unchanged_registry_applies_the_previewed_plan_without_reading_the_file_again(
    tmp_path, world, monkeypatch
):
    upload = stage(
        world.approver, write_national(tmp_path / "n.xlsx", family(world, "140922100009001"))
    )
    assert actions._plan_cache(upload.pk).exists()
    planned = []
    monkeypatch.setattr(actions, "_plan", lambda *a, **k: planned.append(1) or None)
    Path(upload.file_path).write_bytes(b"not a spreadsheet any more")
    upload = apply(upload, world.approver)
    assert upload.status == Status.APPLIED and planned == []
    assert Household.objects.get(number="140922100009001").member_count == 3
    assert not actions._plan_cache(upload.pk).exists()


def test_a_registry_change_after_the_preview_makes_the_apply_plan_again(tmp_path, world):
    rows = family(world, "140922100009001")
    upload = stage(world.approver, write_national(tmp_path / "n.xlsx", rows))
    assert upload.counts["households_create"] == 1
    # Meanwhile a cadre registers the same household by hand, with one member.
    made = factories.make_household(world.actor(), world.village, "140922100009001", members=False)
    head = factories.member_data(
        rows[0]["姓名"], "head", dt.date(1970, 3, 4), id_number=rows[0]["证件号码"]
    )
    registry.do_add_member(made, actor=world.actor(), data=head)
    upload = apply(upload, world.approver)
    assert upload.status == Status.APPLIED
    # Planned again: the household is changed (members added), not refused as a duplicate.
    assert upload.result["households_changed"] == 1
    assert upload.result["households_refused"] == 0
    assert Member.objects.filter(household=made, is_deleted=False).count() == 3


def test_a_rejected_upload_drops_its_stored_plan(
    tmp_path, world, django_capture_on_commit_callbacks
):
    from jingzhun.core.actions import Actor

    upload = stage(
        world.approver, write_national(tmp_path / "n.xlsx", family(world, "140922100009001"))
    )
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_reject_upload(upload, actor=Actor(user=world.approver, source="form"))
    assert not actions._plan_cache(upload.pk).exists()
