"""`scorer run`: the streaming service loop (one consumer-group member per worker).

One batch = one poll. For each batch, in this order:

1. a scoring process (`scorer.pool`) decodes every record (invalid ones become dead
   letters with a named reason), scores the valid agent replies in one `score_batch`
   call, serialises them and builds the store rows of the flagged ones;
2. the loop upserts those rows into the store (idempotent by id; retried while the
   store is down, with the partitions paused so the group membership survives);
3. it publishes scored / flagged / dead-letter records and commits the input offsets —
   in one Kafka transaction (exactly-once) or flush-then-commit (at-least-once);
4. only then updates the metrics, so a batch that is rolled back and replayed is
   counted once.

Under a backlog (polls return full batches) batches are pipelined: while the loop stores
and publishes batch N, batches N+1… are being scored (up to SCORER_SCORING_PROCESSES at
once), so Kafka I/O and scoring use different cores. Once caught up, each batch is
committed before the next poll, which keeps the latency of a quiet stream low. Batches
are still committed one at a time and in poll order. A batch that is polled but not yet
committed is "in flight"; whenever in-flight batches cannot be committed — a failed Kafka
step, or a rebalance that revokes partitions — all of them are dropped and the consumer
is rewound to the first of their offsets, so nothing is lost; the next poll (or the
partitions' new owner, from the committed offsets) replays them.

The blocking producer calls (send, send_offsets_to_transaction, commit/abort) run on a
helper thread (`_kafka_step`): kafka-python's commit and abort wait without a timeout while
the broker is down, and a loop blocked inside them could neither report itself unready
nor honour SIGTERM. The loop waits for the step, marks the worker not ready while it is
pending, and on SIGTERM gives it `STOP_GRACE_S` before leaving the transaction open: a
successor with the same transactional id aborts it at once, otherwise the broker does
after SCORER_TRANSACTION_TIMEOUT_MS; either way the batch is replayed, never lost.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from types import FrameType
from typing import TYPE_CHECKING, Any, TypeVar

from kafka import ConsumerRebalanceListener, KafkaConsumer, KafkaProducer
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import KafkaError, ProducerFencedError
from kafka.structs import OffsetAndMetadata, TopicPartition

from scorer import kafka_io
from scorer.logs import setup_logging
from scorer.metrics import Health, Metrics, Tally, start_server
from scorer.model import ReplyModel
from scorer.pool import BatchWork, Outcome, ScoringPool
from scorer.rollout import ModelWatch
from scorer.schema import InvalidRecord
from scorer.settings import Settings

if TYPE_CHECKING:
    from scorer.conversations.stage import ConversationStage, Effects
    from scorer.store import FlaggedStore

log = logging.getLogger("scorer.service")
T = TypeVar("T")

#: Backoff between retries of a failed store write or Kafka transaction (seconds).
RETRY_BACKOFF = (0.5, 1, 2, 5, 10)
#: A Kafka step pending longer than this (seconds) marks the worker not ready: a healthy
#: broker commits a batch in milliseconds, so this means it is down or overloaded.
KAFKA_STEP_UNREADY_S = 3.0
#: While a Kafka step is pending the loop still reports itself live (a restart would not
#: bring the broker back), but only this long (seconds): a step hung beyond it is a client
#: wedge, and letting /healthz fail gets the worker restarted (the open transaction is
#: aborted by the successor, so nothing is lost).
KAFKA_STEP_LIVE_S = 300.0
#: After SIGTERM, how long (seconds) to wait for a pending Kafka step before exiting
#: without it; the uncommitted batch is replayed by whoever gets its partitions.
STOP_GRACE_S = 10.0
#: How often (seconds) an idle loop looks for conversations the wall clock has closed.
EXPIRE_EVERY_S = 1.0


class _Abandoned(Exception):
    """A Kafka step was still pending when the stop grace ran out."""


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


class Service:
    """The consume → score → store → publish → commit loop of one worker."""

    def __init__(self, settings: Settings, pool: ScoringPool, store, metrics: Metrics,
                 health: Health, consumer: KafkaConsumer, producer: KafkaProducer,
                 worker: int = 0, conversations: ConversationStage | None = None) -> None:
        self.settings = settings
        self.pool = pool
        self.store = store
        self.metrics = metrics
        self.health = health
        self.consumer = consumer
        self.producer = producer
        self.worker = worker
        self.transactional = settings.delivery == "exactly_once"
        #: Polled, not yet committed, in poll order; `_finishing` is the one being committed.
        self._inflight: deque[Batch] = deque()
        self._finishing: Batch | None = None
        self._last_lag = 0.0
        self._failures = 0
        self._abandoned = False  # set when stopping with a Kafka step still pending
        self.conversations = conversations
        self._last_expire = 0.0
        topics = [settings.topic_input]
        if conversations is not None:
            topics.append(conversations.topic)
        consumer.subscribe(topics, listener=_OnRevoke(self))

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
            polled = self.consumer.poll(timeout_ms=wait, max_records=self.settings.batch_size)
            self._restore()
            self._tick()
            self._reload()
            behind = False
            if polled:
                try:
                    batch = self.submit(polled)
                except BrokenProcessPool:
                    return self._scoring_died()
                self._inflight.append(batch)
                # A full poll means a backlog: pipeline for throughput. A partial one means
                # the loop has caught up: commit now, as a second batch in flight would
                # only add its wait to the latency of every reply.
                behind = batch.size >= self.settings.batch_size
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
        except _Abandoned as exc:
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
        """Start scoring a polled batch (in a scoring process when there are any)."""
        batch = Batch(polled)
        if self.conversations is None:
            batch.pending = self.pool.submit([rec.value for rec in batch.flat])
            return batch
        topic = self.conversations.topic
        batch.pending = self.pool.submit([rec.value for rec in batch.flat],
                                         [rec.topic == topic for rec in batch.flat],
                                         [rec.timestamp / 1000 for rec in batch.flat])
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
            fx = self._effects(batch, outcome)
            if batch.size == 0 and (fx is None or fx.empty):
                return  # a timer tick that closed nothing
            if self.store is not None and not batch.dropped:
                self._store(outcome, fx, stop)
            if batch.dropped:  # a rebalance while it was scored or stored
                return
            try:
                self._publish(batch, outcome, fx, stop)
            except (ProducerFencedError, _Abandoned):
                raise
            except KafkaError as exc:
                # Roll back and replay from the first offsets of everything in flight:
                # simpler and safer than retrying in place, because a rebalance may have
                # moved some partitions away.
                self.metrics.kafka_errors.inc()
                self._failures += 1
                delay = RETRY_BACKOFF[min(self._failures - 1, len(RETRY_BACKOFF) - 1)]
                log.warning("publishing a batch of %d failed (%s); replaying it in %ss",
                            batch.size, type(exc).__name__, delay)
                self.health.tick(False, f"Kafka error: {type(exc).__name__}")
                self._recover_producer(stop)
                self._drop_inflight(f"the Kafka error {type(exc).__name__}")
                stop.wait(delay)
                return
        finally:
            self._finishing = None
        self._failures = 0
        if fx is not None:
            fx.commit()  # the transaction is in: the state may move on
            outcome.tally.merge(fx.tally)
            self.metrics.set_open(self.conversations.open_by_channel())
        self.metrics.record(outcome.tally)
        if batch.size:
            self.metrics.batch_duration.observe(time.perf_counter() - batch.started)

    def _effects(self, batch: Batch, outcome: Outcome) -> Effects | None:
        """The conversation stage's share of a batch (None with conversations off)."""
        if self.conversations is None:
            return None
        flat = batch.flat
        return self.conversations.effects(
            [(flat[m.index].partition, m) for m in outcome.messages], time.time())

    def _store(self, outcome: Outcome, fx: Effects | None, stop: threading.Event) -> None:
        """Write flagged replies and conversations; while the store is down, pause
        consumption and retry."""
        from scorer.store import StoreUnavailable

        rows: Sequence[dict[str, Any]] = outcome.rows
        unflagged: Sequence[str] = outcome.unflagged
        if fx is not None and (fx.reply_rows or fx.unflagged):
            rows, unflagged = [*rows, *fx.reply_rows], [*unflagged, *fx.unflagged]
        attempt = 0
        while True:
            try:
                self.store.write_rows(rows, unflagged)
                if fx is not None and fx.conversation_rows:
                    self.store.write_conversations(fx.conversation_rows)
                if attempt:
                    log.info("flagged store is back; resuming")
                    self.consumer.resume(*self.consumer.assignment())
                return
            except StoreUnavailable as exc:
                self.metrics.store_errors.inc()
                if attempt == 0:
                    self.consumer.pause(*self.consumer.assignment())
                delay = RETRY_BACKOFF[min(attempt, len(RETRY_BACKOFF) - 1)]
                log.warning("flagged store unavailable (%s); pausing input, retry in %ss",
                            exc, delay)
                self.health.tick(False, "flagged store unavailable")
                attempt += 1
                deadline = time.monotonic() + delay
                while time.monotonic() < deadline and not stop.is_set():
                    # Polling while paused keeps the group membership alive and fetches
                    # nothing -- unless a rebalance inside poll() assigned new, unpaused
                    # partitions: rewind what it returned (dropping it would lose it, as
                    # the next commit moves past it) and pause those partitions too.
                    leaked = self.consumer.poll(timeout_ms=200)
                    for tp, recs in leaked.items():
                        self.consumer.seek(tp, recs[0].offset)
                    self.consumer.pause(*self.consumer.assignment())
                if stop.is_set():
                    self.consumer.resume(*self.consumer.assignment())
                    raise SystemExit(0) from None

    def _publish(self, batch: Batch, outcome: Outcome, fx: Effects | None,
                 stop: threading.Event) -> None:
        offsets = batch.next_offsets()
        # The consumer is not thread-safe: read what the helper thread needs from it here.
        group = self.consumer.group_metadata() if self.transactional else None
        self._kafka_step(lambda: self._produce(batch, outcome, fx, offsets, group), "publish",
                         stop)
        if not self.transactional and offsets:
            self.consumer.commit(offsets)

    def _produce(self, batch: Batch, outcome: Outcome, fx: Effects | None,
                 offsets: dict[TopicPartition, OffsetAndMetadata], group: object) -> None:
        """Send the batch's outputs and, transactionally, its offsets (helper thread)."""
        s = self.settings
        producer = self.producer
        send = producer.send
        if self.transactional:
            producer.begin_transaction()
        futures = []
        for _, key, value, flagged in outcome.outputs:
            futures.append(send(s.topic_scored, key=key, value=value))
            if flagged:
                futures.append(send(s.topic_flagged, key=key, value=value))
        for i, reason, message in outcome.invalid:
            rec = batch.flat[i]
            futures.append(send(s.topic_dlq, key=rec.key, value=rec.value, headers=kafka_io.
                                dead_letter_headers(rec, InvalidRecord(reason, message))))
        if outcome.forward:
            futures.extend(kafka_io.forward(producer, s.repartition_topic,
                                            [(key, batch.flat[i]) for i, key in outcome.forward]))
        if fx is not None:
            futures.extend(kafka_io.publish_effects(producer, s, fx))
        if self.transactional:
            if offsets:
                producer.send_offsets_to_transaction(offsets, group)
            producer.commit_transaction()
        else:
            producer.flush()
            for f in futures:
                if f.failed():
                    raise f.exception

    def _kafka_step(self, step: Callable[[], T], what: str, stop: threading.Event) -> T:
        """Run a blocking producer call on a helper thread and wait for it responsively.

        While it is pending: /readyz turns 503 after KAFKA_STEP_UNREADY_S, /healthz stays
        200 for up to KAFKA_STEP_LIVE_S, and a stop request gives it STOP_GRACE_S before
        `_Abandoned` is raised. The helper is a daemon thread, so an abandoned step never
        holds up the process exit. Its exception, if any, is re-raised here.
        """
        outcome: list = []
        done = threading.Event()

        def target() -> None:
            try:
                outcome.append((True, step()))
            except BaseException as exc:  # handed to the loop thread, re-raised there
                outcome.append((False, exc))
            finally:
                done.set()

        threading.Thread(target=target, name=f"kafka-{what}", daemon=True).start()
        started = time.monotonic()
        stop_seen: float | None = None
        while not done.wait(0.25):
            now = time.monotonic()
            waited = now - started
            if KAFKA_STEP_UNREADY_S <= waited < KAFKA_STEP_LIVE_S:
                self.health.tick(False, f"Kafka {what} pending for {waited:.0f}s "
                                        "(broker unreachable?)")
            if stop.is_set():
                stop_seen = stop_seen or now
                if now - stop_seen >= STOP_GRACE_S:
                    raise _Abandoned(f"Kafka {what}")
        ok, value = outcome[0]
        if not ok:
            raise value
        return value

    def _recover_producer(self, stop: threading.Event) -> None:
        """After a failed transaction: abort it, or replace the producer (which fences the
        old one and aborts its transaction on the broker)."""
        if not self.transactional:
            return
        try:
            self._kafka_step(self.producer.abort_transaction, "abort", stop)
            return
        except KafkaError as exc:
            log.warning("abort failed (%s); replacing the producer", type(exc).__name__)
        self.producer.close(timeout=1)
        attempt = 0
        while True:
            try:
                self.producer = self._kafka_step(
                    lambda: kafka_io.make_producer(self.settings, self.worker), "init", stop)
                return
            except kafka_io.KafkaSetupError as exc:
                delay = RETRY_BACKOFF[min(attempt, len(RETRY_BACKOFF) - 1)]
                log.warning("%s; retrying in %ss", exc, delay)
                attempt += 1
                if stop.wait(delay):
                    raise _Abandoned("Kafka producer setup") from None

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
        lags: dict[tuple[str, int], int] = {}
        for tp in self.consumer.assignment():
            high = self.consumer.highwater(tp)
            try:
                pos = self.consumer.position(tp, timeout_ms=0)
            except KafkaError:
                pos = None
            if high is not None and pos is not None:
                lags[(tp.topic, tp.partition)] = max(0, high - pos)
        self.metrics.set_lag(lags)

    def close(self) -> None:
        try:
            self.consumer.close()  # static member: no LeaveGroup (README, Failover)
        finally:
            try:
                # After an abandoned step the broker is unreachable: do not wait for it.
                self.producer.close(timeout=1 if self._abandoned else 5)
            except KafkaError as exc:
                # kafka-python's close() flushes first and raises when the broker is gone
                # (e.g. SIGTERM during an outage). Nothing is lost: the open transaction is
                # aborted by the successor's init_transactions or the transaction timeout.
                log.warning("Kafka producer did not close cleanly (%s); its uncommitted "
                            "batch will be replayed", type(exc).__name__)
            if self.store is not None:
                self.store.close()
            if self.conversations is not None:
                self.conversations.close()
            self.pool.close()


