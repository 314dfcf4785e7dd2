"""``jingzhun import national FILE.xlsx --year Y [--sheet NAME] [--area CODE] [--user NAME]
[--dry-run] [--apply-valid]`` and ``jingzhun import households FILE [...]``.

The same staging as the upload page: the file becomes an Upload, is validated (preview printed),
then applied only with ``--apply-valid``, or after a "y" at the prompt on a terminal. Without a
terminal and without ``--apply-valid`` nothing is applied and the command says how to apply.
The module is named ``import.py``: Django loads commands by file name, so ``jingzhun import``
works although ``import`` is a Python keyword.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingzhun.accounts.commands import command_user
from jingzhun.accounts.models import User
from jingzhun.core.actions import Actor, NotFound, PermissionDenied
from jingzhun.imports import actions
from jingzhun.imports.models import Kind, Status, Upload
from jingzhun.registry import scoping


class Command(BaseCommand):
    help = "导入国家监测系统导出表（national）或本系统农户模板/CSV/Parquet（households）。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="kind", required=True)
        for name, helptext in (
            (Kind.NATIONAL, "国家监测系统导出的xlsx（表头在第3行）"),
            (Kind.HOUSEHOLDS, "本系统农户模板xlsx、CSV或Parquet"),
        ):
            p = sub.add_parser(name, help=helptext)
            p.add_argument("file")
            p.add_argument("--year", type=int, default=None, help="收入年度")
            p.add_argument("--sheet", default="", help="工作表名称（默认按表头识别）")
            p.add_argument("--area", default="", help="导入范围的区划代码（默认为用户的区划）")
            p.add_argument("--user", default="", help="以哪个用户的名义导入（默认唯一的管理员）")
            p.add_argument("--dry-run", action="store_true", help="只校验和预览，不导入")
            p.add_argument("--apply-valid", action="store_true", help="导入全部有效的户")
            p.add_argument(
                "--failed-rows",
                default="",
                metavar="FILE.xlsx",
                help="把全部被拒绝的行（含原因）写入该xlsx文件，改正后可直接重新导入",
            )

    def _user(self, username: str) -> User:
        return command_user(username, doing="导入")

    def handle(self, *args: Any, **options: Any) -> None:
        user = self._user(options["user"])
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        area = None
        try:
            if options["area"]:
                area = scoping.access_area_by_code(user, options["area"])
            actor = Actor(user=user, source="command")
            with path.open("rb") as stream:
                upload = actions.do_create_upload(
                    actor=actor,
                    stream=stream,
                    original_name=path.name,
                    kind=options["kind"],
                    year=options["year"],
                    sheet=options["sheet"],
                    area=area,
                )
        except NotFound:
            raise CommandError(f"区划{options['area']}不存在或不在用户的管辖范围内。") from None
        except PermissionDenied as error:
            raise CommandError(str(error)) from None
        except ValidationError as error:
            raise CommandError(
                "；".join(m for ms in error.message_dict.values() for m in ms)
            ) from None
        self.stdout.write(f"导入批次 {upload.pk}：{path.name}")
        self._with_progress(upload, "校验", lambda: actions.do_validate_upload(upload))
        upload.refresh_from_db()
        if upload.status == Status.FAILED:
            raise CommandError(f"文件被拒绝：{upload.error}")
        self._summary(upload, options["failed_rows"])
        if options["dry_run"]:
            self._failed_rows(upload, user, options["failed_rows"])
            self.stdout.write("试运行（--dry-run）：未导入任何数据。")
            return
        go = options["apply_valid"]
        if not go:
            if sys.stdin.isatty():
                answer = input("导入以上全部有效的户？被拒绝的户不导入。[y/N] ")
                go = answer.strip().lower() in {"y", "yes", "是"}
            else:
                self._failed_rows(upload, user, options["failed_rows"])
                self.stdout.write(
                    f"未导入任何数据。确认导入请加 --apply-valid 重新运行，或在网页“数据导入”"
                    f"中打开批次{upload.pk}选择导入。"
                )
                return
        if not go:
            self._failed_rows(upload, user, options["failed_rows"])
            actions.do_reject_upload(upload, actor=Actor(user=user, source="command"))
            self.stdout.write("已放弃：未导入任何数据。")
            return
        actions.do_request_apply(upload, actor=Actor(user=user, source="command"))
        self._with_progress(upload, "导入", lambda: actions.do_apply_upload(upload))
        upload.refresh_from_db()
        result = upload.result
        self.stdout.write(
            self.style.SUCCESS(
                f"已导入：新建{result.get('households_created', 0)}户，"
                f"修改{result.get('households_changed', 0)}户，"
                f"未变{result.get('households_unchanged', 0)}户，"
                f"拒绝{result.get('households_refused', 0)}户，"
                f"新建行政村{result.get('villages_created', 0)}个。"
            )
        )
        for refusal in result.get("late_refusals", [])[:20]:
            self.stdout.write(
                f"  户{refusal['number']}（第{refusal['row']}行）：{refusal['reason']}"
            )
        self._failed_rows(upload, user, options["failed_rows"])

    def _failed_rows(self, upload: Upload, user: User, target: str) -> None:
        """Write every refused row with its reason to ``target`` (when asked), logged as a
        download of personal data like the page's."""
        if not target:
            return
        upload.refresh_from_db()
        path = Path(target)
        with path.open("wb") as out:
            rows = actions.do_download_failed_rows(
                upload, out, actor=Actor(user=user, source="command")
            )
        self.stdout.write(f"被拒绝的{rows}行（含原因）已写入：{path}")

    def _with_progress(self, upload: Upload, label: str, work: Any) -> None:
        """Run ``work`` while a thread draws the progress bar from the progress file."""
        done = threading.Event()

        def draw() -> None:
            while not done.wait(0.5):
                state = actions.read_progress(Upload(pk=upload.pk, status=Status.VALIDATED))
                self._bar(label, int(state.get("progress", 0)), str(state.get("phase", "")))

        thread = threading.Thread(target=draw, daemon=True)
        thread.start()
        started = time.monotonic()
        try:
            work()
        finally:
            done.set()
            thread.join()
        self._bar(label, 100, f"{time.monotonic() - started:.1f}秒")
        self.stdout.write("")

    def _bar(self, label: str, percent: int, phase: str) -> None:
        filled = percent * 30 // 100
        self.stdout.write(
            f"\r{label} [{'#' * filled}{'.' * (30 - filled)}] {percent:3d}% {phase}   ", ending=""
        )
        self.stdout.flush()

    def _summary(self, upload: Upload, failed_rows: str = "") -> None:
        counts = upload.counts
        preview = upload.preview
        self.stdout.write(
            f"工作表“{preview.get('sheet')}”，表头在第{preview.get('header_row')}行，"
            f"数据{counts.get('rows', 0)}行。"
        )
        n = {
            key: counts.get(key, 0)
            for key in (
                "households_create",
                "households_change",
                "households_unchanged",
                "households_refused",
                "rows_refused",
                "new_villages",
            )
        }
        self.stdout.write(
            f"将新建{n['households_create']}户、修改{n['households_change']}户、"
            f"未变{n['households_unchanged']}户；拒绝{n['households_refused']}户"
            f"（{n['rows_refused']}行）；新建行政村{n['new_villages']}个。"
        )
        for village in preview.get("new_villages", []):
            self.stdout.write(f"  将在{village['township']}新建行政村：{village['name']}")
        for note, count in sorted(preview.get("note_counts", {}).items()):
            self.stdout.write(f"  规范化 {note}：{count}处")
        for problem in preview.get("problems", [])[:30]:
            self.stdout.write(
                f"  拒绝 {problem['sheet']} 第{problem['row']}行 {problem['column']}"
                f"“{problem['value']}”：{problem['reason']}（改正：{problem['fix']}）"
            )
        if len(preview.get("problems", [])) > 30:
            more = len(preview.get("problems", [])) - 30
            where = failed_rows or "网页中的“下载失败行”（或加 --failed-rows 文件.xlsx）"
            self.stdout.write(f"  ……其余{more}处拒绝见{where}。")
