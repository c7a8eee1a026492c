"""Single-core speed of `Scorer.score_batch`, split into prepare / features / predict.

    .venv/bin/python bench/score_speed.py                   # 20,000 never-repeating replies
    .venv/bin/python bench/score_speed.py --traffic unique,corpus --rounds 2 --json out.json
    .venv/bin/python bench/score_speed.py --n 50000 --channel chat,messenger
    .venv/bin/python bench/score_speed.py --profile         # pyinstrument text profile too

Traffic (`--traffic`): `unique` (the default) is never-repeating generated text
(`bench/unique_text.py`), so the feature memos only help where words recur, as in a live
stream; `corpus` replays the labelled corpus (models/corpus/replies.jsonl, both splits,
labels dropped) cycled in a fixed shuffled order, whose sentences recur every 4,705
replies and so mostly hit the memos: an optimistic figure. The generated replies are
longer on average than the corpus's, so `matched` picks generated replies one by one to
match the corpus pass's channel, content type and length: never-repeating text of the
corpus's shape, which separates the memos' effect from the length's. With several, each
round runs them in alternating order (forwards, then backwards) so they meet the same
machine load. Each pass starts with empty feature memos (`FeatureCaches`), scores one warm-up
batch of the same traffic that is not timed, then N replies in batches of --batch (the
service's poll size), with the language given as the records carry it. It reports
wall-clock replies/s of the whole `score_batch`, CPU per reply and replies/s per core, the
memos' hit rates, and the CPU time per reply of each stage (measured in a second pass,
again from empty memos and a warm-up batch, that calls the stages one by one:
`text.prepare_many`, `features.extract`, the three linear heads, and the rest of
`score_batch`). Process-wide `lru_cache`s of the text stage (a few per-word ones) are not
emptied between passes. Numbers on a shared machine are noisy: compare passes of one run.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.unique_text import UniqueText  # noqa: E402
from scorer import features  # noqa: E402
from scorer.schema import Reply  # noqa: E402
from scorer.scoring import Scorer  # noqa: E402
from scorer.settings import Settings  # noqa: E402
from scorer.traffic import DEFAULT_CORPUS, load_corpus  # noqa: E402

TRAFFIC = ("unique", "matched", "corpus")


def corpus_replies(n: int, channels: set[str] | None, seed: int = 7) -> list[Reply]:
    rows = [r for r in load_corpus(DEFAULT_CORPUS) if channels is None or r["channel"] in channels]
    if not rows:
        raise SystemExit(f"no corpus replies on channels {sorted(channels or [])}")
    random.Random(seed).shuffle(rows)
    return [Reply(id=f"b-{i}", **rows[i % len(rows)]) for i in range(n)]


def unique_replies(n: int, channels: set[str] | None, seed: int = 7) -> list[Reply]:
    recs = (r for r in UniqueText(seed).records() if channels is None or r["channel"] in channels)
    return [Reply(**r) for r in itertools.islice(recs, n)]


def _size(text: str) -> int:
    return round(math.log(max(len(text), 1)) / math.log(1.1))  # 10 % length classes


def matched_replies(n: int, channels: set[str] | None, seed: int = 7) -> list[Reply]:
    """Never-repeating replies picked to match the corpus pass reply by reply: same channel
    and content type, length within the same 10 % class (or the nearest class on offer), so
    a difference from the corpus is not the generated replies' own length or mix."""
    pool: dict[tuple, list[dict]] = {}
    for rec in itertools.islice(UniqueText(seed).records(), 6 * n):
        pool.setdefault((rec["channel"], rec["content_type"], _size(rec["text"])), []).append(rec)
    out = []
    for want in corpus_replies(n, channels, seed):
        key = (want.channel.value, want.content_type, _size(want.text))
        near = sorted((k for k in pool if k[:2] == key[:2] and pool[k]),
                      key=lambda k: abs(k[2] - key[2]))
        if not near:
            raise SystemExit(f"no generated replies left like {key}")
        out.append(Reply(**pool[near[0]].pop()))
    return out


