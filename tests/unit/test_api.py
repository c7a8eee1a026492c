"""The QA API over SQLite and a real PostgreSQL server, through HTTP (ASGI test client)."""
# Fixtures are imported from tests.qa_fixtures, so test parameters "redefine" them:

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from scorer.api import create_app, serve
from scorer.settings import load_settings
from scorer.store import FlaggedStore
from tests.qa_fixtures import ADMIN_NAME, BASE_TIME, TOKEN, make_pair, qa_settings, sample_pairs

AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def client(store: FlaggedStore, store_url: str) -> Iterator[TestClient]:
    store.upsert_flagged(sample_pairs(24))
    app = create_app(qa_settings(store_url), store=store)
    with TestClient(app) as c:
        yield c


def get(client: TestClient, path: str, **params: Any) -> Any:
    resp = client.get(path, params=params, headers=AUTH)
    assert resp.status_code == 200, resp.text
    return resp.json()


# --- access -----------------------------------------------------------------------------------

ENDPOINTS = [("GET", "/api/flagged"), ("GET", "/api/flagged/r-001"), ("GET", "/api/stats"),
             ("GET", "/api/flagged.csv"), ("POST", "/api/flagged/r-001/review"),
             ("GET", "/api/me"), ("GET", "/api/conversations"), ("POST", "/api/purge")]


BAD_AUTH = [{}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"},
            {"Authorization": f"Bearer {TOKEN}x"}, {"Authorization": "Bearer "},
            {"Authorization": TOKEN}]


def test_every_api_call_without_a_valid_token_is_401(client: TestClient) -> None:
    for method, path in ENDPOINTS:
        body: dict[str, Any] | None = None
        if method == "POST":
            body = ({"older_than": "36500d"} if path.endswith("purge")
                    else {"verdict": "agree", "reviewer": "x"})
        for headers in BAD_AUTH:
            resp = client.request(method, path, headers=headers, json=body,
                                  params={"limit": 999})  # auth is checked before validation
            assert resp.status_code == 401, (method, path, headers)
            assert resp.headers["www-authenticate"] == "Bearer"
        good = client.request(method, path, headers=AUTH, json=body)
        assert good.status_code in (200, 201), (method, path, good.text)
    # The body's reviewer is ignored: the review is the token's.
    assert get(client, "/api/flagged/r-001")["reviews"][0]["reviewer"] == ADMIN_NAME


def test_second_configured_token_works(store: FlaggedStore, store_url: str) -> None:
    first, second = "first-secret-" + "1" * 32, "second-secret-" + "2" * 32
    app = create_app(load_settings(store_url=store_url, api_tokens=f"{first}, {second}"),
                     store=store)
    with TestClient(app) as c:
        resp = c.get("/api/me", headers={"Authorization": f"Bearer {second}"})
        assert resp.status_code == 200
        assert resp.json()["name"] == "token-2" and resp.json()["role"] == "reviewer"


def test_no_tokens_configured_means_no_access_without_dev(store: FlaggedStore,
                                                          store_url: str) -> None:
    app = create_app(load_settings(store_url=store_url, api_tokens=""), store=store)
    with TestClient(app) as c:
        assert c.get("/api/stats", headers={"Authorization": "Bearer "}).status_code == 401
        assert c.get("/api/stats").status_code == 401


def test_server_refuses_to_start_without_tokens_unless_dev_on_localhost(
        capsys: pytest.CaptureFixture[str], tmp_path: Any) -> None:
    settings = load_settings(store_url=f"sqlite:///{tmp_path}/f.db", api_tokens="")
    assert serve(settings, host="127.0.0.1", port=1, dev=False) == 2
    assert "SCORER_API_TOKENS" in capsys.readouterr().err
    assert serve(settings, host="0.0.0.0", port=1, dev=True) == 2  # noqa: S104
    assert "loopback" in capsys.readouterr().err


# --- listing ----------------------------------------------------------------------------------


