"""Backtest figures: ranking quality (AUC, precision among the top share) and calibration
(Brier score, a reliability table). Pure functions of scores and outcomes."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from sklearn.metrics import brier_score_loss, roc_auc_score

TOP_SHARE = 0.05
BINS = 10


def precision_at(scores: np.ndarray, outcomes: np.ndarray, share: float = TOP_SHARE) -> float:
    """Share of outcomes among the ``share`` of rows with the highest scores (at least one
    row). Ties are broken by row order after a stable sort, so callers pass a tie-breaking
    score when theirs has ties."""
    k = max(1, math.ceil(len(scores) * share))
    top = np.argsort(-scores, kind="stable")[:k]
    return float(outcomes[top].mean())


def auc(scores: np.ndarray, outcomes: np.ndarray) -> float | None:
    """ROC AUC, or None when only one outcome occurs."""
    if len(np.unique(outcomes)) < 2:
        return None
    return float(roc_auc_score(outcomes, scores))


def reliability(probabilities: np.ndarray, outcomes: np.ndarray, bins: int = BINS) -> list[dict]:
    """Equal-width bins of predicted probability: rows, mean predicted, observed rate."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(probabilities, edges[1:-1]), 0, bins - 1)
    table = []
    for b in range(bins):
        mask = which == b
        n = int(mask.sum())
        table.append(
            {
                "bin": f"{edges[b]:.1f}–{edges[b + 1]:.1f}",
                "households": n,
                "predicted": round(float(probabilities[mask].mean()), 4) if n else None,
                "observed": round(float(outcomes[mask].mean()), 4) if n else None,
            }
        )
    return table


def ranking_figures(scores: np.ndarray, outcomes: np.ndarray) -> dict[str, Any]:
    a = auc(scores, outcomes)
    return {
        "auc": round(a, 4) if a is not None else None,
        "precision_top5": round(precision_at(scores, outcomes), 4),
    }


def calibration_figures(probabilities: np.ndarray, outcomes: np.ndarray) -> dict[str, Any]:
    return {
        "brier": round(float(brier_score_loss(outcomes, probabilities)), 5),
        "base_rate_brier": round(float(outcomes.mean() * (1 - outcomes.mean())), 5),
        "reliability": reliability(probabilities, outcomes),
    }
