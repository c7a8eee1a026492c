"""Scoring processes: the Kafka-free half of each batch, run off the loop's core.

Per reply, the streaming loop's own work (Kafka fetch and produce, the store write) is
mostly Python, and so is scoring; in one process the GIL runs them one after the other on
one core. So the loop hands each polled batch's raw record values to the scoring
processes, a contiguous chunk to each, which decode, validate, score, serialise and build
the store rows (`BatchWork`), while the loop publishes the batch before it. The result
(`Outcome`) is small and picklable; everything holding a socket or a connection (Kafka
clients, the store engine) stays in the loop process.

The processes are forked once, after the model is loaded (they share its pages
copy-on-write, kept clean by `gc.freeze`) and before any Kafka client or database
connection exists (a fork must not copy a socket, or a lock held by another thread). They
ignore SIGINT: a terminal's Ctrl-C reaches the whole process group, and the loop, not the
scoring processes, decides when to stop. SIGTERM keeps its default: it is how the executor
ends the survivors when one of them dies, and a survivor that ignored it would hang the
worker's exit. (A supervisor that sends SIGTERM to every process of the group, not just
the worker, therefore ends a worker with exit code 4 rather than 0; its uncommitted
batches are replayed.) They die with their parent (PR_SET_PDEATHSIG), so a SIGKILLed
worker leaves no orphans. If a scoring process dies, `Future.result` raises
`BrokenProcessPool`: the worker exits with code 4 and its uncommitted batches are replayed.

`processes=0` runs the same work in the loop process: no fork, no pipelining.
"""

from __future__ import annotations

import ctypes
import gc
import itertools
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from scorer.metrics import Tally
from scorer.rollout import ModelSpec, ModelWatch, compare_shadow
from scorer.sample import in_sample
from scorer.schema import InvalidRecord, Reply, ScoredReply, decode_reply
from scorer.shown import Shown, show

if TYPE_CHECKING:
    from scorer.conversations.messages import ConvMessage, Describer
    from scorer.redact import Redactor
    from scorer.scoring import Scorer

_PR_SET_PDEATHSIG = 1
log = logging.getLogger(__name__)


@dataclass(slots=True)
class Outcome:
    """Everything the loop needs to store, publish and count one batch."""

    #: (index of the record in the batch, key, ScoredReply JSON, flagged), in batch order.
    outputs: list[tuple[int, bytes, bytes, bool]]
    #: (index of the record in the batch, reason, message) of each dead letter.
    invalid: list[tuple[int, str, str]]
    #: Store rows of the flagged and the sampled replies, redacted (`store.flagged_rows`).
    rows: list[dict[str, Any]]
    #: Ids that scored above the threshold and are not in the sample (see
    #: `FlaggedStore.upsert_flagged`).
    unflagged: list[str]
    tally: Tally
    #: (index, conversation id) of input records to forward to the repartition topic.
    forward: list[tuple[int, bytes]] = field(default_factory=list)
    #: The repartition topic's records, described for the conversation stage.
    messages: list[ConvMessage] = field(default_factory=list)
    #: Wall seconds `BatchWork` took (summed over a split batch's chunks): what the loop
    #: sizes its batches by.
    seconds: float = 0.0

    def shifted(self, by: int) -> Outcome:
        """This outcome with every record index moved `by` (a chunk's place in its batch).
        Moves its messages' indexes in place: a chunk's outcome is read once."""
        for m in self.messages:
            m.index += by
        return Outcome([(i + by, *rest) for i, *rest in self.outputs],
                       [(i + by, *rest) for i, *rest in self.invalid], self.rows,
                       self.unflagged, self.tally, [(i + by, k) for i, k in self.forward],
                       self.messages, self.seconds)

    @classmethod
    def joined(cls, parts: Sequence[Outcome]) -> Outcome:
        """Chunks' outcomes (already shifted) as one batch's, in record order."""
        tally = Tally()
        for part in parts:
            tally.merge(part.tally)
        return cls([x for p in parts for x in p.outputs], [x for p in parts for x in p.invalid],
                   [x for p in parts for x in p.rows], [x for p in parts for x in p.unflagged],
                   tally, [x for p in parts for x in p.forward],
                   [x for p in parts for x in p.messages], sum(p.seconds for p in parts))


