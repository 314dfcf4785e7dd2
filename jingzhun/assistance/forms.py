"""Forms of the assistance pages: they parse; the actions decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jingzhun.assistance.models import CheckItem, TeamRole, VisitKind
from jingzhun.registry import choices as c
from jingzhun.registry.models import MEASURE_FIELDS, Measures

DATE = forms.DateInput(attrs={"type": "date"})


class CadreForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=64)
    unit = forms.CharField(label=_("工作单位"), max_length=100)
    position = forms.CharField(label=_("职务"), max_length=64, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    area = forms.ChoiceField(label=_("帮扶范围"))
    active = forms.BooleanField(label=_("在职"), required=False, initial=True)

    def __init__(self, *args: object, areas: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["area"].choices = areas  # type: ignore[attr-defined]


class PairForm(forms.Form):
    household = forms.CharField(
        label=_("户编号"), max_length=32, help_text=_("要结对的农户的户编号")
    )
    started_on = forms.DateField(label=_("结对日期"), widget=DATE)
    reason = forms.CharField(label=_("说明"), max_length=200, required=False)


class EndForm(forms.Form):
    ended_on = forms.DateField(label=_("结束日期"), widget=DATE)
    reason = forms.CharField(label=_("原因"), max_length=200)


class PostForm(forms.Form):
    village = forms.ChoiceField(label=_("行政村"))
    name = forms.CharField(label=_("姓名"), max_length=64)
    role = forms.ChoiceField(label=_("职务"), choices=TeamRole.choices)
    sending_unit = forms.CharField(label=_("派出单位"), max_length=100)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    term_start = forms.DateField(label=_("任期开始"), widget=DATE)
    term_end = forms.DateField(label=_("任期届满"), widget=DATE)

    def __init__(self, *args: object, villages: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["village"].choices = villages  # type: ignore[attr-defined]


class PresenceForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    month = forms.IntegerField(label=_("月份"), min_value=1, max_value=12)
    days = forms.IntegerField(label=_("在岗天数"), min_value=0, max_value=31)


class VisitForm(forms.Form):
    visited_on = forms.DateField(label=_("走访日期"), widget=DATE)
    kind = forms.ChoiceField(label=_("走访方式"), choices=VisitKind.choices)
    visitors = forms.CharField(label=_("走访人员"), max_length=200)
    note = forms.CharField(
        label=_("走访记录"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
    )
    follow_ups = forms.CharField(
        label=_("后续跟进事项（每行一项）"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    risk_types = forms.MultipleChoiceField(
        label=_("发现的风险（勾选即启动监测程序）"),
        choices=c.RiskType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    category = forms.ChoiceField(
        label=_("建议的监测对象类别"),
        choices=[("", "—"), *c.MonitoringCategory.choices],
        required=False,
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for code, label in CheckItem.choices:
            self.fields[f"concern_{code}"] = forms.BooleanField(label=label, required=False)
            self.fields[f"note_{code}"] = forms.CharField(
                label=_("情况"), max_length=200, required=False
            )

    def check_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"concern_{code}"], self[f"note_{code}"]) for code in CheckItem.values]

    def values(self) -> dict[str, object]:
        data = self.cleaned_data
        return {
            "visited_on": data["visited_on"],
            "kind": data["kind"],
            "visitors": data["visitors"],
            "note": data["note"],
            "follow_ups": data["follow_ups"],
            "risk_types": data["risk_types"],
            "category": data["category"],
            "checks": {
                code: {"concern": data[f"concern_{code}"], "note": data[f"note_{code}"]}
                for code in CheckItem.values
            },
        }


def family_choices() -> list[tuple[str, str]]:
    return [(f, Measures._meta.get_field(f).verbose_name) for f in MEASURE_FIELDS]  # type: ignore[misc]


class PlanItemForm(forms.Form):
    family = forms.ChoiceField(label=_("措施类别"), choices=family_choices)
    name = forms.CharField(label=_("措施内容"), max_length=100)
    amount = forms.DecimalField(
        label=_("金额（元）"), required=False, max_digits=14, decimal_places=2, min_value=0
    )
    started_on = forms.DateField(label=_("开始日期"), widget=DATE, required=False)
    ended_on = forms.DateField(label=_("结束日期"), widget=DATE, required=False)
    fund_source = forms.CharField(label=_("资金来源"), max_length=100, required=False)
    project = forms.CharField(label=_("来源项目（项目编号，可空）"), max_length=32, required=False)
    result = forms.CharField(label=_("帮扶成效"), max_length=200, required=False)
