"""The archive: a ``.tar.gz`` with a manifest, written privately and read back checked.

Members (docs/backup.md)::

    database/jingzhun.sqlite3 | database/jingzhun.pgdump   the database copy
    files/<root>/<path>                                    user files (see ops/files.py)
    secret_key                                             only with --include-secret-key
    manifest.json                                          last: what is in the archive

Every member is mode 0600 and owned by nobody in particular (uid/gid 0, no names). The manifest
holds the SHA-256 and size of every other member; :func:`unpack` extracts into a private
directory, hashing as it goes, and refuses the archive unless members and manifest agree
exactly — before anything of the installation is touched.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import tarfile
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path, PurePosixPath
from typing import IO, Any

from jingzhun.ops.errors import BackupError
from jingzhun.ops.files import CHUNK, KEY_FILE

FORMAT = "jingzhun-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


class KeyInArchive(StrEnum):
    """Whether the archive holds var/secret_key (``Manifest.secret_key``)."""

    INCLUDED = "included"
    NOT_INCLUDED = "not_included"
    ENVIRONMENT = "environment"  # DJANGO_SECRET_KEY was set: the file was not the key


@dataclass
class Manifest:
    """What an archive holds (``manifest.json``)."""

    created_at: str  # ISO 8601 with the offset (Asia/Shanghai)
    project_version: str
    django_version: str
    engine: str  # "sqlite" | "postgresql"
    database_file: str  # member name of the database copy
    database_details: dict[str, str]  # sqlite_version, or server_version and pg_dump_version
    migrations: dict[str, str]  # app -> latest applied migration
    applied_migrations: dict[str, list[str]]  # app -> every applied migration, in order
    tables: dict[str, int]  # table -> rows
    roots: dict[str, str]  # root name -> the directory it was taken from
    secret_key: str  # a KeyInArchive value
    files: dict[str, dict[str, Any]]  # member -> {"sha256": …, "size": …}
    format: str = FORMAT
    format_version: int = FORMAT_VERSION

    def to_json(self) -> bytes:
        data = asdict(self)
        head = {"format": data.pop("format"), "format_version": data.pop("format_version")}
        return json.dumps(head | data, ensure_ascii=False, indent=2).encode("utf-8")

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        """Parse a manifest. Raises BackupError when it is not one this version can read."""
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as error:
            raise BackupError(f"manifest.json 无法解析（{error}）：备份文件已损坏。") from error
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise BackupError("manifest.json 不是 jingzhun 备份的清单：请确认文件来源。")
        version = data.get("format_version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise BackupError(
                f"备份格式版本 {version} 比本程序支持的 {FORMAT_VERSION} 新："
                "请用生成该备份的（或更新的）jingzhun 版本恢复。"
            )
        names = set(cls.__dataclass_fields__)
        missing = sorted(names - set(data))
        if missing:
            raise BackupError(f"manifest.json 缺少字段 {'、'.join(missing)}：备份文件已损坏。")
        return cls(**{k: v for k, v in data.items() if k in names})


class _Hashing:
    """Reads from ``stream`` and hashes what was read (tarfile copies exactly the member's
    size, so the hash is of exactly the bytes archived)."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.digest.update(data)
        return data


class ArchiveWriter:
    """Writes a new ``.tar.gz`` at ``path`` (created 0600; refuses to overwrite) and records
    the SHA-256 and size of every member in :attr:`files`."""

    def __init__(self, path: Path) -> None:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
        self.path = path
        self._file = os.fdopen(fd, "wb")
        self._tar = tarfile.open(fileobj=self._file, mode="w:gz", compresslevel=6)  # noqa: SIM115
        self.files: dict[str, dict[str, Any]] = {}

    def _info(self, name: str, size: int, mtime: float) -> tarfile.TarInfo:
        info = tarfile.TarInfo(name)
        info.size = size
        info.mode = PRIVATE_FILE
        info.mtime = int(mtime)
        return info

    def add_file(self, name: str, path: Path) -> int:
        """Add ``path`` as ``name``; returns the bytes archived (its size when opened: a file
        still growing is archived as it was at that moment)."""
        with path.open("rb") as stream:
            stat = os.fstat(stream.fileno())
            reader = _Hashing(stream)
            self._tar.addfile(self._info(name, stat.st_size, stat.st_mtime), reader)
        self.files[name] = {"sha256": reader.digest.hexdigest(), "size": stat.st_size}
        return stat.st_size

    def add_bytes(self, name: str, data: bytes, mtime: float) -> None:
        """Add ``data`` as ``name`` (not listed in :attr:`files`: the manifest itself)."""
        self._tar.addfile(self._info(name, len(data), mtime), io.BytesIO(data))

    def close(self) -> None:
        """Finish the archive and flush it to disk."""
        self._tar.close()
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()

    def abort(self) -> None:
        """Close after a failure (the caller deletes the file)."""
        with contextlib.suppress(OSError, tarfile.TarError):
            self._tar.close()
        self._file.close()


