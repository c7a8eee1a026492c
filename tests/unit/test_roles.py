"""Roles and identity of QA API callers, over SQLite and a real PostgreSQL server.

`SCORER_API_TOKENS` entries are `name:role:secret`: a reader only reads, a reviewer also
reviews (under its own name, whatever the body says), an admin also exports and purges.
Secrets under 32 characters stop the server, naming the entry but never the secret. Behind
an SSO proxy the user comes from a header, believed only from the proxy's address.
"""
# Fixtures are imported from tests.qa_fixtures, so test parameters "redefine" them:

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from scorer.api import create_app, serve
from scorer.api_auth import MIN_SECRET_CHARS, Authenticator, TokenError, parse_tokens
from scorer.settings import load_settings
from scorer.store import FlaggedQuery, FlaggedStore
from tests.qa_fixtures import (
    ADMIN_NAME,
    READER_NAME,
    READER_TOKEN,
    REVIEWER_NAME,
    REVIEWER_TOKEN,
    TOKEN,
    make_pair,
    qa_settings,
    sample_pairs,
)

ADMIN = {"Authorization": f"Bearer {TOKEN}"}
REVIEWER = {"Authorization": f"Bearer {REVIEWER_TOKEN}"}
READER = {"Authorization": f"Bearer {READER_TOKEN}"}
SECRET = "s" * MIN_SECRET_CHARS


@pytest.fixture
def client(store: FlaggedStore, store_url: str) -> Iterator[TestClient]:
    store.upsert_flagged(sample_pairs(12))
    with TestClient(create_app(qa_settings(store_url), store=store)) as c:
        yield c


def reviews(store: FlaggedStore, reply_id: str) -> list[dict[str, Any]]:
    return list(store.get(reply_id)["reviews"])


# --- the three roles -------------------------------------------------------------------------


def test_a_reader_reads_everything_but_cannot_review_export_or_purge(
        client: TestClient, store: FlaggedStore) -> None:
    for path in ("/api/flagged", "/api/flagged/r-001", "/api/stats", "/api/conversations"):
        assert client.get(path, headers=READER).status_code == 200, path
    resp = client.post("/api/flagged/r-001/review", headers=READER,
                       json={"verdict": "agree", "reviewer": REVIEWER_NAME})
    assert resp.status_code == 403
    assert "'reader'" in resp.json()["detail"] and "'reviewer'" in resp.json()["detail"]
    assert reviews(store, "r-001") == []
    assert client.get("/api/flagged.csv", headers=READER).status_code == 403
    assert client.post("/api/purge", headers=READER,
                       json={"older_than": "1s"}).status_code == 403
    assert len(store.list_flagged(FlaggedQuery(limit=200)).items) == 12


def test_a_reviewers_review_is_stored_under_its_own_name_whatever_the_body_says(
        client: TestClient, store: FlaggedStore) -> None:
    resp = client.post("/api/flagged/r-002/review", headers=REVIEWER,
                       json={"verdict": "disagree", "labels": {"closing": 1},
                             "reviewer": ADMIN_NAME, "comment": "Closing is there"})
    assert resp.status_code == 201, resp.text
    assert resp.json()["reviewer"] == REVIEWER_NAME
    assert [(r["reviewer"], r["verdict"]) for r in reviews(store, "r-002")] == [
        (REVIEWER_NAME, "disagree")]
    resp = client.post("/api/flagged/r-002/review", headers=REVIEWER, json={"verdict": "agree"})
    assert resp.status_code == 201 and resp.json()["reviewer"] == REVIEWER_NAME


def test_export_and_purge_are_for_admins_only(client: TestClient, store: FlaggedStore) -> None:
    for headers in (READER, REVIEWER):
        resp = client.get("/api/flagged.csv", headers=headers)
        assert resp.status_code == 403 and "'admin'" in resp.json()["detail"]
        resp = client.post("/api/purge", headers=headers, json={"older_than": "1s"})
        assert resp.status_code == 403
    assert len(store.list_flagged(FlaggedQuery(limit=200)).items) == 12
    resp = client.get("/api/flagged.csv", headers=ADMIN)
    assert resp.status_code == 200 and resp.text.count("\n") == 13


