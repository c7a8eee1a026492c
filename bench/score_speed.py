"""Single-core speed of `Scorer.score_batch`, split into prepare / features / predict.

    .venv/bin/python bench/score_speed.py                   # 20,000 corpus replies, all channels
    .venv/bin/python bench/score_speed.py --n 50000 --channel chat,messenger
    .venv/bin/python bench/score_speed.py --profile         # pyinstrument text profile too

Replies are the corpus records (models/corpus/replies.jsonl; both splits, labels dropped),
cycled in a fixed shuffled order to N, scored in batches of --batch (the service's poll
size) after one warm-up batch, with the language given as the records carry it. The run
reports wall-clock replies/s of the whole `score_batch` plus the CPU time per reply spent in
each stage (measured in a second pass that calls the stages one by one: `text.prepare_many`,
`features.extract`, the three linear heads, and the rest of `score_batch`). Numbers on a
shared machine are noisy: compare runs made one after the other.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scorer import features  # noqa: E402
from scorer.schema import Reply  # noqa: E402
from scorer.scoring import Scorer  # noqa: E402
from scorer.settings import Settings  # noqa: E402
from scorer.traffic import DEFAULT_CORPUS, load_corpus  # noqa: E402


def replies(n: int, channels: set[str] | None, seed: int = 7) -> list[Reply]:
    rows = [r for r in load_corpus(DEFAULT_CORPUS) if channels is None or r["channel"] in channels]
    if not rows:
        raise SystemExit(f"no corpus replies on channels {sorted(channels or [])}")
    random.Random(seed).shuffle(rows)
    return [Reply(id=f"b-{i}", **rows[i % len(rows)]) for i in range(n)]


def batches(items: list[Reply], size: int) -> list[list[Reply]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=20_000, help="replies to score (default 20000)")
    ap.add_argument("--batch", type=int, default=2000, help="replies per score_batch call")
    ap.add_argument("--channel", default="", help="comma-separated channels (default: all)")
    ap.add_argument("--profile", action="store_true", help="print a pyinstrument profile")
    args = ap.parse_args()
    channels = {c.strip() for c in args.channel.split(",") if c.strip()} or None

    scorer = Scorer.from_settings(Settings())
    items = replies(args.n, channels)
    chunks = batches(items, args.batch)
    scorer.score_batch(chunks[0])  # warm-up: imports, caches

    t0, c0 = time.perf_counter(), time.process_time()
    for chunk in chunks:
        scorer.score_batch(chunk)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0

    # Second pass, stage by stage (the same work score_batch does, timed separately).
    stage = {"prepare": 0.0, "features": 0.0, "predict": 0.0}
    model = scorer.model
    for chunk in chunks:
        c = time.process_time()
        prep = scorer.prepare(chunk)
        langs = scorer.languages(chunk, prep)
        stage["prepare"] += time.process_time() - c
        c = time.process_time()
        fb = features.extract(prep, langs, [r.customer_name for r in chunk], caches=model.caches)
        stage["features"] += time.process_time() - c
        c = time.process_time()
        for head, x in ((model.greeting, fb.greeting), (model.explanation, fb.explanation),
                        (model.closing, fb.closing)):
            x @ head.coef_[0]
        stage["predict"] += time.process_time() - c
    n = len(items)
    rest = max(0.0, cpu - sum(stage.values()))
    print(f"score_batch: {n} replies ({'all channels' if channels is None else args.channel}), "
          f"batch {args.batch}: {n / wall:,.0f} replies/s wall, {1e6 * cpu / n:.0f} µs CPU/reply")
    for k, v in [*stage.items(), ("rest (scoring, records)", rest)]:
        print(f"  {k:<24} {1e6 * v / n:7.1f} µs/reply")

    if args.profile:
        from pyinstrument import Profiler

        prof = Profiler(interval=0.0005)
        prof.start()
        for chunk in chunks:
            scorer.score_batch(chunk)
        prof.stop()
        print(prof.output_text(unicode=True, color=False, show_all=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
