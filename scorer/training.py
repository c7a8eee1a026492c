"""`scorer train`: fit the model on the corpus, measure it (`scorer.evaluation`), write the card.

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
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import f1_score
from sklearn.model_selection import GroupKFold

from scorer import features
from scorer.evaluation import (
    REVIEW,
    Labelled,
    evaluate_records,
    format_table,
    langid_accuracy,
    prepare_records,
    read_labelled,
)
from scorer.langid import LanguageDetector, fit_language_model
from scorer.model import ReplyModel, fit_head
from scorer.model_card import write_card
from scorer.schema import DIMENSIONS
from scorer.settings import DEFAULT_MODEL_PATH, Settings
from scorer.text import Prepared

#: The source tree's `models/` folder (corpus, MODEL_CARD.md) beside the `scorer/` package:
#: the checkout, or an editable install of it. The model itself is package data
#: (DEFAULT_MODEL_PATH, scorer/data/), so an installed wheel scores without this folder.
MODELS_DIR = Path(__file__).resolve().parent.parent / "models"
DEFAULT_CORPUS = MODELS_DIR / "corpus" / "replies.jsonl"
#: The same layout as seen from an unpacked sdist (`reply-scorer-X.Y.Z/`) as the working
#: directory, for `scorer train` run there with the package installed non-editable.
_CORPUS_IN_TREE = Path("models") / "corpus" / "replies.jsonl"
_MODEL_IN_TREE = Path("scorer") / "data" / DEFAULT_MODEL_PATH.name
CARD_NAME = "MODEL_CARD.md"
#: `provenance` of a QA-reviewed reply added to training by `scorer train --feedback`.
C_GRID: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0)
CV_FOLDS = 3
#: Vocabulary size of the stored language detector: 8,000 char n-grams detect the five
#: languages as well as 60,000 on this corpus, and the artifact loads in a fraction of the time.
LANGID_FEATURES = 8000
_CODE_FILES = ("features", "model.py", "evidence.py", "linear.py", "langid.py", "training.py",
               "text")
#: Labelled replies written without sight of the corpus or the features, and real public
#: replies (tests/data/REPLIES_EVAL.md): reported in the card beside the held-out split,
#: never trained on. Absent outside a source checkout.
EXTERNAL_SETS: tuple[tuple[str, Path], ...] = (
    ("written independently of the corpus and features",
     MODELS_DIR.parent / "tests" / "data" / "replies_eval_independent.jsonl"),
    ("social and chat replies written independently, blind (250; nb, nn, sv, da, en)",
     MODELS_DIR.parent / "tests" / "data" / "replies_eval_social.jsonl"),
    ("social, chat and e-mail replies by a second blind writer (300; nb, nn, sv, da, en)",
     MODELS_DIR.parent / "tests" / "data" / "replies_eval_social2.jsonl"),
    ("real public customer-service replies (English)",
     MODELS_DIR.parent / "tests" / "data" / "replies_eval_public.jsonl"),
    ("real public support answers, second set (GitHub issues and a forum; en, da, nb, sv)",
     MODELS_DIR.parent / "tests" / "data" / "replies_eval_public2.jsonl"),
    ("real public customer-service replies quoted in articles, third set (26; en, nb, da)",
     MODELS_DIR.parent / "tests" / "data" / "replies_eval_public3.jsonl"),
    ("real public support e-mails and issue answers, fourth set (82; en, nb)",
     MODELS_DIR.parent / "tests" / "data" / "replies_eval_public4.jsonl"),
    ("real public replies by brand support accounts on Twitter, fifth set (107; en, da, nb, sv)",
     MODELS_DIR.parent / "tests" / "data" / "replies_eval_public5.jsonl"),
)


def _progress(msg: str) -> None:
    print(f"[train] {msg}", file=sys.stderr, flush=True)


_CAPWORD = re.compile(r"(?<!^)\b[A-ZÆØÅÄÖ]\w*")
_DIGITS = re.compile(r"\d+")


def wording_key(text: str) -> str:
    """A segment's wording with names and numbers masked: replies sharing it share a template."""
    return _DIGITS.sub("0", _CAPWORD.sub("C", text.strip())).lower()


