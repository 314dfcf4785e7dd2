"""Every write of relocation: resettlement sites, a household's relocation record, its members'
jobs after the move and its follow-up support (后续扶持).

Each action checks role and scope, validates (``ValidationError`` with a Chinese message per
field naming the fix), writes in one transaction with its audit entry, and changes nothing when
it refuses. Arguments are plain keyword values — dates as ``date`` or ``"2018-06-30"``, numbers
as numbers or text, value lists as codes or their Chinese labels, yes/no as ``bool`` or 是/否 —
so that a spreadsheet row importer can call the actions with the cells it read and show the
refusals as they come.

The relocation record is the one source of truth of a move: recording or changing it writes
是否易地扶贫搬迁户, 搬迁方式, 安置方式 and 安置点 into the registry's 生产生活条件 of every year
entered from the year of the move on, through :func:`jingzhun.registry.actions.do_set_conditions`
in the same transaction (docs/relocation.md).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Sum
from django.utils import timezone, translation

from jingzhun.accounts.roles import RELOCATION_WRITERS, SITE_MANAGERS
from jingzhun.areas.models import Area, Level
from jingzhun.audit import recorder
from jingzhun.core.actions import (
    Actor,
    ConcurrentEditError,
    NotFound,
    PermissionDenied,
    diff_fields,
    jsonable,
    raise_if_errors,
)
from jingzhun.policy.parameters import value as parameter
from jingzhun.registry import actions as registry_actions
from jingzhun.registry.models import Conditions, Household, Member
from jingzhun.relocation import choices as c
from jingzhun.relocation.models import (
    JOB_LABEL,
    MEASURE_LABEL,
    RELOCATION_LABEL,
    FollowUpMeasure,
    MemberJob,
    Relocation,
    ResettlementSite,
)

SYNC_REASON = "易地扶贫搬迁记录同步"
Errors = dict[str, list[str]]


def today() -> dt.date:
    return timezone.localdate()


# --- reading plain values ------------------------------------------------------------------------


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _date(errors: Errors, field: str, value: Any, *, required: bool) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    if not text:
        if required:
            errors.setdefault(field, []).append("请填写日期（如 2018-06-30）。")
        return None
    try:
        return dt.date.fromisoformat(text.replace("/", "-").replace(".", "-"))
    except ValueError:
        errors.setdefault(field, []).append(f"“{text}”不是日期，请按 2018-06-30 的格式填写。")
        return None


def _int(errors: Errors, field: str, value: Any, *, minimum: int = 0) -> int | None:
    text = _text(value)
    if not text:
        errors.setdefault(field, []).append("请填写数字。")
        return None
    try:
        number = int(Decimal(text))
    except (InvalidOperation, ValueError):
        errors.setdefault(field, []).append(f"“{text}”不是整数。")
        return None
    if number < minimum:
        errors.setdefault(field, []).append(f"应不小于{minimum}。")
        return None
    return number


def _decimal(errors: Errors, field: str, value: Any, *, required: bool) -> Decimal | None:
    text = _text(value)
    if not text:
        if required:
            errors.setdefault(field, []).append("请填写数字。")
        return None
    try:
        number = Decimal(text.replace(",", ""))
    except InvalidOperation:
        errors.setdefault(field, []).append(f"“{text}”不是数字。")
        return None
    if number < 0:
        errors.setdefault(field, []).append("不能为负数。")
        return None
    return number.quantize(Decimal("0.01"))


YES = {"是", "yes", "true", "1", "y"}
NO = {"否", "no", "false", "0", "n", ""}


def _bool(errors: Errors, field: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in YES:
        return True
    if text in NO:
        return False
    errors.setdefault(field, []).append(f"“{value}”应填“是”或“否”。")
    return False


def _choice(
    errors: Errors, field: str, value: Any, choices: Any, *, required: bool, what: str
) -> str:
    """A value-list entry given as its code or its Chinese label."""
    text = _text(value)
    if not text:
        if required:
            errors.setdefault(field, []).append(f"请选择{what}。")
        return ""
    # Labels are read in Chinese whatever the interface language (a spreadsheet, a command).
    with translation.override("zh-hans"):
        labels = [(str(code), str(label)) for code, label in choices.choices]
    for code, label in labels:
        if text in (code, label):
            return code
    allowed = "、".join(label for _, label in labels)
    errors.setdefault(field, []).append(f"“{text}”不是有效的{what}，应为：{allowed}。")
    return ""


def _zh(choices: Any, code: str) -> str:
    """A value-list label in Chinese (audit labels are stored in Chinese, shown translated)."""
    with translation.override("zh-hans"):
        return str(dict(choices.choices)[code])


# --- who may write -------------------------------------------------------------------------------


def _ensure_writer(actor: Actor, household: Household) -> None:
    """Scope first (outside: NotFound, as if absent), then the role."""
    user = actor.user
    if user is None:
        return  # the system itself (the demo loader)
    if not household.village_code.startswith(user.scope_prefix):
        raise NotFound(household.pk)
    if user.role not in RELOCATION_WRITERS:
        raise PermissionDenied(f"角色“{user.get_role_display()}”只能查看，不能录入易地搬迁信息。")


def _ensure_site_manager(actor: Actor, area_code: str) -> None:
    user = actor.user
    if user is None:
        return
    if not area_code.startswith(user.scope_prefix):
        raise NotFound(area_code)
    if user.role not in SITE_MANAGERS:
        raise PermissionDenied("只有乡镇审核员、县级审批员和管理员可以维护集中安置点。")


# --- resettlement sites --------------------------------------------------------------------------

SITE_FIELDS = (
    "name",
    "resettlement_type",
    "capacity_households",
    "capacity_people",
    "built_year",
    "services",
    "managing_unit",
)


def _site_values(values: dict[str, Any]) -> tuple[Errors, dict[str, Any]]:
    errors: Errors = {}
    clean: dict[str, Any] = {}
    if "name" in values:
        clean["name"] = _text(values["name"])[:100]
        if not clean["name"]:
            errors["name"] = ["请填写安置点名称。"]
    if "resettlement_type" in values:
        clean["resettlement_type"] = _choice(
            errors,
            "resettlement_type",
            values["resettlement_type"],
            c.ResettlementType,
            required=True,
            what="安置方式",
        )
    for field in ("capacity_households", "capacity_people"):
        if field in values:
            clean[field] = _int(errors, field, values[field], minimum=1)
    if "built_year" in values:
        year = _int(errors, "built_year", values["built_year"], minimum=1)
        if year is not None and year > today().year:
            errors.setdefault("built_year", []).append(
                f"建成年度不能晚于今年（{today().year}年）；未建成的安置点请建成后再录入。"
            )
        clean["built_year"] = year
    if "services" in values:
        raw = values["services"] or []
        if isinstance(raw, str):
            raw = [s for s in raw.replace("，", "、").replace(",", "、").split("、") if s.strip()]
        services: list[str] = []
        for item in raw:
            code = _choice(errors, "services", item, c.SiteService, required=True, what="配套设施")
            if code and code not in services:
                services.append(code)
        order = list(c.SiteService.values)
        clean["services"] = sorted(services, key=order.index)
    if "managing_unit" in values:
        clean["managing_unit"] = _text(values["managing_unit"])[:100]
        if not clean["managing_unit"]:
            errors["managing_unit"] = ["请填写管理单位（如：某某社区居委会）。"]
    return errors, clean


def occupancy(site: ResettlementSite, *, excluding: int | None = None) -> tuple[int, int]:
    """(households, people at the move) resettled at ``site`` (``excluding`` one relocation)."""
    qs = Relocation.objects.filter(site=site)
    if excluding is not None:
        qs = qs.exclude(pk=excluding)
    row = qs.aggregate(n=Count("id"), people=Sum("people"))
    return row["n"] or 0, row["people"] or 0


def do_create_site(
    *,
    actor: Actor,
    area: Area,
    name: Any,
    resettlement_type: Any,
    capacity_households: Any,
    capacity_people: Any,
    built_year: Any,
    managing_unit: Any,
    services: Any = (),
) -> ResettlementSite:
    """A resettlement site in ``area`` (a township or a village; a county for a site in the
    county town)."""
    _ensure_site_manager(actor, area.code)
    errors, clean = _site_values(
        {
            "name": name,
            "resettlement_type": resettlement_type,
            "capacity_households": capacity_households,
            "capacity_people": capacity_people,
            "built_year": built_year,
            "services": services,
            "managing_unit": managing_unit,
        }
    )
    if area.level not in (Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE):
        errors.setdefault("area", []).append("安置点应位于县、乡镇或行政村。")
    if (
        clean.get("name")
        and ResettlementSite.objects.filter(area=area, name=clean["name"]).exists()
    ):
        errors.setdefault("name", []).append(f"{area.name}已有名为“{clean['name']}”的安置点。")
    raise_if_errors(errors)
    with transaction.atomic():
        site = ResettlementSite.objects.create(area=area, area_code=area.code, **clean)
        recorder.record(
            actor=actor,
            action="create_resettlement_site",
            obj=site,
            area_code=site.area_code,
            changes={k: [None, jsonable(v)] for k, v in clean.items()}
            | {"area": [None, area.code]},
        )
    return site


def do_update_site(
    site: ResettlementSite, *, actor: Actor, expected_version: int, reason: str = "", **values: Any
) -> ResettlementSite:
    """Change a site's fields (any of :data:`SITE_FIELDS`). A capacity below the households or
    people already resettled there is refused."""
    _ensure_site_manager(actor, site.area_code)
    unknown = sorted(set(values) - set(SITE_FIELDS))
    if unknown:
        raise_if_errors({"": [f"不能修改的字段：{'、'.join(unknown)}。"]})
    errors, clean = _site_values(values)
    households, people = occupancy(site)
    if clean.get("capacity_households") is not None and clean["capacity_households"] < households:
        errors.setdefault("capacity_households", []).append(
            f"该安置点已安置{households}户，设计安置户数不能少于此数。"
        )
    if clean.get("capacity_people") is not None and clean["capacity_people"] < people:
        errors.setdefault("capacity_people", []).append(
            f"该安置点已安置{people}人，设计安置人数不能少于此数。"
        )
    built = clean.get("built_year")
    if built is not None:
        earliest = Relocation.objects.filter(site=site).order_by("moved_on").first()
        if earliest is not None and earliest.moved_on.year < built:
            errors.setdefault("built_year", []).append(
                f"已有农户于{earliest.moved_on}入住，建成年度不能晚于{earliest.moved_on.year}年。"
            )
    name = clean.get("name")
    if (
        name
        and name != site.name
        and ResettlementSite.objects.filter(area_id=site.area_id, name=name).exists()
    ):
        errors.setdefault("name", []).append(f"已有名为“{name}”的安置点。")
    raise_if_errors(errors)
    diff = diff_fields(site, clean)
    if not diff:
        return site
    with transaction.atomic():
        updated = ResettlementSite.objects.filter(pk=site.pk, version=expected_version).update(
            **clean, version=F("version") + 1, updated_at=timezone.now()
        )
        if updated != 1:
            raise ConcurrentEditError(label=f"安置点“{site.name}”")
        site.refresh_from_db()
        if "name" in diff or "resettlement_type" in diff:
            # The registry's 安置点 and 安置方式 of the households there follow the site.
            for relocation in Relocation.objects.filter(site=site).select_related("household"):
                relocation.site = site
                _sync_registry(relocation, actor)
        recorder.record(
            actor=actor,
            action="update_resettlement_site",
            obj=site,
            area_code=site.area_code,
            changes=diff | {"version": [expected_version, expected_version + 1]},
            reason=reason,
        )
    return site


# --- relocation records --------------------------------------------------------------------------

RELOCATION_FIELDS = (
    "moved_on",
    "mode",
    "site",
    "resettlement_type",
    "people",
    "housing_area_m2",
    "whole_village",
    "old_house_demolished",
    "demolished_on",
    "note",
)


def _site_of(errors: Errors, value: Any, household: Household) -> ResettlementSite | None:
    """The site given as a :class:`ResettlementSite`, its id or its name (in the household's
    county). Sites of another county are refused."""
    if value in (None, ""):
        return None
    county = household.village_code[:6]
    in_county = ResettlementSite.objects.filter(area_code__gte=county, area_code__lt=county + ":")
    if isinstance(value, ResettlementSite):
        site = in_county.filter(pk=value.pk).first()
    elif isinstance(value, int) or _text(value).isdigit():
        site = in_county.filter(pk=int(value)).first()
    else:
        found = list(in_county.filter(name=_text(value))[:2])
        if len(found) > 1:
            errors.setdefault("site", []).append(
                f"本县有多个名为“{value}”的安置点，请从列表中选择。"
            )
            return None
        site = found[0] if found else None
    if site is None:
        errors.setdefault("site", []).append(
            f"本县没有安置点“{value}”：请先在“集中安置点”中录入，或选择本县的安置点。"
        )
    return site


def _relocation_values(
    household: Household, values: dict[str, Any], current: Relocation | None
) -> tuple[Errors, dict[str, Any]]:
    """Validate a whole record (``values`` over ``current``'s): the move not in the future, a
    site for 集中安置 and none for 分散安置, the site's capacity, the demolition's date."""
    errors: Errors = {}

    def given(field: str, default: Any) -> Any:
        if field in values:
            return values[field]
        return getattr(current, field) if current is not None else default

    moved_on = _date(errors, "moved_on", given("moved_on", None), required=True)
    now = today()
    if moved_on is not None and moved_on > now:
        errors.setdefault("moved_on", []).append(
            f"搬迁入住日期{moved_on}晚于今天（{now}）：请填写实际入住的日期，尚未搬迁的农户入住后再录入。"
        )
    mode = _choice(
        errors, "mode", given("mode", ""), c.RelocationMode, required=True, what="搬迁方式"
    )
    site = _site_of(errors, given("site", None), household)
    if mode == c.RelocationMode.CENTRALISED and site is None and "site" not in errors:
        errors.setdefault("site", []).append("集中安置须选择安置点。")
    if mode == c.RelocationMode.DISPERSED and site is not None:
        errors.setdefault("site", []).append(
            "分散安置没有集中安置点：请清空安置点，或改为集中安置。"
        )
    resettlement_type = _choice(
        errors,
        "resettlement_type",
        given("resettlement_type", ""),
        c.ResettlementType,
        required=False,
        what="安置方式",
    )
    if site is not None:
        if resettlement_type and resettlement_type != site.resettlement_type:
            errors.setdefault("resettlement_type", []).append(
                f"安置方式应与安置点一致（{site.get_resettlement_type_display()}）。"
            )
        resettlement_type = site.resettlement_type
        if moved_on is not None and moved_on.year < site.built_year:
            errors.setdefault("moved_on", []).append(
                f"安置点“{site.name}”{site.built_year}年建成，入住日期不能早于建成年度。"
            )
    people_value = given("people", None)
    if people_value in (None, ""):
        people_value = household.member_count
    people = _int(errors, "people", people_value, minimum=1)
    housing = _decimal(errors, "housing_area_m2", given("housing_area_m2", None), required=True)
    whole_village = _bool(errors, "whole_village", given("whole_village", False))
    demolished = _bool(errors, "old_house_demolished", given("old_house_demolished", False))
    demolished_on = _date(errors, "demolished_on", given("demolished_on", None), required=False)
    if demolished and demolished_on is None and "demolished_on" not in errors:
        errors.setdefault("demolished_on", []).append("旧房已拆除复垦时请填写拆旧复垦日期。")
    if not demolished and demolished_on is not None:
        errors.setdefault("demolished_on", []).append(
            "未拆旧复垦时不应填写日期：请清空日期，或勾选“旧房已拆除复垦”。"
        )
    if demolished_on is not None and demolished_on > now:
        errors.setdefault("demolished_on", []).append(f"拆旧复垦日期不能晚于今天（{now}）。")
    if demolished_on is not None and moved_on is not None and demolished_on < moved_on:
        errors.setdefault("demolished_on", []).append("拆旧复垦日期不能早于搬迁入住日期。")
    if site is not None and people is not None and not errors:
        # Refused, never silently: a site's design capacity is what its houses hold.
        households_there, people_there = occupancy(
            site, excluding=current.pk if current is not None else None
        )
        if households_there + 1 > site.capacity_households:
            errors.setdefault("site", []).append(
                f"安置点“{site.name}”设计安置{site.capacity_households}户，已安置"
                f"{households_there}户，已满：请选择其他安置点，或由乡镇、县核实后调整设计安置户数。"
            )
        if people_there + people > site.capacity_people:
            errors.setdefault("site", []).append(
                f"安置点“{site.name}”设计安置{site.capacity_people}人，已安置{people_there}人，"
                f"再安置本户{people}人将超出：请选择其他安置点，或由乡镇、县核实后调整设计安置人数。"
            )
    clean = {
        "moved_on": moved_on,
        "mode": mode,
        "site": site,
        "resettlement_type": resettlement_type,
        "people": people,
        "housing_area_m2": housing,
        "whole_village": whole_village,
        "old_house_demolished": demolished,
        "demolished_on": demolished_on,
        "note": _text(given("note", ""))[:200],
    }
    return errors, clean


def registry_values(relocation: Relocation) -> dict[str, Any]:
    """The registry's 生产生活条件 fields as the relocation record says they are."""
    return {
        "is_relocated": True,
        "relocation_mode": relocation.mode,
        "resettlement_type": relocation.resettlement_type,
        "resettlement_site": relocation.site.name if relocation.site_id else "",
    }


def _sync_registry(relocation: Relocation, actor: Actor) -> int:
    """Write :func:`registry_values` into each 生产生活条件 year entered from the year of the
    move on, through the registry's action; returns how many years changed. Years not yet
    entered are not created (that would invent a year's land, water and housing)."""
    wanted = registry_values(relocation)
    changed = 0
    household = relocation.household
    rows = Conditions.objects.filter(household=household, year__gte=relocation.moved_on.year)
    for row in rows.order_by("year"):
        if all(getattr(row, k) == v for k, v in wanted.items()):
            continue
        registry_actions.do_set_conditions(
            household,
            actor=actor,
            year=row.year,
            values=wanted,
            expected_version=row.version,
            reason=SYNC_REASON,
        )
        changed += 1
    return changed


def do_record_relocation(
    *,
    actor: Actor,
    household: Household,
    moved_on: Any,
    mode: Any,
    housing_area_m2: Any,
    site: Any = None,
    resettlement_type: Any = "",
    people: Any = None,
    whole_village: Any = False,
    old_house_demolished: Any = False,
    demolished_on: Any = None,
    note: Any = "",
    reason: str = "",
) -> Relocation:
    """Record ``household``'s move (its village now is its 迁出村) and write the registry's
    relocation fields. ``people`` defaults to the household's current size. A household has one
    relocation record: a second is refused (change the first)."""
    _ensure_writer(actor, household)
    if household.is_deleted:
        raise NotFound(household.pk)
    values = {
        "moved_on": moved_on,
        "mode": mode,
        "site": site,
        "resettlement_type": resettlement_type,
        "people": people,
        "housing_area_m2": housing_area_m2,
        "whole_village": whole_village,
        "old_house_demolished": old_house_demolished,
        "demolished_on": demolished_on,
        "note": note,
    }
    errors, clean = _relocation_values(household, values, None)
    if Relocation.objects.filter(household=household).exists():
        errors.setdefault("household", []).append(
            f"户{household.number}已有搬迁记录：请打开该记录修改，不要重复录入。"
        )
    raise_if_errors(errors)
    with transaction.atomic():
        try:
            with transaction.atomic():
                relocation = Relocation.objects.create(
                    household=household,
                    origin_village_id=household.village_id,
                    origin_village_code=household.village_code,
                    created_by=actor.user,
                    **clean,
                )
        except IntegrityError:
            raise ConcurrentEditError(label=f"户{household.number}的搬迁记录") from None
        relocation.household = household
        recorder.record(
            actor=actor,
            action="record_relocation",
            obj=relocation,
            area_code=household.village_code,
            household=household,
            changes={k: [None, jsonable(v)] for k, v in clean.items() if v not in (None, "", False)}
            | {"origin_village": [None, household.village_code]},
            reason=reason,
            label=RELOCATION_LABEL,
        )
        _sync_registry(relocation, actor)
    return relocation


def do_update_relocation(
    relocation: Relocation,
    *,
    actor: Actor,
    expected_version: int,
    reason: str = "",
    **values: Any,
) -> Relocation:
    """Change a relocation record (any of :data:`RELOCATION_FIELDS`); the whole record is checked
    again and the registry's fields follow it."""
    household = relocation.household
    _ensure_writer(actor, household)
    unknown = sorted(set(values) - set(RELOCATION_FIELDS))
    if unknown:
        raise_if_errors({"": [f"不能修改的字段：{'、'.join(unknown)}。"]})
    errors, clean = _relocation_values(household, values, relocation)
    raise_if_errors(errors)
    diff = diff_fields(relocation, clean)
    if not diff:
        return relocation
    with transaction.atomic():
        updated = Relocation.objects.filter(pk=relocation.pk, version=expected_version).update(
            **clean, version=F("version") + 1, updated_at=timezone.now()
        )
        if updated != 1:
            raise ConcurrentEditError(label=f"户{household.number}的搬迁记录")
        relocation.refresh_from_db()
        relocation.household = household
        recorder.record(
            actor=actor,
            action="update_relocation",
            obj=relocation,
            area_code=household.village_code,
            household=household,
            changes=diff | {"version": [expected_version, expected_version + 1]},
            reason=reason,
            label=RELOCATION_LABEL,
        )
        _sync_registry(relocation, actor)
    return relocation


def do_sync_registry(relocation: Relocation, *, actor: Actor) -> int:
    """Bring the registry's relocation fields back in line with the record (after a year's
    生产生活条件 was entered or imported with other values). Returns the years changed."""
    _ensure_writer(actor, relocation.household)
    with transaction.atomic():
        return _sync_registry(relocation, actor)


# --- jobs ----------------------------------------------------------------------------------------


def do_set_member_job(
    relocation: Relocation,
    *,
    actor: Actor,
    member: Member | int | str,
    employed: Any,
    place: Any = "",
    channel: Any = "",
    employer: Any = "",
    since: Any = None,
    expected_version: int | None = None,
) -> MemberJob:
    """Record whether a member of the relocated household works, where, since when and how the
    job was found. One row per member: the first call creates it, later ones change it (with
    ``expected_version``). A member of another household, or below the minimum working age
    (``labour_age_min``) with a job, is refused."""
    household = relocation.household
    _ensure_writer(actor, household)
    errors: Errors = {}
    member_id = member.pk if isinstance(member, Member) else member
    person = (
        Member.objects.filter(
            pk=int(member_id), household_id=household.pk, is_deleted=False
        ).first()
        if str(member_id).isdigit()
        else None
    )
    if person is None:
        raise_if_errors(
            {"member": [f"该成员不是户{household.number}的在册家庭成员：请选择本户的成员。"]}
        )
    assert person is not None
    is_employed = _bool(errors, "employed", employed)
    clean: dict[str, Any] = {"employed": is_employed}
    now = today()
    if is_employed:
        clean["place"] = _choice(errors, "place", place, c.JobPlace, required=True, what="就业地点")
        clean["channel"] = _choice(
            errors, "channel", channel, c.JobChannel, required=True, what="就业渠道"
        )
        clean["employer"] = _text(employer)[:100]
        clean["since"] = _date(errors, "since", since, required=True)
        if clean["since"] is not None and clean["since"] > now:
            errors.setdefault("since", []).append(f"就业起始日期不能晚于今天（{now}）。")
        minimum = int(parameter("labour_age_min", on=now, area_code=household.village_code).value)
        if person.age_on(now) < minimum:
            errors.setdefault("member", []).append(
                f"{person.name}未满{minimum}周岁，不能登记为就业（参数 labour_age_min）。"
            )
    else:
        # Not working: where and how are cleared, so no old job lingers in the figures.
        clean |= {"place": "", "channel": "", "employer": "", "since": None}
    raise_if_errors(errors)
    label = JOB_LABEL % {"name": person.name}
    with transaction.atomic():
        existing = MemberJob.objects.filter(member=person).first()
        if existing is not None and existing.relocation_id != relocation.pk:
            raise_if_errors({"member": ["该成员的就业记录属于另一条搬迁记录。"]})
        if existing is None:
            try:
                with transaction.atomic():
                    job = MemberJob.objects.create(relocation=relocation, member=person, **clean)
            except IntegrityError:
                raise ConcurrentEditError(label=label) from None
            changes = {k: [None, jsonable(v)] for k, v in clean.items() if v not in (None, "")}
            recorder.record(
                actor=actor,
                action="record_member_job",
                obj=job,
                area_code=household.village_code,
                household=household,
                changes=changes,
                label=label,
            )
            return job
        else:
            if expected_version is None:
                raise_if_errors(
                    {"member": [f"{person.name}的就业情况已录入：请打开后修改，以免覆盖他人录入。"]}
                )
            changes = diff_fields(existing, clean)
            if not changes:
                return existing
            updated = MemberJob.objects.filter(pk=existing.pk, version=expected_version).update(
                **clean, version=F("version") + 1, updated_at=timezone.now()
            )
            if updated != 1:
                raise ConcurrentEditError(label=label)
            job = MemberJob.objects.get(pk=existing.pk)
            changes["version"] = [expected_version, expected_version + 1]
        recorder.record(
            actor=actor,
            action="update_member_job",
            obj=job,
            area_code=household.village_code,
            household=household,
            changes=changes,
            label=label,
        )
    return job


# --- follow-up support ---------------------------------------------------------------------------


def do_add_followup_measure(
    relocation: Relocation,
    *,
    actor: Actor,
    kind: Any,
    on: Any,
    amount: Any = None,
    note: Any = "",
    aim: Any = "",
) -> FollowUpMeasure:
    """A follow-up measure (后续扶持) the household received. Its aim (稳得住、能融入、有就业)
    follows from the kind; for 其他 it must be given."""
    household = relocation.household
    _ensure_writer(actor, household)
    errors: Errors = {}
    code = _choice(errors, "kind", kind, c.MeasureKind, required=True, what="扶持措施")
    if code and code != c.MeasureKind.OTHER:
        aim_code = c.MEASURE_AIMS[code]
    else:
        aim_code = _choice(errors, "aim", aim, c.MeasureAim, required=bool(code), what="扶持目标")
    day = _date(errors, "on", on, required=True)
    now = today()
    if day is not None and day > now:
        errors.setdefault("on", []).append(f"实施日期不能晚于今天（{now}）。")
    if day is not None and day < relocation.moved_on:
        errors.setdefault("on", []).append(
            f"后续扶持应在搬迁入住（{relocation.moved_on}）之后：请核对日期。"
        )
    money = _decimal(errors, "amount", amount, required=False)
    text = _text(note)[:200]
    if code == c.MeasureKind.OTHER and not text:
        errors.setdefault("note", []).append("措施为“其他”时请说明具体内容。")
    raise_if_errors(errors)
    with transaction.atomic():
        measure = FollowUpMeasure.objects.create(
            relocation=relocation, kind=code, aim=aim_code, on=day, amount=money, note=text
        )
        recorder.record(
            actor=actor,
            action="add_followup_measure",
            obj=measure,
            area_code=household.village_code,
            household=household,
            changes={
                k: [None, jsonable(v)]
                for k, v in {
                    "kind": code,
                    "aim": aim_code,
                    "on": day,
                    "amount": money,
                    "note": text,
                }.items()
                if v not in (None, "")
            },
            label=MEASURE_LABEL % {"kind": _zh(c.MeasureKind, code)},
        )
    return measure
