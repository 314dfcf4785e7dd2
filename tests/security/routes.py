"""Every route the application serves, read from the URL configuration and the API schema.

The permission matrix (tests/security/test_permission_matrix.py) is driven by these lists, so a
route added to any ``urls.py`` (or an operation added to an API view) is checked the day it
appears: without an entry in tests/security/table.py its test fails and says what to add.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from django.urls import URLPattern, URLResolver, get_resolver, resolve


@dataclass(frozen=True)
class Route:
    """One named URL pattern: ``app:name`` (namespaced like ``reverse`` takes it), the path as
    written in the URL configuration, and the names of its parameters."""

    name: str
    pattern: str
    params: tuple[str, ...]

    @property
    def is_api(self) -> bool:
        return self.pattern.startswith("api/")


def _walk(patterns: list, prefix: str = "", namespace: str = "") -> list[Route]:
    found: list[Route] = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found += _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern) and entry.name:
            converters = tuple(entry.pattern.converters)
            found.append(Route(namespace + entry.name, prefix + str(entry.pattern), converters))
    return found


@cache
def url_routes() -> dict[str, Route]:
    """Every named pattern of the root URL configuration (pages and API), by name."""
    return {route.name: route for route in _walk(get_resolver().url_patterns)}


@cache
def api_operations() -> dict[tuple[str, str], str]:
    """Every operation of the OpenAPI schema, ``(path, METHOD)`` → the URL name it resolves
    to. A path parameter is filled with a sample value to resolve the path."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations: dict[tuple[str, str], str] = {}
    for path, item in schema["paths"].items():
        sample = re.sub(r"\{(\w*code)\}", "140000", path)
        sample = re.sub(r"\{\w+\}", "1", sample)
        name = resolve(sample).view_name
        for method in item:
            operations[(path, method.upper())] = name
    return operations


@cache
def api_methods_by_name() -> dict[str, set[str]]:
    """The schema's methods of each API URL name."""
    methods: dict[str, set[str]] = {}
    for (_path, method), name in api_operations().items():
        methods.setdefault(name, set()).add(method)
    return methods
