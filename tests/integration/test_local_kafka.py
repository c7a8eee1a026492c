"""deploy/local/kafka against a real broker: the contract other tests and `make demo`
rely on (bootstrap as the last stdout line, clear failures, restarts keep data)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata

from tests.kafka_utils import (
    KAFKA_SCRIPT,
    LocalKafka,
    consume_all,
    create_topics,
    free_port,
    produce,
    run_kafka_script,
    unique_topic,
)

pytestmark = pytest.mark.kafka


def test_start_prints_only_the_bootstrap_address_on_stdout_and_progress_on_stderr(
        kafka_broker: LocalKafka) -> None:
    result = kafka_broker.last_start
    assert result is not None and result.returncode == 0
    assert result.stdout.splitlines() == [kafka_broker.bootstrap]
    assert "waiting for broker" in result.stderr


def test_broker_round_trips_keyed_records_across_partitions(kafka_bootstrap: str) -> None:
    topic = unique_topic("roundtrip")
    create_topics(kafka_bootstrap, [topic], partitions=3)
    values = [f"reply-{i}".encode() for i in range(30)]
    keys = [f"k{i % 7}".encode() for i in range(30)]
    produce(kafka_bootstrap, topic, values, keys=keys)

    records = consume_all(kafka_bootstrap, topic, expected_count=30, idle_timeout=0.3)

    assert sorted(r.value for r in records) == sorted(values)
    assert {r.key: r.partition for r in records}.keys() == set(keys)
    assert len({r.partition for r in records}) > 1
    for key in set(keys):  # one key, one partition: the per-key ordering the scorer needs
        assert len({r.partition for r in records if r.key == key}) == 1


def test_start_on_a_running_data_dir_reports_the_same_bootstrap_without_a_second_broker(
        kafka_broker: LocalKafka) -> None:
    result = run_kafka_script("start", "--data", str(kafka_broker.data_dir))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == kafka_broker.bootstrap
    assert "already running" in result.stderr


def test_start_on_an_occupied_port_fails_and_names_the_port_and_the_fix(tmp_path: Path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        result = run_kafka_script("start", "--port", str(port), "--data", str(tmp_path / "d"))
    assert result.returncode != 0
    assert f"port {port} is in use; pass --port N or stop the process using it" in result.stderr
    assert result.stdout == ""
    assert not (tmp_path / "d" / "kafka.pid").exists()


def test_stop_and_status_on_a_data_dir_without_a_broker(tmp_path: Path) -> None:
    stop = run_kafka_script("stop", "--data", str(tmp_path))
    assert stop.returncode == 0 and "not running" in stop.stderr
    status = run_kafka_script("status", "--data", str(tmp_path))
    assert status.returncode == 3 and "not running" in status.stdout


def test_restart_with_the_same_port_and_data_keeps_records_and_committed_offsets(
        own_kafka_broker: LocalKafka) -> None:
    bootstrap = own_kafka_broker.bootstrap
    topic = unique_topic("durable")
    create_topics(bootstrap, [topic])
    produce(bootstrap, topic, [b"before-restart-1", b"before-restart-2"])
    group = unique_topic("group")
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group,
                             enable_auto_commit=False)
    tp = TopicPartition(topic, 0)
    consumer.assign([tp])
    consumer.commit({tp: OffsetAndMetadata(1, "", -1)})
    consumer.close(autocommit=False)

    own_kafka_broker.stop()
    assert not own_kafka_broker.is_running()
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", own_kafka_broker.port)) != 0
    own_kafka_broker.start()

    records = consume_all(bootstrap, topic, expected_count=2, idle_timeout=0.3)
    assert [r.value for r in records] == [b"before-restart-1", b"before-restart-2"]
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group,
                             enable_auto_commit=False)
    try:
        assert consumer.committed(tp) == 1
    finally:
        consumer.close(autocommit=False)


def test_sasl_scram_broker_accepts_the_configured_user_and_rejects_a_wrong_password(
        tmp_path: Path) -> None:
    broker = LocalKafka(port=free_port(), data_dir=tmp_path / "sasl",
                        extra_args=["--sasl-scram", "scorer:local-secret"])
    broker.start()
    try:
        auth = dict(security_protocol="SASL_PLAINTEXT", sasl_mechanism="SCRAM-SHA-512",
                    sasl_plain_username="scorer")
        topic = unique_topic("sasl")
        create_topics(broker.bootstrap, [topic], sasl_plain_password="local-secret", **auth)
        produce(broker.bootstrap, topic, [b"x"], sasl_plain_password="local-secret", **auth)
        got = consume_all(broker.bootstrap, topic, expected_count=1, idle_timeout=0,
                          sasl_plain_password="local-secret", **auth)
        assert [r.value for r in got] == [b"x"]
        with pytest.raises(KafkaError):
            KafkaAdminClient(bootstrap_servers=broker.bootstrap, sasl_plain_password="wrong",
                             request_timeout_ms=3000, bootstrap_timeout_ms=3000,
                             **auth).describe_cluster()
        with pytest.raises(KafkaError):  # and no way in without credentials
            KafkaAdminClient(bootstrap_servers=broker.bootstrap, request_timeout_ms=3000,
                             bootstrap_timeout_ms=3000).describe_cluster()
    finally:
        broker.stop()



def test_start_without_java_says_which_java_is_needed_and_how_to_install_it(
        tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "dirname", "mkdir", "rm", "tr", "grep", "sed", "cut", "head", "stat",
                 "python3", "sha1sum", "cat"):
        found = shutil.which(tool)
        assert found, tool
        (bin_dir / tool).symlink_to(found)
    result = subprocess.run([str(KAFKA_SCRIPT), "start", "--port", str(free_port()),
                             "--data", str(tmp_path / "d")],
                            capture_output=True, text=True, timeout=60, check=False,
                            env={**os.environ, "PATH": str(bin_dir)})
    assert result.returncode != 0
    assert "java not found on PATH" in result.stderr
    assert "Java 17" in result.stderr and "openjdk-17-jre-headless" in result.stderr
    assert result.stdout == ""


@pytest.mark.slow
def test_tls_broker_serves_sasl_ssl_with_the_ca_it_reports(tmp_path: Path) -> None:
    broker = LocalKafka(port=free_port(), data_dir=tmp_path / "tls",
                        extra_args=["--sasl-scram", "scorer:tls-secret", "--tls"])
    broker.start()
    try:
        assert broker.last_start is not None
        ca = broker.data_dir / "tls" / "ca.crt"
        assert str(ca) in broker.last_start.stderr and ca.is_file()
        auth = dict(security_protocol="SASL_SSL", ssl_cafile=str(ca),
                    sasl_mechanism="SCRAM-SHA-512", sasl_plain_username="scorer",
                    sasl_plain_password="tls-secret")
        topic = unique_topic("tls")
        create_topics(broker.bootstrap, [topic], **auth)
        produce(broker.bootstrap, topic, [b"over-tls"], **auth)
        got = consume_all(broker.bootstrap, topic, expected_count=1, idle_timeout=0, **auth)
        assert [r.value for r in got] == [b"over-tls"]
        with pytest.raises(KafkaError):  # a client that does not trust the CA gets nowhere
            KafkaAdminClient(bootstrap_servers=broker.bootstrap, request_timeout_ms=3000,
                             bootstrap_timeout_ms=3000,
                             **{**auth, "ssl_cafile": None}).describe_cluster()
    finally:
        broker.stop()
