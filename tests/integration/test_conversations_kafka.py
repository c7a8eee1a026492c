"""Conversations end to end on the real broker: state survives SIGKILL, timers fire with
no new record and after a restart, and two workers over reply-id keys score each
conversation once.

The conversations come from `scorer.dialogues`, written without sight of the training
corpus, with their truth (answered, first response time, complete or not) known. Output
is read with `read_committed`, as a warehouse reads it.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from scorer.dialogues import Dialogue, generate, interleave
from tests.kafka_utils import create_topics, end_offsets, produce, read_topic, unique_topic
from tests.scorer_proc import ScorerProcess, committed_lag, topic_env, until

pytestmark = pytest.mark.kafka

START = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def _env(bootstrap: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = topic_env(bootstrap, tmp_path, SCORER_CONVERSATION_CLOSE_GRACE="2s", **extra)
    create_topics(bootstrap, [env["SCORER_TOPIC_INPUT"]], partitions=4)
    return env


def _send(env: dict[str, str], records: list[dict], key: str = "conversation_id") -> None:
    produce(env["SCORER_KAFKA_BOOTSTRAP"], env["SCORER_TOPIC_INPUT"],
            [orjson.dumps(r) for r in records], keys=[r[key].encode() for r in records])


def _verdicts(env: dict[str, str], expected: int, timeout: float = 120) -> list[dict]:
    recs = read_topic(env["SCORER_KAFKA_BOOTSTRAP"], env["SCORER_TOPIC_CONVERSATIONS"],
                      expected=expected, idle=2.0, timeout=timeout)
    return [orjson.loads(r.value) | {"_key": r.key.decode()} for r in recs]


def _check_against_truth(dialogues: list[Dialogue], verdicts: list[dict]) -> None:
    """One verdict per conversation, each agreeing with what the dialogue was."""
    counts = Counter(v["conversation_id"] for v in verdicts)
    assert set(counts) == {d.conversation_id for d in dialogues}
    assert max(counts.values()) == 1, [c for c, n in counts.items() if n > 1][:5]
    by_id = {v["conversation_id"]: v for v in verdicts}
    for d in dialogues:
        v, truth = by_id[d.conversation_id], d.truth
        assert v["_key"] == d.conversation_id
        assert v["answered"] == truth["answered"], (d.kind, v)
        assert (v["agent_messages"], v["customer_messages"]) == (
            truth["agent_messages"], truth["customer_messages"]), (d.kind, v)
        if not truth["answered"]:
            assert (v["total"], v["reasons"], v["flagged"]) == (0, ["unanswered"], True)
            continue
        expected = truth["first_response_seconds"]
        assert abs(v["first_response_seconds"] - expected) <= 1.0, (d.kind, v, expected)
        assert ("late_response" in v["reasons"]) == (d.kind == "late"), (d.kind, v)


def test_300_conversations_survive_a_sigkill_once_each_and_as_their_truth(
        kafka_bootstrap: str, tmp_path: Path) -> None:
    dialogues = generate(300, seed=12, start=START, close_share=1.0, id_prefix="k")
    env = _env(kafka_bootstrap, tmp_path, SCORER_BATCH_SIZE="100")
    records = interleave(dialogues)
    scorer = ScorerProcess(env, tmp_path / "scorer.log").start()
    try:
        scorer.wait_ready()
        _send(env, records[: len(records) // 2])
        until(lambda: scorer.metric_sum("conversations_scored") >= 20, 60,
              "some conversations scored before the kill", scorer)
        scorer.kill()  # SIGKILL: open conversations live only in the changelog now
        _send(env, records[len(records) // 2:])
        scorer.start().wait_ready()
        verdicts = _verdicts(env, 300)
        until(lambda: committed_lag(env) == 0, 60, "all input committed", scorer)
    finally:
        scorer.stop()
    _check_against_truth(dialogues, verdicts)
    replies = [orjson.loads(r.value) for r in read_topic(
        kafka_bootstrap, env["SCORER_TOPIC_SCORED"],
        expected=sum(d.truth["agent_messages"] for d in dialogues), idle=2.0)]
    assert max(Counter(r["id"] for r in replies).values()) == 1, "a reply was published twice"
    by_id = {v["conversation_id"]: v for v in verdicts}
    good = [d for d in dialogues if d.kind in ("good_chat", "good_messenger")]
    missed = [by_id[d.conversation_id] for d in good if by_id[d.conversation_id]["flagged"]]
    assert len(missed) <= len(good) // 20, f"{len(missed)}/{len(good)} good chats flagged: " \
        f"{[(m['total'], m['reasons']) for m in missed[:5]]}"
    chat_like = [r for r in replies if r["channel"] in ("chat", "messenger")
                 and r["conversation_id"] in {d.conversation_id for d in good}]
    assert chat_like and all(r["position"] in ("first", "later") for r in chat_like)
    assert not [r for r in chat_like if r["position"] == "later"
                and {"missing_greeting", "missing_closing"} & set(r["reasons"])]


def _questions(prefix: str, n: int) -> list[dict]:
    """One customer question per conversation, no sent_at (the record time stands in)."""
    channels = ("chat", "messenger", "email")
    return [{"id": f"{prefix}-q{i}", "conversation_id": f"{prefix}-c{i}", "author": "customer",
             "channel": channels[i % 3], "text": "Hei, hvor blir pakken min av?"}
            for i in range(n)]


def test_idle_timers_close_conversations_with_no_new_record_and_after_a_restart(
        kafka_bootstrap: str, tmp_path: Path) -> None:
    early, late = _questions("early", 6), _questions("late", 6)
    env = _env(kafka_bootstrap, tmp_path, SCORER_CONVERSATION_IDLE_CHAT="6s",
               SCORER_CONVERSATION_IDLE_MESSENGER="6s", SCORER_CONVERSATION_IDLE_EMAIL="6s")
    scorer = ScorerProcess(env, tmp_path / "scorer.log").start()
    try:
        scorer.wait_ready()
        _send(env, early)
        # No record follows: only the wall-clock timer can close them.
        verdicts = _verdicts(env, 6, timeout=60)
        assert {v["closed_by"] for v in verdicts} == {"idle"}
        _send(env, late)
        until(lambda: committed_lag(env) == 0 and scorer.metric_sum("conversations_open") == 6,
              30, "late conversations read and open", scorer)
        scorer.kill()
        time.sleep(7)  # past their idle period while no worker runs
        scorer.start().wait_ready()
        verdicts = _verdicts(env, 12, timeout=60)
    finally:
        scorer.stop()
    assert Counter(v["conversation_id"] for v in verdicts) == Counter(
        r["conversation_id"] for r in early + late)
    assert all(v["total"] == 0 and v["closed_by"] == "idle" and not v["answered"]
               for v in verdicts)


def test_two_workers_over_reply_id_keys_score_every_conversation_once(
        kafka_bootstrap: str, tmp_path: Path) -> None:
    dialogues = generate(80, seed=21, start=START, close_share=1.0, id_prefix="two")
    env = _env(kafka_bootstrap, tmp_path)
    workers = []
    try:
        for i in range(2):
            w_env = {**env, "SCORER_METRICS_PORT": str(int(env["SCORER_METRICS_PORT"]) + i),
                     "SCORER_TRANSACTIONAL_ID": f"{env['SCORER_GROUP_ID']}-w{i}"}
            workers.append(ScorerProcess(w_env, tmp_path / f"scorer-{i}.log").start())
        for w in workers:
            w.wait_ready()
        _send(env, interleave(dialogues), key="id")  # keyed by reply id, not conversation
        verdicts = _verdicts(env, len(dialogues))
    finally:
        for w in workers:
            w.stop()
    _check_against_truth(dialogues, verdicts)


def _direct_partitions(logs: str) -> set[int]:
    """The partitions the worker's log says it made direct (scorer.conversations.routes)."""
    found = re.findall(r"on partitions \[([\d, ]+)\] are applied where they are read", logs)
    return {int(p) for group in found for p in group.split(",")}


