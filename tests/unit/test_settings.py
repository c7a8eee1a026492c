"""Settings come from SCORER_* variables and a TOML file; bad values stop startup clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from scorer.settings import Settings, SettingsError, load_settings


def test_defaults_match_the_design_contract(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("SCORER_KAFKA_BOOTSTRAP", "SCORER_TOPIC_INPUT", "SCORER_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    s = load_settings()
    assert s.kafka_bootstrap == "127.0.0.1:9092" and s.group_id == "reply-scorer"
    assert (s.topic_input, s.topic_scored, s.topic_flagged, s.topic_dlq) == (
        "replies", "replies.scored", "replies.flagged", "replies.dlq")
    assert s.metrics_port == 9464 and s.flag_threshold == 70
    # The contract's default, made absolute against the working directory at load.
    assert Settings.model_fields["store_url"].default == "sqlite:///./flagged.db"
    assert s.store_url == f"sqlite:///{Path.cwd() / 'flagged.db'}"


def test_environment_overrides_config_file_which_overrides_defaults(
        tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "scorer.toml"
    cfg.write_text('SCORER_GROUP_ID = "from-file"\nflag_threshold = 60\n'
                   'api_tokens = "t1, t2"\n')
    monkeypatch.setenv("SCORER_FLAG_THRESHOLD", "75")
    s = load_settings(cfg)
    assert s.group_id == "from-file" and s.flag_threshold == 75
    assert s.token_values() == ["t1", "t2"]


def test_bad_value_names_the_variable_and_the_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCORER_METRICS_PORT", "ninety")
    with pytest.raises(SettingsError, match="SCORER_METRICS_PORT = 'ninety'"):
        load_settings()


def test_sasl_without_credentials_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCORER_SECURITY_PROTOCOL", "sasl_ssl")
    with pytest.raises(SettingsError, match="SCORER_SASL_USERNAME"):
        load_settings()


def test_passwords_are_never_echoed_in_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCORER_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    monkeypatch.setenv("SCORER_SASL_MECHANISM", "SCRAM-SHA-999")
    monkeypatch.setenv("SCORER_SASL_USERNAME", "scorer")
    monkeypatch.setenv("SCORER_SASL_PASSWORD", "hunter2-secret")
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert "hunter2-secret" not in str(info.value)


def test_sasl_settings_reach_the_kafka_client_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCORER_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    monkeypatch.setenv("SCORER_SASL_MECHANISM", "SCRAM-SHA-512")
    monkeypatch.setenv("SCORER_SASL_USERNAME", "scorer")
    monkeypatch.setenv("SCORER_SASL_PASSWORD", "pw")
    monkeypatch.setenv("SCORER_KAFKA_BOOTSTRAP", "a:9092, b:9092")
    cfg = load_settings().kafka_client_config()
    assert cfg["bootstrap_servers"] == ["a:9092", "b:9092"]
    assert (cfg["sasl_mechanism"], cfg["sasl_plain_username"], cfg["sasl_plain_password"]) == (
        "SCRAM-SHA-512", "scorer", "pw")


def test_unknown_config_file_key_is_an_error(tmp_path) -> None:
    cfg = tmp_path / "scorer.toml"
    cfg.write_text("kafka_bootstrapp = 'x'\n")
    with pytest.raises(SettingsError, match="unknown key 'kafka_bootstrapp'"):
        load_settings(cfg)


def test_length_range_must_be_min_below_max(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCORER_LENGTH_CHAT", "90-8")
    with pytest.raises(SettingsError, match="SCORER_LENGTH_CHAT"):
        load_settings()


def test_qa_api_security_settings_have_safe_defaults_and_split_lists(
        monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("SCORER_RETENTION_DAYS", "SCORER_API_ALLOWED_HOSTS", "SCORER_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    s = load_settings()
    assert s.retention_days == 90 and s.audit_retention_days == 365
    assert (s.api_rate, s.api_burst) == (10.0, 60)
    assert s.api_allowed_hosts == [] and s.api_trusted_proxies == []
    assert s.api_proxy_user_header is None and s.api_proxy_default_role == "reader"
    monkeypatch.setenv("SCORER_API_ALLOWED_HOSTS", "qa.example.com, .internal.example")
    monkeypatch.setenv("SCORER_API_TRUSTED_PROXIES", "10.0.0.0/24,127.0.0.1")
    monkeypatch.setenv("SCORER_API_TOKENS", "kari:reviewer:" + "k" * 32)
    s = load_settings()
    assert s.api_allowed_hosts == ["qa.example.com", ".internal.example"]
    assert s.api_trusted_proxies == ["10.0.0.0/24", "127.0.0.1"]
    assert s.token_values() == ["kari:reviewer:" + "k" * 32]
    monkeypatch.setenv("SCORER_RETENTION_DAYS", "0")
    with pytest.raises(SettingsError, match="SCORER_RETENTION_DAYS"):
        load_settings()
