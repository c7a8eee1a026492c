"""The worker's producer: claimed after the group join, replaced after a failed abort.

A worker has two identities built from one name (`kafka_io.worker_identity`): its
consumer's group.instance.id and its producer's transactional id. They are claimed
separately, the group one first. A worker started beside a live twin with the same
identity thus takes the group.instance.id before its init_transactions fences the twin's
producer; the twin, whose transaction then fails, asks the group coordinator before it
makes a new producer, finds itself replaced and stops (exit 2) instead of fencing the
newer worker back. Claimed the other way round, the two fenced each other and both
stopped. The new producer's init_transactions also aborts a dead predecessor's open
transaction, which restoring the conversation state waits for (the changelog's last
stable offset), so the producer is claimed before the state is restored.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from kafka import KafkaConsumer, KafkaProducer
from kafka.errors import KafkaError

from scorer import kafka_io
from scorer.backoff import Backoff, Stopped
from scorer.service.kafka_step import Abandoned
from scorer.settings import Settings

log = logging.getLogger("scorer.service")

#: Runs a blocking producer call responsively: (call, what, stop) -> its result.
Step = Callable[[Callable[[], Any], str, threading.Event], Any]


class WorkerProducer:
    """Holds the worker's current producer (`current`, None until claimed)."""

    def __init__(self, settings: Settings, worker: int, consumer: KafkaConsumer,
                 step: Step) -> None:
        self.settings = settings
        self.worker = worker
        self.consumer = consumer
        self.step = step
        self.transactional = settings.delivery == "exactly_once"
        self.current: KafkaProducer | None = None

    def claim(self, stop: threading.Event) -> KafkaProducer:
        """The producer, made on first use: once the consumer holds partitions."""
        if self.current is None:
            self.current = self.step(self._make, "init", stop)
        return self.current

    def _make(self) -> KafkaProducer:
        return kafka_io.make_producer(self.settings, self.worker)

    def recover(self, stop: threading.Event) -> None:
        """After a failed transaction: abort it, or replace the producer (which fences the
        old one and aborts its transaction on the broker) unless another process has
        taken this worker's identity (then `InstanceFencedError`: the worker stops)."""
        producer = self.current
        if not self.transactional or producer is None:
            return
        try:
            self.step(producer.abort_transaction, "abort", stop)
            return
        except KafkaError as exc:
            log.warning("abort failed (%s); replacing the producer", type(exc).__name__)
        producer.close(timeout=1)
        membership = self.consumer.group_metadata()  # read here: the consumer is not thread-safe
        if self.step(lambda: kafka_io.identity_taken(self.settings, membership),
                     "group membership check", stop):
            raise kafka_io.InstanceFencedError(kafka_io.fenced_message(
                self.settings.group_id, membership.group_instance_id))
        backoff = Backoff(on_failure=lambda exc, delay, _n: log.warning(
            "%s; retrying in %ss", exc, delay))
        try:
            self.current = backoff.retry(lambda: self.step(self._make, "init", stop),
                                         kafka_io.KafkaSetupError, stop)
        except Stopped:
            raise Abandoned("Kafka producer setup") from None

    def close(self, abandoned: bool) -> None:
        """Close the producer; after an abandoned step the broker is unreachable, so do not
        wait for it. kafka-python's close() flushes first and raises when the broker is gone
        (e.g. SIGTERM during an outage). Nothing is lost: the open transaction is aborted
        by the successor's init_transactions or the transaction timeout."""
        if self.current is None:
            return
        try:
            self.current.close(timeout=1 if abandoned else 5)
        except KafkaError as exc:
            log.warning("Kafka producer did not close cleanly (%s); its uncommitted batch "
                        "will be replayed", type(exc).__name__)
