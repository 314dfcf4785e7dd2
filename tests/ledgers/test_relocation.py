"""The sites and relocation ledgers: a site, then the households moved there, stored through
the relocation actions (with the registry's relocation fields); again unchanged; a change;
refusals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from jingzhun.audit.models import AuditEntry
from jingzhun.registry import actions as registry
from jingzhun.relocation.models import Relocation, ResettlementSite
from tests.ledgers.conftest import actions_by_row, apply, csv_bytes, load, refused, xlsx_bytes

SITE_HEADERS = [
    "安置点名称",
    "所在区划",
    "安置方式",
    "设计安置户数",
    "设计安置人数",
    "建成年度",
    "配套设施",
    "管理单位",
]
HEADERS = [
    "户编号",
    "户主姓名",
    "搬迁入住日期",
    "搬迁方式",
    "安置点",
    "搬迁人数",
    "安置住房面积（平方米）",
    "整村搬迁",
    "拆旧复垦",
    "拆旧复垦日期",
]


def site_rows(world):
    return [
        [
            "东冶移民新村",
            world.township.name,
            "城镇安置",
            50,
            200,
            2017,
            "学校、扶贫车间/就业车间",
            "东冶社区居委会",
        ]
    ]


def relocation_rows():
    return [
        [
            "140922100001001",
            "张建国",
            "2018-06-30",
            "集中",
            "东冶移民新村",
            3,
            "75",
            "√",
            "是",
            "2019-04-30",
        ],
        ["140922100001002", None, "2019/5/1", "分散安置", None, None, "80.5", "否", "否", None],
    ]


def stage_site(world):
    apply(
        world.approver, load(world.approver, "sites", xlsx_bytes(SITE_HEADERS, site_rows(world)))[0]
    )
    return ResettlementSite.objects.get()


def test_sites_and_relocations_are_stored_as_the_actions_store_them(world, homes):
    site = stage_site(world)
    assert (site.area, site.resettlement_type, site.capacity_households) == (
        world.township,
        "town",
        50,
    )
    assert site.services == ["school", "workshop"]
    registry.do_set_conditions(homes["a"], actor=world.actor(), year=2024, values={})
    before = (Relocation.objects.count(), homes["a"].conditions.get(year=2024).version)
    upload, _ = load(world.cadre, "relocations", xlsx_bytes(HEADERS, relocation_rows()))
    # The preview ran the actions (the registry's sync included) and rolled them back.
    assert (Relocation.objects.count(), homes["a"].conditions.get(year=2024).version) == before
    assert upload.counts["create"] == 2, upload.preview["rows"]
    apply(world.cadre, upload)
    moved = Relocation.objects.get(household=homes["a"])
    assert (moved.moved_on, moved.mode, moved.site, moved.people) == (
        dt.date(2018, 6, 30),
        "centralised",
        site,
        3,
    )
    assert (moved.housing_area_m2, moved.whole_village, moved.old_house_demolished) == (
        Decimal("75.00"),
        True,
        True,
    )
    assert moved.demolished_on == dt.date(2019, 4, 30)
    apart = Relocation.objects.get(household=homes["b"])
    assert (apart.mode, apart.site, apart.people, apart.housing_area_m2) == (
        "dispersed",
        None,
        3,
        Decimal("80.50"),
    )
    # The registry's relocation fields follow the record, as through the page.
    conditions = homes["a"].conditions.get(year=2024)
    assert (conditions.is_relocated, conditions.resettlement_site) == (True, "东冶移民新村")
    assert AuditEntry.objects.filter(action="record_relocation", source="import").count() == 2


def test_a_second_load_is_unchanged_and_a_changed_row_is_a_change(world, homes):
    stage_site(world)
    apply(world.cadre, load(world.cadre, "relocations", xlsx_bytes(HEADERS, relocation_rows()))[0])
    again, _ = load(world.cadre, "relocations", csv_bytes(HEADERS, relocation_rows()), "搬迁.csv")
    assert set(actions_by_row(again).values()) == {"unchanged"}
    changed = relocation_rows()
    changed[1][6] = "90"
    upload, _ = load(world.cadre, "relocations", xlsx_bytes(HEADERS, changed))
    assert actions_by_row(upload) == {2: "unchanged", 3: "change"}
    assert upload.preview["rows"][1]["changes"] == {"安置住房面积（平方米）": ["80.50", "90.00"]}
    apply(world.cadre, upload)
    assert Relocation.objects.get(household=homes["b"]).housing_area_m2 == Decimal("90.00")


def test_site_sheet_again_is_unchanged_and_a_capacity_change_is_a_change(world):
    stage_site(world)
    again, _ = load(world.approver, "sites", csv_bytes(SITE_HEADERS, site_rows(world)), "点.csv")
    assert actions_by_row(again) == {2: "unchanged"}
    rows = site_rows(world)
    rows[0][3] = 60
    upload, _ = load(world.approver, "sites", xlsx_bytes(SITE_HEADERS, rows))
    assert upload.preview["rows"][0]["changes"] == {"设计安置户数": [50, 60]}


def test_bad_relocation_rows_are_refused_with_their_column_and_the_rest_applied(world, homes):
    stage_site(world)
    rows = [
        *relocation_rows(),
        ["140922100001009", None, "2018-06-30", "集中", "东冶移民新村", 3, "75", None, None, None],
        ["140922200001001", None, "2018-06-30", "分散", None, 3, "75", None, None, None],
    ]
    rows[1][2] = "2027-01-01"
    upload, _ = load(world.cadre, "relocations", xlsx_bytes(HEADERS, rows))
    problems = refused(upload)
    assert sorted(problems) == [3, 4, 5]
    assert problems[3][0]["column"] == "搬迁入住日期" and "晚于今天" in problems[3][0]["reason"]
    assert problems[4][0]["column"] == "户编号" and "不存在" in problems[4][0]["reason"]
    # A household of another village is outside the village cadre's area: absent to them.
    assert problems[5][0]["column"] == "户编号"
    apply(world.cadre, upload)
    assert list(Relocation.objects.values_list("household__number", flat=True)) == [
        "140922100001001"
    ]


def test_an_unknown_site_is_refused_with_the_actions_message(world, homes):
    rows = relocation_rows()[:1]
    problems = refused(load(world.cadre, "relocations", xlsx_bytes(HEADERS, rows))[0])
    assert problems[2][0]["column"] == "安置点"
    assert "本县没有安置点“东冶移民新村”" in problems[2][0]["reason"]


def test_csv_in_gbk_is_read(world, homes):
    stage_site(world)
    upload, _ = load(
        world.cadre,
        "relocations",
        csv_bytes(HEADERS, relocation_rows(), encoding="gbk"),
        "搬迁.csv",
    )
    assert upload.counts["create"] == 2, upload.preview
    assert "按GBK编码读取" in upload.preview["file_notes"]
