"""The consumer loop of one worker (`Service`): poll, score, store, publish, commit.

The steps of one batch are listed in `scorer.service`. This module owns their order and
the bookkeeping of batches in flight; what a step does to the store or to Kafka lives in
the sibling modules (`store_writes`, `publish`, `kafka_step`).

Each batch is split over the scoring processes (`ScoringPool`), and sized so that they
score it in about the poll wait (`BatchSizer`). Under a backlog (polls return as many
records as asked, or records wait in the log) batches are pipelined: while the loop
stores and publishes batch N, batches N+1… are being scored, so Kafka I/O and scoring use
different cores. Once caught up, each batch is committed before the next poll, which
keeps the latency of a quiet stream low. Batches are still committed one at a time and in
poll order. A batch that is polled but not yet committed is "in flight"; whenever
in-flight batches cannot be committed — a failed Kafka step, or a rebalance that revokes
partitions — all of them are dropped and the consumer is rewound to the first of their
offsets, so nothing is lost; the next poll (or the partitions' new owner, from the
committed offsets) replays them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Collection
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, TypeVar

from kafka import ConsumerRebalanceListener, KafkaConsumer
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import KafkaError, ProducerFencedError
from kafka.structs import TopicPartition

from scorer import kafka_io
from scorer.backoff import Backoff
from scorer.conversations.routes import DirectRoutes
from scorer.kafka_setup import await_metadata
from scorer.metrics import Health, Metrics, Tally
from scorer.pool import Outcome, ScoringPool
from scorer.service.batch import Batch, BatchSizer, partition_lags, records_waiting
from scorer.service.kafka_step import STOP_GRACE_S, Abandoned, run_step
from scorer.service.producer import WorkerProducer
from scorer.service.publish import produce
from scorer.service.store_writes import store_batch
from scorer.settings import Settings

if TYPE_CHECKING:
    from scorer.conversations.stage import ConversationStage, Effects
    from scorer.store import FlaggedStore

log = logging.getLogger("scorer.service")
T = TypeVar("T")

#: How often (seconds) an idle loop looks for conversations the wall clock has closed.
EXPIRE_EVERY_S = 1.0


class _OnRevoke(ConsumerRebalanceListener):
    """Drops the in-flight batches before a rebalance takes partitions away."""

    def __init__(self, service: Service) -> None:
        self.service = service

    def on_partitions_revoked(self, revoked: Collection[TopicPartition]) -> None:
        self.service._drop_inflight("a consumer-group rebalance")

    def on_partitions_assigned(self, assigned: Collection[TopicPartition]) -> None:
        stage = self.service.conversations
        if stage is not None:  # restored by the loop after this poll (`_restore`)
            stage.assigned({tp.partition for tp in assigned if tp.topic == stage.topic})
            self.service.routes.clear()


class Service:
    """The consume → score → store → publish → commit loop of one worker."""

    def __init__(self, settings: Settings, pool: ScoringPool, store: FlaggedStore | None,
                 metrics: Metrics, health: Health, consumer: KafkaConsumer, worker: int = 0,
                 conversations: ConversationStage | None = None) -> None:
        self.settings = settings
        self.pool = pool
        self.store = store
        self.metrics = metrics
        self.health = health
        self.consumer = consumer
        #: Claimed once the consumer holds partitions (`scorer.service.producer`).
        self.producer = WorkerProducer(settings, worker, consumer,
                                       lambda *a: self._kafka_step(*a))
        self.worker = worker
        self.transactional = self.producer.transactional
        #: Polled, not yet committed, in poll order; `_finishing` is the one being committed.
        self._inflight: deque[Batch] = deque()
        self._finishing: Batch | None = None
        self._last_lag = 0.0
        #: Failed Kafka steps since the last committed batch: how long to wait before
        #: the replay (the loop, not this object, does the retrying).
        self._kafka_backoff = Backoff()
        self._abandoned = False  # set when stopping with a Kafka step still pending
        self.conversations = conversations
        self.sizer = BatchSizer(settings.batch_size, settings.batch_max_wait_ms / 1000,
                                pool.processes)
        self._last_expire = 0.0
        topics = [settings.topic_input]
        self.routes = DirectRoutes(settings.topic_input, settings.repartition_topic)
        if conversations is not None:
            topics.append(conversations.topic)
        consumer.subscribe(topics, listener=_OnRevoke(self))
        await_metadata(consumer, topics)

    # -- the loop -------------------------------------------------------------------------
    def run(self, stop: threading.Event) -> int:
        log.info("worker %d consuming %s as group %s (%s, %d scoring processes)", self.worker,
                 self.settings.topic_input, self.settings.group_id, self.settings.delivery,
                 self.pool.processes)
        depth = self.pool.processes  # batches scored while the loop commits another
        while not stop.is_set():
            # With batches in flight, take only what is already fetched: the loop has
            # committing to do rather than waiting for more.
            wait = 0 if self._inflight else self.settings.batch_max_wait_ms
            limit = self.sizer.limit
            polled = self.consumer.poll(timeout_ms=wait, max_records=limit)
            if self.producer.current is None and self.consumer.assignment():
                try:
                    self.producer.claim(stop)  # before the restore: see its module
                except Abandoned:
                    self._abandoned = True
                    return 0
            self._restore()
            if not self._inflight:
                self._refresh_routes()
            self._tick()
            self._reload()
            behind = False
            if polled:
                try:
                    batch = self.submit(polled)
                except BrokenProcessPool:
                    return self._scoring_died()
                self._inflight.append(batch)
                # A backlog (a full poll, or records already in the log past what the poll
                # returned): pipeline for throughput. Otherwise the loop has caught up:
                # commit now, as a second batch in flight would only add its wait to the
                # latency of every reply.
                behind = batch.size >= limit or records_waiting(self.consumer)
            code = self._commit_ready(stop, depth if behind else 0, one_more=not polled)
            if code is None and not polled and not self._inflight:
                code = self._expire_idle(stop)
            if code is not None:
                return code
            self._update_lag()
        log.info("worker %d stopping: committing %d polled batches (a static member keeps "
                 "its partitions for the session timeout, so a restart takes them back)",
                 self.worker, len(self._inflight))
        code = self._commit_ready(stop, -1, one_more=False)
        return code or 0

    def _commit_ready(self, stop: threading.Event, depth: int, one_more: bool) -> int | None:
        """Commit the oldest batches while more than `depth` are in flight or they are
        scored already (and one more when asked); returns an exit code to stop with."""
        try:
            while self._inflight and (len(self._inflight) > depth or one_more
                                      or self._inflight[0].pending.done()):
                one_more = False
                self.finish(self._inflight.popleft(), stop)
        except ProducerFencedError:
            log.error("another worker took over transactional id %s; exiting",
                      kafka_io.transactional_id(self.settings, self.worker))
            return 3
        except BrokenProcessPool:
            return self._scoring_died()
        except Abandoned as exc:
            self._abandoned = True
            log.warning("stopping with %s still pending after %ss; its batch is not "
                        "committed and will be replayed", exc, STOP_GRACE_S)
            return 0
        return None

    def _restore(self) -> None:
        """Restore the conversation state of newly assigned partitions, before any of
        their records is scored (the poll that assigned them may have returned some)."""
        stage = self.conversations
        if stage is not None and stage.unrestored:
            stage.restore_assigned()
            self.metrics.set_open(stage.open_by_channel())

    def _refresh_routes(self) -> None:
        """With nothing in flight, let restored partitions whose repartition backlog is
        applied take their correctly keyed records directly (`conversations.routes`).

        Right after a poll, so a new assignment routes its first batch directly: records
        of that poll count as read, and `submit` applies a batch's repartition records
        before its input records."""
        stage = self.conversations
        if stage is not None and not stage.unrestored:
            self.routes.refresh(self.consumer, stage.table.partitions)

    def _expire_idle(self, stop: threading.Event) -> int | None:
        """On a quiet stream, commit the conversations the wall clock has closed (their
        timers fire with no record arriving); at most every EXPIRE_EVERY_S."""
        now = time.monotonic()
        if self.conversations is None or now - self._last_expire < EXPIRE_EVERY_S:
            return None
        self._last_expire = now
        timer = Batch({})
        timer.pending = Future()
        timer.pending.set_result(Outcome([], [], [], [], Tally()))
        self._inflight.append(timer)
        return self._commit_ready(stop, -1, one_more=False)

    def _reload(self) -> None:
        """Batches submitted from now on carry a newly loaded model (scorer.rollout)."""
        watch = self.pool.watch
        if watch is None:
            return
        before = dict(watch.reloads)
        spec = watch.poll()
        for result, n in watch.reloads.items():
            if n > before[result]:
                self.metrics.model_reloads.labels(result=result).inc(n - before[result])
        if spec is not None:
            self.pool.spec = spec
            self.metrics.set_model(spec.version)

    def _scoring_died(self) -> int:
        log.error("a scoring process died; exiting so the worker is restarted (batches "
                  "not committed are replayed)")
        return 4

    def _tick(self) -> None:
        assigned = bool(self.consumer.assignment())
        reachable = kafka_io.broker_reachable(self.consumer)
        why = "" if assigned and reachable else (
            "no Kafka broker connection" if not reachable else "no partitions assigned yet")
        self.health.tick(assigned and reachable, why)

    # -- one batch ------------------------------------------------------------------------
    def submit(self, polled: dict[TopicPartition, list[ConsumerRecord]]) -> Batch:
        """Start scoring a polled batch (in the scoring processes when there are any).
        With conversations on, the repartition topic's records come first, so they are
        applied before any input record of the same batch (`_refresh_routes`)."""
        if self.conversations is not None:
            stage = self.conversations.topic
            polled = {tp: polled[tp] for tp in sorted(polled, key=lambda tp: tp.topic != stage)}
        batch = Batch(polled)
        if self.conversations is None:
            batch.pending = self.pool.submit([rec.value for rec in batch.flat])
            return batch
        topic = self.conversations.topic
        batch.pending = self.pool.submit([rec.value for rec in batch.flat],
                                         [rec.topic == topic for rec in batch.flat],
                                         [rec.timestamp / 1000 for rec in batch.flat],
                                         self.routes.keys(batch.flat))
        return batch

    def process(self, polled: dict[TopicPartition, list[ConsumerRecord]],
                stop: threading.Event) -> None:
        """Score, store, publish and commit one batch without pipelining."""
        self.finish(self.submit(polled), stop)

    def finish(self, batch: Batch, stop: threading.Event) -> None:
        """Store, publish and commit a submitted batch, unless it was dropped."""
        self._finishing = batch
        try:
            outcome = batch.pending.result()
            self.sizer.observe(batch.size, outcome.seconds)
            scored = time.perf_counter()
            fx = self._effects(batch, outcome)
            if batch.size == 0 and (fx is None or fx.empty):
                return  # a timer tick that closed nothing
            if self.store is not None and not batch.dropped:
                store_batch(self.store, self.consumer, self.metrics, self.health, outcome,
                            fx, stop)
            if batch.dropped:  # a rebalance while it was scored or stored
                return
            try:
                self._publish(batch, outcome, fx, stop)
            except ProducerFencedError:  # a KafkaError, but not one to retry
                raise
            except KafkaError as exc:
                # Roll back and replay from the first offsets of everything in flight:
                # simpler and safer than retrying in place, because a rebalance may have
                # moved some partitions away.
                self.metrics.kafka_errors.inc()
                delay = self._kafka_backoff.failed(exc)
                log.warning("publishing a batch of %d failed (%s); replaying it in %ss",
                            batch.size, type(exc).__name__, delay)
                self.health.tick(False, f"Kafka error: {type(exc).__name__}")
                self.producer.recover(stop)
                self._drop_inflight(f"the Kafka error {type(exc).__name__}")
                self._kafka_backoff.wait(delay, stop)
                return
        finally:
            self._finishing = None
        self._kafka_backoff.reset()
        if fx is not None:
            fx.commit()  # the transaction is in: the state may move on
            outcome.tally.merge(fx.tally)
            self.metrics.set_open(self.conversations.open_by_channel())
        self.metrics.record(outcome.tally)
        if batch.size:
            now = time.perf_counter()
            self.sizer.committed(now - scored)
            self.metrics.batch_duration.observe(now - batch.started)

    def _effects(self, batch: Batch, outcome: Outcome) -> Effects | None:
        """The conversation stage's share of a batch (None with conversations off)."""
        if self.conversations is None:
            return None
        flat = batch.flat
        return self.conversations.effects(
            [(flat[m.index].partition, m) for m in outcome.messages], time.time())

    def _publish(self, batch: Batch, outcome: Outcome, fx: Effects | None,
                 stop: threading.Event) -> None:
        offsets = batch.next_offsets()
        # The consumer is not thread-safe: read what the helper thread needs from it here.
        txn = (offsets, self.consumer.group_metadata()) if self.transactional else None
        producer = self.producer.claim(stop)
        self._kafka_step(lambda: produce(producer, self.settings, batch.flat, outcome, fx, txn),
                         "publish", stop)
        if not self.transactional and offsets:
            self.consumer.commit(offsets)

    def _kafka_step(self, step: Callable[[], T], what: str, stop: threading.Event) -> T:
        """A blocking producer call, run by `kafka_step.run_step` (a method, so that
        bench/profile_service.py can run the steps inline)."""
        return run_step(step, what, stop, self.health)

    def _drop_inflight(self, why: str) -> None:
        """Give up every polled, uncommitted batch and rewind the consumer to the first
        of their offsets (on partitions it still holds; revoked ones restart from the
        committed offsets on their new owner)."""
        batches = [b for b in (self._finishing, *self._inflight) if b is not None]
        self._inflight.clear()
        rewind: dict[TopicPartition, int] = {}
        for batch in batches:
            batch.dropped = True
            for tp, offset in batch.first_offsets().items():
                rewind[tp] = min(offset, rewind.get(tp, offset))
        if not rewind:
            return
        log.info("dropped %d uncommitted batches after %s; they are replayed from their "
                 "first offsets", len(batches), why)
        assigned = self.consumer.assignment()
        for tp, offset in rewind.items():
            if tp in assigned:
                self.consumer.seek(tp, offset)

    def _update_lag(self) -> None:
        now = time.monotonic()
        if now - self._last_lag < 1.0:
            return
        self._last_lag = now
        lags = {(tp.topic, tp.partition): lag for tp, lag in partition_lags(self.consumer)}
        self.metrics.set_lag(lags)

    def close(self) -> None:
        try:
            self.consumer.close()  # static member: no LeaveGroup (README, Failover)
        finally:
            self.producer.close(self._abandoned)
            if self.store is not None:
                self.store.close()
            if self.conversations is not None:
                self.conversations.close()
            self.pool.close()
