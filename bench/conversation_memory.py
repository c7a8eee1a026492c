"""Memory of open conversations in the conversation stage, their changelog size, restore time.

    .venv/bin/python bench/conversation_memory.py --n 100000 --json out.json

The conversation stage (`scorer/conversations/`) holds every open conversation of its
partitions in memory until it closes (by a `closed` event, or idle: 30 min chat, 24 h
Messenger, 7 days e-mail), and writes each changed conversation whole to the changelog
topic. This builds N open conversations the way a worker does and measures them:

1. **Messages.** Realistic conversations from `scorer.dialogues` (five languages, e-mail,
   chat, Messenger): for each, the customer's opening message(s) up to the first agent
   reply, then one or two agent replies (alternately; two where the dialogue has them).
   Describing a message through the model (`Describer.describe`, as a scoring process
   does: render, language, score, redact, both reply variants) costs 1-2 ms, so only
   `--sample` conversations are described. Their `ConvMessage`s are pickled (as a
   scoring process hands them to the loop) and every one of the N conversations is a
   fresh unpickled copy of a sample conversation under a never-repeating conversation id
   and message ids. Its thread entries (`state.thread_entry` bytes: the customer
   message's, and each agent variant's) are encoded afresh with the copy's message id and
   a distinct text (the first characters replaced by the copy's number, length
   unchanged), so no two conversations share a string or an entry; the copy then goes
   through a pickle, as messages from a scoring process do (`as_received`).
2. **Building.** Batches of about `--batch` messages go through
   `ConversationStage.effects` (`ConversationTable.changes(now)`, `.apply` per message,
   `.expire`, the verdicts, the changelog values) and `Effects.commit`, on 4 partitions
   chosen by Kafka's default partitioner (murmur2 of the conversation id), as the loop
   does after each batch's transaction. A conversation's j-th message is in the j-th
   batch after its first, so each message's batch rewrites its state, as live.
3. **Measured:**
   - bytes per open conversation: RSS growth of the process over the build (after a full
     collection; includes allocator fragmentation left by the batches' transient
     objects), and Python allocations live after the build with `tracemalloc` (a second
     build; tracemalloc's own bookkeeping is not counted); `SCORER_MAX_OPEN_CONVERSATIONS`
     is raised above N so the cap closes none;
   - the loop's CPU time per message for `effects` + `commit` (state change, verdicts,
     changelog encoding), the collector's automatic full collections during the build,
     and the time of one full `gc.collect()` with the table held (the worker
     `gc.freeze()`s what exists at start-up, not the table);
   - changelog bytes per conversation: `len(encode(conv))` of each open conversation
     (what a compacted changelog holds for it), the bytes written during the build (one
     value per batch that changed it), and where the bytes go (thread texts, reply
     summaries, the rest), decoding the thread entries;
   - restore: `ConversationTable.restore` of all partitions from the encoded values (one
     per conversation, as after compaction), on an empty table, three times, and once
     with the collector disabled; the Kafka fetch of the changelog is not included;
   - one conversation at the thread cap (`SCORER_THREAD_MAX_MESSAGES` messages of
     `SCORER_THREAD_MAX_CHARS` characters each): its memory and changelog value.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import pickle
import sys
import time
import tracemalloc
from collections import deque
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import orjson
from kafka.partitioner.default import murmur2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import code_state, machine  # noqa: E402 - bench/bench.py, beside this script
from scorer.conversations.stage import ConversationStage, describer  # noqa: E402
from scorer.conversations.state import encode, thread_entry  # noqa: E402
from scorer.conversations.table import ConversationTable  # noqa: E402
from scorer.dialogues import iter_dialogues  # noqa: E402
from scorer.pool import BatchWork  # noqa: E402
from scorer.scoring import Scorer  # noqa: E402
from scorer.settings import Settings  # noqa: E402

PARTITIONS = 4


def log(msg: str) -> None:
    print(f"[conversation-memory] {msg}", file=sys.stderr, flush=True)


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def partition_of(cid: str) -> int:
    return (murmur2(cid.encode()) & 0x7FFFFFFF) % PARTITIONS


def sample_conversations(n: int, seed: int) -> list[list[dict]]:
    """Customer opening message(s) + one or two agent replies from n answered dialogues."""
    out: list[list[dict]] = []
    for d in iter_dialogues(seed=seed, start=datetime(2025, 1, 6, tzinfo=UTC), close_share=0.0):
        texts = [m for m in d.messages if "event" not in m]
        agents = [i for i, m in enumerate(texts) if m["author"] == "agent"]
        if not agents or texts[0]["author"] != "customer":
            continue  # unanswered, or an outbound notice first
        want = 1 if len(out) % 2 == 0 else 2
        picked = texts[: agents[0]] + [texts[i] for i in agents[:want]]
        out.append(picked)
        if len(out) >= n:
            return out
    raise AssertionError("unreachable: iter_dialogues is endless")


def describe_sample(work: BatchWork, convs: list[list[dict]], batch: int
                    ) -> tuple[list[bytes], dict]:
    """Describe every message (as a scoring process does) and pickle each conversation's
    ConvMessages; returns the pickles and the describe timing."""
    flat = [(k, orjson.dumps(rec)) for k, conv in enumerate(convs) for rec in conv]
    per_conv: list[list] = [[] for _ in convs]
    now = time.time()
    cpu = time.process_time()
    wall = time.perf_counter()
    for start in range(0, len(flat), batch):
        chunk = flat[start: start + batch]
        outcome = work([v for _, v in chunk], [True] * len(chunk), [now] * len(chunk))
        if outcome.invalid:
            raise SystemExit(f"sample record invalid: {outcome.invalid[:3]}")
        for m in outcome.messages:
            per_conv[chunk[m.index][0]].append(m)
    timing = {"messages": len(flat),
              "describe_wall_ms_per_message": (time.perf_counter() - wall) * 1000 / len(flat),
              "describe_cpu_ms_per_message": (time.process_time() - cpu) * 1000 / len(flat)}
    return [pickle.dumps(ms, protocol=pickle.HIGHEST_PROTOCOL) for ms in per_conv], timing


def _shared(value: str) -> str:
    """The enum-like strings a conversation keeps (channel, kind, language, model version)
    as ONE object per process.

    A scoring process builds them from literals and pickles a whole batch at once, so in
    the loop they are shared by a batch's ~400 conversations; copies unpickled one
    conversation at a time would each carry their own and overstate the memory. (Reply
    summaries are no longer kept as dicts: the state holds only the encoded entries.)"""
    return sys.intern(value)


def _entry(entry: bytes, mid: str, tag: str) -> bytes:
    """A new encoded thread entry: `entry`'s, under message id `mid`, with the first
    characters of its text replaced by `tag` (length, so evidence offsets, unchanged)."""
    e = orjson.loads(entry)
    text = e["text"]
    return thread_entry(mid, e["author"], e["sent_at"], tag[: len(text)] + text[len(tag):],
                        e["truncated"], e["reply"])


def fresh_copy(template: bytes, k: int) -> list:
    """ConvMessages of conversation copy k: new objects, ids that never repeat, thread
    entries encoded afresh with distinct texts of the same length."""
    messages = pickle.loads(template)  # noqa: S301 - our own pickles
    cid = f"m{k}-{messages[0].conversation_id}"
    tag = f"{k:08d}"
    for j, m in enumerate(messages):
        m.conversation_id = cid
        m.id = f"{cid}-m{j + 1}"
        if m.entry is not None:
            m.entry = _entry(m.entry, m.id, tag)
        m.variants = {position: replace(v, id=m.id, entry=_entry(v.entry, m.id, tag))
                      for position, v in m.variants.items()}
    return as_received(messages)


def as_received(messages: list) -> list:
    """The messages as the loop receives them from a scoring process: through a pickle.

    This matters for the entries: `orjson.dumps` (3.13) leaves each bytes object it returns
    at its write buffer's size (4 KB at least; see `entry_allocation`), and the pickle
    re-creates it at its length (with `SCORER_SCORING_PROCESSES=0` no pickle is involved,
    and each entry keeps its buffer). The enum-like strings are then shared again."""
    out = pickle.loads(pickle.dumps(messages, protocol=pickle.HIGHEST_PROTOCOL))  # noqa: S301
    for m in out:
        m.channel, m.kind = _shared(m.channel), _shared(m.kind)
        if m.language is not None:
            m.language = _shared(m.language)
        for v in m.variants.values():
            v.model_version = _shared(v.model_version)
    return out


def entry_allocation(templates: list[bytes], count: int = 500) -> dict:
    """Memory of thread entries as `thread_entry` returns them and as a pickle re-creates
    them (tracemalloc, per entry), against their `sys.getsizeof`."""
    raws = [e for t in templates[:count] for m in pickle.loads(t)  # noqa: S301
            for e in ([m.entry] if m.entry is not None else
                      [v.entry for v in m.variants.values()])]
    decoded = [orjson.loads(e) for e in raws]
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    fresh = [thread_entry(**d) for d in decoded]
    encoded_b = tracemalloc.get_traced_memory()[0] - base
    base = tracemalloc.get_traced_memory()[0]
    copied = pickle.loads(pickle.dumps(fresh))  # noqa: S301
    pickled_b = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    n = len(fresh)
    return {"entries": n, "sizeof_mean": sum(sys.getsizeof(e) for e in fresh) / n,
            "allocated_from_thread_entry_mean": encoded_b / n,
            "allocated_after_pickle_mean": pickled_b / n, "orjson": orjson.__version__,
            "copies_equal": copied == fresh}


def new_stage(settings: Settings, model_version: str) -> ConversationStage:
    stage = ConversationStage(settings, model_version, restore_consumer=lambda: None)
    for p in range(PARTITIONS):
        stage.table.partitions[p] = {}  # as `assigned` leaves an empty, restored partition
    return stage


def build(stage: ConversationStage, templates: list[bytes], n: int, batch: int) -> dict:
    """Apply n fresh conversations, batch by batch, as the loop does; returns timings and
    the changelog bytes written.

    Message j of a conversation goes into the j-th batch after the one with its first
    message, as live traffic spreads a conversation over batches: so every message's
    batch writes the conversation's whole state to the changelog again, and changes a
    copy of it (`Changes._staged`)."""
    effects_cpu = 0.0
    written = values = messages = 0
    batches: deque[list[tuple[int, object]]] = deque()
    batch_ms: list[float] = []
    full_gc_ms: list[float] = []
    gc_started = [0.0]

    def on_gc(phase: str, info: dict) -> None:
        """Times the collector's full (generation 2) collections while the table grows."""
        if info["generation"] != 2:
            return
        if phase == "start":
            gc_started[0] = time.perf_counter()
        else:
            full_gc_ms.append((time.perf_counter() - gc_started[0]) * 1000)

    def flush(pending: list[tuple[int, object]]) -> None:
        nonlocal effects_cpu, written, values
        t = time.process_time()
        w = time.perf_counter()
        fx = stage.effects(pending, time.time())
        fx.commit()
        batch_ms.append((time.perf_counter() - w) * 1000)
        effects_cpu += time.process_time() - t
        written += sum(len(v) for _, _, v in fx.changelog if v is not None)
        values += len(fx.changelog)
        if fx.conversations:
            raise SystemExit("a conversation closed during the build; expected none")

    gc.callbacks.append(on_gc)
    started = time.perf_counter()
    for k in range(n):
        ms = fresh_copy(templates[k % len(templates)], k)
        p = partition_of(ms[0].conversation_id)
        for j, m in enumerate(ms):
            while len(batches) <= j:
                batches.append([])
            batches[j].append((p, m))
        messages += len(ms)
        if len(batches[0]) >= batch:
            flush(batches.popleft())
    while batches:
        flush(batches.popleft())
    gc.callbacks.remove(on_gc)
    batch_ms.sort()
    return {"messages": messages, "build_wall_s": time.perf_counter() - started,
            "effects_commit_cpu_us_per_message": effects_cpu * 1e6 / messages,
            "batches": len(batch_ms), "batch_effects_ms_p50": batch_ms[len(batch_ms) // 2],
            "batch_effects_ms_p99": batch_ms[int(len(batch_ms) * 0.99)],
            "batch_effects_ms_max": batch_ms[-1],
            "automatic_full_gc_during_build": len(full_gc_ms),
            "automatic_full_gc_ms": [round(x, 1) for x in full_gc_ms],
            "changelog_values_written": values,
            "changelog_values_written_per_conversation": values / n,
            "changelog_bytes_written_per_conversation": written / n}


def changelog_breakdown(table: ConversationTable) -> dict:
    """Sizes of each open conversation's changelog value, and where its bytes go."""
    sizes: list[int] = []
    texts = summaries = 0
    for convs in table.partitions.values():
        for conv in convs.values():
            sizes.append(len(encode(conv)))
            for raw in conv.thread:
                e = orjson.loads(raw)
                texts += len(e["text"].encode())
                if e["reply"] is not None:
                    summaries += len(orjson.dumps(e["reply"]))
    sizes.sort()
    total = sum(sizes)
    return {"conversations": len(sizes), "mean_bytes": total / len(sizes),
            "p50_bytes": sizes[len(sizes) // 2], "p99_bytes": sizes[int(len(sizes) * 0.99)],
            "max_bytes": sizes[-1], "total_mb": total / 2**20,
            "share_thread_texts": texts / total, "share_reply_summaries": summaries / total}


def deep_size(obj: object, seen: set[int]) -> int:
    """sys.getsizeof of obj and everything it references, each object counted once."""
    if id(obj) in seen:
        return 0
    seen.add(id(obj))
    size = sys.getsizeof(obj)
    if isinstance(obj, dict):
        size += sum(deep_size(k, seen) + deep_size(v, seen) for k, v in obj.items())
    elif isinstance(obj, list | tuple | set | frozenset):
        size += sum(deep_size(x, seen) for x in obj)
    elif hasattr(obj, "__slots__"):
        size += sum(deep_size(getattr(obj, f), seen) for f in obj.__slots__
                    if hasattr(obj, f))
    return size


def entry_parts(raw: bytes) -> tuple[int, int]:
    """Bytes of an encoded thread entry taken by its text and by its reply summary (as
    JSON, quotes and escapes included)."""
    e = orjson.loads(raw)
    return len(orjson.dumps(e["text"])), len(orjson.dumps(e["reply"])) if e["reply"] else 0


def memory_breakdown(table: ConversationTable, count: int = 2000) -> dict:
    """Where a conversation's memory goes (deep sizeof over `count` conversations; an
    object shared between conversations, such as an interned string, counts once). The
    thread entries are `bytes` (encoded JSON): their text and reply summary are the JSON
    bytes of those fields, the rest of an entry is its keys, id, time and object header.
    The table's own dict and OrderedDict entries are not included."""
    seen: set[int] = set()
    convs = [c for cs in table.partitions.values() for c in cs.values()][:count]
    texts = summaries = entries = 0
    for conv in convs:
        for e in conv.thread:
            entries += deep_size(e, seen)
            text, reply = entry_parts(e)
            texts += text
            summaries += reply
    rest = sum(deep_size(conv, seen) for conv in convs)
    total = entries + rest
    n = len(convs)
    return {"conversations": n, "bytes_per_conversation": total / n,
            "thread_entries": entries / n,
            "thread_texts": texts / n, "reply_summaries": summaries / n,
            "thread_entries_other": (entries - texts - summaries) / n,
            "conversation_other": rest / n,
            "thread_entries_per_conversation": sum(len(c.thread) for c in convs) / n,
            "thread_text_chars_per_conversation": sum(len(orjson.loads(e)["text"])
                                                      for c in convs for e in c.thread) / n}


def encoded(table: ConversationTable) -> dict[int, list[tuple[bytes, bytes]]]:
    """The changelog as compaction leaves it: one (key, value) per open conversation."""
    return {p: [(cid.encode(), encode(conv)) for cid, conv in convs.items()]
            for p, convs in table.partitions.items()}


def restore_all(settings: Settings, records: dict[int, list[tuple[bytes, bytes]]]
                ) -> tuple[ConversationTable, float]:
    table = new_stage(settings, "").table
    t = time.perf_counter()
    for p, recs in records.items():
        table.restore(p, recs)
    return table, time.perf_counter() - t


def gc_full_ms(repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        gc.collect()
        times.append((time.perf_counter() - t) * 1000)
    return min(times)


def at_cap(settings: Settings, templates: list[bytes], model_version: str) -> dict:
    """One conversation holding the thread cap of cap-length messages."""
    at = next(m for m in fresh_copy(templates[1], 10**9) if m.kind == "agent").at
    words = ("Hei Kari, takk for at du tok kontakt med oss om bestillingen din. "
             "Pakken ble sendt fra lageret vårt i går og er ventet fram i løpet av fredag. ")
    text = (words * (settings.thread_max_chars // len(words) + 1))[: settings.thread_max_chars]
    stage = new_stage(settings, model_version)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    msgs = []
    count = settings.thread_max_messages + 5
    for j in range(count):
        m = next(m for m in fresh_copy(templates[1], 10**9 + j) if m.kind == "agent")
        m.id = f"cap-m{j}"
        m.conversation_id = "cap"
        m.at = at + j
        m.variants = {position: replace(v, id=m.id, entry=thread_entry(
            m.id, "agent", m.sent_at, f"{j:04d}" + text[4:], True, v.summary))
            for position, v in m.variants.items()}
        msgs.append((0, as_received([m])[0]))
    fx = stage.effects(msgs, time.time())
    fx.commit()
    del fx, msgs, m
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    conv = stage.table.partitions[0]["cap"]
    parts = [entry_parts(e) for e in conv.thread]
    return {"thread_messages": len(conv.thread), "chars_per_message": len(text),
            "python_bytes": after - before, "changelog_value_bytes": len(encode(conv)),
            "sizeof_thread_entries": sum(sys.getsizeof(e) for e in conv.thread),
            "thread_texts_json_bytes": sum(t for t, _ in parts),
            "reply_summaries_json_bytes": sum(r for _, r in parts),
            "deep_sizeof_conversation": deep_size(conv, set())}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=100_000, help="open conversations (default 100000)")
    ap.add_argument("--sample", type=int, default=2000,
                    help="conversations described through the model (default 2000)")
    ap.add_argument("--batch", type=int, default=1000, help="messages per batch (default 1000)")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args()
    settings = Settings()
    # The cap on open conversations must not close any of the N built here.
    settings = settings.model_copy(update={"max_open_conversations": max(
        settings.max_open_conversations, 2 * args.n)})
    result: dict = {"machine": machine(), "code_at_start": code_state(), "n": args.n,
                    "sample": args.sample, "partitions": PARTITIONS,
                    "settings": {"max_open_conversations": settings.max_open_conversations,
                                 "thread_max_messages": settings.thread_max_messages,
                                 "thread_max_chars": settings.thread_max_chars,
                                 "redact": settings.redact,
                                 "store_enabled": settings.store_enabled}}
    scorer = Scorer.from_settings(settings)
    work = BatchWork(scorer, max_record_bytes=settings.max_record_bytes,
                     max_text_chars=settings.max_text_chars, store_rows=settings.store_enabled,
                     redact_text=settings.redact, describer=describer(settings))
    gc.freeze()  # as run_worker does before the loop: start-up objects leave the collector

    log(f"describing {args.sample} sample conversations through the model")
    convs = sample_conversations(args.sample, args.seed)
    templates, timing = describe_sample(work, convs, args.batch)
    kinds = [m["author"] for conv in convs for m in conv]
    result["describe"] = {**timing, "customer_messages": kinds.count("customer"),
                          "agent_messages": kinds.count("agent"),
                          "channels": {ch: sum(1 for c in convs if c[0]["channel"] == ch)
                                       for ch in ("email", "chat", "messenger")}}
    log(f"    {timing}")
    del convs  # the model stays loaded, as in a worker
    result["entry_allocation"] = entry_allocation(templates)
    log(f"    entries: {result['entry_allocation']}")

    # 1. RSS growth, no tracemalloc.
    model_version = pickle.loads(templates[0])[-1].variants["first"].model_version  # noqa: S301
    gc.collect()
    result["gc_full_ms_empty"] = gc_full_ms()
    result["gc_tracked_objects_empty"] = len(gc.get_objects())
    rss0 = rss_bytes()
    stage = new_stage(settings, model_version)
    log(f"building {args.n} open conversations (RSS)")
    built = build(stage, templates, args.n, args.batch)
    gc.collect()
    rss1 = rss_bytes()
    open_now = len(stage.table)
    assert open_now == args.n, open_now  # noqa: S101
    result["build"] = built
    result["rss"] = {"before_mb": rss0 / 2**20, "after_mb": rss1 / 2**20,
                     "growth_mb": (rss1 - rss0) / 2**20,
                     "bytes_per_conversation": (rss1 - rss0) / args.n}
    result["gc_full_ms_with_table"] = gc_full_ms()
    result["gc_tracked_objects_with_table"] = len(gc.get_objects())
    result["open_by_channel"] = dict(stage.table.open_by_channel())
    log(f"    RSS +{(rss1 - rss0) / 2**20:.0f} MB = {(rss1 - rss0) / args.n:,.0f} B/conversation;"
        f" full gc {result['gc_full_ms_with_table']:.0f} ms "
        f"(empty {result['gc_full_ms_empty']:.0f} ms)")

    # 2. Changelog values.
    result["changelog"] = changelog_breakdown(stage.table)
    result["memory_breakdown"] = memory_breakdown(stage.table)
    log(f"    breakdown {result['memory_breakdown']}")
    records = encoded(stage.table)
    log(f"    changelog {result['changelog']['mean_bytes']:.0f} B/conversation")
    del stage
    gc.collect()

    # 3. Restore, three times on empty tables (best and all).
    restores = []
    for _ in range(3):
        table, secs = restore_all(settings, records)
        assert len(table) == args.n  # noqa: S101
        restores.append(secs)
        del table
        gc.collect()
    gc.disable()  # how much of it is the collector scanning the growing table
    table, no_gc = restore_all(settings, records)
    gc.enable()
    del table
    gc.collect()
    result["restore"] = {"seconds": restores, "best_s": min(restores),
                         "seconds_with_gc_disabled": no_gc,
                         "us_per_conversation": min(restores) * 1e6 / args.n,
                         "changelog_mb": sum(len(v) for recs in records.values()
                                             for _, v in recs) / 2**20}
    log(f"    restore {min(restores):.2f} s (runs {', '.join(f'{s:.2f}' for s in restores)}),"
        f" {no_gc:.2f} s with gc disabled")

    # 4. Python allocations (tracemalloc): restored table, then a second build.
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    table, _ = restore_all(settings, records)
    gc.collect()
    restored = tracemalloc.get_traced_memory()[0] - base
    del table
    gc.collect()
    del records
    gc.collect()
    log(f"building {args.n} open conversations again (tracemalloc)")
    base = tracemalloc.get_traced_memory()[0]
    stage = new_stage(settings, model_version)
    build(stage, templates, args.n, args.batch)
    gc.collect()
    traced = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    result["tracemalloc"] = {"bytes_per_conversation_built": traced / args.n,
                             "bytes_per_conversation_restored": restored / args.n}
    log(f"    {result['tracemalloc']}")
    del stage
    gc.collect()

    result["at_thread_cap"] = at_cap(settings, templates, model_version)
    log(f"    at the thread cap: {result['at_thread_cap']}")
    result["machine"]["loadavg_at_end"] = list(os.getloadavg())
    result["code_at_end"] = code_state()
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
