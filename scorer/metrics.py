"""Prometheus metrics (names fixed by DESIGN.md) and the /metrics, /healthz, /readyz server.

Label values only ever come from closed vocabularies (channel, band, language,
dimension, reason, topic, partition, model version) so cardinality stays bounded and no
reply text, id, agent or customer ever reaches a label.

Updates are aggregated per batch (`observe_batch`) instead of one library call per
reply per metric: at thousands of replies per second the per-call locking of
`prometheus_client` would otherwise show up in profiles.
"""

from __future__ import annotations

import importlib.metadata
import threading
import time
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from wsgiref.simple_server import make_server

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    make_wsgi_app,
)
from prometheus_client.exposition import ThreadingWSGIServer, _SilentHandler

from scorer.schema import ScoredReply
from scorer.tally import DIMENSION_NAMES, ReplyLine, Tally

__all__ = ["DIMENSION_NAMES", "Health", "Metrics", "ReplyLine", "Tally", "start_server"]

SCORE_BUCKETS = (10, 20, 30, 40, 50, 60, 70, 80, 90, 99.5, 100)
DIMENSION_BUCKETS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
FIRST_RESPONSE_BUCKETS = (10, 30, 60, 120, 300, 900, 1800, 3600, 14400, 28800, 86400, 259200)


def _package_version() -> str:
    """The installed reply-scorer version ("unknown" when run from an uninstalled tree)."""
    try:
        return importlib.metadata.version("reply-scorer")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


