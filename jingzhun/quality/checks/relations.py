"""Relations within a household: one head, spouses, generations, relation and sex.

See :mod:`jingzhun.quality.checks` for how a check is defined."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
from django.utils.translation import gettext, gettext_noop

from jingzhun.quality.checks.base import (
    DATA_PROBLEMS_DOC,
    ERROR,
    HOUSEHOLD,
    MEMBER,
    OLDER_GENERATION,
    RELATION_SEX,
    WARNING,
    YOUNGER_GENERATION,
    EntryHit,
    Facts,
    Frames,
    batch_of,
    check,
    household_hits,
    member_hits,
)

# --- relations --------------------------------------------------------------------------------


def _one_head(fr: Frames) -> ir.Table:
    m = fr.members
    heads = m.filter(m.relation == "head")
    return (
        heads.group_by("household_id")
        .aggregate(n=heads.count(), head_sex=heads.sex.max(), head_birth=heads.birth_date.max())
        .filter(lambda t: t.n == 1)
        .select(hh_id="household_id", head_sex="head_sex", head_birth="head_birth")
    )


@check(
    "Q-M-030",
    gettext_noop("配偶与户主性别相同"),
    severity=ERROR,
    level=MEMBER,
    fields=("relation", "sex"),
    rationale=f"“配偶”应与户主性别不同（{DATA_PROBLEMS_DOC}）。",
    field="relation",
)
def _spouse_entry(f: Facts) -> list[EntryHit]:
    if len(f.heads) != 1:
        return []
    head = f.heads[0]
    return [
        (m, gettext("配偶与户主性别相同：请核对与户主关系或性别。"))
        for m in f.members
        if m.get("relation") == "spouse" and m.get("sex") == head.get("sex")
    ]


@batch_of("Q-M-030")
def _spouse_batch(fr: Frames) -> ir.Table:
    m, head = fr.members, _one_head(fr)
    j = m.join(head, m.household_id == head.hh_id)
    return member_hits(j, (j.relation == "spouse") & (j.sex == j.head_sex))


@check(
    "Q-M-031",
    gettext_noop("与户主关系与年龄不符"),
    severity=WARNING,
    level=MEMBER,
    fields=("relation", "birth_date"),
    rationale=gettext_noop("子女、孙辈不应比户主年长；父母、祖父母不应比户主年轻。"),
    field="relation",
)
def _generation_entry(f: Facts) -> list[EntryHit]:
    if len(f.heads) != 1 or f.heads[0].get("birth_date") is None:
        return []
    head_birth = f.heads[0]["birth_date"]
    hits: list[EntryHit] = []
    for m in f.members:
        birth = m.get("birth_date")
        if birth is None:
            continue
        if m.get("relation") in YOUNGER_GENERATION and birth < head_birth:
            hits.append((m, gettext("晚辈比户主年长：请核对与户主关系或出生日期。")))
        elif m.get("relation") in OLDER_GENERATION and birth > head_birth:
            hits.append((m, gettext("长辈比户主年轻：请核对与户主关系或出生日期。")))
    return hits


@batch_of("Q-M-031")
def _generation_batch(fr: Frames) -> ir.Table:
    m, head = fr.members, _one_head(fr)
    j = m.join(head, m.household_id == head.hh_id)
    return member_hits(
        j,
        (j.relation.isin(YOUNGER_GENERATION) & (j.birth_date < j.head_birth))
        | (j.relation.isin(OLDER_GENERATION) & (j.birth_date > j.head_birth)),
    )


@check(
    "Q-M-032",
    gettext_noop("与户主关系与性别矛盾"),
    severity=ERROR,
    level=MEMBER,
    fields=("relation", "sex"),
    rationale=gettext_noop("“之子”“之女婿”“之父”等关系本身决定性别。"),
    field="relation",
)
def _relation_sex_entry(f: Facts) -> list[EntryHit]:
    return [
        (m, gettext("与户主关系与性别矛盾：请核对。"))
        for m in f.members
        if m.get("relation") in RELATION_SEX and RELATION_SEX[m["relation"]] != m.get("sex")
    ]


@batch_of("Q-M-032")
def _relation_sex_batch(fr: Frames) -> ir.Table:
    m = fr.members
    wrong = ibis.literal(False)
    for relation, sex in RELATION_SEX.items():
        wrong = wrong | ((m.relation == relation) & (m.sex != sex))
    return member_hits(m, wrong)


@check(
    "Q-H-001",
    gettext_noop("户主人数不是一人"),
    severity=ERROR,
    level=HOUSEHOLD,
    fields=("relation",),
    rationale=gettext_noop("每户有且只有一名户主。"),
    field="members",
)
def _heads_entry(f: Facts) -> list[EntryHit]:
    n = len(f.heads)
    return [] if n == 1 else [(None, gettext("本户登记了%(n)s名户主：应有且只有一名。") % {"n": n})]


@batch_of("Q-H-001")
def _heads_batch(fr: Frames) -> ir.Table:
    h, m = fr.households, fr.members
    heads = m.filter(m.relation == "head")
    counts = heads.group_by("household_id").aggregate(n=heads.count()).rename(ch_id="household_id")
    j = h.left_join(counts, h.id == counts.ch_id)
    return household_hits(j, j.n.fill_null(0) != 1)
