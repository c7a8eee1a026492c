"""The flagged store's tables as the code sees them: one SQLAlchemy `MetaData` for all.

The Alembic migrations in `scorer/migrations/versions/` create and change the schema; they
are history and are never edited, so they spell their tables out again. This module is the
one description the queries use, indexes and foreign-key actions included, and
tests/unit/test_store_tables.py migrates a fresh database and compares it with `metadata`
(Alembic's autogenerate comparison): a migration without its change here, or a change here
without its migration, fails that test instead of drifting unnoticed.

Every table lives here, the audit log's and the review tally's too, so that importing this
module gives the complete schema.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa


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

# --- replies and their reviews (0001, 0004) ----------------------------------------------------

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
    # The listing sorts end with the id: keyset pagination (scorer.store.query).
    sa.Index("ix_flagged_event", "event_at", "id"),
    sa.Index("ix_flagged_total", "total", "event_at", "id"),
    sa.Index("ix_flagged_sampled", "sampled", "event_at", "id"),
    sa.Index("ix_flagged_channel_event", "channel", "event_at"),
    sa.Index("ix_flagged_team", "team"),
    sa.Index("ix_flagged_agent", "agent_id"),
    sa.Index("ix_flagged_band", "band"),
    sa.Index("ix_flagged_language", "language"),
)
reasons_t = sa.Table(
    "flagged_reasons", metadata,
    sa.Column("reply_id", sa.String(256),
              sa.ForeignKey("flagged_replies.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("reason", sa.String(64), primary_key=True),
    sa.Index("ix_reasons_reason", "reason", "reply_id"),
)
reviews_t = sa.Table(
    "reviews", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("reply_id", sa.String(256),
              sa.ForeignKey("flagged_replies.id", ondelete="CASCADE"), nullable=False),
    sa.Column("verdict", sa.String(16), nullable=False),
    sa.Column("labels", sa.JSON, nullable=False),
    sa.Column("comment", sa.Text, nullable=False),
    sa.Column("reviewer", sa.String(128), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_reviews_reply", "reply_id", "id"),
    sa.Index("ix_reviews_created", "created_at"),
)
# Per-dimension review labels that agreed or disagreed with the model, ever: a counter that
# only grows, never purged (scorer.store.reviews).
review_tally_t = sa.Table(
    "review_tally", metadata,
    sa.Column("dimension", sa.String(16), primary_key=True),
    sa.Column("verdict", sa.String(16), primary_key=True),
    sa.Column("count", sa.BigInteger, nullable=False),
)

# --- conversations (0002) ----------------------------------------------------------------------

# Flagged conversations (scorer.store.conversations): one row per inquiry. `inquiry_key` is
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
    sa.Column("messages_dropped", sa.Integer, nullable=False, server_default="0"),
    sa.Column("record", sa.JSON, nullable=False),
    sa.Index("ix_conv_identity", "conversation_id", "opened_at", unique=True),
    sa.Index("ix_conv_total", "total", "closed_at", "inquiry_key"),
    sa.Index("ix_conv_closed", "closed_at", "inquiry_key"),
    sa.Index("ix_conv_channel_closed", "channel", "closed_at"),
    sa.Index("ix_conv_team", "team"),
    sa.Index("ix_conv_band", "band"),
    sa.Index("ix_conv_language", "language"),
)


def _inquiry_ref() -> sa.Column[str]:
    return sa.Column("inquiry_key", sa.String(300),
                     sa.ForeignKey(conversations_t.c.inquiry_key, ondelete="CASCADE"),
                     primary_key=True)


conversation_reasons_t = sa.Table(
    "flagged_conversation_reasons", metadata,
    _inquiry_ref(),
    sa.Column("reason", sa.String(64), primary_key=True),
    sa.Index("ix_conv_reasons_reason", "reason", "inquiry_key"),
)
conversation_messages_t = sa.Table(
    "flagged_conversation_messages", metadata,
    _inquiry_ref(),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("message_id", sa.String(256), nullable=False),
    sa.Column("author", sa.String(16), nullable=False),
    sa.Column("sent_at", UTCDateTime),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("truncated", sa.Boolean, nullable=False),
    sa.Column("reply", sa.JSON),
)

# --- the audit log (0003; scorer.audit) --------------------------------------------------------

audit_t = sa.Table(
    "audit", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("actor", sa.String(128), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("via", sa.String(16), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("target", sa.String(600), nullable=False),
    sa.Column("filters", sa.String(300), nullable=False),
    sa.Column("result", sa.String(32), nullable=False),
    sa.Column("client", sa.String(64), nullable=True),
    sa.Index("ix_audit_at", "at"),
    sa.Index("ix_audit_actor_at", "actor", "at"),
)
