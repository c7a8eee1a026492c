"""The audit log: who listed, opened, exported, reviewed or purged what, and when.

Every QA API call by an identified caller, every purge from the command line and every
automatic retention purge leaves two traces:

- a log line on the `scorer.audit` logger, `key=value` pairs, for the log pipeline;
- a row in the `audit` table (migration 0003), for questions asked months later ("who
  exported the Messenger replies in March?"), kept SCORER_AUDIT_RETENTION_DAYS.

What is recorded: time, actor (token name, SSO user, OS user or `retention`), role, how
the caller was identified (`token`, `proxy`, `dev`, `cli`, `system`), action, target (ids
and counts), filter *names* and the result. Never reply text, review comments or filter
values: a team or agent filter is free text typed by a person, and the audit log must
not become a second copy of the data it protects.
"""

from __future__ import annotations

import getpass
import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from scorer.store.engine import guard as _guard
from scorer.store.tables import audit_t

log = logging.getLogger("scorer.audit")

#: Query parameters whose *names* may be recorded (their values never are). Anything
#: else a caller sends is ignored, so the audit log cannot be filled with junk names.
FILTER_NAMES = frozenset({
    "channel", "language", "band", "reason", "team", "agent_id", "since", "until",
    "min_score", "max_score", "reviewed", "sort", "cursor", "limit", "answered", "opened_at",
})
#: Results that only get a log line, no table row: the caller is not identified (401) or
#: was turned away before touching data (429); a flood of them must not fill the database.
LOG_ONLY = frozenset({"unauthenticated", "rate_limited"})
_PLAIN = re.compile(r"[\w.@:/,+=-]*")


@dataclass
class AuditEntry:
    """One auditable event, filled in as the request is served (see scorer.api_routes)."""

    action: str
    actor: str = "-"
    role: str = "-"
    via: str = "-"
    target: str = ""
    filters: list[str] = field(default_factory=list)
    result: str = "ok"
    client: str | None = None

    def row(self, at: datetime) -> dict[str, Any]:
        return {"at": at, "actor": self.actor[:128], "role": self.role[:16],
                "via": self.via[:16], "action": self.action[:32], "target": self.target[:600],
                "filters": ",".join(self.filters)[:300], "result": self.result[:32],
                "client": (self.client or None) and self.client[:64]}


def filter_names(params: Iterable[str]) -> list[str]:
    """The recordable names among the query parameters a caller sent, sorted."""
    return sorted(set(params) & FILTER_NAMES)


def _value(value: Any) -> str:
    text = "" if value is None else str(value)
    return text if text and _PLAIN.fullmatch(text) else json.dumps(text, ensure_ascii=False)


def log_line(entry: AuditEntry, **extra: Any) -> None:
    """The `scorer.audit` log line of `entry` (values quoted when not plain)."""
    fields = {"action": entry.action, "actor": entry.actor, "role": entry.role,
              "via": entry.via, "target": entry.target, "filters": ",".join(entry.filters),
              "result": entry.result, "client": entry.client, **extra}
    log.info(" ".join(f"{k}={_value(v)}" for k, v in fields.items()))


def record(engine: Engine, entry: AuditEntry, *, at: datetime | None = None) -> None:
    """Log `entry` and, unless it is log-only, store it. Raises StoreUnavailable when the
    row cannot be written: callers serving data fail closed on that (no unaudited read)."""
    log_line(entry)
    if entry.result in LOG_ONLY:
        return
    with _guard("writing the audit log"), engine.begin() as conn:
        conn.execute(audit_t.insert(), entry.row(at or datetime.now(UTC)))


def record_quietly(engine: Engine, entry: AuditEntry) -> None:
    """`record` for background work (automatic retention) that must not fail on it."""
    try:
        record(engine, entry)
    except Exception as exc:  # the log line above is already out; the next purge retries
        log.warning("audit row not stored: %s", type(exc).__name__)


def cli_actor() -> str:
    """Who runs a command line purge: the OS user, or `cli` when it cannot be told."""
    try:
        return getpass.getuser()[:128] or "cli"
    except (KeyError, OSError):  # no passwd entry / no login name (containers)
        return "cli"


def purge_older(engine: Engine, older_than: timedelta) -> int:
    """Delete audit rows older than `older_than` (SCORER_AUDIT_RETENTION_DAYS)."""
    cutoff = datetime.now(UTC) - older_than
    with _guard("purging the audit log"), engine.begin() as conn:
        return conn.execute(audit_t.delete().where(audit_t.c.at < cutoff)).rowcount or 0


def recent(engine: Engine, *, limit: int = 100, actor: str | None = None,
           action: str | None = None) -> list[dict[str, Any]]:
    """The newest audit rows (oldest first within the answer), for reports and tests."""
    stmt = sa.select(audit_t).order_by(audit_t.c.id.desc()).limit(limit)
    if actor is not None:
        stmt = stmt.where(audit_t.c.actor == actor)
    if action is not None:
        stmt = stmt.where(audit_t.c.action == action)
    with _guard("reading the audit log"), engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(stmt)]
    return rows[::-1]
