"""Keyset pagination for the API: DRF's cursor pagination (no OFFSET, no COUNT)."""

from rest_framework.pagination import CursorPagination


class KeysetPagination(CursorPagination):
    ordering = "id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class AreaPagination(KeysetPagination):
    """Areas read best in code order (province, city, county, … nest by prefix); codes are
    unique, so they make a keyset as good as the id."""

    ordering = "code"
