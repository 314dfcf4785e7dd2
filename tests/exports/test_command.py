"""``jingzhun export``."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from jingzhun.exports.models import ExportLog
from tests.exports.helpers import column, read_rows


def test_it_refuses_without_a_user_and_says_why(world, household, tmp_path):
    with pytest.raises(CommandError, match="--user"):
        call_command("export", "--out", str(tmp_path / "x.csv"))
    assert not ExportLog.objects.exists()


def test_it_refuses_an_area_outside_the_users_scope(world, household, tmp_path):
    with pytest.raises(CommandError, match="不在用户"):
        call_command(
            "export",
            "--user",
            "cadre",
            "--area",
            world.sibling_village.code,
            "--out",
            str(tmp_path / "x.csv"),
        )


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_it_exports_as_the_named_user_with_progress_on_stderr(
    world, household, tmp_path, fmt, capsys
):
    out = tmp_path / f"national.{fmt}"
    call_command(
        "export", "--user", "analyst", "--layout", "national", "--year", "2024", "--out", str(out)
    )
    captured = capsys.readouterr()
    assert "已导出 3 行" in captured.err
    assert "已导出 3 行" in captured.out and "脱敏" in captured.out
    ids = column(read_rows(out, fmt), "national", fmt, "证件号码")
    assert len(ids) == 3 and all("*" in i for i in ids)
    log = ExportLog.objects.get()
    assert (log.source, log.user, log.row_count, log.format) == ("command", world.analyst, 3, fmt)


def test_it_needs_a_format_it_can_tell(world, household, tmp_path):
    with pytest.raises(CommandError, match="--format"):
        call_command("export", "--user", "cadre", "--out", str(tmp_path / "x.txt"))
