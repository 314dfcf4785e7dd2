"""The one scoping function for uploads (those whose scope lies under the user's area), and
the disclosure of what an upload holds: its preview and its failed rows carry the file's own
cells, personal numbers and health included.

A file uploaded at county level holds the whole county, so a village cadre of that county does
not see it; a township reviewer sees the uploads of the villages beneath the township.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from jingzhun.areas.models import code_range
from jingzhun.core.masking import NUMBER_FIELDS, Disclosure
from jingzhun.imports.models import Upload

if TYPE_CHECKING:
    from jingzhun.accounts.models import User


def uploads_for(user: User) -> QuerySet[Upload]:
    low, high = code_range(user.scope_prefix)
    return Upload.objects.filter(area_code__gte=low, area_code__lt=high)


# Preview and failed-rows columns that hold a personal number, by the column's title.
NUMBER_COLUMNS = {"证件号码": "id_number", "身份证号码": "id_number", "身份证号": "id_number"}
PHONE_WORDS = ("电话", "手机")
BANK_WORDS = ("银行账号", "银行卡号", "账号")
HEALTH_COLUMNS = frozenset({"健康状况"})


def column_field(title: str) -> str:
    """The registry field a column title (as a file writes it) holds, for disclosure: a number
    field, ``health``, or "" (free text)."""
    if title in NUMBER_COLUMNS:
        return NUMBER_COLUMNS[title]
    if any(word in title for word in PHONE_WORDS):
        return "phone"
    if any(word in title for word in BANK_WORDS):
        return "bank_account"
    return "health" if title in HEALTH_COLUMNS else ""


def disclosed_cell(disclosure: Disclosure, title: str, value: Any) -> Any:
    """One cell of an uploaded file as ``disclosure`` allows: number columns masked, health
    hidden, every other text cell scanned for numbers."""
    field = column_field(title)
    if field in NUMBER_FIELDS:
        return disclosure.number(field, str(value)) if value not in (None, "") else value
    if field == "health":
        return disclosure.health_value(value)
    return disclosure.text(value) if isinstance(value, str) else value


def preview_for(user: User, upload: Upload) -> dict[str, Any]:
    """The stored preview of ``upload`` as ``user`` may read it (pages and API): refused cells,
    members' numbers, changes, warnings and normalisation notes under the disclosure policy."""
    disclosure = Disclosure.of(user)
    preview = copy.deepcopy(upload.preview or {})
    if disclosure.full:
        return preview
    for problem in preview.get("problems", []):
        problem["value"] = disclosed_cell(disclosure, problem.get("column", ""), problem["value"])
        problem["reason"] = disclosure.text(problem.get("reason", ""))
    for note in preview.get("notes", []):
        note["note"] = disclosure.text(note.get("note", ""))
    for item in preview.get("warnings", []):
        item["warnings"] = [disclosure.text(w) for w in item.get("warnings", [])]
    for entries in preview.get("entries", {}).values():
        for entry in entries:
            entry["changes"] = disclosure.value(entry.get("changes", {}))
            entry["warnings"] = [disclosure.text(w) for w in entry.get("warnings", [])]
            for problem in entry.get("problems", []):
                problem["value"] = disclosed_cell(
                    disclosure, problem.get("column", ""), problem["value"]
                )
            for member in entry.get("members", []):
                member["id_number"] = disclosure.number("id_number", member.get("id_number"))
                member["changes"] = disclosure.value(member.get("changes", {}))
    return preview
