"""`scorer score`: score one text, or a JSONL file/stdin of input records, without Kafka.

JSONL input is read in chunks and each chunk is scored with ONE `Scorer.score_batch`
call, so throughput matches the streaming service. Invalid lines never stop the run:
each becomes a JSON error object on stderr ({"line": n, "error": reason, "message": …}),
is counted, and has no output line; every valid agent reply gets exactly one output line,
in input order. Customer messages (author == "customer") without a conversation_id are
valid but, as in the service, not scored; they are counted in the summary.

Records with a `conversation_id` (a help-desk export) go through the same conversation
rules as the service, in file order: each agent reply's line is its record in context
(`position`), and after all reply lines comes one line per conversation (the
`conversations.scored` record), in the order the conversations closed — on a `closed`
event, after an idle gap in `sent_at`, or at the end of the input (`closed_by:
"end_of_input"`). A `closed` event closes at once here (no grace: the file's order is
final). With `SCORER_CONVERSATIONS=false` every reply is scored on its own.
"""

from __future__ import annotations

import gc
import sys
import time
from typing import BinaryIO, TextIO

import orjson

from scorer.conversations.messages import Describer
from scorer.conversations.table import Closure, ConversationTable
from scorer.conversations.verdict import verdict
from scorer.model import ModelLoadError
from scorer.redact import Redactor, redactor_keeping
from scorer.schema import Reply, ScoredReply, decode_reply
from scorer.scoring import Scorer
from scorer.settings import Settings
from scorer.shown import show

CHUNK = 2000
PROGRESS_EVERY_S = 10.0
_DUMP_OPTS = orjson.OPT_UTC_Z


def dump(scored: ScoredReply) -> bytes:
    """One output record as JSON bytes (datetimes as RFC 3339 with Z)."""
    return orjson.dumps(scored.model_dump(), option=_DUMP_OPTS)


def _load(settings: Settings, err: TextIO) -> Scorer | None:
    try:
        return Scorer.from_settings(settings)
    except ModelLoadError as exc:
        print(f"error: {exc}", file=err)
        return None


class _Conversations:
    """The service's conversation rules over a file: one partition, no wall clock."""

    def __init__(self, settings: Settings, scorer: Scorer, redactor: Redactor) -> None:
        from scorer.conversations.stage import CHANNELS, describer, verdict_rules

        self.scorer = scorer
        self.describer: Describer = describer(settings, redactor)
        self.rules = verdict_rules(settings)
        self.table = ConversationTable({ch: settings.idle_seconds(ch) for ch in CHANNELS},
                                       settings.thread_max_messages, grace=0.0)
        self.table.restore(0, [])
        self.verdicts: list[bytes] = []

    def score(self, items: list[tuple[int, Reply]]) -> dict[int, bytes]:
        """Apply a chunk's conversation records in order; output lines of its agent
        replies by chunk index. The clock stands still at 0: only a `closed` event (no
        grace) or a gap in sent_at closes a conversation before the end."""
        described = self.describer.describe(self.scorer, [(i, r, 0.0) for i, r in items])
        changes = self.table.changes(0.0)
        for m in described:
            changes.apply(0, m)
        changes.expire()
        lines = {m.index: v.value for m, v in changes.replies}
        self._verdicts(changes.closures)
        changes.commit()
        return lines

    def finish(self) -> None:
        convs = self.table.partitions.get(0, {})
        self._verdicts([Closure(0, c, c.last_at, "end_of_input") for c in convs.values()])
        self.table.drop(0)

    def _verdicts(self, closures: list[Closure]) -> None:
        for c in closures:
            record = verdict(c.conversation, closed_at=c.closed_at, closed_by=c.closed_by,
                             rules=self.rules, model_version=self.scorer.model_version)
            self.verdicts.append(orjson.dumps(record.model_dump(), option=_DUMP_OPTS))


