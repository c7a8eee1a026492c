"""Synthetic customer-service conversations whose truth is known by construction.

The scorer judges a whole inquiry (docs/DESIGN.md § Conversations): greeting in the first
agent message, closing in the last, an explanation somewhere, and how long the customer
waited for the first answer. To test that — and to drive the demo and `scorer traffic` with
something that looks like a real contact centre — we need conversations where we *know*
whether they were answered, how fast, and whether they were complete. This module writes
them: pure Python, no Kafka, deterministic for a seed.

Kinds (``KINDS``):

``good_chat``
    chat: a customer question, 1–4 agent messages. The first greets, one explains why, how
    or what happens next, the last closes (well-wish or offer of more help). Some agents
    first say "Et øyeblikk, jeg sjekker."; customers may ask a follow-up or say thanks.
``chat_no_closing``
    like ``good_chat``, but the last agent message does not close (it ends on the
    explanation, an answer, or a bare "Da er det ordnet.").
``unanswered``
    one or two customer messages (a question, maybe a "Hallo?" nudge), no agent reply; any
    channel.
``late``
    like the good kind of its channel (any channel), but the first answer comes after the
    channel's SLA (``SLA_SECONDS``: chat 5 min, Messenger 30 min, e-mail 24 h); the
    greeting often apologises for the wait.
``email_thread``
    a customer e-mail, an agent reply with greeting, explanation, closing line and sign-off
    (some as text/html with <p> and <br>, some quoting the customer's mail); sometimes a
    customer follow-up and a second agent reply, or a customer's thank-you.
``good_messenger``
    like ``good_chat`` on Messenger: longer pauses, casual customers, agents who sometimes
    add their initials ("^KN") after the closing.

Truth (``Dialogue.truth``) is derived from the records, so it cannot drift from them:
``answered``, ``first_response_seconds`` (first agent message minus first customer
message), ``agent_messages``, ``customer_messages``, and ``complete`` (greeting in the
first agent message, an explanation, closing in the last — true for every kind except
``chat_no_closing`` and ``unanswered``).

Gaps between messages are drawn log-uniformly from per-channel ranges that stay within
``MAX_GAP_SECONDS`` (chat 20 min, Messenger 12 h, e-mail 3 days), so an idle timeout at
least that long never splits a conversation. A ``close_share`` of the dialogues end with a
``closed`` event record (no text), drawn from its own random stream so changing the share
does not change the conversations' text.

Customer messages carry ``team`` but no ``agent_id`` (nobody has picked the inquiry up
yet); agent messages carry both. ``language`` is left out on about a quarter of the
conversations so the scorer's language detection is exercised too.

This module picks each conversation's kind, channel, language and start and derives its
truth; scorer.dialogue_writer writes the messages, scorer.dialogue_phrases supplies the text
(scorer/data/dialogue-phrases.json) and scorer.dialogue_records the ``sent_at`` format.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from scorer.dialogue_phrases import LANGUAGES
from scorer.dialogue_records import parse_sent_at, truth_of
from scorer.dialogue_writer import Builder, write_conversation

KINDS: tuple[str, ...] = ("good_chat", "chat_no_closing", "unanswered", "late",
                          "email_thread", "good_messenger")
CHANNELS: tuple[str, ...] = ("email", "chat", "messenger")
#: Share of each kind in a default mix (roughly what a contact centre sees, bad ones
#: over-represented a little so they are visible in a short demo).
DEFAULT_MIX: dict[str, float] = {"good_chat": 0.22, "chat_no_closing": 0.14, "unanswered": 0.12,
                                 "late": 0.12, "email_thread": 0.20, "good_messenger": 0.20}
#: First-response targets per channel, the scorer's defaults (SCORER_SLA_*).
SLA_SECONDS: dict[str, float] = {"chat": 300.0, "messenger": 1800.0, "email": 86400.0}
#: Longest pause between two records of one conversation, per channel.
MAX_GAP_SECONDS: dict[str, float] = {"chat": 1200.0, "messenger": 43200.0, "email": 259200.0}


@dataclass(frozen=True)
class Dialogue:
    """One conversation: its input records in send order and what is true about it."""

    conversation_id: str
    channel: str            # email | chat | messenger
    language: str           # nb | nn | sv | da | en
    kind: str               # one of KINDS
    messages: list[dict]    # input records in send order, each with sent_at ("…Z")
    truth: dict             # answered, first_response_seconds, agent_messages,
                            # customer_messages, complete


def _channel_for(kind: str, rng: random.Random) -> str:
    if kind in ("good_chat", "chat_no_closing"):
        return "chat"
    if kind == "good_messenger":
        return "messenger"
    if kind == "email_thread":
        return "email"
    return rng.choices(CHANNELS, weights=(0.3, 0.45, 0.25))[0]


def iter_dialogues(*, seed: int, start: datetime, close_share: float = 0.5,
                   kinds: Sequence[str] | None = None, id_prefix: str = "") -> Iterator[Dialogue]:
    """Endless stream of dialogues (what `generate` takes the first n of; traffic uses it).

    Conversations open a few seconds apart (exponential, mean 20 s) from `start`, so
    interleaving them gives overlapping conversations as a contact centre sees them.
    """
    if not 0.0 <= close_share <= 1.0:
        raise ValueError(f"close_share must be within 0..1, got {close_share}")
    chosen = tuple(kinds) if kinds is not None else KINDS
    unknown = sorted(set(chosen) - set(KINDS))
    if unknown or not chosen:
        raise ValueError(f"unknown or no kinds {unknown}; expected some of {', '.join(KINDS)}")
    weights = [DEFAULT_MIX[k] for k in chosen]
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    rng = random.Random(seed)  # noqa: S311 - synthetic test data, not security
    close_rng = random.Random(f"close-{seed}")  # noqa: S311 - separate stream, same reason
    opened_ms = round(start.timestamp() * 1000)
    for i in itertools.count():
        kind = rng.choices(chosen, weights=weights)[0]
        channel = _channel_for(kind, rng)
        language = rng.choice(LANGUAGES)
        cid = f"{id_prefix}c{seed}-{i}"
        b = Builder(rng, conversation_id=cid, channel=channel, language=language,
                    opened_ms=opened_ms)
        complete = write_conversation(b, kind)
        if close_rng.random() < close_share:
            b.close_event(close_rng)
        yield Dialogue(conversation_id=cid, channel=channel, language=language, kind=kind,
                       messages=b.records, truth=truth_of(b.records, complete=complete))
        opened_ms += max(1, round(rng.expovariate(1 / 20) * 1000))


def generate(n: int, *, seed: int, start: datetime, close_share: float = 0.5,
             kinds: Sequence[str] | None = None, id_prefix: str = "") -> list[Dialogue]:
    """`n` dialogues, deterministic for `seed` (see the module docstring for the kinds).

    `kinds` restricts the mix to those kinds (in their default proportions); `id_prefix`
    is put before every conversation and record id so runs with the same seed can coexist.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    return list(itertools.islice(iter_dialogues(seed=seed, start=start, close_share=close_share,
                                                kinds=kinds, id_prefix=id_prefix), n))


def interleave(dialogues: Iterable[Dialogue]) -> list[dict]:
    """All records of all dialogues in sent_at order, as they would arrive live.

    The sort is stable and each conversation's records have strictly increasing sent_at,
    so every conversation keeps its own order (and its closed event stays last).
    """
    records = [rec for d in dialogues for rec in d.messages]
    return sorted(records, key=lambda rec: parse_sent_at(rec["sent_at"]))
