"""Agreement between the model and QA reviewers, through the API, on SQLite and PostgreSQL:
`GET /api/stats` and the API's `/metrics` against figures computed by hand."""
# Fixtures are imported from tests.qa_fixtures, so test parameters "redefine" them:

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from scorer.api import create_app
from scorer.store import FlaggedStore, flagged_rows, make_engine, migrate
from tests.qa_fixtures import BASE_TIME, REVIEWER_TOKEN, TOKEN, make_pair, qa_settings

AUTH = {"Authorization": f"Bearer {REVIEWER_TOKEN}"}
WINDOW = {"since": "2026-11-01T00:00:00Z", "until": "2026-12-01T00:00:00Z"}

#: id, channel, language, in the sample, model's explanation score, reviewer's label.
#: (model, reviewer) per reply, a flag being the model saying "absent" (score < 0.5):
#:   r1 (0,0) flag confirmed   r2 (0,1) flag wrong        r3 (0,0) flag confirmed
#:   r4 (1,0) missed, sampled  r5 (1,1) both, sampled     r6 (0,0) confirmed, sampled
#:   r7 (1,1) both, sampled (score exactly 0.5 = present)  r8 (0,1) flag wrong
REPLIES = [
    ("r1", "chat", "nb", False, 0.20, 0),
    ("r2", "chat", "nb", False, 0.30, 1),
    ("r3", "chat", "sv", False, 0.10, 0),
    ("r4", "email", "sv", True, 0.90, 0),
    ("r5", "email", "en", True, 0.80, 1),
    ("r6", "chat", "en", True, 0.40, 0),
    ("r7", "email", "nb", True, 0.50, 1),
    ("r8", "messenger", "nb", False, 0.45, 1),
]


def _seed(store: FlaggedStore) -> None:
    pairs, marks = [], {}
    for rid, channel, lang, sampled, expl, _label in REPLIES:
        total = 80 if rid in ("r5", "r7") else 40  # r5, r7: stored only for the sample
        pairs.append(make_pair(rid, channel=channel, language=lang, total=total,
                               dims={"greeting": 0.1, "explanation": expl, "closing": 0.9,
                                     "length": 0.5}))
        marks[rid] = (total < 70, sampled)
    # r9: sampled, not flagged, never reviewed (counts in `sample`, not in agreement).
    pairs.append(make_pair("r9", total=95, dims={"greeting": 0.9, "explanation": 0.9,
                                                 "closing": 0.9, "length": 0.9}))
    marks["r9"] = (False, True)
    rows = flagged_rows(pairs, redact_text=False)
    for row in rows:
        row["flagged"], row["sampled"] = marks[row["id"]]
    store.write_rows(rows)


def _review(client: TestClient, rid: str, labels: dict[str, int]) -> None:
    resp = client.post(f"/api/flagged/{rid}/review", headers=AUTH,
                       json={"verdict": "disagree", "labels": labels})
    assert resp.status_code == 201, resp.text


@pytest.fixture
def client(store: FlaggedStore, store_url: str) -> Iterator[TestClient]:
    _seed(store)
    with TestClient(create_app(qa_settings(store_url), store=store)) as c:
        for rid, *_rest, label in REPLIES:
            labels = {"explanation": label}
            if rid in ("r1", "r2", "r3"):
                labels["greeting"] = 0  # model greeting 0.1: absent, agreed
            if rid == "r2":  # first said "absent", then corrected: the latest counts
                _review(c, rid, {"explanation": 0, "greeting": 0})
            _review(c, rid, labels)
        yield c


