"""Training sets over the registry's history, the held-out-year backtest, and the scoring of
the latest year. Each function takes an open batch backend (``open_backend(…, history=True)``)
and reads the database only for department alerts and health history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from jingzhun.analytics.backend import Backend
from jingzhun.policy.parameters import ParameterSet
from jingzhun.risk import metrics, signals
from jingzhun.risk.features import FEATURE_NAMES, UNDATED, build_features, cutoff, has_threshold
from jingzhun.risk.labels import build_labels
from jingzhun.risk.model import RiskModel, train


def income_years(backend: Backend) -> list[int]:
    t = backend.table("incomes")
    years = backend.execute(t.select("year").distinct()).column("year").to_pylist()
    return sorted(int(y) for y in years)


def training_years(
    backend: Backend, before: int, parameters: ParameterSet | None = None
) -> list[int]:
    """Feature years usable to train a model scoring year ``before``: earlier years whose
    outcome year ≤ ``before`` and which have a monitoring threshold (and so does their
    outcome year)."""
    return [
        y
        for y in income_years(backend)
        if y < before and has_threshold(y, parameters) and has_threshold(y + 1, parameters)
    ]


def year_frame(
    backend: Backend,
    year: int,
    *,
    with_labels: bool,
    health_as_of: dt.date | None = None,
    parameters: ParameterSet | None = None,
) -> pd.DataFrame:
    """:func:`build_features` for ``year`` with signals as of its cut-off (health as of
    ``health_as_of`` when given: the scored year may use what is known today), plus the
    ``outcome`` column when ``with_labels``."""
    day = cutoff(year)
    frame = build_features(
        backend,
        year,
        alerts=signals.alert_counts(day),
        health_then=signals.health_at(health_as_of or day),
        parameters=parameters,
    )
    frame["year"] = year
    if with_labels:
        labels = build_labels(backend, year, parameters=parameters)
        frame["outcome"] = labels.reindex(frame.index).fillna(0).astype(int)
    return frame


def stacked(
    backend: Backend, years: list[int], parameters: ParameterSet | None = None
) -> pd.DataFrame:
    frames = [year_frame(backend, y, with_labels=True, parameters=parameters) for y in years]
    return pd.concat(frames) if frames else pd.DataFrame()


def fit(
    backend: Backend,
    before: int,
    *,
    kind: str = "hgb",
    features: tuple[str, ...] = FEATURE_NAMES,
    parameters: ParameterSet | None = None,
    history: pd.DataFrame | None = None,
) -> RiskModel:
    """A model trained on every usable feature year before ``before``."""
    years = training_years(backend, before, parameters)
    if not years:
        raise ValueError(f"{before}年之前没有可用于训练的年度（需要收入记录和当年监测线）。")
    data = history if history is not None else stacked(backend, years, parameters)
    data = data[data["year"].isin(years)]
    return train(data, data["outcome"], kind=kind, features=features, years=years)


@dataclass(frozen=True)
class Baseline:
    """The rule a county uses today: per-capita income within the monitoring range (at or
    below the threshold). As a ranking, flagged households come first, lowest income first."""

    flag: np.ndarray
    ranking: np.ndarray

    @classmethod
    def of(cls, frame: pd.DataFrame) -> Baseline:
        ratio = frame["income_to_threshold"].to_numpy(dtype="float64")
        flag = np.nan_to_num(ratio, nan=np.inf) <= 1.0
        tie = 1.0 - np.clip(np.nan_to_num(ratio, nan=10.0), 0, 10) / 10
        return cls(flag=flag.astype(float), ranking=flag.astype(float) + 0.5 * tie)


def _evaluate(frame: pd.DataFrame, scores: np.ndarray) -> dict[str, Any]:
    y = frame["outcome"].to_numpy(dtype="int64")
    base = Baseline.of(frame)
    model_figures = metrics.ranking_figures(scores, y)
    baseline_figures = {
        "auc": metrics.auc(base.flag, y),
        "precision_top5": round(metrics.precision_at(base.ranking, y), 4),
        "flagged": int(base.flag.sum()),
        "precision_flagged": round(float(y[base.flag == 1].mean()), 4) if base.flag.any() else None,
    }
    if baseline_figures["auc"] is not None:
        baseline_figures["auc"] = round(baseline_figures["auc"], 4)
    return {
        "households": len(y),
        "outcomes": int(y.sum()),
        "model": model_figures,
        "baseline": baseline_figures,
    }


def backtest(
    backend: Backend,
    year: int,
    *,
    kinds: tuple[str, ...] = ("hgb", "logistic"),
    parameters: ParameterSet | None = None,
) -> dict[str, Any]:
    """Train on feature years before ``year``, score ``year``, compare with its outcomes in
    ``year`` + 1. Figures per model kind, for all households and for those not under
    monitoring at the cut-off (the ones a visit list has to find), plus the same model
    trained without the undated current-state features (:data:`UNDATED`)."""
    years = training_years(backend, year, parameters)
    history = stacked(backend, years, parameters)
    test = year_frame(backend, year, with_labels=True, parameters=parameters)
    not_monitored = test["monitored_at_cutoff"].to_numpy() == 0
    report: dict[str, Any] = {
        "year": year,
        "outcome_year": year + 1,
        "training_years": years,
        "training_rows": len(history),
        "training_outcome_rate": round(float(history["outcome"].mean()), 4),
        "models": {},
    }
    variants: list[tuple[str, str, tuple[str, ...]]] = [(k, k, FEATURE_NAMES) for k in kinds]
    dated = tuple(f for f in FEATURE_NAMES if f not in UNDATED)
    variants.append((f"{kinds[0]}_dated_only", kinds[0], dated))
    for name, kind, features in variants:
        model = fit(
            backend, year, kind=kind, features=features, parameters=parameters, history=history
        )
        p = model.score(test)
        y = test["outcome"].to_numpy(dtype="int64")
        report["models"][name] = {
            "features": len(features),
            "all": _evaluate(test, p),
            "not_monitored": _evaluate(test[not_monitored], p[not_monitored]),
            "calibration": metrics.calibration_figures(p, y),
        }
    return report


def rank(
    backend: Backend,
    year: int,
    *,
    kind: str = "hgb",
    today: dt.date,
    parameters: ParameterSet | None = None,
) -> tuple[RiskModel, pd.DataFrame, dict[int, list[tuple[str, float]]]]:
    """The model trained on every year whose outcome is known by ``year``, the features of
    ``year`` (health as known ``today``) with a ``score`` column, and each household's
    reasons."""
    model = fit(backend, year, kind=kind, parameters=parameters)
    frame = year_frame(backend, year, with_labels=False, health_as_of=today, parameters=parameters)
    frame["score"] = model.score(frame)
    return model, frame, model.top_reasons(frame)
