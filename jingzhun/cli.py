"""The ``jingzhun`` console script: Django's management commands with the project's settings.

``jingzhun demo``, ``jingzhun serve``, ``jingzhun check-id`` … are management commands in the
apps; ``jingzhun migrate`` and the rest of Django's commands work too.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")
    from django.core.management import execute_from_command_line

    args = list(argv if argv is not None else sys.argv[1:])
    # Commands are spelled with hyphens on the command line (check-id), underscores in Python.
    if args and "-" in args[0] and not args[0].startswith("-"):
        args[0] = args[0].replace("-", "_")
    execute_from_command_line(["jingzhun", *args])


if __name__ == "__main__":
    main()
