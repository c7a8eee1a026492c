"""The flagged-reply store: what QA teams query, review and export.

SQLAlchemy Core over SQLite (the embedded default) or PostgreSQL (`postgresql://…`).
The schema is owned by the Alembic migrations in `scorer/migrations/`, which run when a
store is opened (unless SCORER_STORE_MIGRATE=off: `scorer db upgrade`, scorer.store_schema);
concurrent openers (several service workers, the API) serialise on an advisory lock
(PostgreSQL) or a lock file (SQLite) so a schema is never created twice.

Writes are idempotent by reply id: a redelivered Kafka record updates its row in place,
and reviews hang off the id in their own table, so a rewrite never drops them. Text is
redacted (scorer.redact) before it reaches the database when `settings.redact` is on.

Errors that a retry can cure (server down, lock timeout, dropped connection) surface as
`StoreUnavailable`; the streaming service retries those without committing offsets.
Reply text never appears in log lines or exception messages raised from here.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import fcntl
import json
import logging
import os
import re
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from scorer.schema import DIMENSIONS, Reply, ScoredReply
from scorer.settings import Settings
from scorer.shown import Shown, show

if TYPE_CHECKING:
    from scorer.store_conversations import ConversationRepo

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
MAX_PAGE_SIZE = 200
_PG_MIGRATION_LOCK = 0x5C0_4E5  # arbitrary constant key for pg_advisory_lock
_AUTO_PURGE_EVERY_S = 3600.0
_CHUNK = 500


class StoreUnavailable(RuntimeError):
    """The database cannot be reached or a write failed transiently; retry later."""


class InvalidQuery(ValueError):
    """A filter, sort or cursor the caller sent cannot be used; the message says why."""


class NotFound(LookupError):
    """No flagged reply with that id."""


# --- schema (mirrors migrations/versions; the migrations are the source of truth) -------------


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Timestamps stored in UTC and always read back timezone-aware.

    SQLite has no timezone type, so values are normalised to naive UTC there; that keeps
    its string comparisons (filters, keyset pagination) in chronological order.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = sa.MetaData()

replies_t = sa.Table(
    "flagged_replies", metadata,
    sa.Column("id", sa.String(256), primary_key=True),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("band", sa.String(16), nullable=False),
    sa.Column("total", sa.Integer, nullable=False),
    sa.Column("event_at", UTCDateTime, nullable=False),
    sa.Column("sent_at", UTCDateTime, nullable=True),
    sa.Column("scored_at", UTCDateTime, nullable=False),
    sa.Column("stored_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("team", sa.String(256)),
    sa.Column("agent_id", sa.String(256)),
    sa.Column("conversation_id", sa.String(256)),
    sa.Column("model_version", sa.String(128), nullable=False),
    sa.Column("content_type", sa.String(32), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("redacted", sa.Boolean, nullable=False),
    sa.Column("record", sa.JSON, nullable=False),
    sa.Column("evidence", sa.JSON, nullable=False),
    # 0004: in the random review sample (scorer.sample); stored because flagged.
    sa.Column("sampled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("flagged", sa.Boolean, nullable=False, server_default=sa.true()),
)
reasons_t = sa.Table(
    "flagged_reasons", metadata,
    sa.Column("reply_id", sa.String(256), sa.ForeignKey("flagged_replies.id"), primary_key=True),
    sa.Column("reason", sa.String(64), primary_key=True),
)
reviews_t = sa.Table(
    "reviews", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("reply_id", sa.String(256), sa.ForeignKey("flagged_replies.id"), nullable=False),
    sa.Column("verdict", sa.String(16), nullable=False),
    sa.Column("labels", sa.JSON, nullable=False),
    sa.Column("comment", sa.Text, nullable=False),
    sa.Column("reviewer", sa.String(128), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)
# Flagged conversations (scorer.store_conversations): one row per inquiry. `inquiry_key` is
# a pure function of (conversation_id, opened_at), because an id reopens as a new inquiry.
conversations_t = sa.Table(
    "flagged_conversations", metadata,
    sa.Column("inquiry_key", sa.String(300), primary_key=True),
    sa.Column("conversation_id", sa.String(256), nullable=False),
    sa.Column("opened_at", UTCDateTime, nullable=False),
    sa.Column("closed_at", UTCDateTime, nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("band", sa.String(16), nullable=False),
    sa.Column("total", sa.Integer, nullable=False),
    sa.Column("team", sa.String(256)),
    sa.Column("answered", sa.Boolean, nullable=False),
    sa.Column("first_response_seconds", sa.Float),
    sa.Column("stored_at", UTCDateTime, nullable=False),
    sa.Column("redacted", sa.Boolean, nullable=False),
    sa.Column("messages_dropped", sa.Integer, nullable=False),
    sa.Column("record", sa.JSON, nullable=False),
)

_INQUIRY = ("inquiry_key", sa.String(300))
conversation_reasons_t = sa.Table(
    "flagged_conversation_reasons", metadata,
    sa.Column(*_INQUIRY, sa.ForeignKey(conversations_t.c.inquiry_key), primary_key=True),
    sa.Column("reason", sa.String(64), primary_key=True),
)
conversation_messages_t = sa.Table(
    "flagged_conversation_messages", metadata,
    sa.Column(*_INQUIRY, sa.ForeignKey(conversations_t.c.inquiry_key), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("message_id", sa.String(256), nullable=False),
    sa.Column("author", sa.String(16), nullable=False),
    sa.Column("sent_at", UTCDateTime),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("truncated", sa.Boolean, nullable=False),
    sa.Column("reply", sa.JSON),
)


# --- engine and migrations ------------------------------------------------------------------


def sqlalchemy_url(url: str) -> str:
    """Map the user-facing `postgresql://` (or `postgres://`) URL to the psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    if not (url.startswith("sqlite") or url.startswith("postgresql+")):
        raise ValueError(
            f"SCORER_STORE_URL must start with sqlite:/// or postgresql://, got scheme "
            f"{url.split(':', 1)[0]!r}"
        )
    return url


