"""Reply text and customer names never reach logs or metrics, even at DEBUG.

The real pipeline runs: `scorer run` against the session's Kafka broker and `scorer serve`
over the same SQLite store, both as child processes with SCORER_LOG_LEVEL=DEBUG and their
stdout/stderr captured. Replies carry unique marker strings in their text, their
customer_name and in what QA reviewers type; invalid records carry them in every field a
decoder error could quote. Afterwards the captured logs, /metrics, /healthz and /readyz
must not contain a marker anywhere.

Positive controls keep the test honest: the markers must be visible where they belong
(the dead-letter record's original bytes, the QA API's answer to an authorised reader),
and the logs must really be DEBUG logs of a process that did the work.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from tests.kafka_utils import create_topics, free_port, produce, read_topic
from tests.scorer_proc import SCORER, ScorerProcess, topic_env

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

TEXT_MARKER = "ZQXV-secret-text-1234"
NAME_MARKER = "Marker Nordmann"
REVIEW_MARKER = "QWRT-review-note-5678"
DLQ_MARKER = "JKLP-deadletter-9012"
TOKEN = "no-leak-token-6b1f-" + "0" * 24
#: Fragments that would betray a leak even if a log line cut or re-cased the marker.
FRAGMENTS = ("ZQXV", "zqxv", "secret-text", "Nordmann", "nordmann", "QWRT", "review-note",
             "JKLP", "deadletter-9012")

VALID = [
    ("chat", "nb", "text/plain", f"Hei {NAME_MARKER}! Saken din har kode {TEXT_MARKER}. "
                                 "Ha en fin dag!"),
    ("messenger", "nn", "text/plain", f"{TEXT_MARKER} er sendt."),
    ("email", "sv", "text/plain", f"Hej {NAME_MARKER},\n\nTack för ditt mejl. Referens "
                                  f"{TEXT_MARKER}.\n\nVänliga hälsningar\n{NAME_MARKER}\n"
                                  "Kundtjänst"),
    ("email", "en", "text/html", f"<p>Hi {NAME_MARKER},</p><p>Your code is {TEXT_MARKER}."
                                 f"</p><blockquote>{TEXT_MARKER}</blockquote>"),
    ("chat", None, "text/plain", f"{TEXT_MARKER}"),
    ("email", "da", "text/plain", "x" * 5000 + f" {TEXT_MARKER} " + "\u202e" * 10),
]


def valid_records() -> list[bytes]:
    out = []
    for i in range(40):
        channel, lang, ctype, text = VALID[i % len(VALID)]
        rec = {"id": f"leak-{i}", "channel": channel, "text": text, "content_type": ctype,
               "customer_name": NAME_MARKER, "conversation_id": f"c-{i}", "team": "t1"}
        if lang:
            rec["language"] = lang
        out.append(orjson.dumps(rec))
    out.append(orjson.dumps({"id": "leak-customer", "channel": "chat", "author": "customer",
                             "text": f"Hvor er pakken? {TEXT_MARKER}",
                             "customer_name": NAME_MARKER}))
    return out


def invalid_records() -> list[bytes]:
    m = DLQ_MARKER
    return [
        f'{{"id": "d1", "channel": "chat", "text": "{m}"'.encode(),  # not_json
        f'{{"id": "d2", "channel": "chat", "text": "{m} '.encode() + b"\xff\xfe",  # utf8
        orjson.dumps({"id": "d3", "channel": f"{m}-channel", "text": m}),  # unknown_channel
        orjson.dumps({"id": "d4", "channel": "chat", "text": [m, m]}),  # wrong_type
        orjson.dumps({"id": "d5", "channel": "chat", "text": m, "language": f"{m}-lang"}),
        orjson.dumps({"id": "d6", "channel": "chat", "text": m, "sent_at": f"{m}-time"}),
        orjson.dumps({"id": "d7", "channel": "chat", "text": m, "author": f"{m}-who"}),
        orjson.dumps({"channel": "chat", "text": m, "customer_name": m}),  # missing id
        orjson.dumps({"id": "d9", "channel": "chat", "text": m * 2000}),  # too_large
        orjson.dumps([m, m]),  # not_object
        orjson.dumps({"id": {"nested": m}, "channel": "chat", "text": m}),
        orjson.dumps({"id": "d12", "channel": "chat", "text": m, "content_type": m}),
    ]


def assert_no_marker(where: str, text: str) -> None:
    found = sorted({f for f in FRAGMENTS if f in text})
    if found:
        lines = [ln for ln in text.splitlines() if any(f in ln for f in found)][:5]
        raise AssertionError(f"{where} leaks {found}:\n" + "\n".join(ln[:300] for ln in lines))


def assert_json_lines(where: str, log: str, workers: set[str]) -> None:
    """SCORER_LOG_FORMAT=json: every line one JSON object with the fields log pipelines
    index on, from the processes named."""
    seen = set()
    for n, line in enumerate(log.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            raise AssertionError(f"{where} line {n} is not JSON: {line[:300]}") from None
        missing = {"time", "level", "logger", "worker", "message"} - set(obj)
        assert not missing, f"{where} line {n} lacks {missing}: {line[:300]}"
        seen.add(obj["worker"])
    assert workers <= seen, f"{where}: lines from {sorted(seen)}, expected {sorted(workers)}"


@pytest.fixture
def env(kafka_bootstrap: str, tmp_path: Path) -> dict[str, str]:
    e = topic_env(kafka_bootstrap, tmp_path, SCORER_LOG_LEVEL="DEBUG", SCORER_LOG_FORMAT="json",
                  SCORER_MAX_TEXT_CHARS="10000", SCORER_API_TOKENS=f"qa:admin:{TOKEN}")
    create_topics(kafka_bootstrap, [e["SCORER_TOPIC_INPUT"]], partitions=2)
    return e


@pytest.fixture
def scorer(env: dict[str, str], tmp_path: Path) -> Iterator[ScorerProcess]:
    proc = ScorerProcess(env, tmp_path / "scorer.log")
    yield proc
    proc.stop()


@pytest.fixture
def api(env: dict[str, str], tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """`scorer serve` over the scorer's store; yields (base URL, its log file)."""
    port = free_port()
    log_path = tmp_path / "serve.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([str(SCORER), "serve", "--host", "127.0.0.1", "--port",
                                 str(port)], env={**os.environ, **env}, stdout=log,
                                stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while call(base, "GET", "/healthz")[0] != 200:
            assert proc.poll() is None, log_path.read_text(errors="replace")
            assert time.monotonic() < deadline, "scorer serve did not start"
            time.sleep(0.2)
        yield base, log_path
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def call(base: str, method: str, path: str, body: bytes | None = None,
         token: str | None = TOKEN) -> tuple[int, str]:
    req = urllib.request.Request(base + path, data=body, method=method)  # noqa: S310
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    if body is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 - loopback test
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except OSError:
        return 0, ""


