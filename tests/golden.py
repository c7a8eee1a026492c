"""Golden hashes of what the scorer computes, to pin behaviour across refactors.

`python -m tests.golden --write` records them in tests/data/golden.json;
tests/unit/test_golden.py recomputes and compares. What is hashed:

- the three feature matrices of every corpus reply (`scorer.features.extract`);
- every corpus reply's scored record (`Scorer.score_batch`, without `scored_at`);
- the rendered plain text and the redacted text of every case of the personal-data sets
  (`scorer.text.prepare`, `scorer.redact.redact`).

A change that moves any of them on purpose (a retrain, a new redaction rule) regenerates
the file in the same commit, and the commit says why.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import orjson

from scorer import features
from scorer.model import ReplyModel
from scorer.redact import redact
from scorer.schema import decode_reply
from scorer.scoring import Scorer
from scorer.settings import DEFAULT_MODEL_PATH, Settings
from scorer.text import prepare, prepare_many

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "data" / "golden.json"
CORPUS = ROOT / "models" / "corpus" / "replies.jsonl"
PII_SETS = sorted((ROOT / "tests" / "data").glob("pii_eval*.jsonl"))


def _sha(chunks: Iterable[bytes]) -> str:
    h = hashlib.sha256()
    for c in chunks:
        h.update(len(c).to_bytes(8, "big") + c)
    return h.hexdigest()


def compute() -> dict[str, str]:
    """Every golden hash, from the current code, model and data."""
    lines = CORPUS.read_bytes().splitlines()
    replies = [decode_reply(line, max_record_bytes=1 << 24, max_text_chars=1 << 22)
               for line in lines if line.strip()]
    prepared = prepare_many([r.text for r in replies], [r.content_type for r in replies])
    batch = features.extract(prepared, [r.language or "en" for r in replies],
                             [r.customer_name for r in replies])
    out: dict[str, str] = {}
    for view in ("greeting", "explanation", "closing"):
        m = getattr(batch, view).tocsr()
        m.sort_indices()
        # Values at float32 precision: numpy's log1p (the explanation bag) may differ in
        # the last bit of a float64 from one CPU to another (SIMD code paths), which
        # changed this hash between machines while every score stayed the same.
        out[f"features.{view}"] = _sha([m.data.astype(np.float32).tobytes(),
                                        m.indices.tobytes(), m.indptr.tobytes()])
    model = ReplyModel.load(DEFAULT_MODEL_PATH)
    scored = Scorer(model, Settings()).score_batch(replies)
    out["model_version"] = model.version
    out["scored.corpus"] = _sha(
        orjson.dumps({**s.model_dump(mode="json"), "scored_at": None}, option=orjson.OPT_SORT_KEYS)
        for s in scored)
    for path in PII_SETS:
        cases = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x]
        shown = [prepare(c["text"], c.get("content_type", "text/plain")).plain for c in cases]
        red = [redact(t, [c.get("customer_name")]).text for t, c in zip(shown, cases, strict=True)]
        out[f"text.{path.stem}"] = _sha(t.encode() for t in shown)
        out[f"redact.{path.stem}"] = _sha(t.encode() for t in red)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help=f"write {GOLDEN}")
    args = ap.parse_args()
    got = compute()
    if args.write:
        GOLDEN.write_text(json.dumps(got, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(json.dumps(got, indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
