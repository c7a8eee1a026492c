"""Fixtures and builders for the QA workbench tests (store, API, web page).

The fixtures are registered once as a pytest plugin (`pytest_plugins` in tests/conftest.py);
test modules import only the builders and constants.

PostgreSQL is real: `SCORER_TEST_POSTGRES_URL` if set, otherwise a throwaway cluster
started once per session with deploy/local/postgres (Debian's postgresql package) and
stopped at the end. Each test gets its own freshly created database, so every test also
exercises the migrations from an empty schema.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from scorer.schema import Reply, ScoredReply, Span, band_for
from scorer.settings import Settings, load_settings
from scorer.store import FlaggedStore
from tests.ports import free_port

ROOT = Path(__file__).resolve().parent.parent
PG_SCRIPT = ROOT / "deploy" / "local" / "postgres"
#: Secrets of the three roles' tokens (at least 32 characters, as the server demands).
#: TOKEN is the admin's, so tests written before roles keep every right.
TOKEN = "qa-admin-secret-3f9c1d0e8b7a6c5d4e3f2a1b"
REVIEWER_TOKEN = "qa-reviewer-secret-5a4b3c2d1e0f9a8b7c6d5e"
READER_TOKEN = "qa-reader-secret-9e8d7c6b5a4f3e2d1c0b9a8f"
ADMIN_NAME, REVIEWER_NAME, READER_NAME = "qa-admin", "kari", "ola"
API_TOKENS = (f"{ADMIN_NAME}:admin:{TOKEN}, {REVIEWER_NAME}:reviewer:{REVIEWER_TOKEN}, "
              f"{READER_NAME}:reader:{READER_TOKEN}")
BASE_TIME = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of a real PostgreSQL server (admin database `scorer`)."""
    env = os.environ.get("SCORER_TEST_POSTGRES_URL")
    if env:
        yield env
        return
    data = tempfile.mkdtemp(prefix="scorer-pg-")  # under /tmp: reachable by the postgres user
    os.chmod(data, 0o755)  # noqa: S103 - the script chowns it to postgres and tightens it
    proc = subprocess.run(
        [str(PG_SCRIPT), "start", "--port", str(free_port()), "--data", data],
        capture_output=True, text=True, timeout=180, check=False,
    )
    if proc.returncode != 0:
        shutil.rmtree(data, ignore_errors=True)
        pytest.fail(f"deploy/local/postgres start failed ({proc.returncode}):\n{proc.stderr}")
    try:
        yield proc.stdout.strip().splitlines()[-1]
    finally:
        subprocess.run([str(PG_SCRIPT), "stop", "--data", data], capture_output=True,
                       timeout=120, check=False)
        shutil.rmtree(data, ignore_errors=True)


@pytest.fixture
def fresh_postgres_url(postgres_url: str) -> Iterator[str]:
    """A new, empty database on the session's server; dropped after the test."""
    name = "t_" + uuid.uuid4().hex[:16]
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, _db = postgres_url.rpartition("/")
    yield f"{base}/{name}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The store URL of each backend: an SQLite file and a real PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'flagged.db'}"
    return str(request.getfixturevalue("fresh_postgres_url"))


def qa_settings(url: str, **overrides: Any) -> Settings:
    """Settings over `url` with the three role tokens. Retention is pushed far out (the
    fixtures' fixed BASE_TIME would otherwise age past the 90-day default and be purged
    on open) and the rate limit far up (fuzzing sends hundreds of calls a second); tests
    of either pass their own values."""
    defaults: dict[str, Any] = {"api_tokens": API_TOKENS, "retention_days": 36_500,
                                "api_rate": 100_000, "api_burst": 1_000_000}
    return load_settings(store_url=url, **{**defaults, **overrides})


@pytest.fixture
def store(store_url: str) -> Iterator[FlaggedStore]:
    s = FlaggedStore.from_settings(qa_settings(store_url))
    yield s
    s.close()


# --- builders ------------------------------------------------------------------------------


