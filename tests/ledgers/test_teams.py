"""The work-team ledger: posts stored as the action stores them, replacements, refusals of an
unknown village, a future term, a malformed date, a post stored with other content."""

from __future__ import annotations

import datetime as dt

from jingzhun.assistance.models import TeamPost, TeamRole
from jingzhun.audit.models import AuditEntry
from tests.ledgers.conftest import actions_by_row, apply, load, refused, xlsx_bytes

HEADERS = ["乡镇", "行政村", "姓名", "职务", "派出单位", "任期开始", "任期届满", "联系电话", "接替"]


def rows(world):
    return [
        [
            None,
            "东冶村",
            "刘书记",
            "第一书记",
            "省财政厅",
            "2024-03-01",
            "2026-02-28",
            "13900001111",
            None,
        ],
        [
            None,
            world.sibling_village.code,
            "陈队员",
            "队员",
            "县农业农村局",
            20240301,
            "2026/2/28",
            None,
            None,
        ],
        [
            world.township.name,
            "东冶村委会",
            "孙队长",
            "队长",
            "县委组织部",
            dt.date(2024, 3, 1),
            dt.date(2026, 2, 28),
            None,
            None,
        ],
    ]


def test_a_good_file_stores_the_posts_as_the_action_would(world):
    upload, _ = load(world.approver, "teams", xlsx_bytes(HEADERS, rows(world)))
    assert upload.counts["create"] == 3, upload.preview["rows"]
    apply(world.approver, upload)
    posts = {p.name: p for p in TeamPost.objects.all()}
    assert posts["刘书记"].village == world.village
    assert posts["刘书记"].role == TeamRole.FIRST_SECRETARY
    assert (posts["刘书记"].term_start, posts["刘书记"].term_end) == (
        dt.date(2024, 3, 1),
        dt.date(2026, 2, 28),
    )
    assert (
        posts["陈队员"].village == world.sibling_village and posts["陈队员"].role == TeamRole.MEMBER
    )
    assert posts["孙队长"].role == TeamRole.LEADER and posts["孙队长"].sending_unit == "县委组织部"
    assert AuditEntry.objects.filter(action="appoint_team_member", source="import").count() == 3


def test_loading_the_posts_again_finds_them_unchanged(world):
    apply(world.approver, load(world.approver, "teams", xlsx_bytes(HEADERS, rows(world)))[0])
    again, created = load(
        world.approver, "teams", xlsx_bytes(HEADERS, rows(world), title="驻村工作队")
    )
    assert created
    assert set(actions_by_row(again).values()) == {"unchanged"}
    apply(world.approver, again)
    assert TeamPost.objects.count() == 3


def test_a_replacement_ends_the_replaced_post_the_day_the_new_term_starts(world):
    file_rows = [
        *rows(world)[:1],
        [
            None,
            "东冶村",
            "周书记",
            "第一书记",
            "省教育厅",
            "2026-03-01",
            "2028-02-28",
            None,
            "刘书记",
        ],
    ]
    apply(world.approver, load(world.approver, "teams", xlsx_bytes(HEADERS, file_rows))[0])
    old = TeamPost.objects.get(name="刘书记")
    new = TeamPost.objects.get(name="周书记")
    assert old.ended_on == dt.date(2026, 3, 1) and new.replaces == old


def test_a_second_first_secretary_without_replacing_is_refused_with_the_actions_message(world):
    file_rows = [
        *rows(world)[:1],
        [None, "东冶村", "周书记", "第一书记", "省教育厅", "2026-03-01", "2028-02-28", None, None],
    ]
    problems = refused(load(world.approver, "teams", xlsx_bytes(HEADERS, file_rows))[0])
    assert problems[3][0]["column"] == "职务"
    assert "第一书记刘书记仍在岗" in problems[3][0]["reason"]


def test_bad_rows_are_refused_under_their_column_and_the_rest_applied(world):
    file_rows = [
        *rows(world),
        [None, "不存在村", "吴队员", "队员", "县林业局", "2024-03-01", "2026-02-28", None, None],
        [None, "东冶村", "郑队员", "队员", "县林业局", "2027-03-01", "2029-02-28", None, None],
        [None, "东冶村", "冯队员", "队员", "县林业局", "2024-02-30", "2026-02-28", None, None],
        [None, "东冶村", "钱队员", "副队长", "县林业局", "2024-03-01", "2026-02-28", None, None],
    ]
    upload, _ = load(world.approver, "teams", xlsx_bytes(HEADERS, file_rows))
    problems = refused(upload)
    assert sorted(problems) == [5, 6, 7, 8]
    assert problems[5][0]["column"] == "行政村" and "不存在村" in problems[5][0]["reason"]
    assert problems[6][0]["column"] == "任期开始" and "晚于今天" in problems[6][0]["reason"]
    assert problems[7][0]["column"] == "任期开始" and "不是有效日期" in problems[7][0]["reason"]
    assert problems[8][0]["column"] == "职务" and "第一书记" in problems[8][0]["fix"]
    apply(world.approver, upload)
    assert sorted(TeamPost.objects.values_list("name", flat=True)) == ["刘书记", "孙队长", "陈队员"]


def test_a_village_of_another_township_is_unknown_to_that_townships_reviewer(world):
    upload, _ = load(world.other_reviewer, "teams", xlsx_bytes(HEADERS, rows(world)[:1]))
    assert refused(upload)[2][0]["column"] == "行政村"


def test_a_stored_post_with_other_content_is_refused_naming_the_difference(world):
    apply(world.approver, load(world.approver, "teams", xlsx_bytes(HEADERS, rows(world)[:1]))[0])
    changed = [
        [None, "东冶村", "刘书记", "第一书记", "省发改委", "2024-03-01", "2026-02-28", None, None]
    ]
    problems = refused(load(world.approver, "teams", xlsx_bytes(HEADERS, changed))[0])
    assert problems[2][0]["column"] == "派出单位"
    assert "省财政厅" in problems[2][0]["reason"] and "省发改委" in problems[2][0]["reason"]
