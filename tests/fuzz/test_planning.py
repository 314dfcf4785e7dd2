"""The whole import path on national-layout files with random cells: staging, reading, planning
and validating (``do_validate_upload``) — and applying what was validated — never raise. The
upload ends waiting (with each refusal named in the preview) or failed with a message; applied,
every household it counted as created is in the registry."""

from __future__ import annotations

import csv
import io
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from jingzhun.core.actions import Actor
from jingzhun.imports import actions
from jingzhun.imports.layout import TEMPLATE_COLUMNS
from jingzhun.imports.models import Status, Upload
from jingzhun.registry import choices as c
from jingzhun.registry.models import Household
from tests.fuzz.strategies import control, numbers_and_dates, raw_values, words
from tests.imports.builders import HEADER, family, write_national

PLANS = settings(
    max_examples=50,
    deadline=None,
    derandomize=True,  # the same files every run: a failure is a finding, never a fluke
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SLOW_PLANS = settings(PLANS, max_examples=200)
COLUMNS = {col.name: col for col in TEMPLATE_COLUMNS}
REQUIRED = ("户编号", "证件号码")


@pytest.fixture(autouse=True)
def _uploads(settings, tmp_path):
    settings.UPLOAD_DIR = tmp_path / "uploads"


def cell_values(title: str) -> st.SearchStrategy[Any]:
    """A value for column ``title``: one of its own (a label, a fitting number or date) or
    anything at all."""
    column = COLUMNS.get(title)
    own: list[st.SearchStrategy[Any]] = [numbers_and_dates(), words]
    if column is not None and column.choices:
        own.append(st.sampled_from([str(label) for label in getattr(c, column.choices).labels]))
    return st.one_of(*own)


@st.composite
def national_rows(draw: st.DrawFn, world: Any) -> tuple[list[str], list[dict[str, Any]]]:
    """(header, rows): a few valid families of the world's villages, then cells replaced by
    random values, columns dropped and added, rows repeated."""
    header = list(HEADER)
    extra = draw(st.lists(st.sampled_from(sorted(set(COLUMNS) - set(HEADER))), max_size=6))
    header += list(dict.fromkeys(extra))
    if not draw(st.integers(0, 2)):  # a third of the files lack some columns
        header = [t for t in header if t in REQUIRED or draw(st.integers(0, 9))]
    header = draw(st.permutations(header))
    rows: list[dict[str, Any]] = []
    for i in range(draw(st.integers(1, 3))):
        village = draw(st.sampled_from([world.village.name, world.sibling_village.name, "新村"]))
        rows += family(world, f"14092210000{i + 1:04d}", seq=i + 1, village=village)
    for _ in range(draw(st.integers(0, 4))):
        row = draw(st.sampled_from(rows))
        title = draw(st.sampled_from(header))
        row[title] = draw(cell_values(title))
    if not draw(st.integers(0, 4)):
        rows.append(dict(draw(st.sampled_from(rows))))  # a member listed twice
    return header, rows


def csv_file(header: list[str], rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if row.get(t) is None else str(row.get(t)) for t in header])
    return out.getvalue().encode("utf-8")


def parquet_file(header: list[str], rows: list[dict[str, Any]]) -> bytes:
    """Each column typed by its values where Arrow can hold them all in one type, else text:
    Parquet keeps what CSV cannot (NUL characters, NaN, 64-bit numbers, dates of any year)."""
    columns = {}
    for title in header:
        values = [row.get(title) for row in rows]
        try:
            columns[title] = pa.array(values)
        except (pa.ArrowException, TypeError, ValueError, OverflowError):
            columns[title] = pa.array([None if v is None else str(v) for v in values])
    out = io.BytesIO()
    pq.write_table(pa.table(columns), out)
    return out.getvalue()


