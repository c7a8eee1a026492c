"""`scorer traffic`: produce realistic input to the input topic at a steady rate.

Two modes:

* **conversations** (the default): whole inquiries from `scorer.dialogues` — customer
  questions, agent replies, follow-ups, unanswered and late ones, `closed` events — in
  nb, nn, sv, da and en on e-mail, chat and Messenger, interleaved as they would arrive
  live and keyed by `conversation_id` (so one conversation stays on one partition, in
  order). The simulated pauses between messages are divided by a time scale (default 60:
  a 5-minute chat pause takes 5 s, a 10-hour e-mail wait 10 min) and can be capped, and
  every record's `sent_at` is the real time it was sent, so the scorer's response times
  and idle timeouts see the compressed clock.
* **replies only** (`--replies-only`, and what the benchmark and the fault tests use):
  single replies from the project's labelled corpus (models/corpus/replies.jsonl), each
  under a fresh id so a long run never repeats one.

Both send a small share of deliberately invalid records (unkeyed) to exercise the
dead-letter path. Generation (`generate`, `ConversationTraffic`) is separate from
producing (`produce`, `produce_conversations`) so it can be tested without Kafka.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import random
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import orjson
from kafka import KafkaProducer

from scorer.dialogue_records import format_sent_at, parse_sent_at
from scorer.dialogues import iter_dialogues
from scorer.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_CORPUS = Path(__file__).resolve().parent.parent / "models" / "corpus" / "replies.jsonl"
_INPUT_FIELDS = ("channel", "text", "content_type", "language", "customer_name",
                 "conversation_id", "agent_id", "team")
#: One example of each kind of invalid record the dead-letter path must handle.
INVALID_SAMPLES: tuple[bytes, ...] = (
    b"this is not json",
    b'{"id": "x", "channel": "chat", "text": "caf\xe9"}',
    b'{"channel": "chat", "text": "missing id"}',
    b'{"id": "x", "channel": "sms", "text": "unknown channel"}',
    b'{"id": 42, "channel": "chat", "text": "id has the wrong type"}',
    b"[1, 2, 3]",
)
#: Default divisor of the simulated gaps between a conversation's messages.
DEFAULT_TIME_SCALE = 60.0
_TEAMS = ("team-oslo", "team-bergen", "team-stockholm", "team-goteborg", "team-kobenhavn",
          "team-aarhus", "team-dublin")


def load_corpus(path: Path = DEFAULT_CORPUS) -> list[dict]:
    """Input-shaped records from the labelled corpus (labels and split dropped)."""
    if not path.is_file():
        raise FileNotFoundError(
            f"corpus {str(path)!r} not found; run from a checkout of the repository "
            "or pass --corpus FILE (JSONL of input records)"
        )
    rows = []
    with path.open("rb") as fh:
        for line in fh:
            if line.strip():
                rec = orjson.loads(line)
                rows.append({k: rec[k] for k in _INPUT_FIELDS if rec.get(k) is not None})
    if not rows:
        raise ValueError(f"corpus {str(path)!r} holds no records")
    return rows


def generate(corpus: list[dict], *, invalid_share: float = 0.01, seed: int | None = None
             ) -> Iterator[tuple[bytes | None, bytes]]:
    """Endless (key, value) pairs: corpus replies under fresh ids, some invalid records."""
    rng = random.Random(seed)  # noqa: S311 - synthetic traffic, not security
    counter = itertools.count()
    run = uuid.uuid4().hex[:8] if seed is None else f"s{seed}"
    while True:
        n = next(counter)
        if rng.random() < invalid_share:
            yield None, rng.choice(INVALID_SAMPLES)
            continue
        rec = dict(rng.choice(corpus))
        rec["id"] = f"{run}-{n}"
        rec["conversation_id"] = f"c-{run}-{n // 3}"
        rec["agent_id"] = f"agent-{rng.randrange(1, 60):03d}"
        rec.setdefault("team", rng.choice(_TEAMS))
        yield rec["id"].encode(), orjson.dumps(rec)


def retime(records: Sequence[dict], *, time_scale: float, max_gap: float | None = None
           ) -> list[float]:
    """Real seconds after the first record at which each record of a conversation is due.

    Each simulated gap is divided by `time_scale` and capped at `max_gap`, so a demo can
    keep every pause below the scorer's idle timeouts while short chat pauses keep their
    proportions.
    """
    offsets: list[float] = []
    offset, prev = 0.0, None
    for rec in records:
        at = parse_sent_at(rec["sent_at"])
        if prev is not None:
            gap = (at - prev).total_seconds() / time_scale
            offset += gap if max_gap is None else min(gap, max_gap)
        offsets.append(offset)
        prev = at
    return offsets


class ConversationTraffic:
    """Interleaved live conversations, one record per call, on the caller's clock.

    `next_record(now)` returns the record to send at `now` (seconds since `start`): a
    message of an open conversation whose re-timed moment has come, otherwise the first
    message of a new conversation. So the caller's pace *is* the record rate, and the
    number of open conversations grows until their due messages fill it. A message can be
    sent a little after its moment (never before, unless `max_open` conversations are
    open: then the earliest pending one goes early so memory stays bounded); either way
    each conversation keeps its order and its `sent_at` only increases.

    Re-timing: the gap between two records of a conversation becomes
    `min(gap / time_scale, max_gap)` real seconds, and `sent_at` becomes `start + now`
    (the real send time when `now` comes from a clock started at `start`).
    """

    def __init__(self, *, seed: int | None = None, start: datetime | None = None,
                 time_scale: float = DEFAULT_TIME_SCALE, max_gap: float | None = None,
                 invalid_share: float = 0.01, close_share: float = 0.5,
                 kinds: Sequence[str] | None = None, max_open: int = 20_000) -> None:
        if time_scale <= 0:
            raise ValueError(f"time_scale must be > 0, got {time_scale}")
        if max_gap is not None and max_gap <= 0:
            raise ValueError(f"max_gap must be > 0 seconds, got {max_gap}")
        self._rng = random.Random(seed)  # noqa: S311 - synthetic traffic, not security
        dialogue_seed = seed if seed is not None else self._rng.randrange(2**31)
        self._dialogues = iter_dialogues(seed=dialogue_seed, start=datetime(2025, 1, 6, tzinfo=UTC),
                                         close_share=close_share, kinds=kinds)
        start = start or datetime.now(UTC)
        self._start_ms = round(start.timestamp() * 1000)
        self.time_scale = time_scale
        self.max_gap = max_gap
        self.invalid_share = invalid_share
        self.max_open = max_open
        self._pending: list[tuple[float, int, dict, bool]] = []
        self._seq = itertools.count()
        self._last_ms: dict[str, int] = {}
        self._now = 0.0
        self.conversations_started = 0

    @property
    def open_conversations(self) -> int:
        """Conversations started whose last record has not been handed out yet."""
        return len(self._last_ms)

    def _start_conversation(self, now: float) -> None:
        dialogue = next(self._dialogues)
        records = dialogue.messages
        offsets = retime(records, time_scale=self.time_scale, max_gap=self.max_gap)
        for k, (rec, offset) in enumerate(zip(records, offsets, strict=True)):
            heapq.heappush(self._pending, (now + offset, next(self._seq), rec,
                                           k == len(records) - 1))
        self._last_ms[dialogue.conversation_id] = -1
        self.conversations_started += 1

    def next_record(self, now: float) -> tuple[bytes | None, bytes]:
        """(key, value) to send at `now`; key = conversation_id (None for an invalid record)."""
        now = self._now = max(now, self._now)
        if self._rng.random() < self.invalid_share:
            return None, self._rng.choice(INVALID_SAMPLES)
        if not self._pending or (self._pending[0][0] > now
                                 and self.open_conversations < self.max_open):
            self._start_conversation(now)
        _, _, rec, last = heapq.heappop(self._pending)
        cid = rec["conversation_id"]
        ms = max(self._start_ms + round(now * 1000), self._last_ms[cid] + 1)
        if last:
            del self._last_ms[cid]
        else:
            self._last_ms[cid] = ms
        return cid.encode(), orjson.dumps({**rec, "sent_at": format_sent_at(ms)})


def _send_loop(settings: Settings, next_record: Callable[[float], tuple[bytes | None, bytes]],
               *, rate: float, count: int | None, producer_config: dict,
               describe: Callable[[], str] | None = None) -> int:
    """Send `count` records (forever if None) at `rate` per second; returns records sent.

    `next_record` gets the seconds since the loop started, so a generator on that clock
    stamps real send times.
    """
    producer = KafkaProducer(**settings.kafka_client_config(), **producer_config)
    sent = 0
    started = last_report = time.monotonic()
    try:
        while count is None or sent < count:
            key, value = next_record(time.monotonic() - started)
            producer.send(settings.topic_input, key=key, value=value)
            sent += 1
            if rate > 0:
                delay = started + sent / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            now = time.monotonic()
            if now - last_report >= 10:
                extra = describe() if describe else ""
                print(f"traffic: {sent} records sent ({sent / (now - started):.0f}/s)"
                      + (f", {extra}" if extra else ""), file=sys.stderr, flush=True)
                last_report = now
    except KeyboardInterrupt:
        pass
    finally:
        producer.flush()
        producer.close()
    return sent


def produce(settings: Settings, *, rate: float, count: int | None, invalid_share: float,
            corpus_path: Path = DEFAULT_CORPUS, seed: int | None = None) -> int:
    """Replies only: send corpus replies at `rate` per second; returns records sent."""
    records = generate(load_corpus(corpus_path), invalid_share=invalid_share, seed=seed)
    return _send_loop(settings, lambda _now: next(records), rate=rate, count=count,
                      producer_config={"acks": "all", "linger_ms": 5})


def produce_conversations(settings: Settings, *, rate: float, count: int | None,
                          invalid_share: float, seed: int | None = None,
                          time_scale: float = DEFAULT_TIME_SCALE, max_gap: float | None = None,
                          close_share: float = 0.5) -> int:
    """Conversations: send interleaved conversation records at `rate` per second.

    `sent_at` is the real send time (the generator's clock starts with the loop). The
    producer is idempotent so a retried batch cannot overtake the next one: records of a
    conversation share a key, hence a partition, and must stay in order there.
    """
    traffic = ConversationTraffic(seed=seed, start=datetime.now(UTC), time_scale=time_scale,
                                  max_gap=max_gap, invalid_share=invalid_share,
                                  close_share=close_share)
    return _send_loop(
        settings, traffic.next_record, rate=rate, count=count,
        producer_config={"acks": "all", "linger_ms": 5, "enable_idempotence": True},
        describe=lambda: (f"{traffic.conversations_started} conversations started, "
                          f"{traffic.open_conversations} open"))
