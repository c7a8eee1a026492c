"""Flagged conversations in the store, against SQLite and a real PostgreSQL server."""
# Fixtures are imported from tests.qa_fixtures, so test parameters "redefine" them:

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from scorer.store import (
    FlaggedQuery,
    FlaggedStore,
    InvalidQuery,
    StoreUnavailable,
    flagged_rows,
    make_engine,
    migrate,
    replies_t,
)
from scorer.store.conversations import (
    CONVERSATION_SORTS,
    ConversationNotFound,
    ConversationQuery,
)
from scorer.store_cli import conversations_table
from tests.qa_fixtures import (
    BASE_TIME,
    make_conversation,
    make_pair,
    qa_settings,
    sample_conversations,
)

TABLES = ("flagged_conversations", "flagged_conversation_reasons",
          "flagged_conversation_messages")


def dump(store: FlaggedStore) -> dict[str, list[str]]:
    """Every row of the conversation tables, as comparable text."""
    out = {}
    with store.engine.connect() as conn:
        for table in TABLES:
            rows = conn.execute(sa.text(f"SELECT * FROM {table}"))  # noqa: S608
            out[table] = sorted(json.dumps([str(v) for v in row]) for row in rows)
    return out


def all_pages(store: FlaggedStore, q: ConversationQuery) -> list[tuple[str, str]]:
    keys: list[tuple[str, str]] = []
    while True:
        page = store.conversations.list(q)
        keys += [(i["conversation_id"], i["opened_at"]) for i in page.items]
        if page.next_cursor is None:
            return keys
        q.cursor = page.next_cursor


def ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


# --- writes ------------------------------------------------------------------------------------


def test_rewriting_the_same_conversation_leaves_every_table_identical(
        store: FlaggedStore) -> None:
    row = make_conversation("c-1")
    store.write_conversations([row])
    first = dump(store)
    assert [len(first[t]) for t in TABLES] == [1, 2, 4]
    store.write_conversations([row])  # replay after a crash
    store.write_conversations([row, row])  # the same inquiry twice in one batch
    assert dump(store) == first


def test_a_rewrite_with_new_content_replaces_reasons_and_thread_and_keeps_stored_at(
        store: FlaggedStore) -> None:
    store.write_conversations([make_conversation("c-1", total=40)])
    stored_at = store.conversations.get("c-1")["stored_at"]
    shorter = make_conversation("c-1", total=55, reasons=["too_short"])
    shorter["messages"] = shorter["messages"][:2]
    store.write_conversations([shorter])
    item = store.conversations.get("c-1")
    assert (item["total"], item["reasons"], item["stored_at"]) == (55, ["too_short"], stored_at)
    assert [m["id"] for m in item["messages"]] == ["m-1", "r-1"]
    assert store.conversations.list(ConversationQuery(reason="missing_closing")).items == []
    assert len(dump(store)["flagged_conversation_reasons"]) == 1


def test_the_thread_comes_back_in_arrival_order_with_reply_scores(store: FlaggedStore) -> None:
    row = make_conversation("c-1")
    store.write_conversations([row])
    item = store.conversations.get("c-1")
    assert item["messages"] == row["messages"]
    assert item["redacted"] is True and item["stored_at"].endswith("Z")
    assert {k: v for k, v in item.items()
            if k not in ("messages", "stored_at", "redacted", "inquiries", "messages_dropped")
            } == row["record"]
    agent = item["messages"][1]
    assert agent["reply"]["evidence"]["greeting"]["text"] == "Hei [NAME]!"
    assert item["messages_dropped"] == 0
    long = make_conversation("c-long", messages=row["messages"][-2:])
    long["messages_dropped"] = 7  # the service keeps the tail of a long thread
    store.write_conversations([long])
    item = store.conversations.get("c-long")
    assert item["messages_dropped"] == 7 and [m["id"] for m in item["messages"]] == ["m-2", "r-2"]


