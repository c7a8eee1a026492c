"""Training data and fitting for the statistical name recogniser (`tagger.py`).

    .venv/bin/python -m scorer.redact.tagger_training [--out scorer/data/name-tagger.json.gz]

What it learns from, and why:

* **The labelled personal-data sets** (`SETS`: v1–v9 and the training set `pii_train_a`,
  listed by name so that a newer held-out set, v10, is never read by accident): every
  whole-word occurrence of a `name` secret is a name; every other candidate word is not.
* **The same cases with their names swapped** (`SWAPS` copies, seeded): each name word is
  replaced by another, half of them names in no list of the redactor (the name dictionary
  of gender-guesser has 48,000 names from every country; the redactor lists those of five).
  Without this the model would learn the names of the sets by heart; with it, it learns
  the contexts, and sees names the rules cannot catch where rules would.
* **The reply corpus** (`models/corpus/replies.jsonl`), names swapped the same way: names
  there are those of the corpus's name pools (`parts/*.json`) and the customer's.
* **A lexicon of ordinary words**: the corpus's lower-case words standing free (not in an
  e-mail address or URL, never a name of its pools), with a frequency bucket. It comes from
  the corpus alone, so every cross-validation fold shares it and no set's words leak into
  the fold that measures it.

Each word is featurised with the rules' hits as context, exactly as at run time (the
rules-only `Redactor(None)` gives them). The threshold is chosen by cross-validation over
the training sets (train on all but one, score that one; `choose_threshold`), never on a
set that is measured.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from importlib import resources

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression

from scorer.redact import Redactor
from scorer.redact.firstnames import FIRST_NAMES
from scorer.redact.namebook import BOOK_NAMES
from scorer.redact.tagger import MODEL_FILE, NameTagger
from scorer.redact.tagger_eval import ROOT, SETS, Judge, read_set, shown, whole_words
from scorer.redact.tagger_features import FREQUENT, Span, Units, features, last_line_start
from scorer.text import prepare

CORPUS = ROOT / "models" / "corpus"
SEED = 20251130
SWAPS = 2
MIN_COUNT = 2
C = 0.3
_WORD_RE = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
#: Pieces of made-up surnames (Nordic compounds such as "Lundvik", "Sjöqvist").
_SURNAME_TEXT = """
Berg Lund Holm Strand Dahl Haug Nord Sol Vest Øst Fjell Lind Ek Sjö Mo Bakke Ny Sand Ås Brå
Hag Skog Stor Lille Vass Rød Grøn Engel Kvam Lien
"""
_SURNAME_END_TEXT = """
heim vik dal rud stad berg lund gren qvist man by gaard land stedt bakken set nes haug strøm
ström holm li
"""
_PATRONYM = ("sen", "son", "ssen", "sson", "dóttir")


@dataclass
class Doc:
    """One text as the tagger sees it: the rules' hits and the name spans it should find."""

    text: str
    hits: list[Span]
    gold: list[tuple[int, int]]
    customer: str | None = None


def set_docs(name: str) -> list[Doc]:
    """The cases of one labelled set, rendered as the redactor sees them."""
    out = []
    for case in read_set(name):
        ctype = case.get("content_type") or "text/plain"
        plain = prepare(case.get("text") or "", ctype).plain
        gold: list[tuple[int, int]] = []
        for secret in case.get("secrets") or []:
            if str(secret.get("category")) != "name":
                continue
            value = shown(str(secret.get("value") or ""), ctype)
            gold += whole_words(value, plain) if value else []
        out.append(Doc(plain, [], sorted(set(gold)), case.get("customer_name")))
    return out


def corpus_docs() -> list[Doc]:
    """Corpus replies; names are the pools' names and the customer's (as written)."""
    pool: set[str] = set()
    for part in sorted((CORPUS / "parts").glob("*.json")):
        d = json.loads(part.read_text(encoding="utf-8"))
        for key in ("names", "agent_names"):
            pool.update(w for n in d.get(key, []) for w in n.split())
    out = []
    for line in (CORPUS / "replies.jsonl").read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        plain = prepare(r["text"], r.get("content_type") or "text/plain").plain
        names = pool | set((r.get("customer_name") or "").split())
        gold = [m.span() for m in _WORD_RE.finditer(plain) if m.group(0) in names]
        out.append(Doc(plain, [], gold, r.get("customer_name")))
    return out


def all_dictionary_names() -> list[str]:
    """Every name of gender-guesser's dictionary (all countries), single words only."""
    path = resources.files("gender_guesser") / "data" / "nam_dict.txt"
    out = set()
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line[:1] in "#=" or len(line) < 4:
                continue
            name = line[3:29].strip()
            if name.isalpha() and len(name) >= 3 and name[0].isupper() and name[1:].islower():
                out.add(name)
    return sorted(out)


