"""The one error of backup and restore."""

from __future__ import annotations


class BackupError(Exception):
    """A backup or restore cannot go on. The message, in Chinese, says what is wrong and what to
    do; the commands print it and exit non-zero."""
