"""Guard rails found by trying the import as a new user: an upload of nothing, a bad ID number,
an entry-time check that breaks."""

from __future__ import annotations

import logging

import pytest

from jingzhun.registry.models import Household
from tests.imports.builders import family, stage, write_national

pytestmark = pytest.mark.django_db


def test_an_upload_with_a_header_and_no_rows_is_refused_as_empty(world, tmp_path):
    upload = stage(world.approver, write_national(tmp_path / "empty.xlsx", []))
    assert upload.status == "failed"
    assert "没有数据行" in upload.error and "表头下面是空的" in upload.error


def test_a_bad_id_number_gets_one_clear_error_not_three(world, tmp_path):
    rows = family(world, "140922100001001")
    rows[2]["证件号码"] = "14092219990230123X"  # 30 February
    upload = stage(world.approver, write_national(tmp_path / "bad.xlsx", rows))
    (refused,) = upload.preview["entries"]["refused"]
    on_the_row = [p for p in refused["problems"] if p["row"] == 6]
    assert len(on_the_row) == 1
    assert "19990230不是有效日期" in on_the_row[0]["reason"]
    # No quality warning saying the number is missing: it is there, and wrong.
    assert refused["warnings"] == []
    assert not Household.objects.filter(number="140922100001001").exists()


def test_an_entry_time_check_that_breaks_is_shown_and_logged_not_silent(
    world, tmp_path, monkeypatch, caplog
):
    from jingzhun.quality import entry

    def broken(*args, **kwargs):
        raise AttributeError("'NoneType' object has no attribute 'year'")

    monkeypatch.setattr(entry, "findings_for_data", broken)
    caplog.set_level(logging.ERROR)
    upload = stage(
        world.approver, write_national(tmp_path / "ok.xlsx", family(world, "140922100001001"))
    )
    (created,) = upload.preview["entries"]["create"]
    assert any("数据质量检查暂时无法运行" in w for w in created["warnings"])
    assert any("entry-time quality checks failed" in r.getMessage() for r in caplog.records)
