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
    started = time.monotonic()
    tps = [TopicPartition(topic, p) for p in sorted(partitions)]
    records = _read_to_end(consumer, tps, timeout_s)
    consumer.assign([])
    result = {tp.partition: table.restore(tp.partition, records[tp]) for tp in tps}
    log.info("restored %d open conversations of %d partitions of %s in %.2fs",
             sum(result.values()), len(tps), topic, time.monotonic() - started)
    return result


def _read_to_end(consumer: KafkaConsumer, tps: list[TopicPartition], timeout_s: float
                 ) -> dict[TopicPartition, list[tuple[bytes, bytes | None]]]:
    consumer.assign(tps)
    consumer.seek_to_beginning(*tps)
    deadline = time.monotonic() + timeout_s
    out: dict[TopicPartition, list[tuple[bytes, bytes | None]]] = {tp: [] for tp in tps}
    targets: dict[TopicPartition, int] = {}
    while True:
        for tp, recs in consumer.poll(timeout_ms=100, max_records=5000).items():
            out[tp].extend((r.key, r.value) for r in recs if r.key is not None)
        for tp in tps:
            if tp not in targets and consumer.highwater(tp) is not None:
                targets[tp] = consumer.highwater(tp)  # known after a fetch response
        behind = [tp for tp in tps
                  if tp not in targets or consumer.position(tp) < targets[tp]]
        if not behind:
            return out
        if time.monotonic() > deadline:
            tp = behind[0]
            raise RestoreError(
                f"changelog {tp.topic}[{tp.partition}] not read to offset {targets.get(tp)} "
                f"within {timeout_s:.0f}s (at {consumer.position(tp)}); a transaction left "
                "open by a dead worker blocks it until SCORER_TRANSACTION_TIMEOUT_MS passes")
