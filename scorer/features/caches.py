"""Everything feature extraction remembers between batches, in one object per model.

Customer-service text is repetitive (Zipfian words, stock openers and sign-offs), so the
extractor keeps five memos: Snowball stems, fuzzy-cue answers, columns of string
features, tokenised segments, and the token vocabulary (token -> id with precomputed
hashes). None of them changes a feature: each holds a pure function of its key, so
emptying one only costs time. They live in a `FeatureCaches` the caller owns (the loaded
`ReplyModel` holds one), not in module globals, so two models, or a test, never share
or have to reset them.

A segment is kept from its second sighting on (`seen_once` remembers the first): on text
that never repeats, most segments are seen once, and a kept one weighs about twenty times
its text (one process over 30,000 such replies: 78 → 36 MB, hit rate 21 → 24 %; on the
corpus replay 91 → 83 %, CPU the same).

One eviction policy for all: each memo is bounded, and a full memo is emptied and refills
with what recurs now (a drifting stream is not stuck with old entries, and random strings
cannot grow memory without limit; bench/cache_memory.py measures the bound). The
vocabulary is emptied the same way, but only between batches, because token ids index
arrays built for the current batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from scorer.features.tokens import STEM_LANGS
from scorer.memo import BoundedCache, CacheStats

if TYPE_CHECKING:

    from scorer.features.tokens import SegTokens

_GROW = 4096


class Vocab:
    """Lower-cased token -> id per language; per id: token hash, stem hash, cue bits.

    Per-token work (stemming, hashing, cue lexicons) is done once per distinct token and
    then read for a whole batch by indexing these arrays with the batch's token ids.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.lookups = 0
        self.misses = 0
        #: Bumped by every clear: segments remember the generation their ids belong to.
        self.generation = -1
        self.clear()

    def clear(self) -> None:
        self.generation += 1
        self.ids: dict[str, dict[str, int]] = {lang: {} for lang in STEM_LANGS}
        self.tok = np.zeros(_GROW, dtype=np.uint64)
        self.stem = np.zeros(_GROW, dtype=np.uint64)
        self.bits = np.zeros(_GROW, dtype=np.int64)
        self.n = 0

    def table(self, lang: str) -> dict[str, int]:
        """The language's own table (English for a language without a stemmer): a token's
        stem depends on the language, so sharing tables would make a reply's features
        depend on what the process saw before."""
        table = self.ids.get(lang)
        return self.ids["en"] if table is None else table

    def add(self, table: dict[str, int], tok: str, tok_hash: int, stem_hash: int,
            bits: int) -> int:
        """Give a token not in `table` yet the next id."""
        if self.n == len(self.tok):
            self.tok = np.concatenate([self.tok, np.zeros_like(self.tok)])
            self.stem = np.concatenate([self.stem, np.zeros_like(self.stem)])
            self.bits = np.concatenate([self.bits, np.zeros_like(self.bits)])
        i = self.n
        self.tok[i] = tok_hash
        self.stem[i] = stem_hash
        self.bits[i] = bits
        self.n += 1
        table[tok] = i
        return i

    def stats(self) -> CacheStats:
        return CacheStats(self.lookups, self.misses, self.n, self.limit)


@dataclass(slots=True, eq=False, repr=False)
class FeatureCaches:
    """The memos of one extractor. `limit` bounds the per-token memos and the vocabulary;
    segments have their own, smaller bound, and only short ones are kept (long segments
    rarely recur)."""

    limit: int = 50_000
    segment_limit: int = 20_000
    segment_chars: int = 200
    stems: BoundedCache[tuple[str, str], str] = field(init=False)
    fuzzy: BoundedCache[tuple[str, str], bool] = field(init=False)
    str_cols: BoundedCache[str, int] = field(init=False)
    segments: BoundedCache[str, SegTokens] = field(init=False)
    #: Segment texts seen once (not yet kept in `segments`), with the same bound.
    seen_once: BoundedCache[str, bool] = field(init=False)
    vocab: Vocab = field(init=False)

    def __post_init__(self) -> None:
        self.stems = BoundedCache(self.limit)
        self.fuzzy = BoundedCache(self.limit)
        self.str_cols = BoundedCache(self.limit)
        self.segments = BoundedCache(self.segment_limit)
        self.seen_once = BoundedCache(self.segment_limit)
        self.vocab = Vocab(self.limit)

    def start_batch(self) -> None:
        """Empty the vocabulary if it outgrew its bound (ids must not change mid-batch)."""
        if self.vocab.n > self.vocab.limit:
            self.vocab.clear()

    def stats(self) -> dict[str, CacheStats]:
        """Lookups, misses, size and bound of each memo; `.hit_rate` of each for /metrics."""
        return {"stems": self.stems.stats(), "fuzzy": self.fuzzy.stats(),
                "str_cols": self.str_cols.stats(), "segments": self.segments.stats(),
                "vocab": self.vocab.stats()}

    def hit_rates(self) -> dict[str, float]:
        return {name: s.hit_rate for name, s in self.stats().items()}
