"""Who in the registry is this record? A batch's records are linked to the members of the
households in the batch's area: first by ID number (exact), then, for the records that are left
— without an ID, or whose ID is in no member's record — by Fellegi–Sunter linkage on name,
pinyin, birth date, sex and village (``jingzhun.linkage``, on DuckDB). A pair a cadre rejected
is never linked again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from django.utils.translation import gettext_noop

from jingzhun.crosscheck.loading import person_key
from jingzhun.crosscheck.models import Batch, Method, RejectedPair
from jingzhun.linkage.comparisons import EXACT
from jingzhun.linkage.linker import link
from jingzhun.linkage.mapping import Field, Mapping
from jingzhun.policy import parameters
from jingzhun.registry.models import Member

CHUNK = 2000
FIELD_LABELS = {
    "name": gettext_noop("姓名"),
    "id_number": gettext_noop("证件号码"),
    "birth_date": gettext_noop("出生日期"),
    "sex": gettext_noop("性别"),
    "area_code": gettext_noop("所在村"),
}
MAPPING_FIELDS = (
    Field("name", "name"),
    Field("id_number", "id_number"),
    Field("birth_date", "date"),
    Field("sex", "sex"),
    Field("area_code", "code"),
)


@dataclass(frozen=True)
class Found:
    record_id: int
    member_id: int
    household_id: int
    village_code: str
    method: str
    probability: float
    weight: float
    reasons: list[list[Any]]


def _members(prefix: str) -> Any:
    return Member.objects.filter(
        is_deleted=False,
        household__is_deleted=False,
        household__village_code__gte=prefix,
        household__village_code__lt=prefix + ":",
    )


def _chunks(items: list[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def threshold(batch: Batch) -> float:
    return float(
        parameters.value("link_probability_min", on=batch.as_of, area_code=batch.area_code).value
    )


def find_links(batch: Batch, records: list[Any]) -> list[Found]:
    """The links of ``records`` (of ``batch``) to members in the batch's area."""
    prefix = batch.area.scope_prefix
    rejected = set(
        RejectedPair.objects.filter(
            person_key__in={person_key(r.id_number, r.name_norm, r.birth_date) for r in records}
        ).values_list("person_key", "member_id")
    )
    found: list[Found] = []
    by_id: dict[str, list[Any]] = {}
    for chunk in _chunks([r.id_number for r in records if r.id_number]):
        for m in (
            _members(prefix)
            .filter(id_number__in=chunk)
            .values("id", "id_number", "household_id", "household__village_code")
        ):
            by_id.setdefault(m["id_number"], []).append(m)
    left_over = []
    for r in records:
        key = person_key(r.id_number, r.name_norm, r.birth_date)
        matches = [m for m in by_id.get(r.id_number, []) if (key, m["id"]) not in rejected]
        if not matches:
            left_over.append(r)
        for m in matches:
            found.append(
                Found(
                    r.pk,
                    m["id"],
                    m["household_id"],
                    m["household__village_code"],
                    Method.EXACT_ID,
                    1.0,
                    0.0,
                    [[FIELD_LABELS["id_number"], EXACT, None]],
                )
            )
    if left_over:
        found.extend(_probable(batch, left_over, rejected, prefix))
    return found


def _probable(
    batch: Batch, records: list[Any], rejected: set[tuple[str, int]], prefix: str
) -> list[Found]:
    members = list(
        _members(prefix).values(
            "id",
            "name",
            "id_number",
            "birth_date",
            "sex",
            "household_id",
            "household__village_code",
        )
    )
    if not members:
        return []
    right = pd.DataFrame(
        {
            "mid": [m["id"] for m in members],
            "name": [m["name"] for m in members],
            "id_number": [m["id_number"] or None for m in members],
            "birth_date": [m["birth_date"].isoformat() for m in members],
            "sex": [m["sex"] for m in members],
            "area_code": [m["household__village_code"] for m in members],
        }
    )
    left = pd.DataFrame(
        {
            "rid": [r.pk for r in records],
            "name": [r.name for r in records],
            "id_number": [r.id_number or None for r in records],
            "birth_date": [r.birth_date.isoformat() if r.birth_date else None for r in records],
            "sex": [r.sex or None for r in records],
            "area_code": [_village(r.area_code) for r in records],
        }
    )
    mapping = Mapping(left_id="rid", right_id="mid", fields=list(MAPPING_FIELDS))
    pairs = link(left, right, mapping, threshold=threshold(batch))
    by_member = {m["id"]: m for m in members}
    by_record = {r.pk: r for r in records}
    best: dict[int, Any] = {}
    for row in pairs.itertuples(index=False):
        record = by_record[int(row.left_id)]
        key = person_key(record.id_number, record.name_norm, record.birth_date)
        if (key, int(row.right_id)) in rejected:
            continue
        current = best.get(record.pk)
        if current is None or row.match_probability > current.match_probability:
            best[record.pk] = row
    found = []
    for record_id, row in best.items():
        member = by_member[int(row.right_id)]
        found.append(
            Found(
                record_id,
                member["id"],
                member["household_id"],
                member["household__village_code"],
                Method.PROBABILISTIC,
                float(row.match_probability),
                float(row.match_weight),
                _reasons(row),
            )
        )
    return found


def _village(area_code: str) -> str | None:
    """A record's resolved area, compared with the member's village only when it is one."""
    return area_code if len(area_code) == 12 and not area_code.endswith("000") else None


def _reasons(row: Any) -> list[list[Any]]:
    out = []
    for f in MAPPING_FIELDS:
        level = getattr(row, f"{f.column}_level", "")
        weight = getattr(row, f"{f.column}_weight", None)
        out.append(
            [
                FIELD_LABELS[f.column],
                str(level),
                None if weight is None else round(float(weight), 2),
            ]
        )
    return out
