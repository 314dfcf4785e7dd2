"""Village checks: all the households of one village at once (Q-V-…), and the lists of checks.

See :mod:`jingzhun.quality.checks` for how a check is defined."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from decimal import Decimal

import ibis
import ibis.expr.types as ir
from django.utils.translation import gettext_noop

from jingzhun.quality.checks.base import (
    CATALOGUE,
    INCOME_REQUIRED_TYPES,
    VILLAGE,
    WARNING,
    Check,
    EntryHit,
    Frames,
    VillageFacts,
    batch_of,
)

# --- villages: all the households of one village at once ------------------------------------


def village_check(
    code: str,
    title: str,
    *,
    severity: str,
    fields: tuple[str, ...],
    rationale: str,
    parameters: tuple[str, ...] = (),
) -> Callable[[Callable[[VillageFacts], list[EntryHit]]], Callable[[VillageFacts], list[EntryHit]]]:
    """Register a village check with its evaluation over one village's :class:`VillageFacts`;
    :func:`batch_of` adds the batch one, which returns rows ``(village_code, details)``."""

    def register(
        fn: Callable[[VillageFacts], list[EntryHit]],
    ) -> Callable[[VillageFacts], list[EntryHit]]:
        CATALOGUE[code] = Check(
            code, title, severity, VILLAGE, fields, rationale, "", "", fn, None, parameters
        )
        return fn

    return register


@village_check(
    "Q-V-001",
    gettext_noop("村内多户人均纯收入完全相同"),
    severity=WARNING,
    fields=("village_code", "per_capita_net"),
    rationale=gettext_noop(
        "同一村当年人均纯收入精确到分完全相同的户达到政策参数 "
        "village_identical_income_min_households（户数）时，多为照抄、估填或批量填报，"
        "请逐户核实收入。"
    ),
    parameters=("village_identical_income_min_households",),
)
def _same_income_entry(v: VillageFacts) -> list[EntryHit]:
    least = v.params.get("p_same_income_min")
    if least is None:
        return []
    counts = Counter(Decimal(f.income["per_capita_net"]) for f in v.households if f.income)
    groups = [n for n in counts.values() if n >= least]
    if not groups:
        return []
    return [
        (
            None,
            f"{len(groups)}组共{sum(groups)}户的{v.year}年人均纯收入完全相同"
            f"（每组至少{least}户）：请逐户核实，是否照抄或估填。",
        )
    ]


@batch_of("Q-V-001")
def _same_income_batch(fr: Frames) -> ir.Table:
    h = fr.households.select(vh_id="id", vc="village_code", least="p_same_income_min")
    i = fr.incomes.select(ih_id="household_id", pcn="per_capita_net")
    j = i.join(h, i.ih_id == h.vh_id)
    same = j.group_by(["vc", "pcn"]).aggregate(n=j.count(), least=j.least.max())
    same = same.filter(same.least.notnull() & (same.n >= same.least))
    v = same.group_by("vc").aggregate(groups=same.count(), households=same.n.sum())
    return v.select(
        village_code=v.vc,
        details=v.groups.cast("string") + "组共" + v.households.cast("string") + "户收入相同",
    )


@village_check(
    "Q-V-002",
    gettext_noop("村内当年收入未录入比例过高"),
    severity=WARNING,
    fields=("village_code", "household_type", "incomes"),
    rationale=gettext_noop(
        "村内脱贫户和监测户中缺少当年收入的户所占比例超过政策参数 "
        "village_missing_income_max_share（%）时，多为整村未完成收入录入，监测线比对无从谈起。"
    ),
    parameters=("village_missing_income_max_share",),
)
def _missing_income_entry(v: VillageFacts) -> list[EntryHit]:
    share = v.params.get("p_missing_income_pct")
    required = [
        f for f in v.households if f.household.get("household_type") in INCOME_REQUIRED_TYPES
    ]
    if share is None or not required:
        return []
    missing = sum(1 for f in required if f.income is None)
    if missing * 100 <= share * len(required):
        return []
    return [
        (
            None,
            f"脱贫户和监测户{len(required)}户中{missing}户缺少{v.year}年收入，超过{share}%："
            "请督促本村完成收入录入。",
        )
    ]


@batch_of("Q-V-002")
def _missing_income_batch(fr: Frames) -> ir.Table:
    h = fr.households.filter(fr.households.household_type.isin(INCOME_REQUIRED_TYPES))
    i = fr.incomes.select(ih_id="household_id").distinct()
    j = h.left_join(i, h.id == i.ih_id)
    g = j.group_by("village_code").aggregate(
        total=j.count(),
        missing=j.count(where=j.ih_id.isnull()),
        share=j.p_missing_income_pct.max(),
    )
    g = g.filter(g.share.notnull() & (g.missing * 100 > g.share * g.total))
    return g.select(
        village_code=g.village_code,
        details=g.missing.cast("string") + "/" + g.total.cast("string") + f"户缺少{fr.year}年收入",
    )


def village_findings_expr(frames: Frames, checks: Iterable[Check] | None = None) -> ir.Table | None:
    """The village checks' findings (default: every runnable village check) in the shape of the
    batch result: ``check_code, household_id`` (null), ``member_id`` (null), ``village_code,
    details``. None when no village check is selected."""
    selected = [c for c in (village_checks() if checks is None else checks) if c.per_village]
    parts = []
    for check in selected:
        assert check.batch is not None
        part = check.batch(frames)
        parts.append(
            part.select(
                check_code=ibis.literal(check.code),
                household_id=ibis.null().cast("int64"),
                member_id=ibis.null().cast("int64"),
                village_code=part.village_code.cast("string"),
                details=part.details.cast("string"),
            )
        )
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else ibis.union(*parts, distinct=True)


def runnable_checks() -> list[Check]:
    """The checks evaluated household by household (member and household level): entry-time
    warnings, import previews and the batch union. Village checks: :func:`village_checks`."""
    return [c for c in CATALOGUE.values() if c.runnable and not c.per_village]


def village_checks() -> list[Check]:
    """The runnable village checks (evaluated per village, in batch runs)."""
    return [c for c in CATALOGUE.values() if c.runnable and c.per_village]


def catalogue() -> list[Check]:
    return sorted(CATALOGUE.values(), key=lambda c: c.code)
