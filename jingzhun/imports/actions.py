"""Every state change of an upload: create, validate (build the preview), apply, reject.

The same rules as every action: role and scope checked, a refused request changes nothing,
an audit entry in the same transaction. Applying writes the registry only through the registry's
own action functions with ``Actor(user, source="import", source_ref="upload:<id>")``, all of it
in ONE transaction: an error that is not a refusal of one household (a crash, a kill) rolls
back everything, and the upload goes back to waiting with the error shown.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from jingzhun.areas.actions import do_create_area
from jingzhun.areas.models import Area
from jingzhun.audit import recorder
from jingzhun.audit.models import AuditEntry
from jingzhun.core import jobs
from jingzhun.core.actions import (
    Actor,
    ConcurrentEditError,
    NotFound,
    PermissionDenied,
    raise_if_errors,
)
from jingzhun.core.masking import Disclosure
from jingzhun.core.memory import paused_gc
from jingzhun.exports.actions import do_log_download
from jingzhun.imports.models import Kind, Status, Upload
from jingzhun.imports.planning import HouseholdPlan, Plan, build_plan, preview_of
from jingzhun.imports.reading import FileRefused, open_table
from jingzhun.imports.spreadsheets import write_failed_rows
from jingzhun.registry import actions as registry
from jingzhun.registry import bulk, validation
from jingzhun.registry.models import Conditions, Income, Measures

if TYPE_CHECKING:
    from jingzhun.accounts.models import User

logger = logging.getLogger(__name__)
BULK_BATCH = 500  # new households registered per bulk action
ALLOWED_SUFFIXES = {".xlsx", ".xlsm", ".csv", ".txt", ".parquet", ".xls"}


def max_upload_bytes() -> int:
    return int(getattr(settings, "JINGZHUN_IMPORT_MAX_BYTES", 100 * 1024 * 1024))


def upload_dir() -> Path:
    path = Path(settings.UPLOAD_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


# --- progress (a small file beside the upload: readable while the apply transaction is open) ---


def _progress_file(upload_id: int) -> Path:
    return upload_dir() / f"{upload_id}.progress.json"


def report_progress(upload_id: int, percent: int, phase: str) -> None:
    path = _progress_file(upload_id)
    # A private temporary name per process and thread, then an atomic rename: readers never
    # see half a file and two writers never trip over each other's temporary file.
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        tmp.write_text(json.dumps({"progress": max(0, min(100, percent)), "phase": phase}))
        os.replace(tmp, path)
    except OSError:
        # Progress is a display aid: a full disk or a race must never break an import.
        logger.warning("could not write progress of upload %s", upload_id, exc_info=True)


def read_progress(upload: Upload) -> dict[str, Any]:
    """``{"progress": 0-100, "phase": …}`` — the live figure while a job runs."""
    if upload.is_busy:
        try:
            return json.loads(_progress_file(upload.pk).read_text())
        except (OSError, ValueError):
            pass
    return {"progress": upload.progress, "phase": upload.phase}


# --- create -------------------------------------------------------------------------------------


def _ensure_writer(user: User) -> None:
    if not user.can_edit_registry:
        raise PermissionDenied(f"角色“{user.get_role_display()}”只能查看，不能导入数据。")


@transaction.atomic
def do_create_upload(
    *,
    actor: Actor,
    stream: IO[bytes],
    original_name: str,
    kind: str,
    year: int | None,
    sheet: str = "",
    area: Area | None = None,
) -> Upload:
    """Store the file under UPLOAD_DIR and stage it (status uploaded). The caller enqueues the
    validation (jingzhun.imports.tasks) or runs it (the command)."""
    user = actor.user
    assert user is not None, "an upload always has an uploader"
    _ensure_writer(user)
    scope = area or user.area
    errors: dict[str, list[str]] = {}
    if not scope.code.startswith(user.scope_prefix):
        raise NotFound(scope.code)
    if kind not in Kind.values:
        errors["kind"] = ["请选择导入类型：国家监测系统导出表，或本系统农户模板/CSV/Parquet。"]
    now_year = validation.today().year
    if year is not None and not (validation.FIRST_INCOME_YEAR <= int(year) <= now_year):
        errors["year"] = [f"收入年度应在{validation.FIRST_INCOME_YEAR}至{now_year}年之间。"]
    if kind == Kind.NATIONAL and not year:
        errors["year"] = ["国家系统导出表请填写收入年度（表中收入所属的年度）。"]
    suffix = Path(original_name).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        errors["file"] = ["只能导入xlsx、CSV或Parquet文件：请另存为这些格式后上传。"]
    raise_if_errors(errors)
    target = upload_dir() / f"{timezone.now():%Y%m}" / f"{uuid.uuid4().hex}{suffix}"
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    limit = max_upload_bytes()
    with target.open("wb") as out:
        while chunk := stream.read(1 << 20):
            size += len(chunk)
            if size > limit:
                out.close()
                target.unlink(missing_ok=True)
                raise_if_errors(
                    {"file": [f"文件超过{limit // (1024 * 1024)}MB：请按乡镇拆分后分别导入。"]}
                )
            digest.update(chunk)
            out.write(chunk)
    upload = Upload.objects.create(
        file_path=str(target),
        original_name=Path(original_name).name[:255],
        sha256=digest.hexdigest(),
        size=size,
        uploader=user,
        area=scope,
        area_code=scope.code,
        kind=kind,
        year=year,
        sheet=sheet[:100],
    )
    recorder.record(
        actor=actor,
        action="create_upload",
        obj=upload,
        area_code=scope.code,
        changes={"file": [None, upload.original_name], "kind": [None, kind], "year": [None, year]},
    )
    return upload


# --- validate (build the preview) ---------------------------------------------------------------


def _progress_callback(upload: Upload, start: int, span: int) -> Callable[[int, int, str], None]:
    def progress(done: int, total: int, phase: str) -> None:
        if total:
            percent = start + span * done // total
        else:
            percent = start + min(span // 2, span * done // max(upload.total_rows or 100_000, 1))
        report_progress(upload.pk, percent, phase)

    return progress


def _plan(upload: Upload, start: int, span: int, *, quality: bool = True) -> Plan:
    table = open_table(Path(upload.file_path), sheet=upload.sheet or None)
    return build_plan(
        table,
        user=upload.uploader,
        scope=upload.area,
        year=upload.year,
        progress=_progress_callback(upload, start, span),
        quality=quality,
    )


# --- the validated plan, kept for the apply step -------------------------------------------------
# Applying re-plans against the database of that moment, unless nothing in the registry changed
# since the preview was made: every registry change writes an audit entry in its own transaction,
# so "no registry audit entry after the one current when planning began" means the stored plan is
# still exact. The actions re-validate every record they write either way.
PLAN_CACHE_VERSION = 1


def _plan_cache(upload_id: int) -> Path:
    return upload_dir() / f"{upload_id}.plan.pickle"


def _registry_mark() -> int:
    return AuditEntry.objects.aggregate(m=Max("id"))["m"] or 0


def _registry_changed_since(mark: int) -> bool:
    return (
        AuditEntry.objects.filter(id__gt=mark)
        .filter(Q(household__isnull=False) | Q(object_type="area"))
        .exists()
    )


def _keep_plan(upload: Upload, plan: Plan, mark: int) -> None:
    with _plan_cache(upload.pk).open("wb") as out:
        pickle.dump((PLAN_CACHE_VERSION, upload.sha256, mark, plan), out, pickle.HIGHEST_PROTOCOL)


def _kept_plan(upload: Upload) -> Plan | None:
    """The plan stored at validation if the registry has not changed since (else None)."""
    path = _plan_cache(upload.pk)
    if not path.exists():
        return None
    try:
        with path.open("rb") as stream:
            version, sha256, mark, plan = pickle.load(stream)  # noqa: S301 (our own staging file)
    except Exception:
        logger.warning("stored plan of upload %s unreadable: planning again", upload.pk)
        return None
    if version != PLAN_CACHE_VERSION or sha256 != upload.sha256 or _registry_changed_since(mark):
        return None
    return plan


def _set_status(upload: Upload, old: set[str], new: str, **fields: Any) -> None:
    updated = Upload.objects.filter(pk=upload.pk, status__in=old).update(
        status=new, updated_at=timezone.now(), **fields
    )
    if updated != 1:
        upload.refresh_from_db()
        raise_if_errors(
            {"status": [f"该批次当前状态为“{upload.get_status_display()}”，不能执行此操作。"]}
        )
    upload.refresh_from_db()


@transaction.atomic
def _refuse(upload: Upload, actor: Actor, reason: str, message: str) -> None:
    _set_status(upload, {Status.VALIDATED}, Status.FAILED, error=message, progress=100, phase="")
    recorder.record(
        actor=actor,
        action="refuse_upload",
        obj=upload,
        area_code=upload.area_code,
        changes={"status": [Status.VALIDATED, Status.FAILED]},
        reason=reason,
    )


def do_validate_upload(upload: Upload) -> Upload:
    """Read and plan the file; store the preview; status → waiting (or failed with the reason).
    Run by the worker (or the command); writes nothing to the registry."""
    _set_status(
        upload,
        {Status.UPLOADED},
        Status.VALIDATED,
        phase="读取",
        progress=0,
        worker=jobs.this_lease(),
        interrupted=False,
    )
    report_progress(upload.pk, 1, "读取")
    actor = Actor(user=None, source="system", source_ref=upload.source_ref)
    mark = _registry_mark()
    try:
        with paused_gc():
            plan = _plan(upload, 0, 100)
    except FileRefused as refused:
        _refuse(upload, actor, refused.reason, f"{refused.reason}。{refused.fix}。")
        return upload
    except Exception as error:
        # A bug, not a refusal: the upload must not stay "validated" with the page polling.
        logger.exception("validation of upload %s failed", upload.pk)
        _refuse(
            upload,
            actor,
            type(error).__name__,
            f"校验时发生内部错误（{type(error).__name__}），请联系管理员；数据库未作任何修改。",
        )
        raise
    if plan.total_rows == 0:
        # A header and nothing under it (or title rows only): nothing to import, and a
        # "waiting" upload of nothing would be confirmed by someone who expected households.
        reason = "文件中没有数据行"
        _refuse(
            upload,
            actor,
            reason,
            f"{reason}：表头下面是空的。请确认导出时选中了要导入的农户，或选择正确的文件。",
        )
        return upload
    preview = preview_of(plan)
    _keep_plan(upload, plan, mark)
    with transaction.atomic():
        _set_status(
            upload,
            {Status.VALIDATED},
            Status.WAITING,
            preview=preview,
            counts=preview["counts"],
            total_rows=plan.total_rows,
            progress=100,
            phase="",
            error="",
        )
        recorder.record(
            actor=actor,
            action="validate_upload",
            obj=upload,
            area_code=upload.area_code,
            changes={
                "status": [Status.VALIDATED, Status.WAITING],
                "counts": [None, preview["counts"]],
            },
        )
    return upload


# --- apply and reject ---------------------------------------------------------------------------


def access_upload(user: User, upload_id: int | str) -> Upload:
    """The upload if it lies under the user's area (else NotFound, as for absent)."""
    from jingzhun.imports.scoping import uploads_for

    try:
        return uploads_for(user).select_related("area", "uploader").get(pk=int(upload_id))
    except (Upload.DoesNotExist, ValueError, TypeError):
        raise NotFound(upload_id) from None


