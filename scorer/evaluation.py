"""`scorer evaluate` and what training reports with: labelled records in, P/R/F1 out.

The labelled JSONL format (an input record plus ``labels``), the model's 0/1 verdicts on
such records, precision/recall/F1 per language and dimension beside the keyword baseline,
and the plain-text table `scorer train` and `scorer evaluate` print. Apart from
`scorer.training` because measuring a model needs none of fitting one.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import orjson
from sklearn.metrics import precision_recall_fscore_support

from scorer import baseline
from scorer.langid import LanguageDetector
from scorer.model import ReplyModel
from scorer.schema import DIMENSIONS, LANGUAGES, InvalidRecord, Reply, decode_reply
from scorer.settings import Settings
from scorer.text import Prepared, prepare_many

#: `provenance` of a labelled record that came from a QA review (scorer.feedback_training).
REVIEW = "review"


@dataclass(slots=True)
class Labelled:
    """A labelled corpus record: the reply, its labels (n x 3 later) and split."""

    reply: Reply
    labels: tuple[int, int, int]
    split: str | None
    provenance: str | None


def read_labelled(path: Path, split: str | None = None) -> Iterator[Labelled]:
    """Labelled JSONL records (optionally one split). A bad line stops with its line number."""
    with Path(path).open("rb") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = orjson.loads(line)
                reply = decode_reply(line, max_record_bytes=1 << 24, max_text_chars=1 << 22)
                labels = obj["labels"]
                lab = tuple(int(labels[d]) for d in DIMENSIONS)
            except (orjson.JSONDecodeError, InvalidRecord, KeyError, TypeError, ValueError) as exc:
                raise ValueError(
                    f"{path}:{n}: not a labelled reply record ({exc}); each line needs the "
                    "input fields plus \"labels\": {\"greeting\": 0|1, \"explanation\": 0|1, "
                    "\"closing\": 0|1}"
                ) from None
            if split is not None and obj.get("split") != split:
                continue
            yield Labelled(reply, lab, obj.get("split"), obj.get("provenance"))  # type: ignore[arg-type]


def prepare_records(records: Sequence[Labelled]) -> list[Prepared]:
    return prepare_many([r.reply.text for r in records], [r.reply.content_type for r in records])


def prf(y: np.ndarray, yhat: np.ndarray) -> dict[str, float]:
    p, r, f, _ = precision_recall_fscore_support(y, yhat, average="binary", zero_division=0)
    return {"precision": round(float(p), 4), "recall": round(float(r), 4),
            "f1": round(float(f), 4), "n": len(y), "positives": int(np.sum(y))}


def metrics_table(y: np.ndarray, pred: np.ndarray, langs: Sequence[str]
                  ) -> dict[str, dict[str, dict[str, float]]]:
    """{language|"all": {dimension: P/R/F1}} for 0/1 arrays of shape (n, 3)."""
    langs_arr = np.asarray(langs)
    out: dict[str, dict[str, dict[str, float]]] = {}
    groups = [lg for lg in LANGUAGES if np.any(langs_arr == lg)] + ["all"]
    for lg in groups:
        mask = np.ones(len(langs_arr), bool) if lg == "all" else langs_arr == lg
        out[lg] = {d: prf(y[mask, k], pred[mask, k]) for k, d in enumerate(DIMENSIONS)}
    return out


def langid_accuracy(detector: LanguageDetector, recs: Sequence[Labelled]) -> float:
    prep = prepare_records(recs)
    pred = detector.predict([p.body_text or p.plain for p in prep])
    truth = [r.reply.language for r in recs]
    return round(float(np.mean([a == b for a, b in zip(pred, truth, strict=True)])), 4)


def predict_labels(model: ReplyModel, recs: Sequence[Labelled]
                   ) -> tuple[np.ndarray, list[str], list[Prepared]]:
    """The model's 0/1 verdicts (n x 3), the languages used and the prepared texts."""
    prep = prepare_records(recs)
    langs = [r.reply.language for r in recs]
    if any(lg is None for lg in langs):
        missing = [i for i, lg in enumerate(langs) if lg is None]
        found = LanguageDetector(model.langid).predict([prep[i].body_text for i in missing])
        for i, lg in zip(missing, found, strict=True):
            langs[i] = lg
    proba = model.predict(prep, langs, [r.reply.customer_name for r in recs]).proba
    return (np.round(proba, 4) >= 0.5).astype(np.int64), langs, prep  # type: ignore[return-value]


def evaluate_records(model: ReplyModel, recs: Sequence[Labelled]) -> dict[str, Any]:
    """Model and baseline P/R/F1 per language and dimension on labelled records."""
    pred, langs, prep = predict_labels(model, recs)
    y = np.array([r.labels for r in recs], dtype=np.int64)
    return {"model": metrics_table(y, pred, langs),
            "baseline": metrics_table(y, baseline.predict(prep).astype(np.int64), langs)}


def format_table(result: dict[str, Any]) -> str:
    """Plain-text table: language, dimension, model P/R/F1, baseline P/R/F1."""
    head = (f"{'lang':<5} {'dimension':<12} {'n':>5} {'pos':>5} | "
            f"{'model P':>7} {'R':>6} {'F1':>6} | {'base P':>7} {'R':>6} {'F1':>6}")
    lines = [head, "-" * len(head)]
    for lg, dims in result["model"].items():
        for d, m in dims.items():
            b = result["baseline"][lg][d]
            lines.append(
                f"{lg:<5} {d:<12} {m['n']:>5} {m['positives']:>5} | "
                f"{m['precision']:>7.3f} {m['recall']:>6.3f} {m['f1']:>6.3f} | "
                f"{b['precision']:>7.3f} {b['recall']:>6.3f} {b['f1']:>6.3f}"
            )
    return "\n".join(lines)


def evaluate_command(settings: Settings, file: Path, split: str | None = None,
                     out: TextIO | None = None) -> int:
    """Score a labelled JSONL file with the installed model and the baseline; print both."""
    from scorer.model import ModelLoadError

    out = out or sys.stdout
    try:
        model = ReplyModel.load(settings.model_path)
    except ModelLoadError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        recs = list(read_labelled(file, split))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not recs:
        print(f"error: {file} has no labelled records"
              + (f" with split == {split!r}" if split else ""), file=sys.stderr)
        return 2
    result = evaluate_records(model, recs)
    print(f"model {model.version} on {file}"
          + (f" (split {split})" if split else "") + f": {len(recs)} replies", file=out)
    print(format_table(result), file=out)
    return 0