class BatchWork:
    """Decode → score → serialise → store rows → metric tally for one batch of values.

    Store rows are built for flagged replies and for replies in the random review sample
    (`sample_rate`, scorer.sample), flagged or not, each row marked `flagged`/`sampled`.

    With a `describer` (conversations on), input records that carry a conversation_id are
    only decoded (to dead-letter bad ones) and marked for forwarding to the repartition
    topic; records read from the repartition topic (`stages[i]` true) are described for
    the conversation stage instead of being scored on their own, and so are input records
    whose conversation id is their `direct[i]` key (`conversations.routes`: they skip the
    repartition hop).
    """

    def __init__(self, scorer: Scorer, *, max_record_bytes: int, max_text_chars: int,
                 store_rows: bool, redact_text: bool, redact_outputs: bool = True,
                 describer: Describer | None = None, sample_rate: float = 0.0,
                 shadow: Scorer | None = None, redactor: Redactor | None = None) -> None:
        self.scorer = scorer
        self.shadow = shadow
        self.max_record_bytes = max_record_bytes
        self.max_text_chars = max_text_chars
        self.store_rows = store_rows
        self.redact_text = redact_text
        self.redact_outputs = redact_outputs
        self.describer = describer
        #: The deployment's redactor (its keep-list, `SCORER_REDACT_KEEP`); None: shipped.
        self.redactor = redactor
        self.sample_rate = sample_rate if store_rows else 0.0
        #: (lookups, misses) of each feature memo when the last batch was counted.
        self._cache_seen: dict[str, tuple[int, int]] = {}

    def use(self, spec: ModelSpec | None) -> None:
        """Load the model `spec` names if it is not the one scoring now (hot reload)."""
        if spec is None or spec.version == self.scorer.model_version:
            return
        from scorer.model import ModelLoadError, ReplyModel

        try:
            self.scorer.use_model(ReplyModel.load(spec.path))
        except ModelLoadError as exc:  # replaced again, badly, since the worker checked it
            log.error("cannot load model %s (%s); scoring with %s", spec.version, exc,
                      self.scorer.model_version)

    def __call__(self, values: Sequence[bytes | None], stages: Sequence[bool] | None = None,
                 times: Sequence[float] | None = None, spec: ModelSpec | None = None,
                 direct: Sequence[bytes | None] | None = None) -> Outcome:
        started = time.perf_counter()
        self.use(spec)
        valid: list[Reply] = []
        where: list[int] = []
        invalid: list[tuple[int, str, str]] = []
        skipped: list[str] = []
        forward: list[tuple[int, bytes]] = []
        staged: list[tuple[int, Reply, float]] = []
        routes: Counter[str] = Counter()
        for i, value in enumerate(values):
            try:
                reply = decode_reply(value, max_record_bytes=self.max_record_bytes,
                                     max_text_chars=self.max_text_chars)
            except InvalidRecord as err:
                invalid.append((i, err.reason, err.message))
                continue
            if self.describer is not None and reply.conversation_id:
                cid = reply.conversation_id.encode()
                if stages is not None and stages[i]:
                    staged.append((i, reply, times[i] if times is not None else 0.0))
                elif direct is not None and direct[i] == cid:
                    staged.append((i, reply, times[i] if times is not None else 0.0))
                    routes["direct"] += 1
                else:
                    forward.append((i, cid))
                    routes["repartition"] += 1
                continue
            if reply.event is not None:
                skipped.append("event_without_conversations")
                continue
            if reply.author == "customer":
                skipped.append("customer_message")
                continue
            valid.append(reply)
            where.append(i)
        messages = (self.describer.describe(self.scorer, staged)
                    if staged and self.describer is not None else [])
        prepared = self.scorer.prepare(valid)
        scored = self.scorer.score_prepared(valid, prepared)
        outputs: list[tuple[int, bytes, bytes, bool]] = []
        stored: list[tuple[Reply, Shown]] = []
        marks: dict[str, tuple[bool, bool]] = {}
        unflagged: list[str] = []
        for i, reply, s, p in zip(where, valid, scored, prepared, strict=True):
            out = self.shown(reply, s, p.plain, self.redact_outputs)
            outputs.append((i, reply.id.encode(), out.scored.model_dump_json().encode(),
                            s.flagged))
            # A reply without a score (a language outside the five) has nothing to review.
            sampled = s.total is not None and in_sample(reply.id, self.sample_rate)
            if s.flagged or sampled:
                if self.store_rows:  # the store's view only of a reply the store gets
                    kept = (out if self.redact_text == self.redact_outputs
                            else self.shown(reply, s, p.plain, self.redact_text))
                    stored.append((reply, kept))
                marks[reply.id] = (s.flagged, sampled)
            else:
                unflagged.append(reply.id)
        rows: list[dict[str, Any]] = []
        if self.store_rows and stored:
            from scorer.store.rows import shown_rows

            rows = shown_rows(stored)
            for row in rows:
                row["flagged"], row["sampled"] = marks[row["id"]]
        tally = Tally.of(scored, [reason for _, reason, _ in invalid], skipped)
        tally.routes.update(routes)
        if self.shadow is not None and valid:
            compare_shadow(scored, self.shadow.score_prepared(valid, prepared), tally)
        self._count_cache_use(tally)
        return Outcome(outputs, invalid, rows, unflagged if self.store_rows else [], tally,
                       forward, messages, time.perf_counter() - started)


    def _count_cache_use(self, tally: Tally) -> None:
        """Add the live model's memo lookups since the last batch to `tally` (hits, misses).

        The memos count since they were created; a hot reload brings a model with new
        memos, whose counts are then all new.
        """
        for name, stats in self.scorer.model.caches.stats().items():
            lookups, misses = self._cache_seen.get(name, (0, 0))
            if stats.lookups < lookups:  # a new model's memos
                lookups = misses = 0
            for result, n in (("miss", stats.misses - misses),
                              ("hit", stats.lookups - lookups - (stats.misses - misses))):
                if n:
                    tally.cache[(name, result)] += n
            self._cache_seen[name] = (stats.lookups, stats.misses)

    def shown(self, reply: Reply, scored: ScoredReply, plain: str, redact: bool) -> Shown:
        """The reply as an output shows it, redacted when `redact` (`scorer.shown.show`).

        The caller asks for the store's view only for a reply the store keeps (flagged or
        sampled): when outputs are not redacted but the store is, redacting every reply
        for the store cost a full redaction per reply that was thrown away (~1 ms).
        """
        return show(scored, plain, (reply.customer_name,), redact_text=redact,
                    redactor=self.redactor)