def do_download_failed_rows(upload: Upload, out: IO[bytes], *, actor: Actor) -> int:
    """Write ``upload``'s failed rows for ``actor`` (as the disclosure policy lets them read
    it) into ``out`` and log the download like an export (the export log and the audit trail).
    Returns the number of rows."""
    assert actor.user is not None
    access_upload(actor.user, upload.pk)
    disclosure = Disclosure.of(actor.user)
    rows = write_failed_rows(upload, out, disclosure=disclosure)
    do_log_download(
        actor=actor,
        what="failed_rows",
        area_code=upload.area_code,
        file_format="xlsx",
        masked=not disclosure.numbers,
        rows=rows,
        file_name=f"failed-rows-{upload.pk}.xlsx",
        details={"upload": upload.pk, "file": upload.original_name},
    )
    return rows


@transaction.atomic
def do_request_apply(upload: Upload, *, actor: Actor) -> Upload:
    """The user chose "apply the valid part": status waiting → applying. The worker (or the
    command) then runs :func:`do_apply_upload`."""
    assert actor.user is not None
    _ensure_writer(actor.user)
    access_upload(actor.user, upload.pk)
    _set_status(
        upload,
        {Status.WAITING},
        Status.APPLYING,
        decided_by=actor.user,
        progress=0,
        phase="等待后台处理",
    )
    recorder.record(
        actor=actor,
        action="request_apply_upload",
        obj=upload,
        area_code=upload.area_code,
        changes={"status": [Status.WAITING, Status.APPLYING]},
    )
    return upload


