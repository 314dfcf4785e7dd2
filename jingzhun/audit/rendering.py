"""The audit trail as people read it: actions, fields and values in the reader's language.

An :class:`~jingzhun.audit.models.AuditEntry` stores what the code knows — an action name
(``update_household``), its model (``object_type``) and ``changes`` as ``{field: [old, new]}``
with stored codes and ISO dates. This module turns that into what an inspector reads:

* the action as a verb (:data:`ACTION_LABELS`, the one place for them; an unknown name is
  humanised, never shown as an error);
* a field by its model field's ``verbose_name`` (``户类型``), a value by the field's choices
  (``脱贫户``), booleans as 是/否, dates as dates, an empty value as —;
* a list (the household's risks) as the items added and removed, without empty items;
* the object's label (stored in Chinese at the time of the change) rebuilt in the reader's
  language where it follows the pattern its object type is labelled with (``2024年收入``,
  ``JC20260000001 纳入监测``, ``<rule title>：<household number>`` …), else shown as stored;
  the system's own actor name (系统) translated;
* everything through the reader's :class:`~jingzhun.core.masking.Disclosure`: personal
  numbers masked, health hidden, numbers typed into any text masked, for the roles that may not
  see them — the same policy as every other page.

Rendering runs no query (model metadata only), so a page of entries costs the same whatever the
entries hold. The audit page, its xlsx export and the household page's 修改历史 all use it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.apps import apps
from django.db import models
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jingzhun.audit.models import AuditEntry
from jingzhun.core.actions import SYSTEM_NAME
from jingzhun.core.masking import HEALTH_FIELDS, HEALTH_HIDDEN, NUMBER_FIELDS, Disclosure
from jingzhun.core.shapes import rebuild

EMPTY = "—"

# Every action name the project's action functions record (tests/test_audit_rendering.py
# collects them from the source and fails on one without a label here).
ACTION_LABELS: dict[str, Promise] = {
    # registry
    "create_household": _("新建农户"),
    "update_household": _("修改农户信息"),
    "delete_household": _("删除农户"),
    "add_member": _("添加家庭成员"),
    "update_member": _("修改家庭成员信息"),
    "remove_member": _("移除家庭成员"),
    "set_income": _("填报年度收入"),
    "set_conditions": _("填报生产生活条件"),
    "set_measures": _("填报帮扶措施"),
    # assistance work
    "create_cadre": _("登记帮扶责任人"),
    "update_cadre": _("修改帮扶责任人信息"),
    "pair_household": _("结对帮扶"),
    "end_pairing": _("结束结对帮扶"),
    "appoint_team_member": _("选派驻村工作队员"),
    "end_team_post": _("驻村工作队员离岗"),
    # problem ledgers
    "create_problem": _("登记问题"),
    "add_problem_evidence": _("登记整改情况"),
    "submit_problem_closing": _("申请销号"),
    "close_problem": _("问题销号"),
    "return_problem": _("退回整改"),
    "reopen_problem": _("重新打开问题"),
    # listed supervision and area boundaries
    "create_listing": _("挂牌督战"),
    "add_listing_task": _("添加督战任务"),
    "change_listing_task": _("修改督战任务"),
    "update_listing_task_status": _("更新督战任务进度"),
    "close_listing": _("摘牌"),
    "load_boundaries": _("导入行政区划边界"),
    "clear_boundaries": _("清除行政区划边界"),
    "record_presence": _("登记在岗天数"),
    "record_visit": _("登记走访"),
    "take_up_visit_signal": _("受理走访发现的风险"),
    "complete_follow_up": _("办结走访后续跟进事项"),
    "add_plan_item": _("登记帮扶计划措施"),
    "remove_plan_item": _("撤销帮扶计划措施"),
    # reads of personal data
    "read_household": _("查看农户信息"),
    "read_members": _("查看家庭成员名单"),
    "read_member": _("查看家庭成员信息"),
    # areas and yearly area records
    "create_area": _("新建区划"),
    "set_village_profile": _("填报村情信息"),
    "set_county_assessment": _("填报县级第三方评估数据"),
    "draw_assessment_survey": _("抽取第三方评估样本"),
    "record_survey_household": _("录入抽样户调查结果"),
    "record_survey_village": _("录入抽样村调查结果"),
    "apply_assessment_survey": _("抽样调查结果计入评估数据"),
    # cases
    "open_case": _("发起案件"),
    "case_step": _("办理案件环节"),
    "return_case": _("退回案件"),
    "reject_case": _("不予通过案件"),
    "complete_case": _("办结案件"),
    "withdraw_case": _("撤回案件"),
    "publish_notice": _("发布公示"),
    "close_publicity": _("结束公示"),
    "objection": _("登记公示异议"),
    # projects and funds
    "create_project": _("项目入库申报"),
    "project_step": _("办理项目环节"),
    "return_project": _("退回项目"),
    "reject_project": _("项目不予通过"),
    "complete_project": _("项目资产移交办结"),
    "set_project_budget": _("调整项目预算"),
    "set_project_targets": _("修改项目绩效目标"),
    "add_allocation": _("登记资金下达"),
    "add_disbursement": _("登记资金拨付"),
    "link_benefit": _("登记带贫益贫农户"),
    "unlink_benefit": _("删除带贫益贫农户"),
    # project assets
    "create_asset": _("登记项目资产"),
    "hand_over_asset": _("资产移交"),
    "change_asset_status": _("变更资产状态"),
    "request_asset_disposal": _("申请资产处置"),
    "approve_asset_disposal": _("批准资产处置"),
    "refuse_asset_disposal": _("不予批准资产处置"),
    "record_asset_income": _("登记资产收益和分配"),
    # policy
    "add_parameter_value": _("新增政策参数值"),
    "close_parameter_period": _("结束政策参数有效期"),
    "store_evaluation_run": _("保存政策评估结果"),
    "queue_evaluation": _("发起批量判定"),
    "queue_whatif": _("提交政策模拟"),
    "store_whatif": _("保存政策模拟结果"),
    # quality
    "queue_quality_run": _("提交质量检查"),
    "record_quality_run": _("保存质量检查结果"),
    "exempt_quality_finding": _("豁免质量问题"),
    # imports
    "create_upload": _("上传导入文件"),
    "validate_upload": _("校验导入文件"),
    "refuse_upload": _("拒收导入文件"),
    "request_apply_upload": _("申请导入有效数据"),
    "reject_upload": _("放弃导入"),
    "interrupt_upload": _("导入中断"),
    "retry_upload": _("重新导入"),
    "apply_upload": _("导入数据"),
    # ledger imports (台账导入)
    "load_ledger": _("上传台账文件"),
    "apply_ledger_upload": _("导入台账"),
    "discard_ledger_upload": _("放弃导入台账"),
    # exports
    "export_data": _("导出数据"),
    # department data (crosscheck)
    "stage_crosscheck_batch": _("载入部门数据批次"),
    "apply_crosscheck_batch": _("比对部门数据批次"),
    "discard_crosscheck_batch": _("放弃部门数据批次"),
    "raise_alert": _("生成部门预警"),
    "verify_alert": _("核实部门预警"),
    "create_feed_token": _("签发部门推送令牌"),
    "revoke_feed_token": _("吊销部门推送令牌"),
    # relocation (易地扶贫搬迁)
    "create_resettlement_site": _("新建集中安置点"),
    "update_resettlement_site": _("修改集中安置点"),
    "record_relocation": _("录入易地扶贫搬迁记录"),
    "update_relocation": _("修改易地扶贫搬迁记录"),
    "record_member_job": _("登记搬迁后就业"),
    "update_member_job": _("修改搬迁后就业"),
    "add_followup_measure": _("添加后续扶持措施"),
    # visit ranking
    "store_risk_run": _("保存走访排序结果"),
    # accounts
    "change_password": _("修改密码"),
    "enrol_second_factor": _("绑定身份验证器"),
    "issue_token": _("签发接口令牌"),
    "revoke_token": _("吊销接口令牌"),
    "revoke_tokens": _("吊销全部接口令牌"),
    # demo data
    "load_demo": _("载入演示数据"),
}

# Keys of ``changes`` that are no model field of the entry's object.
EXTRA_FIELD_LABELS: dict[str, Promise] = {
    "risks": _("致贫/返贫风险"),
    "export": _("导出内容"),
    "details": _("详情"),
    "counts": _("条数"),
    "result": _("结果"),
    "findings": _("问题数"),
    "exempted": _("豁免数"),
    "overrides": _("调整的参数"),
    "affected": _("受影响农户数"),
    "file": _("文件"),
    "member": _("家庭成员"),
    "revoked": _("已吊销"),
    "budget": _("预算"),
    "allocation": _("资金下达"),
    "disbursement": _("资金拨付"),
    "benefit": _("带贫益贫"),
    "disposal": _("处置申请"),
    "lines": _("收益分配"),
    "disposal_status": _("审批结果"),
    "period": _("期间"),
    "evidence": _("佐证材料"),
}

# Keys never shown: the optimistic-lock counter says nothing to a reader.
HIDDEN_FIELDS = frozenset({"version"})

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def humanise(name: str) -> str:
    """An unknown action or field name made readable: ``close_thing`` → ``Close thing``."""
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else EMPTY


def action_label(name: str) -> str:
    """The action ``name`` as a verb in the active language (an unlabelled name humanised)."""
    label = ACTION_LABELS.get(name)
    return str(label) if label is not None else humanise(name)


def action_choices() -> list[tuple[str, str]]:
    """(name, label) of every labelled action, sorted by label: the filter's choices."""
    return sorted(((k, str(v)) for k, v in ACTION_LABELS.items()), key=lambda kv: kv[1])


