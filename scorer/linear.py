"""A fitted binary logistic-regression head as plain arrays: inference without scikit-learn.

Training fits scikit-learn's `LogisticRegression`; scoring needs only its weights. Importing
scikit-learn costs every scoring process about 1.5 s and 70 MB (a third of a failover's
cold start and of `scorer score`) to compute one sparse dot product per head, so a fitted
estimator becomes a `LinearHead` once (`from_estimator`), is stored as arrays
(`scorer.model_file`) and scored here. The estimator stays the reference: `to_estimator`
rebuilds it from the same arrays, and tests/unit/test_linear.py checks that both give the same
probabilities.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from sklearn.linear_model import LogisticRegression

__all__ = ["LinearHead"]


@dataclass(frozen=True, slots=True, eq=False)
class LinearHead:
    """Weights of one binary logistic regression: P(classes[1]) = sigmoid(x·coef + intercept).

    `params` are the estimator's constructor parameters, kept for the model file and the
    card; inference never reads them.
    """

    coef: np.ndarray
    intercept: float
    classes: np.ndarray
    params: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.coef.ndim != 1:
            raise ValueError(f"a head's coefficients must be one row, not shape "
                             f"{self.coef.shape}; binary classifiers only")
        if self.classes.shape != (2,):
            raise ValueError(f"a head has two classes, not {self.classes.tolist()!r}")

    @classmethod
    def from_estimator(cls, clf: LogisticRegression) -> LinearHead:
        """The arrays of a fitted binary `LogisticRegression`."""
        coef = np.asarray(clf.coef_, dtype=np.float64)
        if coef.shape[0] != 1:
            raise ValueError(f"expected a binary classifier, got {coef.shape[0]} rows of "
                             "coefficients")
        return cls(coef=coef[0].copy(), intercept=float(np.asarray(clf.intercept_)[0]),
                   classes=np.asarray(clf.classes_).copy(), params=dict(clf.get_params()))

    def to_estimator(self) -> LogisticRegression:
        """The scikit-learn estimator these arrays came from (the reference; imports sklearn)."""
        from sklearn.linear_model import LogisticRegression

        clf = LogisticRegression(**self.params)
        clf.coef_ = self.coef[None, :]
        clf.intercept_ = np.array([self.intercept])
        clf.classes_ = self.classes
        clf.n_features_in_ = len(self.coef)
        return clf

    @property
    def n_features(self) -> int:
        return len(self.coef)

    def decision(self, x: Any) -> np.ndarray:
        """x·coef + intercept per row of `x` (a sparse or dense n x n_features matrix)."""
        return np.asarray(x @ self.coef).ravel() + self.intercept

    def positive_proba(self, x: Any) -> np.ndarray:
        """P(label = 1) per row: the logistic of the decision (clipped, so exp never overflows)."""
        p = 1.0 / (1.0 + np.exp(-np.clip(self.decision(x), -40.0, 40.0)))
        return p if self.classes[1] == 1 else 1.0 - p

    def predict(self, x: Any) -> np.ndarray:
        """The class of each row, as the estimator's `predict` answers it (decision > 0)."""
        return self.classes[(self.decision(x) > 0).astype(np.intp)]