@transaction.atomic
def do_reject_upload(upload: Upload, *, actor: Actor, reason: str = "") -> Upload:
    """The user chose "apply nothing": status → rejected; the registry is untouched."""
    assert actor.user is not None
    _ensure_writer(actor.user)
    access_upload(actor.user, upload.pk)
    _set_status(
        upload,
        {Status.WAITING, Status.FAILED, Status.UPLOADED},
        Status.REJECTED,
        decided_by=actor.user,
    )
    recorder.record(
        actor=actor,
        action="reject_upload",
        obj=upload,
        area_code=upload.area_code,
        changes={"status": [None, Status.REJECTED]},
        reason=reason,
    )
    transaction.on_commit(lambda: _plan_cache(upload.pk).unlink(missing_ok=True))
    return upload


def fail_interrupted_uploads(uploads: QuerySet[Upload], reason: str) -> int:
    """Uploads whose process died mid-job (jingzhun.core.jobs). The database is consistent
    (an apply is one transaction, rolled back with its process); the upload says what happened
    and can be run again: an interrupted validation fails and may be validated again
    (:func:`do_retry_upload`), an interrupted apply goes back to waiting for confirmation."""
    actor = Actor(user=None, source="system")
    count = 0
    for upload in uploads.select_related("area"):
        with transaction.atomic():
            if upload.status == Status.VALIDATED:
                new, fields = (
                    Status.FAILED,
                    {
                        "error": f"校验中断：{reason}。数据库未作任何修改，可点击“重新校验”。",
                        "interrupted": True,
                    },
                )
            else:
                new, fields = (
                    Status.WAITING,
                    {
                        "error": f"导入中断：{reason}。已全部撤销，数据库未作任何修改，"
                        "可重新选择导入。",
                    },
                )
            moved = Upload.objects.filter(
                pk=upload.pk, status=upload.status, worker=upload.worker
            ).update(
                status=new, progress=0, phase="", worker="", updated_at=timezone.now(), **fields
            )
            if moved:
                recorder.record(
                    actor=actor,
                    action="interrupt_upload",
                    obj=upload,
                    area_code=upload.area_code,
                    changes={"status": [upload.status, new]},
                    reason=reason,
                )
                count += 1
        _progress_file(upload.pk).unlink(missing_ok=True)
    return count


