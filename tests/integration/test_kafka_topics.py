"""Topics and the first join, against the session's real broker.

A group leader that assigns before its consumer holds the topics' partition metadata
assigns them nothing, and kafka-python notices only at its next metadata refresh
(minutes) — for a static member rejoining a stable group, not even then. So
`kafka_io.ensure_topics` returns only once every partition it created has a leader, and
the worker fetches its topics' metadata before its first poll (`kafka_setup.await_metadata`).
"""

from __future__ import annotations

import time

import pytest
from kafka import KafkaAdminClient, KafkaConsumer

from scorer import kafka_io
from scorer.kafka_setup import await_metadata
from scorer.settings import Settings
from tests.kafka_utils import create_topics, unique_topic


def _settings(bootstrap: str, **kw) -> Settings:
    base = unique_topic("topics")
    return Settings(kafka_bootstrap=bootstrap, group_id=base, topic_input=base,
                    topic_scored=f"{base}.scored", topic_flagged=f"{base}.flagged",
                    topic_dlq=f"{base}.dlq", topic_conversations=f"{base}.conversations",
                    topic_partitions=3, **kw)


def _all_topics(s: Settings) -> list[str]:
    return [s.topic_input, s.topic_scored, s.topic_flagged, s.topic_dlq,
            s.topic_conversations, s.repartition_topic, s.changelog_topic]


def test_every_partition_a_worker_creates_has_a_leader_when_ensure_topics_returns(
        kafka_bootstrap: str) -> None:
    s = _settings(kafka_bootstrap)
    kafka_io.ensure_topics(s)
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    try:
        described = admin.describe_topics(_all_topics(s))  # at once: no wait of our own
    finally:
        admin.close()
    assert {t["name"]: t["error_code"] for t in described} == dict.fromkeys(_all_topics(s), 0)
    for topic in described:
        assert len(topic["partitions"]) == 3, topic["name"]
        assert all(p["leader_id"] >= 0 for p in topic["partitions"]), topic["name"]


def test_a_group_joined_right_after_creating_the_topics_is_assigned_every_partition(
        kafka_bootstrap: str) -> None:
    s = _settings(kafka_bootstrap)
    kafka_io.ensure_topics(s)
    consumer = KafkaConsumer(bootstrap_servers=kafka_bootstrap, group_id=s.group_id,
                             enable_auto_commit=False)
    try:
        subscribed = [s.topic_input, s.repartition_topic]
        consumer.subscribe(subscribed)
        assert _assigned(consumer, 6) == {(topic, p) for topic in subscribed for p in range(3)}
    finally:
        consumer.close()


def _assigned(consumer: KafkaConsumer, want: int, timeout: float = 20.0) -> set[tuple[str, int]]:
    deadline = time.monotonic() + timeout  # far below the 5-minute metadata refresh
    while time.monotonic() < deadline and len(consumer.assignment()) < want:
        consumer.poll(timeout_ms=200)
    return {(tp.topic, tp.partition) for tp in consumer.assignment()}


def test_a_static_member_rejoining_its_stable_group_as_leader_takes_every_partition_back(
        kafka_bootstrap: str) -> None:
    s = _settings(kafka_bootstrap, session_timeout_ms=60_000)
    create_topics(kafka_bootstrap, [s.topic_input], partitions=3)
    every = {(s.topic_input, p) for p in range(3)}
    for incarnation in range(4):  # the first joins a new group, the others rejoin at once
        consumer = kafka_io.make_consumer(s, 0)
        try:
            consumer.subscribe([s.topic_input])
            await_metadata(consumer, [s.topic_input])
            assert _assigned(consumer, 3) == every, f"incarnation {incarnation}"
        finally:
            consumer.close(autocommit=False)  # a static member sends no LeaveGroup


def test_conversation_topics_partitioned_unlike_each_other_are_refused_naming_both(
        kafka_bootstrap: str) -> None:
    s = _settings(kafka_bootstrap)
    create_topics(kafka_bootstrap, [s.repartition_topic], partitions=2)
    create_topics(kafka_bootstrap, [s.changelog_topic], partitions=3)
    with pytest.raises(kafka_io.KafkaSetupError,
                       match=rf"{s.repartition_topic} has 2 partitions but "
                             rf"{s.changelog_topic} has 3; they must match"):
        kafka_io.ensure_topics(s)


def test_missing_conversation_topics_without_topic_creation_are_named(
        kafka_bootstrap: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kafka_io, "TOPIC_READY_MS", 1_000)  # they will not appear
    s = _settings(kafka_bootstrap, create_topics=False)
    with pytest.raises(kafka_io.KafkaSetupError,
                       match=rf"{s.repartition_topic}, {s.changelog_topic} do not exist.*"
                             "SCORER_CREATE_TOPICS=true"):
        kafka_io.ensure_topics(s)


@pytest.mark.parametrize("conversations", [False, True], ids=["replies", "conversations"])
def test_a_new_worker_producer_knows_every_output_topic_before_its_first_send(
        kafka_bootstrap: str, conversations: bool) -> None:
    """Without it a worker's first batch waited one 100 ms metadata refresh per output
    topic (~0.5 s with conversations on). Checked without a clock: with `max_block_ms`
    set to 0, `partitions_for` answers only from metadata the producer already holds."""
    s = _settings(kafka_bootstrap, conversations=conversations)
    kafka_io.ensure_topics(s)
    producer = kafka_io.make_producer(s)
    try:
        producer.config["max_block_ms"] = 0
        outputs = [t for t in _all_topics(s) if t != s.topic_input
                   and (conversations or t in (s.topic_scored, s.topic_flagged, s.topic_dlq))]
        assert {t: producer.partitions_for(t) for t in outputs} == {t: {0, 1, 2}
                                                                      for t in outputs}
    finally:
        producer.close()


def test_a_transaction_begun_right_after_a_commit_is_retried_after_20_ms_not_100(
        kafka_bootstrap: str) -> None:
    """The coordinator refuses it (CONCURRENT_TRANSACTIONS) until the previous commit's
    markers are written, and kafka-python sleeps the producer's configured retry backoff
    before retrying (BENCHMARKS.md: with the default 100 ms, about one back-to-back
    transaction in three took 0.1 s longer)."""
    s = _settings(kafka_bootstrap, delivery="exactly_once")
    kafka_io.ensure_topics(s)
    producer = kafka_io.make_producer(s)
    try:
        assert producer.config["retry_backoff_ms"] == 20
    finally:
        producer.close()
