"""scorer traffic: conversation traffic on a clock, the reply-only mode, the CLI, the demo line.

No Kafka: generation is tested on a simulated clock, and producing with a stand-in
KafkaProducer that records what would have been sent.
"""

from __future__ import annotations

import importlib.util
import itertools
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import ClassVar

import orjson
import pytest
from click.testing import CliRunner

from scorer import traffic as traffic_mod
from scorer.cli import main
from scorer.dialogue_records import parse_sent_at
from scorer.dialogues import generate as generate_dialogues
from scorer.schema import decode_reply
from scorer.settings import load_settings
from scorer.traffic import INVALID_SAMPLES, ConversationTraffic, generate, retime

START = datetime(2025, 3, 4, 9, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


def _run(traffic: ConversationTraffic, n: int, rate: float) -> list[tuple[float, bytes | None,
                                                                        bytes]]:
    """Ask for n records at `rate` per second of simulated time (as the producer loop does)."""
    return [(i / rate, *traffic.next_record(i / rate)) for i in range(n)]


def _by_conversation(sent: list[tuple[float, bytes | None, bytes]]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    for _, key, value in sent:
        if key is not None:
            rec = orjson.loads(value)
            assert key == rec["conversation_id"].encode()
            out[rec["conversation_id"]].append(rec)
    return out


def _message_number(rec: dict) -> int:
    return 10**6 if "event" in rec else int(rec["id"].rsplit("-m", 1)[1])


def test_retime_divides_and_caps_the_gaps() -> None:
    for d in generate_dialogues(40, seed=4, start=START):
        virtual = [parse_sent_at(m["sent_at"]) for m in d.messages]
        gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(virtual)]
        scaled = retime(d.messages, time_scale=60)
        capped = retime(d.messages, time_scale=60, max_gap=7.5)
        assert scaled[0] == capped[0] == 0.0
        for k, gap in enumerate(gaps):
            assert scaled[k + 1] - scaled[k] == pytest.approx(gap / 60)
            assert capped[k + 1] - capped[k] == pytest.approx(min(gap / 60, 7.5))


def test_conversation_traffic_is_deterministic_for_a_seed() -> None:
    def run(seed: int) -> list:
        return _run(ConversationTraffic(seed=seed, start=START, invalid_share=0.05), 500, 20)
    assert run(3) == run(3)
    assert run(3) != run(4)


def test_conversations_arrive_interleaved_in_order_with_real_send_times() -> None:
    traffic = ConversationTraffic(seed=8, start=START, time_scale=60, max_gap=30,
                                  invalid_share=0.0, close_share=0.5)
    sent = _run(traffic, 3000, rate=25)
    conversations = _by_conversation(sent)
    assert len(conversations) > 100
    # sent_at is the send time: start + the clock value the record was asked for (+ <1 ms
    # when two records of one conversation fall in the same millisecond)
    for now, _, value in sent:
        delta = (parse_sent_at(orjson.loads(value)["sent_at"]) - START).total_seconds()
        assert now <= delta + 1e-6 and delta - now < 0.01
    finished = 0
    for cid, recs in conversations.items():
        messages = [_message_number(r) for r in recs if "event" not in r]
        assert messages == list(range(1, len(messages) + 1)), cid  # in order, none skipped
        assert all("event" not in r for r in recs[:-1])  # a close event only comes last
        times = [parse_sent_at(r["sent_at"]) for r in recs]
        assert all(a < b for a, b in itertools.pairwise(times)), cid
        # no re-timed pause longer than max_gap (plus a little lateness at 25 records/s)
        assert all((b - a).total_seconds() <= 30 + 2 for a, b in itertools.pairwise(times))
        finished += "event" in recs[-1]
    assert finished > 20  # conversations also finish, with their close event last
    # several conversations are open at once, and records of different ones alternate
    keys = [key for _, key, _ in sent]
    assert sum(a != b for a, b in itertools.pairwise(keys)) > len(sent) / 2
    assert traffic.open_conversations > 1


def test_time_scale_compresses_the_simulated_pauses() -> None:
    """Chat answers take seconds to minutes; at scale 60 the same pauses take ~1/60."""
    def median_chat_gap(scale: float) -> float:
        traffic = ConversationTraffic(seed=2, start=START, time_scale=scale,
                                      invalid_share=0.0, close_share=0.0,
                                      kinds=["good_chat"])
        gaps = sorted(
            (parse_sent_at(b["sent_at"]) - parse_sent_at(a["sent_at"])).total_seconds()
            for recs in _by_conversation(_run(traffic, 1500, rate=5)).values()
            for a, b in itertools.pairwise(recs))
        return gaps[len(gaps) // 2]
    real, compressed = median_chat_gap(1.0), median_chat_gap(60.0)
    assert real > 20
    assert compressed < real / 20


def test_records_are_valid_input_and_invalid_ones_are_the_known_samples() -> None:
    sent = _run(ConversationTraffic(seed=5, start=START, invalid_share=0.1), 2000, rate=50)
    invalid = [value for _, key, value in sent if key is None]
    assert 120 < len(invalid) < 280
    assert set(invalid) <= set(INVALID_SAMPLES)
    for _, key, value in sent:
        if key is not None:
            reply = decode_reply(value, max_record_bytes=1 << 20, max_text_chars=200_000)
            assert reply.conversation_id == key.decode()
    ids = [orjson.loads(v)["id"] for _, k, v in sent if k is not None]
    assert len(ids) == len(set(ids))


def test_open_conversations_are_bounded_and_still_ordered() -> None:
    """As fast as possible (the clock never moves), memory stays bounded by max_open."""
    traffic = ConversationTraffic(seed=1, start=START, invalid_share=0.0, max_open=5)
    sent = [(0.0, *traffic.next_record(0.0)) for _ in range(400)]
    assert traffic.open_conversations <= 5
    for recs in _by_conversation(sent).values():
        numbers = [_message_number(r) for r in recs]
        assert numbers == sorted(numbers)
        times = [r["sent_at"] for r in recs]
        assert times == sorted(times) and len(set(times)) == len(times)


def test_bad_re_timing_is_refused() -> None:
    with pytest.raises(ValueError, match="time_scale"):
        ConversationTraffic(time_scale=0)
    with pytest.raises(ValueError, match="max_gap"):
        ConversationTraffic(max_gap=0)


def test_replies_only_generator_unchanged() -> None:
    corpus = [{"channel": "chat", "text": "Hei! Pakken kommer i morgen."},
              {"channel": "email", "text": "Hi Anna, it ships on Monday. Kind regards"}]
    out = list(itertools.islice(generate(corpus, invalid_share=0.0, seed=7), 30))
    assert [k for k, _ in out] == [f"s7-{n}".encode() for n in range(30)]
    recs = [orjson.loads(v) for _, v in out]
    assert all(r["text"] in {c["text"] for c in corpus} and r["agent_id"] for r in recs)


# --- producing, with a stand-in producer ----------------------------------------------------


class FakeProducer:
    """Records sends; stands in for kafka.KafkaProducer."""

    instances: ClassVar[list[FakeProducer]] = []

    def __init__(self, **config: object) -> None:
        self.config = config
        self.sent: list[tuple[str, bytes | None, bytes]] = []
        self.flushed = self.closed = False
        FakeProducer.instances.append(self)

    def send(self, topic: str, key: bytes | None = None, value: bytes = b"") -> None:
        self.sent.append((topic, key, value))

    def flush(self) -> None:
        self.flushed = True

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def fake_producer(monkeypatch: pytest.MonkeyPatch) -> type[FakeProducer]:
    FakeProducer.instances = []
    monkeypatch.setattr(traffic_mod, "KafkaProducer", FakeProducer)
    return FakeProducer


def test_produce_conversations_sends_keyed_records_with_real_times(
        fake_producer: type[FakeProducer]) -> None:
    before = datetime.now(UTC)
    sent = traffic_mod.produce_conversations(load_settings(None), rate=0, count=300,
                                             invalid_share=0.0, seed=9)
    after = datetime.now(UTC)
    assert sent == 300
    producer = fake_producer.instances[0]
    assert producer.flushed and producer.closed
    assert producer.config["enable_idempotence"] is True and producer.config["acks"] == "all"
    assert len(producer.sent) == 300
    for topic, key, value in producer.sent:
        rec = orjson.loads(value)
        assert topic == "replies" and key == rec["conversation_id"].encode()
        assert before - timedelta(seconds=1) <= parse_sent_at(rec["sent_at"]) \
            <= after + timedelta(seconds=1)


def test_cli_defaults_to_conversations(fake_producer: type[FakeProducer]) -> None:
    res = CliRunner().invoke(main, ["traffic", "--rate", "0", "--count", "40", "--seed", "3",
                                    "--time-scale", "120", "--max-gap", "2",
                                    "--close-share", "1", "--invalid-share", "0"])
    assert res.exit_code == 0, res.output
    assert "sent 40 records to replies" in res.output
    recs = [orjson.loads(v) for _, _, v in fake_producer.instances[0].sent]
    assert all("conversation_id" in r and "sent_at" in r for r in recs)
    assert {r.get("author") for r in recs} >= {"customer"}


def test_cli_replies_only_and_corpus_use_the_reply_mode(
        fake_producer: type[FakeProducer], tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_bytes(orjson.dumps({"channel": "chat", "text": "Hei! Det er sendt."}) + b"\n")
    for extra in (["--replies-only"], []):
        fake_producer.instances.clear()
        res = CliRunner().invoke(main, ["traffic", "--rate", "0", "--count", "5", "--seed", "1",
                                        "--invalid-share", "0", "--corpus", str(corpus),
                                        *extra])
        assert res.exit_code == 0, res.output
        keys = [k for _, k, _ in fake_producer.instances[0].sent]
        assert keys == [f"s1-{n}".encode() for n in range(5)]  # keyed by reply id


def test_cli_refuses_a_zero_time_scale() -> None:
    res = CliRunner().invoke(main, ["traffic", "--time-scale", "0", "--count", "1"])
    assert res.exit_code == 2 and "time-scale" in res.output


# --- the demo's summary line ------------------------------------------------------------------


def _demo_module():
    spec = importlib.util.spec_from_file_location("demo", ROOT / "deploy" / "local" / "demo.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_demo_summary_counts_conversations_and_unanswered_share() -> None:
    demo = _demo_module()
    replies_only = (
        "# TYPE replies_scored_total counter\n"
        'replies_scored_total{channel="chat",band="good",language="nb"} 8\n'
        'replies_scored_total{channel="chat",band="poor",language="nb"} 2\n')
    line = demo.summarize(replies_only)
    assert "scored=10" in line and "good=80%" in line
    assert "conversations=0 unanswered=0%" in line  # metrics not there yet -> 0
    with_conversations = replies_only + (
        "# TYPE conversations_scored_total counter\n"
        'conversations_scored_total{channel="chat",band="good"} 6\n'
        'conversations_scored_total{channel="email",band="poor"} 4\n'
        "# TYPE conversations_unanswered_total counter\n"
        'conversations_unanswered_total{channel="chat"} 1\n'
        'conversations_unanswered_total{channel="email"} 2\n')
    assert "conversations=10 unanswered=30%" in demo.summarize(with_conversations)
    assert set(demo.IDLE_TIMEOUTS) == {"SCORER_CONVERSATION_IDLE_CHAT",
                                       "SCORER_CONVERSATION_IDLE_MESSENGER",
                                       "SCORER_CONVERSATION_IDLE_EMAIL"}
