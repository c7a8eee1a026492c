"""Memory of a scoring process on text that never repeats (the per-token caches at their bounds).

    .venv/bin/python bench/cache_memory.py --n 200000

`bench.py` replays the corpus, so its per-word and per-segment caches stay small and warm.
Production text repeats far less (order numbers, names, typos). This builds replies that
are new every time: random corpus lines with a fifth of their words swapped for other
corpus words with digits appended, plus an order and case number. It scores them in
batches of 1000 in one process, as a scoring process does (`BatchWork`: decode, score,
serialise, store rows), and prints the process's RSS every 20,000 replies. RSS should
level off once the caches reach their bounds (`features.FeatureCaches.limit` and
`.segment_limit`, `langid.WORD_MEMO_LIMIT`).
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scorer.pool import BatchWork  # noqa: E402
from scorer.scoring import Scorer  # noqa: E402
from scorer.settings import Settings  # noqa: E402
from scorer.traffic import DEFAULT_CORPUS, load_corpus  # noqa: E402


def rss_mb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) // 1024
    return 0


def unique_batches(n: int, seed: int = 1):
    """Batches of 1000 raw records whose text is (almost surely) new every time."""
    rows = [r for r in load_corpus(DEFAULT_CORPUS)
            if r.get("content_type", "text/plain") == "text/plain"]
    rng = random.Random(seed)
    lines = [line for r in rows for line in r["text"].split("\n") if line.strip()]
    words = sorted({w for line in lines for w in line.split()})
    for b in range(n // 1000):
        batch = []
        for i in range(1000):
            r = rng.choice(rows)
            picked = [" ".join(w if rng.random() > 0.2
                               else f"{rng.choice(words)}{rng.randint(0, 99)}"
                               for w in line.split())
                      for line in rng.sample(lines, rng.randint(2, 6))]
            picked.insert(1, f"Ordre {rng.randint(10**6, 10**7)} / sak {rng.randint(1000, 99999)}.")
            batch.append(orjson.dumps({
                "id": f"u-{b}-{i}", "channel": r["channel"], "text": "\n".join(picked),
                "language": r["language"] if i % 5 else None}))
        yield batch


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=200_000, help="replies (default 200000)")
    args = ap.parse_args()
    s = Settings()
    work = BatchWork(Scorer.from_settings(s), max_record_bytes=s.max_record_bytes,
                     max_text_chars=s.max_text_chars, store_rows=True, redact_text=True)
    gc.freeze()  # as run_worker does
    print(f"model loaded: RSS {rss_mb()} MB", flush=True)
    t0 = time.perf_counter()
    scoring = 0.0
    for k, batch in enumerate(unique_batches(args.n), start=1):
        t = time.perf_counter()
        work(batch)
        scoring += time.perf_counter() - t
        if k % 20 == 0:
            print(f"{k * 1000:>8,} replies: RSS {rss_mb()} MB, scoring {k * 1000 / scoring:,.0f} "
                  f"replies/s, {time.perf_counter() - t0:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
