"""`Batch`: one poll's records on their way from poll to commit (`scorer.service.loop`)."""

from __future__ import annotations

import time
from concurrent.futures import Future
from dataclasses import dataclass, field

from kafka.consumer.fetcher import ConsumerRecord
from kafka.structs import OffsetAndMetadata, TopicPartition

from scorer.pool import Outcome


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