def make_pair(
    reply_id: str,
    *,
    text: str = "Vi har sendt pakken. Ha en fin dag!",
    channel: str = "chat",
    language: str = "nb",
    total: int = 40,
    reasons: list[str] | None = None,
    team: str | None = "Team Oslo",
    agent_id: str | None = "agent-7",
    conversation_id: str | None = "conv-1",
    sent_at: datetime | None = BASE_TIME,
    dims: dict[str, float] | None = None,
    evidence: dict[str, tuple[int, int] | None] | None = None,
    content_type: str = "text/plain",
    model_version: str = "test-model-1",
) -> tuple[Reply, ScoredReply]:
    """A reply and its scored record; evidence given as (start, end) into `text`."""
    reply = Reply(id=reply_id, channel=channel, text=text, team=team, agent_id=agent_id,
                  conversation_id=conversation_id, sent_at=sent_at, language=language,
                  content_type=content_type)
    spans: dict[str, Span | None] = {}
    for dim, se in (evidence or {}).items():
        spans[dim] = None if se is None else Span(start=se[0], end=se[1], text=text[se[0]:se[1]])
    scored = ScoredReply(
        id=reply_id, channel=channel, language=language, total=total, band=band_for(total),
        dimensions=dims or {"greeting": 0.1, "explanation": 0.8, "closing": 0.9, "length": 0.4},
        flagged=total < 70, reasons=reasons if reasons is not None else ["missing_greeting"],
        evidence=spans, word_count=len(text.split()), model_version=model_version,
        scored_at=(sent_at or BASE_TIME) + timedelta(seconds=2),
    )
    return reply, scored


