"""Property-based API testing: schemathesis generates requests from the served OpenAPI
spec (valid and edge-case parameters, odd Unicode, huge numbers) and every response must
be a non-5xx that matches the documented schema.

Runs against SQLite by default and, marked `postgres`, against a real PostgreSQL server,
whose stricter types (timestamptz, text without NUL) are where 5xx bugs would hide.
"""
# Fixtures are imported from tests.qa_fixtures, so test parameters "redefine" them:

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error, response_schema_conformance

from scorer.api import create_app
from scorer.store import FlaggedStore
from tests.qa_fixtures import TOKEN, make_pair, qa_settings, sample_pairs

AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def api_schema(store_url: str) -> Iterator[Any]:
    store = FlaggedStore.from_settings(qa_settings(store_url))
    store.upsert_flagged(sample_pairs(12))
    store.upsert_flagged([make_pair("0"), make_pair("a b/c"), make_pair("ø")])
    app = create_app(qa_settings(store_url), store=store)
    yield schemathesis.openapi.from_asgi("/openapi.json", app)
    store.close()


def operations(schema: Any) -> list[Any]:
    """Every operation, POST /api/purge last: the fuzzing token is an admin's, and a
    generated purge empties the store the other operations should be fuzzed over."""
    ops = [result.ok() for result in schema.get_all_operations()]
    return sorted(ops, key=lambda op: op.path == "/api/purge")


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_generated_request_causes_a_server_error(api_schema: Any,
                                                    mode: GenerationMode) -> None:
    """Hypothesis drives schemathesis' case strategy per operation (schemathesis' own
    pytest plugin does not support fixtures under this pytest version)."""
    checks = [not_a_server_error]
    if mode is GenerationMode.POSITIVE:
        checks.append(response_schema_conformance)
    strategies = []
    for operation in operations(api_schema):
        strategies.append(operation.as_strategy(generation_mode=mode))
        if "{reply_id}" in operation.path:  # random ids are 404s; also hit stored replies
            for reply_id in ("r-001", "a b/c"):
                strategies.append(operation.as_strategy(
                    generation_mode=mode, path_parameters={"reply_id": reply_id}))
    for strategy in strategies:

        @settings(max_examples=30, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=strategy)
        def run(case: schemathesis.Case) -> None:
            response = case.call(headers=AUTH)
            case.validate_response(response, checks=checks)

        run()


def test_the_spec_describes_every_api_route(api_schema: Any) -> None:
    paths = set(api_schema.raw_schema["paths"])
    assert paths == {"/api/flagged", "/api/flagged.csv", "/api/flagged/{reply_id}",
                     "/api/flagged/{reply_id}/review", "/api/stats", "/api/conversations",
                     "/api/conversations/{conversation_id}", "/api/me", "/api/purge"}
