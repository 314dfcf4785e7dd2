"""The administrator's form for adding a dated parameter value (it parses; the action decides)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jingzhun.policy.parameters import TITLES, UNITS


def _name_choices() -> list[tuple[str, str]]:
    return [(name, f"{TITLES.get(name, name)}（{name}）") for name in UNITS]


class ParameterValueForm(forms.Form):
    name = forms.ChoiceField(label=_("参数"), choices=_name_choices)
    region = forms.CharField(
        label=_("适用区划代码"),
        max_length=6,
        initial="000000",
        help_text=_("全国默认值填000000，省、市、县填6位代码（如贵州省520000）。"),
    )
    effective_from = forms.DateField(
        label=_("生效日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    effective_to = forms.DateField(
        label=_("失效日期（含，可不填）"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    value = forms.DecimalField(label=_("数值"), max_digits=14, decimal_places=4)
    unit = forms.ChoiceField(
        label=_("单位"),
        choices=lambda: [(u, u) for u in dict.fromkeys(UNITS.values())],
        help_text=_("须与该参数的单位一致（如元/人·年与元/月不能混用）。"),
    )
    source = forms.CharField(
        label=_("出处"), max_length=300, help_text=_("文件号、网页地址，或“本系统默认值”。")
    )
    confirmed = forms.BooleanField(
        label=_("已核实原始出处"),
        required=False,
        help_text=_("未勾选的值在页面上标注“未确认”。"),
    )

    def values(self) -> dict[str, Any]:
        return dict(self.cleaned_data)
