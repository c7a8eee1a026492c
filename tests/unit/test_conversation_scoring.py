"""Conversation messages through the real model: decoding, replies in context, redaction,
and a whole chat scored offline by the same code the service runs."""

from __future__ import annotations

import time

import orjson
import pytest

from scorer.conversations.stage import ConversationStage, describer
from scorer.pool import BatchWork
from scorer.schema import InvalidRecord, decode_reply
from scorer.scoring import Scorer
from scorer.settings import Settings

LIMITS = {"max_record_bytes": 1_048_576, "max_text_chars": 200_000}

CHAT = [
    {"id": "m1", "author": "customer", "text": "Hei, hvor er pakken min? Den skulle kommet "
     "i går.", "sent_at": "2026-11-30T10:00:00Z"},
    {"id": "r1", "text": "Hei Kari! Takk for at du tok kontakt med oss.",
     "sent_at": "2026-11-30T10:00:40Z"},
    {"id": "r2", "text": "Pakken er dessverre forsinket fordi det har vært stor pågang hos "
     "transportøren. Den kommer fram på torsdag.", "sent_at": "2026-11-30T10:01:30Z"},
    {"id": "r3", "text": "Er det noe mer jeg kan hjelpe deg med?",
     "sent_at": "2026-11-30T10:02:00Z"},
    {"id": "r4", "text": "Ha en fin dag videre!", "sent_at": "2026-11-30T10:02:30Z"},
    {"id": "e1", "event": "closed", "sent_at": "2026-11-30T10:03:00Z"},
]


@pytest.fixture(scope="module")
def settings() -> Settings:
    return Settings(store_enabled=True, conversation_close_grace=0.0)


@pytest.fixture(scope="module")
def work(settings: Settings) -> BatchWork:
    return BatchWork(Scorer.from_settings(settings), store_rows=True, redact_text=True,
                     describer=describer(settings), **LIMITS)


def _values(messages: list[dict], **common: str) -> list[bytes]:
    base = {"channel": "chat", "conversation_id": "c-1", "customer_name": "Kari Nordmann",
            **common}
    return [orjson.dumps({**base, **m}) for m in messages]


def _stage(settings: Settings, work: BatchWork) -> ConversationStage:
    stage = ConversationStage(settings, work.scorer.model_version, lambda: None)
    stage.table.restore(0, [])
    return stage


def test_an_event_with_an_unknown_value_is_dead_lettered_as_unknown_event():
    with pytest.raises(InvalidRecord) as err:
        decode_reply(b'{"id": "e", "channel": "chat", "conversation_id": "c", '
                     b'"event": "reopened"}', **LIMITS)
    assert err.value.reason == "unknown_event" and "closed" in err.value.message


def test_a_closed_event_without_a_conversation_id_names_the_missing_field():
    with pytest.raises(InvalidRecord) as err:
        decode_reply(b'{"id": "e", "channel": "chat", "event": "closed"}', **LIMITS)
    assert err.value.reason == "missing_field" and "conversation_id" in err.value.message


def test_a_message_without_text_is_still_invalid_but_an_empty_customer_text_is_accepted():
    with pytest.raises(InvalidRecord) as err:
        decode_reply(b'{"id": "r", "channel": "chat", "conversation_id": "c"}', **LIMITS)
    assert err.value.reason == "missing_field" and "'text'" in err.value.message
    reply = decode_reply(b'{"id": "m", "channel": "chat", "conversation_id": "c", '
                         b'"author": "customer", "text": ""}', **LIMITS)
    assert reply.text == "" and reply.author == "customer"


def test_input_records_with_a_conversation_id_are_forwarded_not_scored(work: BatchWork):
    alone = orjson.dumps({"id": "x", "channel": "chat", "text": "Hei! Ha en fin dag."})
    values = [*_values(CHAT[:2]), alone]
    out = work(values, [False] * 3, [0.0] * 3)
    assert out.forward == [(0, b"c-1"), (1, b"c-1")]
    assert [i for i, *_ in out.outputs] == [2] and out.messages == []


def test_input_records_keyed_by_their_conversation_id_on_a_direct_partition_are_described(
        work: BatchWork):
    """The direct route: the record is described as if read from the repartition topic,
    with the same output; a key that is not the record's conversation id is forwarded."""
    values = _values(CHAT[:3])
    out = work(values, [False] * 3, [0.0] * 3, None, [b"c-1", b"c-1", b"r2"])
    assert out.forward == [(2, b"c-1")]
    assert [(m.index, m.kind) for m in out.messages] == [(0, "customer"), (1, "agent")]
    assert out.tally.routes == {"direct": 2, "repartition": 1}
    staged = work(values[:2], [True, True], [0.0, 0.0])
    def record(m) -> dict:
        return orjson.loads(m.variants["first"].value) | {"scored_at": None}

    assert record(out.messages[1]) == record(staged.messages[1])


