"""The audit trail's filters: who, what, where, which household or case, from where, when.

:class:`AuditFilterForm` validates the query string against the reader's scope; :func:`filtered`
narrows :func:`jingzhun.registry.scoping.audit_entries_for` with what it cleaned. Every filter
only ever narrows that queryset: an area, household or case outside the reader's area is refused
like an absent one, with a message, never by widening or by a server error.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jingzhun.areas.models import code_range
from jingzhun.audit.models import AuditEntry, Source
from jingzhun.audit.rendering import ACTION_LABELS, action_choices
from jingzhun.cases.queries import cases_for
from jingzhun.core.actions import NotFound
from jingzhun.registry import scoping

if TYPE_CHECKING:
    from jingzhun.accounts.models import User

FILTER_FIELDS = ("actor", "action", "area", "household", "case", "source", "date_from", "date_to")


class AuditFilterForm(forms.Form):
    """The filters of the audit page and its export; bound to the query string and the reader.

    After ``is_valid()``, ``cleaned_data`` holds the looked-up ``area`` (an Area), ``household``
    (a Household, deleted ones included), ``case`` (a Case) and ``actor`` (a User), each None
    when not given."""

    actor = forms.CharField(label=_("操作人（用户名）"), required=False, max_length=150)
    action = forms.ChoiceField(label=_("操作"), required=False)
    area = forms.CharField(label=_("区划代码"), required=False, max_length=15)
    household = forms.CharField(label=_("户编号"), required=False, max_length=32)
    case = forms.CharField(label=_("案件编号"), required=False, max_length=32)
    source = forms.ChoiceField(
        label=_("来源"), required=False, choices=[("", _("全部")), *Source.choices]
    )
    date_from = forms.DateField(label=_("起始日期"), required=False)
    date_to = forms.DateField(label=_("结束日期"), required=False)

    def __init__(self, data: Any, *, user: User) -> None:
        super().__init__(data)
        self.user = user
        self.fields["action"].choices = [("", gettext("全部")), *action_choices()]
        bad_date = gettext("日期格式不正确，请按“2024-03-15”填写。")
        for name in ("date_from", "date_to"):
            self.fields[name].widget.input_type = "date"
            self.fields[name].error_messages["invalid"] = bad_date
        errors = {
            "action": gettext("没有这种操作：%(value)s。"),
            "source": gettext("没有这种来源：%(value)s。"),
        }
        for name, message in errors.items():
            self.fields[name].error_messages["invalid_choice"] = message

    def clean_actor(self) -> Any:
        from jingzhun.accounts.models import User

        name = self.cleaned_data["actor"].strip()
        if not name:
            return None
        user = User.objects.filter(username=name).first()
        if user is None:
            raise forms.ValidationError(gettext("没有用户名为“%(name)s”的用户。") % {"name": name})
        return user

    def clean_area(self) -> Any:
        code = self.cleaned_data["area"].strip()
        if not code:
            return None
        try:
            return scoping.access_area_by_code(self.user, code)
        except NotFound:
            raise forms.ValidationError(
                gettext("区划代码%(code)s不存在或不在您的辖区内。") % {"code": code}
            ) from None

    def clean_household(self) -> Any:
        value = self.cleaned_data["household"].strip()
        if not value:
            return None
        try:
            # The household page links with the id; people type the 户编号.
            if value.isascii() and value.isdigit() and len(value) < 10:
                return scoping.access_household_for_audit(self.user, value)
            return scoping.access_household_for_audit(self.user, 0, number=value)
        except NotFound:
            raise forms.ValidationError(
                gettext("户编号%(value)s不存在或不在您的辖区内。") % {"value": value}
            ) from None

    def clean_case(self) -> Any:
        value = self.cleaned_data["case"].strip()
        if not value:
            return None
        case = cases_for(self.user).filter(number=value).first()
        if case is None:
            raise forms.ValidationError(
                gettext("案件编号%(value)s不存在或不在您的辖区内。") % {"value": value}
            )
        return case

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", gettext("结束日期不能早于起始日期。"))
        return data

    def params(self) -> dict[str, str]:
        """The given filters as the query string spells them (links, the export's log)."""
        return {k: str(self.data.get(k, "")).strip() for k in FILTER_FIELDS if self.data.get(k)}

    def described(self) -> list[str]:
        """The given filters as ``label：value`` (the export's title row)."""
        return [f"{self.fields[k].label}：{v}" for k, v in self.params().items()]

    def messages(self) -> list[str]:
        """Every error, each with its filter's label."""
        return [
            f"{self.fields[name].label}：{message}" if name in self.fields else str(message)
            for name, messages in self.errors.items()
            for message in messages
        ]


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def filtered(user: User, cleaned: dict[str, Any]) -> QuerySet[AuditEntry]:
    """The reader's entries narrowed by a valid form's ``cleaned_data``. Dates are whole local
    days, both ends included."""
    entries = scoping.audit_entries_for(user)
    if area := cleaned.get("area"):
        low, high = code_range(area.scope_prefix)
        entries = entries.filter(area_code__gte=low, area_code__lt=high)
    if household := cleaned.get("household"):
        entries = entries.filter(household=household)
    if case := cleaned.get("case"):
        # The case's own entries, and the registry changes its completion made (their actor
        # carries the case number as the source reference).
        entries = entries.filter(
            Q(object_type="case", object_id=str(case.pk))
            | Q(source=Source.CASE, source_ref=case.number)
        )
    if actor := cleaned.get("actor"):
        entries = entries.filter(actor=actor)
    if action := cleaned.get("action"):
        assert action in ACTION_LABELS  # the form's choices
        entries = entries.filter(action=action)
    if source := cleaned.get("source"):
        entries = entries.filter(source=source)
    if start := cleaned.get("date_from"):
        entries = entries.filter(at__gte=_day_start(start))
    if end := cleaned.get("date_to"):
        entries = entries.filter(at__lt=_day_start(end + dt.timedelta(days=1)))
    return entries
