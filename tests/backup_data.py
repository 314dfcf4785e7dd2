"""An installation filled through the real actions, and every table of one as rows, for the
backup tests (tests/test_backup.py). Run in a subprocess whose ``JINGZHUN_VAR_DIR`` and
``DATABASE_URL`` name the installation::

    python -m tests.backup_data build        # migrate and fill it (below)
    python -m tests.backup_data dump FILE    # every table's rows, as JSON

``build`` makes: the demo (areas, the demo users, households with members, incomes,
conditions, measures and risks, open cases with a 评议会议记录 attachment under
``media/cases/``, a notice, audit entries); a national-format import uploaded, validated and
applied by the village cadre (a file under ``uploads/``); a county monitoring threshold added
by the administrator (``policy.ParameterValue``); a stored batch evaluation (a Parquet file
under ``evaluations/``, and the snapshot it was computed from, which backups leave out); an
export into ``exports/``; a login (a session row) and an API token.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import sys
import tempfile
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

PARAMETER_SOURCE = "五台县2025年防返贫监测范围通知"


def build() -> None:
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from jingzhun.accounts.models import User
    from jingzhun.core.actions import Actor
    from jingzhun.demo.generator import DEMO_PASSWORD
    from jingzhun.imports.models import Upload
    from jingzhun.policy.actions import do_add_parameter_value
    from tests.imports.builders import apply, family, stage, write_national

    quiet = io.StringIO()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("demo", households=30, stdout=quiet)
    cadre = User.objects.get(username="cun")
    admin = User.objects.get(username="admin")

    village = cadre.area
    world = SimpleNamespace(county=village.parent.parent, township=village.parent, village=village)
    with tempfile.TemporaryDirectory() as scratch:
        rows = family(world, f"{village.code}901", seq=7)
        for row in rows:  # ID numbers of the village's own county
            row["证件号码"] = row["证件号码"].replace("140922", village.code[:6], 1)
        path = write_national(Path(scratch) / "监测对象信息.xlsx", rows)
        upload = stage(cadre, path, year=2024)
        upload = apply(upload, cadre)
    assert Upload.objects.get(pk=upload.pk).status == "applied", upload.status

    do_add_parameter_value(
        Actor(user=admin, source="form", ip="127.0.0.1"),
        name="monitoring_threshold",
        region=village.code[:6],
        effective_from=dt.date(2025, 1, 1),
        value=Decimal(7600),
        unit="元/人·年",
        source=PARAMETER_SOURCE,
        confirmed=True,
    )
    call_command("evaluate", year=2024, store=True, stdout=quiet, stderr=quiet)
    export = Path(settings.EXPORT_DIR) / "监测对象.csv"
    export.parent.mkdir(parents=True, exist_ok=True)
    call_command("export", what="members", user="xian", out=str(export), stdout=quiet)

    client = Client()
    login = client.post("/login/", {"username": "xiang", "password": DEMO_PASSWORD})
    assert login.status_code == 302, login.status_code
    token = client.post("/api/v1/auth/token/", {"username": "cun", "password": DEMO_PASSWORD})
    assert token.status_code == 200, token.content


def _plain(value: Any) -> Any:
    """One JSON value per cell, the same whichever driver returned it."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return str(value)  # dates, times, Decimal, UUID


def dump(out: Path) -> None:
    """Write ``{"models": [table of every model], "tables": {table: {"columns", "rows"}}}``,
    rows as sorted JSON strings, for every table of the database."""
    from django.apps import apps
    from django.db import connection

    tables: dict[str, Any] = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            columns = [d[0] for d in cursor.description]
            rows = sorted(
                json.dumps([_plain(v) for v in row], ensure_ascii=False)
                for row in cursor.fetchall()
            )
            tables[table] = {"columns": columns, "rows": rows}
    models = sorted({m._meta.db_table for m in apps.get_models(include_auto_created=True)})
    out.write_text(json.dumps({"models": models, "tables": tables}, ensure_ascii=False))


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")
    import django

    django.setup()
    if argv[:1] == ["build"]:
        build()
    elif argv[:1] == ["dump"] and len(argv) == 2:
        dump(Path(argv[1]))
    else:
        raise SystemExit("usage: python -m tests.backup_data build | dump FILE")


if __name__ == "__main__":
    main(sys.argv[1:])