def _score_shown(scorer: Scorer, replies: list[Reply], redact_text: bool,
                 redactor: Redactor) -> list[ScoredReply]:
    """Score replies and show their evidence as every output does (`scorer.shown`)."""
    prepared = scorer.prepare(replies)
    return [show(s, p.plain, (r.customer_name,), redact_text=redact_text,
                 redactor=redactor).scored
            for r, s, p in zip(replies, scorer.score_prepared(replies, prepared), prepared,
                               strict=True)]


def score_jsonl(settings: Settings, infile: BinaryIO, out: BinaryIO, err: TextIO) -> int:
    """Score every record of a JSONL stream; returns the process exit code (0, or 2)."""
    scorer = _load(settings, err)
    if scorer is None:
        return 2
    gc.freeze()  # the model lives until exit: keep it out of every full collection
    t0 = last_progress = time.perf_counter()
    scored = invalid = skipped = 0
    batch: list[Reply] = []
    redactor = redactor_keeping(settings.redact_keep)
    convs = _Conversations(settings, scorer, redactor) if settings.conversations else None

    def flush() -> None:
        nonlocal scored
        if not batch:
            return
        plain = [r for r in batch if convs is None or not r.conversation_id]
        staged = [(i, r) for i, r in enumerate(batch) if convs is not None and r.conversation_id]
        lines = convs.score(staged) if convs is not None and staged else {}
        done = iter(_score_shown(scorer, plain, settings.redact_outputs, redactor))
        for i, r in enumerate(batch):
            if convs is None or not r.conversation_id:
                out.write(dump(next(done)) + b"\n")
            elif i in lines:
                out.write(lines[i] + b"\n")
        scored += len(plain) + len(lines)
        batch.clear()

    for n, line in enumerate(infile, 1):
        if not line.strip():
            continue
        try:
            reply = decode_reply(line.rstrip(b"\r\n"), max_record_bytes=settings.max_record_bytes,
                                 max_text_chars=settings.max_text_chars)
        except Exception as exc:  # InvalidRecord, but no line may ever stop the run
            reason = getattr(exc, "reason", "invalid_value")
            message = getattr(exc, "message", str(exc))
            err.write(orjson.dumps({"line": n, "error": reason, "message": message}).decode()
                      + "\n")
            invalid += 1
            continue
        if (reply.author == "customer" or reply.event) and (
                convs is None or not reply.conversation_id):
            skipped += 1
            continue
        batch.append(reply)
        if len(batch) >= CHUNK:
            flush()
            now = time.perf_counter()
            if now - last_progress >= PROGRESS_EVERY_S:
                rate = scored / (now - t0)
                print(f"scored {scored} replies so far ({rate:,.0f} replies/s)", file=err,
                      flush=True)
                last_progress = now
    flush()
    if convs is not None:
        convs.finish()
        out.write(b"".join(v + b"\n" for v in convs.verdicts))
    out.flush()
    secs = time.perf_counter() - t0
    rate = scored / secs if secs > 0 else 0.0
    extra = f", {skipped} customer messages skipped" if skipped else ""
    if convs is not None and convs.verdicts:
        extra += f", {len(convs.verdicts)} conversations"
    print(f"scored {scored} replies in {secs:.2f} s ({rate:,.0f} replies/s), "
          f"{invalid} invalid{extra}", file=err, flush=True)
    return 0


def score_text(settings: Settings, text: str, *, channel: str = "chat",
               language: str | None = None, content_type: str = "text/plain",
               out: TextIO | None = None) -> None:
    """Score one text and print its output record as one JSON line."""
    out = out or sys.stdout
    scorer = _load(settings, sys.stderr)
    if scorer is None:
        raise SystemExit(2)
    reply = Reply(id="cli-1", channel=channel, text=text,  # type: ignore[arg-type]
                  language=language, content_type=content_type)  # type: ignore[arg-type]
    result = _score_shown(scorer, [reply], settings.redact_outputs,
                          redactor_keeping(settings.redact_keep))[0]
    out.write(dump(result).decode() + "\n")
    out.flush()
