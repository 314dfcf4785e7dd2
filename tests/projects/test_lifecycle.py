"""The project life cycle runs on the procedure engine's configuration (cases/procedures/
*.yaml, ``project_types``): order, roles, returns and due days come from the files, a region's
file replaces the national one, and every refusal changes nothing."""

from __future__ import annotations

import datetime as dt
import shutil
import textwrap

import pytest
from django.core.exceptions import ValidationError

from jingzhun.cases import procedures
from jingzhun.cases.procedures import ProcedureFileError, load_project_file
from jingzhun.core.actions import ConcurrentEditError, NotFound, PermissionDenied
from jingzhun.projects import actions
from jingzhun.projects.models import Project, ProjectStep
from tests.projects import helpers as h


def test_a_project_walks_the_national_life_cycle_step_by_step_with_the_configured_roles(world):
    project = h.new_project(world)
    assert project.step_code == "review" and project.roles == ["county_approver"]
    assert project.step_due_on == h.today() + dt.timedelta(days=30)  # due_days in the file
    seen = []
    while project.is_open:
        seen.append((project.step_code, h.persona_for(world, project).username))
        project = h.advance(world, project)
    assert seen == [
        ("review", "approver"),
        ("approval", "approver"),
        ("implementation", "cadre"),
        ("acceptance", "approver"),
        ("handover", "approver"),
    ]
    assert project.status == "completed" and project.approved_on == h.today()
    steps = list(ProjectStep.objects.filter(project=project).values_list("code", "outcome"))
    assert steps == [
        ("application", "done"),
        ("review", "done"),
        ("approval", "done"),
        ("implementation", "done"),
        ("acceptance", "done"),
        ("handover", "done"),
    ]


def test_a_wrong_role_is_refused_naming_who_should_act_and_nothing_changes(world):
    project = h.new_project(world)
    before = h.snapshot()
    with pytest.raises(PermissionDenied, match="应由县级审批员办理"):
        actions.do_perform_project_step(
            project,
            actor=h.actor(world.reviewer),
            expected_version=project.version,
            on=h.today(),
            decision="agree",
        )
    assert h.snapshot() == before


def test_an_outsider_gets_not_found_and_an_inspector_cannot_act(world):
    project = h.new_project(world)
    with pytest.raises(NotFound):
        actions.do_perform_project_step(
            project, actor=h.actor(world.outsider), expected_version=1, on=h.today()
        )
    with pytest.raises(PermissionDenied):
        actions.do_perform_project_step(
            project,
            actor=h.actor(world.inspector),
            expected_version=project.version,
            on=h.today(),
            decision="agree",
        )


def test_a_return_sends_the_project_to_the_step_the_file_names(world):
    project = h.walk(world, h.new_project(world), until="approval")
    project = h.advance(world, project, decision="return", note="预算测算依据不足，重新论证")
    assert project.step_code == "review"  # approval returns_to: review
    assert ProjectStep.objects.filter(project=project).last().outcome == "returned"


def test_a_rejection_closes_the_project_and_needs_a_reason(world):
    project = h.new_project(world)
    with pytest.raises(ValidationError) as refused:
        h.advance(world, project, decision="reject", note="")
    assert "note" in refused.value.message_dict
    project = h.advance(
        world, Project.objects.get(pk=project.pk), decision="reject", note="不符合项目库入库条件"
    )
    assert project.status == "rejected"


def test_a_step_out_of_order_or_on_a_stale_version_is_refused(world):
    project = h.new_project(world)
    with pytest.raises(ValidationError, match="当前环节是“论证审核”"):
        actions.do_perform_project_step(
            project,
            actor=h.actor(world.approver),
            expected_version=project.version,
            step_code="approval",
            on=h.today(),
            decision="agree",
        )
    stale = Project.objects.get(pk=project.pk)
    h.advance(world, project)
    with pytest.raises(ConcurrentEditError):
        actions.do_perform_project_step(
            stale,
            actor=h.actor(world.approver),
            expected_version=stale.version,
            on=h.today(),
            decision="agree",
        )


def test_approval_needs_its_document_number(world):
    project = h.walk(world, h.new_project(world), until="approval")
    with pytest.raises(ValidationError) as refused:
        h.advance(world, project, document="")
    assert "document" in refused.value.message_dict


