"""`scorer check`: can this configuration run? One OK/FAIL line per check, with the fix.

Checks, in order: the broker answers (bootstrap, SASL/TLS as configured), the topics the
settings name exist (or `scorer run` may create them), Kafka transactions are allowed (a
throwaway transactional id, initialised and aborted), the flagged store answers and its
schema is current, and the model file loads.

Every check has a deadline (`timeout` seconds, default 5; the model check at least 60 s,
as importing scikit-learn alone can take seconds): the clients are given it as their own
timeouts, and a check still running when it passes is reported as FAIL and
abandoned (in a daemon thread), so a dead broker or database cannot hang the command.
The Kafka checks run one after the other; the store and model checks run beside them.
Nothing is created or migrated: topic creation is only validated (`validate_only`).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scorer.settings import Settings

DEFAULT_TIMEOUT = 5.0
#: The model check reads a local file, but importing scikit-learn alone takes a few
#: seconds on a busy machine: it gets at least this long.
MODEL_TIMEOUT = 60.0


@dataclass(frozen=True)
class Result:
    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'OK' if self.ok else 'FAIL':<4}  {self.name:<12}  {self.detail}"


def _bounded(name: str, fn: Callable[[], Result], timeout: float, hint: str) -> Result:
    """Run `fn` with a deadline; an unexpected exception or a timeout becomes a FAIL naming
    `hint` (each check turns the errors it knows into a FAIL line of its own)."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["result"] = fn()
        except Exception as exc:  # reported as the check's FAIL line
            box["error"] = exc

    thread = threading.Thread(target=target, name=f"check-{name}", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        return Result(name, False, f"no answer within {timeout:g}s; {hint}")
    if "error" in box:
        exc = box["error"]
        return Result(name, False, f"{type(exc).__name__}: {exc}; {hint}")
    return box["result"]  # type: ignore[no-any-return]


# --- Kafka ----------------------------------------------------------------------------------


def _client_ms(timeout: float) -> int:
    """The clients' own timeout: a little under the check's deadline, so a client that
    gives up first reports why (its error says more than "no answer")."""
    return max(500, int(timeout * 800))


def _client_timeouts(timeout: float) -> dict[str, int]:
    ms = _client_ms(timeout)
    return {"bootstrap_timeout_ms": ms, "request_timeout_ms": ms,
            "reconnect_backoff_max_ms": 1000}


def wanted_topics(settings: Settings) -> list[str]:
    names = [settings.topic_input, settings.topic_scored, settings.topic_flagged,
             settings.topic_dlq]
    if settings.conversations:
        names += [settings.topic_conversations, settings.repartition_topic,
                  settings.changelog_topic]
    return list(dict.fromkeys(names))


def _kafka_checks(settings: Settings, timeout: float) -> list[Result]:
    from kafka import KafkaAdminClient

    from scorer.kafka_setup import KafkaSetupError, setting_up

    where = f"{settings.kafka_bootstrap} ({settings.security_protocol})"
    bootstrap_hint = (f"check SCORER_KAFKA_BOOTSTRAP={settings.kafka_bootstrap}, "
                      "SCORER_SECURITY_PROTOCOL and the SASL/TLS settings, and that the "
                      "broker is up")
    admin: list[Any] = []

    def broker() -> Result:
        try:
            with setting_up(settings):
                client = KafkaAdminClient(**settings.kafka_client_config(),
                                          **_client_timeouts(timeout))
                admin.append(client)
                cluster = client.describe_cluster()
        except KafkaSetupError as exc:
            if "no Kafka broker reachable" in str(exc) and _tcp_open(settings, timeout):
                return Result("broker", False, _handshake_failed(settings))
            return Result("broker", False, str(exc))
        brokers = len(cluster.get("brokers") or ())
        return Result("broker", True, f"{where}: {brokers} broker(s), cluster "
                                      f"{cluster.get('cluster_id')}")

    results = [_bounded("broker", broker, timeout, bootstrap_hint)]
    try:
        if not results[0].ok or not admin:
            skipped = "not checked: the broker is unreachable (fix the broker line first)"
            return [*results, Result("topics", False, skipped),
                    Result("transactions", False, skipped)]
        results.append(_bounded("topics", lambda: _topics(settings, admin[0]), timeout,
                                "check the principal may describe topics (ACL)"))
        results.append(_bounded("transactions", lambda: _transactions(settings, timeout),
                                timeout, "check the broker allows transactions "
                                "(transaction.state.log.*) and the TransactionalId ACL, "
                                "or set SCORER_DELIVERY=at_least_once"))
        return results
    finally:
        for client in admin:
            threading.Thread(target=client.close, daemon=True).start()


def _tcp_open(settings: Settings, timeout: float) -> bool:
    """Does the first bootstrap server accept TCP connections at all?"""
    host, _, port = settings.kafka_bootstrap.split(",")[0].strip().rpartition(":")
    try:
        with socket.create_connection((host.strip("[]"), int(port)),
                                      timeout=min(1.0, timeout * 0.15)):
            return True
    except (OSError, ValueError):
        return False


def _handshake_failed(settings: Settings) -> str:
    """The broker's port answers but no Kafka session came up: the security settings
    (kafka-python often reports a rejected SASL login only as a bootstrap timeout)."""
    fixes = [f"SCORER_SECURITY_PROTOCOL={settings.security_protocol} matches the listener"]
    if settings.security_protocol.startswith("SASL"):
        fixes.append(f"SCORER_SASL_USERNAME={settings.sasl_username!r} / SCORER_SASL_PASSWORD "
                     f"are right for SCORER_SASL_MECHANISM={settings.sasl_mechanism}")
    if settings.security_protocol.endswith("SSL"):
        fixes.append("SCORER_SSL_CAFILE trusts the broker's certificate")
    return (f"{settings.kafka_bootstrap!r} accepts connections but no Kafka session could be "
            f"set up: check that {', and that '.join(fixes)} (or that SCORER_KAFKA_BOOTSTRAP "
            "names a Kafka listener)")


def _topics(settings: Settings, admin: Any) -> Result:
    wanted = wanted_topics(settings)
    existing = set(admin.list_topics())
    missing = [t for t in wanted if t not in existing]
    if not missing:
        return Result("topics", True, f"all {len(wanted)} present: {', '.join(wanted)}")
    names = ", ".join(missing)
    if not settings.create_topics:
        return Result("topics", False, f"missing: {names}; create them (the two conversation "
                      "topics with as many partitions each) or set SCORER_CREATE_TOPICS=true")
    try:
        admin.create_topics({t: {"num_partitions": settings.topic_partitions,
                                 "replication_factor": -1} for t in missing},
                            validate_only=True)
    except Exception as exc:
        return Result("topics", False, f"missing: {names}, and creating them is refused "
                      f"({type(exc).__name__}); create them or grant the CreateTopics ACL")
    return Result("topics", True, f"missing: {names}; `scorer run` creates them "
                  "(SCORER_CREATE_TOPICS=true; creation validated)")


def _transactions(settings: Settings, timeout: float) -> Result:
    if settings.delivery != "exactly_once":
        return Result("transactions", True, "not used (SCORER_DELIVERY=at_least_once)")
    from kafka import KafkaProducer

    from scorer.kafka_io import transactional_id
    from scorer.kafka_setup import KafkaSetupError, setting_up

    # Under the workers' prefix, so a prefixed TransactionalId ACL applies to it too.
    tid = f"{transactional_id(settings, 0)}-check-{uuid.uuid4().hex[:8]}"
    producer = None
    try:
        with setting_up(settings):
            producer = KafkaProducer(**settings.kafka_client_config(),
                                     **_client_timeouts(timeout),
                                     max_block_ms=_client_ms(timeout),
                                     transactional_id=tid, enable_idempotence=True,
                                     transaction_timeout_ms=settings.transaction_timeout_ms)
            producer.init_transactions()
            producer.begin_transaction()
            producer.abort_transaction()
    except KafkaSetupError as exc:
        return Result("transactions", False, str(exc))
    finally:
        if producer is not None:
            producer.close(timeout=1)
    return Result("transactions", True, f"initialised and aborted transactional id {tid}")


# --- store and model ----------------------------------------------------------------------


def _store(settings: Settings) -> Result:
    if not settings.store_enabled:
        return Result("store", True, "disabled (SCORER_STORE_ENABLED=false)")
    from scorer.store import StoreUnavailable
    from scorer.store.engine import sqlite_file
    from scorer.store.schema import current, location

    where = location(settings.store_url)
    auto = settings.store_migrate == "auto"
    path = sqlite_file(settings.store_url)
    if path is not None and not os.path.exists(path):
        if auto:
            return Result("store", True, f"{path} does not exist yet; created on first open "
                          "(SCORER_STORE_MIGRATE=auto), or now with `scorer db upgrade`")
        return Result("store", False, f"{path} does not exist; run `scorer db upgrade` to "
                      "create it, or fix SCORER_STORE_URL")
    try:
        state = current(settings)
    except StoreUnavailable as exc:
        return Result("store", False, str(exc))
    if state.at_head:
        return Result("store", True, f"{where}: {state.describe()}")
    if auto and state.known:
        return Result("store", True, f"{where}: {state.describe()} (or let the first open "
                      "migrate it: SCORER_STORE_MIGRATE=auto)")
    return Result("store", False, f"{where}: {state.describe()}")


def _model(settings: Settings) -> Result:
    from scorer.model import ModelLoadError, ReplyModel

    try:
        model = ReplyModel.load(settings.model_path)
    except ModelLoadError as exc:
        return Result("model", False, str(exc))
    return Result("model", True, f"{settings.model_path}: version {model.version}")


def run_checks(settings: Settings, timeout: float = DEFAULT_TIMEOUT) -> list[Result]:
    """All checks, in the documented order; at most about 3 x `timeout` seconds (or the
    model's deadline, whichever is longer)."""
    # kafka-python logs every failed connection attempt; the FAIL line says it once. The
    # records still reach kafka_io's SASL-rejection listener on the "kafka" logger.
    kafka_log = logging.getLogger("kafka")
    propagate, kafka_log.propagate = kafka_log.propagate, False
    # Deadlines are for the network: import the clients first (seconds on a busy machine).
    import alembic.runtime.migration  # noqa: F401
    import kafka  # noqa: F401

    import scorer.kafka_io
    import scorer.store.schema  # noqa: F401
    try:
        side: dict[str, Result] = {}
        store_hint = "check SCORER_STORE_URL and that the database is up"
        model_hint = "check SCORER_MODEL_PATH"
        threads = [
            threading.Thread(target=lambda: side.__setitem__(
                "store", _bounded("store", lambda: _store(settings), timeout, store_hint)),
                daemon=True),
            threading.Thread(target=lambda: side.__setitem__(
                "model", _bounded("model", lambda: _model(settings), max(timeout, MODEL_TIMEOUT),
                                  model_hint)),
                daemon=True),
        ]
        for t in threads:
            t.start()
        results = _kafka_checks(settings, timeout)
        for t in threads:
            t.join()
        return [*results, side["store"], side["model"]]
    finally:
        kafka_log.propagate = propagate
