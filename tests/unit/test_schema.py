"""The input decoder: every bad record gets a named reason; good ones are normalised."""

from __future__ import annotations

import orjson
import pytest

from scorer.schema import INVALID_REASONS, InvalidRecord, band_for, decode_reply


def decode(raw: bytes, *, max_record_bytes: int = 10_000, max_text_chars: int = 1_000):
    return decode_reply(raw, max_record_bytes=max_record_bytes, max_text_chars=max_text_chars)


def reason_of(raw: bytes | None, **limits: int) -> str:
    with pytest.raises(InvalidRecord) as info:
        decode(raw, **limits)  # type: ignore[arg-type]
    assert info.value.reason in INVALID_REASONS
    return info.value.reason


def test_valid_record_with_only_required_fields_gets_defaults() -> None:
    reply = decode(b'{"id": "r-1", "channel": "chat", "text": "Hei!"}')
    assert (reply.id, reply.channel.value, reply.content_type, reply.author) == (
        "r-1", "chat", "text/plain", "agent")
    assert reply.language is None and reply.sent_at is None


@pytest.mark.parametrize(("spelling", "channel"), [
    ("EMAIL", "email"), ("E-mail", "email"), ("mail", "email"), ("Chat", "chat"),
    ("livechat", "chat"), ("Messenger", "messenger"), ("facebook", "messenger"),
])
def test_channel_is_case_insensitive_and_accepts_documented_aliases(spelling, channel) -> None:
    raw = orjson.dumps({"id": "1", "channel": spelling, "text": "x"})
    assert decode(raw).channel.value == channel


def test_naive_timestamp_is_taken_as_utc_and_language_alias_is_normalised() -> None:
    raw = orjson.dumps({"id": "1", "channel": "chat", "text": "x",
                        "sent_at": "2026-11-23T10:00:00", "language": "NO"})
    reply = decode(raw)
    assert reply.sent_at is not None and reply.sent_at.utcoffset().total_seconds() == 0
    assert reply.language == "nb"


@pytest.mark.parametrize(("raw", "reason"), [
    (b"", "empty_record"),
    (None, "empty_record"),
    (b"not json at all", "not_json"),
    (b'{"id": "1", "channel": "chat", "text": "caf\xe9"}', "invalid_utf8"),
    (b"[1, 2]", "not_object"),
    (b'"just a string"', "not_object"),
    (b'{"channel": "chat", "text": "x"}', "missing_field"),
    (b'{"id": "1", "channel": "chat"}', "missing_field"),
    (b'{"id": "1", "text": "x"}', "missing_field"),
    (b'{"id": 7, "channel": "chat", "text": "x"}', "wrong_type"),
    (b'{"id": "1", "channel": "chat", "text": ["x"]}', "wrong_type"),
    (b'{"id": "1", "channel": 3, "text": "x"}', "wrong_type"),
    (b'{"id": "1", "channel": "sms", "text": "x"}', "unknown_channel"),
    (b'{"id": "1", "channel": "chat", "text": "x", "author": "bot"}', "invalid_value"),
    (b'{"id": "1", "channel": "chat", "text": "x", "sent_at": "yesterday"}', "invalid_value"),
    (b'{"id": "", "channel": "chat", "text": "x"}', "invalid_value"),
])
def test_each_kind_of_invalid_record_gets_its_named_reason(raw, reason) -> None:
    assert reason_of(raw) == reason


def test_text_over_the_configured_maximum_is_too_large() -> None:
    raw = orjson.dumps({"id": "1", "channel": "chat", "text": "a" * 1001})
    assert reason_of(raw, max_text_chars=1000) == "too_large"


def test_record_over_the_byte_limit_is_rejected_before_parsing() -> None:
    assert reason_of(b"{" + b" " * 20_000 + b"}", max_record_bytes=10_000) == "too_large"


def test_error_message_names_the_field_but_never_quotes_the_reply_text() -> None:
    secret = "Kari Nordmann 12345678901"
    raw = orjson.dumps({"id": "1", "channel": "sms", "text": secret})
    with pytest.raises(InvalidRecord) as info:
        decode(raw)
    assert "channel" in info.value.message and secret not in info.value.message


@pytest.mark.parametrize(("total", "band"), [
    (100, "excellent"), (99, "good"), (80, "good"), (79, "at_risk"), (70, "at_risk"),
    (69, "poor"), (0, "poor"),
])
def test_bands_follow_kundeserviceprisen(total, band) -> None:
    assert band_for(total) == band
