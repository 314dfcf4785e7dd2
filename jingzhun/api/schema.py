"""What the OpenAPI schema cannot learn from the views, added to it in one place.

Views document their success answers (and the case views their refusals, by hand). What every
operation can also answer comes from the shared machinery, so it is added here for all of them,
where an operation does not say otherwise: 401 without a valid token (every operation that
requires one), 403 for a role that may not do it, 404 for a record that is absent or out of scope
(every operation with a path parameter; :mod:`jingzhun.api.errors` answers both alike; an
invalid cursor too), 400 for input that does not parse or is refused by the entry rules (every
operation: a URL with a NUL character is refused before any view), 415 for a body in a format
the API does not read, and 409 for a write that lost a race to another user's (every write).

Parameters and values say what the URLs and views accept and return: an id in a path is a whole
number from 0 (``<int:…>``), a read's optional query parameter may be empty (no filter), and a
member's health status may be the word that hides it from the role (jingzhun.core.masking).
schemathesis checks the schema against the API's real answers (tests/api/test_schemathesis.py).
"""

from __future__ import annotations

from typing import Any

DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
# {"field": ["message", ...], "non_field_errors": [...]} from the serializers and entry rules,
# or {"detail": "..."} from the parsers: messages in Chinese, naming the field and the fix.
REFUSAL = {"type": "object", "additionalProperties": {}}
CONFLICT = {
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "changed_by": {"type": "string", "nullable": True},
        "changes": {"type": "object", "additionalProperties": {}},
    },
    "required": ["detail"],
}
WRITES = {"post", "put", "patch", "delete"}


def _answer(description: str, schema: str) -> dict[str, Any]:
    reference = {"$ref": f"#/components/schemas/{schema}"}
    return {"description": description, "content": {"application/json": {"schema": reference}}}


def _hidden_health(schemas: dict[str, Any]) -> None:
    """A member's health status in a response: its code, or the word the disclosure policy
    puts there for a role that may not see it (jingzhun.core.masking, in each language)."""
    from django.conf import settings
    from django.utils import translation

    from jingzhun.core.masking import HEALTH_HIDDEN

    hidden = []
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            hidden.append(str(HEALTH_HIDDEN))
    for name, component in schemas.items():
        health = component.get("properties", {}).get("health")
        if name.endswith("Request") or health is None or "allOf" not in health:
            continue
        words = list(dict.fromkeys(hidden))
        health["oneOf"] = [*health.pop("allOf"), {"type": "string", "enum": words}]


def document_errors(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"])."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    _hidden_health(schemas)
    schemas.setdefault("ErrorDetail", DETAIL)
    schemas.setdefault("Refusal", REFUSAL)
    schemas.setdefault("Conflict", CONFLICT)
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            responses = operation.setdefault("responses", {})
            parameters = operation.get("parameters", [])
            # The token endpoint needs no token (its schema has no security requirement).
            secured = operation.get("security", [{}]) not in ([], [{}])
            answers = []
            if secured:
                answers += [
                    ("401", "未登录或令牌无效。", "ErrorDetail"),
                    ("403", "当前角色无权执行此操作。", "ErrorDetail"),
                ]
            if "{" in path:
                answers.append(("404", "记录不存在或不在您的管辖范围内。", "ErrorDetail"))
            elif any(p["in"] == "query" and p["name"] == "cursor" for p in parameters):
                answers.append(("404", "分页游标无效（请从第一页重新读取）。", "ErrorDetail"))
            for parameter in parameters:
                # A URL's <int:…> matches digits only: -1 is no id, it is another URL (404).
                if parameter["in"] == "path" and parameter["schema"].get("type") == "integer":
                    parameter["schema"].setdefault("minimum", 0)
                # Reads take an empty filter (?year=) as no filter, as the pages' forms send it.
                if method == "get" and parameter["in"] == "query" and not parameter.get("required"):
                    parameter.setdefault("allowEmptyValue", True)
            # Any URL with a NUL in it is refused first (jingzhun.core.middleware).
            answers.append(("400", "输入有误：按字段列出原因和改正方法。", "Refusal"))
            if "requestBody" in operation:
                answers.append(("415", "请求内容的格式不受支持。", "ErrorDetail"))
            if secured and method in WRITES:
                answers.append(("409", "记录已被他人修改：列出对方改了什么。", "Conflict"))
            for code, description, schema in answers:
                responses.setdefault(code, _answer(description, schema))
    return result
