"""HTTP hardening of the QA API, over SQLite and a real PostgreSQL server: bad filters and
forged cursors are 400 (never a 500 with a traceback), a token past its rate gets 429 with
Retry-After, the CSV export cannot inject formulas into comma- or semicolon-splitting
spreadsheets, every answer (refusals too) carries the security headers, and a `--dev`
server answers loopback Host names only.
"""
# Fixtures are imported from tests.qa_fixtures, so test parameters "redefine" them:

from __future__ import annotations

import base64
import csv
import io
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scorer.api import MAX_BODY_BYTES, create_app
from scorer.api_auth import RateLimiter
from scorer.api_csv import csv_cell
from scorer.settings import load_settings
from scorer.store import FlaggedQuery, FlaggedStore, InvalidQuery
from tests.qa_fixtures import (
    READER_TOKEN,
    TOKEN,
    make_conversation,
    make_pair,
    qa_settings,
    sample_pairs,
)

ADMIN = {"Authorization": f"Bearer {TOKEN}"}
READER = {"Authorization": f"Bearer {READER_TOKEN}"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def client(store: FlaggedStore, store_url: str) -> Iterator[TestClient]:
    store.upsert_flagged(sample_pairs(8))
    store.write_conversations([make_conversation("c-1")])
    app = create_app(qa_settings(store_url), store=store)
    with TestClient(app, raise_server_exceptions=False) as c:  # a 500 must show as a 500
        yield c


def cursor(data: Any) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# --- bad filters and cursors: 400, never 500 -------------------------------------------------

TIMES = ["999999w", "999999d", "999999h", "99999w", "0001-01-01", "9999-12-31T23:59:59-23:59",
         "0001-01-01T00:00:00+14:00", "+10000-01-01", "2026-13-01", "nan", "1e308", "-1d",
         "1y", "2026-11-20T25:00:00Z"]
WHEN = "2026-11-20T09:00:00+00:00"
REPLY_CURSORS: list[Any] = [
    b"[" * 760 + b"]" * 760,                            # deep nesting (longest that fits)
    {"s": "total", "k": [10**30, WHEN, "r-1"]},          # past 32-bit integer
    {"s": "total", "k": [2**31, WHEN, "r-1"]},
    {"s": "total", "k": [-(2**31) - 1, WHEN, "r-1"]},
    {"s": "total", "k": [20, "0001-01-01T00:00:00+01:00", "r-1"]},  # before year 1 in UTC
    {"s": "total", "k": [20, "9999-12-31T23:59:59-01:00", "r-1"]},  # after 9999 in UTC
    {"s": "total", "k": [20, WHEN, "a\x00b"]},
    {"s": "total", "k": [20, WHEN, "\ud800"]},           # lone surrogate
    {"s": "total", "k": [20, WHEN, "x" * 400]},           # longer than the key columns
    {"s": "total", "k": [1.5, WHEN, "r-1"]}, {"s": "total", "k": [True, WHEN, "r-1"]},
    {"s": "total", "k": [None, WHEN, "r-1"]}, {"s": "total", "k": [[20], WHEN, "r-1"]},
    {"s": "total", "k": [{"a": 1}, WHEN, "r-1"]}, {"s": "total", "k": [20, 5, "r-1"]},
    {"s": "total", "k": list(range(300))}, {"s": "total", "k": "20"}, {"s": "total"},
    {"s": "total", "k": [20, WHEN, "r-1"], "t": "conversations"},
    {"s": ["total"], "k": [20, WHEN, "r-1"]}, [], "cursor", 17, None,
    b"\xff\xfe\xfd not utf-8", b"NaN", b'{"s": "total", "k": [NaN, Infinity, "r"]}',
]


def test_bad_times_are_400_on_every_route_that_takes_one(client: TestClient) -> None:
    for value in TIMES:
        for path, name in (("/api/flagged", "since"), ("/api/flagged", "until"),
                           ("/api/stats", "since"), ("/api/stats", "until"),
                           ("/api/conversations", "since"), ("/api/flagged.csv", "until"),
                           ("/api/conversations/c-1", "opened_at")):
            resp = client.get(path, params={name: value}, headers=ADMIN)
            assert resp.status_code == 400, (path, name, value, resp.status_code, resp.text)
            assert "Traceback" not in resp.text and value[:5] in resp.json()["detail"]


def test_forged_cursors_are_400_never_500(client: TestClient) -> None:
    for data in REPLY_CURSORS:
        resp = client.get("/api/flagged", params={"cursor": cursor(data)}, headers=ADMIN)
        assert resp.status_code == 400, (data if not isinstance(data, bytes) else data[:20],
                                         resp.status_code, resp.text[:200])
        assert "cursor" in resp.json()["detail"]
        conv = data  # the same forgery, tagged for conversations (or untagged: replies')
        if isinstance(data, dict):
            conv = ({k: v for k, v in data.items() if k != "t"} if "t" in data
                    else {**data, "t": "conversations"})
        resp = client.get("/api/conversations", params={"cursor": cursor(conv)}, headers=ADMIN)
        assert resp.status_code == 400, (conv if not isinstance(conv, bytes) else conv[:20],
                                         resp.status_code)
    for junk in ("!!!", "%%%", "====", "A", "a" * 2048, "\u00e6\u00f8\u00e5"):
        resp = client.get("/api/flagged", params={"cursor": junk}, headers=ADMIN)
        assert resp.status_code == 400, (junk[:10], resp.status_code)


def test_a_cursor_nested_past_the_json_recursion_limit_is_invalid_not_a_crash(
        store: FlaggedStore) -> None:
    """The API caps cursors at 2048 characters; the store must not rely on that."""
    with pytest.raises(InvalidQuery, match="cursor"):
        store.list_flagged(FlaggedQuery(cursor=cursor(b"[" * 50_000 + b"]" * 50_000)))


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True)
    | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner,
                                                               max_size=4),
    max_leaves=12)


