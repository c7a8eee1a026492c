"""Kafka clients for the service: consumer, transactional producer, topics, dead letters.

Delivery is exactly-once inside Kafka: each batch's outputs (scored, flagged and
dead-letter records) and its input offsets are committed in one Kafka transaction, so a
crash before the commit leaves nothing visible to `read_committed` readers and the batch
is replayed; a crash after it replays nothing. `SCORER_DELIVERY=at_least_once` trades
that for a plain flush-then-commit (for brokers or ACLs without transactions).

Each worker has one stable identity (`worker_identity`: SCORER_GROUP_INSTANCE_ID, else
SCORER_TRANSACTIONAL_ID, else GROUP_ID-HOSTNAME, plus "-<worker>"), used twice: as the
producer's transactional.id, so a restarted worker fences its dead predecessor's open
transaction, and as the consumer's group.instance.id (static membership, KIP-345), so it
takes back the same partitions at once instead of waiting for the session timeout to
expire the dead member. A static member sends no LeaveGroup when it stops: a restart with
the same identity is fast, but a worker that does not come back (scale-down, new pod
name) keeps its partitions unserved for SCORER_SESSION_TIMEOUT_MS. Two live processes
with one identity fence each other: the older one stops (exit 2 or 3), it never loops
(the group identity is claimed before the transactional one: `scorer.service.producer`).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import re
import socket
from typing import TYPE_CHECKING, Any

from kafka import ConsumerGroupMetadata, KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import (
    FencedInstanceIdError,
    KafkaError,
    KafkaTimeoutError,
    TopicAlreadyExistsError,
    UnknownTopicOrPartitionError,
)

from scorer.kafka_setup import KafkaSetupError, explain, prefetch_metadata, setting_up
from scorer.schema import InvalidRecord
from scorer.settings import Settings

if TYPE_CHECKING:
    from scorer.conversations.stage import Effects

log = logging.getLogger(__name__)


#: Cap of the exponential reconnect backoff (kafka-python defaults to 30 s, Java to 1 s).
#: With 30 s a worker noticed a restarted broker up to half a minute late; at 1 s it
#: resumes within about a second of the broker accepting connections again.
RECONNECT_BACKOFF_MAX_MS = 1000
#: How long a worker waits for just-created topics to have a leader per partition.
TOPIC_READY_MS = 15_000
#: The worker producer's retry backoff (kafka-python and Java default to 100 ms). A
#: transaction begun right after the previous commit is refused with
#: CONCURRENT_TRANSACTIONS until the coordinator has written the commit markers (a few
#: ms). Java retries that AddPartitionsToTxn after 20 ms (KAFKA-5477); kafka-python 3.0
#: computes the same 20 ms but its sender sleeps the configured backoff, so with the
#: default about one back-to-back transaction in three took 100 ms longer (BENCHMARKS.md).
PRODUCER_RETRY_BACKOFF_MS = 20


def worker_identity(settings: Settings, worker: int) -> str:
    """The stable identity of one worker: the same after a restart, different for every
    worker of the group (SCORER_GROUP_INSTANCE_ID is meant to be the pod name in Kubernetes)."""
    prefix = (settings.group_instance_id or settings.transactional_id
              or f"{settings.group_id}-{socket.gethostname()}")
    return f"{prefix}-{worker}"


def transactional_id(settings: Settings, worker: int) -> str:
    """A stable id per worker: a restarted worker fences its dead predecessor's transaction."""
    if settings.transactional_id:
        return f"{settings.transactional_id}-{worker}"
    return worker_identity(settings, worker)


#: What Kafka accepts as a group.instance.id (the same rule as for topic names).
_INSTANCE_ID = re.compile(r"[A-Za-z0-9._-]{1,249}")


def group_instance_id(settings: Settings, worker: int) -> str:
    """The consumer's group.instance.id: the worker's identity (see the module docstring)."""
    ident = worker_identity(settings, worker)
    if not _INSTANCE_ID.fullmatch(ident):  # never "." or "..": "-<worker>" ends it
        source = ("SCORER_GROUP_INSTANCE_ID" if settings.group_instance_id else
                  "SCORER_TRANSACTIONAL_ID" if settings.transactional_id else
                  "SCORER_GROUP_ID (or set SCORER_GROUP_INSTANCE_ID)")
        raise KafkaSetupError(
            f"the worker identity {ident!r} cannot be a Kafka group.instance.id: it may hold "
            f"only letters, digits, '.', '_' and '-', at most 249 characters; fix {source}")
    return ident


