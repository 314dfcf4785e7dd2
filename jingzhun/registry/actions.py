"""Every change to the registry goes through one of these functions.

Each one: checks the actor's role and scope, validates (raising ``ValidationError`` with
per-field Chinese messages), writes inside one transaction, records the audit entry in that same
transaction, and schedules side effects with ``on_commit``. A refused call changes nothing.
Optimistic locking: callers pass the ``expected_version`` they displayed; if the row moved on,
:class:`ConcurrentEditError` says what the other person changed.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from jingzhun.areas.models import Area, Level
from jingzhun.audit import recorder
from jingzhun.audit.models import AuditEntry, Source
from jingzhun.core.actions import (
    Actor,
    ConcurrentEditError,
    NotFound,
    diff_fields,
    jsonable,
    raise_if_errors,
)
from jingzhun.core.names import clean_display_name, normalize_name
from jingzhun.registry import choices as c
from jingzhun.registry import validation
from jingzhun.registry.income import INPUT_FIELDS, derive
from jingzhun.registry.models import (
    Conditions,
    Household,
    Income,
    Measures,
    Member,
    RiskFactor,
)
from jingzhun.registry.scoping import ensure_can_edit
from jingzhun.registry.search_keys import (
    HOUSEHOLD_SOURCES,
    MEMBER_SOURCES,
    household_keys,
    member_keys,
)

logger = logging.getLogger(__name__)

HOUSEHOLD_FIELDS = (
    "number",
    "address",
    "household_type",
    "identification_standard",
    "poverty_attribute",
    "main_cause",
    "other_cause_1",
    "other_cause_2",
    "cause_remark",
    "phone",
    "bank_name",
    "bank_account",
    "identified_on",
    "exit_year",
    "exited_on",
    "monitoring_category",
    "monitoring_identified_on",
    "risk_eliminated",
    "risk_eliminated_on",
    "elimination_method",
    "no_labour_guarantee",
)
MEMBER_FIELDS = (
    "name",
    "sex",
    "id_type",
    "id_number",
    "birth_date",
    "relation",
    "ethnicity",
    "education",
    "student_status",
    "dropout_reason",
    "health",
    "labour_skill",
    "work_status",
    "work_months",
    "work_place",
    "resident_medical_insurance",
    "employee_medical_insurance",
    "serious_illness_insurance",
    "resident_pension",
    "employee_pension",
    "dibao",
    "tekun",
    "public_welfare_months",
    "phone",
)
CONDITION_FIELDS = tuple(
    f.name
    for f in Conditions._meta.get_fields()
    if f.concrete and f.name not in {"id", "household", "year", "version", "updated_at"}
)


def _normalise_household_data(data: dict[str, Any]) -> dict[str, Any]:
    out = {k: data[k] for k in HOUSEHOLD_FIELDS if k in data}
    for key in ("number", "phone", "bank_account"):
        if key in out and isinstance(out[key], str):
            out[key] = "".join(out[key].split())
    for key, value in list(out.items()):
        if value is None and key not in {
            "identified_on",
            "exit_year",
            "exited_on",
            "monitoring_identified_on",
            "risk_eliminated",
            "risk_eliminated_on",
        }:
            out[key] = "" if key != "no_labour_guarantee" else False
    return out


def _risks_changes(household: Household, risks: list[tuple[str, str]]) -> list[Any] | None:
    old = [[r.kind, r.remark] for r in household.risks.all()] if household.pk else []
    new = [[k, r] for k, r in risks]
    return [old, new] if old != new else None


def _write_risks(household: Household, risks: list[tuple[str, str]]) -> None:
    household.risks.all().delete()
    RiskFactor.objects.bulk_create(
        RiskFactor(household=household, position=i, kind=kind, remark=remark)
        for i, (kind, remark) in enumerate(risks, start=1)
    )


# The spouse's sex is checked against the head's (a quality check lists it in stored data).
SPOUSE_SAME_SEX = validation.Flag("配偶与户主性别相同：请核对性别或与户主关系。", "Q-M-030")


def _to_refuse(errors: dict[str, list[str]], flag_inconsistent: bool) -> dict[str, list[str]]:
    """What the action refuses: everything, or with ``flag_inconsistent`` (imports) only what
    cannot be stored, leaving the inconsistencies to the quality checks that list them."""
    return validation.refusals(errors) if flag_inconsistent else errors


def _check_village(actor: Actor, village: Area) -> None:
    if village.level != Level.VILLAGE:
        raise_if_errors({"village": ["农户必须登记在行政村一级：请选择行政村。"]})
    if actor.user is not None and not village.code.startswith(actor.user.scope_prefix):
        raise_if_errors({"village": ["所选行政村不在您的管辖范围内。"]})


def _check_group(group: Area | None, village: Area) -> None:
    """A household's 村民小组 is a group of its own village."""
    if group is not None and (group.level != Level.GROUP or group.parent_id != village.pk):
        raise_if_errors({"group": [f"“{group.name}”不是{village.name}的村民小组：请重新选择。"]})