def test_an_admin_purges_old_replies_and_conversations_over_the_api(
        client: TestClient, store: FlaggedStore) -> None:
    now = datetime.now(UTC)
    store.upsert_flagged([make_pair("fresh", sent_at=now - timedelta(days=1))])
    resp = client.post("/api/purge", headers=ADMIN, json={"older_than": "2d"})
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"older_than": "2d", "replies": 12, "conversations": 0}
    assert [i["id"] for i in store.list_flagged(FlaggedQuery()).items] == ["fresh"]
    for bad in ({"older_than": "soon"}, {"older_than": "999999w"}, {}, {"older_than": "1d",
                                                                         "x": 1}):
        resp = client.post("/api/purge", headers=ADMIN, json=bad)
        assert resp.status_code in (400, 422), (bad, resp.status_code, resp.text)
        assert "Traceback" not in resp.text


def test_me_answers_the_callers_name_role_and_rights(client: TestClient) -> None:
    expected = {READER_NAME: ("reader", ["list", "open", "stats"]),
                REVIEWER_NAME: ("reviewer", ["list", "open", "stats", "review"]),
                ADMIN_NAME: ("admin", ["list", "open", "stats", "review", "export", "purge"])}
    for headers in (READER, REVIEWER, ADMIN):
        me = client.get("/api/me", headers=headers).json()
        role, rights = expected[me["name"]]
        assert me["role"] == role and me["via"] == "token" and me["rights"] == rights


def test_a_bare_secret_still_works_as_a_reviewer_named_by_its_position(
        store: FlaggedStore, store_url: str) -> None:
    settings = load_settings(store_url=store_url, api_tokens=f"ola:reader:{'r' * 40}, {SECRET}")
    with TestClient(create_app(settings, store=store)) as c:
        bare = {"Authorization": f"Bearer {SECRET}"}
        assert c.get("/api/me", headers=bare).json()["name"] == "token-2"
        store.upsert_flagged([make_pair("r-1")])
        resp = c.post("/api/flagged/r-1/review", headers=bare, json={"verdict": "agree"})
        assert resp.status_code == 201 and resp.json()["reviewer"] == "token-2"
        assert c.get("/api/flagged.csv", headers=bare).status_code == 403


# --- refusing unusable tokens at start -------------------------------------------------------


