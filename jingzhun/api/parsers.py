"""Request body parsers of the API.

A JSON body nested a thousand levels deep makes Python's parser raise ``RecursionError``
(DRF would answer 500); any body nested deeper than :data:`MAX_DEPTH` is refused as 400 before a
serializer walks it. No request of this API nests deeper than a few levels.
"""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32
TOO_DEEP = f"请求内容嵌套超过{MAX_DEPTH}层：请检查提交的JSON。"


def depth_of(value: Any) -> int:
    """How deeply ``value`` nests (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            deepest = max(deepest, depth)
            continue
        deepest = max(deepest, depth + 1)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest


class BoundedJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP) from None
        if depth_of(data) > MAX_DEPTH:
            raise ParseError(TOO_DEEP)
        return data
