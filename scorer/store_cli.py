"""The store's command lines: `scorer flagged [--conversations]`, `scorer flagged purge`
and `scorer feedback export`.

scorer.cli parses the arguments and maps errors to exit codes; what each command does with
the store and how it prints lives here, so the store package itself carries no terminal
formatting and the CLI module stays thin.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from scorer import audit
from scorer.settings import Settings
from scorer.store.conversations import DEFAULT_CONVERSATION_SORT, ConversationQuery
from scorer.store.engine import StoreUnavailable
from scorer.store.query import DEFAULT_SORT, FlaggedQuery, InvalidQuery, parse_duration, parse_time
from scorer.store.repository import FlaggedStore


@contextlib.contextmanager
def _opened(settings: Settings) -> Iterator[FlaggedStore]:
    """The store for one command, closed when it is done."""
    store = FlaggedStore.from_settings(settings)
    try:
        yield store
    finally:
        store.close()


def _criteria(since: str | None, until: str | None,
              filters: dict[str, str | None]) -> dict[str, Any]:
    """A listing's query fields from its options: times parsed, unset filters left out."""
    return {"since": parse_time(since) if since else None,
            "until": parse_time(until) if until else None,
            **{k: v for k, v in filters.items() if v is not None}}


def _cell(value: Any, width: int) -> str:
    text = "" if value is None else " ".join(str(value).split())
    return text if len(text) <= width else text[:width - 1] + "…"


def _fixed_width(cols: Sequence[tuple[str, int]], rows: Iterable[Sequence[Any]]) -> list[str]:
    """A header, a rule and one line per row, each cell squeezed to one line of its width."""
    lines = ["  ".join(name.ljust(w) for name, w in cols).rstrip()]
    lines.append("  ".join("-" * w for _, w in cols))
    for values in rows:
        lines.append("  ".join(_cell(v, w).ljust(w) for v, (_, w) in zip(values, cols,
                                                                       strict=True)).rstrip())
    return lines


def flagged_table(settings: Settings, *, limit: int = 20, sort: str = DEFAULT_SORT,
                  since: str | None = None, until: str | None = None,
                  **filters: str | None) -> str:
    """`scorer flagged`: a fixed-width table of the matching replies, worst first."""
    q = FlaggedQuery(sort=sort, limit=limit, **_criteria(since, until, filters))
    with _opened(settings) as store:
        page = store.list_flagged(q)
    cols = (("when", 16), ("id", 14), ("channel", 9), ("lang", 4), ("total", 5),
            ("band", 7), ("reasons", 28), ("team", 10), ("agent", 10), ("rev", 3),
            ("text", 48))
    lines = _fixed_width(cols, ((
        it["event_at"][:16].replace("T", " "), it["id"], it["channel"], it["language"],
        it["total"], it["band"], ",".join(it["reasons"]), it["team"], it["agent_id"],
        len(it["reviews"]), it["text"]) for it in page.items))
    lines.append(f"({len(page.items)} shown" + (", more available)" if page.next_cursor
                                                 else ")"))
    return "\n".join(lines)


def purge_command(settings: Settings, older_than: str, *, actor: str = "cli") -> str:
    """`scorer flagged purge --older-than 90d`, audited under `actor` (the OS user)."""
    age = parse_duration(older_than)
    entry = audit.AuditEntry(action="purge", actor=actor, role="admin", via="cli",
                             target=f"older_than={older_than.strip()}")
    with _opened(settings) as store:
        try:
            replies, conversations = store.purge_counts(age)
        except (InvalidQuery, StoreUnavailable) as exc:
            entry.result = "invalid" if isinstance(exc, InvalidQuery) else "error"
            audit.record_quietly(store.engine, entry)
            raise
        entry.target += f" replies={replies} conversations={conversations}"
        audit.record(store.engine, entry)
    return (f"purged {replies} flagged replies and {conversations} flagged conversations "
            f"older than {older_than.strip()}")


def export_feedback_command(settings: Settings, out: Path | None, *, since: str | None,
                            stdout: IO[str]) -> tuple[int, int]:
    """`scorer feedback export [--out FILE]`; writes to a temp file and renames, so a
    half-written export never replaces a good one."""
    start = parse_time(since) if since else None
    with _opened(settings) as store:
        if out is None:
            return store.export_feedback(stdout, since=start)
        tmp = out.with_name(out.name + ".part")
        with open(tmp, "w", encoding="utf-8") as fh:
            result = store.export_feedback(fh, since=start)
        tmp.replace(out)
        return result


def _response_time(seconds: float | None) -> str:
    """A first-response time as a person reads it: 45s, 12m, 3.5h."""
    if seconds is None:
        return "-"
    if seconds < 90:
        return f"{seconds:.0f}s"
    if seconds < 5400:
        return f"{seconds / 60:.0f}m"
    return f"{seconds / 3600:.1f}h"


def conversations_table(settings: Settings, *, limit: int = 20,
                        sort: str = DEFAULT_CONVERSATION_SORT, since: str | None = None,
                        until: str | None = None, answered: bool | None = None,
                        **filters: str | None) -> str:
    """`scorer flagged --conversations`: a fixed-width table of the matching flagged
    conversations, worst first."""
    q = ConversationQuery(sort=sort, limit=limit, answered=answered,
                          **_criteria(since, until, filters))
    with _opened(settings) as store:
        page = store.conversations.list(q)
    cols = (("closed", 16), ("conversation", 16), ("channel", 9), ("lang", 4), ("total", 5),
            ("band", 7), ("reasons", 34), ("team", 10), ("1st resp", 8), ("msgs a/c", 8),
            ("closed by", 11))
    lines = _fixed_width(cols, ((
        str(it["closed_at"])[:16].replace("T", " "), it["conversation_id"], it["channel"],
        it["language"], it["total"], it["band"], ",".join(it["reasons"]), it.get("team"),
        _response_time(it.get("first_response_seconds")),
        f"{it.get('agent_messages', 0)}/{it.get('customer_messages', 0)}",
        it.get("closed_by")) for it in page.items))
    n = len(page.items)
    lines.append(f"({n} conversation{'' if n == 1 else 's'} shown"
                 + (", more available)" if page.next_cursor else ")"))
    return "\n".join(lines)
