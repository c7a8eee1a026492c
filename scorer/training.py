"""`scorer train` and `scorer evaluate`: fit the model on the corpus, measure it, write the card.

Training uses ONLY records with split == "train". Hyper-parameters (the regularisation C
of each head) are chosen by stratified cross-validation inside the training split; the
test split is touched once, after fitting, to report held-out precision/recall/F1 for
the model and the keyword baseline (models/MODEL_CARD.md). Progress goes to stderr.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import orjson
from sklearn.metrics import f1_score, precision_recall_fscore_support
from sklearn.model_selection import GroupKFold

from scorer import baseline, features
from scorer.langid import LanguageDetector, build_language_pipeline
from scorer.model import ReplyModel, fit_head
from scorer.schema import DIMENSIONS, LANGUAGES, InvalidRecord, Reply, decode_reply
from scorer.settings import DEFAULT_MODEL_PATH, Settings
from scorer.text import Prepared, prepare_many

MODELS_DIR = DEFAULT_MODEL_PATH.parent
DEFAULT_CORPUS = MODELS_DIR / "corpus" / "replies.jsonl"
CARD_NAME = "MODEL_CARD.md"
C_GRID: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0)
CV_FOLDS = 3
#: Vocabulary size of the stored language detector: 8,000 char n-grams detect the five
#: languages as well as 60,000 on this corpus, and the artifact loads in a fraction of the time.
LANGID_FEATURES = 8000
_CODE_FILES = ("features.py", "model.py", "training.py", "text.py")


@dataclass(slots=True)
class Labelled:
    """A labelled corpus record: the reply, its labels (n x 3 later) and split."""

    reply: Reply
    labels: tuple[int, int, int]
    split: str | None
    provenance: str | None


def _progress(msg: str) -> None:
    print(f"[train] {msg}", file=sys.stderr, flush=True)


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


def _prepare(records: Sequence[Labelled]) -> list[Prepared]:
    return prepare_many([r.reply.text for r in records], [r.reply.content_type for r in records],
                        [r.reply.language for r in records])


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


_CAPWORD = re.compile(r"(?<!^)\b[A-ZÆØÅÄÖ]\w*")
_DIGITS = re.compile(r"\d+")


def wording_key(text: str) -> str:
    """A segment's wording with names and numbers masked: replies sharing it share a template."""
    return _DIGITS.sub("0", _CAPWORD.sub("C", text.strip())).lower()


def _choose_c(x: Any, y: np.ndarray, groups: Sequence[str]) -> tuple[float, float]:
    """Pick C by k-fold F1 inside the training split (the test split is never seen).

    Folds are grouped by the wording of the segment the head reads (the opener for greeting,
    the ending for closing), so validation replies use openers/endings not seen in the
    fold's training part - the same kind of generalisation the held-out split measures.
    """
    if min(np.sum(y), len(y) - np.sum(y)) < CV_FOLDS or len(set(groups)) < CV_FOLDS:
        return 1.0, float("nan")
    folds = list(GroupKFold(n_splits=CV_FOLDS).split(np.zeros(len(y)), y, groups))
    best = (1.0, -1.0)
    for c in C_GRID:
        scores = []
        for tr, va in folds:
            clf = fit_head(c, x[tr], y[tr])
            scores.append(f1_score(y[va], clf.predict(x[va]), zero_division=0))
        mean = float(np.mean(scores))
        if mean > best[1] + 1e-9:
            best = (c, mean)
    return best


def _file_sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _code_sha() -> str:
    here = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for name in _CODE_FILES:
        p = here / name
        if p.is_file():
            h.update(p.read_bytes())
    return h.hexdigest()


def _length_data(records: Sequence[Labelled], prepared: Sequence[Prepared]) -> dict[str, Any]:
    """Word counts per channel of complete replies (all three labels 1) in the training split."""
    out: dict[str, Any] = {}
    for ch in ("email", "chat", "messenger"):
        wc = np.array([p.word_count for r, p in zip(records, prepared, strict=True)
                       if r.reply.channel.value == ch and all(r.labels)])
        allwc = np.array([p.word_count for r, p in zip(records, prepared, strict=True)
                          if r.reply.channel.value == ch])
        if len(wc) == 0:
            out[ch] = {"n_complete": 0}
            continue
        q = np.percentile(wc, [5, 10, 50, 90, 95]).round(1).tolist()
        out[ch] = {"n_complete": len(wc), "p5": q[0], "p10": q[1], "median": q[2],
                   "p90": q[3], "p95": q[4],
                   "n_all": len(allwc), "median_all": float(np.median(allwc))}
    return out


