"""The records of a generated conversation: their timestamps and what is true about them.

Shared by the generator (scorer.dialogues, scorer.dialogue_writer), `scorer traffic` and the
tests, which all write or read ``sent_at`` the same way and recompute the truth from the
records rather than remember it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def format_sent_at(ms: int) -> str:
    """RFC 3339 UTC with milliseconds, from milliseconds since the epoch (exact)."""
    dt = _EPOCH + timedelta(milliseconds=ms)
    return f"{dt:%Y-%m-%dT%H:%M:%S}.{ms % 1000:03d}Z"


def parse_sent_at(value: str) -> datetime:
    """Inverse of `format_sent_at` (any RFC 3339 'Z' timestamp)."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def truth_of(messages: Sequence[dict], *, complete: bool) -> dict:
    """What the scorer should find in these records (computed from them, not remembered)."""
    texts = [m for m in messages if "event" not in m]
    customers = [m for m in texts if m["author"] == "customer"]
    agents = [m for m in texts if m["author"] == "agent"]
    first_response = None
    if agents and customers:
        first_response = (parse_sent_at(agents[0]["sent_at"])
                          - parse_sent_at(customers[0]["sent_at"])).total_seconds()
    return {"answered": bool(agents), "first_response_seconds": first_response,
            "agent_messages": len(agents), "customer_messages": len(customers),
            "complete": complete and bool(agents)}