def staged(tmp_path, world, user, header, rows, fmt: str) -> Upload:
    path = tmp_path / f"fuzz.{fmt}"
    if fmt == "xlsx":
        write_national(path, rows, header=header)
    elif fmt == "csv":
        path.write_bytes(csv_file(header, rows))
    else:
        path.write_bytes(parquet_file(list(dict.fromkeys(header)), rows))
    with path.open("rb") as stream:
        upload = actions.do_create_upload(
            actor=Actor(user=user, source="import"),
            stream=stream,
            original_name=path.name,
            kind="national",
            year=2023,
        )
    actions.do_validate_upload(upload)
    upload.refresh_from_db()
    assert upload.status in (Status.WAITING, Status.FAILED)
    if upload.status == Status.FAILED:
        assert upload.error and "内部错误" not in upload.error
    else:
        for problem in upload.preview.get("problems", []):
            assert problem["reason"] and problem["fix"]
    return upload


def validate_and_apply(tmp_path, world, data, *, apply: bool) -> None:
    user = data.draw(st.sampled_from([world.approver, world.cadre]), label="user")
    header, rows = data.draw(national_rows(world), label="file")
    fmt = data.draw(st.sampled_from(["xlsx", "csv", "parquet"]), label="format")
    with transaction.atomic():
        upload = staged(tmp_path, world, user, header, rows, fmt)
        if apply and upload.status == Status.WAITING:
            actions.do_request_apply(upload, actor=Actor(user=user, source="import"))
            actions.do_apply_upload(upload)
            upload.refresh_from_db()
            assert upload.status == Status.APPLIED, upload.error
            created = upload.result["households_created"]
            numbers = {r.get("户编号") for r in rows}
            assert Household.objects.filter(number__in=numbers).count() >= created
        transaction.set_rollback(True)  # the next example starts from the same registry


@PLANS
@given(data=st.data())
def test_validating_a_file_with_random_cells_ends_waiting_or_failed_with_a_message(
    tmp_path, world, data
):
    validate_and_apply(tmp_path, world, data, apply=False)


@PLANS
@given(data=st.data())
def test_applying_what_was_validated_never_fails(tmp_path, world, data):
    validate_and_apply(tmp_path, world, data, apply=True)


@PLANS
@given(raw=raw_values, title=st.sampled_from(sorted(COLUMNS)))
def test_any_value_in_any_column_of_a_parquet_file_is_validated_and_applied(
    tmp_path, world, raw, title
):
    rows = family(world, "140922100000001")
    for row in rows:
        row[title] = raw
    header = list(dict.fromkeys([*HEADER, title]))
    with transaction.atomic():
        upload = staged(tmp_path, world, world.approver, header, rows, "parquet")
        if upload.status == Status.WAITING:
            actions.do_request_apply(upload, actor=Actor(user=world.approver, source="import"))
            actions.do_apply_upload(upload)
            upload.refresh_from_db()
            assert upload.status == Status.APPLIED, upload.error
        transaction.set_rollback(True)


TEXT_COLUMNS = sorted(t for t, col in COLUMNS.items() if col.kind in ("text", "name"))


@PLANS
@given(
    text=st.lists(st.one_of(words, control, st.text(max_size=6)), min_size=1, max_size=4).map(
        "".join
    ),
    title=st.sampled_from(TEXT_COLUMNS),
)
@example(text="北京\x00市", title="务工所在地")
def test_control_characters_in_a_text_column_are_stored_or_refused(tmp_path, world, text, title):
    # Parquet (and CSV past its first 64 KB) carries what no spreadsheet shows: NUL, which
    # PostgreSQL cannot store, and the other control characters.
    rows = family(world, "140922100000001")
    for row in rows:
        row[title] = text
    header = list(dict.fromkeys([*HEADER, title]))
    with transaction.atomic():
        upload = staged(tmp_path, world, world.approver, header, rows, "parquet")
        if upload.status == Status.WAITING:
            actions.do_request_apply(upload, actor=Actor(user=world.approver, source="import"))
            actions.do_apply_upload(upload)
            upload.refresh_from_db()
            assert upload.status == Status.APPLIED, upload.error
        transaction.set_rollback(True)


@pytest.mark.slow
@SLOW_PLANS
@given(data=st.data())
def test_many_more_random_files_are_validated_and_applied(tmp_path, world, data):
    validate_and_apply(tmp_path, world, data, apply=True)
