"""A statistical name recogniser: one more detector of `scorer.redact`, run after the rules.

The rules (`names.py`) find names that a context announces or a list holds. The names they
miss are in no list and in no announcing context ("doktor Wahlberg", "/Nora på Zalando",
"Eirik, Elkjøp kundeservice", "hey its ellie"). This recogniser scores each word the
rules left alone with a logistic model over the word's shape, suffixes, whether it is an
ordinary word (a lexicon of lower-case words from the reply corpus), its membership in the
name lists, the words and punctuation around it (±2) and whether a neighbour is already
redacted. Weights, lexicon and threshold are trained by `tagger_training.py` and shipped as
JSON (`scorer/data/name-tagger.json.gz`; no pickle).

Why its features look the way they do:

* **Neighbours already redacted are one placeholder** (`<N>` for a name, `<P>` for other
  personal data), whether the neighbour was a hit of this pass or a `[NAME]` token in the
  text. So redacting the redacted text sees the same neighbours and changes nothing (the
  redactor's idempotence), and a run of names counts as one unit either way.
* **Tags spread to a fixpoint**: a word tagged a name becomes `<N>` to its neighbours,
  which are scored again (each word is tagged at most once, so this stays linear).
* **Only candidates are scored**: capitalised words, and lower-case words that are a
  listed name. Most words of a reply are neither; the cost is a few
  microseconds per candidate (dictionary look-ups of feature strings).
* Words of `NOT_NAMES` (brands, teams, greetings) are never tagged, whatever the model says.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable
from importlib import resources
from itertools import chain, repeat
from pathlib import Path
from typing import Any

from scorer.memo import BoundedCache
from scorer.redact.tagger_features import (
    Span,
    Units,
    WordPart,
    candidate,
    context_features,
    gap_class,
    last_line_start,
    word_features,
    word_part,
)

Found = tuple[int, int, str]

#: Format of the model file this code reads; a file of another format is refused.
FORMAT = 1
MODEL_FILE = "name-tagger.json.gz"
#: Words whose own part of the score a tagger remembers (`NameTagger.words`).
WORD_MEMO_LIMIT = 8192


class NameTagger:
    """The trained model: feature weights, the ordinary-word lexicon and the threshold
    chosen on the training folds, never changed after construction; the redactor owns one.

    So what a word alone contributes to its score (`word_features`, a third of the
    features and of the cost of scoring it) is the same wherever it stands: `words`
    remembers it per word as written (a bounded memo; candidates are mostly capitalised
    words that recur from reply to reply)."""

    def __init__(self, weights: dict[str, float], lexicon: dict[str, int],
                 threshold: float, meta: dict[str, Any] | None = None) -> None:
        self.weights = weights
        self.lexicon = lexicon
        self.threshold = threshold
        self.meta = meta or {}
        self.words: BoundedCache[str, tuple[WordPart, tuple[float, ...]]] = BoundedCache(
            WORD_MEMO_LIMIT)
        #: Whether a word is worth scoring (`candidate`, which depends on the word and the
        #: lexicon alone), per word.
        self.candidate_words: BoundedCache[str, bool] = BoundedCache(WORD_MEMO_LIMIT)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> NameTagger:
        if d.get("format") != FORMAT:
            raise ValueError(f"name tagger file format {d.get('format')!r}, expected {FORMAT}")
        lexicon = {w: int(b) for b, words in d["lexicon"].items() for w in words.split()}
        return cls({k: float(v) for k, v in d["weights"].items()}, lexicon,
                   float(d["threshold"]), d.get("meta"))

    def to_dict(self) -> dict[str, Any]:
        buckets: dict[str, list[str]] = {}
        for w, b in sorted(self.lexicon.items()):
            buckets.setdefault(str(b), []).append(w)
        return {"format": FORMAT, "threshold": self.threshold, "meta": self.meta,
                "weights": {k: round(v, 4) for k, v in sorted(self.weights.items())},
                "lexicon": {b: " ".join(ws) for b, ws in sorted(buckets.items())}}

    @classmethod
    def load(cls, path: str | Path | None = None) -> NameTagger:
        """Read a model file (gzip-compressed JSON): the shipped one by default."""
        if path is None:
            raw = (resources.files("scorer") / "data" / MODEL_FILE).read_bytes()
        else:
            raw = Path(path).read_bytes()
        return cls.from_dict(json.loads(gzip.decompress(raw)))

    def save(self, path: str | Path) -> None:
        data = json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))
        Path(path).write_bytes(gzip.compress(data.encode("utf-8"), mtime=0))

    def score(self, feats: list[str]) -> float:
        """The model's log-odds that a word is (part of) a name."""
        return sum(map(self.weights.get, feats, repeat(0.0)))

    def _word(self, w: str) -> tuple[WordPart, tuple[float, ...]]:
        part = word_part(w, self.lexicon)
        return part, tuple(map(self.weights.get, word_features(w, part), repeat(0.0)))

    def _score_unit(self, us: Units, i: int, last: int) -> float:
        """`score(features(us, i, …))`: the same weights, summed in the same order (the
        word's own ones from `words`), so the same float."""
        part, own = self.words.call(us.word[i], self._word, us.word[i])
        rest = map(self.weights.get, context_features(us, i, part, last), repeat(0.0))
        return sum(chain(own, rest))

    def names(self, text: str, hits: Iterable[Span]) -> list[Found]:
        """Words the model calls names, given the hits accepted so far. A tagged word
        becomes `<N>` to its neighbours, joined to a redacted neighbour it touches by spaces
        (as the redacted text will show them), and its neighbours are scored again until
        nothing changes: redacting the output again sees the same contexts. Each word is
        tagged at most once, so this stays linear."""
        us = Units(text, hits)
        lexicon = self.lexicon
        todo = us.candidates(lexicon, self.candidate_words)
        if not todo:
            return []
        last = last_line_start(text)
        alive = [True] * len(us.word)
        tagged: list[tuple[int, int]] = []
        while todo:
            fresh = [i for i in todo
                     if us.word[i] and self._score_unit(us, i, last) >= self.threshold]
            for i in fresh:
                tagged.append((us.start[i], us.end[i]))
                us.rep[i] = "<N>"
                us.word[i] = ""
            near: set[int] = set()
            for i in fresh:
                i = _join(us, alive, i)
                j, k = us.prv[i], us.nxt[i]
                near.update(x for x in (j, k, us.prv[j] if j >= 0 else -1,
                                        us.nxt[k] if k >= 0 else -1) if x >= 0)
            todo = sorted(x for x in near
                          if alive[x] and us.word[x] and candidate(us.word[x], lexicon))
        return _merged(text, sorted(tagged))


