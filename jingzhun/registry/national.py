"""The national monitoring system's export layout (docs/domain.md, 全国系统导出与问题数据), as
data.

One row per person, household fields repeated on each member's row, header on row 3 below two
title rows. Imports read this layout and exports can write it, so a county hands data back in
the shape it was asked for. Column names are matched tolerantly: full/half width, spaces,
brackets, and the known variants (县 / 县(市、区、旗), 乡 / 乡(镇), 村 / 行政村).

Each column says which record and field it feeds and how its cells are read:

* ``text`` plain text; ``name`` a person's name; ``id`` an ID number (GB 11643 normalisation)
* ``choice`` a value list of :mod:`jingzhun.registry.choices`, matched by its Chinese label
* ``date`` a date (text, Excel serial, ``202303``); ``year`` a year
* ``money`` yuan (commas allowed); ``decimal`` a number; ``int`` a whole number; ``bool`` 是/否
* ``ignored`` known columns this version does not store yet (they are reported, not dropped
  silently)
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

HEADER_ROW = 3  # 1-based: two title rows above the header

SHEET_NAMES = (
    "（自定义）监测对象信息",
    "（乡村建设）户信息",
    "（务工月监测）已外出务工信息",
    "计划外出务工信息",
    "（自定义）行政村信息",
)


@dataclass(frozen=True)
class NationalColumn:
    name: str  # the column title as the national system writes it
    record: str  # area | household | member | income | conditions | measures | risk | ignored
    field: str  # model field (or area level / risk position)
    kind: str
    aliases: tuple[str, ...] = ()
    choices: str = ""  # name of the TextChoices class in jingzhun.registry.choices


def _c(
    name: str, record: str, field: str, kind: str, *aliases: str, choices: str = ""
) -> NationalColumn:
    return NationalColumn(name, record, field, kind, tuple(aliases), choices)


COLUMNS: tuple[NationalColumn, ...] = (
    _c("县", "area", "county", "text", "县(市、区、旗)", "县（市、区、旗）", "县区"),
    _c("乡", "area", "township", "text", "乡(镇)", "乡（镇）", "乡镇"),
    _c("村", "area", "village", "text", "行政村"),
    _c("户编号", "household", "number", "text"),
    _c("姓名", "member", "name", "name"),
    _c("证件类型", "member", "id_type", "choice", choices="IdType"),
    _c("证件号码", "member", "id_number", "id", "身份证号码", "身份证号"),
    _c("性别", "member", "sex", "choice", choices="Sex"),
    _c("出生日期", "member", "birth_date", "date"),
    _c("民族", "member", "ethnicity", "choice", choices="Ethnicity"),
    _c("与户主关系", "member", "relation", "choice", choices="Relation"),
    _c("文化程度", "member", "education", "choice", choices="Education"),
    _c("在校生状况", "member", "student_status", "choice", choices="StudentStatus"),
    _c("健康状况", "member", "health", "choice", choices="Health"),
    _c("劳动技能", "member", "labour_skill", "choice", choices="LabourSkill"),
    _c("户类型", "household", "household_type", "choice", choices="HouseholdType"),
    _c("监测对象类别", "household", "monitoring_category", "choice", choices="MonitoringCategory"),
    _c("识别监测时间", "household", "monitoring_identified_on", "date"),
    _c("风险是否已消除", "household", "risk_eliminated", "bool"),
    _c("消除监测时间", "household", "risk_eliminated_on", "date"),
    _c("风险消除方式", "household", "elimination_method", "choice", choices="EliminationMethod"),
    *(
        _c(
            f"致贫/返贫风险{i}",
            "risk",
            str(i),
            "choice",
            f"致贫返贫风险{i}",
            f"风险类型{i}",
            choices="RiskType",
        )
        for i in range(1, 6)
    ),
    _c("人均纯收入（元）", "income", "per_capita_net", "money", "人均纯收入"),
    _c("工资性收入", "income", "wage", "money"),
    _c("生产经营性收入", "income", "business", "money"),
    _c("财产性收入", "income", "property_income", "money"),
    _c("转移性收入", "income", "transfer", "money"),
    _c("生产经营性支出", "income", "business_expense", "money"),
    _c("合规自付支出", "income", "compliant_out_of_pocket", "money"),
    _c("是否参加城乡居民基本医疗保险", "member", "resident_medical_insurance", "bool"),
    _c("是否参加大病保险", "member", "serious_illness_insurance", "bool"),
    _c("是否参加城乡居民基本养老保险", "member", "resident_pension", "bool"),
    _c("享受低保政策情况", "member", "dibao", "bool", "是否享受低保"),
    _c("享受特困供养政策情况", "member", "tekun", "bool", "是否享受特困供养"),
    _c("公益性岗位(月数)", "member", "public_welfare_months", "int", "公益性岗位（月数）"),
    _c("务工所在地", "member", "work_place", "text"),
    _c("是否危房户", "conditions", "is_dangerous_house", "bool"),
    _c("是否解决安全饮用水", "conditions", "safe_drinking_water", "bool"),
    _c("是否有卫生厕所", "conditions", "has_sanitary_toilet", "bool"),
    _c("是否通生活用电", "conditions", "has_electricity", "bool"),
    _c("入户道路是否硬化", "conditions", "road_hardened", "bool"),
    _c("与村主干路距离", "conditions", "distance_to_road_km", "decimal", "与村主干路距离（公里）"),
    _c("耕地面积（亩）", "conditions", "cultivated_land_mu", "decimal", "耕地面积"),
    _c("林地面积（亩）", "conditions", "forest_land_mu", "decimal", "林地面积"),
    _c("整户无劳动能力兜底保障户", "household", "no_labour_guarantee", "bool"),
    # 帮扶措施 of the year: the measure names per family, blank = none (docs/domain.md, 帮扶).
    # 住房和搬迁帮扶, 基础设施建设 and 生产生活条件改善 have not been seen as column titles in a
    # real export yet: their titles and aliases below are the likely ones.
    _c("产业帮扶", "measures", "industry_aid", "text", "产业帮扶措施"),
    _c("就业帮扶", "measures", "employment_aid", "text", "就业帮扶措施"),
    _c("金融帮扶", "measures", "finance_aid", "text", "金融帮扶措施"),
    _c("公益岗位帮扶", "measures", "public_job_aid", "text", "公益岗位帮扶措施"),
    _c("健康帮扶", "measures", "health_aid", "text", "健康帮扶措施"),
    _c("教育帮扶", "measures", "education_aid", "text", "教育帮扶措施"),
    _c("住房和搬迁帮扶", "measures", "housing_aid", "text", "住房/搬迁帮扶", "住房/搬迁"),
    _c("综合保障", "measures", "basic_guarantee", "text", "综合保障措施", "兜底保障"),
    _c("社会帮扶", "measures", "social_aid", "text", "社会帮扶措施"),
    _c("基础设施建设", "measures", "infrastructure_aid", "text", "基础设施建设帮扶"),
    _c(
        "生产生活条件改善",
        "measures",
        "living_conditions_aid",
        "text",
        "生产生活条件改善帮扶",
    ),
    # Known columns not stored by this version: read, reported as such, never silently lost.
    *(
        _c(name, "ignored", name, "ignored")
        for name in (
            "住房安全保障",
            "饮水安全保障",
            "义务教育保障",
            "就业渠道",
            "是否已务工",
            "开始时间",
            "序号",
        )
    ),
)

_BRACKETS = str.maketrans({"（": "(", "）": ")", "【": "(", "】": ")", "［": "(", "］": ")"})


def normalize_header(title: object) -> str:
    """The key a column title is matched on: NFKC width folding, no spaces or line breaks,
    one kind of bracket."""
    text = unicodedata.normalize("NFKC", str(title or "")).translate(_BRACKETS)
    return re.sub(r"\s+", "", text)


def _index() -> dict[str, NationalColumn]:
    index: dict[str, NationalColumn] = {}
    for column in COLUMNS:
        for title in (column.name, *column.aliases):
            index[normalize_header(title)] = column
    return index


_INDEX = _index()


def match_column(title: object) -> NationalColumn | None:
    """The national column a header cell names, or None for an unknown title."""
    return _INDEX.get(normalize_header(title))
