"""Helpers for tests that talk to a real Kafka broker (kafka-python only).

The broker itself comes from deploy/local/kafka; `LocalKafka` drives that script so tests
exercise exactly what developers run. The client helpers are deliberately synchronous and
strict (flush and check every send, raise with counts on timeouts) so a failing test says
what was missing instead of hanging or passing on a partial read.
"""

from __future__ import annotations

import subprocess
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import TopicAlreadyExistsError

from tests.ports import free_port as free_port  # the tests import it from here too

ROOT = Path(__file__).resolve().parents[1]
KAFKA_SCRIPT = ROOT / "deploy" / "local" / "kafka"

T = TypeVar("T")


def unique_topic(prefix: str = "test") -> str:
    """A topic name no other test (or earlier run against the same broker) uses."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def wait_for(predicate: Callable[[], T], timeout: float, interval: float = 0.1,
             what: str = "condition") -> T:
    """Poll until `predicate()` is truthy and return its value; AssertionError on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what} not reached within {timeout:g}s")
        time.sleep(interval)


def create_topics(bootstrap: str, names: Iterable[str], partitions: int = 1,
                  timeout: float = 30.0, **client_kw: Any) -> None:
    """Create topics (existing ones are left alone) and wait until every partition has a
    leader, so a producer right after this does not race the metadata propagation."""
    names = list(names)
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, **client_kw)
    try:
        result = admin.create_topics(
            {n: {"num_partitions": partitions, "replication_factor": 1} for n in names},
            raise_errors=False)
        for topic in result["topics"]:
            code = topic["error_code"]
            if code not in (0, TopicAlreadyExistsError.errno):
                raise RuntimeError(f"creating topic {topic['name']!r} failed: error {code} "
                                   f"{topic.get('error_message')}")
        admin.wait_for_topics(names, timeout_ms=int(timeout * 1000))
    finally:
        admin.close()


def produce(bootstrap: str, topic: str, values: Sequence[bytes | None],
            keys: Sequence[bytes | None] | None = None,
            headers: Sequence[list[tuple[str, bytes]]] | None = None,
            timeout: float = 30.0, **client_kw: Any) -> None:
    """Send every value (with its key/headers, in order) with acks=all and wait for all
    acknowledgements; any failed send raises here rather than surfacing as a missing
    record later."""
    if keys is not None and len(keys) != len(values):
        raise ValueError(f"{len(keys)} keys for {len(values)} values")
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5, **client_kw)
    try:
        futures = [
            producer.send(topic, value=v, key=None if keys is None else keys[i],
                          headers=None if headers is None else headers[i])
            for i, v in enumerate(values)
        ]
        producer.flush(timeout=timeout)
        for f in futures:
            f.get(timeout=timeout)
    finally:
        producer.close(timeout=5)


def consume_all(bootstrap: str, topic: str, expected_count: int | None = None,
                idle_timeout: float = 1.0, timeout: float = 60.0,
                isolation_level: str = "read_committed",
                **client_kw: Any) -> list[ConsumerRecord]:
    """Every record of `topic` from the beginning of all partitions, without a consumer
    group (assign + seek_to_beginning), so nothing is committed and repeated reads agree.

    With `expected_count`, polls until at least that many arrived, then `idle_timeout`
    longer to catch extras (duplicates must show up in the result, not hide behind an
    early return). Without it, reads to the end offsets seen at the start and stops once
    nothing new arrived for `idle_timeout` seconds. Read-committed by default because the
    scorer writes its outputs transactionally, as real downstream consumers read them.
    Raises AssertionError when `timeout` passes first.
    """
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                             isolation_level=isolation_level, group_id=None,
                             max_poll_records=2000, **client_kw)
    try:
        deadline = time.monotonic() + timeout
        parts = wait_for(lambda: consumer.partitions_for_topic(topic), timeout, 0.2,
                         f"metadata for topic {topic!r}")
        tps = [TopicPartition(topic, p) for p in sorted(parts)]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        end = consumer.end_offsets(tps)
        records: list[ConsumerRecord] = []
        last_new = time.monotonic()
        while True:
            now = time.monotonic()
            if expected_count is not None:
                done = len(records) >= expected_count
            else:
                done = all(consumer.position(tp) >= end[tp] for tp in tps)
            if done and now - last_new >= idle_timeout:
                return records
            if now >= deadline:
                want = f"{expected_count}" if expected_count is not None else "end offsets"
                raise AssertionError(f"read {len(records)} records from {topic!r} within "
                                     f"{timeout:g}s, wanted {want}")
            batch = consumer.poll(timeout_ms=200)
            for tp_records in batch.values():
                records.extend(tp_records)
                last_new = time.monotonic()
    finally:
        consumer.close(autocommit=False)


