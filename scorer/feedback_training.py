"""`scorer train --feedback FILE`: learn from QA reviews, behind a gate.

Reviews are the only labels that come from the contact centre's own traffic, so they are
worth more than a project-written corpus reply: each reviewed reply counts
`--feedback-weight` times (default 3) in the fit. A quarter of the reviews (fixed by a hash
of the reply id, so the same reviews stay out on every run) are never trained on: both the
current model and the candidate are measured on them, and the candidate is written only if
its agreement with the reviewers there (the share of reviewed labels it reproduces, over
the three dimensions) is not lower than the current model's by more than
`--gate-tolerance` (default 0). Agreement rather than F1: a held-out part may hold no
positive of a dimension at all, where F1 is 0 for any model and would pass anything.
The gate prints both; a refused candidate is deleted and the command exits 3, so a
scheduled retrain never ships a model the team's own reviews say is worse.

The reviews file is what `scorer feedback export` writes (labelled JSONL, the reviewer's
corrected labels over the model's verdicts).
"""

from __future__ import annotations

import dataclasses
import hashlib
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from scorer.evaluation import REVIEW, Labelled, predict_labels, read_labelled
from scorer.model import ModelLoadError, ReplyModel
from scorer.schema import DIMENSIONS
from scorer.training import train

#: Share of reviews kept out of training to judge the candidate (percent).
HOLDOUT_PERCENT = 25
#: Fewest held-out reviews the gate accepts as evidence.
MIN_HELDOUT = 8
DEFAULT_WEIGHT = 3.0
#: Exit code when the gate refuses the candidate.
EXIT_GATE = 3


def held_out(reply_id: str) -> bool:
    """Whether a review is kept for the gate: sha256 of the id, stable across runs."""
    digest = hashlib.sha256(b"review\0" + reply_id.encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:4], "big") % 100 < HOLDOUT_PERCENT


def agreement(model: ReplyModel, recs: Sequence[Labelled]) -> dict[str, float]:
    """Share of reviewed labels the model reproduces, per dimension and "mean"."""
    pred, _, _ = predict_labels(model, recs)
    y = np.array([r.labels for r in recs], dtype=np.int64)
    out = {d: round(float(np.mean(pred[:, k] == y[:, k])), 4) for k, d in enumerate(DIMENSIONS)}
    out["mean"] = round(sum(out[d] for d in DIMENSIONS) / len(DIMENSIONS), 4)
    return out


def _report(name: str, result: dict[str, float] | None) -> str:
    if result is None:
        return f"  {name:<10} (none installed)"
    dims = "  ".join(f"{d} {result[d]:.3f}" for d in DIMENSIONS)
    return f"  {name:<10} agreement {result['mean']:.3f}   {dims}"


def train_with_feedback(corpus: Path, out: Path, feedback: Path, *,
                        weight: float = DEFAULT_WEIGHT, tolerance: float = 0.0
                        ) -> tuple[int, ReplyModel | None]:
    """Train on corpus + the training part of the reviews; gate on the held-out part.
    Returns the exit code (0 written, 2 bad input, 3 refused by the gate) and the model
    written, if any."""
    try:
        reviews = [dataclasses.replace(r, provenance=REVIEW, split="train")
                   for r in read_labelled(feedback)]
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2, None
    gate: list[Labelled] = [r for r in reviews if held_out(r.reply.id)]
    learn = [r for r in reviews if not held_out(r.reply.id)]
    if len(gate) < MIN_HELDOUT:
        print(f"error: {feedback} gives {len(gate)} held-out reviews ({len(reviews)} in all); "
              f"the gate needs at least {MIN_HELDOUT}: review more replies first",
              file=sys.stderr)
        return 2, None
    current: ReplyModel | None = None
    if out.is_file():
        try:
            current = ReplyModel.load(out)
        except ModelLoadError as exc:
            print(f"error: the current model cannot be read ({exc}); move it away or fix it",
                  file=sys.stderr)
            return 2, None
    candidate_path = out.with_name(out.name + ".candidate")
    model, meta = train(corpus, candidate_path, reviews=learn, review_weight=weight)
    new = agreement(model, gate)
    old = agreement(current, gate) if current is not None else None
    print(f"gate on {len(gate)} held-out reviews ({len(learn)} trained on, weight {weight}):",
          file=sys.stderr)
    print(_report("current", old), file=sys.stderr)
    print(_report("candidate", new), file=sys.stderr)
    if old is not None and new["mean"] < old["mean"] - tolerance:
        candidate_path.unlink(missing_ok=True)
        print(f"refused: the candidate is worse than {current.version if current else '-'} "
              f"on the held-out reviews (tolerance {tolerance}); nothing written",
              file=sys.stderr)
        return EXIT_GATE, None
    meta["reviews"].update(held_out=len(gate), gate_agreement={
        "current": None if old is None else old["mean"], "candidate": new["mean"]})
    model.save(out)
    candidate_path.unlink(missing_ok=True)
    print(f"wrote {out} (version {model.version})", file=sys.stderr)
    return 0, model
