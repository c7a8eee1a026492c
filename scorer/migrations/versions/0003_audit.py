"""The audit log: who listed, opened, exported, reviewed or purged what, and when.

One row per QA API call by an identified caller (and per purge, from the command line or
the automatic retention). Rows hold ids, counts and filter *names*, never reply text or
free-text filter values, so the audit log itself carries no customer data and can be kept
longer than the replies it talks about (SCORER_AUDIT_RETENTION_DAYS).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("via", sa.String(16), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("target", sa.String(600), nullable=False),
        sa.Column("filters", sa.String(300), nullable=False),
        sa.Column("result", sa.String(32), nullable=False),
        sa.Column("client", sa.String(64), nullable=True),
    )
    op.create_index("ix_audit_at", "audit", ["at"])
    op.create_index("ix_audit_actor_at", "audit", ["actor", "at"])


def downgrade() -> None:
    op.drop_table("audit")
