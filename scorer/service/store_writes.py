"""A batch's store write, and how the loop waits out a store outage.

The flagged replies (and, with conversations on, the conversation rows) are written
before the batch is published, so a batch whose outputs reached Kafka is always in the
store too (writes are upserts by id: a replay rewrites the same rows). While the store is
down the loop retries with `scorer.backoff` and the input partitions paused: it keeps
polling, which keeps its group membership without fetching, and it is reported not ready.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from kafka import KafkaConsumer

from scorer.backoff import Backoff, Stopped
from scorer.metrics import Health, Metrics
from scorer.pool import Outcome

if TYPE_CHECKING:
    from scorer.conversations.stage import Effects
    from scorer.store import FlaggedStore

log = logging.getLogger("scorer.service")


def store_batch(store: FlaggedStore, consumer: KafkaConsumer, metrics: Metrics,
                health: Health, outcome: Outcome, fx: Effects | None,
                stop: threading.Event) -> None:
    """Write flagged replies and conversations; while the store is down, pause
    consumption and retry. Raises SystemExit(0) when stopped during the outage (the
    batch is not committed, so it is replayed)."""
    from scorer.store import StoreUnavailable

    rows: Sequence[dict[str, Any]] = outcome.rows
    unflagged: Sequence[str] = outcome.unflagged
    if fx is not None and (fx.reply_rows or fx.unflagged):
        rows, unflagged = [*rows, *fx.reply_rows], [*unflagged, *fx.unflagged]

    def write() -> None:
        store.write_rows(rows, unflagged)
        if fx is not None and fx.conversation_rows:
            store.write_conversations(fx.conversation_rows)

    def report(exc: Exception, delay: float, failures: int) -> None:
        metrics.store_errors.inc()
        if failures == 1:
            consumer.pause(*consumer.assignment())
        log.warning("flagged store unavailable (%s); pausing input, retry in %ss", exc, delay)
        health.tick(False, "flagged store unavailable")

    def poll_paused(delay: float, stop: threading.Event) -> None:
        deadline = time.monotonic() + delay
        while time.monotonic() < deadline and not stop.is_set():
            # Polling while paused keeps the group membership alive and fetches nothing
            # -- unless a rebalance inside poll() assigned new, unpaused partitions:
            # rewind what it returned (dropping it would lose it, as the next commit
            # moves past it) and pause those partitions too.
            leaked = consumer.poll(timeout_ms=200)
            for tp, recs in leaked.items():
                consumer.seek(tp, recs[0].offset)
            consumer.pause(*consumer.assignment())

    backoff = Backoff(on_failure=report, sleep=poll_paused)
    try:
        backoff.retry(write, StoreUnavailable, stop)
    except Stopped:
        consumer.resume(*consumer.assignment())
        raise SystemExit(0) from None
    if backoff.failures:
        log.info("flagged store is back; resuming")
        consumer.resume(*consumer.assignment())
