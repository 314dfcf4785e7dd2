"""Serializers of the API: they parse requests and shape responses; the actions decide.

Choice fields take and return the stored codes (``"exited"``); the main enums also carry a
``<field>_display`` with the Chinese label. Personal numbers are masked in one place,
:class:`DisclosureMixin`. Uniqueness (household number, one head, one ID per living
registration, one income per year) is checked by the actions, so the model validators DRF would
add are switched off: one rule, one message.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from jingzhun.areas.models import Area
from jingzhun.core.masking import Disclosure
from jingzhun.registry import choices as c
from jingzhun.registry.actions import CONDITION_FIELDS, HOUSEHOLD_FIELDS, MEMBER_FIELDS
from jingzhun.registry.income import INPUT_FIELDS
from jingzhun.registry.models import MEASURE_FIELDS, Conditions, Household, Income, Measures, Member
from jingzhun.registry.scoping import areas_for


class DisclosureMixin(serializers.Serializer):
    """Applies the one disclosure policy (:class:`jingzhun.core.masking.Disclosure`) to the
    response: ID, phone and bank numbers in full only for roles that handle households'
    paperwork, health status only for roles that decide on assistance, numbers inside free
    text masked for everyone else. Any use without a request in the context sees the least."""

    # Fields whose every string is free text written by people (a step's record).
    free_text_fields: ClassVar[tuple[str, ...]] = ()

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        user = getattr(self.context.get("request"), "user", None)
        disclosure = Disclosure.of(user)
        if disclosure.full:
            return data
        out = disclosure.value(dict(data))
        for name in self.free_text_fields:
            if name in out:
                out[name] = disclosure.all_text(out[name])
        if not disclosure.health and "health_display" in out:
            out["health_display"] = disclosure.health_value(out["health_display"])
        return out


@extend_schema_field(OpenApiTypes.STR)
class ChoiceLabelField(serializers.Field):
    """The label of a stored choice code — what ``get_<field>_display()`` gives — looked up in
    the model field's choices, read once per serializer rather than rebuilt for every value
    (a list of 50 households has some 300 labels). Labels are lazy: each is translated into the
    request's language when the response is written."""

    def __init__(self, model_field: Any, **kwargs: Any) -> None:
        self.labels = dict(model_field.flatchoices)
        super().__init__(source=model_field.attname, read_only=True, **kwargs)

    def to_representation(self, value: Any) -> str:
        return str(self.labels.get(value, value))


class ChoiceLabelsMixin(serializers.ModelSerializer):
    """Adds a read-only ``<field>_display`` (the Chinese label) for each name in
    ``choice_labels``, next to the stored code."""

    choice_labels: ClassVar[tuple[str, ...]] = ()

    def get_fields(self) -> dict[str, serializers.Field]:
        fields: dict[str, serializers.Field] = {}
        meta = self.Meta.model._meta
        for name, field in super().get_fields().items():
            fields[name] = field
            if name in self.choice_labels:  # the label right after its code
                fields[f"{name}_display"] = ChoiceLabelField(meta.get_field(name))
        return fields


class VersionedSerializer(serializers.ModelSerializer):
    """``version`` is returned always and required when changing an existing record: the
    optimistic lock (the action answers 409 if someone saved in between)."""

    version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="读取时的版本号；修改时必填，若他人已修改则返回409。",
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        write_only=True,
        max_length=200,
        help_text="修改原因（记入审计记录）。",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None and "version" not in attrs:
            raise serializers.ValidationError(
                {"version": ["修改时必须提供读取时的版本号（version），以免覆盖他人的修改。"]}
            )
        return attrs


AREA_CODE = re.compile(r"[0-9]{1,15}")


@extend_schema_field(OpenApiTypes.STR)
class ScopedAreaField(serializers.Field):
    """An area given by its code, found only among the areas the requesting user may see:
    absent and out of scope read the same."""

    default_error_messages = {"not_found": "区划代码“{code}”不存在或不在您的管辖范围内。"}

    def to_representation(self, value: Area) -> str:
        return value.code

    def to_internal_value(self, data: Any) -> Area:
        code = str(data).strip()
        # Codes are digits: anything else (a NUL, which PostgreSQL cannot even compare) is
        # absent without asking the database.
        area = (
            areas_for(self.context["request"].user).filter(code=code).first()
            if AREA_CODE.fullmatch(code)
            else None
        )
        if area is None:
            self.fail("not_found", code=code)
        return area