class Metrics:
    """All service metrics, on their own registry (so tests and workers don't collide)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        # The standard process_* (CPU, memory, open files), python_info and python_gc_*
        # series of this worker process, on the worker's own registry.
        ProcessCollector(registry=r)
        PlatformCollector(registry=r)
        GCCollector(registry=r)
        self.build_info = Gauge(
            "scorer_build_info", "The running code and model (value 1)",
            ["version", "model_version"], registry=r,
        )
        self.reply_score = Histogram(
            "reply_score", "Total reply score (0-100)", ["channel"],
            buckets=SCORE_BUCKETS, registry=r,
        )
        self.dimension_score = Histogram(
            "reply_dimension_score", "Per-dimension reply score (0-1)", ["channel", "dimension"],
            buckets=DIMENSION_BUCKETS, registry=r,
        )
        self.scored = Counter(
            "replies_scored", "Replies scored", ["channel", "band", "language"], registry=r
        )
        self.flagged = Counter(
            "replies_flagged", "Flagged replies by reason", ["channel", "reason"], registry=r
        )
        self.invalid = Counter(
            "replies_invalid", "Records sent to the dead-letter topic", ["reason"], registry=r
        )
        self.skipped = Counter(
            "replies_skipped", "Records read but not scored (customer messages, replies in "
            "a language outside the five, ...)",
            ["reason"], registry=r,
        )
        self.batch_duration = Histogram(
            "scorer_batch_duration_seconds", "Time to process one batch, poll to commit",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10), registry=r,
        )
        self.consumer_lag = Gauge(
            "scorer_consumer_lag", "Records behind the partition end", ["topic", "partition"],
            registry=r,
        )
        self.model_info = Gauge(
            "scorer_model_info", "The loaded model (value 1)", ["version"], registry=r
        )
        self.store_errors = Counter(
            "scorer_store_errors", "Failed flagged-store writes (retried)", registry=r
        )
        self.kafka_errors = Counter(
            "scorer_kafka_errors", "Aborted batches because of Kafka errors (retried)", registry=r
        )
        self.conversation_score = Histogram(
            "conversation_score", "Total conversation (inquiry) score (0-100)", ["channel"],
            buckets=SCORE_BUCKETS, registry=r,
        )
        self.conversations_scored = Counter(
            "conversations_scored", "Conversations closed and scored", ["channel", "band"],
            registry=r,
        )
        self.conversations_unanswered = Counter(
            "conversations_unanswered", "Closed conversations no agent answered", ["channel"],
            registry=r,
        )
        self.conversations_late = Counter(
            "conversations_late", "Closed conversations whose first response exceeded the "
            "channel's SLA", ["channel"], registry=r,
        )
        self.conversations_flagged = Counter(
            "conversations_flagged", "Flagged conversations by reason", ["channel", "reason"],
            registry=r,
        )
        self.first_response = Histogram(
            "first_response_seconds", "First customer message to first agent reply",
            ["channel"], buckets=FIRST_RESPONSE_BUCKETS, registry=r,
        )
        self.shadow_verdicts = Counter(
            "scorer_shadow_verdicts", "Shadow model vs live model, per dimension: do they "
            "agree on present/absent (scorer.rollout)", ["dimension", "verdict"], registry=r,
        )
        self.feature_cache = Counter(
            "scorer_feature_cache_lookups", "Lookups of the feature extractor's memos "
            "(scorer.features.caches), by memo and hit/miss", ["cache", "result"], registry=r,
        )
        self.conversation_routes = Counter(
            "scorer_conversation_records", "Input records with a conversation_id by route: "
            "direct (keyed by conversation id: no repartition hop) or repartition",
            ["route"], registry=r,
        )
        for route in ("direct", "repartition"):
            self.conversation_routes.labels(route=route)
        self.shadow_info = Gauge(
            "scorer_shadow_model_info", "The shadow model (value 1)", ["version"], registry=r
        )
        self.ready = Gauge(
            "scorer_ready", "1 while /readyz answers 200 (broker reachable, partitions held)",
            registry=r,
        )
        self.model_reloads = Counter(
            "scorer_model_reloads", "Model files picked up by hot reload", ["result"],
            registry=r,
        )
        self.conversations_open = Gauge(
            "conversations_open", "Open conversations held by this worker", ["channel"],
            registry=r,
        )
        self._lag_series: set[tuple[str, str]] = set()

    def set_model(self, version: str) -> None:
        self.model_info.clear()
        self.model_info.labels(version=version).set(1)
        self.build_info.clear()
        self.build_info.labels(version=_package_version(), model_version=version).set(1)

    def observe_batch(
        self,
        scored: Sequence[ScoredReply],
        invalid_reasons: Iterable[str] = (),
        skipped_reasons: Iterable[str] = (),
    ) -> None:
        """Record one committed batch: called only after its outputs are committed."""
        self.record(Tally.of(scored, invalid_reasons, skipped_reasons))

    def record(self, tally: Tally) -> None:
        """Apply a batch's tally: a few library calls per label set, not per reply."""
        for (ch, band, lang), n in tally.scored.items():
            self.scored.labels(channel=ch, band=band, language=lang).inc(n)
        for (ch, reason), n in tally.flagged.items():
            self.flagged.labels(channel=ch, reason=reason).inc(n)
        for ch, values in tally.totals.items():
            _observe_many(self.reply_score.labels(channel=ch), values)
        for (ch, name), values in tally.dimensions.items():
            _observe_many(self.dimension_score.labels(channel=ch, dimension=name), values)
        for reason, n in tally.invalid.items():
            self.invalid.labels(reason=reason).inc(n)
        for reason, n in tally.skipped.items():
            self.skipped.labels(reason=reason).inc(n)
        for (ch, band), n in tally.conv_scored.items():
            self.conversations_scored.labels(channel=ch, band=band).inc(n)
        for ch, values in tally.conv_totals.items():
            _observe_many(self.conversation_score.labels(channel=ch), values)
        for ch, n in tally.conv_unanswered.items():
            self.conversations_unanswered.labels(channel=ch).inc(n)
        for ch, n in tally.conv_late.items():
            self.conversations_late.labels(channel=ch).inc(n)
        for (ch, reason), n in tally.conv_flagged.items():
            self.conversations_flagged.labels(channel=ch, reason=reason).inc(n)
        for ch, values in tally.first_response.items():
            _observe_many(self.first_response.labels(channel=ch), values)
        for (dim, verdict), n in tally.shadow.items():
            self.shadow_verdicts.labels(dimension=dim, verdict=verdict).inc(n)
        for (cache, result), n in tally.cache.items():
            self.feature_cache.labels(cache=cache, result=result).inc(n)
        for route, n in tally.routes.items():
            self.conversation_routes.labels(route=route).inc(n)

    def set_open(self, counts: dict[str, int]) -> None:
        """Open conversations per channel (every channel, so a drop to 0 is seen)."""
        for ch in ("email", "chat", "messenger"):
            self.conversations_open.labels(channel=ch).set(counts.get(ch, 0))

    def set_lag(self, lags: dict[tuple[str, int], int]) -> None:
        """Replace the lag series with the current assignment's (revoked ones are removed)."""
        current = {(t, str(p)) for (t, p) in lags}
        for gone in self._lag_series - current:
            self.consumer_lag.remove(*gone)
        for (topic, partition), lag in lags.items():
            self.consumer_lag.labels(topic=topic, partition=str(partition)).set(lag)
        self._lag_series = current