#: Mode of the SQLite database and its -wal/-shm/lock files: they hold customer replies
#: (redacted, but still personal), so only the service's own user may read them.
SQLITE_FILE_MODE = 0o600


def _private_file(path: str) -> None:
    """Create `path` owner-only if missing, and tighten it if it is wider (a file made by
    an older version or under a loose umask). SQLite gives the -wal and -shm files the
    mode of the database file, so this covers them too. Errors are left to SQLite, which
    reports an unusable path as StoreUnavailable."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_RDWR, SQLITE_FILE_MODE)
    except OSError:
        return
    try:
        mode = os.fstat(fd).st_mode & 0o777
        if mode != SQLITE_FILE_MODE:
            os.fchmod(fd, SQLITE_FILE_MODE)
            log.warning("flagged store file %s was readable by others (mode %o); now %o",
                        path, mode, SQLITE_FILE_MODE)
    except OSError as exc:
        log.warning("cannot make %s private (%s); run chmod 600 on it", path, exc)
    finally:
        os.close(fd)


def _sqlite_path(engine: Engine) -> str | None:
    db = engine.url.database
    return None if not db or db == ":memory:" or db.startswith("file:") else db


def make_engine(url: str) -> Engine:
    """An engine with the connection settings the store relies on."""
    real = sqlalchemy_url(url)
    if real.startswith("sqlite"):
        engine = sa.create_engine(real, connect_args={"timeout": 30, "check_same_thread": False})
        path = _sqlite_path(engine)
        if path is not None:
            _private_file(path)

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            # WAL lets the API read while the service writes; foreign keys are off by default.
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()
            if path is not None:  # belt and braces: SQLite copies the mode, but check
                for side in (f"{path}-wal", f"{path}-shm"):
                    if os.path.exists(side):
                        _private_file(side)

        return engine
    return sa.create_engine(
        real, pool_pre_ping=True, pool_size=5, max_overflow=5,
        connect_args={"connect_timeout": 10, "application_name": "reply-scorer"},
    )


@contextlib.contextmanager
def _sqlite_migration_lock(engine: Engine) -> Iterator[None]:
    """Serialise openers of one SQLite file *before* their first connection: that
    connection switches a new file to WAL, and two connections doing so at once fail with
    "database is locked" at once (SQLite's deadlock avoidance skips the busy timeout)."""
    db = _sqlite_path(engine) if engine.dialect.name == "sqlite" else None
    if db is None:
        yield
        return
    try:
        fd = os.open(f"{db}.migrate-lock", os.O_CREAT | os.O_RDWR, SQLITE_FILE_MODE)
    except OSError:  # no such folder, read-only: SQLite says so as StoreUnavailable
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _pg_migration_lock(engine: Engine, conn: Connection) -> Iterator[None]:
    """One migrator at a time across every worker and API pod sharing the database."""
    if engine.dialect.name != "postgresql":
        yield
        return
    conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
    conn.commit()
    try:
        yield
    finally:
        conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_MIGRATION_LOCK})
        conn.commit()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (a no-op when it is current)."""
    # Alembic logs a dozen INFO lines per run (some at import); every service worker and
    # CLI call opens the store, so keep only its warnings.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with (_sqlite_migration_lock(engine), engine.connect() as conn,
          _pg_migration_lock(engine, conn)):
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        conn.commit()


@contextlib.contextmanager
def _guard(action: str) -> Iterator[None]:
    """Turn errors a retry can cure into StoreUnavailable (message without data values)."""
    try:
        yield
    except (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError) as exc:
        raise StoreUnavailable(
            f"flagged store unavailable while {action}: {type(exc.orig or exc).__name__}; "
            "check SCORER_STORE_URL and that the database is up"
        ) from exc
    except sa_exc.DBAPIError as exc:
        if exc.connection_invalidated:
            raise StoreUnavailable(
                f"flagged store connection lost while {action}; it will be retried"
            ) from exc
        raise


# --- queries --------------------------------------------------------------------------------


SortName = Literal["total", "-total", "event_at", "-event_at"]
#: Sort keys (column, ascending?) — every sort ends with the id so the order is total.
SORTS: dict[str, list[tuple[str, bool]]] = {
    "total": [("total", True), ("event_at", False), ("id", True)],
    "-total": [("total", False), ("event_at", False), ("id", True)],
    "event_at": [("event_at", True), ("id", True)],
    "-event_at": [("event_at", False), ("id", True)],
}
DEFAULT_SORT: SortName = "total"


@dataclass
class FlaggedQuery:
    """Filters, sort and page of a flagged-reply listing. `since`/`until` bound `event_at`."""

    channel: str | None = None
    language: str | None = None
    band: str | None = None
    reason: str | None = None
    team: str | None = None
    agent_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    min_score: int | None = None
    max_score: int | None = None
    reviewed: bool | None = None
    #: None: flagged replies; True: the random sample, flagged or not; False: flagged, unsampled.
    sampled: bool | None = None
    sort: str = DEFAULT_SORT
    cursor: str | None = None
    limit: int = 50


@dataclass
class Page:
    items: list[dict[str, Any]] = field(default_factory=list)
    next_cursor: str | None = None


@dataclass(frozen=True)
class Listing:
    """A table listed with keyset pagination (flagged replies, flagged conversations): its
    sorts, each ending in a unique column, and the tag its cursors carry so that one
    listing refuses another's cursor (reply cursors predate the tag and carry none)."""

    table: sa.Table
    sorts: dict[str, list[tuple[str, bool]]]
    tag: str | None = None


