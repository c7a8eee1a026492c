"""The streaming service end to end on the real local Kafka broker.

Every test runs `scorer run` as a child process against its own topics and group, and
reads the output topics with a `read_committed` consumer — what a downstream warehouse
sees.
"""

from __future__ import annotations

import time
from collections import Counter

import orjson
import pytest

from tests.kafka_utils import (
    create_topics,
    produce,
    read_topic,
)
from tests.scorer_proc import ScorerProcess, committed_lag, topic_env, until

pytestmark = pytest.mark.kafka

TEXTS = {
    ("nb", "chat"): "Hei Ola! Pakken ble sendt i går, så den kommer i morgen. Ha en fin dag!",
    ("nn", "messenger"): "Det er sendt.",
    ("sv", "email"): ("Hej Sara,\n\nTack för ditt mejl. Fakturan blev fel eftersom rabatten inte "
                      "drogs av. Vi skickar en ny faktura inom två dagar.\n\nVänliga hälsningar\n"
                      "Erik\nKundtjänst"),
    ("da", "chat"): "kan du sende ordrenummeret?",
    ("en", "messenger"): ("Hi Sam, thanks for reaching out! The refund was delayed because the "
                          "bank was closed; you'll see it within 3 days. Have a great weekend!"),
    ("en", "email"): "Your ticket is closed.",
}
CHANNELS = ("email", "chat", "messenger")


def valid_records(n: int, prefix: str) -> list[tuple[str, str, bytes]]:
    """n replies cycling through languages and channels: (id, channel, value)."""
    keys = list(TEXTS)
    out = []
    for i in range(n):
        lang, _ = keys[i % len(keys)]
        channel = CHANNELS[i % 3]
        rid = f"{prefix}-{i}"
        value = orjson.dumps({"id": rid, "channel": channel, "text": TEXTS[keys[i % len(keys)]],
                              "language": lang, "agent_id": f"a{i % 7}", "team": "t1"})
        out.append((rid, channel, value))
    return out


INVALID = {
    "not_json": b"{this is not json",
    "invalid_utf8": b'{"id": "u1", "channel": "chat", "text": "bl\xe5b\xe6r"}',
    "missing_field:id": b'{"channel": "chat", "text": "no id"}',
    "missing_field:text": b'{"id": "m2", "channel": "chat"}',
    "missing_field:channel": b'{"id": "m3", "text": "no channel"}',
    "wrong_type": b'{"id": "w1", "channel": "chat", "text": 12}',
    "unknown_channel": b'{"id": "c1", "channel": "carrier-pigeon", "text": "x"}',
    "too_large": orjson.dumps({"id": "big", "channel": "email", "text": "ord " * 3000}),
    "not_object": b'["id", "channel", "text"]',
    "empty_record": b"",
}


@pytest.fixture(params=["2", "0"], ids=["scoring-processes", "in-process"])
def scorer_env(kafka_bootstrap: str, tmp_path, request) -> dict[str, str]:
    """Every pipeline test runs with the default scoring processes and without them."""
    env = topic_env(kafka_bootstrap, tmp_path, SCORER_MAX_TEXT_CHARS="10000",
                    SCORER_SCORING_PROCESSES=request.param)
    create_topics(kafka_bootstrap, [env["SCORER_TOPIC_INPUT"]], partitions=4)
    return env


@pytest.fixture
def scorer(scorer_env, tmp_path):
    proc = ScorerProcess(scorer_env, tmp_path / "scorer.log")
    yield proc
    proc.stop()






def test_thousand_valid_and_ten_invalid_records_are_each_accounted_for_exactly_once(
        scorer, scorer_env) -> None:
    valid = valid_records(1000, "r")
    invalid = list(INVALID.values())
    produce(scorer_env["SCORER_KAFKA_BOOTSTRAP"], scorer_env["SCORER_TOPIC_INPUT"],
            [v for _, _, v in valid] + invalid)
    scorer.start().wait_ready()
    until(lambda: scorer.metric_sum("replies_scored") + scorer.metric_sum("replies_invalid")
             >= 1010, 120, "1010 records processed", scorer)

    scored = read_topic(scorer_env["SCORER_KAFKA_BOOTSTRAP"], scorer_env["SCORER_TOPIC_SCORED"],
                        expected=1000)
    ids = [orjson.loads(r.value)["id"] for r in scored]
    assert len(ids) == 1000 and set(ids) == {rid for rid, _, _ in valid}
    assert all(r.key == orjson.loads(r.value)["id"].encode() for r in scored)
    dlq = read_topic(scorer_env["SCORER_KAFKA_BOOTSTRAP"], scorer_env["SCORER_TOPIC_DLQ"],
                     expected=len(invalid))
    assert len(dlq) == len(invalid) == 10

    assert scorer.metric_sum("replies_scored") == 1000
    assert scorer.metric_sum("replies_invalid") == 10
    per_channel = Counter(ch for _, ch, _ in valid)
    for channel, n in per_channel.items():
        assert scorer.metric_sum("replies_scored", channel=channel) == n
    flagged = read_topic(scorer_env["SCORER_KAFKA_BOOTSTRAP"],
                         scorer_env["SCORER_TOPIC_FLAGGED"], expected=None, idle=2)
    assert {orjson.loads(r.value)["id"] for r in flagged} == {
        orjson.loads(r.value)["id"] for r in scored if orjson.loads(r.value)["flagged"]}
    assert 0 < len(flagged) < 1000

    started = time.monotonic()
    assert scorer.terminate() == 0
    assert time.monotonic() - started < 10
    assert committed_lag(scorer_env) == 0


