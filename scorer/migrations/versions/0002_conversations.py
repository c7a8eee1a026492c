"""Flagged conversations (inquiries): the conversation, its reasons and its thread.

A conversation_id reopens as a new inquiry when a message arrives after it closed, so a
stored conversation is keyed by `inquiry_key`, a pure function of (conversation_id,
opened_at); the unique index on that pair makes the identity explicit and serves
`GET /api/conversations/{id}` (newest inquiry first).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def _inquiry_ref() -> sa.Column[str]:
    return sa.Column("inquiry_key", sa.String(300),
                     sa.ForeignKey("flagged_conversations.inquiry_key", ondelete="CASCADE"),
                     primary_key=True)


def upgrade() -> None:
    op.create_table(
        "flagged_conversations",
        sa.Column("inquiry_key", sa.String(300), primary_key=True),
        sa.Column("conversation_id", sa.String(256), nullable=False),
        sa.Column("opened_at", _TS, nullable=False),
        sa.Column("closed_at", _TS, nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("band", sa.String(16), nullable=False),
        sa.Column("total", sa.Integer, nullable=False),
        sa.Column("team", sa.String(256), nullable=True),
        sa.Column("answered", sa.Boolean, nullable=False),
        sa.Column("first_response_seconds", sa.Float, nullable=True),
        sa.Column("stored_at", _TS, nullable=False),
        sa.Column("redacted", sa.Boolean, nullable=False),
        # Older messages of a long thread the service did not keep (it keeps the tail).
        sa.Column("messages_dropped", sa.Integer, nullable=False, server_default="0"),
        sa.Column("record", sa.JSON, nullable=False),
    )
    op.create_index("ix_conv_identity", "flagged_conversations",
                    ["conversation_id", "opened_at"], unique=True)
    # The listing sorts (worst first, newest first) end with the key: keyset pagination.
    op.create_index("ix_conv_total", "flagged_conversations",
                    ["total", "closed_at", "inquiry_key"])
    op.create_index("ix_conv_closed", "flagged_conversations", ["closed_at", "inquiry_key"])
    op.create_index("ix_conv_channel_closed", "flagged_conversations", ["channel", "closed_at"])
    op.create_index("ix_conv_team", "flagged_conversations", ["team"])
    op.create_index("ix_conv_band", "flagged_conversations", ["band"])
    op.create_index("ix_conv_language", "flagged_conversations", ["language"])

    op.create_table(
        "flagged_conversation_reasons",
        _inquiry_ref(),
        sa.Column("reason", sa.String(64), primary_key=True),
    )
    op.create_index("ix_conv_reasons_reason", "flagged_conversation_reasons",
                    ["reason", "inquiry_key"])

    op.create_table(
        "flagged_conversation_messages",
        _inquiry_ref(),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("message_id", sa.String(256), nullable=False),
        sa.Column("author", sa.String(16), nullable=False),
        sa.Column("sent_at", _TS, nullable=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("truncated", sa.Boolean, nullable=False),
        sa.Column("reply", sa.JSON, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("flagged_conversation_messages")
    op.drop_table("flagged_conversation_reasons")
    op.drop_table("flagged_conversations")