REPLIES = Listing(replies_t, SORTS)


def _encode_cursor(sort: str, row: sa.Row[Any], listing: Listing = REPLIES) -> str:
    keys = []
    for col, _asc in listing.sorts[sort]:
        value = row._mapping[col]
        keys.append(value.isoformat() if isinstance(value, datetime) else value)
    data: dict[str, Any] = {"s": sort, "k": keys}
    if listing.tag is not None:
        data["t"] = listing.tag
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(sort: str, cursor: str, listing: Listing = REPLIES) -> list[Any]:
    bad = InvalidQuery("cursor is not one this server issued; start again without a cursor")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
    except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError):
        raise bad from None  # RecursionError: a forged cursor of nested brackets
    if not isinstance(data, dict) or not isinstance(data.get("k"), list):
        raise bad
    if data.get("t") != listing.tag:
        raise InvalidQuery("cursor was issued for another listing; start again without a cursor")
    if data.get("s") != sort:
        raise InvalidQuery(f"cursor was issued for sort {data.get('s')!r}, not {sort!r}; "
                           "keep the sort unchanged while paging")
    keys = data["k"]
    spec = listing.sorts[sort]
    if len(keys) != len(spec):
        raise bad
    out: list[Any] = []
    for (col, _asc), value in zip(spec, keys, strict=True):
        checked = _cursor_value(listing.table.c[col].type, value)
        if checked is None:
            raise bad
        out.append(checked)
    return out


_INT_RANGE = range(-(2**31), 2**31)  # sa.Integer: what PostgreSQL's integer holds


def _cursor_value(kind: Any, value: Any) -> Any:
    """`value` as the database can compare it with a column of type `kind`, or None when
    a forged cursor carries something the database would choke on (an int past 32 bits, a
    time past year 9999 once in UTC, NUL or a lone surrogate in a string): a 400, not a
    500 from the driver."""
    if isinstance(kind, UTCDateTime) and isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
            return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        except (ValueError, OverflowError):
            return None
    if isinstance(kind, sa.Integer) and type(value) is int:
        return value if value in _INT_RANGE else None
    if isinstance(kind, sa.String) and isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return None
        too_long = kind.length is not None and len(value) > kind.length
        return None if "\x00" in value or too_long else value
    return None


def _keyset(sort: str, values: list[Any], listing: Listing = REPLIES) -> sa.ColumnElement[bool]:
    """Rows strictly after `values` in the sort order (lexicographic over mixed directions)."""
    spec, c = listing.sorts[sort], listing.table.c
    ors = []
    for i, (col, asc) in enumerate(spec):
        ands = [c[name] == values[j] for j, (name, _a) in enumerate(spec[:i])]
        ands.append(c[col] > values[i] if asc else c[col] < values[i])
        ors.append(sa.and_(*ands))
    return sa.or_(*ors)


def page_select(listing: Listing, cols: Sequence[sa.ColumnElement[Any]],
                conds: Sequence[sa.ColumnElement[bool]], *, sort: str, cursor: str | None,
                limit: int) -> sa.Select[Any]:
    """One page of `listing` after `cursor`, plus one row that tells whether more follow.
    Sort, limit and cursor are checked here, before any connection is opened."""
    if sort not in listing.sorts:
        raise InvalidQuery(f"sort {sort!r} is not one of {', '.join(listing.sorts)}")
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidQuery(f"limit {limit} must be between 1 and {MAX_PAGE_SIZE}")
    where = list(conds)
    if cursor:
        where.append(_keyset(sort, _decode_cursor(sort, cursor, listing), listing))
    c = listing.table.c
    order = [c[col].asc() if asc else c[col].desc() for col, asc in listing.sorts[sort]]
    return sa.select(*cols).where(*where).order_by(*order).limit(limit + 1)


