"""The snapshot schema: the named tables every analytic reads, column by column.

This one list drives the Parquet writer (:mod:`jingzhun.analytics.snapshot`), the PostgreSQL
adapter's views over the Django tables (:mod:`jingzhun.analytics.backend`) and docs/snapshot.md,
so the three cannot drift apart. Bump :data:`SCHEMA_VERSION` on any change that is not a pure
addition of a column at the end of a table.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

SCHEMA_VERSION = 1

MONEY = pa.decimal128(14, 2)
AREA_MU = pa.decimal128(9, 2)


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    meaning: str
    # The Django model field (or ORM lookup) the value comes from; defaults to ``name``.
    source: str = ""

    @property
    def orm(self) -> str:
        return self.source or self.name


def _c(name: str, type_: pa.DataType, meaning: str, source: str = "") -> Column:
    return Column(name, type_, meaning, source)


TABLES: dict[str, list[Column]] = {
    "households": [
        _c("id", pa.int64(), "农户内部编号（registry_household.id）"),
        _c("number", pa.string(), "户编号"),
        _c("village_code", pa.string(), "所在行政村12位代码"),
        _c(
            "household_type", pa.string(), "户类型代码：exited 脱贫户 / monitored 监测户 / ordinary"
        ),
        _c("identification_standard", pa.string(), "识别标准代码（空串=未填）"),
        _c("poverty_attribute", pa.string(), "贫困户属性代码（空串=未填）"),
        _c("main_cause", pa.string(), "主要致贫原因代码（空串=未填）"),
        _c("identified_on", pa.date32(), "建档立卡识别时间（空=未填）"),
        _c("exit_year", pa.int32(), "脱贫年度（空=未填）"),
        _c("exited_on", pa.date32(), "脱贫时间"),
        _c("monitoring_category", pa.string(), "监测对象类别代码（空串=非监测对象）"),
        _c("monitoring_identified_on", pa.date32(), "识别监测时间"),
        _c("risk_eliminated", pa.bool_(), "风险是否已消除（空=未填）"),
        _c("risk_eliminated_on", pa.date32(), "消除监测时间"),
        _c("elimination_method", pa.string(), "风险消除方式代码：assisted / natural / 空串"),
        _c("no_labour_guarantee", pa.bool_(), "整户无劳动能力兜底保障户"),
        _c("member_count", pa.int32(), "家庭人口数（在册成员数，由成员操作维护）"),
    ],
    "members": [
        _c("id", pa.int64(), "成员内部编号"),
        _c("household_id", pa.int64(), "所属农户 households.id"),
        _c("sex", pa.string(), "性别：M 男 / F 女"),
        _c("id_type", pa.string(), "证件类型代码：resident_id / disability_cert / other / none"),
        _c("id_number", pa.string(), "证件号码（已规范化；空串=无）。个人号码：快照只在服务器上"),
        _c("birth_date", pa.date32(), "出生日期"),
        _c("relation", pa.string(), "与户主关系代码（head 户主、spouse 配偶、son 之子…）"),
        _c("ethnicity", pa.string(), "民族代码"),
        _c("education", pa.string(), "文化程度代码（空串=未填）"),
        _c("student_status", pa.string(), "在校生状况代码（not_student 非在校生）"),
        _c("dropout_reason", pa.string(), "义务教育阶段未上学原因代码"),
        _c("health", pa.string(), "健康状况代码：healthy / chronic / serious / disabled"),
        _c("labour_skill", pa.string(), "劳动技能代码：ordinary / skilled / weak / lost / none"),
        _c(
            "work_status",
            pa.string(),
            "务工状况代码：out_province / in_province / local / not_working",
        ),
        _c("work_months", pa.int32(), "务工时间（月）"),
        _c("resident_medical_insurance", pa.bool_(), "参加城乡居民基本医疗保险"),
        _c("employee_medical_insurance", pa.bool_(), "参加职工基本医疗保险"),
        _c("serious_illness_insurance", pa.bool_(), "参加大病保险"),
        _c("resident_pension", pa.bool_(), "参加城乡居民基本养老保险"),
        _c("employee_pension", pa.bool_(), "参加职工基本养老保险"),
        _c("dibao", pa.bool_(), "享受低保"),
        _c("tekun", pa.bool_(), "享受特困供养"),
        _c("public_welfare_months", pa.int32(), "公益性岗位（月数）"),
    ],
    "incomes": [
        _c("household_id", pa.int64(), "所属农户 households.id"),
        _c("year", pa.int32(), "收入年度"),
        _c("household_size", pa.int32(), "当年家庭人口数"),
        _c("wage", MONEY, "工资性收入（元）"),
        _c("business", MONEY, "生产经营性收入（元）"),
        _c("property_income", MONEY, "财产性收入（元）"),
        _c("dibao_benefit", MONEY, "低保金（元）"),
        _c("tekun_benefit", MONEY, "特困供养金（元）"),
        _c("pension_benefit", MONEY, "养老金（元）"),
        _c("family_planning_benefit", MONEY, "计划生育金（元）"),
        _c("ecological_compensation", MONEY, "生态补偿金（元）"),
        _c("other_transfer", MONEY, "其他转移性收入（元）"),
        _c("business_expense", MONEY, "生产经营性支出（元）"),
        _c("compliant_out_of_pocket", MONEY, "合规自付支出（元）"),
        _c("transfer", MONEY, "转移性收入（元，录入时派生并存储）"),
        _c("net_income", MONEY, "家庭纯收入（元，派生并存储）"),
        _c("per_capita_net", MONEY, "人均纯收入（元，派生并存储）"),
    ],
    "risks": [
        _c("household_id", pa.int64(), "所属农户 households.id"),
        _c("position", pa.int32(), "序号1至5（致贫/返贫风险1…5）"),
        _c("kind", pa.string(), "风险类型代码（illness 因病、disability 因残、other 其他…）"),
        _c("remark", pa.string(), "说明（空串=未填）"),
    ],
    "conditions": [
        _c("household_id", pa.int64(), "所属农户 households.id"),
        _c("year", pa.int32(), "年度"),
        _c("cultivated_land_mu", AREA_MU, "耕地面积（亩）"),
        _c("has_electricity", pa.bool_(), "是否通生活用电"),
        _c("road_hardened", pa.bool_(), "入户道路是否硬化"),
        _c("housing_area_m2", pa.decimal128(8, 2), "住房面积（平方米）"),
        _c("is_dangerous_house", pa.bool_(), "是否危房户"),
        _c("housing_grade", pa.string(), "危房等级：A/B/C/D/空串"),
        _c("safe_drinking_water", pa.bool_(), "是否解决安全饮用水"),
        _c("water_difficulty", pa.bool_(), "是否饮水困难"),
        _c("has_sanitary_toilet", pa.bool_(), "是否有卫生厕所"),
        _c("is_relocated", pa.bool_(), "是否易地扶贫搬迁户"),
    ],
    "measures": [
        _c("household_id", pa.int64(), "所属农户 households.id"),
        _c("year", pa.int32(), "年度"),
        _c("industry_aid", pa.string(), "产业帮扶：措施名称（空串=无）"),
        _c("employment_aid", pa.string(), "就业帮扶（空串=无）"),
        _c("finance_aid", pa.string(), "金融帮扶（空串=无）"),
        _c("public_job_aid", pa.string(), "公益岗位帮扶（空串=无）"),
        _c("health_aid", pa.string(), "健康帮扶（空串=无）"),
        _c("education_aid", pa.string(), "教育帮扶（空串=无）"),
        _c("housing_aid", pa.string(), "住房和搬迁帮扶（空串=无）"),
        _c("basic_guarantee", pa.string(), "综合保障（兜底；空串=无）"),
        _c("social_aid", pa.string(), "社会帮扶（空串=无）"),
        _c("infrastructure_aid", pa.string(), "基础设施建设（空串=无）"),
        _c("living_conditions_aid", pa.string(), "生产生活条件改善（空串=无）"),
        _c("yulu_plan", pa.bool_(), "享受雨露计划（由教育帮扶是否写明“雨露计划”派生）"),
    ],
    "areas": [
        _c("code", pa.string(), "区划代码（省县6位、乡9位、村12位、组15位）"),
        _c("name", pa.string(), "名称"),
        _c("level", pa.int32(), "级别：1省 2市 3县 4乡 5村 6组"),
        _c("parent_code", pa.string(), "上级区划代码（省为空）", "parent__code"),
    ],
}

TABLE_NAMES = tuple(TABLES)


def arrow_schema(table: str) -> pa.Schema:
    return pa.schema([pa.field(c.name, c.type) for c in TABLES[table]])


def empty_table(table: str) -> pa.Table:
    return arrow_schema(table).empty_table()


def rows_to_arrow(table: str, rows: list[dict]) -> pa.Table:
    """Plain dicts (e.g. a generated or imported household) as a table of the snapshot schema;
    missing keys become nulls."""
    columns = TABLES[table]
    return pa.Table.from_pydict(
        {c.name: [row.get(c.name) for row in rows] for c in columns}, schema=arrow_schema(table)
    )
