"""`scorer traffic`: produce realistic replies to the input topic at a steady rate.

The replies come from the project's labelled corpus (models/corpus/replies.jsonl:
Norwegian, Swedish, Danish and English; e-mail, chat and Messenger; good and poor
replies mixed), each sent under a fresh id so a long run never repeats an id. A small
share of deliberately invalid records exercises the dead-letter path. Used by the demo,
the benchmark and load tests.
"""

from __future__ import annotations

import itertools
import logging
import random
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import orjson
from kafka import KafkaProducer

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


def produce(settings: Settings, *, rate: float, count: int | None, invalid_share: float,
            corpus_path: Path = DEFAULT_CORPUS, seed: int | None = None) -> int:
    """Send `count` records (forever if None) at `rate` per second; returns records sent."""
    corpus = load_corpus(corpus_path)
    producer = KafkaProducer(**settings.kafka_client_config(), acks="all", linger_ms=5)
    sent = 0
    started = last_report = time.monotonic()
    try:
        for key, value in generate(corpus, invalid_share=invalid_share, seed=seed):
            if count is not None and sent >= count:
                break
            producer.send(settings.topic_input, key=key, value=value)
            sent += 1
            if rate > 0:
                due = started + sent / rate
                delay = due - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            now = time.monotonic()
            if now - last_report >= 10:
                print(f"traffic: {sent} records sent ({sent / (now - started):.0f}/s)",
                      file=sys.stderr, flush=True)
                last_report = now
    except KeyboardInterrupt:
        pass
    finally:
        producer.flush()
        producer.close()
    return sent
