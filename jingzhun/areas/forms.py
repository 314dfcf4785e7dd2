"""The 村情信息 form of the village page: parses; :func:`do_set_village_profile` decides."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jingzhun.areas.models import PROFILE_FIELDS, VillageProfile
from jingzhun.registry.forms import VersionedForm


class VillageProfileForm(VersionedForm):
    reason = forms.CharField(label=_("修改原因"), required=False, max_length=200)

    class Meta:
        model = VillageProfile
        fields = ["year", *PROFILE_FIELDS]
        widgets = {"year": forms.HiddenInput, "notes": forms.Textarea(attrs={"rows": 2})}
        help_texts = {
            "rural_population": _("本村农业户籍人口（贫困发生率的分母）。"),
            "collective_income": _("当年村集体经济收入（元）；未核实留空。"),
        }

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in PROFILE_FIELDS}

    def _post_clean(self) -> None:
        pass  # the action validates (and knows the village)