def page_rows(listing: Listing, rows: list[sa.Row[Any]], *, sort: str,
              limit: int) -> tuple[list[sa.Row[Any]], str | None]:
    """Split what `page_select` fetched into the page and the cursor to the next one."""
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (_encode_cursor(sort, rows[-1], listing) if more and rows else None)


def _filters(q: FlaggedQuery) -> list[sa.ColumnElement[bool]]:
    c = replies_t.c
    conds: list[sa.ColumnElement[bool]] = []
    for name in ("channel", "language", "band", "team", "agent_id"):
        value = getattr(q, name)
        if value is not None:
            conds.append(c[name] == value)
    if q.since is not None:
        conds.append(c.event_at >= q.since)
    if q.until is not None:
        conds.append(c.event_at < q.until)
    if q.min_score is not None:
        conds.append(c.total >= q.min_score)
    if q.max_score is not None:
        conds.append(c.total <= q.max_score)
    if q.reason is not None:
        conds.append(sa.exists().where(reasons_t.c.reply_id == c.id,
                                       reasons_t.c.reason == q.reason))
    if q.reviewed is not None:
        has = sa.exists().where(reviews_t.c.reply_id == c.id)
        conds.append(has if q.reviewed else ~has)
    conds.append(c.sampled == sa.true() if q.sampled else c.flagged == sa.true())
    if q.sampled is False:
        conds.append(c.sampled == sa.false())
    return conds


_REPLY_COLS = [replies_t.c[n] for n in (
    "id", "record", "text", "content_type", "agent_id", "team", "conversation_id",
    "sent_at", "event_at", "total", "redacted", "sampled")]


def _review_dict(row: sa.Row[Any]) -> dict[str, Any]:
    return {"id": row.id, "verdict": row.verdict, "labels": row.labels or {},
            "comment": row.comment, "reviewer": row.reviewer,
            "created_at": row.created_at.isoformat()}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _item(row: sa.Row[Any], reviews: list[dict[str, Any]]) -> dict[str, Any]:
    item = dict(row.record)
    item.update(
        text=row.text, content_type=row.content_type, agent_id=row.agent_id, team=row.team,
        conversation_id=row.conversation_id, sent_at=_iso(row.sent_at),
        event_at=_iso(row.event_at), redacted=row.redacted, reviews=reviews,
        sampled=row.sampled,
    )
    return item


def _clean(value: str | None, limit: int | None = None) -> str | None:
    """Make a string storable everywhere: no NUL (PostgreSQL rejects it), valid UTF-8,
    and within the column width (a too-long team name must not wedge the pipeline)."""
    if value is None:
        return None
    value = value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
    return value[:limit] if limit is not None else value


def parse_duration(text: str) -> timedelta:
    """'90d', '12h', '30m', '2w', '45s' → timedelta (used by --since and --older-than)."""
    m = re.fullmatch(r"\s*(\d{1,6})\s*([smhdw])\s*", text or "")
    if not m:
        raise InvalidQuery(f"duration {text!r} is not like 90d, 12h, 30m, 2w or 45s")
    n, unit = int(m.group(1)), m.group(2)
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[unit]
    return timedelta(seconds=n * seconds)


def parse_time(text: str, *, now: datetime | None = None) -> datetime:
    """A point in time: a duration back from now ('1d') or an RFC 3339 timestamp."""
    now = now or datetime.now(UTC)
    if re.fullmatch(r"\s*\d{1,6}\s*[smhdw]\s*", text or ""):
        try:
            value = now - parse_duration(text)
        except OverflowError:  # 999999w reaches back before year 1
            value = datetime.min.replace(tzinfo=UTC)
        if value.year < 1970:
            raise InvalidQuery(f"time {text!r} reaches back before 1970; use a shorter "
                               "duration or an RFC 3339 timestamp")
        return value
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except (ValueError, OverflowError, AttributeError):
        raise InvalidQuery(
            f"time {text!r} is neither a duration like 1d/12h nor an RFC 3339 timestamp "
            "like 2026-11-23T10:00:00Z") from None
    if not 1970 <= value.year <= 9998:
        raise InvalidQuery(f"time {text!r} is outside the years 1970–9998")
    return value


# --- the store ------------------------------------------------------------------------------


def upsert_statement(engine: Engine, table: sa.Table) -> Any:
    """INSERT … ON CONFLICT (primary key) DO UPDATE every column but `stored_at`, so a
    rewrite updates in place and the row keeps the time it was first stored."""
    insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(table)
    keys = [c.name for c in table.primary_key.columns]
    return stmt.on_conflict_do_update(
        index_elements=keys, set_={c.name: stmt.excluded[c.name] for c in table.c
                                   if c.name not in (*keys, "stored_at")})


