"""``jingzhun check --deploy``: what a deployment must not go live with.

- an account whose password is the demo's published one (README: "Jingzhun-demo-2026");
- a data directory (database, uploads, plans, evaluations, exports, secret key) that other
  users of the machine can read.
"""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.db import DatabaseError


@register(Tags.security, deploy=True)
def demo_password_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import check_password

    from jingzhun.demo.generator import DEMO_PASSWORD

    try:
        users = list(
            get_user_model().objects.filter(is_active=True).values_list("username", "password")
        )
    except DatabaseError:
        return []  # not migrated yet: no account can have any password
    weak = [name for name, hashed in users if hashed and check_password(DEMO_PASSWORD, hashed)]
    if not weak:
        return []
    return [
        Error(
            f"{len(weak)}个账号使用公开的演示密码：{'、'.join(sorted(weak)[:20])}",
            hint="删除演示账号（jingzhun demo 生成的），或为它们设置新密码；生产环境请用 "
            "jingzhun setup（生产配置下不生成演示数据）和 jingzhun createuser 建立账号。",
            id="jingzhun.E001",
        )
    ]


def _readable_by_others(path: Path) -> bool:
    return path.exists() and bool(path.stat().st_mode & (stat.S_IRWXO))


@register(Tags.security, deploy=True)
def var_permissions_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    var = Path(settings.VAR_DIR)
    if _readable_by_others(var):
        return [
            Error(
                f"数据目录 {var} 对本机其他用户可读写（权限 {oct(var.stat().st_mode & 0o777)}）",
                hint=f"chmod 700 {var}（jingzhun 启动时也会收紧它）",
                id="jingzhun.E002",
            )
        ]
    return []
