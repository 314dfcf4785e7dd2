"""``jingzhun backup`` and ``jingzhun restore``, tested by restoring.

A source installation is built once per engine through the real actions (tests/backup_data.py:
the demo, an applied import, an administrator's parameter value, a stored evaluation, an
export, a login and an API token) in its own var dir and database, and backed up with the
real command in a subprocess. Each test restores into a genuinely separate installation — a
fresh var dir and, on PostgreSQL, a database created for the test and dropped after it — and
compares every table row by row and every file byte by byte.

The PostgreSQL variants run in the PostgreSQL pass (DATABASE_URL=postgres://…); the databases
they create are named after the configured one (``<name>_bk_<random>_<role>``). The SQLite
online-backup test writes from a second connection at each step of the copy: deterministic,
no clock and no threads.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import dj_database_url
import psycopg
import pytest
from django.db import connection

from jingzhun.ops import archive as archive_module
from jingzhun.ops.archive import Manifest
from jingzhun.ops.backup import create_backup
from jingzhun.ops.databases import (
    FILLED_BY_MIGRATE,
    SqliteDatabase,
    check_dump_version,
    require_tool,
    tool_major,
)
from jingzhun.ops.errors import BackupError
from jingzhun.ops.files import DataRoot, Layout

REPO = Path(__file__).resolve().parent.parent

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL backup and restore run in the PostgreSQL pass (DATABASE_URL=postgres://…)",
)
ENGINES = ["sqlite", pytest.param("postgresql", marks=on_postgresql)]

# What a backup leaves out of var/: the database files (copied on their own), collected static
# files, the Parquet snapshots (derived), the secret key (only when asked) and backups.
NOT_USER_DATA = ("jingzhun.sqlite3", "static/", "snapshot/", "secret_key", "backups/")


# --- installations in subprocesses -----------------------------------------------------------


@dataclass
class Installation:
    """A var dir and a database, driven through the ``jingzhun`` console script."""

    var: Path
    database_url: str | None = None  # None: SQLite in var/

    def env(self) -> dict[str, str]:
        env = {**os.environ, "JINGZHUN_VAR_DIR": str(self.var)}
        env.pop("DJANGO_SECRET_KEY", None)  # the key file in var/ is what is being tested
        env.pop("DATABASE_URL", None)
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        return env

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "jingzhun.cli", *args],
            cwd=REPO,
            env=self.env(),
            capture_output=True,
            text=True,
            check=False,
        )

    def ok(self, *args: str) -> str:
        done = self.run(*args)
        assert done.returncode == 0, f"jingzhun {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def helper(self, *args: str) -> None:
        subprocess.run(
            [sys.executable, "-m", "tests.backup_data", *args],
            cwd=REPO,
            env=self.env(),
            check=True,
        )

    def tables(self) -> dict[str, Any]:
        """Every table's rows (tests/backup_data.py dump)."""
        out = self.var.parent / f"{self.var.name}-{uuid.uuid4().hex[:6]}.json"
        self.helper("dump", str(out))
        return json.loads(out.read_text())

    def files(self) -> dict[str, bytes]:
        """The user files under var/, by path relative to it (what a restore must bring back)."""
        found = {}
        for path in self.var.rglob("*"):
            relative = path.relative_to(self.var).as_posix()
            if path.is_file() and not relative.startswith(NOT_USER_DATA):
                found[relative] = path.read_bytes()
        return found

    def key(self) -> bytes:
        return (self.var / "secret_key").read_bytes()