def _join(us: Units, alive: list[bool], i: int) -> int:
    """Merge name unit `i` with the name units it touches by spaces only; the survivor."""
    while not alive[i]:  # already merged into the unit before it
        i = us.prv[i]
    j = us.prv[i]
    if j >= 0 and us.rep[j] == "<N>" and us.gap(i) == "_":
        _absorb(us, alive, j, i)
        i = j
    k = us.nxt[i]
    if k >= 0 and us.rep[k] == "<N>" and us.gap(k) == "_":
        _absorb(us, alive, i, k)
    return i


def _absorb(us: Units, alive: list[bool], a: int, b: int) -> None:
    """Unit `b` (right after `a`) becomes part of `a`."""
    us.end[a] = us.end[b]
    k = us.nxt[b]
    us.nxt[a] = k
    if k >= 0:
        us.prv[k] = a
    alive[b] = False
    us.prv[b] = a


def _merged(text: str, tagged: list[tuple[int, int]]) -> list[Found]:
    """Tagged words joined by spaces only are one name ("Olumide Adebayo")."""
    out: list[Found] = []
    for a, b in tagged:
        if out and gap_class(text[out[-1][1]:a]) == "_":
            out[-1] = (out[-1][0], b, "name")
        else:
            out.append((a, b, "name"))
    return out