#: Replies scored once before the fork: the first batch otherwise pays ~200 ms of lazy
#: set-up (tokenizer parameters, HTML parser, language detector, redaction patterns) in
#: every scoring process, which shows as a latency spike right after start-up.
_WARM_UP = [
    {"channel": "email", "content_type": "text/html", "customer_name": "Kari Nordmann",
     "text": "<p>Hei Kari,</p><p>Takk for e-posten. Pakken ble sendt i dag, jf. ordre "
             "nr. 12345, fordi lageret var tomt.</p><p>Med vennlig hilsen<br>Ola</p>"},
    {"channel": "chat", "language": "sv",
     "text": "Hej! Du kan logga in och välja Mina sidor. Ring 070-123 45 67. Ha en bra dag!"},
    {"channel": "messenger", "text": "Tak for din besked. Vi sender en ny faktura. Hilsen Mette"},
    {"channel": "chat", "language": "nn", "text": "Hei, eg har ordna det no. Ha ein fin dag!"},
    {"channel": "email", "language": "en", "customer_name": "Anna",
     "text": "Hi Anna,\n\nWe refunded the amount because the parcel was lost.\n\n"
             "Kind regards,\nTom\n\n> On Monday Anna wrote:\n> Where is my parcel?"},
]


#: Fewest records a batch sends to each scoring process when it is split among them:
#: below this a chunk's round trip (pickling, a pipe write, a wake-up) outweighs the gain.
MIN_CHUNK = 16

#: The work a forked scoring process runs: set before the fork, inherited by the children.
_work: BatchWork | None = None


def _run(values: list[bytes | None], stages: list[bool] | None,
         times: list[float] | None, spec: ModelSpec | None,
         direct: list[bytes | None] | None) -> Outcome:
    assert _work is not None, "scoring process started without its BatchWork"  # noqa: S101
    return _work(values, stages, times, spec, direct)


def _ready() -> int:
    return os.getpid()