class PostgresDatabases:
    """Databases created for one test (or module) beside the configured one, dropped after."""

    def __init__(self) -> None:
        self.url = dj_database_url.parse(os.environ["DATABASE_URL"])
        self.created: list[str] = []

    def _admin(self) -> psycopg.Connection:
        u = self.url
        return psycopg.connect(
            dbname=u["NAME"],
            user=u["USER"] or None,
            password=u["PASSWORD"] or None,
            host=u["HOST"] or None,
            port=u["PORT"] or None,
            autocommit=True,
        )

    def create(self, role: str) -> str:
        """A new empty database; returns its DATABASE_URL."""
        name = f"{self.url['NAME']}_bk_{uuid.uuid4().hex[:8]}_{role}"
        with self._admin() as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        raw = os.environ["DATABASE_URL"]
        return raw[: raw.rindex("/") + 1] + name

    def drop_all(self) -> None:
        with self._admin() as admin:
            for name in self.created:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _installation_factory(
    base: Path, databases: PostgresDatabases | None
) -> Callable[[str], Installation]:
    """Makes installations with a new var dir under ``base`` and, given ``databases``, a new
    empty PostgreSQL database each (else SQLite in the var dir)."""

    def make(role: str) -> Installation:
        var = base / f"{role}-{uuid.uuid4().hex[:6]}"
        url = databases.create(role) if databases is not None else None
        return Installation(var, url)

    return make


@dataclass
class Source:
    installation: Installation
    archive: Path  # jingzhun backup (no secret key)
    archive_with_key: Path  # jingzhun backup --include-secret-key
    output: str  # what the backup printed
    tables: dict[str, Any] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)


@pytest.fixture(scope="module", params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="module")
def module_databases(engine: str) -> Iterator[PostgresDatabases | None]:
    if engine != "postgresql":
        yield None
        return
    databases = PostgresDatabases()
    yield databases
    databases.drop_all()


@pytest.fixture(scope="module")
def source(
    engine: str,
    module_databases: PostgresDatabases | None,
    tmp_path_factory: pytest.TempPathFactory,
) -> Source:
    base = tmp_path_factory.mktemp(f"backup-{engine}")
    installation = _installation_factory(base, module_databases)("source")
    installation.helper("build")
    backups = base / "backups"
    output = installation.ok("backup", "--out", f"{backups}/")
    (archive,) = backups.glob("*.tar.gz")
    keyed = installation.ok(
        "backup", "--out", str(base / "with-key.tar.gz"), "--include-secret-key"
    )
    assert "secret_key" in keyed
    return Source(
        installation,
        archive,
        base / "with-key.tar.gz",
        output,
        installation.tables(),
        installation.files(),
    )


@pytest.fixture
def fresh(engine: str, tmp_path: Path) -> Iterator[Callable[[str], Installation]]:
    """New empty installations (a var dir; a new empty database on PostgreSQL)."""
    databases = PostgresDatabases() if engine == "postgresql" else None
    yield _installation_factory(tmp_path, databases)
    if databases is not None:
        databases.drop_all()


def assert_same_tables(expected: dict[str, Any], found: dict[str, Any]) -> None:
    assert sorted(found["tables"]) == sorted(expected["tables"])
    for table, content in expected["tables"].items():
        assert found["tables"][table] == content, f"table {table} differs after the restore"


def _read(tar: tarfile.TarFile, member: tarfile.TarInfo | str) -> bytes:
    stream = tar.extractfile(member)
    assert stream is not None
    return stream.read()


def _manifest(archive: Path) -> Manifest:
    with tarfile.open(archive) as tar:
        return Manifest.from_json(_read(tar, "manifest.json"))


def _rewrite(archive: Path, out: Path, change: Callable[[str, bytes], bytes | None]) -> Path:
    """A copy of ``archive`` with each member passed through ``change`` (None drops it)."""
    with tarfile.open(archive) as tar, tarfile.open(out, "w:gz") as new:
        for member in tar:
            changed = change(member.name, _read(tar, member))
            if changed is not None:
                member.size = len(changed)
                new.addfile(member, io.BytesIO(changed))
    return out


# --- the round trip ----------------------------------------------------------------------------


