"""FlaggedStore: the flagged replies QA teams query, review and export, over one engine.

Writes are idempotent by reply id: a redelivered Kafka record updates its row in place,
and reviews hang off the id in their own table, so a rewrite never drops them. Reply text
is redacted before it reaches the database (scorer.store.rows, `settings.redact`), review
comments always. Retention (`retention_days`, and the audit log's own) runs from here, at
most once an hour, on the write path and from the API.

Errors that a retry can cure surface as `StoreUnavailable` (scorer.store.engine.guard);
reply text never appears in log lines or exception messages raised from here. Flagged
conversations share the engine through `FlaggedStore.conversations`.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from scorer import audit
from scorer.redact import REDACTOR, Redactor, redactor_keeping
from scorer.schema import DIMENSIONS, Reply, ScoredReply
from scorer.settings import Settings
from scorer.store.conversations import ConversationRepo
from scorer.store.engine import CHUNK, StoreUnavailable, guard, upsert_statement
from scorer.store.query import (
    MAX_PAGE_SIZE,
    REPLIES,
    FlaggedQuery,
    InvalidQuery,
    NotFound,
    Page,
    page_rows,
    page_select,
    reply_filters,
)
from scorer.store.reviews import VERDICTS, count_review
from scorer.store.rows import clean, flagged_rows
from scorer.store.schema import open_engine
from scorer.store.tables import reasons_t, replies_t, reviews_t

log = logging.getLogger(__name__)

_AUTO_PURGE_EVERY_S = 3600.0


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


class FlaggedStore:
    """Flagged replies with their QA reviews. Thread-safe (one engine, pooled connections)."""

    def __init__(self, engine: Engine, *, redact_text: bool = True,
                 retention_days: int | None = None,
                 audit_retention_days: int | None = None,
                 redactor: Redactor = REDACTOR) -> None:
        self.engine = engine
        self.redact_text = redact_text
        #: Redacts stored text and review comments, keeping `SCORER_REDACT_KEEP`'s strings.
        self.redactor = redactor
        self.retention_days = retention_days
        self.audit_retention_days = audit_retention_days
        self._last_purge = 0.0
        self._purge_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> FlaggedStore:
        """Open the store at `settings.store_url`, migrating its schema first (or, with
        SCORER_STORE_MIGRATE=off, refusing one that is not current: scorer.store.schema)."""
        engine = open_engine(settings)
        store = cls(engine, redact_text=settings.redact, retention_days=settings.retention_days,
                    audit_retention_days=settings.audit_retention_days,
                    redactor=redactor_keeping(settings.redact_keep))
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
        return self.write_rows(flagged_rows(items, redact_text=self.redact_text,
                                            redactor=self.redactor), unflagged_ids)

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
        with guard("writing flagged replies"), self.engine.begin() as conn:
            for i in range(0, len(rows), CHUNK):
                chunk = rows[i:i + CHUNK]
                conn.execute(stmt, chunk)
                conn.execute(reasons_t.delete().where(
                    reasons_t.c.reply_id.in_([r["id"] for r in chunk])))
            for i in range(0, len(reason_rows), CHUNK):
                conn.execute(reasons_t.insert(), reason_rows[i:i + CHUNK])
        self.maybe_purge()
        return len(rows)

    def _discard(self, ids: Sequence[str]) -> None:
        """Delete stored, unreviewed replies among `ids` (see upsert_flagged)."""
        reviewed = sa.select(reviews_t.c.reply_id)
        with guard("removing replies no longer flagged"), self.engine.begin() as conn:
            for i in range(0, len(ids), CHUNK):
                chunk = list(ids[i:i + CHUNK])
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
        if verdict not in VERDICTS:
            raise InvalidQuery(f"verdict {verdict!r} must be 'agree' or 'disagree'")
        unknown = set(labels) - set(DIMENSIONS)
        if unknown:
            raise InvalidQuery(f"labels {sorted(unknown)} are not dimensions; use "
                               f"{', '.join(DIMENSIONS)}")
        row = {"reply_id": reply_id, "verdict": verdict,
               "labels": {k: int(v) for k, v in labels.items()},
               "comment": self.redactor.redact(clean(comment) or "").text,
               "reviewer": clean(reviewer, 128) or "",
               "created_at": datetime.now(UTC)}
        with guard("saving a review"), self.engine.begin() as conn:
            record = conn.execute(sa.select(replies_t.c.record).where(replies_t.c.id == reply_id))
            found = record.first()
            if found is None:
                raise NotFound(reply_id)
            new_id = conn.execute(reviews_t.insert().returning(reviews_t.c.id), row).scalar_one()
            count_review(conn, found.record, row["labels"])
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
        with guard("purging old replies"), self.engine.begin() as conn:
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

    # -- conversations (the queries live in scorer.store.conversations) ---------------------

    @property
    def conversations(self) -> ConversationRepo:
        """Flagged conversations of this store (same engine, same availability errors)."""
        return ConversationRepo(self.engine)

    def write_conversations(self, rows: Sequence[dict[str, Any]]) -> None:
        """Upsert closed, flagged conversations by (conversation_id, opened_at); replaying
        the same rows leaves the store identical. Raises StoreUnavailable like write_rows."""
        self.conversations.write(rows)
        self.maybe_purge()

    # -- reads ------------------------------------------------------------------------------

    def _reviews_for(self, conn: Connection, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
        for i in range(0, len(ids), CHUNK):
            rows = conn.execute(sa.select(reviews_t).where(
                reviews_t.c.reply_id.in_(ids[i:i + CHUNK])).order_by(reviews_t.c.id))
            for row in rows:
                out[row.reply_id].append(_review_dict(row))
        return out

    def get(self, reply_id: str) -> dict[str, Any]:
        """One stored reply with its reviews; raises NotFound."""
        with guard("reading a reply"), self.engine.connect() as conn:
            row = conn.execute(sa.select(*_REPLY_COLS).where(replies_t.c.id == reply_id)).first()
            if row is None:
                raise NotFound(reply_id)
            return _item(row, self._reviews_for(conn, [reply_id])[reply_id])

    def list_flagged(self, q: FlaggedQuery) -> Page:
        """One page of replies matching `q`, in `q.sort` order, with a cursor to the next."""
        stmt = page_select(REPLIES, _REPLY_COLS, reply_filters(q), sort=q.sort, cursor=q.cursor,
                           limit=q.limit)
        with guard("listing replies"), self.engine.connect() as conn:
            rows, next_cursor = page_rows(REPLIES, list(conn.execute(stmt)), sort=q.sort,
                                          limit=q.limit)
            reviews = self._reviews_for(conn, [r.id for r in rows])
        return Page([_item(r, reviews[r.id]) for r in rows], next_cursor)

    def count_flagged(self, q: FlaggedQuery) -> int:
        """How many replies match `q`'s filters (what an export will hold, for the audit)."""
        stmt = sa.select(sa.func.count()).select_from(replies_t).where(*reply_filters(q))
        with guard("counting replies"), self.engine.connect() as conn:
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
        with guard("computing stats"), self.engine.connect() as conn:
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
        with guard("exporting feedback"), self.engine.connect() as conn:
            for row in conn.execution_options(yield_per=CHUNK).execute(stmt):
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
