"""Talking to the store's database: engines, the SQLite/PostgreSQL differences, and errors.

The store runs on SQLite (the embedded default, one file) or PostgreSQL (`postgresql://…`,
psycopg 3). Everything that differs between the two outside the schema lives here: the
URL mapping, connection settings and pragmas, the owner-only mode of SQLite's files, and
the upsert dialect. Every module of the store runs its statements inside `guard`, so
errors a retry can cure (server down, lock timeout, dropped connection) surface as
`StoreUnavailable`, which the streaming service retries without committing offsets, and
never with a data value in the message.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, Connection, Engine, make_url

log = logging.getLogger(__name__)

#: Rows per statement when a batch is written, deleted or streamed in parts: keeps IN lists
#: and executemany batches within what both databases accept.
CHUNK = 500
#: Mode of the SQLite database and its -wal/-shm/lock files: they hold customer replies
#: (redacted, but still personal), so only the service's own user may read them.
SQLITE_FILE_MODE = 0o600


class StoreUnavailable(RuntimeError):
    """The database cannot be reached or a write failed transiently; retry later."""


@contextlib.contextmanager
def guard(action: str) -> Iterator[None]:
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


def sqlite_file(url: str | URL) -> str | None:
    """The database file of a SQLite URL (None for other databases and in-memory ones)."""
    try:
        u = make_url(url)
    except Exception:
        return None
    db = u.database
    if not u.drivername.startswith("sqlite") or not db or db == ":memory:" \
            or db.startswith("file:"):
        return None
    return db


def private_file(path: str) -> None:
    """Create `path` owner-only if missing, and tighten it if it is wider (a file made by
    an older version or under a loose umask). SQLite gives the -wal and -shm files the
    mode of the database file, so this covers them too. Errors are left to SQLite, which
    reports an unusable path as StoreUnavailable.

    An existing file is never opened, only chmod-ed by path: closing *any* descriptor of a
    file drops every POSIX lock the process holds on it, SQLite's included. Opening and
    closing the -shm file beside a live connection released its dead-man-switch lock, so
    another process opening the store took itself for the only user and truncated the
    shared memory under that connection (SIGBUS; tests/unit/test_store_sqlite_locks.py).
    """
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR, SQLITE_FILE_MODE)
    except FileExistsError:
        pass
    except OSError:
        return
    else:
        os.close(fd)  # a file this call created: no connection can hold a lock on it yet
        return
    try:
        mode = os.stat(path).st_mode & 0o777
        if mode != SQLITE_FILE_MODE:
            os.chmod(path, SQLITE_FILE_MODE)
            log.warning("flagged store file %s was readable by others (mode %o); now %o",
                        path, mode, SQLITE_FILE_MODE)
    except OSError as exc:
        log.warning("cannot make %s private (%s); run chmod 600 on it", path, exc)


def make_engine(url: str) -> Engine:
    """An engine with the connection settings the store relies on."""
    real = sqlalchemy_url(url)
    if real.startswith("sqlite"):
        engine = sa.create_engine(real, connect_args={"timeout": 30, "check_same_thread": False})
        path = sqlite_file(engine.url)
        if path is not None:
            private_file(path)

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
                        private_file(side)

        return engine
    return sa.create_engine(
        real, pool_pre_ping=True, pool_size=5, max_overflow=5,
        connect_args={"connect_timeout": 10, "application_name": "reply-scorer"},
    )


def dialect_insert(bind: Engine | Connection, table: sa.Table) -> Any:
    """INSERT into `table` in the dialect of `bind`, which has ON CONFLICT (both do)."""
    insert = postgresql.insert if bind.dialect.name == "postgresql" else sqlite.insert
    return insert(table)


def upsert_statement(engine: Engine, table: sa.Table) -> Any:
    """INSERT … ON CONFLICT (primary key) DO UPDATE every column but `stored_at`, so a
    rewrite updates in place and the row keeps the time it was first stored."""
    stmt = dialect_insert(engine, table)
    keys = [c.name for c in table.primary_key.columns]
    return stmt.on_conflict_do_update(
        index_elements=keys, set_={c.name: stmt.excluded[c.name] for c in table.c
                                   if c.name not in (*keys, "stored_at")})
