"""``restore_backup``: an archive back into the configured installation, checked at each end.

1. The archive is extracted into a private directory under ``var/`` and every member checked
   against the manifest's SHA-256; a damaged archive is refused before anything is changed.
2. It is refused, still unchanged, when it comes from the other database engine, when its
   migrations are newer than this code's, when the PostgreSQL client is too old, or when the
   database (or the data directories) are not empty and ``replace`` is not given — the
   message says what would be overwritten.
3. The database is replaced (SQLite through the backup API; PostgreSQL through ``pg_restore
   --single-transaction``), every table re-counted and compared with the manifest.
4. The files are put in place: the data directories end up holding exactly the archive's files
   (others, with ``replace``, are deleted), each re-hashed after the move.
5. An archive from older code is migrated (``migrate``) — after the comparison, which is of
   the database as it was backed up.

The web server and the worker must be stopped while this runs: the files and the database
change under them.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.core.management import call_command
from django.db import connections
from django.db.migrations.loader import MigrationLoader

from jingzhun.ops.archive import PRIVATE_DIR, PRIVATE_FILE, KeyInArchive, Manifest, unpack
from jingzhun.ops.backup import FILES_PER_REPORT, progress_printer
from jingzhun.ops.databases import Database, DatabaseState, PostgresDatabase, configured_database
from jingzhun.ops.errors import BackupError
from jingzhun.ops.files import (
    KEY_FILE,
    DataFile,
    Layout,
    data_files,
    layout_from_settings,
    sha256_of,
    target_of,
)

Say = Callable[[str], None]
SHOWN = 8  # tables or files named in a message before "…等"


@dataclass
class RestoreResult:
    manifest: Manifest
    counts: dict[str, tuple[int, int | None]]  # table -> (rows in the manifest, rows restored)
    files: int
    migrated: list[str] = field(default_factory=list)  # migrations applied after restoring
    warnings: list[str] = field(default_factory=list)


def _unpack_progress(say: Say) -> Callable[[str, int], None]:
    seen = [0, 0]  # members, bytes

    def report(_name: str, size: int) -> None:
        seen[0] += 1
        seen[1] += size
        if seen[0] % FILES_PER_REPORT == 0:
            say(f"  已解压 {seen[0]:,} 个文件（{seen[1] / 1048576:,.1f} MB）")

    return report


def migration_difference(applied: dict[str, list[str]]) -> tuple[list[str], list[str]]:
    """Compare the archive's applied migrations with this code's. Returns ``(newer, pending)``:
    migrations the archive has applied that the code does not know (the archive is newer than
    the code), and migrations of the code the archive has not applied (``migrate`` will run
    them). Apps the code no longer has are ignored; squashed migrations count as applied
    when everything they replace is."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    code_apps = {app for app, _ in known}
    archive = {(app, name) for app, names in applied.items() for name in names}
    newer = sorted(f"{a}.{n}" for a, n in archive if a in code_apps and (a, n) not in known)
    covered = set(archive)
    for key, migration in loader.disk_migrations.items():
        replaces = {tuple(r) for r in (migration.replaces or [])}
        if replaces and (key in archive or replaces <= archive):
            covered |= replaces | {key}
    pending = sorted(f"{a}.{n}" for a, n in known - covered)
    return newer, pending


def _named(items: dict[str, int], unit: str, kind: str) -> str:
    shown = [f"{name} {n:,}{unit}" for name, n in list(items.items())[:SHOWN]]
    more = f" 等共{len(items)}{kind}" if len(items) > SHOWN else ""
    return "、".join(shown) + more


def _what_would_be_overwritten(state: DatabaseState, files: list[DataFile]) -> str | None:
    """A sentence naming the rows and files a restore would replace, or None when empty."""
    parts = []
    rows = dict(sorted(state.rows_beyond_migrate.items(), key=lambda kv: (-kv[1], kv[0])))
    if rows:
        parts.append(
            f"数据库中 {len(rows)} 张表共 {sum(rows.values()):,} 行（{_named(rows, '行', '张表')}）"
        )
    if files:
        per_root: dict[str, int] = {}
        for f in files:
            root = f.name.split("/")[1]
            per_root[root] = per_root.get(root, 0) + 1
        parts.append(f"数据目录中 {len(files):,} 个文件（{_named(per_root, '个', '个目录')}）")
    return "；".join(parts) or None


def compare_counts(
    expected: dict[str, int], found: dict[str, int]
) -> dict[str, tuple[int, int | None]]:
    """Every table of the manifest with its rows there and now (None: the table is missing)."""
    return {table: (n, found.get(table)) for table, n in sorted(expected.items())}


def _place_files(
    manifest: Manifest, staging: Path, layout: Layout, existing: list[DataFile]
) -> int:
    """Make the data directories hold exactly the archive's files; re-hash each in place.
    Returns how many files there are. Raises BackupError on an unknown root or a hash that
    differs after the move."""
    wanted = sorted(name for name in manifest.files if name.startswith("files/"))
    targets = {}
    for name in wanted:
        try:
            targets[name] = target_of(layout, name)
        except KeyError:
            raise BackupError(
                f"备份中的“{name}”不属于已知的数据目录：请用更新版本的 jingzhun 恢复。"
            ) from None
    for old in existing:
        if old.name not in targets:
            old.path.unlink(missing_ok=True)
    for name, target in targets.items():
        target.parent.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
        shutil.move(staging / name, target)
    now = {f.name: f.path for f in data_files(layout)}
    problems = sorted(set(now) ^ set(targets))
    problems += [
        name for name, path in targets.items() if sha256_of(path) != manifest.files[name]["sha256"]
    ]
    if problems:
        raise BackupError(f"文件恢复后与清单不一致：{'、'.join(problems[:SHOWN])}。")
    return len(targets)


