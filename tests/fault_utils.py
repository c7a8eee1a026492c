"""Helpers for the fault tests: a steady background producer and exactly-once accounting.

The producer stands in for the agent desktop: it sends corpus replies (scorer.traffic)
at a steady rate from a thread while the test kills the scorer or the broker, and it
remembers what the broker acknowledged, so the accounting afterwards compares against
what really entered the input topic — not against what the test hoped to send.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord

from scorer.sample import DEFAULT_RATE, in_sample
from scorer.traffic import generate, load_corpus
from tests.kafka_utils import committed_offsets, end_offsets, read_topic

_CORPUS: list[dict] | None = None


def corpus() -> list[dict]:
    """The labelled corpus as input records (loaded once per test session)."""
    global _CORPUS
    if _CORPUS is None:
        _CORPUS = load_corpus()
    return _CORPUS


@dataclass
class SteadyProducer:
    """Produces corpus replies to `topic` at `rate` records/s on a background thread.

    Idempotent, acks=all and a long delivery timeout, so a broker restart of tens of
    seconds delays records instead of losing or duplicating them. `acked` counts the
    records the broker confirmed; `failed` collects the errors of any it did not.
    """

    bootstrap: str
    topic: str
    rate: float = 150.0
    seed: int = 7
    invalid_share: float = 0.01
    client_kw: dict[str, Any] = field(default_factory=dict)
    sent: int = 0
    acked: int = 0
    failed: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> SteadyProducer:
        self._producer = KafkaProducer(
            bootstrap_servers=self.bootstrap, acks="all", enable_idempotence=True, linger_ms=5,
            delivery_timeout_ms=180_000, request_timeout_ms=10_000, max_block_ms=120_000,
            **self.client_kw)
        self._thread = threading.Thread(target=self._run, name="steady-producer", daemon=True)
        self._thread.start()
        return self

    def _on_ack(self, _meta: Any) -> None:
        with self._lock:
            self.acked += 1

    def _on_error(self, exc: BaseException) -> None:
        with self._lock:
            self.failed.append(f"{type(exc).__name__}: {exc}")

    def _run(self) -> None:
        started = time.monotonic()
        for key, value in generate(corpus(), invalid_share=self.invalid_share, seed=self.seed):
            if self._stop.is_set():
                return
            fut = self._producer.send(self.topic, key=key, value=value)
            fut.add_callback(self._on_ack)
            fut.add_errback(self._on_error)
            self.sent += 1
            delay = started + self.sent / self.rate - time.monotonic()
            if delay > 0:
                self._stop.wait(delay)

    def halt(self) -> None:
        """Stop sending without waiting for acknowledgements (test teardown)."""
        self._stop.set()

    def stop(self, timeout: float = 120.0) -> int:
        """Stop sending, wait for every acknowledgement; returns the records produced."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._producer.flush(timeout=timeout)
        self._producer.close(timeout=5)
        assert not self.failed, f"{len(self.failed)} sends failed, e.g. {self.failed[:3]}"
        assert self.acked == self.sent, f"{self.acked} of {self.sent} sends acknowledged"
        return self.sent


@dataclass
class Inputs:
    """What entered the input topic: valid reply ids and invalid records by position."""

    valid: dict[tuple[int, int], str]      # (partition, offset) -> reply id
    invalid: set[tuple[int, int]]          # (partition, offset) of non-JSON / bad records

    def below(self, committed: dict[int, int]) -> Inputs:
        """Only the records the group's committed offsets say are done."""
        return Inputs({pos: rid for pos, rid in self.valid.items()
                       if pos[1] < committed.get(pos[0], 0)},
                      {pos for pos in self.invalid if pos[1] < committed.get(pos[0], 0)})

    def without(self, ids: set[str]) -> Inputs:
        """Less the replies with these ids (e.g. forwarded to the conversation stage and
        not yet scored there)."""
        return Inputs({pos: rid for pos, rid in self.valid.items() if rid not in ids},
                      set(self.invalid))


def read_inputs(bootstrap: str, topic: str, expected: int, **client_kw: Any) -> Inputs:
    records = read_topic(bootstrap, topic, expected=expected, **client_kw)
    assert len(records) == expected, f"input topic holds {len(records)}, produced {expected}"
    valid: dict[tuple[int, int], str] = {}
    invalid: set[tuple[int, int]] = set()
    for rec in records:
        rid = _reply_id(rec.value)
        if rid is None:
            invalid.add((rec.partition, rec.offset))
        else:
            valid[(rec.partition, rec.offset)] = rid
    return Inputs(valid, invalid)


