from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jingzhun.imports.models import Kind


class UploadForm(forms.Form):
    file = forms.FileField(label=_("文件（xlsx / CSV / Parquet）"))
    kind = forms.ChoiceField(label=_("类型"), choices=Kind.choices, initial=Kind.NATIONAL)
    year = forms.IntegerField(
        label=_("收入年度"),
        required=False,
        help_text=_("表中收入和生产生活条件所属的年度；国家系统导出表必填"),
    )
    sheet = forms.CharField(
        label=_("工作表名称"), required=False, max_length=100, help_text=_("留空则按表头自动识别")
    )
