"""Template helpers: the disclosure policy by role, labels of stored codes.

Every personal value a page shows goes through one of these tags, which apply
:class:`jingzhun.core.masking.Disclosure` for the signed-in user: ``{% personal %}`` for a
number field, ``{% text %}`` for free text a person wrote, ``{% health %}`` for a member's
health status. Audit entries are rendered, with the same policy, by
:mod:`jingzhun.audit.rendering`.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext

from jingzhun.core.links import households_url
from jingzhun.core.masking import Disclosure

register = template.Library()


def _disclosure(context: template.Context) -> Disclosure:
    request = context.get("request")
    return Disclosure.of(getattr(request, "user", None))


@register.simple_tag(takes_context=True)
def personal(context: template.Context, value: str | None, kind: str) -> str:
    """``{% personal member.id_number "id_number" %}``: full for roles that need it, else masked."""
    return _disclosure(context).number(kind, value)


@register.simple_tag(takes_context=True)
def text(context: template.Context, value: Any) -> Any:
    """``{% text entry.reason %}``: free text, with ID, phone and bank numbers inside it masked
    for roles that see masked numbers."""
    if value in (None, ""):
        return ""
    return _disclosure(context).text(str(value))


@register.simple_tag(takes_context=True)
def health(context: template.Context, member: Any) -> Any:
    """``{% health m %}``: the member's health status label, or 已隐藏."""
    return _disclosure(context).health_value(member.get_health_display())


@register.filter
def get_item(mapping: dict, key: str) -> Any:
    return mapping.get(key) if mapping else None


@register.simple_tag
def households_link(**params: Any) -> str:
    """``{% households_link area=… case_type=… %}``: the household list filtered to exactly the
    households a number on the page counts (jingzhun.core.links)."""
    return households_url(**params)


@register.filter
def tr(value: Any) -> Any:
    """``{{ step.title|tr }}``: a value from one of the project's own catalogues (criterion and
    decision titles, procedure step titles, units, rule titles, dataset kinds …) in the
    interface language. Those values are kept in Chinese wherever they are stored; the Chinese
    text is the msgid (listed with gettext_noop where it is defined). Text the catalogue does
    not know (data) comes back unchanged. Never use it on data values. A sentence with
    arguments (an object with ``render(tr)``, jingzhun.policy.criteria.Text) is rendered with
    each argument translated."""
    if not value:
        return value
    if hasattr(value, "render"):
        return value.render(gettext)
    return gettext(str(value))
