"""Agreement between the model and QA reviewers: pure arithmetic, no database.

This is the product's quality figure on the customer's own replies. The model card's
F1 is measured on a held-out split of text the project wrote; how often the model agrees
with the team's reviewers is what tells a QA team whether to trust its flags.

Per dimension (greeting, explanation, closing) each reviewed reply gives one pair:
the model's verdict (present when the dimension score is >= 0.5, as everywhere else) and
the reviewer's label (LABELS.md). From the pairs:

- `accuracy`: share of pairs where the two agree;
- `kappa`: Cohen's kappa, agreement corrected for what two raters with these base rates
  would reach by chance. Raw agreement flatters a dimension that is nearly always present
  (a model saying "greeting present" to everything agrees 95 % of the time with a team
  whose agents greet 95 % of the time); kappa is 0 for such a model.
- `precision` and `recall` of the *flags*, where a flag is the model saying the dimension
  is absent (what a QA team acts on): precision = flags the reviewer confirmed / flags,
  recall = absences the model flagged / absences the reviewer found. Each comes with a
  95 % Wilson score interval, which stays inside [0, 1] and is honest for the small n
  and the shares near 0 or 1 that reviews give (the normal approximation is not).

A figure that is undefined is None (JSON null), never 0: no pairs, no flags, no absences,
or kappa when chance agreement is already 1 (both raters said the same thing every time).
0 would read as "the model is always wrong".
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

#: z of a two-sided 95 % interval (1.959963984540054).
Z95 = NormalDist().inv_cdf(0.975)

#: Where each figure's pairs come from (`population` in the answer).
REVIEWED = "reviewed"
SAMPLED = "sampled_reviewed"


@dataclass(frozen=True, slots=True)
class Confusion:
    """Counts of (model, reviewer) verdicts on one dimension, a flag being "absent".

    flag_confirmed: model absent, reviewer absent; flag_wrong: model absent, reviewer
    present; missed: model present, reviewer absent; both_present: both say present.
    """

    flag_confirmed: int = 0
    flag_wrong: int = 0
    missed: int = 0
    both_present: int = 0

    @property
    def n(self) -> int:
        return self.flag_confirmed + self.flag_wrong + self.missed + self.both_present

    @property
    def agreed(self) -> int:
        return self.flag_confirmed + self.both_present


def confusion(pairs: Iterable[tuple[int, int]]) -> Confusion:
    """Count (model_present, reviewer_present) pairs, each 0 or 1."""
    counts = [0, 0, 0, 0]  # model absent: 0/1 (reviewer absent/present); present: 2/3
    for model, reviewer in pairs:
        counts[(2 if model else 0) + (1 if reviewer else 0)] += 1
    return Confusion(flag_confirmed=counts[0], flag_wrong=counts[1], missed=counts[2],
                     both_present=counts[3])


def share(part: int, whole: int) -> float | None:
    """part / whole, or None when there is nothing to divide (whole == 0)."""
    return part / whole if whole else None


def cohen_kappa(c: Confusion) -> float | None:
    """Cohen's kappa = (p_o - p_e) / (1 - p_e) of the two raters in `c`.

    p_o is the observed agreement, p_e the agreement expected by chance from each rater's
    own share of "present". None when there are no pairs, or when p_e == 1 (both raters
    gave one and the same verdict every time: agreement is then total but says nothing
    about skill, and the formula divides by zero).
    """
    n = c.n
    if n == 0:
        return None
    p_o = c.agreed / n
    model_present = (c.missed + c.both_present) / n
    reviewer_present = (c.flag_wrong + c.both_present) / n
    p_e = model_present * reviewer_present + (1 - model_present) * (1 - reviewer_present)
    if math.isclose(p_e, 1.0, rel_tol=0.0, abs_tol=1e-12):
        return None
    return (p_o - p_e) / (1 - p_e)


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval of successes / n, or None when n == 0.

    centre = (p + z²/2n) / (1 + z²/n), half width = z·sqrt(p(1-p)/n + z²/4n²) / (1 + z²/n).
    Unlike p ± z·sqrt(p(1-p)/n) it never leaves [0, 1] and is not zero-width at 0/n or
    n/n, which is where a small review sample usually sits.
    """
    if n == 0:
        return None
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # At 0/n and n/n the bound is exactly 0 (1); say so rather than round to 7e-18.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


def proportion(successes: int, n: int, population: str) -> dict[str, Any]:
    """{"value", "low", "high", "n", "population"}; value and bounds None when n == 0."""
    bounds = wilson(successes, n)
    return {"value": share(successes, n), "low": bounds[0] if bounds else None,
            "high": bounds[1] if bounds else None, "n": n, "population": population}


def figures(reviewed: Confusion, sampled: Confusion) -> dict[str, Any]:
    """The agreement block of one dimension (or one channel's or language's share of it).

    n, accuracy and kappa come from every reviewed reply (`reviewed`); precision of the
    flags too, since every flag a reviewer looked at says whether flags are right. Recall
    only from reviewed replies of the random sample (`sampled`): reviews of flagged replies
    contain no missed absence the model did not flag by construction, so recall over all
    reviews would be close to 1 whatever the model does.
    """
    flags = reviewed.flag_confirmed + reviewed.flag_wrong
    absences = sampled.flag_confirmed + sampled.missed
    return {
        "n": reviewed.n,
        "accuracy": share(reviewed.agreed, reviewed.n),
        "kappa": cohen_kappa(reviewed),
        "population": REVIEWED,
        "precision": proportion(reviewed.flag_confirmed, flags, REVIEWED),
        "recall": proportion(sampled.flag_confirmed, absences, SAMPLED),
        "sampled": {"n": sampled.n, "accuracy": share(sampled.agreed, sampled.n),
                    "kappa": cohen_kappa(sampled), "population": SAMPLED},
    }
