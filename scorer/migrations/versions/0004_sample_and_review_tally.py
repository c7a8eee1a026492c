"""The unbiased sample and the review tally behind `reply_reviews_total`.

`flagged_replies.sampled`: the reply is in the random review sample (scorer.sample), so
recall of the flags can be measured on it. The store now also keeps replies the model did
not flag when they are sampled; `flagged_replies.flagged` tells them apart, so the
listings, exports and counts that always meant "flagged replies" keep meaning that. Rows
stored before this revision were all flagged and none was sampled.

`review_tally`: how many per-dimension review labels agreed or disagreed with the model,
ever. It is a counter that only grows: reviews themselves are purged with their replies
after SCORER_RETENTION_DAYS, and a Prometheus counter read from a table that shrinks would
look like a reset and make `increase()` jump. It holds counts only, no customer data, so
it is never purged. Existing reviews are counted into it here, once.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_DIMENSIONS = ("greeting", "explanation", "closing")


def upgrade() -> None:
    # Plain ADD COLUMN (SQLite too: a NOT NULL column with a constant default needs no
    # table rebuild, and a rebuild would have to juggle the reviews' foreign keys).
    op.add_column("flagged_replies", sa.Column("sampled", sa.Boolean, nullable=False,
                                               server_default=sa.false()))
    op.add_column("flagged_replies", sa.Column("flagged", sa.Boolean, nullable=False,
                                               server_default=sa.true()))
    # `?sampled=true` lists the sample (a few % of the rows) newest or worst first.
    op.create_index("ix_flagged_sampled", "flagged_replies", ["sampled", "event_at", "id"])
    tally = op.create_table(
        "review_tally",
        sa.Column("dimension", sa.String(16), primary_key=True),
        sa.Column("verdict", sa.String(16), primary_key=True),
        sa.Column("count", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(tally, _existing_counts())


def _existing_counts() -> list[dict[str, Any]]:
    """Every stored review's labels against the model's verdict (score >= 0.5 = present)."""
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT r.labels, f.record FROM reviews r JOIN flagged_replies f ON f.id = r.reply_id"))
    counts: Counter[tuple[str, str]] = Counter()
    for labels, record in rows:
        labels = json.loads(labels) if isinstance(labels, str) else (labels or {})
        record = json.loads(record) if isinstance(record, str) else record
        dims = (record or {}).get("dimensions") or {}
        for dim in _DIMENSIONS:
            if dim in labels and dim in dims:
                model = int(float(dims[dim]) >= 0.5)
                counts[(dim, "agree" if int(labels[dim]) == model else "disagree")] += 1
    return [{"dimension": d, "verdict": v, "count": n} for (d, v), n in sorted(counts.items())]


def downgrade() -> None:
    op.drop_table("review_tally")
    op.drop_index("ix_flagged_sampled", table_name="flagged_replies")
    with op.batch_alter_table("flagged_replies") as batch:
        batch.drop_column("flagged")
        batch.drop_column("sampled")
