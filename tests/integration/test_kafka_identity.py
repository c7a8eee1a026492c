"""Worker identity: transactional.id and group.instance.id (static group membership).

The unit tests need no broker; the last ones run against the session's real broker: two
consumers with one group.instance.id (the older one stops with InstanceFencedError
instead of going on with a stale assignment), and a worker replacing a producer it
cannot abort only while it still holds its group.instance.id (`scorer.service.producer`).
"""

from __future__ import annotations

import logging
import multiprocessing
import socket
import threading
import time
import uuid

import pytest
from kafka import KafkaProducer

from scorer import kafka_io
from scorer.service.producer import WorkerProducer
from scorer.settings import Settings
from tests.kafka_utils import create_topics


def settings(**kw) -> Settings:
    return Settings(group_id="reply-scorer", **kw)


def test_default_identity_is_group_and_hostname_per_worker() -> None:
    s = settings()
    host = socket.gethostname()
    assert kafka_io.group_instance_id(s, 0) == f"reply-scorer-{host}-0"
    assert kafka_io.group_instance_id(s, 1) == f"reply-scorer-{host}-1"
    # One identity for both fences.
    assert kafka_io.transactional_id(s, 1) == kafka_io.group_instance_id(s, 1)


def test_group_instance_id_names_the_worker_and_prefixes_the_transactional_id() -> None:
    s = settings(group_instance_id="scorer-3")
    assert [kafka_io.group_instance_id(s, w) for w in (0, 1)] == ["scorer-3-0", "scorer-3-1"]
    assert kafka_io.transactional_id(s, 1) == "scorer-3-1"


def test_an_explicit_transactional_id_is_kept_and_is_the_default_instance_id() -> None:
    # Deployments that already give each worker its own SCORER_TRANSACTIONAL_ID get as
    # many distinct group.instance.ids without changing anything.
    s = settings(transactional_id="tx-a")
    assert kafka_io.transactional_id(s, 0) == "tx-a-0"
    assert kafka_io.group_instance_id(s, 0) == "tx-a-0"
    both = settings(transactional_id="reply-scorer-scorer-0", group_instance_id="scorer-0")
    assert kafka_io.transactional_id(both, 0) == "reply-scorer-scorer-0-0"
    assert kafka_io.group_instance_id(both, 0) == "scorer-0-0"


@pytest.mark.parametrize("bad", ["pod 1", "pod/1", "x" * 249])
def test_an_identity_kafka_would_refuse_is_a_setup_error_naming_the_setting(bad: str) -> None:
    with pytest.raises(kafka_io.KafkaSetupError, match="SCORER_GROUP_INSTANCE_ID"):
        kafka_io.group_instance_id(settings(group_instance_id=bad), 0)


def test_worker_index_comes_from_the_worker_process_name(monkeypatch) -> None:
    assert kafka_io._current_worker() == 0
    proc = multiprocessing.current_process()
    monkeypatch.setattr(proc, "name", "scorer-worker-3")
    assert kafka_io._current_worker() == 3


def test_the_fenced_log_line_of_another_instance_is_ignored() -> None:
    seen = kafka_io._FencedSeen("pod-0-0")
    log = logging.getLogger("kafka.coordinator.heartbeat")
    msg = "Heartbeat failed for group %s due to fenced id error: %s"
    seen.handle(log.makeRecord(log.name, logging.ERROR, __file__, 1, msg, ("g", "pod-1-0"),
                               None))
    assert not seen.fenced
    seen.handle(log.makeRecord(log.name, logging.ERROR, __file__, 1, msg, ("g", "pod-0-0"),
                               None))
    assert seen.fenced


def _joined(s: Settings, topic: str) -> kafka_io.StaticMemberConsumer:
    consumer = kafka_io.make_consumer(s, 0)
    assert consumer.partitions_for_topic(topic)  # fresh metadata before the join
    consumer.subscribe([topic])
    deadline = time.monotonic() + 30
    while not consumer.assignment():
        assert time.monotonic() < deadline, "no partitions assigned"
        consumer.poll(timeout_ms=200)
    return consumer


