"""Name normalisation for search: the entered form is kept; this key is what we match on.

Traditional→simplified with OpenCC's t2s (many-to-one and safe for names, unlike s2t), full-width
→ half-width, all spaces and the middle dots of minority names' transliterations folded.

:func:`pinyin_initials` is the one place names become pinyin initials (the record linker's
blocking key and the registry's initials search both read it).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc
from pypinyin import lazy_pinyin

_SPACES = re.compile(r"[\s\u3000]+")
_DOTS = re.compile(r"[·•．.・‧]")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def normalize_name(name: str) -> str:
    """The search key of a personal or place name."""
    text = unicodedata.normalize("NFKC", name or "")
    text = _SPACES.sub("", text)
    text = _DOTS.sub("·", text)
    return _t2s().convert(text).lower()


def clean_display_name(name: str) -> str:
    """The entered form with only leading/trailing and doubled spaces removed."""
    return _SPACES.sub(" ", (name or "").strip())


def pinyin_initials(normalised: str) -> str:
    """The first letter of each item pypinyin makes of an already normalised name: 王建国 →
    "wjg". Characters pypinyin cannot read pass through as one item (the middle dot, a run of
    Latin letters gives its first letter). pypinyin's default reading is used (heteronym off:
    its phrase dictionary picks the common reading of a polyphonic character)."""
    return "".join(item[:1] for item in lazy_pinyin(normalised)).lower()
