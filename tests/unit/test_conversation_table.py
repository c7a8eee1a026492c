"""The conversation table and verdict rules, without Kafka or the model.

Messages are built by hand (`msg`) with the probabilities the model would give, so each
test pins one rule of DESIGN § Conversations: what opens, joins, closes and scores an
inquiry, in which order, and that nothing changes before `commit`.
"""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest

from scorer.conversations.messages import ConvMessage, Variant
from scorer.conversations.state import Conversation, decode, encode, thread_entry
from scorer.conversations.table import ConversationTable
from scorer.conversations.verdict import VerdictRules, store_row, verdict
from scorer.metrics import ReplyLine
from scorer.schema import Dimensions, ScoredReply

T0 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC).timestamp()
IDLE = {"email": 7 * 86400.0, "chat": 1800.0, "messenger": 86400.0}
RULES = VerdictRules(
    weights={"greeting": 0.25, "explanation": 0.35, "closing": 0.25, "length": 0.15},
    ranges={"email": (40, 800), "chat": (15, 300), "messenger": (12, 250)},
    sla={"email": 86400.0, "chat": 300.0, "messenger": 1800.0}, threshold=70)


def _variant(mid: str, position: str, at: float) -> Variant:
    scored = ScoredReply(
        id=mid, channel="chat", language="nb", total=100, band="excellent",
        dimensions=Dimensions(greeting=0.5, explanation=0.5, closing=0.5, length=1.0),
        flagged=False, reasons=[], model_version="m-1", scored_at=datetime.now(UTC),
        position=position)
    summary = {"position": position}
    return Variant(mid, "m-1", ReplyLine.of(scored), scored.model_dump_json().encode(), None,
                   summary, thread_entry(mid, "agent", at, f"text of {mid}", False, summary))


def msg(mid: str, kind: str = "agent", at: float = 0.0, *, cid: str = "c-1",
        channel: str = "chat", g: float = 0.0, e: float = 0.0, c: float = 0.0,
        words: int = 10) -> ConvMessage:
    m = ConvMessage(index=0, id=mid, conversation_id=cid, channel=channel, kind=kind,
                    at=T0 + at, sent_at=T0 + at, language="nb", agent_id="a-7", team="oslo",
                    greeting=g, explanation=e, closing=c, words=words)
    if kind == "customer":
        m.entry = thread_entry(mid, kind, T0 + at, f"text of {mid}", False)
    if kind == "agent":
        m.variants = {p: _variant(mid, p, T0 + at) for p in ("first", "later")}
    return m


def table(grace: float = 10.0) -> ConversationTable:
    t = ConversationTable(IDLE, max_thread=40, grace=grace)
    t.restore(0, [])
    return t


def run(t: ConversationTable, *messages: ConvMessage, now: float = T0 + 3600):
    ch = t.changes(now)
    for m in messages:
        ch.apply(0, m)
    ch.expire()
    return ch


def test_a_complete_chat_closes_on_its_event_after_the_grace_and_scores_by_first_and_last():
    t = table()
    ch = run(t, msg("m1", "customer", 0), msg("r1", at=40, g=0.99),
             msg("r2", at=90, e=0.98), msg("r3", at=150, c=0.97), msg("e1", "closed", 180))
    assert [v.summary["position"] for _, v in ch.replies] == ["first", "later", "later"]
    assert ch.closures == []  # within the grace
    ch.commit()
    later = run(t, now=T0 + 3600 + 11)
    [closure] = later.closures
    record = verdict(closure.conversation, closed_at=closure.closed_at,
                     closed_by=closure.closed_by, rules=RULES, model_version="m-1")
    assert (record.closed_by, record.first_response_seconds) == ("event", 40.0)
    assert record.dimensions.greeting == 0.99 and record.dimensions.closing == 0.97
    assert record.dimensions.explanation == 0.98
    assert record.answered and not record.flagged and record.reasons == []
    assert record.reply_ids == ["r1", "r2", "r3"] and record.agent_ids == ["a-7"]
    assert record.closed_at == datetime.fromtimestamp(T0 + 180, UTC)


