"""The pages, the templates and the command: upload and preview, confirm and discard, scope
(404) and role (403), failed rows logged like an export, templates that read back as their
ledger's columns."""

from __future__ import annotations

import io
from io import StringIO
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from jingzhun.assistance.models import Cadre, Pairing, TeamPost
from jingzhun.exports.models import ExportLog
from jingzhun.ledgers.models import LedgerStatus, LedgerUpload
from jingzhun.ledgers.rows import header_for
from jingzhun.ledgers.spec import get_ledger, ledgers
from jingzhun.relocation.models import Relocation
from tests.conftest import login
from tests.ledgers.conftest import file_upload, load, write, xlsx_bytes
from tests.ledgers.test_cadres import HEADERS, good_rows


def bad_file(world: Any) -> bytes:
    rows = [*good_rows(world)]
    rows.append(
        [
            "王帮扶",
            "县农业农村局",
            None,
            "13800001111",
            world.township.name,
            "140922200001001",
            None,
            "2026-03-01",
        ]
    )
    return xlsx_bytes(HEADERS, rows)


def post_file(client, kind: str, content: bytes, name: str = "帮扶台账.xlsx"):
    return client.post(reverse("ledgers:list"), {"kind": kind, "file": file_upload(content, name)})


def test_a_manager_uploads_previews_and_applies_a_ledger(client, world, homes):
    login(client, world.approver)
    response = post_file(client, "cadres", bad_file(world))
    upload = LedgerUpload.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "ledgers:detail", args=[upload.pk]
    )
    page = client.get(response["Location"]).content.decode()
    assert "不在帮扶责任人王帮扶的帮扶范围" in page and "户编号" in page
    assert "导入全部有效的行" in page and "下载失败行" in page
    assert not Cadre.objects.exists()
    response = client.post(reverse("ledgers:apply", args=[upload.pk]))
    assert response.status_code == 302
    upload.refresh_from_db()
    assert upload.status == LedgerStatus.APPLIED and upload.decided_by == world.approver
    assert Pairing.objects.count() == 2
    # Applying twice is refused by the status: nothing more happens.
    client.post(reverse("ledgers:apply", args=[upload.pk]))
    assert Pairing.objects.count() == 2


def test_the_same_file_uploaded_twice_leads_to_the_same_upload(client, world, homes):
    login(client, world.approver)
    first = post_file(client, "cadres", bad_file(world))
    second = post_file(client, "cadres", bad_file(world), "改了名字.xlsx")
    assert first["Location"] == second["Location"]
    assert LedgerUpload.objects.count() == 1


def test_discarding_applies_nothing_and_the_file_may_be_loaded_again(client, world, homes):
    login(client, world.approver)
    post_file(client, "cadres", bad_file(world))
    upload = LedgerUpload.objects.get()
    client.post(reverse("ledgers:discard", args=[upload.pk]))
    upload.refresh_from_db()
    assert upload.status == LedgerStatus.DISCARDED and not Cadre.objects.exists()
    assert client.post(reverse("ledgers:apply", args=[upload.pk])).status_code == 302
    assert not Cadre.objects.exists()
    post_file(client, "cadres", bad_file(world))
    assert LedgerUpload.objects.count() == 2


def test_another_areas_upload_is_not_found(client, world, homes):
    upload, _ = load(world.reviewer, "cadres", bad_file(world))
    login(client, world.other_reviewer)
    for name in ("ledgers:detail", "ledgers:failed_rows"):
        assert client.get(reverse(name, args=[upload.pk])).status_code == 404
    for name in ("ledgers:apply", "ledgers:discard"):
        assert client.post(reverse(name, args=[upload.pk])).status_code == 404
    assert upload.original_name not in client.get(reverse("ledgers:list")).content.decode()
    upload.refresh_from_db()
    assert upload.status == LedgerStatus.STAGED


def test_a_role_without_the_right_is_refused(client, world, homes):
    upload, _ = load(world.approver, "cadres", bad_file(world))
    login(client, world.cadre)  # a village cadre records relocations, not cadres
    assert post_file(client, "cadres", bad_file(world)).status_code == 403
    login(client, world.analyst)
    assert post_file(client, "relocations", bad_file(world)).status_code == 403
    assert client.post(reverse("ledgers:apply", args=[upload.pk])).status_code == 403
    assert client.post(reverse("ledgers:discard", args=[upload.pk])).status_code == 403
    page = client.get(reverse("ledgers:detail", args=[upload.pk])).content.decode()
    assert "导入全部有效的行" not in page
    assert LedgerUpload.objects.get().status == LedgerStatus.STAGED and not Cadre.objects.exists()


def test_the_upload_form_offers_each_role_its_own_ledgers(client, world):
    login(client, world.cadre)
    page = client.get(reverse("ledgers:list")).content.decode()
    assert 'value="relocations"' in page and 'value="cadres"' not in page
    login(client, world.analyst)  # enters the assessment survey's results, nothing else
    page = client.get(reverse("ledgers:list")).content.decode()
    assert 'value="survey_households"' in page and 'value="cadres"' not in page
    login(client, world.city_viewer)
    assert "上传并预览" not in client.get(reverse("ledgers:list")).content.decode()


def _failed_rows(client, upload: LedgerUpload) -> list[tuple[Any, ...]]:
    response = client.get(reverse("ledgers:failed_rows", args=[upload.pk]))
    assert response.status_code == 200
    return list(
        openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)
    )