def _stats(client: TestClient) -> dict[str, Any]:
    resp = client.get("/api/stats", headers=AUTH, params=WINDOW)
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_stats_agreement_equals_the_hand_computation(client: TestClient) -> None:
    explanation = _stats(client)["agreement"]["explanation"]
    # Latest review per reply, 8 pairs: flag confirmed 3 (r1 r3 r6), flag wrong 2 (r2 r8),
    # missed 1 (r4), both present 2 (r5 r7). Agreed 5 -> accuracy 5/8.
    assert explanation["n"] == 8 and explanation["population"] == "reviewed"
    assert explanation["accuracy"] == pytest.approx(5 / 8, abs=1e-12)
    # Model present 3/8, reviewer present 4/8: p_e = 3/8 * 1/2 + 5/8 * 1/2 = 1/2;
    # kappa = (5/8 - 1/2) / (1 - 1/2) = 1/4.
    assert explanation["kappa"] == pytest.approx(0.25, abs=1e-12)
    # Precision over every review: flags r1 r2 r3 r6 r8 = 5, confirmed 3 -> 3/5, Wilson
    # (z = 1.959964) 0.230724..0.882379.
    assert explanation["precision"] == pytest.approx(
        {"value": 0.6, "low": 0.2307242812760, "high": 0.8823792257673, "n": 5,
         "population": "reviewed"}, abs=1e-12)
    # Recall over the sampled reviews only (r4 r5 r6 r7): absences r4 r6 = 2, flagged
    # r6 = 1 -> 1/2, Wilson 0.094531..0.905469. (Over all reviews it would be 3/4.)
    assert explanation["recall"] == pytest.approx(
        {"value": 0.5, "low": 0.0945312057342, "high": 0.9054687942658, "n": 2,
         "population": "sampled_reviewed"}, abs=1e-12)
    # Sampled alone: r6 agree, r4 disagree, r5 r7 agree -> 3/4; model present 3/4,
    # reviewer 1/2: p_e = 3/8 + 1/8 = 1/2, kappa = (3/4 - 1/2) / (1/2) = 1/2.
    assert explanation["sampled"] == pytest.approx(
        {"n": 4, "accuracy": 0.75, "kappa": 0.5, "population": "sampled_reviewed"})


def test_stats_agreement_per_channel_and_language(client: TestClient) -> None:
    explanation = _stats(client)["agreement"]["explanation"]
    chat, email, messenger = (explanation["by_channel"][c] for c in
                              ("chat", "email", "messenger"))
    # chat r1 r2 r3 r6: model always absent. Agreed 3/4; model present 0, reviewer 1/4:
    # p_e = 0 * 1/4 + 1 * 3/4 = 3/4 = p_o, so kappa 0: no skill beyond chance.
    assert (chat["n"], chat["accuracy"], chat["kappa"]) == (4, 0.75, 0.0)
    assert chat["recall"]["n"] == 1 and chat["recall"]["value"] == 1.0  # r6 only
    # email r4 r5 r7: model always present; agreed 2/3, reviewer present 2/3: kappa 0.
    assert email["n"] == 3 and email["accuracy"] == pytest.approx(2 / 3)
    assert email["kappa"] == pytest.approx(0.0, abs=1e-12)
    assert email["precision"]["n"] == 0 and email["precision"]["value"] is None
    # messenger r8 only: one flag, wrong; not in the sample -> recall undefined (null).
    assert (messenger["n"], messenger["accuracy"]) == (1, 0.0)
    assert messenger["precision"]["value"] == 0.0 and messenger["recall"]["value"] is None
    # nb r1 r2 r7 r8: agreed 2/4; model present 1/4, reviewer 3/4:
    # p_e = 1/4 * 3/4 + 3/4 * 1/4 = 3/8, kappa = (1/2 - 3/8) / (5/8) = 1/5.
    nb = explanation["by_language"]["nb"]
    assert nb["n"] == 4 and nb["accuracy"] == 0.5
    assert nb["kappa"] == pytest.approx(0.2, abs=1e-12)
    assert set(explanation["by_language"]) == {"nb", "sv", "en"}


def test_undefined_figures_are_null_not_zero(client: TestClient) -> None:
    agreement = _stats(client)["agreement"]
    greeting = agreement["greeting"]
    # r1 r2 r3 all (0,0): accuracy 1, but p_e = 1 so kappa is undefined; precision 3/3.
    assert (greeting["n"], greeting["accuracy"], greeting["kappa"]) == (3, 1.0, None)
    assert greeting["precision"]["value"] == 1.0 and greeting["precision"]["high"] == 1.0
    assert greeting["recall"] == {"value": None, "low": None, "high": None, "n": 0,
                                  "population": "sampled_reviewed"}
    closing = agreement["closing"]  # never labelled
    assert (closing["n"], closing["accuracy"], closing["kappa"]) == (0, None, None)
    assert closing["by_channel"] == {} and closing["precision"]["value"] is None