@transaction.atomic
def do_create_household(
    *,
    actor: Actor,
    village: Area,
    data: dict[str, Any],
    risks: list[tuple[str, str]] = (),  # type: ignore[assignment]
    flag_inconsistent: bool = False,
    group: Area | None = None,
) -> Household:
    """Register a household. ``flag_inconsistent`` (imports) stores a household whose only
    problems are inconsistencies a quality check lists (:class:`validation.Flag`)."""
    ensure_can_edit(actor.user)
    _check_village(actor, village)
    _check_group(group, village)
    values = _normalise_household_data(data)
    risks = [(k, (r or "").strip()) for k, r in risks]
    errors = validation.check_household(values, risks)
    if values.get("number") and Household.objects.filter(number=values["number"]).exists():
        errors.setdefault("number", []).append(
            f"户编号{values['number']}已存在：同一户不能重复登记，请检索后修改原记录。"
        )
    raise_if_errors(_to_refuse(errors, flag_inconsistent))
    household = Household.objects.create(
        village=village,
        village_code=village.code,
        group=group,
        created_by=actor.user,
        updated_by=actor.user,
        **values,
        **household_keys(values.get("number", ""), values.get("phone", "")),
    )
    _write_risks(household, risks)
    recorder.record(
        actor=actor,
        action="create_household",
        obj=household,
        area_code=village.code,
        household=household,
        changes={k: [None, jsonable(v)] for k, v in values.items() if v not in ("", None, False)}
        | ({"risks": [[], [list(r) for r in risks]]} if risks else {})
        | ({"group": [None, group.code]} if group is not None else {}),
    )
    transaction.on_commit(lambda: logger.info("household %s created", household.pk))
    return household


def concurrent_error(obj: Any, label: str, expected_version: int) -> ConcurrentEditError:
    """Gather what others changed on ``obj`` since ``expected_version`` from the audit trail."""
    entries = AuditEntry.objects.filter(
        object_type=obj._meta.model_name, object_id=str(obj.pk)
    ).order_by("at", "id")
    changes: dict[str, tuple[Any, Any]] = {}
    who = ""
    for entry in entries:
        version = entry.changes.get("version")
        if version and int(version[0]) >= expected_version:
            who = entry.actor_name
            for field, (old, new) in entry.changes.items():
                if field == "version":
                    continue
                first = changes.get(field, (old, new))[0]
                changes[field] = (first, new)
    return ConcurrentEditError(label=label, changes=changes, changed_by=who)


class KEEP:
    """``group=KEEP``: an update that leaves the household's 村民小组 as it is."""


# The household fields only a procedure should change (the final steps in cases/effects.py).
STATUS_FIELDS = (
    "household_type",
    "identified_on",
    "exit_year",
    "exited_on",
    "monitoring_category",
    "monitoring_identified_on",
    "risk_eliminated",
    "risk_eliminated_on",
    "elimination_method",
)
# Sources that change a household directly (a person at a form or a client of the API), as
# opposed to a procedure's final step, an import of the national system's data or the demo.
DIRECT_SOURCES = (Source.FORM, Source.API)


def open_case_number(household: Household) -> str | None:
    """The number of the household's open case (办理中), if any. Read through the reverse
    relation of the cases' foreign key, so the registry does not import the procedures."""
    return household.cases.filter(status="open").values_list("number", flat=True).first()


def _guard_open_case(household: Household, actor: Actor, fields: list[str], what: str) -> None:
    """While a case is open on the household, its status is the case's to change: a direct
    change of ``fields`` (or a deletion) is refused, naming the case."""
    if actor.source not in DIRECT_SOURCES:
        return
    number = open_case_number(household)
    if number:
        message = (
            f"农户{household.number}有办理中的案件{number}：{what}请在该案件中办理，"
            "或待案件办结、撤回后再直接修改。"
        )
        raise_if_errors({field: [message] for field in fields})