def test_fuzzed_cursor_values_answer_200_or_400(client: TestClient) -> None:
    """Hypothesis fills a well-formed cursor's keys with any JSON: the database must never
    see a value it would choke on."""

    @settings(max_examples=150, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(sort=st.sampled_from(["total", "-total", "event_at", "-event_at"]),
           keys=st.lists(JSON, min_size=1, max_size=4),
           when=st.one_of(st.just(WHEN), st.datetimes(timezones=st.timezones()).map(
               lambda d: d.isoformat()), st.text(max_size=30)))
    def run(sort: str, keys: list[Any], when: str) -> None:
        for k in (keys, [keys[0], when, *keys[1:2]], [*keys[:1], when]):
            resp = client.get("/api/flagged", headers=ADMIN,
                              params={"cursor": cursor({"s": sort, "k": k}), "sort": sort})
            assert resp.status_code in (200, 400), (sort, k, resp.status_code, resp.text[:300])

    run()


# --- rate limit ------------------------------------------------------------------------------


def test_a_token_past_its_rate_gets_429_with_retry_after_and_others_do_not(
        store: FlaggedStore, store_url: str) -> None:
    app = create_app(qa_settings(store_url, api_rate=0.5, api_burst=3), store=store)
    with TestClient(app) as c:
        assert [c.get("/api/stats", headers=ADMIN).status_code for _ in range(3)] == [200] * 3
        resp = c.get("/api/flagged", headers=ADMIN)
        assert resp.status_code == 429
        assert int(resp.headers["retry-after"]) >= 1 and "SCORER_API_RATE" in resp.text
        assert resp.headers["x-content-type-options"] == "nosniff"
        assert c.get("/api/stats", headers=READER).status_code == 200  # its own bucket


def test_the_bucket_refills_at_the_configured_rate() -> None:
    limiter = RateLimiter(rate=2.0, burst=2)
    assert limiter.take("a", now=0.0) == 0.0 and limiter.take("a", now=0.0) == 0.0
    assert limiter.take("a", now=0.0) == pytest.approx(0.5)
    assert limiter.take("a", now=0.6) == 0.0  # 1.2 refilled, one spent
    assert RateLimiter.retry_after(0.01) == "1" and RateLimiter.retry_after(2.2) == "3"
    small = RateLimiter(rate=1.0, burst=1, max_keys=2)
    for key in "abc":
        small.take(key, now=0.0)
    assert len(small._buckets) == 2


# --- CSV in comma- and semicolon-splitting spreadsheets ---------------------------------------

NASTY = {"text": "Takk for svaret;=1+1;@SUM(2*3)", "team": "-2+3;=cmd|' /C calc'!A0",
         "agent_id": "@agent,=HYPERLINK(\"x\")", "conversation_id": "\t=1+1"}


def test_csv_never_yields_a_formula_cell_whether_split_on_comma_or_semicolon(
        client: TestClient, store: FlaggedStore) -> None:
    store.upsert_flagged([make_pair("=evil-id", **NASTY), make_pair("+r", text="=1+1")])
    resp = client.get("/api/flagged.csv", headers=ADMIN)
    assert resp.status_code == 200
    # A parser that honours quotes only at the start of a field (Python's csv, Excel),
    # splitting on `,` (most locales) or `;` (Nordic Excel)...
    for delimiter in (",", ";"):
        for row in csv.reader(io.StringIO(resp.text), delimiter=delimiter):
            for cell in row:
                assert not cell.lstrip(' "').startswith(FORMULA_STARTS), (delimiter, cell)
    # ...and one that ignores quotes altogether and splits lines on both.
    for line in resp.text.splitlines():
        for piece in re.split(r"[,;\t]", line):
            assert not piece.lstrip(' "').startswith(FORMULA_STARTS), piece
    # Read as written (comma, quotes honoured): one cell per field, text still readable.
    records = {r["id"]: r for r in csv.DictReader(io.StringIO(resp.text))}
    evil = records["'=evil-id"]
    assert evil["text"] == "Takk for svaret;'=1+1;'@SUM(2*3)"
    assert evil["team"] == "'-2+3;'=cmd|' /C calc'!A0"
    assert evil["agent_id"] == "'@agent,'=HYPERLINK(\"x\")"
    assert evil["conversation_id"] == "'\t'=1+1"
    assert records["'+r"]["text"] == "'=1+1"
    assert records["r-001"]["text"] == "Vi har sendt pakken. Ha en fin dag!"  # untouched
    assert all(line.startswith('"') for line in resp.text.splitlines())  # QUOTE_ALL


def test_the_cell_rule_covers_every_formula_start_and_every_split_point() -> None:
    for start in FORMULA_STARTS:
        assert csv_cell(start + "1") == "'" + start + "1"
        for split in (",", ";", "\t", "\n", "\r"):
            assert csv_cell(f"a{split}{start}1") == f"a{split}'{start}1"
    assert csv_cell(' "=1') == "' \"=1" and csv_cell("Hei, Kari") == "Hei, Kari"
    assert csv_cell("Hei") == "Hei" and csv_cell(42) == 42 and csv_cell(None) is None


# --- security headers on every answer --------------------------------------------------------

HEADERS = {"x-content-type-options": "nosniff", "referrer-policy": "no-referrer",
           "x-frame-options": "DENY"}


def assert_security_headers(resp: Any, *, hsts: bool = True) -> None:
    for name, value in HEADERS.items():
        assert resp.headers.get(name) == value, (resp.status_code, name)
    csp = resp.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "camera=()" in resp.headers["permissions-policy"]
    assert ("strict-transport-security" in resp.headers) is hsts, resp.status_code


def test_refusals_carry_the_security_headers_too(client: TestClient) -> None:
    answers = {
        200: client.get("/"),
        401: client.get("/api/flagged"),
        403: client.get("/api/flagged.csv", headers=READER),
        404: client.get("/static/nope.js"),
        413: client.post("/api/flagged/r-001/review", headers=ADMIN,
                         content=b"x" * (MAX_BODY_BYTES + 1)),
        422: client.get("/api/flagged", headers=ADMIN, params={"limit": 0}),
    }
    for status, resp in answers.items():
        assert resp.status_code == status
        assert_security_headers(resp)
    assert "max-age=31536000" in answers[200].headers["strict-transport-security"]
    for status in (401, 403, 413, 422):
        assert answers[status].headers.get("cache-control") == "no-store", status


# --- Host allow-list ---------------------------------------------------------------------------


def test_dev_server_answers_loopback_host_names_only(store: FlaggedStore,
                                                     store_url: str) -> None:
    settings = load_settings(store_url=store_url, api_tokens="", retention_days=36_500)
    with TestClient(create_app(settings, store=store, dev=True)) as c:
        for host in ("localhost", "localhost:8080", "127.0.0.1:8080", "[::1]:8080",
                     "127.0.0.2", "LOCALHOST:1"):
            resp = c.get("/api/me", headers={"Host": host})
            assert resp.status_code == 200, host
            assert resp.json()["via"] == "dev"
            assert_security_headers(resp, hsts=False)
        for host in ("evil.example", "evil.example:8080", "localhost.evil.example",
                     "127.0.0.1.nip.io", "attacker.localhost", "0.0.0.0", "", "[::2]:80"):  # noqa: S104
            resp = c.get("/api/flagged", headers={"Host": host})
            assert resp.status_code == 400, host
            assert "127.0.0.1" in resp.json()["detail"]
            assert_security_headers(resp, hsts=False)


def test_production_hosts_follow_the_allowed_hosts_setting(store: FlaggedStore,
                                                           store_url: str) -> None:
    settings = qa_settings(store_url, api_allowed_hosts="qa.example.com, .internal.example")
    with TestClient(create_app(settings, store=store)) as c:
        for host in ("qa.example.com", "QA.example.com:443", "internal.example",
                     "scorer.internal.example"):
            assert c.get("/api/me", headers={**ADMIN, "Host": host}).status_code == 200, host
        for host in ("evil.example", "qa.example.com.evil.example", "xinternal.example"):
            resp = c.get("/api/me", headers={**ADMIN, "Host": host})
            assert resp.status_code == 400 and "SCORER_API_ALLOWED_HOSTS" in resp.text, host
            assert_security_headers(resp)
        assert c.get("/healthz", headers={"Host": "10.1.2.3:8080"}).status_code == 200
    with TestClient(create_app(qa_settings(store_url), store=store)) as c:  # default: any
        assert c.get("/api/me", headers={**ADMIN, "Host": "anything.example"}
                     ).status_code == 200
