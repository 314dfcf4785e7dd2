"""Bad batches are refused with a clear message and change nothing; dirty rows that can still be
identified are loaded; every file format and encoding reads."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from jingzhun.core.actions import Actor, PermissionDenied
from jingzhun.core.idnumber import make_id_number
from jingzhun.crosscheck import intake
from jingzhun.crosscheck.kinds import KindError, all_kinds, get_kind
from jingzhun.crosscheck.loading import BatchRefused
from jingzhun.crosscheck.models import Alert, Batch, Record
from tests.crosscheck.conftest import head, load, write_csv

pytestmark = pytest.mark.django_db
DEATHS = ["姓名", "公民身份号码", "出生日期", "性别", "户籍地址", "死亡日期"]


def stage(world, kind, path, as_of=dt.date(2026, 11, 30), user=None):
    return intake.stage_file(
        actor=Actor(user=user or world.approver, source="command"),
        kind=kind,
        area=world.county,
        path=path,
        as_of=as_of,
        source="command",
    )


def test_at_least_the_fourteen_kinds_ship_each_with_rules_that_exist():
    from jingzhun.crosscheck.rules import RULES

    kinds = all_kinds()
    assert len(kinds) >= 14
    for kind in kinds.values():
        assert kind.rules and set(kind.rules) <= set(RULES), kind.code


def test_an_unknown_kind_names_the_known_ones():
    with pytest.raises(KindError, match="deaths"):
        get_kind("weather")


def test_a_file_with_unknown_columns_is_refused_and_nothing_is_stored(world, tmp_path):
    path = write_csv(tmp_path / "x.csv", ["编号", "备注", "金额"], [["1", "x", "3"]])
    with pytest.raises(BatchRefused, match="没有找到“死亡和户籍注销人员”的表头"):
        stage(world, "deaths", path)
    assert not Batch.objects.exists()


def test_a_file_of_another_kind_is_named(world, tmp_path):
    path = write_csv(
        tmp_path / "students.csv",
        ["学生姓名", "身份证号", "学籍状态", "变动日期"],
        [["王小明", "", "辍学", "2026-09-01"]],
    )
    with pytest.raises(BatchRefused, match="学生学籍"):
        stage(world, "deaths", path)
    assert not Batch.objects.exists()


def test_a_batch_from_the_future_is_refused(world, tmp_path):
    path = write_csv(
        tmp_path / "d.csv", DEATHS, [["王五", "", "1950-01-01", "男", "", "2026-10-01"]]
    )
    with pytest.raises(BatchRefused, match="晚于今天"):
        stage(world, "deaths", path, as_of=dt.date(2026, 12, 2))
    assert not Batch.objects.exists()


def test_a_village_cadre_may_not_load(world, tmp_path):
    path = write_csv(
        tmp_path / "d.csv", DEATHS, [["王五", "", "1950-01-01", "男", "", "2026-10-01"]]
    )
    with pytest.raises(PermissionDenied):
        stage(world, "deaths", path, user=world.cadre)
    assert not Batch.objects.exists()


def test_bad_rows_are_refused_with_row_column_reason_and_fix_and_the_rest_load(world, tmp_path):
    good = make_id_number("140922", dt.date(1950, 1, 1), 11)
    bad_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    path = write_csv(
        tmp_path / "d.csv",
        DEATHS,
        [
            ["王五", good, "", "", "", "2026-10-01"],
            ["赵六", bad_check, "", "", "", "2026-10-01"],  # check character fails
            ["孙七", "", "", "", "东冶村", "2026-10-01"],  # neither ID nor birth date
            ["周八", "", "1950年1月1日", "女", "", "昨天"],  # unreadable date
            ["吴九", "", "19500101", "女", "", "2026/10/1"],  # dates in other forms
        ],
    )
    batch, _ = stage(world, "deaths", path)
    assert batch.counts == {"rows": 5, "records": 2, "refused": 3}
    rows = {(r["row"], r["column"]) for r in batch.refusals}
    assert rows == {(3, "公民身份号码"), (4, "证件号码"), (5, "死亡日期")}
    assert all(r["reason"] and r["fix"] for r in batch.refusals)
    wu = Record.objects.get(name="吴九")
    assert (wu.birth_date, wu.event_date, wu.sex) == (
        dt.date(1950, 1, 1),
        dt.date(2026, 10, 1),
        "F",
    )


def test_a_15_digit_id_and_full_width_digits_are_normalised(world, tmp_path, families):
    member = head(families[0])
    eighteen = member.id_number
    fifteen = eighteen[:6] + eighteen[8:17]
    path = write_csv(tmp_path / "d.csv", DEATHS, [["张建国", fifteen, "", "", "", "2026-10-02"]])
    batch = load(world, "deaths", path)
    assert Record.objects.get().id_number == eighteen
    assert batch.counts["linked_exact"] == 1
    full_width = "".join(chr(ord(ch) + 0xFEE0) if ch.isdigit() else ch for ch in eighteen)
    path = write_csv(tmp_path / "e.csv", DEATHS, [["张建国", full_width, "", "", "", "2026-10-03"]])
    load(world, "deaths", path)
    assert Record.objects.filter(id_number=eighteen).count() == 2


def test_gbk_csv_xlsx_and_parquet_read_alike(world, tmp_path):
    rows = [["王五", "", "1950-01-01", "男", "五台县东冶村", "2026-10-01"]]
    gbk = write_csv(tmp_path / "gbk.csv", DEATHS, rows, encoding="gbk")
    book = Workbook()
    sheet = book.active
    sheet.append(["县公安局死亡人员名单"])  # a title row above the header
    sheet.append(DEATHS)
    sheet.append(rows[0])
    book.save(tmp_path / "d.xlsx")
    table = pa.table({title: [value] for title, value in zip(DEATHS, rows[0], strict=True)})
    pq.write_table(table, tmp_path / "d.parquet")
    for path in (gbk, tmp_path / "d.xlsx", tmp_path / "d.parquet"):
        batch, new = stage(world, "deaths", path)
        assert new and batch.counts["records"] == 1, path
        record = batch.records.get()
        assert (record.name, record.area_code) == ("王五", world.village.code)


def test_the_command_loads_compares_and_reports(world, tmp_path, families, capsys):
    member = head(families[0])
    path = write_csv(
        tmp_path / "d.csv", DEATHS, [["张建国", member.id_number, "", "", "", "2026-10-02"]]
    )
    call_command(
        "crosscheck",
        "load",
        str(path),
        "--dataset",
        "deaths",
        "--as-of",
        "2026-11-30",
        "--user",
        "approver",
    )
    out = capsys.readouterr().out
    assert "证件号码一致1条" in out and "新预警1条" in out
    call_command(
        "crosscheck",
        "load",
        str(path),
        "--dataset",
        "deaths",
        "--as-of",
        "2026-11-30",
        "--user",
        "approver",
    )
    assert "未作任何改动" in capsys.readouterr().out
    assert Alert.objects.count() == 1
    with pytest.raises(CommandError, match="晚于今天"):
        call_command(
            "crosscheck",
            "load",
            str(path),
            "--dataset",
            "deaths",
            "--as-of",
            "2027-01-01",
            "--user",
            "approver",
        )
    with pytest.raises(CommandError, match="没有“weather”"):
        call_command("crosscheck", "load", str(path), "--dataset", "weather", "--user", "approver")
