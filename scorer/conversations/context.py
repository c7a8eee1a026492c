"""A reply judged in its conversation: what one message owes, by channel and position.

An e-mail is a letter: every reply in a thread still owes its greeting, explanation,
closing and length, so in context only `position` is added.

A chat or Messenger turn is a line of a dialogue: the conversation owes the greeting (in
its first agent message), the explanation (somewhere) and the closing (in its last), and
its length is judged over all agent text (`verdict`). A turn, on its own, owes only what
no other turn can give: the greeting if it is the first agent message, and not being
a wall of text (length above the channel's range; a short turn is normal in chat). Its
`total` weighs just those owed dimensions, renormalised, so a complete four-message chat
yields no flagged turn, while its dimensions keep the model's probabilities for analysis.
A turn that owes nothing but length scores its length credit.
"""

from __future__ import annotations

from dataclasses import dataclass

from scorer.schema import Position, ScoredReply, band_for

CHAT_LIKE = frozenset({"chat", "messenger"})


@dataclass(frozen=True, slots=True)
class Rules:
    """The numbers `in_context` needs, from Settings (via the Scorer)."""

    weights: dict[str, float]
    ranges: dict[str, tuple[int, int]]
    threshold: int


def _credit(p: float) -> float:
    # One home: scorer.scoring.credit is the vectorised twin of this rule.
    return min(1.0, max(0.0, (p - 0.1) / 0.8))


def in_context(scored: ScoredReply, position: Position, rules: Rules) -> ScoredReply:
    """The reply's record as its conversation sees it (see the module docstring)."""
    channel = scored.channel.value
    d = scored.dimensions
    if channel not in CHAT_LIKE or d is None:  # None: unsupported language, nothing owed
        return scored.model_copy(update={"position": position})
    hi = rules.ranges[channel][1]
    words = scored.word_count
    length = 1.0 if words <= hi else hi / words
    w = rules.weights
    owed = [("length", w["length"], length)]
    if position == "first":
        owed.append(("greeting", w["greeting"], _credit(d.greeting)))
    weight = sum(x for _, x, _ in owed)
    points = sum(x * c for _, x, c in owed)
    total = round(100.0 * points / weight) if weight > 0 else 100
    total = max(0, min(100, total))
    reasons = []
    if position == "first" and d.greeting < 0.5:
        reasons.append("missing_greeting")
    if words > hi:
        reasons.append("too_long")
    flagged = total < rules.threshold
    if flagged and not reasons:  # borderline: name what cost the most, as for a reply
        lost = max(owed, key=lambda o: o[1] * (1 - o[2]))[0]
        reasons.append("too_long" if lost == "length" else f"missing_{lost}")
    return scored.model_copy(update={
        "position": position, "total": total, "band": band_for(total), "flagged": flagged,
        "reasons": reasons,
    })
