"""Restoring conversation state from its changelog topic (as Kafka Streams restores a store).

Every batch writes the new state of each conversation it changed (or a tombstone for a
closed one) to the changelog, in the same Kafka transaction as its outputs and input
offsets. The changelog partition is the repartition partition the conversation lives
on, so a worker that is assigned repartition partition p rebuilds p's conversations by
reading changelog partition p from the beginning (it is compacted: one record per open
conversation plus recent history) with `read_committed`.

It reads up to the partition's *high watermark*, not just its last stable offset: a
transaction another worker left open (it died) holds the stable offset back, and
committed records may follow it. So the restore waits for that transaction to be
aborted (by the broker after the transaction timeout, or at once when its owner comes
back) rather than resume from a state that misses later commits.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

from kafka import KafkaConsumer
from kafka.structs import TopicPartition

from scorer.conversations.table import ConversationTable

log = logging.getLogger(__name__)

#: Changelog compaction settings: compact, and let tombstones go a day after a close.
CHANGELOG_CONFIGS = {"cleanup.policy": "compact", "delete.retention.ms": "86400000",
                     "min.compaction.lag.ms": "0", "segment.ms": "3600000"}


class RestoreError(RuntimeError):
    """A changelog partition could not be read to its end in time."""


def restore(consumer: KafkaConsumer, topic: str, partitions: Iterable[int],
            table: ConversationTable, *, timeout_s: float) -> dict[int, int]:
    """Rebuild `partitions` of `table` from the changelog; returns open conversations per
    partition. `consumer` is a group-less read_committed consumer used only for this."""
    result: dict[int, int] = {}
    for partition in sorted(partitions):
        started = time.monotonic()
        records = _read_to_end(consumer, TopicPartition(topic, partition), timeout_s)
        result[partition] = table.restore(partition, records)
        log.info("restored %d open conversations of partition %d from %s in %.2fs",
                 result[partition], partition, topic, time.monotonic() - started)
    consumer.assign([])
    return result


def _read_to_end(consumer: KafkaConsumer, tp: TopicPartition, timeout_s: float
                 ) -> list[tuple[bytes, bytes | None]]:
    consumer.assign([tp])
    consumer.seek_to_beginning(tp)
    deadline = time.monotonic() + timeout_s
    out: list[tuple[bytes, bytes | None]] = []
    target: int | None = None
    while True:
        for recs in consumer.poll(timeout_ms=200, max_records=5000).values():
            out.extend((r.key, r.value) for r in recs if r.key is not None)
        if target is None:
            target = consumer.highwater(tp)  # known after the first fetch response
        if target is not None and consumer.position(tp) >= target:
            return out
        if time.monotonic() > deadline:
            raise RestoreError(
                f"changelog {tp.topic}[{tp.partition}] not read to offset {target} within "
                f"{timeout_s:.0f}s (at {consumer.position(tp)}); a transaction left open by "
                "a dead worker blocks it until SCORER_TRANSACTION_TIMEOUT_MS passes")
