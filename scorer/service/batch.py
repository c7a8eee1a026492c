"""Batches of the loop (`scorer.service.loop`): one poll's records from poll to commit
(`Batch`), how many records the next poll takes (`BatchSizer`), and whether records wait
in the log behind a poll (`records_waiting`)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field

from kafka import KafkaConsumer
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata, TopicPartition

from scorer.pool import Outcome


def partition_lags(consumer: KafkaConsumer) -> Iterator[tuple[TopicPartition, int]]:
    """Records past the consumer's position in each assigned partition whose high
    watermark and position are known (from the last fetch: no request)."""
    for tp in consumer.assignment():
        high = consumer.highwater(tp)
        if high is None:
            continue
        try:
            pos = consumer.position(tp, timeout_ms=0)
        except KafkaError:
            continue
        if pos is not None:
            yield tp, max(0, high - pos)


def records_waiting(consumer: KafkaConsumer) -> bool:
    """Whether the log holds records past the consumer's position. Polls stay partial when
    the stream arrives a little faster than one batch at a time is scored, so a full poll
    alone would never call that a backlog and only one scoring process would work."""
    return any(lag for _, lag in partition_lags(consumer))


@dataclass
class Batch:
    """One poll's records, from poll to commit."""

    records: dict[TopicPartition, list[ConsumerRecord]]
    started: float = field(default_factory=time.perf_counter)
    #: The records in the order their values were sent to scoring (Outcome indexes it).
    flat: list[ConsumerRecord] = field(init=False)
    pending: Future[Outcome] | None = None
    #: Set when the batch can no longer be committed (see the module docstring).
    dropped: bool = False

    def __post_init__(self) -> None:
        self.flat = [rec for recs in self.records.values() for rec in recs]

    @property
    def size(self) -> int:
        return len(self.flat)

    def next_offsets(self) -> dict[TopicPartition, OffsetAndMetadata]:
        return {tp: OffsetAndMetadata(recs[-1].offset + 1, "", -1)
                for tp, recs in self.records.items() if recs}

    def first_offsets(self) -> dict[TopicPartition, int]:
        return {tp: recs[0].offset for tp, recs in self.records.items() if recs}


class BatchSizer:
    """How many records the next poll may take: `SCORER_BATCH_SIZE` at most, and no more
    than the scoring processes score in about a time budget at the recent cost per record.

    A batch's records all wait for its last one, and a worker that falls a little behind
    pipelines full batches: sized by count alone, a batch of 1000 never-repeating replies
    took over a second to score, so every reply of it waited that long. The budget is the
    poll wait (`SCORER_BATCH_MAX_WAIT_MS`: a record waits about as long for its batch to
    be scored as for it to fill), but never under twice what the loop spends storing and
    committing a batch: a batch scored faster than the loop commits it would make the
    loop the bottleneck, and a worker near its capacity would fall behind for good.
    """

    #: Fewest records a time-sized poll asks for.
    FEWEST = 32
    #: Weight of the newest batch in the moving averages.
    WEIGHT = 0.3

    def __init__(self, most: int, seconds: float, processes: int) -> None:
        self.most = most
        self.seconds = seconds
        self.processes = max(1, processes)
        #: Scoring seconds per record (moving average); None until a batch is seen.
        self.per_record: float | None = None
        #: The loop's seconds per batch from its result to its commit (moving average).
        self.commit = 0.0

    def _average(self, old: float | None, new: float) -> float:
        return new if old is None else (1 - self.WEIGHT) * old + self.WEIGHT * new

    def observe(self, size: int, seconds: float) -> None:
        """A scored batch of `size` records took `seconds` of scoring (summed over its
        chunks)."""
        if size >= self.FEWEST // 4 and seconds > 0:  # else too few to tell a record's cost
            self.per_record = self._average(self.per_record, seconds / size)

    def committed(self, seconds: float) -> None:
        """The loop took `seconds` to store, publish and commit a batch."""
        self.commit = self._average(self.commit or None, seconds)

    @property
    def limit(self) -> int:
        if self.per_record is None:
            return self.most
        budget = max(self.seconds, 2 * self.commit)
        fit = int(budget * self.processes / self.per_record)
        return max(min(self.FEWEST, self.most), min(self.most, fit))
