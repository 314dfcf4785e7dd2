"""The configured procedures: which steps each case type goes through, in which order, by whom.

``procedures/national.yaml`` is the national default; a file named after a region code (a
province such as ``520000.yaml``, a city or a county) replaces whole case types for that region.
A case keeps the procedure it opened under (its region and version), so editing a file changes
new cases only. A bad file is refused naming the file, the line and what to fix.

The same files declare the life cycle of a county's projects (项目库: 入库申报 → 论证审核 →
批复入库 → 实施 → 验收 → 资产移交) under ``project_types:`` — one engine for both: the steps,
their order, roles, due days and returns come from here, and a region's file replaces the
national one for that region (:func:`project_procedure_for`). A project step may name several
roles (``role: [village_cadre, township_reviewer]``): whoever of them holds the project's area.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from jingzhun.accounts.roles import Role
from jingzhun.cases.choices import CaseType, ProjectStepKind, ProjectType, StepKind
from jingzhun.policy.criteria import ELIMINATION, EXIT, FAIL, MONITORING, PASS
from jingzhun.policy.parameters import NATIONAL, UNITS, LineLoader, regions_for

PROCEDURE_DIR = Path(__file__).resolve().parent / "procedures"
DECISION_KINDS = frozenset({StepKind.REVIEW, StepKind.APPROVAL})
NOTICE_KINDS = frozenset({StepKind.PUBLICITY, StepKind.ANNOUNCEMENT})
# Project steps that decide (agree / return / reject): 论证审核, 批复入库, 验收.
PROJECT_DECISION_KINDS = frozenset(
    {ProjectStepKind.REVIEW, ProjectStepKind.APPROVAL, ProjectStepKind.ACCEPTANCE}
)
ACTING_ROLES = frozenset(
    {Role.VILLAGE_CADRE, Role.TOWNSHIP_REVIEWER, Role.COUNTY_APPROVER, Role.ADMIN}
)
DECISION_CODES = {EXIT: "贫困户退出标准", MONITORING: "防返贫监测范围", ELIMINATION: "风险消除条件"}


class ProcedureFileError(ValueError):
    """A procedure file that cannot be used; the message names file, line and the fix."""


@dataclass(frozen=True)
class Step:
    position: int
    code: str
    kind: str
    role: str
    title: str
    returns_to: str = ""
    due_days: int | None = None
    # Project steps only: every role that may do the step (``role`` is the first of them).
    roles: tuple[str, ...] = ()

    @property
    def allowed_roles(self) -> tuple[str, ...]:
        return self.roles or (self.role,)

    @property
    def is_decision(self) -> bool:
        return self.kind in DECISION_KINDS or self.kind in PROJECT_DECISION_KINDS

    @property
    def is_notice(self) -> bool:
        return self.kind in NOTICE_KINDS

    @property
    def role_label(self) -> str:
        return "、".join(str(Role(r).label) for r in self.allowed_roles)

    @property
    def kind_label(self) -> str:
        if self.kind in StepKind.values:
            return str(StepKind(self.kind).label)
        return str(ProjectStepKind(self.kind).label)


@dataclass(frozen=True)
class Procedure:
    case_type: str
    region: str
    version: str  # file name and a digest of this case type's configuration
    steps: tuple[Step, ...]
    decision: str  # the policy decision consulted at review and approval
    expect: str  # the status that supports going ahead: pass or fail
    deadline_parameter: str = ""  # days from the first risk signal to the decision
    deadline_until: str = ""  # the step that must be done within that deadline
    source: str = ""

    def step(self, position: int) -> Step:
        return self.steps[position]

    def position_of(self, code: str) -> int:
        return next(s.position for s in self.steps if s.code == code)

    @property
    def title(self) -> str:
        return str(CaseType(self.case_type).label)

    @property
    def decision_title(self) -> str:
        return DECISION_CODES[self.decision]


def _fail(path: Path, line: Any, message: str) -> ProcedureFileError:
    return ProcedureFileError(f"{path.name} 第{line or '?'}行：{message}")


def _check_role(path: Path, where: Any, code: str, role: Any) -> str:
    if role not in ACTING_ROLES:
        raise _fail(
            path,
            where,
            f"环节{code}的role“{role}”无效：应为village_cadre、township_reviewer、"
            "county_approver或admin。",
        )
    return str(role)


def _parse_steps(path: Path, case_type: str, raw: Any, line: int) -> tuple[Step, ...]:
    if not isinstance(raw, list) or not raw:
        raise _fail(path, line, f"案件类型{case_type}没有环节：请在steps下逐条列出环节。")
    steps: list[Step] = []
    for position, item in enumerate(raw):
        where = item.get("__line__") if isinstance(item, dict) else line
        if not isinstance(item, dict):
            raise _fail(path, where, "每个环节应写成 {code: …, kind: …, role: …}。")
        code, kind, role = item.get("code"), item.get("kind"), item.get("role")
        if not code or not isinstance(code, str):
            raise _fail(path, where, "环节缺少code（环节代码）。")
        if code in {s.code for s in steps}:
            raise _fail(path, where, f"环节代码{code}重复：同一程序内每个环节代码应唯一。")
        if kind not in StepKind.values:
            raise _fail(
                path, where, f"环节{code}的kind“{kind}”无效：可用{'、'.join(StepKind.values)}。"
            )
        _check_role(path, where, code, role)
        due = item.get("due_days")
        if due is not None and (not isinstance(due, int) or due < 1):
            raise _fail(path, where, f"环节{code}的due_days应为正整数（天）。")
        returns_to = item.get("returns_to") or ""
        if returns_to and returns_to not in {s.code for s in steps}:
            raise _fail(
                path, where, f"环节{code}的returns_to“{returns_to}”应为它之前的某个环节代码。"
            )
        steps.append(
            Step(
                position=position,
                code=code,
                kind=kind,
                role=role,
                title=str(item.get("title") or StepKind(kind).label),
                returns_to=returns_to,
                due_days=due,
            )
        )
    if steps[0].kind != StepKind.APPLICATION:
        raise _fail(path, line, f"案件类型{case_type}的第一个环节应为application（申请或发现）。")
    if steps[-1].kind != StepKind.UPDATE:
        raise _fail(path, line, f"案件类型{case_type}的最后一个环节应为update（系统标注）。")
    if sum(1 for s in steps if s.kind == StepKind.UPDATE) != 1:
        raise _fail(path, line, f"案件类型{case_type}只能有一个update环节。")
    if not any(s.is_decision for s in steps):
        raise _fail(path, line, f"案件类型{case_type}至少要有一个review或approval（决定）环节。")
    for s in steps:
        if s.kind in {StepKind.PUBLICITY, StepKind.REVIEW, StepKind.APPROVAL} and not s.returns_to:
            raise _fail(path, line, f"环节{s.code}应写明returns_to（有异议或退回时回到哪个环节）。")
    return tuple(steps)


def load_file(path: Path) -> list[Procedure]:
    try:
        doc = yaml.load(path.read_text("utf-8"), Loader=LineLoader) or {}  # noqa: S506
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise _fail(path, mark.line + 1 if mark else None, f"不是有效的YAML：{error}") from None
    if not isinstance(doc, dict):
        raise _fail(path, 1, "文件应为映射：region、source、case_types。")
    region = str(doc.get("region") or "")
    expected = NATIONAL if path.stem == "national" else path.stem
    if region != expected:
        raise _fail(path, doc.get("__line__"), f"region应与文件名一致：{expected}。")
    if region != NATIONAL and not (len(region) == 6 and region.isdigit()):
        raise _fail(path, doc.get("__line__"), "region应为6位地区代码。")
    types = doc.get("case_types")
    if types is None and "project_types" in doc:
        types = {"__line__": doc.get("__line__")}  # a file of project procedures only
    if not isinstance(types, dict) or (not types and "project_types" not in doc):
        raise _fail(path, doc.get("__line__"), "缺少case_types。")
    procedures = []
    for case_type, spec in types.items():
        if case_type == "__line__":
            continue
        line = spec.get("__line__") if isinstance(spec, dict) else doc.get("__line__")
        if not isinstance(spec, dict):
            raise _fail(
                path, line, f"案件类型{case_type}应为映射：decision、steps（可选deadline）。"
            )
        if case_type not in CaseType.values:
            raise _fail(
                path, line, f"未知案件类型“{case_type}”：可用{'、'.join(CaseType.values)}。"
            )
        decision = spec.get("decision") or {}
        if not isinstance(decision, dict):
            decision = {}
        if decision.get("code") not in DECISION_CODES or decision.get("expect") not in {
            PASS,
            FAIL,
        }:
            raise _fail(
                path,
                line,
                f"{case_type}的decision应为 "
                f"{{code: {'|'.join(DECISION_CODES)}, expect: pass|fail}}。",
            )
        steps = _parse_steps(path, case_type, spec.get("steps"), line)
        deadline = spec.get("deadline") or {}
        if deadline and not isinstance(deadline, dict):
            raise _fail(path, line, "deadline应为 {parameter: 天数参数名, until: 环节代码}。")
        if deadline:
            if deadline.get("parameter") not in UNITS or UNITS[deadline["parameter"]] != "天":
                raise _fail(path, line, "deadline.parameter应为以“天”为单位的参数名。")
            if deadline.get("until") not in {s.code for s in steps}:
                raise _fail(path, line, "deadline.until应为本程序中的环节代码。")
        digest = hashlib.sha1(
            repr((decision, deadline, steps)).encode(), usedforsecurity=False
        ).hexdigest()[:10]
        procedures.append(
            Procedure(
                case_type=case_type,
                region=region,
                version=f"{path.stem}:{digest}",
                steps=steps,
                decision=decision["code"],
                expect=decision["expect"],
                deadline_parameter=deadline.get("parameter", ""),
                deadline_until=deadline.get("until", ""),
                source=str(doc.get("source") or ""),
            )
        )
    return procedures


# --- project procedures (项目库) ------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectProcedure:
    """The life cycle of a project type in a region: its steps, each with its roles, due days
    and the step a "return" sends the project back to."""

    project_type: str
    region: str
    version: str
    steps: tuple[Step, ...]
    source: str = ""

    def step(self, position: int) -> Step:
        return self.steps[position]

    def position_of(self, code: str) -> int:
        return next(s.position for s in self.steps if s.code == code)

    def first_of_kind(self, kind: str) -> Step | None:
        return next((s for s in self.steps if s.kind == kind), None)


# ``default`` covers every project type a file does not list by name.
PROJECT_DEFAULT = "default"


def _parse_project_steps(path: Path, name: str, raw: Any, line: int) -> tuple[Step, ...]:
    if not isinstance(raw, list) or not raw:
        raise _fail(path, line, f"项目程序{name}没有环节：请在steps下逐条列出环节。")
    steps: list[Step] = []
    for position, item in enumerate(raw):
        where = item.get("__line__") if isinstance(item, dict) else line
        if not isinstance(item, dict):
            raise _fail(path, where, "每个环节应写成 {code: …, kind: …, role: …}。")
        code, kind, role = item.get("code"), item.get("kind"), item.get("role")
        if not code or not isinstance(code, str):
            raise _fail(path, where, "环节缺少code（环节代码）。")
        if code in {s.code for s in steps}:
            raise _fail(path, where, f"环节代码{code}重复：同一程序内每个环节代码应唯一。")
        if kind not in ProjectStepKind.values:
            raise _fail(
                path,
                where,
                f"项目环节{code}的kind“{kind}”无效：可用{'、'.join(ProjectStepKind.values)}。",
            )
        roles = role if isinstance(role, list) else [role]
        if not roles:
            raise _fail(path, where, f"环节{code}缺少role（办理角色）。")
        roles = [_check_role(path, where, code, r) for r in roles]
        due = item.get("due_days")
        if due is not None and (not isinstance(due, int) or isinstance(due, bool) or due < 1):
            raise _fail(path, where, f"环节{code}的due_days应为正整数（天）。")
        returns_to = item.get("returns_to") or ""
        if returns_to and returns_to not in {s.code for s in steps}:
            raise _fail(
                path, where, f"环节{code}的returns_to“{returns_to}”应为它之前的某个环节代码。"
            )
        if kind in PROJECT_DECISION_KINDS and not returns_to:
            raise _fail(path, where, f"环节{code}应写明returns_to（退回时回到哪个环节）。")
        steps.append(
            Step(
                position=position,
                code=code,
                kind=kind,
                role=roles[0],
                title=str(item.get("title") or ProjectStepKind(kind).label),
                returns_to=returns_to,
                due_days=due,
                roles=tuple(roles),
            )
        )
    kinds = [s.kind for s in steps]
    if kinds[0] != ProjectStepKind.APPLICATION:
        raise _fail(path, line, f"项目程序{name}的第一个环节应为application（入库申报）。")
    if kinds[-1] != ProjectStepKind.HANDOVER or kinds.count(ProjectStepKind.HANDOVER) != 1:
        raise _fail(path, line, f"项目程序{name}的最后一个环节应为唯一的handover（资产移交）。")
    for required in (ProjectStepKind.APPROVAL, ProjectStepKind.ACCEPTANCE):
        if kinds.count(required) != 1:
            raise _fail(
                path,
                line,
                f"项目程序{name}应有且只有一个{required}"
                f"（{ProjectStepKind(required).label}）环节。",
            )
    if kinds.index(ProjectStepKind.APPROVAL) > kinds.index(ProjectStepKind.ACCEPTANCE):
        raise _fail(path, line, f"项目程序{name}的批复入库应在验收之前。")
    return tuple(steps)


def load_project_file(path: Path) -> list[ProjectProcedure]:
    """The project procedures of one file (none when it has no ``project_types``)."""
    try:
        doc = yaml.load(path.read_text("utf-8"), Loader=LineLoader) or {}  # noqa: S506
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise _fail(path, mark.line + 1 if mark else None, f"不是有效的YAML：{error}") from None
    if not isinstance(doc, dict) or "project_types" not in doc:
        return []
    region = str(doc.get("region") or "")
    types = doc.get("project_types")
    if not isinstance(types, dict) or len(types) <= 1:
        raise _fail(
            path, doc.get("__line__"), "project_types应为映射：项目类型（或default）→ steps。"
        )
    out = []
    for name, spec in types.items():
        if name == "__line__":
            continue
        line = spec.get("__line__") if isinstance(spec, dict) else types.get("__line__")
        if name != PROJECT_DEFAULT and name not in ProjectType.values:
            raise _fail(
                path,
                line,
                f"未知项目类型“{name}”：可用{PROJECT_DEFAULT}、{'、'.join(ProjectType.values)}。",
            )
        if not isinstance(spec, dict):
            raise _fail(path, line, f"项目程序{name}应为映射：steps。")
        steps = _parse_project_steps(path, name, spec.get("steps"), line)
        digest = hashlib.sha1(repr(steps).encode(), usedforsecurity=False).hexdigest()[:10]
        out.append(
            ProjectProcedure(
                project_type=name,
                region=region,
                version=f"{path.stem}:{digest}",
                steps=steps,
                source=str(doc.get("project_source") or doc.get("source") or ""),
            )
        )
    return out


@lru_cache(maxsize=4)
def all_project_procedures(directory: Path) -> dict[tuple[str, str], ProjectProcedure]:
    """Every configured project procedure by (region, project type or ``default``)."""
    out: dict[tuple[str, str], ProjectProcedure] = {}
    for path in sorted(directory.glob("*.yaml")):
        load_file(path)  # the file as a whole must be valid (region, case types)
        for p in load_project_file(path):
            out[(p.region, p.project_type)] = p
    if (NATIONAL, PROJECT_DEFAULT) not in out:
        raise ProcedureFileError(
            "national.yaml：缺少项目库的全国默认程序（project_types.default）。"
        )
    return out


def project_procedures() -> dict[tuple[str, str], ProjectProcedure]:
    # The directory read at call time, so that a test can point it at its own files.
    return all_project_procedures(PROCEDURE_DIR)


def project_procedure_for(project_type: str, area_code: str) -> ProjectProcedure:
    """The procedure for a project of ``project_type`` in ``area_code``: the county's, city's,
    province's or the national one, most specific region first; within a region the type's own
    procedure before the region's ``default``."""
    configured = project_procedures()
    for region in regions_for(area_code):
        for name in (project_type, PROJECT_DEFAULT):
            if (region, name) in configured:
                return configured[(region, name)]
    raise KeyError(project_type)