def flagged_rows(items: Sequence[tuple[Reply, ScoredReply]], *, redact_text: bool,
                 now: datetime | None = None) -> list[dict[str, Any]]:
    """Store rows for scored replies whose evidence indexes the reply's rendered plain text
    (as `Scorer` returns them): renders and redacts each (`scorer.shown`), then `shown_rows`.
    """
    from scorer.text import prepare

    return shown_rows([(reply, show(scored, prepare(reply.text, reply.content_type).plain,
                                    (reply.customer_name,), redact_text=redact_text))
                       for reply, scored in items], now=now)


def shown_rows(items: Sequence[tuple[Reply, Shown]], *, now: datetime | None = None
               ) -> list[dict[str, Any]]:
    """The rows `FlaggedStore.write_rows` stores for flagged replies, as outputs show them.

    A pure function of the replies (no database), so the streaming service builds rows in
    its scoring processes and the loop process only writes them. A reply id seen twice
    in one batch keeps its last version.
    """
    now = now or datetime.now(UTC)
    by_id: dict[str, dict[str, Any]] = {}
    for reply, shown in items:
        by_id[reply.id] = _row(reply, shown, now)
    return list(by_id.values())


def _row(reply: Reply, shown: Shown, now: datetime) -> dict[str, Any]:
    scored = shown.scored
    # The stored text is what outputs show: rendered plain text, redacted; the evidence
    # already indexes it. _clean only drops NULs and invalid code points, which `show`
    # never produces from a pydantic str, so offsets stay valid.
    text = _clean(shown.text) or ""
    evidence: dict[str, Any] = {
        dim: None if span is None else {"start": span.start, "end": span.end,
                                        "text": _clean(span.text) or ""}
        for dim, span in scored.evidence.items()}
    record = scored.model_dump(mode="json")
    record["evidence"] = evidence
    record["reasons"] = [_clean(r, 64) for r in scored.reasons]
    scored_at = scored.scored_at if scored.scored_at.tzinfo else scored.scored_at.replace(
        tzinfo=UTC)
    return {
        "id": reply.id,
        "channel": scored.channel.value,
        "language": scored.language,
        "band": scored.band,
        "total": scored.total,
        "event_at": reply.sent_at or scored_at,
        "sent_at": reply.sent_at,
        "scored_at": scored_at,
        "stored_at": now,
        "updated_at": now,
        "team": _clean(reply.team, 256),
        "agent_id": _clean(reply.agent_id, 256),
        "conversation_id": _clean(reply.conversation_id, 256),
        "model_version": _clean(scored.model_version, 128) or "",
        "content_type": "text/plain",  # rendered: HTML markup never reaches the store
        "text": text,
        "redacted": shown.redacted,
        "record": record,
        "evidence": evidence,
        "sampled": False, "flagged": True,  # the pool marks sampled rows (scorer.sample)
    }


