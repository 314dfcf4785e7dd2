"""The database half of backup and restore, one class per engine.

Both engines do the same four things:

* ``dump(target)`` writes a consistent copy of the whole database while the server keeps
  serving and writing, and returns the row count of every table and the applied migrations
  *of that same copy* (so the manifest describes exactly what is in the archive);
* ``state()`` counts the rows of every table and lists the applied migrations now;
* ``load(source)`` replaces the database's content with a copy made by ``dump``.

SQLite: ``sqlite3.Connection.backup`` (the online backup API) inside one read transaction. In
WAL mode a reader never blocks the writers and sees one snapshot for as long as its transaction
is open, so the copy is the database as it was when the transaction began, however many
commits happen meanwhile. (Without the open transaction SQLite restarts the copy whenever
another connection writes, and a busy server could keep it from ever finishing.)

PostgreSQL: ``pg_dump --format=custom`` with ``--snapshot`` of a REPEATABLE READ transaction
that this process holds open, in which it also counts the rows and reads the migrations: the
dump and the manifest see the same snapshot. ``pg_restore --clean --if-exists --no-owner
--single-transaction`` loads it back, all or nothing.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from django.db import connections
from django.db.backends.postgresql.client import DatabaseClient

from jingzhun.ops.errors import BackupError

# (pages or steps done, total) after each step of a copy.
Progress = Callable[[int, int], None]
PAGES_PER_STEP = 4096  # 16 MB of 4 KB pages between progress reports

# Tables `migrate` fills by itself: a database with rows only in these is empty.
FILLED_BY_MIGRATE = frozenset({"django_migrations", "django_content_type", "auth_permission"})


def _no_progress(_done: int, _total: int) -> None:
    return None


@dataclass
class DatabaseState:
    """Row counts per table and applied migrations (app, name) in the order applied."""

    tables: dict[str, int]
    migrations: list[tuple[str, str]]
    details: dict[str, str] = field(default_factory=dict)  # engine and tool versions

    @property
    def rows_beyond_migrate(self) -> dict[str, int]:
        """Tables holding rows that ``migrate`` did not put there (empty when the database is)."""
        return {t: n for t, n in self.tables.items() if n and t not in FILLED_BY_MIGRATE}

    def latest_migrations(self) -> dict[str, str]:
        """The latest applied migration of each app (by the order applied)."""
        latest: dict[str, str] = {}
        for app, name in self.migrations:
            latest[app] = name
        return dict(sorted(latest.items()))

    def applied_by_app(self) -> dict[str, list[str]]:
        applied: dict[str, list[str]] = {}
        for app, name in self.migrations:
            applied.setdefault(app, []).append(name)
        return dict(sorted(applied.items()))


class Database(Protocol):
    engine: str  # "sqlite" or "postgresql": backups restore into the same engine only
    dump_name: str  # the database's file name in an archive
    replaces_everything: bool  # load() replaces the whole database (no table can survive it)

    def describe(self) -> str: ...
    def dump(self, target: Path, progress: Progress = _no_progress) -> DatabaseState: ...
    def state(self) -> DatabaseState: ...
    def load(self, source: Path, progress: Progress = _no_progress) -> None: ...


# --- SQLite ----------------------------------------------------------------------------------


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sqlite_state(conn: sqlite3.Connection) -> DatabaseState:
    """Counts and migrations read through ``conn`` (inside its current transaction, if any)."""
    names = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
        )
    ]
    tables = {
        name: conn.execute(f"SELECT COUNT(*) FROM {_quote(name)}").fetchone()[0]  # noqa: S608
        for name in names
    }
    migrations: list[tuple[str, str]] = []
    if "django_migrations" in tables:
        migrations = list(conn.execute("SELECT app, name FROM django_migrations ORDER BY id"))
    return DatabaseState(tables, migrations, {"sqlite_version": sqlite3.sqlite_version})


class SqliteDatabase:
    engine = "sqlite"
    dump_name = "database/jingzhun.sqlite3"
    replaces_everything = True

    def __init__(self, path: Path, *, pages_per_step: int = PAGES_PER_STEP) -> None:
        self.path = Path(path)
        self.pages_per_step = pages_per_step

    def describe(self) -> str:
        return f"SQLite 数据库 {self.path}"

    def dump(self, target: Path, progress: Progress = _no_progress) -> DatabaseState:
        """Copy the live database into ``target`` (a new file) and describe the copy. Raises
        BackupError when the database file does not exist or the copy fails."""
        if not self.path.is_file():
            raise BackupError(
                f"数据库文件 {self.path} 不存在：请检查 JINGZHUN_VAR_DIR 和 DATABASE_URL。"
            )
        source = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        copy = sqlite3.connect(target, isolation_level=None)
        try:
            # The read transaction begins at the first read and holds that snapshot until the
            # end: writers go on committing (WAL), the copy does not see them.
            source.execute("BEGIN")
            source.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
            source.backup(
                copy,
                pages=self.pages_per_step,
                progress=lambda _status, remaining, total: progress(total - remaining, total),
            )
            source.execute("COMMIT")
            # One self-contained file (no -wal beside it), checked before it is archived.
            copy.execute("PRAGMA journal_mode=DELETE").fetchone()
            check = copy.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise BackupError(f"数据库副本校验未通过（{check}）：原数据库可能已损坏。")
            return sqlite_state(copy)
        except sqlite3.Error as error:
            raise BackupError(f"复制 SQLite 数据库失败：{error}") from error
        finally:
            copy.close()
            source.close()

    def state(self) -> DatabaseState:
        if not self.path.exists():
            return DatabaseState({}, [], {"sqlite_version": sqlite3.sqlite_version})
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        try:
            return sqlite_state(conn)
        finally:
            conn.close()

    def load(self, source: Path, progress: Progress = _no_progress) -> None:
        """Replace the database with the copy ``source`` through the backup API: SQLite writes
        it page by page under an exclusive lock and the change is atomic for any other
        connection (a plain file copy over a database with a -wal file beside it would
        corrupt it). Raises BackupError, with the database unchanged, when it is in use or the
        copy fails."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        backup = sqlite3.connect(source, isolation_level=None)
        target = sqlite3.connect(self.path, isolation_level=None, timeout=5)
        try:
            try:
                # Out of WAL while the pages come in (a WAL target needs equal page sizes).
                # Leaving WAL needs the database to itself: this fails at once with "database
                # is locked" while another process has it open — a server holding a
                # connection, say (one that opens a connection per request is not seen
                # between requests).
                target.execute("PRAGMA journal_mode=DELETE").fetchone()
                backup.backup(
                    target,
                    pages=self.pages_per_step,
                    progress=lambda _status, remaining, total: progress(total - remaining, total),
                )
            except sqlite3.Error as error:
                raise BackupError(
                    f"无法写入数据库 {self.path}（{error}），数据库未改变：请先停止网页服务和"
                    "后台任务进程（jingzhun serve、jingzhun worker），再恢复。"
                ) from error
            # Back to WAL; best effort, as every connection of the project sets it again.
            with contextlib.suppress(sqlite3.OperationalError):
                target.execute("PRAGMA journal_mode=WAL").fetchone()
        finally:
            target.close()
            backup.close()


