"""A worker fed records of 200k pathological characters stays live and scores them all.

Redaction used to recopy the text for every match (2.4–15 s per such record): the
service loop went quiet, /healthz failed, the pod was killed and replayed the same batch
into the same death. Here a real `scorer run` on the real broker gets a burst of the
bench's worst 200k-character texts (bench/redact_speed.py) among ordinary replies, while
/healthz and /readyz are polled four times a second.
"""

from __future__ import annotations

import time
from pathlib import Path

import orjson
import pytest

from bench.redact_speed import UNITS, make
from tests.fault_utils import HealthPoller
from tests.kafka_utils import create_topics, produce
from tests.scorer_proc import ScorerProcess, topic_env, until

pytestmark = pytest.mark.kafka

#: The units that cost the redactor most per character (bench/redact_speed.py figures).
HEAVY = ("cards back to back", "dates and phones", "mixed reply", "greetings and sign-offs",
         "ibans", "digit groups (phones)")
PER_UNIT = 4  # 24 records of 200k characters: several batches' worth per partition


def _reply(i: int, text: str) -> bytes:
    return orjson.dumps({
        "id": f"live-{i}", "channel": "email", "language": "nb", "author": "agent",
        "sent_at": "2026-11-30T10:00:00Z", "text": text,
    })


def test_a_burst_of_200k_character_pathological_replies_keeps_the_worker_live(
        kafka_bootstrap: str, tmp_path: Path) -> None:
    env = topic_env(kafka_bootstrap, tmp_path)
    create_topics(kafka_bootstrap, [env["SCORER_TOPIC_INPUT"]], partitions=4)
    heavy = [make(UNITS[u], 200_000) for u in HEAVY for _ in range(PER_UNIT)]
    normal = ["Hei Kari! Pakken ble sendt i dag og kommer fredag. Mvh Ola"] * 16
    values = [_reply(i, t) for i, t in enumerate(heavy + normal)]
    proc = ScorerProcess(env, tmp_path / "scorer.log").start()
    try:
        until(lambda: proc.http("/readyz")[0] == 200, 120, "the worker ready", proc)
        poller = HealthPoller(proc).start()
        started = time.monotonic()
        produce(kafka_bootstrap, env["SCORER_TOPIC_INPUT"], values, timeout=60)
        until(lambda: proc.metric_sum("replies_scored") >= len(values), 300,
              "every reply scored", proc)
        took = time.monotonic() - started
        poller.stop()
        live = [s for s in poller.samples if s[0] >= started]
        assert live, "no health samples taken"
        dead = [(round(t - started, 1), code) for t, _, code, _ in live if code != 200]
        assert dead == [], f"/healthz failed while redacting: {dead} (run took {took:.0f}s)"
        assert proc.metric_sum("replies_scored") == len(values)
        assert proc.metric_sum("replies_invalid") <= 0
    finally:
        proc.stop()
    log = (tmp_path / "scorer.log").read_text(errors="replace")
    assert "4111 1111 1111 1111" not in log, "card numbers reached the log"
