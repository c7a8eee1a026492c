"""Opening more SQLite connections in one process never drops the locks of those it has.

POSIX record locks belong to the process and the file: closing any descriptor of the file
releases all of them. SQLite's connection to a WAL store holds a shared lock on one byte
of the `-shm` file (its dead-man switch); a process that finds that byte free believes no
one else uses the store and truncates the shared memory, and the process still mapping it
dies of SIGBUS. The store once opened and closed the `-shm` file on every new connection
(to fix its mode) and so released that lock.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from scorer.store.engine import SQLITE_FILE_MODE, make_engine

#: SQLite's unix VFS: the dead-man-switch byte follows the 120-byte header and 8 lock bytes.
_DMS_OFFSET = 128
_PROBE = f"""
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
try:
    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, {_DMS_OFFSET})
    print("free")
except OSError:
    print("held")
"""


def _dms_seen_from_another_process(db: Path) -> str:
    out = subprocess.run([sys.executable, "-c", _PROBE, f"{db}-shm"], capture_output=True,
                         text=True, check=True, timeout=60)
    return out.stdout.strip()


def test_a_second_connection_keeps_the_first_ones_shared_memory_lock(tmp_path: Path) -> None:
    db = tmp_path / "flagged.db"
    engine = make_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as first:
            first.execute(sa.text("CREATE TABLE t (x INTEGER)"))
            first.commit()
            first.execute(sa.text("SELECT count(*) FROM t")).all()
            assert _dms_seen_from_another_process(db) == "held"
            with engine.connect() as second:  # a new pooled connection: the connect hook runs
                second.execute(sa.text("SELECT 1")).all()
                assert _dms_seen_from_another_process(db) == "held"
            assert _dms_seen_from_another_process(db) == "held"
            make_engine(f"sqlite:///{db}").dispose()  # a second engine on the same file
            assert _dms_seen_from_another_process(db) == "held"
    finally:
        engine.dispose()


def test_store_files_are_still_made_owner_only(tmp_path: Path) -> None:
    db = tmp_path / "flagged.db"
    db.write_bytes(b"")
    os.chmod(db, 0o644)
    engine = make_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("CREATE TABLE t (x INTEGER)"))
            conn.commit()
        for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
            if path.exists():
                assert stat.S_IMODE(path.stat().st_mode) == SQLITE_FILE_MODE, path
    finally:
        engine.dispose()
