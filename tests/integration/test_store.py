"""The flagged store against SQLite and a real PostgreSQL server."""
# Fixtures are imported from tests.qa_fixtures, so test parameters "redefine" them:

from __future__ import annotations

import io
import json
import os
import stat
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from scorer.store import (
    SORTS,
    FlaggedQuery,
    FlaggedStore,
    InvalidQuery,
    NotFound,
    StoreUnavailable,
    make_engine,
    parse_time,
    replies_t,
)
from tests.qa_fixtures import BASE_TIME, make_pair, qa_settings, sample_pairs


def count_rows(store: FlaggedStore, table: str) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())  # noqa: S608


def all_pages(store: FlaggedStore, q: FlaggedQuery) -> list[str]:
    ids: list[str] = []
    cursor = q.cursor
    while True:
        q.cursor = cursor
        page = store.list_flagged(q)
        ids.extend(i["id"] for i in page.items)
        if page.next_cursor is None:
            return ids
        cursor = page.next_cursor


# --- idempotency -----------------------------------------------------------------------------


def test_the_same_record_written_twice_is_stored_once(store: FlaggedStore) -> None:
    pair = make_pair("r-1", reasons=["missing_greeting", "missing_closing"])
    assert store.upsert_flagged([pair]) == 1
    assert store.upsert_flagged([pair]) == 1
    assert store.upsert_flagged([pair, pair]) == 1  # duplicates inside one batch too
    assert count_rows(store, "flagged_replies") == 1
    assert count_rows(store, "flagged_reasons") == 2


def test_rewrite_updates_in_place_and_keeps_reviews_and_first_stored_time(
        store: FlaggedStore) -> None:
    store.upsert_flagged([make_pair("r-1", total=40, model_version="m1")])
    first = store.get("r-1")
    store.add_review("r-1", verdict="agree", labels={}, comment="ok", reviewer="Kari")
    with store.engine.connect() as conn:
        stored_at = conn.execute(sa.select(replies_t.c.stored_at)).scalar_one()
    store.upsert_flagged([make_pair("r-1", total=55, model_version="m2",
                                    reasons=["missing_closing"])])
    again = store.get("r-1")
    assert (first["total"], again["total"]) == (40, 55)
    assert again["model_version"] == "m2" and again["reasons"] == ["missing_closing"]
    assert [r["reviewer"] for r in again["reviews"]] == ["Kari"]
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(replies_t.c.stored_at)).scalar_one() == stored_at
    assert store.list_flagged(FlaggedQuery(reason="missing_greeting")).items == []


def test_a_replay_that_no_longer_flags_a_reply_removes_it_unless_reviewed(
        store: FlaggedStore) -> None:
    store.upsert_flagged([make_pair("r-a"), make_pair("r-b"), make_pair("r-c")])
    store.add_review("r-b", verdict="agree", labels={}, comment="", reviewer="Kari")
    store.upsert_flagged([make_pair("r-c")], unflagged_ids=["r-a", "r-b", "r-unknown"])
    assert store.get("r-b")["reviews"] and store.get("r-c")
    with store.engine.connect() as conn:
        ids = set(conn.execute(sa.select(replies_t.c.id)).scalars())
    assert ids == {"r-b", "r-c"}
    assert count_rows(store, "flagged_reasons") == 2 * len(make_pair("x")[1].reasons)


def test_empty_batch_writes_nothing(store: FlaggedStore) -> None:
    assert store.upsert_flagged([]) == 0


def test_strings_postgres_cannot_hold_are_cleaned_instead_of_wedging_the_pipeline(
        store: FlaggedStore) -> None:
    pair = make_pair("r-nul", text="Hei\x00 der", team="T" * 500, agent_id="a\x00b")
    assert store.upsert_flagged([pair]) == 1
    item = store.get("r-nul")
    assert item["text"] == "Hei der" and item["agent_id"] == "ab" and len(item["team"]) == 256


# --- redaction -------------------------------------------------------------------------------

SECRETS = ["ola.nordmann@example.no", "912 34 567", "4111 1111 1111 1111",
           "NO93 8601 1117 947", "19121212-1212", "070761-4285"]


