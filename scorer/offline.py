"""`scorer score`: score one text, or a JSONL file/stdin of input records, without Kafka.

JSONL input is read in chunks and each chunk is scored with ONE `Scorer.score_batch`
call, so throughput matches the streaming service. Invalid lines never stop the run:
each becomes a JSON error object on stderr ({"line": n, "error": reason, "message": …}),
is counted, and has no output line; every valid agent reply gets exactly one output line,
in input order. Customer messages (author == "customer") are valid but, as in the
service, not scored; they are counted in the summary.
"""

from __future__ import annotations

import gc
import sys
import time
from typing import BinaryIO, TextIO

import orjson

from scorer.model import ModelLoadError
from scorer.schema import Reply, ScoredReply, decode_reply
from scorer.scoring import Scorer
from scorer.settings import Settings

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


def score_jsonl(settings: Settings, infile: BinaryIO, out: BinaryIO, err: TextIO) -> int:
    """Score every record of a JSONL stream; returns the process exit code (0, or 2)."""
    scorer = _load(settings, err)
    if scorer is None:
        return 2
    gc.freeze()  # the model lives until exit: keep it out of every full collection
    t0 = last_progress = time.perf_counter()
    scored = invalid = skipped = 0
    batch: list[Reply] = []

    def flush() -> None:
        nonlocal scored
        if batch:
            out.write(b"".join(dump(s) + b"\n" for s in scorer.score_batch(batch)))
            scored += len(batch)
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
        if reply.author == "customer":
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
    out.flush()
    secs = time.perf_counter() - t0
    rate = scored / secs if secs > 0 else 0.0
    extra = f", {skipped} customer messages skipped" if skipped else ""
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
    result = scorer.score_batch([reply])[0]
    out.write(dump(result).decode() + "\n")
    out.flush()