def test_the_source_has_data_in_every_kind_of_record_and_file(source: Source) -> None:
    rows = {t: len(c["rows"]) for t, c in source.tables["tables"].items()}
    for table in (
        "registry_household",
        "registry_member",
        "audit_auditentry",
        "policy_parametervalue",
        "policy_evaluationrun",
        "cases_attachment",
        "imports_upload",
        "exports_exportlog",
        "accounts_user",
        "django_session",
        "accounts_apitoken",
    ):
        assert rows[table] > 0, table
    kinds = {name.split("/")[0] for name in source.files}
    assert kinds == {"uploads", "media", "exports", "evaluations"}
    assert any(name.startswith("media/cases/") for name in source.files)


def test_a_restore_into_an_empty_database_brings_back_every_row_and_file(
    source: Source, fresh: Callable[[str], Installation]
) -> None:
    target = fresh("target")
    output = target.ok("restore", str(source.archive))

    restored = target.tables()
    assert set(source.tables["models"]) <= set(restored["tables"])  # every model of every app
    assert_same_tables(source.tables, restored)
    assert target.files() == source.files
    assert f"{len(_manifest(source.archive).tables)}张表的行数全部与备份清单一致" in output
    assert not (target.var / "snapshot").exists()  # derived: left out, rebuilt on demand
    # Without --include-secret-key the target keeps its own key; the restore says what that means.
    assert target.key() != source.installation.key()
    assert "需要重新登录" in output
    # The upload row still names the source's directory (imports.Upload.file_path is absolute).
    assert "导入记录的文件路径仍指向备份时的目录" in output


def test_the_secret_key_travels_only_when_asked(
    source: Source, fresh: Callable[[str], Installation]
) -> None:
    assert _manifest(source.archive).secret_key == "not_included"
    assert _manifest(source.archive_with_key).secret_key == "included"
    target = fresh("target")
    target.ok("restore", str(source.archive_with_key))
    assert target.key() == source.installation.key()
    assert (target.var / "secret_key").stat().st_mode & 0o777 == 0o600
    assert_same_tables(source.tables, target.tables())


def test_the_archive_is_private_and_its_manifest_describes_it(source: Source) -> None:
    assert source.archive.stat().st_mode & 0o777 == 0o600
    assert source.archive.parent.stat().st_mode & 0o777 == 0o700  # created by the backup
    manifest = _manifest(source.archive)
    with tarfile.open(source.archive) as tar:
        members = {m.name: m for m in tar}
        contents = {name: _read(tar, m) for name, m in members.items()}
    assert all(m.isfile() and m.mode == 0o600 for m in members.values())
    assert set(members) == {"manifest.json", *manifest.files}
    for name, entry in manifest.files.items():
        assert hashlib.sha256(contents[name]).hexdigest() == entry["sha256"], name
        assert len(contents[name]) == entry["size"]
    # uploads/, media/ and exports/ are roots of their own; the rest of var/ is the root "var".
    expected_files = {
        f"files/{name}"
        if name.split("/")[0] in ("uploads", "media", "exports")
        else f"files/var/{name}"
        for name in source.files
    }
    assert {n for n in manifest.files if n.startswith("files/")} == expected_files
    assert not any("snapshot" in n or "static" in n or n == "secret_key" for n in members)

    assert (manifest.format, manifest.format_version) == ("jingzhun-backup", 1)
    created = dt.datetime.fromisoformat(manifest.created_at)
    assert created.utcoffset() == dt.timedelta(hours=8)  # aware, Asia/Shanghai
    assert manifest.project_version == metadata.version("jingzhun")
    tables = source.tables["tables"]
    latest: dict[str, str] = {}
    columns = tables["django_migrations"]["columns"]
    applied = sorted(
        (
            dict(zip(columns, json.loads(row), strict=True))
            for row in tables["django_migrations"]["rows"]
        ),
        key=lambda r: r["id"],
    )
    for row in applied:
        latest[row["app"]] = row["name"]
    assert manifest.migrations == latest
    assert manifest.tables == {
        t: len(c["rows"]) for t, c in tables.items() if not t.startswith("sqlite_")
    }
    assert manifest.engine == ("postgresql" if source.installation.database_url else "sqlite")
    assert f"备份完成：{source.archive}" in source.output