def test_redacted_text_never_reaches_the_store(store: FlaggedStore, store_url: str) -> None:
    text = ("Hei Ola! Vi har mottatt kortnummeret 4111 1111 1111 1111 og personnummer "
            "19121212-1212. Refusjon går til NO93 8601 1117 947. CPR 070761-4285. "
            "Ring 912 34 567 eller skriv til ola.nordmann@example.no. Ha en fin dag!")
    closing = text.index("Ring 912")
    pair = make_pair("r-pii", text=text, team="Team Oslo",
                     evidence={"greeting": (0, 8), "closing": (closing, len(text))})
    store.upsert_flagged([pair])
    item = store.get("r-pii")
    for secret in SECRETS:
        assert secret not in item["text"]
    assert item["redacted"] is True
    # The evidence span text is cut from the redacted text, so the page can find it.
    closing_text = item["evidence"]["closing"]["text"]
    assert closing_text.startswith("Ring [PHONE]") and closing_text in item["text"]
    assert item["evidence"]["greeting"]["text"] == "Hei [NAME]!"  # a greeted name too
    # And nowhere in the database itself — every column of every table, read raw.
    with store.engine.connect() as conn:
        for table in ("flagged_replies", "flagged_reasons", "reviews"):
            for row in conn.execute(sa.text(f"SELECT * FROM {table}")):  # noqa: S608
                dumped = json.dumps([str(v) for v in row], ensure_ascii=False)
                for secret in SECRETS:
                    assert secret not in dumped
    if store_url.startswith("sqlite"):
        store.close()  # checkpoint the WAL, then scan the files' bytes
        db = Path(store_url.removeprefix("sqlite:///"))
        blob = b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*") if p.is_file())
        for secret in SECRETS:
            assert secret.encode() not in blob


def test_redaction_can_be_switched_off(store_url: str) -> None:
    s = FlaggedStore.from_settings(qa_settings(store_url, redact=False))
    try:
        s.upsert_flagged([make_pair("r-raw", text="Ring 912 34 567")])
        item = s.get("r-raw")
        assert item["text"] == "Ring 912 34 567" and item["redacted"] is False
    finally:
        s.close()


# --- queries ---------------------------------------------------------------------------------


@pytest.mark.parametrize("sort", list(SORTS))
def test_cursor_pages_cover_every_row_once_in_sort_order(store: FlaggedStore, sort: str) -> None:
    pairs = sample_pairs(23)
    store.upsert_flagged(pairs)
    ids = all_pages(store, FlaggedQuery(sort=sort, limit=4))
    by_id = {r.id: (s.total, r.sent_at) for r, s in pairs}
    keys = []
    for col, asc in SORTS[sort]:
        keys.append((col, asc))

    def sort_key(reply_id: str) -> tuple[object, ...]:
        total, when = by_id[reply_id]
        parts: list[object] = []
        for col, asc in keys:
            if col == "total":
                parts.append(total if asc else -total)
            elif col == "event_at":
                ts = when.timestamp()
                parts.append(ts if asc else -ts)
            else:
                parts.append(reply_id)
        return tuple(parts)

    assert ids == sorted(by_id, key=sort_key)


def test_rows_added_while_paging_do_not_repeat_earlier_ones(store: FlaggedStore) -> None:
    store.upsert_flagged(sample_pairs(12))
    first = store.list_flagged(FlaggedQuery(sort="total", limit=5))
    store.upsert_flagged([make_pair("r-new", total=1)])  # sorts before everything seen
    rest = all_pages(store, FlaggedQuery(sort="total", limit=5, cursor=first.next_cursor))
    seen = [i["id"] for i in first.items] + rest
    assert len(seen) == len(set(seen)) == 12