# --- PostgreSQL ------------------------------------------------------------------------------

_VERSION = re.compile(r"\(PostgreSQL\)\s+(\d+)")


def require_tool(name: str, path: str | None = None) -> str:
    """The full path of the PostgreSQL client program ``name`` (pg_dump, pg_restore) on
    ``path`` (default PATH). Raises BackupError naming the program when it is missing."""
    found = shutil.which(name, path=path)
    if found is None:
        raise BackupError(
            f"找不到 {name}：PostgreSQL 数据库的备份与恢复需要 PostgreSQL 客户端工具 {name}，"
            "其主版本不低于数据库服务器，并在 PATH 中"
            "（Debian/Ubuntu：apt-get install postgresql-client-<主版本>）。"
        )
    return found


def tool_major(version_line: str) -> int:
    """15 from ``pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)``. Raises BackupError for
    an answer that is not a PostgreSQL version."""
    match = _VERSION.search(version_line)
    if match is None:
        raise BackupError(f"无法识别 PostgreSQL 客户端工具的版本：“{version_line.strip()}”。")
    return int(match.group(1))


def check_dump_version(tool: str, tool_major_version: int, server_major_version: int) -> None:
    """pg_dump cannot dump a server newer than itself (and pg_restore cannot read a dump of a
    newer pg_dump). Raises BackupError naming both versions and the package to install."""
    if tool_major_version < server_major_version:
        raise BackupError(
            f"{tool} 的主版本是 {tool_major_version}，低于所需的 {server_major_version}："
            f"请安装 PostgreSQL {server_major_version} 或更高版本的客户端工具"
            f"（Debian/Ubuntu：apt-get install postgresql-client-{server_major_version}）。"
        )


def _run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # The command is built from the settings and a program found on PATH, never from a shell.
    return subprocess.run(  # noqa: S603
        command, env={**os.environ, **env}, capture_output=True, text=True, check=False
    )