def test_a_reopened_id_keeps_both_inquiries_and_get_answers_the_newest(
        store: FlaggedStore) -> None:
    first = make_conversation("c-9", opened_at=BASE_TIME, total=30)
    reopened = make_conversation("c-9", opened_at=BASE_TIME + timedelta(hours=2), total=55,
                                 reasons=["missing_greeting"])
    store.write_conversations([reopened, first])  # order of arrival does not matter
    store.write_conversations([first])
    assert store.conversations.get("c-9")["total"] == 55
    older = store.conversations.get("c-9", opened_at=BASE_TIME)
    assert older["total"] == 30 and older["reasons"] == first["record"]["reasons"]
    assert older["inquiries"] == [reopened["record"]["opened_at"], first["record"]["opened_at"]]
    listed = all_pages(store, ConversationQuery(limit=1))
    assert listed == [("c-9", first["record"]["opened_at"]),
                      ("c-9", reopened["record"]["opened_at"])]
    assert [len(v) for v in dump(store).values()] == [2, 3, 8]


def test_unknown_id_or_opening_time_is_not_found(store: FlaggedStore) -> None:
    store.write_conversations([make_conversation("c-1")])
    with pytest.raises(ConversationNotFound):
        store.conversations.get("c-2")
    with pytest.raises(ConversationNotFound):
        store.conversations.get("c-1", opened_at=BASE_TIME + timedelta(seconds=1))


def test_strings_postgres_cannot_hold_are_cleaned_instead_of_wedging_the_pipeline(
        store: FlaggedStore) -> None:
    row = make_conversation("c-nul", team="T" * 500)
    row["messages"][0]["text"] = "Hei\x00 der"
    row["record"]["agent_ids"] = ["a\x00b"]
    store.write_conversations([row])
    item = store.conversations.get("c-nul")
    assert item["messages"][0]["text"] == "Hei der" and item["agent_ids"] == ["ab"]
    assert store.conversations.list(ConversationQuery(team="T" * 256)).items


def test_a_row_that_breaks_the_contract_names_the_field_and_writes_nothing(
        store: FlaggedStore) -> None:
    bad = make_conversation("c-bad")
    del bad["record"]["opened_at"]
    with pytest.raises(ValueError, match="opened_at"):
        store.write_conversations([make_conversation("c-good"), bad])
    late = make_conversation("c-bad")
    late["record"]["closed_at"] = "yesterday"
    with pytest.raises(ValueError, match="'yesterday' is not an RFC 3339"):
        store.write_conversations([late])
    assert all(v == [] for v in dump(store).values())


def test_empty_batch_writes_nothing(store: FlaggedStore) -> None:
    store.write_conversations([])
    assert all(v == [] for v in dump(store).values())


def test_unreachable_database_raises_store_unavailable_on_write() -> None:
    dead = FlaggedStore(make_engine("postgresql://nobody:secret@127.0.0.1:1/none"))
    try:
        with pytest.raises(StoreUnavailable, match="SCORER_STORE_URL"):
            dead.write_conversations([make_conversation("c-1")])
    finally:
        dead.close()