class Swapper:
    """Replaces the name words of a text by other names, seeded: half listed, half not."""

    def __init__(self, surnames: Iterable[str], seed: int = SEED) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - reproducible training data, no secret
        listed = FIRST_NAMES | BOOK_NAMES
        self.listed = sorted(n for n in listed if n.isalpha())
        self.unlisted = [n for n in all_dictionary_names() if n not in listed]
        made = [a + b for a in _SURNAME_TEXT.split() for b in _SURNAME_END_TEXT.split()]
        made += [n + p for n in self.listed[:400] for p in _PATRONYM]
        self.surnames = sorted(set(surnames) | set(made))

    def pick(self, first: bool) -> str:
        if not first:
            return self.rng.choice(self.surnames)
        return self.rng.choice(self.listed if self.rng.random() < 0.5 else self.unlisted)

    def swap(self, doc: Doc) -> Doc:
        words: dict[str, str] = {}
        for s, e in doc.gold:
            for i, m in enumerate(_WORD_RE.finditer(doc.text, s, e)):
                key = m.group(0).lower()
                if key not in words:
                    words[key] = self.pick(first=i == 0)
        if not words:
            return doc
        parts: list[str] = []
        gold: list[tuple[int, int]] = []
        pos = shift = 0
        inside = [False] * (len(doc.text) + 1)
        for s, e in doc.gold:
            inside[s:e] = [True] * (e - s)
        for m in _WORD_RE.finditer(doc.text):
            old = m.group(0)
            new = words.get(old.lower())
            if new is None:
                continue
            new = new.lower() if old.islower() else new.upper() if old.isupper() else new
            parts.append(doc.text[pos:m.start()])
            a = m.start() + shift
            parts.append(new)
            if inside[m.start()]:
                gold.append((a, a + len(new)))
            shift += len(new) - len(old)
            pos = m.end()
        parts.append(doc.text[pos:])
        customer = doc.customer
        if customer:
            customer = " ".join(words.get(w.lower(), w) for w in customer.split())
        return Doc("".join(parts), [], gold, customer)


def with_hits(docs: list[Doc], rules: Redactor) -> list[Doc]:
    """The rules' hits of each text, as the tagger will get them at run time."""
    for d in docs:
        r = rules.redact(d.text, [d.customer])
        d.hits = [(h.start, h.end, h.kind) for h in r.hits]
    return docs


def _loose_words(text: str) -> Iterator[str]:
    """Words standing free: not part of an e-mail address, URL or file name."""
    n = len(text)
    for m in _WORD_RE.finditer(text):
        s, e = m.span()
        before = text[s - 1] if s else " "
        after = text[e + 1] if e + 1 < n and text[e] in "@._/:" else " "
        if before not in "@./_:\\" and not after.isalnum():
            yield m.group(0)


def build_lexicon(docs: Iterable[Doc]) -> dict[str, int]:
    """Lower-case words of the texts (never a name of them), bucketed by frequency."""
    counts: Counter[str] = Counter()
    for d in docs:
        names = {d.text[s:e].lower() for s, e in d.gold}
        names |= {w.lower() for w in (d.customer or "").split()}
        counts.update(w for w in _loose_words(d.text) if w.islower() and w not in names)
    return {w: 1 if c < 3 else 2 if c < 20 else FREQUENT for w, c in counts.items()}


def rows(docs: Iterable[Doc], lexicon: dict[str, int]
         ) -> tuple[list[list[str]], list[int]]:
    """Feature strings and labels of every candidate word of `docs`."""
    feats: list[list[str]] = []
    labels: list[int] = []
    for d in docs:
        us = Units(d.text, d.hits)
        last = last_line_start(d.text)
        for i in us.candidates(lexicon):
            feats.append(features(us, i, lexicon, last))
            a, b = us.start[i], us.end[i]
            labels.append(int(any(s < b and a < e for s, e in d.gold)))
    return feats, labels


