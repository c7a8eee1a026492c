"""Which conversation records skip the repartition topic: the direct route.

DESIGN asks producers to key conversation records by `conversation_id`. A record keyed so
already sits on the input partition that the default partitioner (murmur2 of the key,
as every standard Kafka client computes it) gives its conversation id, and with input
and repartition topics partitioned alike that is the repartition partition its state
lives on. Kafka Streams skips the repartition in that case; so does this stage, when the
worker holds both partitions p: the record is scored and applied to partition p's state
in the batch that reads it, in one transaction with the input offsets (one hop, not two:
no forward, no second read, no second transaction).

A record is routed directly only when its key is its conversation id (the scoring
process checks the decoded id against the key) and its input partition is direct. An
input partition p becomes direct only once the worker holds repartition partition p too,
its state is restored, and every record forwarded to it earlier has been read (the
consumer's position on it has reached the last stable offset), checked with no batch in
flight; a batch applies its repartition records before its input records. So a
conversation's messages are never applied out of arrival order across the two routes,
including right after a rebalance or an upgrade from a version that forwarded
everything. What stays out of order is what already was: a producer that keys
some messages of a conversation by the conversation id and others otherwise.

The set is cleared on every assignment and rebuilt by `refresh`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence

from kafka import KafkaConsumer
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import KafkaError
from kafka.partitioner.default import murmur2
from kafka.structs import TopicPartition

log = logging.getLogger(__name__)

#: How often (seconds) a worker with non-direct partitions checks whether they drained.
REFRESH_EVERY_S = 1.0


def partition_for(key: bytes, partitions: int) -> int:
    """The partition the default partitioner gives `key` (kafka-python's and Java's rule:
    the repartition forward uses the same, so both routes agree on a state partition)."""
    return (murmur2(key) & 0x7FFFFFFF) % partitions


class DirectRoutes:
    """The input partitions whose correctly keyed conversation records skip the hop."""

    def __init__(self, input_topic: str, stage_topic: str) -> None:
        self.input_topic = input_topic
        self.stage_topic = stage_topic
        self.direct: set[int] = set()
        self._partitions = 0  # the repartition topic's partition count, once known
        self._last = 0.0

    def clear(self) -> None:
        """A new assignment: no partition is direct until `refresh` says so again."""
        self.direct.clear()
        self._last = 0.0

    def keys(self, records: Sequence[ConsumerRecord]) -> list[bytes | None] | None:
        """Per record, the key under which it may be applied directly, else None (the
        scoring process routes it directly when its conversation id is that key)."""
        if not self.direct:
            return None
        n, direct, topic = self._partitions, self.direct, self.input_topic
        return [rec.key if rec.topic == topic and rec.partition in direct
                and rec.key is not None and partition_for(rec.key, n) == rec.partition
                else None for rec in records]

    def refresh(self, consumer: KafkaConsumer, held: Iterable[int]) -> None:
        """Make direct the `held` (restored) state partitions whose input partition this
        worker also holds and whose repartition backlog is read. Call only with no batch in
        flight; records polled but not yet submitted count as read, so their batch must
        apply its repartition records before its input records. At most every
        REFRESH_EVERY_S."""
        now = time.monotonic()
        if now - self._last < REFRESH_EVERY_S:
            return
        self._last = now
        assigned = consumer.assignment()
        todo = [p for p in held if p not in self.direct
                and TopicPartition(self.input_topic, p) in assigned
                and TopicPartition(self.stage_topic, p) in assigned]
        if not todo:
            return
        self._partitions = len(consumer.partitions_for_topic(self.stage_topic) or ())
        if not self._partitions:
            return
        tps = [TopicPartition(self.stage_topic, p) for p in todo]
        try:
            ends = consumer.end_offsets(tps, timeout_ms=2000)  # read_committed: the LSO
            positions = {tp: consumer.position(tp, timeout_ms=1000) for tp in tps}
        except KafkaError as exc:  # try again at the next refresh
            log.debug("direct-route check failed (%s)", type(exc).__name__)
            return
        drained = [tp.partition for tp, pos in positions.items()
                   if pos is not None and pos >= ends[tp]]
        if drained:
            self.direct.update(drained)
            log.info("conversation records keyed by conversation id on partitions %s are "
                     "applied where they are read (no repartition hop)", sorted(drained))