class AreaSerializer(ChoiceLabelsMixin):
    parent = serializers.CharField(source="parent.code", read_only=True, allow_null=True)
    choice_labels = ("level",)

    class Meta:
        model = Area
        fields = ("code", "name", "level", "parent")
        read_only_fields = fields


class AreaCreateSerializer(serializers.Serializer):
    parent = ScopedAreaField(help_text="上级区划代码：乡镇（新建行政村）或行政村（新建村民小组）。")
    name = serializers.CharField(max_length=64)
    code = serializers.CharField(
        max_length=15,
        required=False,
        allow_blank=True,
        default="",
        help_text="可选：统计部门给定的代码（上级代码加3位）；不填则自动编号。",
    )


class RiskSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=c.RiskType.choices)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    remark = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class HouseholdSerializer(DisclosureMixin, ChoiceLabelsMixin, VersionedSerializer):
    village = ScopedAreaField(help_text="行政村代码（12位）。")
    village_name = serializers.CharField(source="village.name", read_only=True)
    risks = RiskSerializer(many=True, required=False, help_text="致贫/返贫风险，最多5项。")
    choice_labels = (
        "household_type",
        "identification_standard",
        "poverty_attribute",
        "main_cause",
        "monitoring_category",
        "elimination_method",
    )

    class Meta:
        model = Household
        fields = (
            "id",
            "village",
            "village_name",
            *HOUSEHOLD_FIELDS,
            "risks",
            "head_name",
            "member_count",
            "version",
            "reason",
            "created_at",
            "updated_at",
        )
        read_only_fields = ("head_name", "member_count", "created_at", "updated_at")
        extra_kwargs = {"number": {"validators": []}}


class MemberSerializer(DisclosureMixin, ChoiceLabelsMixin, VersionedSerializer):
    household = serializers.IntegerField(source="household_id", read_only=True)
    choice_labels = (
        "sex",
        "id_type",
        "relation",
        "ethnicity",
        "education",
        "student_status",
        "dropout_reason",
        "health",
        "labour_skill",
        "work_status",
    )

    class Meta:
        model = Member
        fields = (
            "id",
            "household",
            *MEMBER_FIELDS,
            "version",
            "reason",
            "created_at",
            "updated_at",
        )
        read_only_fields = ("created_at", "updated_at")
        # Sex and birth date come from a resident ID number when left out.
        extra_kwargs = {"sex": {"required": False}, "birth_date": {"required": False}}
        validators: ClassVar[list[Any]] = []


class YearlySerializer(serializers.ModelSerializer):
    """A household's row for one year; ``version`` is optional (given, it is checked)."""

    household = serializers.IntegerField(source="household_id", read_only=True)
    version = serializers.IntegerField(
        required=False, min_value=1, help_text="可选：读取时的版本号，若他人已修改则返回409。"
    )
    reason = serializers.CharField(
        required=False, allow_blank=True, write_only=True, max_length=200
    )


class IncomeSerializer(YearlySerializer):
    household_size = serializers.IntegerField(
        required=False, allow_null=True, help_text="当年家庭人口数；不填则取当前成员人数。"
    )

    class Meta:
        model = Income
        fields = (
            "id",
            "household",
            "year",
            "household_size",
            *INPUT_FIELDS,
            "transfer",
            "net_income",
            "per_capita_net",
            "version",
            "reason",
            "updated_at",
        )
        read_only_fields = ("transfer", "net_income", "per_capita_net", "updated_at")
        validators: ClassVar[list[Any]] = []


class ConditionsSerializer(ChoiceLabelsMixin, YearlySerializer):
    choice_labels = ("housing_grade", "main_fuel", "relocation_mode", "resettlement_type")

    class Meta:
        model = Conditions
        fields = ("id", "household", "year", *CONDITION_FIELDS, "version", "reason", "updated_at")
        read_only_fields = ("updated_at",)
        validators: ClassVar[list[Any]] = []


class MeasuresSerializer(DisclosureMixin, YearlySerializer):
    """帮扶措施 of one year: per family the measure names (blank = none). ``yulu_plan`` is
    derived from 教育帮扶 (true when it names 雨露计划)."""

    class Meta:
        model = Measures
        fields = (
            "id",
            "household",
            "year",
            *MEASURE_FIELDS,
            "yulu_plan",
            "version",
            "reason",
            "updated_at",
        )
        read_only_fields = ("yulu_plan", "updated_at")
        validators: ClassVar[list[Any]] = []


class RemovalSerializer(serializers.Serializer):
    """Why a household or member is removed (body or query string)."""

    reason = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    version = serializers.IntegerField(required=False, min_value=1)
