"""Start-up and shutdown of the streaming workers (`scorer run`).

The order matters, so it lives in one place: load the model(s), fork the scoring
processes while nothing but this thread runs (`scorer.pool`), serve /metrics and the
health checks, wait for the flagged store, create the Kafka clients, `gc.freeze`, then
hand everything to the loop (`scorer.service.loop.Service`) and close it all on the way
out. Also the process side: SIGTERM/SIGINT set the stop event, SIGHUP asks for a model
reload, and `run_service` spawns N worker processes of one consumer group and forwards
signals to them. Exit codes: 0 stopped, 2 Kafka set-up failed, 3 fenced by another
worker, 4 a scoring process died.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import signal
import threading
from types import FrameType
from typing import TYPE_CHECKING

from scorer import kafka_io
from scorer.backoff import Backoff, Stopped
from scorer.logs import setup_logging
from scorer.metrics import Health, Metrics, start_server
from scorer.model import ReplyModel
from scorer.pool import BatchWork, ScoringPool
from scorer.rollout import ModelWatch
from scorer.service.loop import Service
from scorer.settings import Settings

if TYPE_CHECKING:
    from scorer.scoring import Scorer
    from scorer.store import FlaggedStore

log = logging.getLogger("scorer.service")


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

    def report(exc: Exception, delay: float, _failures: int) -> None:
        metrics.store_errors.inc()
        log.warning("flagged store unavailable at startup (%s); not consuming yet, "
                    "retry in %ss", exc, delay)
        health.tick(False, "flagged store unavailable")

    backoff = Backoff(on_failure=report)
    try:
        store = backoff.retry(lambda: FlaggedStore.from_settings(settings), StoreUnavailable,
                              stop)
    except Stopped:
        log.info("stopped while waiting for the flagged store")
        return None
    if backoff.failures:
        log.info("flagged store reachable after %d attempts; starting", backoff.failures + 1)
    return store


def batch_work(settings: Settings, scorer: Scorer, shadow: Scorer | None = None) -> BatchWork:
    """The scoring processes' work as `settings` configure it: one redactor (with the
    keep-list, `SCORER_REDACT_KEEP`) for single replies and conversation messages alike."""
    from scorer.conversations.stage import describer
    from scorer.redact import redactor_keeping

    redactor = redactor_keeping(settings.redact_keep)
    return BatchWork(scorer, max_record_bytes=settings.max_record_bytes,
                     max_text_chars=settings.max_text_chars, store_rows=settings.store_enabled,
                     redact_text=settings.redact, redact_outputs=settings.redact_outputs,
                     describer=describer(settings, redactor) if settings.conversations
                     else None, sample_rate=settings.sample_rate, shadow=shadow,
                     redactor=redactor)


def run_worker(settings: Settings, worker: int = 0, stop: threading.Event | None = None) -> int:
    """Build the parts, serve health/metrics, and run the loop until stopped."""
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
    pool = ScoringPool(batch_work(settings, scorer, shadow), settings.scoring_processes)
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
    consumer = kafka_io.make_consumer(settings, worker)  # the producer: `Service._claim_producer`
    # What exists now (model vocabularies, SQLAlchemy, Kafka clients) lives as long as the
    # process: freeze it out of the collector's generations, so the full collections that
    # each batch's allocations trigger stop re-scanning ~200k objects (~40 µs per reply).
    gc.freeze()
    conversations = None
    if settings.conversations:
        from scorer.conversations.stage import ConversationStage

        conversations = ConversationStage(settings, pool.work.scorer.model_version,
                                          lambda: kafka_io.make_restore_consumer(settings))
    service = Service(settings, pool, store, metrics, health, consumer, worker, conversations)
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
