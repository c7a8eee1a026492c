"""Blocking producer calls run off the loop thread, so a broker outage cannot wedge it.

kafka-python's commit_transaction and abort_transaction wait without a timeout while the
broker is down, and a loop blocked inside them could neither report itself unready nor
honour SIGTERM. So every blocking producer call (send, send_offsets_to_transaction,
commit/abort, creating a producer) runs on a helper thread, and the loop waits for it
here: it marks the worker not ready while the step is pending, and on SIGTERM gives it
`STOP_GRACE_S` before leaving the transaction open. A successor with the same
transactional id aborts that transaction at once, otherwise the broker does after
SCORER_TRANSACTION_TIMEOUT_MS; either way the batch is replayed, never lost.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from scorer.metrics import Health

T = TypeVar("T")

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


class Abandoned(Exception):
    """A Kafka step was still pending when the stop grace ran out."""


def run_step(step: Callable[[], T], what: str, stop: threading.Event, health: Health) -> T:
    """Run a blocking producer call on a helper thread and wait for it responsively.

    While it is pending: /readyz turns 503 after KAFKA_STEP_UNREADY_S, /healthz stays
    200 for up to KAFKA_STEP_LIVE_S, and a stop request gives it STOP_GRACE_S before
    `Abandoned` is raised. The helper is a daemon thread, so an abandoned step never
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
            health.tick(False, f"Kafka {what} pending for {waited:.0f}s "
                               "(broker unreachable?)")
        if stop.is_set():
            stop_seen = stop_seen or now
            if now - stop_seen >= STOP_GRACE_S:
                raise Abandoned(f"Kafka {what}")
    ok, value = outcome[0]
    if not ok:
        raise value
    return value
