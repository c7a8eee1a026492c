"""Setting up Kafka clients: errors turned into messages that say what to fix, and the
clients' first metadata fetched before they are used (the consumer's before it joins its
group, the producer's before its first transaction).

Apart from `scorer.kafka_io` so that the clients' own module keeps to the clients, and so
that `scorer.checks` can set up its probes the same way.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterable, Iterator

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError, KafkaTimeoutError, SaslAuthenticationFailedError

from scorer.settings import Settings

log = logging.getLogger(__name__)


class KafkaSetupError(RuntimeError):
    """The broker cannot be used as configured; the message says what to fix."""


def explain(exc: Exception, settings: Settings) -> KafkaSetupError:
    if isinstance(exc, SaslAuthenticationFailedError) or "SASL" in type(exc).__name__:
        return KafkaSetupError(
            f"Kafka authentication failed for user {settings.sasl_username!r} "
            f"({settings.sasl_mechanism}) at {settings.kafka_bootstrap!r}: check "
            "SCORER_SASL_USERNAME / SCORER_SASL_PASSWORD and SCORER_SASL_MECHANISM"
        )
    if isinstance(exc, KafkaTimeoutError) and "bootstrap" in str(exc):
        return KafkaSetupError(
            f"no Kafka broker reachable at {settings.kafka_bootstrap!r}: check "
            "SCORER_KAFKA_BOOTSTRAP and SCORER_SECURITY_PROTOCOL, or start a local broker "
            "with `deploy/local/kafka start`"
        )
    return KafkaSetupError(f"Kafka setup failed ({type(exc).__name__}: {exc})")


class _AuthFailureSeen(logging.Handler):
    """Notices kafka-python reporting a rejected SASL handshake.

    kafka-python 3 retries a bootstrap whose authentication was rejected until
    bootstrap_timeout_ms and then raises a bare KafkaTimeoutError ("Unable to bootstrap"),
    which would send the operator off to check the broker address. The rejection itself
    is only logged, with the exception object among the log arguments, so we listen for
    it while a client is being set up and report that instead.
    """

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.error: SaslAuthenticationFailedError | None = None

    def emit(self, record: logging.LogRecord) -> None:
        args = record.args if isinstance(record.args, tuple) else ()
        for value in (*args, record.exc_info[1] if record.exc_info else None):
            if isinstance(value, SaslAuthenticationFailedError):
                self.error = value


@contextlib.contextmanager
def setting_up(settings: Settings) -> Iterator[None]:
    """Turn a Kafka error while creating clients into a KafkaSetupError that says what to fix."""
    seen = _AuthFailureSeen()
    kafka_log = logging.getLogger("kafka")
    kafka_log.addHandler(seen)
    try:
        yield
    except KafkaError as exc:
        raise explain(seen.error or exc, settings) from exc
    finally:
        kafka_log.removeHandler(seen)


#: How long a worker waits for its consumer's first metadata before joining its group.
METADATA_WAIT_MS = 5_000


def await_metadata(consumer: KafkaConsumer, topics: list[str],
                   timeout_ms: int = METADATA_WAIT_MS) -> None:
    """Fetch the partition metadata of `topics` into `consumer` before its first poll joins
    the group. A group leader that assigns before its first metadata response has arrived
    assigns nothing ("No partition metadata for topic …", seen once in CI: the worker sat
    idle past a minute), and kafka-python may notice only at its next metadata refresh.
    Asking for the end offsets of partition 0 of each topic is the public, bounded call
    that needs (and so fetches) that metadata; on a timeout (broker down) the worker joins
    anyway and the loop's own retries take over."""
    try:
        consumer.end_offsets([TopicPartition(t, 0) for t in topics], timeout_ms=timeout_ms)
    except KafkaError as exc:
        log.warning("no partition metadata for %s within %d ms (%s); joining anyway",
                    ", ".join(topics), timeout_ms, exc)


def prefetch_metadata(producer: KafkaProducer, topics: Iterable[str],
                      timeout_ms: int = METADATA_WAIT_MS) -> None:
    """Fetch `producer`'s partition metadata of all `topics` at once, before its first
    send. kafka-python fetches a topic's metadata on its first send to it, and a refresh
    waits 100 ms after the previous one (not configurable on the producer), so a worker's
    first batch, writing to up to six topics, took ~0.5 s more than the next. Asked from
    one thread per topic (`partitions_for` blocks, and the producer is thread-safe), the
    topics share one or two metadata requests: ~40 ms. Bounded: a topic that does not
    exist yet (SCORER_CREATE_TOPICS=false) is left to the first send, as before."""
    def fetch(topic: str) -> None:
        with contextlib.suppress(KafkaError):
            producer.partitions_for(topic)

    threads = {t: threading.Thread(target=fetch, args=(t,), daemon=True) for t in topics}
    for thread in threads.values():
        thread.start()
    deadline = time.monotonic() + timeout_ms / 1000
    for thread in threads.values():
        thread.join(max(0.0, deadline - time.monotonic()))
    late = [t for t, thread in threads.items() if thread.is_alive()]
    if late:
        log.warning("no partition metadata within %d ms for %s; the first batch fetches it",
                    timeout_ms, ", ".join(late))