@pytest.mark.kafka
def test_a_second_consumer_with_the_same_instance_id_takes_over_and_fences_the_first(
        kafka_bootstrap: str) -> None:
    suffix = uuid.uuid4().hex[:8]
    topic = f"identity-{suffix}"
    create_topics(kafka_bootstrap, [topic], partitions=2)
    s = Settings(kafka_bootstrap=kafka_bootstrap, group_id=f"identity-{suffix}",
                 group_instance_id="pod-0", session_timeout_ms=30_000)
    first = _joined(s, topic)
    t0 = time.monotonic()
    second = _joined(s, topic)
    # Well within the 30 s session timeout: the broker hands the static member's
    # partitions to its replacement without waiting for the old member to expire.
    took = time.monotonic() - t0
    try:
        assert took < 5, f"the second consumer waited {took:.1f}s for its partitions"
        with pytest.raises(kafka_io.InstanceFencedError, match="pod-0-0"):
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                first.poll(timeout_ms=200)
                second.poll(timeout_ms=200)
    finally:
        first.close()
        second.close()



def _fresh_group(bootstrap: str, name: str) -> tuple[Settings, str]:
    """Settings of a new group with one static identity, and a new 2-partition topic."""
    suffix = uuid.uuid4().hex[:8]
    topic = f"{name}-{suffix}"
    create_topics(bootstrap, [topic], partitions=2)
    return Settings(kafka_bootstrap=bootstrap, group_id=topic, group_instance_id=f"pod-{suffix}",
                    session_timeout_ms=30_000), topic

def _inline(call, _what, _stop):
    return call()


def _open_transaction(producer: KafkaProducer, topic: str) -> None:
    producer.begin_transaction()
    producer.send(topic, b"in flight").get(timeout=10)


@pytest.mark.kafka
def test_a_worker_whose_identity_was_taken_stops_instead_of_fencing_the_new_holder(
        kafka_bootstrap: str) -> None:
    """The older twin's transaction fails and its abort too (fenced by the newer twin's
    init_transactions): before making a new producer it asks the coordinator, finds
    its group.instance.id held by another member, and stops. The newer twin's producer,
    which a new producer of the older would have fenced, still commits."""
    s, topic = _fresh_group(kafka_bootstrap, "twins")
    stop = threading.Event()
    older = _joined(s, topic)
    older_producer = WorkerProducer(s, 0, older, _inline)
    newer = newer_producer = None
    try:
        _open_transaction(older_producer.claim(stop), topic)
        newer = _joined(s, topic)  # takes the group.instance.id first ...
        newer_producer = WorkerProducer(s, 0, newer, _inline)
        claimed = newer_producer.claim(stop)  # ... then the transactional id
        with pytest.raises(kafka_io.InstanceFencedError, match=s.group_instance_id):
            older_producer.recover(stop)
        _open_transaction(claimed, topic)
        claimed.commit_transaction()
    finally:
        for consumer in (older, newer):
            if consumer is not None:
                consumer.close()
        older_producer.close(abandoned=True)
        if newer_producer is not None:
            newer_producer.close(abandoned=False)


@pytest.mark.kafka
def test_a_worker_that_still_holds_its_identity_replaces_a_producer_it_cannot_abort(
        kafka_bootstrap: str) -> None:
    """Fenced by a producer outside the group (a stale process that holds no partitions),
    the worker's abort fails; it still holds its group.instance.id, so it makes a new
    producer, whose transactions commit."""
    s, topic = _fresh_group(kafka_bootstrap, "alone")
    stop = threading.Event()
    consumer = _joined(s, topic)
    worker = WorkerProducer(s, 0, consumer, _inline)
    stale = None
    try:
        first = worker.claim(stop)
        _open_transaction(first, topic)
        stale = kafka_io.make_producer(s, 0)  # same transactional id: fences `first`
        worker.recover(stop)
        assert worker.current is not None and worker.current is not first
        _open_transaction(worker.current, topic)
        worker.current.commit_transaction()
    finally:
        consumer.close()
        worker.close(abandoned=False)
        if stale is not None:
            stale.close(timeout=1)
