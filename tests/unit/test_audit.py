"""The audit log, over SQLite and a real PostgreSQL server: every list, open, export,
review and purge leaves a row (time, actor, role, action, target, result) and a
`scorer.audit` log line; neither ever holds reply text, review comments or filter values.
A call that cannot be audited is not served.
"""
# Fixtures are imported from tests.qa_fixtures, so test parameters "redefine" them:

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from fastapi.testclient import TestClient

from scorer import audit
from scorer.api import create_app
from scorer.cli import main
from scorer.store import FlaggedStore, StoreUnavailable
from tests.qa_fixtures import (
    ADMIN_NAME,
    READER_NAME,
    READER_TOKEN,
    REVIEWER_NAME,
    REVIEWER_TOKEN,
    TOKEN,
    make_conversation,
    make_pair,
    qa_settings,
)

ADMIN = {"Authorization": f"Bearer {TOKEN}"}
REVIEWER = {"Authorization": f"Bearer {REVIEWER_TOKEN}"}
READER = {"Authorization": f"Bearer {READER_TOKEN}"}
#: Text that must never reach the audit table or log: in replies, comments and filters.
REPLY_MARKER = "ZQXV-reply-text-4411"
COMMENT_MARKER = "QWRT-comment-8822"
FILTER_MARKER = "Team JKLP-9933"


@pytest.fixture
def client(store: FlaggedStore, store_url: str) -> Iterator[TestClient]:
    store.upsert_flagged([make_pair(f"r-{i}", text=f"Hei! {REPLY_MARKER} nr {i}. Ha en fin dag!")
                          for i in range(3)])
    store.write_conversations([make_conversation("c-1")])
    with TestClient(create_app(qa_settings(store_url), store=store)) as c:
        yield c


def rows(store: FlaggedStore) -> list[dict[str, Any]]:
    return audit.recent(store.engine, limit=1000)


def assert_no_text(where: str, text: str) -> None:
    for marker in (REPLY_MARKER, COMMENT_MARKER, FILTER_MARKER, "JKLP", "QWRT", "ZQXV"):
        assert marker not in text, f"{where} holds {marker!r}"


def test_every_call_leaves_a_row_with_actor_role_target_and_no_text(
        client: TestClient, store: FlaggedStore, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="scorer.audit")
    calls = [
        (READER, "GET", "/api/flagged", {"team": FILTER_MARKER, "channel": "chat"}, None),
        (READER, "GET", "/api/flagged", {"limit": 2}, None),
        (READER, "GET", "/api/flagged/r-1", None, None),
        (READER, "GET", "/api/stats", {"since": "30d"}, None),
        (READER, "GET", "/api/conversations", {"team": FILTER_MARKER}, None),
        (READER, "GET", "/api/conversations/c-1", None, None),
        (REVIEWER, "POST", "/api/flagged/r-2/review", None,
         {"verdict": "disagree", "labels": {"greeting": 1}, "comment": COMMENT_MARKER}),
        (ADMIN, "GET", "/api/flagged.csv", {"agent_id": FILTER_MARKER}, None),
        (ADMIN, "GET", "/api/flagged.csv", None, None),
        (ADMIN, "POST", "/api/purge", None, {"older_than": "36500d"}),
    ]
    for headers, method, path, params, body in calls:
        resp = client.request(method, path, headers=headers, params=params, json=body)
        assert resp.status_code in (200, 201), (path, resp.text)
    found = [(r["actor"], r["role"], r["via"], r["action"], r["target"], r["filters"],
              r["result"]) for r in rows(store)]
    assert found == [
        (READER_NAME, "reader", "token", "list", "replies=0", "channel,team", "ok"),
        (READER_NAME, "reader", "token", "list", "replies=2", "limit", "ok"),
        (READER_NAME, "reader", "token", "open", "reply=r-1", "", "ok"),
        (READER_NAME, "reader", "token", "stats", "", "since", "ok"),
        (READER_NAME, "reader", "token", "list", "conversations=0", "team", "ok"),
        (READER_NAME, "reader", "token", "open",
         "conversation=c-1 opened_at=2026-11-20T09:00:00Z", "", "ok"),
        (REVIEWER_NAME, "reviewer", "token", "review",
         found[6][4], "", "ok"),
        (ADMIN_NAME, "admin", "token", "export", "rows=0", "agent_id", "ok"),
        (ADMIN_NAME, "admin", "token", "export", "rows=3", "", "ok"),
        (ADMIN_NAME, "admin", "token", "purge",
         "older_than=36500d replies=0 conversations=0", "", "ok"),
    ]
    assert found[6][4].startswith("reply=r-2 review=") and found[6][4].endswith(
        "verdict=disagree")
    for row in rows(store):
        assert isinstance(row["at"], datetime) and row["client"] == "testclient"
        assert_no_text("audit row", repr(row))
    lines = [r.getMessage() for r in caplog.records if r.name == "scorer.audit"]
    assert len(lines) == len(calls)
    assert "action=review actor=kari role=reviewer" in lines[6]
    assert_no_text("audit log", "\n".join(lines))
    with store.engine.connect() as conn:  # the raw table too, every column
        raw = conn.execute(sa.text("SELECT * FROM audit")).all()
    assert_no_text("audit table", repr(raw))


