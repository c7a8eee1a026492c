"""Language detection among nb, nn, sv, da and en for replies that carry no ``language``.

A character n-gram model: ``TfidfVectorizer(analyzer="char_wb")`` over lower-cased text plus
a multinomial ``LogisticRegression``. Character n-grams pick up exactly what tells these
close languages apart: the letters å/æ/ø versus ä/ö, and short function words (nynorsk
"ikkje", "kva", "korleis", "eg", "berre", "frå"; Danish "ikke", "hvad", "tak for"; bokmål
"ikke", "hva", "takk"; Swedish "inte", "och", "tack"), seen as n-grams with word boundaries.

The pipeline is made only of plain scikit-learn objects so it can be stored inside the main
model artifact with skops without trusting custom types. ``LanguageDetector`` is a thin
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


def _clip(texts: Iterable[str]) -> list[str]:
    return [(t if isinstance(t, str) else str(t))[:MAX_CHARS] for t in texts]


class LanguageDetector:
    """Detects nb/nn/sv/da/en from text; wraps a fitted ``build_language_pipeline()``."""

    def __init__(self, pipeline: Pipeline | None = None) -> None:
        self.pipeline = pipeline if pipeline is not None else build_language_pipeline()
        self._fitted = pipeline is not None and hasattr(pipeline, "classes_")

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
        predicted = self.pipeline.predict(clipped)
        return [
            str(lang) if text.strip() else DEFAULT_LANGUAGE
            for lang, text in zip(predicted, clipped, strict=True)
        ]

    def predict_one(self, text: str) -> str:
        return self.predict([text])[0]