def _restore_secret_key(staging: Path, layout: Layout, say: Say) -> None:
    key = layout.secret_key_file
    key.parent.mkdir(parents=True, exist_ok=True)
    (staging / KEY_FILE).chmod(PRIVATE_FILE)
    os.replace(staging / KEY_FILE, key)
    say(f"已恢复密钥 {key}：备份时的登录会话依然有效。")
    if os.environ.get("DJANGO_SECRET_KEY"):
        say("注意：环境变量 DJANGO_SECRET_KEY 已设置，它优先于密钥文件。")


def restore_backup(
    archive: Path,
    *,
    replace: bool = False,
    say: Say = lambda _message: None,
    database: Database | None = None,
    layout: Layout | None = None,
) -> RestoreResult:
    """Restore ``archive`` into the configured installation (``database`` and ``layout``
    override the settings). Returns the comparison of every table; raises BackupError, with
    nothing changed, for the refusals of steps 1–2 in the module docstring, and BackupError
    after the change when the restored database or files differ from the manifest."""
    database = database or configured_database()
    layout = layout or layout_from_settings()
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"备份文件 {archive} 不存在。")
    layout.var_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".jingzhun-restore-", dir=layout.var_dir))
    try:
        say(f"正在解压并校验 {archive} ……")
        manifest = unpack(archive, staging, _unpack_progress(say))
        say(
            f"  校验通过：{len(manifest.files)}个文件的 SHA-256 与清单一致"
            f"（备份于 {manifest.created_at}，jingzhun {manifest.project_version}，"
            f"{manifest.engine}）。"
        )
        if manifest.engine != database.engine:
            raise BackupError(
                f"这是 {manifest.engine} 数据库的备份，当前配置的是 {database.engine}："
                "只能恢复到同一种数据库（请检查 DATABASE_URL）。"
            )
        newer, pending = migration_difference(manifest.applied_migrations)
        if newer:
            raise BackupError(
                f"备份的数据库结构比本程序新（本程序没有迁移 {'、'.join(newer[:SHOWN])}）："
                "请先升级 jingzhun 到生成备份的版本或更新版本，再恢复。未作任何改动。"
            )
        if isinstance(database, PostgresDatabase):
            dumped_with = manifest.database_details.get("pg_dump_version")
            database.check_restore_tool(int(dumped_with) if dumped_with else None)
        current = database.state()
        existing = data_files(layout)
        if not database.replaces_everything:
            foreign = sorted(set(current.tables) - set(manifest.tables))
            if foreign:
                raise BackupError(
                    f"{database.describe()}中有备份里没有的表（{'、'.join(foreign[:SHOWN])}），"
                    "pg_restore 不会删除它们：请恢复到新建的空数据库（createdb），未作任何改动。"
                )
        overwritten = _what_would_be_overwritten(current, existing)
        if overwritten and not replace:
            raise BackupError(
                f"目标不是空的：恢复将替换{overwritten}。如确要替换，请先用 jingzhun backup "
                "备份现有数据，再加 --yes 重新运行。未作任何改动。"
            )
        if overwritten:
            say(f"将替换{overwritten}。")

        say("恢复期间网页服务和后台任务进程（jingzhun serve、jingzhun worker）必须停止。")
        say(f"正在恢复{database.describe()}……")
        connections.close_all()  # this process must not hold the database open either
        database.load(staging / manifest.database_file, progress_printer(say, "数据库"))
        counts = compare_counts(manifest.tables, database.state().tables)
        for table, (expected, found) in counts.items():
            mark = "一致" if expected == found else f"不一致（备份中 {expected:,} 行）"
            shown = "缺少此表" if found is None else f"{found:,}"
            say(f"  {table:<40} {shown:>12}  {mark}")
        wrong = [table for table, (expected, found) in counts.items() if expected != found]
        if wrong:
            raise BackupError(
                f"恢复后 {len(wrong)} 张表的行数与备份清单不一致：{'、'.join(wrong[:SHOWN])}。"
            )
        say(f"  {len(counts)}张表的行数全部与备份清单一致。")

        files = _place_files(manifest, staging, layout, existing)
        say(f"已恢复{files:,}个文件，SHA-256 全部与清单一致。")
        if manifest.secret_key == KeyInArchive.INCLUDED:
            _restore_secret_key(staging, layout, say)
        else:
            say("备份中没有密钥：本机的密钥不变，备份时的登录会话失效，用户需要重新登录。")

        result = RestoreResult(manifest, counts, files)
        if pending:
            say(f"备份来自较早的版本：正在执行迁移（{len(pending)}个）……")
            call_command("migrate", interactive=False, verbosity=0)
            result.migrated = pending
            say("  迁移完成：" + "、".join(pending))
        result.warnings = _moved_upload_warnings(manifest, layout)
        for warning in result.warnings:
            say(warning)
        return result
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _moved_upload_warnings(manifest: Manifest, layout: Layout) -> list[str]:
    """Uploads keep the absolute path of their file (imports.Upload.file_path): after a
    restore into another directory those rows still name the old one. Say how many."""
    old = manifest.roots.get("uploads")
    new = str(layout.root("uploads").path)
    if not old or old == new:
        return []
    from jingzhun.imports.models import Upload

    moved = Upload.objects.filter(file_path__startswith=old.rstrip("/") + "/").count()
    if not moved:
        return []
    return [
        f"注意：{moved}条导入记录的文件路径仍指向备份时的目录 {old}，文件已恢复到 {new}："
        "这些导入的预览和失败行下载需要该路径，可在原路径建立指向新目录的符号链接。"
    ]
