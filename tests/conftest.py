"""Shared fixtures: one real Kafka broker per test session (deploy/local/kafka).

Set SCORER_TEST_KAFKA_BOOTSTRAP=host:port to run the Kafka tests against a broker you
started yourself; then no broker is started and tests needing to restart one are skipped.
Helpers for topics, producing and consuming live in tests/kafka_utils.py.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.kafka_utils import LocalKafka, free_port

EXTERNAL_BOOTSTRAP = os.environ.get("SCORER_TEST_KAFKA_BOOTSTRAP", "").strip()


#: Fixtures shared by the QA store and API tests (store_url over SQLite and PostgreSQL,
#: store, postgres_url, fresh_postgres_url), registered once here.
pytest_plugins = ["tests.qa_fixtures"]

@pytest.fixture(scope="session")
def _session_kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalKafka | None]:
    """The session's broker, started on first use; None when an external one is given."""
    if EXTERNAL_BOOTSTRAP:
        yield None
        return
    broker = LocalKafka(port=free_port(), data_dir=Path(tmp_path_factory.mktemp("kafka")))
    try:
        broker.start()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def kafka_bootstrap(_session_kafka: LocalKafka | None) -> str:
    """Bootstrap address (127.0.0.1:N) of the broker shared by the whole session."""
    return EXTERNAL_BOOTSTRAP if _session_kafka is None else _session_kafka.bootstrap


@pytest.fixture
def kafka_broker(_session_kafka: LocalKafka | None) -> Iterator[LocalKafka]:
    """The shared broker with .stop()/.start() for restart tests. Whatever the test does,
    the broker is running again afterwards so later tests are not affected."""
    if _session_kafka is None:
        pytest.skip("SCORER_TEST_KAFKA_BOOTSTRAP points at an external broker; cannot restart it")
    yield _session_kafka
    if not _session_kafka.is_running():
        _session_kafka.start()


@pytest.fixture
def own_kafka_broker(tmp_path: Path) -> Iterator[LocalKafka]:
    """A dedicated broker (free port, fresh data dir) for destructive tests; already
    started, stopped at the end. Costs a JVM start (about 5-10 s)."""
    broker = LocalKafka(port=free_port(), data_dir=tmp_path / "kafka")
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()
