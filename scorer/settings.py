"""Settings: `SCORER_*` environment variables, optionally a TOML config file.

Precedence (highest first): explicit keyword arguments, environment variables, the
config file named by `SCORER_CONFIG` (or `--config`), defaults. Config-file keys are the
setting names, with or without the `SCORER_` prefix, in any case
(`kafka_bootstrap = "..."` and `SCORER_KAFKA_BOOTSTRAP = "..."` both work).

A bad value stops startup with `SettingsError`, whose message names the environment
variable, the bad value and what to set instead.
"""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

from scorer.settings_sources import (
    ENV_PREFIX,
    SettingsError,
    TomlSource,
    absolute_sqlite_url,
    parse_seconds,
)

__all__ = ["DEFAULT_MODEL_PATH", "ENV_PREFIX", "Settings", "SettingsError", "load_settings",
           "parse_seconds"]

#: The model shipped inside the package (package data scorer/data/, so an installed wheel
#: scores); `scorer train` writes it in a checkout; SCORER_MODEL_PATH overrides it.
DEFAULT_MODEL_PATH = Path(str(resources.files("scorer") / "data" / "reply-model.npz"))


_config_path: Path | None = None


class Settings(BaseSettings):
    """Every knob of the service. Names are DESIGN.md's `SCORER_*` variables."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, case_sensitive=False, extra="ignore", validate_default=True
    )

    # --- Kafka -----------------------------------------------------------------------
    kafka_bootstrap: str = "127.0.0.1:9092"
    group_id: str = "reply-scorer"
    topic_input: str = "replies"
    topic_scored: str = "replies.scored"
    topic_flagged: str = "replies.flagged"
    topic_dlq: str = "replies.dlq"
    topic_conversations: str = "conversations.scored"
    #: Internal topics of the conversation stage (default: GROUP_ID-conversations-…), like
    #: Kafka Streams' `<application.id>-<store>-repartition/-changelog`.
    topic_repartition: str | None = None
    topic_changelog: str | None = None
    batch_size: int = Field(default=1000, ge=1, le=100_000)
    batch_max_wait_ms: int = Field(default=200, ge=1, le=60_000)
    #: Processes that score batches while the worker's loop publishes the previous one
    #: (0: score in the loop process). Each adds ~100 MB; 2 keeps two cores busy.
    scoring_processes: int = Field(default=2, ge=0, le=64)
    session_timeout_ms: int = Field(default=30_000, ge=6_000, le=300_000)
    create_topics: bool = True
    topic_partitions: int = Field(default=4, ge=1, le=1024)
    client_id: str = "reply-scorer"
    #: exactly_once: outputs + input offsets in one Kafka transaction per batch.
    delivery: Literal["exactly_once", "at_least_once"] = "exactly_once"
    #: Prefix of the producer's transactional.id (default: GROUP_INSTANCE_ID, else
    #: GROUP_ID-HOSTNAME); "-<worker>" is added.
    transactional_id: str | None = None
    #: This worker's stable identity, e.g. the pod name ("-<worker>" is added): its
    #: consumer's group.instance.id (static membership: a restart takes its partitions back
    #: at once) and, unless TRANSACTIONAL_ID is set, the transactional.id prefix.
    #: Default: TRANSACTIONAL_ID, else GROUP_ID-HOSTNAME. Never the same in two live workers.
    group_instance_id: str | None = None
    transaction_timeout_ms: int = Field(default=60_000, ge=1_000, le=900_000)
    compression: Literal["none", "gzip"] = "none"

    # Kafka security
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    ssl_cafile: Path | None = None
    ssl_certfile: Path | None = None
    ssl_keyfile: Path | None = None
    ssl_password: SecretStr | None = None
    ssl_check_hostname: bool = True

    # --- Input limits ------------------------------------------------------------------
    max_record_bytes: int = Field(default=1_048_576, ge=1024)
    max_text_chars: int = Field(default=200_000, ge=100)

    # --- Metrics / health --------------------------------------------------------------
    metrics_host: str = "0.0.0.0"  # noqa: S104 - scraped by Prometheus from other hosts
    metrics_port: int = Field(default=9464, ge=0, le=65535)

    # --- Scoring -----------------------------------------------------------------------
    flag_threshold: int = Field(default=70, ge=0, le=101)
    model_path: Path = DEFAULT_MODEL_PATH
    #: Seconds between looks at the model file for a replaced model (hot reload, also on
    #: SIGHUP; scorer.rollout); 0 turns the polling off.
    model_reload_s: float = Field(default=10.0, ge=0, le=86400)
    #: A candidate model scored beside the live one, compared per dimension, never output.
    shadow_model_path: Path | None = None
    weight_greeting: float = Field(default=0.25, ge=0)
    weight_explanation: float = Field(default=0.35, ge=0)
    weight_closing: float = Field(default=0.25, ge=0)
    weight_length: float = Field(default=0.15, ge=0)
    #: Word-count target ranges per channel, "min-max" (see models/MODEL_CARD.md for why).
    length_email: str = "40-250"
    length_chat: str = "8-90"
    length_messenger: str = "8-90"

    # --- Conversations (DESIGN § Conversations) ------------------------------------------
    #: Keep per-conversation state and score inquiries (false: every reply on its own).
    conversations: bool = True
    #: A conversation closes when no message arrived for it for this long (`30s`, `30m`,
    #: `24h`, `7d` or seconds); stored as seconds.
    conversation_idle_email: Annotated[float, NoDecode] = 7 * 86400.0
    conversation_idle_chat: Annotated[float, NoDecode] = 1800.0
    conversation_idle_messenger: Annotated[float, NoDecode] = 86400.0
    #: A `closed` event closes its conversation after this grace, so messages sent before
    #: it but read after it (producers keying by reply id, backlogs) still count.
    conversation_close_grace: Annotated[float, NoDecode] = 10.0
    #: First-response targets: a longer first response adds the reason `late_response`.
    sla_email: Annotated[float, NoDecode] = 86400.0
    sla_chat: Annotated[float, NoDecode] = 300.0
    sla_messenger: Annotated[float, NoDecode] = 1800.0
    #: Word-count ranges for all agent text of a conversation (MODEL_CARD says why).
    conversation_length_email: str = "40-800"
    conversation_length_chat: str = "15-300"
    conversation_length_messenger: str = "12-250"
    #: A conversation keeps at most this many messages of its thread for the QA store
    #: (the rest are counted, not kept) and this many characters of each: bounds memory.
    thread_max_messages: int = Field(default=40, ge=2, le=1000)
    #: Open conversations one worker holds at most; past it the least recently touched
    #: close at once (`closed_by: "capacity"`). ~3 KB each for a short chat.
    max_open_conversations: int = Field(default=200_000, ge=100)
    thread_max_chars: int = Field(default=2000, ge=100, le=100_000)

    # --- Flagged store and QA API ---------------------------------------------------------
    #: A relative SQLite path (the default `./flagged.db`) is made absolute against the
    #: working directory when settings load, so `scorer config show`, `scorer check` and the
    #: "flagged store:" log line name the real file.
    store_url: str = "sqlite:///./flagged.db"
    store_enabled: bool = True
    #: `auto`: migrate the schema when a store is opened; `off`: refuse to open a store whose
    #: schema is not current (run `scorer db upgrade`), so the runtime role needs no DDL.
    store_migrate: Literal["auto", "off"] = "auto"
    redact: bool = True
    #: Share of all scored replies stored for review whatever their score, marked
    #: `sampled` (scorer.sample: deterministic by id, the same rate in every channel x
    #: language stratum); `2%` also works; 0 turns the sample off.
    sample_rate: float = 0.02
    #: Redact the evidence text on replies.scored / replies.flagged and `scorer score`
    #: (false: raw text downstream, for deployments whose consumers need it).
    redact_outputs: bool = True
    #: Strings never redacted wherever they appear: the deployment's own service phone
    #: numbers, generic e-mail and postal addresses (scorer/redact/keep.py: phone numbers
    #: match by digits, e-mail and the rest case-insensitively). Comma-separated, or a JSON
    #: list when an entry holds a comma; an entry under 4 characters is refused.
    redact_keep: Annotated[list[str], NoDecode] = Field(default_factory=list)
    #: Days flagged replies (with their reviews) and conversations are kept; older ones are
    #: purged hourly. On by default: flagged personal data must not be kept forever.
    retention_days: int = Field(default=90, ge=1, le=36_500)
    #: Days the audit log (who listed, opened, exported, reviewed or purged what) is kept.
    audit_retention_days: int = Field(default=365, ge=1, le=36_500)
    #: QA API tokens, comma-separated `name:role:secret` (role reader, reviewer or admin;
    #: a bare secret is a reviewer named token-N); secrets of at least 32 characters.
    api_tokens: Annotated[list[SecretStr], NoDecode] = Field(default_factory=list)
    #: Requests per second (on average) and burst allowed per token or SSO user; more: 429.
    api_rate: float = Field(default=10.0, gt=0, le=100_000)
    api_burst: int = Field(default=60, ge=1, le=1_000_000)
    #: Host header values `scorer serve` answers, comma-separated (`.example.com` also
    #: matches subdomains; empty or `*`: any). `--dev` answers loopback names only.
    api_allowed_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    #: Single sign-on behind an authenticating proxy (oauth2-proxy): the header with the
    #: user, optionally one with the role (or groups; the highest role named wins) and the
    #: role otherwise; believed only from API_TRUSTED_PROXIES (IP addresses or networks).
    api_proxy_user_header: str | None = None
    api_proxy_role_header: str | None = None
    api_proxy_default_role: Literal["reader", "reviewer", "admin"] = "reader"
    api_trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)

    # --- Logging -------------------------------------------------------------------------
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    #: `json`: one JSON object per line (time, level, logger, worker, message) for log
    #: pipelines; `text`: one plain line for people.
    log_format: Literal["text", "json"] = "text"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        path = _config_path or (
            Path(os.environ["SCORER_CONFIG"]) if os.environ.get("SCORER_CONFIG") else None
        )
        return (init_settings, env_settings, TomlSource(settings_cls, path))

    @field_validator("api_tokens", "api_allowed_hosts", "api_trusted_proxies", mode="before")
    @classmethod
    def _split_tokens(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [t.strip() for t in value.split(",") if t.strip()]
        return value

    @field_validator("redact_keep", mode="before")
    @classmethod
    def _split_keep(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().startswith("["):
            try:
                return json.loads(value)
            except json.JSONDecodeError as exc:
                raise ValueError(f"is not a JSON list ({exc}); write e.g. "
                                 '["22 86 40 00", "Postboks 1, 0101 Oslo"]') from None
        return cls._split_tokens(value)

    @field_validator("redact_keep")
    @classmethod
    def _keep_entries(cls, value: list[str]) -> list[str]:
        if not value:  # no import of the redactor (and its name model) for nothing
            return value
        from scorer.redact.keep import check_entries

        return check_entries(value)

    @field_validator("store_url")
    @classmethod
    def _absolute_sqlite(cls, value: str) -> str:
        return absolute_sqlite_url(value)

    @field_validator("log_level", "security_protocol", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("store_migrate", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("conversation_idle_email", "conversation_idle_chat",
                     "conversation_idle_messenger", "sla_email", "sla_chat", "sla_messenger",
                     "conversation_close_grace", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> Any:
        return parse_seconds(value) if isinstance(value, str) else value

    @field_validator("conversation_idle_email", "conversation_idle_chat",
                     "conversation_idle_messenger", "sla_email", "sla_chat", "sla_messenger")
    @classmethod
    def _positive(cls, value: float) -> float:
        if not value > 0:
            raise ValueError(f"must be a positive duration such as 30s, 30m, 24h or 7d, "
                             f"got {value!r}")
        return float(value)

    @field_validator("sample_rate", mode="before")
    @classmethod
    def _percent(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().endswith("%"):
            try:
                return float(value.strip()[:-1]) / 100
            except ValueError:
                raise ValueError(f"{value!r} is not a share; write e.g. 0.02 or 2%") from None
        return value

    @field_validator("sample_rate")
    @classmethod
    def _share(cls, value: float) -> float:
        from scorer.sample import check_rate

        return check_rate(value)

    @field_validator("length_email", "length_chat", "length_messenger",
                     "conversation_length_email", "conversation_length_chat",
                     "conversation_length_messenger")
    @classmethod
    def _range(cls, value: str) -> str:
        lo, _, hi = value.partition("-")
        if not (lo.strip().isdigit() and hi.strip().isdigit() and int(lo) < int(hi)):
            raise ValueError(f"must be 'MIN-MAX' word counts with MIN < MAX, got {value!r}")
        return value

    @model_validator(mode="after")
    def _security_consistent(self) -> Settings:
        sasl_complete = self.sasl_mechanism and self.sasl_username and self.sasl_password
        if self.security_protocol.startswith("SASL") and not sasl_complete:
            raise ValueError(
                f"security_protocol {self.security_protocol} needs SCORER_SASL_MECHANISM, "
                "SCORER_SASL_USERNAME and SCORER_SASL_PASSWORD"
            )
        for name in ("ssl_cafile", "ssl_certfile", "ssl_keyfile"):
            path = getattr(self, name)
            if path is not None and not Path(path).is_file():
                raise ValueError(f"{ENV_PREFIX}{name.upper()}={str(path)!r} is not a readable file")
        if sum((self.weight_greeting, self.weight_explanation, self.weight_closing,
                self.weight_length)) <= 0:
            raise ValueError("the four SCORER_WEIGHT_* settings must not all be 0")
        return self

    # --- derived helpers -------------------------------------------------------------------
    def length_range(self, channel: str, *, conversation: bool = False) -> tuple[int, int]:
        prefix = "conversation_length" if conversation else "length"
        lo, _, hi = getattr(self, f"{prefix}_{channel}").partition("-")
        return int(lo), int(hi)

    def idle_seconds(self, channel: str) -> float:
        return float(getattr(self, f"conversation_idle_{channel}"))

    def sla_seconds(self, channel: str) -> float:
        return float(getattr(self, f"sla_{channel}"))

    @property
    def repartition_topic(self) -> str:
        return self.topic_repartition or f"{self.group_id}-conversations-repartition"

    @property
    def changelog_topic(self) -> str:
        return self.topic_changelog or f"{self.group_id}-conversations-changelog"

    @property
    def weights(self) -> dict[str, float]:
        """Dimension weights normalised to sum to 1."""
        raw = {
            "greeting": self.weight_greeting,
            "explanation": self.weight_explanation,
            "closing": self.weight_closing,
            "length": self.weight_length,
        }
        total = sum(raw.values())
        return {k: v / total for k, v in raw.items()}

    def token_values(self) -> list[str]:
        return [t.get_secret_value() for t in self.api_tokens]

    def kafka_client_config(self) -> dict[str, Any]:
        """Common kafka-python keyword arguments (bootstrap + security)."""
        cfg: dict[str, Any] = {
            "bootstrap_servers": [s.strip() for s in self.kafka_bootstrap.split(",") if s.strip()],
            "client_id": self.client_id,
            "security_protocol": self.security_protocol,
        }
        if self.security_protocol.startswith("SASL"):
            cfg["sasl_mechanism"] = self.sasl_mechanism
            cfg["sasl_plain_username"] = self.sasl_username
            cfg["sasl_plain_password"] = (
                self.sasl_password.get_secret_value() if self.sasl_password else None
            )
        if self.security_protocol.endswith("SSL"):
            cfg["ssl_check_hostname"] = self.ssl_check_hostname
            for key in ("ssl_cafile", "ssl_certfile", "ssl_keyfile"):
                if getattr(self, key) is not None:
                    cfg[key] = str(getattr(self, key))
            if self.ssl_password is not None:
                cfg["ssl_password"] = self.ssl_password.get_secret_value()
        return cfg


def load_settings(config_file: str | Path | None = None, **overrides: Any) -> Settings:
    """Build Settings, turning validation errors into one operator-readable message."""
    global _config_path
    _config_path = Path(config_file) if config_file else None
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = []
        for err in exc.errors(include_url=False):
            field = ".".join(str(p) for p in err["loc"]) or "settings"
            env = f"{ENV_PREFIX}{field.upper()}" if field != "settings" else "settings"
            shown = "" if "password" in field or "token" in field else f" = {err.get('input')!r}"
            lines.append(f"  {env}{shown}: {err['msg']}")
        raise SettingsError(
            "invalid settings (fix the environment variable or config file key):\n"
            + "\n".join(lines)
        ) from None
    finally:
        _config_path = None