@transaction.atomic
def do_retry_upload(upload: Upload, *, actor: Actor) -> Upload:
    """An upload whose validation was interrupted goes back to "uploaded"; the caller enqueues
    the validation again (the page) or runs it (the command)."""
    assert actor.user is not None
    _ensure_writer(actor.user)
    access_upload(actor.user, upload.pk)
    updated = Upload.objects.filter(pk=upload.pk, status=Status.FAILED, interrupted=True).update(
        status=Status.UPLOADED, interrupted=False, error="", updated_at=timezone.now()
    )
    if updated != 1:
        raise_if_errors({"status": ["只有校验中断的批次可以重新校验。"]})
    recorder.record(
        actor=actor,
        action="retry_upload",
        obj=upload,
        area_code=upload.area_code,
        changes={"status": [Status.FAILED, Status.UPLOADED]},
    )
    upload.refresh_from_db()
    return upload


REFUSALS = (ValidationError, ConcurrentEditError, PermissionDenied, NotFound)


def _messages(error: Exception) -> str:
    if isinstance(error, ValidationError) and hasattr(error, "message_dict"):
        return "；".join(m for ms in error.message_dict.values() for m in ms)
    return str(error)


def _apply_household(
    plan: HouseholdPlan, actor: Actor, year: int | None, villages: dict[tuple[int, str], Area]
) -> None:
    village = _village_of(plan, villages)
    household = plan.existing
    if household is None:
        household = registry.do_create_household(
            actor=actor,
            village=village,
            data=plan.values,
            risks=plan.risks or [],
            flag_inconsistent=True,
        )
    elif plan.changes:
        household = registry.do_update_household(
            household,
            actor=actor,
            changes=plan.values,
            expected_version=household.version,
            risks=plan.risks,
            village=village if village.pk != household.village_id else None,
            reason="导入",
            flag_inconsistent=True,
        )
    for member in plan.members:
        if member.existing is None:
            registry.do_add_member(
                household, actor=actor, data=member.values, flag_inconsistent=True
            )
        elif member.action == "change":
            registry.do_update_member(
                member.existing,
                actor=actor,
                changes=member.values,
                expected_version=member.existing.version,
                reason="导入",
                flag_inconsistent=True,
            )
    if plan.income_action in ("create", "change"):
        # The plan knows whether the year exists; only a change needs the stored version.
        income = (
            Income.objects.filter(household=household, year=year).first()
            if plan.income_action == "change"
            else None
        )
        registry.do_set_income(
            household,
            actor=actor,
            year=year,
            values=plan.income,
            household_size=len(plan.rows),
            expected_version=income.version if income else None,
            reason="导入",
        )
    if plan.conditions_action in ("create", "change"):
        existing = (
            Conditions.objects.filter(household=household, year=year).first()
            if plan.conditions_action == "change"
            else None
        )
        registry.do_set_conditions(
            household,
            actor=actor,
            year=int(year or 0),
            values=plan.conditions,
            expected_version=existing.version if existing else None,
            reason="导入",
        )
    _apply_measures(plan, household, actor, year)


