"""``jingzhun ledger load --kind KIND FILE [--apply] [--user USERNAME]``: load a ledger file
(the same staging as the page: the preview runs every row through the ledger's action in a
transaction that is rolled back), print the counts and the first refusals, and with ``--apply``
apply the valid rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingzhun.accounts.commands import command_user
from jingzhun.core.actions import Actor, NotFound, PermissionDenied
from jingzhun.ledgers import actions
from jingzhun.ledgers.models import LedgerStatus, LedgerUpload
from jingzhun.ledgers.spec import ledgers

SHOWN_REFUSALS = 20


def _messages(error: ValidationError) -> str:
    return "；".join(m for ms in error.message_dict.values() for m in ms)


class Command(BaseCommand):
    help = "导入台账（帮扶责任人与结对、驻村工作队、集中安置点、易地扶贫搬迁户……）。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="command", required=True)
        load = sub.add_parser("load", help="上传并预览台账文件；加 --apply 导入全部有效的行")
        load.add_argument(
            "--kind",
            required=True,
            choices=[spec.kind for spec in ledgers()],
            help="；".join(f"{spec.kind}：{spec.title}" for spec in ledgers()),
        )
        load.add_argument("file")
        load.add_argument("--apply", action="store_true", help="导入全部有效的行")
        load.add_argument("--user", default="", help="以哪个用户的名义导入（默认唯一的管理员）")

    def handle(self, *args: Any, **options: Any) -> None:
        user = command_user(options["user"], doing="导入台账")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        actor = Actor(user=user, source="command")
        try:
            with path.open("rb") as stream:
                upload, created = actions.do_load_ledger(
                    actor=actor, kind=options["kind"], stream=stream, original_name=path.name
                )
        except PermissionDenied as error:
            raise CommandError(str(error)) from None
        except ValidationError as error:
            raise CommandError(_messages(error)) from None
        if not created:
            self.stdout.write(
                f"该文件此前已上传（批次{upload.pk}，{upload.get_status_display()}），未重复登记。"
            )
        else:
            self.stdout.write(f"台账导入批次 {upload.pk}：{path.name}（{upload.kind_title}）")
        if upload.status == LedgerStatus.FAILED:
            raise CommandError(f"文件被拒收：{upload.error}")
        self._summary(upload)
        if upload.status == LedgerStatus.APPLIED:
            self._result(upload)
            return
        if not options["apply"]:
            self.stdout.write(
                f"未导入任何数据。确认导入请加 --apply 重新运行，或在网页“台账导入”中打开批次"
                f"{upload.pk}选择导入。"
            )
            return
        try:
            upload = actions.do_apply_ledger_upload(upload, actor=actor)
        except (PermissionDenied, NotFound) as error:
            raise CommandError(str(error)) from None
        except ValidationError as error:
            raise CommandError(_messages(error)) from None
        self._result(upload)

    def _summary(self, upload: LedgerUpload) -> None:
        c = upload.counts
        self.stdout.write(
            f"数据行{c.get('rows', 0)}：将新建{c.get('create', 0)}，将修改{c.get('change', 0)}，"
            f"无变化{c.get('unchanged', 0)}，拒绝{c.get('refused', 0)}。"
        )
        refused = [r for r in upload.preview.get("rows", []) if r["action"] == "refused"]
        for entry in refused[:SHOWN_REFUSALS]:
            for p in entry["problems"]:
                column = f"{p['column']}：" if p["column"] else ""
                fix = f"（{p['fix']}）" if p["fix"] else ""
                self.stdout.write(f"  第{entry['row']}行 {column}{p['reason']}{fix}")
        if len(refused) > SHOWN_REFUSALS:
            self.stdout.write(
                f"  ……其余{len(refused) - SHOWN_REFUSALS}行见网页“台账导入”"
                f"批次{upload.pk}的失败行下载。"
            )

    def _result(self, upload: LedgerUpload) -> None:
        r = upload.result.get("counts", {})
        self.stdout.write(
            self.style.SUCCESS(
                f"已导入：新建{r.get('create', 0)}行，修改{r.get('change', 0)}行，"
                f"无变化{r.get('unchanged', 0)}行；预览时拒绝{r.get('refused_at_preview', 0)}行，"
                f"导入时拒绝{r.get('held_back', 0)}行。"
            )
        )
        for entry in upload.result.get("held_back", [])[:SHOWN_REFUSALS]:
            for p in entry["problems"]:
                self.stdout.write(f"  第{entry['row']}行 {p['column']}：{p['reason']}")