# -- process entry points -------------------------------------------------------------------
def _install_signal_handlers(stop: threading.Event) -> None:
    def handler(signum: int, _frame: FrameType | None) -> None:
        log.info("received %s; finishing the current batch", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def _open_store(settings: Settings, metrics: Metrics, health: Health,
                stop: threading.Event) -> FlaggedStore | None:
    """Open the flagged store, waiting with backoff while it is unreachable.

    A database that is down when the scorer starts is an outage like one mid-stream: the
    worker stays live but not ready and retries, instead of crash-looping with a traceback
    (Kubernetes would back off for minutes). Returns None when stopped while waiting.
    """
    from scorer.store import FlaggedStore, StoreUnavailable

    attempt = 0
    while True:
        try:
            store = FlaggedStore.from_settings(settings)
        except StoreUnavailable as exc:
            metrics.store_errors.inc()
            delay = RETRY_BACKOFF[min(attempt, len(RETRY_BACKOFF) - 1)]
            log.warning("flagged store unavailable at startup (%s); not consuming yet, "
                        "retry in %ss", exc, delay)
            health.tick(False, "flagged store unavailable")
            attempt += 1
            if stop.wait(delay):
                log.info("stopped while waiting for the flagged store")
                return None
            continue
        if attempt:
            log.info("flagged store reachable after %d attempts; starting", attempt + 1)
        return store


def run_worker(settings: Settings, worker: int = 0, stop: threading.Event | None = None) -> int:
    """Build the parts, serve health/metrics, and run the loop until stopped."""
    from scorer.conversations.stage import describer
    from scorer.scoring import Scorer

    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        _install_signal_handlers(stop)
    metrics = Metrics()
    health = Health(gauge=metrics.ready)
    scorer = Scorer.from_settings(settings)
    metrics.set_model(scorer.model_version)
    shadow = None
    if settings.shadow_model_path is not None:
        shadow = Scorer(ReplyModel.load(settings.shadow_model_path), settings)
        metrics.shadow_info.labels(version=shadow.model_version).set(1)
    # Fork the scoring processes first: nothing but this thread is running yet.
    pool = ScoringPool(BatchWork(scorer, max_record_bytes=settings.max_record_bytes,
                                 max_text_chars=settings.max_text_chars,
                                 store_rows=settings.store_enabled,
                                 redact_text=settings.redact,
                                 redact_outputs=settings.redact_outputs,
                                 describer=describer(settings) if settings.conversations
                                 else None, sample_rate=settings.sample_rate,
                                 shadow=shadow),
                       settings.scoring_processes)
    watch = ModelWatch(settings.model_path, scorer.model_version, settings.model_reload_s)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGHUP, lambda _s, _f: watch.ask())
    pool.watch = watch
    try:
        return _serve(settings, worker, stop, metrics, health, pool)
    finally:
        pool.close()