def _apply_measures(plan: HouseholdPlan, household: Any, actor: Actor, year: int | None) -> None:
    """The year's 帮扶措施 of one household, as planned (through ``do_set_measures``)."""
    if plan.measures_action not in ("create", "change"):
        return
    existing = (
        Measures.objects.filter(household=household, year=year).first()
        if plan.measures_action == "change"
        else None
    )
    registry.do_set_measures(
        household,
        actor=actor,
        year=year,
        values=plan.measures,
        expected_version=existing.version if existing else None,
        reason="导入",
    )


def _village_of(plan: HouseholdPlan, villages: dict[tuple[int, str], Area]) -> Area:
    village = plan.village
    if village is None and plan.new_village is not None:
        village = villages[(plan.new_village[0].pk, plan.new_village[1])]
    assert village is not None
    return village


def _new_household(
    plan: HouseholdPlan, year: int | None, villages: dict[tuple[int, str], Area]
) -> bulk.NewHousehold:
    return bulk.NewHousehold(
        village=_village_of(plan, villages),
        data=plan.values,
        members=[m.values for m in plan.members],
        risks=plan.risks or [],
        income=plan.income if plan.income_action == "create" else None,
        conditions=plan.conditions if plan.conditions_action == "create" else None,
        measures=plan.measures if plan.measures_action == "create" else None,
        household_size=len(plan.rows),
        key=plan,
    )


# Tests replace this to simulate an import killed half-way (see tests/imports).
def _after_household(done: int) -> None:
    return None


def do_apply_upload(upload: Upload) -> Upload:
    """Re-plan against the database of this moment and apply every household that is not
    refused, in ONE transaction. A household refused by an action is held back whole (its
    savepoint rolls back); any other error rolls back everything."""
    upload.refresh_from_db()
    if upload.status != Status.APPLYING or upload.decided_by is None:
        raise_if_errors({"status": ["该批次未处于“正在导入”状态：请先在预览页选择导入。"]})
    # This process holds the job from now on: if it dies, the reaper puts the upload back.
    Upload.objects.filter(pk=upload.pk, status=Status.APPLYING).update(worker=jobs.this_lease())
    user = upload.decided_by
    actor = Actor(user=user, source="import", source_ref=upload.source_ref)
    report_progress(upload.pk, 1, "重新校验")
    try:
        with paused_gc():
            plan = _kept_plan(upload) or _plan(upload, 0, 30, quality=False)
            result = _apply_plan(upload, plan, actor)
        _plan_cache(upload.pk).unlink(missing_ok=True)
    except FileRefused as refused:
        _set_status(
            upload,
            {Status.APPLYING},
            Status.FAILED,
            error=f"{refused.reason}。{refused.fix}。",
            progress=100,
            phase="",
        )
        return upload
    except Exception as error:
        logger.exception("import %s failed and was rolled back", upload.pk)
        _set_status(
            upload,
            {Status.APPLYING},
            Status.WAITING,
            progress=0,
            phase="",
            error=f"导入中断，已全部撤销，数据库未作任何修改（{type(error).__name__}: {error}）。"
            "可重新选择导入。",
        )
        raise
    return result


