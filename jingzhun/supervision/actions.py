"""Every write of the problem ledger: entering a problem, recording its rectification
(evidence), asking for closing (销号申请), closing (销号) by the level above, reopening, and
raising problems in bulk from a data-quality run. Each checks role and scope, validates with
messages naming the field and the fix, writes in one transaction with its audit entries, and
changes nothing when it refuses. Status moves are conditional updates: two reviewers closing
at once do not both succeed.

Importers call :func:`do_create_problem` with plain keyword values, row by row.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone, translation

from jingzhun.accounts.roles import (
    PROBLEM_CLOSERS,
    PROBLEM_RECORDERS,
    PROBLEM_RECTIFIERS,
    PROBLEM_REOPENERS,
    Role,
)
from jingzhun.areas.models import Area, Level
from jingzhun.audit import recorder
from jingzhun.cases.models import Case
from jingzhun.core.actions import (
    Actor,
    NotFound,
    PermissionDenied,
    date_value,
    ensure_area,
    ensure_role,
    jsonable,
    raise_if_errors,
    text_value,
)
from jingzhun.quality.checks import CATALOGUE
from jingzhun.quality.models import QualityCount, QualityFinding, QualityRun, RunStatus
from jingzhun.registry.models import Household
from jingzhun.supervision.models import (
    PROBLEM_LABEL,
    SOURCE_ALIASES,
    EvidenceKind,
    Problem,
    ProblemCategory,
    ProblemEvidence,
    ProblemSource,
    ProblemStatus,
)

Errors = dict[str, list[str]]
FILE_TYPES = {".pdf", ".jpg", ".jpeg", ".png", ".webp", ".doc", ".docx", ".xls", ".xlsx"}
FILE_MAX_BYTES = 20 * 1024 * 1024
# A quality-raised problem links at most this many households as evidence (the rest are counted).
QUALITY_HOUSEHOLDS_MAX = 200
QUALITY_DEADLINE_DAYS = 30
PROBLEM_LEVELS = {Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE}


def today() -> dt.date:
    return timezone.localdate()


# --- who may act ---------------------------------------------------------------------------------


def _ensure_level_above(actor: Actor, problem: Problem, what: str) -> None:
    """Only a user of a level above the problem's area: its own unit never closes its own
    problem (the level above reviews)."""
    assert actor.user is not None
    area = actor.user.area
    if area.level >= problem.area.level:
        raise PermissionDenied(
            f"{problem.area.name}的问题不能由本级（{area.name}）{what}：应由上级审核后{what}。"
        )


# --- parsing -------------------------------------------------------------------------------------


def _choice(values: Mapping[str, Any], errors: Errors, key: str, label: str, choices: Any) -> str:
    """A value-list entry given by code or by its Chinese label (whatever the language)."""
    raw = str(values.get(key) or "").strip()
    with translation.override("zh-hans"):
        by_label = {str(text): code for code, text in choices.choices}
    if choices is ProblemSource:
        by_label.update({alias: code.value for alias, code in SOURCE_ALIASES.items()})
    code = by_label.get(raw, raw)
    if code not in choices.values:
        with translation.override("zh-hans"):
            names = "、".join(str(text) for _code, text in choices.choices)
        if raw:
            errors.setdefault(key, []).append(f"{label}“{raw}”无效：应为{names}之一。")
        else:
            errors.setdefault(key, []).append(f"请填写{label}（{names}之一）。")
    return code


def problem_values(values: Mapping[str, Any], errors: Errors) -> dict[str, Any]:
    """The checked fields of a problem (without its area)."""
    clean: dict[str, Any] = {
        "source": _choice(values, errors, "source", "问题来源", ProblemSource),
        "category": _choice(values, errors, "category", "问题类别", ProblemCategory),
        "description": text_value(values, errors, "description", "问题描述", size=2000),
        "found_on": date_value(values, errors, "found_on", "发现日期"),
        "responsible_unit": text_value(values, errors, "responsible_unit", "责任单位", size=100),
        "responsible_person": text_value(
            values, errors, "responsible_person", "责任人", size=64, required=False
        ),
        "deadline": date_value(values, errors, "deadline", "整改时限"),
        "measures": text_value(values, errors, "measures", "整改措施", size=2000, required=False),
    }
    found_on, deadline = clean["found_on"], clean["deadline"]
    if found_on and found_on > today():
        errors.setdefault("found_on", []).append(
            f"发现日期{found_on}晚于今天：请填写实际发现问题的日期。"
        )
    if found_on and deadline and deadline < found_on:
        errors.setdefault("deadline", []).append(
            f"整改时限{deadline}早于发现日期{found_on}：请填写发现日期当天或以后的日期。"
        )
    return clean


def _check_area(area: Area | None, errors: Errors) -> None:
    if area is None:
        errors.setdefault("area", []).append("请选择问题所在的县、乡镇或村。")
    elif area.level not in PROBLEM_LEVELS:
        errors.setdefault("area", []).append(
            f"“{area.name}”不是县、乡镇或村：问题应登记到县、乡镇或行政村。"
        )


def _label(problem: Problem) -> str:
    return PROBLEM_LABEL % {"area": problem.area.name, "number": problem.number}


def _number(area: Area, found_on: dt.date, pk: int) -> str:
    return f"WT{area.code[:6]}{found_on.year}{pk:06d}"


# --- create --------------------------------------------------------------------------------------


def do_create_problem(
    *, actor: Actor, area: Area | None, values: Mapping[str, Any], quality_run: Any = None
) -> Problem:
    """Enter a problem for a county, township or village of the actor's area. Refuses a
    discovery date in the future and a deadline before the discovery date."""
    ensure_role(actor, PROBLEM_RECORDERS, "登记问题")
    if area is not None:
        ensure_area(actor, area.code, area.pk)
    errors: Errors = {}
    _check_area(area, errors)
    clean = problem_values(values, errors)
    raise_if_errors(errors)
    assert area is not None
    with transaction.atomic():
        problem = _insert(actor, area, clean, quality_run)
    return problem


def _insert(actor: Actor, area: Area, clean: dict[str, Any], quality_run: Any) -> Problem:
    problem = Problem.objects.create(
        number=uuid.uuid4().hex,
        area=area,
        area_code=area.code,
        created_by=actor.user,
        quality_run=quality_run,
        **clean,
    )
    problem.number = _number(area, clean["found_on"], problem.pk)
    Problem.objects.filter(pk=problem.pk).update(number=problem.number)
    recorder.record(
        actor=actor,
        action="create_problem",
        obj=problem,
        area_code=area.code,
        label=_label(problem),
        changes={k: [None, jsonable(v)] for k, v in clean.items()},
    )
    return problem


# --- rectification ------------------------------------------------------------------------------


def _file(upload: UploadedFile | None, errors: Errors) -> UploadedFile | None:
    if upload is None:
        return None
    name = (upload.name or "").lower()
    if not any(name.endswith(ext) for ext in FILE_TYPES):
        errors.setdefault("file", []).append(
            f"文件“{upload.name}”的类型不能上传：请上传 PDF、图片、Word 或 Excel 文件。"
        )
    elif (upload.size or 0) > FILE_MAX_BYTES:
        errors.setdefault("file", []).append(f"文件“{upload.name}”超过20MB：请压缩后上传。")
    return upload


def do_add_problem_evidence(
    *,
    actor: Actor,
    problem: Problem,
    text: str = "",
    file: UploadedFile | None = None,
    household: Household | None = None,
    case: Case | None = None,
) -> list[ProblemEvidence]:
    """Record rectification: a text, a file, a linked household and/or a linked case (each a
    piece of evidence). Refused on a closed problem and when nothing is given."""
    ensure_role(actor, PROBLEM_RECTIFIERS, "登记整改情况")
    ensure_area(actor, problem.area_code, problem.pk)
    errors: Errors = {}
    text = text_value({"text": text}, errors, "text", "整改情况", size=2000, required=False)
    upload = _file(file, errors)
    if household is not None and not household.village_code.startswith(problem.area.scope_prefix):
        errors.setdefault("household", []).append(
            f"农户{household.number}不在{problem.area.name}：请选择本地区的农户。"
        )
    if case is not None and not case.village_code.startswith(problem.area.scope_prefix):
        errors.setdefault("case", []).append(
            f"监测程序{case.number}不在{problem.area.name}：请选择本地区的程序。"
        )
    if not (text or upload or household or case):
        errors.setdefault("text", []).append("请填写整改情况，或上传佐证材料、关联农户或程序。")
    if problem.status == ProblemStatus.CLOSED:
        errors.setdefault("text", []).append("该问题已销号：如需继续整改，请先由上级重新打开。")
    raise_if_errors(errors)
    pieces: list[ProblemEvidence] = []
    with transaction.atomic():
        common = {"problem": problem, "added_by": actor.user}
        if text:
            pieces.append(ProblemEvidence(kind=EvidenceKind.TEXT, text=text, **common))
        if upload is not None:
            pieces.append(ProblemEvidence(kind=EvidenceKind.FILE, file=upload, **common))
        if household is not None:
            pieces.append(
                ProblemEvidence(kind=EvidenceKind.HOUSEHOLD, household=household, **common)
            )
        if case is not None:
            pieces.append(ProblemEvidence(kind=EvidenceKind.CASE, case=case, **common))
        for piece in pieces:
            piece.save()
        recorder.record(
            actor=actor,
            action="add_problem_evidence",
            obj=problem,
            area_code=problem.area_code,
            label=_label(problem),
            changes={
                "evidence": [
                    None,
                    [
                        text or None,
                        upload.name if upload else None,
                        household.number if household else None,
                        case.number if case else None,
                    ],
                ]
            },
        )
    return pieces


def _move(problem: Problem, old: str, new: str, **fields: Any) -> bool:
    """The race-safe status move: true when this call made it."""
    return bool(Problem.objects.filter(pk=problem.pk, status=old).update(status=new, **fields))


def do_submit_problem_closing(*, actor: Actor, problem: Problem, note: str = "") -> Problem:
    """Ask the level above to close (销号申请): the problem must carry evidence of its
    rectification."""
    ensure_role(actor, PROBLEM_RECTIFIERS, "申请销号")
    ensure_area(actor, problem.area_code, problem.pk)
    errors: Errors = {}
    if (
        not ProblemEvidence.objects.filter(problem=problem)
        .exclude(kind=EvidenceKind.QUALITY)
        .exists()
    ):
        errors.setdefault("evidence", []).append(
            "还没有整改佐证：请先登记整改情况或上传佐证材料，再申请销号。"
        )
    if problem.status != ProblemStatus.RECTIFYING:
        errors.setdefault("status", []).append(
            f"问题状态为“{problem.get_status_display()}”：只有整改中的问题可以申请销号。"
        )
    raise_if_errors(errors)
    with transaction.atomic():
        if not _move(problem, ProblemStatus.RECTIFYING, ProblemStatus.PENDING_CLOSING):
            raise_if_errors({"status": ["该问题已被他人申请销号或处理：请刷新页面。"]})
        problem.refresh_from_db()
        recorder.record(
            actor=actor,
            action="submit_problem_closing",
            obj=problem,
            area_code=problem.area_code,
            label=_label(problem),
            reason=str(note or "").strip()[:500],
            changes={"status": [ProblemStatus.RECTIFYING, ProblemStatus.PENDING_CLOSING]},
        )
    return problem


def remaining_quality_findings(problem: Problem) -> tuple[QualityRun | None, dict[str, int]]:
    """For a problem raised from a quality run: the latest LATER completed run covering its
    village, and the findings of the problem's checks that run still has there (check code →
    count). (None, {}) when no later run covers the village."""
    codes = list(
        problem.evidence.filter(kind=EvidenceKind.QUALITY).values_list("check_code", flat=True)
    )
    village = problem.area_code
    # A run covers the village when it was run over the village or one of its ancestors.
    covering: set[str] = set()
    area: Area | None = problem.area
    while area is not None:
        covering.add(area.code)
        area = area.parent
    later = (
        QualityRun.objects.filter(
            pk__gt=problem.quality_run_id,
            status=RunStatus.DONE,
            area_code__in=covering,
        )
        .order_by("-pk")
        .first()
    )
    if later is None:
        return None, {}
    remaining = dict(
        QualityCount.objects.filter(
            run=later, village_code=village, check_code__in=codes, findings__gt=0
        ).values_list("check_code", "findings")
    )
    return later, remaining


def do_close_problem(*, actor: Actor, problem: Problem, reason: str) -> Problem:
    """Close (销号) a problem awaiting closing, after review, with a reason. Only a user of a
    level above the problem's area; a quality-raised problem also needs a later quality run of
    its village without its findings."""
    ensure_role(actor, PROBLEM_CLOSERS, "审核销号")
    ensure_area(actor, problem.area_code, problem.pk)
    _ensure_level_above(actor, problem, "销号")
    errors: Errors = {}
    reason = text_value({"reason": reason}, errors, "reason", "销号意见", size=500)
    if problem.status != ProblemStatus.PENDING_CLOSING:
        errors.setdefault("status", []).append(
            f"问题状态为“{problem.get_status_display()}”：只有已申请销号的问题可以销号。"
        )
    if problem.quality_run_id is not None:
        later, remaining = remaining_quality_findings(problem)
        if later is None:
            errors.setdefault("status", []).append(
                f"还没有晚于第{problem.quality_run_id}次的数据质量检查覆盖{problem.area.name}："
                "请先重新运行数据质量检查，确认问题数据已整改。"
            )
        elif remaining:
            listed = "、".join(f"{code}（{n}条）" for code, n in sorted(remaining.items()))
            errors.setdefault("status", []).append(
                f"第{later.pk}次数据质量检查中{problem.area.name}仍有问题数据{listed}："
                "请整改后重新检查，再销号。"
            )
    raise_if_errors(errors)
    on = today()
    with transaction.atomic():
        if not _move(
            problem,
            ProblemStatus.PENDING_CLOSING,
            ProblemStatus.CLOSED,
            closed_on=on,
            close_reason=reason,
        ):
            raise_if_errors({"status": ["该问题已被他人处理：请刷新页面。"]})
        problem.refresh_from_db()
        recorder.record(
            actor=actor,
            action="close_problem",
            obj=problem,
            area_code=problem.area_code,
            label=_label(problem),
            reason=reason,
            changes={
                "status": [ProblemStatus.PENDING_CLOSING, ProblemStatus.CLOSED],
                "closed_on": [None, on.isoformat()],
            },
        )
    return problem


def do_return_problem(*, actor: Actor, problem: Problem, reason: str) -> Problem:
    """Send a closing request back (退回整改) after review, with a reason: rectifying again."""
    ensure_role(actor, PROBLEM_CLOSERS, "退回销号申请")
    ensure_area(actor, problem.area_code, problem.pk)
    _ensure_level_above(actor, problem, "退回")
    errors: Errors = {}
    reason = text_value({"reason": reason}, errors, "reason", "退回理由", size=500)
    if problem.status != ProblemStatus.PENDING_CLOSING:
        errors.setdefault("status", []).append(
            f"问题状态为“{problem.get_status_display()}”：只有已申请销号的问题可以退回。"
        )
    raise_if_errors(errors)
    with transaction.atomic():
        if not _move(problem, ProblemStatus.PENDING_CLOSING, ProblemStatus.RECTIFYING):
            raise_if_errors({"status": ["该问题已被他人处理：请刷新页面。"]})
        problem.refresh_from_db()
        recorder.record(
            actor=actor,
            action="return_problem",
            obj=problem,
            area_code=problem.area_code,
            label=_label(problem),
            reason=reason,
            changes={"status": [ProblemStatus.PENDING_CLOSING, ProblemStatus.RECTIFYING]},
        )
    return problem


def do_reopen_problem(*, actor: Actor, problem: Problem, reason: str) -> Problem:
    """Reopen a closed problem (the problem came back, the closing was wrong), with a reason:
    by the level above or an inspector of the area."""
    ensure_role(actor, PROBLEM_REOPENERS, "重新打开问题")
    ensure_area(actor, problem.area_code, problem.pk)
    assert actor.user is not None
    if actor.user.role != Role.INSPECTOR:
        _ensure_level_above(actor, problem, "重新打开")
    errors: Errors = {}
    reason = text_value({"reason": reason}, errors, "reason", "重新打开的原因", size=500)
    if problem.status != ProblemStatus.CLOSED:
        errors.setdefault("status", []).append(
            f"问题状态为“{problem.get_status_display()}”：只有已销号的问题可以重新打开。"
        )
    raise_if_errors(errors)
    with transaction.atomic():
        closed_on = problem.closed_on
        if not _move(
            problem, ProblemStatus.CLOSED, ProblemStatus.RECTIFYING, closed_on=None, close_reason=""
        ):
            raise_if_errors({"status": ["该问题已被他人处理：请刷新页面。"]})
        problem.refresh_from_db()
        recorder.record(
            actor=actor,
            action="reopen_problem",
            obj=problem,
            area_code=problem.area_code,
            label=_label(problem),
            reason=reason,
            changes={
                "status": [ProblemStatus.CLOSED, ProblemStatus.RECTIFYING],
                "closed_on": [jsonable(closed_on), None],
            },
        )
    return problem


# --- raised from quality findings ---------------------------------------------------------------


def do_raise_problems_from_quality_run(
    *, actor: Actor, run: QualityRun, responsible_unit: str = "", deadline: Any = None
) -> list[Problem]:
    """One problem (source 自查, category 数据质量) for each village of the actor's area with
    findings (not exempted) in ``run``, the findings listed as evidence: one entry per check
    with its count, and the households the stored findings name. Raising the same run twice
    adds nothing. Returns the problems created."""
    ensure_role(actor, PROBLEM_RECORDERS, "从数据质量检查登记问题")
    assert actor.user is not None
    prefix = actor.user.scope_prefix
    # The run's area holds the actor's, or lies within it (a city's run for a county user).
    run_area = Area.objects.filter(code=run.area_code).first()
    own = actor.user.area
    if run_area is None or not (run_area.contains(own) or own.contains(run_area)):
        raise NotFound(run.pk)
    errors: Errors = {}
    if run.status != RunStatus.DONE:
        errors.setdefault("run", []).append("该数据质量检查尚未完成：请等待完成后再登记问题。")
    found_on = (run.finished_at and timezone.localdate(run.finished_at)) or today()
    due = (
        date_value({"deadline": deadline}, errors, "deadline", "整改时限")
        if deadline not in (None, "")
        else found_on + dt.timedelta(days=QUALITY_DEADLINE_DAYS)
    )
    if due and due < found_on:
        errors.setdefault("deadline", []).append(
            f"整改时限{due}早于发现日期{found_on}：请填写发现日期当天或以后的日期。"
        )
    raise_if_errors(errors)
    counts: dict[str, dict[str, int]] = {}
    for code, village, n in QualityCount.objects.filter(
        run=run, findings__gt=0, village_code__startswith=prefix
    ).values_list("check_code", "village_code", "findings"):
        counts.setdefault(village, {})[code] = n
    done = set(Problem.objects.filter(quality_run=run).values_list("area_code", flat=True))
    villages = {
        a.code: a for a in Area.objects.filter(code__in=set(counts) - done, level=Level.VILLAGE)
    }
    households: dict[str, list[int]] = {}
    for village, household_id in (
        QualityFinding.objects.filter(
            run=run, village_code__in=villages, household_id__isnull=False
        )
        .values_list("village_code", "household_id")
        .distinct()
        .order_by("village_code", "household_id")
    ):
        linked = households.setdefault(village, [])
        if len(linked) < QUALITY_HOUSEHOLDS_MAX:
            linked.append(household_id)
    created: list[Problem] = []
    with transaction.atomic():
        for code in sorted(villages):
            area = villages[code]
            checks = counts[code]
            listed = "；".join(
                f"{c}{CATALOGUE[c].title if c in CATALOGUE else ''}{n}条"
                for c, n in sorted(checks.items())
            )
            clean = {
                "source": ProblemSource.SELF_CHECK,
                "category": ProblemCategory.DATA_QUALITY,
                "description": (
                    f"{run.year}年度数据质量检查（第{run.pk}次）发现问题数据：{listed}。"
                ),
                "found_on": found_on,
                "responsible_unit": responsible_unit or f"{area.name}村民委员会",
                "responsible_person": "",
                "deadline": due,
                "measures": "逐户核实并更正问题数据，或经确认无误后豁免。",
            }
            problem = _insert(actor, area, clean, run)
            ProblemEvidence.objects.bulk_create(
                [
                    ProblemEvidence(
                        problem=problem,
                        kind=EvidenceKind.QUALITY,
                        check_code=c,
                        count=n,
                        text=CATALOGUE[c].title if c in CATALOGUE else "",
                        added_by=actor.user,
                    )
                    for c, n in sorted(checks.items())
                ]
                + [
                    ProblemEvidence(
                        problem=problem,
                        kind=EvidenceKind.HOUSEHOLD,
                        household_id=household_id,
                        added_by=actor.user,
                    )
                    for household_id in households.get(code, [])
                ]
            )
            created.append(problem)
    return created
