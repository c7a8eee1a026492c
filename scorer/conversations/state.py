"""The state of one open conversation, and its changelog encoding.

A conversation's state is what its closing verdict needs and nothing more: times, counts,
the model's greeting probability of the first agent message and closing probability of
the last, the best explanation probability, the agent word count, and a capped, already
redacted thread for the QA store. It is small, so it is kept in memory per partition and
written whole to the changelog topic on every change (as a Kafka Streams key-value store
does): restoring a partition means reading its changelog partition back to the end.

Times are epoch seconds (floats): cheap to compare and to encode.

A worker may hold 100k open conversations, so the state is kept light for the garbage
collector as well as for memory: sequences are tuples of strings and floats, and each
thread entry is its JSON, encoded once where the message was described. CPython does not
track such tuples and bytes, so a full collection walks about one object per
conversation instead of a dozen (it took over a second with lists and dataclass entries).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

#: Bumped when the encoding changes incompatibly; `decode` refuses other versions.
FORMAT = 1


def thread_entry(id: str, author: str, sent_at: float | None, text: str, truncated: bool,
                 reply: dict[str, Any] | None = None) -> bytes:
    """One message as kept for the QA store, encoded (text redacted and capped by the
    caller; `reply` is an agent message's verdict in context, `messages.Variant.summary`)."""
    return _compact(orjson.dumps({"id": id, "author": author, "sent_at": sent_at,
                                  "text": text, "truncated": truncated, "reply": reply}))


def _compact(value: bytes) -> bytes:
    """A right-sized copy: orjson's bytes keep its whole write buffer (4 KB and up) until
    they are freed, which for a value held as long as its conversation is open would
    multiply the state's memory several times (measured in bench/conversation_memory.py)."""
    return bytes(memoryview(value))


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
    agent_times: tuple[float, ...] = ()
    customer_messages: int = 0
    agent_messages: int = 0
    greeting: float = 0.0
    explanation: float = 0.0
    closing: float = 0.0
    words: int = 0
    reply_ids: tuple[str, ...] = ()
    agent_ids: tuple[str, ...] = ()
    team: str | None = None
    model_version: str = ""
    #: Encoded `thread_entry` values, in arrival order.
    thread: tuple[bytes, ...] = ()
    #: Messages not kept in `thread` because it was full.
    thread_dropped: int = 0
    #: Set by a `closed` event: its time, and the wall-clock time the conversation closes
    #: (after a grace period in which messages sent before the event may still arrive).
    closing_at: float | None = None
    close_deadline: float | None = None

    def copy(self) -> Conversation:
        """A copy that can change without touching this one (batch staging); shallow, as
        every field is immutable."""
        return Conversation(**{f: getattr(self, f) for f in _FIELDS})


_FIELDS = tuple(Conversation.__dataclass_fields__)


def encode(conv: Conversation) -> bytes:
    """Changelog value of a conversation (JSON, so a person can read the topic).

    orjson serialises the dataclasses natively: ~20 µs for a six-message chat, where
    `dataclasses.asdict` (deep copies) took ~570 µs — and this runs in the loop process.
    """
    return orjson.dumps({"v": FORMAT, "c": conv}, default=_fragment)


def _fragment(value: object) -> orjson.Fragment:
    if isinstance(value, bytes):  # an encoded thread entry: embed it as it is
        return orjson.Fragment(value)
    raise TypeError(f"cannot encode {type(value).__name__} in conversation state")


def decode(value: bytes) -> Conversation:
    """Inverse of `encode`; ValueError for a value written by an incompatible version."""
    data = orjson.loads(value)
    version = data.get("v")
    if version != FORMAT:
        raise ValueError(f"changelog value has format {version!r}, expected {FORMAT}; "
                         "it was written by an incompatible version of the scorer")
    conv = data["c"]
    conv["thread"] = tuple(_compact(orjson.dumps(t)) for t in conv.get("thread", ()))
    for name in ("agent_times", "reply_ids", "agent_ids"):
        conv[name] = tuple(conv.get(name, ()))
    return Conversation(**conv)
