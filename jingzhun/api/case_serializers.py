"""Serializers of the cases API (:mod:`jingzhun.api.cases`): what a case, a step, an objection
and a notice look like in responses, and what the requests carry besides the step's record
(which the case actions check themselves).

Nothing here shows an ID, phone or bank number: a case carries the head's name and the
household's id; the household's facts stored with each step hold none of them either.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    extend_schema_field,
)
from rest_framework import serializers

from jingzhun.accounts.roles import Role
from jingzhun.api.serializers import DisclosureMixin
from jingzhun.cases import choices as cc
from jingzhun.cases.models import Attachment, Case, CaseStep, Notice, NoticeEntry, Objection
from jingzhun.cases.procedures import procedure_of

# Keys of a request body that are not part of the step's record.
CONTROL_KEYS = frozenset({"version", "step_code", "household", "case_type"})
INBOX_PAGE_SIZE = 200
INBOX_MAX_PAGE_SIZE = 1000
TRUE_WORDS = frozenset({"1", "true", "yes", "on", "是"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", "否"})


def public_path(notice: Notice) -> str:
    """Where anyone reads the notice without signing in (until it ends): /notices/<token>/."""
    return reverse("notices:public", kwargs={"token": notice.token})


# --- serializers: responses -----------------------------------------------------------------------


class CaseItemSerializer(serializers.ModelSerializer):
    """One case in a list (cases, inbox)."""

    case_type_display = serializers.CharField(source="get_case_type_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    household = serializers.IntegerField(source="household_id", read_only=True)
    head_name = serializers.CharField(source="household.head_name", read_only=True)
    step_title = serializers.SerializerMethodField()
    step_role_display = serializers.SerializerMethodField()
    deadline = serializers.SerializerMethodField(
        help_text="案件等待的最近期限：本环节期限、公示结束日或尚未决定时的决定期限。"
    )
    overdue = serializers.SerializerMethodField(help_text="已超过决定期限或本环节期限。")

    class Meta:
        model = Case
        fields = (
            "id",
            "number",
            "case_type",
            "case_type_display",
            "status",
            "status_display",
            "household",
            "head_name",
            "village_code",
            "step_code",
            "step_title",
            "step_role",
            "step_role_display",
            "due_on",
            "deadline",
            "overdue",
            "overridden",
            "opened_on",
            "version",
        )
        read_only_fields = fields

    def get_step_title(self, case: Case) -> str:
        if not case.step_code:
            return ""
        return procedure_of(case).step(case.position).title

    def get_step_role_display(self, case: Case) -> str:
        return str(Role(case.step_role).label) if case.step_role in Role.values else ""

    @extend_schema_field(OpenApiTypes.DATE)
    def get_deadline(self, case: Case) -> dt.date | None:
        return getattr(case, "deadline", None)

    def get_overdue(self, case: Case) -> bool:
        return bool(getattr(case, "overdue", False))


class AttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attachment
        fields = ("purpose", "name", "size", "sha256")
        read_only_fields = fields


class CaseStepSerializer(DisclosureMixin, serializers.ModelSerializer):
    """One act on a case, with the household's facts and the policy verdict as of then."""

    free_text_fields = ("record", "override_reason")

    # Plain strings: a "kind" enum here would collide with the risks' in the schema.
    kind = serializers.CharField(
        read_only=True, help_text="环节类型：" + "、".join(cc.StepKind.values)
    )
    outcome_display = serializers.CharField(source="get_outcome_display", read_only=True)
    role_display = serializers.SerializerMethodField()
    attachments = AttachmentSerializer(many=True, read_only=True)
    record = serializers.JSONField(read_only=True, help_text="环节记录（键即提交时的字段名）。")
    household_facts = serializers.JSONField(
        read_only=True, help_text="办理时的农户情况（不含证件号码、电话、银行账号）。"
    )
    policy = serializers.JSONField(
        read_only=True, allow_null=True, help_text="决定环节当时的政策判定；其他环节为空。"
    )

    class Meta:
        model = CaseStep
        fields = (
            "id",
            "position",
            "code",
            "kind",
            "title",
            "outcome",
            "outcome_display",
            "on",
            "performed_by_name",
            "role",
            "role_display",
            "record",
            "household_facts",
            "policy",
            "is_override",
            "override_reason",
            "attachments",
        )
        read_only_fields = fields

    def get_role_display(self, step: CaseStep) -> str:
        return str(Role(step.role).label) if step.role in Role.values else step.role


class ObjectionSerializer(DisclosureMixin, serializers.ModelSerializer):
    free_text_fields = ("content", "raised_by")

    class Meta:
        model = Objection
        fields = ("id", "notice", "raised_on", "raised_by", "content", "recorded_at")
        read_only_fields = fields


NOTICE_KIND_HELP = "publicity 公示；announcement 公告"


class NoticeRefSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True, help_text=NOTICE_KIND_HELP)
    public_path = serializers.SerializerMethodField()

    class Meta:
        model = Notice
        fields = ("id", "kind", "title", "starts_on", "ends_on", "days", "public_path")
        read_only_fields = fields

    def get_public_path(self, notice: Notice) -> str:
        return public_path(notice)


class ProcedureStepSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    kind = serializers.CharField()
    role = serializers.CharField()
    role_display = serializers.CharField()
    state = serializers.ChoiceField(
        choices=["done", "current", "todo", "stopped"],
        help_text="done 已办；current 当前环节；todo 待办；stopped 案件在此环节不予通过或撤回。",
    )


class CaseDetailSerializer(DisclosureMixin, CaseItemSerializer):
    """One case: the configured procedure with each step's state, the steps done, objections.
    ``facts`` are the application as typed (its reason is free text): masked like a step's
    record for roles that see masked numbers."""

    free_text_fields = ("facts",)

    channel_display = serializers.CharField(source="get_channel_display", read_only=True)
    facts = serializers.JSONField(
        read_only=True, help_text="申请事项：事由、监测对象类别、风险类型、消除方式等。"
    )
    notice = NoticeRefSerializer(read_only=True, allow_null=True, help_text="进行中的公示。")
    procedure = serializers.SerializerMethodField()
    steps = serializers.SerializerMethodField()
    objections = ObjectionSerializer(many=True, read_only=True)

    class Meta(CaseItemSerializer.Meta):
        fields = (
            *CaseItemSerializer.Meta.fields,
            "channel",
            "channel_display",
            "first_signal_on",
            "year",
            "facts",
            "step_since",
            "step_due_on",
            "due_step",
            "decided_on",
            "closed_on",
            "region",
            "procedure_version",
            "notice",
            "procedure",
            "steps",
            "objections",
        )
        read_only_fields = fields

    @extend_schema_field(ProcedureStepSerializer(many=True))
    def get_procedure(self, case: Case) -> list[dict[str, Any]]:
        out = []
        for step in procedure_of(case).steps:
            if case.status == cc.CaseStatus.COMPLETED or step.position < case.position:
                state = "done"
            elif step.position > case.position:
                state = "todo"
            else:
                state = "current" if case.is_open else "stopped"
            out.append(
                {
                    "code": step.code,
                    "title": step.title,
                    "kind": step.kind,
                    "role": step.role,
                    "role_display": step.role_label,
                    "state": state,
                }
            )
        return out

    @extend_schema_field(CaseStepSerializer(many=True))
    def get_steps(self, case: Case) -> list[dict[str, Any]]:
        rows = case.steps.prefetch_related("attachments").order_by("id")
        return CaseStepSerializer(rows, many=True, context=self.context).data


class NoticeEntrySerializer(serializers.ModelSerializer):
    """A household as printed on the notice: nothing else is shown."""

    class Meta:
        model = NoticeEntry
        fields = ("line", "case", "group_name", "head_name", "size", "case_type", "reason")
        read_only_fields = fields


class NoticeSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True, help_text=NOTICE_KIND_HELP)
    village_code = serializers.CharField(source="village.code", read_only=True)
    village_name = serializers.CharField(source="village.name", read_only=True)
    public_path = serializers.SerializerMethodField(help_text="公开页面路径（无需登录）。")
    entries = NoticeEntrySerializer(many=True, read_only=True)

    class Meta:
        model = Notice
        fields = (
            "id",
            "kind",
            "title",
            "village_code",
            "village_name",
            "starts_on",
            "ends_on",
            "days",
            "place",
            "contact",
            "issuer",
            "token",
            "public_path",
            "entries",
        )
        read_only_fields = fields

    def get_public_path(self, notice: Notice) -> str:
        return public_path(notice)


# --- serializers: requests (the record itself is checked by the action) ---------------------------

VERSION_HELP = "读取时的版本号（version）；若他人已办理则返回409。"
VERSION_MESSAGES = {
    "required": gettext_lazy("请提供读取案件时的版本号（version），以免重复或覆盖他人的办理。"),
    "invalid": gettext_lazy("版本号（version）应为正整数。"),
    "null": gettext_lazy("请提供读取案件时的版本号（version）。"),
    "min_value": gettext_lazy("版本号（version）应为正整数。"),
}


def version_field() -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=1, help_text=VERSION_HELP, error_messages=VERSION_MESSAGES
    )


class OpenCaseSerializer(serializers.Serializer):
    household = serializers.IntegerField(
        help_text="农户id。",
        error_messages={
            "required": gettext_lazy("请填写农户（household，农户id）。"),
            "invalid": gettext_lazy("农户id应为整数。"),
        },
    )
    case_type = serializers.ChoiceField(
        choices=cc.CaseType.choices,
        error_messages={
            "required": gettext_lazy("请选择案件类型（case_type）。"),
            "invalid_choice": gettext_lazy("案件类型“{input}”无效。"),
        },
    )