def test_filters_select_exactly_the_matching_rows(store: FlaggedStore) -> None:
    pairs = sample_pairs(24)
    store.upsert_flagged(pairs)
    store.add_review("r-003", verdict="agree", labels={}, comment="", reviewer="K")
    cases = [
        (FlaggedQuery(channel="messenger"), lambda r, s: r.channel == "messenger"),
        (FlaggedQuery(language="sv"), lambda r, s: r.language == "sv"),
        (FlaggedQuery(band="at_risk"), lambda r, s: s.band == "at_risk"),
        (FlaggedQuery(reason="too_short"), lambda r, s: "too_short" in s.reasons),
        (FlaggedQuery(team="Team Malmö"), lambda r, s: r.team == "Team Malmö"),
        (FlaggedQuery(agent_id="agent-2"), lambda r, s: r.agent_id == "agent-2"),
        (FlaggedQuery(min_score=35, max_score=50), lambda r, s: 35 <= s.total <= 50),
        (FlaggedQuery(since=BASE_TIME + timedelta(hours=3),
                      until=BASE_TIME + timedelta(hours=6)),
         lambda r, s: BASE_TIME + timedelta(hours=3) <= r.sent_at < BASE_TIME
         + timedelta(hours=6)),
        (FlaggedQuery(reviewed=True), lambda r, s: r.id == "r-003"),
        (FlaggedQuery(channel="chat", reason="missing_greeting", max_score=40),
         lambda r, s: r.channel == "chat" and "missing_greeting" in s.reasons
         and s.total <= 40),
    ]
    for q, pred in cases:
        q.limit = 200
        got = {i["id"] for i in store.list_flagged(q).items}
        want = {r.id for r, s in pairs if pred(r, s)}
        assert got == want, q
        assert want, f"filter case selects nothing, so it proves nothing: {q}"


INJECTIONS = ["' OR '1'='1", "x'; DROP TABLE flagged_replies; --", "chat\" OR 1=1 --",
              "%", "_", "\\", "r-001' UNION SELECT * FROM reviews --"]


def test_injection_attempts_in_every_filter_are_plain_values(store: FlaggedStore) -> None:
    store.upsert_flagged(sample_pairs(6))
    for attempt in INJECTIONS:
        for name in ("channel", "language", "band", "reason", "team", "agent_id"):
            q = FlaggedQuery(**{name: attempt})
            assert store.list_flagged(q).items == [], (name, attempt)
        with pytest.raises(NotFound):
            store.get(attempt)
        with pytest.raises(InvalidQuery):
            store.list_flagged(FlaggedQuery(cursor=attempt))
        with pytest.raises(InvalidQuery):
            store.list_flagged(FlaggedQuery(sort=attempt))
    assert count_rows(store, "flagged_replies") == 6


def test_cursor_from_another_sort_is_refused_with_a_reason(store: FlaggedStore) -> None:
    store.upsert_flagged(sample_pairs(6))
    cursor = store.list_flagged(FlaggedQuery(sort="total", limit=2)).next_cursor
    assert cursor
    with pytest.raises(InvalidQuery, match="keep the sort"):
        store.list_flagged(FlaggedQuery(sort="-event_at", cursor=cursor))


def test_page_size_is_bounded(store: FlaggedStore) -> None:
    with pytest.raises(InvalidQuery):
        store.list_flagged(FlaggedQuery(limit=201))


def test_stats_count_per_channel_band_and_reason_in_the_window(store: FlaggedStore) -> None:
    pairs = sample_pairs(12)
    store.upsert_flagged(pairs)
    since, until = BASE_TIME, BASE_TIME + timedelta(hours=4)
    inside = [(r, s) for r, s in pairs if since <= r.sent_at < until]
    stats = store.stats(since, until)
    assert stats["total"] == len(inside) == 8
    for key, attr in (("by_channel", lambda r, s: r.channel.value),
                      ("by_band", lambda r, s: s.band)):
        expected: dict[str, int] = {}
        for r, s in inside:
            expected[attr(r, s)] = expected.get(attr(r, s), 0) + 1
        assert stats[key] == expected
    reasons: dict[str, int] = {}
    for _r, s in inside:
        for reason in s.reasons:
            reasons[reason] = reasons.get(reason, 0) + 1
    assert stats["by_reason"] == reasons


# --- reviews, export, retention -----------------------------------------------------------------


def test_review_of_unknown_reply_is_not_found(store: FlaggedStore) -> None:
    with pytest.raises(NotFound):
        store.add_review("nope", verdict="agree", labels={}, comment="", reviewer="K")


