"""The audit trail's hash chain: tamper-evident, checked by ``jingzhun audit verify``.

Each entry's ``hash`` is the SHA-256 of its canonical content (every field a person reads, the
position ``seq`` and the previous entry's hash). Appending locks the one :class:`AuditHead` row,
so entries are chained in commit order whichever connection writes them. Changing a stored
entry changes its content (its hash no longer matches), deleting one leaves a gap in ``seq`` and
a ``prev_hash`` pointing at nothing, deleting the newest ones leaves the chain short of the head.
The chain makes tampering visible; it does not stop someone with database access — keep a copy
of the head (``jingzhun audit verify`` prints it) outside the database, e.g. in the daily backup
log, to detect the whole chain being rebuilt.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from jingzhun.audit.models import AuditEntry, AuditHead

GENESIS = "0" * 64
CHUNK = 5000

# The stored fields (max lengths) an entry is hashed over, besides ``seq`` and ``prev_hash``.
_TEXT_LIMITS = {
    "actor_name": 150,
    "source": 16,
    "source_ref": 200,
    "action": 64,
    "object_type": 64,
    "object_id": 64,
    "object_label": 200,
    "area_code": 15,
}


def _when(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _pk(value: Any) -> int | None:
    if value is None:
        return None
    return int(getattr(value, "pk", value))


def canonical(values: dict[str, Any]) -> bytes:
    """The bytes an entry's hash covers, from its values as stored (ids for relations)."""
    body = {
        "seq": int(values["seq"]),
        "prev": values["prev_hash"],
        "at": _when(values["at"]),
        "actor": _pk(values.get("actor_id", values.get("actor"))),
        "household": _pk(values.get("household_id", values.get("household"))),
        "ip": values.get("ip") or None,
        "changes": values.get("changes") or {},
        "reason": values.get("reason") or "",
        **{name: values.get(name) or "" for name in _TEXT_LIMITS},
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def digest(values: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(values)).hexdigest()


def prepare(values: dict[str, Any]) -> dict[str, Any]:
    """An entry's values as the database will store and return them (so that the hash of what
    is read back equals the hash written): texts cut to their field's length, the address
    normalised, the changes through a JSON round trip."""
    out = dict(values)
    for name, limit in _TEXT_LIMITS.items():
        out[name] = str(out.get(name) or "")[:limit]
    if out.get("ip"):
        out["ip"] = AuditEntry._meta.get_field("ip").to_python(out["ip"])
    out["changes"] = json.loads(json.dumps(out.get("changes") or {}, ensure_ascii=False))
    return out


def _head() -> AuditHead:
    """The chain's head row, locked for this transaction (created on first use)."""
    head = AuditHead.objects.select_for_update().filter(pk=1).first()
    if head is not None:
        return head
    try:
        with transaction.atomic():
            AuditHead.objects.create(pk=1, seq=0, hash="")
    except IntegrityError:
        pass  # created by a concurrent writer meanwhile
    return AuditHead.objects.select_for_update().get(pk=1)


def chain(entries: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Give each of ``entries`` (prepared values) its place in the chain and its hash, and
    move the head past them. Must run inside the transaction that inserts them."""
    head = _head()
    seq, prev = head.seq, head.hash or GENESIS
    out = []
    for values in entries:
        seq += 1
        row = prepare(values) | {"seq": seq, "prev_hash": prev}
        row["hash"] = prev = digest(row)
        out.append(row)
    if out:
        AuditHead.objects.filter(pk=1).update(seq=seq, hash=prev)
    return out


# --- verification ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Break:
    """The first place the chain does not hold: the entry (or the gap before it) and why."""

    seq: int | None
    entry_id: int | None
    problem: str

    def __str__(self) -> str:
        where = f"第{self.seq}条（记录编号{self.entry_id}）" if self.entry_id else "链末端"
        return f"{where}：{self.problem}"


@dataclass(frozen=True)
class Verdict:
    entries: int
    head_seq: int
    head_hash: str
    broken: Break | None

    @property
    def ok(self) -> bool:
        return self.broken is None


_FIELDS = (
    "id",
    "seq",
    "prev_hash",
    "hash",
    "at",
    "actor_id",
    "actor_name",
    "ip",
    "source",
    "source_ref",
    "action",
    "object_type",
    "object_id",
    "object_label",
    "household_id",
    "area_code",
    "changes",
    "reason",
)


def _rows() -> Iterator[dict[str, Any]]:
    yield from (
        AuditEntry.objects.order_by("seq", "id").values(*_FIELDS).iterator(chunk_size=CHUNK)
    )


def verify() -> Verdict:
    """Walk the whole chain in order; the first edited, deleted or inserted entry is named."""
    head = AuditHead.objects.filter(pk=1).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, "")
    count, broken = _walk(head_seq, head_hash)
    return Verdict(count, head_seq, head_hash, broken)


def _walk(head_seq: int, head_hash: str) -> tuple[int, Break | None]:
    expected_seq, prev, count = 1, GENESIS, 0
    for row in _rows():
        count += 1
        seq, pk = row["seq"], row["id"]
        if seq is None:
            return count, Break(None, pk, "没有链序号（被插入）")
        if seq > expected_seq:
            return count, Break(seq, pk, f"之前的第{expected_seq}至{seq - 1}条记录缺失（被删除）")
        if seq < expected_seq:
            return count, Break(seq, pk, "序号重复（被插入）")
        if row["prev_hash"] != prev:
            return count, Break(seq, pk, "与前一条记录的摘要不衔接（前一条被改动或删除）")
        if digest(row) != row["hash"]:
            return count, Break(seq, pk, "内容被改动（摘要不符）")
        prev, expected_seq = row["hash"], expected_seq + 1
    last = expected_seq - 1
    if last != head_seq or (head_seq and prev != head_hash):
        problem = f"链末端应为第{head_seq}条，实际只到第{last}条（最新的记录被删除）"
        return count, Break(None, None, problem)
    return count, None
