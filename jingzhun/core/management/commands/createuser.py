"""``jingzhun createuser USERNAME --role ROLE --area CODE``: a user bound to one area."""

from __future__ import annotations

import getpass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingzhun.accounts.models import User
from jingzhun.accounts.roles import ROLE_LEVELS, Role
from jingzhun.areas.models import Area, Level


class Command(BaseCommand):
    help = "新建用户：指定角色和所属区划（只能查看和修改该区划以下的数据）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--area", required=True, help="区划代码，如 140922")
        parser.add_argument("--full-name", default="")
        parser.add_argument(
            "--password", help="不填则交互输入；也可用环境变量 JINGZHUN_PASSWORD", default=None
        )

    def handle(self, *args: object, **o: object) -> None:
        import os

        username, role, code = str(o["username"]), str(o["role"]), str(o["area"])
        if User.objects.filter(username=username).exists():
            raise CommandError(f"用户名{username}已存在。")
        area = Area.objects.filter(code=code).first()
        if area is None:
            raise CommandError(f"区划代码{code}不存在：先运行 jingzhun load_areas 或检查代码。")
        if area.level not in ROLE_LEVELS[role]:
            allowed = "、".join(str(Level(x).label) for x in sorted(ROLE_LEVELS[role]))
            raise CommandError(
                f"角色“{Role(role).label}”应绑定到{allowed}级区划，{area.name}是{area.get_level_display()}级。"
            )
        password = o["password"] or os.environ.get("JINGZHUN_PASSWORD") or getpass.getpass("密码：")
        user = User(username=username, role=role, area=area, full_name=str(o["full_name"]))
        try:
            validate_password(str(password), user)
        except ValidationError as error:
            raise CommandError("密码不符合要求：" + "；".join(error.messages)) from None
        user.set_password(str(password))
        user.is_staff = role == Role.ADMIN
        user.save()
        self.stdout.write(f"已新建用户 {username}（{Role(role).label}，{area.name}）。")
