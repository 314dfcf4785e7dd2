"""The upload pages, the background worker (the real database queue) and the command."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from jingzhun.imports.models import Status, Upload
from jingzhun.registry.models import Household
from tests.conftest import login, run_worker
from tests.imports.builders import family, stage, write_national


def _post_file(client, path, **extra):
    with path.open("rb") as handle:
        return client.post(
            reverse("upload_create"),
            {"file": handle, "kind": "national", "year": "2023", **extra},
        )


def test_upload_is_validated_and_applied_by_the_worker_not_the_request(
    client, world, tmp_path, django_capture_on_commit_callbacks
):
    login(client, world.approver)
    path = write_national(tmp_path / "n.xlsx", family(world, "140922100009001"))
    with django_capture_on_commit_callbacks(execute=True):
        response = _post_file(client, path)
    upload = Upload.objects.get()
    assert response.status_code == 302
    assert upload.status == Status.UPLOADED  # the request did not parse the file
    assert DBTaskResult.objects.filter(status="READY").count() == 1

    page = client.get(reverse("upload_detail", args=[upload.pk]))
    assert 'hx-trigger="every 1s"' in page.content.decode()

    run_worker()
    upload.refresh_from_db()
    assert upload.status == Status.WAITING
    page = client.get(reverse("upload_detail", args=[upload.pk])).content.decode()
    assert "将新建的户" in page
    assert "导入全部有效的户" in page

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("upload_apply", args=[upload.pk]))
    upload.refresh_from_db()
    assert upload.status == Status.APPLYING
    assert not Household.objects.filter(number="140922100009001").exists()
    run_worker()
    upload.refresh_from_db()
    assert upload.status == Status.APPLIED
    assert Household.objects.filter(number="140922100009001").exists()
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 2


def test_the_progress_fragment_polls_while_busy_and_refreshes_when_done(client, world, tmp_path):
    login(client, world.approver)
    upload = stage(
        world.approver, write_national(tmp_path / "n.xlsx", family(world, "14092210001"))
    )
    response = client.get(reverse("upload_progress", args=[upload.pk]) + "?was_busy=1")
    assert response["HX-Refresh"] == "true"
    assert "every 1s" not in response.content.decode()


def test_rejecting_applies_nothing(client, world, tmp_path):
    login(client, world.approver)
    upload = stage(
        world.approver, write_national(tmp_path / "n.xlsx", family(world, "140922100009001"))
    )
    client.post(reverse("upload_reject", args=[upload.pk]))
    upload.refresh_from_db()
    assert upload.status == Status.REJECTED
    response = client.post(reverse("upload_apply", args=[upload.pk]))
    upload.refresh_from_db()
    assert upload.status == Status.REJECTED
    assert not Household.objects.filter(number="140922100009001").exists()
    assert response.status_code == 302


@pytest.mark.parametrize("persona", ["inspector", "analyst", "city_viewer"])
def test_read_only_roles_see_nothing_to_click_and_get_403_on_post(client, world, tmp_path, persona):
    upload = stage(
        world.approver, write_national(tmp_path / "n.xlsx", family(world, "140922100009001"))
    )
    user = getattr(world, persona)
    login(client, user)
    listing = client.get(reverse("upload_list")).content.decode()
    assert "上传并校验" not in listing
    if user.area.code.startswith("140922"):
        detail = client.get(reverse("upload_detail", args=[upload.pk])).content.decode()
        assert "导入全部有效的户" not in detail
    assert _post_file(client, tmp_path / "n.xlsx").status_code == 403
    for name in ("upload_apply", "upload_reject"):
        status = client.post(reverse(name, args=[upload.pk])).status_code
        assert status in (403, 404)
    upload.refresh_from_db()
    assert upload.status == Status.WAITING


def test_out_of_scope_uploads_answer_404(client, world, tmp_path):
    upload = stage(
        world.approver, write_national(tmp_path / "n.xlsx", family(world, "140922100009001"))
    )
    login(client, world.outsider)
    for name in ("upload_detail", "upload_progress", "upload_failed_rows"):
        assert client.get(reverse(name, args=[upload.pk])).status_code == 404
    assert client.post(reverse("upload_apply", args=[upload.pk])).status_code == 404
    assert upload.pk not in [u.pk for u in client.get(reverse("upload_list")).context["uploads"]]
    login(client, world.cadre)  # a village cadre does not see the county's file either
    assert client.get(reverse("upload_detail", args=[upload.pk])).status_code == 404


def test_a_bad_upload_form_names_the_field(client, world, tmp_path):
    login(client, world.approver)
    path = write_national(tmp_path / "n.xlsx", family(world, "140922100009001"))
    response = _post_file(client, path, year="")
    assert response.status_code == 400
    assert "收入年度" in response.content.decode()
    assert not Upload.objects.exists()


def test_the_template_has_a_dropdown_for_every_value_list(client, world):
    login(client, world.cadre)
    response = client.get(reverse("import_template"))
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book["农户信息"]
    header = [c.value for c in sheet[3]]
    assert header[:4] == ["县", "乡", "村", "户编号"]
    validated_columns = set()
    for validation in sheet.data_validations.dataValidation:
        for cell_range in validation.sqref.ranges:
            validated_columns.add(cell_range.min_col)
    for title in ("性别", "与户主关系", "户类型", "劳动技能", "是否危房户", "民族"):
        assert header.index(title) + 1 in validated_columns, title
    assert book["值列表"].sheet_state == "hidden"


def test_an_empty_template_filled_in_is_accepted(client, world, tmp_path):
    from jingzhun.imports.spreadsheets import write_household_template

    out = io.BytesIO()
    write_household_template(out)
    book = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    sheet = book["农户信息"]
    header = [c.value for c in sheet[3]]
    for i, row in enumerate(family(world, "140922100009001")):
        for key, value in row.items():
            title = {"县(市、区、旗)": "县", "乡(镇)": "乡", "行政村": "村"}.get(key, key)
            sheet.cell(row=4 + i, column=header.index(title) + 1, value=value)
    path = tmp_path / "filled.xlsx"
    book.save(path)
    upload = stage(world.approver, path, kind="households")
    assert upload.counts["households_create"] == 1, upload.preview["problems"]


def test_the_command_previews_and_applies_nothing_without_a_terminal(world, tmp_path, capsys):
    path = write_national(tmp_path / "n.xlsx", family(world, "140922100009001"))
    call_command("import", "national", str(path), "--year", "2023", "--user", "approver")
    out = capsys.readouterr().out
    assert "将新建1户" in out
    assert "--apply-valid" in out
    assert not Household.objects.filter(number="140922100009001").exists()


def test_the_command_applies_the_valid_part(world, tmp_path, capsys):
    path = write_national(tmp_path / "n.xlsx", family(world, "140922100009001"))
    call_command(
        "import", "national", str(path), "--year", "2023", "--user", "approver", "--apply-valid"
    )
    out = capsys.readouterr().out
    assert "已导入：新建1户" in out
    assert Household.objects.filter(number="140922100009001").exists()


def test_the_command_dry_run_writes_nothing(world, tmp_path, capsys):
    path = write_national(tmp_path / "n.xlsx", family(world, "140922100009001"))
    call_command(
        "import",
        "national",
        str(path),
        "--year",
        "2023",
        "--user",
        "approver",
        "--dry-run",
        "--apply-valid",
    )
    assert "试运行" in capsys.readouterr().out
    assert not Household.objects.filter(number="140922100009001").exists()


def test_the_upload_form_is_forbidden_to_read_only_roles(client, world):
    login(client, world.inspector)
    assert client.get(reverse("upload_create")).status_code == 403
    login(client, world.cadre)
    assert client.get(reverse("upload_create")).status_code == 200


def test_income_columns_without_a_year_are_refused_with_the_fix(world, tmp_path):
    upload = stage(
        world.approver,
        write_national(tmp_path / "n.xlsx", family(world, "140922100009001")),
        kind="households",
        year=None,
    )
    assert upload.counts["households_refused"] == 1
    assert any("收入年度" in p["reason"] for p in upload.preview["problems"])


def test_a_crash_while_validating_fails_the_upload_instead_of_leaving_it_spinning(
    world, tmp_path, monkeypatch
):
    from jingzhun.imports import actions

    path = write_national(tmp_path / "n.xlsx", family(world, "140922100009001"))

    def broken(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(actions, "build_plan", broken)
    with pytest.raises(RuntimeError):
        stage(world.approver, path)
    upload = Upload.objects.get()
    assert upload.status == Status.FAILED
    assert "内部错误" in upload.error


def test_the_upload_list_does_not_query_per_upload(
    client, world, tmp_path, django_assert_num_queries
):
    path = write_national(tmp_path / "n.xlsx", family(world, "140922100009001"))
    login(client, world.approver)
    stage(world.approver, path)
    with django_assert_num_queries(4) as one:
        client.get(reverse("upload_list"))
    for _ in range(3):
        stage(world.approver, path)
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(reverse("upload_list"))
    assert len(response.context["uploads"]) == 4


@pytest.mark.parametrize(("answer", "created"), [("y", True), ("n", False)])
def test_the_command_asks_on_a_terminal(world, tmp_path, capsys, monkeypatch, answer, created):
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: answer)
    path = write_national(tmp_path / "n.xlsx", family(world, "140922100009001"))
    call_command("import", "national", str(path), "--year", "2023", "--user", "approver")
    assert Household.objects.filter(number="140922100009001").exists() is created
    upload = Upload.objects.get()
    assert upload.status == (Status.APPLIED if created else Status.REJECTED)