def fit(feats: Sequence[list[str]], labels: Sequence[int], lexicon: dict[str, int],
        threshold: float = 0.0, c: float | None = None) -> NameTagger:
    """A logistic model over the feature strings seen at least MIN_COUNT times."""
    counts = Counter(f for fs in feats for f in fs)
    vocab = {f: i for i, f in enumerate(sorted(f for f, n in counts.items() if n >= MIN_COUNT))}
    indptr, indices = [0], []
    for fs in feats:
        indices += sorted({vocab[f] for f in fs if f in vocab})
        indptr.append(len(indices))
    x = sparse.csr_matrix((np.ones(len(indices)), indices, indptr), shape=(len(feats), len(vocab)))
    model = LogisticRegression(C=C if c is None else c, solver="liblinear", max_iter=1000)
    model.fit(x, np.asarray(labels))
    coef = model.coef_[0]
    weights = {f: float(coef[i]) for f, i in vocab.items() if abs(coef[i]) >= 1e-3}
    weights["b"] = weights.get("b", 0.0) + float(model.intercept_[0])
    return NameTagger(weights, lexicon, threshold)


class Rows:
    """Feature rows of each training set (its cases and their swaps) and of the corpus,
    built once: a fold's training data is the rows of its sets plus the corpus's. The
    lexicon comes from the corpus alone, so every fold shares it."""

    def __init__(self, rules: Redactor, seed: int = SEED) -> None:
        self.rules = rules
        self.seed = seed
        corpus = corpus_docs()
        self.lexicon = build_lexicon(corpus)
        swapper = Swapper((), seed)
        self.corpus = rows(with_hits([*corpus, *(swapper.swap(d) for d in corpus)], rules),
                           self.lexicon)
        self.sets: dict[str, tuple[list[list[str]], list[int]]] = {}

    def of_set(self, name: str) -> tuple[list[list[str]], list[int]]:
        """A set's cases and SWAPS swapped copies (surnames swapped among its own)."""
        if name not in self.sets:
            gold = set_docs(name)
            surnames = {m.group(0) for d in gold for s, e in d.gold
                        for i, m in enumerate(_WORD_RE.finditer(d.text, s, e)) if i > 0}
            swapper = Swapper(surnames, self.seed)
            docs = gold + [swapper.swap(d) for _ in range(SWAPS) for d in gold]
            self.sets[name] = rows(with_hits(docs, self.rules), self.lexicon)
        return self.sets[name]

    def train(self, sets: Sequence[str], threshold: float = 0.0) -> NameTagger:
        """A tagger trained on `sets` (with their swaps) and the corpus."""
        feats, labels = list(self.corpus[0]), list(self.corpus[1])
        for name in sets:
            f, y = self.of_set(name)
            feats += f
            labels += y
        return fit(feats, labels, self.lexicon, threshold)


#: Log-odds thresholds tried.
GRID = (-1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0)
#: Cost of one keep-string removed and of one other word redacted, in leaked names; and
#: the most keep-strings (a fraction of all) the tagger may remove on the training folds.
KEEP_COST = 1.0
WORD_COST = 0.25
KEEP_BUDGET = 0.005


def cost(stats: dict[str, int]) -> float:
    return stats["leaked"] + KEEP_COST * stats["removed"] + WORD_COST * stats["collateral"]


def choose_threshold(rows_: Rows, sets: Sequence[str], judge: Judge
                     ) -> tuple[float, dict[float, dict[str, int]]]:
    """The threshold of least cost (`cost`) over out-of-fold predictions on `sets` (for
    each set, a tagger trained on the others is measured on it at every threshold) among
    those that remove at most KEEP_BUDGET more keep-strings than the rules alone."""
    totals: dict[float, Counter[str]] = {t: Counter() for t in GRID}
    base: Counter[str] = Counter()
    for held in sets:
        base.update(judge(None, held))
        tagger = rows_.train([s for s in sets if s != held])
        for t in GRID:
            totals[t].update(judge(NameTagger(tagger.weights, tagger.lexicon, t), held))
    table = {t: dict(c) for t, c in totals.items()}
    allowed = [t for t in GRID
               if table[t]["removed"] - base["removed"] <= KEEP_BUDGET * base["keeps"]]
    best = min(allowed or [max(GRID)], key=lambda t: (cost(table[t]), t))
    return best, {-99.0: dict(base), **table}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "scorer" / "data" / MODEL_FILE))
    args = ap.parse_args(argv)
    rows_ = Rows(Redactor(None))
    threshold, table = choose_threshold(rows_, SETS, Judge())
    for t, stats in table.items():
        print(f"threshold {t:+.1f}: {stats}  cost {cost(stats):.1f}")
    tagger = rows_.train(SETS, threshold)
    tagger.meta = {"sets": list(SETS), "seed": SEED, "swaps": SWAPS, "c": C,
                   "threshold_table": {str(t): s for t, s in table.items()},
                   "features": len(tagger.weights), "lexicon": len(tagger.lexicon)}
    tagger.save(args.out)
    print(f"threshold {threshold}, {len(tagger.weights)} weights, "
          f"{len(tagger.lexicon)} lexicon words -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
