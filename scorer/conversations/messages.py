"""Conversation messages as the stateful stage needs them: scored, redacted, compact.

`describe` does all the CPU work of a conversation message — rendering, language,
scoring, redaction, serialising — so it can run in a scoring process, away from the loop
that owns the conversation state. A message's position (`first` or `later` agent message)
depends on that state, which only the loop knows when the batch commits; so each agent
message carries both variants of its output record, already serialised, and the loop
picks one (`table.ConversationTable.apply`).

The thread text is what every output shows of a message (`scorer.shown`: rendered,
redacted), capped at `thread_max_chars`; evidence offsets in the thread index it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from scorer.conversations.context import Rules, in_context
from scorer.conversations.state import thread_entry
from scorer.metrics import ReplyLine
from scorer.redact import REDACTOR, Redactor
from scorer.sample import in_sample
from scorer.schema import Reply, ScoredReply
from scorer.shown import Shown, show

if TYPE_CHECKING:
    from scorer.scoring import Scorer


@dataclass(slots=True)
class Variant:
    """A reply's output as the `first` or as a `later` agent message of its conversation."""

    id: str
    model_version: str
    #: What the reply adds to the metrics (not the ScoredReply: this crosses processes).
    line: ReplyLine
    value: bytes
    #: Store row when this variant is flagged and the store is on (`store.flagged_rows`).
    row: dict[str, Any] | None
    #: What the thread shows of the reply (`state.thread_entry`'s `reply`).
    summary: dict[str, Any]
    #: The message's encoded thread entry with this variant's verdict.
    entry: bytes


@dataclass(slots=True)
class ConvMessage:
    """One record of the conversation stage: an agent or customer message, or an event."""

    index: int
    id: str
    conversation_id: str
    channel: str
    kind: str  # "agent" | "customer" | "closed"
    #: Event time, epoch seconds: `sent_at`, else the Kafka record timestamp.
    at: float
    sent_at: float | None
    language: str | None = None
    agent_id: str | None = None
    team: str | None = None
    #: A customer message's encoded thread entry (agent messages: per variant).
    entry: bytes | None = None
    greeting: float = 0.0
    explanation: float = 0.0
    closing: float = 0.0
    words: int = 0
    variants: dict[str, Variant] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Describer:
    """`describe` with its settings bound (picklable into scoring processes)."""

    rules: Rules
    redact_text: bool
    store_rows: bool
    max_chars: int
    redact_outputs: bool = True
    #: Share stored for the random review sample whatever the score (scorer.sample).
    sample_rate: float = 0.0
    #: The deployment's redactor (its keep-list, `SCORER_REDACT_KEEP`).
    redactor: Redactor = field(default=REDACTOR, compare=False)

    def thread_text(self, plain: str, names: tuple[str | None, ...]) -> tuple[str, bool]:
        text = self.redactor.redact(plain, names).text if self.redact_text else plain
        return text[: self.max_chars], len(text) > self.max_chars

    def describe(self, scorer: Scorer, items: Sequence[tuple[int, Reply, float]]
                 ) -> list[ConvMessage]:
        """ConvMessages for (batch index, reply, record time in epoch seconds) items, in
        the same order."""
        agents = [(i, r, t) for i, r, t in items if r.event is None and r.author == "agent"]
        customers = [(i, r, t) for i, r, t in items
                     if r.event is None and r.author == "customer"]
        out: dict[int, ConvMessage] = {}
        for i, r, t in items:
            if r.event is not None:
                out[i] = _message(i, r, t, "closed")
        if customers:
            replies = [r for _, r, _ in customers]
            prepared = scorer.prepare(replies)
            langs = scorer.languages(replies, prepared)
            for (i, r, t), p, lang in zip(customers, prepared, langs, strict=True):
                m = _message(i, r, t, "customer")
                m.language = r.language or lang
                text, cut = self.thread_text(p.plain, (r.customer_name,))
                m.entry = thread_entry(r.id, "customer", m.sent_at, text, cut)
                out[i] = m
        if agents:
            replies = [r for _, r, _ in agents]
            prepared = scorer.prepare(replies)
            scored = scorer.score_prepared(replies, prepared)
            for (i, r, t), p, s in zip(agents, prepared, scored, strict=True):
                out[i] = self._agent(i, r, t, p.plain, s)
        return [out[i] for i, _, _ in items]

    def _agent(self, i: int, r: Reply, t: float, plain: str, s: ScoredReply) -> ConvMessage:
        from scorer.store.rows import shown_rows

        m = _message(i, r, t, "agent")
        m.language, m.agent_id, m.team = s.language, r.agent_id, r.team
        d = s.dimensions  # None in a language outside the five: it earns nothing
        if d is not None:
            m.greeting, m.explanation, m.closing = d.greeting, d.explanation, d.closing
        m.words = s.word_count
        names = (r.customer_name,)
        kept = show(s, plain, names, redact_text=self.redact_text, redactor=self.redactor)
        out = kept if self.redact_outputs == self.redact_text else show(
            s, plain, names, redact_text=self.redact_outputs, redactor=self.redactor)
        text, cut = kept.text[: self.max_chars], len(kept.text) > self.max_chars
        # Offsets only: the store row cuts the span text from the thread text
        # (`verdict.store_row`); repeating it here doubled a reply's share of memory.
        evidence = {dim: None if span is None or span.end > len(text) else
                    {"start": span.start, "end": span.end}
                    for dim, span in kept.scored.evidence.items()}
        sampled = self.store_rows and s.total is not None and in_sample(r.id, self.sample_rate)
        for position in ("first", "later"):
            v = in_context(out.scored, position, self.rules)  # type: ignore[arg-type]
            row = None
            if (v.flagged or sampled) and self.store_rows:
                stored = v if kept is out else in_context(  # one view when both redact
                    kept.scored, position, self.rules)  # type: ignore[arg-type]
                row = shown_rows([(r, Shown(stored, kept.text, kept.redacted))])[0]
                row["flagged"], row["sampled"] = v.flagged, sampled
            summary = {"position": position, "total": v.total, "band": v.band,
                       "flagged": v.flagged, "reasons": list(v.reasons),
                       "dimensions": None if d is None else d.model_dump(),
                       "evidence": evidence}
            m.variants[position] = Variant(
                v.id, v.model_version, ReplyLine.of(v), v.model_dump_json().encode(), row,
                summary, thread_entry(r.id, "agent", m.sent_at, text, cut, summary))
        return m


def _epoch(value: datetime | None) -> float | None:
    return None if value is None else value.timestamp()


def _message(i: int, r: Reply, record_time: float, kind: str) -> ConvMessage:
    sent = _epoch(r.sent_at)
    assert r.conversation_id is not None  # noqa: S101 - callers route only those here
    return ConvMessage(index=i, id=r.id, conversation_id=r.conversation_id,
                       channel=r.channel.value, kind=kind,
                       at=sent if sent is not None else record_time, sent_at=sent)