class FlaggedStore:
    """Flagged replies with their QA reviews. Thread-safe (one engine, pooled connections)."""

    def __init__(self, engine: Engine, *, redact_text: bool = True,
                 retention_days: int | None = None,
                 audit_retention_days: int | None = None) -> None:
        self.engine = engine
        self.redact_text = redact_text
        self.retention_days = retention_days
        self.audit_retention_days = audit_retention_days
        self._last_purge = 0.0
        self._purge_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> FlaggedStore:
        """Open the store at `settings.store_url`, migrating its schema first (or, with
        SCORER_STORE_MIGRATE=off, refusing one that is not current: scorer.store_schema)."""
        from scorer.store_schema import open_engine

        engine = open_engine(settings)
        store = cls(engine, redact_text=settings.redact, retention_days=settings.retention_days,
                    audit_retention_days=settings.audit_retention_days)
        store.maybe_purge()
        return store

    def close(self) -> None:
        self.engine.dispose()

    # -- writes -----------------------------------------------------------------------------

    def upsert_flagged(self, items: Sequence[tuple[Reply, ScoredReply]],
                       unflagged_ids: Sequence[str] = ()) -> int:
        """Insert or update flagged replies by id in one transaction; returns rows written.

        A second write of the same id updates the row in place (a re-scored reply shows
        its newest score) and keeps its first `stored_at` and all its reviews.
        `unflagged_ids` are replies of the same batch that scored above the threshold: a
        replayed batch may score differently (a model upgrade between a crash and its
        replay), so a row stored by the first attempt is removed again, unless QA already
        reviewed it.
        """
        return self.write_rows(flagged_rows(items, redact_text=self.redact_text),
                               unflagged_ids)

    def write_rows(self, rows: Sequence[dict[str, Any]],
                   unflagged_ids: Sequence[str] = ()) -> int:
        """`upsert_flagged` for rows already built by `flagged_rows` (unique ids)."""
        if unflagged_ids:
            self._discard(unflagged_ids)
        if not rows:
            return 0
        stmt = upsert_statement(self.engine, replies_t)
        reason_rows = [{"reply_id": r["id"], "reason": reason}
                       for r in rows for reason in dict.fromkeys(r["record"]["reasons"])]
        with _guard("writing flagged replies"), self.engine.begin() as conn:
            for i in range(0, len(rows), _CHUNK):
                chunk = rows[i:i + _CHUNK]
                conn.execute(stmt, chunk)
                conn.execute(reasons_t.delete().where(
                    reasons_t.c.reply_id.in_([r["id"] for r in chunk])))
            for i in range(0, len(reason_rows), _CHUNK):
                conn.execute(reasons_t.insert(), reason_rows[i:i + _CHUNK])
        self.maybe_purge()
        return len(rows)

    def _discard(self, ids: Sequence[str]) -> None:
        """Delete stored, unreviewed replies among `ids` (see upsert_flagged)."""
        reviewed = sa.select(reviews_t.c.reply_id)
        with _guard("removing replies no longer flagged"), self.engine.begin() as conn:
            for i in range(0, len(ids), _CHUNK):
                chunk = list(ids[i:i + _CHUNK])
                conn.execute(reasons_t.delete().where(
                    reasons_t.c.reply_id.in_(chunk), reasons_t.c.reply_id.not_in(reviewed)))
                conn.execute(replies_t.delete().where(
                    replies_t.c.id.in_(chunk), replies_t.c.id.not_in(reviewed)))

    def add_review(self, reply_id: str, *, verdict: str, labels: dict[str, int],
                   comment: str, reviewer: str) -> dict[str, Any]:
        """Record a QA review of a stored reply; raises NotFound for an unknown id.

        The comment is free text a reviewer types while reading a customer's message, so it
        goes through the same redaction as reply text before it is stored (always: a
        reviewer quoting a phone number is not a reason to keep it)."""
        from scorer.redact import redact
        from scorer.store_reviews import count_review

        if verdict not in ("agree", "disagree"):
            raise InvalidQuery(f"verdict {verdict!r} must be 'agree' or 'disagree'")
        unknown = set(labels) - set(DIMENSIONS)
        if unknown:
            raise InvalidQuery(f"labels {sorted(unknown)} are not dimensions; use "
                               f"{', '.join(DIMENSIONS)}")
        row = {"reply_id": reply_id, "verdict": verdict,
               "labels": {k: int(v) for k, v in labels.items()},
               "comment": redact(_clean(comment) or "").text,
               "reviewer": _clean(reviewer, 128) or "",
               "created_at": datetime.now(UTC)}
        with _guard("saving a review"), self.engine.begin() as conn:
            record = conn.execute(sa.select(replies_t.c.record).where(replies_t.c.id == reply_id))
            found = record.first()
            if found is None:
                raise NotFound(reply_id)
            new_id = conn.execute(reviews_t.insert().returning(reviews_t.c.id), row).scalar_one()
            count_review(conn, found.record, row["labels"])
        row["id"] = new_id
        return {"id": new_id, "verdict": verdict, "labels": row["labels"],
                "comment": row["comment"], "reviewer": row["reviewer"],
                "created_at": row["created_at"].isoformat()}

    def purge(self, older_than: timedelta, *, now: datetime | None = None) -> int:
        """Delete replies (with their reasons and reviews) whose event time is older than
        `older_than`, and conversations closed before then; returns the replies deleted."""
        return self.purge_counts(older_than, now=now)[0]

    def purge_counts(self, older_than: timedelta, *,
                     now: datetime | None = None) -> tuple[int, int]:
        """`purge` in one transaction; returns (replies, conversations) deleted."""
        try:
            cutoff = (now or datetime.now(UTC)) - older_than
        except OverflowError:
            raise InvalidQuery(f"older than {older_than.days} days reaches back before year "
                               "1; nothing is that old, give a shorter age") from None
        old = sa.select(replies_t.c.id).where(replies_t.c.event_at < cutoff)
        with _guard("purging old replies"), self.engine.begin() as conn:
            conn.execute(reviews_t.delete().where(reviews_t.c.reply_id.in_(old)))
            conn.execute(reasons_t.delete().where(reasons_t.c.reply_id.in_(old)))
            deleted = conn.execute(replies_t.delete().where(replies_t.c.event_at < cutoff))
            conversations = self.conversations.purge(conn, cutoff)
        count = deleted.rowcount or 0
        if count or conversations:
            log.info("retention: purged %d flagged replies and %d conversations older than %s",
                     count, conversations, older_than)
        return count, conversations

    def maybe_purge(self) -> int:
        """Apply `retention_days` (and `audit_retention_days` to the audit log) at most
        once an hour; never raises (the next call retries). A purge that deleted anything
        is audited as actor `retention`."""
        if not self.retention_days and not self.audit_retention_days:
            return 0
        from scorer import audit

        with self._purge_lock:
            if time.monotonic() - self._last_purge < _AUTO_PURGE_EVERY_S and self._last_purge:
                return 0
            count = conversations = 0
            try:
                if self.retention_days:
                    count, conversations = self.purge_counts(
                        timedelta(days=self.retention_days))
                if self.audit_retention_days:
                    audit.purge_older(self.engine, timedelta(days=self.audit_retention_days))
            except StoreUnavailable as exc:
                log.warning("retention purge skipped: %s", exc)
                return 0
            self._last_purge = time.monotonic()
            if count or conversations:
                audit.record_quietly(self.engine, audit.AuditEntry(
                    action="purge", actor="retention", role="system", via="system",
                    target=f"older_than={self.retention_days}d replies={count} "
                           f"conversations={conversations}"))
            return count

    # -- conversations (the queries live in scorer.store_conversations) ---------------------

    @property
    def conversations(self) -> ConversationRepo:
        """Flagged conversations of this store (same engine, same availability errors)."""
        from scorer.store_conversations import ConversationRepo

        return ConversationRepo(self.engine)

    def write_conversations(self, rows: Sequence[dict[str, Any]]) -> None:
        """Upsert closed, flagged conversations by (conversation_id, opened_at); replaying
        the same rows leaves the store identical. Raises StoreUnavailable like write_rows."""
        self.conversations.write(rows)
        self.maybe_purge()

    # -- reads ------------------------------------------------------------------------------

    def _reviews_for(self, conn: Connection, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
        for i in range(0, len(ids), _CHUNK):
            rows = conn.execute(sa.select(reviews_t).where(
                reviews_t.c.reply_id.in_(ids[i:i + _CHUNK])).order_by(reviews_t.c.id))
            for row in rows:
                out[row.reply_id].append(_review_dict(row))
        return out

    def get(self, reply_id: str) -> dict[str, Any]:
        """One stored reply with its reviews; raises NotFound."""
        with _guard("reading a reply"), self.engine.connect() as conn:
            row = conn.execute(sa.select(*_REPLY_COLS).where(replies_t.c.id == reply_id)).first()
            if row is None:
                raise NotFound(reply_id)
            return _item(row, self._reviews_for(conn, [reply_id])[reply_id])

    def list_flagged(self, q: FlaggedQuery) -> Page:
        """One page of replies matching `q`, in `q.sort` order, with a cursor to the next."""
        stmt = page_select(REPLIES, _REPLY_COLS, _filters(q), sort=q.sort, cursor=q.cursor,
                           limit=q.limit)
        with _guard("listing replies"), self.engine.connect() as conn:
            rows, next_cursor = page_rows(REPLIES, list(conn.execute(stmt)), sort=q.sort,
                                          limit=q.limit)
            reviews = self._reviews_for(conn, [r.id for r in rows])
        return Page([_item(r, reviews[r.id]) for r in rows], next_cursor)

    def count_flagged(self, q: FlaggedQuery) -> int:
        """How many replies match `q`'s filters (what an export will hold, for the audit)."""
        stmt = sa.select(sa.func.count()).select_from(replies_t).where(*_filters(q))
        with _guard("counting replies"), self.engine.connect() as conn:
            return int(conn.execute(stmt).scalar_one())

    def iter_flagged(self, q: FlaggedQuery, *, max_rows: int = 100_000) -> Iterator[dict[str, Any]]:
        """Every reply matching `q` (page by page, so memory stays flat), up to max_rows."""
        seen = 0
        cursor = q.cursor
        while seen < max_rows:
            page = self.list_flagged(FlaggedQuery(**{**q.__dict__, "cursor": cursor,
                                                     "limit": MAX_PAGE_SIZE}))
            for item in page.items[:max_rows - seen]:
                yield item
                seen += 1
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    def stats(self, since: datetime, until: datetime) -> dict[str, Any]:
        """Counts per channel, band and reason of replies whose event time is in the window."""
        c = replies_t.c
        window = [c.event_at >= since, c.event_at < until, c.flagged == sa.true()]
        with _guard("computing stats"), self.engine.connect() as conn:
            def grouped(col: sa.ColumnElement[Any], *extra: Any) -> dict[str, int]:
                stmt = sa.select(col, sa.func.count()).where(*window, *extra).group_by(col)
                return {str(k): int(n) for k, n in conn.execute(stmt)}

            total = conn.execute(sa.select(sa.func.count()).where(*window)).scalar_one()
            by_reason = grouped(reasons_t.c.reason, reasons_t.c.reply_id == c.id)
            reviewed = conn.execute(sa.select(sa.func.count()).where(
                *window, sa.exists().where(reviews_t.c.reply_id == c.id))).scalar_one()
            return {
                "since": since.isoformat(), "until": until.isoformat(), "total": int(total),
                "by_channel": grouped(c.channel), "by_band": grouped(c.band),
                "by_reason": by_reason, "reviewed": int(reviewed),
            }

    def export_feedback(self, out: IO[str], *, since: datetime | None = None) -> tuple[int, int]:
        """Write labelled training JSONL from QA reviews; returns (written, skipped).

        One line per reviewed reply, from its latest review: the reviewer's corrected
        labels over the model's own present/absent verdicts (score ≥ 0.5), or the model's
        verdicts unchanged when the reviewer agreed. A disagreement without any corrected
        label says nothing trainable and is skipped.
        """
        latest = (sa.select(reviews_t.c.reply_id, sa.func.max(reviews_t.c.id).label("rid"))
                  .group_by(reviews_t.c.reply_id).subquery())
        stmt = (sa.select(*_REPLY_COLS, reviews_t.c.verdict, reviews_t.c.labels,
                          reviews_t.c.created_at.label("reviewed_at"))
                .join(latest, latest.c.reply_id == replies_t.c.id)
                .join(reviews_t, reviews_t.c.id == latest.c.rid)
                .order_by(replies_t.c.id))
        if since is not None:
            stmt = stmt.where(reviews_t.c.created_at >= since)
        written = skipped = 0
        with _guard("exporting feedback"), self.engine.connect() as conn:
            for row in conn.execution_options(yield_per=_CHUNK).execute(stmt):
                record = row.record
                labels = {d: int(float(record["dimensions"].get(d, 0.0)) >= 0.5)
                          for d in DIMENSIONS}
                corrected = row.labels or {}
                if row.verdict == "disagree":
                    if not corrected:
                        skipped += 1
                        continue
                    labels.update({d: int(v) for d, v in corrected.items() if d in labels})
                line = {
                    "id": row.id, "channel": record["channel"], "text": row.text,
                    "content_type": row.content_type, "language": record["language"],
                    "conversation_id": row.conversation_id, "agent_id": row.agent_id,
                    "team": row.team, "sent_at": _iso(row.sent_at), "labels": labels,
                    "source": "qa_review", "review_verdict": row.verdict,
                    "model_version": record.get("model_version"),
                }
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
                written += 1
        return written, skipped


# --- command helpers (the CLI stays thin) ------------------------------------------------------


def _cell(value: Any, width: int) -> str:
    text = "" if value is None else " ".join(str(value).split())
    return text if len(text) <= width else text[:width - 1] + "…"


def flagged_table(settings: Settings, *, limit: int = 20, sort: str = DEFAULT_SORT,
                  since: str | None = None, until: str | None = None,
                  **filters: str | None) -> str:
    """`scorer flagged`: a fixed-width table of the matching replies, worst first."""
    q = FlaggedQuery(sort=sort, limit=limit,
                     since=parse_time(since) if since else None,
                     until=parse_time(until) if until else None,
                     **{k: v for k, v in filters.items() if v is not None})
    store = FlaggedStore.from_settings(settings)
    try:
        page = store.list_flagged(q)
    finally:
        store.close()
    cols = (("when", 16), ("id", 14), ("channel", 9), ("lang", 4), ("total", 5),
            ("band", 7), ("reasons", 28), ("team", 10), ("agent", 10), ("rev", 3),
            ("text", 48))
    lines = ["  ".join(name.ljust(w) for name, w in cols).rstrip()]
    lines.append("  ".join("-" * w for _, w in cols))
    for it in page.items:
        values = (it["event_at"][:16].replace("T", " "), it["id"], it["channel"],
                  it["language"], it["total"], it["band"], ",".join(it["reasons"]),
                  it["team"], it["agent_id"], len(it["reviews"]), it["text"])
        lines.append("  ".join(_cell(v, w).ljust(w) for v, (_, w) in zip(values, cols,
                                                                       strict=True)).rstrip())
    lines.append(f"({len(page.items)} shown" + (", more available)" if page.next_cursor
                                                 else ")"))
    return "\n".join(lines)


def purge_command(settings: Settings, older_than: str, *, actor: str = "cli") -> str:
    """`scorer flagged purge --older-than 90d`, audited under `actor` (the OS user)."""
    from scorer import audit

    age = parse_duration(older_than)
    store = FlaggedStore.from_settings(settings)
    entry = audit.AuditEntry(action="purge", actor=actor, role="admin", via="cli",
                             target=f"older_than={older_than.strip()}")
    try:
        try:
            replies, conversations = store.purge_counts(age)
        except (InvalidQuery, StoreUnavailable) as exc:
            entry.result = "invalid" if isinstance(exc, InvalidQuery) else "error"
            audit.record_quietly(store.engine, entry)
            raise
        entry.target += f" replies={replies} conversations={conversations}"
        audit.record(store.engine, entry)
    finally:
        store.close()
    return (f"purged {replies} flagged replies and {conversations} flagged conversations "
            f"older than {older_than.strip()}")


def export_feedback_command(settings: Settings, out: Path | None, *, since: str | None,
                            stdout: IO[str]) -> tuple[int, int]:
    """`scorer feedback export [--out FILE]`; writes to a temp file and renames, so a
    half-written export never replaces a good one."""
    start = parse_time(since) if since else None
    store = FlaggedStore.from_settings(settings)
    try:
        if out is None:
            return store.export_feedback(stdout, since=start)
        tmp = out.with_name(out.name + ".part")
        with open(tmp, "w", encoding="utf-8") as fh:
            result = store.export_feedback(fh, since=start)
        tmp.replace(out)
        return result
    finally:
        store.close()