def test_list_answers_items_and_next_cursor_and_pages_through_everything(
        client: TestClient) -> None:
    ids: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 5, "sort": "-event_at"}
        if cursor:
            params["cursor"] = cursor
        body = get(client, "/api/flagged", **params)
        assert set(body) == {"items", "next_cursor"}
        ids += [i["id"] for i in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 5 and len(ids) == len(set(ids)) == 24
    item = get(client, "/api/flagged", limit=1)["items"][0]
    for key in ("id", "channel", "language", "total", "band", "dimensions", "flagged",
                "reasons", "model_version", "scored_at", "text", "agent_id", "team",
                "conversation_id", "sent_at", "reviews", "evidence"):
        assert key in item


def test_filters_over_http(client: TestClient) -> None:
    items = get(client, "/api/flagged", channel="messenger", limit=200)["items"]
    assert items and {i["channel"] for i in items} == {"messenger"}
    items = get(client, "/api/flagged", reason="too_short", band="poor", language="da",
                limit=200)["items"]
    assert items and all("too_short" in i["reasons"] and i["band"] == "poor"
                         and i["language"] == "da" for i in items)
    items = get(client, "/api/flagged", team="Team Malmö", agent_id="agent-1",
                min_score=30, max_score=40)["items"]
    assert items and all(i["team"] == "Team Malmö" and 30 <= i["total"] <= 40 for i in items)
    since = (BASE_TIME + timedelta(hours=10)).isoformat()
    items = get(client, "/api/flagged", since=since, limit=200)["items"]
    assert len(items) == 4
    assert get(client, "/api/flagged", until="2026-11-20T09:00:00Z")["items"] == []
    assert get(client, "/api/flagged", channel="e-mail".replace("-", ""),
               limit=1)["items"][0]["channel"] == "email"


@pytest.mark.parametrize("attempt", ["' OR '1'='1", "x'; DROP TABLE flagged_replies; --",
                                     "\" OR 1=1 --", "%", "r-001' --"])
def test_injection_attempts_in_every_filter_find_nothing(client: TestClient,
                                                         attempt: str) -> None:
    for name in ("reason", "team", "agent_id"):
        assert get(client, "/api/flagged", **{name: attempt})["items"] == []
    for name in ("channel", "language", "band", "sort", "min_score", "reviewed"):
        resp = client.get("/api/flagged", params={name: attempt}, headers=AUTH)
        assert resp.status_code == 422, (name, resp.text)
    for name in ("since", "until", "cursor"):
        resp = client.get("/api/flagged", params={name: attempt}, headers=AUTH)
        assert resp.status_code == 400, (name, resp.text)
    resp = client.get(f"/api/flagged/{attempt}", headers=AUTH)
    assert resp.status_code == 404
    assert len(get(client, "/api/flagged", limit=200)["items"]) == 24


def test_oversized_and_malformed_requests_are_refused(client: TestClient) -> None:
    assert client.get("/api/flagged", params={"limit": 201}, headers=AUTH).status_code == 422
    assert client.get("/api/flagged", params={"limit": 0}, headers=AUTH).status_code == 422
    assert client.get("/api/flagged", params={"team": "x" * 300},
                      headers=AUTH).status_code == 422
    big = {"verdict": "agree", "reviewer": "K", "comment": "x" * 20_000}
    resp = client.post("/api/flagged/r-001/review", json=big, headers=AUTH)
    assert resp.status_code == 413
    resp = client.post("/api/flagged/r-001/review", headers={**AUTH, "content-length": "abc"},
                       content=b"{}")
    assert resp.status_code in (400, 413)
    resp = client.get("/api/flagged", params={"cursor": "bm90LWEtY3Vyc29y"}, headers=AUTH)
    assert resp.status_code == 400 and "cursor" in resp.json()["detail"]


# --- one reply and reviews --------------------------------------------------------------------


def test_get_one_reply_and_unknown_id(client: TestClient) -> None:
    item = get(client, "/api/flagged/r-007")
    assert item["id"] == "r-007" and item["reviews"] == []
    assert client.get("/api/flagged/nope", headers=AUTH).status_code == 404


def test_ids_with_slashes_and_unicode_work(client: TestClient, store: FlaggedStore) -> None:
    store.upsert_flagged([make_pair("conv/42/msg 7-ø")])
    item = get(client, "/api/flagged/conv%2F42%2Fmsg%207-%C3%B8")
    assert item["id"] == "conv/42/msg 7-ø"
    resp = client.post("/api/flagged/conv%2F42%2Fmsg%207-%C3%B8/review", headers=AUTH,
                       json={"verdict": "agree", "reviewer": "Kari"})
    assert resp.status_code == 201


def test_review_is_persisted_and_returned_with_the_reply(client: TestClient,
                                                         store: FlaggedStore) -> None:
    body = {"verdict": "disagree", "labels": {"greeting": 1, "closing": 0},
            "comment": "Opens with a «greeting» after all", "reviewer": "Åse"}
    resp = client.post("/api/flagged/r-002/review", json=body, headers=AUTH)
    assert resp.status_code == 201, resp.text
    saved = resp.json()
    assert saved["verdict"] == "disagree" and saved["labels"] == {"greeting": 1, "closing": 0}
    again = get(client, "/api/flagged/r-002")["reviews"]
    assert [(r["reviewer"], r["comment"]) for r in again] == [
        (ADMIN_NAME, "Opens with a «greeting» after all")]
    assert store.get("r-002")["reviews"][0]["id"] == saved["id"]
    reviewed = get(client, "/api/flagged", reviewed="true")["items"]
    assert [i["id"] for i in reviewed] == ["r-002"]


def test_a_review_without_reviewer_is_the_new_shape_and_accepted(client: TestClient) -> None:
    resp = client.post("/api/flagged/r-001/review", json={"verdict": "agree"}, headers=AUTH)
    assert resp.status_code == 201 and resp.json()["reviewer"] == ADMIN_NAME


@pytest.mark.parametrize("body", [
    {"verdict": "maybe", "reviewer": "K"},
    {},
    {"verdict": "agree", "reviewer": ""},
    {"verdict": "disagree", "reviewer": "K", "labels": {"length": 1}},
    {"verdict": "disagree", "reviewer": "K", "labels": {"greeting": 2}},
    {"verdict": "agree", "reviewer": "K", "extra": True},
])
def test_invalid_reviews_are_422(client: TestClient, body: dict[str, Any]) -> None:
    resp = client.post("/api/flagged/r-001/review", json=body, headers=AUTH)
    assert resp.status_code == 422
    assert get(client, "/api/flagged/r-001")["reviews"] == []


def test_review_of_unknown_reply_is_404(client: TestClient) -> None:
    resp = client.post("/api/flagged/none/review", json={"verdict": "agree", "reviewer": "K"},
                       headers=AUTH)
    assert resp.status_code == 404


# --- stats, CSV, OpenAPI, page ----------------------------------------------------------------


def test_stats_over_a_window(client: TestClient) -> None:
    stats = get(client, "/api/stats", since="2026-11-20T09:00:00Z",
                until="2026-11-20T12:00:00Z")
    assert stats["total"] == 6
    assert sum(stats["by_channel"].values()) == 6 == sum(stats["by_band"].values())



def test_stats_default_window_is_the_last_seven_days(client: TestClient,
                                                     store: FlaggedStore) -> None:
    now = datetime.now(UTC)
    store.upsert_flagged([make_pair("recent", sent_at=now - timedelta(days=6)),
                          make_pair("older", sent_at=now - timedelta(days=8))])
    in_window = sum(1 for r, _s in sample_pairs(24) if r.sent_at >= now - timedelta(days=7))
    assert get(client, "/api/stats")["total"] == in_window + 1


def test_csv_export_has_a_row_per_match_and_neutralises_formulas(
        client: TestClient, store: FlaggedStore) -> None:
    store.upsert_flagged([make_pair("r-formula", channel="messenger", text="=HYPERLINK(1)",
                                    team="@team")])
    resp = client.get("/api/flagged.csv", params={"channel": "messenger"}, headers=AUTH)
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(resp.text)))
    assert len(rows) == 9 and {r["channel"] for r in rows} == {"messenger"}
    formula = next(r for r in rows if r["id"] == "r-formula")
    assert formula["text"] == "'=HYPERLINK(1)" and formula["team"] == "'@team"


def test_openapi_is_served_with_bearer_security(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/api/flagged", "/api/flagged/{reply_id}", "/api/flagged/{reply_id}/review",
            "/api/stats", "/api/flagged.csv"} <= set(spec["paths"])
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"


def test_page_is_served_with_a_strict_content_security_policy(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "QA workbench" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    for asset in ("/static/app.js", "/static/style.css"):
        assert client.get(asset).status_code == 200
    assert "http" not in page.text.replace("http-equiv", "")  # nothing from a CDN