def read_topic(bootstrap: str, topic: str, expected: int | None = None, idle: float = 0.5,
               timeout: float = 60.0, **client_kw: Any) -> list[ConsumerRecord]:
    """Short alias of `consume_all` used by the pipeline tests."""
    return consume_all(bootstrap, topic, expected_count=expected, idle_timeout=idle,
                       timeout=timeout, **client_kw)


def run_kafka_script(*args: str, timeout: float = 300.0) -> subprocess.CompletedProcess[str]:
    """deploy/local/kafka with `args`; output captured as text, exit code not checked."""
    return subprocess.run([str(KAFKA_SCRIPT), *args], capture_output=True, text=True,
                          timeout=timeout, check=False)


@dataclass
class LocalKafka:
    """One broker run by deploy/local/kafka, bound to a port and a data dir.

    `stop()` then `start()` is a broker restart: the same data dir keeps topics, records
    and committed offsets. `extra_args` (e.g. ["--sasl-scram", "u:p"]) apply to the first
    start; later starts reuse what the data dir remembers.
    """

    port: int
    data_dir: Path
    extra_args: list[str] = field(default_factory=list)
    last_start: subprocess.CompletedProcess[str] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> str:
        """Start (or restart) the broker; returns the bootstrap address the script printed."""
        result = run_kafka_script("start", "--port", str(self.port),
                                  "--data", str(self.data_dir), *self.extra_args)
        self.last_start = result
        if result.returncode != 0:
            raise RuntimeError(f"deploy/local/kafka start --port {self.port} failed "
                               f"(exit {result.returncode}):\n{result.stderr}")
        printed = result.stdout.strip().splitlines()[-1]
        if printed != self.bootstrap:
            raise RuntimeError(f"deploy/local/kafka printed {printed!r} as its last line, "
                               f"expected {self.bootstrap!r}")
        return printed

    def stop(self) -> None:
        result = run_kafka_script("stop", "--data", str(self.data_dir))
        if result.returncode != 0:
            raise RuntimeError(f"deploy/local/kafka stop failed:\n{result.stderr}")

    def is_running(self) -> bool:
        return run_kafka_script("status", "--data", str(self.data_dir)).returncode == 0


def committed_offsets(bootstrap: str, group: str, **client_kw: Any) -> dict[TopicPartition, int]:
    """The group's committed offset per partition (partitions never committed are absent)."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, **client_kw)
    try:
        result = admin.list_group_offsets(group).get(group, {})
    finally:
        admin.close()
    return {tp: getattr(meta, "offset", meta) for tp, meta in result.items()
            if getattr(meta, "offset", meta) is not None and getattr(meta, "offset", meta) >= 0}


def end_offsets(bootstrap: str, topic: str, **client_kw: Any) -> dict[TopicPartition, int]:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, **client_kw)
    try:
        parts = consumer.partitions_for_topic(topic) or set()
        return consumer.end_offsets([TopicPartition(topic, p) for p in parts])
    finally:
        consumer.close(autocommit=False)