def _check_name(name: str) -> None:
    """Only the members an archive can have, and none that could leave the directory."""
    path = PurePosixPath(name)
    parts = path.parts
    ok = (
        not path.is_absolute()
        and "\\" not in name
        and all(p not in ("", ".", "..") for p in parts)
        and (
            name in (MANIFEST, KEY_FILE)
            or (parts[0] == "database" and len(parts) == 2)
            or (parts[0] == "files" and len(parts) >= 3)
        )
    )
    if not ok:
        raise BackupError(f"备份中有不应有的成员“{name}”：拒绝恢复。")


def _cannot_write(target: Path, error: OSError) -> BackupError:
    return BackupError(f"解压到 {target.parent} 失败（{error}）：请检查磁盘空间和权限。")


def _extract(member_stream: IO[bytes], target: Path) -> str:
    """Copy one member to ``target`` (0600), returning its SHA-256. Errors reading the archive
    pass through; errors writing become BackupError."""
    try:
        target.parent.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
        out = os.fdopen(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE), "wb")
    except OSError as error:
        raise _cannot_write(target, error) from error
    digest = hashlib.sha256()
    with out:
        while chunk := member_stream.read(CHUNK):
            digest.update(chunk)
            try:
                out.write(chunk)
            except OSError as error:
                raise _cannot_write(target, error) from error
    return digest.hexdigest()


def unpack(
    archive: Path, into: Path, progress: Callable[[str, int], None] | None = None
) -> Manifest:
    """Extract ``archive`` into the empty private directory ``into`` and check it. Returns the
    manifest. Raises BackupError when the archive cannot be read, has a member it should not,
    lacks one the manifest lists, or a member's SHA-256 or size differs from the manifest."""
    extracted: dict[str, tuple[str, int]] = {}
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                _check_name(member.name)
                if not member.isfile():
                    raise BackupError(f"备份中的“{member.name}”不是普通文件：拒绝恢复。")
                if member.name in extracted:
                    raise BackupError(f"备份中“{member.name}”出现了两次：拒绝恢复。")
                stream = tar.extractfile(member)
                assert stream is not None  # a regular file always has a stream
                digest = _extract(stream, into / member.name)
                extracted[member.name] = (digest, member.size)
                if progress is not None:
                    progress(member.name, member.size)
    except (tarfile.TarError, EOFError, zlib.error, OSError) as error:
        raise BackupError(
            f"备份文件 {archive} 无法读取（{error}）：文件已损坏或不完整，未作任何改动。"
        ) from error
    if MANIFEST not in extracted:
        raise BackupError(f"备份文件 {archive} 中没有 manifest.json：不是完整的 jingzhun 备份。")
    manifest = Manifest.from_json((into / MANIFEST).read_bytes())
    del extracted[MANIFEST]
    problems = [f"缺少 {name}" for name in sorted(set(manifest.files) - set(extracted))]
    problems += [f"清单外的 {name}" for name in sorted(set(extracted) - set(manifest.files))]
    for name, (digest, size) in sorted(extracted.items()):
        expected = manifest.files.get(name)
        if expected and (expected.get("sha256") != digest or expected.get("size") != size):
            problems.append(f"{name} 的 SHA-256 与清单不符")
    if manifest.database_file not in manifest.files:
        problems.append(f"清单中没有数据库文件 {manifest.database_file}")
    if problems:
        shown = "；".join(problems[:10]) + (
            f"；等共{len(problems)}处" if len(problems) > 10 else ""
        )
        raise BackupError(f"备份文件校验未通过，拒绝恢复，未作任何改动：{shown}。")
    return manifest
