"""scorer.backoff: the one wait-and-retry policy of the streaming worker."""

from __future__ import annotations

import threading
import time

import pytest

from scorer.backoff import DELAYS, Backoff, Stopped


class Flaky:
    """Fails `failures` times with `exc`, then returns "ok"."""

    def __init__(self, failures: int, exc: type[Exception] = ConnectionError) -> None:
        self.left = failures
        self.exc = exc
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.left:
            self.left -= 1
            raise self.exc(f"down ({self.left} left)")
        return "ok"


def no_sleep(slept: list[float]):
    def sleep(delay: float, _stop: threading.Event) -> None:
        slept.append(delay)
    return sleep


def test_delays_grow_then_stay_at_the_last() -> None:
    backoff = Backoff()
    delays = [backoff.failed(RuntimeError("x")) for _ in range(len(DELAYS) + 3)]
    assert delays == [*DELAYS, DELAYS[-1], DELAYS[-1], DELAYS[-1]]
    assert delays == sorted(delays)
    assert backoff.failures == len(DELAYS) + 3


def test_reset_starts_again_at_the_shortest_delay() -> None:
    backoff = Backoff(delays=(1, 2, 3))
    backoff.failed(RuntimeError("x"))
    backoff.failed(RuntimeError("x"))
    backoff.reset()
    assert backoff.failures == 0
    assert backoff.failed(RuntimeError("x")) == 1


def test_whole_seconds_stay_ints_so_the_logs_read_1s() -> None:
    assert [f"{d}s" for d in DELAYS] == ["0.5s", "1s", "2s", "5s", "10s"]


def test_retry_returns_after_failures_and_the_hook_sees_every_one() -> None:
    seen: list[tuple[str, float, int]] = []
    slept: list[float] = []
    backoff = Backoff(on_failure=lambda exc, delay, n: seen.append((str(exc), delay, n)),
                      sleep=no_sleep(slept), delays=(1, 2, 4))
    flaky = Flaky(4)
    assert backoff.retry(flaky, ConnectionError, threading.Event()) == "ok"
    assert flaky.calls == 5
    assert seen == [("down (3 left)", 1, 1), ("down (2 left)", 2, 2),
                    ("down (1 left)", 4, 3), ("down (0 left)", 4, 4)]
    assert slept == [1, 2, 4, 4]  # each failure reported, then waited for
    assert backoff.failures == 4


def test_retry_without_failures_neither_reports_nor_waits() -> None:
    seen: list[object] = []
    slept: list[float] = []
    backoff = Backoff(on_failure=lambda *a: seen.append(a), sleep=no_sleep(slept))
    assert backoff.retry(Flaky(0), ConnectionError, threading.Event()) == "ok"
    assert (seen, slept, backoff.failures) == ([], [], 0)


def test_other_exceptions_are_not_retried() -> None:
    seen: list[object] = []
    backoff = Backoff(on_failure=lambda *a: seen.append(a), sleep=no_sleep([]))
    flaky = Flaky(1, exc=KeyError)
    with pytest.raises(KeyError):
        backoff.retry(flaky, (ConnectionError, TimeoutError), threading.Event())
    assert flaky.calls == 1 and seen == []


def test_stop_wakes_a_wait_at_once() -> None:
    stop = threading.Event()
    backoff = Backoff(delays=(30,))
    threading.Timer(0.1, stop.set).start()
    started = time.monotonic()
    assert backoff.wait(backoff.failed(RuntimeError("x")), stop) is True
    assert time.monotonic() - started < 5


def test_a_wait_not_stopped_says_so() -> None:
    assert Backoff().wait(0.01, threading.Event()) is False


def test_retry_raises_stopped_when_stopped_during_a_wait() -> None:
    stop = threading.Event()
    seen: list[int] = []
    backoff = Backoff(on_failure=lambda _e, _d, n: seen.append(n), delays=(30,))
    threading.Timer(0.1, stop.set).start()
    flaky = Flaky(1000)
    started = time.monotonic()
    with pytest.raises(Stopped):
        backoff.retry(flaky, ConnectionError, stop)
    assert time.monotonic() - started < 5
    assert flaky.calls == 1 and seen == [1]  # no attempt after the stop


def test_retry_already_stopped_tries_once_and_does_not_wait() -> None:
    stop = threading.Event()
    stop.set()
    slept: list[float] = []
    backoff = Backoff(sleep=no_sleep(slept))
    with pytest.raises(Stopped):
        backoff.retry(Flaky(1), ConnectionError, stop)
    assert backoff.failures == 1
    # A custom sleep is still called (the store write keeps polling its paused consumer
    # through it) and is expected to return at once when stopped.
    assert slept == [DELAYS[0]]


def test_a_custom_sleep_is_woken_by_stop_like_the_default() -> None:
    stop = threading.Event()

    def busy_sleep(delay: float, stop: threading.Event) -> None:
        deadline = time.monotonic() + delay
        while time.monotonic() < deadline and not stop.is_set():
            time.sleep(0.01)

    backoff = Backoff(sleep=busy_sleep, delays=(30,))
    threading.Timer(0.1, stop.set).start()
    started = time.monotonic()
    with pytest.raises(Stopped):
        backoff.retry(Flaky(1000), ConnectionError, stop)
    assert time.monotonic() - started < 5
