"""``create_backup``: the database and the user files of an installation in one archive.

Order matters: the database copy is taken first, then the files. A file is always written
before the database row that refers to it commits (an attachment's file is saved inside the
step's transaction; an upload is stored before its row), so every file the copied database
refers to is already on disk when the files are read. Files added after the copy are archived
too, harmlessly; files deleted in between are missing from the archive, but the system keeps
its files (soft deletes).

The archive is written under a hidden temporary name beside the final one and renamed when
complete: an interrupted or failed backup leaves no half-written archive behind.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import django
from django.utils import timezone

from jingzhun.ops.archive import MANIFEST, PRIVATE_DIR, ArchiveWriter, KeyInArchive, Manifest
from jingzhun.ops.databases import Database, configured_database
from jingzhun.ops.errors import BackupError
from jingzhun.ops.files import (
    BACKUPS_DIR,
    KEY_FILE,
    Layout,
    data_files,
    layout_from_settings,
)

Say = Callable[[str], None]
FILES_PER_REPORT = 500
BYTES_PER_REPORT = 256 << 20


@dataclass(frozen=True)
class BackupResult:
    path: Path
    manifest: Manifest
    size: int  # bytes of the archive


def project_version() -> str:
    try:
        return metadata.version("jingzhun")
    except metadata.PackageNotFoundError:
        return "unknown"


def archive_path(out: str | Path | None, now_local_stamp: str, var_dir: Path) -> Path:
    """Where the archive goes: a timestamped name in the directory ``out`` (an existing
    directory, or a path ending in "/"; default ``var/backups``), else ``out`` itself."""
    name = f"jingzhun-backup-{now_local_stamp}.tar.gz"
    if out is None:
        return var_dir / BACKUPS_DIR / name
    if Path(out).is_dir() or str(out).endswith(("/", os.sep)):
        return Path(out) / name
    return Path(out)


def progress_printer(say: Say, what: str) -> Callable[[int, int], None]:
    """Report a copy in steps of 10%."""
    last = [-1]

    def report(done: int, total: int) -> None:
        tenth = done * 10 // total if total else 10
        if tenth > last[0]:
            last[0] = tenth
            say(f"  {what}：{tenth * 10}%")

    return report


def create_backup(
    out: str | Path | None = None,
    *,
    include_secret_key: bool = False,
    say: Say = lambda _message: None,
    database: Database | None = None,
    layout: Layout | None = None,
) -> BackupResult:
    """Write one archive of the configured installation (``database`` and ``layout`` override
    the settings, for tests) and return where it is. Raises BackupError, in Chinese, when the
    database cannot be copied or the archive cannot be written; nothing is left behind then."""
    database = database or configured_database()
    layout = layout or layout_from_settings()
    now = timezone.now()
    target = Path(
        os.path.abspath(
            archive_path(out, f"{timezone.localtime(now):%Y%m%d-%H%M%S}", layout.var_dir)
        )
    )
    if target.exists():
        raise BackupError(f"{target} 已存在：请换一个文件名或目录。")
    try:
        target.parent.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".jingzhun-backup-", dir=target.parent))
    except OSError as error:
        raise BackupError(f"无法在 {target.parent} 中写入备份（{error}）。") from error
    partial = work / target.name
    writer: ArchiveWriter | None = None
    try:
        say(f"正在复制{database.describe()}（在线备份，服务不停）……")
        copy = work / "database"
        state = database.dump(copy, progress_printer(say, "数据库"))
        say(f"  数据库：{len(state.tables)}张表，{sum(state.tables.values()):,}行。")

        files = data_files(layout.excluding([target, work]))
        total_bytes = sum(f.size for f in files)
        say(f"正在归档{len(files):,}个文件（{total_bytes / 1048576:,.1f} MB）……")
        writer = ArchiveWriter(partial)
        writer.add_file(database.dump_name, copy)
        copy.unlink()  # the copy is in the archive: free its space before the files go in
        done_bytes = reported_bytes = 0
        for number, data_file in enumerate(files, start=1):
            try:
                done_bytes += writer.add_file(data_file.name, data_file.path)
            except FileNotFoundError:
                # Deleted since it was listed (a temporary progress file, say): nothing to keep.
                say(f"  {data_file.path} 已不存在，跳过。")
                continue
            if number % FILES_PER_REPORT == 0 or done_bytes - reported_bytes >= BYTES_PER_REPORT:
                reported_bytes = done_bytes
                say(f"  文件：{number:,}/{len(files):,}（{done_bytes / 1048576:,.1f} MB）")

        key = KeyInArchive.NOT_INCLUDED
        if os.environ.get("DJANGO_SECRET_KEY"):
            key = KeyInArchive.ENVIRONMENT
            say("密钥来自环境变量 DJANGO_SECRET_KEY，未写入备份：请另行妥善保管。")
        elif include_secret_key:
            if not layout.secret_key_file.is_file():
                raise BackupError(f"密钥文件 {layout.secret_key_file} 不存在，无法按要求写入备份。")
            writer.add_file(KEY_FILE, layout.secret_key_file)
            key = KeyInArchive.INCLUDED
            say("已写入密钥 secret_key：请像保管密码一样保管这份备份。")

        manifest = Manifest(
            created_at=timezone.localtime(now).isoformat(),
            project_version=project_version(),
            django_version=django.get_version(),
            engine=database.engine,
            database_file=database.dump_name,
            database_details=state.details,
            migrations=state.latest_migrations(),
            applied_migrations=state.applied_by_app(),
            tables=state.tables,
            roots={root.name: str(root.path) for root in layout.roots},
            secret_key=key.value,
            files=writer.files,
        )
        writer.add_bytes(MANIFEST, manifest.to_json(), now.timestamp())
        writer.close()
        writer = None
        os.replace(partial, target)
    except OSError as error:
        raise BackupError(f"写入备份 {target} 失败（{error}）：未留下不完整的备份文件。") from error
    finally:
        if writer is not None:
            writer.abort()
        shutil.rmtree(work, ignore_errors=True)
    size = target.stat().st_size
    say(f"备份完成：{target}（{size / 1048576:,.1f} MB）")
    return BackupResult(target, manifest, size)