def test_feedback_export_uses_corrections_or_the_models_verdicts(store: FlaggedStore) -> None:
    dims = {"greeting": 0.2, "explanation": 0.7, "closing": 0.4, "length": 0.5}
    store.upsert_flagged([make_pair(i, dims=dims) for i in ("a", "b", "c", "d")])
    store.add_review("a", verdict="agree", labels={}, comment="", reviewer="K")
    store.add_review("b", verdict="disagree", labels={"greeting": 1}, comment="", reviewer="K")
    store.add_review("c", verdict="disagree", labels={}, comment="unclear", reviewer="K")
    store.add_review("d", verdict="disagree", labels={"closing": 1}, comment="", reviewer="K")
    store.add_review("d", verdict="agree", labels={}, comment="changed mind", reviewer="L")
    out = io.StringIO()
    written, skipped = store.export_feedback(out)
    lines = {obj["id"]: obj for obj in map(json.loads, out.getvalue().splitlines())}
    assert (written, skipped) == (3, 1)
    model = {"greeting": 0, "explanation": 1, "closing": 0}
    assert lines["a"]["labels"] == model
    assert lines["b"]["labels"] == {**model, "greeting": 1}
    assert lines["d"]["labels"] == model  # the latest review wins
    assert set(lines["a"]) >= {"id", "channel", "text", "language", "labels"}
    assert lines["a"]["text"] == "Vi har sendt pakken. Ha en fin dag!"


def test_review_comments_are_redacted_before_they_are_stored(store: FlaggedStore) -> None:
    store.upsert_flagged([make_pair("r-1")])
    saved = store.add_review(
        "r-1", verdict="disagree", labels={"closing": 1}, reviewer="kari",
        comment="Kunden ba om svar på 912 34 567 eller ola.nordmann@example.no, kort "
                "4111 1111 1111 1111.")
    for secret in ("912 34 567", "ola.nordmann@example.no", "4111 1111 1111 1111"):
        assert secret not in saved["comment"]
        assert secret not in store.get("r-1")["reviews"][0]["comment"]
    assert "[PHONE]" in saved["comment"] and "[EMAIL]" in saved["comment"]
    with store.engine.connect() as conn:
        raw = conn.execute(sa.text("SELECT comment FROM reviews")).scalar_one()
    assert "912 34 567" not in raw and raw.startswith("Kunden ba om svar")


def test_a_purge_age_older_than_the_calendar_is_refused_not_a_crash(
        store: FlaggedStore) -> None:
    with pytest.raises(InvalidQuery, match="shorter age"):
        store.purge(timedelta(weeks=999_999))


def test_retention_is_on_by_default(store_url: str) -> None:
    from scorer.settings import load_settings

    settings = load_settings(store_url=store_url)
    assert settings.retention_days == 90 and settings.audit_retention_days == 365
    s = FlaggedStore.from_settings(settings)
    try:
        assert s.retention_days == 90
    finally:
        s.close()


def test_sqlite_files_are_private_to_the_service_user(tmp_path: Path) -> None:
    db = tmp_path / "flagged.db"
    old_umask = os.umask(0o022)  # the usual umask would make new files world-readable
    try:
        s = FlaggedStore.from_settings(qa_settings(f"sqlite:///{db}"))
        s.upsert_flagged([make_pair("r-1")])
        s.add_review("r-1", verdict="agree", labels={}, comment="", reviewer="K")
        files = [db, Path(f"{db}-wal"), Path(f"{db}-shm"), Path(f"{db}.migrate-lock")]
        for path in files:
            assert path.exists(), path
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, (path, oct(path.stat().st_mode))
        s.close()
        # A store file made world-readable elsewhere is tightened when opened.
        db.chmod(0o644)
        FlaggedStore.from_settings(qa_settings(f"sqlite:///{db}")).close()
        assert stat.S_IMODE(db.stat().st_mode) == 0o600
    finally:
        os.umask(old_umask)


def test_purge_deletes_old_replies_with_their_reviews(store: FlaggedStore) -> None:
    now = datetime.now(UTC)
    store.upsert_flagged([make_pair("old", sent_at=now - timedelta(days=100)),
                          make_pair("new", sent_at=now - timedelta(days=10))])
    store.add_review("old", verdict="agree", labels={}, comment="", reviewer="K")
    assert store.purge(timedelta(days=90)) == 1
    assert [i["id"] for i in store.list_flagged(FlaggedQuery()).items] == ["new"]
    assert count_rows(store, "reviews") == 0
    assert count_rows(store, "flagged_reasons") == 1


