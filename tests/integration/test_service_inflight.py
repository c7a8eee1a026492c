"""In-flight batches of the pipelined loop, driven step by step on a real broker.

The loop keeps polled, uncommitted batches in flight. When they cannot be committed (a
revocation, a failed Kafka step), `Service._drop_inflight` must rewind the consumer to the
first of their offsets; otherwise kafka-python, which keeps the position of a partition
that stays assigned, would skip them. These tests call what the rebalance listener calls,
at a moment the test chooses, instead of hoping a rebalance lands on one.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import orjson
import pytest
from kafka.structs import TopicPartition

from scorer import kafka_io
from scorer.metrics import Health, Metrics
from scorer.pool import BatchWork, ScoringPool
from scorer.scoring import Scorer
from scorer.service import Service
from scorer.service.batch import records_waiting
from scorer.settings import Settings
from tests.kafka_utils import (
    committed_offsets,
    create_topics,
    end_offsets,
    produce,
    read_topic,
    unique_topic,
)

pytestmark = pytest.mark.kafka

N = 600


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer.from_settings(Settings())


@pytest.fixture
def service(kafka_bootstrap: str, scorer: Scorer, tmp_path: Path):
    topic = unique_topic("inflight")
    create_topics(kafka_bootstrap, [topic], partitions=2)
    produce(kafka_bootstrap, topic, [orjson.dumps({
        "id": f"f-{i}", "channel": "chat", "language": "nb",
        "text": f"Hei! Pakken ble sendt i dag, ordre {i}. Ha en fin dag!"}) for i in range(N)])
    settings = Settings(kafka_bootstrap=kafka_bootstrap, topic_input=topic,
                        topic_scored=f"{topic}.scored", topic_flagged=f"{topic}.flagged",
                        topic_dlq=f"{topic}.dlq", group_id=topic, batch_size=100,
                        store_enabled=False, metrics_port=0, transactional_id=topic)
    kafka_io.ensure_topics(settings)
    pool = ScoringPool(BatchWork(scorer, max_record_bytes=settings.max_record_bytes,
                                 max_text_chars=settings.max_text_chars, store_rows=False,
                                 redact_text=True), processes=0)
    svc = Service(settings, pool, None, Metrics(), Health(), kafka_io.make_consumer(settings))
    yield svc
    svc.close()


def _poll(svc: Service) -> dict:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        polled = svc.consumer.poll(timeout_ms=500, max_records=100)
        if polled:
            return polled
    raise AssertionError("nothing polled within 30 s")


def test_dropping_in_flight_batches_rewinds_to_their_first_offsets_and_publishes_nothing(
        service: Service) -> None:
    first = service.submit(_poll(service))
    second = service.submit(_poll(service))
    service._inflight.extend([first, second])
    rewind: dict[TopicPartition, int] = {}
    for batch in (first, second):
        for tp, offset in batch.first_offsets().items():
            rewind[tp] = min(offset, rewind.get(tp, offset))

    service._drop_inflight("a test")

    assert first.dropped and second.dropped and not service._inflight
    for tp, offset in rewind.items():
        assert service.consumer.position(tp) == offset
    stop = threading.Event()
    service.finish(first, stop)  # what the loop does with a dropped head: nothing
    assert [s for m in service.metrics.scored.collect() for s in m.samples] == []


def test_after_a_drop_the_loop_publishes_every_reply_exactly_once(service: Service) -> None:
    service._inflight.append(service.submit(_poll(service)))
    service._inflight.append(service.submit(_poll(service)))
    service._drop_inflight("a test")

    stop = threading.Event()
    loop = threading.Thread(target=service.run, args=(stop,), daemon=True)
    loop.start()
    settings = service.settings
    ends = end_offsets(settings.kafka_bootstrap, settings.topic_input)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        committed = committed_offsets(settings.kafka_bootstrap, settings.group_id)
        if all(committed.get(tp, 0) >= end for tp, end in ends.items()):
            break
        time.sleep(0.3)
    stop.set()
    loop.join(30)
    scored = read_topic(settings.kafka_bootstrap, settings.topic_scored, expected=N, idle=1)
    ids = [orjson.loads(r.value)["id"] for r in scored]
    assert sorted(ids) == sorted(f"f-{i}" for i in range(N))


def test_a_partial_poll_with_records_left_in_the_log_counts_as_a_backlog(
        service: Service) -> None:
    # 600 records in the log, a poll of 50 (under batch_size 100): the loop must still
    # see a backlog, or only one scoring process would work while the queue grows.
    polled = {}
    deadline = time.monotonic() + 30
    while not polled and time.monotonic() < deadline:
        polled = service.consumer.poll(timeout_ms=500, max_records=50)
    assert 0 < sum(len(v) for v in polled.values()) < service.settings.batch_size
    assert records_waiting(service.consumer)


def test_a_consumer_at_the_end_of_a_transactional_log_sees_no_backlog(
        kafka_bootstrap: str) -> None:
    # Transaction markers take offsets past the last record: they are no records waiting.
    topic = unique_topic("txn-end")
    create_topics(kafka_bootstrap, [topic], partitions=1)
    settings = Settings(kafka_bootstrap=kafka_bootstrap, topic_input=topic, group_id=topic,
                        transactional_id=topic, metrics_port=0, store_enabled=False)
    producer = kafka_io.make_producer(settings)
    for i in range(3):
        producer.begin_transaction()
        producer.send(topic, key=b"k", value=orjson.dumps({"i": i}))
        producer.commit_transaction()
    producer.close()
    consumer = kafka_io.make_consumer(settings)
    consumer.assign([TopicPartition(topic, 0)])
    consumer.seek_to_beginning()
    try:
        got = 0
        deadline = time.monotonic() + 30
        while got < 3 and time.monotonic() < deadline:
            got += sum(len(v) for v in consumer.poll(timeout_ms=500).values())
        consumer.poll(timeout_ms=500)  # the fetch after the last marker
        assert got == 3
        assert not records_waiting(consumer)
    finally:
        consumer.close()