def batches(items: list[Reply], size: int) -> list[list[Reply]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def _fresh_memos(scorer: Scorer, warm: list[Reply]) -> None:
    """Empty feature memos, then one untimed batch of the same traffic."""
    scorer.model.caches = features.FeatureCaches()
    scorer.score_batch(warm)


def measure(scorer: Scorer, warm: list[Reply], chunks: list[list[Reply]]) -> dict:
    """One pass: score_batch timed whole, then the stages timed one by one."""
    n = sum(len(c) for c in chunks)
    _fresh_memos(scorer, warm)
    before = scorer.model.caches.stats()
    t0, c0 = time.perf_counter(), time.process_time()
    for chunk in chunks:
        scorer.score_batch(chunk)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    after = scorer.model.caches.stats()
    hit_rates = {k: round(1 - (after[k].misses - before[k].misses)
                          / max(1, after[k].lookups - before[k].lookups), 4) for k in after}

    _fresh_memos(scorer, warm)
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
            x @ head.coef
        stage["predict"] += time.process_time() - c
    us = {f"{k}_us": round(1e6 * v / n, 1) for k, v in stage.items()}
    us["rest_us"] = round(max(0.0, 1e6 * cpu / n - sum(us.values())), 1)
    chars = sum(len(r.text) for c in chunks for r in c)
    return {"replies": n, "replies_per_s_wall": round(n / wall), "cpu_us_per_reply":
            round(1e6 * cpu / n, 1), "replies_per_s_per_core": round(n / cpu), **us,
            "cpu_us_per_1000_chars": round(1e9 * cpu / chars, 1),
            "mean_chars": round(chars / n), "memo_hit_rates": hit_rates}


def summary(passes: list[dict]) -> dict:
    """Median of each figure per traffic over the rounds."""
    out = {}
    for traffic in dict.fromkeys(p["traffic"] for p in passes):
        mine = [p for p in passes if p["traffic"] == traffic]
        keys = [k for k, v in mine[0].items() if isinstance(v, int | float) and k != "round"]
        out[traffic] = {k: statistics.median(p[k] for p in mine) for k in keys}
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=20_000, help="replies per pass (default 20000)")
    ap.add_argument("--batch", type=int, default=2000, help="replies per score_batch call")
    ap.add_argument("--channel", default="", help="comma-separated channels (default: all)")
    ap.add_argument("--traffic", default="unique",
                    help="unique (never-repeating generated text, the default), matched "
                         "(the same, picked to match the corpus's channels and lengths), "
                         "corpus (replay of the labelled corpus), or several, comma-separated "
                         "(unique,matched,corpus; the order alternates by round)")
    ap.add_argument("--rounds", type=int, default=1, help="passes per traffic (default 1)")
    ap.add_argument("--json", type=Path, help="also write the results here")
    ap.add_argument("--profile", action="store_true", help="print a pyinstrument profile")
    args = ap.parse_args()
    channels = {c.strip() for c in args.channel.split(",") if c.strip()} or None
    traffics = [t.strip() for t in args.traffic.split(",")]
    if not set(traffics) <= set(TRAFFIC) or len(set(traffics)) != len(traffics):
        ap.error(f"--traffic {args.traffic!r}: use unique, matched, corpus or a list of them")

    load_start = list(os.getloadavg())
    scorer = Scorer.from_settings(Settings())
    passes: list[dict] = []
    for rnd in range(args.rounds):
        order = traffics if rnd % 2 == 0 else traffics[::-1]
        for traffic in order:
            make = {"unique": unique_replies, "matched": matched_replies,
                    "corpus": corpus_replies}[traffic]
            items = make(args.n + args.batch, channels, seed=7 + rnd)  # a new stream per round
            res = measure(scorer, items[:args.batch], batches(items[args.batch:], args.batch))
            passes.append({"traffic": traffic, "round": rnd + 1, **res})
            print(f"{traffic:<7} round {rnd + 1}: {res['replies']} replies, "
                  f"{res['replies_per_s_wall']:,} replies/s wall, {res['cpu_us_per_reply']:.0f} "
                  f"µs CPU/reply ({res['replies_per_s_per_core']:,}/s per core); prepare "
                  f"{res['prepare_us']:.0f}, features {res['features_us']:.0f}, predict "
                  f"{res['predict_us']:.1f}, rest {res['rest_us']:.0f} µs/reply; "
                  f"{res['mean_chars']} chars/reply, {res['cpu_us_per_1000_chars']:.0f} µs CPU "
                  f"per 1000 chars; segment memo hits {res['memo_hit_rates']['segments']:.0%}",
                  flush=True)
    result = {"traffic": traffics, "n": args.n, "batch": args.batch, "rounds": args.rounds,
              "channels": args.channel or "all", "passes": passes, "median": summary(passes),
              "loadavg_at_start": load_start, "loadavg_at_end": list(os.getloadavg()),
              "code": subprocess.run(["git", "describe", "--always", "--dirty"],
                                     cwd=ROOT, capture_output=True, text=True,
                                     check=False).stdout.strip()}
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")

    if args.profile:
        from pyinstrument import Profiler

        prof = Profiler(interval=0.0005)
        prof.start()
        for chunk in batches(unique_replies(args.n, channels) if traffics[0] == "unique"
                             else corpus_replies(args.n, channels), args.batch):
            scorer.score_batch(chunk)
        prof.stop()
        print(prof.output_text(unicode=True, color=False, show_all=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