@transaction.atomic
def _apply_plan(upload: Upload, plan: Plan, actor: Actor) -> Upload:
    villages: dict[tuple[int, str], Area] = {}
    for township, name in plan.new_villages:
        villages[(township.pk, name)] = do_create_area(township, actor=actor, name=name)
    applied = {
        "households_created": 0,
        "households_changed": 0,
        "households_unchanged": 0,
        "households_refused": 0,
        "villages_created": len(villages),
    }
    late_refusals: list[dict[str, Any]] = []
    # A household with any problem is never applied, whatever its planned action says.
    todo = [p for p in plan.households if p.action in ("create", "change") and not p.refused]
    total = max(len(plan.households), 1)
    done = 0

    def refused(household_plan: HouseholdPlan, reason: str) -> None:
        applied["households_refused"] += 1
        late_refusals.append(
            {
                "number": household_plan.number,
                "row": household_plan.rows[0].number,
                "reason": reason,
            }
        )

    def finished(household_plan: HouseholdPlan) -> None:
        nonlocal done
        done += 1
        applied[
            "households_created" if household_plan.action == "create" else "households_changed"
        ] += 1
        _after_household(done)
        if done % 200 == 0:
            report_progress(upload.pk, 30 + 70 * done // total, "写入")

    def one_by_one(household_plan: HouseholdPlan) -> None:
        try:
            with transaction.atomic():
                _apply_household(household_plan, actor, upload.year, villages)
        except REFUSALS as error:
            refused(household_plan, _messages(error))
        else:
            finished(household_plan)

    for household_plan in plan.households:
        if household_plan.action in ("refused", "unchanged"):
            applied[f"households_{household_plan.action}"] += 1
    # New households are registered in batches (one query per table and batch, the same
    # validation and audit entries as the forms); changes go through the one-by-one actions.
    creates = [p for p in todo if p.action == "create"]
    for start in range(0, len(creates), BULK_BATCH):
        batch = creates[start : start + BULK_BATCH]
        try:
            with transaction.atomic():
                refusals = bulk.do_create_households(
                    actor=actor,
                    items=[_new_household(p, upload.year, villages) for p in batch],
                    year=upload.year,
                    reason="导入",
                    flag_inconsistent=True,
                )
        except IntegrityError:
            # Someone registered one of these numbers meanwhile: find which, one by one.
            for household_plan in batch:
                one_by_one(household_plan)
            continue
        except REFUSALS as error:
            for household_plan in batch:
                refused(household_plan, _messages(error))
            continue
        held_back = {id(r.key): r for r in refusals}
        for household_plan in batch:
            if id(household_plan) in held_back:
                refused(household_plan, held_back[id(household_plan)].message)
            else:
                finished(household_plan)
    for household_plan in todo:
        if household_plan.action == "change":
            one_by_one(household_plan)
    preview = preview_of(plan)
    result = applied | {"late_refusals": late_refusals[:1000], "planned": len(todo)}
    _set_status(
        upload,
        {Status.APPLYING},
        Status.APPLIED,
        result=result,
        preview=preview,
        counts=preview["counts"],
        applied_at=timezone.now(),
        progress=100,
        phase="",
        error="",
    )
    recorder.record(
        actor=actor,
        action="apply_upload",
        obj=upload,
        area_code=upload.area_code,
        changes={"status": [Status.APPLYING, Status.APPLIED], "result": [None, applied]},
    )
    return upload
