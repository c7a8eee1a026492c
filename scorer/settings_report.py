"""`scorer config show`: every effective setting, where it came from, secrets masked.

A setting's source is the highest-precedence place that sets it, in the order
`load_settings` applies: `environment` (a `SCORER_*` variable), `config file` (a key of
`--config` / `SCORER_CONFIG`), else `default`. Settings appear in declaration order
(the order of README 'Settings'), which does not change between runs.

Masked, never printed: every `SecretStr` (SASL and TLS key passwords), the secret part of
each `SCORER_API_TOKENS` entry (its name and role stay visible), the password of
`SCORER_STORE_URL`, and, belt and braces, any setting whose name says password, secret
or token.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from scorer.settings import ENV_PREFIX, Settings
from scorer.settings_sources import TomlSource

MASK = "***"
_SECRET_WORDS = ("password", "secret", "token")


def _mask_token(entry: SecretStr) -> str:
    name, sep, rest = entry.get_secret_value().partition(":")
    role, sep2, _secret = rest.partition(":")
    return f"{name}:{role}:{MASK}" if sep and sep2 else MASK


def _shown(name: str, value: Any) -> Any:
    """The JSON-able, masked form of one setting's value."""
    if value is None:
        return None
    if name == "api_tokens":
        return [_mask_token(t) for t in value]
    if name == "store_url":
        from scorer.store.schema import location

        return location(value)
    if isinstance(value, SecretStr) or any(w in name for w in _SECRET_WORDS):
        return MASK
    if isinstance(value, list):
        return [MASK if isinstance(v, SecretStr) else _shown(name, v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


def effective_settings(settings: Settings, config_file: Path | None) -> list[dict[str, Any]]:
    """One dict per setting: name, env (its variable), value (masked), source."""
    env_names = {k.upper() for k in os.environ}
    path = config_file or (Path(os.environ["SCORER_CONFIG"])
                           if os.environ.get("SCORER_CONFIG") else None)
    in_file = set(TomlSource(Settings, path)()) if path is not None else set()
    rows = []
    for name in Settings.model_fields:
        env = f"{ENV_PREFIX}{name.upper()}"
        source = ("environment" if env in env_names
                  else "config file" if name in in_file else "default")
        rows.append({"name": name, "env": env, "value": _shown(name, getattr(settings, name)),
                     "source": source})
    return rows


def render_text(rows: list[dict[str, Any]], config_file: Path | None) -> str:
    width = max(len(r["env"]) for r in rows)
    lines = [f"# config file: {config_file or os.environ.get('SCORER_CONFIG') or '(none)'}"]
    for r in rows:
        value = r["value"]
        text = ("" if value is None
                else ",".join(map(str, value)) if isinstance(value, list)
                else str(value).lower() if isinstance(value, bool) else str(value))
        lines.append(f"{r['env'].ljust(width)}  {r['source']:<11}  {text}")
    return "\n".join(lines)


def render_json(rows: list[dict[str, Any]], config_file: Path | None) -> str:
    file = config_file or os.environ.get("SCORER_CONFIG") or None
    return json.dumps({"config_file": str(file) if file else None, "settings": rows},
                      indent=2)
