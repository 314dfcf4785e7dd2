"""Keyset pagination for the API: DRF's cursor pagination (no OFFSET, no COUNT)."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request


class KeysetPagination(CursorPagination):
    ordering = "id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request: Request) -> int:
        """The page size asked for (at most ``max_page_size``), or the default when none is
        asked for. A ``page_size`` that is not a positive whole number is refused (400), as the
        inbox refuses it — DRF would silently use the default."""
        size = page_size_asked(request, self.page_size_query_param)
        if size is None:
            return self.page_size
        if size < 1:
            raise ValidationError(
                {
                    "page_size": [
                        _("page_size应为1至%(most)s之间的整数。") % {"most": self.max_page_size}
                    ]
                }
            )
        return min(size, self.max_page_size)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["minimum"] = 1
        return parameters


class AreaPagination(KeysetPagination):
    """Areas read best in code order (province, city, county, … nest by prefix); codes are
    unique, so they make a keyset as good as the id."""

    ordering = "code"


def page_size_asked(request: Request, name: str = "page_size") -> int | None:
    """The page size in the query: None when it is not given (or left empty), 0 (refused by the
    caller) when it is not written in ASCII digits alone — ``int()`` would also take "1_0" or
    "٣"."""
    raw = request.query_params.get(name, "").strip()
    if not raw:
        return None
    return int(raw) if re.fullmatch(r"[0-9]{1,9}", raw) else 0
