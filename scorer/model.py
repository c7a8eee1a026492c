"""The reply-quality model: three linear classifiers over hashed features, one file.

The file (`scorer.model_file`) holds arrays and plain parameters only, read with numpy's
`allow_pickle=False`: loading it cannot run code. Feature extraction lives in
`scorer.features` (our code, versioned with the package), so the file holds no code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from scorer import evidence, features, model_file
from scorer.langid import LanguageModel
from scorer.linear import LinearHead
from scorer.schema import DIMENSIONS
from scorer.text import Prepared

if TYPE_CHECKING:
    from sklearn.linear_model import LogisticRegression


class ModelLoadError(RuntimeError):
    """The model file is missing, unreadable or not one of ours; the message says what to do."""


@dataclass(slots=True)
class Predictions:
    """Per-reply probabilities (n x 3, DIMENSIONS order) and evidence segment indices.

    `explanation_segment[i]` is the index (into the reply's `Prepared.segments`) of the
    segment that contributed most to the explanation score, or -1; `closing_segment[i]`
    holds the (start, end) offsets in `Prepared.plain` of the line read as the reply's
    ending (the last one before name/initials/emoji trailer lines, or a sign-off line kept
    in the signature block), or (-1, -1).
    """

    proba: np.ndarray
    explanation_segment: np.ndarray
    closing_span: np.ndarray


@dataclass(slots=True)
class ReplyModel:
    greeting: LinearHead
    explanation: LinearHead
    closing: LinearHead
    version: str
    meta: dict[str, Any] = field(default_factory=dict)
    langid: LanguageModel | None = None
    #: The feature extractor's memos for this model's lifetime (never saved).
    caches: features.FeatureCaches = field(default_factory=features.FeatureCaches,
                                           repr=False, compare=False)

    # --- persistence ------------------------------------------------------------------
    def save(self, path: Path) -> None:
        model_file.write(Path(path), version=self.version, meta=self.meta,
                         heads={"greeting": self.greeting, "explanation": self.explanation,
                                "closing": self.closing}, langid=self.langid)

    @classmethod
    def load(cls, path: Path) -> ReplyModel:
        path = Path(path)
        hint = "build it with `scorer train` (or set SCORER_MODEL_PATH to the model file)"
        if not path.is_file():
            raise ModelLoadError(f"model file {str(path)!r} does not exist; {hint}")
        try:
            loaded = model_file.read(path)
        except model_file.ModelFileError as exc:
            raise ModelLoadError(
                f"model file {str(path)!r} is not a reply-scorer model of format "
                f"{model_file.FORMAT}: {exc}; {hint}") from None
        heads = loaded["heads"]
        return cls(greeting=heads["greeting"], explanation=heads["explanation"],
                   closing=heads["closing"], version=loaded["version"], meta=loaded["meta"],
                   langid=loaded["langid"])

    # --- inference ----------------------------------------------------------------------
    def predict(self, prepared: Sequence[Prepared], languages: Sequence[str],
                customer_names: Sequence[str | None],
                word_counts: Sequence[int] | None = None) -> Predictions:
        """Probabilities for a whole batch: one feature pass, one sparse product per head."""
        n = len(prepared)
        if n == 0:
            empty = np.zeros(0, dtype=np.int64)
            return Predictions(np.zeros((0, 3)), empty, np.zeros((0, 2), dtype=np.int64))
        fb = features.extract(prepared, languages, customer_names, word_counts, self.caches)
        proba = np.empty((n, 3), dtype=np.float64)
        for k, (head, x) in enumerate(((self.greeting, fb.greeting),
                                       (self.explanation, fb.explanation),
                                       (self.closing, fb.closing))):
            proba[:, k] = head.positive_proba(x)
        # A reply with no words of its own (empty, only a quote or a signature) has none of
        # the three, by definition; the linear model would otherwise answer its intercept.
        proba[fb.first < 0] = 0.0
        return Predictions(proba, evidence.explanation_segments(self.explanation, fb),
                           fb.closing_span)


def new_head(c: float) -> LogisticRegression:
    """The classifier used for each dimension (liblinear: fast on sparse, small data).

    Training only: scikit-learn is imported here, never on the scoring path.
    """
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, solver="liblinear", max_iter=2000, class_weight="balanced")


def fit_head(c: float, x: Any, y: np.ndarray,
             weight: np.ndarray | None = None) -> LinearHead:
    """Fit a head on the columns the data actually uses, then widen it to the hash space.

    liblinear's cost grows with the number of columns, and a hashed view has 2**18 of which
    a few thousand are ever non-zero: fitting on the used columns is ~40x faster and gives
    the same solution, because an L2-regularised weight of an all-zero column is 0.
    """
    x = x.tocsc()
    used = np.flatnonzero(np.diff(x.indptr))
    clf = new_head(c).fit(x[:, used].tocsr(), y, sample_weight=weight)
    coef = np.zeros(x.shape[1], dtype=np.float64)
    coef[used] = clf.coef_[0]
    return LinearHead(coef=coef, intercept=float(clf.intercept_[0]),
                      classes=np.asarray(clf.classes_), params=dict(clf.get_params()))


__all__ = ["DIMENSIONS", "ModelLoadError", "Predictions", "ReplyModel", "fit_head", "new_head"]
