"""Where settings come from and how their text values read: the TOML config file source and
the parsers for durations and SQLite paths.

Apart from `scorer.settings` so that the settings class stays a readable list of fields
with their validators; nothing here knows any particular setting.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

ENV_PREFIX = "SCORER_"


class SettingsError(ValueError):
    """Raised for an unusable setting; the message is meant for the operator."""


class TomlSource(PydanticBaseSettingsSource):
    """Reads the config file, normalising `SCORER_FOO`/`foo` keys to field names."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path | None) -> None:
        super().__init__(settings_cls)
        self._data: dict[str, Any] = {}
        if path is None:
            return
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise SettingsError(
                f"config file {str(path)!r} does not exist; fix SCORER_CONFIG / --config"
            ) from None
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"config file {str(path)!r} is not valid TOML: {exc}") from None
        for key, value in raw.items():
            name = key.lower()
            if name.startswith(ENV_PREFIX.lower()):
                name = name[len(ENV_PREFIX):]
            if name not in settings_cls.model_fields:
                raise SettingsError(
                    f"config file {str(path)!r} has unknown key {key!r}; "
                    "see README 'Settings' for the valid keys"
                )
            self._data[name] = value

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self._data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self._data)


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_SQLITE_RELATIVE = re.compile(r"^(sqlite(?:\+\w+)?:///)(?!/)([^?]+)(\?.*)?$")


def absolute_sqlite_url(url: str) -> str:
    """`sqlite:///./flagged.db` → `sqlite:////cwd/flagged.db`; other URLs unchanged."""
    m = _SQLITE_RELATIVE.match(url.strip())
    if m is None or m.group(2) == ":memory:" or m.group(2).startswith("file:"):
        return url
    return f"{m.group(1)}{os.path.abspath(m.group(2))}{m.group(3) or ''}"


def parse_seconds(text: str) -> float:
    """`90`, `30s`, `30m`, `24h`, `7d` → seconds; ValueError names the bad value."""
    value = text.strip().lower()
    unit = _UNITS.get(value[-1:])
    number = value[:-1] if unit is not None else value
    try:
        seconds = float(number) * (unit or 1)
    except ValueError:
        raise ValueError(f"{text!r} is not a duration; write seconds or e.g. 30s, 30m, 24h, "
                         "7d") from None
    return seconds
