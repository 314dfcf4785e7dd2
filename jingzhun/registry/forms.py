"""Forms parse and present; the actions decide. Field errors come back from the actions'
``ValidationError`` and are attached to the matching field by :func:`attach_errors`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from jingzhun.areas.models import Area, Level
from jingzhun.registry import actions
from jingzhun.registry import choices as c
from jingzhun.registry.income import INPUT_FIELDS
from jingzhun.registry.models import MEASURE_FIELDS, Conditions, Household, Income, Measures, Member

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def attach_errors(form: forms.Form, error: ValidationError) -> None:
    """Put each message of an action's ValidationError beside its field (or on top)."""
    mapping = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
    for field, messages in mapping.items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)


VERSION_MISSING = _("页面缺少版本号（可能是旧页面或被改动的请求）：请刷新页面后重新修改。")


class VersionedForm(forms.ModelForm):
    """Changing a stored record requires the version the user saw (the optimistic lock): a
    request without it is refused like the API refuses it, never saved over others' changes."""

    version = forms.IntegerField(
        widget=forms.HiddenInput,
        required=False,
        min_value=1,
        error_messages={"required": VERSION_MISSING},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].required = self.instance.pk is not None


class HouseholdForm(VersionedForm):
    field_order = ["village", "group", "number"]
    village = forms.ModelChoiceField(queryset=Area.objects.none(), label=_("行政村"))
    group = forms.ModelChoiceField(
        queryset=Area.objects.none(),
        label=_("村民小组"),
        required=False,
        help_text=_("所在行政村的村民小组（可不填）。"),
    )
    reason = forms.CharField(label=_("修改原因"), required=False, max_length=200)

    class Meta:
        model = Household
        fields = list(actions.HOUSEHOLD_FIELDS)
        widgets = {
            "identified_on": DATE_WIDGET,
            "exited_on": DATE_WIDGET,
            "monitoring_identified_on": DATE_WIDGET,
            "risk_eliminated_on": DATE_WIDGET,
            "risk_eliminated": forms.NullBooleanSelect,
        }

    def __init__(self, *args: Any, villages: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages
        # The groups of the villages offered; the action checks the group is the village's.
        self.fields["group"].queryset = Area.objects.filter(
            level=Level.GROUP, parent__in=villages
        ).order_by("code")
        if self.instance.pk:
            self.fields["village"].initial = self.instance.village_id
            self.fields["group"].initial = self.instance.group_id
        # Risk factors 致贫/返贫风险1…5 as five (kind, remark) pairs.
        existing = list(self.instance.risks.all()) if self.instance.pk else []
        for i in range(1, 6):
            self.fields[f"risk_{i}"] = forms.ChoiceField(
                label=format_lazy("{}{}", _("致贫/返贫风险"), i),
                required=False,
                choices=[("", "—"), *list(c.RiskType.choices)],
                initial=existing[i - 1].kind if i <= len(existing) else "",
            )
            self.fields[f"risk_{i}_remark"] = forms.CharField(
                label=format_lazy(_("风险{}说明"), i),
                required=False,
                max_length=200,
                initial=existing[i - 1].remark if i <= len(existing) else "",
            )
        for name in ("number", "household_type"):
            self.fields[name].required = True

    def _post_clean(self) -> None:
        # Model-level validation is the action's job (it also runs for API and imports).
        pass

    def risks(self) -> list[tuple[str, str]]:
        data = self.cleaned_data
        return [
            (data[f"risk_{i}"], data.get(f"risk_{i}_remark", ""))
            for i in range(1, 6)
            if data.get(f"risk_{i}")
        ]

    def values(self) -> dict[str, Any]:
        return {k: self.cleaned_data.get(k) for k in actions.HOUSEHOLD_FIELDS}


class MemberForm(VersionedForm):
    reason = forms.CharField(label=_("修改原因"), required=False, max_length=200)

    class Meta:
        model = Member
        fields = list(actions.MEMBER_FIELDS)
        widgets = {"birth_date": DATE_WIDGET}
        help_texts = {
            "id_number": "18位居民身份证号码；出生日期和性别可留空，将按号码自动带出。",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Derivable from the ID number, so not required here; the action insists when needed.
        for name in ("birth_date", "sex", "id_number"):
            self.fields[name].required = False

    def _post_clean(self) -> None:
        pass

    def values(self) -> dict[str, Any]:
        return {k: self.cleaned_data.get(k) for k in actions.MEMBER_FIELDS}


class IncomeForm(VersionedForm):
    reason = forms.CharField(label=_("修改原因"), required=False, max_length=200)

    class Meta:
        model = Income
        fields = ["year", "household_size", *INPUT_FIELDS]

    def _post_clean(self) -> None:
        pass


class ConditionsForm(VersionedForm):
    reason = forms.CharField(label=_("修改原因"), required=False, max_length=200)

    class Meta:
        model = Conditions
        fields = ["year", *actions.CONDITION_FIELDS]

    def _post_clean(self) -> None:
        pass


class MeasuresForm(VersionedForm):
    reason = forms.CharField(label=_("修改原因"), required=False, max_length=200)

    class Meta:
        model = Measures
        fields = ["year", *MEASURE_FIELDS]
        help_texts = {
            "education_aid": _("享受雨露计划的，请写明“雨露计划”（如：雨露计划、助学贷款）。"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in MEASURE_FIELDS:
            self.fields[name].widget.attrs["placeholder"] = _("措施名称，多项用顿号分隔；无则留空")

    def _post_clean(self) -> None:
        pass


class DeleteForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=200, required=False)
    version = forms.IntegerField(
        widget=forms.HiddenInput, min_value=1, error_messages={"required": VERSION_MISSING}
    )


class AreaForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=64)
    code = forms.CharField(label=_("代码（可留空自动编号）"), max_length=15, required=False)
