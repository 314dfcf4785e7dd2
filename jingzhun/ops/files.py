"""Which files of an installation are user data, and where each goes in an archive.

An archive keeps files under ``files/<root>/<path inside the root>``, one root per data
directory of the settings:

* ``uploads`` — ``settings.UPLOAD_DIR``: imported files as uploaded, with their progress and plan
  files (the import pages read them again);
* ``media`` — ``settings.MEDIA_ROOT``: case and project step attachments (``media/cases/``,
  ``media/projects/``), problems' evidence files (``media/problems/``) and listed-supervision
  tasks' evidence files (``media/listings/``);
* ``exports`` — ``settings.EXPORT_DIR``: generated exports users download later;
* ``var`` — everything else under ``settings.VAR_DIR`` (stored evaluation runs under
  ``evaluations/``, and whatever later code keeps there).

Left out, everywhere: the SQLite database files (the database is backed up on its own, as a
consistent copy), ``STATIC_ROOT`` (``collectstatic`` rebuilds it), ``SNAPSHOT_DIR`` (Parquet
analytics snapshots and the quality runs' and what-if's working copies: derived from the
database, ``jingzhun snapshot`` rebuilds them), the secret key (only with
``--include-secret-key``, see docs/backup.md), ``var/backups/`` and the temporary directories of
backup and restore themselves. Only regular files are kept; symbolic links are skipped.

Roots are kept apart even when they are inside ``VAR_DIR`` (the default), so a restore puts
each file where the target installation's settings say, wherever those are.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

KEY_FILE = "secret_key"  # var/secret_key, the generated SECRET_KEY
BACKUPS_DIR = "backups"  # var/backups: where `jingzhun backup` writes by default
# Temporary directories of backup and restore (inside the output directory and var/).
TEMP_PREFIXES = (".jingzhun-backup-", ".jingzhun-restore-")
CHUNK = 1 << 20


@dataclass(frozen=True)
class DataRoot:
    """One data directory: ``name`` is its folder in the archive (``files/<name>/``)."""

    name: str
    path: Path


@dataclass(frozen=True)
class DataFile:
    """A file to back up: its name in the archive, where it is, its size when listed."""

    name: str
    path: Path
    size: int


@dataclass(frozen=True)
class Layout:
    """Where an installation keeps its data: the roots, and what is never user data."""

    roots: tuple[DataRoot, ...]
    excluded: frozenset[Path]
    var_dir: Path

    @property
    def secret_key_file(self) -> Path:
        return self.var_dir / KEY_FILE

    def root(self, name: str) -> DataRoot:
        for root in self.roots:
            if root.name == name:
                return root
        raise KeyError(name)

    def excluding(self, paths: Iterable[Path]) -> Layout:
        """The same layout with ``paths`` (the archive being written, say) left out too."""
        extra = {Path(os.path.abspath(p)) for p in paths}
        return Layout(self.roots, self.excluded | extra, self.var_dir)


def _absolute(path: Path | str) -> Path:
    return Path(os.path.abspath(path))


def sqlite_files(database: Path) -> list[Path]:
    """The database file and its journal, WAL and shared-memory files."""
    return [
        database,
        *(database.with_name(database.name + s) for s in ("-wal", "-shm", "-journal")),
    ]


def layout_from_settings(
    *,
    var_dir: Path | None = None,
    uploads: Path | None = None,
    media: Path | None = None,
    exports: Path | None = None,
    sqlite_database: Path | None = None,
) -> Layout:
    """The configured installation's layout (arguments override the settings, for tests)."""
    var = _absolute(var_dir or settings.VAR_DIR)
    roots = (
        DataRoot("uploads", _absolute(uploads or settings.UPLOAD_DIR)),
        DataRoot("media", _absolute(media or settings.MEDIA_ROOT)),
        DataRoot("exports", _absolute(exports or settings.EXPORT_DIR)),
        DataRoot("var", var),
    )
    excluded = {
        _absolute(settings.STATIC_ROOT),
        _absolute(settings.SNAPSHOT_DIR),
        var / KEY_FILE,
        var / BACKUPS_DIR,
    }
    # The configured SQLite database, and the default one even when PostgreSQL is configured
    # (a leftover from before the switch is a database, not a user file).
    databases = [var / "jingzhun.sqlite3"]
    if sqlite_database is not None:
        databases.append(sqlite_database)
    elif settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        databases.append(Path(settings.DATABASES["default"]["NAME"]))
    for database in databases:
        excluded.update(_absolute(p) for p in sqlite_files(database))
    return Layout(roots, frozenset(excluded), var)


def _inside(path: Path, other: Path) -> bool:
    return path == other or other in path.parents


def data_files(layout: Layout) -> list[DataFile]:
    """Every user-data file of ``layout``, sorted by archive name. A root that does not exist
    has no files. A root nested in another (uploads/ in var/) is listed once, under its own
    name."""
    found: list[DataFile] = []
    for root in layout.roots:
        if not root.path.is_dir():
            continue
        others = [r.path for r in layout.roots if r is not root and _inside(r.path, root.path)]
        skip = [*layout.excluded, *(p for p in others if p != root.path)]
        for directory, dirs, files in os.walk(root.path):
            here = Path(directory)
            dirs[:] = sorted(
                d
                for d in dirs
                if not d.startswith(TEMP_PREFIXES) and not any(_inside(here / d, s) for s in skip)
            )
            for name in sorted(files):
                path = here / name
                if name.startswith(TEMP_PREFIXES) or any(_inside(path, s) for s in skip):
                    continue
                if path.is_symlink() or not path.is_file():
                    continue
                relative = path.relative_to(root.path).as_posix()
                found.append(DataFile(f"files/{root.name}/{relative}", path, path.stat().st_size))
    return sorted(found, key=lambda f: f.name)


def target_of(layout: Layout, name: str) -> Path:
    """Where the archive member ``files/<root>/<path>`` belongs in ``layout``. Raises KeyError
    for a name outside ``files/`` or an unknown root."""
    prefix, root_name, relative = name.split("/", 2)
    if prefix != "files":
        raise KeyError(name)
    return layout.root(root_name).path / relative


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