def test_order_of_arrival_does_not_change_the_verdict():
    a = [msg("m1", "customer", 0), msg("r1", at=40, g=0.99), msg("r2", at=90, e=0.98),
         msg("r3", at=150, c=0.97)]
    results = []
    for order in (a, [a[3], a[1], a[0], a[2]]):
        t = table()
        ch = run(t, *order, msg("e1", "closed", 180))
        ch.commit()
        [closure] = run(t, now=T0 + 7200).closures
        results.append(verdict(closure.conversation, closed_at=closure.closed_at,
                               closed_by="event", rules=RULES, model_version="m",
                               now=datetime.now(UTC)).model_dump(exclude={"scored_at",
                                                                          "reply_ids"}))
    assert results[0] == results[1]


def test_a_message_sent_before_the_closed_event_but_read_after_it_still_joins():
    t = table()
    ch = run(t, msg("m1", "customer", 0), msg("r1", at=40, g=0.99), msg("e1", "closed", 180))
    ch.commit()
    ch = run(t, msg("r2", at=170, c=0.9), now=T0 + 3605)
    assert ch.closures == []
    ch.commit()
    [closure] = run(t, now=T0 + 3620).closures
    assert closure.conversation.agent_messages == 2 and closure.closed_by == "event"


def test_a_message_sent_after_the_closed_event_opens_a_new_inquiry():
    t = table()
    ch = run(t, msg("m1", "customer", 0), msg("r1", at=40), msg("e1", "closed", 180),
             msg("m2", "customer", 500))
    [closure] = ch.closures
    assert closure.conversation.customer_messages == 1 and closure.closed_by == "event"
    ch.commit()
    assert t.partitions[0]["c-1"].customer_messages == 1
    assert t.partitions[0]["c-1"].opened_at == T0 + 500


def test_an_unanswered_inquiry_scores_zero_with_reason_unanswered():
    t = table()
    run(t, msg("m1", "customer", 0), msg("m2", "customer", 60)).commit()
    [closure] = run(t, now=T0 + 3600 + 1801).closures
    record = verdict(closure.conversation, closed_at=closure.closed_at, closed_by="idle",
                     rules=RULES, model_version="m-1")
    assert (record.total, record.band, record.flagged, record.answered) == (
        0, "poor", True, False)
    assert record.reasons == ["unanswered"] and record.first_response_seconds is None
    assert record.customer_messages == 2 and record.model_version == "m-1"


def test_an_agent_notice_before_the_question_does_not_answer_it():
    t = table()
    run(t, msg("r0", at=0, g=0.9, e=0.9, c=0.9), msg("m1", "customer", 60)).commit()
    [closure] = run(t, now=T0 + 3600 + 1801).closures
    record = verdict(closure.conversation, closed_at=closure.closed_at, closed_by="idle",
                     rules=RULES, model_version="m")
    assert not record.answered and record.total == 0


def test_a_late_first_response_adds_late_response_without_changing_the_total():
    convs = []
    for delay in (200, 400):
        t = table()
        run(t, msg("m1", "customer", 0),
            msg("r1", at=delay, g=0.99, e=0.99, c=0.99, words=40)).commit()
        [closure] = run(t, now=T0 + 3600 + 1801).closures
        convs.append(verdict(closure.conversation, closed_at=closure.closed_at,
                             closed_by="idle", rules=RULES, model_version="m"))
    assert convs[0].reasons == [] and convs[1].reasons == ["late_response"]
    assert convs[0].total == convs[1].total == 100


def test_the_idle_timer_fires_without_a_new_record_and_counts_from_processing_time():
    t = table()
    run(t, msg("m1", "customer", -10_000), now=T0).commit()  # sent long ago, read now
    assert run(t, now=T0 + 1799).closures == []
    [closure] = run(t, now=T0 + 1800).closures
    assert closure.closed_by == "idle"
    assert closure.closed_at == T0 - 10_000 + 1800  # last message time + idle


def test_a_gap_longer_than_idle_in_event_time_splits_the_inquiry():
    t = table()
    ch = run(t, msg("m1", "customer", 0), msg("r1", at=30), msg("m2", "customer", 5000))
    [closure] = ch.closures
    assert closure.closed_by == "idle" and closure.conversation.customer_messages == 1
    assert ch.staged[(0, "c-1")].customer_messages == 1


def test_nothing_changes_until_commit_and_a_dropped_batch_leaves_the_table_as_it_was():
    t = table()
    run(t, msg("m1", "customer", 0)).commit()
    before = encode(t.partitions[0]["c-1"])
    ch = run(t, msg("r1", at=40), msg("e1", "closed", 60))
    assert encode(t.partitions[0]["c-1"]) == before  # staged on a copy
    del ch  # dropped: never committed
    ch = run(t, msg("r1", at=40))
    assert ch.replies[0][1].summary["position"] == "first"  # the replay is first again


