"""Faults on the Kafka side, on real servers: crashes, a broker restart, credentials, SIGTERM.

Each test runs `scorer run` as a child process under a steady stream of corpus replies
(tests/fault_utils.SteadyProducer) and then checks, with `read_committed` readers, that
every reply the broker acknowledged was scored exactly once, every invalid record was
dead-lettered exactly once and every flagged reply sits in the flagged store exactly once.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest

from tests.fault_utils import (
    Inputs,
    SteadyProducer,
    assert_exactly_once,
    committed_by_partition,
    read_inputs,
    read_outputs,
    sqlite_url,
    stored_flagged_ids,
    uncommitted,
)
from tests.kafka_utils import create_topics
from tests.scorer_proc import ScorerProcess, topic_env

pytestmark = pytest.mark.kafka

#: Seeded, so "random moments" are the same on every run and a failure can be replayed.
SEED = 20201123


def until(predicate, timeout: float, what: str, proc: ScorerProcess) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}\n--- scorer log ---\n{proc.logs()}")


def processed(proc: ScorerProcess) -> float:
    """Records this process committed: scored + dead-lettered + skipped."""
    return sum(proc.metric_sum(m) for m in
               ("replies_scored", "replies_invalid", "replies_skipped"))


def check_everything_once(env: dict[str, str], produced: int, **client_kw) -> Inputs:
    inputs = read_inputs(env["SCORER_KAFKA_BOOTSTRAP"], env["SCORER_TOPIC_INPUT"], produced,
                         **client_kw)
    out = read_outputs(env, scored=len(inputs.valid), dead=len(inputs.invalid), **client_kw)
    assert_exactly_once(inputs, out)
    if "SCORER_STORE_URL" in env:
        stored = stored_flagged_ids(sqlite_url(env))
        assert set(stored) == out.flagged_ids, (
            f"store: {len(out.flagged_ids - set(stored))} flagged ids missing, "
            f"{len(set(stored) - out.flagged_ids)} unexpected")
        assert max(stored.values(), default=1) == 1
        assert len(out.flagged_ids) > 0, "the corpus mix should flag some replies"
    return inputs


@pytest.fixture
def env(kafka_bootstrap: str, tmp_path: Path) -> dict[str, str]:
    # A short session timeout: after a SIGKILL the dead member holds its partitions until
    # the broker gives up on it, and every restart waits for that.
    env = topic_env(kafka_bootstrap, tmp_path, SCORER_BATCH_SIZE="100",
                    SCORER_SESSION_TIMEOUT_MS="6000")
    create_topics(kafka_bootstrap, [env["SCORER_TOPIC_INPUT"]], partitions=4)
    return env


@pytest.fixture
def scorer(env: dict[str, str], tmp_path: Path):
    proc = ScorerProcess(env, tmp_path / "scorer.log")
    yield proc
    proc.stop()


@pytest.fixture
def traffic(env: dict[str, str]):
    producers: list[SteadyProducer] = []

    def start(**kw) -> SteadyProducer:
        p = SteadyProducer(env["SCORER_KAFKA_BOOTSTRAP"], env["SCORER_TOPIC_INPUT"], **kw)
        producers.append(p.start())
        return p

    yield start
    for p in producers:
        if not p._stop.is_set():
            p._stop.set()


# -- 1. crashes ----------------------------------------------------------------------------------
@pytest.mark.slow
def test_repeated_sigkill_under_load_loses_nothing_and_publishes_and_stores_everything_once(
        scorer: ScorerProcess, env: dict[str, str], traffic) -> None:
    rng = random.Random(SEED)
    producer = traffic(rate=150)
    scorer.start().wait_ready()
    for kill in range(1, 4):
        until(lambda: processed(scorer) > 0, 60, "progress before the kill", scorer)
        time.sleep(rng.uniform(0.2, 3.0))
        counted = processed(scorer)
        scorer.kill()
        time.sleep(1)  # an EndTxn the killed process sent may still be landing its offsets
        committed_at_start = sum(committed_by_partition(env).values())
        t0 = time.monotonic()
        scorer.start().wait_ready()
        ready = time.monotonic() - t0
        until(lambda: processed(scorer) > 0, 60, "progress after the restart", scorer)
        print(f"kill {kill}: killed process had counted >= {counted:.0f}; restarted process "
              f"ready after {ready:.1f}s, processing after {time.monotonic() - t0:.1f}s")

    # The last process's counters start at zero and count exactly the records from the
    # group's committed offsets at its start onward: a killed process's uncommitted batch is
    # replayed here and counted once; what it had committed it counted itself, and those
    # counts vanished with it.
    produced = producer.stop()
    until(lambda: uncommitted(env) == 0, 90, "the backlog processed", scorer)
    until(lambda: processed(scorer) == produced - committed_at_start, 10,
          "the last process's counters to equal its share of the input", scorer)
    assert scorer.terminate() == 0

    check_everything_once(env, produced)
