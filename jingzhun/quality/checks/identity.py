"""Identity checks: ID numbers, duplicates, birth dates and sex (GB 11643-1999; docs/domain.md,
全国系统导出与问题数据 and 证件号码与姓名).

See :mod:`jingzhun.quality.checks` for how a check is defined."""

from __future__ import annotations

import re

import ibis
import ibis.expr.types as ir
from django.utils.translation import gettext, gettext_noop

from jingzhun.quality.checks.base import (
    CHECK_CHARS,
    DATA_PROBLEMS_DOC,
    ERROR,
    ID18_RE,
    MEMBER,
    PLACEHOLDER_RE,
    WEIGHTS,
    EntryHit,
    Facts,
    Frames,
    Row,
    batch_of,
    check,
    id_ok,
    id_ok_expr,
    member_hits,
    text_of,
)

# --- identity (GB 11643-1999; docs/domain.md, 证件号码与姓名) --------------------------------


@check(
    "Q-M-001",
    gettext_noop("证件号码重复"),
    severity=ERROR,
    level=MEMBER,
    fields=("id_type", "id_number"),
    rationale=f"同一证件号码只能登记一人（{DATA_PROBLEMS_DOC}）；重复多为抄错或一人两户。",
    field="id_number",
)
def _dup_entry(f: Facts) -> list[EntryHit]:
    return [
        (m, gettext("该证件号码在本系统中出现多次：请核对是否抄错或重复登记。"))
        for m in f.members
        if text_of(m.get("id_number")) and (m["id_type"], m["id_number"]) in f.duplicate_keys
    ]


@batch_of("Q-M-001")
def _dup_batch(fr: Frames) -> ir.Table:
    m = fr.members.filter(fr.members.id_number != "")
    dups = (
        m.group_by(["id_type", "id_number"])
        .aggregate(n=m.count())
        .filter(lambda t: t.n > 1)
        .select(d_type="id_type", d_number="id_number")
    )
    m = m.semi_join(dups, (m.id_type == dups.d_type) & (m.id_number == dups.d_number))
    return member_hits(m, ibis.literal(True))


def duplicate_keys(members: list[Row]) -> frozenset[tuple[str, str]]:
    """Keys (ID type, number) that occur more than once among ``members``."""
    seen: dict[tuple[str, str], int] = {}
    for m in members:
        if text_of(m.get("id_number")):
            key = (m["id_type"], m["id_number"])
            seen[key] = seen.get(key, 0) + 1
    return frozenset(k for k, n in seen.items() if n > 1)


@check(
    "Q-M-002",
    gettext_noop("证件号码缺失或为占位号码"),
    severity=ERROR,
    level=MEMBER,
    fields=("id_number",),
    rationale=gettext_noop(
        "成员须有证件号码；连续6个相同数字（如999999）是为通过表单填写的占位号。"
    ),
    field="id_number",
)
def _missing_id_entry(f: Facts) -> list[EntryHit]:
    return [
        (m, gettext("缺少证件号码或为占位号码：请填写真实证件号码。"))
        for m in f.members
        if not text_of(m.get("id_number")) or re.match(PLACEHOLDER_RE, text_of(m.get("id_number")))
    ]


@batch_of("Q-M-002")
def _missing_id_batch(fr: Frames) -> ir.Table:
    m = fr.members
    return member_hits(m, (m.id_number == "") | m.id_placeholder)


def _check_char(number: str) -> str:
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(number[:17], WEIGHTS, strict=True)) % 11]


@check(
    "Q-M-003",
    gettext_noop("身份证号码格式或校验位错误"),
    severity=ERROR,
    level=MEMBER,
    fields=("id_type", "id_number"),
    rationale=gettext_noop(
        "GB 11643-1999《公民身份号码》：18位，前17位数字，末位校验码按加权和计算。"
    ),
    field="id_number",
)
def _checkdigit_entry(f: Facts) -> list[EntryHit]:
    hits: list[EntryHit] = []
    for m in f.members:
        number = text_of(m.get("id_number"))
        if m.get("id_type") != "resident_id" or not number or re.match(PLACEHOLDER_RE, number):
            continue
        if not re.match(ID18_RE, number) or _check_char(number) != number[17]:
            hits.append((m, gettext("身份证号码位数、字符或校验位不正确：请对照证件核对。")))
    return hits


@batch_of("Q-M-003")
def _checkdigit_batch(fr: Frames) -> ir.Table:
    m = fr.members
    shape = m.id_shape
    expected = ibis.literal(CHECK_CHARS).substr(m.id_checksum, 1)
    return member_hits(
        m,
        (m.id_type == "resident_id")
        & (m.id_number != "")
        & ~m.id_placeholder
        & (~shape | (expected != m.id_number.substr(17, 1))),
    )


@check(
    "Q-M-004",
    gettext_noop("出生日期与身份证号码不一致"),
    severity=ERROR,
    level=MEMBER,
    fields=("id_number", "birth_date"),
    rationale=gettext_noop("身份证第7至14位是出生日期（GB 11643-1999《公民身份号码》）。"),
    field="birth_date",
)
def _birth_entry(f: Facts) -> list[EntryHit]:
    return [
        (
            m,
            gettext("出生日期%(birth)s与证件号码中的%(in_id)s不一致：请核对。")
            % {"birth": m["birth_date"], "in_id": m["id_number"][6:14]},
        )
        for m in f.members
        if id_ok(m)
        and m.get("birth_date") is not None
        and m["birth_date"].strftime("%Y%m%d") != m["id_number"][6:14]
    ]


@batch_of("Q-M-004")
def _birth_batch(fr: Frames) -> ir.Table:
    m = fr.members
    return member_hits(
        m, id_ok_expr(m) & (m.birth_date.strftime("%Y%m%d") != m.id_number.substr(6, 8))
    )


@check(
    "Q-M-005",
    gettext_noop("性别与身份证号码不一致"),
    severity=ERROR,
    level=MEMBER,
    fields=("id_number", "sex"),
    rationale=gettext_noop("身份证第17位奇数为男、偶数为女（GB 11643-1999《公民身份号码》）。"),
    field="sex",
)
def _sex_entry(f: Facts) -> list[EntryHit]:
    return [
        (m, gettext("性别与证件号码第17位不符：请核对。"))
        for m in f.members
        if id_ok(m) and ("M" if int(m["id_number"][16]) % 2 else "F") != m.get("sex")
    ]


@batch_of("Q-M-005")
def _sex_batch(fr: Frames) -> ir.Table:
    m = fr.members
    digit = ibis.ifelse(id_ok_expr(m), m.id_number.substr(16, 1), "0").cast("int64")
    from_id = ibis.ifelse(digit % 2 == 1, "M", "F")
    return member_hits(m, id_ok_expr(m) & (from_id != m.sex))