@transaction.atomic
def do_update_household(
    household: Household,
    *,
    actor: Actor,
    changes: dict[str, Any],
    expected_version: int,
    risks: list[tuple[str, str]] | None = None,
    village: Area | None = None,
    reason: str = "",
    flag_inconsistent: bool = False,
    group: Area | type[KEEP] | None = KEEP,  # KEEP: unchanged; None: no group
) -> Household:
    ensure_can_edit(actor.user, household)
    if village is not None and village.pk != household.village_id:
        _check_village(actor, village)
    values = _normalise_household_data(changes)
    # First, before the consistency checks: while a case runs, the status is the case's.
    status_changes = [
        f for f in STATUS_FIELDS if f in values and values[f] != getattr(household, f)
    ]
    if status_changes:
        what = "户类型、识别、脱贫、监测和风险消除状态"
        _guard_open_case(household, actor, status_changes[:1], what)
    merged = {k: getattr(household, k) for k in HOUSEHOLD_FIELDS} | values
    risk_list = [(k, (r or "").strip()) for k, r in risks] if risks is not None else None
    check_risks = (
        risk_list if risk_list is not None else [(r.kind, r.remark) for r in household.risks.all()]
    )
    errors = validation.check_household(merged, check_risks)
    if (
        values.get("number")
        and values["number"] != household.number
        and (Household.objects.filter(number=values["number"]).exclude(pk=household.pk).exists())
    ):
        errors.setdefault("number", []).append(f"户编号{values['number']}已被其他农户使用。")
    raise_if_errors(_to_refuse(errors, flag_inconsistent))

    diff = diff_fields(household, values)
    if village is not None and village.pk != household.village_id:
        diff["village"] = [household.village.code, village.code]
        values["village"] = village
        values["village_code"] = village.code
        if group is KEEP and household.group_id is not None:
            group = None  # the old village's group does not follow the household
    if group is not KEEP:
        _check_group(group, village or household.village)  # type: ignore[arg-type]
        new_group = group.pk if group is not None else None  # type: ignore[union-attr]
        if new_group != household.group_id:
            old_code = household.group.code if household.group_id else None
            diff["group"] = [old_code, group.code if group is not None else None]  # type: ignore[union-attr]
            values["group_id"] = new_group
    risk_diff = _risks_changes(household, risk_list) if risk_list is not None else None
    if risk_diff:
        diff["risks"] = risk_diff
    if not diff:
        return household
    # The search keys follow the number and phone (recomputed, not recorded in the audit).
    keys = (
        household_keys(merged["number"], merged["phone"]) if HOUSEHOLD_SOURCES & set(diff) else {}
    )
    updated = Household.objects.filter(
        pk=household.pk, version=expected_version, is_deleted=False
    ).update(
        **{
            k: v
            for k, v in values.items()
            if k in diff or k in {"village", "village_code", "group_id"}
        },
        **keys,
        version=F("version") + 1,
        updated_by=actor.user,
        updated_at=timezone.now(),
    )
    if updated != 1:
        raise concurrent_error(household, f"农户{household.number}", expected_version)
    if risk_diff:
        _write_risks(household, risk_list or [])
    diff["version"] = [expected_version, expected_version + 1]
    household.refresh_from_db()
    recorder.record(
        actor=actor,
        action="update_household",
        obj=household,
        area_code=household.village_code,
        household=household,
        changes=diff,
        reason=reason,
    )
    return household


@transaction.atomic
def do_delete_household(
    household: Household, *, actor: Actor, reason: str, expected_version: int | None = None
) -> None:
    """Soft delete: the row stays, hidden from every scope, with the reason in the audit."""
    ensure_can_edit(actor.user, household)
    if not (reason or "").strip():
        raise_if_errors({"reason": ["删除农户必须填写原因（如：重复登记、户籍迁出、整户死亡）。"]})
    _guard_open_case(household, actor, ["reason"], "删除农户")
    version = household.version if expected_version is None else expected_version
    updated = Household.objects.filter(pk=household.pk, version=version, is_deleted=False).update(
        is_deleted=True,
        deleted_reason=reason.strip()[:200],
        deleted_at=timezone.now(),
        version=F("version") + 1,
        updated_by=actor.user,
    )
    if updated != 1:
        raise concurrent_error(household, f"农户{household.number}", version)
    recorder.record(
        actor=actor,
        action="delete_household",
        obj=household,
        area_code=household.village_code,
        household=household,
        changes={"is_deleted": [False, True], "version": [version, version + 1]},
        reason=reason.strip(),
    )