def train(corpus: Path, out: Path) -> tuple[ReplyModel, dict[str, Any]]:
    t0 = time.perf_counter()
    records = list(read_labelled(corpus))
    train_recs = [r for r in records if r.split == "train"]
    test_recs = [r for r in records if r.split == "test"]
    if not train_recs:
        raise ValueError(f"{corpus} has no records with split == 'train'; nothing to train on")
    _progress(f"corpus {corpus}: {len(train_recs)} train, {len(test_recs)} test records")

    prep_tr = _prepare(train_recs)
    langs_tr = [r.reply.language or "en" for r in train_recs]
    names_tr = [r.reply.customer_name for r in train_recs]
    y_tr = np.array([r.labels for r in train_recs], dtype=np.int64)
    _progress(f"prepared training texts in {time.perf_counter() - t0:.1f}s")

    detector: LanguageDetector | None = None
    if len(set(langs_tr)) >= 2:
        detector = LanguageDetector(build_language_pipeline(LANGID_FEATURES))
        detector.fit([p.body_text or p.plain for p in prep_tr], langs_tr)
        _progress("fitted the language detector")
    else:
        _progress("only one language in the corpus: no language detector stored")

    fb = features.extract(prep_tr, langs_tr, names_tr)
    views = {"greeting": fb.greeting, "explanation": fb.explanation, "closing": fb.closing}
    def seg_key(p: Prepared, j: int) -> str:
        return wording_key(p.segment(j)) if p.segments else ""

    groups = {"greeting": [seg_key(p, 0) for p in prep_tr],
              "closing": [seg_key(p, -1) for p in prep_tr],
              "explanation": [wording_key(p.body_text) for p in prep_tr]}
    heads = {}
    chosen: dict[str, dict[str, float]] = {}
    for k, dim in enumerate(DIMENSIONS):
        c, cv_f1 = _choose_c(views[dim], y_tr[:, k], groups[dim])
        heads[dim] = fit_head(c, views[dim], y_tr[:, k])
        chosen[dim] = {"C": c, "cv_f1": round(cv_f1, 4)}
        _progress(f"{dim}: C={c} (cv F1 {cv_f1:.3f})")

    corpus_sha = _file_sha(corpus)
    params = {"C": {d: chosen[d]["C"] for d in DIMENSIONS}, "n_features": features.N_FEATURES,
              "head": "LogisticRegression(liblinear, class_weight=balanced)"}
    fingerprint = hashlib.sha256(
        (corpus_sha + json.dumps(params, sort_keys=True) + _code_sha()).encode()
    ).hexdigest()[:10]
    today = datetime.now(UTC)
    version = f"{today:%Y.%m.%d}-{fingerprint}"

    meta: dict[str, Any] = {
        "trained_at": today.isoformat(timespec="seconds"),
        "corpus": str(corpus.name), "corpus_sha256": corpus_sha, "code_sha256": _code_sha(),
        "params": params, "cv": chosen,
        "counts": _counts(records),
        "length_data": _length_data(train_recs, prep_tr),
    }
    model = ReplyModel(greeting=heads["greeting"], explanation=heads["explanation"],
                       closing=heads["closing"], version=version, meta=meta,
                       langid=detector.pipeline if detector else None)
    if test_recs:
        meta["heldout"] = evaluate_records(model, test_recs)
        if detector is not None:
            lang_acc = _langid_accuracy(detector, test_recs)
            meta["langid_accuracy"] = lang_acc
            _progress(f"held-out language detection accuracy {lang_acc:.3f}")
    meta["train_seconds"] = round(time.perf_counter() - t0, 1)
    model.save(out)
    _progress(f"wrote {out} (version {version}) in {meta['train_seconds']}s")
    return model, meta


def _counts(records: Sequence[Labelled]) -> dict[str, Any]:
    by: Counter[tuple[str, str, str]] = Counter()
    labels: Counter[tuple[str, str, str]] = Counter()
    for r in records:
        key = (r.split or "-", r.reply.language or "-", r.reply.channel.value)
        by[key] += 1
        for d, v in zip(DIMENSIONS, r.labels, strict=True):
            labels[(r.split or "-", r.reply.language or "-", d)] += v
    return {"by_split_language_channel": {"|".join(k): v for k, v in sorted(by.items())},
            "positives_by_split_language_dimension":
                {"|".join(k): v for k, v in sorted(labels.items())}}


def _langid_accuracy(detector: LanguageDetector, recs: Sequence[Labelled]) -> float:
    prep = _prepare(recs)
    pred = detector.predict([p.body_text or p.plain for p in prep])
    truth = [r.reply.language for r in recs]
    return round(float(np.mean([a == b for a, b in zip(pred, truth, strict=True)])), 4)


