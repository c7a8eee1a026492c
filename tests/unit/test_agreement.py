"""scorer.agreement: kappa, Wilson intervals and the agreement block, against hand figures."""

from __future__ import annotations

import math

import pytest

from scorer.agreement import (
    SAMPLED,
    Z95,
    Confusion,
    cohen_kappa,
    confusion,
    figures,
    proportion,
    wilson,
)


def test_confusion_counts_each_model_reviewer_combination() -> None:
    # (model present, reviewer present): a flag is the model saying "absent".
    c = confusion([(0, 0), (0, 0), (0, 1), (1, 0), (1, 1), (1, 1), (1, 1)])
    assert c == Confusion(flag_confirmed=2, flag_wrong=1, missed=1, both_present=3)
    assert (c.n, c.agreed) == (7, 5)


def test_kappa_by_hand() -> None:
    # 20 pairs: model present 12 (10 agreed by the reviewer, 2 not), absent 8 (6 agreed).
    # p_o = 16/20 = 0.8. Model present 12/20 = 0.6, reviewer present (10 + 2) / 20 = 0.6.
    # p_e = 0.6 * 0.6 + 0.4 * 0.4 = 0.52. kappa = (0.8 - 0.52) / (1 - 0.52) = 0.28 / 0.48.
    c = Confusion(flag_confirmed=6, flag_wrong=2, missed=2, both_present=10)
    assert cohen_kappa(c) == pytest.approx(0.28 / 0.48, abs=1e-12)


def test_kappa_is_zero_for_a_constant_model_and_none_when_undefined() -> None:
    # A model that says "present" to everything, reviewers 9 of 10 present: accuracy 0.9,
    # but p_e = 1 * 0.9 + 0 * 0.1 = 0.9 = p_o, so kappa is 0 (no skill beyond chance).
    assert cohen_kappa(Confusion(missed=1, both_present=9)) == 0.0
    assert cohen_kappa(Confusion()) is None                   # no pairs
    assert cohen_kappa(Confusion(both_present=5)) is None     # p_e = 1: 0/0
    assert cohen_kappa(Confusion(flag_confirmed=4)) is None
    # Perfect agreement with both verdicts present is kappa 1; perfect disagreement -1.
    assert cohen_kappa(Confusion(flag_confirmed=3, both_present=3)) == 1.0
    assert cohen_kappa(Confusion(flag_wrong=3, missed=3)) == -1.0


def test_wilson_interval_by_hand() -> None:
    # 3 of 5, z = 1.959964: z²/n = 0.768292, centre = (0.6 + 0.384146) / 1.768292 = 0.556553,
    # half = z * sqrt(0.6 * 0.4 / 5 + z² / 100) / 1.768292 = 0.325829.
    low, high = wilson(3, 5)
    assert (low, high) == pytest.approx((0.2307242812760, 0.8823792257673), abs=1e-12)
    assert abs(Z95 - 1.959963984540054) < 1e-15
    assert wilson(0, 0) is None
    # Never outside [0, 1] and never zero-width at 0/n or n/n.
    for s, n in [(0, 1), (1, 1), (0, 40), (40, 40), (1, 1000)]:
        lo, hi = wilson(s, n)  # type: ignore[misc]
        assert 0.0 <= lo < hi <= 1.0
        assert lo <= s / n <= hi


def test_proportion_is_null_not_zero_without_a_denominator() -> None:
    assert proportion(0, 0, SAMPLED) == {"value": None, "low": None, "high": None, "n": 0,
                                         "population": SAMPLED}
    zero = proportion(0, 4, SAMPLED)
    assert zero["value"] == 0.0 and zero["low"] == 0.0 and zero["high"] > 0


def test_figures_take_recall_from_the_sample_only() -> None:
    # Reviewed: 3 flags confirmed, 1 flag wrong, no missed absence (as reviews of flagged
    # replies usually are): recall over them would be 3/3. The sample holds 1 confirmed
    # flag and 3 missed absences: recall 1/4.
    reviewed = Confusion(flag_confirmed=3, flag_wrong=1, missed=0, both_present=0)
    sampled = Confusion(flag_confirmed=1, missed=3, both_present=2)
    out = figures(reviewed, sampled)
    assert out["recall"]["value"] == 0.25 and out["recall"]["n"] == 4
    assert out["recall"]["population"] == "sampled_reviewed"
    assert out["precision"]["value"] == 0.75 and out["precision"]["n"] == 4
    assert out["precision"]["population"] == "reviewed"
    assert out["n"] == 4 and out["accuracy"] == 0.75
    # p_o 3/4, model present 0, reviewer present 1/4: p_e = 3/4, kappa 0.
    assert out["kappa"] == 0.0
    assert out["sampled"]["n"] == 6 and math.isclose(out["sampled"]["accuracy"], 3 / 6)
