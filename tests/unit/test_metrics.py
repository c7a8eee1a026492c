"""Metric names, labels and aggregation per DESIGN; health endpoints."""

from __future__ import annotations

import urllib.error
import urllib.request
from datetime import UTC, datetime

import pytest
from prometheus_client.parser import text_string_to_metric_families

from scorer.metrics import Health, Metrics, start_server
from scorer.schema import Dimensions, ScoredReply


def scored(id_: str, channel: str, total: int, band: str, reasons: list[str],
           greeting: float = 1.0) -> ScoredReply:
    return ScoredReply(
        id=id_, channel=channel, language="nb", total=total, band=band,
        dimensions=Dimensions(greeting=greeting, explanation=0.9, closing=0.2, length=1.0),
        flagged=total < 70, reasons=reasons, model_version="t", scored_at=datetime.now(UTC),
    )


def samples(metrics: Metrics) -> dict[tuple[str, frozenset], float]:
    from prometheus_client import generate_latest

    out = {}
    for fam in text_string_to_metric_families(generate_latest(metrics.registry).decode()):
        for s in fam.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def test_batch_observation_counts_each_reply_once_per_label_set() -> None:
    m = Metrics()
    m.observe_batch(
        [scored("a", "chat", 100, "excellent", []),
         scored("b", "chat", 55, "poor", ["missing_greeting", "missing_closing"], greeting=0.1),
         scored("c", "email", 85, "good", [])],
        invalid_reasons=["not_json", "not_json", "unknown_channel"],
    )
    s = samples(m)
    key = lambda name, **labels: (name, frozenset(labels.items()))  # noqa: E731
    assert s[key("replies_scored_total", channel="chat", band="excellent", language="nb")] == 1
    assert s[key("replies_scored_total", channel="chat", band="poor", language="nb")] == 1
    assert s[key("replies_flagged_total", channel="chat", reason="missing_closing")] == 1
    assert s[key("replies_invalid_total", reason="not_json")] == 2
    assert s[key("reply_score_count", channel="chat")] == 2
    assert s[key("reply_score_bucket", channel="chat", le="60.0")] == 1
    assert s[key("reply_score_bucket", channel="chat", le="99.5")] == 1
    assert s[key("reply_score_bucket", channel="chat", le="100.0")] == 2
    assert s[key("reply_score_sum", channel="chat")] == 155
    assert s[key("reply_dimension_score_bucket", channel="chat", dimension="greeting",
                 le="0.1")] == 1
    assert s[key("reply_dimension_score_bucket", channel="chat", dimension="greeting",
                 le="0.5")] == 1


def test_bulk_histogram_update_matches_per_value_observe() -> None:
    bulk, single = Metrics(), Metrics()
    values = [0, 10, 10.5, 69, 70, 99.5, 99.6, 100]
    from scorer.metrics import _observe_many

    _observe_many(bulk.reply_score.labels(channel="chat"), values)
    for v in values:
        single.reply_score.labels(channel="chat").observe(v)
    pick = lambda s: {k: v for k, v in s.items() if k[0].startswith("reply_score_")  # noqa: E731
                      and not k[0].endswith("_created")}
    assert pick(samples(bulk)) == pick(samples(single))


def test_lag_series_of_revoked_partitions_are_removed() -> None:
    m = Metrics()
    m.set_lag({("replies", 0): 5, ("replies", 1): 7})
    m.set_lag({("replies", 1): 2})
    lag = {k: v for k, v in samples(m).items() if k[0] == "scorer_consumer_lag"}
    assert lag == {("scorer_consumer_lag", frozenset({("topic", "replies"),
                                                      ("partition", "1")})): 2}


def test_no_label_can_carry_free_text() -> None:
    m = Metrics()
    allowed = {"channel", "band", "language", "dimension", "reason", "topic", "partition",
               "version", "le", "model_version", "result", "verdict", "route",
               # prometheus_client's python_info / python_gc_* (fixed vocabularies)
               "implementation", "major", "minor", "patchlevel", "generation"}
    m.observe_batch([scored("secret-id-123", "chat", 40, "poor", ["missing_greeting"])])
    for (_, labels), _ in samples(m).items():
        assert {k for k, _ in labels} <= allowed
        assert "secret-id-123" not in {v for _, v in labels}


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:  # noqa: S310
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.fixture
def server():
    m, h = Metrics(), Health(stall_seconds=60)
    m.set_model("v-test")
    srv = start_server(m, h, "127.0.0.1", 0)
    yield f"http://127.0.0.1:{srv.server_port}", h
    srv.shutdown()


def test_endpoints_serve_metrics_liveness_and_readiness(server) -> None:
    base, health = server
    status, body = get(base + "/metrics")
    assert status == 200 and 'scorer_model_info{version="v-test"} 1.0' in body
    assert get(base + "/healthz")[0] == 200
    status, body = get(base + "/readyz")
    assert status == 503 and "starting" in body
    health.tick(True)
    assert get(base + "/readyz") == (200, "ok\n")
    health.tick(False, "no Kafka broker connection")
    assert get(base + "/readyz") == (503, "no Kafka broker connection\n")
    assert get(base + "/nope")[0] == 404