def test_a_closed_event_for_an_unknown_conversation_is_skipped_after_the_grace():
    t = table()
    ch = run(t, msg("e1", "closed", 0, cid="nobody"))
    assert ch.skipped == [] and ch.closures == []
    ch.commit()
    ch = run(t, now=T0 + 3600 + 11)
    assert ch.skipped == ["closed_unknown_conversation"] and ch.closures == []
    ch.commit()
    assert len(t) == 0


def test_a_closed_event_that_overtakes_its_messages_still_closes_them():
    t = table()
    run(t, msg("e1", "closed", 180)).commit()
    run(t, msg("r1", at=40, g=0.9), msg("m1", "customer", 0), now=T0 + 3605).commit()
    [closure] = run(t, now=T0 + 3611).closures
    assert closure.closed_by == "event" and closure.closed_at == T0 + 180
    assert closure.conversation.opened_at == T0 and closure.conversation.agent_messages == 1


def test_a_conversation_keeps_its_first_channel_when_a_message_comes_on_another():
    t = table()
    ch = run(t, msg("m1", "customer", 0, channel="chat"), msg("r1", at=20, channel="email"))
    assert ch.staged[(0, "c-1")].channel == "chat"
    assert ch.staged[(0, "c-1")].agent_messages == 1


def test_the_thread_keeps_its_head_and_latest_tail_when_it_outgrows_its_cap():
    t = ConversationTable(IDLE, max_thread=12, grace=10)
    t.restore(0, [])
    ch = run(t, *[msg(f"m{i}", "customer", i) for i in range(30)])
    conv = ch.staged[(0, "c-1")]
    ids = [orjson.loads(e)["id"] for e in conv.thread]
    assert len(ids) == 12 and conv.thread_dropped == 18
    assert ids[:2] == ["m0", "m1"] and ids[-10:] == [f"m{i}" for i in range(20, 30)]


def test_changelog_records_restore_the_same_table():
    t = table()
    ch = run(t, msg("m1", "customer", 0), msg("r1", at=40, g=0.9),
             msg("m5", "customer", 0, cid="c-5"), msg("e5", "closed", 10, cid="c-5"))
    log = ch.changelog()
    ch.commit()
    copy = ConversationTable(IDLE, max_thread=40, grace=10)
    assert copy.restore(0, [(k, v) for _, k, v in log]) == 2
    assert encode(copy.partitions[0]["c-1"]) == encode(t.partitions[0]["c-1"])
    assert copy.closing == t.closing and (0, "c-5") in copy.closing
    assert copy.open_by_channel() == {"chat": 2}


def test_a_changelog_value_of_another_format_is_refused_with_the_reason():
    conv = Conversation("c", "chat", 0, T0, T0, T0)
    data = orjson.loads(encode(conv))
    data["v"] = 99  # a future format
    with pytest.raises(ValueError, match="format 99"):
        decode(orjson.dumps(data))


def test_the_store_row_shows_the_thread_in_send_order():
    t = table()
    ch = run(t, msg("r1", at=40), msg("m1", "customer", 0))
    conv = ch.staged[(0, "c-1")]
    record = verdict(conv, closed_at=T0 + 100, closed_by="event", rules=RULES,
                     model_version="m")
    row = store_row(conv, record, redacted=True)
    assert [m["id"] for m in row["messages"]] == ["m1", "r1"]
    assert row["messages"][0]["sent_at"] == "2026-11-30T10:00:00Z"
    assert row["record"]["conversation_id"] == "c-1" and row["redacted"] is True


def test_past_max_open_the_least_recently_touched_conversations_close_for_capacity():
    t = ConversationTable(IDLE, max_thread=40, grace=10, max_open=3)
    t.restore(0, [])
    for i, now in enumerate((T0, T0 + 1, T0 + 2)):
        run(t, msg(f"m{i}", "customer", 0, cid=f"c-{i}"), now=now).commit()
    ch = run(t, msg("m9", "customer", 0, cid="c-9"), msg("m0b", "customer", 5, cid="c-0"),
             now=T0 + 3)
    # c-0 was touched again by this batch: c-1 is now the least recently touched.
    assert [(c.conversation.conversation_id, c.closed_by) for c in ch.closures] == [
        ("c-1", "capacity")]
    ch.commit()
    assert len(t) == 3 and set(t.partitions[0]) == {"c-0", "c-2", "c-9"}
