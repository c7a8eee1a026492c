"""The conversation routes of the QA API over SQLite and a real PostgreSQL server: auth,
listing with filters and cursor, one conversation with its thread, reopened ids, errors,
the OpenAPI contract (fuzzed with schemathesis on stored ids), and `scorer flagged
--conversations`."""
# Fixtures are imported from tests.qa_fixtures, so test parameters "redefine" them:

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import pytest
import schemathesis
from click.testing import CliRunner
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error, response_schema_conformance

from scorer.api import create_app
from scorer.cli import main
from scorer.store import FlaggedStore
from tests.qa_fixtures import (
    BASE_TIME,
    TOKEN,
    make_conversation,
    make_pair,
    qa_settings,
    sample_conversations,
)

AUTH = {"Authorization": f"Bearer {TOKEN}"}
REOPENED_AT = BASE_TIME + timedelta(days=1)


@pytest.fixture
def client(store: FlaggedStore, store_url: str) -> Iterator[TestClient]:
    store.write_conversations(sample_conversations(18))
    store.write_conversations([make_conversation("c-001", opened_at=REOPENED_AT, total=66,
                                                 reasons=["too_long"])])
    store.upsert_flagged([make_pair("r-1")])
    app = create_app(qa_settings(store_url), store=store)
    with TestClient(app) as c:
        yield c


def get(client: TestClient, path: str, **params: Any) -> Any:
    resp = client.get(path, params=params, headers=AUTH)
    assert resp.status_code == 200, resp.text
    return resp.json()


def pages(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        body = get(client, "/api/conversations", **params, **({"cursor": cursor} if cursor
                                                                else {}))
        assert set(body) == {"items", "next_cursor"}
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items


# --- access ----------------------------------------------------------------------------------


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"},
                                     {"Authorization": f"Basic {TOKEN}"},
                                     {"Authorization": "Bearer "}])
def test_conversation_routes_without_a_valid_token_are_401(client: TestClient,
                                                           headers: dict[str, str]) -> None:
    for path in ("/api/conversations", "/api/conversations/c-000",
                 "/api/conversations/nope?opened_at=bad"):
        resp = client.get(path, headers=headers, params={"limit": 999})
        assert resp.status_code == 401, (path, resp.text)
        assert resp.headers["www-authenticate"] == "Bearer"
        assert "c-000" not in resp.text


# --- listing ---------------------------------------------------------------------------------


def test_list_is_worst_first_and_the_cursor_pages_through_every_inquiry_once(
        client: TestClient) -> None:
    items = pages(client, limit=4)
    keys = [(i["conversation_id"], i["opened_at"]) for i in items]
    assert len(keys) == len(set(keys)) == 19
    totals = [i["total"] for i in items]
    assert totals == sorted(totals) and totals[0] == 0
    assert {k for k in keys if k[0] == "c-001"} == {
        ("c-001", "2026-11-20T09:01:00Z"), ("c-001", "2026-11-21T09:00:00Z")}
    first = items[0]
    for key in ("conversation_id", "channel", "language", "total", "band", "answered",
                "dimensions", "first_response_seconds", "agent_messages", "customer_messages",
                "flagged", "reasons", "reply_ids", "agent_ids", "team", "opened_at",
                "closed_at", "closed_by", "model_version", "scored_at", "stored_at"):
        assert key in first, key
    assert "messages" not in first  # the list stays light; the thread is in the detail


def test_newest_first_sort_follows_closed_at(client: TestClient) -> None:
    closed = [i["closed_at"] for i in pages(client, sort="-closed_at", limit=7)]
    assert closed == sorted(closed, reverse=True) and len(closed) == 19


def test_filters_over_http(client: TestClient) -> None:
    items = get(client, "/api/conversations", answered="false", limit=200)["items"]
    assert len(items) == 3 and all(i["reasons"] == ["unanswered"] and i["total"] == 0
                                   for i in items)
    items = get(client, "/api/conversations", reason="late_response", channel="messenger",
                limit=200)["items"]
    assert items and all("late_response" in i["reasons"] and i["channel"] == "messenger"
                         for i in items)
    items = get(client, "/api/conversations", team="Team Malmö", language="nn", band="poor",
                limit=200)["items"]
    assert items and all((i["team"], i["language"]) == ("Team Malmö", "nn") for i in items)
    items = get(client, "/api/conversations", since="2026-11-20T12:00:00Z",
                until="2026-11-20T14:00:00Z", limit=200)["items"]
    assert sorted(i["conversation_id"] for i in items) == ["c-006", "c-007", "c-008", "c-009"]
    assert get(client, "/api/conversations", since="1d")["items"] == []