# --- refusals that change nothing ---------------------------------------------------------------


def _flip_a_byte(name: str, data: bytes) -> bytes | None:
    if name.startswith("files/media/"):
        return data[:-1] + bytes([data[-1] ^ 0x01])
    return data


def _drop_the_upload(name: str, data: bytes) -> bytes | None:
    return None if name.startswith("files/uploads/") and name.endswith(".xlsx") else data


def _truncate(archive: Path, out: Path) -> Path:
    out.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    return out


CORRUPTIONS: dict[str, Callable[[Path, Path], Path]] = {
    "a changed byte": lambda a, o: _rewrite(a, o, _flip_a_byte),
    "a missing file": lambda a, o: _rewrite(a, o, _drop_the_upload),
    "a truncated archive": _truncate,
}


@pytest.mark.parametrize("corruption", list(CORRUPTIONS))
def test_a_corrupted_archive_is_refused_and_changes_nothing(
    source: Source, fresh: Callable[[str], Installation], corruption: str, tmp_path: Path
) -> None:
    target = fresh("target")
    target.ok("restore", str(source.archive))
    target.ok(
        "createuser",
        "wangfang",
        "--role",
        "admin",
        "--area",
        "140900",
        "--password",
        "Sturdy-Passphrase-9",
    )
    before_tables, before_files = target.tables(), target.files()

    bad = CORRUPTIONS[corruption](source.archive, tmp_path / "bad.tar.gz")
    done = target.run("restore", str(bad), "--yes")

    assert done.returncode != 0
    assert "未作任何改动" in done.stderr
    assert_same_tables(before_tables, target.tables())
    assert target.files() == before_files
    assert not list(target.var.glob(".jingzhun-restore-*"))  # the staging directory is gone


def test_restoring_into_a_non_empty_database_needs_yes(
    source: Source, fresh: Callable[[str], Installation]
) -> None:
    target = fresh("target")
    target.ok("restore", str(source.archive))
    target.ok(
        "createuser",
        "wangfang",
        "--role",
        "admin",
        "--area",
        "140900",
        "--password",
        "Sturdy-Passphrase-9",
    )
    with_user = target.tables()

    refused = target.run("restore", str(source.archive))
    assert refused.returncode != 0
    assert "目标不是空的" in refused.stderr
    # It says what would be overwritten: the rows migrate did not put there, and the files.
    rows = sum(
        len(content["rows"])
        for table, content in with_user["tables"].items()
        if table not in FILLED_BY_MIGRATE and not table.startswith("sqlite_")
    )
    assert f"共 {rows:,} 行" in refused.stderr
    assert f"数据目录中 {len(source.files)} 个文件" in refused.stderr
    assert "--yes" in refused.stderr
    assert_same_tables(with_user, target.tables())

    output = target.ok("restore", str(source.archive), "--yes")
    assert "将替换" in output
    assert_same_tables(source.tables, target.tables())  # the extra user is gone
    assert target.files() == source.files