def test_direct_keys_are_offered_only_for_keys_that_hash_to_their_own_direct_partition():
    from kafka.consumer.fetcher import ConsumerRecord

    from scorer.conversations.routes import DirectRoutes, partition_for

    routes = DirectRoutes("in", "in-repartition")
    routes._partitions = 4
    keys = [f"c-{i}".encode() for i in range(40)]
    home = {k: partition_for(k, 4) for k in keys}
    records = [ConsumerRecord("in", home[k] if i % 2 else (home[k] + 1) % 4, -1, 0, 0, 0, k,
                              b"", [], None, 0, 0, 0) for i, k in enumerate(keys)]
    assert routes.keys(records) is None  # nothing direct yet: every record is forwarded
    routes.direct = {0, 1}
    offered = routes.keys(records)
    assert offered == [r.key if r.partition == home[r.key] and r.partition in (0, 1)
                       else None for r in records]
    assert any(offered) and not all(offered)
    routes.clear()
    assert routes.keys(records) is None


def test_a_complete_four_message_chat_flags_no_reply_and_not_the_conversation(
        settings: Settings, work: BatchWork):
    out = work(_values(CHAT), [True] * len(CHAT), [time.time()] * len(CHAT))
    stage = _stage(settings, work)
    fx = stage.effects([(0, m) for m in out.messages], time.time())
    replies = [orjson.loads(v) for _, v, _ in fx.replies]
    assert [r["position"] for r in replies] == ["first", "later", "later", "later"]
    assert not any(r["flagged"] for r in replies)
    assert not any({"missing_greeting", "missing_closing"} & set(r["reasons"])
                   for r in replies[1:])
    [(key, value)] = fx.conversations
    conv = orjson.loads(value)
    assert key == b"c-1" and conv["flagged"] is False and conv["band"] in ("good", "excellent")
    assert conv["first_response_seconds"] == 40.0 and conv["agent_messages"] == 4
    assert conv["closed_by"] == "event" and conv["reply_ids"] == ["r1", "r2", "r3", "r4"]
    assert fx.tally.conv_scored[("chat", conv["band"])] == 1


def test_the_same_chat_without_conversations_flags_every_reply(settings: Settings):
    plain = BatchWork(Scorer.from_settings(settings), store_rows=True, redact_text=True,
                      **LIMITS)
    out = plain(_values(CHAT))
    assert len(out.outputs) == 4 and all(flagged for *_, flagged in out.outputs)


def test_a_later_chat_reply_still_answers_for_being_too_long(work: BatchWork,
                                                            settings: Settings):
    wall = " ".join(["Vi har sjekket saken din grundig og funnet årsaken."] * 20)
    out = work(_values([{"id": "r1", "text": "Hei Kari!"}, {"id": "r2", "text": wall}]),
               [True, True], [time.time()] * 2)
    fx = _stage(settings, work).effects([(0, m) for m in out.messages], time.time())
    later = orjson.loads(fx.replies[1][1])
    assert later["position"] == "later" and "too_long" in later["reasons"]
    assert "missing_greeting" not in later["reasons"]


def test_an_email_reply_in_a_thread_still_owes_greeting_and_closing(work: BatchWork,
                                                                   settings: Settings):
    out = work(_values([{"id": "r1", "text": "Pakken kommer på torsdag."},
                        {"id": "r2", "text": "Pakken kommer på fredag."}], channel="email"),
               [True, True], [time.time()] * 2)
    fx = _stage(settings, work).effects([(0, m) for m in out.messages], time.time())
    second = orjson.loads(fx.replies[1][1])
    assert second["position"] == "later" and second["flagged"]
    assert {"missing_greeting", "missing_closing"} <= set(second["reasons"])


def test_thread_text_is_rendered_before_redaction_so_entities_cannot_hide_data(
        work: BatchWork, settings: Settings):
    html = ("<p>Hei Kari,</p><p>Ring oss på +47&nbsp;412&nbsp;34&nbsp;567 eller skriv til "
            "ola.hansen&#64;example.no.</p><p>Hilsen Ola</p>")
    out = work(_values([{"id": "m1", "author": "customer", "text": "Hvor er pakken?"},
                        {"id": "r1", "text": html, "content_type": "text/html"}],
                       channel="email"), [True, True], [time.time()] * 2)
    entry = orjson.loads(out.messages[1].variants["first"].entry)
    text = entry["text"]
    assert "412" not in text and "example.no" not in text and "&" not in text
    assert "Kari" not in text
    spans = [s for s in entry["reply"]["evidence"].values() if s is not None]
    assert spans and all(0 <= s["start"] < s["end"] <= len(text) for s in spans)
    assert "Hei" in text[spans[0]["start"]:spans[0]["end"]]  # the greeting, on the shown text
