"""Every state change of a ledger upload: load (store the file and preview it), apply, discard,
and the logged download of its failed rows. Plus the one scoping function for ledger uploads.

Rows are stored only through the domain apps' actions (via each ledger's ``write``), with
``Actor(user, source="import", source_ref="ledger:<id>")``, so every stored row has its audit
entry with the source 导入. Uploads move between statuses with conditional updates.
"""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from jingzhun.areas.models import code_range
from jingzhun.audit import recorder
from jingzhun.core.actions import Actor, NotFound, PermissionDenied, raise_if_errors
from jingzhun.core.masking import Disclosure
from jingzhun.exports.actions import do_log_download
from jingzhun.exports.models import ExportWhat
from jingzhun.imports.reading import FileRefused, Table
from jingzhun.ledgers import files, rows
from jingzhun.ledgers.models import LedgerStatus, LedgerUpload
from jingzhun.ledgers.spec import Context, Ledger, get_ledger, ledgers

if TYPE_CHECKING:
    from jingzhun.accounts.models import User

ALLOWED_SUFFIXES = {".xlsx", ".xlsm", ".csv", ".txt", ".xls"}
MAX_BYTES = 20 * 1024 * 1024
PREVIEW_ROWS_KEPT = 20_000


# --- scope and roles ----------------------------------------------------------------------------


def ledger_uploads_for(user: User) -> QuerySet[LedgerUpload]:
    """The uploads whose area lies under the user's (a village cadre does not see the
    township's file)."""
    low, high = code_range(user.scope_prefix)
    return LedgerUpload.objects.filter(area_code__gte=low, area_code__lt=high)


def access_ledger_upload(user: User, upload_id: int | str) -> LedgerUpload:
    """The upload if it lies under the user's area; absent and outside both raise NotFound."""
    try:
        return ledger_uploads_for(user).select_related("area", "uploader").get(pk=int(upload_id))
    except (LedgerUpload.DoesNotExist, ValueError, TypeError):
        raise NotFound(upload_id) from None


def ledgers_for(user: User) -> list[Ledger]:
    """The ledgers the user's role may load (the roles of each ledger's action)."""
    return [spec for spec in ledgers() if user.role in spec.roles]


def loader_roles() -> frozenset[str]:
    """Roles that may load at least one ledger."""
    return frozenset().union(*(spec.roles for spec in ledgers()))


def _ledger(kind: str) -> Ledger:
    spec = get_ledger(kind)
    if spec is None:
        titles = "、".join(s.title for s in ledgers())
        raise_if_errors({"kind": [f"请选择台账类型：{titles}。"]})
    assert spec is not None
    return spec


def _ensure_role(user: User, spec: Ledger) -> None:
    if user.role not in spec.roles:
        raise PermissionDenied(f"角色“{user.get_role_display()}”不能导入“{spec.title}”。")


# --- load: store and preview ------------------------------------------------------------------


def ledger_dir() -> Path:
    path = Path(settings.UPLOAD_DIR) / "ledgers"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _store(stream: IO[bytes], suffix: str) -> tuple[Path, str, int]:
    target = ledger_dir() / f"{timezone.now():%Y%m}" / f"{uuid.uuid4().hex}{suffix}"
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    limit = int(getattr(settings, "JINGZHUN_LEDGER_MAX_BYTES", MAX_BYTES))
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
    return target, digest.hexdigest(), size


def _preview_json(table: Table, run: rows.Run) -> dict[str, Any]:
    return {
        "sheet": table.sheet,
        "header_row": table.header_row,
        "columns": [table.columns[i].title for i in sorted(table.columns)],
        "unknown_columns": [
            t for t in table.unknown if t not in (rows.ERROR_TITLE, rows.ROW_TITLE)
        ],
        "file_notes": table.notes,
        "notes": dict(run.notes.most_common(50)),
        "rows": [r.as_dict() for r in run.rows[:PREVIEW_ROWS_KEPT]],
    }


def do_load_ledger(
    *, actor: Actor, kind: str, stream: IO[bytes], original_name: str
) -> tuple[LedgerUpload, bool]:
    """Store the file and preview it: every row runs through the ledger's action inside a
    transaction that is rolled back, so nothing is stored. Returns (upload, created): the same
    file of the same kind already staged or applied in the same area is returned as it is
    (created False) and nothing changes. A file that cannot be read is stored as a failed
    upload with the reason. Raises PermissionDenied for a role the ledger does not allow and
    ValidationError for an unknown kind, file type or size."""
    user = actor.user
    assert user is not None, "a ledger is loaded by a user"
    spec = _ledger(kind)
    _ensure_role(user, spec)
    suffix = Path(original_name).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise_if_errors({"file": ["只能导入xlsx或CSV文件：请另存为这两种格式后上传。"]})
    path, sha256, size = _store(stream, suffix)
    scope = user.area
    same = LedgerUpload.objects.filter(
        kind=spec.kind,
        area_code=scope.code,
        sha256=sha256,
        status__in=[LedgerStatus.STAGED, LedgerStatus.APPLIED],
    ).first()
    if same is not None:
        path.unlink(missing_ok=True)
        return same, False
    ctx = Context(Actor(user=user, source="import", ip=actor.ip), scope)
    status, error, counts, preview = LedgerStatus.STAGED, "", {}, {}
    try:
        table = rows.open_ledger(spec, path)
        run = rows.preview(spec, table, ctx)
        if not run.rows:
            raise FileRefused("文件中没有数据行", "表头下面是空的：请填写后重新上传")
    except FileRefused as refused:
        status, error = LedgerStatus.FAILED, f"{refused.reason}。{refused.fix}。"
    else:
        counts, preview = run.counts(), _preview_json(table, run)
    try:
        with transaction.atomic():
            upload = LedgerUpload.objects.create(
                kind=spec.kind,
                file_path=str(path),
                original_name=Path(original_name).name[:255],
                sha256=sha256,
                size=size,
                uploader=user,
                area=scope,
                area_code=scope.code,
                status=status,
                counts=counts,
                preview=preview,
                error=error,
            )
            recorder.record(
                actor=actor,
                action="load_ledger",
                obj=upload,
                area_code=scope.code,
                changes={
                    "file": [None, upload.original_name],
                    "kind": [None, spec.kind],
                    "status": [None, status],
                    "counts": [None, counts],
                },
                reason=error,
            )
    except IntegrityError:
        # The same file staged by another request a moment ago: that one stands.
        path.unlink(missing_ok=True)
        return LedgerUpload.objects.get(
            kind=spec.kind,
            area_code=scope.code,
            sha256=sha256,
            status__in=[LedgerStatus.STAGED, LedgerStatus.APPLIED],
        ), False
    return upload, True


