"""The third-party assessment form of the county page: parses; the action decides."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jingzhun.assessment.models import ASSESSMENT_FIELDS, CountyAssessment
from jingzhun.registry.forms import VersionedForm


class CountyAssessmentForm(VersionedForm):
    reason = forms.CharField(label=_("修改原因"), required=False, max_length=200)

    class Meta:
        model = CountyAssessment
        fields = ["year", *ASSESSMENT_FIELDS]
        widgets = {"year": forms.HiddenInput, "notes": forms.Textarea(attrs={"rows": 2})}
        help_texts = {"source": _("评估机构、报告名称或文号。")}

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in ASSESSMENT_FIELDS}

    def _post_clean(self) -> None:
        pass  # the action validates (and knows the county)
