"""Rolling a model out under load (scorer.rollout): hot reload and the shadow model.

Unit level: the watcher picks up a replaced file (and refuses a broken one), a batch is
scored by the model its spec names, the shadow model is counted per dimension and changes
no output. On the real broker: a model swapped under steady traffic scores every reply
exactly once, and on every partition the outputs switch from the old version to the new
exactly once.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import time
from collections import defaultdict
from pathlib import Path

import orjson
import pytest

from scorer.model import ReplyModel
from scorer.pool import BatchWork
from scorer.rollout import ModelSpec, ModelWatch
from scorer.scoring import Scorer
from scorer.settings import DEFAULT_MODEL_PATH, Settings
from tests.fault_utils import SteadyProducer, assert_exactly_once, read_inputs, read_outputs
from tests.kafka_utils import create_topics, read_topic
from tests.scorer_proc import ScorerProcess, topic_env, until

REPLIES = [
    {"id": f"r-{i}", "channel": "chat", "language": "nb", "text": text}
    for i, text in enumerate([
        "Hei Kari! Pakken din ble sendt i dag og kommer fredag. Ha en fin dag!",
        "Den er sendt nå.",
        "Hej! Fakturan finns under Mina sidor. Trevlig helg!",
        "Hi Tom, your refund was issued today and reaches your card in 3-5 days. Best wishes",
    ])
]


@pytest.fixture(scope="module")
def live() -> ReplyModel:
    return ReplyModel.load(DEFAULT_MODEL_PATH)


def _variant(live: ReplyModel, path: Path, version: str, flip: str | None = None) -> Path:
    """The live model under another version, optionally with one head reversed."""
    model = ReplyModel.load(DEFAULT_MODEL_PATH)
    model.version = version
    if flip is not None:
        head = getattr(model, flip)
        setattr(model, flip, dataclasses.replace(head, coef=-head.coef,
                                                 intercept=-head.intercept))
    model.save(path)
    return path


def _work(scorer: Scorer, **kw) -> BatchWork:
    return BatchWork(scorer, max_record_bytes=1 << 20, max_text_chars=200_000,
                     store_rows=False, redact_text=True, **kw)


def _without_time(outputs: list) -> list:
    return [(i, k, {**orjson.loads(v), "scored_at": None}, f) for i, k, v, f in outputs]


def _versions(outcome) -> set[str]:
    return {orjson.loads(value)["model_version"] for _, _, value, _ in outcome.outputs}


def test_a_batch_is_scored_by_the_model_its_spec_names(live: ReplyModel, tmp_path: Path) -> None:
    work = _work(Scorer(live, Settings()))
    values = [orjson.dumps(r) for r in REPLIES]
    assert _versions(work(values)) == {live.version}
    new = _variant(live, tmp_path / "b.npz", "test-b")
    assert _versions(work(values, spec=ModelSpec(str(new), "test-b"))) == {"test-b"}
    # the same spec again: no reload, still the new model
    assert _versions(work(values, spec=ModelSpec(str(new), "test-b"))) == {"test-b"}


def test_the_watcher_loads_a_replaced_file_and_keeps_the_model_when_the_new_one_is_broken(
        live: ReplyModel, tmp_path: Path) -> None:
    path = tmp_path / "model.npz"
    path.write_bytes(DEFAULT_MODEL_PATH.read_bytes())
    watch = ModelWatch(path, live.version, interval_s=0.05)
    assert watch.poll() is None
    staged = _variant(live, tmp_path / "staged.npz", "test-c")
    os.replace(staged, path)  # an atomic replacement, as documented
    spec = _poll_until(watch)
    assert spec == ModelSpec(str(path), "test-c") and watch.spec == spec
    (tmp_path / "broken").write_bytes(b"not a model")
    os.replace(tmp_path / "broken", path)
    deadline = time.monotonic() + 30
    while watch.reloads["failed"] == 0 and time.monotonic() < deadline:
        assert watch.poll() is None
        time.sleep(0.05)
    assert watch.reloads == {"loaded": 1, "failed": 1}
    assert watch.spec.version == "test-c"


def _poll_until(watch: ModelWatch) -> ModelSpec:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        spec = watch.poll()
        if spec is not None:
            return spec
        time.sleep(0.05)
    raise AssertionError(f"no reload within 60 s ({watch.reloads})")


def test_the_shadow_model_is_counted_per_dimension_and_changes_no_output(
        live: ReplyModel, tmp_path: Path) -> None:
    values = [orjson.dumps(r) for r in REPLIES]
    plain = _work(Scorer(live, Settings()))(values)
    shadow = Scorer(ReplyModel.load(_variant(live, tmp_path / "s.npz", "cand", "greeting")),
                    Settings())
    with_shadow = _work(Scorer(live, Settings()), shadow=shadow)(values)
    assert _without_time(with_shadow.outputs) == _without_time(plain.outputs)
    counts = with_shadow.tally.shadow
    assert sum(counts.values()) == 3 * len(REPLIES)
    # the reversed greeting head disagrees on every reply; the others agree on every one
    assert counts[("greeting", "disagree")] == len(REPLIES)
    assert counts[("explanation", "agree")] == counts[("closing", "agree")] == len(REPLIES)


@pytest.mark.kafka
def test_a_model_swapped_under_load_scores_every_reply_once_and_switches_each_partition_once(
        kafka_bootstrap: str, live: ReplyModel, tmp_path: Path) -> None:
    model_path = tmp_path / "model.npz"
    model_path.write_bytes(DEFAULT_MODEL_PATH.read_bytes())
    env = topic_env(kafka_bootstrap, tmp_path, SCORER_MODEL_PATH=str(model_path),
                    SCORER_MODEL_RELOAD_S="1", SCORER_STORE_ENABLED="false",
                    SCORER_BATCH_SIZE="50")
    create_topics(kafka_bootstrap, [env["SCORER_TOPIC_INPUT"]], partitions=3)
    proc = ScorerProcess(env, tmp_path / "scorer.log").start()
    producer = SteadyProducer(kafka_bootstrap, env["SCORER_TOPIC_INPUT"], rate=150).start()
    try:
        until(lambda: proc.metric_sum("replies_scored") > 300, 120, "traffic scored", proc)
        staged = _variant(live, tmp_path / "staged.npz", "test-swap")
        os.replace(staged, model_path)
        until(lambda: proc.metric_sum("scorer_model_info", version="test-swap") == 1, 60,
              "the new model picked up", proc)
        until(lambda: proc.metric_sum("replies_scored") > 900, 120, "more traffic", proc)
        produced = producer.stop()
        inputs = read_inputs(kafka_bootstrap, env["SCORER_TOPIC_INPUT"], produced)
        until(lambda: proc.metric_sum("replies_scored") + proc.metric_sum("replies_skipped")
              + proc.metric_sum("replies_invalid") >= produced, 120, "the backlog", proc)
        assert proc.terminate() == 0
    finally:
        producer.halt()
        proc.stop()
    out = read_outputs(env, scored=len(inputs.valid), dead=len(inputs.invalid))
    assert_exactly_once(inputs, out)
    records = read_topic(kafka_bootstrap, env["SCORER_TOPIC_SCORED"], expected=len(inputs.valid),
                         idle=1.0)
    by_partition: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for rec in records:
        by_partition[rec.partition].append((rec.offset, orjson.loads(rec.value)["model_version"]))
    switches = {}
    for part, seq in by_partition.items():
        versions = [v for _, v in sorted(seq)]
        changes = sum(a != b for a, b in itertools.pairwise(versions))
        switches[part] = (versions[0], versions[-1], changes)
    assert all(first == live.version and last == "test-swap" and changes == 1
               for first, last, changes in switches.values()), switches