def sample_pairs(n: int = 24) -> list[tuple[Reply, ScoredReply]]:
    """A varied, deterministic set: every channel, language and reason, tied totals."""
    channels = ["chat", "email", "messenger"]
    languages = ["nb", "nn", "sv", "da", "en"]
    reasons = [["missing_greeting"], ["missing_closing"], ["missing_explanation", "too_short"],
               ["missing_greeting", "missing_closing"]]
    out = []
    for i in range(n):
        out.append(make_pair(
            f"r-{i:03d}", channel=channels[i % 3], language=languages[i % 5],
            total=[20, 35, 35, 50, 69, 72][i % 6], reasons=reasons[i % 4],
            team=["Team Oslo", "Team Malmö"][i % 2], agent_id=f"agent-{i % 4}",
            sent_at=BASE_TIME + timedelta(hours=i // 2),  # pairs share a timestamp
        ))
    return out


# --- conversations (FlaggedStore.write_conversations rows) -----------------------------------


def _z(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _agent(msg_id: str, text: str, sent_at: datetime, *, position: str, total: int,
           reasons: list[str], dims: dict[str, float],
           evidence: dict[str, str | None]) -> dict[str, Any]:
    """An agent message whose evidence is given as the span text (offsets computed)."""
    spans: dict[str, Any] = {}
    for dim, span in evidence.items():
        spans[dim] = None if span is None else {
            "start": text.index(span), "end": text.index(span) + len(span), "text": span}
    return {"id": msg_id, "author": "agent", "sent_at": _z(sent_at), "text": text,
            "truncated": False,
            "reply": {"position": position, "total": total, "band": band_for(total),
                      "flagged": total < 70, "reasons": reasons, "dimensions": dims,
                      "evidence": spans}}


def conversation_thread(opened_at: datetime = BASE_TIME) -> list[dict[str, Any]]:
    """Customer, agent (greets), customer, agent (explains, no closing); text redacted."""
    t = opened_at
    return [
        {"id": "m-1", "author": "customer", "sent_at": _z(t), "truncated": False,
         "text": "Hei, hvor er pakken min? Ring meg på [PHONE].", "reply": None},
        _agent("r-1", "Hei [NAME]! Takk for at du tok kontakt, jeg sjekker.",
               t + timedelta(seconds=42), position="first", total=95, reasons=[],
               dims={"greeting": 0.98, "explanation": 0.2, "closing": 0.1, "length": 1.0},
               evidence={"greeting": "Hei [NAME]!", "explanation": None, "closing": None}),
        {"id": "m-2", "author": "customer", "sent_at": _z(t + timedelta(minutes=2)),
         "truncated": False, "text": "Når kommer den?", "reply": None},
        _agent("r-2", "Pakken ble forsinket fordi lageret var stengt. Den kommer i morgen.",
               t + timedelta(minutes=3), position="later", total=62, reasons=["too_short"],
               dims={"greeting": 0.05, "explanation": 0.93, "closing": 0.08, "length": 0.4},
               evidence={"greeting": None,
                         "explanation": "Pakken ble forsinket fordi lageret var stengt.",
                         "closing": None}),
    ]


def make_conversation(
    conversation_id: str = "c-1",
    *,
    opened_at: datetime = BASE_TIME,
    closed_at: datetime | None = None,
    channel: str = "chat",
    language: str = "nb",
    total: int = 40,
    reasons: list[str] | None = None,
    team: str | None = "Team Oslo",
    answered: bool = True,
    first_response_seconds: float | None = 42.0,
    messages: list[dict[str, Any]] | None = None,
    closed_by: str = "event",
    model_version: str = "test-model-1",
) -> dict[str, Any]:
    """One `write_conversations` row: the JSON-ready record, its thread, `redacted`."""
    closed = closed_at or opened_at + timedelta(minutes=20)
    thread = messages if messages is not None else conversation_thread(opened_at)
    agents = [m for m in thread if m["author"] == "agent"]
    record = {
        "conversation_id": conversation_id, "channel": channel, "language": language,
        "total": total, "band": band_for(total), "answered": answered,
        "dimensions": {"greeting": 0.97, "explanation": 0.93, "closing": 0.08, "length": 0.7},
        "first_response_seconds": first_response_seconds, "agent_messages": len(agents),
        "customer_messages": len(thread) - len(agents), "flagged": total < 70,
        "reasons": reasons if reasons is not None else ["missing_closing", "late_response"],
        "reply_ids": [m["id"] for m in agents], "agent_ids": ["a-7"] if agents else [],
        "team": team, "opened_at": _z(opened_at), "closed_at": _z(closed),
        "closed_by": closed_by, "model_version": model_version,
        "scored_at": _z(closed + timedelta(seconds=1)),
    }
    return {"record": record, "messages": thread, "messages_dropped": 0, "redacted": True}


def sample_conversations(n: int = 18) -> list[dict[str, Any]]:
    """A varied, deterministic set: every channel, language and reason, unanswered ones
    (every sixth), tied totals, two conversations closing at each hour."""
    channels = ["chat", "email", "messenger"]
    languages = ["nb", "nn", "sv", "da", "en"]
    reasons = [["missing_closing"], ["late_response", "missing_greeting"],
               ["missing_explanation", "too_short"], ["too_long", "missing_closing"],
               ["late_response"]]
    out = []
    for i in range(n):
        opened = BASE_TIME + timedelta(hours=i // 2, minutes=i % 2)
        closed = BASE_TIME + timedelta(hours=i // 2, minutes=30)
        if i % 6 == 5:
            thread = conversation_thread(opened)[:1]
            out.append(make_conversation(
                f"c-{i:03d}", opened_at=opened, closed_at=closed, channel=channels[i % 3],
                language=languages[i % 5], total=0, reasons=["unanswered"],
                team=["Team Oslo", "Team Malmö"][i % 2], answered=False,
                first_response_seconds=None, messages=thread, closed_by="idle"))
            continue
        out.append(make_conversation(
            f"c-{i:03d}", opened_at=opened, closed_at=closed, channel=channels[i % 3],
            language=languages[i % 5], total=[20, 45, 45, 60, 69][i % 5],
            reasons=reasons[i % 5], team=["Team Oslo", "Team Malmö"][i % 2],
            first_response_seconds=30.0 + i * 60))
    return out
