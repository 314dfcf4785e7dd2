"""DuckDB's "at most one character edit apart", written in its own SQL (no Python per pair),
agrees with the optimal-string-alignment distance counted in characters — Spark's
``damerau_levenshtein`` — on any strings, Chinese included."""

from __future__ import annotations

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from jingzhun.linkage.backends import DUCKDB_ONE_EDIT

LETTERS = st.sampled_from("张章王汪秀英建国华a·b")
WORDS = st.text(LETTERS, max_size=6)


def osa(left: str, right: str) -> int:
    """The reference: insertions, deletions, substitutions and neighbour swaps count one."""
    rows = [list(range(len(right) + 1))]
    for i, a in enumerate(left, start=1):
        row = [i] + [0] * len(right)
        for j, b in enumerate(right, start=1):
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + (a != b))
            if i > 1 and j > 1 and a == right[j - 2] and left[i - 2] == b:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


@st.composite
def near_pairs(draw: st.DrawFn) -> tuple[str, str]:
    """A word and either any word or the word after one random edit (so both answers occur)."""
    word = draw(WORDS)
    chars = list(word)
    edit = draw(st.sampled_from(["other", "replace", "insert", "delete", "swap", "same"]))
    if edit == "other":
        return word, draw(WORDS)
    if edit == "replace" and chars:
        chars[draw(st.integers(0, len(chars) - 1))] = draw(LETTERS)
    elif edit == "insert":
        chars.insert(draw(st.integers(0, len(chars))), draw(LETTERS))
    elif edit == "delete" and chars:
        del chars[draw(st.integers(0, len(chars) - 1))]
    elif edit == "swap" and len(chars) > 1:
        k = draw(st.integers(0, len(chars) - 2))
        chars[k], chars[k + 1] = chars[k + 1], chars[k]
    return word, "".join(chars)


@settings(max_examples=400, deadline=None)
@given(st.lists(near_pairs(), min_size=1, max_size=30))
def test_duckdb_one_edit_matches_the_character_distance(pairs):
    sql = DUCKDB_ONE_EDIT.format(l="l", r="r")
    with duckdb.connect() as connection:
        connection.execute("CREATE TABLE pairs (i INTEGER, l VARCHAR, r VARCHAR)")
        connection.executemany(
            "INSERT INTO pairs VALUES (?, ?, ?)", [(i, a, b) for i, (a, b) in enumerate(pairs)]
        )
        got = connection.execute(f"SELECT {sql} FROM pairs ORDER BY i").fetchall()  # noqa: S608
    assert [bool(row[0]) for row in got] == [osa(a, b) <= 1 for a, b in pairs]


def test_known_names():
    sql = DUCKDB_ONE_EDIT.format(l="l", r="r")
    cases = {
        ("张三", "张山"): True,  # one replaced (3 UTF-8 bytes apart)
        ("赵志刚", "赵志强"): True,
        ("欧阳修", "欧修"): True,  # one deleted
        ("王秀英", "王英秀"): True,  # neighbours swapped
        ("王秀英", "秀英王"): False,
        ("张三", "李四"): False,
    }
    with duckdb.connect() as connection:
        for (a, b), expected in cases.items():
            found = connection.execute(f"SELECT {sql} FROM (SELECT ? AS l, ? AS r)", [a, b])  # noqa: S608
            assert found.fetchone()[0] is expected, (a, b)
