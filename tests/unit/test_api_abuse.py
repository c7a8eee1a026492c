"""The QA API under abuse: bad credentials, injection, oversized input, path traversal.

test_api.py pins the happy paths and the basic refusals; this file throws what an
attacker (or a broken client) would: malformed and oversized Authorization headers,
SQL-looking strings in every filter, in forged cursors and in review bodies, bodies and
URLs far over any sane size, and `..` in static paths. The rule everywhere: a 4xx that
names the problem, never a 500, never a row or file the caller should not see, and the
tables intact afterwards. Runs over SQLite and a real PostgreSQL (in-process ASGI client);
the HTTP-parsing limits (URL and header size, raw `..` paths that clients would normalise)
are checked against a real uvicorn server.
"""
# Fixtures are imported from tests.qa_fixtures, so test parameters "redefine" them:

from __future__ import annotations

import base64
import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient

from scorer.api import MAX_BODY_BYTES, create_app
from scorer.store import FlaggedQuery, FlaggedStore
from tests.kafka_utils import free_port
from tests.qa_fixtures import TOKEN, qa_settings, sample_pairs

AUTH = {"Authorization": f"Bearer {TOKEN}"}
REVIEW = {"verdict": "agree", "reviewer": "Kari"}
#: Every /api route with a request that succeeds when authorised.
ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/api/flagged", None),
    ("GET", "/api/flagged.csv", None),
    ("GET", "/api/flagged/r-001", None),
    ("POST", "/api/flagged/r-001/review", REVIEW),
    ("GET", "/api/stats", None),
]
#: Authorization values that must all be refused (bytes: sent exactly as written).
BAD_CREDENTIALS: dict[str, bytes | None] = {
    "missing": None,
    "empty_header": b"",
    "bearer_without_token": b"Bearer",
    "bearer_empty": b"Bearer ",
    "bearer_spaces": b"Bearer      ",
    "wrong_token": b"Bearer not-the-token",
    "prefix_of_token": f"Bearer {TOKEN[:-1]}".encode(),
    "token_plus_suffix": f"Bearer {TOKEN}0".encode(),
    "very_long": b"Bearer " + b"A" * 60_000,
    "long_token_prefix": f"Bearer {TOKEN}{'x' * 10_000}".encode(),
    "non_ascii_utf8": "Bearer søt-tøken-✓".encode(),
    "non_ascii_latin1": "Bearer Ærlig-Øl".encode("latin-1"),
    "token_with_nul": f"Bearer {TOKEN}\x00".encode(),
    "basic_with_token": f"Basic {TOKEN}".encode(),
    "basic_base64": b"Basic " + base64.b64encode(f"admin:{TOKEN}".encode()),
    "token_without_scheme": TOKEN.encode(),
    "digest": f'Digest username="x", response="{TOKEN}"'.encode(),
    "sql_in_token": b"Bearer ' OR '1'='1",
    "two_tokens": f"Bearer wrong, Bearer {TOKEN}x".encode(),
}
INJECTIONS = [
    "' OR '1'='1", "x'; DROP TABLE flagged_replies; --", "\" OR 1=1 --", "%", "_", "*",
    "r-001' --", "1; SELECT pg_sleep(5)", "') UNION SELECT id, text FROM flagged_replies --",
    "\\'; DELETE FROM reviews; --", "$$; DROP TABLE reviews; $$", "𝕏' OR 1=1 --",
    "-1 OR 1=1", "total DESC; --", "(SELECT 1)",
]


@pytest.fixture
def client(store: FlaggedStore, store_url: str) -> Iterator[TestClient]:
    store.upsert_flagged(sample_pairs(24))
    app = create_app(qa_settings(store_url), store=store)
    with TestClient(app, raise_server_exceptions=False) as c:  # a 500 must show as a 500
        yield c


def row_counts(store: FlaggedStore) -> tuple[int, int]:
    """(replies, reviews) straight from the store: proof the tables are intact."""
    items = list(store.iter_flagged(FlaggedQuery()))
    return len(items), sum(len(i["reviews"]) for i in items)


