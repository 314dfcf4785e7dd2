"""The export pages, the list-page button, the export log and background exports."""

from __future__ import annotations

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext

from jingzhun.audit.models import AuditEntry
from jingzhun.exports.models import ExportLog, ExportStatus
from tests import factories
from tests.conftest import login
from tests.exports.helpers import column, read_csv, read_rows

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def post_export(client, **data):
    return client.post(
        "/exports/new/", {"what": "members", "format": "csv", "layout": "project", **data}
    )


def test_the_list_page_offers_an_export_of_the_current_filters(client, world, household):
    page = login(client, world.analyst).get("/households/")
    assert 'data-export-url="/exports/new/"' in page.content.decode()


def test_the_export_page_is_prefilled_from_the_list_filters(client, world, household):
    page = login(client, world.inspector).get(
        f"/exports/new/?area={world.village.code}&household_type=exited&year=2024"
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert f'value="{world.village.code}" selected' in html
    assert 'value="exited" selected' in html
    assert "已脱敏" in html


def test_a_csv_export_streams_and_is_logged(client, world, household, tmp_path):
    response = post_export(login(client, world.analyst), layout="national")
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Disposition"].startswith('attachment; filename="jingzhun-national')
    rows = read_csv(b"".join(response.streaming_content))
    assert len(rows) == 3 + 3
    assert "*" in column(rows, "national", "csv", "证件号码")[0]
    log = ExportLog.objects.get()
    assert (log.user, log.status, log.row_count, log.masked) == (world.analyst, "done", 3, True)
    assert (log.layout, log.format, log.area_code) == ("national", "csv", world.county.code)
    assert AuditEntry.objects.filter(action="export_data", object_id=str(log.pk)).exists()


@pytest.mark.parametrize("fmt", ["xlsx", "parquet"])
def test_small_xlsx_and_parquet_exports_are_sent_at_once(
    client, world, household, tmp_path, fmt, settings
):
    settings.EXPORT_DIR = tmp_path / "exports"
    response = post_export(login(client, world.cadre), format=fmt, what="households")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    path = tmp_path / f"x.{fmt}"
    path.write_bytes(b"".join(response.streaming_content))
    assert column(read_rows(path, fmt), "project", fmt, "户编号") == [household.number]
    assert list(settings.EXPORT_DIR.iterdir()) == []  # the temp file is gone once sent
    log = ExportLog.objects.get()
    assert (log.status, log.row_count, log.what) == ("done", 1, "households")


def test_bad_filters_are_refused_with_a_message_and_nothing_is_logged(client, world, household):
    response = post_export(login(client, world.cadre), household_type="nonsense", year="20x4")
    assert response.status_code == 400
    html = response.content.decode()
    assert "取值“nonsense”无效" in html and "“20x4”不是整数" in html
    assert not ExportLog.objects.exists()


def test_an_out_of_scope_area_exports_nothing(client, world, household):
    response = post_export(login(client, world.outsider), area=world.village.code)
    rows = read_csv(b"".join(response.streaming_content))
    assert rows[1:] == []


def _csv_export_queries(client, user) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = post_export(client, what="members", layout="national")
        b"".join(response.streaming_content)
    return len(queries)


def test_csv_export_query_count_does_not_grow_with_rows(client, world):
    login(client, world.reviewer)
    for i in range(3):
        factories.make_household(
            world.actor(world.reviewer), world.village, number=f"14092210000{i:04d}"
        )
    few = _csv_export_queries(client, world.reviewer)
    for i in range(3, 30):
        factories.make_household(
            world.actor(world.reviewer), world.sibling_village, number=f"14092210000{i:04d}"
        )
    many = _csv_export_queries(client, world.reviewer)
    assert few == many
    assert ExportLog.objects.order_by("id").last().row_count == 90


def test_inspectors_see_every_export_in_their_area_and_cadres_only_their_own(
    client, world, household
):
    post_export(login(client, world.cadre)).getvalue()
    post_export(login(client, world.sibling_cadre)).getvalue()
    post_export(login(client, world.outsider)).getvalue()
    page = login(client, world.inspector).get("/exports/")
    html = page.content.decode()
    assert "cadre2" in html and ">cadre<" in html and "outsider" not in html
    page = login(client, world.sibling_cadre).get("/exports/")
    assert ">cadre<" not in page.content.decode()
    cadre_log = ExportLog.objects.get(user=world.cadre)
    assert login(client, world.sibling_cadre).get(f"/exports/{cadre_log.pk}/").status_code == 404
    assert login(client, world.inspector).get(f"/exports/{cadre_log.pk}/").status_code == 200


def test_large_xlsx_exports_run_in_the_background_with_a_download_link(
    client, world, household, settings, tmp_path
):
    settings.EXPORT_SYNC_MAX_HOUSEHOLDS = 0
    settings.EXPORT_DIR = tmp_path
    settings.TASKS = IMMEDIATE
    response = post_export(login(client, world.cadre), format="xlsx", layout="national")
    log = ExportLog.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/exports/{log.pk}/"
    assert (log.status, log.row_count) == (ExportStatus.DONE, 3)
    page = client.get(f"/exports/{log.pk}/")
    assert f"/exports/{log.pk}/download/" in page.content.decode()
    download = client.get(f"/exports/{log.pk}/download/")
    path = tmp_path / "d.xlsx"
    path.write_bytes(b"".join(download.streaming_content))
    assert len(read_rows(path, "xlsx")) == 3 + 3
    # Inspectors see the log but not the personal data in the file.
    login(client, world.inspector)
    assert client.get(f"/exports/{log.pk}/").status_code == 200
    assert client.get(f"/exports/{log.pk}/download/").status_code == 404


def test_a_queued_export_page_polls_until_done(client, world, household, settings):
    settings.EXPORT_SYNC_MAX_HOUSEHOLDS = 0
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    post_export(login(client, world.cadre), format="parquet")
    log = ExportLog.objects.get()
    assert log.status == ExportStatus.QUEUED
    fragment = client.get(f"/exports/{log.pk}/", headers={"HX-Request": "true"})
    html = fragment.content.decode()
    assert 'hx-trigger="every 2s"' in html and "<html" not in html


def test_exports_require_login(client):
    assert client.get("/exports/new/").status_code == 302
    assert client.get("/exports/").status_code == 302


def test_the_lists_other_filters_come_along_to_the_export(client, world, household):
    """The income range (and the group, at_risk) have no control on the export form: they are
    carried as hidden fields and applied, never dropped."""
    login(client, world.analyst)
    form = client.get("/exports/new/?year=2024&income_min=0&income_max=1&at_risk=1").content
    html = form.decode()
    assert 'name="income_min" value="0"' in html and 'name="at_risk" value="1"' in html
    narrow = {"what": "households", "year": "2024", "income_min": "0", "income_max": "1"}
    rows = read_csv(b"".join(post_export(client, **narrow).streaming_content))
    assert column(rows, "project", "csv", "户编号") == []  # nobody earns under 1 yuan
    wide = narrow | {"income_max": "1000000"}
    rows = read_csv(b"".join(post_export(client, **wide).streaming_content))
    assert column(rows, "project", "csv", "户编号") == [household.number]
    bad = post_export(client, **(narrow | {"income_min": "abc"}))
    assert bad.status_code == 400 and "“abc”不是金额" in bad.content.decode()
