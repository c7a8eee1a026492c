"""Flagged conversations (inquiries) in the QA store: upsert, list, get, purge, stats.

The streaming service scores whole conversations; a closed, flagged one arrives here through
`FlaggedStore.write_conversations` with its thread, already redacted by the caller. It
shares the store's tables (scorer.store.tables), engine and availability errors
(scorer.store.engine) and keyset paging (scorer.store.query) with the reply repository;
`scorer flagged --conversations` prints them (scorer.store_cli).

Identity: a conversation_id is not unique forever (a message after the close opens a new
inquiry with the same id), so a stored conversation is keyed by (conversation_id,
opened_at), folded into one `inquiry_key` column that reasons and messages hang off. The
key is a pure function of the record, so a replayed write (after a crash) lands on the same
rows and replaces them: the store ends up identical, never duplicated.

Time: `since`/`until`, the time sorts and retention use `closed_at`, the moment the
conversation was complete and reached QA; a purge removes a conversation whole.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from scorer.conversations.verdict import REASONS
from scorer.store.engine import CHUNK, guard, upsert_statement
from scorer.store.query import InvalidQuery, Listing, NotFound, Page, page_rows, page_select
from scorer.store.rows import clean
from scorer.store.tables import (
    conversation_messages_t,
    conversation_reasons_t,
    conversations_t,
)

#: What can pull a conversation down (docs/DESIGN.md § Conversations).
CONVERSATION_REASONS = REASONS  # one home: the verdict's vocabulary
#: Sort keys (column, ascending?); each ends with the unique key so the order is total.
CONVERSATION_SORTS: dict[str, list[tuple[str, bool]]] = {
    "total": [("total", True), ("closed_at", False), ("inquiry_key", True)],
    "-total": [("total", False), ("closed_at", False), ("inquiry_key", True)],
    "closed_at": [("closed_at", True), ("inquiry_key", True)],
    "-closed_at": [("closed_at", False), ("inquiry_key", True)],
}
DEFAULT_CONVERSATION_SORT = "total"
CONVERSATIONS = Listing(conversations_t, CONVERSATION_SORTS, tag="conversations")
_COLS = [conversations_t.c[n] for n in (
    "inquiry_key", "conversation_id", "opened_at", "closed_at", "total", "stored_at",
    "redacted", "messages_dropped", "record")]


class ConversationNotFound(NotFound):
    """No flagged conversation with that id (and opened_at, when one was given)."""


@dataclass
class ConversationQuery:
    """Filters, sort and page of a flagged-conversation listing; `since`/`until` bound
    `closed_at`, `reason` must be one of CONVERSATION_REASONS."""

    channel: str | None = None
    language: str | None = None
    band: str | None = None
    reason: str | None = None
    team: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    answered: bool | None = None
    sort: str = DEFAULT_CONVERSATION_SORT
    cursor: str | None = None
    limit: int = 50


# --- rows --------------------------------------------------------------------------------------


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _iso(value: datetime | None) -> str | None:
    """RFC 3339 in UTC with a Z, the way the conversation record writes its times."""
    return None if value is None else _utc(value).isoformat().replace("+00:00", "Z")


def inquiry_key(conversation_id: str, opened_at: datetime) -> str:
    """The stored identity of one inquiry. The fixed-width time comes first, so the key is
    unambiguous whatever characters the id holds, and keys sort by opening time."""
    return f"{_utc(opened_at):%Y-%m-%dT%H:%M:%S.%fZ} {conversation_id}"


def _time(value: Any, where: str) -> datetime:
    if isinstance(value, datetime):
        return _utc(value)
    try:
        return _utc(datetime.fromisoformat(str(value).replace("Z", "+00:00")))
    except ValueError:
        raise ValueError(f"{where} {value!r} is not an RFC 3339 timestamp like "
                         "2026-11-23T10:00:00Z; build rows from ScoredConversation "
                         "with model_dump(mode='json')") from None


def _jsonable(value: Any) -> Any:
    """The JSON the database can hold: times as RFC 3339 strings, no NUL in strings
    (PostgreSQL rejects it), and no NaN/inf (not JSON)."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _field(record: dict[str, Any], name: str) -> Any:
    if name not in record:
        raise ValueError(f"conversation record has no {name!r} (keys: {sorted(record)}); "
                         "a row is {'record': <conversations.scored record>, "
                         "'messages': [...], 'redacted': bool}")
    return record[name]


