"""Fixtures and builders for the QA workbench tests (store, API, web page).

Import the fixtures explicitly in each test module, e.g.
`from tests.qa_fixtures import postgres_url, store_url  # noqa: F401`.

PostgreSQL is real: `SCORER_TEST_POSTGRES_URL` if set, otherwise a throwaway cluster
started once per session with deploy/local/postgres (Debian's postgresql package) and
stopped at the end. Each test gets its own freshly created database, so every test also
exercises the migrations from an empty schema.
"""

from __future__ import annotations

import os
import shutil
import socket
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

ROOT = Path(__file__).resolve().parent.parent
PG_SCRIPT = ROOT / "deploy" / "local" / "postgres"
TOKEN = "qa-test-token-3f9c1d"
BASE_TIME = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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
        [str(PG_SCRIPT), "start", "--port", str(_free_port()), "--data", data],
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
    return load_settings(store_url=url, api_tokens=TOKEN, **overrides)


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