def test_failed_rows_are_the_refused_rows_with_reasons_and_the_download_is_logged(
    client, world, homes
):
    upload, _ = load(world.approver, "cadres", bad_file(world))
    login(client, world.approver)
    values = _failed_rows(client, upload)
    header = values[3]
    assert header[:8] == tuple(HEADERS) and header[8:10] == ("错误说明", "原行号")
    [row] = values[4:]
    assert (row[3], row[5], row[9]) == ("13800001111", "140922200001001", 5)
    assert "户编号：" in row[8] and "帮扶范围" in row[8] and "改正：请选择" in row[8]
    login(client, world.analyst)  # sees numbers masked
    [row] = _failed_rows(client, upload)[4:]
    assert row[3] != "13800001111" and row[3].endswith("1111")
    logs = ExportLog.objects.order_by("id")
    assert [(log.what, log.user, log.row_count, log.masked) for log in logs] == [
        ("failed_rows", world.approver, 1, False),
        ("failed_rows", world.analyst, 1, True),
    ]


def test_the_failed_rows_corrected_load_again(world, homes):
    """The failed-rows file is a ledger file: its added columns are ignored."""
    from jingzhun.core.actions import Actor
    from jingzhun.ledgers.actions import do_download_ledger_failed_rows

    upload, _ = load(world.approver, "cadres", bad_file(world))
    out = io.BytesIO()
    do_download_ledger_failed_rows(upload, out, actor=Actor(user=world.approver, source="form"))
    book = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    book.active["F5"] = "140922100001002"  # the household meant
    fixed = io.BytesIO()
    book.save(fixed)
    again, created = load(world.approver, "cadres", fixed.getvalue())
    assert created and again.counts["refused"] == 0 and again.counts["rows"] == 1
    assert set(again.preview["unknown_columns"]) == set()


@pytest.mark.parametrize("kind", [spec.kind for spec in ledgers()])
def test_each_template_opens_and_its_header_reads_as_the_ledgers_columns(client, world, kind):
    login(client, world.cadre)
    response = client.get(reverse("ledgers:template", args=[kind]))
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    spec = get_ledger(kind)
    assert book.sheetnames == [spec.title, "填写说明"]
    rows = list(book[spec.title].iter_rows(values_only=True))
    header = list(rows[3])
    recognised = header_for(spec).recognise(header)
    assert [c.key for c in recognised.values()] == [c.key for c in spec.columns]
    notes = [r[0] for r in book["填写说明"].iter_rows(min_row=5, values_only=True)]
    assert notes[: len(spec.columns)] == [c.title for c in spec.columns]
    assert client.get(reverse("ledgers:template", args=["nothing"])).status_code == 404


def _filled(spec_kind: str, values: dict[str, Any], client) -> bytes:
    book = openpyxl.load_workbook(
        io.BytesIO(client.get(reverse("ledgers:template", args=[spec_kind])).content)
    )
    spec = get_ledger(spec_kind)
    sheet = book[spec.title]
    for col, column in enumerate(spec.columns, start=1):
        if column.key in values:
            sheet.cell(row=5, column=col, value=values[column.key])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_templates_example_rows_filled_in_import(client, world, homes):
    login(client, world.approver)
    sites = _filled("sites", {"area": world.township.name}, client)
    teams = _filled("teams", {}, client)
    cadres = _filled("cadres", {"area": world.township.name, "head_name": "张建国"}, client)
    for kind, content in (("sites", sites), ("teams", teams), ("cadres", cadres)):
        upload, _ = load(world.approver, kind, content)
        assert upload.counts == {
            "rows": 1,
            "create": 1,
            "change": 0,
            "unchanged": 0,
            "refused": 0,
            "empty_rows": 0,
        }, upload.preview
        post = client.post(reverse("ledgers:apply", args=[upload.pk]))
        assert post.status_code == 302
    relocations = _filled("relocations", {"head_name": "张建国"}, client)
    upload, _ = load(world.cadre, "relocations", relocations)
    assert upload.counts["create"] == 1, upload.preview
    assert TeamPost.objects.get().name == "刘书记"
    assert Pairing.objects.get().household == homes["a"]


def test_the_command_previews_then_applies(world, homes, tmp_path):
    path = write(tmp_path / "帮扶台账.xlsx", bad_file(world))
    out = StringIO()
    call_command("ledger", "load", "--kind", "cadres", str(path), "--user", "approver", stdout=out)
    text = out.getvalue()
    assert "将新建3" in text and "拒绝1" in text and "第5行 户编号：" in text
    assert "--apply" in text and not Cadre.objects.exists()
    out = StringIO()
    call_command(
        "ledger", "load", "--kind", "cadres", str(path), "--user", "approver", "--apply", stdout=out
    )
    assert "已导入：新建3行" in out.getvalue()
    assert LedgerUpload.objects.get().status == LedgerStatus.APPLIED
    assert Pairing.objects.count() == 2
    with pytest.raises(CommandError, match="不能导入"):
        call_command(
            "ledger", "load", "--kind", "cadres", str(path), "--user", "cadre", stdout=StringIO()
        )


def test_the_relocation_command_of_a_village_cadre(world, homes, tmp_path):
    from tests.ledgers.test_relocation import HEADERS as R_HEADERS
    from tests.ledgers.test_relocation import relocation_rows

    path = write(tmp_path / "搬迁.xlsx", xlsx_bytes(R_HEADERS, relocation_rows()[1:]))
    out = StringIO()
    call_command(
        "ledger",
        "load",
        "--kind",
        "relocations",
        str(path),
        "--user",
        "cadre",
        "--apply",
        stdout=out,
    )
    assert Relocation.objects.get().household == homes["b"]


def test_a_refused_file_shows_its_reason(client, world):
    login(client, world.approver)
    response = post_file(client, "teams", b"\x00\x01 not a sheet", "队.xlsx")
    upload = LedgerUpload.objects.get()
    assert upload.status == LedgerStatus.FAILED
    page = client.get(response["Location"]).content.decode()
    assert "文件被拒收" in page and upload.error in page