def _prepared(row: dict[str, Any], now: datetime) -> tuple[dict[str, Any], list[dict[str, Any]],
                                                           list[dict[str, Any]]]:
    """(conversation row, reason rows, message rows) of one `write` row."""
    record = row.get("record") if isinstance(row, dict) else None
    if not isinstance(record, dict):
        raise ValueError("conversation row needs a 'record' dict; a row is {'record': …, "
                         "'messages': [...], 'redacted': bool}")
    record = _jsonable(record)
    conv_id = clean(str(_field(record, "conversation_id")), 256) or ""
    opened = _time(_field(record, "opened_at"), "opened_at")
    key = inquiry_key(conv_id, opened)
    frs = record.get("first_response_seconds")
    conv = {
        "inquiry_key": key, "conversation_id": conv_id, "opened_at": opened,
        "closed_at": _time(_field(record, "closed_at"), "closed_at"),
        "channel": clean(str(_field(record, "channel")), 16),
        "language": clean(str(_field(record, "language")), 8),
        "band": clean(str(_field(record, "band")), 16), "total": int(_field(record, "total")),
        "team": clean(record.get("team"), 256), "answered": bool(_field(record, "answered")),
        "first_response_seconds": float(frs) if isinstance(frs, int | float) else None,
        "stored_at": now, "redacted": bool(row.get("redacted", False)), "record": record,
        "messages_dropped": max(0, int(row.get("messages_dropped") or 0)),
    }
    reasons = [{"inquiry_key": key, "reason": clean(str(r), 64)}
               for r in dict.fromkeys(_field(record, "reasons"))]
    messages = []
    for seq, m in enumerate(row.get("messages") or []):
        if not isinstance(m, dict):
            raise ValueError(f"messages[{seq}] of conversation {conv_id!r} is a "
                             f"{type(m).__name__}, not a dict with id, author, text, reply")
        reply = _jsonable(m.get("reply"))
        sent = m.get("sent_at")
        messages.append({
            "inquiry_key": key, "seq": seq, "message_id": clean(str(m.get("id", "")), 256),
            "author": clean(str(m.get("author", "")), 16),
            "sent_at": None if sent is None else _time(sent, f"messages[{seq}].sent_at"),
            "text": clean(str(m.get("text") or "")), "truncated": bool(m.get("truncated")),
            "reply": reply if isinstance(reply, dict) else None,
        })
    return conv, reasons, messages


def _item(row: sa.Row[Any]) -> dict[str, Any]:
    item = dict(row.record)
    item.update(stored_at=_iso(row.stored_at), redacted=row.redacted)
    return item


def _message(row: sa.Row[Any]) -> dict[str, Any]:
    return {"id": row.message_id, "author": row.author, "sent_at": _iso(row.sent_at),
            "text": row.text, "truncated": row.truncated, "reply": row.reply}


def _filters(q: ConversationQuery) -> list[sa.ColumnElement[bool]]:
    c = conversations_t.c
    conds: list[sa.ColumnElement[bool]] = []
    for name in ("channel", "language", "band", "team"):
        value = getattr(q, name)
        if value is not None:
            conds.append(c[name] == value)
    if q.answered is not None:
        conds.append(c.answered == q.answered)
    if q.since is not None:
        conds.append(c.closed_at >= q.since)
    if q.until is not None:
        conds.append(c.closed_at < q.until)
    if q.reason is not None:
        if q.reason not in CONVERSATION_REASONS:
            raise InvalidQuery(f"reason {q.reason!r} is not a conversation reason; use one "
                               f"of {', '.join(CONVERSATION_REASONS)}")
        r = conversation_reasons_t.c
        conds.append(sa.exists().where(r.inquiry_key == c.inquiry_key, r.reason == q.reason))
    return conds


# --- the repository ----------------------------------------------------------------------------