def test_refused_and_failed_calls_are_audited_with_their_result(
        client: TestClient, store: FlaggedStore) -> None:
    assert client.post("/api/flagged/r-1/review", headers=READER,
                       json={"verdict": "agree"}).status_code == 403
    assert client.get("/api/flagged.csv", headers=REVIEWER).status_code == 403
    assert client.get("/api/flagged/nope", headers=READER).status_code == 404
    assert client.get("/api/flagged", headers=READER,
                      params={"cursor": "forged"}).status_code == 400
    assert client.get("/api/flagged", headers=READER,
                      params={"limit": 999}).status_code == 422
    found = [(r["actor"], r["action"], r["target"], r["result"]) for r in rows(store)]
    assert found == [(READER_NAME, "review", "", "denied"),
                     (REVIEWER_NAME, "export", "", "denied"),
                     (READER_NAME, "open", "reply=nope", "not_found"),
                     (READER_NAME, "list", "", "invalid"),
                     (READER_NAME, "list", "", "invalid")]


def test_unidentified_and_rate_limited_calls_are_logged_but_not_stored(
        store: FlaggedStore, store_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="scorer.audit")
    settings = qa_settings(store_url, api_rate=0.001, api_burst=1)
    with TestClient(create_app(settings, store=store)) as c:
        for _ in range(50):
            c.get("/api/flagged", headers={"Authorization": "Bearer nope"})
        assert c.get("/api/flagged", headers=READER).status_code == 200
        assert c.get("/api/flagged", headers=READER).status_code == 429
    assert [(r["actor"], r["result"]) for r in rows(store)] == [(READER_NAME, "ok")]
    results = [r.getMessage() for r in caplog.records if r.name == "scorer.audit"]
    assert sum("result=unauthenticated" in m for m in results) == 50
    assert sum("result=rate_limited" in m for m in results) == 1


def test_a_call_that_cannot_be_audited_is_not_served(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_a: Any, **_k: Any) -> None:
        raise StoreUnavailable("audit table unreachable")

    monkeypatch.setattr(audit, "record", broken)
    for path in ("/api/flagged", "/api/flagged/r-1", "/api/flagged.csv"):
        resp = client.get(path, headers=ADMIN)
        assert resp.status_code == 503, path
        assert REPLY_MARKER not in resp.text and "audit log unavailable" in resp.text
    assert client.get("/api/me", headers=READER).status_code == 200  # not audited: harmless


def test_a_command_line_purge_is_audited_under_the_os_user(
        store: FlaggedStore, store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    now = datetime.now(UTC)
    store.upsert_flagged([make_pair("old", sent_at=now - timedelta(days=200)),
                          make_pair("new", sent_at=now)])
    monkeypatch.setenv("SCORER_STORE_URL", store_url)
    monkeypatch.setenv("SCORER_RETENTION_DAYS", "36500")
    monkeypatch.setattr(audit, "cli_actor", lambda: "ops-anna")
    result = CliRunner().invoke(main, ["flagged", "purge", "--older-than", "100d"])
    assert result.exit_code == 0, result.output
    assert [(r["actor"], r["role"], r["via"], r["action"], r["target"], r["result"])
            for r in rows(store)] == [
        ("ops-anna", "admin", "cli", "purge", "older_than=100d replies=1 conversations=0",
         "ok")]
    result = CliRunner().invoke(main, ["flagged", "purge", "--older-than", "999999w"])
    assert result.exit_code == 2 and "shorter age" in result.output
    assert rows(store)[-1]["result"] == "invalid"
    assert audit.cli_actor() != ""  # the real one: the OS user, or "cli"


def test_automatic_retention_is_audited_and_the_audit_log_has_its_own_retention(
        store_url: str) -> None:
    now = datetime.now(UTC)
    plain = FlaggedStore.from_settings(qa_settings(store_url))
    plain.upsert_flagged([make_pair("old", sent_at=now - timedelta(days=100)),
                          make_pair("new", sent_at=now)])
    audit.record(plain.engine, audit.AuditEntry(action="list", actor="x", role="reader"),
                 at=now - timedelta(days=400))
    audit.record(plain.engine, audit.AuditEntry(action="list", actor="y", role="reader"),
                 at=now - timedelta(days=10))
    plain.close()
    kept = FlaggedStore.from_settings(qa_settings(store_url, retention_days=90))
    try:
        found = [(r["actor"], r["action"], r["target"]) for r in rows(kept)]
        assert found == [("y", "list", ""),
                         ("retention", "purge", "older_than=90d replies=1 conversations=0")]
    finally:
        kept.close()
