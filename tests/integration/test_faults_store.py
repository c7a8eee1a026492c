"""Flagged-store outages: PostgreSQL stops mid-stream, or is down when the scorer starts.

The contract these tests pin: while the store cannot be written the
scorer stops consuming (its partitions are paused, so it stays in the group), reports
not-ready on /readyz, and retries the same batch with backoff (0.5, 1, 2, 5, 10, 10 … s).
Nothing is published or committed for that batch until its flagged replies are stored,
so when the database returns every reply reaches the scored topic exactly once and every
flagged reply is in the store exactly once. A store that is down at startup is waited
for the same way instead of crashing the process.

Each test uses its OWN PostgreSQL cluster (deploy/local/postgres with its own --data and
--port), so stopping it cannot disturb the other tests' servers.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import psycopg
import pytest
from kafka import KafkaProducer

from scorer.sample import DEFAULT_RATE, in_sample
from tests.kafka_utils import (
    create_topics,
    free_port,
    produce,
    read_topic,
    wait_for,
)
from tests.scorer_proc import ScorerProcess, committed_lag, topic_env, until

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
PG_SCRIPT = ROOT / "deploy" / "local" / "postgres"
OUTAGE_SECONDS = 15.0

#: (text, channel, language); the short ones score under 70 and are flagged.
REPLIES = [
    ("Det er sendt.", "messenger", "nn"),
    ("Your ticket is closed.", "email", "en"),
    ("kan du sende ordrenummeret?", "chat", "da"),
    ("Hei Ola! Pakken ble sendt i går, så den kommer i morgen. Ha en fin dag!", "chat", "nb"),
    ("Hi Sam, thanks for reaching out! The refund was delayed because the bank was closed; "
     "you'll see it within 3 days. Have a great weekend!", "messenger", "en"),
]


@dataclass
class DedicatedPostgres:
    """One throwaway cluster this test may stop and start at will."""

    port: int
    data: str
    url: str = ""

    def start(self) -> str:
        proc = subprocess.run([str(PG_SCRIPT), "start", "--port", str(self.port),
                               "--data", self.data],
                              capture_output=True, text=True, timeout=180, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"deploy/local/postgres start failed ({proc.returncode}):\n"
                               f"{proc.stderr}")
        self.url = proc.stdout.strip().splitlines()[-1]
        return self.url

    def stop(self) -> None:
        subprocess.run([str(PG_SCRIPT), "stop", "--data", self.data], capture_output=True,
                       timeout=120, check=True)

    def fresh_database(self) -> str:
        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url.rpartition("/")[0] + "/" + name


@pytest.fixture
def own_postgres() -> Iterator[DedicatedPostgres]:
    data = tempfile.mkdtemp(prefix="scorer-pg-outage-")  # /tmp: reachable by `postgres`
    Path(data).chmod(0o755)  # the script chowns it to postgres, then 0700
    pg = DedicatedPostgres(port=free_port(), data=data)
    try:
        pg.start()
    except RuntimeError as exc:
        shutil.rmtree(data, ignore_errors=True)
        pytest.fail(str(exc), pytrace=False)
    try:
        yield pg
    finally:
        pg.stop()
        shutil.rmtree(data, ignore_errors=True)


@dataclass
class SteadyStream:
    """Produces replies at a steady rate from a thread; remembers every acknowledged id."""

    bootstrap: str
    topic: str
    prefix: str
    rate: float = 40.0
    acked: list[str] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> SteadyStream:
        self._thread = threading.Thread(target=self._run, name="steady-stream", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        producer = KafkaProducer(bootstrap_servers=self.bootstrap, acks="all", linger_ms=5)
        i = 0
        try:
            tick = 0.25
            per_tick = max(1, round(self.rate * tick))
            while not self._stop.is_set():
                sent = []
                for _ in range(per_tick):
                    text, channel, lang = REPLIES[i % len(REPLIES)]
                    rid = f"{self.prefix}-{i}"
                    value = orjson.dumps({"id": rid, "channel": channel, "text": text,
                                          "language": lang, "team": "t1"})
                    sent.append((rid, producer.send(self.topic, key=rid.encode(), value=value)))
                    i += 1
                producer.flush(timeout=30)
                for rid, fut in sent:
                    fut.get(timeout=30)
                    self.acked.append(rid)
                self._stop.wait(tick)
        except BaseException as exc:  # reported by stop(); a silent producer would pass tests
            self.errors.append(exc)
        finally:
            producer.close(timeout=5)

    def stop(self) -> list[str]:
        self._stop.set()
        assert self._thread is not None
        self._thread.join(timeout=60)
        assert not self.errors, f"test producer failed: {self.errors!r}"
        return list(self.acked)




def waiting_for_store(proc: ScorerProcess) -> bool:
    status, body = proc.http("/readyz")
    return status == 503 and body.strip() == "flagged store unavailable"


def stored_ids(url: str) -> Counter[str]:
    with psycopg.connect(url) as conn:
        return Counter(row[0] for row in conn.execute(
            "SELECT id FROM flagged_replies WHERE flagged"))


def scored_ids(env: dict[str, str], expected: int) -> tuple[Counter[str], set[str]]:
    """(every id on the scored topic with its count, the ids the scorer flagged)."""
    records = read_topic(env["SCORER_KAFKA_BOOTSTRAP"], env["SCORER_TOPIC_SCORED"],
                         expected=expected, idle=1.0, timeout=90)
    values = [orjson.loads(r.value) for r in records]
    return Counter(v["id"] for v in values), {v["id"] for v in values if v["flagged"]}


@pytest.fixture
def scorer_env(kafka_bootstrap: str, tmp_path: Path, own_postgres: DedicatedPostgres
               ) -> dict[str, str]:
    env = topic_env(kafka_bootstrap, tmp_path, SCORER_STORE_URL=own_postgres.fresh_database(),
                    SCORER_BATCH_SIZE="100")
    create_topics(kafka_bootstrap, [env["SCORER_TOPIC_INPUT"]], partitions=4)
    return env


@pytest.fixture
def scorer(scorer_env: dict[str, str], tmp_path: Path) -> Iterator[ScorerProcess]:
    proc = ScorerProcess(scorer_env, tmp_path / "scorer.log")
    yield proc
    proc.stop()




def test_postgres_outage_pauses_consumption_and_loses_and_duplicates_nothing(
        scorer: ScorerProcess, scorer_env: dict[str, str],
        own_postgres: DedicatedPostgres) -> None:
    store_url = scorer_env["SCORER_STORE_URL"]
    scorer.start().wait_ready(timeout=90)
    stream = SteadyStream(scorer_env["SCORER_KAFKA_BOOTSTRAP"], scorer_env["SCORER_TOPIC_INPUT"],
                          prefix="out").start()
    until(lambda: scorer.metric_sum("replies_flagged") >= 50, 60, "flagged replies stored",
          scorer)

    own_postgres.stop()
    down_at = time.monotonic()
    # The next batch with a flagged reply hits the dead store: input paused, not ready.
    until(lambda: waiting_for_store(scorer), 30,
          "/readyz to report the store outage", scorer)
    frozen = scorer.metric_sum("replies_scored")
    lag_before = committed_lag(scorer_env)
    time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - down_at)))
    # Paused means paused: nothing scored or committed while the store is down, lag grows,
    # and the process is still live (not wedged, not restarted).
    assert scorer.metric_sum("replies_scored") == frozen
    assert committed_lag(scorer_env) > lag_before
    assert scorer.http("/healthz")[0] == 200
    assert scorer.http("/readyz")[0] == 503
    assert scorer.metric_sum("scorer_store_errors") >= 1

    own_postgres.start()
    resumed_after = until(lambda: scorer.metric_sum("replies_scored") > frozen, 60,
                          "scoring to resume after the store returned", scorer)
    ready_after = resumed_after + until(lambda: scorer.http("/readyz")[0] == 200, 30,
                                        "/readyz to recover", scorer)
    print(f"\nstore outage {OUTAGE_SECONDS:.0f}s: scoring resumed {resumed_after:.1f}s and "
          f"/readyz recovered {ready_after:.1f}s after PostgreSQL accepted connections again")
    # Backoff is capped at 10 s, so one retry must land within ~10 s plus a connect.
    assert resumed_after < 15

    time.sleep(3)  # some records produced after the recovery, too
    produced = stream.stop()
    until(lambda: committed_lag(scorer_env) == 0, 120, "the backlog to drain", scorer)
    counts, flagged = scored_ids(scorer_env, expected=len(produced))
    assert set(counts) == set(produced), "replies missing from (or foreign to) the scored topic"
    assert max(counts.values()) == 1, "a reply was published twice"
    in_store = stored_ids(store_url)
    assert set(in_store) == flagged, (
        f"{len(flagged - set(in_store))} flagged replies missing from the store, "
        f"{len(set(in_store) - flagged)} unexpected")
    assert max(in_store.values()) == 1
    with psycopg.connect(store_url) as conn:
        sampled = {r[0] for r in conn.execute("SELECT id FROM flagged_replies WHERE sampled")}
    assert sampled == {rid for rid in counts if in_sample(rid, DEFAULT_RATE)}
    assert len(flagged) >= len(produced) // 3  # the stream really was flag-heavy
    flagged_topic = read_topic(scorer_env["SCORER_KAFKA_BOOTSTRAP"],
                               scorer_env["SCORER_TOPIC_FLAGGED"], expected=len(flagged))
    assert Counter(orjson.loads(r.value)["id"] for r in flagged_topic) == Counter(flagged)
    logs = scorer.logs()
    assert "flagged store unavailable" in logs and "flagged store is back; resuming" in logs
    assert scorer.terminate() == 0


def test_store_down_at_startup_is_waited_for_then_processing_starts(
        scorer: ScorerProcess, scorer_env: dict[str, str],
        own_postgres: DedicatedPostgres) -> None:
    store_url = scorer_env["SCORER_STORE_URL"]
    own_postgres.stop()
    scorer.start()
    until(lambda: "flagged store unavailable at startup" in scorer.logs(), 90,
          "the startup wait to be logged", scorer)
    time.sleep(3)
    assert scorer.proc is not None and scorer.proc.poll() is None, scorer.logs()
    assert scorer.http("/healthz")[0] == 200
    assert waiting_for_store(scorer)
    assert "Traceback" not in scorer.logs()

    rids = [f"boot-{i}" for i in range(40)]
    stream_values = [orjson.dumps({"id": rid, "channel": REPLIES[i % 5][1],
                                   "text": REPLIES[i % 5][0], "language": REPLIES[i % 5][2]})
                     for i, rid in enumerate(rids)]
    produce(scorer_env["SCORER_KAFKA_BOOTSTRAP"], scorer_env["SCORER_TOPIC_INPUT"], stream_values)

    own_postgres.start()
    ready_after = until(lambda: scorer.http("/readyz")[0] == 200, 60,
                        "the scorer to become ready once the store is up", scorer)
    print(f"\nstore up at startup after the outage: ready {ready_after:.1f}s later")
    assert ready_after < 20
    until(lambda: committed_lag(scorer_env) == 0, 60, "the 40 replies processed", scorer)
    counts, flagged = scored_ids(scorer_env, expected=len(rids))
    assert sorted(counts) == sorted(rids) and max(counts.values()) == 1
    assert flagged and set(stored_ids(store_url)) == flagged
    assert "flagged store reachable after" in scorer.logs()
    assert scorer.terminate() == 0


def test_sigterm_while_waiting_for_the_store_at_startup_exits_cleanly(tmp_path: Path) -> None:
    # Nothing listens on these ports: every store connection is refused at once, and the
    # scorer must never get as far as Kafka.
    dead = f"postgresql://nobody:nothing@127.0.0.1:{free_port()}/scorer"
    proc = ScorerProcess(topic_env(f"127.0.0.1:{free_port()}", tmp_path, SCORER_STORE_URL=dead),
                         tmp_path / "scorer.log")
    try:
        proc.start()
        wait_for(lambda: "flagged store unavailable at startup" in proc.logs(), 90, 0.2,
                 "the startup wait to be logged")
        started = time.monotonic()
        assert proc.terminate(timeout=20) == 0, proc.logs()
        assert time.monotonic() - started < 12
        assert "stopped while waiting for the flagged store" in proc.logs()
        assert "Traceback" not in proc.logs()
    finally:
        proc.stop()