def _reply_id(value: bytes | None) -> str | None:
    """The id of a record the scorer accepts; None for the deliberately invalid ones."""
    try:
        rec = orjson.loads(value or b"")
    except orjson.JSONDecodeError:
        return None
    if not isinstance(rec, dict) or not isinstance(rec.get("id"), str) \
            or rec.get("channel") not in ("email", "chat", "messenger"):
        return None
    return rec["id"]


@dataclass
class Outputs:
    """What the scorer published, as `read_committed` readers see it."""

    scored: Counter[str]                    # reply id -> times on the scored topic
    flagged_ids: set[str]                   # ids whose scored record says flagged
    flagged_topic: Counter[str]             # reply id -> times on the flagged topic
    dead_letters: Counter[tuple[int, int]]  # source (partition, offset) -> times on the DLQ


def read_outputs(env: dict[str, str], scored: int, dead: int, **client_kw: Any) -> Outputs:
    bootstrap = env["SCORER_KAFKA_BOOTSTRAP"]
    scored_recs = read_topic(bootstrap, env["SCORER_TOPIC_SCORED"], expected=scored, idle=1.0,
                             **client_kw)
    values = [orjson.loads(r.value) for r in scored_recs]
    flagged_recs = read_topic(bootstrap, env["SCORER_TOPIC_FLAGGED"], expected=None, idle=1.0,
                              **client_kw)
    dlq = read_topic(bootstrap, env["SCORER_TOPIC_DLQ"], expected=dead, idle=1.0, **client_kw)
    return Outputs(
        scored=Counter(v["id"] for v in values),
        flagged_ids={v["id"] for v in values if v["flagged"]},
        flagged_topic=Counter(orjson.loads(r.value)["id"] for r in flagged_recs),
        dead_letters=Counter(_source(r) for r in dlq),
    )


def _source(rec: ConsumerRecord) -> tuple[int, int]:
    headers = {k: v.decode() for k, v in rec.headers}
    return int(headers["source.partition"]), int(headers["source.offset"])


def assert_exactly_once(inputs: Inputs, out: Outputs) -> None:
    """Every valid input id scored once, every invalid record dead-lettered once, every
    flagged id on the flagged topic once — and nothing else."""
    ids = set(inputs.valid.values())
    assert len(ids) == len(inputs.valid), "the producer reused a reply id"
    missing = ids - set(out.scored)
    extra = set(out.scored) - ids
    twice = {i: n for i, n in out.scored.items() if n > 1}
    assert not missing and not extra and not twice, (
        f"scored topic: {len(missing)} missing, {len(extra)} unexpected, {len(twice)} "
        f"published more than once (e.g. {list(twice.items())[:3]})")
    assert set(out.dead_letters) == inputs.invalid, "dead letters differ from invalid inputs"
    assert max(out.dead_letters.values(), default=1) == 1, "a dead letter was published twice"
    assert set(out.flagged_topic) == out.flagged_ids
    assert max(out.flagged_topic.values(), default=1) == 1, "a flagged record published twice"


def stored_flagged_ids(store_url: str, *, column: str = "flagged") -> Counter[str]:
    """Reply ids in the flagged store (SQLite file) stored as flagged (or, with
    column="sampled", in the random review sample) with how many rows each has."""
    assert column in ("flagged", "sampled")
    engine = sa.create_engine(store_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text(
                f"SELECT id, COUNT(*) FROM flagged_replies WHERE {column} GROUP BY id"))  # noqa: S608
            return Counter({rid: n for rid, n in rows})
    finally:
        engine.dispose()


def expected_sample(env: dict[str, str], scored_ids: Iterable[str]) -> set[str]:
    """The scored ids the random review sample must hold: a pure function of the id and
    SCORER_SAMPLE_RATE (scorer.sample), so replays after a SIGKILL cannot change it."""
    rate = float(env.get("SCORER_SAMPLE_RATE", DEFAULT_RATE))
    return {rid for rid in scored_ids if in_sample(rid, rate)}


