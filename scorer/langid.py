"""Language detection among nb, nn, sv, da and en for replies that carry no ``language``.

It always answers one of the five; a reply in another language is caught before it runs,
by `scorer.langid_other` (the `unsupported_language` outcome).

A character n-gram model: ``TfidfVectorizer(analyzer="char_wb")`` over lower-cased text plus
a multinomial ``LogisticRegression``. Character n-grams pick up exactly what tells these
close languages apart: the letters å/æ/ø versus ä/ö, and short function words (nynorsk
"ikkje", "kva", "korleis", "eg", "berre", "frå"; Danish "ikke", "hvad", "tak for"; bokmål
"ikke", "hva", "takk"; Swedish "inte", "och", "tack"), seen as n-grams with word boundaries.

The pipeline is made only of plain scikit-learn objects so it can be stored inside the main
model file as arrays and parameters (`scorer.model_file`). ``LanguageDetector`` is a thin
wrapper that owns the pipeline and a fallback for empty text. Feed it the agent's own
words (``Prepared.body_text``, falling back to ``plain``): quoted history may be in another
language and HTML markup is noise.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from scorer.schema import LANGUAGES

__all__ = ["DEFAULT_LANGUAGE", "LanguageDetector", "build_language_pipeline"]

#: Returned when a text gives no evidence at all (empty or only whitespace).
DEFAULT_LANGUAGE = "nb"
#: Texts are cut to this many characters before vectorising: the language is clear long
#: before that (corpus accuracy is the same as with 2,000), and sklearn's n-gram analyzer
#: is Python code whose cost grows with the text, so the cut bounds detection time.
MAX_CHARS = 300


def build_language_pipeline(max_features: int = 60_000) -> Pipeline:
    """An unfitted char n-gram TF-IDF + logistic-regression pipeline (plain sklearn only)."""
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


class _WordCachedPredictor:
    """The fitted pipeline's `predict`, computed from cached per-word n-gram columns.

    sklearn's ``char_wb`` analyzer slices every 2-4-gram of every word of every text in
    Python (~170 µs of the ~280 µs a text took). With ``char_wb`` the n-grams of a text
    are exactly the union of those of its whitespace-separated words, and the same words
    recur across replies, so the vocabulary columns of each distinct word are computed
    once and cached; the rest (sublinear tf, idf, l2 norm, the linear decision) is the
    pipeline's own arithmetic on the same numbers. `supports` accepts only the pipeline
    shape this reproduces; anything else goes through sklearn unchanged.
    """

    MAX_CACHED_WORDS = 50_000  # see features.FeatureCaches.limit

    def __init__(self, pipeline: Pipeline) -> None:
        tfidf, clf = pipeline.named_steps["tfidf"], pipeline.named_steps["clf"]
        self.vocabulary: dict[str, int] = tfidf.vocabulary_
        self.min_n, self.max_n = tfidf.ngram_range
        self.dtype = tfidf.dtype
        self.idf = tfidf.idf_.astype(self.dtype)
        self.coef_t = clf.coef_.T
        self.intercept = clf.intercept_
        self.classes = clf.classes_
        #: word -> its n-gram columns as packed int32 bytes (see `decision_function`)
        self._words: dict[str, bytes] = {}

    @staticmethod
    def supports(pipeline: Pipeline) -> bool:
        steps = getattr(pipeline, "named_steps", {})
        tfidf, clf = steps.get("tfidf"), steps.get("clf")
        if len(steps) != 2 or not isinstance(tfidf, TfidfVectorizer) or not isinstance(
                clf, LogisticRegression) or not hasattr(clf, "coef_"):
            return False
        p = tfidf.get_params()
        return (p["analyzer"] == "char_wb" and p["lowercase"] and p["sublinear_tf"]
                and p["use_idf"] and p["norm"] == "l2" and not p["binary"]
                and p["preprocessor"] is None and p["strip_accents"] is None
                and p["input"] == "content" and clf.coef_.shape[0] > 2
                and getattr(tfidf, "vocabulary_", None) is not None)

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

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        return self.classes[self.decision_function(texts).argmax(axis=1)]

    def decision_function(self, texts: Sequence[str]) -> np.ndarray:
        """The pipeline's `decision_function` (n_texts x n_classes) for lower-case-able texts."""
        from scipy.sparse import csr_matrix

        words = self._words
        if len(words) > self.MAX_CACHED_WORDS:
            words.clear()
        # Each word's columns are cached as packed int32 bytes and joined with one
        # bytes.join: turning ~500k Python ints per 1000 texts into an index array cost
        # about half of detection; the matrix is the same, so sum_duplicates orders it the
        # same and the arithmetic below is unchanged.
        chunks: list[bytes] = []
        indptr = [0]
        size = 0
        for text in texts:
            for word in text.lower().split():
                cols = words.get(word)
                if cols is None:
                    cols = words[word] = self._word_columns(word)
                chunks.append(cols)
                size += len(cols)
            indptr.append(size // 4)
        indices = np.frombuffer(bytearray(b"".join(chunks)), dtype=np.int32)
        x = csr_matrix((np.ones(len(indices), dtype=self.dtype), indices,
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


def _clip(texts: Iterable[str]) -> list[str]:
    return [(t if isinstance(t, str) else str(t))[:MAX_CHARS] for t in texts]


class LanguageDetector:
    """Detects nb/nn/sv/da/en from text; wraps a fitted ``build_language_pipeline()``."""

    def __init__(self, pipeline: Pipeline | None = None) -> None:
        self.pipeline = pipeline if pipeline is not None else build_language_pipeline()
        self._fitted = pipeline is not None and hasattr(pipeline, "classes_")
        self._fast = (_WordCachedPredictor(self.pipeline)
                      if self._fitted and _WordCachedPredictor.supports(self.pipeline) else None)

    @property
    def classes(self) -> list[str]:
        return [str(c) for c in self.pipeline.classes_]

    def fit(self, texts: Sequence[str], languages: Sequence[str]) -> LanguageDetector:
        """Fit on parallel lists of texts and language codes (each one of LANGUAGES)."""
        if len(texts) != len(languages):
            raise ValueError(
                f"LanguageDetector.fit got {len(texts)} texts but {len(languages)} languages; "
                "pass one language code per text"
            )
        unknown = sorted(set(languages) - set(LANGUAGES))
        if unknown:
            raise ValueError(
                f"LanguageDetector.fit got unknown language codes {unknown}; "
                f"use one of {list(LANGUAGES)}"
            )
        self.pipeline.fit(_clip(texts), list(languages))
        self._fitted = True
        self._fast = (_WordCachedPredictor(self.pipeline)
                      if _WordCachedPredictor.supports(self.pipeline) else None)
        return self

    def _check_fitted(self) -> None:
        if not self._fitted:
            raise RuntimeError(
                "LanguageDetector is not fitted; call fit(texts, languages) or load the model "
                "artifact that contains it"
            )

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Class probabilities, one row per text, columns in ``self.classes`` order."""
        self._check_fitted()
        if len(texts) == 0:
            return np.zeros((0, len(self.pipeline.classes_)))
        return self.pipeline.predict_proba(_clip(texts))

    def predict(self, texts: Sequence[str]) -> list[str]:
        """The most likely language of every text, in one sklearn call for the whole batch.

        Texts with no characters at all get DEFAULT_LANGUAGE; anything else (even "ok" or an
        emoji) gets the model's best guess.
        """
        self._check_fitted()
        if len(texts) == 0:
            return []
        clipped = _clip(texts)
        predicted = (self._fast.predict(clipped) if self._fast is not None
                     else self.pipeline.predict(clipped))
        return [
            str(lang) if text.strip() else DEFAULT_LANGUAGE
            for lang, text in zip(predicted, clipped, strict=True)
        ]

    def predict_one(self, text: str) -> str:
        return self.predict([text])[0]