def project_procedure_of(project: Any) -> ProjectProcedure:
    """The procedure a project follows (the one it opened under: its region and type)."""
    configured = project_procedures()
    key = (project.region, project.procedure_type)
    if key not in configured:
        raise KeyError(key)
    return configured[key]


@lru_cache(maxsize=1)
def all_procedures(directory: Path = PROCEDURE_DIR) -> dict[tuple[str, str], Procedure]:
    """Every configured procedure by (region, case type)."""
    out: dict[tuple[str, str], Procedure] = {}
    for path in sorted(directory.glob("*.yaml")):
        for p in load_file(path):
            out[(p.region, p.case_type)] = p
    missing = [t for t in CaseType.values if (NATIONAL, t) not in out]
    if missing:
        raise ProcedureFileError(f"national.yaml：缺少案件类型{'、'.join(missing)}的全国默认程序。")
    return out


def procedure_for(case_type: str, area_code: str) -> Procedure:
    """The procedure for a case in ``area_code``: the county's, city's, province's or the
    national one, most specific first."""
    configured = all_procedures()
    for region in regions_for(area_code):
        if (region, case_type) in configured:
            return configured[(region, case_type)]
    raise KeyError(case_type)


def procedure_of(case: Any) -> Procedure:
    """The procedure a case opened under (its region's current configuration)."""
    return all_procedures()[(case.region, case.case_type)]