def _serve(settings: Settings, worker: int, stop: threading.Event, metrics: Metrics,
           health: Health, pool: ScoringPool) -> int:
    """The rest of `run_worker` once the scoring processes exist: metrics server, store,
    Kafka clients, then the loop."""
    server = start_server(metrics, health, settings.metrics_host,
                          settings.metrics_port + worker if settings.metrics_port else 0)
    log.info("worker %d: metrics on http://%s:%d/metrics", worker, settings.metrics_host,
             server.server_port)
    store = None
    if settings.store_enabled:
        store = _open_store(settings, metrics, health, stop)
        if store is None:  # stopped while waiting for the store
            server.shutdown()
            return 0
    kafka_io.ensure_topics(settings)
    consumer = kafka_io.make_consumer(settings, worker)
    producer = kafka_io.make_producer(settings, worker)
    # What exists now (model vocabularies, SQLAlchemy, Kafka clients) lives as long as the
    # process: freeze it out of the collector's generations, so the full collections that
    # each batch's allocations trigger stop re-scanning ~200k objects (~40 µs per reply).
    gc.freeze()
    conversations = None
    if settings.conversations:
        from scorer.conversations.stage import ConversationStage

        conversations = ConversationStage(settings, pool.work.scorer.model_version,
                                          lambda: kafka_io.make_restore_consumer(settings))
    service = Service(settings, pool, store, metrics, health, consumer, producer, worker,
                      conversations)
    try:
        return service.run(stop)
    finally:
        service.close()
        server.shutdown()


def _worker_main(settings: Settings, worker: int) -> None:
    setup_logging(settings.log_level, settings.log_format, worker=f"worker-{worker}")
    raise SystemExit(_guarded(settings, worker))


def _guarded(settings: Settings, worker: int) -> int:
    try:
        return run_worker(settings, worker)
    except kafka_io.KafkaSetupError as exc:
        log.error("%s", exc)
        return 2


def run_service(settings: Settings, workers: int = 1) -> int:
    """`scorer run`: one worker in-process, or N worker processes in one consumer group.

    With N workers, worker i serves its metrics on SCORER_METRICS_PORT + i.
    """
    if workers == 1:
        return _guarded(settings, 0)
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_worker_main, args=(settings, i), name=f"scorer-worker-{i}")
             for i in range(workers)]
    for p in procs:
        p.start()

    def forward(signum: int, _frame: FrameType | None) -> None:
        for p in procs:
            if p.pid is not None and p.is_alive():
                os.kill(p.pid, signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    for p in procs:
        p.join()
    return max((p.exitcode or 0) for p in procs)
