"""A `LinearHead` scores exactly as the scikit-learn estimator it came from."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp

from scorer.linear import LinearHead
from scorer.model import fit_head


@pytest.fixture(scope="module")
def data() -> tuple[sp.csr_matrix, np.ndarray]:
    rng = np.random.default_rng(7)
    x = sp.random(400, 2_000, density=0.01, format="csr", random_state=rng)
    y = (np.asarray(x[:, :50].sum(axis=1)).ravel() > 0.2).astype(np.int64)
    return x, y


def test_probabilities_and_classes_match_the_estimator(data) -> None:
    x, y = data
    head = fit_head(1.0, x, y)
    clf = head.to_estimator()
    np.testing.assert_allclose(head.positive_proba(x), clf.predict_proba(x)[:, 1], rtol=1e-12)
    np.testing.assert_array_equal(head.predict(x), clf.predict(x))
    again = LinearHead.from_estimator(clf)
    assert np.array_equal(again.coef, head.coef) and again.intercept == head.intercept


def test_fitting_on_the_used_columns_gives_the_full_fit(data) -> None:
    from sklearn.linear_model import LogisticRegression

    x, y = data
    head = fit_head(1.0, x, y)
    full = LogisticRegression(C=1.0, solver="liblinear", max_iter=2000,
                              class_weight="balanced").fit(x, y)
    np.testing.assert_allclose(head.positive_proba(x), full.predict_proba(x)[:, 1], atol=1e-6)


def test_a_multiclass_estimator_or_a_bad_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="one row"):
        LinearHead(np.zeros((2, 3)), 0.0, np.array([0, 1]))
    with pytest.raises(ValueError, match="two classes"):
        LinearHead(np.zeros(3), 0.0, np.array([0, 1, 2]))


_SCORE_ONE = """
import sys
from scorer.schema import Reply
from scorer.scoring import Scorer
from scorer.settings import Settings
scorer = Scorer.from_settings(Settings())
scorer.score_batch([Reply(id="1", channel="chat",
                          text="Hei! Pakken kommer i morgen, kl. 10. Ha en fin dag!")])
print(sorted({m.split(".")[0] for m in sys.modules} & {"sklearn", "nltk"}))
"""


def test_scoring_a_reply_without_a_language_imports_neither_scikit_learn_nor_nltk() -> None:
    out = subprocess.run([sys.executable, "-c", _SCORE_ONE], capture_output=True, text=True,
                         check=True, timeout=120)
    assert out.stdout.strip() == "[]", out.stdout