def _child_init(parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the worker's stop handler
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the child exits when its queue closes
        pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


class ScoringPool:
    """Runs `BatchWork` in `processes` forked processes, or in-process when 0."""

    def __init__(self, work: BatchWork, processes: int) -> None:
        global _work
        self.work = work
        self.processes = processes
        #: The model batches are scored with; the service sets a new one on hot reload.
        self.spec: ModelSpec | None = None
        self.watch: ModelWatch | None = None
        self._executor: ProcessPoolExecutor | None = None
        warm = [orjson.dumps({"id": f"warm-up-{i}", **r}) for i, r in enumerate(_WARM_UP)]
        # Also as repartitioned conversation messages (customer and agent), when on.
        warm += [orjson.dumps({"id": f"warm-up-c{i}", "conversation_id": "warm-up",
                               "author": "customer" if i % 2 else "agent", **r})
                 for i, r in enumerate(_WARM_UP)]
        work(warm, [i >= len(_WARM_UP) for i in range(len(warm))], [0.0] * len(warm))
        if processes > 0:
            _work = work
            # Freeze right before the fork (as the gc docs advise for fork servers): the
            # model then sits outside every collector generation in parent and children,
            # so no collection walks it and writes to its pages. A page written in one
            # process stops being shared, and the parent would otherwise soon hold a
            # private copy of the whole model it no longer uses.
            gc.freeze()
            self._executor = ProcessPoolExecutor(
                processes, mp_context=multiprocessing.get_context("fork"),
                initializer=_child_init, initargs=(os.getpid(),))
            # With fork, the executor starts all its processes at the first submit: make
            # that happen now, while this process has no Kafka client or connection yet.
            for ready in [self._executor.submit(_ready) for _ in range(processes)]:
                ready.result()

    def submit(self, values: list[bytes | None], stages: list[bool] | None = None,
               times: list[float] | None = None, direct: list[bytes | None] | None = None
               ) -> Future[Outcome]:
        """Score a batch; `stages[i]` marks records of the repartition topic, `times[i]`
        is each record's Kafka timestamp (epoch seconds) and `direct[i]` the key under
        which an input record may skip the repartition hop. The batch carries the pool's
        current `spec`, the model to score it with (scorer.rollout)."""
        if self._executor is not None:
            return self._split(values, stages, times, direct)
        done: Future[Outcome] = Future()
        try:
            done.set_result(self.work(values, stages, times, self.spec, direct))
        except Exception as exc:  # re-raised by result(), as from a scoring process
            done.set_exception(exc)
        return done

    def _split(self, values: list[bytes | None], stages: list[bool] | None,
               times: list[float] | None, direct: list[bytes | None] | None
               ) -> Future[Outcome]:
        """Score one batch in every scoring process at once, a contiguous chunk each.

        A batch scored whole by one process keeps its records waiting for all of it (a
        full batch of 1000 takes over a second), and a caught-up loop commits each batch
        before polling the next, so the other process would idle. Chunks let both work on
        the batch in hand: its latency halves and a caught-up loop keeps pace with twice
        the rate before it has to fall back on pipelining whole batches.
        """
        assert self._executor is not None  # noqa: S101 - only called with processes
        n = len(values)
        k = min(self.processes, n // MIN_CHUNK) or 1
        bounds = [n * j // k for j in range(k + 1)]

        def part(a: int, b: int, xs: list | None) -> list | None:
            return None if xs is None else xs[a:b]

        chunks = [self._executor.submit(_run, values[a:b], part(a, b, stages),
                                        part(a, b, times), self.spec, part(a, b, direct))
                  for a, b in itertools.pairwise(bounds)]
        if k == 1:
            return chunks[0]
        done: Future[Outcome] = Future()
        left = [len(chunks)]
        lock = threading.Lock()  # callbacks run on the executor's thread, or the caller's

        def finished(_: Future[Outcome]) -> None:
            with lock:
                left[0] -= 1
                if left[0]:
                    return
            try:
                done.set_result(Outcome.joined([c.result().shifted(a) for c, a in
                                                zip(chunks, bounds, strict=False)]))
            except Exception as exc:  # a dead process: the caller's result() raises it
                done.set_exception(exc)

        for chunk in chunks:
            chunk.add_done_callback(finished)
        return done

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