def _choose_c(x: Any, y: np.ndarray, groups: Sequence[str],
              weight: np.ndarray | None = None) -> tuple[float, float]:
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
            head = fit_head(c, x[tr], y[tr], None if weight is None else weight[tr])
            scores.append(f1_score(y[va], head.predict(x[va]), zero_division=0))
        mean = float(np.mean(scores))
        if mean > best[1] + 1e-9:
            best = (c, mean)
    return best


def _file_sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _code_sha() -> str:
    """Hash of the code that turns text into features and scores (part of the model
    version). Every entry must exist — a module moved or renamed must be named here anew,
    or the fingerprint would silently stop covering it — and a package entry covers all of
    its modules."""
    here = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for name in _CODE_FILES:
        p = here / name
        if p.is_dir():
            files = sorted(p.rglob("*.py"))
        elif p.is_file():
            files = [p]
        else:
            raise FileNotFoundError(
                f"{p} is listed in scorer.training._CODE_FILES but does not exist; list the "
                "module or package that now holds that code")
        for f in files:
            h.update(str(f.relative_to(here)).encode() + b"\0" + f.read_bytes())
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


def train(corpus: Path, out: Path, *, reviews: Sequence[Labelled] = (),
          review_weight: float = 1.0) -> tuple[ReplyModel, dict[str, Any]]:
    """Fit the model on the corpus's train split, plus `reviews` (QA-reviewed replies, each
    counted `review_weight` times), and save it to `out`."""
    t0 = time.perf_counter()
    records = list(read_labelled(corpus))
    train_recs = [r for r in records if r.split == "train"] + list(reviews)
    test_recs = [r for r in records if r.split == "test"]
    if not train_recs:
        raise ValueError(f"{corpus} has no records with split == 'train'; nothing to train on")
    _progress(f"corpus {corpus}: {len(train_recs)} train, {len(test_recs)} test records")

    prep_tr = prepare_records(train_recs)
    langs_tr = [r.reply.language or "en" for r in train_recs]
    names_tr = [r.reply.customer_name for r in train_recs]
    y_tr = np.array([r.labels for r in train_recs], dtype=np.int64)
    w_tr = np.ones(len(train_recs)) if not reviews else np.array(
        [review_weight if r.provenance == REVIEW else 1.0 for r in train_recs])
    _progress(f"prepared training texts in {time.perf_counter() - t0:.1f}s")

    detector: LanguageDetector | None = None
    if len(set(langs_tr)) >= 2:
        detector = LanguageDetector(fit_language_model(
            [p.body_text or p.plain for p in prep_tr], langs_tr, LANGID_FEATURES))
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
        w = w_tr if reviews else None
        c, cv_f1 = _choose_c(views[dim], y_tr[:, k], groups[dim], w)
        heads[dim] = fit_head(c, views[dim], y_tr[:, k], w)
        chosen[dim] = {"C": c, "cv_f1": round(cv_f1, 4)}
        _progress(f"{dim}: C={c} (cv F1 {cv_f1:.3f})")

    corpus_sha = _file_sha(corpus)
    params = {"C": {d: chosen[d]["C"] for d in DIMENSIONS}, "n_features": features.N_FEATURES,
              "head": "LogisticRegression(liblinear, class_weight=balanced)"}
    if reviews:  # a model trained on reviews is another model (and says so in its version)
        params["reviews"] = [len(reviews), review_weight,
                             hashlib.sha256(repr(sorted(r.reply.id for r in reviews)).encode())
                             .hexdigest()[:16]]
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
    if reviews:
        meta["reviews"] = {"trained_on": len(reviews), "weight": review_weight}
    model = ReplyModel(greeting=heads["greeting"], explanation=heads["explanation"],
                       closing=heads["closing"], version=version, meta=meta,
                       langid=detector.model if detector else None)
    if test_recs:
        meta["heldout"] = evaluate_records(model, test_recs)
        if detector is not None:
            lang_acc = langid_accuracy(detector, test_recs)
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


