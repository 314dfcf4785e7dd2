"""The one scoping function for uploads: those whose scope lies under the user's area.

A file uploaded at county level holds the whole county, so a village cadre of that county does
not see it; a township reviewer sees the uploads of the villages beneath the township.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from jingzhun.areas.models import code_range
from jingzhun.imports.models import Upload

if TYPE_CHECKING:
    from jingzhun.accounts.models import User


def uploads_for(user: User) -> QuerySet[Upload]:
    low, high = code_range(user.area.scope_prefix)
    return Upload.objects.filter(area_code__gte=low, area_code__lt=high)
