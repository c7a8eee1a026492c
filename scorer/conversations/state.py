"""The state of one open conversation, and its changelog encoding.

A conversation's state is what its closing verdict needs and nothing more: times, counts,
the model's greeting probability of the first agent message and closing probability of
the last, the best explanation probability, the agent word count, and a capped, already
redacted thread for the QA store. It is small, so it is kept in memory per partition and
written whole to the changelog topic on every change (as a Kafka Streams key-value store
does): restoring a partition means reading its changelog partition back to the end.

Times are epoch seconds (floats): cheap to compare and to encode.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

#: Bumped when the encoding changes incompatibly; `decode` refuses other versions.
FORMAT = 1


@dataclass(slots=True)
class ThreadEntry:
    """One message as kept for the QA store (text redacted and capped by the caller)."""

    id: str
    author: str
    sent_at: float | None
    text: str
    truncated: bool = False
    #: For agent messages: the reply's verdict in context (see `messages.Variant.summary`).
    reply: dict[str, Any] | None = None


@dataclass(slots=True)
class Conversation:
    """One open conversation (inquiry) of one partition."""

    conversation_id: str
    channel: str
    partition: int
    opened_at: float
    last_at: float
    #: Wall-clock time of the last message processed: the idle timer counts from it, so a
    #: backlog being worked off is not closed early (see `table`).
    touched: float
    language: str | None = None
    customer_language: str | None = None
    first_customer_at: float | None = None
    agent_times: list[float] = field(default_factory=list)
    customer_messages: int = 0
    agent_messages: int = 0
    greeting: float = 0.0
    explanation: float = 0.0
    closing: float = 0.0
    words: int = 0
    reply_ids: list[str] = field(default_factory=list)
    agent_ids: list[str] = field(default_factory=list)
    team: str | None = None
    model_version: str = ""
    thread: list[ThreadEntry] = field(default_factory=list)
    #: Messages not kept in `thread` because it was full.
    thread_dropped: int = 0
    #: Set by a `closed` event: its time, and the wall-clock time the conversation closes
    #: (after a grace period in which messages sent before the event may still arrive).
    closing_at: float | None = None
    close_deadline: float | None = None

    def copy(self) -> Conversation:
        """A copy whose lists can change without touching this one (batch staging)."""
        c = Conversation(**{f: getattr(self, f) for f in _FIELDS})
        c.agent_times = list(self.agent_times)
        c.reply_ids = list(self.reply_ids)
        c.agent_ids = list(self.agent_ids)
        c.thread = list(self.thread)
        return c


_FIELDS = tuple(Conversation.__dataclass_fields__)


def encode(conv: Conversation) -> bytes:
    """Changelog value of a conversation (JSON, so a person can read the topic).

    orjson serialises the dataclasses natively: ~20 µs for a six-message chat, where
    `dataclasses.asdict` (deep copies) took ~570 µs — and this runs in the loop process.
    """
    return orjson.dumps({"v": FORMAT, "c": conv})


def decode(value: bytes) -> Conversation:
    """Inverse of `encode`; ValueError for a value written by an incompatible version."""
    data = orjson.loads(value)
    version = data.get("v")
    if version != FORMAT:
        raise ValueError(f"changelog value has format {version!r}, expected {FORMAT}; "
                         "it was written by an incompatible version of the scorer")
    conv = data["c"]
    conv["thread"] = [ThreadEntry(**t) for t in conv.get("thread", ())]
    return Conversation(**conv)


def entry_dict(entry: ThreadEntry) -> dict[str, Any]:
    """A thread entry as a plain dict (shallow: its `reply` dict is shared)."""
    return {f: getattr(entry, f) for f in _ENTRY_FIELDS}


_ENTRY_FIELDS = tuple(ThreadEntry.__dataclass_fields__)
