"""Opening the flagged store's database: schema revision, migrate-or-refuse, where it is.

The schema is owned by the Alembic migrations in `scorer/migrations/`; `migrate` brings a
database to this version's head. Concurrent openers (several service workers, the API)
serialise on an advisory lock (PostgreSQL) or a lock file (SQLite), so a schema is never
created twice.

`SCORER_STORE_MIGRATE=auto` (the default) migrates the schema to this version's Alembic
head whenever a store is opened, as every release before did. `off` only reads the
revision and refuses a schema that is not current with `SchemaNotCurrent`, naming
`scorer db upgrade`: migrations then run once, explicitly (a deploy job or an operator),
under a role with DDL rights, and the service and QA API need none.

`SchemaNotCurrent` is a `StoreUnavailable`, so the streaming service treats it like a
database that is down at startup: live, not ready, retrying with backoff, logging the fix;
it starts by itself once the migration has run. The CLI exits 2 with the message.

Every open logs the store's location (password masked) at INFO; opening a SQLite file
that did not exist logs a WARNING naming the absolute path, since a relative
`SCORER_STORE_URL` (the default `./flagged.db`) depends on the working directory.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, make_url

from scorer.settings import Settings
from scorer.store.engine import (
    SQLITE_FILE_MODE,
    StoreUnavailable,
    guard,
    make_engine,
    sqlite_file,
)

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
_PG_MIGRATION_LOCK = 0x5C0_4E5  # arbitrary constant key for pg_advisory_lock
UPGRADE_HINT = "run `scorer db upgrade` (with the same settings) to migrate it"


class SchemaNotCurrent(StoreUnavailable):
    """The schema is not at this version's head and SCORER_STORE_MIGRATE=off forbids
    migrating it on open."""


@dataclass(frozen=True)
class SchemaState:
    current: str | None  # None: no schema yet (empty database)
    head: str
    known: bool  # `current` is one of this version's revisions (or None)

    @property
    def at_head(self) -> bool:
        return self.current == self.head

    def describe(self) -> str:
        if self.at_head:
            return f"schema at head {self.head}"
        if self.current is None:
            return f"no schema yet (head is {self.head}); {UPGRADE_HINT}"
        if not self.known:
            return (f"schema at revision {self.current}, which this version does not know "
                    f"(its head is {self.head}): a newer scorer migrated it; run that version")
        return f"migration pending: schema at {self.current}, head is {self.head}; {UPGRADE_HINT}"


def location(url: str) -> str:
    """The store URL for people and logs, its password masked."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL: show its scheme only
        return url.split(":", 1)[0] + ":…"


@contextlib.contextmanager
def _sqlite_migration_lock(engine: Engine) -> Iterator[None]:
    """Serialise openers of one SQLite file *before* their first connection: that
    connection switches a new file to WAL, and two connections doing so at once fail with
    "database is locked" at once (SQLite's deadlock avoidance skips the busy timeout)."""
    db = sqlite_file(engine.url) if engine.dialect.name == "sqlite" else None
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


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    if head is None:  # a packaging bug, not an operator's
        raise RuntimeError(f"no Alembic revisions in {MIGRATIONS_DIR}")
    return head


def schema_state(engine: Engine) -> SchemaState:
    """Read the revision without changing anything (no DDL, no version table created)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    script = ScriptDirectory(str(MIGRATIONS_DIR))
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    head = script.get_current_head() or ""
    known = True
    if current is not None:
        try:
            known = script.get_revision(current) is not None
        except CommandError:
            known = False
    return SchemaState(current, head, known)


def open_engine(settings: Settings) -> Engine:
    """An engine on `settings.store_url` whose schema is current: migrated when
    SCORER_STORE_MIGRATE=auto, checked (SchemaNotCurrent otherwise) when off."""
    url = settings.store_url
    path = sqlite_file(url)
    new_file = path is not None and not os.path.exists(path)
    if new_file and settings.store_migrate == "off":
        raise SchemaNotCurrent(
            f"flagged store {path} does not exist and SCORER_STORE_MIGRATE=off; "
            f"{UPGRADE_HINT.replace('migrate it', 'create it')}, or fix SCORER_STORE_URL")
    engine = make_engine(url)
    try:
        with guard("opening the schema"):
            if settings.store_migrate == "auto":
                migrate(engine)
            else:
                with _sqlite_migration_lock(engine):
                    state = schema_state(engine)
                if not state.at_head:
                    raise SchemaNotCurrent(
                        f"flagged store {location(url)}: {state.describe()} "
                        "(SCORER_STORE_MIGRATE=off does not migrate on open)")
    except BaseException:
        engine.dispose()
        raise
    if new_file:
        log.warning("flagged store %s did not exist: created a new, empty one (if you expected "
                    "stored replies, set SCORER_STORE_URL to the service's database)", path)
    log.info("flagged store: %s", location(url))
    return engine


def upgrade(settings: Settings) -> tuple[SchemaState, SchemaState]:
    """`scorer db upgrade`: migrate to head whatever SCORER_STORE_MIGRATE says; returns
    the states before and after."""
    engine = make_engine(settings.store_url)
    try:
        with guard("migrating the schema"):
            with _sqlite_migration_lock(engine):
                before = schema_state(engine)
            if not before.known:
                raise SchemaNotCurrent(f"flagged store {location(settings.store_url)}: "
                                       f"{before.describe()}")
            migrate(engine)
            return before, schema_state(engine)
    finally:
        engine.dispose()


def current(settings: Settings) -> SchemaState:
    """`scorer db current`: the revision, without creating or migrating anything."""
    path = sqlite_file(settings.store_url)
    if path is not None and not os.path.exists(path):
        return SchemaState(None, head_revision(), True)
    engine = make_engine(settings.store_url)
    try:
        with guard("reading the schema revision"), _sqlite_migration_lock(engine):
            return schema_state(engine)
    finally:
        engine.dispose()