# --- reports ---------------------------------------------------------------------------------


def source_tree() -> Path | None:
    """The reply-scorer source tree `scorer train` works in: the checkout this package runs
    from (editable install), else the working directory if it is one (an unpacked sdist),
    else None (an installed wheel: the corpus must come from --corpus)."""
    checkout = MODELS_DIR.parent
    if (checkout / _CORPUS_IN_TREE).is_file():
        return checkout
    here = Path.cwd()
    if (here / _CORPUS_IN_TREE).is_file() and (here / "pyproject.toml").is_file():
        return here
    return None


def default_output(tree: Path | None) -> Path:
    """Where `scorer train` writes without --out: the source tree's packaged model (so the
    next build ships it); outside a source tree the working directory, never site-packages."""
    if tree is None:
        return Path.cwd() / DEFAULT_MODEL_PATH.name
    if tree == MODELS_DIR.parent:
        return DEFAULT_MODEL_PATH
    return tree / _MODEL_IN_TREE


def card_path(out: Path, tree: Path | None) -> Path:
    """MODEL_CARD.md stays in the tree's models/ for the packaged model; beside --out else."""
    if tree is not None and out.resolve() == default_output(tree).resolve():
        return tree / "models" / CARD_NAME
    return out.parent / CARD_NAME


def external_sets(tree: Path | None) -> tuple[tuple[str, Path], ...]:
    """EXTERNAL_SETS as found in `tree` (a checkout or an unpacked sdist carries them)."""
    if tree is None or tree == MODELS_DIR.parent:
        return EXTERNAL_SETS
    return tuple((label, tree / path.relative_to(MODELS_DIR.parent))
                 for label, path in EXTERNAL_SETS)


def train_command(corpus: Path | None = None, out: Path | None = None, *,
                  feedback: Path | None = None, feedback_weight: float = 3.0,
                  gate_tolerance: float = 0.0) -> int:
    """`scorer train [--feedback FILE]`: exit 0 written, 2 bad input, 3 refused by the
    feedback gate (scorer.feedback_training)."""
    tree = source_tree()
    if corpus is None:
        if tree is None:
            print("error: no training corpus here: pass --corpus FILE (a labelled JSONL), or "
                  "run `scorer train` in a checkout or an unpacked reply-scorer sdist, which "
                  f"carry it as {_CORPUS_IN_TREE}", file=sys.stderr)
            return 2
        corpus = tree / _CORPUS_IN_TREE
    corpus = Path(corpus)
    out = Path(out) if out is not None else default_output(tree)
    if not corpus.is_file():
        print(f"error: corpus {str(corpus)!r} does not exist; build it with "
              "`python models/corpus/build.py` or pass --corpus FILE", file=sys.stderr)
        return 2
    try:
        if feedback is not None:
            from scorer.feedback_training import train_with_feedback

            code, written = train_with_feedback(corpus, out, feedback, weight=feedback_weight,
                                                tolerance=gate_tolerance)
            if written is None:
                return code
            model, meta = written, written.meta
        else:
            model, meta = train(corpus, out)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    card = card_path(out, tree)
    external = {label: evaluate_records(model, list(read_labelled(path)))
                for label, path in external_sets(tree) if path.is_file()}
    write_card(model, card, Settings(), external=external, cv_folds=CV_FOLDS, c_grid=C_GRID)
    _progress(f"wrote {card}")
    if out.resolve() != DEFAULT_MODEL_PATH.resolve():
        _progress(f"the scorer loads the packaged model unless SCORER_MODEL_PATH={out} is set")
    if "heldout" in meta:
        print(format_table(meta["heldout"]), file=sys.stderr)
    return 0


