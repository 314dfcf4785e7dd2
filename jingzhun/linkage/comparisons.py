"""The comparison levels of each kind of field: one declarative table that yields both the
Splink comparisons and the labels, starting m-probabilities and "agrees" flags read back when
the results are explained.

A level is ordered from most to least specific; the first whose condition holds is the pair's
level for that field. The null level ("缺失") comes first and weighs nothing; the last level is
the else level ("不一致"). ``agrees`` marks the levels that count as agreement for the namesake
rule (``Mapping.require_any``): exact and near agreement, never "same year" or "similar".

The starting m-probabilities (how often a true match falls in the level) are chosen so that
small tables link well without EM training. The starting u-probabilities (how often two
different people fall in it) are rough figures for a county's population; they are replaced by
estimates from random pairs whenever the tables give enough pairs to estimate them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from django.utils.translation import gettext_noop
from splink.internals.comparison_creator import ComparisonCreator
from splink.internals.comparison_level_creator import ComparisonLevelCreator

from jingzhun.linkage.mapping import Kind

MISSING = gettext_noop("缺失")
EXACT = gettext_noop("完全一致")
OTHER = gettext_noop("不一致")


@dataclass(frozen=True)
class Columns:
    """The internal column names of one field in the tables given to Splink: ``value`` holds the
    normalised value, ``pinyin`` the pinyin key (names only); ``one_edit`` is the backend's SQL
    over ``{l}`` and ``{r}`` for "at most one character edit apart" (see
    :mod:`jingzhun.linkage.backends`)."""

    value: str
    pinyin: str
    one_edit: str


@dataclass(frozen=True)
class Level:
    label: str
    m: float
    u: float | None  # the starting u-probability; None: what the other levels leave (else)
    agrees: bool
    build: Callable[[Columns], ComparisonLevelCreator]


def _exact(c: Columns) -> ComparisonLevelCreator:
    return cll.ExactMatchLevel(c.value)


def _else(c: Columns) -> ComparisonLevelCreator:
    return cll.ElseLevel()


def _edits(limit: int) -> Callable[[Columns], ComparisonLevelCreator]:
    return lambda c: cll.DamerauLevenshteinLevel(c.value, limit)


def _one_char_edit(c: Columns) -> ComparisonLevelCreator:
    """At most one edit counted in characters: a name one character apart (张三/张山)."""
    return cll.CustomLevel(c.one_edit.format(l=f"{c.value}_l", r=f"{c.value}_r"))


def _jaro_winkler(
    threshold: float, *, pinyin: bool = False
) -> Callable[[Columns], ComparisonLevelCreator]:
    return lambda c: cll.JaroWinklerLevel(c.pinyin if pinyin else c.value, threshold)


def _custom(template: str) -> Callable[[Columns], ComparisonLevelCreator]:
    """A level written in portable SQL over ``{l}`` and ``{r}``, the two sides' value columns."""
    return lambda c: cll.CustomLevel(template.format(l=f"{c.value}_l", r=f"{c.value}_r"))


# ID numbers agree in part when both are 18 characters with the same area code (first 6) and
# birth date (next 8): the same person with a mistyped sequence or check character.
_ID_AREA_AND_BIRTH = (
    "length({l}) = 18 AND length({r}) = 18 AND substr({l}, 1, 14) = substr({r}, 1, 14)"
)
# Dates are ISO strings (YYYY-MM-DD): the month written as the day and the day as the month.
_DAY_MONTH_SWAPPED = (
    "substr({l}, 1, 4) = substr({r}, 1, 4) AND substr({l}, 6, 2) = substr({r}, 9, 2)"
    " AND substr({l}, 9, 2) = substr({r}, 6, 2)"
)
_SAME_YEAR = "substr({l}, 1, 4) = substr({r}, 1, 4)"

LEVELS: dict[Kind, tuple[Level, ...]] = {
    "name": (
        Level(EXACT, 0.85, 0.002, True, _exact),
        Level(gettext_noop("拼音相同"), 0.04, 0.001, True, lambda c: cll.ExactMatchLevel(c.pinyin)),
        Level(gettext_noop("相差一个字"), 0.05, 0.01, True, _one_char_edit),
        Level(gettext_noop("读音相近"), 0.03, 0.02, False, _jaro_winkler(0.88, pinyin=True)),
        Level(OTHER, 0.03, None, False, _else),
    ),
    "id_number": (
        Level(EXACT, 0.9, 1e-6, True, _exact),
        Level(gettext_noop("相差一位"), 0.04, 1e-5, True, _edits(1)),
        Level(gettext_noop("相差两位"), 0.02, 1e-4, True, _edits(2)),
        Level(gettext_noop("地区和出生日期相同"), 0.02, 1e-4, True, _custom(_ID_AREA_AND_BIRTH)),
        Level(OTHER, 0.02, None, False, _else),
    ),
    "date": (
        Level(EXACT, 0.88, 5e-4, True, _exact),
        Level(gettext_noop("相差一位数字"), 0.05, 5e-3, True, _edits(1)),
        Level(gettext_noop("月日颠倒"), 0.02, 1e-4, True, _custom(_DAY_MONTH_SWAPPED)),
        Level(gettext_noop("同年"), 0.03, 0.02, False, _custom(_SAME_YEAR)),
        Level(OTHER, 0.02, None, False, _else),
    ),
    "sex": (
        Level(EXACT, 0.97, 0.5, True, _exact),
        Level(OTHER, 0.03, None, False, _else),
    ),
    "address": (
        Level(EXACT, 0.7, 0.05, True, _exact),
        Level(gettext_noop("非常相似"), 0.15, 0.05, True, _jaro_winkler(0.9)),
        Level(gettext_noop("相似"), 0.1, 0.2, False, _jaro_winkler(0.7)),
        Level(OTHER, 0.05, None, False, _else),
    ),
    "text": (
        Level(EXACT, 0.8, 0.01, True, _exact),
        Level(gettext_noop("非常相似"), 0.1, 0.02, True, _jaro_winkler(0.92)),
        Level(gettext_noop("相似"), 0.05, 0.05, False, _jaro_winkler(0.8)),
        Level(OTHER, 0.05, None, False, _else),
    ),
    "code": (
        Level(EXACT, 0.9, 0.1, True, _exact),
        Level(OTHER, 0.1, None, False, _else),
    ),
}


def comparison(kind: Kind, columns: Columns, name: str) -> ComparisonCreator:
    """The Splink comparison of one field, its levels labelled in Chinese and given their
    starting m-probabilities; ``name`` is its output column name (gamma_<name>, bf_<name>)."""
    levels: list[ComparisonLevelCreator] = [
        cll.NullLevel(columns.value).configure(label_for_charts=MISSING)
    ]
    specific = LEVELS[kind]
    rest = 1 - sum(level.u or 0 for level in specific)
    for level in specific:
        u = level.u if level.u is not None else rest
        levels.append(
            level.build(columns).configure(
                label_for_charts=level.label, m_probability=level.m, u_probability=u
            )
        )
    return cl.CustomComparison(levels, output_column_name=name)


def level_of(kind: Kind, gamma: int) -> tuple[str, bool]:
    """The label of comparison vector value ``gamma`` and whether it counts as agreement.

    Splink numbers a comparison's levels from the least specific: the else level is 0, the most
    specific is the highest, and the null level is -1."""
    if gamma < 0:
        return MISSING, False
    levels = LEVELS[kind]
    level = levels[len(levels) - 1 - gamma]
    return level.label, level.agrees
