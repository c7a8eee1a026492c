"""The tables the code queries (scorer.store.tables) are the tables the migrations build.

The migrations spell every table out again (they are history and never edited), so the two
descriptions can drift: a column added to one only, an index the queries rely on that no
migration creates. Alembic's autogenerate comparison of a freshly migrated database with
the metadata finds any such difference; this test fails on it and prints it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from scorer.store.engine import make_engine
from scorer.store.schema import migrate
from scorer.store.tables import metadata


def migrated_diff(tmp_path: Path, tables: sa.MetaData) -> list[Any]:
    """What Alembic would change to turn a freshly migrated SQLite store into `tables`."""
    engine = make_engine(f"sqlite:///{tmp_path}/flagged.db")
    try:
        migrate(engine)
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "compare_server_default": True})
            return list(compare_metadata(context, tables))
    finally:
        engine.dispose()


def test_a_freshly_migrated_database_matches_the_store_tables(tmp_path: Path) -> None:
    diff = migrated_diff(tmp_path, metadata)
    assert diff == [], ("scorer/store/tables.py and scorer/migrations disagree (write the "
                        f"migration, or fix the table): {diff}")


def test_the_comparison_sees_what_the_migrations_lack(tmp_path: Path) -> None:
    """The check is not vacuous: a table or an index the migrations never made shows up."""
    extra = sa.MetaData()
    for table in metadata.sorted_tables:
        table.to_metadata(extra)
    sa.Table("not_migrated", extra, sa.Column("id", sa.Integer, primary_key=True))
    sa.Index("ix_not_migrated", extra.tables["flagged_replies"].c.model_version)
    kinds = sorted(d[0] for d in migrated_diff(tmp_path, extra))
    assert kinds == ["add_index", "add_table"]
