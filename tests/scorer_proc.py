"""Run `scorer run` as a real child process for integration tests, and read its metrics."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from tests.kafka_utils import committed_offsets, end_offsets, free_port

SCORER = Path(sys.executable).with_name("scorer")


def topic_env(bootstrap: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    """Environment for one isolated scorer: fresh topics, group, store and metrics port."""
    suffix = uuid.uuid4().hex[:8]
    env = {
        "SCORER_KAFKA_BOOTSTRAP": bootstrap,
        "SCORER_TOPIC_INPUT": f"replies-{suffix}",
        "SCORER_TOPIC_SCORED": f"replies-{suffix}.scored",
        "SCORER_TOPIC_FLAGGED": f"replies-{suffix}.flagged",
        "SCORER_TOPIC_DLQ": f"replies-{suffix}.dlq",
        "SCORER_TOPIC_CONVERSATIONS": f"conversations-{suffix}.scored",
        "SCORER_GROUP_ID": f"scorer-{suffix}",
        "SCORER_METRICS_PORT": str(free_port()),
        "SCORER_STORE_URL": f"sqlite:///{tmp_path / f'flagged-{suffix}.db'}",
        "SCORER_BATCH_MAX_WAIT_MS": "100",
        "SCORER_TOPIC_PARTITIONS": "4",
    }
    env.update(extra)
    return env


@dataclass
class ScorerProcess:
    """One `scorer run` child; stdout/stderr go to a log file shown on failure."""

    env: dict[str, str]
    log_path: Path
    proc: subprocess.Popen | None = None
    starts: int = 0
    _logs: list = field(default_factory=list)

    @property
    def metrics_url(self) -> str:
        return f"http://127.0.0.1:{self.env['SCORER_METRICS_PORT']}"

    def start(self) -> ScorerProcess:
        self.starts += 1
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self._logs.append(log)
        env = {**os.environ, **self.env}
        self.proc = subprocess.Popen([str(SCORER), "run"], env=env, stdout=log,
                                     stderr=subprocess.STDOUT)
        return self

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"scorer exited with {self.proc.returncode}:\n{self.logs()}")
            if self.http("/readyz")[0] == 200:
                return
            time.sleep(0.2)
        raise AssertionError(f"scorer not ready after {timeout}s:\n{self.logs()}")

    def http(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.metrics_url + path, timeout=3) as resp:  # noqa: S310
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()
        except OSError:
            return 0, ""

    def metric_sum(self, name: str, **labels: str) -> float:
        """Sum of a metric's samples (counters: the `_total` samples) matching labels."""
        status, text = self.http("/metrics")
        if status != 200:
            return -1
        total = 0.0
        for fam in text_string_to_metric_families(text):
            if fam.name != name:
                continue
            for s in fam.samples:
                if s.name in (name + "_total", name) and all(
                        s.labels.get(k) == v for k, v in labels.items()):
                    total += s.value
        return total

    def terminate(self, timeout: float = 20) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=timeout)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(timeout=10)

    def logs(self) -> str:
        for log in self._logs:
            log.flush()
        return self.log_path.read_text(errors="replace")[-6000:]

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        for log in self._logs:
            log.close()


def until(predicate, timeout: float, what: str, proc: ScorerProcess) -> float:
    """Wait for `predicate`; returns the seconds it took. On timeout the assertion carries
    the scorer's log, which is what one needs to see why."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if predicate():
            return time.monotonic() - started
        time.sleep(0.2)
    raise AssertionError(f"timed out ({timeout:g}s) waiting for {what}\n"
                         f"--- scorer log ---\n{proc.logs()}")


def committed_lag(env: dict[str, str]) -> int:
    """Records of the input topic not yet covered by the group's committed offsets."""
    bootstrap, topic = env["SCORER_KAFKA_BOOTSTRAP"], env["SCORER_TOPIC_INPUT"]
    committed = committed_offsets(bootstrap, env["SCORER_GROUP_ID"])
    return sum(end - committed.get(tp, 0) for tp, end in end_offsets(bootstrap, topic).items())
