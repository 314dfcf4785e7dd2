"""The export form: what, format, layout, and the household list's filters — every one of
them, with the list's drill-downs (a check's, a case step's, an evaluation's households), so
that "export with the current filters" exports exactly the households the list shows.

For the quality report the filters narrow its findings to the households that pass them, and
the year chooses the quality run (the latest completed run of that income year)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jingzhun.exports.layouts import QUALITY_LAYOUT_ERROR, ExportSpec, narrowing
from jingzhun.exports.models import ExportFormat, ExportLayout, ExportWhat
from jingzhun.registry.queries import HouseholdFilters

FILTER_FIELDS = ("q", "area", "household_type", "monitoring_category", "risk", "year")
# The list's other filters, carried from the list as hidden fields (no control of their own).
CARRIED_FILTERS = ("group", "at_risk", "income_min", "income_max")


class ExportForm(forms.Form):
    what = forms.ChoiceField(label=_("导出内容"), choices=ExportWhat.choices, initial="members")
    format = forms.ChoiceField(label=_("文件格式"), choices=ExportFormat.choices, initial="xlsx")
    layout = forms.ChoiceField(label=_("版式"), choices=ExportLayout.choices, initial="project")
    q = forms.CharField(label=_("姓名 / 证件号码 / 户编号"), required=False, max_length=64)
    area = forms.CharField(label=_("区划代码"), required=False, max_length=15)
    household_type = forms.CharField(label=_("户类型"), required=False, max_length=32)
    monitoring_category = forms.CharField(label=_("监测对象类别"), required=False, max_length=32)
    risk = forms.CharField(label=_("风险类型"), required=False, max_length=32)
    year = forms.CharField(label=_("年度"), required=False, max_length=8)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        source = self.data if self.is_bound else self.initial
        self.carried = {k: source[k] for k in CARRIED_FILTERS if source.get(k)}
        self.narrowing = narrowing(user, source) if user is not None else None
        if self.narrowing is not None:
            self.carried |= self.narrowing.params

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        raw = {k: data.get(k) or "" for k in FILTER_FIELDS} | self.carried
        filters = HouseholdFilters.from_params(raw)
        for name, message in filters.errors.items():
            self.add_error(name if name in self.fields else None, message)
        if self.narrowing is not None:
            for message in self.narrowing.errors.values():
                self.add_error(None, message)
        if data.get("what") == ExportWhat.QUALITY and data.get("layout") == ExportLayout.NATIONAL:
            self.add_error("layout", QUALITY_LAYOUT_ERROR)
        data["filters"] = filters
        return data

    def spec(self) -> ExportSpec:
        data = self.cleaned_data
        return ExportSpec(
            what=data["what"],
            format=data["format"],
            layout=data["layout"],
            filters=data["filters"],
            drill=self.narrowing.params if self.narrowing is not None else {},
        )
