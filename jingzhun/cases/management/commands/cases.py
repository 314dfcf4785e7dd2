"""``jingzhun cases overdue [--area CODE] [--format table|json] [--as USERNAME]``: the open cases
past their decision deadline (undecided) or past a step's own limit, as of today.

Without ``--as`` the whole country is read (the system); with ``--as`` the user's own area, as
on their pages. ``--area`` narrows to an area code's scope and must exist (and, with ``--as``,
lie in the user's area). The rule is :func:`jingzhun.cases.queries.overdue_q`, the same as the
work lists'. Prints 无逾期案件 when there is none; ``--format json`` prints a list for scripts.
The exit code is 0 either way: an overdue case is a finding, not a failure of the command.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import F, QuerySet
from django.utils.translation import gettext as _

from jingzhun.accounts.models import User
from jingzhun.areas.models import Area, code_range
from jingzhun.cases import actions, queries
from jingzhun.cases.models import Case
from jingzhun.cases.procedures import procedure_of
from jingzhun.core.actions import NotFound
from jingzhun.registry import scoping


def missed_since(case: Case, today: dt.date) -> dt.date | None:
    """The earliest limit the case has missed (what makes it overdue), or None."""
    missed = []
    if case.due_on and case.decided_on is None and case.due_on < today:
        missed.append(case.due_on)
    if case.step_due_on and case.step_due_on < today:
        missed.append(case.step_due_on)
    return min(missed, default=None)


def overdue_cases(user: User | None, today: dt.date, *, within: str = "") -> QuerySet[Case]:
    """Overdue cases in the user's scope (everywhere for the system, ``user=None``)."""
    if user is not None:
        qs = queries.overdue_for(user, today, within=within)
    else:
        low, high = code_range(within)
        qs = queries.with_deadline(
            Case.objects.filter(
                queries.overdue_q(today), village_code__gte=low, village_code__lt=high
            )
        ).order_by(F("deadline").asc(nulls_last=True), "id")
    return qs.select_related("household")


def rows(cases: list[Case], today: dt.date) -> list[dict[str, Any]]:
    names = dict(
        Area.objects.filter(code__in={c.village_code for c in cases}).values_list("code", "name")
    )
    out = []
    for case in cases:
        since = missed_since(case, today)
        out.append(
            {
                "id": case.pk,
                "number": case.number,
                "case_type": case.case_type,
                "case_type_display": str(case.get_case_type_display()),
                "village_code": case.village_code,
                "village_name": names.get(case.village_code, ""),
                "head_name": case.household.head_name,
                "step_code": case.step_code,
                "step_title": procedure_of(case).step(case.position).title,
                "due_on": since.isoformat() if since else None,
                "days_overdue": (today - since).days if since else 0,
            }
        )
    return out


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, cells: int) -> str:
    return text + " " * max(cells - width(text), 0)


class Command(BaseCommand):
    help = "案件办理：overdue 列出逾期未办结的案件。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        overdue = sub.add_parser("overdue", help="列出超过决定期限或环节期限、仍在办理中的案件")
        overdue.add_argument("--area", default="", help="只列该区划代码以下的案件")
        overdue.add_argument("--format", choices=["table", "json"], default="table")
        overdue.add_argument(
            "--as",
            dest="as_user",
            default="",
            metavar="USERNAME",
            help="按该用户的管辖范围列出（默认全部地区）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "overdue":
            self.overdue(options)

    def overdue(self, options: dict[str, Any]) -> None:
        user = None
        if options["as_user"]:
            user = User.objects.select_related("area").filter(username=options["as_user"]).first()
            if user is None:
                raise CommandError(_("没有用户“%(name)s”。") % {"name": options["as_user"]})
        within = ""
        code = options["area"].strip()
        if code:
            try:
                area = (
                    scoping.access_area_by_code(user, code) if user else Area.objects.get(code=code)
                )
            except (NotFound, Area.DoesNotExist):
                raise CommandError(
                    _("区划代码“%(code)s”不存在或不在用户的管辖范围内：请核对。") % {"code": code}
                    if user
                    else _("区划代码“%(code)s”不存在：请核对。") % {"code": code}
                ) from None
            within = area.scope_prefix
        today = actions.today()
        found = rows(list(overdue_cases(user, today, within=within)), today)
        if options["format"] == "json":
            self.stdout.write(json.dumps(found, ensure_ascii=False, indent=1))
            return
        if not found:
            self.stdout.write(_("无逾期案件"))
            return
        headers = [
            _("案件编号"),
            _("类型"),
            _("行政村"),
            _("户主"),
            _("当前环节"),
            _("期限"),
            _("逾期天数"),
        ]
        table = [
            [
                r["number"],
                r["case_type_display"],
                f"{r['village_code']} {r['village_name']}",
                r["head_name"],
                r["step_title"],
                r["due_on"] or "",
                str(r["days_overdue"]),
            ]
            for r in found
        ]
        widths = [max(width(row[i]) for row in [headers, *table]) for i in range(len(headers))]
        for row in [headers, *table]:
            cells = (pad(cell, w) for cell, w in zip(row, widths, strict=True))
            self.stdout.write("  ".join(cells).rstrip())
        self.stdout.write(
            _("共%(count)d件逾期案件（截至%(today)s）。") % {"count": len(found), "today": today}
        )
