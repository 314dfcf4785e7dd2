"""The reviewed label variants of the value lists (``synonyms.yaml`` beside this file).

:func:`synonyms` gives, for one list of :mod:`jingzhun.registry.choices`, each variant's stored
code. The file is checked when loaded: an unknown list, a target that is not a label of its
list, or a variant that is itself the label of another value raise :class:`SynonymFileError`
naming the entry, so a wrong mapping can never be read silently.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path

import yaml
from django.utils import translation

from jingzhun.registry import choices as c

SYNONYM_FILE = Path(__file__).with_name("synonyms.yaml")


class SynonymFileError(ValueError):
    """synonyms.yaml is wrong; the message names the list and the variant."""


def fold(text: str) -> str:
    """The key labels and variants are compared on: width folded, no spaces."""
    return "".join(unicodedata.normalize("NFKC", str(text)).split())


@cache
def _load(path: Path = SYNONYM_FILE) -> dict[str, dict[str, str]]:
    raw = yaml.safe_load(path.read_text("utf-8")) or {}
    out: dict[str, dict[str, str]] = {}
    with translation.override("zh-hans"):
        for list_name, variants in raw.items():
            enum = getattr(c, str(list_name), None)
            if enum is None or not hasattr(enum, "choices"):
                raise SynonymFileError(f"{path.name}：没有名为{list_name}的取值列表。")
            by_label = {fold(str(label)): value for value, label in enum.choices}
            mapped: dict[str, str] = {}
            for variant, target in (variants or {}).items():
                code = by_label.get(fold(str(target)))
                if code is None:
                    raise SynonymFileError(
                        f"{path.name}：{list_name}的“{variant}”指向的“{target}”不是该列表的取值。"
                    )
                own = by_label.get(fold(str(variant)))
                if own is not None and own != code:
                    raise SynonymFileError(
                        f"{path.name}：{list_name}的“{variant}”本身是另一个取值，不能作为同义词。"
                    )
                mapped[fold(str(variant))] = code
            out[str(list_name)] = mapped
    return out


def synonyms(list_name: str) -> dict[str, str]:
    """Folded variant → stored code, for the value list named ``list_name`` (may be empty)."""
    return _load().get(list_name, {})
