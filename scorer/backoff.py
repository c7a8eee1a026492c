"""One backoff for everything the streaming worker waits out and tries again.

The worker retries in four places: opening the flagged store at start-up, a store write
mid-stream, creating a replacement transactional producer, and a batch whose Kafka step
failed (the loop rolls it back and replays it). They share one policy, kept here:

- the wait grows along `DELAYS` and then stays at the last one (no jitter: each worker
  retries its own store connection or transaction, not a shared resource it could stampede);
- nothing gives up by itself: an outage ends, or the worker is stopped;
- a stop request (SIGTERM) wakes a wait at once, so shutdown never sits out a delay;
- every failure is reported before the wait (`on_failure`: log, metric, readiness), and
  the caller still sees how many failures there were (`failures`) once the call succeeds.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")

#: Seconds to wait after the 1st, 2nd, … failure; the last repeats. Whole numbers stay
#: ints so that the logs say "retry in 1s", not "1.0s".
DELAYS: tuple[float, ...] = (0.5, 1, 2, 5, 10)

#: Reports one failure: the exception, the delay before the next try (seconds), and how
#: many failures there have been, this one included (1 for the first).
FailureHook = Callable[[Exception, float, int], object]
#: Waits up to the delay (seconds), returning early once the stop event is set.
Sleep = Callable[[float, threading.Event], object]


class Stopped(Exception):
    """The stop event was set while `Backoff.retry` waited between attempts."""


def _sleep(delay: float, stop: threading.Event) -> None:
    stop.wait(delay)


@dataclass
class Backoff:
    """A failure count and the wait it calls for.

    `retry` is the whole loop for a call that must eventually succeed. A retry that
    happens elsewhere (the loop replaying a rolled-back batch) uses `failed`, `wait` and
    `reset` directly, keeping the count across calls.
    """

    on_failure: FailureHook | None = None
    #: How to wait: by default on the stop event; a caller that must keep doing something
    #: while it waits (the loop polling its paused consumer) passes its own.
    sleep: Sleep = _sleep
    delays: Sequence[float] = DELAYS
    failures: int = field(default=0, init=False)

    def failed(self, exc: Exception) -> float:
        """Count a failure, report it, and return how long to wait before the next try."""
        delay = self.delays[min(self.failures, len(self.delays) - 1)]
        self.failures += 1
        if self.on_failure is not None:
            self.on_failure(exc, delay, self.failures)
        return delay

    def wait(self, delay: float, stop: threading.Event) -> bool:
        """Wait `delay` seconds or until `stop` is set; True when stopped."""
        self.sleep(delay, stop)
        return stop.is_set()

    def reset(self) -> None:
        """The retried thing works again: the next failure waits the shortest delay."""
        self.failures = 0

    def retry(self, attempt: Callable[[], T],
              retry_on: type[Exception] | tuple[type[Exception], ...],
              stop: threading.Event) -> T:
        """Call `attempt` until it returns, waiting after each failure of type `retry_on`
        (any other exception propagates at once). Raises `Stopped` when `stop` is set
        during a wait."""
        while True:
            try:
                return attempt()
            except retry_on as exc:
                delay = self.failed(exc)
            if self.wait(delay, stop):
                raise Stopped