def committed_by_partition(env: dict[str, str], **client_kw: Any) -> dict[int, int]:
    got = committed_offsets(env["SCORER_KAFKA_BOOTSTRAP"], env["SCORER_GROUP_ID"], **client_kw)
    return {tp.partition: off for tp, off in got.items() if tp.topic == env["SCORER_TOPIC_INPUT"]}


def uncommitted(env: dict[str, str], **client_kw: Any) -> int:
    """Input records whose handling is not committed yet: those after the group's committed
    input offsets, plus those forwarded to the repartition topic and not yet scored."""
    committed = committed_by_partition(env, **client_kw)
    ends = end_offsets(env["SCORER_KAFKA_BOOTSTRAP"], env["SCORER_TOPIC_INPUT"], **client_kw)
    return sum(end - committed.get(tp.partition, 0) for tp, end in ends.items()) + \
        repartition_backlog(env, **client_kw)


def handled(env: dict[str, str], **client_kw: Any) -> int:
    """Input records whose handling is committed (scored, dead-lettered or skipped): what
    a process started now will not count again."""
    return sum(committed_by_partition(env, **client_kw).values()) - \
        repartition_backlog(env, **client_kw)


def repartition_backlog(env: dict[str, str], **client_kw: Any) -> int:
    """How many records were forwarded to the conversation stage and not scored yet."""
    return len(forwarded_pending(env, **client_kw))


def forwarded_pending(env: dict[str, str], **client_kw: Any) -> list[str | None]:
    """Reply ids of the committed records of the conversation stage's repartition topic
    after the group's committed offsets: forwarded by a worker, not yet scored. Records
    of a transaction a killed worker left open are not counted (they will be aborted)."""
    bootstrap, group = env["SCORER_KAFKA_BOOTSTRAP"], env["SCORER_GROUP_ID"]
    topic = f"{group}-conversations-repartition"
    committed = {tp.partition: off for tp, off in committed_offsets(
        bootstrap, group, **client_kw).items() if tp.topic == topic}
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None,
                             isolation_level="read_committed", enable_auto_commit=False,
                             **client_kw)
    try:
        parts = consumer.partitions_for_topic(topic)
        if not parts:
            return []
        tps = [TopicPartition(topic, p) for p in sorted(parts)]
        consumer.assign(tps)
        for tp in tps:
            consumer.seek(tp, committed.get(tp.partition, 0))
        stable = consumer.end_offsets(tps)  # the last stable offsets (read_committed)
        ids: list[str | None] = []
        deadline = time.monotonic() + 30
        while any(consumer.position(tp) < stable[tp] for tp in tps):
            if time.monotonic() > deadline:
                raise AssertionError(f"could not read {topic} to its stable offsets")
            for recs in consumer.poll(timeout_ms=200).values():
                ids.extend(_reply_id(r.value) for r in recs)
        return ids
    finally:
        consumer.close(autocommit=False)


def sqlite_url(env: dict[str, str]) -> str:
    url = env["SCORER_STORE_URL"]
    assert url.startswith("sqlite:///") and Path(url[len("sqlite:///"):]).parent.is_dir()
    return url


@dataclass
class HealthPoller:
    """Polls a scorer's /readyz, /healthz and replies_scored_total on a thread, keeping
    (time, ready status, live status, replies scored so far)."""

    proc: Any  # tests.scorer_proc.ScorerProcess
    interval: float = 0.25
    samples: list[tuple[float, int, int, float]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def start(self) -> HealthPoller:
        self._thread = threading.Thread(target=self._run, name="health-poller", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            ready = self.proc.http("/readyz")[0]
            live = self.proc.http("/healthz")[0]
            scored = self.proc.metric_sum("replies_scored")
            self.samples.append((time.monotonic(), ready, live, scored))
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def between(self, start: float, end: float) -> list[tuple[float, int, int, float]]:
        return [s for s in self.samples if start <= s[0] <= end]

    def first(self, after: float, ready: int) -> float | None:
        """Time of the first sample after `after` whose /readyz status was `ready`."""
        return next((t for t, r, _, _ in self.samples if t >= after and r == ready), None)

    def first_progress(self, after: float) -> float | None:
        """Time of the first sample after `after` showing more replies scored than at
        `after`: when the first batch committed after that moment."""
        before = max((n for t, _, _, n in self.samples if t < after), default=0.0)
        return next((t for t, _, _, n in self.samples if t >= after and n > before), None)
