"""Links to the household list filtered to the households behind a number.

Every page that shows a count of households builds its link here, so the list it opens applies
exactly the filter that counted (the list's filters: jingzhun.registry.queries and
jingzhun.front.drilldown)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.urls import reverse


def households_url(**params: Any) -> str:
    """The household list filtered by ``params`` (empty values left out)."""
    query = {k: v for k, v in params.items() if v not in ("", None, False)}
    base = reverse("household_list")
    return f"{base}?{urlencode(query)}" if query else base