class OpenCaseDocSerializer(OpenCaseSerializer):
    """The application record (documentation; the action checks it per case type)."""

    on = serializers.DateField(help_text="受理（发现）日期。")
    channel = serializers.ChoiceField(choices=cc.Channel.choices, help_text="发现渠道。")
    first_signal_on = serializers.DateField(
        required=False, help_text="首次发现风险日期（纳入监测、返贫时必填）。"
    )
    late_confirmed = serializers.BooleanField(
        required=False,
        help_text="按首次发现风险日期决定期限已过时，确认仍然发起（否则拒绝并说明期限）。",
    )
    reason = serializers.CharField(help_text="申请或发现的事由。")
    year = serializers.IntegerField(required=False, help_text="判定收入年度（默认上一年）。")
    category = serializers.CharField(required=False, help_text="监测对象类别（纳入监测）。")
    risk_types = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="致贫/返贫风险类型，最多5项。"
    )
    risk_remark = serializers.CharField(required=False, help_text="风险类型为“其他”时的说明。")
    main_cause = serializers.CharField(required=False, help_text="主要致贫原因（识别）。")
    poverty_attribute = serializers.CharField(required=False, help_text="贫困户属性（识别）。")
    identification_standard = serializers.CharField(required=False, help_text="识别标准。")
    cause_remark = serializers.CharField(required=False, help_text="致贫原因说明。")
    method = serializers.CharField(required=False, help_text="风险消除方式（风险消除）。")
    scope = serializers.CharField(required=False, help_text="清退范围（清退）。")
    consent = serializers.FileField(required=False, help_text="签字的申请和授权书（可选）。")
    report = serializers.FileField(required=False, help_text="其他材料（可选）。")


class StepSerializer(serializers.Serializer):
    step_code = serializers.CharField(
        help_text="要办理的环节代码（须为当前环节）。",
        error_messages={
            "required": gettext_lazy("请提供要办理的环节代码（step_code）。"),
            "blank": gettext_lazy("请提供要办理的环节代码（step_code）。"),
        },
    )
    version = version_field()


class StepDocSerializer(StepSerializer):
    """Every record key a step may take (documentation; which are required depends on the
    step's kind: cases/records.py)."""

    on = serializers.DateField(required=False, help_text="办理日期（公示结束环节不填）。")
    visitors = serializers.CharField(required=False, help_text="入户核实人员（入户核实）。")
    consent_signed = serializers.BooleanField(required=False, help_text="农户已签字授权。")
    departments = serializers.CharField(required=False, help_text="参与比对的部门（信息比对）。")
    result = serializers.CharField(required=False, help_text="比对结果或核实结论。")
    findings = serializers.CharField(required=False, help_text="比对发现的情况。")
    participants = serializers.IntegerField(required=False, help_text="参会人数（民主评议）。")
    votes_for = serializers.IntegerField(required=False, help_text="赞成票数。")
    votes_against = serializers.IntegerField(required=False, help_text="反对票数。")
    votes_abstain = serializers.IntegerField(required=False, help_text="弃权票数。")
    attendees = serializers.CharField(required=False, help_text="参会人员。")
    verifiers = serializers.CharField(required=False, help_text="核实人员（村级核实）。")
    signed = serializers.BooleanField(required=False, help_text="农户签字认可（退出）。")
    opinion = serializers.ChoiceField(
        choices=cc.Opinion.choices, required=False, help_text="审核/审批意见。"
    )
    comment = serializers.CharField(required=False, help_text="意见说明（退回、不同意时必填）。")
    override_reason = serializers.CharField(
        required=False, help_text="与政策判定不符仍同意时的理由（不少于10字，向纪检督查标示）。"
    )
    notes = serializers.CharField(required=False, help_text="说明。")
    minutes = serializers.FileField(required=False, help_text="评议会议记录（民主评议必传）。")
    consent = serializers.FileField(required=False, help_text="签字申请和授权书。")
    report = serializers.FileField(required=False, help_text="其他材料。")


class VersionSerializer(serializers.Serializer):
    version = version_field()


class ObjectionRequestSerializer(VersionSerializer):
    raised_on = serializers.DateField(help_text="异议提出日期（公示期内）。")
    raised_by = serializers.CharField(required=False, help_text="提出人（可不填）。")
    content = serializers.CharField(help_text="异议内容。")


class WithdrawRequestSerializer(VersionSerializer):
    reason = serializers.CharField(help_text="撤回原因。")


class NoticeCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField(error_messages={"required": gettext_lazy("每个案件须给出id。")})
    version = version_field()


class NoticeRequestSerializer(serializers.Serializer):
    cases = NoticeCaseSerializer(
        many=True,
        allow_empty=False,
        help_text="同一行政村、处于同一公示或公告环节的案件及其版本号。",
        error_messages={
            "required": gettext_lazy("请至少选择一个案件（cases）。"),
            "empty": gettext_lazy("请至少选择一个案件（cases）。"),
            "not_a_list": gettext_lazy("cases应为列表，每项为 {{id, version}}。"),
        },
    )


class NoticeDocSerializer(NoticeRequestSerializer):
    starts_on = serializers.DateField(help_text="公示（公告）开始日期。")
    place = serializers.CharField(help_text="张贴地点。")
    contact = serializers.CharField(help_text="异议受理单位和电话。")
