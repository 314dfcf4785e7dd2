"""Registering many new households at once (an import of a county's ledger).

:func:`do_create_households` is the bulk form of ``do_create_household`` + ``do_add_member`` per
member + ``do_set_income`` + ``do_set_conditions`` + ``do_set_measures``
(jingzhun.registry.actions): the SAME
validation functions, the same stored values and the same audit entries (one per record, with
the same action names and changes), but a constant number of queries per batch instead of about
ten per member. A household with any refusal is held back whole and reported; the others are
written. Everything happens in the caller's transaction; a unique-constraint race (another user
registering the same 户编号 or ID number between the checks and the insert) raises
``IntegrityError`` and the caller falls back to the one-by-one actions.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from jingzhun.areas.models import Area
from jingzhun.audit import recorder
from jingzhun.core.actions import Actor, jsonable
from jingzhun.core.bulk_insert import insert_rows
from jingzhun.core.names import normalize_name
from jingzhun.registry import choices as c
from jingzhun.registry import validation
from jingzhun.registry.actions import (
    SPOUSE_SAME_SEX,
    _check_village,
    _normalise_household_data,
    _normalise_member_data,
    conditions_errors,
)
from jingzhun.registry.income import derive
from jingzhun.registry.models import (
    Conditions,
    Household,
    Income,
    Measures,
    Member,
    RiskFactor,
)
from jingzhun.registry.scoping import ensure_can_edit
from jingzhun.registry.search_keys import household_keys, member_keys

logger = logging.getLogger(__name__)
Errors = dict[str, list[str]]


@dataclass
class NewHousehold:
    """One household to register, with everything entered for it."""

    village: Area
    data: dict[str, Any]
    members: list[dict[str, Any]]
    risks: list[tuple[str, str]] = field(default_factory=list)
    income: dict[str, Any] | None = None  # the income's input fields (元)
    conditions: dict[str, Any] | None = None
    measures: dict[str, Any] | None = None  # the year's 帮扶措施
    household_size: int | None = None  # 当年家庭人口数; default: the number of members
    key: Any = None  # the caller's reference, returned with a refusal


@dataclass
class Prepared:
    item: NewHousehold
    values: dict[str, Any]
    risks: list[tuple[str, str]]
    members: list[dict[str, Any]]
    income: dict[str, Any] | None
    conditions: dict[str, Any] | None
    measures: dict[str, Any] | None


@dataclass
class Refusal:
    key: Any
    errors: Errors

    @property
    def message(self) -> str:
        return "；".join(m for ms in self.errors.values() for m in ms)


def _add(errors: Errors, key: str, message: str) -> None:
    errors.setdefault(key, []).append(message)


def _prepare_members(item: NewHousehold, errors: Errors) -> list[dict[str, Any]]:
    """``do_add_member``'s checks for each member, the others of the household being the ones
    listed before it (the head first: callers list members in entry order)."""
    members: list[dict[str, Any]] = []
    head_sex = None
    for position, data in enumerate(item.members, start=1):
        values = _normalise_member_data(data)
        values.setdefault("id_type", c.IdType.RESIDENT_ID)
        member_errors, clean = validation.check_member(values)
        values.update(clean)
        who = values.get("name") or f"第{position}名成员"
        if values.get("relation") == c.Relation.HEAD:
            if head_sex is not None:
                _add(member_errors, "relation", "该户已有户主：一户只能有一名户主。")
            head_sex = values.get("sex") or ""
        elif values.get("relation") == c.Relation.SPOUSE and head_sex == values.get("sex"):
            _add(member_errors, "relation", SPOUSE_SAME_SEX)
        for name, messages in member_errors.items():
            for message in messages:
                _add(
                    errors,
                    f"member.{position}.{name}",
                    validation.prefixed(f"成员{who}：", message),
                )
        members.append(values)
    return members


def _prepare(item: NewHousehold, year: int | None) -> tuple[Prepared, Errors]:
    errors: Errors = {}
    values = _normalise_household_data(item.data)
    risks = [(k, (r or "").strip()) for k, r in item.risks]
    for name, messages in validation.check_household(values, risks).items():
        errors.setdefault(name, []).extend(messages)
    members = _prepare_members(item, errors)
    income = None
    if item.income is not None:
        size = item.household_size or len(members) or None
        income_errors, clean = validation.check_income(year, size, item.income)
        for name, messages in income_errors.items():
            errors.setdefault(f"income.{name}", []).extend(messages)
        if not income_errors:
            clean.pop("year")
            size_value = clean.pop("household_size")
            income = {**clean, **derive(clean, size_value), "household_size": size_value}
    conditions = None
    if item.conditions is not None:
        condition_errors, conditions = conditions_errors(int(year or 0), item.conditions)
        for name, messages in condition_errors.items():
            errors.setdefault(f"conditions.{name}", []).extend(messages)
    measures = None
    if item.measures is not None:
        measure_errors, measures = validation.check_measures(year, item.measures)
        measures.pop("year", None)
        for name, messages in measure_errors.items():
            errors.setdefault(f"measures.{name}", []).extend(messages)
    return Prepared(item, values, risks, members, income, conditions, measures), errors


def _clashes(prepared: list[tuple[Prepared, Errors]]) -> None:
    """The uniqueness checks of the one-by-one actions, one query each for the whole batch:
    户编号 already registered or repeated, ID numbers already registered or repeated."""
    numbers = Counter(p.values.get("number") for p, _ in prepared)
    stored_numbers = set(
        Household.objects.filter(number__in=[n for n in numbers if n]).values_list(
            "number", flat=True
        )
    )
    ids = Counter(
        (m.get("id_type"), m.get("id_number"))
        for p, _ in prepared
        for m in p.members
        if m.get("id_number")
    )
    stored_ids: dict[tuple[str, str], str] = {}
    for id_type, number, household_number in Member.objects.filter(
        id_number__in=sorted({n for _, n in ids}), is_deleted=False
    ).values_list("id_type", "id_number", "household__number"):
        stored_ids[(id_type, number)] = household_number
    for p, errors in prepared:
        number = p.values.get("number")
        if number in stored_numbers:
            _add(
                errors, "number", f"户编号{number}已存在：同一户不能重复登记，请检索后修改原记录。"
            )
        elif number and numbers[number] > 1:
            _add(errors, "number", f"户编号{number}在本批中出现了多次：同一户只能登记一次。")
        for position, m in enumerate(p.members, start=1):
            key = (m.get("id_type"), m.get("id_number"))
            if not key[1]:
                continue
            if key in stored_ids:
                _add(
                    errors,
                    f"member.{position}.id_number",
                    f"成员{m.get('name')}：该证件号码已登记在户编号{stored_ids[key]}："
                    "一人只能在一户登记，请先在原户办理减员。",
                )
            elif ids[key] > 1:
                _add(
                    errors,
                    f"member.{position}.id_number",
                    f"成员{m.get('name')}：证件号码{key[1]}在本批中出现了多次：一人只能登记一次。",
                )


# Reading back the ids of rows just inserted: by a range (one cheap query) and then the natural
# key, since on PostgreSQL another transaction's rows may interleave with ours in the range.


def _household_ids(numbers: list[str], after: int) -> dict[str, int]:
    wanted = set(numbers)
    rows = Household.objects.filter(id__gt=after).values_list("number", "id")
    return {number: pk for number, pk in rows.iterator(chunk_size=5000) if number in wanted}


def _member_ids(household_of_row: list[int]) -> list[int]:
    """The ids of the member rows just inserted, in insertion order (given each row's household):
    within a household, ids ascend in insertion order."""
    wanted = set(household_of_row)
    if not wanted:
        return []
    stored: dict[int, list[int]] = {}
    rows = Member.objects.filter(
        household_id__gte=min(wanted), household_id__lte=max(wanted)
    ).order_by("id")
    for pk, household_id in rows.values_list("id", "household_id").iterator(chunk_size=5000):
        if household_id in wanted:
            stored.setdefault(household_id, []).append(pk)
    taken: Counter[int] = Counter()
    ids = []
    for household_id in household_of_row:
        ids.append(stored[household_id][taken[household_id]])
        taken[household_id] += 1
    return ids


def _year_ids(model: Any, household_ids: Iterable[int], year: int | None) -> dict[int, int]:
    wanted = set(household_ids)
    if not wanted:
        return {}
    rows = model.objects.filter(
        household_id__gte=min(wanted), household_id__lte=max(wanted), year=year
    )
    return {
        h: pk
        for pk, h in rows.values_list("id", "household_id").iterator(chunk_size=5000)
        if h in wanted
    }


_AS_IS = (str, int, bool)  # stored in the audit trail unchanged (see jsonable)


def _created(values: dict[str, Any], skip: tuple[Any, ...] = ("", None)) -> dict[str, Any]:
    """The changes a creating action records: ``{field: [None, value]}``."""
    return {
        k: [None, v if type(v) in _AS_IS else jsonable(v)]
        for k, v in values.items()
        if v not in skip
    }


@transaction.atomic
def do_create_households(
    *,
    actor: Actor,
    items: list[NewHousehold],
    year: int | None = None,
    reason: str = "",
    flag_inconsistent: bool = False,
) -> list[Refusal]:
    """Register ``items`` (new households with their members and the ``year``'s income and
    conditions). Returns the refused ones; the others are written, each with the audit entries
    the one-by-one actions write. ``flag_inconsistent`` as for ``do_create_household``."""
    ensure_can_edit(actor.user)
    for village in {item.village.pk: item.village for item in items}.values():
        _check_village(actor, village)
    prepared = [_prepare(item, year) for item in items]
    _clashes(prepared)
    if flag_inconsistent:
        prepared = [(p, validation.refusals(errors)) for p, errors in prepared]
    refusals = [Refusal(p.item.key, errors) for p, errors in prepared if errors]
    accepted = [p for p, errors in prepared if not errors]
    if not accepted:
        return refusals
    now = timezone.now()
    households = []
    for p in accepted:
        head = next((m["name"] for m in p.members if m.get("relation") == c.Relation.HEAD), "")
        households.append(
            {
                **p.values,
                "village_id": p.item.village.pk,
                "village_code": p.item.village.code,
                "created_by": actor.user,
                "updated_by": actor.user,
                "head_name": head,
                "head_name_norm": normalize_name(head),
                **household_keys(p.values.get("number", ""), p.values.get("phone", "")),
                "member_count": len(p.members),
                # do_add_member bumps the household's version once per member.
                "version": 1 + len(p.members),
            }
        )
    before = Household.objects.aggregate(m=Max("id"))["m"] or 0
    insert_rows(Household, households)
    ids = _household_ids([h["number"] for h in households], before)
    # (the row to store, the values do_add_member records as its changes)
    members = [
        (
            values
            | {"household_id": ids[p.values["number"]]}
            | member_keys(values["name"], values.get("id_number", ""), values.get("phone", "")),
            values,
        )
        for p in accepted
        for values in p.members
    ]
    insert_rows(Member, (row for row, _ in members))
    member_ids = _member_ids([row["household_id"] for row, _ in members])
    insert_rows(
        RiskFactor,
        (
            {"household_id": ids[p.values["number"]], "position": i, "kind": kind, "remark": remark}
            for p in accepted
            for i, (kind, remark) in enumerate(p.risks, start=1)
        ),
    )
    incomes = [(p, {**p.income, "year": year}) for p in accepted if p.income is not None]
    conditions = [(p, {**p.conditions, "year": year}) for p in accepted if p.conditions is not None]
    measures = [(p, {**p.measures, "year": year}) for p in accepted if p.measures is not None]
    yearly = (
        ("set_income", Income, incomes, ()),
        ("set_conditions", Conditions, conditions, ()),
        # do_set_measures records a new year's non-blank families only.
        ("set_measures", Measures, measures, ("", False)),
    )
    for _, model, pairs, _ in yearly:
        insert_rows(model, ({**row, "household_id": ids[p.values["number"]]} for p, row in pairs))

    def note(action: str, model: Any, pk: int, household_id: int, changes: dict, **kw: Any) -> dict:
        return recorder.entry(
            actor=actor,
            action=action,
            obj=model,
            object_type=model._meta.model_name,
            object_id=pk,
            area_code=village_codes[household_id],
            household=household_id,
            changes=changes,
            at=now,
            **kw,
        )

    village_codes = {ids[h["number"]]: h["village_code"] for h in households}
    # The same entries, in the same order per household, as the one-by-one actions write.
    audit = [
        note(
            "create_household",
            Household,
            ids[p.values["number"]],
            ids[p.values["number"]],
            _created(p.values, ("", None, False))
            | ({"risks": [[], [list(r) for r in p.risks]]} if p.risks else {}),
            # Before any member is added the household's label is its number.
            label=p.values["number"],
        )
        for p in accepted
    ]
    audit += [
        note("add_member", Member, pk, row["household_id"], _created(given), label=given["name"])
        for (row, given), pk in zip(members, member_ids, strict=True)
    ]
    for action, model, pairs, skip in yearly:
        if not pairs:
            continue
        year_ids = _year_ids(model, ids.values(), year)
        label = str(model(year=year))
        for p, row in pairs:
            household_id = ids[p.values["number"]]
            stored = {k: v for k, v in row.items() if k != "year"}
            audit.append(
                note(
                    action,
                    model,
                    year_ids[household_id],
                    household_id,
                    _created(stored, skip),
                    label=label,
                    reason=reason,
                )
            )
    recorder.record_many(audit)
    count = len(households)
    transaction.on_commit(lambda: logger.info("%s households created in bulk", count))
    return refusals
