"""The array-only language model computes what the scikit-learn pipeline computes.

`LanguageModel` is what scoring runs (no scikit-learn import); `to_pipeline` rebuilds the
scikit-learn pipeline from the same arrays, the reference these tests compare against.
"""

from __future__ import annotations

import numpy as np
import pytest

from scorer.langid import LanguageDetector, LanguageModel, _clip, check_params
from scorer.memo import BoundedCache
from scorer.model import ReplyModel
from scorer.settings import Settings
from scorer.text import prepare
from scorer.traffic import load_corpus

EDGE_CASES = ["", " ", "a", "ok", "🙂", "Hei  på\tdeg\n", "ÆØÅ ÄÖ ÆØÅ", "x" * 400,
              "ΟΔΟΣ ΣΟΦΟΣ", "İstanbul", "ﬁne ß STRASSE", "a\u00a0b\u2003c"]


@pytest.fixture(scope="module")
def model() -> LanguageModel:
    loaded = ReplyModel.load(Settings().model_path)
    if loaded.langid is None:
        pytest.skip("the shipped model has no language detector")
    return loaded.langid


@pytest.fixture(scope="module")
def texts() -> list[str]:
    rows = load_corpus()
    bodies = [prepare(r["text"], r.get("content_type", "text/plain")).body_text
              for r in rows]
    return _clip(bodies + EDGE_CASES)


def test_decisions_and_probabilities_match_the_sklearn_pipeline(model: LanguageModel,
                                                                 texts: list[str]) -> None:
    reference = model.to_pipeline()
    np.testing.assert_allclose(model.decision_function(texts),
                               reference.decision_function(texts), rtol=1e-4, atol=1e-4)
    detector = LanguageDetector(model)
    np.testing.assert_allclose(detector.predict_proba(texts), reference.predict_proba(texts),
                               rtol=1e-4, atol=1e-6)
    expected = [str(c) for c in reference.predict(texts)]
    got = detector.predict(texts)
    assert [g for g, t in zip(got, texts, strict=True) if t.strip()] == [
        e for e, t in zip(expected, texts, strict=True) if t.strip()]


def test_answers_are_the_same_with_the_word_memo_warm_cold_or_emptied_when_full(
        model: LanguageModel, texts: list[str]) -> None:
    first = model.decision_function(texts)
    memo: BoundedCache[str, bytes] = BoundedCache(50)  # far fewer than the distinct words
    np.testing.assert_array_equal(model.decision_function(texts, memo), first)
    np.testing.assert_array_equal(model.decision_function(texts[::-1], memo), first[::-1])
    assert memo.misses > 50 and len(memo) <= 50


def test_a_pipeline_round_trips_through_its_arrays(model: LanguageModel) -> None:
    again = LanguageModel.from_pipeline(model.to_pipeline())
    assert again.vocabulary == model.vocabulary and again.params == model.params
    for name in ("idf", "coef", "intercept", "classes"):
        assert np.array_equal(getattr(again, name), getattr(model, name))


@pytest.mark.parametrize(("key", "value"), [("analyzer", "char"), ("sublinear_tf", False),
                                            ("norm", "l1"), ("lowercase", False)])
def test_a_vectorizer_the_arrays_do_not_reproduce_is_refused_by_name(
        model: LanguageModel, key: str, value: object) -> None:
    with pytest.raises(ValueError, match=f"parameter {key}="):
        check_params({**model.params["tfidf"], key: value})
