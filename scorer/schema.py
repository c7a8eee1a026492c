"""Wire schema: the input reply, the scored output, and the record decoder.

The field names and value sets are fixed by DESIGN.md; dashboards and downstream
consumers depend on them. Decoding never raises anything but `InvalidRecord`, whose
`reason` comes from a small fixed vocabulary (it becomes the `reason` label of
`replies_invalid_total`, so it must never carry free text).
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from scorer.languages import LANGUAGES as LANGUAGES  # re-exported: its old home
from scorer.languages import read_language


class Channel(StrEnum):
    email = "email"
    chat = "chat"
    messenger = "messenger"


#: Accepted spellings of a channel (compared lower-cased, stripped).
CHANNEL_ALIASES: dict[str, Channel] = {
    "email": Channel.email,
    "e-mail": Channel.email,
    "mail": Channel.email,
    "epost": Channel.email,
    "e-post": Channel.email,
    "chat": Channel.chat,
    "webchat": Channel.chat,
    "web-chat": Channel.chat,
    "livechat": Channel.chat,
    "live_chat": Channel.chat,
    "messenger": Channel.messenger,
    "facebook": Channel.messenger,
    "facebook_messenger": Channel.messenger,
    "fb": Channel.messenger,
    "fb_messenger": Channel.messenger,
}

Language = Literal["nb", "nn", "sv", "da", "en"]
#: A reply's language on output: one of the five, or `und` for a language the scorer does
#: not support (`scorer.languages`; such a record has no score, reason `unsupported_language`).
OutLanguage = Literal["nb", "nn", "sv", "da", "en", "und"]

Band = Literal["excellent", "good", "at_risk", "poor"]
DIMENSIONS: tuple[str, ...] = ("greeting", "explanation", "closing")

#: Reasons a record is dead-lettered (the `reason` label of `replies_invalid_total`).
INVALID_REASONS: tuple[str, ...] = (
    "empty_record",
    "too_large",
    "invalid_utf8",
    "not_json",
    "not_object",
    "missing_field",
    "wrong_type",
    "unknown_channel",
    "invalid_value",
    "unknown_event",
)

#: Values of `event` on an event record (no `text`); `closed` closes its conversation.
EVENTS: tuple[str, ...] = ("closed",)
Position = Literal["first", "later"]


class Reply(BaseModel):
    """One message of a conversation, as produced to the input topic.

    An event record (`event` set, e.g. `closed`) carries no `text` and must name its
    `conversation_id`; `decode_reply` enforces both, so every other `Reply` has text.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str = Field(min_length=1, max_length=256)
    channel: Channel
    text: str = ""
    event: Literal["closed"] | None = None
    content_type: Literal["text/plain", "text/html"] = "text/plain"
    conversation_id: str | None = None
    author: Literal["agent", "customer"] = "agent"
    sent_at: datetime | None = None
    agent_id: str | None = None
    team: str | None = None
    #: One of the five; `und` when the producer named another language; None: detect it.
    language: OutLanguage | None = None
    customer_name: str | None = None

    @field_validator("channel", mode="before")
    @classmethod
    def _channel_alias(cls, value: Any) -> Any:
        if isinstance(value, str):
            return CHANNEL_ALIASES.get(value.strip().lower(), value)
        return value

    @field_validator("language", mode="before")
    @classmethod
    def _language_alias(cls, value: Any) -> Any:
        if isinstance(value, str):
            return read_language(value)  # ValueError names the value and the fix
        return value

    @field_validator("content_type", "author", "event", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("sent_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Span(BaseModel):
    """A piece of the reply's plain text that the scorer took as evidence.

    `start`/`end` are character offsets into the reply's plain text: the text as sent
    for `text/plain`, its rendered text for `text/html`. `text` is the span itself, so a
    reader holding a differently rendered (e.g. redacted) copy can still find it.
    """

    start: int
    end: int
    text: str


class Dimensions(BaseModel):
    greeting: float
    explanation: float
    closing: float
    length: float


class ScoredReply(BaseModel):
    """The scored output record (scored topic, `scorer score`, store).

    A reply in a language outside the five has `language: "und"`, no score (`total`,
    `band` and `dimensions` null), `flagged: false` and `reasons: ["unsupported_language"]`:
    it is not a poor reply, so it must not count as one anywhere (docs/DESIGN.md).
    """

    id: str
    channel: Channel
    language: OutLanguage
    total: int | None = Field(ge=0, le=100)
    band: Band | None
    dimensions: Dimensions | None
    flagged: bool
    reasons: list[str]
    evidence: dict[str, Span | None] = Field(default_factory=dict)
    word_count: int = 0
    model_version: str
    scored_at: datetime
    conversation_id: str | None = None
    agent_id: str | None = None
    team: str | None = None
    sent_at: datetime | None = None
    #: `first` or `later` among the agent messages of its conversation (arrival order);
    #: None without a conversation_id.
    position: Position | None = None


class ScoredConversation(BaseModel):
    """One closed conversation (inquiry) on `conversations.scored` and in the store."""

    conversation_id: str
    channel: Channel
    #: `und` (and no score, as for a reply) when its first agent message is unsupported.
    language: OutLanguage
    total: int | None = Field(ge=0, le=100)
    band: Band | None
    answered: bool
    dimensions: Dimensions | None
    first_response_seconds: float | None
    agent_messages: int
    customer_messages: int
    flagged: bool
    reasons: list[str]
    reply_ids: list[str]
    agent_ids: list[str]
    team: str | None
    opened_at: datetime
    closed_at: datetime
    closed_by: Literal["event", "idle", "capacity", "end_of_input"]
    model_version: str
    scored_at: datetime


def band_for(total: int) -> Band:
    """Kundeserviceprisen bands: 100, 80–99, 70–79, under 70."""
    if total >= 100:
        return "excellent"
    if total >= 80:
        return "good"
    if total >= 70:
        return "at_risk"
    return "poor"


class InvalidRecord(ValueError):
    """A record that cannot be scored; `reason` is one of INVALID_REASONS."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


_TYPE_ERRORS = {
    "string_type", "int_type", "float_type", "bool_type", "dict_type", "list_type",
    "model_type", "datetime_type", "string_sub_type", "is_instance_of",
}


def _reason_for(err: dict[str, Any]) -> tuple[str, str]:
    loc = ".".join(str(p) for p in err.get("loc", ())) or "record"
    kind = err.get("type", "")
    if kind == "missing":
        return "missing_field", f"missing required field '{loc}'"
    if kind in _TYPE_ERRORS or (loc == "channel" and not isinstance(err.get("input"), str)):
        got = type(err.get("input")).__name__
        return "wrong_type", f"field '{loc}' has the wrong type ({got}); {err.get('msg', '')}"
    if loc == "event":
        shown = repr(err.get("input"))[:40]
        return "unknown_event", (
            f"unknown event {shown}; expected one of {', '.join(EVENTS)} (an event record "
            "has no text), or leave 'event' out for a message"
        )
    if loc == "channel":
        shown = repr(err.get("input"))[:40]
        return "unknown_channel", (
            f"unknown channel {shown}; expected one of email, chat, messenger "
            f"(aliases: {', '.join(sorted(CHANNEL_ALIASES))})"
        )
    msg = str(err.get("msg", "invalid value"))
    return "invalid_value", f"field '{loc}': {msg.removeprefix('Value error, ')}"


def decode_reply(raw: bytes | None, *, max_record_bytes: int, max_text_chars: int) -> Reply:
    """Decode one Kafka record value into a `Reply`, or raise `InvalidRecord`.

    The checks run cheapest first, and the error message names the offending field and
    what is expected, because it ends up on the dead-letter topic for a human to read.
    Messages never quote the reply text itself.
    """
    if raw is None or len(raw) == 0:
        raise InvalidRecord("empty_record", "record value is empty (tombstone or blank)")
    if len(raw) > max_record_bytes:
        raise InvalidRecord(
            "too_large",
            f"record is {len(raw)} bytes, over the limit of {max_record_bytes} "
            "(SCORER_MAX_RECORD_BYTES)",
        )
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as uexc:
            raise InvalidRecord(
                "invalid_utf8", f"record is not valid UTF-8 at byte {uexc.start}"
            ) from None
        raise InvalidRecord("not_json", f"record is not valid JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise InvalidRecord(
            "not_object", f"record must be a JSON object, got {type(obj).__name__}"
        )
    try:
        reply = Reply.model_validate(obj)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False)
        reason, message = _reason_for(errors[0])
        if len(errors) > 1:
            message += f" (and {len(errors) - 1} more problem(s))"
        raise InvalidRecord(reason, message) from None
    if reply.event is None and "text" not in obj:
        raise InvalidRecord("missing_field", "missing required field 'text' (only an event "
                                             "record, with 'event', may leave it out)")
    if reply.event is not None and not reply.conversation_id:
        raise InvalidRecord("missing_field", f"a '{reply.event}' event needs the "
                                             "'conversation_id' of the conversation it closes")
    if len(reply.text) > max_text_chars:
        raise InvalidRecord(
            "too_large",
            f"field 'text' is {len(reply.text)} characters, over the limit of "
            f"{max_text_chars} (SCORER_MAX_TEXT_CHARS)",
        )
    return reply
