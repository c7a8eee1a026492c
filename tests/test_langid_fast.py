"""The word-cached language detection path computes what the sklearn pipeline computes."""

from __future__ import annotations

import numpy as np
import pytest

from scorer.langid import LanguageDetector, _clip, _WordCachedPredictor
from scorer.model import ReplyModel
from scorer.settings import Settings
from scorer.text import prepare
from scorer.traffic import load_corpus

EDGE_CASES = ["", " ", "a", "ok", "🙂", "Hei  på\tdeg\n", "ÆØÅ ÄÖ ÆØÅ", "x" * 400,
              "ΟΔΟΣ ΣΟΦΟΣ", "İstanbul", "ﬁne ß STRASSE", "a\u00a0b\u2003c"]


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    model = ReplyModel.load(Settings().model_path)
    if model.langid is None:
        pytest.skip("the shipped model has no language detector")
    return LanguageDetector(model.langid)


@pytest.fixture(scope="module")
def texts() -> list[str]:
    rows = load_corpus()
    bodies = [prepare(r["text"], r.get("content_type", "text/plain")).body_text
              for r in rows]
    return _clip(bodies + EDGE_CASES)


def test_shipped_pipeline_takes_the_fast_path(detector: LanguageDetector) -> None:
    assert detector._fast is not None


def test_fast_path_decisions_match_the_pipeline(detector: LanguageDetector,
                                                texts: list[str]) -> None:
    fast = detector._fast
    assert fast is not None
    expected = detector.pipeline.decision_function(texts)
    np.testing.assert_allclose(fast.decision_function(texts), expected, rtol=1e-4, atol=1e-4)
    assert list(fast.predict(texts)) == list(detector.pipeline.predict(texts))


def test_fast_path_is_stable_when_its_word_cache_is_warm_or_cleared(
        detector: LanguageDetector, texts: list[str]) -> None:
    fast = detector._fast
    assert fast is not None
    first = list(fast.predict(texts))
    assert list(fast.predict(texts)) == first  # every word now from the cache
    fast._words.clear()
    assert list(fast.predict(texts[::-1])) == first[::-1]


def test_unsupported_pipeline_falls_back_to_sklearn() -> None:
    from sklearn.pipeline import Pipeline

    from scorer.langid import build_language_pipeline

    pipe = build_language_pipeline()
    pipe.set_params(tfidf__analyzer="char")
    assert not _WordCachedPredictor.supports(pipe)  # unfitted and not char_wb
    assert not _WordCachedPredictor.supports(Pipeline([("clf", pipe.named_steps["clf"])]))
