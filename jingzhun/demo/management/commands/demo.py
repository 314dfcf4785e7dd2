"""``jingzhun demo [--households N] [--seed S]``: replace the demo data of 忻州市."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingzhun.demo.generator import (
    DEFAULT_HOUSEHOLDS,
    DEFAULT_SEED,
    DEMO_PASSWORD,
    PLANTED_ERRORS,
    DemoError,
    demo_logins,
    load_demo,
)


class Command(BaseCommand):
    help = (
        "删除旧的演示数据，重新生成忻州市的演示农户、成员、收入和演示账号"
        "（同一个 --seed 生成完全相同的数据）。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--households",
            type=int,
            default=DEFAULT_HOUSEHOLDS,
            help=f"生成多少户（默认{DEFAULT_HOUSEHOLDS}；压测可用1000000）",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=f"随机种子（默认{DEFAULT_SEED}）：同一种子生成相同数据",
        )
        parser.add_argument(
            "--allow-in-production",
            action="store_true",
            help="生产配置下也生成（演示账号的密码是公开的，check --deploy 会报错）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION and not options["allow_in_production"]:
            raise CommandError(
                "生产配置（JINGZHUN_PROFILE=production）下不生成演示数据：演示账号的密码是公开的。"
                "确需演示请加 --allow-in-production。"
            )
        households: int = options["households"]
        if households < 1:
            raise CommandError("--households 至少为1。")
        verbose = options["verbosity"] > 0

        def say(message: str) -> None:
            if verbose:
                self.stdout.write(message)
                self.stdout.flush()

        try:
            result = load_demo(households=households, seed=options["seed"], progress=say)
        except (DemoError, ValueError) as error:
            raise CommandError(str(error)) from error

        rows = result.rows
        say(
            self.style.SUCCESS(
                f"演示数据已生成（种子{result.seed}，用时{result.seconds:,.1f}秒）："
                f"{result.villages:,}个行政村、{result.groups:,}个村民小组、"
                f"{result.households:,}户、{rows.get('members', 0):,}人、"
                f"{rows.get('incomes', 0):,}条年度收入、"
                f"{rows.get('conditions', 0):,}条生产生活条件、"
                f"{rows.get('measures', 0):,}条帮扶措施、"
                f"{rows.get('risks', 0):,}条风险。"
            )
        )
        if result.planted:
            planted = "，".join(
                f"{PLANTED_ERRORS[code][0]} {count:,}" for code, count in result.planted.items()
            )
            say(f"有意埋入的问题数据（供数据质量检查发现）：{planted}。")
        if result.cases:
            self.stdout.write(f"演示办理案件：{'、'.join(result.cases)}（村干部 cun 的办理事项）")
        if result.alerts:
            self.stdout.write(
                f"演示部门预警{sum(result.alerts.values())}条（村干部 cun 的“部门预警”）。"
            )
        if result.assistance:
            a = result.assistance
            self.stdout.write(
                f"演示帮扶：帮扶责任人{a['cadres']}名、结对{a['pairings']}户、"
                f"驻村工作队员{a['posts']}人次、走访{a['visits']}次（“帮扶”页面）。"
            )
        for username in result.skipped_users:
            self.stderr.write(f"用户名 {username} 已被非演示账号使用，未创建该演示账号。")
        logins = demo_logins()
        if logins:
            # The logins are printed even at verbosity 0: they are the point of a demo.
            self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
            for username, role, area in logins:
                self.stdout.write(f"  {username:<8} {role}（{area}）")
