"""Throughput and latency benchmark: the scorer against the raw Kafka client, in ONE run.

    .venv/bin/python bench/bench.py --n 100000    # (a), (b) with 1 and 2 workers, (c)
    .venv/bin/python bench/bench.py --latency --rate 1000 --seconds 30
    .venv/bin/python bench/bench.py --failover 5 --rate 200   # SIGKILL → first commit
    .venv/bin/python bench/bench.py --n 100000 --json out.json
    .venv/bin/python bench/bench.py --n 20000 --configs 1x2 --traffic unique,corpus  # new vs old
    .venv/bin/python bench/bench.py --n 20000 --configs 1x2 --conversations off,on \
        --traffic corpus,dialogues --repeat 3 --json out.json   # state on vs off

Throughput mode fills a topic (4 partitions) with N realistic replies (`--traffic`: by
default `unique`, never-repeating generated replies from bench/unique_text.py in five
languages on three channels with HTML e-mail, whose sentences cannot hit the scorer's memos
the way a replay does; or `corpus`, the labelled corpus re-sent, an optimistic figure) and
measures, side by side on the same broker:

  (a) raw kafka-python consume + JSON decode of that topic — the ceiling for this client;
  (b) `scorer run` end to end (consume → validate → score → store → publish → commit) until
      every record is committed, in the layouts of `--configs` (workers x scoring
      processes), each in a new consumer group;
  (c) offline `scorer score --jsonl` on the same replies (`--offline-processes K`: K of them
      side by side on shares of the replies, the cores a worker with K scoring processes
      uses), redacting its outputs as the worker does.

It prints records/s and agent replies/s for each, the ratio b/a, batch latency p50/p99
(from the scorer's `scorer_batch_duration_seconds` histogram) and peak RSS per worker.
(b) is timed from the worker's first `/readyz` "ok" (its partitions are assigned) to the
Kafka timestamp of the last record it produced on the scored or dead-letter topic, so
start-up is left out and the first, cold batches are in. Figures on a shared 2-core machine are
noisy; compare ratios measured in the same run.

Conversation state (`--conversations off,on`, `--traffic corpus,dialogues`, `--repeat K`):
each (b) configuration runs with `SCORER_CONVERSATIONS=false` and `=true` on the same
topic, alternating (off/on, on/off, …) K times, so every pair of runs is measured back to
back. With it on, records that carry a `conversation_id` are forwarded to the internal
repartition topic and scored there in a second stage, so each is consumed twice. The
traffic is generated replies or the corpus (every 3 consecutive replies share a
conversation_id, keyed by reply id) and/or whole conversations from `scorer.dialogues`
(customer messages, agent replies, `closed` events; in send order, keyed by
conversation_id). The on/off ratio of each pair is reported, and its median.

Latency and failover modes send the corpus. Latency mode produces at a fixed rate and
reports produce → scored-topic latency p50/p99 from the Kafka timestamps of each input
record and its scored record; `--key conversation` (default) keys records by
conversation_id, as DESIGN asks producers, `--key reply` by reply id, which sends every
conversation record through the repartition topic first.

Failover mode SIGKILLs the worker K times under a steady stream, starting a replacement
with the same identity at once, and reports kill → the replacement's first committed
batch (median and max over K), split into its cold start and the rest.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path

import orjson
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.errors import KafkaError
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.unique_text import unique_records  # noqa: E402
from scorer.dialogues import iter_dialogues  # noqa: E402
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


TRAFFIC = ("corpus", "dialogues", "unique")


def corpus_records(n: int) -> list[tuple[bytes, bytes]]:
    """The corpus under fresh ids, keyed by reply id; every 3 consecutive replies share a
    conversation_id (`scorer.traffic.generate`); 20 % without `language`."""
    corpus = load_corpus(DEFAULT_CORPUS)
    return [(key, without_language(value, i)) for i, (key, value) in
            enumerate(itertools.islice(generate(corpus, invalid_share=0.0, seed=7), n))]


def unique_text_records(n: int) -> list[tuple[bytes, bytes]]:
    """Never-repeating generated replies (bench/unique_text.py) keyed by reply id, every 3
    sharing a conversation_id and 20 % without `language`, as in `corpus_records`."""
    return [(rec["id"].encode(), without_language(orjson.dumps(rec), i))
            for i, rec in enumerate(unique_records(n, seed=7))]


def dialogue_records(n: int, seed: int = 7) -> list[tuple[bytes, bytes]]:
    """The first n records of whole conversations from `scorer.dialogues` (customer
    messages, agent replies, `closed` events on half of them), in send order as they
    would arrive live, keyed by conversation_id as `scorer traffic` sends them. The
    dialogues leave `language` out on a quarter of the conversations themselves."""
    recs: list[dict] = []
    for d in iter_dialogues(seed=seed, start=datetime(2025, 1, 6, tzinfo=UTC)):
        recs.extend(d.messages)
        # Conversations open ~20 s apart and last up to days (e-mail): generate well past
        # n so the first n in send order are not missing the later conversations' starts.
        if len(recs) >= 1.5 * n + 1000:
            break
    recs.sort(key=lambda r: r["sent_at"])  # same-format UTC strings: sorts by time, stable
    return [(r["conversation_id"].encode(), orjson.dumps(r)) for r in recs[:n]]


def traffic_stats(values: list[bytes]) -> dict:
    """What the records are: agent replies (scored on their own or in context), customer
    messages and `closed` events (not scored alone), and how many carry a conversation."""
    kinds = {"agent": 0, "customer": 0, "closed": 0}
    convs: set[str] = set()
    with_cid = 0
    for value in values:
        rec = orjson.loads(value)
        kinds["closed" if rec.get("event") else rec.get("author", "agent")] += 1
        if rec.get("conversation_id"):
            with_cid += 1
            convs.add(rec["conversation_id"])
    return {"records": len(values), "agent_replies": kinds["agent"],
            "customer_messages": kinds["customer"], "closed_events": kinds["closed"],
            "with_conversation_id": with_cid, "conversations": len(convs)}


def fill_topic(bootstrap: str, topic: str, n: int, partitions: int,
               traffic: str = "corpus") -> list[bytes]:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic(topic, partitions, 1)])
    admin.close()
    make = {"corpus": corpus_records, "dialogues": dialogue_records,
            "unique": unique_text_records}[traffic]
    records = make(n)
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks=1, linger_ms=20,
                             batch_size=512 * 1024)
    for key, value in records:
        producer.send(topic, key=key, value=value)
    producer.flush()
    producer.close()
    return [value for _, value in records]


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


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far (0 for one that is gone)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


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


def metric_sums(metrics_ports: list[int], names: tuple[str, ...]) -> dict[str, float]:
    """Sum of each named sample (all labels, all workers) from the workers' /metrics."""
    out = dict.fromkeys(names, 0.0)
    for port in metrics_ports:
        for fam in text_string_to_metric_families(http_get(f"http://127.0.0.1:{port}/metrics")):
            for s in fam.samples:
                if s.name in out:
                    out[s.name] += s.value
    return out


