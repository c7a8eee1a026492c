"""Initial flagged store: replies, their reasons, and QA reviews.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "flagged_replies",
        sa.Column("id", sa.String(256), primary_key=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("band", sa.String(16), nullable=False),
        sa.Column("total", sa.Integer, nullable=False),
        sa.Column("event_at", _TS, nullable=False),
        sa.Column("sent_at", _TS, nullable=True),
        sa.Column("scored_at", _TS, nullable=False),
        sa.Column("stored_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("team", sa.String(256), nullable=True),
        sa.Column("agent_id", sa.String(256), nullable=True),
        sa.Column("conversation_id", sa.String(256), nullable=True),
        sa.Column("model_version", sa.String(128), nullable=False),
        sa.Column("content_type", sa.String(32), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("redacted", sa.Boolean, nullable=False),
        sa.Column("record", sa.JSON, nullable=False),
        sa.Column("evidence", sa.JSON, nullable=False),
    )
    op.create_index("ix_flagged_event", "flagged_replies", ["event_at", "id"])
    op.create_index("ix_flagged_total", "flagged_replies", ["total", "event_at", "id"])
    op.create_index("ix_flagged_channel_event", "flagged_replies", ["channel", "event_at"])
    op.create_index("ix_flagged_team", "flagged_replies", ["team"])
    op.create_index("ix_flagged_agent", "flagged_replies", ["agent_id"])
    op.create_index("ix_flagged_band", "flagged_replies", ["band"])
    op.create_index("ix_flagged_language", "flagged_replies", ["language"])

    op.create_table(
        "flagged_reasons",
        sa.Column("reply_id", sa.String(256),
                  sa.ForeignKey("flagged_replies.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("reason", sa.String(64), primary_key=True),
    )
    op.create_index("ix_reasons_reason", "flagged_reasons", ["reason", "reply_id"])

    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("reply_id", sa.String(256),
                  sa.ForeignKey("flagged_replies.id", ondelete="CASCADE"), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("labels", sa.JSON, nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("reviewer", sa.String(128), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_index("ix_reviews_reply", "reviews", ["reply_id", "id"])
    op.create_index("ix_reviews_created", "reviews", ["created_at"])


def downgrade() -> None:
    op.drop_table("reviews")
    op.drop_table("flagged_reasons")
    op.drop_table("flagged_replies")
