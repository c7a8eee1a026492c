"""The query language of the store's listings: filters, sorts, pages, cursors and times.

What a caller may ask of a listing (scorer API query parameters, `scorer flagged` options)
is checked here, before any connection is opened, and refused with `InvalidQuery` and a
reason (the API answers 400 with it); a lookup of one id that finds nothing raises
`NotFound` (404). Listings page with keysets, not offsets: a cursor carries the sort keys
of the last row shown, so pages stay stable while the service keeps writing. A cursor is
opaque to callers and checked on the way back in, so a forged one is a 400, never a 500
from the database driver.

`Listing` and `page_select`/`page_rows` serve both listings (replies here, conversations in
scorer.store.conversations); the reply filters are `reply_filters`.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from scorer.store.tables import UTCDateTime, reasons_t, replies_t, reviews_t

MAX_PAGE_SIZE = 200


class InvalidQuery(ValueError):
    """A filter, sort or cursor the caller sent cannot be used; the message says why."""


class NotFound(LookupError):
    """No flagged reply with that id."""


#: Sort keys (column, ascending?) — every sort ends with the id so the order is total.
SORTS: dict[str, list[tuple[str, bool]]] = {
    "total": [("total", True), ("event_at", False), ("id", True)],
    "-total": [("total", False), ("event_at", False), ("id", True)],
    "event_at": [("event_at", True), ("id", True)],
    "-event_at": [("event_at", False), ("id", True)],
}
DEFAULT_SORT = "total"


@dataclass
class FlaggedQuery:
    """Filters, sort and page of a flagged-reply listing. `since`/`until` bound `event_at`."""

    channel: str | None = None
    language: str | None = None
    band: str | None = None
    reason: str | None = None
    team: str | None = None
    agent_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    min_score: int | None = None
    max_score: int | None = None
    reviewed: bool | None = None
    #: None: flagged replies; True: the random sample, flagged or not; False: flagged, unsampled.
    sampled: bool | None = None
    sort: str = DEFAULT_SORT
    cursor: str | None = None
    limit: int = 50


@dataclass
class Page:
    """One page of a listing and the cursor to the next (None on the last page)."""

    items: list[dict[str, Any]] = field(default_factory=list)
    next_cursor: str | None = None


@dataclass(frozen=True)
class Listing:
    """A table listed with keyset pagination (flagged replies, flagged conversations): its
    sorts, each ending in a unique column, and the tag its cursors carry so that one
    listing refuses another's cursor (reply cursors predate the tag and carry none)."""

    table: sa.Table
    sorts: dict[str, list[tuple[str, bool]]]
    tag: str | None = None


REPLIES = Listing(replies_t, SORTS)


def _encode_cursor(sort: str, row: sa.Row[Any], listing: Listing) -> str:
    keys = []
    for col, _asc in listing.sorts[sort]:
        value = row._mapping[col]
        keys.append(value.isoformat() if isinstance(value, datetime) else value)
    data: dict[str, Any] = {"s": sort, "k": keys}
    if listing.tag is not None:
        data["t"] = listing.tag
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(sort: str, cursor: str, listing: Listing) -> list[Any]:
    bad = InvalidQuery("cursor is not one this server issued; start again without a cursor")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
    except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError):
        raise bad from None  # RecursionError: a forged cursor of nested brackets
    if not isinstance(data, dict) or not isinstance(data.get("k"), list):
        raise bad
    if data.get("t") != listing.tag:
        raise InvalidQuery("cursor was issued for another listing; start again without a cursor")
    if data.get("s") != sort:
        raise InvalidQuery(f"cursor was issued for sort {data.get('s')!r}, not {sort!r}; "
                           "keep the sort unchanged while paging")
    keys = data["k"]
    spec = listing.sorts[sort]
    if len(keys) != len(spec):
        raise bad
    out: list[Any] = []
    for (col, _asc), value in zip(spec, keys, strict=True):
        checked = _cursor_value(listing.table.c[col].type, value)
        if checked is None:
            raise bad
        out.append(checked)
    return out


_INT_RANGE = range(-(2**31), 2**31)  # sa.Integer: what PostgreSQL's integer holds


def _cursor_value(kind: Any, value: Any) -> Any:
    """`value` as the database can compare it with a column of type `kind`, or None when
    a forged cursor carries something the database would choke on (an int past 32 bits, a
    time past year 9999 once in UTC, NUL or a lone surrogate in a string): a 400, not a
    500 from the driver."""
    if isinstance(kind, UTCDateTime) and isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
            return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        except (ValueError, OverflowError):
            return None
    if isinstance(kind, sa.Integer) and type(value) is int:
        return value if value in _INT_RANGE else None
    if isinstance(kind, sa.String) and isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return None
        too_long = kind.length is not None and len(value) > kind.length
        return None if "\x00" in value or too_long else value
    return None