def last_output_ms(bootstrap: str, topics: list[str]) -> int | None:
    """Largest record timestamp (producer time, ms) on these topics, read to their end."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                             isolation_level="read_committed", max_poll_records=5000)
    try:
        parts = [TopicPartition(t, p) for t in topics
                 for p in sorted(consumer.partitions_for_topic(t) or ())]
        if not parts:
            return None
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        ends = consumer.end_offsets(parts)
        latest = None
        deadline = time.monotonic() + 60
        while any(consumer.position(tp) < ends[tp] for tp in parts):
            if time.monotonic() > deadline:
                raise SystemExit(f"could not read {topics} to their end")
            for records in consumer.poll(timeout_ms=500).values():
                for r in records:
                    latest = r.timestamp if latest is None else max(latest, r.timestamp)
        return latest
    finally:
        consumer.close()


def scorer_end_to_end(bootstrap: str, topic: str, n: int, workers: int, processes: int,
                      tmp: Path, conversations: bool | None = None,
                      agent_replies: int | None = None, close_grace: str | None = None,
                      broker_pid: int | None = None) -> dict:
    """One `scorer run` over the filled topic, in a new consumer group.

    The rate runs from the moment a worker reports ready (`/readyz`: partitions assigned,
    which happens in the poll that fetches the first records; polled every 0.05 s) to the
    Kafka timestamp of the last record it produced on replies.scored or the dead-letter
    topic — written while the input is worked off, never by the idle/grace timers that
    close conversations later. (Forwarded records keep the input's timestamps, so the
    repartition topic cannot tell.) With conversation traffic, customer messages and
    events after the last agent reply may be applied a batch later, outside the window.
    It is done when the input offsets are committed and `replies_scored_total` has
    reached the number of agent replies in the traffic (each is published once, on its
    own or in its conversation).

    CPU time (user + system) of the scorer's processes and of the broker is taken over
    the same window (to the moment the end is seen, up to 0.2 s later, idle by then):
    unlike the rate, it hardly moves when other work on the machine slows the run down.
    """
    conv = {True: "on", False: "off", None: "default"}[conversations]
    group = f"bench-{workers}w{processes}p-c{conv}-{uuid.uuid4().hex[:6]}"
    port = free_port()
    env = dict(os.environ, SCORER_KAFKA_BOOTSTRAP=bootstrap, SCORER_TOPIC_INPUT=topic,
               SCORER_TOPIC_SCORED=f"{topic}.scored.{group}",
               SCORER_TOPIC_FLAGGED=f"{topic}.flagged.{group}",
               SCORER_TOPIC_DLQ=f"{topic}.dlq.{group}",
               SCORER_TOPIC_CONVERSATIONS=f"{topic}.conversations.{group}",
               SCORER_GROUP_ID=group,
               SCORER_METRICS_PORT=str(port), SCORER_LOG_LEVEL="WARNING",
               SCORER_SCORING_PROCESSES=str(processes),
               SCORER_STORE_URL=f"sqlite:///{tmp / (group + '.db')}")
    if conversations is not None:
        env["SCORER_CONVERSATIONS"] = "true" if conversations else "false"
    if close_grace is not None:
        env["SCORER_CONVERSATION_CLOSE_GRACE"] = close_grace
    expected = n if agent_replies is None else agent_replies
    ports = [port + i for i in range(workers)]
    proc = subprocess.Popen([str(BIN / "scorer"), "run", "--workers", str(workers)], env=env)
    launched = time.time()
    started = None
    ready_at = None
    rss = pss = 0.0
    last_mem = last_check = 0.0
    prev = time.time()
    # One admin client for the whole run: a new one per check cost the shared CPUs more
    # than the check itself.
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        while True:
            time.sleep(0.05)
            if proc.poll() is not None:
                raise SystemExit(f"scorer exited with {proc.returncode}")
            now = time.time()
            if ready_at is None:
                if any(http_get(f"http://127.0.0.1:{p}/readyz") == "ok\n" for p in ports):
                    ready_at = (prev + now) / 2
                    cpu0 = cpu_seconds(_tree(proc.pid))
                    broker0 = cpu_seconds([broker_pid]) if broker_pid else 0.0
                prev = now
                continue
            if now - last_mem >= 0.5:
                last_mem = now
                peak, cur = memory_mb(proc.pid, workers)
                rss, pss = max(rss, peak), max(pss, cur)
            if now - last_check < 0.2:
                continue
            last_check = now
            done = committed_total(admin, group, topic)
            if started is None and done > 0:
                started = (time.perf_counter(), done)
            if done >= n and metric_sums(ports, ("replies_scored_total",))[
                    "replies_scored_total"] >= expected:
                cpu = cpu_seconds(_tree(proc.pid)) - cpu0
                broker = cpu_seconds([broker_pid]) - broker0 if broker_pid else None
                break
        t0, d0 = started or (time.perf_counter(), 0)
        # The rate as measured before conversations existed: committed input offsets
        # from the first commit seen; meaningless with the stage on (the input is only
        # forwarded when it is committed).
        legacy = (n - d0) / (time.perf_counter() - t0) if conversations is False else None
        p50, p99 = batch_quantiles(ports)
        counts = metric_sums(ports, ("replies_scored_total", "replies_skipped_total",
                                     "conversations_scored_total", "conversations_open"))
    finally:
        admin.close()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    last_ms = last_output_ms(bootstrap, [f"{topic}.scored.{group}", f"{topic}.dlq.{group}"])
    seconds = last_ms / 1000 - ready_at if last_ms is not None else float("nan")
    return {"workers": workers, "scoring_processes": processes,
            "conversations": conv, "seconds": seconds,
            "records_per_s": n / seconds, "replies_per_s": expected / seconds,
            "replies_per_s_from_first_commit": legacy,
            "start_to_ready_s": ready_at - launched,
            "cpu_s_scorer": cpu, "cpu_ms_per_record_scorer": cpu * 1000 / n,
            "cpu_s_broker": broker,
            "cpu_ms_per_record_broker": broker * 1000 / n if broker is not None else None,
            "batch_p50_s": p50, "batch_p99_s": p99, "peak_rss_mb": rss,
            "peak_pss_per_worker_mb": pss,
            "at_done": {k: int(v) for k, v in counts.items()}}


# -- (c) offline ------------------------------------------------------------------------------
def offline(values: list[bytes], tmp: Path, processes: int = 1) -> dict:
    """`scorer score --jsonl` in `processes` processes side by side, each on its share of
    the replies: the offline figure on the same cores as a worker with that many scoring
    processes. It does what a scoring process does short of Kafka and the store (decode,
    score, redact the outputs, serialise). Rates: over the whole run (model loads
    included), and the scoring rate the commands report themselves (summed)."""
    shares = [values[i::processes] for i in range(processes)]
    procs = []
    started = time.perf_counter()
    for i, share in enumerate(shares):
        path = tmp / f"replies-{i}.jsonl"
        path.write_bytes(b"\n".join(share) + b"\n")
        with path.open("rb") as fh:
            procs.append(subprocess.Popen([str(BIN / "scorer"), "score", "--jsonl", "-"],
                                          stdin=fh, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.PIPE, text=True))
    errs = [p.communicate()[1] for p in procs]
    wall = time.perf_counter() - started
    if any(p.returncode for p in procs):
        raise RuntimeError(f"scorer score --jsonl failed: {errs}")
    rates = []
    for err in errs:
        m = re.search(r"scored (\d+) replies in ([\d.]+) s", err)
        if m and float(m.group(2)) > 0:
            rates.append(int(m.group(1)) / float(m.group(2)))
    return {"processes": processes, "replies_per_s_with_startup": len(values) / wall,
            "replies_per_s": sum(rates) if len(rates) == processes else None}


# -- latency mode -------------------------------------------------------------------------------
#: The load generator's linger: ~200 produce requests/s at 1,000 records/s rather than ~1,000,
#: which cost the co-located broker and generator a core between them. Its wait is inside
#: the measured latency (records are stamped at send).
LATENCY_LINGER_MS = 5


def machine_jiffies() -> tuple[int, int]:
    """(all, idle) CPU time of the machine so far, in clock ticks (/proc/stat)."""
    ticks = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(ticks), ticks[3] + ticks[4]  # idle + iowait


class CpuSplit:
    """Cores used by each party between `start` and `stop`: on a machine shared by the
    broker, the load generator and the worker, a latency figure taken with every core
    busy measures capacity, not the pipeline, and the reader must be able to tell."""

    def __init__(self, parties: dict[str, list[int]]) -> None:
        self.parties = parties

    def _read(self) -> tuple[float, dict[str, float], tuple[int, int]]:
        return (time.perf_counter(), {name: cpu_seconds(pids) for name, pids in
                                      self.parties.items()}, machine_jiffies())

    def start(self) -> None:
        self._t0, self._cpu0, self._m0 = self._read()

    def stop(self) -> dict:
        t1, cpu1, (all1, idle1) = self._read()
        wall = t1 - self._t0
        all0, idle0 = self._m0
        out = {name: round((cpu1[name] - self._cpu0[name]) / wall, 2) for name in cpu1}
        out["machine_busy"] = round((1 - (idle1 - idle0) / max(1, all1 - all0))
                                    * (os.cpu_count() or 1), 2)
        out["machine_cores"] = os.cpu_count() or 1
        return out


def latency(bootstrap: str, rate: int, seconds: int, processes: int, tmp: Path,
            key: str = "conversation", broker_pid: int | None = None) -> dict:
    """Produce the corpus at `rate`/s for `seconds`; latency per reply, two ways.

    - *stamped*: the scored record's own timestamp (set when the worker sends it) minus
      the input's: scoring and publishing, without the transaction commit;
    - *visible*: when a live `read_committed` consumer received it minus the input's
      timestamp: what a downstream reader sees, commit and fetch included.

    `key`: records keyed by conversation_id (as DESIGN asks producers; the conversation
    stage applies them where it reads them) or by reply id (forwarded through the
    repartition topic first). The cores each party used while producing are reported
    beside it (`CpuSplit`)."""
    import threading

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
    received: list[tuple[bytes, int, int]] = []  # (reply id, stamped ms, received ms)
    done = threading.Event()
    n = rate * seconds

    def read_scored() -> None:
        consumer = KafkaConsumer(bootstrap_servers=bootstrap, isolation_level="read_committed",
                                 fetch_max_wait_ms=100)
        parts = [TopicPartition(topic + ".scored", p) for p in range(4)]
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        while not done.is_set() and len(received) < n:
            for recs in consumer.poll(timeout_ms=100).values():
                now = int(time.time() * 1000)
                received.extend((r.key, r.timestamp, now) for r in recs)
        consumer.close()

    try:
        while http_get(f"http://127.0.0.1:{port}/readyz") != "ok\n":
            time.sleep(0.3)
        # Built before the clock starts: the load generator shares the machine's cores with
        # the broker and the worker, so it does no more per record than send.
        records = []
        traffic = generate(load_corpus(DEFAULT_CORPUS), invalid_share=0.0)
        for i, (rid, value) in enumerate(itertools.islice(traffic, n)):
            cid = orjson.loads(value).get("conversation_id") if key == "conversation" else None
            records.append((rid, cid.encode() if cid else rid, without_language(value, i)))
        reader = threading.Thread(target=read_scored, daemon=True)
        reader.start()
        producer = KafkaProducer(bootstrap_servers=bootstrap, acks=1,
                                 linger_ms=LATENCY_LINGER_MS)
        split = CpuSplit({"worker": _tree(proc.pid), "broker": [broker_pid] if broker_pid
                          else [], "load_generator_and_reader": [os.getpid()]})
        sent_at = {}
        split.start()
        t0 = time.perf_counter()
        for i, (rid, record_key, value) in enumerate(records):
            sent_at[rid] = producer.send(topic, key=record_key, value=value)
            delay = t0 + (i + 1) / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
        producer.flush()
        cores = split.stop()
        input_ts = {k: f.get().timestamp for k, f in sent_at.items()}
        reader.join(timeout=60)
        done.set()
        reader.join(timeout=5)
    finally:
        done.set()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    first = min(input_ts.values())
    rows = [(input_ts[k], stamped - input_ts[k], got - input_ts[k])
            for k, stamped, got in received if k in input_ts]
    # Per second of the run: shows whether the tail is start-up (cold caches, lazy imports)
    # or periodic (commits, collections).
    per_second: dict[int, list[tuple[int, int]]] = {}
    for ts, stamped_ms, ms in rows:
        per_second.setdefault((ts - first) // 1000, []).append((stamped_ms, ms))

    def figures(column: int) -> dict:
        return {**_quantiles(sorted(r[column] for r in rows)),
                "after_first_5s": _quantiles(sorted(r[column] for r in rows
                                                    if r[0] - first >= 5000))}

    return {"rate": rate, "key": key, "sent": n, "count": len(rows),
            "visible": figures(2), "stamped": figures(1), "cores_while_producing": cores,
            "visible_p99_ms_per_second": [_quantiles(sorted(m for _, m in v))["p99_ms"]
                                          for _, v in sorted(per_second.items())],
            "stamped_p99_ms_per_second": [_quantiles(sorted(s for s, _ in v))["p99_ms"]
                                          for _, v in sorted(per_second.items())]}


# -- failover mode ------------------------------------------------------------------------------
def failover(bootstrap: str, kills: int, rate: int, session_timeout_ms: int | None,
             tmp: Path, seed: int = 11) -> dict:
    """SIGKILL a worker under steady traffic and start its replacement at once, `kills`
    times: how long from the kill to the replacement's first committed batch.

    The replacement has the dead worker's identity (SCORER_GROUP_INSTANCE_ID, so the same
    group.instance.id and transactional id), as a restarted pod or systemd unit would.
    "Committed" is read from the replacement's own `scorer_batch_duration_seconds_count`
    (observed right after a batch's transaction commits; polled every 0.05 s), so a
    commit the killed worker had in flight cannot be mistaken for it. Also reported: kill →
    the replacement's /healthz answering (its cold start: imports, model load, scoring
    processes; no group protocol can save it), kill → /readyz "ok" (partitions assigned),
    and up → first commit, the part static membership shortens (it was the session
    timeout: the broker waited that long to expire the dead member before reassigning).
    """
    import random
    import threading

    topic = f"failover-{uuid.uuid4().hex[:6]}"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic(topic, 4, 1)])
    admin.close()
    port = free_port()
    env = dict(os.environ, SCORER_KAFKA_BOOTSTRAP=bootstrap, SCORER_TOPIC_INPUT=topic,
               SCORER_TOPIC_SCORED=topic + ".scored", SCORER_TOPIC_FLAGGED=topic + ".flagged",
               SCORER_TOPIC_DLQ=topic + ".dlq", SCORER_TOPIC_CONVERSATIONS=topic + ".conv",
               SCORER_GROUP_ID=topic, SCORER_GROUP_INSTANCE_ID=f"{topic}-pod-0",
               SCORER_METRICS_PORT=str(port), SCORER_LOG_LEVEL="WARNING",
               SCORER_BATCH_MAX_WAIT_MS="50", SCORER_STORE_URL=f"sqlite:///{tmp / (topic + '.db')}")
    if session_timeout_ms is not None:
        env["SCORER_SESSION_TIMEOUT_MS"] = str(session_timeout_ms)
    url = f"http://127.0.0.1:{port}"
    stop = threading.Event()

    def produce() -> None:
        producer = KafkaProducer(bootstrap_servers=bootstrap, acks=1, linger_ms=5)
        t0 = time.perf_counter()
        for i, (key, value) in enumerate(generate(load_corpus(DEFAULT_CORPUS),
                                                  invalid_share=0.0, seed=seed)):
            if stop.is_set():
                break
            producer.send(topic, key=key, value=value)
            delay = t0 + (i + 1) / rate - time.perf_counter()
            if delay > 0:
                stop.wait(delay)
        producer.close(timeout=10)

    def committed_batches() -> float:
        for fam in text_string_to_metric_families(http_get(url + "/metrics")):
            if fam.name == "scorer_batch_duration_seconds":
                return sum(s.value for s in fam.samples if s.name.endswith("_count"))
        return 0.0

    def start() -> subprocess.Popen:
        return subprocess.Popen([str(BIN / "scorer"), "run"], env=env)

    def wait_commit(proc: subprocess.Popen, since: float, timeout: float = 120
                    ) -> dict[str, float]:
        """Seconds after `since` to /healthz answering (start-up done), /readyz ok and
        the first committed batch."""
        seen: dict[str, float] = {}
        while time.monotonic() - since < timeout:
            if proc.poll() is not None:
                raise SystemExit(f"scorer exited with {proc.returncode}")
            now = time.monotonic() - since
            if "up" not in seen and http_get(url + "/healthz"):
                seen["up"] = now
            if "ready" not in seen and http_get(url + "/readyz") == "ok\n":
                seen["ready"] = now
            if committed_batches() > 0:
                return {"up": seen.get("up", now), "ready": seen.get("ready", now),
                        "commit": now}
            time.sleep(0.05)
        raise SystemExit(f"no commit {timeout}s after the restart")

    rng = random.Random(seed)
    feeder = threading.Thread(target=produce, daemon=True)
    feeder.start()
    runs = []
    proc = start()
    try:
        wait_commit(proc, time.monotonic())
        for k in range(kills):
            time.sleep(rng.uniform(1.0, 3.0))  # a random moment under load
            proc.send_signal(signal.SIGKILL)
            killed = time.monotonic()
            proc.wait(timeout=10)
            proc = start()
            started = time.monotonic() - killed
            t = wait_commit(proc, killed)
            runs.append({"kill_to_first_commit_s": t["commit"], "kill_to_up_s": t["up"],
                         "kill_to_ready_s": t["ready"],
                         "up_to_first_commit_s": t["commit"] - t["up"],
                         "kill_to_restart_s": started})
            log(f"    kill {k + 1}: replacement up after {t['up']:.1f}s, ready after "
                f"{t['ready']:.1f}s, first commit after {t['commit']:.1f}s")
    finally:
        stop.set()
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
        feeder.join(15)
    def median(key: str) -> float:
        return statistics.median(r[key] for r in runs)

    return {"kills": kills, "rate": rate, "session_timeout_ms": session_timeout_ms,
            "runs": runs, "kill_to_first_commit_median_s": median("kill_to_first_commit_s"),
            "kill_to_first_commit_max_s": max(r["kill_to_first_commit_s"] for r in runs),
            "up_to_first_commit_median_s": median("up_to_first_commit_s"),
            "kill_to_up_median_s": median("kill_to_up_s"),
            "kill_to_ready_median_s": median("kill_to_ready_s")}


def _quantiles(values: list[int]) -> dict:
    if not values:
        return {}
    return {"p50_ms": values[len(values) // 2],
            "p99_ms": values[max(0, int(len(values) * 0.99) - 1)], "max_ms": values[-1]}


def code_state() -> dict:
    """The commit, and the files under scorer/ that differ from it: every `scorer run`
    imports the tree anew, and other people edit it (compare start and end)."""
    def git(*a: str) -> str:
        try:
            return subprocess.run(["git", "-C", str(ROOT), *a], capture_output=True, text=True,
                                  check=False).stdout.strip()
        except OSError:
            return ""
    return {"commit": git("rev-parse", "--short", "HEAD"),
            "scorer_changes": git("status", "--porcelain", "--", "scorer").splitlines()}


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


def pairs_order(settings: list[bool], repeat: int) -> list[tuple[int, bool]]:
    """(round, setting) in the order to run: the settings in turn, reversed every other
    round (off, on, on, off, off, on, …), so drift in the machine's load hits both alike."""
    out = []
    for r in range(repeat):
        for setting in (settings if r % 2 == 0 else settings[::-1]):
            out.append((r, setting))
    return out


