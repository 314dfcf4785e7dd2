"""Entry-time quality warnings: the catalogue's checks on one household, in plain Python.

The registry's household page and the import preview call these; nothing is stored. The same
checks run in batch (jingzhun.quality.batch) with the same results on the same data.

Village checks (level ``village``) are not part of a household's warnings: they need every
household of the village. :func:`village_findings_for_data` evaluates them over the plain dicts
of a whole village (the property test compares it with the batch run); pages show their
findings from the latest batch run.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from jingzhun.analytics.schema import TABLES
from jingzhun.quality.checks import Facts, VillageFacts, age_on, runnable_checks, village_checks
from jingzhun.quality.context import CheckContext, default_year
from jingzhun.registry.models import Conditions, Household, Income, Measures, Member, RiskFactor

Row = dict[str, Any]


@dataclass(frozen=True)
class Finding:
    code: str
    title: str
    severity: str  # "error" or "warning"
    level: str
    field: str  # the form field the warning belongs beside
    message: str  # Chinese, naming the fix
    household_id: int | None
    member_id: int | None  # None for household findings (or members not yet stored)
    member_index: int | None  # position in the members list given (import preview rows)
    member_name: str = ""
    village_code: str = ""  # set for village findings (which have no household)

    @property
    def key(self) -> tuple[str, int | None, int | None]:
        return (self.code, self.household_id, self.member_id)


def facts_from_data(
    household: Row,
    members: Iterable[Row],
    incomes: Iterable[Row] = (),
    risks: Iterable[Row] = (),
    conditions: Iterable[Row] = (),
    *,
    ctx: CheckContext,
    duplicate_keys: frozenset[tuple[str, str]] = frozenset(),
    measures: Iterable[Row] = (),
) -> Facts:
    members = [{**m, "age": age_on(m.get("birth_date"), ctx.as_of)} for m in members]
    income = next((i for i in incomes if int(i["year"]) == ctx.year), None)
    cond = next((c for c in conditions if int(c["year"]) == ctx.year), None)
    aid = next((a for a in measures if int(a["year"]) == ctx.year), None)
    county = (household.get("village_code") or "")[:6]
    return Facts(
        household=household,
        members=members,
        income=income,
        conditions=cond,
        risks=list(risks),
        params=ctx.params_for(county),
        year=ctx.year,
        duplicate_keys=duplicate_keys,
        measures=aid,
    )


def findings_for_data(
    household: Row,
    members: Iterable[Row],
    incomes: Iterable[Row] = (),
    risks: Iterable[Row] = (),
    conditions: Iterable[Row] = (),
    *,
    year: int | None = None,
    ctx: CheckContext | None = None,
    duplicate_keys: frozenset[tuple[str, str]] = frozenset(),
    measures: Iterable[Row] = (),
) -> list[Finding]:
    """Findings for a household given as plain dicts (the snapshot's column names; see
    docs/snapshot.md) — usable before anything is stored, e.g. in an import preview.
    ``duplicate_keys`` lists (ID type, number) pairs already used elsewhere."""
    ctx = ctx or CheckContext(year=year or default_year())
    members = list(members)
    own = _own_duplicates(members)
    facts = facts_from_data(
        household,
        members,
        incomes,
        risks,
        conditions,
        ctx=ctx,
        duplicate_keys=frozenset(duplicate_keys) | own,
        measures=measures,
    )
    index = {id(m): n for n, m in enumerate(facts.members)}
    found: list[Finding] = []
    for check in runnable_checks():
        assert check.entry is not None
        for member, message in check.entry(facts):
            found.append(
                Finding(
                    code=check.code,
                    title=check.title,
                    severity=check.severity,
                    level=check.level,
                    field=check.field,
                    message=message,
                    household_id=household.get("id"),
                    member_id=member.get("id") if member else None,
                    member_index=index.get(id(member)) if member else None,
                    member_name=str(member.get("name", "")) if member else "",
                )
            )
    return found


def _own_duplicates(members: list[Row]) -> frozenset[tuple[str, str]]:
    seen: set[tuple[str, str]] = set()
    dups: set[tuple[str, str]] = set()
    for m in members:
        if m.get("id_number"):
            key = (m.get("id_type"), m["id_number"])
            (dups if key in seen else seen).add(key)
    return frozenset(dups)


def _columns(table: str) -> list[str]:
    return [c.orm for c in TABLES[table]]


def household_data(household: Household) -> dict[str, Any]:
    """One stored household as the dicts the checks read (6 queries, none per member)."""
    h = Household.objects.filter(pk=household.pk).values(*_columns("households")).get()
    members = list(
        Member.objects.filter(household=household, is_deleted=False)
        .order_by("id")
        .values(*_columns("members"), "name")
    )
    return {
        "household": h,
        "members": members,
        "incomes": list(Income.objects.filter(household=household).values(*_columns("incomes"))),
        "risks": list(RiskFactor.objects.filter(household=household).values(*_columns("risks"))),
        "conditions": list(
            Conditions.objects.filter(household=household).values(*_columns("conditions"))
        ),
        "measures": list(
            Measures.objects.filter(household=household).values(*_columns("measures"))
        ),
    }


def findings_for_household(household: Household, *, year: int | None = None) -> list[Finding]:
    """Entry-time findings for a stored household (the registry's 数据质量提示 panel)."""
    return findings_for_stored(household_data(household), household_id=household.pk, year=year)


def findings_for_stored(
    data: dict[str, Any], *, household_id: int, year: int | None = None
) -> list[Finding]:
    """Entry-time findings for a stored household already loaded as the checks' dicts (the
    household page loads it once): one more query, for ID numbers registered elsewhere."""
    keys = [(m["id_type"], m["id_number"]) for m in data["members"] if m["id_number"]]
    elsewhere: frozenset[tuple[str, str]] = frozenset()
    if keys:
        match = Q()
        for id_type, number in keys:
            match |= Q(id_type=id_type, id_number=number)
        elsewhere = frozenset(
            Member.objects.filter(match, is_deleted=False, household__is_deleted=False)
            .exclude(household_id=household_id)
            .values_list("id_type", "id_number")
        )
    return findings_for_data(**data, year=year, duplicate_keys=elsewhere)


def village_findings_for_data(
    households: Sequence[dict[str, Any]],
    *,
    year: int | None = None,
    ctx: CheckContext | None = None,
) -> list[Finding]:
    """The village checks over households given as plain dicts (each like
    :func:`household_data`'s result: ``household``, ``members``, ``incomes``, ``risks``,
    ``conditions``, ``measures``), grouped by their village: every household of a village must
    be given for its findings to mean anything. Findings carry the village code, no household."""
    ctx = ctx or CheckContext(year=year or default_year())
    by_village: dict[str, list[Facts]] = {}
    for data in households:
        facts = facts_from_data(**data, ctx=ctx)
        code = str(data["household"].get("village_code") or "")
        by_village.setdefault(code, []).append(facts)
    found: list[Finding] = []
    for code, facts in sorted(by_village.items()):
        village = VillageFacts(code, facts, ctx.params_for(code[:6]), ctx.year)
        for check in village_checks():
            assert check.entry is not None
            for _, message in check.entry(village):
                found.append(
                    Finding(
                        code=check.code,
                        title=check.title,
                        severity=check.severity,
                        level=check.level,
                        field=check.field,
                        message=message,
                        household_id=None,
                        member_id=None,
                        member_index=None,
                        village_code=code,
                    )
                )
    return found