@cache
def _models_by_name() -> dict[str, type[models.Model]]:
    # ``object_type`` is ``_meta.model_name`` (jingzhun.audit.recorder.entry); it is unique
    # across the installed apps (the rendering test checks it).
    return {m._meta.model_name: m for m in apps.get_models()}  # type: ignore[misc]


def _model_field(object_type: str, name: str) -> models.Field | None:
    model = _models_by_name().get(object_type)
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except Exception:  # FieldDoesNotExist, or a reverse relation that is no Field
        return None
    return field if isinstance(field, models.Field) else None


def _risk_field(name: str) -> models.Field:
    from jingzhun.registry.models import RiskFactor

    return RiskFactor._meta.get_field(name)  # type: ignore[return-value]


def field_label(object_type: str, name: str) -> str:
    """The field's verbose name in the active language (a key that is no field: its label
    in :data:`EXTRA_FIELD_LABELS`, else the key itself, which is already Chinese in a few
    entries such as 环节)."""
    if name in EXTRA_FIELD_LABELS:
        return str(EXTRA_FIELD_LABELS[name])
    field = _model_field(object_type, name)
    if field is not None:
        return str(field.verbose_name)
    return humanise(name) if name.isascii() else name


def _date(value: str) -> str:
    try:
        return formats.date_format(dt.date.fromisoformat(value), "DATE_FORMAT")
    except ValueError:
        return value