def test_invalid_records_reach_the_dead_letter_topic_with_reason_source_and_original_bytes(
        scorer, scorer_env) -> None:
    names = list(INVALID)
    produce(scorer_env["SCORER_KAFKA_BOOTSTRAP"], scorer_env["SCORER_TOPIC_INPUT"],
            [INVALID[n] for n in names], keys=[n.encode() for n in names])
    scorer.start().wait_ready()
    dlq = read_topic(scorer_env["SCORER_KAFKA_BOOTSTRAP"], scorer_env["SCORER_TOPIC_DLQ"],
                     expected=len(names))
    assert len(dlq) == len(names)
    for rec in dlq:
        expected_reason = rec.key.decode().split(":")[0]
        headers = {k: v.decode() for k, v in rec.headers}
        assert headers["error.reason"] == expected_reason, headers
        assert headers["error.message"]
        assert headers["source.topic"] == scorer_env["SCORER_TOPIC_INPUT"]
        assert int(headers["source.offset"]) >= 0 and int(headers["source.partition"]) in range(4)
        assert (rec.value or b"") == INVALID[rec.key.decode()]
    until(lambda: scorer.metric_sum("replies_invalid") == len(names), 10,
             "invalid counter", scorer)
    for reason in {n.split(":")[0] for n in names}:
        want = sum(1 for n in names if n.split(":")[0] == reason)
        assert scorer.metric_sum("replies_invalid", reason=reason) == want


def test_customer_messages_are_read_but_not_scored(scorer, scorer_env) -> None:
    values = [orjson.dumps({"id": f"cust-{i}", "channel": "chat", "author": "customer",
                            "text": "Hvor er pakken min?"}) for i in range(5)]
    values += [v for _, _, v in valid_records(5, "agent")]
    produce(scorer_env["SCORER_KAFKA_BOOTSTRAP"], scorer_env["SCORER_TOPIC_INPUT"], values)
    scorer.start().wait_ready()
    until(lambda: scorer.metric_sum("replies_skipped") == 5
             and scorer.metric_sum("replies_scored") == 5, 60, "10 records handled", scorer)
    scored = read_topic(scorer_env["SCORER_KAFKA_BOOTSTRAP"], scorer_env["SCORER_TOPIC_SCORED"],
                        expected=5)
    assert {orjson.loads(r.value)["id"] for r in scored} == {f"agent-{i}" for i in range(5)}


def test_sigkill_mid_stream_then_restart_loses_no_reply_and_publishes_none_twice(
        scorer, scorer_env) -> None:
    valid = valid_records(6000, "k")
    produce(scorer_env["SCORER_KAFKA_BOOTSTRAP"], scorer_env["SCORER_TOPIC_INPUT"],
            [v for _, _, v in valid])
    scorer.env["SCORER_BATCH_SIZE"] = "200"
    scorer.start().wait_ready()
    until(lambda: scorer.metric_sum("replies_scored") >= 400, 60, "some progress", scorer)
    scorer.kill()
    scorer.start().wait_ready()
    until(lambda: committed_lag(scorer_env) == 0, 120, "the rest processed", scorer)
    scored = read_topic(scorer_env["SCORER_KAFKA_BOOTSTRAP"], scorer_env["SCORER_TOPIC_SCORED"],
                        expected=len(valid))
    ids = Counter(orjson.loads(r.value)["id"] for r in scored)
    assert set(ids) == {rid for rid, _, _ in valid}
    assert max(ids.values()) == 1, "a reply was published twice to read_committed readers"
    assert scorer.terminate() == 0