def _keyset(sort: str, values: list[Any], listing: Listing) -> sa.ColumnElement[bool]:
    """Rows strictly after `values` in the sort order (lexicographic over mixed directions)."""
    spec, c = listing.sorts[sort], listing.table.c
    ors = []
    for i, (col, asc) in enumerate(spec):
        ands = [c[name] == values[j] for j, (name, _a) in enumerate(spec[:i])]
        ands.append(c[col] > values[i] if asc else c[col] < values[i])
        ors.append(sa.and_(*ands))
    return sa.or_(*ors)


def page_select(listing: Listing, cols: Sequence[sa.ColumnElement[Any]],
                conds: Sequence[sa.ColumnElement[bool]], *, sort: str, cursor: str | None,
                limit: int) -> sa.Select[Any]:
    """One page of `listing` after `cursor`, plus one row that tells whether more follow.
    Sort, limit and cursor are checked here, before any connection is opened."""
    if sort not in listing.sorts:
        raise InvalidQuery(f"sort {sort!r} is not one of {', '.join(listing.sorts)}")
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidQuery(f"limit {limit} must be between 1 and {MAX_PAGE_SIZE}")
    where = list(conds)
    if cursor:
        where.append(_keyset(sort, _decode_cursor(sort, cursor, listing), listing))
    c = listing.table.c
    order = [c[col].asc() if asc else c[col].desc() for col, asc in listing.sorts[sort]]
    return sa.select(*cols).where(*where).order_by(*order).limit(limit + 1)


def page_rows(listing: Listing, rows: list[sa.Row[Any]], *, sort: str,
              limit: int) -> tuple[list[sa.Row[Any]], str | None]:
    """Split what `page_select` fetched into the page and the cursor to the next one."""
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (_encode_cursor(sort, rows[-1], listing) if more and rows else None)


def reply_filters(q: FlaggedQuery) -> list[sa.ColumnElement[bool]]:
    """The WHERE conditions of `q`'s filters (not its sort, cursor or page size)."""
    c = replies_t.c
    conds: list[sa.ColumnElement[bool]] = []
    for name in ("channel", "language", "band", "team", "agent_id"):
        value = getattr(q, name)
        if value is not None:
            conds.append(c[name] == value)
    if q.since is not None:
        conds.append(c.event_at >= q.since)
    if q.until is not None:
        conds.append(c.event_at < q.until)
    if q.min_score is not None:
        conds.append(c.total >= q.min_score)
    if q.max_score is not None:
        conds.append(c.total <= q.max_score)
    if q.reason is not None:
        conds.append(sa.exists().where(reasons_t.c.reply_id == c.id,
                                       reasons_t.c.reason == q.reason))
    if q.reviewed is not None:
        has = sa.exists().where(reviews_t.c.reply_id == c.id)
        conds.append(has if q.reviewed else ~has)
    conds.append(c.sampled == sa.true() if q.sampled else c.flagged == sa.true())
    if q.sampled is False:
        conds.append(c.sampled == sa.false())
    return conds


# --- times ------------------------------------------------------------------------------------


def parse_duration(text: str) -> timedelta:
    """'90d', '12h', '30m', '2w', '45s' → timedelta (used by --since and --older-than)."""
    m = re.fullmatch(r"\s*(\d{1,6})\s*([smhdw])\s*", text or "")
    if not m:
        raise InvalidQuery(f"duration {text!r} is not like 90d, 12h, 30m, 2w or 45s")
    n, unit = int(m.group(1)), m.group(2)
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[unit]
    return timedelta(seconds=n * seconds)


def parse_time(text: str, *, now: datetime | None = None) -> datetime:
    """A point in time: a duration back from now ('1d') or an RFC 3339 timestamp."""
    now = now or datetime.now(UTC)
    if re.fullmatch(r"\s*\d{1,6}\s*[smhdw]\s*", text or ""):
        try:
            value = now - parse_duration(text)
        except OverflowError:  # 999999w reaches back before year 1
            value = datetime.min.replace(tzinfo=UTC)
        if value.year < 1970:
            raise InvalidQuery(f"time {text!r} reaches back before 1970; use a shorter "
                               "duration or an RFC 3339 timestamp")
        return value
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except (ValueError, OverflowError, AttributeError):
        raise InvalidQuery(
            f"time {text!r} is neither a duration like 1d/12h nor an RFC 3339 timestamp "
            "like 2026-11-23T10:00:00Z") from None
    if not 1970 <= value.year <= 9998:
        raise InvalidQuery(f"time {text!r} is outside the years 1970–9998")
    return value