def _datetime(value: str) -> str:
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return formats.date_format(moment, "Y-m-d H:i")


def _scalar(field: models.Field | None, value: Any) -> str:
    """One stored value as text: a choice's label, 是/否, a date, — for nothing."""
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY
    if isinstance(value, bool):
        return gettext("是") if value else gettext("否")
    if isinstance(value, dict):
        return "；".join(f"{k}：{_scalar(None, v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        shown = [_scalar(field, v) for v in value if v not in (None, "")]
        return "、".join(shown) if shown else EMPTY
    if field is not None and field.choices:
        labels = dict(field.flatchoices)
        if value in labels:
            return str(labels[value])
    text = str(value)
    if isinstance(field, models.DateTimeField) or (field is None and _ISO_DATETIME.match(text)):
        return _datetime(text)
    if isinstance(field, models.DateField) or (field is None and _ISO_DATE.match(text)):
        return _date(text)
    return text


def _risk_item(item: Any) -> str:
    """One risk as stored (``[kind, remark]``): its type's label, the remark after it."""
    if isinstance(item, list | tuple):
        kind = item[0] if item else ""
        remark = item[1] if len(item) > 1 else ""
    else:
        kind, remark = item, ""
    label = _scalar(_risk_field("kind"), kind) if kind else ""
    if remark:
        return f"{label}（{remark}）" if label else str(remark)
    return label


def _items(name: str, field: models.Field | None, value: Any) -> list[str]:
    """A list value as its non-empty items' texts, duplicates kept once, order kept."""
    if not isinstance(value, list | tuple):
        value = [] if value in (None, "") else [value]
    texts = [_risk_item(v) if name == "risks" else _scalar(field, v) for v in value]
    return list(dict.fromkeys(t for t in texts if t and t != EMPTY))


def _list_change(name: str, field: models.Field | None, old: Any, new: Any) -> str:
    """新增 X、Y；移除 Z — or the new order when only the order changed."""
    before, after = _items(name, field, old), _items(name, field, new)
    added = [t for t in after if t not in before]
    removed = [t for t in before if t not in after]
    parts = []
    if added:
        parts.append(gettext("新增 %(items)s") % {"items": "、".join(added)})
    if removed:
        parts.append(gettext("移除 %(items)s") % {"items": "、".join(removed)})
    if parts:
        return "；".join(parts)
    if before == after:
        return "、".join(after) if after else EMPTY
    return gettext("顺序调整为 %(items)s") % {"items": "、".join(after)}


@dataclass(frozen=True)
class Change:
    """One changed field as read: ``户类型`` and ``脱贫户 → 监测户``."""

    field: str
    label: str
    text: str


# Linked records shown by name instead of their id (areas: a village, a group); others keep
# the id, since their names may be personal data.
NAMED_LINKS = frozenset({"areas.Area"})


def _named_link(field: models.Field | None) -> bool:
    related = getattr(field, "related_model", None) if field is not None else None
    return (
        field is not None
        and field.many_to_one
        and related is not None
        and (related._meta.label in NAMED_LINKS)
    )


def linked_names(entries: Iterable[AuditEntry]) -> dict[tuple[str, Any], str]:
    """(model label, id) → the linked record's name, for every area id the entries' changes
    hold: one query per model, not one per value."""
    wanted: dict[str, set[Any]] = {}
    for entry in entries:
        changes = entry.changes if isinstance(entry.changes, dict) else {}
        for name, stored in changes.items():
            field = _model_field(entry.object_type, str(name))
            if not _named_link(field):
                continue
            values = stored if isinstance(stored, list | tuple) else [stored]
            label = field.related_model._meta.label  # type: ignore[union-attr]
            wanted.setdefault(label, set()).update(v for v in values if isinstance(v, int))
    names: dict[tuple[str, Any], str] = {}
    for label, ids in wanted.items():
        for pk, obj in apps.get_model(label).objects.in_bulk(ids).items():
            names[(label, pk)] = str(obj)
    return names


def _value_for(
    disclosure: Disclosure,
    name: str,
    field: models.Field | None,
    value: Any,
    names: dict[tuple[str, Any], str] | None = None,
) -> str:
    """One side of a change, as ``disclosure`` lets the reader see it."""
    if names and _named_link(field):
        found = names.get((field.related_model._meta.label, value))  # type: ignore[union-attr]
        if found is not None:
            return found
    if name in NUMBER_FIELDS and isinstance(value, str):
        return disclosure.number(name, value) or EMPTY
    if name in HEALTH_FIELDS and value not in (None, "") and not disclosure.health:
        return str(HEALTH_HIDDEN)
    return str(disclosure.text(_scalar(field, disclosure.value(value, name))))


def _is_list(name: str, old: Any, new: Any) -> bool:
    return name == "risks" or isinstance(old, list | tuple) or isinstance(new, list | tuple)


def _catalogue_value(object_type: str, name: str, value: Any) -> str | None:
    """A value that is a code or word of one of the project's catalogues, in the reader's
    language: a policy parameter's name (its title, with the name) and unit; None otherwise."""
    if object_type != "parametervalue" or not isinstance(value, str) or not value:
        return None
    if name == "name":
        from jingzhun.policy.parameters import TITLES

        if value not in TITLES:
            return value
        return gettext("%(title)s（%(name)s）") % {"title": TITLES[value], "name": value}
    if name == "unit":
        return gettext(value)
    return None


def render_change(
    entry: AuditEntry,
    name: str,
    stored: Any,
    disclosure: Disclosure,
    names: dict[tuple[str, Any], str] | None = None,
) -> Change:
    """One key of ``entry.changes``. A pair ``[old, new]`` reads ``old → new`` (only ``new``
    when ``old`` is None: the record did not exist, or the value was not set before); any other
    shape reads as the value itself."""
    field = _model_field(entry.object_type, name)
    label = field_label(entry.object_type, name)

    def shown(value: Any) -> str:
        found = _catalogue_value(entry.object_type, name, value)
        return found if found is not None else _value_for(disclosure, name, field, value, names)

    if isinstance(stored, list | tuple) and len(stored) == 2:
        old, new = stored
        if _is_list(name, old, new) and name not in NUMBER_FIELDS:
            text = _list_change(name, field, old, new)
            return Change(name, label, str(disclosure.text(text)))
        if old is None:
            return Change(name, label, shown(new))
        return Change(name, label, f"{shown(old)} → {shown(new)}")
    return Change(name, label, shown(stored))


def render_changes(
    entry: AuditEntry, disclosure: Disclosure, names: dict[tuple[str, Any], str] | None = None
) -> list[Change]:
    """Every shown key of ``entry.changes``, in stored order (``names``: linked_names)."""
    changes = entry.changes if isinstance(entry.changes, dict) else {"": entry.changes}
    return [
        render_change(entry, str(name), stored, disclosure, names)
        for name, stored in changes.items()
        if name not in HIDDEN_FIELDS
    ]


@cache
def _label_shapes() -> dict[str, tuple[str, ...]]:
    """object_type → the patterns its objects' labels are made with (msgids, but the case's
    ``str``, which holds no Chinese of its own)."""
    from jingzhun.assessment.models import ASSESSMENT_LABEL
    from jingzhun.cases.models import CASE_LABEL
    from jingzhun.crosscheck.models import ALERT_LABEL, BATCH_LABEL
    from jingzhun.registry.models import CONDITIONS_LABEL, INCOME_LABEL, MEASURES_LABEL
    from jingzhun.relocation.models import JOB_LABEL, MEASURE_LABEL, RELOCATION_LABEL

    return {
        "income": (INCOME_LABEL,),
        "conditions": (CONDITIONS_LABEL,),
        "measures": (MEASURES_LABEL,),
        "case": (CASE_LABEL, "%(number)s %(case_type)s"),  # Case.__str__: number, type label
        "alert": (ALERT_LABEL,),
        "batch": (BATCH_LABEL,),
        "countyassessment": (ASSESSMENT_LABEL,),
        "relocation": (RELOCATION_LABEL,),
        "memberjob": (JOB_LABEL,),
        "followupmeasure": (MEASURE_LABEL,),
    }


def object_label(entry: AuditEntry) -> str:
    """The entry's object label in the active language where it follows a known pattern of its
    object type, else as stored."""
    shapes = _label_shapes().get(entry.object_type)
    label = entry.object_label or ""
    return rebuild(label, shapes) if shapes and label else label


def actor_name(entry: AuditEntry) -> str:
    """Who acted: the stored name, the system's own name in the active language."""
    if entry.actor_id is None and entry.actor_name == SYSTEM_NAME:
        return gettext(SYSTEM_NAME)
    return entry.actor_name


@dataclass(frozen=True)
class RenderedEntry:
    """An entry with what a reader sees of it; the template reads ``entry`` for the rest."""

    entry: AuditEntry
    action: str
    changes: list[Change]
    object_label: str
    reason: str
    actor: str

    @property
    def changes_text(self) -> str:
        """The changes on one line each (the xlsx cell)."""
        return "\n".join(f"{c.label}：{c.text}" for c in self.changes)


def render_entries(entries: Iterable[AuditEntry], disclosure: Disclosure) -> list[RenderedEntry]:
    """Entries as the reader with ``disclosure`` may read them (one query for the names of
    the areas their changes link to)."""
    entries = list(entries)
    names = linked_names(entries)
    return [
        RenderedEntry(
            entry=e,
            action=action_label(e.action),
            changes=render_changes(e, disclosure, names),
            object_label=str(disclosure.text(object_label(e))),
            reason=str(disclosure.text(e.reason)),
            actor=actor_name(e),
        )
        for e in entries
    ]
