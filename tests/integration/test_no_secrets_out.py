"""Personal data never leaves the worker: every output, grepped as raw bytes.

HTML and plain replies and customer messages full of personal data — written as people
write it (non-breaking spaces, HTML character references, mailto links) — go through the
real pipeline (`scorer run` on the session's broker, conversations on) into a SQLite or
PostgreSQL store, then out through the QA API and its CSV export. Afterwards no secret may
appear in any output topic, the store, an API answer, the CSV or the logs.

The two places that must keep the original bytes are checked as positive controls: the
input topic (the producer's own record) and the dead-letter topic (the contract keeps the
original record so it can be replayed).
"""

from __future__ import annotations

import os
import re
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
import sqlalchemy as sa

from tests.kafka_utils import create_topics, free_port, produce, read_topic
from tests.scorer_proc import SCORER, ScorerProcess, topic_env, until

pytestmark = [pytest.mark.kafka]

NAME = "Kari Nordmann"
ADMIN = "admin:admin:" + "a" * 40
#: Each secret as the outputs would show it once rendered; every one must vanish.
SECRETS = {
    "phone": "412 34 567",
    "email": "ola.hansen@example.no",
    "card": "4111 1111 1111 1111",
    "national_id": "811228-9874",
    "iban": "NO93 8601 1117 947",
    "name": "Nordmann",
}
#: Digits-only forms catch a secret shown with other separators.
DIGITS = ("41234567", "4111111111111111", "8112289874", "86011117947")

REPLIES = [
    ("email", "text/html",
     "<p>Hei Kari,</p><p>Takk for e-posten. Vi ringer deg på +47&nbsp;412&nbsp;34&nbsp;567 "
     "eller skriver til ola.hansen&#64;example.no (<a href=\"mailto:ola.hansen@example.no\">"
     "e-post</a>). Kortet 4111 1111 1111 1111 er sperret fordi det var misbrukt.</p>"
     "<p>Med vennlig hilsen<br>Ola</p>"),
    ("chat", "text/plain",
     "Hei Kari Nordmann! Vi har sjekket personnummer 811228-9874 og konto NO93 8601 1117 947. "
     "Pengene kommer fordi refusjonen er godkjent. Ha en fin dag!"),
    ("messenger", "text/plain",
     # A poor reply (no greeting, explanation or closing), so the store holds it.
     "Kari, ring oss på 412 34 567."),
]


def _records() -> list[bytes]:
    out = []
    for i, (channel, ctype, text) in enumerate(REPLIES * 3):
        cid = f"c-{i}"
        out.append(orjson.dumps({"id": f"q-{i}", "conversation_id": cid, "channel": channel,
                                 "author": "customer", "customer_name": NAME,
                                 "text": f"Hei, jeg er {NAME}, tlf 412 34 567."}))
        out.append(orjson.dumps({"id": f"r-{i}", "conversation_id": cid, "channel": channel,
                                 "content_type": ctype, "text": text, "customer_name": NAME}))
        out.append(orjson.dumps({"id": f"e-{i}", "conversation_id": cid, "channel": channel,
                                 "event": "closed"}))
        out.append(orjson.dumps({"id": f"solo-{i}", "channel": channel, "content_type": ctype,
                                 "text": text, "customer_name": NAME}))
    out.append(orjson.dumps({"id": "dead", "channel": "sms", "text": REPLIES[1][2]}))
    return out


_SEPARATORS = re.compile(r"[\s\u00a0.\-\u2013/()]")


def assert_clean(where: str, data: bytes) -> None:
    text = data.decode("utf-8", "replace")
    squeezed = _SEPARATORS.sub("", text)
    found = [k for k, v in SECRETS.items() if v in text]
    found += [d for d in DIGITS if d in squeezed]
    assert not found, f"{where} leaks {found}"


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return request.getfixturevalue("fresh_postgres_url")


@pytest.fixture
def env(kafka_bootstrap: str, tmp_path: Path, store_url: str) -> dict[str, str]:
    e = topic_env(kafka_bootstrap, tmp_path, SCORER_STORE_URL=store_url,
                  SCORER_RETENTION_DAYS="36500",
                  SCORER_API_TOKENS=ADMIN, SCORER_CONVERSATION_CLOSE_GRACE="1s",
                  SCORER_LOG_LEVEL="DEBUG")
    create_topics(kafka_bootstrap, [e["SCORER_TOPIC_INPUT"]], partitions=2)
    return e