def fenced_message(group: str, instance_id: str | None) -> str:
    """What a worker says when another process took its group.instance.id."""
    return (f"another consumer joined group {group!r} with this worker's group.instance.id "
            f"{instance_id!r} and took its partitions: either a second process runs with the "
            "same identity (give every worker its own SCORER_GROUP_INSTANCE_ID, e.g. the pod "
            "name) or this one was already replaced; stopping")


class InstanceFencedError(KafkaSetupError):
    """Another consumer joined the group with this worker's group.instance.id."""


class _FencedSeen(logging.Handler):
    """Notices kafka-python reporting that this consumer's group.instance.id was fenced.

    When another process joins with the same group.instance.id, the broker hands it the
    partitions and answers the older member's heartbeats with FENCED_INSTANCE_ID.
    kafka-python then only logs it and stops heartbeating: the older consumer keeps its
    stale assignment and goes on fetching, and its commits fail over and over. So, as
    `_AuthFailureSeen` does for SASL, we listen for that log line (it names the instance
    id) and let the next poll raise.
    """

    def __init__(self, instance_id: str) -> None:
        super().__init__(logging.ERROR)
        self.instance_id = instance_id
        self.fenced = False

    def emit(self, record: logging.LogRecord) -> None:
        args = record.args if isinstance(record.args, tuple) else ()
        if "fenced" in str(record.msg) and self.instance_id in map(str, args):
            self.fenced = True


