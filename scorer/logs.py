"""Log set-up for every process (CLI, worker, scoring processes' parent, QA API).

`SCORER_LOG_FORMAT=text` (the default) writes the familiar one-line format for people;
`json` writes one JSON object per line for log pipelines (Loki, Elasticsearch, Cloud
Logging), with `time`, `level`, `logger`, `worker` and `message`, plus any structured
fields a call passes in `extra=`. The JSON encoding is python-json-logger's (a dependency
made for the job: escaping, exceptions and extras done right).

Nothing here adds reply text: the service logs counts, ids of nothing personal and error
classes, and tests/test_logs.py greps the JSON lines for the text of the replies scored.
"""

from __future__ import annotations

import logging
import sys
from typing import Literal

from pythonjsonlogger.json import JsonFormatter

LogFormat = Literal["text", "json"]

_TEXT = "%(asctime)s %(levelname)s %(worker)s %(name)s %(message)s"
_JSON_FIELDS = ("asctime", "levelname", "name", "worker", "message")
_RENAME = {"asctime": "time", "levelname": "level", "name": "logger"}


class _Worker(logging.Filter):
    """Stamps every record with the process's role ("cli", "api", "worker-0", …), so
    lines from the processes of one pod can be told apart."""

    def __init__(self, worker: str) -> None:
        super().__init__()
        self.worker = worker

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "worker"):
            record.worker = self.worker
        return True


def formatter(fmt: LogFormat) -> logging.Formatter:
    """The formatter for `fmt`; an unknown format is refused by the settings first."""
    if fmt == "json":
        return JsonFormatter(
            list(_JSON_FIELDS), rename_fields=_RENAME, timestamp=False,
            datefmt="%Y-%m-%dT%H:%M:%S%z")
    return logging.Formatter(_TEXT)


def setup_logging(level: str, fmt: LogFormat = "text", *, worker: str = "cli") -> None:
    """Route the root logger to stderr in `fmt`, replacing any handler set before (a
    re-exec'd worker or a test calling twice must not log every line twice)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(fmt))
    handler.addFilter(_Worker(worker))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # kafka-python is chatty at INFO and would drown the service's own progress lines.
    logging.getLogger("kafka").setLevel(max(logging.WARNING, logging.getLevelName(level)))
    # uvicorn's own loggers propagate to the root handler (serve passes log_config=None).
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