@pytest.fixture
def api(env: dict[str, str], tmp_path: Path) -> Iterator[tuple[str, Path]]:
    port, log = free_port(), tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([str(SCORER), "serve", "--port", str(port)],
                                env={**os.environ, **env}, stdout=out,
                                stderr=subprocess.STDOUT)
    try:
        yield f"http://127.0.0.1:{port}", log
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _get(url: str) -> bytes:
    secret = ADMIN.split(":")[2]
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {secret}"})  # noqa: S310
    with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 - loopback
        return resp.read()


def _dump_store(url: str) -> bytes:
    """Every cell of every table, as text."""
    if url.startswith("sqlite:///"):
        return Path(url[len("sqlite:///"):]).read_bytes()
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            tables = sa.inspect(conn).get_table_names()
            meta = sa.MetaData()
            meta.reflect(conn, only=tables)  # names from the database's own catalogue
            rows = [str(r) for t in meta.sorted_tables for r in conn.execute(sa.select(t))]
    finally:
        engine.dispose()
    return "\n".join(rows).encode()


def test_no_secret_reaches_any_output_the_store_the_api_the_csv_or_the_logs(
        env: dict[str, str], api: tuple[str, Path], store_url: str, tmp_path: Path) -> None:
    bootstrap = env["SCORER_KAFKA_BOOTSTRAP"]
    scorer = ScorerProcess(env, tmp_path / "scorer.log").start()
    try:
        scorer.wait_ready()
        records = _records()
        produce(bootstrap, env["SCORER_TOPIC_INPUT"], records)
        until(lambda: scorer.metric_sum("conversations_scored") >= 9, 90,
              "every conversation closed", scorer)
        outputs = {t: read_topic(bootstrap, env[t], idle=1.0) for t in (
            "SCORER_TOPIC_SCORED", "SCORER_TOPIC_FLAGGED", "SCORER_TOPIC_CONVERSATIONS")}
        changelog = read_topic(bootstrap, f"{env['SCORER_GROUP_ID']}-conversations-changelog",
                               idle=1.0)
        dlq = read_topic(bootstrap, env["SCORER_TOPIC_DLQ"], expected=1, idle=1.0)
    finally:
        scorer.stop()
    assert len(outputs["SCORER_TOPIC_SCORED"]) == 18  # 9 in conversations, 9 alone
    for topic, recs in {**outputs, "changelog": changelog}.items():
        assert_clean(topic, b"\n".join(r.value or b"" for r in recs))
    with pytest.raises(AssertionError):  # the dead letter keeps its original bytes
        assert_clean("dlq", dlq[0].value)
    assert_clean("store", _dump_store(store_url))
    base, serve_log = api
    until(lambda: _ready(base), 60, "the QA API", scorer)
    flagged = orjson.loads(_get(f"{base}/api/flagged?limit=200"))["items"]
    conversations = orjson.loads(_get(f"{base}/api/conversations?limit=200"))["items"]
    assert flagged and conversations, "the store must hold flagged replies and conversations"
    answers = [_get(f"{base}/api/flagged?limit=200"), _get(f"{base}/api/flagged.csv"),
               *[_get(f"{base}/api/flagged/{i['id']}") for i in flagged],
               *[_get(f"{base}/api/conversations/{c['conversation_id']}")
                 for c in conversations]]
    for i, body in enumerate(answers):
        assert_clean(f"API answer {i}", body)
    assert_clean("scorer log", (tmp_path / "scorer.log").read_bytes())
    assert_clean("serve log", serve_log.read_bytes())


def _ready(base: str) -> bool:
    try:
        _get(f"{base}/api/stats")
        return True
    except OSError:
        time.sleep(0.5)
        return False


def test_the_positive_control_detects_a_secret() -> None:
    with pytest.raises(AssertionError, match="phone"):
        assert_clean("control", b"ring 412 34 567")
    with pytest.raises(AssertionError):
        assert_clean("control", b"card 4111-1111-1111-1111")
    assert_clean("control", b"ring [PHONE]")