# --- apply and discard --------------------------------------------------------------------------


def _move(upload: LedgerUpload, old: str, new: str, **fields: Any) -> None:
    """The conditional update of a status: refused when the upload is no longer ``old``."""
    if not LedgerUpload.objects.filter(pk=upload.pk, status=old).update(status=new, **fields):
        upload.refresh_from_db()
        raise_if_errors(
            {"status": [f"该批次当前状态为“{upload.get_status_display()}”，不能执行此操作。"]}
        )
    upload.refresh_from_db()


def do_apply_ledger_upload(upload: LedgerUpload, *, actor: Actor) -> LedgerUpload:
    """Apply the rows the preview found valid, through the ledger's action, in ONE transaction
    (status staged → applied). A row the action refuses now (the database changed since the
    preview) is held back with its reason and the others are applied; rows refused at the
    preview are not tried. Any other error rolls back everything and the upload stays staged."""
    user = actor.user
    assert user is not None
    access_ledger_upload(user, upload.pk)
    upload.refresh_from_db()
    spec = _ledger(upload.kind)
    _ensure_role(user, spec)
    previewed = upload.preview.get("rows", [])
    refused_before = {r["row"] for r in previewed if r["action"] == "refused"}
    ctx = Context(
        Actor(user=user, source="import", ip=actor.ip, source_ref=upload.source_ref), upload.area
    )
    with transaction.atomic():
        _move(
            upload,
            LedgerStatus.STAGED,
            LedgerStatus.APPLIED,
            decided_by=user,
            applied_at=timezone.now(),
        )
        try:
            table = rows.open_ledger(spec, Path(upload.file_path))
            run = rows.run(spec, table, ctx, skip=refused_before)
        except (FileRefused, OSError) as error:
            reason = error.reason if isinstance(error, FileRefused) else str(error)
            raise_if_errors({"file": [f"文件无法再次读取（{reason}）：请重新上传。"]})
        held_back = [
            r.as_dict() for r in run.rows if r.action == "refused" and r.row not in refused_before
        ]
        counts = run.counts()
        applied = {
            "create": counts["create"],
            "change": counts["change"],
            "unchanged": counts["unchanged"],
            "refused_at_preview": len(refused_before),
            "held_back": len(held_back),
        }
        result = {
            "counts": applied,
            "held_back": held_back,
            "rows": [
                {"row": r.row, "action": r.action, "summary": r.summary}
                for r in run.rows
                if r.action != "refused"
            ][:PREVIEW_ROWS_KEPT],
        }
        LedgerUpload.objects.filter(pk=upload.pk).update(result=result)
        upload.result = result
        recorder.record(
            actor=actor,
            action="apply_ledger_upload",
            obj=upload,
            area_code=upload.area_code,
            changes={
                "status": [LedgerStatus.STAGED, LedgerStatus.APPLIED],
                "result": [None, applied],
            },
        )
    return upload


@transaction.atomic
def do_discard_ledger_upload(
    upload: LedgerUpload, *, actor: Actor, reason: str = ""
) -> LedgerUpload:
    """Apply nothing: status staged → discarded. The same file may then be loaded again."""
    user = actor.user
    assert user is not None
    access_ledger_upload(user, upload.pk)
    _ensure_role(user, _ledger(upload.kind))
    _move(upload, LedgerStatus.STAGED, LedgerStatus.DISCARDED, decided_by=user)
    recorder.record(
        actor=actor,
        action="discard_ledger_upload",
        obj=upload,
        area_code=upload.area_code,
        changes={"status": [LedgerStatus.STAGED, LedgerStatus.DISCARDED]},
        reason=reason,
    )
    return upload


def do_download_ledger_failed_rows(upload: LedgerUpload, out: IO[bytes], *, actor: Actor) -> int:
    """Write the upload's refused rows (at preview and held back at apply) with their original
    cells and reasons for ``actor`` — numbers masked as their disclosure says — and log the
    download like every export. Returns the number of rows."""
    user = actor.user
    assert user is not None
    upload = access_ledger_upload(user, upload.pk)
    spec = _ledger(upload.kind)
    disclosure = Disclosure.of(user)
    written = files.write_failed_rows(spec, upload, out, disclosure=disclosure)
    do_log_download(
        actor=actor,
        what=ExportWhat.FAILED_ROWS,
        area_code=upload.area_code,
        file_format="xlsx",
        masked=not disclosure.numbers,
        rows=written,
        file_name=f"ledger-failed-rows-{upload.pk}.xlsx",
        details={"ledger_upload": upload.pk, "kind": upload.kind, "file": upload.original_name},
    )
    return written