def test_retention_setting_purges_automatically(store_url: str) -> None:
    now = datetime.now(UTC)
    plain = FlaggedStore.from_settings(qa_settings(store_url))
    plain.upsert_flagged([make_pair("old", sent_at=now - timedelta(days=40)),
                          make_pair("new", sent_at=now)])
    plain.close()
    kept = FlaggedStore.from_settings(qa_settings(store_url, retention_days=30))
    try:
        assert [i["id"] for i in kept.list_flagged(FlaggedQuery()).items] == ["new"]
        # The streaming write path applies it too (once an hour; force the clock here).
        kept._last_purge = 0.0
        kept.upsert_flagged([make_pair("late", sent_at=now - timedelta(days=31))])
        assert [i["id"] for i in kept.list_flagged(FlaggedQuery()).items] == ["new"]
    finally:
        kept.close()


# --- schema and availability ---------------------------------------------------------------------


def test_concurrent_openers_migrate_once(store_url: str) -> None:
    errors: list[BaseException] = []
    stores: list[FlaggedStore] = []

    def open_store() -> None:
        try:
            stores.append(FlaggedStore.from_settings(qa_settings(store_url)))
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with stores[0].engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all() \
            == ["0004"]
    for s in stores:
        s.close()


def test_simultaneous_first_openers_of_a_new_sqlite_file_all_succeed(tmp_path: Path) -> None:
    """Openers released together on a file that is not yet WAL: the first connection's
    journal-mode switch must not race (it fails at once rather than waiting, so this
    failed now and then in CI before openers were serialised before connecting)."""
    for round_ in range(40):
        url = f"sqlite:///{tmp_path}/race{round_}.db"
        gate = threading.Barrier(6)
        errors: list[BaseException] = []
        stores: list[FlaggedStore] = []

        def open_store(url: str = url, gate: threading.Barrier = gate,
                       errors: list[BaseException] = errors,
                       stores: list[FlaggedStore] = stores) -> None:
            settings = qa_settings(url)
            gate.wait()
            try:
                stores.append(FlaggedStore.from_settings(settings))
            except BaseException as exc:  # collected and asserted below
                errors.append(exc)

        threads = [threading.Thread(target=open_store) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for s in stores:
            s.close()
        assert errors == [], f"round {round_}: {errors!r}"


def test_unreachable_postgres_raises_store_unavailable() -> None:
    settings = qa_settings("postgresql://nobody:secret@127.0.0.1:1/none")
    with pytest.raises(StoreUnavailable, match="SCORER_STORE_URL"):
        FlaggedStore.from_settings(settings)


def test_unwritable_sqlite_path_raises_store_unavailable(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailable):
        FlaggedStore.from_settings(qa_settings(f"sqlite:///{tmp_path}/missing/dir/f.db"))


@pytest.mark.postgres
def test_postgres_going_away_mid_run_raises_store_unavailable(fresh_postgres_url: str) -> None:
    s = FlaggedStore.from_settings(qa_settings(fresh_postgres_url))
    try:
        s.upsert_flagged([make_pair("r-1")])
        with s.engine.connect() as conn:  # kill our own pooled sessions from the server side
            conn.execute(sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
        # pre-ping replaces dead connections, so the store recovers on its own
        assert s.upsert_flagged([make_pair("r-2")]) == 1
    finally:
        s.close()


def test_postgresql_url_is_mapped_to_psycopg_driver() -> None:
    engine = make_engine("postgresql://u:p@127.0.0.1:5/db")
    assert engine.url.drivername == "postgresql+psycopg"
    with pytest.raises(ValueError, match="SCORER_STORE_URL"):
        make_engine("mysql://u:p@h/db")


def test_time_parsing_accepts_durations_and_rfc3339_only() -> None:
    now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    assert parse_time("1d", now=now) == now - timedelta(days=1)
    assert parse_time("2026-11-23T09:00:00Z") == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    for bad in ("yesterday", "1y", "", "9999-12-31T23:59:59-23:59", "0001-01-01"):
        with pytest.raises(InvalidQuery):
            parse_time(bad, now=now)
