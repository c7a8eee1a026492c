"""Poison input: whatever bytes arrive, the decoder returns a Reply or a named InvalidRecord."""

from __future__ import annotations

import json

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scorer.schema import INVALID_REASONS, InvalidRecord, Reply, decode_reply

LIMITS = {"max_record_bytes": 200_000, "max_text_chars": 50_000}

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=20,
)
nasty_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300
) | st.sampled_from([
    "\u202eevil rtl override\u202c", "مرحبا بك", "שלום", "😀" * 50, "\x00\x01\x1b[31m",
    "Hei\u200b Ola\ufeff!", "a" * 60_000,
])


def outcome(raw: bytes) -> str:
    try:
        reply = decode_reply(raw, **LIMITS)
    except InvalidRecord as err:
        assert err.reason in INVALID_REASONS
        assert err.message
        return err.reason
    assert isinstance(reply, Reply)
    return "ok"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2_000))
def test_random_bytes_never_crash_the_decoder(raw: bytes) -> None:
    outcome(raw)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["id", "channel", "text", "author", "language",
                                        "sent_at", "content_type", "team", "x"]),
                       json_values, max_size=8))
def test_wrong_types_and_missing_fields_are_named_not_raised(obj: dict) -> None:
    outcome(json.dumps(obj).encode())


@settings(max_examples=200, deadline=None)
@given(nasty_text, st.sampled_from(["chat", "EMAIL", "messenger", "fax"]))
def test_control_characters_rtl_and_emoji_in_text_are_accepted_or_named(text, channel) -> None:
    result = outcome(orjson.dumps({"id": "r", "channel": channel, "text": text}))
    if channel == "fax":
        assert result == "unknown_channel"
    elif len(text) > LIMITS["max_text_chars"]:
        assert result == "too_large"
    else:
        assert result == "ok"


def test_deeply_nested_json_is_rejected_with_a_reason() -> None:
    raw = b'{"id": "1", "channel": "chat", "text": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    assert outcome(raw) in {"not_json", "wrong_type"}
