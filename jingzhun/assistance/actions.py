"""Every write of the assistance work: cadres and their pairings, village work-team posts and
their presence, visits (with the risk signal a finding raises) and the items of a household's
yearly plan. Each checks role and scope, validates with messages naming the field and the fix,
writes in one transaction with its audit entries, and changes nothing when it refuses.

Importers call these with plain keyword arguments, row by row.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation

from jingzhun.accounts.roles import ASSISTANCE_MANAGERS, VISIT_RECORDERS
from jingzhun.areas.models import Area, Level
from jingzhun.assistance.models import (
    PAIRING_LABEL,
    POST_LABEL,
    VISIT_LABEL,
    Cadre,
    CheckItem,
    Pairing,
    PlanItem,
    Presence,
    SignalStatus,
    TeamPost,
    TeamRole,
    Visit,
    VisitKind,
    VisitPhoto,
)
from jingzhun.audit import recorder
from jingzhun.cases import actions as case_actions
from jingzhun.cases.choices import CaseStatus, CaseType, Channel
from jingzhun.cases.procedures import procedure_for
from jingzhun.core.actions import (
    Actor,
    ConcurrentEditError,
    PermissionDenied,
    date_value,
    ensure_area,
    ensure_role,
    jsonable,
    raise_if_errors,
    text_value,
)
from jingzhun.policy import parameters
from jingzhun.projects.choices import FundSource
from jingzhun.projects.models import Project
from jingzhun.registry import actions as registry_actions
from jingzhun.registry import choices as c
from jingzhun.registry.models import MEASURE_FIELDS, Household, Measures

Errors = dict[str, list[str]]
PHOTO_TYPES = {".jpg", ".jpeg", ".png", ".webp", ".heic"}
PHOTO_MAX_BYTES = 10 * 1024 * 1024
PHOTOS_MAX = 6
FOLLOW_UPS_MAX = 10


def today() -> dt.date:
    return timezone.localdate()


# --- who may act ---------------------------------------------------------------------------------


def _not_future(errors: Errors, key: str, label: str, day: dt.date | None) -> None:
    if day and day > today():
        errors.setdefault(key, []).append(f"{label}{day}晚于今天：请填写实际日期。")


def _amount(values: Mapping[str, Any], errors: Errors, key: str, label: str) -> Decimal | None:
    raw = values.get(key)
    if raw in (None, ""):
        return None
    try:
        amount = Decimal(str(raw).replace(",", "").strip())
    except InvalidOperation:
        errors.setdefault(key, []).append(f"{label}“{raw}”不是金额：请填写数字（元）。")
        return None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
        errors.setdefault(key, []).append(f"{label}“{raw}”超出范围：请填写0到1万亿元之间的金额。")
        return None
    return amount.quantize(Decimal("0.01"))


def _version(model: type, obj: Any, expected_version: int | None) -> None:
    """Bump the version, refusing when someone changed the record since it was read."""
    if expected_version is None:
        expected_version = obj.version
    updated = model.objects.filter(pk=obj.pk, version=int(expected_version)).update(
        version=F("version") + 1
    )
    if not updated:
        raise ConcurrentEditError(obj)
    obj.version = int(expected_version) + 1


# --- cadres and pairings -------------------------------------------------------------------------


def do_save_cadre(
    *,
    actor: Actor,
    values: Mapping[str, Any],
    cadre: Cadre | None = None,
    expected_version: int | None = None,
) -> Cadre:
    """Create a cadre (``cadre`` None) or change one. ``values``: name, unit, position, phone,
    area (an Area or its code: a county or township in the actor's area), active."""
    ensure_role(actor, ASSISTANCE_MANAGERS, "登记帮扶责任人")
    assert actor.user is not None
    if cadre is not None:
        ensure_area(actor, cadre.area_code, cadre.pk)
    errors: Errors = {}
    clean: dict[str, Any] = {
        "name": text_value(values, errors, "name", "姓名", size=64),
        "unit": text_value(values, errors, "unit", "工作单位", size=100),
        "position": text_value(values, errors, "position", "职务", size=64, required=False),
        "phone": text_value(values, errors, "phone", "联系电话", size=20, required=False),
        "active": values.get("active", True) not in (False, "0", "false", "否", ""),
    }
    area = values.get("area") or (cadre.area if cadre else actor.user.area)
    if not isinstance(area, Area):
        area = Area.objects.filter(code=str(area).strip()).first()
    if area is None or area.level not in (Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE):
        errors.setdefault("area", []).append("帮扶范围应为本县的县、乡镇或行政村。")
    elif not area.code.startswith(actor.user.scope_prefix):
        errors.setdefault("area", []).append(f"“{area.name}”不在您的辖区内：请选择辖区内的地区。")
    raise_if_errors(errors)
    assert isinstance(area, Area)
    clean["area"] = area
    clean["area_code"] = area.code
    with transaction.atomic():
        if cadre is None:
            cadre = Cadre.objects.create(**clean)
            changes = {k: [None, jsonable(v)] for k, v in clean.items() if k != "area"}
            recorder.record(
                actor=actor,
                action="create_cadre",
                obj=cadre,
                area_code=cadre.area_code,
                changes=changes,
            )
            return cadre
        else:
            changes = {
                k: [jsonable(getattr(cadre, k)), jsonable(v)]
                for k, v in clean.items()
                if k != "area" and getattr(cadre, k) != v
            }
            _version(Cadre, cadre, expected_version)
            for k, v in clean.items():
                setattr(cadre, k, v)
            cadre.save(update_fields=[*clean.keys()])
            recorder.record(
                actor=actor,
                action="update_cadre",
                obj=cadre,
                area_code=cadre.area_code,
                changes=changes,
            )
    return cadre


def current_pairings(cadre: Cadre, on: dt.date) -> int:
    """Households paired with ``cadre`` on ``on``."""
    return Pairing.objects.filter(cadre=cadre, started_on__lte=on).exclude(ended_on__lte=on).count()


def cadre_limit(cadre: Cadre, on: dt.date) -> int:
    return parameters.value("cadre_household_limit", on=on, area_code=cadre.area_code).as_int()


def do_pair_household(
    *,
    actor: Actor,
    cadre: Cadre,
    household: Household,
    started_on: Any,
    reason: str = "",
) -> Pairing:
    """Make ``cadre`` the household's assistance cadre from ``started_on``. A current pairing
    with another cadre ends that day (history is kept); pairing the same cadre again changes
    nothing. Refused: a household outside the cadre's area, a date in the future or before the
    current pairing began, a cadre who is not in post or already has as many households as the
    limit allows (parameter cadre_household_limit)."""
    ensure_role(actor, ASSISTANCE_MANAGERS, "安排结对帮扶")
    ensure_area(actor, household.village_code, household.pk)
    ensure_area(actor, cadre.area_code, cadre.pk)
    errors: Errors = {}
    on = date_value({"started_on": started_on}, errors, "started_on", "结对日期")
    _not_future(errors, "started_on", "结对日期", on)
    if household.is_deleted:
        errors.setdefault("household", []).append(f"农户{household.number}已删除，不能结对。")
    if not household.village_code.startswith(cadre.area.scope_prefix):
        errors.setdefault("household", []).append(
            f"农户{household.number}不在帮扶责任人{cadre.name}的帮扶范围（{cadre.area.name}）内："
            "请选择该范围内的农户，或先调整帮扶责任人的帮扶范围。"
        )
    if not cadre.active:
        errors.setdefault("cadre", []).append(f"{cadre.name}已不在职，不能新增结对。")
    raise_if_errors(errors)
    assert on is not None
    with transaction.atomic():
        current = (
            Pairing.objects.select_for_update()
            .filter(household=household, ended_on__isnull=True)
            .select_related("cadre")
            .first()
        )
        if current is not None and current.cadre_id == cadre.pk:
            return current
        if current is not None and on < current.started_on:
            raise_if_errors(
                {
                    "started_on": [
                        f"该户现由{current.cadre.name}自{current.started_on}起帮扶："
                        "新的结对日期不能早于这一天。"
                    ]
                }
            )
        limit = cadre_limit(cadre, on)
        held = current_pairings(cadre, on)
        if held >= limit:
            raise_if_errors(
                {
                    "cadre": [
                        f"{cadre.name}已结对{held}户，达到每人{limit}户的上限"
                        "（参数“每名帮扶责任人结对户数上限”）：请安排其他帮扶责任人。"
                    ]
                }
            )
        label = PAIRING_LABEL % {"cadre": cadre.name, "number": household.number}
        if current is not None:
            current.ended_on = on
            current.end_reason = reason or "更换帮扶责任人"
            current.save(update_fields=["ended_on", "end_reason"])
        pairing = Pairing.objects.create(
            cadre=cadre, household=household, village_code=household.village_code, started_on=on
        )
        recorder.record(
            actor=actor,
            action="pair_household",
            obj=pairing,
            area_code=household.village_code,
            household=household,
            label=label,
            reason=reason,
            changes={
                "cadre": [current.cadre.name if current else None, cadre.name],
                "started_on": [None, on.isoformat()],
            },
        )
    return pairing


def do_end_pairing(*, actor: Actor, pairing: Pairing, ended_on: Any, reason: str) -> Pairing:
    """End a current pairing (the household leaves the registry's care, the cadre leaves)."""
    ensure_role(actor, ASSISTANCE_MANAGERS, "结束结对帮扶")
    ensure_area(actor, pairing.village_code, pairing.pk)
    errors: Errors = {}
    on = date_value({"ended_on": ended_on}, errors, "ended_on", "结束日期")
    _not_future(errors, "ended_on", "结束日期", on)
    if on and on < pairing.started_on:
        errors.setdefault("ended_on", []).append(f"结束日期不能早于结对日期{pairing.started_on}。")
    if not str(reason or "").strip():
        errors.setdefault("reason", []).append("请写明结束结对的原因。")
    raise_if_errors(errors)
    with transaction.atomic():
        updated = Pairing.objects.filter(pk=pairing.pk, ended_on__isnull=True).update(
            ended_on=on, end_reason=str(reason).strip()[:200]
        )
        if not updated:
            raise_if_errors({"ended_on": ["该结对已经结束。"]})
        pairing.refresh_from_db()
        recorder.record(
            actor=actor,
            action="end_pairing",
            obj=pairing,
            area_code=pairing.village_code,
            household=pairing.household,
            label=PAIRING_LABEL % {"cadre": pairing.cadre.name, "number": pairing.household.number},
            reason=str(reason).strip(),
            changes={"ended_on": [None, jsonable(on)]},
        )
    return pairing


# --- village work teams --------------------------------------------------------------------------


def _post_values(values: Mapping[str, Any], errors: Errors) -> dict[str, Any]:
    clean: dict[str, Any] = {
        "name": text_value(values, errors, "name", "姓名", size=64),
        "sending_unit": text_value(values, errors, "sending_unit", "派出单位", size=100),
        "phone": text_value(values, errors, "phone", "联系电话", size=20, required=False),
        "term_start": date_value(values, errors, "term_start", "任期开始"),
        "term_end": date_value(values, errors, "term_end", "任期届满"),
    }
    role = str(values.get("role") or "").strip()
    with translation.override("zh-hans"):
        by_label = {str(label): code for code, label in TeamRole.choices}
    role = by_label.get(role, role)
    if role not in TeamRole.values:
        labels = "、".join(by_label)
        errors.setdefault("role", []).append(f"职务“{role}”无效：应为{labels}之一。")
    clean["role"] = role
    _not_future(errors, "term_start", "任期开始", clean["term_start"])
    if clean["term_start"] and clean["term_end"] and clean["term_end"] <= clean["term_start"]:
        errors.setdefault("term_end", []).append("任期届满日期应晚于任期开始日期。")
    return clean


def do_appoint_team_member(
    *,
    actor: Actor,
    village: Area,
    values: Mapping[str, Any],
    replaces: TeamPost | None = None,
) -> TeamPost:
    """Post a person to a village's work team or as its first secretary. With ``replaces``, the
    replaced post ends the day the new one starts (history kept). A village has one first
    secretary at a time."""
    ensure_role(actor, ASSISTANCE_MANAGERS, "选派驻村工作队员")
    ensure_area(actor, village.code, village.pk)
    errors: Errors = {}
    if village.level != Level.VILLAGE:
        errors.setdefault("village", []).append(f"“{village.name}”不是行政村：请选择行政村。")
    clean = _post_values(values, errors)
    if replaces is not None:
        ensure_area(actor, replaces.village_code, replaces.pk)
        if replaces.village_code != village.code:
            errors.setdefault("replaces", []).append("被接替的队员应在同一个村。")
        elif replaces.ended_on is not None:
            errors.setdefault("replaces", []).append(
                f"{replaces.name}已于{replaces.ended_on}离岗，不能再被接替。"
            )
        elif clean["term_start"] and clean["term_start"] <= replaces.term_start:
            errors.setdefault("term_start", []).append(
                f"接替者的任期开始应晚于{replaces.name}的任期开始（{replaces.term_start}）。"
            )
    raise_if_errors(errors)
    with transaction.atomic():
        if replaces is not None:
            ended = TeamPost.objects.filter(pk=replaces.pk, ended_on__isnull=True).update(
                ended_on=clean["term_start"], end_reason="轮换接替", version=F("version") + 1
            )
            if not ended:
                raise ConcurrentEditError(replaces)
        if clean["role"] == TeamRole.FIRST_SECRETARY:
            sitting = TeamPost.objects.filter(
                village_code=village.code, role=TeamRole.FIRST_SECRETARY, ended_on__isnull=True
            ).first()
            if sitting is not None:
                raise_if_errors(
                    {
                        "role": [
                            f"{village.name}的第一书记{sitting.name}仍在岗：请以“接替”选派新的"
                            "第一书记，或先登记其离岗。"
                        ]
                    }
                )
        post = TeamPost.objects.create(
            village=village, village_code=village.code, replaces=replaces, **clean
        )
        recorder.record(
            actor=actor,
            action="appoint_team_member",
            obj=post,
            area_code=village.code,
            label=POST_LABEL
            % {"village": village.name, "role": post.get_role_display(), "name": post.name},
            changes={
                **{k: [None, jsonable(v)] for k, v in clean.items()},
                **({"replaces": [None, replaces.name]} if replaces else {}),
            },
        )
    return post


def do_end_team_post(*, actor: Actor, post: TeamPost, ended_on: Any, reason: str) -> TeamPost:
    """Record that a team member left the village (end of term, recall)."""
    ensure_role(actor, ASSISTANCE_MANAGERS, "登记驻村工作队员离岗")
    ensure_area(actor, post.village_code, post.pk)
    errors: Errors = {}
    on = date_value({"ended_on": ended_on}, errors, "ended_on", "离岗日期")
    _not_future(errors, "ended_on", "离岗日期", on)
    if on and on <= post.term_start:
        errors.setdefault("ended_on", []).append(f"离岗日期应晚于任期开始（{post.term_start}）。")
    if not str(reason or "").strip():
        errors.setdefault("reason", []).append("请写明离岗原因。")
    raise_if_errors(errors)
    with transaction.atomic():
        if not TeamPost.objects.filter(pk=post.pk, ended_on__isnull=True).update(
            ended_on=on, end_reason=str(reason).strip()[:200], version=F("version") + 1
        ):
            raise_if_errors({"ended_on": [f"{post.name}已经离岗。"]})
        post.refresh_from_db()
        recorder.record(
            actor=actor,
            action="end_team_post",
            obj=post,
            area_code=post.village_code,
            label=POST_LABEL
            % {"village": post.village.name, "role": post.get_role_display(), "name": post.name},
            reason=str(reason).strip(),
            changes={"ended_on": [None, jsonable(on)]},
        )
    return post


def do_record_presence(
    *, actor: Actor, post: TeamPost, year: Any, month: Any, days: Any
) -> Presence:
    """Record (or correct) a team member's days in post for one month."""
    ensure_role(actor, ASSISTANCE_MANAGERS, "登记在岗天数")
    ensure_area(actor, post.village_code, post.pk)
    errors: Errors = {}
    try:
        y, m, d = int(year), int(month), int(days)
    except (TypeError, ValueError):
        raise_if_errors({"days": ["年度、月份和在岗天数应为整数。"]})
        raise AssertionError from None
    if not 1 <= m <= 12:
        errors.setdefault("month", []).append(f"月份{m}无效：应为1到12。")
    elif not 2000 <= y <= 2100:
        errors.setdefault("year", []).append(f"年度{y}无效：请写四位年份。")
    else:
        first, length = dt.date(y, m, 1), calendar.monthrange(y, m)[1]
        if first > today():
            errors.setdefault("month", []).append(f"{y}年{m}月还没有到：不能登记在岗天数。")
        if not 0 <= d <= length:
            errors.setdefault("days", []).append(f"{y}年{m}月只有{length}天：请填写0到{length}。")
        if first + dt.timedelta(days=length) <= post.term_start or (
            post.ended_on and first >= post.ended_on
        ):
            errors.setdefault("month", []).append(f"{post.name}在{y}年{m}月不在任期内。")
    raise_if_errors(errors)
    with transaction.atomic():
        old = Presence.objects.filter(post=post, year=y, month=m).first()
        if old is not None and old.days == d:
            return old
        row, _created = Presence.objects.update_or_create(
            post=post, year=y, month=m, defaults={"days": d}
        )
        recorder.record(
            actor=actor,
            action="record_presence",
            obj=post,
            area_code=post.village_code,
            label=POST_LABEL
            % {"village": post.village.name, "role": post.get_role_display(), "name": post.name},
            changes={f"{y}-{m:02d}": [old.days if old else None, d]},
        )
    return row


# --- visits --------------------------------------------------------------------------------------


def _checks(values: Mapping[str, Any], errors: Errors) -> dict[str, dict[str, Any]]:
    raw = values.get("checks") or {}
    if not isinstance(raw, Mapping):
        errors.setdefault("checks", []).append("查看情况应为逐项的记录。")
        return {}
    unknown = sorted(set(raw) - set(CheckItem.values))
    if unknown:
        errors.setdefault("checks", []).append(f"查看项目{'、'.join(unknown)}无效。")
    with translation.override("zh-hans"):
        labels = {code: str(label) for code, label in CheckItem.choices}
    out = {}
    for code in CheckItem.values:
        item = raw.get(code) or {}
        if not isinstance(item, Mapping):
            item = {"concern": bool(item)}
        concern = item.get("concern") in (True, "1", "true", "on", "是")
        note = str(item.get("note") or "").strip()
        if len(note) > 200:
            errors.setdefault("checks", []).append(f"“{labels[code]}”的说明最多200字：请缩短。")
        if concern and not note:
            errors.setdefault("checks", []).append(f"“{labels[code]}”有问题：请写明看到的情况。")
        out[code] = {"concern": concern, "note": note[:200]}
    return out


def _follow_ups(values: Mapping[str, Any], errors: Errors) -> list[dict[str, Any]]:
    raw = values.get("follow_ups") or []
    if isinstance(raw, str):
        raw = [line for line in raw.splitlines() if line.strip()]
    out = []
    for item in list(raw)[: FOLLOW_UPS_MAX + 1]:
        text = str(item.get("what") if isinstance(item, Mapping) else item).strip()
        if len(text) > 200:
            errors.setdefault("follow_ups", []).append("每项后续跟进事项最多200字：请缩短。")
        out.append({"what": text[:200], "done": False})
    if len(out) > FOLLOW_UPS_MAX:
        errors.setdefault("follow_ups", []).append(f"后续跟进事项最多{FOLLOW_UPS_MAX}项。")
    return out


def _photos(photos: Iterable[UploadedFile], errors: Errors) -> list[UploadedFile]:
    kept = list(photos)
    if len(kept) > PHOTOS_MAX:
        errors.setdefault("photos", []).append(f"每次走访最多上传{PHOTOS_MAX}张照片。")
    for photo in kept:
        name = photo.name or ""
        suffix = name[name.rfind(".") :].lower() if "." in name else ""
        if suffix not in PHOTO_TYPES:
            errors.setdefault("photos", []).append(f"“{name}”不是照片（jpg、png、webp、heic）。")
        elif (photo.size or 0) > PHOTO_MAX_BYTES:
            errors.setdefault("photos", []).append(f"“{name}”超过10MB：请压缩后上传。")
    return kept


def _risk_types(values: Mapping[str, Any], errors: Errors) -> list[str]:
    raw = values.get("risk_types") or []
    if isinstance(raw, str):
        raw = [raw]
    kinds = [str(k) for k in raw if str(k).strip()]
    bad = [k for k in kinds if k not in c.RiskType.values]
    if bad:
        errors.setdefault("risk_types", []).append(f"风险类型{'、'.join(bad)}无效。")
    return [k for k in kinds if k in c.RiskType.values]


def do_record_visit(
    *,
    actor: Actor,
    household: Household,
    values: Mapping[str, Any],
    photos: Iterable[UploadedFile] = (),
) -> tuple[Visit, bool]:
    """Record a visit. ``values``: visited_on, kind, visitors, checks {item: {concern, note}},
    note, follow_ups, risk_types (a finding that raises a risk signal), category (the
    monitoring category proposed), client_id (a phone's id of a visit kept offline).

    Returns (visit, created): the same ``client_id`` sent again returns the stored visit and
    False — a phone that lost the answer may send again. The same ``client_id`` with different
    content is refused (a conflict is shown, never overwritten).

    A risk signal on a household that is not monitored opens the monitoring procedure (channel
    基层干部排查) when the actor handles its first step; on a monitored household whose risk was
    eliminated, the return-to-risk procedure; on a household with a case under way or
    monitored, it is noted against that. When the actor does not handle the first step, the
    signal waits for the village cadre (``pending``)."""
    ensure_role(actor, VISIT_RECORDERS, "登记走访")
    ensure_area(actor, household.village_code, household.pk)
    errors: Errors = {}
    client_id = str(values.get("client_id") or "").strip()[:64] or None
    on = date_value(values, errors, "visited_on", "走访日期")
    _not_future(errors, "visited_on", "走访日期", on)
    kind = str(values.get("kind") or VisitKind.HOME_VISIT)
    if kind not in VisitKind.values:
        errors.setdefault("kind", []).append(f"走访方式“{kind}”无效。")
    visitors = text_value(values, errors, "visitors", "走访人员", size=200)
    checks = _checks(values, errors)
    note = text_value(values, errors, "note", "走访记录", size=2000, required=False)
    follow_ups = _follow_ups(values, errors)
    risk_types = _risk_types(values, errors)
    category = str(values.get("category") or "").strip()
    if risk_types and category and category not in c.MonitoringCategory.values:
        errors.setdefault("category", []).append(f"监测对象类别“{category}”无效。")
    if household.is_deleted:
        errors.setdefault("household", []).append(f"农户{household.number}已删除。")
    kept_photos = _photos(photos, errors)
    cadre = getattr(actor.user, "cadre", None) if actor.user else None
    content = {
        "visited_on": on.isoformat() if on else None,
        "kind": kind,
        "visitors": visitors,
        "checks": checks,
        "note": note,
        "follow_ups": follow_ups,
        "risk_types": risk_types,
    }
    if client_id:
        existing = Visit.objects.filter(client_id=client_id).first()
        if existing is not None:
            if existing.household_id == household.pk and _same_visit(existing, content):
                return existing, False
            raise_if_errors(
                {
                    "client_id": [
                        f"这条离线记录已于{timezone.localtime(existing.recorded_at):%Y-%m-%d %H:%M}"
                        f"提交过（农户{existing.household.number}，{existing.visited_on}），"
                        "但内容不同：请核对后作为新记录提交，原记录不会被覆盖。"
                    ]
                }
            )
    raise_if_errors(errors)
    assert on is not None
    try:
        with transaction.atomic():
            visit = Visit.objects.create(
                household=household,
                village_code=household.village_code,
                cadre=cadre,
                visitors=visitors,
                visited_on=on,
                kind=kind,
                checks=checks,
                note=note,
                follow_ups=follow_ups,
                risk_types=risk_types,
                client_id=client_id,
                recorded_by=actor.user,
            )
            for photo in kept_photos:
                VisitPhoto.objects.create(
                    visit=visit, file=photo, original_name=(photo.name or "")[:255]
                )
            recorder.record(
                actor=actor,
                action="record_visit",
                obj=visit,
                area_code=household.village_code,
                household=household,
                label=VISIT_LABEL % {"date": on.isoformat(), "number": household.number},
                changes={
                    "visited_on": [None, on.isoformat()],
                    "kind": [None, kind],
                    "concerns": [None, [code for code, v in checks.items() if v["concern"]]],
                    "risk_types": [None, risk_types],
                    "photos": [None, len(kept_photos)],
                },
            )
            if risk_types:
                _raise_signal(actor, visit, category)
    except IntegrityError:
        # Two sends of the same offline visit at once: the other stored it.
        existing = Visit.objects.filter(client_id=client_id).first() if client_id else None
        if existing is None:
            raise
        return existing, False
    return visit, True


def _same_visit(visit: Visit, content: Mapping[str, Any]) -> bool:
    stored = {
        "visited_on": visit.visited_on.isoformat(),
        "kind": visit.kind,
        "visitors": visit.visitors,
        "checks": visit.checks,
        "note": visit.note,
        "follow_ups": visit.follow_ups,
        "risk_types": visit.risk_types,
    }
    return stored == dict(content)


def _signal_case_type(household: Household) -> str:
    if household.household_type == c.HouseholdType.MONITORED and household.risk_eliminated:
        return CaseType.REVERSAL
    return CaseType.MONITORING


def _default_category(household: Household) -> str:
    if household.household_type == c.HouseholdType.EXITED:
        return c.MonitoringCategory.UNSTABLE_EXITED
    return c.MonitoringCategory.SUDDEN_HARDSHIP


def _raise_signal(actor: Actor, visit: Visit, category: str) -> None:
    """Turn the visit's risk finding into the monitoring loop (inside the visit's transaction:
    a case that cannot open leaves no visit either, and the message says why)."""
    household = visit.household
    open_case = household.cases.filter(status=CaseStatus.OPEN).first()
    if open_case is not None:
        status, case = SignalStatus.IN_PROCEDURE, open_case
    elif household.household_type == c.HouseholdType.MONITORED and not household.risk_eliminated:
        status, case = SignalStatus.MONITORED, None
    else:
        case_type = _signal_case_type(household)
        first = procedure_for(case_type, household.village_code).step(0)
        if getattr(actor.user, "role", "") != first.role:
            status, case = SignalStatus.PENDING, None
        else:
            record: dict[str, Any] = {
                "on": visit.visited_on.isoformat(),
                "channel": Channel.CADRE_VISIT,
                "first_signal_on": visit.visited_on.isoformat(),
                "reason": _signal_reason(visit),
                "risk_types": visit.risk_types,
                "late_confirmed": True,
            }
            if case_type == CaseType.MONITORING:
                record["category"] = category or _default_category(household)
            case = case_actions.do_open_case(
                actor=actor, household=household, case_type=case_type, record=record
            )
            status = SignalStatus.CASE_OPENED
    Visit.objects.filter(pk=visit.pk).update(signal=status, case=case)
    visit.signal, visit.case = status, case


def _signal_reason(visit: Visit) -> str:
    concerns = "；".join(f"{label}：{note}" for label, note in visit.concerns)
    return (f"{visit.visited_on}入户走访发现：{concerns or visit.note}")[:200]


def do_open_case_from_visit(*, actor: Actor, visit: Visit, category: str = "") -> Visit:
    """The village cadre takes up a visit's pending risk signal: the procedure opens as if at
    the visit."""
    ensure_role(actor, VISIT_RECORDERS, "受理走访发现的风险")
    ensure_area(actor, visit.village_code, visit.pk)
    if visit.signal != SignalStatus.PENDING:
        raise_if_errors({"visit": ["这次走访没有待受理的风险信号。"]})
    with transaction.atomic():
        locked = Visit.objects.select_for_update().get(pk=visit.pk)
        if locked.signal != SignalStatus.PENDING:
            raise_if_errors({"visit": ["这次走访的风险信号已被受理。"]})
        _raise_signal(actor, locked, category)
        if locked.signal == SignalStatus.PENDING:
            raise PermissionDenied("走访发现的风险应由村干部受理。")
        recorder.record(
            actor=actor,
            action="take_up_visit_signal",
            obj=locked,
            area_code=locked.village_code,
            household=locked.household,
            label=VISIT_LABEL
            % {"date": locked.visited_on.isoformat(), "number": locked.household.number},
            changes={"signal": [SignalStatus.PENDING.value, locked.signal]},
        )
    return locked


def do_complete_follow_up(*, actor: Actor, visit: Visit, index: Any, note: str = "") -> Visit:
    """Mark one of a visit's follow-ups done (who, when, what was done)."""
    ensure_role(actor, VISIT_RECORDERS, "登记后续跟进")
    ensure_area(actor, visit.village_code, visit.pk)
    with transaction.atomic():
        locked = Visit.objects.select_for_update().get(pk=visit.pk)
        try:
            i = int(index)
            item = locked.follow_ups[i]
        except (TypeError, ValueError, IndexError):
            raise_if_errors({"follow_ups": ["没有这项后续跟进事项。"]})
            raise AssertionError from None
        if item.get("done"):
            raise_if_errors({"follow_ups": [f"“{item['what']}”已经办结。"]})
        item.update(
            done=True,
            done_on=today().isoformat(),
            done_by=actor.name,
            done_note=str(note or "").strip()[:200],
        )
        Visit.objects.filter(pk=locked.pk).update(follow_ups=locked.follow_ups)
        recorder.record(
            actor=actor,
            action="complete_follow_up",
            obj=locked,
            area_code=locked.village_code,
            household=locked.household,
            label=VISIT_LABEL
            % {"date": locked.visited_on.isoformat(), "number": locked.household.number},
            changes={"follow_up": [item["what"], f"已办结 {item['done_note']}".strip()]},
        )
    return locked


# --- the yearly plan (一户一策) ----------------------------------------------------------------


def _project(values: Mapping[str, Any], errors: Errors, household: Household) -> Project | None:
    """The project a measure comes from (its 项目编号, or the project), which must serve the
    household's area."""
    raw = values.get("project")
    if raw in (None, ""):
        return None
    project = (
        raw if isinstance(raw, Project) else Project.objects.filter(number=str(raw).strip()).first()
    )
    if project is None or not household.village_code.startswith(project.area.scope_prefix):
        errors.setdefault("project", []).append(
            f"没有服务于农户{household.number}所在地区、编号为“{raw}”的项目：请核对项目编号。"
        )
        return None
    return project


def _family_label(family: str) -> str:
    # In Chinese whatever the interface language: labels in spreadsheets and forms are Chinese.
    with translation.override("zh-hans"):
        return str(Measures._meta.get_field(family).verbose_name)


def _family(values: Mapping[str, Any], errors: Errors) -> str:
    raw = str(values.get("family") or "").strip()
    by_label = {_family_label(f): f for f in MEASURE_FIELDS}
    family = by_label.get(raw, raw)
    if family not in MEASURE_FIELDS:
        labels = "、".join(by_label)
        errors.setdefault("family", []).append(f"措施类别“{raw}”无效：应为{labels}之一。")
    return family


def do_add_plan_item(
    *, actor: Actor, household: Household, year: Any, values: Mapping[str, Any]
) -> PlanItem:
    """Add a measure to the household's plan for ``year``: family, name, amount, started_on,
    ended_on, fund_source, result. Its name is written into that family of the registry's
    帮扶措施 of the year (through the registry's action, with its own audit entry), so there
    is one place the yearly measures are read from."""
    ensure_role(actor, VISIT_RECORDERS, "登记帮扶措施")
    ensure_area(actor, household.village_code, household.pk)
    errors: Errors = {}
    try:
        year_value = int(year)
        if not 2000 <= year_value <= today().year + 1:
            raise ValueError
    except (TypeError, ValueError):
        errors.setdefault("year", []).append(f"年度“{year}”无效：请写四位年份。")
        year_value = 0
    family = _family(values, errors)
    clean: dict[str, Any] = {
        "family": family,
        "name": text_value(values, errors, "name", "措施内容", size=100),
        "amount": _amount(values, errors, "amount", "金额"),
        "started_on": date_value(values, errors, "started_on", "开始日期", required=False),
        "ended_on": date_value(values, errors, "ended_on", "结束日期", required=False),
        "fund_source": text_value(
            values, errors, "fund_source", "资金来源", size=100, required=False
        ),
        "result": text_value(values, errors, "result", "帮扶成效", size=200, required=False),
    }
    if clean["started_on"] and clean["ended_on"] and clean["ended_on"] < clean["started_on"]:
        errors.setdefault("ended_on", []).append("结束日期不能早于开始日期。")
    _not_future(errors, "started_on", "开始日期", clean["started_on"])
    if "、" in clean["name"] or "," in clean["name"]:
        errors.setdefault("name", []).append("一条措施只写一项内容：多项请分条登记。")
    clean["project"] = _project(values, errors, household)
    if clean["project"] is not None and not clean["fund_source"]:
        sources = clean["project"].budget.values_list("source", flat=True)
        clean["fund_source"] = "、".join(
            str(FundSource(s).label) for s in sources if s in FundSource.values
        )[:100]
    raise_if_errors(errors)
    with transaction.atomic():
        item = PlanItem.objects.create(
            household=household, village_code=household.village_code, year=year_value, **clean
        )
        recorder.record(
            actor=actor,
            action="add_plan_item",
            obj=item,
            area_code=household.village_code,
            household=household,
            changes={
                k: [None, v.number if k == "project" else jsonable(v)]
                for k, v in clean.items()
                if v not in (None, "")
            },
        )
        _sync_measures(actor, household, year_value, family)
    return item


def do_remove_plan_item(*, actor: Actor, item: PlanItem, reason: str) -> PlanItem:
    """Withdraw a measure entered by mistake (kept, marked removed); the registry's family text
    of that year is rewritten from the items that remain."""
    ensure_role(actor, VISIT_RECORDERS, "撤销帮扶措施")
    ensure_area(actor, item.village_code, item.pk)
    if not str(reason or "").strip():
        raise_if_errors({"reason": ["请写明撤销原因。"]})
    with transaction.atomic():
        if not PlanItem.objects.filter(pk=item.pk, removed=False).update(
            removed=True, version=F("version") + 1
        ):
            raise_if_errors({"item": ["该措施已撤销。"]})
        item.removed = True
        recorder.record(
            actor=actor,
            action="remove_plan_item",
            obj=item,
            area_code=item.village_code,
            household=item.household,
            reason=str(reason).strip(),
            changes={"removed": [False, True]},
        )
        _sync_measures(actor, item.household, item.year, item.family, drop=item.name)
    return item


def _sync_measures(
    actor: Actor, household: Household, year: int, family: str, drop: str = ""
) -> None:
    """Write the plan items' names of ``family`` into the registry's 帮扶措施 of ``year``,
    keeping what was entered there by other means (a national export's text)."""
    names = list(
        PlanItem.objects.filter(household=household, year=year, family=family, removed=False)
        .order_by("id")
        .values_list("name", flat=True)
    )
    measures = Measures.objects.filter(household=household, year=year).first()
    existing = [p for p in (getattr(measures, family, "") or "").split("、") if p]
    if drop and drop not in names:
        existing = [p for p in existing if p != drop]
    merged = existing + [n for n in names if n not in existing]
    text = "、".join(dict.fromkeys(merged))
    if measures is not None and getattr(measures, family) == text:
        return
    registry_actions.do_set_measures(
        household,
        actor=actor,
        year=year,
        values={family: text},
        expected_version=measures.version if measures else None,
        reason="帮扶计划（一户一策）",
    )