def test_an_archive_newer_than_the_code_is_refused(
    source: Source, fresh: Callable[[str], Installation], tmp_path: Path
) -> None:
    def from_the_future(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["applied_migrations"]["exports"].append("0099_from_the_future")
        manifest["migrations"]["exports"] = "0099_from_the_future"
        return json.dumps(manifest).encode()

    future = _rewrite(source.archive, tmp_path / "future.tar.gz", from_the_future)
    target = fresh("target")
    done = target.run("restore", str(future))
    assert done.returncode != 0
    assert "exports.0099_from_the_future" in done.stderr
    assert "请先升级 jingzhun" in done.stderr
    assert target.tables()["tables"] == {}  # nothing was created
    assert target.files() == {}


def test_an_archive_of_the_other_engine_is_refused(
    source: Source, tmp_path: Path, engine: str
) -> None:
    other = "postgresql" if engine == "sqlite" else "sqlite"

    def relabel(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        return json.dumps(json.loads(data) | {"engine": other}).encode()

    relabelled = _rewrite(source.archive, tmp_path / "other.tar.gz", relabel)
    done = source.installation.run("restore", str(relabelled), "--yes")
    assert done.returncode != 0
    assert "只能恢复到同一种数据库" in done.stderr
    assert_same_tables(source.tables, source.installation.tables())


# --- migrations ---------------------------------------------------------------------------------


def test_an_older_archive_is_restored_and_then_migrated(
    engine: str, fresh: Callable[[str], Installation], tmp_path: Path
) -> None:
    older = fresh("older")
    older.ok("migrate", "-v0")
    older.ok("migrate", "exports", "0002", "-v0")  # as if backed up before exports 0003
    older.ok("backup", "--out", str(tmp_path / "older.tar.gz"))
    assert (
        _manifest(tmp_path / "older.tar.gz").migrations["exports"] == "0002_export_quality_report"
    )

    target = fresh("target")
    output = target.ok("restore", str(tmp_path / "older.tar.gz"))
    assert "张表的行数全部与备份清单一致" in output  # compared before migrating
    assert "exports.0003_alter_exportlog_source" in output
    assert "迁移完成" in output
    assert '"0003_alter_exportlog_source"' in "".join(
        target.tables()["tables"]["django_migrations"]["rows"]
    )


# --- online backup, failures, tools -------------------------------------------------------------


def _blob_table(path: Path, rows: int) -> None:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE ledger (id INTEGER PRIMARY KEY, amount INTEGER, note BLOB)")
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO ledger (amount, note) VALUES (?, ?)",
        ((10, bytes(1500)) for _ in range(rows)),
    )
    db.execute("COMMIT")
    db.close()


def test_an_online_sqlite_backup_is_one_snapshot_while_another_connection_writes(
    tmp_path: Path,
) -> None:
    live = tmp_path / "live.sqlite3"
    _blob_table(live, 1000)  # about 400 pages: 40 steps of 10 pages
    # The server: another connection that must never wait (timeout 0), writing at every step.
    server = sqlite3.connect(live, isolation_level=None, timeout=0)
    steps: list[tuple[int, int]] = []

    def write_meanwhile(done: int, total: int) -> None:
        steps.append((done, total))
        server.execute("BEGIN IMMEDIATE")
        server.execute("INSERT INTO ledger (amount, note) VALUES (10, zeroblob(1500))")
        server.execute("UPDATE ledger SET amount = amount - 1 WHERE id = 1")
        server.execute("UPDATE ledger SET amount = amount + 1 WHERE id = 2")
        server.execute("COMMIT")

    state = SqliteDatabase(live, pages_per_step=10).dump(tmp_path / "copy.sqlite3", write_meanwhile)

    assert len(steps) > 10  # the copy took many steps, with writes between them
    assert [done for done, _ in steps] == sorted(done for done, _ in steps)  # never restarted
    assert len({total for _, total in steps}) == 1  # the page count it copied never grew
    copy = sqlite3.connect(tmp_path / "copy.sqlite3")
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert copy.execute("SELECT COUNT(*), SUM(amount) FROM ledger").fetchone() == (1000, 10_000)
    assert state.tables == {"ledger": 1000}  # the manifest counts the copy, not the live file
    assert server.execute("SELECT COUNT(*) FROM ledger").fetchone() == (1000 + len(steps),)
    assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # one file, no -wal


def test_a_sqlite_restore_is_refused_while_another_process_holds_the_database(
    engine: str, source: Source, fresh: Callable[[str], Installation]
) -> None:
    if engine != "sqlite":
        pytest.skip("SQLite only: PostgreSQL restores in one transaction beside other sessions")
    target = fresh("target")
    target.ok("restore", str(source.archive))
    target.ok(
        "createuser",
        "wangfang",
        "--role",
        "admin",
        "--area",
        "140900",
        "--password",
        "Sturdy-Passphrase-9",
    )
    before_tables, before_files = target.tables(), target.files()
    server = sqlite3.connect(target.var / "jingzhun.sqlite3")  # a server's open connection
    try:
        server.execute("SELECT COUNT(*) FROM accounts_user").fetchone()
        done = target.run("restore", str(source.archive), "--yes")
    finally:
        server.close()
    assert done.returncode != 0
    assert "数据库未改变" in done.stderr and "请先停止网页服务" in done.stderr
    assert_same_tables(before_tables, target.tables())
    assert target.files() == before_files


def test_a_failed_backup_leaves_no_archive_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    var = tmp_path / "var"
    (var / "uploads").mkdir(parents=True)
    for n in range(3):
        (var / "uploads" / f"{n}.csv").write_text("户编号\n", encoding="utf-8")
    _blob_table(var / "jingzhun.sqlite3", 10)
    layout = Layout(
        roots=(DataRoot("uploads", var / "uploads"), DataRoot("var", var)),
        excluded=frozenset({var / "jingzhun.sqlite3"}),
        var_dir=var,
    )
    add_file = archive_module.ArchiveWriter.add_file

    def fail_on_the_second_upload(self: Any, name: str, path: Path) -> int:
        if name == "files/uploads/1.csv":
            raise OSError(28, "No space left on device")
        return add_file(self, name, path)

    monkeypatch.setattr(archive_module.ArchiveWriter, "add_file", fail_on_the_second_upload)
    out = tmp_path / "out"
    with pytest.raises(BackupError, match="未留下不完整的备份文件"):
        create_backup(f"{out}/", database=SqliteDatabase(var / "jingzhun.sqlite3"), layout=layout)
    assert list(out.iterdir()) == []  # no archive, no temporary name, no staging directory


def test_a_backup_without_pg_dump_names_the_tool_and_writes_nothing(tmp_path: Path) -> None:
    installation = Installation(tmp_path / "var", "postgres://postgres@127.0.0.1:1/nothing")
    env = installation.env() | {"PATH": str(tmp_path / "no-tools")}
    done = subprocess.run(
        [sys.executable, "-m", "jingzhun.cli", "backup", "--out", f"{tmp_path}/out/"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0
    assert "备份失败：找不到 pg_dump" in done.stderr
    assert "postgresql-client" in done.stderr
    assert list((tmp_path / "out").iterdir()) == []  # no archive, no temporary name


def test_require_tool_names_the_missing_program(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="找不到 pg_restore"):
        require_tool("pg_restore", path=str(tmp_path))


@pytest.mark.parametrize(
    ("line", "major"),
    [
        ("pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)", 15),
        ("pg_restore (PostgreSQL) 17.2", 17),
        ("pg_dump (PostgreSQL) 9.6.24", 9),
    ],
)
def test_the_pg_tool_version_is_read_from_its_answer(line: str, major: int) -> None:
    assert tool_major(line) == major


def test_an_older_pg_dump_than_the_server_is_refused() -> None:
    check_dump_version("pg_dump", 16, 15)
    check_dump_version("pg_dump", 15, 15)
    with pytest.raises(BackupError, match="pg_dump 的主版本是 14，低于所需的 15") as refused:
        check_dump_version("pg_dump", 14, 15)
    assert "postgresql-client-15" in str(refused.value)


def test_a_gzip_that_is_not_a_backup_is_refused(tmp_path: Path) -> None:
    not_a_backup = tmp_path / "notes.tar.gz"
    not_a_backup.write_bytes(gzip.compress("不是备份".encode()))
    target = Installation(tmp_path / "var")
    done = target.run("restore", str(not_a_backup))
    assert done.returncode != 0
    assert "恢复失败" in done.stderr and "未作任何改动" in done.stderr
    assert not (target.var / "jingzhun.sqlite3").exists()
