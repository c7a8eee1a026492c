"""The verdict on a closed conversation: Kundeserviceprisen's score of an inquiry.

DESIGN § Conversations: greeting is judged on the first agent message, closing on the
last, explanation on the conversation (its best agent message), length on all agent
text against the channel's conversation range (`SCORER_CONVERSATION_LENGTH_*`); `total`,
`band` and `flagged` as for a reply (same weights and credit). An inquiry with a
customer message that no agent message answered scores 0 (`unanswered`). A first
response slower than the channel's SLA adds `late_response`. An answered inquiry whose first
agent message is in a language outside the five (`und`) is not scored, as a reply in it is
not: null total, band and dimensions, not flagged, reasons `["unsupported_language"]`.

Answered means an agent message sent at or after the first customer message: an agent
message before any customer message (an outbound notice) does not answer a question the
customer asks later. `first_response_seconds` is the time from the first customer
message to the first agent message at or after it; null when there is no customer
message or no answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from scorer.conversations.state import Conversation
from scorer.languages import UNDETERMINED, UNSUPPORTED
from scorer.schema import Dimensions, ScoredConversation, band_for

REASONS: tuple[str, ...] = (
    "missing_greeting", "missing_explanation", "missing_closing", "too_short", "too_long",
    "late_response", "unanswered", UNSUPPORTED,
)


@dataclass(frozen=True, slots=True)
class VerdictRules:
    """The numbers a verdict needs, from Settings."""

    weights: dict[str, float]
    ranges: dict[str, tuple[int, int]]
    sla: dict[str, float]
    threshold: int


def _credit(p: float) -> float:
    return min(1.0, max(0.0, (p - 0.1) / 0.8))


def _length(words: int, lo: int, hi: int) -> float:
    # The scalar twin of scorer.scoring.length_scores.
    if words < lo:
        return words / lo if lo > 0 else 1.0
    return 1.0 if words <= hi else hi / words


def first_response(conv: Conversation) -> float | None:
    if conv.first_customer_at is None:
        return None
    after = [t for t in conv.agent_times if t >= conv.first_customer_at]
    return round(min(after) - conv.first_customer_at, 3) if after else None


def _iso(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def verdict(conv: Conversation, *, closed_at: float, closed_by: str, rules: VerdictRules,
            model_version: str, now: datetime | None = None) -> ScoredConversation:
    """Score a conversation that has just closed."""
    frs = first_response(conv)
    answered = conv.customer_messages == 0 or frs is not None
    if answered and conv.language == UNDETERMINED:
        return _record(conv, None, None, answered, frs, False, [UNSUPPORTED], closed_at,
                       closed_by, model_version, now)
    lo, hi = rules.ranges[conv.channel]
    length = _length(conv.words, lo, hi) if conv.agent_messages else 0.0
    dims = Dimensions(greeting=conv.greeting, explanation=conv.explanation,
                      closing=conv.closing, length=round(length, 4))
    reasons: list[str] = []
    if not answered:
        total = 0
        reasons.append("unanswered")
    else:
        w = rules.weights
        points = {"greeting": w["greeting"] * _credit(conv.greeting),
                  "explanation": w["explanation"] * _credit(conv.explanation),
                  "closing": w["closing"] * _credit(conv.closing),
                  "length": w["length"] * length}
        total = max(0, min(100, round(100.0 * sum(points.values()))))
        for dim in ("greeting", "explanation", "closing"):
            if getattr(conv, dim) < 0.5:
                reasons.append(f"missing_{dim}")
        if conv.words < lo:
            reasons.append("too_short")
        elif conv.words > hi:
            reasons.append("too_long")
        if total < rules.threshold and not reasons:
            lost = max(points, key=lambda d: w[d] - points[d])
            reasons.append("too_short" if lost == "length" and conv.words < lo else
                           "too_long" if lost == "length" else f"missing_{lost}")
        if frs is not None and frs > rules.sla[conv.channel]:
            reasons.append("late_response")
    return _record(conv, total, dims, answered, frs, total < rules.threshold, reasons,
                   closed_at, closed_by, model_version, now)


def _record(conv: Conversation, total: int | None, dims: Dimensions | None, answered: bool,
            frs: float | None, flagged: bool, reasons: list[str], closed_at: float,
            closed_by: str, model_version: str, now: datetime | None) -> ScoredConversation:
    return ScoredConversation(
        conversation_id=conv.conversation_id, channel=conv.channel,  # type: ignore[arg-type]
        language=conv.language or conv.customer_language or "en",  # type: ignore[arg-type]
        total=total, band=None if total is None else band_for(total), answered=answered,
        dimensions=dims, first_response_seconds=frs, agent_messages=conv.agent_messages,
        customer_messages=conv.customer_messages, flagged=flagged,
        reasons=reasons, reply_ids=list(conv.reply_ids), agent_ids=list(conv.agent_ids),
        team=conv.team, opened_at=_iso(conv.opened_at), closed_at=_iso(closed_at),
        closed_by=closed_by,  # type: ignore[arg-type]
        model_version=conv.model_version or model_version, scored_at=now or datetime.now(UTC),
    )


def store_row(conv: Conversation, record: ScoredConversation, *, redacted: bool
              ) -> dict[str, Any]:
    """The row `FlaggedStore.write_conversations` keeps for a flagged conversation."""
    # Arrival order is not send order when producers key by reply id: show send order.
    entries = [orjson.loads(e) for e in conv.thread]
    order = sorted(range(len(entries)), key=lambda i: (
        entries[i]["sent_at"] is None, entries[i]["sent_at"] or 0.0, i))
    messages = []
    for m in (entries[i] for i in order):
        m["sent_at"] = None if m["sent_at"] is None else _iso(m["sent_at"]).isoformat(
        ).replace("+00:00", "Z")
        for span in ((m.get("reply") or {}).get("evidence") or {}).values():
            if span is not None:
                span["text"] = m["text"][span["start"]:span["end"]]
        messages.append(m)
    return {"record": record.model_dump(mode="json"), "messages": messages,
            "messages_dropped": conv.thread_dropped, "redacted": redacted}
