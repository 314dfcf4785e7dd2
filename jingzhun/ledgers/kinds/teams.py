"""驻村工作队台账: one row is one person's post in a village's work team or as its first
secretary, for a term.

Natural key: 行政村 + 姓名 + 职务 + 任期开始. A post is never changed by an import (the
assistance app has no action that edits a post): the same post with other content is refused,
naming what differs. A replacement names the person it replaces (接替), whose post ends the day
the new term starts. Stored through ``do_appoint_team_member``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from jingzhun.accounts.roles import ASSISTANCE_MANAGERS
from jingzhun.assistance import actions
from jingzhun.assistance.models import TeamPost, TeamRole
from jingzhun.ledgers.spec import Column, Context, Ledger, Outcome, Row

COMPARED = {"sending_unit": "派出单位", "term_end": "任期届满", "phone": "联系电话"}


def find(ctx: Context, row: Row) -> TeamPost | None:
    village = ctx.village("village", row.get("village"), township=row.get("township"))
    if not row.get("name") or not row.get("role") or not row.get("term_start"):
        return None  # the action names what is missing
    return (
        TeamPost.objects.filter(
            village=village, name=row["name"], role=row["role"], term_start=row["term_start"]
        )
        .order_by("id")
        .first()
    )


def write(ctx: Context, row: Row, post: TeamPost | None) -> Outcome:
    village = ctx.village("village", row.get("village"), township=row.get("township"))
    if post is not None:
        differ = {
            key: [getattr(post, key), row[key]]
            for key in COMPARED
            if row.get(key) not in (None, "") and row[key] != getattr(post, key)
        }
        if differ:
            raise ValidationError(
                {
                    key: [
                        f"{village.name}已登记{post.name}（{post.get_role_display()}，"
                        f"{post.term_start}起），{COMPARED[key]}为“{old or '空'}”，表中为“{new}”："
                        "请核对；导入不修改已登记的任职，如需更正请在驻村工作队页面办理"
                    ]
                    for key, (old, new) in differ.items()
                }
            )
        return Outcome(
            "unchanged", f"{village.name} {post.name}（{post.get_role_display()}）已登记"
        )
    replaces = None
    if row.get("replaces") not in (None, ""):
        replaces = (
            TeamPost.objects.filter(village=village, name=row["replaces"], ended_on__isnull=True)
            .order_by("-term_start")
            .first()
        )
        if replaces is None:
            raise ValidationError(
                {"replaces": [f"{village.name}没有在岗的“{row['replaces']}”：请核对接替的人员姓名"]}
            )
    post = actions.do_appoint_team_member(
        actor=ctx.actor,
        village=village,
        values={
            "name": row.get("name"),
            "role": row.get("role"),
            "sending_unit": row.get("sending_unit"),
            "phone": row.get("phone") or "",
            "term_start": row.get("term_start"),
            "term_end": row.get("term_end"),
        },
        replaces=replaces,
    )
    summary = f"{village.name} 选派{post.name}为{post.get_role_display()}"
    if replaces is not None:
        summary += f"，接替{replaces.name}"
    return Outcome("create", summary)


LEDGER = Ledger(
    kind="teams",
    title="驻村工作队台账",
    order=20,
    roles=ASSISTANCE_MANAGERS,
    key="按“行政村＋姓名＋职务＋任期开始”识别",
    find=find,
    write=write,
    columns=(
        Column(
            "township",
            "乡镇",
            aliases=("乡(镇)", "所属乡镇", "乡镇名称"),
            meaning="行政村所属的乡镇（可空；村名在本县重名时用于区分）",
            example="",
        ),
        Column(
            "village",
            "行政村",
            aliases=("驻村村名", "所驻村", "村名", "行政村代码", "村代码"),
            required=True,
            meaning="所驻行政村的名称或12位区划代码",
            example="东冶村",
        ),
        Column(
            "name",
            "姓名",
            "name",
            aliases=("队员姓名", "驻村干部姓名"),
            required=True,
            meaning="驻村干部的姓名",
            example="刘书记",
        ),
        Column(
            "role",
            "职务",
            "options",
            aliases=("驻村职务", "队内职务", "身份"),
            required=True,
            meaning="第一书记、工作队队长或工作队队员",
            example="第一书记",
            options=(
                (TeamRole.FIRST_SECRETARY.value, ("第一书记", "驻村第一书记", "书记")),
                (TeamRole.LEADER.value, ("工作队队长", "队长", "驻村工作队队长")),
                (TeamRole.MEMBER.value, ("工作队队员", "队员", "驻村工作队队员", "工作队员")),
            ),
        ),
        Column(
            "sending_unit",
            "派出单位",
            aliases=("选派单位", "原单位", "工作单位"),
            required=True,
            meaning="选派驻村干部的单位",
            example="省财政厅",
        ),
        Column(
            "term_start",
            "任期开始",
            "date",
            aliases=("任期开始日期", "驻村开始时间", "驻村时间", "任职时间"),
            required=True,
            meaning="驻村任期开始的日期（不能晚于今天）",
            example="2024-03-01",
        ),
        Column(
            "term_end",
            "任期届满",
            "date",
            aliases=("任期结束", "任期届满日期", "任期截止", "驻村结束时间"),
            meaning="任期届满的日期（应晚于任期开始）",
            example="2026-02-28",
        ),
        Column(
            "phone",
            "联系电话",
            aliases=("电话", "手机", "手机号码"),
            meaning="驻村干部的联系电话",
            example="13900000000",
        ),
        Column(
            "replaces",
            "接替",
            "name",
            aliases=("接替人员", "接替谁", "被接替人"),
            meaning="轮换时被接替的在岗人员姓名（可空）；其任职在新任期开始日结束",
            example="",
        ),
    ),
    notes=(
        "一个村同一时间只有一名第一书记：轮换时在“接替”列写明被接替的第一书记。",
        "已登记的任职不会被导入修改；表中内容与已登记的不同时该行被拒绝并说明差异。",
    ),
)