def test_markers_in_replies_reviews_and_dead_letters_never_reach_logs_or_metrics(
        scorer: ScorerProcess, env: dict[str, str], api: tuple[str, Path]) -> None:
    valid, invalid = valid_records(), invalid_records()
    produce(env["SCORER_KAFKA_BOOTSTRAP"], env["SCORER_TOPIC_INPUT"], valid + invalid)
    scorer.start().wait_ready(timeout=90)
    deadline = time.monotonic() + 90
    while not (scorer.metric_sum("replies_scored") == 40
               and scorer.metric_sum("replies_invalid") == len(invalid)
               and scorer.metric_sum("replies_skipped") == 1):
        assert time.monotonic() < deadline, scorer.logs()
        time.sleep(0.3)

    # Positive control 1: the dead letters carry the original bytes, markers included.
    dlq = read_topic(env["SCORER_KAFKA_BOOTSTRAP"], env["SCORER_TOPIC_DLQ"],
                     expected=len(invalid))
    assert sorted(r.value for r in dlq) == sorted(invalid)
    assert all(DLQ_MARKER.encode() in r.value for r in dlq)

    # The QA API, used the way a reviewer uses it, including marker-bearing input.
    base, serve_log = api
    status, body = call(base, "GET", "/api/flagged?limit=200")
    assert status == 200, body
    flagged = json.loads(body)["items"]
    assert flagged, "no flagged replies to look at"
    # Positive control 2: an authorised reader does see the reply text.
    assert any(TEXT_MARKER in item["text"] for item in flagged)
    rid = flagged[0]["id"]
    review = json.dumps({"verdict": "disagree", "labels": {"greeting": 1},
                         "comment": f"Customer {NAME_MARKER} said {REVIEW_MARKER}",
                         "reviewer": f"QA {REVIEW_MARKER}"}).encode()
    assert call(base, "POST", f"/api/flagged/{rid}/review", review)[0] == 201
    bad_review = json.dumps({"verdict": f"{REVIEW_MARKER}", "reviewer": NAME_MARKER,
                             "comment": TEXT_MARKER}).encode()
    assert call(base, "POST", f"/api/flagged/{rid}/review", bad_review)[0] == 422
    assert call(base, "POST", f"/api/flagged/{rid}/review", review, token="wrong")[0] == 401
    assert call(base, "POST", f"/api/flagged/{rid}/review",
                review + b" " * 20_000)[0] == 413
    status, item = call(base, "GET", f"/api/flagged/{rid}")
    assert status == 200 and REVIEW_MARKER in item
    status, csv_text = call(base, "GET", "/api/flagged.csv")
    assert status == 200 and TEXT_MARKER in csv_text
    assert call(base, "GET", "/api/stats?since=30d")[0] == 200
    assert call(base, "GET", "/api/flagged?cursor=not-a-cursor")[0] == 400

    metrics = scorer.http("/metrics")[1]
    health = scorer.http("/healthz")[1] + scorer.http("/readyz")[1]
    assert scorer.terminate() == 0
    scorer_log = scorer.log_path.read_text(errors="replace")  # all of it, not the tail

    # Positive control 3: these are the logs of processes that did the work, at DEBUG (the
    # scorer itself logs nothing extra at DEBUG today; any line added later is covered).
    assert "consuming" in scorer_log and "received SIGTERM" in scorer_log, scorer_log[-2000:]
    api_log = serve_log.read_text(errors="replace")
    assert "/api/flagged" in api_log and "DEBUG" in api_log, api_log[-2000:]
    assert 'replies_scored_total{' in metrics

    assert_json_lines("scorer log", scorer_log, {"worker-0"})
    assert_json_lines("QA API log", api_log, {"api"})
    assert_no_marker("scorer log", scorer_log)
    assert_no_marker("QA API log", api_log)
    assert_no_marker("/metrics", metrics)
    assert_no_marker("/healthz and /readyz", health)
