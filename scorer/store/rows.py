"""Store rows built from scored replies: a pure function, no database, no engine.

The streaming service builds the rows of flagged replies in its scoring processes (next to
the scoring that produced them) and the loop process only writes them with
`FlaggedStore.write_rows`; so this module imports nothing of the repository, the engine or
SQLAlchemy. `clean` is the one rule for what a string must be to be storable on both
databases; the repository and the conversation rows use it too.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from scorer.schema import Reply, ScoredReply
from scorer.shown import Shown, show

if TYPE_CHECKING:
    from scorer.redact import Redactor


def clean(value: str | None, limit: int | None = None) -> str | None:
    """Make a string storable everywhere: no NUL (PostgreSQL rejects it), valid UTF-8,
    and within the column width (a too-long team name must not wedge the pipeline)."""
    if value is None:
        return None
    value = value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
    return value[:limit] if limit is not None else value


def flagged_rows(items: Sequence[tuple[Reply, ScoredReply]], *, redact_text: bool,
                 now: datetime | None = None, redactor: Redactor | None = None
                 ) -> list[dict[str, Any]]:
    """Store rows for scored replies whose evidence indexes the reply's rendered plain text
    (as `Scorer` returns them): renders and redacts each (`scorer.shown`; `redactor`: the
    deployment's, with its keep-list), then `shown_rows`.
    """
    from scorer.text import prepare

    return shown_rows([(reply, show(scored, prepare(reply.text, reply.content_type).plain,
                                    (reply.customer_name,), redact_text=redact_text,
                                    redactor=redactor))
                       for reply, scored in items], now=now)


def shown_rows(items: Sequence[tuple[Reply, Shown]], *, now: datetime | None = None
               ) -> list[dict[str, Any]]:
    """The rows `FlaggedStore.write_rows` stores for flagged replies, as outputs show them.

    A pure function of the replies (no database), so the streaming service builds rows in
    its scoring processes and the loop process only writes them. A reply id seen twice
    in one batch keeps its last version.
    """
    now = now or datetime.now(UTC)
    by_id: dict[str, dict[str, Any]] = {}
    for reply, shown in items:
        by_id[reply.id] = _row(reply, shown, now)
    return list(by_id.values())


def _row(reply: Reply, shown: Shown, now: datetime) -> dict[str, Any]:
    scored = shown.scored
    # The stored text is what outputs show: rendered plain text, redacted; the evidence
    # already indexes it. clean only drops NULs and invalid code points, which `show`
    # never produces from a pydantic str, so offsets stay valid.
    text = clean(shown.text) or ""
    evidence: dict[str, Any] = {
        dim: None if span is None else {"start": span.start, "end": span.end,
                                        "text": clean(span.text) or ""}
        for dim, span in scored.evidence.items()}
    record = scored.model_dump(mode="json")
    record["evidence"] = evidence
    record["reasons"] = [clean(r, 64) for r in scored.reasons]
    scored_at = scored.scored_at if scored.scored_at.tzinfo else scored.scored_at.replace(
        tzinfo=UTC)
    return {
        "id": reply.id,
        "channel": scored.channel.value,
        "language": scored.language,
        "band": scored.band,
        "total": scored.total,
        "event_at": reply.sent_at or scored_at,
        "sent_at": reply.sent_at,
        "scored_at": scored_at,
        "stored_at": now,
        "updated_at": now,
        "team": clean(reply.team, 256),
        "agent_id": clean(reply.agent_id, 256),
        "conversation_id": clean(reply.conversation_id, 256),
        "model_version": clean(scored.model_version, 128) or "",
        "content_type": "text/plain",  # rendered: HTML markup never reaches the store
        "text": text,
        "redacted": shown.redacted,
        "record": record,
        "evidence": evidence,
        "sampled": False, "flagged": True,  # the pool marks sampled rows (scorer.sample)
    }