def test_records_keyed_by_conversation_id_skip_the_repartition_topic_once_it_is_drained(
        kafka_bootstrap: str, tmp_path: Path) -> None:
    """The direct route (scorer.conversations.routes): a worker holding input and
    repartition partition p applies conversation-keyed records of input p where it reads
    them. Once every partition is direct, later records never touch the topic, and every
    conversation is still scored once and as its truth."""
    first = generate(20, seed=31, start=START, close_share=1.0, id_prefix="d1")
    later = generate(120, seed=32, start=START, close_share=1.0, id_prefix="d2")
    env = _env(kafka_bootstrap, tmp_path)
    repartition = f"{env['SCORER_GROUP_ID']}-conversations-repartition"
    scorer = ScorerProcess(env, tmp_path / "scorer.log").start()
    try:
        scorer.wait_ready()
        _send(env, interleave(first))
        until(lambda: _direct_partitions(scorer.logs()) == {0, 1, 2, 3}, 60,
              "every partition direct once the first records are applied", scorer)
        before = sum(end_offsets(kafka_bootstrap, repartition).values())
        _send(env, interleave(later))
        verdicts = _verdicts(env, len(first) + len(later))
        until(lambda: committed_lag(env) == 0, 60, "all input committed", scorer)
        routed = {route: scorer.metric_sum("scorer_conversation_records", route=route)
                  for route in ("direct", "repartition")}
    finally:
        scorer.stop()
    _check_against_truth(first + later, verdicts)
    assert sum(end_offsets(kafka_bootstrap, repartition).values()) == before
    assert routed["direct"] >= len(interleave(later)), routed
    assert routed["direct"] + routed["repartition"] == len(interleave(first + later)), routed


