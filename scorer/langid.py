"""Language detection among nb, nn, sv, da and en for replies that carry no ``language``.

It always answers one of the five; a reply in another language is caught before it runs,
by `scorer.langid_other` (the `unsupported_language` outcome).

A character n-gram model: ``TfidfVectorizer(analyzer="char_wb")`` over lower-cased text plus
a multinomial ``LogisticRegression``. Character n-grams pick up exactly what tells these
close languages apart: the letters å/æ/ø versus ä/ö, and short function words (nynorsk
"ikkje", "kva", "korleis", "eg", "berre", "frå"; Danish "ikke", "hvad", "tak for"; bokmål
"ikke", "hva", "takk"; Swedish "inte", "och", "tack"), seen as n-grams with word boundaries.

scikit-learn fits the pipeline (`fit_language_model`, training only); scoring runs the
fitted pipeline's arithmetic from its arrays (`LanguageModel`), so a scoring process never
imports scikit-learn (see `scorer.linear` for why). `LanguageModel.to_pipeline` rebuilds the
scikit-learn pipeline from the same arrays: the reference that tests/unit/test_langid_fast.py
compares against. Feed the detector the agent's own words (``Prepared.body_text``, falling
back to ``plain``): quoted history may be in another language and HTML markup is noise.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from scorer.memo import BoundedCache
from scorer.schema import LANGUAGES

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

__all__ = ["DEFAULT_LANGUAGE", "LanguageDetector", "LanguageModel", "build_language_pipeline",
           "fit_language_model"]

#: Returned when a text gives no evidence at all (empty or only whitespace).
DEFAULT_LANGUAGE = "nb"
#: Texts are cut to this many characters before vectorising: the language is clear long
#: before that (corpus accuracy is the same as with 2,000), and sklearn's n-gram analyzer
#: is Python code whose cost grows with the text, so the cut bounds detection time.
MAX_CHARS = 300


#: The vectorizer parameters `LanguageModel` reproduces; a stored model must have exactly these.
SUPPORTED_TFIDF = {"analyzer": "char_wb", "lowercase": True, "sublinear_tf": True,
                   "use_idf": True, "norm": "l2", "binary": False, "preprocessor": None,
                   "strip_accents": None, "input": "content"}
#: Distinct words whose n-gram columns a detector keeps (about 4 MB at the limit).
WORD_MEMO_LIMIT = 50_000


def build_language_pipeline(max_features: int = 60_000) -> Pipeline:
    """An unfitted char n-gram TF-IDF + logistic-regression pipeline (training only)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    return Pipeline(
        [
            (
                "tfidf",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(2, 4),  # with char_wb padding, bigrams cover letters
                    lowercase=True,
                    sublinear_tf=True,
                    min_df=2,
                    max_features=max_features,
                    dtype=np.float32,
                ),
            ),
            ("clf", LogisticRegression(C=20.0, max_iter=2000)),
        ]
    )


def fit_language_model(texts: Sequence[str], languages: Sequence[str],
                       max_features: int = 60_000) -> LanguageModel:
    """Fit the pipeline on parallel lists of texts and language codes (each one of LANGUAGES)."""
    if len(texts) != len(languages):
        raise ValueError(
            f"fit_language_model got {len(texts)} texts but {len(languages)} languages; "
            "pass one language code per text"
        )
    unknown = sorted(set(languages) - set(LANGUAGES))
    if unknown:
        raise ValueError(
            f"fit_language_model got unknown language codes {unknown}; "
            f"use one of {list(LANGUAGES)}"
        )
    pipeline = build_language_pipeline(max_features)
    pipeline.fit(_clip(texts), list(languages))
    return LanguageModel.from_pipeline(pipeline)