@pytest.mark.parametrize(("params", "needle"), [
    ({"reason": "missing_greting"}, "late_response"),
    ({"reason": "' OR '1'='1"}, "not a conversation reason"),
    ({"since": "yesterday"}, "RFC 3339"),
    ({"until": "x'; DROP TABLE flagged_conversations; --"}, "RFC 3339"),
    ({"cursor": "bm90LWEtY3Vyc29y"}, "cursor"),
])
def test_bad_filters_and_cursors_are_400_and_say_how_to_fix_them(
        client: TestClient, params: dict[str, str], needle: str) -> None:
    resp = client.get("/api/conversations", params=params, headers=AUTH)
    assert resp.status_code == 400, resp.text
    assert needle in resp.json()["detail"]


def test_a_reply_cursor_or_a_changed_sort_is_refused(client: TestClient,
                                                     store: FlaggedStore) -> None:
    store.upsert_flagged([make_pair(f"r-{i}") for i in range(3)])
    reply_cursor = get(client, "/api/flagged", limit=1)["next_cursor"]
    conv_cursor = get(client, "/api/conversations", limit=2)["next_cursor"]
    assert reply_cursor and conv_cursor
    for path, params, needle in (
            ("/api/conversations", {"cursor": reply_cursor}, "another listing"),
            ("/api/flagged", {"cursor": conv_cursor}, "another listing"),
            ("/api/conversations", {"cursor": conv_cursor, "sort": "-closed_at"},
             "keep the sort")):
        resp = client.get(path, params=params, headers=AUTH)
        assert resp.status_code == 400 and needle in resp.json()["detail"], (path, resp.text)


def test_values_outside_the_documented_enums_are_422_like_the_reply_listing(
        client: TestClient) -> None:
    for params in ({"channel": "fax"}, {"band": "awful"}, {"sort": "event_at"},
                   {"answered": "maybe"}, {"limit": 201}, {"limit": 0}):
        resp = client.get("/api/conversations", params=params, headers=AUTH)
        assert resp.status_code == 422, (params, resp.text)


# --- one conversation ------------------------------------------------------------------------


def test_one_conversation_has_its_verdict_and_thread_in_order(client: TestClient) -> None:
    item = get(client, "/api/conversations/c-000")
    assert (item["total"], item["band"], item["reasons"]) == (
        20, "poor", ["missing_closing"])
    assert [(m["id"], m["author"]) for m in item["messages"]] == [
        ("m-1", "customer"), ("r-1", "agent"), ("m-2", "customer"), ("r-2", "agent")]
    customer, agent = item["messages"][0], item["messages"][1]
    assert customer["reply"] is None and "[PHONE]" in customer["text"]
    assert agent["reply"]["total"] == 95 and agent["reply"]["position"] == "first"
    span = agent["reply"]["evidence"]["greeting"]
    assert agent["text"][span["start"]:span["end"]] == span["text"] == "Hei [NAME]!"
    assert item["inquiries"] == [item["opened_at"]]


def test_a_reopened_id_answers_the_newest_inquiry_and_opened_at_picks_an_older_one(
        client: TestClient) -> None:
    newest = get(client, "/api/conversations/c-001")
    assert (newest["opened_at"], newest["total"]) == ("2026-11-21T09:00:00Z", 66)
    assert newest["inquiries"] == ["2026-11-21T09:00:00Z", "2026-11-20T09:01:00Z"]
    older = get(client, "/api/conversations/c-001", opened_at=newest["inquiries"][1])
    assert older["opened_at"] == "2026-11-20T09:01:00Z" and older["total"] == 45
    same = get(client, "/api/conversations/c-001", opened_at="2026-11-20T10:01:00+01:00")
    assert same["opened_at"] == older["opened_at"]  # any offset names the same instant