def _refresh_household_summary(household: Household) -> None:
    """Keep the list's denormalised head name and member count in step with the members."""
    live = Member.objects.filter(household=household, is_deleted=False)
    head = live.filter(relation=c.Relation.HEAD).values_list("name", flat=True).first() or ""
    Household.objects.filter(pk=household.pk).update(
        head_name=head, head_name_norm=normalize_name(head), member_count=live.count()
    )


def _member_errors(
    household: Household, values: dict[str, Any], member: Member | None
) -> dict[str, list[str]]:
    errors, clean = validation.check_member(values)
    values.update(clean)
    others = Member.objects.filter(household=household, is_deleted=False)
    if member is not None:
        others = others.exclude(pk=member.pk)
    if (
        values.get("relation") == c.Relation.HEAD
        and others.filter(relation=c.Relation.HEAD).exists()
    ):
        errors.setdefault("relation", []).append(
            "该户已有户主：一户只能有一名户主。请先把原户主改为其他关系。"
        )
    if values.get("relation") == c.Relation.SPOUSE:
        head_sex = others.filter(relation=c.Relation.HEAD).values_list("sex", flat=True).first()
        if head_sex and head_sex == values.get("sex"):
            errors.setdefault("relation", []).append(SPOUSE_SAME_SEX)
    if values.get("id_number") and "id_number" not in errors:
        clash = (
            Member.objects.filter(
                id_type=values.get("id_type") or c.IdType.RESIDENT_ID,
                id_number=values["id_number"],
                is_deleted=False,
            )
            .exclude(pk=member.pk if member else None)
            .select_related("household")
            .first()
        )
        if clash is not None:
            errors.setdefault("id_number", []).append(
                f"该证件号码已登记在户编号{clash.household.number}：一人只能在一户登记，"
                "请先在原户办理减员。"
            )
    return errors


def _normalise_member_data(data: dict[str, Any]) -> dict[str, Any]:
    values = {k: data[k] for k in MEMBER_FIELDS if k in data}
    if "name" in values:
        values["name"] = clean_display_name(values["name"])
    for key in ("phone", "work_place", "dropout_reason", "education"):
        if key in values and values[key] is None:
            values[key] = ""
    return values


@transaction.atomic
def do_add_member(
    household: Household,
    *,
    actor: Actor,
    data: dict[str, Any],
    flag_inconsistent: bool = False,
) -> Member:
    ensure_can_edit(actor.user, household)
    values = _normalise_member_data(data)
    values.setdefault("id_type", c.IdType.RESIDENT_ID)
    raise_if_errors(_to_refuse(_member_errors(household, values, None), flag_inconsistent))
    try:
        with transaction.atomic():
            member = Member.objects.create(
                household=household,
                **values,
                **member_keys(values["name"], values.get("id_number", ""), values.get("phone", "")),
            )
    except IntegrityError:
        # A concurrent request registered the same ID or a second head between check and write.
        raise_if_errors({"id_number": ["该成员刚被他人同时登记：请刷新页面后核对。"]})
        raise
    _refresh_household_summary(household)
    Household.objects.filter(pk=household.pk).update(version=F("version") + 1)
    recorder.record(
        actor=actor,
        action="add_member",
        obj=member,
        area_code=household.village_code,
        household=household,
        changes={k: [None, jsonable(v)] for k, v in values.items() if v not in ("", None)},
    )
    return member


