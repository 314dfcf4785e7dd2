"""Training, scoring and explaining: a scikit-learn classifier over :data:`FEATURE_NAMES`.

Training rows are (household, year) pairs for the feature years before the scored one whose
outcome is known; a household appears once per year. The model is deterministic (fixed
``random_state``, no early-stopping split), so the same registry gives the same ranking.

A household's main reasons are a local, model-agnostic explanation: for each feature, how much
its score falls when that one value is replaced by the training median (the "typical
household"); the features whose replacement lowers the score most are the reasons.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from jingzhun.risk.features import FEATURE_NAMES

MODEL_KINDS = ("hgb", "logistic")
REASONS_PER_HOUSEHOLD = 3
EXPLAIN_CHUNK = 20_000


def make_classifier(kind: str, features: tuple[str, ...] = FEATURE_NAMES) -> object:
    """A fresh, deterministic classifier: ``hgb`` (gradient-boosted trees; NaN handled
    natively) or ``logistic`` (median-imputed, standardised logistic regression)."""
    if kind == "hgb":
        return HistGradientBoostingClassifier(
            max_iter=200,
            learning_rate=0.05,
            max_leaf_nodes=31,
            min_samples_leaf=40,
            l2_regularization=1.0,
            early_stopping=False,
            random_state=0,
        )
    if kind == "logistic":
        return make_pipeline(
            SimpleImputer(strategy="median", keep_empty_features=True),
            StandardScaler(),
            LogisticRegression(C=1.0, max_iter=2000),
        )
    raise ValueError(f"未知的模型“{kind}”：可用 {'、'.join(MODEL_KINDS)}。")


@dataclass
class RiskModel:
    kind: str
    features: tuple[str, ...]
    classifier: object
    medians: pd.Series
    training_rows: int
    training_positives: int
    training_years: list[int] = field(default_factory=list)

    def score(self, frame: pd.DataFrame) -> np.ndarray:
        """Predicted probability of the outcome for each row of ``frame``."""
        x = frame[list(self.features)].to_numpy(dtype="float64")
        return self.classifier.predict_proba(x)[:, 1]  # type: ignore[attr-defined]

    def contributions(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Per row and feature: the score minus the score with that feature set to its
        training median. Positive = the value raises this household's score."""
        base = self.score(frame)
        out = pd.DataFrame(index=frame.index, columns=list(self.features), dtype="float64")
        for start in range(0, len(frame), EXPLAIN_CHUNK):
            part = frame.iloc[start : start + EXPLAIN_CHUNK]
            x = part[list(self.features)].to_numpy(dtype="float64")
            for j, name in enumerate(self.features):
                typical = x.copy()
                typical[:, j] = self.medians[name]
                moved = self.classifier.predict_proba(typical)[:, 1]  # type: ignore[attr-defined]
                out.iloc[start : start + len(part), j] = base[start : start + len(part)] - moved
        return out

    def top_reasons(
        self, frame: pd.DataFrame, n: int = REASONS_PER_HOUSEHOLD
    ) -> dict[int, list[tuple[str, float]]]:
        """{household id: [(feature, contribution), …]}: up to ``n`` features that raise the
        score, largest first (none when nothing about the household stands out)."""
        contrib = self.contributions(frame)
        values = contrib.to_numpy()
        order = np.argsort(-values, axis=1)[:, :n]
        out: dict[int, list[tuple[str, float]]] = {}
        for row, hid in enumerate(contrib.index):
            picked = []
            for j in order[row]:
                effect = float(values[row, j])
                if effect > 0:
                    picked.append((self.features[j], effect))
            out[int(hid)] = picked
        return out


def train(
    frame: pd.DataFrame,
    labels: pd.Series,
    *,
    kind: str = "hgb",
    features: tuple[str, ...] = FEATURE_NAMES,
    years: list[int] | None = None,
) -> RiskModel:
    """Fit ``kind`` on ``frame`` (rows of :func:`build_features`, possibly several years
    stacked) against ``labels`` (aligned 0/1)."""
    x = frame[list(features)].to_numpy(dtype="float64")
    y = labels.to_numpy(dtype="int64")
    if len(np.unique(y)) < 2:
        raise ValueError("训练数据中只有一种结果（全部发生或全部未发生），无法训练排序模型。")
    classifier = make_classifier(kind, features)
    classifier.fit(x, y)  # type: ignore[attr-defined]
    medians = frame[list(features)].median().fillna(0.0)
    return RiskModel(
        kind=kind,
        features=features,
        classifier=classifier,
        medians=medians,
        training_rows=len(y),
        training_positives=int(y.sum()),
        training_years=list(years or []),
    )