def on_vs_off(runs: list[dict]) -> dict:
    """Per (traffic, layout): on/off ratio of records/s for each round, and the median."""
    summary: dict = {}
    keys = sorted({(r["traffic"], r["workers"], r["scoring_processes"]) for r in runs})
    for traffic, w, p in keys:
        mine = [r for r in runs if (r["traffic"], r["workers"], r["scoring_processes"])
                == (traffic, w, p)]
        rounds = sorted({r["round"] for r in mine})
        ratios, cpu_ratios = [], []
        for k in rounds:
            by = {r["conversations"]: r for r in mine if r["round"] == k}
            if "on" in by and "off" in by:
                ratios.append(by["on"]["records_per_s"] / by["off"]["records_per_s"])
                cpu_ratios.append(by["on"]["cpu_ms_per_record_scorer"]
                                  / by["off"]["cpu_ms_per_record_scorer"])
        if not ratios:
            continue
        on = [r["records_per_s"] for r in mine if r["conversations"] == "on"]
        off = [r["records_per_s"] for r in mine if r["conversations"] == "off"]
        summary[f"{traffic}_{w}w_{p}p"] = {
            "ratio_on_over_off_per_round": ratios,
            "ratio_on_over_off_median": statistics.median(ratios),
            "records_per_s_on": on, "records_per_s_off": off,
            "scorer_cpu_per_record_on_over_off_per_round": cpu_ratios,
            "scorer_cpu_per_record_on_over_off_median": statistics.median(cpu_ratios),
            "cpu_ms_per_record_scorer_on": [r["cpu_ms_per_record_scorer"] for r in mine
                                            if r["conversations"] == "on"],
            "cpu_ms_per_record_scorer_off": [r["cpu_ms_per_record_scorer"] for r in mine
                                             if r["conversations"] == "off"],
            "cpu_ms_per_record_broker_on": [r["cpu_ms_per_record_broker"] for r in mine
                                            if r["conversations"] == "on"],
            "cpu_ms_per_record_broker_off": [r["cpu_ms_per_record_broker"] for r in mine
                                             if r["conversations"] == "off"],
            "pss_per_worker_mb_on": [r["peak_pss_per_worker_mb"] for r in mine
                                     if r["conversations"] == "on"],
            "pss_per_worker_mb_off": [r["peak_pss_per_worker_mb"] for r in mine
                                      if r["conversations"] == "off"],
        }
    return summary


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--partitions", type=int, default=4)
    ap.add_argument("--bootstrap", help="use this broker instead of starting one")
    ap.add_argument("--latency", action="store_true")
    ap.add_argument("--rate", type=int, default=1000)
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--json", type=Path, help="also write the results here")
    ap.add_argument("--key", choices=("conversation", "reply"), default="conversation",
                    help="latency mode: key records by conversation_id (default, as DESIGN "
                         "asks producers) or by reply id (through the repartition topic)")
    ap.add_argument("--processes", type=int, default=1,
                    help="scoring processes of the worker in latency mode (default 1)")
    ap.add_argument("--configs", default="1x0,1x1,1x2,2x1",
                    help="(b) runs as WORKERSxSCORING_PROCESSES, comma-separated "
                         "(default: 1x0,1x1,1x2,2x1)")
    ap.add_argument("--conversations", default="on",
                    help="(b) with SCORER_CONVERSATIONS on, off, or both (on,off / off,on: "
                         "each layout runs with both, alternating; default: on, the "
                         "service's default)")
    ap.add_argument("--traffic", default="unique",
                    help="corpus (replies from the labelled corpus, 3 per conversation_id), "
                         "unique (never-repeating generated replies, bench/unique_text.py, "
                         "3 per conversation_id), dialogues (whole conversations from "
                         "scorer.dialogues), or several, comma-separated (unique,corpus); "
                         "default unique")
    ap.add_argument("--repeat", type=int, default=1,
                    help="rounds of (b) per layout; with both --conversations settings "
                         "the order alternates every round (default 1)")
    ap.add_argument("--close-grace",
                    help="SCORER_CONVERSATION_CLOSE_GRACE for (b), e.g. 1s, so conversations "
                         "closed by a `closed` event are scored within a short run (default: "
                         "the service's 10s, which closes them after most runs have ended)")
    ap.add_argument("--skip-offline", action="store_true", help="leave out (c)")
    ap.add_argument("--offline-processes", type=int, default=1,
                    help="(c) in this many processes side by side, the same cores as a "
                         "worker with as many scoring processes (default 1)")
    ap.add_argument("--failover", type=int, metavar="K",
                    help="failover mode: SIGKILL the worker under --rate records/s K times, "
                         "restarting it at once; kill → first commit of the replacement, "
                         "median of K")
    ap.add_argument("--session-timeout-ms", type=int,
                    help="SCORER_SESSION_TIMEOUT_MS in failover mode (default: the "
                         "service's)")
    args = ap.parse_args()
    try:
        configs = [tuple(int(x) for x in c.split("x")) for c in args.configs.split(",")]
    except ValueError:
        ap.error(f"--configs {args.configs!r}: use WORKERSxPROCESSES pairs such as 1x0,2x1")
    names = {"on": True, "off": False, "true": True, "false": False}
    try:
        conv_settings = [names[c.strip().lower()] for c in args.conversations.split(",")]
    except KeyError:
        ap.error(f"--conversations {args.conversations!r}: use on, off or on,off")
    if len(set(conv_settings)) != len(conv_settings):
        ap.error("--conversations: name each setting once")
    traffics = [t.strip() for t in args.traffic.split(",")]
    if not set(traffics) <= set(TRAFFIC) or len(set(traffics)) != len(traffics):
        ap.error(f"--traffic {args.traffic!r}: use corpus, unique, dialogues or a "
                 "comma-separated list of them")
    if args.repeat < 1:
        ap.error("--repeat must be >= 1")
    # The result keys of a plain run stay as they were (scorer_1w_2p, raw_consume_per_s, …).
    plain = len(traffics) == 1 and len(conv_settings) == 1 and args.repeat == 1

    tmp = Path(tempfile.mkdtemp(prefix="reply-scorer-bench-"))
    bootstrap = args.bootstrap
    broker_pid = None
    if not bootstrap:
        log("starting a local broker")
        bootstrap = start_broker(tmp / "kafka")
        try:
            broker_pid = int((tmp / "kafka" / "kafka.pid").read_text())
        except (OSError, ValueError):
            broker_pid = None
    result: dict = {"machine": machine(), "code_at_start": code_state(),
                    "no_language_share": NO_LANGUAGE_SHARE, "n": args.n,
                    "close_grace": args.close_grace}
    try:
        if args.failover:
            log(f"failover: {args.failover} SIGKILLs under {args.rate} records/s")
            fo = result["failover"] = failover(bootstrap, args.failover, args.rate,
                                               args.session_timeout_ms, tmp)
            log(f"kill → first commit: median {fo['kill_to_first_commit_median_s']:.1f}s, "
                f"max {fo['kill_to_first_commit_max_s']:.1f}s; of which start-up (kill → "
                f"/healthz) median {fo['kill_to_up_median_s']:.1f}s, up → first commit "
                f"median {fo['up_to_first_commit_median_s']:.1f}s")
        elif args.latency:
            log(f"latency: producing {args.rate}/s for {args.seconds}s")
            lat = result["latency"] = latency(bootstrap, args.rate, args.seconds,
                                              args.processes, tmp, args.key, broker_pid)
            log(f"visible p50/p99 {lat['visible'].get('p50_ms')}/"
                f"{lat['visible'].get('p99_ms')} ms, stamped p50/p99 "
                f"{lat['stamped'].get('p50_ms')}/{lat['stamped'].get('p99_ms')} ms, "
                f"{lat['count']} of {lat['sent']}; cores {lat['cores_while_producing']}")
        else:
            runs: list[dict] = []
            for traffic in traffics:
                topic = f"bench-{traffic}-{uuid.uuid4().hex[:6]}"
                log(f"filling {topic} ({args.partitions} partitions) with {args.n} "
                    f"{traffic} records")
                values = fill_topic(bootstrap, topic, args.n, args.partitions, traffic)
                stats = traffic_stats(values)
                log(f"    {stats}")
                section = result if plain else result.setdefault("traffic", {}).setdefault(
                    traffic, {})
                section["traffic_stats"] = stats
                log("(a) raw kafka-python consume + JSON decode")
                raw = section["raw_consume_per_s"] = raw_consume(bootstrap, topic, args.n)
                for workers, processes in configs:
                    for rnd, conv in pairs_order(conv_settings, args.repeat):
                        log(f"(b) {traffic}: scorer run, {workers} worker(s), {processes} "
                            f"scoring processes each, conversations {'on' if conv else 'off'}"
                            f", round {rnd + 1}/{args.repeat}")
                        run = scorer_end_to_end(bootstrap, topic, args.n, workers, processes,
                                                tmp, conversations=conv,
                                                agent_replies=stats["agent_replies"],
                                                close_grace=args.close_grace,
                                                broker_pid=broker_pid)
                        run["ratio_over_a"] = run["records_per_s"] / raw
                        run.update(traffic=traffic, round=rnd)
                        runs.append(run)
                        key = f"scorer_{workers}w_{processes}p"
                        if not plain:
                            key = f"{traffic}_{key}_conv_{run['conversations']}_r{rnd + 1}"
                        result[key] = run
                        log(f"    {run['records_per_s']:,.0f} records/s, "
                            f"{run['cpu_ms_per_record_scorer']:.2f} ms scorer CPU per record, "
                            f"{run['replies_per_s']:,.0f} agent replies/s "
                            f"({run['ratio_over_a']:.1%} of raw) in {run['seconds']:.1f} s, "
                            f"peak RSS {run['peak_rss_mb']:.0f} MB, "
                            f"PSS per worker {run['peak_pss_per_worker_mb']:.0f} MB")
                if not args.skip_offline:
                    log("(c) scorer score --jsonl")
                    off = section["offline"] = offline(values, tmp, args.offline_processes)
                    log(f"    {off['replies_per_s'] or 0:,.0f} replies/s scoring "
                        f"({off['replies_per_s_with_startup']:,.0f}/s with start-up) in "
                        f"{off['processes']} process(es)")
            if len(conv_settings) > 1:
                result["on_vs_off"] = on_vs_off(runs)
                for key, v in result["on_vs_off"].items():
                    log(f"on/off {key}: records/s median {v['ratio_on_over_off_median']:.2f} "
                        "(rounds " + ", ".join(f"{x:.2f}" for x in v["ratio_on_over_off_per_round"])
                        + f"); scorer CPU per record median "
                        f"{v['scorer_cpu_per_record_on_over_off_median']:.2f} (rounds "
                        + ", ".join(f"{x:.2f}" for x in
                                    v["scorer_cpu_per_record_on_over_off_per_round"]) + ")")
    finally:
        if not args.bootstrap:
            subprocess.run([str(KAFKA), "stop", "--data", str(tmp / "kafka")], check=False)
    result["machine"]["loadavg_at_end"] = list(os.getloadavg())
    result["code_at_end"] = code_state()
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
