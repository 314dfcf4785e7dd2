"""Keyset pagination for the API: DRF's cursor pagination (no OFFSET, no COUNT)."""

from __future__ import annotations

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
        raw = request.query_params.get(self.page_size_query_param, "").strip()
        if not raw:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
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
