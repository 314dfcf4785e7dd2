"""The three ways a batch arrives — a file on the page, a file on the command line, rows pushed
by a department system — read and staged the same way (``loading`` then ``actions``)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

from jingzhun.areas.models import Area
from jingzhun.core.actions import Actor
from jingzhun.crosscheck import actions, addresses, loading
from jingzhun.crosscheck.kinds import get_kind
from jingzhun.crosscheck.models import Batch, FeedToken


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def stage_file(
    *,
    actor: Actor,
    kind: str,
    area: Area,
    path: Path,
    as_of: dt.date,
    source: str,
    original_name: str = "",
) -> tuple[Batch, bool]:
    """Read and stage a file. Raises ``loading.BatchRefused`` (nothing stored) for a file that
    cannot be this kind, and the actions' errors for a caller who may not load."""
    dataset = get_kind(kind)
    actions.ensure_loader(actor, area)
    loading.check_as_of(as_of, actions.today())
    parsed = loading.read_file(path, dataset, resolve=addresses.resolver(area))
    return actions.do_stage_batch(
        actor=actor,
        kind=kind,
        area=area,
        as_of=as_of,
        parsed=parsed,
        source=source,
        sha256=file_digest(path),
        original_name=original_name or path.name,
    )


def stage_pushed(
    *, feed: FeedToken, rows: list[dict[str, Any]], as_of: dt.date
) -> tuple[Batch, bool]:
    """Stage rows a department system pushed with its key (its kind and area are the key's)."""
    dataset = get_kind(feed.kind)
    loading.check_as_of(as_of, actions.today())
    parsed = loading.read_pushed(dataset, rows, resolve=addresses.resolver(feed.area))
    canonical = json.dumps(rows, ensure_ascii=False, sort_keys=True, default=str)
    return actions.do_stage_batch(
        actor=Actor(None, "api", source_ref=f"feed:{feed.prefix}"),
        kind=feed.kind,
        area=feed.area,
        as_of=as_of,
        parsed=parsed,
        source="api",
        sha256=hashlib.sha256(canonical.encode()).hexdigest(),
        original_name=feed.name,
        feed=feed,
    )