def test_unknown_ids_and_opening_times_are_404_and_bad_times_400(client: TestClient) -> None:
    resp = client.get("/api/conversations/nope", headers=AUTH)
    assert resp.status_code == 404 and "conversation" in resp.json()["detail"]
    resp = client.get("/api/conversations/c-001", params={"opened_at": "2026-01-01T00:00:00Z"},
                      headers=AUTH)
    assert resp.status_code == 404
    for bad, needle in (("1d", "not a duration"), ("yesterday", "RFC 3339")):
        resp = client.get("/api/conversations/c-001", params={"opened_at": bad}, headers=AUTH)
        assert resp.status_code == 400, resp.text
        assert needle in resp.json()["detail"]
    assert client.get("/api/flagged/nope", headers=AUTH).json()["detail"] == \
        "no flagged reply with that id"


def test_ids_with_slashes_and_unicode_work(client: TestClient, store: FlaggedStore) -> None:
    store.write_conversations([make_conversation("kunde/42 ø")])
    item = get(client, "/api/conversations/" + quote("kunde/42 ø", safe=""))
    assert item["conversation_id"] == "kunde/42 ø" and len(item["messages"]) == 4


# --- stats, OpenAPI, fuzzing -----------------------------------------------------------------


def test_stats_count_conversations_in_the_same_window(client: TestClient) -> None:
    stats = get(client, "/api/stats", since="2026-11-20T09:00:00Z",
                until="2026-11-20T12:00:00Z")
    assert stats["conversations"]["total"] == 6
    assert stats["conversations"]["unanswered"] == 1
    assert stats["conversations"]["by_reason"]["unanswered"] == 1


def test_openapi_describes_the_conversation_routes_and_their_models(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    listing = spec["paths"]["/api/conversations"]["get"]
    names = {p["name"] for p in listing["parameters"]}
    assert names == {"channel", "language", "band", "reason", "team", "since", "until",
                     "answered", "sort", "cursor", "limit"}
    one = spec["paths"]["/api/conversations/{conversation_id}"]["get"]
    assert {"404", "401", "400"} <= set(one["responses"])
    detail = spec["components"]["schemas"]["ConversationDetail"]
    assert {"messages", "inquiries", "first_response_seconds"} <= set(detail["properties"])
    assert listing["security"] == [{"HTTPBearer": []}]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_generated_conversation_request_causes_a_server_error(
        store: FlaggedStore, store_url: str, mode: GenerationMode) -> None:
    """tests/unit/test_api_schemathesis.py fuzzes every route with random ids; here the
    conversation routes also get stored ids, so the detail path is exercised past 404."""
    store.write_conversations(sample_conversations(6))
    store.write_conversations([make_conversation("a b/c"), make_conversation("ø")])
    schema = schemathesis.openapi.from_asgi("/openapi.json",
                                            create_app(qa_settings(store_url), store=store))
    checks = [not_a_server_error]
    if mode is GenerationMode.POSITIVE:
        checks.append(response_schema_conformance)
    strategies = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if not operation.path.startswith("/api/conversations"):
            continue
        strategies.append(operation.as_strategy(generation_mode=mode))
        if "{conversation_id}" in operation.path:
            for conv_id in ("c-001", "a b/c", "ø"):
                strategies.append(operation.as_strategy(
                    generation_mode=mode, path_parameters={"conversation_id": conv_id}))
    assert len(strategies) == 5
    for strategy in strategies:

        @settings(max_examples=30, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=strategy)
        def run(case: schemathesis.Case) -> None:
            case.validate_response(case.call(headers=AUTH), checks=checks)

        run()


# --- command line ----------------------------------------------------------------------------


def test_scorer_flagged_conversations_prints_a_table_and_refuses_reply_only_options(
        store: FlaggedStore, store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    store.write_conversations(sample_conversations(8))
    monkeypatch.setenv("SCORER_STORE_URL", store_url)
    runner = CliRunner()
    result = runner.invoke(main, ["flagged", "--conversations", "--unanswered"])
    assert result.exit_code == 0, result.output
    rows = result.output.splitlines()[2:-1]
    assert len(rows) == 1 and "c-005" in rows[0] and "unanswered" in rows[0]
    result = runner.invoke(main, ["flagged", "--conversations", "--sort", "-closed_at",
                                  "--limit", "3"])
    assert result.exit_code == 0 and "more available" in result.output
    result = runner.invoke(main, ["flagged", "--conversations", "--agent-id", "a-7"])
    assert result.exit_code == 2 and "--agent-id" in result.output
    result = runner.invoke(main, ["flagged", "--unanswered"])
    assert result.exit_code == 2 and "--conversations" in result.output
    result = runner.invoke(main, ["flagged", "--conversations", "--reason", "nope"])
    assert result.exit_code == 2 and "late_response" in result.output
