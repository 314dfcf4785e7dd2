"""The columns an import understands: the national export's (jingzhun.registry.national) plus
a few the project's own household template adds (fields the national sheet does not carry).

Both layouts are one row per person with household fields repeated; the template writes the
national columns first, so a national export and a filled template are read by the same code.
"""

from __future__ import annotations

from jingzhun.registry.national import COLUMNS, NationalColumn, match_column, normalize_header


def _c(
    name: str, record: str, field: str, kind: str, *aliases: str, choices: str = ""
) -> NationalColumn:
    return NationalColumn(name, record, field, kind, tuple(aliases), choices)


# Template-only columns (matched after the national ones).
TEMPLATE_EXTRA: tuple[NationalColumn, ...] = (
    _c(
        "识别标准",
        "household",
        "identification_standard",
        "choice",
        choices="IdentificationStandard",
    ),
    _c("贫困户属性", "household", "poverty_attribute", "choice", choices="PovertyAttribute"),
    _c("主要致贫原因", "household", "main_cause", "choice", choices="PovertyCause"),
    _c("其他致贫原因一", "household", "other_cause_1", "choice", choices="PovertyCause"),
    _c("其他致贫原因二", "household", "other_cause_2", "choice", choices="PovertyCause"),
    _c("致贫原因说明", "household", "cause_remark", "text"),
    _c("建档立卡识别时间", "household", "identified_on", "date"),
    _c("脱贫年度", "household", "exit_year", "year"),
    _c("脱贫时间", "household", "exited_on", "date"),
    _c("住址", "household", "address", "text"),
    _c("户联系电话", "household", "phone", "text"),
    _c("义务教育阶段未上学原因", "member", "dropout_reason", "choice", choices="DropoutReason"),
    _c("务工状况", "member", "work_status", "choice", choices="WorkStatus"),
    _c("务工时间（月）", "member", "work_months", "int", "务工时间"),
    _c("是否参加职工基本医疗保险", "member", "employee_medical_insurance", "bool"),
    _c("是否参加职工基本养老保险", "member", "employee_pension", "bool"),
    _c("危房等级", "conditions", "housing_grade", "choice", choices="HousingSafetyGrade"),
    _c("低保金", "income", "dibao_benefit", "money"),
    _c("特困供养金", "income", "tekun_benefit", "money"),
    _c("养老金", "income", "pension_benefit", "money"),
    _c("计划生育金", "income", "family_planning_benefit", "money"),
    _c("生态补偿金", "income", "ecological_compensation", "money"),
    _c("其他转移性收入", "income", "other_transfer", "money"),
)
_EXTRA_INDEX = {
    normalize_header(title): column
    for column in TEMPLATE_EXTRA
    for title in (column.name, *column.aliases)
}

# The household template writes these, in this order (national first, then the extras).
TEMPLATE_COLUMNS: tuple[NationalColumn, ...] = (
    tuple(col for col in COLUMNS if col.record != "ignored") + TEMPLATE_EXTRA
)


def find_column(title: object) -> NationalColumn | None:
    """The column a header cell names (national names first), or None."""
    return match_column(title) or _EXTRA_INDEX.get(normalize_header(title))


# A header row must name at least these (by field) to be recognised as one.
REQUIRED_FIELDS = {("household", "number"), ("member", "id_number")}
