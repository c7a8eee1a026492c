"""The reply-quality model: three linear classifiers over hashed features, one skops file.

The artifact is a plain dict of sklearn objects and JSON-like metadata, written with
`skops.io` (never pickle): loading it cannot run arbitrary code, and every type in it is
checked against `TRUSTED_TYPES` before it is loaded. Feature extraction lives in
`scorer.features` (our code, versioned with the package), so the file holds no custom
classes.

Layout of the dict:
    {"format": 1, "version": str, "meta": {...},
     "greeting": LogisticRegression, "explanation": ..., "closing": ...,
     "langid": fitted language pipeline or None}
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import skops.io as sio
from sklearn.linear_model import LogisticRegression
from skops.io.exceptions import UntrustedTypesFoundException

from scorer import features
from scorer.schema import DIMENSIONS
from scorer.text import Prepared

FORMAT = 1

#: Types allowed in the artifact beyond skops's defaults. Anything else in the file is
#: refused, so a tampered model cannot smuggle in code.
TRUSTED_TYPES: frozenset[str] = frozenset({
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.pipeline.Pipeline",
    "sklearn.pipeline.FeatureUnion",
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.feature_extraction.text.CountVectorizer",
    "sklearn.feature_extraction.text.HashingVectorizer",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.naive_bayes.MultinomialNB",
    "sklearn.naive_bayes.ComplementNB",
    "sklearn.linear_model._stochastic_gradient.SGDClassifier",
    "sklearn.svm._classes.LinearSVC",
    "sklearn.preprocessing._label.LabelEncoder",
    "sklearn.preprocessing._data.Normalizer",
    "sklearn.calibration.CalibratedClassifierCV",
    "builtins.slice",
    "numpy.float64",
    "numpy.int64",
    "numpy.dtype",
    "numpy.ndarray",
    "scipy.sparse._csr.csr_matrix",
    "builtins.str",
    "builtins.int",
    "builtins.float",
    "builtins.dict",
    "builtins.list",
    "builtins.tuple",
    "builtins.NoneType",
    "builtins.bool",
    "builtins.type",
})


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
    greeting: LogisticRegression
    explanation: LogisticRegression
    closing: LogisticRegression
    version: str
    meta: dict[str, Any] = field(default_factory=dict)
    langid: Any = None
    #: The feature extractor's memos for this model's lifetime (never saved).
    caches: features.FeatureCaches = field(default_factory=features.FeatureCaches,
                                           repr=False, compare=False)

    # --- persistence ------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {"format": FORMAT, "version": self.version, "meta": self.meta,
                "greeting": self.greeting, "explanation": self.explanation,
                "closing": self.closing, "langid": self.langid}

    def save(self, path: Path) -> None:
        import zipfile

        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        _plain_vocabularies(self.langid)
        sio.dump(self.to_dict(), tmp, compression=zipfile.ZIP_DEFLATED, compresslevel=9)
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> ReplyModel:
        path = Path(path)
        hint = "build it with `scorer train` (or set SCORER_MODEL_PATH to the model file)"
        if not path.is_file():
            raise ModelLoadError(f"model file {str(path)!r} does not exist; {hint}")
        # One pass: skops refuses any type outside `trusted` while it reads the tree, so a
        # separate get_untrusted_types() audit would only parse the file twice.
        try:
            obj = sio.load(path, trusted=sorted(TRUSTED_TYPES))
        except UntrustedTypesFoundException as exc:
            raise ModelLoadError(
                f"model file {str(path)!r} contains types that are not trusted ({exc}); "
                "rebuild it with `scorer train`"
            ) from None
        except Exception as exc:
            raise ModelLoadError(
                f"model file {str(path)!r} could not be loaded ({exc}); {hint}"
            ) from None
        if not isinstance(obj, dict) or obj.get("format") != FORMAT:
            raise ModelLoadError(
                f"model file {str(path)!r} is not a reply-scorer model of format {FORMAT}; {hint}"
            )
        return cls(greeting=obj["greeting"], explanation=obj["explanation"],
                   closing=obj["closing"], version=str(obj["version"]),
                   meta=dict(obj.get("meta") or {}), langid=obj.get("langid"))

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
            proba[:, k] = _positive_proba(head, x)
        # A reply with no words of its own (empty, only a quote or a signature) has none of
        # the three, by definition; the linear model would otherwise answer its intercept.
        proba[fb.first < 0] = 0.0
        return Predictions(proba, _explanation_segments(self.explanation, fb),
                           fb.closing_span)


def _plain_vocabularies(pipeline: Any) -> None:
    """Turn fitted vectorizers' numpy-int vocabulary indices into Python ints, in place.

    skops writes every numpy scalar as its own array file in the zip, and audits each one on
    load: an 8,000-term vocabulary was 16k entries and 3 s of the model load. As Python
    ints the vocabulary is one JSON node; the vectorizer's output is unchanged.
    """
    for _, step in getattr(pipeline, "steps", ()):
        vocabulary = getattr(step, "vocabulary_", None)
        if isinstance(vocabulary, dict):
            step.vocabulary_ = {term: int(index) for term, index in vocabulary.items()}


def _positive_proba(clf: LogisticRegression, x: Any) -> np.ndarray:
    """P(label = 1) straight from the linear score (avoids predict_proba's 2-column copy)."""
    z = x @ clf.coef_[0] + clf.intercept_[0]
    z = np.clip(np.asarray(z).ravel(), -40.0, 40.0)
    p = 1.0 / (1.0 + np.exp(-z))
    return p if clf.classes_[1] == 1 else 1.0 - p


def _explanation_segments(clf: LogisticRegression, fb: features.FeatureBatch) -> np.ndarray:
    """Index of each reply's segment whose own features push the explanation score most."""
    n = len(fb.first)
    out = np.full(n, -1, dtype=np.int64)
    if fb.segments.shape[0] == 0:
        return out
    seg = fb.segments.copy()
    seg.data = np.log1p(seg.data)
    scores = np.asarray(seg @ clf.coef_[0]).ravel()
    # Segments are grouped by reply in order: sort by (reply, -score) and take each reply's
    # first entry - one vectorised pass instead of an argmax per reply.
    order = np.lexsort((-scores, fb.seg_owner))
    has = fb.first >= 0
    out[has] = order[fb.first[has]] - fb.first[has]
    return out


def new_head(c: float) -> LogisticRegression:
    """The classifier used for each dimension (liblinear: fast on sparse, small data)."""
    return LogisticRegression(C=c, solver="liblinear", max_iter=2000, class_weight="balanced")


def fit_head(c: float, x: Any, y: np.ndarray,
             weight: np.ndarray | None = None) -> LogisticRegression:
    """Fit a head on the columns the data actually uses, then widen it to the hash space.

    liblinear's cost grows with the number of columns, and a hashed view has 2**18 of which
    a few thousand are ever non-zero: fitting on the used columns is ~40x faster and gives
    the same solution, because an L2-regularised weight of an all-zero column is 0.
    """
    x = x.tocsc()
    used = np.flatnonzero(np.diff(x.indptr))
    clf = new_head(c).fit(x[:, used].tocsr(), y, sample_weight=weight)
    coef = np.zeros((1, x.shape[1]), dtype=np.float64)
    coef[0, used] = clf.coef_[0]
    clf.coef_ = coef
    clf.n_features_in_ = x.shape[1]
    return clf


__all__ = ["DIMENSIONS", "ModelLoadError", "Predictions", "ReplyModel", "fit_head", "new_head"]
