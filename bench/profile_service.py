"""Profile the streaming loop (`Service.process`) on real Kafka, store and model.

    .venv/bin/python bench/profile_service.py --n 20000                # start a broker
    .venv/bin/python bench/profile_service.py --bootstrap HOST:PORT --pyinstrument

Fills a fresh 4-partition topic with N replies (never-repeating by default, or the
corpus; a share without `language`, as in bench.py), builds the worker exactly as
`run_worker` does (model, SQLite store, transactional producer, read_committed
consumer), then polls and calls
`Service.process` until all N are committed, timing each stage of every batch by
wrapping the service's own methods: decode, score_batch, store upsert, the Kafka
publish step (send + offsets + commit, on the helper thread), metrics. Prints seconds
per stage and replies/s; with --pyinstrument also a call-tree profile of the loop thread.
"""

from __future__ import annotations

import argparse
import gc
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench import KAFKA, fill_topic, log, start_broker  # noqa: E402
from scorer import kafka_io  # noqa: E402
from scorer.metrics import Health, Metrics  # noqa: E402
from scorer.pool import BatchWork, ScoringPool  # noqa: E402
from scorer.scoring import Scorer  # noqa: E402
from scorer.service import Service  # noqa: E402
from scorer.settings import Settings  # noqa: E402
from scorer.store import FlaggedStore  # noqa: E402


def timed(obj: object, name: str, totals: dict[str, float], cpu: dict[str, float]) -> None:
    """Replace obj.name with a wrapper that adds its wall time to totals[name] and the
    process CPU time (all threads: a loaded machine inflates wall time, not this) to cpu."""
    fn = getattr(obj, name)

    def wrapper(*args: object, **kwargs: object) -> object:
        t, c = time.perf_counter(), time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            totals[name] += time.perf_counter() - t
            cpu[name] += time.process_time() - c

    setattr(obj, name, wrapper)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--bootstrap", help="use this broker instead of starting one")
    ap.add_argument("--pyinstrument", action="store_true")
    ap.add_argument("--traffic", choices=("unique", "corpus"), default="unique",
                    help="never-repeating generated replies (default) or the corpus replayed")
    ap.add_argument("--batch-size", type=int, default=0, help="override SCORER_BATCH_SIZE")
    ap.add_argument("--inline-kafka", action="store_true",
                    help="run the Kafka step on the loop thread, so the profile shows it")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="reply-scorer-prof-"))
    bootstrap = args.bootstrap or start_broker(tmp / "kafka")
    try:
        topic = f"prof-{uuid.uuid4().hex[:6]}"
        log(f"filling {topic} with {args.n} replies")
        fill_topic(bootstrap, topic, args.n, 4, args.traffic)
        overrides = {"batch_size": args.batch_size} if args.batch_size else {}
        settings = Settings(kafka_bootstrap=bootstrap, topic_input=topic,
                            topic_scored=topic + ".scored", topic_flagged=topic + ".flagged",
                            topic_dlq=topic + ".dlq", group_id=topic, metrics_port=0,
                            store_url=f"sqlite:///{tmp / 'prof.db'}", **overrides)
        scorer = Scorer.from_settings(settings)
        store = FlaggedStore.from_settings(settings)
        kafka_io.ensure_topics(settings)
        # In-process scoring (no scoring processes), so one process's CPU covers every stage.
        work = BatchWork(scorer, max_record_bytes=settings.max_record_bytes,
                         max_text_chars=settings.max_text_chars, store_rows=True,
                         redact_text=settings.redact)
        pool = ScoringPool(work, 0)  # its submit() does the batch work before returning
        service = Service(settings, pool, store, Metrics(), Health(),
                          kafka_io.make_consumer(settings))
        gc.freeze()  # as run_worker does once the worker is built
        totals: dict[str, float] = defaultdict(float)
        cpu: dict[str, float] = defaultdict(float)
        for obj, name in ((pool, "submit"), (scorer, "score_batch"),
                          (store, "write_rows"), (service, "_publish"),
                          (service.metrics, "record")):
            timed(obj, name, totals, cpu)
        if args.inline_kafka:
            service._kafka_step = lambda step, _what, _stop: step()  # type: ignore[method-assign]
        stop = threading.Event()
        prof = None
        if args.pyinstrument:
            from pyinstrument import Profiler

            prof = Profiler(interval=0.001)
        done = batches = 0
        t0 = None
        while done < args.n:
            polled = service.consumer.poll(timeout_ms=settings.batch_max_wait_ms,
                                           max_records=settings.batch_size)
            if not polled:
                continue
            if t0 is None:
                t0, c0 = time.perf_counter(), time.process_time()
                if prof:
                    prof.start()
            t, c = time.perf_counter(), time.process_time()
            service.process(polled, stop)
            totals["process"] += time.perf_counter() - t
            cpu["process"] += time.process_time() - c
            done += sum(len(recs) for recs in polled.values())
            batches += 1
        wall = time.perf_counter() - (t0 or time.perf_counter())
        cpu_all = time.process_time() - c0
        if prof:
            prof.stop()
        service.close()
        print(f"{done} replies in {batches} batches: {wall:.2f} s wall, {done / wall:,.0f} "
              f"replies/s (poll + process), {1e6 * cpu_all / done:.0f} µs CPU/reply")
        print(f"  {'stage':<16} {'wall s/10k':>10} {'CPU µs/reply':>13}")
        # submit = decode + score_batch + serialising + building store rows
        for k in ("process", "submit", "score_batch", "write_rows", "_publish", "record"):
            print(f"  {k:<16} {totals[k] * 10_000 / done:10.2f} {1e6 * cpu[k] / done:13.0f}")
        print(f"  {'poll+other':<16} {(wall - totals['process']) * 10_000 / done:10.2f} "
              f"{1e6 * (cpu_all - cpu['process']) / done:13.0f}")
        if prof:
            print(prof.output_text(unicode=True, color=False, show_all=False))
    finally:
        if not args.bootstrap:
            subprocess.run([str(KAFKA), "stop", "--data", str(tmp / "kafka")], check=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