@transaction.atomic
def do_update_member(
    member: Member,
    *,
    actor: Actor,
    changes: dict[str, Any],
    expected_version: int,
    reason: str = "",
    flag_inconsistent: bool = False,
) -> Member:
    household = member.household
    ensure_can_edit(actor.user, household)
    values = _normalise_member_data(changes)
    merged = {k: getattr(member, k) for k in MEMBER_FIELDS} | values
    errors = _member_errors(household, merged, member)
    raise_if_errors(_to_refuse(errors, flag_inconsistent))
    values = {k: merged[k] for k in MEMBER_FIELDS if k in values or k in validation_derived(values)}
    diff = diff_fields(member, values)
    if not diff:
        return member
    if MEMBER_SOURCES & set(diff):
        # The search keys follow name, ID number and phone (not recorded in the audit).
        values.update(member_keys(merged["name"], merged["id_number"], merged["phone"]))
    try:
        with transaction.atomic():
            updated = Member.objects.filter(
                pk=member.pk, version=expected_version, is_deleted=False
            ).update(**values, version=F("version") + 1, updated_at=timezone.now())
    except IntegrityError:
        raise_if_errors({"relation": ["与其他成员冲突（户主或证件号码重复）：请刷新后核对。"]})
        raise
    if updated != 1:
        raise concurrent_error(member, f"成员{member.name}", expected_version)
    diff["version"] = [expected_version, expected_version + 1]
    member.refresh_from_db()
    _refresh_household_summary(household)
    recorder.record(
        actor=actor,
        action="update_member",
        obj=member,
        area_code=household.village_code,
        household=household,
        changes=diff,
        reason=reason,
    )
    return member


def validation_derived(values: dict[str, Any]) -> set[str]:
    """Fields that a change to the ID number re-derives."""
    return {"id_number", "birth_date", "sex"} if "id_number" in values else set()


@transaction.atomic
def do_remove_member(member: Member, *, actor: Actor, reason: str) -> None:
    """Soft removal (减员: death, marriage out, hukou moved) with the reason recorded."""
    household = member.household
    ensure_can_edit(actor.user, household)
    if not (reason or "").strip():
        raise_if_errors({"reason": ["减员必须填写原因（如：死亡、嫁出、户籍迁出）。"]})
    updated = Member.objects.filter(pk=member.pk, is_deleted=False).update(
        is_deleted=True, deleted_reason=reason.strip()[:200], version=F("version") + 1
    )
    if updated != 1:
        raise NotFound(member.pk)
    _refresh_household_summary(household)
    recorder.record(
        actor=actor,
        action="remove_member",
        obj=member,
        area_code=household.village_code,
        household=household,
        changes={"is_deleted": [False, True]},
        reason=reason.strip(),
    )


def _set_year_record(
    model: Any,
    household: Household,
    *,
    actor: Actor,
    year: int,
    values: dict[str, Any],
    expected_version: int | None,
    reason: str,
    action: str,
    what: str,
    created: dict[str, Any],
) -> Any:
    """Create ``household``'s record of ``year`` (income, conditions, measures), or change it when
    ``expected_version`` (the version the user saw) is given; other years are untouched. A new
    year records ``created`` as its changes; a change records the changed fields."""
    existing = model.objects.filter(household=household, year=year).first()
    if existing is None:
        try:
            with transaction.atomic():
                obj = model.objects.create(household=household, year=year, **values)
        except IntegrityError:
            # Someone entered the same year between our read and our write (two first-time
            # saves at once): the same conflict as a stale version, never a server error.
            raise _created_meanwhile(model, household, year, what) from None
        recorder.record(
            actor=actor,
            action=action,
            obj=obj,
            area_code=household.village_code,
            household=household,
            changes=created,
            reason=reason,
        )
        return obj
    if expected_version is None:
        # Entering a year that someone already entered must not silently overwrite it.
        raise_if_errors(
            {"year": [f"{year}年{what}已录入：请打开该年度修改（需带版本号），以免覆盖他人录入。"]}
        )
    version = expected_version
    diff = diff_fields(existing, values)
    if not diff:
        return existing
    updated = model.objects.filter(pk=existing.pk, version=version).update(
        **values, version=F("version") + 1, updated_at=timezone.now()
    )
    if updated != 1:
        raise concurrent_error(existing, f"{year}年{what}", version)
    diff["version"] = [version, version + 1]
    existing.refresh_from_db()
    recorder.record(
        actor=actor,
        action=action,
        obj=existing,
        area_code=household.village_code,
        household=household,
        changes=diff,
        reason=reason,
    )
    return existing


def _created_meanwhile(model: Any, household: Household, year: int, what: str) -> Exception:
    other = model.objects.filter(household=household, year=year).first()
    entry = (
        AuditEntry.objects.filter(object_type=model._meta.model_name, object_id=str(other.pk))
        .order_by("-at", "-id")
        .first()
        if other is not None
        else None
    )
    return ConcurrentEditError(
        label=f"{year}年{what}", changes={}, changed_by=entry.actor_name if entry else ""
    )