REGION_OVERRIDE = """\
region: "140922"
source: "五台县项目库管理办法（测试用）"
project_types:
  industry:
    steps:
      - {code: application, kind: application, role: village_cadre, title: 村级申报}
      - {code: township_review, kind: review, role: township_reviewer, title: 乡镇初审,
         returns_to: application, due_days: 5}
      - {code: approval, kind: approval, role: county_approver, title: 县级批复,
         returns_to: township_review}
      - {code: implementation, kind: implementation, role: village_cadre, title: 实施}
      - {code: acceptance, kind: acceptance, role: county_approver, title: 县级验收,
         returns_to: implementation}
      - {code: handover, kind: handover, role: county_approver, title: 资产移交}
"""


@pytest.fixture
def county_override(tmp_path, monkeypatch):
    """The shipped files plus a county's file (五台县, 140922) for industry projects."""
    for path in procedures.PROCEDURE_DIR.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / "140922.yaml").write_text(REGION_OVERRIDE, "utf-8")
    monkeypatch.setattr(procedures, "PROCEDURE_DIR", tmp_path)
    procedures.all_project_procedures.cache_clear()
    yield
    procedures.all_project_procedures.cache_clear()


def test_a_county_file_replaces_the_national_life_cycle_for_its_projects(world, county_override):
    project = h.new_project(world)  # industry, in 五台县
    assert (project.region, project.procedure_type) == ("140922", "industry")
    assert project.step_code == "township_review" and project.roles == ["township_reviewer"]
    assert project.step_due_on == h.today() + dt.timedelta(days=5)
    with pytest.raises(PermissionDenied, match="乡镇审核员"):
        actions.do_perform_project_step(
            project,
            actor=h.actor(world.approver),
            expected_version=project.version,
            on=h.today(),
            decision="agree",
        )
    project = h.advance(world, project)
    assert project.step_code == "approval"
    # Another type in the same county follows the national default.
    other = h.new_project(world, project_type="infrastructure", name="东冶村道路硬化")
    assert (other.region, other.step_code) == ("000000", "review")


def test_a_township_reviewer_outside_the_village_cannot_do_the_override_step(
    world, county_override
):
    project = h.new_project(world)
    with pytest.raises(NotFound):
        actions.do_perform_project_step(
            project,
            actor=h.actor(world.other_reviewer),
            expected_version=project.version,
            on=h.today(),
            decision="agree",
        )


def _write(tmp_path, text):
    path = tmp_path / "national.yaml"
    path.write_text(textwrap.dedent(text), "utf-8")
    return path


BAD_ROLE = """\
region: "000000"
project_types:
  default:
    steps:
      - {code: application, kind: application, role: city_viewer}
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (BAD_ROLE, "第5行：环节application的role“city_viewer”无效"),
        (
            BAD_ROLE.replace("role: city_viewer", "role: village_cadre").replace(
                "kind: application", "kind: meeting"
            ),
            "kind“meeting”无效",
        ),
        (
            BAD_ROLE.replace("role: city_viewer", "role: village_cadre"),
            "最后一个环节应为唯一的handover",
        ),
        (
            BAD_ROLE.replace("role: city_viewer", "role: village_cadre")
            + "      - {code: handover, kind: handover, role: county_approver}\n",
            "应有且只有一个approval",
        ),
        (
            BAD_ROLE.replace("role: city_viewer", "role: village_cadre")
            + "      - {code: approval, kind: approval, role: county_approver}\n",
            "第6行：环节approval应写明returns_to",
        ),
        (BAD_ROLE.replace("default:", "roads:"), "未知项目类型“roads”"),
    ],
)
def test_a_bad_project_procedure_is_refused_naming_file_line_and_fix(tmp_path, text, expected):
    with pytest.raises(ProcedureFileError) as refused:
        load_project_file(_write(tmp_path, text))
    assert str(refused.value).startswith("national.yaml")
    assert expected in str(refused.value)


def test_the_shipped_files_declare_the_national_project_life_cycle():
    procedure = procedures.project_procedure_for("industry", "140922100001")
    assert [s.title for s in procedure.steps] == [
        "入库申报",
        "论证审核",
        "批复入库",
        "实施",
        "验收",
        "资产移交",
    ]
    assert procedure.source and "本系统默认" in procedure.source
