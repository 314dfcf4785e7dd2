"""Addresses to area codes: a department writes “五台县东冶镇东冶村三组”; the village is found
by the names of the areas under the batch's area (a township's name narrows villages of the
same name in different townships)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from jingzhun.areas.models import Area, Level

Resolver = Callable[[str], str]


def _short(name: str) -> str:
    """A village or township name without its suffix (东冶村 → 东冶), for addresses that drop it."""
    for suffix in ("村民委员会", "居民委员会", "村委会", "社区", "街道", "村", "镇", "乡"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def resolver(area: Area) -> Resolver:
    """A function from an address to the code of the village (or township) it names, within
    ``area``; "" when it names none, or names villages it cannot tell apart."""
    prefix = area.scope_prefix
    below = Area.objects.filter(
        code__startswith=prefix, level__in=[Level.TOWNSHIP, Level.VILLAGE]
    ).values_list("code", "name", "level")
    townships: dict[str, list[str]] = defaultdict(list)
    villages: dict[str, list[str]] = defaultdict(list)
    for code, name, level in below:
        target = townships if level == Level.TOWNSHIP else villages
        target[name].append(code)
        target[_short(name)].append(code)
    cache: dict[str, str] = {}

    def find(names: dict[str, list[str]], address: str) -> list[str]:
        hits = [n for n in names if n in address]
        if not hits:
            return []
        best = max(hits, key=len)
        return sorted(set(names[best]))

    def resolve(address: str) -> str:
        if address not in cache:
            text = "".join(address.split())
            township = find(townships, text)
            village = find(villages, text)
            if len(village) > 1 and len(township) == 1:  # 东冶村 of 东冶镇, not of 台城镇
                village = [v for v in village if v.startswith(township[0][:9])]
            if len(village) == 1:
                cache[address] = village[0]
            else:
                cache[address] = township[0] if len(township) == 1 else ""
        return cache[address]

    return resolve