class StaticMemberConsumer(KafkaConsumer):
    """A KafkaConsumer with a group.instance.id that stops cleanly when it is fenced.

    A FencedInstanceIdError, from poll() or commit() or noticed by the heartbeat thread,
    becomes `InstanceFencedError` (a `KafkaSetupError`: the worker logs it and exits 2)
    instead of a retried Kafka error: the other process owns the partitions now, and
    retrying would only fetch and score records that are no longer this worker's.
    """

    def __init__(self, **config: Any) -> None:
        super().__init__(**config)
        self._instance_id: str = config["group_instance_id"]
        self._group: str = config["group_id"]
        self._fenced_seen = _FencedSeen(self._instance_id)
        logging.getLogger("kafka.coordinator").addHandler(self._fenced_seen)

    def fenced_error(self) -> InstanceFencedError:
        return InstanceFencedError(fenced_message(self._group, self._instance_id))

    def poll(self, *args: Any, **kwargs: Any) -> Any:
        if self._fenced_seen.fenced:
            raise self.fenced_error()
        try:
            return super().poll(*args, **kwargs)
        except FencedInstanceIdError as exc:
            raise self.fenced_error() from exc

    def commit(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().commit(*args, **kwargs)
        except FencedInstanceIdError as exc:
            raise self.fenced_error() from exc

    def close(self, *args: Any, **kwargs: Any) -> None:
        logging.getLogger("kafka.coordinator").removeHandler(self._fenced_seen)
        super().close(*args, **kwargs)


def _current_worker() -> int:
    """The worker index of this process: `scorer run --workers N` names worker i's process
    `scorer-worker-i` (scorer.service.run_service); a single in-process worker is 0."""
    m = re.fullmatch(r"scorer-worker-(\d+)", multiprocessing.current_process().name)
    return int(m.group(1)) if m else 0


def make_consumer(settings: Settings, worker: int | None = None) -> KafkaConsumer:
    """A consumer for the input topic, not yet subscribed: the service subscribes it with
    the rebalance listener that drops its in-flight batches. A static group member: its
    group.instance.id is the identity of `worker` (default: this process's worker)."""
    cfg = settings.kafka_client_config()
    instance_id = group_instance_id(settings, _current_worker() if worker is None else worker)
    with setting_up(settings):
        consumer = StaticMemberConsumer(
            **cfg,
            group_id=settings.group_id,
            group_instance_id=instance_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
            max_poll_records=settings.batch_size,
            session_timeout_ms=settings.session_timeout_ms,
            heartbeat_interval_ms=max(1000, settings.session_timeout_ms // 10),
            max_partition_fetch_bytes=max(1_048_576, settings.max_record_bytes),
            fetch_max_bytes=max(52_428_800, settings.max_record_bytes),
            reconnect_backoff_max_ms=RECONNECT_BACKOFF_MAX_MS,
        )
    return consumer


def make_admin(settings: Settings) -> KafkaAdminClient:
    """An admin client (topics, group descriptions); setup errors say what to fix."""
    with setting_up(settings):
        return KafkaAdminClient(**settings.kafka_client_config(),
                                reconnect_backoff_max_ms=RECONNECT_BACKOFF_MAX_MS)


def identity_taken(settings: Settings, membership: ConsumerGroupMetadata) -> bool:
    """Whether the group coordinator names another member as holder of `membership`'s
    group.instance.id: a second process with this worker's identity has joined. False
    when it cannot tell (coordinator unreachable, never joined, between generations).

    Asked before a worker re-claims its transactional id with a new producer: that would
    fence the live process that took the identity over, and keep the replaced one."""
    if not membership.member_id or not membership.group_instance_id:
        return False
    try:
        admin = make_admin(settings)
        try:
            group = admin.describe_groups([settings.group_id]).get(settings.group_id) or {}
        finally:
            admin.close()
    except (KafkaError, KafkaSetupError) as exc:
        log.warning("could not ask the group coordinator who holds group.instance.id %r (%s)",
                    membership.group_instance_id, exc)
        return False
    return any(m.get("group_instance_id") == membership.group_instance_id
               and m.get("member_id") != membership.member_id
               for m in group.get("members", ()))


def make_producer(settings: Settings, worker: int = 0) -> KafkaProducer:
    cfg = settings.kafka_client_config()
    extra: dict[str, Any] = {}
    if settings.delivery == "exactly_once":
        extra = {
            "transactional_id": transactional_id(settings, worker),
            "transaction_timeout_ms": settings.transaction_timeout_ms,
            "enable_idempotence": True,
        }
    with setting_up(settings):
        producer = KafkaProducer(
            **cfg,
            acks="all",
            linger_ms=5,
            batch_size=256 * 1024,
            max_request_size=max(1_048_576, settings.max_record_bytes + 65_536),
            compression_type=None if settings.compression == "none" else settings.compression,
            reconnect_backoff_max_ms=RECONNECT_BACKOFF_MAX_MS,
            retry_backoff_ms=PRODUCER_RETRY_BACKOFF_MS,
            **extra,
        )
        if settings.delivery == "exactly_once":
            producer.init_transactions()
    prefetch_metadata(producer, [t for t in _wanted(settings) if t != settings.topic_input])
    return producer


def ensure_topics(settings: Settings) -> None:
    """Create the topics if missing (idempotent; skipped when SCORER_CREATE_TOPICS=false),
    and check that the conversation stage's two internal topics are partitioned alike."""
    admin = make_admin(settings)
    try:
        if settings.create_topics:
            _create_missing(admin, settings)
        if settings.conversations:
            _check_copartitioned(admin, settings)
    except KafkaError as exc:
        raise explain(exc, settings) from exc
    finally:
        admin.close()


def _wanted(settings: Settings) -> dict[str, dict[str, str]]:
    from scorer.conversations.changelog import CHANGELOG_CONFIGS

    wanted: dict[str, dict[str, str]] = {
        name: {} for name in (settings.topic_input, settings.topic_scored,
                              settings.topic_flagged, settings.topic_dlq)}
    if settings.conversations:
        wanted.setdefault(settings.topic_conversations, {})
        wanted.setdefault(settings.repartition_topic, {})
        wanted.setdefault(settings.changelog_topic, CHANGELOG_CONFIGS)
    return wanted


def _create_missing(admin: KafkaAdminClient, settings: Settings) -> None:
    """Create what is missing, then wait (bounded) until every partition has a leader: a
    group leader that joins before the broker serves a just-created topic's metadata
    assigns it no partitions, and kafka-python notices only at its next metadata refresh,
    minutes later."""
    existing = set(admin.list_topics())
    missing = [
        NewTopic(name, num_partitions=settings.topic_partitions, replication_factor=-1,
                 topic_configs=configs)
        for name, configs in _wanted(settings).items() if name not in existing
    ]
    if not missing:
        return
    try:
        admin.create_topics(missing)
        log.info("created topics %s", ", ".join(t.name for t in missing))
    except TopicAlreadyExistsError:
        pass  # another worker won the race
    try:
        admin.wait_for_topics([t.name for t in missing], timeout_ms=TOPIC_READY_MS)
    except KafkaTimeoutError as exc:
        log.warning("%s; joining anyway, they are picked up at the next metadata refresh",
                    exc)


def _check_copartitioned(admin: KafkaAdminClient, settings: Settings) -> None:
    """Changelog partition p holds the state of repartition partition p: the counts must
    match, or restored state would belong to the wrong conversations."""
    names = [settings.repartition_topic, settings.changelog_topic]
    # Topics created a moment ago may not be described yet; what stays missing is named below.
    with contextlib.suppress(KafkaTimeoutError):
        admin.wait_for_topics(names, timeout_ms=TOPIC_READY_MS)
    try:
        found = admin.describe_topics(names)
    except UnknownTopicOrPartitionError:
        found = []
    counts = {t["name"]: len(t["partitions"] or ()) for t in found}
    missing = [n for n in names if not counts.get(n)]
    if missing:
        raise KafkaSetupError(
            f"conversation topics {', '.join(missing)} do not exist; create them (as many "
            "partitions each) or set SCORER_CREATE_TOPICS=true")
    if counts[names[0]] != counts[names[1]]:
        raise KafkaSetupError(
            f"{names[0]} has {counts[names[0]]} partitions but {names[1]} has "
            f"{counts[names[1]]}; they must match (recreate the changelog with "
            f"{counts[names[0]]} partitions)")


def make_restore_consumer(settings: Settings) -> KafkaConsumer:
    """A group-less read_committed consumer for reading changelog partitions back."""
    with setting_up(settings):
        return KafkaConsumer(
            **settings.kafka_client_config(),
            group_id=None,
            enable_auto_commit=False,
            isolation_level="read_committed",
            fetch_max_wait_ms=20,  # an empty changelog partition answers at once
            max_partition_fetch_bytes=max(1_048_576, settings.max_record_bytes),
            reconnect_backoff_max_ms=RECONNECT_BACKOFF_MAX_MS,
        )


def forward(producer: KafkaProducer, topic: str, records: list[tuple[bytes, ConsumerRecord]]
            ) -> list[Any]:
    """Send input records to the repartition topic keyed by conversation id, unchanged:
    same value, headers and timestamp (the timestamp stands in for a missing sent_at)."""
    return [producer.send(topic, key=key, value=rec.value, timestamp_ms=rec.timestamp,
                          headers=list(rec.headers or ()))
            for key, rec in records]


def publish_effects(producer: KafkaProducer, settings: Settings, fx: Effects) -> list[Any]:
    """Send a batch's conversation-stage outputs: replies in context, conversation
    verdicts, and the changelog records of the conversations it changed."""
    send = producer.send
    futures = []
    for key, value, flagged in fx.replies:
        futures.append(send(settings.topic_scored, key=key, value=value))
        if flagged:
            futures.append(send(settings.topic_flagged, key=key, value=value))
    for key, value in fx.conversations:
        futures.append(send(settings.topic_conversations, key=key, value=value))
    for partition, key, value in fx.changelog:
        futures.append(send(settings.changelog_topic, key=key, value=value,
                            partition=partition))
    return futures


def dead_letter_headers(record: ConsumerRecord, error: InvalidRecord) -> list[tuple[str, bytes]]:
    """Headers carrying why and where from; the value stays the original bytes untouched."""
    return [
        ("error.reason", error.reason.encode()),
        ("error.message", error.message.encode("utf-8", "replace")),
        ("source.topic", record.topic.encode()),
        ("source.partition", str(record.partition).encode()),
        ("source.offset", str(record.offset).encode()),
        ("source.timestamp", str(record.timestamp).encode()),
    ]


def broker_reachable(consumer: KafkaConsumer) -> bool:
    """True when the consumer holds a live connection to at least one broker.

    kafka-python has no public health call; `_client` is its network client (the 2.x
    and 3.x lines name the broker id `nodeId` and `node_id`). Used only for /readyz.
    """
    client = getattr(consumer, "_client", None)
    if client is None:
        return True
    try:
        ids = [getattr(b, "node_id", getattr(b, "nodeId", None)) for b in client.cluster.brokers()]
        return any(client.connected(i) for i in ids if i is not None)
    except Exception:  # readiness must never crash the loop
        return False