@pytest.mark.postgres
def test_postgres_going_away_mid_run_is_survived_by_the_next_write(
        fresh_postgres_url: str) -> None:
    s = FlaggedStore.from_settings(qa_settings(fresh_postgres_url))
    try:
        s.write_conversations([make_conversation("c-1")])
        with s.engine.connect() as conn:  # kill our own pooled sessions from the server side
            conn.execute(sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
        s.write_conversations([make_conversation("c-2")])
        assert {i["conversation_id"] for i in s.conversations.list(ConversationQuery()).items} \
            == {"c-1", "c-2"}
    finally:
        s.close()


# --- queries ---------------------------------------------------------------------------------


@pytest.mark.parametrize("sort", list(CONVERSATION_SORTS))
def test_cursor_pages_cover_every_conversation_once_in_sort_order(store: FlaggedStore,
                                                                  sort: str) -> None:
    rows = sample_conversations(17)
    store.write_conversations(rows)
    got = all_pages(store, ConversationQuery(sort=sort, limit=4))
    records = {(r["record"]["conversation_id"], r["record"]["opened_at"]): r["record"]
               for r in rows}

    def sort_key(key: tuple[str, str]) -> tuple[Any, ...]:
        rec = records[key]
        closed = ts(rec["closed_at"]).timestamp()
        tie = (rec["opened_at"], rec["conversation_id"])  # the order of the inquiry key
        if sort in ("total", "-total"):
            return (rec["total"] if sort == "total" else -rec["total"], -closed, tie)
        return (closed if sort == "closed_at" else -closed, tie)

    assert got == sorted(records, key=sort_key)
    assert len(set(got)) == 17


def test_conversations_added_while_paging_do_not_repeat_earlier_ones(
        store: FlaggedStore) -> None:
    store.write_conversations(sample_conversations(12))
    first = store.conversations.list(ConversationQuery(limit=5))
    store.write_conversations([make_conversation("c-new", total=1)])  # sorts before all seen
    rest = all_pages(store, ConversationQuery(limit=5, cursor=first.next_cursor))
    seen = [(i["conversation_id"], i["opened_at"]) for i in first.items] + rest
    assert len(seen) == len(set(seen)) == 12


def test_filters_select_exactly_the_matching_conversations(store: FlaggedStore) -> None:
    rows = sample_conversations(18)
    store.write_conversations(rows)
    cases = [
        (ConversationQuery(channel="messenger"), lambda r: r["channel"] == "messenger"),
        (ConversationQuery(language="sv"), lambda r: r["language"] == "sv"),
        (ConversationQuery(band="poor", answered=True),
         lambda r: r["band"] == "poor" and r["answered"]),
        (ConversationQuery(reason="late_response"), lambda r: "late_response" in r["reasons"]),
        (ConversationQuery(reason="unanswered"), lambda r: "unanswered" in r["reasons"]),
        (ConversationQuery(team="Team Malmö"), lambda r: r["team"] == "Team Malmö"),
        (ConversationQuery(answered=False), lambda r: not r["answered"]),
        (ConversationQuery(since=BASE_TIME + timedelta(hours=3),
                           until=BASE_TIME + timedelta(hours=6)),
         lambda r: BASE_TIME + timedelta(hours=3) <= ts(r["closed_at"])
         < BASE_TIME + timedelta(hours=6)),
        (ConversationQuery(channel="chat", reason="missing_closing", team="Team Oslo"),
         lambda r: r["channel"] == "chat" and "missing_closing" in r["reasons"]
         and r["team"] == "Team Oslo"),
    ]
    for q, pred in cases:
        q.limit = 200
        got = {i["conversation_id"] for i in store.conversations.list(q).items}
        want = {r["record"]["conversation_id"] for r in rows if pred(r["record"])}
        assert got == want, q
        assert want, f"filter case selects nothing, so it proves nothing: {q}"


@pytest.mark.parametrize("attempt", ["' OR '1'='1", "x'; DROP TABLE flagged_conversations; --",
                                     "%", "_", "c-001' --"])
def test_injection_attempts_in_filters_and_ids_are_plain_values(store: FlaggedStore,
                                                                attempt: str) -> None:
    store.write_conversations(sample_conversations(6))
    for name in ("channel", "language", "band", "team"):
        assert store.conversations.list(ConversationQuery(**{name: attempt})).items == []
    with pytest.raises(ConversationNotFound):
        store.conversations.get(attempt)
    for q in (ConversationQuery(reason=attempt), ConversationQuery(cursor=attempt),
              ConversationQuery(sort=attempt)):
        with pytest.raises(InvalidQuery):
            store.conversations.list(q)
    assert len(store.conversations.list(ConversationQuery()).items) == 6


def test_bad_reason_sort_limit_and_foreign_cursors_are_refused_with_the_fix(
        store: FlaggedStore) -> None:
    store.write_conversations(sample_conversations(6))
    store.upsert_flagged([make_pair(f"r-{i}") for i in range(3)])
    with pytest.raises(InvalidQuery, match="late_response"):  # names the vocabulary
        store.conversations.list(ConversationQuery(reason="missing_greting"))
    with pytest.raises(InvalidQuery, match="-closed_at"):
        store.conversations.list(ConversationQuery(sort="event_at"))
    with pytest.raises(InvalidQuery, match="between 1 and 200"):
        store.conversations.list(ConversationQuery(limit=201))
    conv_cursor = store.conversations.list(ConversationQuery(limit=2)).next_cursor
    reply_cursor = store.list_flagged(FlaggedQuery(limit=2)).next_cursor
    assert conv_cursor and reply_cursor
    with pytest.raises(InvalidQuery, match="another listing"):
        store.conversations.list(ConversationQuery(cursor=reply_cursor))
    with pytest.raises(InvalidQuery, match="another listing"):
        store.list_flagged(FlaggedQuery(cursor=conv_cursor))
    with pytest.raises(InvalidQuery, match="keep the sort"):
        store.conversations.list(ConversationQuery(sort="-closed_at", cursor=conv_cursor))


def test_stats_count_conversations_closed_in_the_window(store: FlaggedStore) -> None:
    rows = sample_conversations(12)
    store.write_conversations(rows)
    since, until = BASE_TIME, BASE_TIME + timedelta(hours=3)
    inside = [r["record"] for r in rows if since <= ts(r["record"]["closed_at"]) < until]
    stats = store.conversations.stats(since, until)
    assert stats["total"] == len(inside) == 6
    assert stats["unanswered"] == sum(not r["answered"] for r in inside) == 1
    reasons: dict[str, int] = {}
    for r in inside:
        for reason in r["reasons"]:
            reasons[reason] = reasons.get(reason, 0) + 1
    assert stats["by_reason"] == reasons
    assert sum(stats["by_channel"].values()) == sum(stats["by_band"].values()) == 6


# --- retention and schema --------------------------------------------------------------------


def test_purge_removes_old_conversations_whole_and_keeps_recent_ones(
        store: FlaggedStore) -> None:
    now = datetime.now(UTC)
    store.write_conversations([make_conversation("old", opened_at=now - timedelta(days=100)),
                               make_conversation("new", opened_at=now - timedelta(days=10))])
    store.upsert_flagged([make_pair("old-reply", sent_at=now - timedelta(days=100))])
    assert store.purge_counts(timedelta(days=90)) == (1, 1)
    assert [i["conversation_id"] for i in store.conversations.list(
        ConversationQuery()).items] == ["new"]
    assert [len(v) for v in dump(store).values()] == [1, 2, 4]


def test_retention_setting_purges_conversations_automatically(store_url: str) -> None:
    now = datetime.now(UTC)
    plain = FlaggedStore.from_settings(qa_settings(store_url))
    plain.write_conversations([make_conversation("old", opened_at=now - timedelta(days=40)),
                               make_conversation("new", opened_at=now)])
    plain.close()
    kept = FlaggedStore.from_settings(qa_settings(store_url, retention_days=30))
    try:
        ids = [i["conversation_id"] for i in kept.conversations.list(ConversationQuery()).items]
        assert ids == ["new"]
    finally:
        kept.close()


def test_an_existing_store_is_migrated_and_keeps_its_replies(store_url: str) -> None:
    from alembic import command
    from alembic.config import Config

    from scorer.store import MIGRATIONS_DIR

    engine = make_engine(store_url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.commit()
    old = FlaggedStore(engine)
    # A reply as the 0001 schema held it (today's rows carry columns of 0004).
    row = flagged_rows([make_pair("r-before")], redact_text=False)[0]
    with engine.begin() as conn:
        conn.execute(replies_t.insert(), [{k: v for k, v in row.items()
                                           if k not in ("sampled", "flagged")}])
    migrate(engine)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one() \
            == "0004"
    old.write_conversations([make_conversation("c-after")])
    assert old.get("r-before")["id"] == "r-before"
    assert old.conversations.get("c-after")["conversation_id"] == "c-after"
    old.close()


def test_cli_table_lists_conversations_worst_first(store_url: str) -> None:
    s = FlaggedStore.from_settings(qa_settings(store_url))
    s.write_conversations(sample_conversations(6))
    s.close()
    table = conversations_table(qa_settings(store_url), limit=3, reason="unanswered")
    lines = table.splitlines()
    assert lines[0].split()[:3] == ["closed", "conversation", "channel"]
    assert "c-005" in lines[2] and "unanswered" in lines[2] and " - " in lines[2]
    assert lines[-1] == "(1 conversation shown)"
