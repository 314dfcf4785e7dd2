"""``jingzhun crosscheck load --dataset KIND FILE [--as-of DATE] [--area CODE] [--user NAME]``
reads a department's batch, compares it with the registry and prints the links and alerts;
``jingzhun crosscheck kinds`` lists the dataset kinds; ``jingzhun crosscheck token --dataset KIND
--name NAME`` issues a department system's push key."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingzhun.accounts.commands import command_user
from jingzhun.core.actions import Actor, NotFound, PermissionDenied
from jingzhun.crosscheck import actions, intake
from jingzhun.crosscheck.kinds import KindError, all_kinds, get_kind
from jingzhun.crosscheck.loading import BatchRefused
from jingzhun.crosscheck.models import BatchStatus
from jingzhun.registry import scoping

SHOWN_REFUSALS = 30


class Command(BaseCommand):
    help = "部门信息比对：jingzhun crosscheck load --dataset KIND FILE [--as-of DATE]"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        load = sub.add_parser("load", help="导入一批部门数据并与建档立卡信息比对")
        load.add_argument("file", help="xlsx、CSV（UTF-8或GBK）或Parquet文件")
        load.add_argument("--dataset", required=True, help="数据类型（jingzhun crosscheck kinds）")
        load.add_argument("--as-of", default="", help="数据截止日期，如2026-11-30（默认今天）")
        load.add_argument("--area", default="", help="范围区划代码（默认用户所在区域）")
        load.add_argument("--user", default="", help="以哪个用户的名义导入（默认唯一的管理员）")
        load.add_argument("--dry-run", action="store_true", help="只检查，不比对")
        sub.add_parser("kinds", help="列出可导入的部门数据类型")
        token = sub.add_parser("token", help="为部门系统生成推送令牌（只显示一次）")
        token.add_argument("--dataset", required=True)
        token.add_argument("--name", required=True, help="如：县医保局结算系统")
        token.add_argument("--area", default="")
        token.add_argument("--user", default="")

    def handle(self, *args: Any, verb: str, **options: Any) -> None:
        try:
            if verb == "kinds":
                self._kinds()
            elif verb == "token":
                self._token(options)
            else:
                self._load(options)
        except (KindError, NotFound, PermissionDenied) as error:
            raise CommandError(str(error) or "该范围不存在或无权访问。") from None
        except BatchRefused as refused:
            raise CommandError(f"{refused.reason}。{refused.fix}。未导入任何记录。") from None
        except ValidationError as error:
            raise CommandError("；".join(error.messages)) from None

    def _kinds(self) -> None:
        for kind in all_kinds().values():
            columns = "、".join(c.label + ("*" if c.required else "") for c in kind.columns)
            self.stdout.write(f"{kind.code}\t{kind.department}：{kind.name}\t{columns}")

    def _actor_area(self, options: dict[str, Any]) -> tuple[Actor, Any]:
        user = command_user(options["user"], doing="导入部门数据")
        area = scoping.access_area_by_code(user, options["area"]) if options["area"] else user.area
        return Actor(user=user, source="command"), area

    def _token(self, options: dict[str, Any]) -> None:
        actor, area = self._actor_area(options)
        token, raw = actions.do_create_feed_token(
            actor=actor, name=options["name"], kind=get_kind(options["dataset"]).code, area=area
        )
        self.stdout.write(f"已为“{token.name}”生成推送令牌（只显示这一次，请妥善交给部门）：")
        self.stdout.write(raw)

    def _load(self, options: dict[str, Any]) -> None:
        kind = get_kind(options["dataset"])
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件“{path}”。")
        try:
            as_of = dt.date.fromisoformat(options["as_of"]) if options["as_of"] else actions.today()
        except ValueError:
            raise CommandError(
                f"--as-of “{options['as_of']}”不是日期，请写成2026-11-30。"
            ) from None
        actor, area = self._actor_area(options)
        batch, new = intake.stage_file(
            actor=actor, kind=kind.code, area=area, path=path, as_of=as_of, source="command"
        )
        if not new:
            self.stdout.write(
                f"这批数据已于{batch.created_at:%Y-%m-%d %H:%M}导入（批次{batch.pk}，"
                f"{batch.get_status_display()}），未作任何改动。"
            )
            return
        counts = batch.counts
        self.stdout.write(
            f"{kind.department}“{kind.name}”（截至{as_of}）：共{counts['rows']}行，"
            f"可比对{counts['records']}条，拒绝{counts['refused']}行。"
        )
        for note in batch.notes:
            self.stdout.write(f"说明：{note}")
        for r in batch.refusals[:SHOWN_REFUSALS]:
            self.stdout.write(f"  第{r['row']}行 {r['column']}：{r['reason']}（{r['fix']}）")
        if counts["refused"] > SHOWN_REFUSALS:
            self.stdout.write(f"  ……其余{counts['refused'] - SHOWN_REFUSALS}行见网页上该批次。")
        if options["dry_run"]:
            actions.do_discard_batch(batch, actor=actor, reason="只检查（--dry-run）")
            self.stdout.write("只检查：未比对，批次已放弃。")
            return
        batch = actions.do_apply_batch(batch, actor=actor)
        assert batch.status == BatchStatus.APPLIED
        c = batch.counts
        self.stdout.write(
            self.style.SUCCESS(
                f"比对完成：证件号码一致{c['linked_exact']}条，概率匹配{c['linked_probable']}条，"
                f"未找到{c['unlinked']}条；新预警{c['alerts']}条（批次{batch.pk}）。"
            )
        )