@transaction.atomic
def do_set_income(
    household: Household,
    *,
    actor: Actor,
    year: Any,
    values: dict[str, Any],
    household_size: Any = None,
    expected_version: int | None = None,
    reason: str = "",
) -> Income:
    """Create the income of ``year``, or change it when ``expected_version`` (the version the
    user saw) is given. Other years are untouched (history is kept). ``household_size``
    defaults to the household's current member count."""
    ensure_can_edit(actor.user, household)
    size = household_size if household_size not in (None, "") else household.member_count or None
    errors, clean = validation.check_income(year, size, values)
    raise_if_errors(errors)
    year_value, size_value = clean.pop("year"), clean.pop("household_size")
    derived = derive(clean, size_value)
    new_values = {**clean, **derived, "household_size": size_value}
    return _set_year_record(
        Income,
        household,
        actor=actor,
        year=year_value,
        values=new_values,
        expected_version=expected_version,
        reason=reason,
        action="set_income",
        what="收入",
        created={k: [None, jsonable(v)] for k, v in new_values.items()},
    )


def conditions_errors(year: int, values: dict[str, Any]) -> tuple[dict[str, list[str]], dict]:
    """Refusals for one year's 生产生活条件, and the values to store."""
    errors: dict[str, list[str]] = {}
    now_year = validation.today().year
    if not (validation.FIRST_INCOME_YEAR <= int(year) <= now_year):
        errors["year"] = [f"年度应在{validation.FIRST_INCOME_YEAR}至{now_year}年之间。"]
    clean = {k: values[k] for k in CONDITION_FIELDS if k in values}
    for key, value in clean.items():
        if key.endswith(("_mu", "_km", "_m2")) and value is not None and value < 0:
            errors.setdefault(key, []).append("面积和距离不能为负数。")
    if clean.get("housing_grade") in {"C", "D"} and clean.get("is_dangerous_house") is False:
        errors.setdefault("is_dangerous_house", []).append("危房等级为C或D级时应标注为危房户。")
    if clean.get("is_dangerous_house") and clean.get("housing_grade") in {"A", "B"}:
        errors.setdefault("housing_grade", []).append("危房户的等级应为C或D级。")
    return errors, clean


@transaction.atomic
def do_set_conditions(
    household: Household,
    *,
    actor: Actor,
    year: int,
    values: dict[str, Any],
    expected_version: int | None = None,
    reason: str = "",
) -> Conditions:
    ensure_can_edit(actor.user, household)
    errors, clean = conditions_errors(year, values)
    raise_if_errors(errors)
    return _set_year_record(
        Conditions,
        household,
        actor=actor,
        year=int(year),
        values=clean,
        expected_version=expected_version,
        reason=reason,
        action="set_conditions",
        what="生产生活条件",
        created={k: [None, jsonable(v)] for k, v in clean.items()},
    )


@transaction.atomic
def do_set_measures(
    household: Household,
    *,
    actor: Actor,
    year: Any,
    values: dict[str, Any],
    expected_version: int | None = None,
    reason: str = "",
) -> Any:
    """Create the 帮扶措施 of ``year``, or change them when ``expected_version`` (the version the
    user saw) is given; families left out of ``values`` keep their value (blank for a new
    year). Other years are untouched. Returns the stored :class:`Measures`."""
    ensure_can_edit(actor.user, household)
    errors, clean = validation.check_measures(year, values)
    raise_if_errors(errors)
    year_value = clean.pop("year")
    return _set_year_record(
        Measures,
        household,
        actor=actor,
        year=year_value,
        values=clean,
        expected_version=expected_version,
        reason=reason,
        action="set_measures",
        what="帮扶措施",
        created={k: [None, jsonable(v)] for k, v in clean.items() if v not in ("", False)},
    )


__all__ = [
    "CONDITION_FIELDS",
    "HOUSEHOLD_FIELDS",
    "INPUT_FIELDS",
    "MEMBER_FIELDS",
    "do_add_member",
    "do_create_household",
    "do_delete_household",
    "do_remove_member",
    "do_set_conditions",
    "do_set_income",
    "do_set_measures",
    "do_update_household",
    "do_update_member",
]
