"""A county on a fixed day, its households, and ledger files written the way counties write
them (xlsx with a title row, CSV in UTF-8 or GBK)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
import time_machine
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile

from jingzhun.core.actions import Actor
from jingzhun.ledgers import actions
from jingzhun.ledgers.models import LedgerUpload
from jingzhun.policy.parameters import invalidate_cache
from tests import factories

TODAY = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def clock():
    """Every test runs on 2026-12-01."""
    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def fresh_parameters():
    invalidate_cache()
    yield
    invalidate_cache()


@pytest.fixture(autouse=True)
def upload_dir(settings, tmp_path):
    settings.UPLOAD_DIR = tmp_path / "uploads"


@pytest.fixture
def homes(world: Any) -> dict[str, Any]:
    """Two 脱贫户 in 东冶村 (world.village), one in 南村 (world.far_village, other township)."""
    return {
        "a": factories.make_household(world.actor(), world.village, number="140922100001001"),
        "b": factories.make_household(world.actor(), world.village, number="140922100001002"),
        "far": factories.make_household(
            world.actor(world.approver), world.far_village, number="140922200001001"
        ),
    }


def xlsx_bytes(headers: list[str], rows: list[list[Any]], *, title: str = "") -> bytes:
    """A sheet as counties keep it: an optional title row above the header."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("台账")
    start = 0
    if title:
        sheet.write_string(0, 0, title)
        start = 2
    sheet.write_row(start, 0, headers)
    for offset, row in enumerate(rows, start=start + 1):
        for col, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, dt.date):
                sheet.write_datetime(offset, col, dt.datetime.combine(value, dt.time()))
            elif isinstance(value, int | float):
                sheet.write_number(offset, col, value)
            else:
                sheet.write_string(offset, col, str(value))
    book.close()
    return out.getvalue()


def csv_bytes(headers: list[str], rows: list[list[Any]], *, encoding: str = "utf-8") -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return text.getvalue().encode(encoding)


def load(
    user: Any, kind: str, content: bytes, name: str = "台账.xlsx"
) -> tuple[LedgerUpload, bool]:
    return actions.do_load_ledger(
        actor=Actor(user=user, source="import"),
        kind=kind,
        stream=io.BytesIO(content),
        original_name=name,
    )


def apply(user: Any, upload: LedgerUpload) -> LedgerUpload:
    return actions.do_apply_ledger_upload(upload, actor=Actor(user=user, source="form"))


def refused(upload: LedgerUpload) -> dict[int, list[dict[str, str]]]:
    """Row number → its problems, of the preview."""
    return {r["row"]: r["problems"] for r in upload.preview["rows"] if r["action"] == "refused"}


def actions_by_row(upload: LedgerUpload) -> dict[int, str]:
    return {r["row"]: r["action"] for r in upload.preview["rows"]}


def file_upload(content: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def write(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path
