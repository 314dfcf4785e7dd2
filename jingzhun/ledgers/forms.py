from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jingzhun.ledgers.spec import Ledger


class LedgerUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("台账类型"))
    file = forms.FileField(label=_("文件（xlsx / CSV）"))

    def __init__(self, *args: Any, ledgers: list[Ledger], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(spec.kind, spec.title) for spec in ledgers]
