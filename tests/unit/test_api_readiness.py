"""The QA API's /readyz asks the database; /healthz only says the process runs."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi.testclient import TestClient

from scorer.api import create_app
from scorer.store import FlaggedStore
from tests.qa_fixtures import qa_settings


def test_readyz_answers_200_while_the_store_answers_and_503_when_it_does_not(
        store: FlaggedStore, store_url: str) -> None:
    with TestClient(create_app(qa_settings(store_url), store=store)) as client:
        assert client.get("/readyz").status_code == 200
        working = store.engine
        store.engine = sa.create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none",
                                        connect_args={"connect_timeout": 2})
        try:
            down = client.get("/readyz")
            assert down.status_code == 503
            assert "flagged store unreachable" in down.json()["detail"]
            assert client.get("/healthz").status_code == 200  # alive, just not ready
        finally:
            store.engine.dispose()
            store.engine = working
        assert client.get("/readyz").status_code == 200