@dataclass(eq=False)
class LanguageModel:
    """A fitted char_wb TF-IDF + multinomial logistic regression, as arrays.

    `params` holds both estimators' constructor parameters ({"tfidf": …, "clf": …}): the
    model file stores them, `to_pipeline` needs them, and `check_params` refuses a
    vectorizer this arithmetic does not reproduce.
    """

    vocabulary: dict[str, int]
    idf: np.ndarray
    coef: np.ndarray  # n_classes x n_terms
    intercept: np.ndarray
    classes: np.ndarray
    params: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_params(self.params.get("tfidf", {}))
        self.min_n, self.max_n = (int(n) for n in self.params["tfidf"]["ngram_range"])
        self.dtype = np.dtype(self.params["tfidf"].get("dtype", "float64"))
        self.idf = np.asarray(self.idf, dtype=self.dtype)
        n_terms = len(self.idf)
        if self.coef.shape != (len(self.classes), n_terms) or self.intercept.shape != (
                len(self.classes),):
            raise ValueError(f"language model shapes disagree: coef {self.coef.shape}, "
                             f"intercept {self.intercept.shape}, {len(self.classes)} classes, "
                             f"{n_terms} terms")
        if len(self.classes) < 3:
            raise ValueError(f"a language model needs at least 3 classes (multinomial), got "
                             f"{self.classes.tolist()}")
        self.coef_t = np.ascontiguousarray(self.coef.T)

    @classmethod
    def from_pipeline(cls, pipeline: Pipeline) -> LanguageModel:
        """The arrays of a fitted `build_language_pipeline()`."""
        tfidf, clf = pipeline.named_steps["tfidf"], pipeline.named_steps["clf"]
        params = tfidf.get_params()
        params["dtype"] = np.dtype(params["dtype"]).name  # as the model file's JSON has them
        params["ngram_range"] = list(params["ngram_range"])
        return cls(vocabulary=dict(tfidf.vocabulary_), idf=np.asarray(tfidf.idf_),
                   coef=np.asarray(clf.coef_), intercept=np.asarray(clf.intercept_),
                   classes=np.asarray(clf.classes_),
                   params={"tfidf": params, "clf": clf.get_params()})

    def to_pipeline(self) -> Pipeline:
        """The scikit-learn pipeline these arrays came from (the reference; imports sklearn)."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import Pipeline

        vec = dict(self.params["tfidf"])
        vec["dtype"] = np.dtype(vec["dtype"]).type
        vec["ngram_range"] = tuple(vec["ngram_range"])
        tfidf = TfidfVectorizer(**vec)
        tfidf.vocabulary_ = dict(self.vocabulary)
        tfidf.idf_ = self.idf
        clf = LogisticRegression(**self.params["clf"])
        clf.coef_, clf.intercept_, clf.classes_ = self.coef, self.intercept, self.classes
        clf.n_features_in_ = self.coef.shape[1]
        return Pipeline([("tfidf", tfidf), ("clf", clf)])

    def _word_columns(self, word: str) -> bytes:
        """Vocabulary columns of one word's n-grams, as sklearn's _char_wb_ngrams makes them,
        packed as native int32 bytes."""
        w = f" {word} "
        vocab = self.vocabulary
        cols = []
        for n in range(self.min_n, self.max_n + 1):
            last = len(w) - n
            for i in range(max(last, 0) + 1):
                col = vocab.get(w[i:i + n])
                if col is not None:
                    cols.append(col)
            if last <= 0:  # a word shorter than n yields itself once, then nothing longer
                break
        return np.asarray(cols, dtype=np.int32).tobytes()

    def decision_function(self, texts: Sequence[str],
                          words: BoundedCache[str, bytes] | None = None) -> np.ndarray:
        """The pipeline's `decision_function` (n_texts x n_classes).

        With ``char_wb`` the n-grams of a text are exactly the union of those of its
        whitespace-separated words, and words recur across replies, so each distinct
        word's columns come from `words` (computed once, packed as int32 bytes and joined
        with one ``bytes.join``: turning ~500k Python ints per 1000 texts into an index
        array cost about half of detection). Then sublinear tf, idf, l2 norm and the
        linear decision: the pipeline's own arithmetic on the same numbers.
        """
        if words is None:
            words = BoundedCache(WORD_MEMO_LIMIT)
        chunks: list[bytes] = []
        indptr = [0]
        size = 0
        for text in texts:
            for word in text.lower().split():
                words.lookups += 1
                cols = words.get(word)
                if cols is None:
                    words.misses += 1
                    cols = self._word_columns(word)
                    words.put(word, cols)
                chunks.append(cols)
                size += len(cols)
            indptr.append(size // 4)
        indices = np.frombuffer(bytearray(b"".join(chunks)), dtype=np.int32)
        x = sp.csr_matrix((np.ones(len(indices), dtype=self.dtype), indices,
                           np.asarray(indptr, dtype=np.int32)),
                          shape=(len(texts), len(self.idf)))
        x.sum_duplicates()
        np.log(x.data, x.data)
        x.data += 1
        x.data *= self.idf[x.indices]
        norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
        norms[norms == 0] = 1
        x.data /= np.repeat(norms, np.diff(x.indptr)).astype(self.dtype)
        return np.asarray(x @ self.coef_t + self.intercept)


def check_params(tfidf: dict[str, Any]) -> None:
    """Refuse vectorizer parameters that `LanguageModel` does not reproduce, naming the first."""
    for key, want in SUPPORTED_TFIDF.items():
        if tfidf.get(key) != want:
            raise ValueError(f"language vectorizer parameter {key}={tfidf.get(key)!r} is not "
                             f"supported (the detector reproduces {key}={want!r}); retrain "
                             "with `scorer train`")
    ngrams = tfidf.get("ngram_range")
    if (not isinstance(ngrams, list | tuple) or len(ngrams) != 2
            or not 1 <= int(ngrams[0]) <= int(ngrams[1])):
        raise ValueError(f"language vectorizer ngram_range={ngrams!r} is not a (min, max) pair")


def _clip(texts: Iterable[str]) -> list[str]:
    return [(t if isinstance(t, str) else str(t))[:MAX_CHARS] for t in texts]


class LanguageDetector:
    """Detects nb/nn/sv/da/en from text with a fitted `LanguageModel`; owns its word memo."""

    def __init__(self, model: LanguageModel) -> None:
        self.model = model
        self.words: BoundedCache[str, bytes] = BoundedCache(WORD_MEMO_LIMIT)

    @property
    def classes(self) -> list[str]:
        return [str(c) for c in self.model.classes]

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Class probabilities, one row per text, columns in ``self.classes`` order (the
        multinomial model's softmax of its decision)."""
        if len(texts) == 0:
            return np.zeros((0, len(self.model.classes)))
        z = self.model.decision_function(_clip(texts), self.words)
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def predict(self, texts: Sequence[str]) -> list[str]:
        """The most likely language of every text, in one pass for the whole batch.

        Texts with no characters at all get DEFAULT_LANGUAGE; anything else (even "ok" or an
        emoji) gets the model's best guess.
        """
        if len(texts) == 0:
            return []
        clipped = _clip(texts)
        best = self.model.decision_function(clipped, self.words).argmax(axis=1)
        return [
            str(self.model.classes[k]) if text.strip() else DEFAULT_LANGUAGE
            for k, text in zip(best, clipped, strict=True)
        ]
