"""Evidence: the piece of the reply's plain text behind each dimension found present.

One home for the three span rules, so a QA reviewer's "why" has one definition:

- greeting: the opener of the first body segment, up to its first comma, exclamation
  mark or colon (or the stop before a full stop, semicolon or line end), at most 80
  characters in; the whole first segment when none comes;
- explanation: the body segment whose own features push the explanation head's score
  most (the explanation view is the sum of segment rows, so the same linear weights
  score single segments);
- closing: the line the closing head read as the reply's ending, which feature
  extraction decides once (`FeatureBatch.closing_span`): the last body segment before
  trailer lines (names, initials, emoji), or a sign-off line kept in the signature.

Offsets index `Prepared.plain`, and span.text == plain[start:end].
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np

from scorer.schema import Span

if TYPE_CHECKING:
    from scorer.features import FeatureBatch
    from scorer.linear import LinearHead
    from scorer.text import Prepared

NONE: dict[str, Span | None] = {"greeting": None, "explanation": None, "closing": None}
_GREETING_END = re.compile(r"[,!:;.\n]")
_GREETING_MAX_CHARS = 80


def explanation_segments(head: LinearHead, fb: FeatureBatch) -> np.ndarray:
    """Index of each reply's segment whose own features push the explanation score most
    (-1 for a reply without body segments)."""
    n = len(fb.first)
    out = np.full(n, -1, dtype=np.int64)
    if fb.segments.shape[0] == 0:
        return out
    seg = fb.segments.copy()
    seg.data = np.log1p(seg.data)
    scores = np.asarray(seg @ head.coef).ravel()
    # Segments are grouped by reply in order: sort by (reply, -score) and take each reply's
    # first entry - one vectorised pass instead of an argmax per reply.
    order = np.lexsort((-scores, fb.seg_owner))
    has = fb.first >= 0
    out[has] = order[fb.first[has]] - fb.first[has]
    return out


def greeting_span(p: Prepared) -> tuple[int, int]:
    """(start, end) of the opener of the first body segment (the reply must have one)."""
    a, b = p.segments[0]
    m = _GREETING_END.search(p.plain, a, min(b, a + _GREETING_MAX_CHARS))
    if m is not None and m.start() > a:
        end = m.end() if m.group() in "!,:" else m.start()
        return a, end
    return a, b


def spans(p: Prepared, present: list[bool], explanation_segment: int,
          closing_span: list[int]) -> dict[str, Span | None]:
    """The evidence of one reply: a span for each of greeting/explanation/closing present."""
    out = dict(NONE)
    if not p.segments:
        return out
    if present[0]:
        out["greeting"] = _span(p.plain, *greeting_span(p))
    if present[1] and explanation_segment >= 0:
        out["explanation"] = _span(p.plain, *p.segments[explanation_segment])
    a, b = closing_span
    if present[2] and 0 <= a < b:
        out["closing"] = _span(p.plain, a, b)
    return out


def _span(plain: str, a: int, b: int) -> Span:
    """Built through the validating constructor on purpose: pydantic-core validates these
    plain ints/str in Rust (~0.9 µs), cheaper than `model_construct`, whose Python loop
    over the fields costs ~2 µs; the record is the same either way."""
    return Span(start=a, end=b, text=plain[a:b])