class PostgresDatabase:
    engine = "postgresql"
    dump_name = "database/jingzhun.pgdump"
    replaces_everything = False  # pg_restore --clean drops only the tables the dump has

    def __init__(self, alias: str = "default", *, path: str | None = None) -> None:
        self.alias = alias
        self.settings_dict: dict[str, Any] = connections[alias].settings_dict
        self.tool_path = path  # where to look for pg_dump / pg_restore (default PATH)

    def describe(self) -> str:
        s = self.settings_dict
        where = f"{s.get('HOST') or 'localhost'}:{s.get('PORT') or 5432}"
        return f"PostgreSQL 数据库 {s['NAME']}（{where}）"

    def _tool_args(self) -> tuple[list[str], dict[str, str]]:
        """Connection options and environment for pg_dump / pg_restore from the settings. The
        password goes in the environment (PGPASSWORD), never on the command line."""
        _, env = DatabaseClient.settings_to_cmd_args_env(self.settings_dict, [])
        s = self.settings_dict
        args = [f"--dbname={s['NAME']}"]
        if s.get("HOST"):
            args.append(f"--host={s['HOST']}")
        if s.get("PORT"):
            args.append(f"--port={s['PORT']}")
        if s.get("USER"):
            args.append(f"--username={s['USER']}")
        return [*args, "--no-password"], dict(env or {})

    def _tool(self, name: str) -> tuple[str, int]:
        tool = require_tool(name, self.tool_path)
        answer = _run([tool, "--version"], {})
        return tool, tool_major(answer.stdout or answer.stderr)

    def _connection(self) -> Any:
        """A new connection of its own (not the one Django's ORM uses), in autocommit."""
        wrapper = connections.create_connection(self.alias)
        wrapper.ensure_connection()
        return wrapper

    def _state(self, wrapper: Any) -> DatabaseState:
        from psycopg import sql

        with wrapper.cursor() as cursor:
            names = sorted(wrapper.introspection.table_names(cursor))
            tables = {}
            for name in names:
                cursor.execute(sql.SQL("SELECT COUNT(*) FROM {}").format(sql.Identifier(name)))
                tables[name] = cursor.fetchone()[0]
            migrations: list[tuple[str, str]] = []
            if "django_migrations" in tables:
                cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
                migrations = [(app, name) for app, name in cursor.fetchall()]
            cursor.execute("SHOW server_version")
            details = {"server_version": cursor.fetchone()[0]}
        return DatabaseState(tables, migrations, details)

    def dump(self, target: Path, progress: Progress = _no_progress) -> DatabaseState:
        """pg_dump of the configured database into ``target``. Raises BackupError when pg_dump
        is missing or older than the server, or fails."""
        pg_dump, client = self._tool("pg_dump")
        args, env = self._tool_args()
        wrapper = self._connection()
        try:
            with wrapper.cursor() as cursor:
                cursor.execute("SHOW server_version_num")
                server = int(cursor.fetchone()[0]) // 10000
                check_dump_version("pg_dump", client, server)
                # One snapshot for the counts and the dump: pg_dump --snapshot joins it.
                cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot = cursor.fetchone()[0]
            state = self._state(wrapper)
            progress(0, 1)
            done = _run(
                [pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={target}", *args],
                env,
            )
            with wrapper.cursor() as cursor:
                cursor.execute("COMMIT")
        finally:
            wrapper.close()
        if done.returncode != 0:
            raise BackupError(f"pg_dump 失败（退出码 {done.returncode}）：{done.stderr.strip()}")
        progress(1, 1)
        state.details["pg_dump_version"] = str(client)
        return state

    def state(self) -> DatabaseState:
        wrapper = self._connection()
        try:
            return self._state(wrapper)
        finally:
            wrapper.close()

    def check_restore_tool(self, dumped_with: int | None) -> None:
        """Raises BackupError when pg_restore is missing or older than the pg_dump that wrote
        the archive (``dumped_with``, its major version)."""
        _, major = self._tool("pg_restore")
        if dumped_with is not None:
            check_dump_version("pg_restore", major, dumped_with)

    def load(self, source: Path, progress: Progress = _no_progress) -> None:
        """pg_restore ``source`` into the configured database in one transaction: an error
        leaves the database as it was. Raises BackupError with pg_restore's message."""
        pg_restore, _ = self._tool("pg_restore")
        args, env = self._tool_args()
        progress(0, 1)
        done = _run(
            [
                pg_restore,
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                *args,
                str(source),
            ],
            env,
        )
        if done.returncode != 0:
            raise BackupError(
                f"pg_restore 失败（退出码 {done.returncode}），数据库未改变：{done.stderr.strip()}"
            )
        progress(1, 1)


def configured_database() -> SqliteDatabase | PostgresDatabase:
    """The database of ``settings.DATABASES['default']``. Raises BackupError for other
    engines."""
    settings_dict = connections["default"].settings_dict
    engine = settings_dict["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        return SqliteDatabase(Path(settings_dict["NAME"]))
    if engine == "django.db.backends.postgresql":
        return PostgresDatabase("default")
    raise BackupError(f"不支持备份 {engine} 数据库：只支持 SQLite 和 PostgreSQL。")