def _observe_many(child: Histogram, values: list[float] | list[int]) -> None:
    """Observe a batch of values on one histogram child with one lock acquisition.

    prometheus_client has no bulk observe; its child keeps `_buckets`, `_sum` and
    `_upper_bounds`. We fall back to per-value `observe` if that layout ever changes.
    """
    buckets = getattr(child, "_buckets", None)
    bounds = getattr(child, "_upper_bounds", None)
    total = getattr(child, "_sum", None)
    if buckets is None or bounds is None or total is None:
        for v in values:
            child.observe(v)
        return
    counts = [0] * len(bounds)
    for v in values:
        counts[bisect_left(bounds, v)] += 1
    for i, n in enumerate(counts):
        if n:
            buckets[i].inc(n)
    total.inc(sum(values))


class Health:
    """Liveness and readiness as seen by the service loop.

    Live: the loop has ticked recently (a wedged loop is restarted by the orchestrator).
    Ready: connected to the broker and holding a partition assignment.
    """

    def __init__(self, stall_seconds: float = 60.0, gauge: Gauge | None = None) -> None:
        self._gauge = gauge  # scorer_ready: readiness as a series alerts can watch
        self._lock = threading.Lock()
        self._last_tick = time.monotonic()
        self._ready = False
        self._why = "starting"
        self.stall_seconds = stall_seconds

    def tick(self, ready: bool, why: str = "") -> None:
        with self._lock:
            self._last_tick = time.monotonic()
            self._ready = ready
            self._why = why
        if self._gauge is not None:
            self._gauge.set(1 if ready else 0)

    def live(self) -> tuple[bool, str]:
        with self._lock:
            age = time.monotonic() - self._last_tick
        ok = age < self.stall_seconds
        return ok, "ok" if ok else f"service loop stalled for {age:.0f}s"

    def ready(self) -> tuple[bool, str]:
        with self._lock:
            return self._ready, ("ok" if self._ready else self._why or "not ready")


def make_app(metrics: Metrics, health: Health) -> Callable:
    """WSGI app: /metrics (Prometheus), /healthz (live), /readyz (ready)."""
    metrics_app = make_wsgi_app(metrics.registry)

    def app(environ: dict, start_response: Callable) -> list[bytes]:
        path = environ.get("PATH_INFO", "/")
        if path in ("/healthz", "/readyz"):
            ok, why = health.live() if path == "/healthz" else health.ready()
            status = "200 OK" if ok else "503 Service Unavailable"
            start_response(status, [("Content-Type", "text/plain; charset=utf-8")])
            return [why.encode() + b"\n"]
        if path == "/metrics":
            return metrics_app(environ, start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found; try /metrics, /healthz or /readyz\n"]

    return app


def start_server(metrics: Metrics, health: Health, host: str, port: int) -> ThreadingWSGIServer:
    """Serve the endpoints on a daemon thread; port 0 picks a free port (see server_port)."""
    server = make_server(host, port, make_app(metrics, health),
                         ThreadingWSGIServer, handler_class=_SilentHandler)
    thread = threading.Thread(target=server.serve_forever, name="metrics-http", daemon=True)
    thread.start()
    return server
