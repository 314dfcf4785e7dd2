"""Name normalisation for search: the entered form is kept; this key is what we match on.

Traditional→simplified with OpenCC's t2s (many-to-one and safe for names, unlike s2t), full-width
→ half-width, all spaces and the middle dots of minority names' transliterations folded.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

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