@pytest.mark.parametrize(("tokens", "named"), [
    (f"kari:reviewer:short-secret-1234, ola:admin:{SECRET}", "1st entry ('kari')"),
    (f"ola:admin:{SECRET}, tooshort9876", "2nd entry ('token-2')"),
    (f"ola:admin:{SECRET}, ola:reader:{'x' * 40}", "repeats the name 'ola'"),
    (f"ola:admin:{SECRET}, kari:reader:{SECRET}", "same secret as the 1st entry"),
    (f"ola:superuser:{SECRET}", "1st entry is not name:role:secret"),
    (f"ola kari:admin:{SECRET}", "1st entry is not name:role:secret"),
])
def test_unusable_tokens_stop_the_server_naming_the_entry_never_the_secret(
        tokens: str, named: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = load_settings(store_url=f"sqlite:///{tmp_path / 'f.db'}", api_tokens=tokens)
    with pytest.raises(TokenError) as info:
        create_app(settings)
    assert named in str(info.value)
    assert serve(settings, host="127.0.0.1", port=1) == 2
    err = capsys.readouterr().err
    assert named in err and "refusing to start" in err
    for secret in ("short-secret-1234", "tooshort9876", SECRET, "x" * 40, "superuser"):
        assert secret not in err and secret not in str(info.value)
    assert not (tmp_path / "f.db").exists(), "refused before the store was opened"


def test_the_secret_length_rule_is_32_characters() -> None:
    assert parse_tokens(["a:reader:" + "k" * 32])[0].name == "a"
    with pytest.raises(TokenError, match="shorter than 32 characters"):
        parse_tokens(["a:reader:" + "k" * 31])


def test_a_secret_may_contain_colons_and_roles_ignore_case() -> None:
    token = parse_tokens([f"åse:ADMIN:{SECRET}:with:colons"])[0]
    assert (token.name, token.role) == ("åse", "admin")
    auth = Authenticator(load_settings(api_tokens=f"åse:ADMIN:{SECRET}:with:colons"))
    who = auth.identify(None, {}, f"{SECRET}:with:colons")
    assert who is not None and who.name == "åse"
    assert auth.identify(None, {}, SECRET) is None


# --- single sign-on behind a trusted proxy ---------------------------------------------------


def proxy_client(store: FlaggedStore, store_url: str, peer: str,
                 **overrides: Any) -> TestClient:
    settings = qa_settings(store_url, api_proxy_user_header="X-Forwarded-Email",
                           api_proxy_role_header="X-Forwarded-Groups",
                           api_trusted_proxies="10.0.0.0/24, 127.0.0.1", **overrides)
    return TestClient(create_app(settings, store=store), client=(peer, 40000))


def test_sso_user_and_role_come_from_the_trusted_proxy_only(store: FlaggedStore,
                                                             store_url: str) -> None:
    store.upsert_flagged([make_pair("r-1")])
    sso = {"X-Forwarded-Email": "kari@example.no", "X-Forwarded-Groups": "staff,reviewer"}
    with proxy_client(store, store_url, "10.0.0.7") as c:
        me = c.get("/api/me", headers=sso).json()
        assert me == {"name": "kari@example.no", "role": "reviewer", "via": "proxy",
                      "rights": ["list", "open", "stats", "review"]}
        resp = c.post("/api/flagged/r-1/review", headers=sso, json={"verdict": "agree"})
        assert resp.status_code == 201 and resp.json()["reviewer"] == "kari@example.no"
        # No recognised group: the default role (reader).
        plain = {"X-Forwarded-Email": "ola@example.no", "X-Forwarded-Groups": "staff"}
        assert c.get("/api/me", headers=plain).json()["role"] == "reader"
        assert c.get("/api/flagged.csv", headers=plain).status_code == 403
        # Bearer tokens keep working through the proxy (service accounts).
        assert c.get("/api/me", headers=ADMIN).json()["name"] == ADMIN_NAME
        assert c.get("/api/me").status_code == 401
    with proxy_client(store, store_url, "192.0.2.50") as c:  # not the proxy: header ignored
        resp = c.get("/api/me", headers={**sso, "X-Forwarded-Groups": "admin"})
        assert resp.status_code == 401
        assert c.get("/api/me", headers={**sso, **READER}).json()["name"] == READER_NAME
    with proxy_client(store, store_url, "10.0.0.7", api_proxy_default_role="reviewer") as c:
        assert c.get("/api/me", headers={"X-Forwarded-Email": "p@x.no"}).json()[
            "role"] == "reviewer"


def test_proxy_settings_that_would_trust_anyone_are_refused(store_url: str) -> None:
    with pytest.raises(TokenError, match="SCORER_API_TRUSTED_PROXIES is empty"):
        create_app(qa_settings(store_url, api_proxy_user_header="X-Forwarded-User"))
    with pytest.raises(TokenError, match="not an IP address"):
        create_app(qa_settings(store_url, api_proxy_user_header="X-Forwarded-User",
                               api_trusted_proxies="proxy.internal"))
    with pytest.raises(TokenError, match="not a header"):
        create_app(qa_settings(store_url, api_proxy_user_header="X Forwarded: User",
                               api_trusted_proxies="10.0.0.1"))
