"""A scratch installation of jingzhun for tests that kill real processes.

A :class:`Site` is a var directory of its own and a database of its own: a SQLite file in that
directory, or — when the suite runs on PostgreSQL (``DATABASE_URL=postgres…``) — a scratch
database created on the same server for the site and dropped afterwards, so the PostgreSQL pass
kills processes in the middle of PostgreSQL transactions. Every ``jingzhun`` command runs as a
subprocess against the site (``Site.command``, ``Site.start``, ``Site.shell``); the test reads
the site's state directly (``Site.query``) while those processes run.

Processes are started in a session of their own, so a site can end each of them (and whatever
they started, e.g. the worker of ``jingzhun serve``) by its process group, even when a test
fails half-way.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

T = TypeVar("T")
RESULT = "@@RESULT@@"
# Generous: the machine may be busy with another test worker (and another engineer).
TIMEOUT = 180.0


def wait_for(what: str, probe: Callable[[], T | None], *, timeout: float = TIMEOUT) -> T:
    """Poll ``probe`` until it returns something other than None/False; return that. Fails
    the test naming ``what`` after ``timeout`` seconds (a bound, never a pace)."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value is not None and value is not False:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.02)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def process_exists(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie — dead, not yet waited for — counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            state = stat.read().rsplit(b")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in (b"Z", b"X")


def children_of(pid: int) -> set[int]:
    """The live processes whose parent is ``pid``."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_bytes().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] not in (b"Z", b"X"):
            found.add(int(entry.name))
    return found


class Site:
    """One scratch installation (see the module docstring)."""

    def __init__(self, var_dir: Path, database_url: str) -> None:
        self.var_dir = var_dir
        self.database_url = database_url
        self.postgres = database_url.startswith("postgres")
        self.logs = var_dir / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "JINGZHUN_VAR_DIR": str(var_dir), "DATABASE_URL": database_url}
        env.pop("JINGZHUN_TEST_SQLITE", None)
        env["PYTHONUNBUFFERED"] = "1"
        self.env = env
        self.processes: list[subprocess.Popen[bytes]] = []

    # --- commands ---------------------------------------------------------------------------

    def argv(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "jingzhun.cli", *args]

    def command(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        """Run ``jingzhun ARGS`` to its end; fails the test (with its output) if it fails."""
        done = subprocess.run(
            self.argv(*args),
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert done.returncode == 0, (
            f"jingzhun {' '.join(args)} exited {done.returncode}:\n"
            f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
        return done

    def start(self, *args: str, log: str) -> subprocess.Popen[bytes]:
        """Start ``jingzhun ARGS`` in the background (own session; output in ``logs/LOG``)."""
        with (self.logs / log).open("ab") as out:
            process = subprocess.Popen(
                self.argv(*args),
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes.append(process)
        return process

    def log(self, name: str) -> str:
        path = self.logs / name
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def shell(self, code: str, timeout: float = 600) -> Any:
        """Run ``code`` in ``jingzhun shell -c`` on the site; ``code`` calls ``result(value)``
        once, and the JSON of that value is returned."""
        program = (
            "import json as _json\n"
            f"def result(value):\n    print({RESULT!r} + _json.dumps(value, default=str))\n"
            + textwrap.dedent(code)
        )
        done = self.command("shell", "-c", program, timeout=timeout)
        lines = [line for line in done.stdout.splitlines() if line.startswith(RESULT)]
        assert lines, f"the shell printed no result:\n{done.stdout[-3000:]}"
        return json.loads(lines[-1][len(RESULT) :])

    def stop_all(self) -> None:
        """End every process this site started, and what they started (by process group)."""
        for process in self.processes:
            with suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            with suppress(subprocess.TimeoutExpired):
                process.wait(timeout=30)

    # --- reading the site's state -------------------------------------------------------------

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Rows of ``sql`` (``?`` placeholders) on the site's database, on a connection of the
        test's own: it sees what the site's processes committed, and only that."""
        if self.postgres:
            import psycopg

            statement = sql.replace("?", "%s")
            with psycopg.connect(self.database_url, autocommit=True) as connection:
                return connection.execute(statement, params).fetchall()  # type: ignore[arg-type]
        connection = sqlite3.connect(self.sqlite_path, timeout=60, isolation_level=None)
        try:
            return connection.execute(sql, params).fetchall()
        finally:
            connection.close()

    def value(self, sql: str, *params: Any) -> Any:
        rows = self.query(sql, *params)
        return rows[0][0] if rows else None

    @property
    def sqlite_path(self) -> str:
        return urlsplit(self.database_url).path

    def progress(self, upload_id: int) -> dict[str, Any]:
        """The live progress of an upload's job (the file the upload page polls)."""
        try:
            return json.loads((self.var_dir / "uploads" / f"{upload_id}.progress.json").read_text())
        except (OSError, ValueError):
            return {}


@contextmanager
def scratch_database(name: str, directory: Path) -> Iterator[str]:
    """The URL of an empty database for one scratch site: a SQLite file in ``directory``, or,
    when the suite runs on PostgreSQL, a database created on that server and dropped after."""
    suite_url = os.environ.get("DATABASE_URL", "")
    if not suite_url.startswith("postgres"):
        yield f"sqlite:///{directory / 'jingzhun.sqlite3'}"
        return
    import psycopg
    from psycopg import sql

    database = f"jz_fault_{os.getpid()}_{name}"
    parts = urlsplit(suite_url)
    url = urlunsplit(parts._replace(path=f"/{database}"))
    with psycopg.connect(suite_url, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(database)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    try:
        yield url
    finally:
        with psycopg.connect(suite_url, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database))
            )


@contextmanager
def scratch_site(directory: Path, name: str) -> Iterator[Site]:
    """A migrated site with the division list of Shanxi (province 14); every process it
    started is ended and its database dropped afterwards."""
    with scratch_database(name, directory) as url:
        site = Site(directory, url)
        try:
            site.command("migrate", "-v0")
            site.command("load_areas", "--province", "14")
            yield site
        finally:
            site.stop_all()