def evaluate_records(model: ReplyModel, recs: Sequence[Labelled]) -> dict[str, Any]:
    """Model and baseline P/R/F1 per language and dimension on labelled records."""
    prep = _prepare(recs)
    langs = [r.reply.language for r in recs]
    if any(lg is None for lg in langs):
        missing = [i for i, lg in enumerate(langs) if lg is None]
        found = LanguageDetector(model.langid).predict([prep[i].body_text for i in missing])
        for i, lg in zip(missing, found, strict=True):
            langs[i] = lg
    y = np.array([r.labels for r in recs], dtype=np.int64)
    proba = model.predict(prep, langs, [r.reply.customer_name for r in recs]).proba
    pred = (np.round(proba, 4) >= 0.5).astype(np.int64)
    return {"model": metrics_table(y, pred, langs),  # type: ignore[arg-type]
            "baseline": metrics_table(y, baseline.predict(prep).astype(np.int64), langs)}  # type: ignore[arg-type]


# --- reports ---------------------------------------------------------------------------------


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


def _md_table(result: dict[str, Any]) -> str:
    rows = ["| language | dimension | n | positives | model P | model R | model F1 | "
            "baseline P | baseline R | baseline F1 |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for lg, dims in result["model"].items():
        for d, m in dims.items():
            b = result["baseline"][lg][d]
            rows.append(f"| {lg} | {d} | {m['n']} | {m['positives']} | {m['precision']:.3f} | "
                        f"{m['recall']:.3f} | {m['f1']:.3f} | {b['precision']:.3f} | "
                        f"{b['recall']:.3f} | {b['f1']:.3f} |")
    return "\n".join(rows)


def render_card(model: ReplyModel, settings: Settings) -> str:
    """The text of models/MODEL_CARD.md, generated from the artifact's own metadata."""
    m = model.meta
    counts = m.get("counts", {}).get("by_split_language_channel", {})
    lines = [
        "# Model card: reply-quality model",
        "",
        f"- **Version:** `{model.version}` (date + short hash of corpus, code and parameters;"
        " reported as `scorer_model_info{version=...}` and in every scored record)",
        f"- **Trained:** {m.get('trained_at')} in {m.get('train_seconds')} s, on "
        f"`models/corpus/{m.get('corpus')}` (sha256 `{str(m.get('corpus_sha256'))[:16]}…`)",
        "- **File:** `models/reply-model.skops` (skops, no pickle; loaded with an explicit "
        "list of trusted sklearn/numpy types)",
        "",
        "## What it does",
        "",
        "Three binary classifiers (`LogisticRegression`, liblinear, balanced class weights) "
        "estimate whether an agent reply has a **greeting**, an **explanation** and a "
        "**closing** as defined in `docs/LABELS.md`, on the agent's own text "
        "(quoted history and signature removed by `scorer.text`). A character n-gram "
        "language detector (`scorer.langid`) is stored in the same file and used when a "
        "reply carries no `language`.",
        "",
        "Features (hashed, 2^18 columns per view, `scorer/features.py`): lower-cased "
        "tokens (NLTK regexp tokenizer), NLTK Snowball stems per language (norwegian for "
        "nb/nn, swedish, danish, english), word bigrams, cue lexicons for salutations, "
        "thanks-for-contact, sign-offs, well-wishes, offers of help, why/how/what-next and "
        "requests in all five languages, position (first/last tokens of the first/last "
        "segment, capitalised words after the first collapsed to `<C>` so names are not "
        "memorised), character 3-grams of the opener and ending, punctuation after the "
        "first word and at the end, whether the customer's name opens the reply, digits, "
        "URLs, arrows and numbered steps, segment counts.",
        "",
        "## Data",
        "",
        "Project-written corpus (`models/corpus/README.md`): hand-written replies and "
        "replies composed from project-written parts; no third-party text. The held-out "
        "split is by parts (a test reply uses only wording never seen in training). Only "
        "`split == \"train\"` is used for fitting; C is chosen by "
        f"{CV_FOLDS}-fold cross-validation inside it, folds grouped by the wording of the "
        "opener/ending so validation uses unseen wording "
        f"(grid {list(C_GRID)}).",
        "",
        "| split | language | channel | replies |",
        "|---|---|---|---:|",
    ]
    for key, v in counts.items():
        sp_, lg, ch = key.split("|")
        lines.append(f"| {sp_} | {lg} | {ch} | {v} |")
    cv = m.get("cv", {})
    lines += ["", "Chosen regularisation: " + ", ".join(
        f"{d} C={cv[d]['C']} (cv F1 {cv[d]['cv_f1']})" for d in DIMENSIONS if d in cv), ""]
    if "heldout" in m:
        lines += ["## Held-out results (test split)", "",
                  "A dimension counts as present when its probability is >= 0.5. The baseline "
                  "is the keyword-rule baseline of `scorer/baseline.py`.", "",
                  _md_table(m["heldout"]), ""]
        if "langid_accuracy" in m:
            lines += [f"Language detection accuracy on the test split: "
                      f"{m['langid_accuracy']:.3f}.", ""]
    ld = m.get("length_data", {})
    lines += ["## Length", "",
              "Length is not learned: the body's word count is scored against a per-channel "
              "target range (`SCORER_LENGTH_EMAIL`, `SCORER_LENGTH_CHAT`, "
              "`SCORER_LENGTH_MESSENGER`, \"MIN-MAX\"). Score 1 inside the range, `words/MIN` "
              "below it, `MAX/words` above it; reasons `too_short` / `too_long`.", "",
              "Word counts of training replies that have greeting, explanation and closing:", "",
              "| channel | complete replies | p5 | p10 | median | p90 | p95 | "
              "configured range |",
              "|---|---:|---:|---:|---:|---:|---:|---|"]
    for ch in ("email", "chat", "messenger"):
        d = ld.get(ch, {})
        rng = getattr(settings, f"length_{ch}")
        if d.get("n_complete"):
            lines.append(f"| {ch} | {d['n_complete']} | {d['p5']} | {d['p10']} | "
                         f"{d['median']} | {d['p90']} | {d['p95']} | {rng} |")
    lines += ["", LENGTH_RATIONALE, "",
              "## Total, bands and reasons", "",
              "`total = round(100 * sum(w_d * credit_d))` with the weights below "
              "(`SCORER_WEIGHT_*`, normalised to sum 1); credit is the length score for "
              "length and `clip((p - 0.1) / 0.8, 0, 1)` for the three model dimensions. "
              "Bands: excellent 100, good 80-99, at_risk 70-79, poor < 70; flagged when "
              f"total < `SCORER_FLAG_THRESHOLD` (default {settings.flag_threshold}).", "",
              "| dimension | default weight |", "|---|---:|"]
    for d, w in settings.weights.items():
        lines.append(f"| {d} | {w:.2f} |")
    lines += ["", "Reasons (closed vocabulary): `missing_greeting`, `missing_explanation`, "
              "`missing_closing` (probability < 0.5), `too_short`, `too_long` (outside the "
              "range). A flagged reply with none of these gets the reason of the dimension "
              "that cost the most points.", "",
              "## Intended use and limits", "", LIMITS, ""]
    return "\n".join(lines)


LENGTH_RATIONALE = (
    "Why these defaults: e-mail replies are expected to greet, explain and close in full "
    "sentences, so the floor (40 words) sits near the low tail of complete e-mail replies and "
    "the ceiling (250) well above their high tail, where length starts to hurt readability. "
    "Chat and Messenger replies are short by nature; 8 words is about the least that holds a "
    "greeting, a substantive sentence and a closing, and 90 words is far above typical "
    "complete chat replies. Kundeserviceprisen 2020 found written replies were mostly too "
    "short, so the floors matter more than the ceilings. Operators should re-derive the "
    "ranges from their own traffic (the table above shows how) and set the variables."
)

LIMITS = (
    "- Intended use: monitoring and QA triage of customer-service replies in nb, nn, sv, da "
    "and en; flagged replies are for a human to review, not for automatic sanctions.\n"
    "- The training corpus is project-written (hand-written and composed) text, not real "
    "traffic; held-out numbers measure generalisation to unseen wording of the same "
    "definitions, not to every real-world style. Check the model on a labelled sample of "
    "your own replies with `scorer evaluate FILE` before relying on it.\n"
    "- Other languages are scored as the closest of the five; mixed-language replies use "
    "the detected majority language.\n"
    "- The model judges presence of greeting, explanation and closing, not correctness, "
    "tone or politeness of the content.\n"
    "- Nynorsk has the fewest training replies; its numbers have the widest uncertainty."
)


def write_card(model: ReplyModel, path: Path, settings: Settings) -> None:
    """models/MODEL_CARD.md: data, held-out metrics (model vs baseline), length, weights."""
    path.write_text(render_card(model, settings), encoding="utf-8")


def train_command(corpus: Path | None = None, out: Path | None = None) -> int:
    corpus = Path(corpus or DEFAULT_CORPUS)
    out = Path(out or DEFAULT_MODEL_PATH)
    if not corpus.is_file():
        print(f"error: corpus {str(corpus)!r} does not exist; build it with "
              "`python models/corpus/build.py` or pass --corpus FILE", file=sys.stderr)
        return 2
    try:
        model, meta = train(corpus, out)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    card = out.parent / CARD_NAME
    write_card(model, card, Settings())
    _progress(f"wrote {card}")
    if "heldout" in meta:
        print(format_table(meta["heldout"]), file=sys.stderr)
    return 0


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
