"""Throughput and latency benchmark: the scorer against the raw Kafka client, in ONE run.

    .venv/bin/python bench/bench.py --n 100000    # (a), (b) with 1 and 2 workers, (c)
    .venv/bin/python bench/bench.py --latency --rate 1000 --seconds 30
    .venv/bin/python bench/bench.py --n 100000 --json out.json

Throughput mode fills a topic (4 partitions) with N realistic replies (the corpus: five
languages, three channels, e-mail HTML) and measures, side by side on the same broker:

  (a) raw kafka-python consume + JSON decode of that topic — the ceiling for this client;
  (b) `scorer run` end to end (consume → validate → score → store → publish → commit) until
      every record is committed, with 1 worker and with 2 workers in one consumer group;
  (c) offline `scorer score --jsonl` on the same replies.

It prints replies/s for each, the ratio b/a, batch latency p50/p99 (from the scorer's
`scorer_batch_duration_seconds` histogram) and peak RSS per worker. Figures on a shared
2-core machine are noisy; compare ratios measured in the same run.

Latency mode produces at a fixed rate and reports produce → scored-topic latency p50/p99
from the Kafka timestamps of each input record and its scored record.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import orjson
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.errors import KafkaError
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from scorer.traffic import DEFAULT_CORPUS, generate, load_corpus  # noqa: E402

BIN = Path(sys.executable).parent
KAFKA = ROOT / "deploy" / "local" / "kafka"


def log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=3) as resp:  # noqa: S310 - local URL
            return resp.read().decode()
    except OSError:
        return ""


# -- broker and topics -----------------------------------------------------------------------
def start_broker(data: Path) -> str:
    port = free_port()
    out = subprocess.run([str(KAFKA), "start", "--port", str(port), "--data", str(data)],
                         check=True, stdout=subprocess.PIPE, text=True)
    return out.stdout.strip().splitlines()[-1]


#: Share of replies sent without `language`, so the scorer's language detection (the
#: slowest per-reply step left) is part of what is measured.
NO_LANGUAGE_SHARE = 0.2


def without_language(value: bytes, i: int, share: float = NO_LANGUAGE_SHARE) -> bytes:
    """Every 1/share-th record loses its `language` field (deterministic by position)."""
    if share <= 0 or i % round(1 / share):
        return value
    rec = orjson.loads(value)
    rec.pop("language", None)
    return orjson.dumps(rec)


def fill_topic(bootstrap: str, topic: str, n: int, partitions: int) -> list[bytes]:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic(topic, partitions, 1)])
    admin.close()
    corpus = load_corpus(DEFAULT_CORPUS)
    values = []
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks=1, linger_ms=20,
                             batch_size=512 * 1024)
    for i, (key, value) in enumerate(generate(corpus, invalid_share=0.0, seed=7)):
        if i >= n:
            break
        value = without_language(value, i)
        producer.send(topic, key=key, value=value)
        values.append(value)
    producer.flush()
    producer.close()
    return values


# -- (a) raw consume ------------------------------------------------------------------------
def raw_consume(bootstrap: str, topic: str, n: int) -> float:
    """Fetch + decode rate of a plain consumer, timed from its first poll.

    The partitions are assigned directly (no group join to wait for), so the clock
    covers every fetch: timing from the first *returned* batch would leave out the
    fetch that brought in most of a small topic at once.
    """
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                             isolation_level="read_committed", max_poll_records=2000)
    parts = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic))]
    consumer.assign(parts)
    consumer.seek_to_beginning(*parts)
    seen = 0
    started = time.perf_counter()
    while seen < n:
        for records in consumer.poll(timeout_ms=1000).values():
            for r in records:
                orjson.loads(r.value)
                seen += 1
    elapsed = time.perf_counter() - started
    consumer.close()
    return n / elapsed


# -- (b) the scorer end to end ------------------------------------------------------------------
def committed_total(admin: KafkaAdminClient, group: str, topic: str) -> int:
    """Offsets the group has committed on topic; 0 while its coordinator is not up yet
    (a fresh broker creates the offsets topic when the first group appears)."""
    try:
        offsets = admin.list_group_offsets(group).get(group, {})
    except KafkaError:
        return 0
    return sum(max(0, o.offset) for tp, o in offsets.items() if tp.topic == topic)


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            kids += [int(k) for k in (task / "children").read_text().split()]
    except OSError:
        pass
    return kids


def _tree(pid: int) -> list[int]:
    """A process and all its descendants (worker processes, their scoring processes)."""
    out = [pid]
    for kid in _children(pid):
        out += _tree(kid)
    return out


def _status_kb(pid: int, path: str, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/{path}").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def memory_mb(pid: int, workers: int) -> tuple[float, float]:
    """(peak RSS of any one process, current PSS of the largest worker) in MB.

    A worker is its loop process plus its scoring processes. They are forked after the
    model is loaded and share its pages copy-on-write, so RSS counts those pages once per
    process; PSS (proportional set size) splits each shared page among its sharers, so
    the PSS sum is what the worker really costs the machine.
    """
    peak = max((_status_kb(p, "status", "VmHWM:") for p in _tree(pid)), default=0)
    roots = [pid] if workers == 1 else _children(pid)
    pss = max((sum(_status_kb(p, "smaps_rollup", "Pss:") for p in _tree(r)) for r in roots),
              default=0)
    return peak / 1024, pss / 1024


def batch_quantiles(metrics_ports: list[int]) -> tuple[float, float]:
    """p50/p99 of scorer_batch_duration_seconds, interpolated from the summed histograms."""
    buckets: dict[float, float] = {}
    for port in metrics_ports:
        text = http_get(f"http://127.0.0.1:{port}/metrics")
        for fam in text_string_to_metric_families(text):
            if fam.name == "scorer_batch_duration_seconds":
                for s in fam.samples:
                    if s.name.endswith("_bucket"):
                        le = float(s.labels["le"])
                        buckets[le] = buckets.get(le, 0) + s.value
    if not buckets:
        return float("nan"), float("nan")
    bounds = sorted(buckets)
    total = buckets[bounds[-1]]

    def q(phi: float) -> float:
        rank = phi * total
        prev_b, prev_c = 0.0, 0.0
        for b in bounds:
            if buckets[b] >= rank:
                if b == float("inf"):
                    return prev_b
                span = buckets[b] - prev_c
                return prev_b + (b - prev_b) * ((rank - prev_c) / span if span else 1)
            prev_b, prev_c = b, buckets[b]
        return bounds[-1]

    return q(0.5), q(0.99)


def scorer_end_to_end(bootstrap: str, topic: str, n: int, workers: int, processes: int,
                      tmp: Path) -> dict:
    group = f"bench-{workers}w{processes}p-{uuid.uuid4().hex[:6]}"
    port = free_port()
    env = dict(os.environ, SCORER_KAFKA_BOOTSTRAP=bootstrap, SCORER_TOPIC_INPUT=topic,
               SCORER_TOPIC_SCORED=f"{topic}.scored.{group}",
               SCORER_TOPIC_FLAGGED=f"{topic}.flagged.{group}",
               SCORER_TOPIC_DLQ=f"{topic}.dlq.{group}", SCORER_GROUP_ID=group,
               SCORER_METRICS_PORT=str(port), SCORER_LOG_LEVEL="WARNING",
               SCORER_SCORING_PROCESSES=str(processes),
               SCORER_STORE_URL=f"sqlite:///{tmp / (group + '.db')}")
    proc = subprocess.Popen([str(BIN / "scorer"), "run", "--workers", str(workers)], env=env)
    started = None
    rss = pss = 0.0
    # One admin client for the whole run: a new one per check cost the shared CPUs more
    # than the check itself.
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        while True:
            time.sleep(0.5)
            if proc.poll() is not None:
                raise SystemExit(f"scorer exited with {proc.returncode}")
            done = committed_total(admin, group, topic)
            peak, now = memory_mb(proc.pid, workers)
            rss, pss = max(rss, peak), max(pss, now)
            if started is None and done > 0:
                started = (time.perf_counter(), done)
            if done >= n:
                break
        t0, d0 = started or (time.perf_counter(), 0)
        rate = (n - d0) / (time.perf_counter() - t0)
        p50, p99 = batch_quantiles([port + i for i in range(workers)])
    finally:
        admin.close()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    return {"workers": workers, "scoring_processes": processes, "replies_per_s": rate,
            "batch_p50_s": p50, "batch_p99_s": p99, "peak_rss_mb": rss,
            "peak_pss_per_worker_mb": pss}


# -- (c) offline ------------------------------------------------------------------------------
def offline(values: list[bytes], tmp: Path) -> dict:
    """`scorer score --jsonl`: rate over the whole process (model load included) and the
    scoring rate the command reports itself (from its first record to its last)."""
    path = tmp / "replies.jsonl"
    path.write_bytes(b"\n".join(values) + b"\n")
    started = time.perf_counter()
    with path.open("rb") as fh:
        done = subprocess.run([str(BIN / "scorer"), "score", "--jsonl", "-"], stdin=fh,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              check=True)
    wall = time.perf_counter() - started
    m = re.search(r"scored (\d+) replies in ([\d.]+) s", done.stderr)
    scoring = int(m.group(1)) / float(m.group(2)) if m and float(m.group(2)) > 0 else None
    return {"replies_per_s_with_startup": len(values) / wall, "replies_per_s": scoring}


# -- latency mode -------------------------------------------------------------------------------
def latency(bootstrap: str, rate: int, seconds: int, processes: int, tmp: Path) -> dict:
    topic = f"lat-{uuid.uuid4().hex[:6]}"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic(topic, 4, 1), NewTopic(topic + ".scored", 4, 1)])
    admin.close()
    port = free_port()
    env = dict(os.environ, SCORER_KAFKA_BOOTSTRAP=bootstrap, SCORER_TOPIC_INPUT=topic,
               SCORER_TOPIC_SCORED=topic + ".scored", SCORER_TOPIC_FLAGGED=topic + ".flagged",
               SCORER_TOPIC_DLQ=topic + ".dlq", SCORER_GROUP_ID=topic,
               SCORER_METRICS_PORT=str(port), SCORER_LOG_LEVEL="WARNING",
               SCORER_SCORING_PROCESSES=str(processes),
               SCORER_BATCH_MAX_WAIT_MS="50", SCORER_STORE_URL=f"sqlite:///{tmp / 'lat.db'}")
    proc = subprocess.Popen([str(BIN / "scorer"), "run"], env=env)
    try:
        while http_get(f"http://127.0.0.1:{port}/readyz") != "ok\n":
            time.sleep(0.3)
        corpus = load_corpus(DEFAULT_CORPUS)
        producer = KafkaProducer(bootstrap_servers=bootstrap, acks=1, linger_ms=1)
        sent_at: dict[bytes, int] = {}
        n = rate * seconds
        t0 = time.perf_counter()
        for i, (key, value) in enumerate(generate(corpus, invalid_share=0.0)):
            if i >= n:
                break
            fut = producer.send(topic, key=key, value=without_language(value, i))
            sent_at[key] = fut
            delay = t0 + (i + 1) / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
        producer.flush()
        input_ts = {k: f.get().timestamp for k, f in sent_at.items()}
        consumer = KafkaConsumer(bootstrap_servers=bootstrap, isolation_level="read_committed")
        parts = [TopicPartition(topic + ".scored", p) for p in range(4)]
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        lat = []
        deadline = time.monotonic() + 60
        while len(lat) < n and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                lat.extend((input_ts[r.key], r.timestamp - input_ts[r.key])
                           for r in records if r.key in input_ts)
        consumer.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    first = min(input_ts.values())
    # Per second of the run: shows whether the tail is start-up (cold caches, lazy imports)
    # or periodic (commits, collections).
    per_second: dict[int, list[int]] = {}
    for ts, ms in lat:
        per_second.setdefault((ts - first) // 1000, []).append(ms)
    values = sorted(ms for _, ms in lat)
    warm = sorted(ms for ts, ms in lat if ts - first >= 5000)
    return {"rate": rate, "sent": n, "count": len(values), **_quantiles(values),
            "after_first_5s": _quantiles(warm),
            "p99_ms_per_second": [_quantiles(sorted(v))["p99_ms"]
                                  for _, v in sorted(per_second.items())]}


def _quantiles(values: list[int]) -> dict:
    if not values:
        return {}
    return {"p50_ms": values[len(values) // 2],
            "p99_ms": values[max(0, int(len(values) * 0.99) - 1)], "max_ms": values[-1]}


def machine() -> dict:
    """What the figures were measured on: CPUs, CPU model, RAM, load when the run started."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        mem_kb = 0
    return {"cpus": os.cpu_count(), "cpu_model": model, "ram_gb": round(mem_kb / 2**20, 1),
            "loadavg_at_start": list(os.getloadavg()), "platform": platform.platform(),
            "python": platform.python_version()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--partitions", type=int, default=4)
    ap.add_argument("--bootstrap", help="use this broker instead of starting one")
    ap.add_argument("--latency", action="store_true")
    ap.add_argument("--rate", type=int, default=1000)
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--json", type=Path, help="also write the results here")
    ap.add_argument("--processes", type=int, default=1,
                    help="scoring processes of the worker in latency mode (default 1)")
    ap.add_argument("--configs", default="1x0,1x1,1x2,2x1",
                    help="(b) runs as WORKERSxSCORING_PROCESSES, comma-separated "
                         "(default: 1x0,1x1,1x2,2x1)")
    args = ap.parse_args()
    try:
        configs = [tuple(int(x) for x in c.split("x")) for c in args.configs.split(",")]
    except ValueError:
        ap.error(f"--configs {args.configs!r}: use WORKERSxPROCESSES pairs such as 1x0,2x1")

    tmp = Path(tempfile.mkdtemp(prefix="reply-scorer-bench-"))
    bootstrap = args.bootstrap
    if not bootstrap:
        log("starting a local broker")
        bootstrap = start_broker(tmp / "kafka")
    result: dict = {"machine": machine(), "no_language_share": NO_LANGUAGE_SHARE}
    try:
        if args.latency:
            log(f"latency: producing {args.rate}/s for {args.seconds}s")
            result["latency"] = latency(bootstrap, args.rate, args.seconds, args.processes, tmp)
        else:
            topic = f"bench-{uuid.uuid4().hex[:6]}"
            log(f"filling {topic} ({args.partitions} partitions) with {args.n} replies")
            values = fill_topic(bootstrap, topic, args.n, args.partitions)
            log("(a) raw kafka-python consume + JSON decode")
            result["raw_consume_per_s"] = raw_consume(bootstrap, topic, args.n)
            for workers, processes in configs:
                log(f"(b) scorer run, {workers} worker(s), {processes} scoring processes each")
                run = scorer_end_to_end(bootstrap, topic, args.n, workers, processes, tmp)
                run["ratio_over_a"] = run["replies_per_s"] / result["raw_consume_per_s"]
                result[f"scorer_{workers}w_{processes}p"] = run
                log(f"    {run['replies_per_s']:,.0f} replies/s "
                    f"({run['ratio_over_a']:.1%} of raw), peak RSS {run['peak_rss_mb']:.0f} MB, "
                    f"PSS per worker {run['peak_pss_per_worker_mb']:.0f} MB")
            log("(c) scorer score --jsonl")
            result["offline"] = offline(values, tmp)
    finally:
        if not args.bootstrap:
            subprocess.run([str(KAFKA), "stop", "--data", str(tmp / "kafka")], check=False)
    result["machine"]["loadavg_at_end"] = list(os.getloadavg())
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
