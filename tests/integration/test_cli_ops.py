"""Operator commands: `scorer check`, `scorer config show`, `scorer db upgrade|current`,
SCORER_STORE_MIGRATE=off, exit code 2 for what the operator must fix, and the absolute
default SQLite path."""

# Fixtures are imported from tests.qa_fixtures, so test parameters "redefine" them:
from __future__ import annotations

import json
import logging
import socket
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from click.testing import CliRunner

from scorer import checks
from scorer.cli import main
from scorer.settings import Settings, load_settings
from scorer.store import MIGRATIONS_DIR, FlaggedStore, make_engine
from scorer.store.schema import SchemaNotCurrent, head_revision
from tests.kafka_utils import LocalKafka, create_topics, free_port, unique_topic
from tests.qa_fixtures import qa_settings

SASL_SECRET = "sasl-pw-0f9e8d7c6b5a"
TOKEN_SECRET = "token-secret-1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d"
DB_PASSWORD = "db-pw-77aa88bb99cc"


def _migrate_to(url: str, revision: str) -> None:
    """An "old" database: the schema of an earlier release."""
    engine = make_engine(url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    try:
        with engine.connect() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
            conn.commit()
    finally:
        engine.dispose()


def _revision(url: str) -> str | None:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()


# --- scorer check -----------------------------------------------------------------------------


@pytest.mark.kafka
def test_check_is_all_ok_against_the_real_broker(kafka_bootstrap: str, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    topics = {k: unique_topic(k) for k in ("input", "scored", "flagged", "dlq")}
    create_topics(kafka_bootstrap, topics.values())
    monkeypatch.setenv("SCORER_KAFKA_BOOTSTRAP", kafka_bootstrap)
    for key, name in topics.items():
        monkeypatch.setenv(f"SCORER_TOPIC_{key.upper()}", name)
    monkeypatch.setenv("SCORER_CONVERSATIONS", "false")
    monkeypatch.setenv("SCORER_CREATE_TOPICS", "false")  # present, not merely creatable
    monkeypatch.setenv("SCORER_STORE_URL", f"sqlite:///{tmp_path}/flagged.db")
    monkeypatch.setenv("SCORER_STORE_MIGRATE", "off")
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    result = runner.invoke(main, ["check"])
    lines = result.output.splitlines()
    assert result.exit_code == 0, result.output
    assert [line.split()[:2] for line in lines] == [
        ["OK", "broker"], ["OK", "topics"], ["OK", "transactions"], ["OK", "store"],
        ["OK", "model"]]
    assert "all 4 present" in lines[1] and "initialised and aborted" in lines[2]
    assert f"head {head_revision()}" in lines[3] and "version" in lines[4]


@pytest.mark.kafka
def test_check_fails_on_missing_topics_when_creation_is_off(
        kafka_bootstrap: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = unique_topic("absent")
    monkeypatch.setenv("SCORER_KAFKA_BOOTSTRAP", kafka_bootstrap)
    monkeypatch.setenv("SCORER_TOPIC_INPUT", missing)
    monkeypatch.setenv("SCORER_CREATE_TOPICS", "false")
    monkeypatch.setenv("SCORER_STORE_URL", f"sqlite:///{tmp_path}/flagged.db")
    result = CliRunner().invoke(main, ["check"])
    topics = next(line for line in result.output.splitlines() if " topics " in line)
    assert result.exit_code == 2, result.output
    assert topics.startswith("FAIL") and missing in topics and "SCORER_CREATE_TOPICS" in topics


@pytest.mark.kafka
@pytest.mark.slow
def test_check_uses_sasl_as_configured_and_names_the_user_on_a_wrong_password(
        tmp_path: Path) -> None:
    broker = LocalKafka(port=free_port(), data_dir=tmp_path / "sasl",
                        extra_args=["--sasl-scram", f"scorer:{SASL_SECRET}"])
    broker.start()
    try:
        sasl = {"kafka_bootstrap": broker.bootstrap, "security_protocol": "SASL_PLAINTEXT",
                "sasl_mechanism": "SCRAM-SHA-512", "sasl_username": "scorer"}
        good = checks._kafka_checks(load_settings(sasl_password=SASL_SECRET, **sasl), 10.0)
        assert [r.ok for r in good] == [True, True, True], good
        wrong = checks._kafka_checks(load_settings(sasl_password="wrong-pw-123", **sasl), 5.0)
    finally:
        broker.stop()
    # kafka-python reports the rejection itself (then kafka_io names the user) or, when the
    # broker closes the connection first, only a bootstrap timeout: either way the line
    # points at the SASL settings, never at the password's value.
    assert not wrong[0].ok and "'scorer'" in wrong[0].detail, wrong[0]
    assert "SCORER_SASL_PASSWORD" in wrong[0].detail and "wrong-pw-123" not in wrong[0].detail


def test_check_against_a_dead_port_fails_with_exit_2_within_a_few_seconds(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCORER_KAFKA_BOOTSTRAP", f"127.0.0.1:{free_port()}")
    monkeypatch.setenv("SCORER_STORE_URL", f"sqlite:///{tmp_path}/flagged.db")
    started = time.monotonic()
    result = CliRunner().invoke(main, ["check", "--timeout", "3"])
    elapsed = time.monotonic() - started
    lines = result.output.splitlines()
    assert result.exit_code == 2, result.output
    assert lines[0].startswith("FAIL  broker") and "SCORER_KAFKA_BOOTSTRAP" in lines[0]
    assert lines[1].startswith("FAIL  topics") and lines[2].startswith("FAIL  transactions")
    assert lines[3].startswith("OK    store") and lines[4].startswith("OK    model")
    # The model load (scikit-learn imports) can take seconds on a busy machine; the Kafka
    # part is bounded on its own below.
    assert elapsed < 60, elapsed


def test_the_kafka_checks_give_up_on_a_silent_broker_within_their_deadline() -> None:
    """A broker that accepts connections but never answers (a hung host, a black-holing
    firewall) must not hang `scorer check`."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)  # connections complete in the backlog; nothing ever replies
        settings = load_settings(kafka_bootstrap=f"127.0.0.1:{silent.getsockname()[1]}")
        started = time.monotonic()
        results = checks._kafka_checks(settings, timeout=2.0)
        elapsed = time.monotonic() - started
    assert [r.ok for r in results] == [False, False, False]
    assert "SCORER_KAFKA_BOOTSTRAP" in results[0].detail
    assert elapsed < 2.0 + 1.5, elapsed


def test_check_fails_the_store_when_migration_is_off_and_pending(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path}/old.db"
    _migrate_to(url, "0003")
    off = checks._store(load_settings(store_url=url, store_migrate="off"))
    assert not off.ok and "migration pending" in off.detail and "scorer db upgrade" in off.detail
    auto = checks._store(load_settings(store_url=url, store_migrate="auto"))
    assert auto.ok and "scorer db upgrade" in auto.detail
    assert _revision(url) == "0003", "the check must not migrate"


def test_check_fails_the_model_with_its_path(tmp_path: Path) -> None:
    result = checks._model(load_settings(model_path=tmp_path / "none.npz"))
    assert not result.ok and "none.npz" in result.detail and "scorer train" in result.detail


# --- scorer config show ------------------------------------------------------------------------


def test_config_show_masks_secrets_and_names_each_source(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "scorer.toml"
    config.write_text('group_id = "from-file"\nSCORER_BATCH_SIZE = 50\n'
                      'kafka_bootstrap = "file:9092"\n')
    monkeypatch.setenv("SCORER_KAFKA_BOOTSTRAP", "env:9092")  # environment beats the file
    monkeypatch.setenv("SCORER_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    monkeypatch.setenv("SCORER_SASL_MECHANISM", "PLAIN")
    monkeypatch.setenv("SCORER_SASL_USERNAME", "scorer")
    monkeypatch.setenv("SCORER_SASL_PASSWORD", SASL_SECRET)
    monkeypatch.setenv("SCORER_API_TOKENS", f"ops:admin:{TOKEN_SECRET}")
    monkeypatch.setenv("SCORER_STORE_URL", f"postgresql://scorer:{DB_PASSWORD}@db:5432/qa")
    runner = CliRunner()
    text = runner.invoke(main, ["config", "show", "--config", str(config)])
    as_json = runner.invoke(main, ["config", "show", "--config", str(config), "--json"])
    assert text.exit_code == 0 and as_json.exit_code == 0, text.output + as_json.output
    for output in (text.output, as_json.output):
        for secret in (SASL_SECRET, TOKEN_SECRET, DB_PASSWORD):
            assert secret not in output
    rows = {r["name"]: r for r in json.loads(as_json.output)["settings"]}
    assert rows["sasl_password"] == {"name": "sasl_password", "env": "SCORER_SASL_PASSWORD",
                                     "value": "***", "source": "environment"}
    assert rows["api_tokens"]["value"] == ["ops:admin:***"]
    assert rows["store_url"]["value"] == "postgresql://scorer:***@db:5432/qa"
    assert (rows["kafka_bootstrap"]["value"], rows["kafka_bootstrap"]["source"]) \
        == ("env:9092", "environment")
    assert (rows["group_id"]["value"], rows["group_id"]["source"]) == ("from-file", "config file")
    assert (rows["batch_size"]["value"], rows["batch_size"]["source"]) == (50, "config file")
    assert (rows["flag_threshold"]["value"], rows["flag_threshold"]["source"]) == (70, "default")
    assert list(rows) == list(Settings.model_fields), "one row per setting, declaration order"
    line = next(x for x in text.output.splitlines() if x.startswith("SCORER_SASL_PASSWORD "))
    assert line.split() == ["SCORER_SASL_PASSWORD", "environment", "***"]
    again = runner.invoke(main, ["config", "show", "--config", str(config)])
    assert again.output == text.output, "stable order"


# --- SCORER_STORE_MIGRATE=off and scorer db upgrade ----------------------------------------


def test_store_migrate_off_refuses_an_empty_database_until_db_upgrade(
        store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCORER_STORE_URL", store_url)
    monkeypatch.setenv("SCORER_STORE_MIGRATE", "off")
    with pytest.raises(SchemaNotCurrent, match="scorer db upgrade"):
        FlaggedStore.from_settings(qa_settings(store_url, store_migrate="off"))
    runner = CliRunner()
    refused = runner.invoke(main, ["flagged"])
    assert refused.exit_code == 2 and "scorer db upgrade" in refused.output, refused.output
    current = runner.invoke(main, ["db", "current"])
    assert current.exit_code == 2 and "scorer db upgrade" in current.output
    upgraded = runner.invoke(main, ["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    assert f"-> {head_revision()}" in upgraded.output
    store = FlaggedStore.from_settings(qa_settings(store_url, store_migrate="off"))
    store.close()
    listed = runner.invoke(main, ["flagged"])
    assert listed.exit_code == 0 and "(0 shown)" in listed.output, listed.output
    assert runner.invoke(main, ["db", "current"]).exit_code == 0


def test_store_migrate_off_refuses_an_old_schema_and_db_upgrade_migrates_it(
        store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _migrate_to(store_url, "0003")
    with pytest.raises(SchemaNotCurrent,
                       match=r"schema at 0003, head is \w+; run `scorer db upgrade`"):
        FlaggedStore.from_settings(qa_settings(store_url, store_migrate="off"))
    assert _revision(store_url) == "0003", "off must not migrate"
    monkeypatch.setenv("SCORER_STORE_URL", store_url)
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0 and f"0003 -> {head_revision()}" in result.output
    FlaggedStore.from_settings(qa_settings(store_url, store_migrate="off")).close()
    assert _revision(store_url) == head_revision()


def test_store_migrate_off_does_not_create_a_missing_sqlite_file(tmp_path: Path) -> None:
    db = tmp_path / "flagged.db"
    with pytest.raises(SchemaNotCurrent, match=f"{db} does not exist.*scorer db upgrade"):
        FlaggedStore.from_settings(qa_settings(f"sqlite:///{db}", store_migrate="off"))
    assert not db.exists()


def test_store_migrate_auto_still_migrates_on_open(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/old.db"
    _migrate_to(url, "0003")
    FlaggedStore.from_settings(qa_settings(url)).close()
    assert _revision(url) == head_revision()


# --- exit codes ------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [["config", "show"], ["check"], ["flagged"], ["db", "upgrade"],
                                  ["feedback", "export"]])
def test_a_bad_setting_exits_2_naming_the_variable(
        args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCORER_BATCH_SIZE", "0")
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert "SCORER_BATCH_SIZE" in result.output


def test_an_unreachable_store_exits_2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCORER_STORE_URL", "postgresql://nobody:x@127.0.0.1:1/none")
    result = CliRunner().invoke(main, ["flagged"])
    assert result.exit_code == 2 and "SCORER_STORE_URL" in result.output, result.output


# --- the default SQLite path --------------------------------------------------------------


def test_the_default_sqlite_path_is_made_absolute_when_settings_load(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SCORER_STORE_URL", raising=False)
    assert load_settings().store_url == f"sqlite:///{tmp_path}/flagged.db"
    assert load_settings(store_url="sqlite:///data/q.db").store_url \
        == f"sqlite:///{tmp_path}/data/q.db"
    assert load_settings(store_url="sqlite:///:memory:").store_url == "sqlite:///:memory:"
    pg = "postgresql://u:p@h/db"
    assert load_settings(store_url=pg).store_url == pg


def test_opening_a_new_sqlite_store_warns_with_its_absolute_path(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = qa_settings("sqlite:///./elsewhere.db")
    with caplog.at_level(logging.INFO, logger="scorer.store.schema"):
        FlaggedStore.from_settings(settings).close()
        FlaggedStore.from_settings(settings).close()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    infos = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert len(warnings) == 1 and f"{tmp_path}/elsewhere.db did not exist" in warnings[0]
    assert infos == [f"flagged store: sqlite:///{tmp_path}/elsewhere.db"] * 2