def test_stats_count_the_sample_and_keep_counting_only_flagged_replies(
        client: TestClient) -> None:
    stats = _stats(client)
    assert stats["sample"] == {"total": 5, "reviewed": 4}  # r4 r5 r6 r7 r9
    assert stats["total"] == 6  # flagged: r1 r2 r3 r4 r6 r8 (r5 r7 r9 only sampled)
    listed = client.get("/api/flagged", headers=AUTH, params={"sampled": "true"}).json()
    assert {i["id"] for i in listed["items"]} == {"r4", "r5", "r6", "r7", "r9"}
    assert all(i["sampled"] for i in listed["items"])
    default = client.get("/api/flagged", headers=AUTH).json()
    assert {i["id"] for i in default["items"]} == {"r1", "r2", "r3", "r4", "r6", "r8"}


def _scrape(client: TestClient) -> dict[tuple[str, str], float]:
    resp = client.get("/metrics")  # no token: Prometheus scrapes it as the worker's
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/plain")
    return {(s.labels["dimension"], s.labels["verdict"]): s.value
            for family in text_string_to_metric_families(resp.text)
            if family.name == "reply_reviews" for s in family.samples
            if s.name == "reply_reviews_total"}


#: Every label of every review (a counter of verdicts given, so r2's first review counts):
#: explanation agree r1 r2(first) r3 r5 r6 r7 = 6, disagree r2(second) r4 r8 = 3;
#: greeting agree r1 r2 r2 r3 = 4; closing never labelled.
EXPECTED_METRICS = {
    ("explanation", "agree"): 6.0, ("explanation", "disagree"): 3.0,
    ("greeting", "agree"): 4.0, ("greeting", "disagree"): 0.0,
    ("closing", "agree"): 0.0, ("closing", "disagree"): 0.0,
}


def test_metrics_count_review_verdicts_per_dimension(
        client: TestClient, store: FlaggedStore, store_url: str) -> None:
    assert _scrape(client) == EXPECTED_METRICS
    # Another API process (a restart, a second replica) exports the same figures.
    with TestClient(create_app(qa_settings(store_url), store=store)) as other:
        assert _scrape(other) == EXPECTED_METRICS
    # Retention deletes the reviews with their replies; the counter must not go down
    # (Prometheus would read a reset), while the stats, about stored replies, do.
    assert client.post("/api/purge", json={"older_than": "1d"},
                       headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    assert _stats(client)["agreement"]["explanation"]["n"] == 0
    assert _scrape(client) == EXPECTED_METRICS


def test_metrics_answer_any_host_and_no_token(store: FlaggedStore, store_url: str) -> None:
    settings = qa_settings(store_url, api_allowed_hosts="qa.example.com")
    with TestClient(create_app(settings, store=store), base_url="http://10.1.2.3:8080") as c:
        assert c.get("/metrics").status_code == 200  # Prometheus scrapes the pod IP
        assert c.get("/api/me", headers=AUTH).status_code == 400


def test_migration_0004_counts_existing_reviews_into_the_tally(store_url: str) -> None:
    from alembic import command
    from alembic.config import Config

    from scorer.store import MIGRATIONS_DIR, replies_t, reviews_t

    engine = make_engine(store_url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003")
        conn.commit()
    row = flagged_rows([make_pair("old-1")], redact_text=False)[0]  # greeting 0.1, expl 0.8
    with engine.begin() as conn:
        conn.execute(replies_t.insert(), [{k: v for k, v in row.items()
                                           if k not in ("sampled", "flagged")}])
        conn.execute(reviews_t.insert(), [
            {"reply_id": "old-1", "verdict": v, "labels": labels, "comment": "",
             "reviewer": "kari", "created_at": BASE_TIME + timedelta(minutes=i)}
            for i, (v, labels) in enumerate([("agree", {}), ("disagree", {"greeting": 1}),
                                             ("disagree", {"greeting": 0, "explanation": 0})])])
    migrate(engine)
    with engine.connect() as conn:
        tally = {(d, v): n for d, v, n in conn.execute(sa.text(
            "SELECT dimension, verdict, count FROM review_tally"))}
        marks = conn.execute(sa.text("SELECT sampled, flagged FROM flagged_replies")).one()
    # greeting: label 1 vs model 0 disagree, label 0 agree; explanation: 0 vs 1 disagree.
    assert tally == {("greeting", "disagree"): 1, ("greeting", "agree"): 1,
                     ("explanation", "disagree"): 1}
    assert (bool(marks[0]), bool(marks[1])) == (False, True)  # old rows: flagged, unsampled
    engine.dispose()