class ConversationRepo:
    """Flagged conversations over the store's engine. Thread-safe and stateless (nothing
    cached between calls), so `FlaggedStore.conversations` may build one per call."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def write(self, rows: Sequence[dict[str, Any]]) -> int:
        """Upsert conversations with their reasons and thread in one transaction; returns the
        inquiries written. A rewrite replaces reasons and messages and keeps `stored_at`, so
        replaying a batch leaves every table as it was. Within one call the last row of an
        inquiry wins. Raises ValueError for a row that breaks the contract (nothing written),
        StoreUnavailable when the database is unreachable."""
        now = datetime.now(UTC)
        by_key: dict[str, tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]] = {}
        for row in rows:
            prepared = _prepared(row, now)
            by_key[prepared[0]["inquiry_key"]] = prepared
        if not by_key:
            return 0
        keys = list(by_key)
        convs = [p[0] for p in by_key.values()]
        reasons = [r for p in by_key.values() for r in p[1]]
        messages = [m for p in by_key.values() for m in p[2]]
        with guard("writing flagged conversations"), self.engine.begin() as conn:
            conn.execute(upsert_statement(self.engine, conversations_t), convs)
            for i in range(0, len(keys), CHUNK):
                chunk = keys[i:i + CHUNK]
                for child in (conversation_reasons_t, conversation_messages_t):
                    conn.execute(child.delete().where(child.c.inquiry_key.in_(chunk)))
            for child, child_rows in ((conversation_reasons_t, reasons),
                                      (conversation_messages_t, messages)):
                if child_rows:
                    conn.execute(child.insert(), child_rows)
        return len(keys)

    def list(self, q: ConversationQuery) -> Page:
        """One page of conversations matching `q` in `q.sort` order (default worst first);
        each item is the scored record plus `stored_at` and `redacted`."""
        stmt = page_select(CONVERSATIONS, _COLS, _filters(q), sort=q.sort, cursor=q.cursor,
                           limit=q.limit)
        with guard("listing conversations"), self.engine.connect() as conn:
            rows, next_cursor = page_rows(CONVERSATIONS, list(conn.execute(stmt)), sort=q.sort,
                                          limit=q.limit)
        return Page([_item(r) for r in rows], next_cursor)

    def get(self, conversation_id: str, opened_at: datetime | None = None) -> dict[str, Any]:
        """The newest inquiry with this id (or the one opened at `opened_at`) with its
        thread in the order written, `messages_dropped` (older messages the service did not
        keep), and `inquiries`: every stored opening time of the id, newest first. Raises
        ConversationNotFound."""
        c = conversations_t.c
        stmt = sa.select(*_COLS).where(c.conversation_id == conversation_id)
        if opened_at is not None:
            stmt = stmt.where(c.opened_at == opened_at)
        with guard("reading a conversation"), self.engine.connect() as conn:
            row = conn.execute(stmt.order_by(c.opened_at.desc()).limit(1)).first()
            if row is None:
                raise ConversationNotFound(conversation_id)
            m = conversation_messages_t.c
            messages = conn.execute(sa.select(conversation_messages_t).where(
                m.inquiry_key == row.inquiry_key).order_by(m.seq))
            openings = conn.execute(sa.select(c.opened_at).where(
                c.conversation_id == conversation_id).order_by(c.opened_at.desc()))
            item = _item(row)
            item["messages"] = [_message(r) for r in messages]
            item["messages_dropped"] = row.messages_dropped
            item["inquiries"] = [_iso(t) for t in openings.scalars()]
        return item

    def purge(self, conn: Connection, cutoff: datetime) -> int:
        """Delete conversations closed before `cutoff`, whole (reasons and thread too), in
        the caller's transaction (FlaggedStore.purge_counts); returns how many."""
        old = sa.select(conversations_t.c.inquiry_key).where(conversations_t.c.closed_at < cutoff)
        for child in (conversation_reasons_t, conversation_messages_t):
            conn.execute(child.delete().where(child.c.inquiry_key.in_(old)))
        deleted = conn.execute(conversations_t.delete().where(
            conversations_t.c.closed_at < cutoff))
        return deleted.rowcount or 0

    def stats(self, since: datetime, until: datetime) -> dict[str, Any]:
        """Counts per channel, band, reason and answered of conversations closed in the
        window (what the page header and /api/stats show)."""
        c = conversations_t.c
        window = [c.closed_at >= since, c.closed_at < until]
        with guard("computing conversation stats"), self.engine.connect() as conn:
            def grouped(col: sa.ColumnElement[Any], *extra: Any) -> dict[str, int]:
                stmt = sa.select(col, sa.func.count()).where(*window, *extra).group_by(col)
                return {str(k): int(n) for k, n in conn.execute(stmt)}

            total = conn.execute(sa.select(sa.func.count()).where(*window)).scalar_one()
            r = conversation_reasons_t.c
            return {"total": int(total), "by_channel": grouped(c.channel),
                    "by_band": grouped(c.band),
                    "by_reason": grouped(r.reason, r.inquiry_key == c.inquiry_key),
                    "unanswered": int(conn.execute(sa.select(sa.func.count()).where(
                        *window, sa.not_(c.answered))).scalar_one())}
