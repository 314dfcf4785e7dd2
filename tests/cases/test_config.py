"""The procedure files: the shipped ones load, and a bad file is refused naming the file, the
line and what to fix (jingzhun/cases/procedures.py). No database needed."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from jingzhun.accounts.roles import Role
from jingzhun.cases import procedures, records
from jingzhun.cases.choices import CaseType, StepKind
from jingzhun.cases.procedures import PROCEDURE_DIR, ProcedureFileError, load_file

GOOD = """\
region: "000000"
case_types:
  exit:
    decision: {code: exit_standard, expect: pass}
    deadline: {parameter: monitoring_decision_max_days, until: review}
    steps:
      - {code: application, kind: application, role: village_cadre}
      - {code: deliberation, kind: deliberation, role: village_cadre}
      - {code: publicity, kind: publicity, role: village_cadre, returns_to: deliberation}
      - {code: review, kind: review, role: township_reviewer, returns_to: deliberation}
      - {code: update, kind: update, role: county_approver}
"""


def write(tmp_path: Path, text: str, name: str = "national.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), "utf-8")
    return path


def refusal(tmp_path: Path, text: str, name: str = "national.yaml") -> str:
    with pytest.raises(ProcedureFileError) as refused:
        load_file(write(tmp_path, text, name))
    return str(refused.value)


def test_the_good_example_loads(tmp_path):
    (procedure,) = load_file(write(tmp_path, GOOD))
    assert procedure.case_type == "exit" and procedure.region == "000000"
    assert [s.code for s in procedure.steps] == [
        "application",
        "deliberation",
        "publicity",
        "review",
        "update",
    ]
    assert procedure.steps[2].returns_to == "deliberation"
    assert procedure.deadline_parameter == "monitoring_decision_max_days"
    assert procedure.version.startswith("national:")


def test_an_unknown_step_kind_is_refused_naming_file_line_and_the_kinds(tmp_path):
    message = refusal(tmp_path, GOOD.replace("kind: deliberation", "kind: meeting"))
    assert message.startswith("national.yaml 第8行：")
    assert "环节deliberation的kind“meeting”无效" in message
    assert "deliberation、verification" in message  # the kinds one may use


@pytest.mark.parametrize("role", ["inspector", "county_analyst", "city_viewer", "village_head"])
def test_a_role_that_cannot_act_is_refused(tmp_path, role):
    message = refusal(tmp_path, GOOD.replace("role: township_reviewer", f"role: {role}"))
    assert message.startswith("national.yaml 第10行：")
    assert f"环节review的role“{role}”无效" in message
    assert "village_cadre、township_reviewer、county_approver或admin" in message


@pytest.mark.parametrize("step", ["publicity", "review"])
def test_a_publicity_or_decision_without_returns_to_is_refused(tmp_path, step):
    line = {
        "publicity": "village_cadre, returns_to: deliberation",
        "review": "reviewer, returns_to: deliberation",
    }[step]
    text = GOOD.replace(line, line.split(", returns_to")[0])
    message = refusal(tmp_path, text)
    assert message.startswith("national.yaml 第4行：")  # the case type's mapping
    assert f"环节{step}应写明returns_to" in message


def test_returns_to_must_name_an_earlier_step(tmp_path):
    text = GOOD.replace(
        "returns_to: deliberation}\n      - {code: update",
        "returns_to: update}\n      - {code: update",
    )
    message = refusal(tmp_path, text)
    assert "第10行" in message and "returns_to“update”应为它之前的某个环节代码" in message


def test_the_first_step_must_be_the_application(tmp_path):
    text = GOOD.replace("      - {code: application, kind: application, role: village_cadre}\n", "")
    message = refusal(tmp_path, text)
    assert message.startswith("national.yaml 第4行：")
    assert "exit的第一个环节应为application" in message


def test_the_last_step_must_be_the_single_update(tmp_path):
    message = refusal(tmp_path, GOOD.replace("kind: update", "kind: announcement"))
    assert "最后一个环节应为update" in message
    text = GOOD.replace(
        "      - {code: deliberation,",
        "      - {code: early, kind: update, role: admin}\n      - {code: deliberation,",
    )
    assert "只能有一个update环节" in refusal(tmp_path, text)


def test_a_procedure_without_a_decision_step_is_refused(tmp_path):
    text = GOOD.replace("kind: review", "kind: verification")
    assert "至少要有一个review或approval" in refusal(tmp_path, text)


def test_the_region_must_match_the_file_name(tmp_path):
    message = refusal(tmp_path, GOOD, name="520000.yaml")
    assert message.startswith("520000.yaml 第1行：")
    assert "region应与文件名一致：520000" in message
    assert "region应与文件名一致：000000" in refusal(tmp_path, GOOD.replace('"000000"', '"520000"'))
    assert "region应为6位地区代码" in refusal(
        tmp_path, GOOD.replace('"000000"', '"5200"'), name="5200.yaml"
    )


def test_an_unknown_deadline_parameter_is_refused(tmp_path):
    for parameter in ("monitoring_decision_days", "monitoring_threshold"):  # unknown; not in days
        message = refusal(tmp_path, GOOD.replace("monitoring_decision_max_days", parameter))
        assert message.startswith("national.yaml 第4行：")
        assert "deadline.parameter应为以“天”为单位的参数名" in message
    message = refusal(tmp_path, GOOD.replace("until: review", "until: approval"))
    assert "deadline.until应为本程序中的环节代码" in message


def test_other_mistakes_are_refused_with_their_fix(tmp_path):
    cases = {
        "kind: deliberation, role: village_cadre}": (
            "kind: deliberation, role: village_cadre, due_days: 0}",
            "环节deliberation的due_days应为正整数",
        ),
        "{code: deliberation,": ("{code: application,", "环节代码application重复"),
        "  exit:": ("  leaving:", "未知案件类型“leaving”"),
        "expect: pass": ("expect: yes", "decision应为"),
    }
    for old, (new, expected) in cases.items():
        assert expected in refusal(tmp_path, GOOD.replace(old, new, 1)), old
    assert "不是有效的YAML" in refusal(tmp_path, GOOD + "  - [unclosed\n")
    assert "第2行" in refusal(tmp_path, 'region: "000000"\ncase_types: {exit: [}\n')
    assert "缺少case_types" in refusal(tmp_path, 'region: "000000"\n')
    assert "没有环节" in refusal(tmp_path, GOOD.split("    steps:")[0] + "    steps: []\n")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- a list\n", "national.yaml 第1行：文件应为映射"),
        ('region: "000000"\ncase_types:\n  exit: 5\n', "案件类型exit应为映射"),
        (GOOD.replace("{code: exit_standard, expect: pass}", "exit_standard"), "decision应为"),
        (
            GOOD.replace("    steps:", "    deadline: 15\n    steps:", 1),
            "deadline应为",
        ),
    ],
)
def test_a_value_of_the_wrong_shape_is_refused_not_a_crash(tmp_path, text, expected):
    assert expected in refusal(tmp_path, text)


def test_a_national_file_must_cover_every_case_type(tmp_path):
    write(tmp_path, GOOD)
    with pytest.raises(ProcedureFileError) as refused:
        procedures.all_procedures(tmp_path)
    assert "缺少案件类型identification" in str(refused.value)


# --- the shipped files ---------------------------------------------------------------------------


def test_the_shipped_files_load_and_cover_every_case_type():
    national = {p.case_type: p for p in load_file(PROCEDURE_DIR / "national.yaml")}
    assert set(national) == set(CaseType.values)
    guizhou = {p.case_type: p for p in load_file(PROCEDURE_DIR / "520000.yaml")}
    assert set(guizhou) == {"identification", "monitoring"}
    configured = procedures.all_procedures()
    assert configured[("000000", "exit")] == national["exit"]
    assert configured[("520000", "monitoring")] == guizhou["monitoring"]
    assert national["monitoring"].version != guizhou["monitoring"].version


def test_every_shipped_step_has_a_recorder_and_an_acting_role():
    recorded = set(records.CLEANERS) | {
        StepKind.APPLICATION,
        StepKind.PUBLICITY,
        StepKind.ANNOUNCEMENT,
    }
    acting = {Role.VILLAGE_CADRE, Role.TOWNSHIP_REVIEWER, Role.COUNTY_APPROVER}
    for procedure in procedures.all_procedures().values():
        for step in procedure.steps:
            assert step.kind in recorded, (procedure.version, step.code)
            assert step.role in acting, (procedure.version, step.code)
            if step.returns_to:
                assert procedure.position_of(step.returns_to) < step.position


def test_the_procedure_is_the_most_specific_regions():
    assert procedures.procedure_for("identification", "520102001001").region == "520000"
    assert procedures.procedure_for("identification", "140922100001").region == "000000"
    assert procedures.procedure_for("exit", "520102001001").region == "000000"
    with pytest.raises(KeyError):
        procedures.procedure_for("nonsense", "140922100001")
