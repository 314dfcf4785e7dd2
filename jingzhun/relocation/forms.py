"""The relocation forms. They parse what the page sends; the actions decide (their refusals come
back onto the form's fields with :func:`add_errors`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from jingzhun.relocation import choices as c

DATE = forms.DateInput(attrs={"type": "date"})


def blank(choices: Any) -> list[tuple[str, Any]]:
    return [("", "—"), *choices]


def add_errors(form: forms.Form, error: ValidationError) -> None:
    """The action's ``{field: [message]}`` onto the form (unknown fields: the form's own)."""
    mapping = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
    for name, messages in mapping.items():
        for message in messages:
            form.add_error(name if name in form.fields else None, message)


class SiteForm(forms.Form):
    name = forms.CharField(label=_("安置点名称"), max_length=100)
    area = forms.ChoiceField(label=_("所在区划"))
    resettlement_type = forms.ChoiceField(
        label=_("安置方式"), choices=blank(c.ResettlementType.choices)
    )
    capacity_households = forms.IntegerField(label=_("设计安置户数"), min_value=1)
    capacity_people = forms.IntegerField(label=_("设计安置人数"), min_value=1)
    built_year = forms.IntegerField(label=_("建成年度"))
    services = forms.MultipleChoiceField(
        label=_("配套设施"),
        choices=c.SiteService.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    managing_unit = forms.CharField(label=_("管理单位"), max_length=100)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, areas: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = areas


class RelocationForm(forms.Form):
    moved_on = forms.DateField(label=_("搬迁入住日期"), widget=DATE)
    mode = forms.ChoiceField(label=_("搬迁方式"), choices=blank(c.RelocationMode.choices))
    site = forms.ChoiceField(label=_("安置点（集中安置）"), required=False)
    resettlement_type = forms.ChoiceField(
        label=_("安置方式"), choices=blank(c.ResettlementType.choices), required=False
    )
    people = forms.IntegerField(
        label=_("搬迁人数"), required=False, min_value=1, help_text=_("空白：按本户现有人口")
    )
    housing_area_m2 = forms.DecimalField(
        label=_("安置住房面积（平方米）"), max_digits=8, decimal_places=2, min_value=0
    )
    whole_village = forms.BooleanField(label=_("整村搬迁"), required=False)
    old_house_demolished = forms.BooleanField(label=_("旧房已拆除复垦"), required=False)
    demolished_on = forms.DateField(label=_("拆旧复垦日期"), required=False, widget=DATE)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, sites: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = blank(sites)


class JobForm(forms.Form):
    member = forms.IntegerField(widget=forms.HiddenInput)
    employed = forms.ChoiceField(
        label=_("是否就业"), choices=[("1", _("已就业")), ("0", _("未就业"))]
    )
    place = forms.ChoiceField(
        label=_("就业地点"), choices=blank(c.JobPlace.choices), required=False
    )
    channel = forms.ChoiceField(
        label=_("就业渠道"), choices=blank(c.JobChannel.choices), required=False
    )
    employer = forms.CharField(label=_("就业单位或岗位"), max_length=100, required=False)
    since = forms.DateField(label=_("就业起始日期"), required=False, widget=DATE)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class MeasureForm(forms.Form):
    kind = forms.ChoiceField(label=_("扶持措施"), choices=blank(c.MeasureKind.choices))
    aim = forms.ChoiceField(
        label=_("扶持目标（措施为“其他”时）"),
        choices=blank(c.MeasureAim.choices),
        required=False,
    )
    on = forms.DateField(label=_("实施日期"), widget=DATE)
    amount = forms.DecimalField(
        label=_("金额（元）"), max_digits=14, decimal_places=2, min_value=0, required=False
    )
    note = forms.CharField(label=_("说明"), max_length=200, required=False)