def test_a_partition_turns_direct_only_after_its_forwarded_backlog_so_order_holds(
        kafka_bootstrap: str, tmp_path: Path) -> None:
    """As after an upgrade from a version that forwarded everything: the repartition
    partition holds a backlog ending in a conversation's first reply, and its second
    reply waits in the input, keyed by the conversation id. Applied directly, the second
    would be applied before the first and be published as `first`; the worker must
    forward it behind the backlog instead. (Whether the first batches let a partition
    turn direct early depends on what the first polls return; the check itself is pinned
    deterministically by the next test.)"""
    from scorer.conversations.routes import partition_for

    env = _env(kafka_bootstrap, tmp_path, SCORER_BATCH_SIZE="50")
    repartition = f"{env['SCORER_GROUP_ID']}-conversations-repartition"
    create_topics(kafka_bootstrap, [repartition], partitions=4)
    home = partition_for(b"c-order", 4)
    others = [k for k in (f"o-{i}" for i in range(4000)) if partition_for(k.encode(), 4) == home]
    backlog = [{"id": f"q-{k}", "conversation_id": k, "channel": "chat", "author": "customer",
                "text": "Hei, hvor er pakken min?", "sent_at": "2026-11-30T08:00:00Z"}
               for k in others[:400]]
    reply = {"conversation_id": "c-order", "channel": "chat", "language": "nb"}
    first = {**reply, "id": "r-first", "sent_at": "2026-11-30T08:01:00Z",
             "text": "Hei! Takk for at du tok kontakt. Jeg ser på saken nå."}
    second = {**reply, "id": "r-second", "sent_at": "2026-11-30T08:02:00Z",
              "text": "Pakken ble sendt i går og kommer i morgen. Ha en fin dag!"}
    produce(kafka_bootstrap, repartition, [orjson.dumps(r) for r in [*backlog, first]],
            keys=[r["conversation_id"].encode() for r in [*backlog, first]])
    _send(env, [second])
    scorer = ScorerProcess(env, tmp_path / "scorer.log").start()
    try:
        scorer.wait_ready()
        replies = {r["id"]: r for r in (orjson.loads(rec.value) for rec in read_topic(
            kafka_bootstrap, env["SCORER_TOPIC_SCORED"], expected=2, idle=2.0))}
    finally:
        scorer.stop()
    assert (replies["r-first"]["position"], replies["r-second"]["position"]) == (
        "first", "later")


def test_direct_routes_wait_for_the_repartition_partition_to_be_read_to_its_end(
        kafka_bootstrap: str) -> None:
    """`DirectRoutes.refresh` on a real broker: a held partition whose repartition
    partition has records past the consumer's position stays forwarded; empty ones and,
    once read to the last stable offset, that one too, turn direct."""
    from kafka import KafkaConsumer
    from kafka.structs import TopicPartition

    from scorer.conversations.routes import DirectRoutes

    topic = unique_topic("routes")
    create_topics(kafka_bootstrap, [topic, topic + "-rep"], partitions=4)
    produce(kafka_bootstrap, topic + "-rep", [b"{}"] * 10, keys=[b"k"] * 10)
    busy = next(tp.partition for tp, end in end_offsets(kafka_bootstrap, topic + "-rep").items()
                if end)
    consumer = KafkaConsumer(bootstrap_servers=kafka_bootstrap, isolation_level="read_committed",
                             enable_auto_commit=False, auto_offset_reset="earliest")
    try:
        consumer.assign([TopicPartition(t, p) for t in (topic, topic + "-rep")
                         for p in range(4)])
        routes = DirectRoutes(topic, topic + "-rep")
        routes.refresh(consumer, [0, 1, 2, 3])
        assert routes.direct == {0, 1, 2, 3} - {busy}
        routes.refresh(consumer, [0, 1, 2, 3])  # within REFRESH_EVERY_S: not asked again
        read = 0
        deadline = time.monotonic() + 30
        while read < 10 and time.monotonic() < deadline:
            read += sum(len(r) for r in consumer.poll(timeout_ms=500).values())
        assert read == 10
        routes._last = 0.0
        routes.refresh(consumer, [0, 1, 2, 3])
        assert routes.direct == {0, 1, 2, 3}
        routes.clear()
        assert routes.direct == set()
    finally:
        consumer.close()


def test_bad_conversation_records_are_dead_lettered_with_a_named_reason(
        kafka_bootstrap: str, tmp_path: Path) -> None:
    env = _env(kafka_bootstrap, tmp_path)
    bad = [{"id": "e1", "channel": "chat", "conversation_id": "c", "event": "reopened"},
           {"id": "e2", "channel": "chat", "event": "closed"}]
    scorer = ScorerProcess(env, tmp_path / "scorer.log").start()
    try:
        scorer.wait_ready()
        _send(env, bad, key="id")
        dlq = read_topic(kafka_bootstrap, env["SCORER_TOPIC_DLQ"], expected=2, idle=1.0)
    finally:
        scorer.stop()
    reasons = sorted(dict(r.headers)["error.reason"].decode() for r in dlq)
    assert reasons == ["missing_field", "unknown_event"]
