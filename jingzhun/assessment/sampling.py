"""Drawing a third-party assessment's sample reproducibly.

Two stages, as the assessments draw them: villages of the county, then exited households
(脱贫户) in each sampled village. Each stage is a simple random sample without replacement in
which every unit's place is the SHA-256 of ``seed:code``: the sample depends only on the seed
and the units' codes, never on database order, so anyone holding the seed and the frame draws
the same sample again (and can check ours). Pure functions; the action stores the result.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass


def rank(seed: str, code: str) -> str:
    """A unit's place in the random order drawn by ``seed``."""
    return hashlib.sha256(f"{seed}:{code}".encode()).hexdigest()


def draw(seed: str, codes: Iterable[str], size: int) -> list[str]:
    """``size`` of ``codes`` (all of them when fewer), in the random order of ``seed``."""
    return sorted(set(codes), key=lambda code: rank(seed, code))[: max(size, 0)]


@dataclass(frozen=True)
class Sample:
    villages: list[str]  # village codes, in drawn order
    households: dict[str, list[str]]  # village code → household numbers, in drawn order


def draw_sample(
    seed: str,
    frame: Mapping[str, Sequence[str]],
    *,
    villages: int,
    households_per_village: int,
) -> Sample:
    """The two-stage sample of ``frame`` (village code → its exited households' numbers).
    Villages without exited households stay in the frame: their non-registered people are
    surveyed for 漏评 all the same."""
    chosen = draw(seed, frame, villages)
    return Sample(
        chosen,
        {code: draw(f"{seed}:{code}", frame[code], households_per_village) for code in chosen},
    )
