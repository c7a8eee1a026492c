"""Scoring processes: the batch work they do, and how they live and die with their worker."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

from scorer.metrics import Tally
from scorer.pool import BatchWork, ScoringPool
from scorer.schema import decode_reply
from scorer.scoring import Scorer
from scorer.settings import Settings
from scorer.store import flagged_rows
from scorer.traffic import DEFAULT_CORPUS, load_corpus

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer.from_settings(Settings())


def _work(scorer: Scorer, **kw: object) -> BatchWork:
    s = Settings()
    opts = {"max_record_bytes": s.max_record_bytes, "max_text_chars": s.max_text_chars,
            "store_rows": True, "redact_text": True, **kw}
    return BatchWork(scorer, **opts)  # type: ignore[arg-type]


def _values(n: int = 60) -> list[bytes | None]:
    """Corpus replies, with invalid records and a customer message mixed in."""
    rows = load_corpus(DEFAULT_CORPUS)[:n]
    values: list[bytes | None] = [orjson.dumps({"id": f"p-{i}", **r}) for i, r in enumerate(rows)]
    values.insert(3, b"{not json")
    values.insert(10, None)
    values.insert(20, orjson.dumps({"id": "c-1", "channel": "chat", "text": "Hjelp!",
                                    "author": "customer"}))
    values.insert(30, orjson.dumps({"id": "x-1", "channel": "fax", "text": "Hei"}))
    return values


def _comparable(outcome) -> tuple:
    """An outcome without the scoring/storing clock, which differs between two runs."""
    def output(value: bytes) -> dict:
        record = json.loads(value)
        record.pop("scored_at")
        return record

    def row(r: dict) -> dict:
        r = dict(r)
        for k in ("scored_at", "stored_at", "updated_at", "event_at"):
            r.pop(k)
        r["record"] = {k: v for k, v in r["record"].items() if k != "scored_at"}
        return r

    tally = dataclasses.replace(outcome.tally, cache=None)  # memo use depends on the process
    return ([(i, k, output(v), f) for i, k, v, f in outcome.outputs], outcome.invalid,
            [row(r) for r in outcome.rows], outcome.unflagged, tally)


def test_batch_work_scores_serialises_and_builds_rows_as_the_scorer_and_store_do(
        scorer: Scorer) -> None:
    values = _values()
    outcome = _work(scorer)(values)

    s = Settings()
    replies = []
    for v in values:
        try:
            r = decode_reply(v, max_record_bytes=s.max_record_bytes,
                             max_text_chars=s.max_text_chars)
        except ValueError:
            continue
        if r.author != "customer":
            replies.append(r)
    scored = scorer.score_batch(replies)
    assert [k for _, k, _, _ in outcome.outputs] == [r.id.encode() for r in replies]
    assert [json.loads(v)["total"] for _, _, v, _ in outcome.outputs] == [s.total for s in scored]
    assert [f for *_, f in outcome.outputs] == [s.flagged for s in scored]
    for i, key, value, _ in outcome.outputs:  # the index points at the record's own value
        assert orjson.loads(values[i])["id"].encode() == key
        assert json.loads(value)["id"] == key.decode()
    assert [(i, reason) for i, reason, _ in outcome.invalid] == [
        (3, "not_json"), (10, "empty_record"), (30, "unknown_channel")]
    flagged = [(r, s) for r, s in zip(replies, scored, strict=True) if s.flagged]
    assert [r["id"] for r in outcome.rows] == [r["id"] for r in
                                               flagged_rows(flagged, redact_text=True)]
    assert outcome.unflagged == [s.id for s in scored if not s.flagged]
    assert outcome.tally.cache  # memo use is counted, and depends on what ran before
    assert dataclasses.replace(outcome.tally, cache=Tally().cache) == Tally.of(
        scored, ["not_json", "empty_record", "unknown_channel"], ["customer_message"])
    assert 0 < len(outcome.rows) < len(scored), "the corpus slice should flag some, not all"


def test_a_batch_counts_its_feature_memo_hits_and_misses_for_metrics() -> None:
    from prometheus_client import generate_latest

    from scorer.metrics import Metrics

    work = _work(Scorer.from_settings(Settings()))  # fresh memos
    values = _values(40)
    first = work(values).tally.cache
    work(values)  # a segment is kept from its second sighting on
    again = work(values).tally.cache
    assert first[("segments", "miss")] > 0
    assert again[("segments", "miss")] == 0 and again[("segments", "hit")] > 0
    assert sum(again.values()) > 0 and all(n >= 0 for n in again.values())
    metrics = Metrics()
    metrics.record(work(values).tally)
    text = generate_latest(metrics.registry).decode()
    assert 'scorer_feature_cache_lookups_total{cache="segments",result="hit"}' in text


def test_batch_work_without_a_store_builds_no_rows(scorer: Scorer) -> None:
    outcome = _work(scorer, store_rows=False)(_values(20))
    assert outcome.rows == [] and outcome.unflagged == []
    assert outcome.outputs


def test_scoring_processes_return_what_in_process_scoring_returns(scorer: Scorer) -> None:
    work = _work(scorer)
    values = _values(120)
    pool = ScoringPool(work, processes=2)
    try:
        futures = [pool.submit(values[i:i + 40]) for i in range(0, len(values), 40)]
        remote = [f.result(timeout=60) for f in futures]
    finally:
        pool.close()
    local = ScoringPool(work, processes=0)
    here = [local.submit(values[i:i + 40]).result() for i in range(0, len(values), 40)]
    assert [_comparable(o) for o in remote] == [_comparable(o) for o in here]


def test_a_batch_split_over_the_scoring_processes_returns_what_one_process_returns(
        scorer: Scorer) -> None:
    """The chunks' outcomes join in record order with batch-wide indexes (dead letters,
    customer messages and conversation records included), as if scored whole."""
    from scorer.conversations.stage import describer

    settings = Settings()
    work = _work(scorer, describer=describer(settings))
    values = _values(120)
    values += [orjson.dumps({"id": f"cv-{i}", "channel": "chat", "conversation_id": f"c{i % 3}",
                             "text": "Hei! Pakken er sendt. Ha en fin dag!"}) for i in range(9)]
    stages = [i % 2 == 0 for i in range(len(values))]
    times = [1.0] * len(values)
    direct = [b"c1" if i % 3 == 1 else None for i in range(len(values))]
    pool = ScoringPool(work, processes=2)
    try:
        remote = pool.submit(values, stages, times, direct).result(timeout=60)
    finally:
        pool.close()
    here = ScoringPool(work, processes=0).submit(values, stages, times, direct).result()
    assert _comparable(remote) == _comparable(here)
    assert remote.forward == here.forward and remote.forward
    assert [(m.index, m.id, m.kind) for m in remote.messages] == [
        (m.index, m.id, m.kind) for m in here.messages]
    assert remote.tally.routes == here.tally.routes and remote.messages


def test_in_process_pool_hands_a_scoring_error_to_the_caller(scorer: Scorer) -> None:
    class Broken(BatchWork):
        def __call__(self, values, stages=None, times=None, spec=None, direct=None):
            if values == [b"boom"]:
                raise RuntimeError("model exploded")
            return super().__call__(values, stages, times, spec, direct)

    pool = ScoringPool(Broken(scorer, max_record_bytes=10_000, max_text_chars=10_000,
                              store_rows=False, redact_text=False), processes=0)
    fut = pool.submit([b"boom"])
    with pytest.raises(RuntimeError, match="model exploded"):
        fut.result()


_HOLDER = """
import os, sys, time
from scorer.pool import BatchWork, ScoringPool
from scorer.scoring import Scorer
from scorer.settings import Settings
s = Settings()
pool = ScoringPool(BatchWork(Scorer.from_settings(s), max_record_bytes=s.max_record_bytes,
                             max_text_chars=s.max_text_chars, store_rows=False,
                             redact_text=False), processes=2)
kids = [int(k) for t in os.listdir(f"/proc/{os.getpid()}/task")
        for k in open(f"/proc/{os.getpid()}/task/{t}/children").read().split()]
print(" ".join(map(str, kids)), flush=True)
time.sleep(120)
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux")
def test_scoring_processes_ignore_sigint_and_die_when_their_worker_is_sigkilled() -> None:
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER], stdout=subprocess.PIPE,
                              cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert holder.stdout is not None
        kids = [int(k) for k in holder.stdout.readline().split()]
        assert len(kids) == 2, f"expected two scoring processes, found {kids}"
        os.kill(kids[0], signal.SIGINT)  # a terminal's Ctrl-C reaches the whole group
        time.sleep(0.5)
        assert all(_alive(k) for k in kids), "a scoring process died of SIGINT"
        holder.kill()
        holder.wait(10)
        deadline = time.monotonic() + 10
        while any(_alive(k) for k in kids) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_alive(k) for k in kids), "scoring processes outlived their worker"
    finally:
        holder.kill()