def forged_cursor(sort: str, keys: list[Any]) -> str:
    raw = json.dumps({"s": sort, "k": keys}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# --- credentials ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(BAD_CREDENTIALS))
def test_malformed_or_wrong_credentials_are_401_on_every_route(client: TestClient,
                                                               store: FlaggedStore,
                                                               name: str) -> None:
    value = BAD_CREDENTIALS[name]
    headers = {} if value is None else {"Authorization": value}
    for method, path, body in ROUTES:
        resp = client.request(method, path, headers=headers, json=body)
        assert resp.status_code == 401, (name, method, path, resp.status_code, resp.text)
        assert resp.headers["www-authenticate"] == "Bearer"
        assert resp.json() == {"detail": "missing or invalid bearer token"}
        assert TOKEN not in resp.text and "text" not in resp.json()
    assert row_counts(store) == (24, 0), "a refused review must not be stored"


def test_auth_is_checked_before_anything_else_is_looked_at(client: TestClient) -> None:
    """Unauthenticated callers learn nothing: not which ids exist, not which params are bad."""
    probes = [("GET", "/api/flagged/does-not-exist", None),
              ("GET", "/api/flagged?limit=100000&sort=' OR 1=1", None),
              ("GET", "/api/flagged?cursor=!!!", None),
              ("GET", "/api/stats?since=yesterday", None),
              ("POST", "/api/flagged/nope/review", {"verdict": "maybe"}),
              ("POST", "/api/flagged/r-001/review", {"x": "y" * (MAX_BODY_BYTES // 2)})]
    for method, path, body in probes:
        resp = client.request(method, path, json=body, headers={"Authorization": "Bearer x"})
        assert resp.status_code == 401, (method, path, resp.text)


def test_the_right_token_still_works_with_any_scheme_case_and_spacing(client: TestClient
                                                                      ) -> None:
    for value in (f"bearer {TOKEN}", f"BEARER {TOKEN}", f"Bearer   {TOKEN}  "):
        assert client.get("/api/stats", headers={"Authorization": value}).status_code == 200


# --- injection --------------------------------------------------------------------------------


@pytest.mark.parametrize("attempt", INJECTIONS)
def test_sql_like_strings_in_filters_sort_cursor_and_ids_are_inert(client: TestClient,
                                                                   store: FlaggedStore,
                                                                   attempt: str) -> None:
    legit_ids = {r.id for r, _ in sample_pairs(24)}
    for route in ("/api/flagged", "/api/flagged.csv"):
        for name in ("reason", "team", "agent_id"):
            resp = client.get(route, params={name: attempt}, headers=AUTH)
            assert resp.status_code == 200, (route, name, resp.text)
            if route == "/api/flagged":
                assert resp.json()["items"] == [], (name, attempt)
            else:
                assert resp.text.count("\n") == 1, "only the CSV header row may come back"
        typed = ("channel", "language", "band", "sort", "min_score", "max_score", "reviewed")
        for name in typed + (("limit",) if route == "/api/flagged" else ()):
            resp = client.get(route, params={name: attempt}, headers=AUTH)
            assert resp.status_code == 422, (route, name, resp.text)
        for name in ("since", "until"):
            resp = client.get(route, params={name: attempt}, headers=AUTH)
            assert resp.status_code == 400, (route, name, resp.text)
    for name in ("since", "until"):
        assert client.get("/api/stats", params={name: attempt},
                          headers=AUTH).status_code == 400
    assert client.get("/api/flagged", params={"cursor": attempt},
                      headers=AUTH).status_code == 400
    # Forged cursors that decode fine but carry the attempt where a value goes.
    for sort, keys in (("total", [attempt, "2026-11-20T09:00:00+00:00", "r-001"]),
                       ("total", [20, attempt, "r-001"]),
                       ("-event_at", [attempt, "r-001"]),
                       (attempt, [20, "2026-11-20T09:00:00+00:00", "r-001"])):
        resp = client.get("/api/flagged", headers=AUTH,
                          params={"cursor": forged_cursor(sort, keys), "sort": "total"})
        assert resp.status_code == 400, (sort, keys, resp.text)
    # In the id slot of a cursor a string is legitimate: it is a bound parameter, so the
    # page is just "rows after that id" — legit rows only, nothing more than exists.
    resp = client.get("/api/flagged", headers=AUTH, params={
        "cursor": forged_cursor("total", [20, "2026-11-20T09:00:00+00:00", attempt]),
        "limit": 200})
    assert resp.status_code == 200, resp.text
    assert {i["id"] for i in resp.json()["items"]} <= legit_ids
    for path in (f"/api/flagged/{attempt}", f"/api/flagged/{attempt}/review"):
        method = "POST" if path.endswith("review") else "GET"
        resp = client.request(method, path, headers=AUTH,
                              json=REVIEW if method == "POST" else None)
        assert resp.status_code in (404, 422), (path, resp.text)
    # Injection in stored free text comes back verbatim, as data.
    resp = client.post("/api/flagged/r-003/review", headers=AUTH,
                       json={"verdict": "disagree", "labels": {"greeting": 1},
                             "comment": attempt, "reviewer": attempt[:128]})
    assert resp.status_code == 201, resp.text
    assert client.get("/api/flagged/r-003", headers=AUTH).json()["reviews"][-1][
        "comment"] == attempt
    assert row_counts(store) == (24, 1)


# --- oversized input --------------------------------------------------------------------------


def test_oversized_bodies_are_413_whether_announced_or_streamed(client: TestClient,
                                                                store: FlaggedStore) -> None:
    big = json.dumps({**REVIEW, "comment": "x" * (MAX_BODY_BYTES + 1)}).encode()
    resp = client.post("/api/flagged/r-001/review", headers={**AUTH, "content-type":
                                                             "application/json"}, content=big)
    assert resp.status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit must count the stream
        for _ in range(64):
            yield b" " * 1024

    resp = client.post("/api/flagged/r-001/review", content=chunks(),
                       headers={**AUTH, "content-type": "application/json"})
    assert resp.status_code == 413
    for length in ("99999999999999999999", "-1", "1e9", " 5"):
        resp = client.post("/api/flagged/r-001/review", content=b"{}",
                           headers={**AUTH, "content-length": length})
        assert resp.status_code in (400, 413), (length, resp.status_code)
    # A 13 MB body on a GET route is refused just the same.
    resp = client.request("GET", "/api/flagged", headers=AUTH, content=b"x" * 13_000_000)
    assert resp.status_code == 413
    assert row_counts(store) == (24, 0)


_LIST, _CSV, _STATS = "/api/flagged", "/api/flagged.csv", "/api/stats"


@pytest.mark.parametrize(("params", "routes"), [
    ({"team": "x" * 30_000}, (_LIST, _CSV)),
    ({"agent_id": "ø" * 5_000}, (_LIST, _CSV)),
    ({"reason": "missing_greeting" * 1000}, (_LIST, _CSV)),
    ({"cursor": "A" * 30_000}, (_LIST,)),
    ({"since": "2026-11-20T09:00:00Z" + " " * 5_000}, (_LIST, _CSV, _STATS)),
    ({"until": "9" * 5_000}, (_LIST, _CSV, _STATS)),
    ({"min_score": "9" * 5_000}, (_LIST, _CSV)),
    ({"limit": "1" * 400}, (_LIST,)),
], ids=lambda v: next(iter(v)) if isinstance(v, dict) else None)
def test_huge_query_values_are_refused_not_500(client: TestClient, params: dict[str, str],
                                               routes: tuple[str, ...]) -> None:
    # (Megabyte URLs never reach the app: see the live-server test below.)
    for route in routes:
        resp = client.get(route, params=params, headers=AUTH)
        assert resp.status_code in (400, 422), (route, list(params), resp.status_code)


def test_malformed_review_bodies_are_refused(client: TestClient, store: FlaggedStore) -> None:
    bodies: list[bytes] = [
        b"", b"{", b"null", b"[]", b'"agree"', b"\xff\xfe\x00", b'{"verdict": "agree"}' * 100,
        json.dumps({**REVIEW, "labels": {"greeting": 1} | {f"k{i}": 1 for i in range(500)}
                    }).encode(),
        json.dumps({**REVIEW, "comment": "a\x00b"}).encode(),
        json.dumps({**REVIEW, "reviewer": "x" * 129}).encode(),
        json.dumps({"verdict": {"$ne": None}, "reviewer": "K"}).encode(),
        b'{"verdict": "agree", "reviewer": "K", "labels": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    ]
    for body in bodies:
        resp = client.post("/api/flagged/r-001/review", content=body,
                           headers={**AUTH, "content-type": "application/json"})
        assert resp.status_code in (400, 413, 422), (body[:40], resp.status_code, resp.text)
    assert row_counts(store) == (24, 0)


# --- through a real HTTP server ---------------------------------------------------------------


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """uvicorn on a free loopback port over an SQLite store, as `scorer serve` runs it."""
    url = f"sqlite:///{tmp_path_factory.mktemp('abuse') / 'flagged.db'}"
    settings = qa_settings(url)
    st = FlaggedStore.from_settings(settings)
    st.upsert_flagged(sample_pairs(5))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings, store=st), host="127.0.0.1",
                                           port=port, log_level="warning",
                                           server_header=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield "127.0.0.1", port
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        st.close()


def raw_get(server: tuple[str, int], target: str, headers: dict[str, str] | None = None
            ) -> tuple[int, bytes]:
    """GET with the request target sent byte for byte (no client-side normalising of ..)."""
    conn = http.client.HTTPConnection(*server, timeout=10)
    try:
        conn.putrequest("GET", target, skip_accept_encoding=True)
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        conn.endheaders()
        resp = conn.getresponse()
        return resp.status, resp.read()
    except (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected):
        return 0, b""  # the server hung up on it: refused, too
    finally:
        conn.close()


TRAVERSALS = [
    "/static/../api.py", "/static/../../scorer/store.py", "/static/..%2fapi.py",
    "/static/%2e%2e/api.py", "/static/%2e%2e%2f%2e%2e%2fpyproject.toml",
    "/static/....//....//pyproject.toml", "/static/..\\api.py", "/static/..%5capi.py",
    "/static//etc/passwd", "/static/%2fetc%2fpasswd", "/static/..%252fapi.py",
    "/static/app.js/../../api.py", "/static/%c0%ae%c0%ae/api.py", "/static/.%00./api.py",
    "/static/../../../../../../etc/passwd", "/..%2f..%2fetc/passwd", "/static/.",
    "/static/", "/static/..",
]


def test_path_traversal_never_serves_a_file_outside_the_web_folder(
        live_server: tuple[str, int]) -> None:
    secrets = [b"root:x:0:0", b"def create_app", b"class FlaggedStore", b"[project]"]
    assert raw_get(live_server, "/static/app.js")[0] == 200
    for target in TRAVERSALS:
        status, body = raw_get(live_server, target)
        assert status in (0, 400, 404, 405), (target, status)
        assert not any(s in body for s in secrets), target
    web = Path(__file__).resolve().parents[2] / "scorer" / "web"
    assert (web / "app.js").is_file()  # the positive control above is a real file


def test_huge_urls_and_headers_are_refused_and_the_server_keeps_serving(
        live_server: tuple[str, int]) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    for target in ("/api/flagged?team=" + "x" * 1_000_000,
                   "/api/flagged?" + "&".join(f"p{i}=1" for i in range(100_000)),
                   "/api/flagged/" + "a" * 200_000):
        status, body = raw_get(live_server, target, auth)
        assert status == 0 or 400 <= status < 500, (target[:40], status)
        assert b"Traceback" not in body
    for headers in ({"Authorization": "Bearer " + "A" * 1_000_000},
                    {**auth, **{f"X-Pad-{i}": "y" * 100 for i in range(2_000)}}):
        status, _ = raw_get(live_server, "/api/stats", headers)
        assert status == 0 or 400 <= status < 500, status
    status, body = raw_get(live_server, "/api/flagged?limit=5", auth)
    assert status == 200 and len(json.loads(body)["items"]) == 5


def test_slow_unfinished_request_does_not_block_others(live_server: tuple[str, int]) -> None:
    """A client that sends half a request and stalls must not hold the server hostage."""
    stalled = socket.create_connection(live_server, timeout=5)
    try:
        stalled.sendall(b"POST /api/flagged/r-001/review HTTP/1.1\r\nHost: x\r\n"
                        b"Content-Length: 1000\r\nAuthorization: Bearer " + TOKEN.encode()
                        + b"\r\n\r\n{")
        started = time.monotonic()
        status, _ = raw_get(live_server, "/api/stats", {"Authorization": f"Bearer {TOKEN}"})
        assert status == 200 and time.monotonic() - started < 5
    finally:
        stalled.close()
