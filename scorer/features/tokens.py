"""Segments as tokens: the tokeniser, Snowball stems, and the shared per-segment object.

Each body segment (sentence or line, from `scorer.text`) is tokenised once. Replies repeat
their openers, sign-offs and stock sentences ("Med vennlig hilsen", "Ha en fin dag!"), so
the tokenised segment is memoised by its text and shared by every reply containing it,
and what depends on the text alone is memoised on that object.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import Stemmer

if TYPE_CHECKING:
    from collections.abc import Callable

    from scorer.features.caches import BoundedCache, FeatureCaches

#: Word tokens (with inner hyphens/apostrophes: "e-post", "don't"); symbols are dropped,
#: punctuation and emoji are read from the raw segment text where they matter. This is the
#: pattern of NLTK's RegexpTokenizer with its default flags, compiled plainly: NLTK wraps
#: it in a ReDoS timer that costs more than matching short texts, and the pattern is linear.
_TOKEN_FINDALL = re.compile(r"\w+(?:['’-]\w+)*", re.UNICODE | re.MULTILINE | re.DOTALL).findall

#: Snowball stemmer per language code (PyStemmer: the Snowball project's own C algorithms,
#: about 1 µs a word where NLTK's Python port took 5-9 µs); any other language is stemmed
#: as English. PyStemmer's own word cache is off: the stem memo (FeatureCaches) is the one.
_STEMMERS = {lang: Stemmer.Stemmer(name, 0) for lang, name in (
    ("nb", "norwegian"), ("nn", "norwegian"), ("sv", "swedish"), ("da", "danish"),
    ("en", "english"))}
STEM_LANGS = frozenset(_STEMMERS)


def _stem_fn(stemmer: Stemmer.Stemmer) -> Callable[[str], str]:
    def fn(word: str) -> str:
        # A 40+ character "word" is not a word: kept whole, as it always was.
        return stemmer.stemWord(word) if len(word) <= 40 else word
    return fn


_STEM = {lang: _stem_fn(s) for lang, s in _STEMMERS.items()}


def stem_lang(lang: str) -> str:
    """The language whose stemmer (and vocabulary table) serves `lang`."""
    return lang if lang in STEM_LANGS else "en"


def stem(lang: str, word: str, memo: BoundedCache[tuple[str, str], str]) -> str:
    """Snowball stem of a lower-cased word, memoised per language (stemming is the slow part)."""
    lang = stem_lang(lang)
    return memo.call((lang, word), _STEM[lang], word)


@dataclass(slots=True)
class SegTokens:
    """One segment: its text, lower-cased tokens and (lazily) the tokens as written.

    Everything here is a function of `text` alone, so one object serves every reply with
    this segment. The fields after `low` are memo slots (None until first computed): the
    trailer test, the pattern-flag columns, the opener/ending features per (view, language)
    that involve no other segment, and the token ids with the vocabulary generation and
    table they belong to.
    """

    text: str
    low: list[str]
    _raw: list[str] | None = None
    trailer: bool | None = None
    flags: tuple[int, ...] | None = None
    core: dict[tuple[str, str], list[str]] | None = None
    ids: tuple[int, int, list[int]] | None = None  # (vocab generation, id(table), ids)

    @property
    def raw(self) -> list[str]:
        if self._raw is None:
            raw = _TOKEN_FINDALL(self.text)
            # Lower-casing can change a token's length ("İ"); keep positions aligned.
            self._raw = raw if len(raw) == len(self.low) else self.low
        return self._raw


def segment_tokens(text: str, caches: FeatureCaches) -> SegTokens:
    """The segment object of `text`, shared between replies with the same segment text."""
    memo = caches.segments
    memo.lookups += 1
    seg = memo.get(text)
    if seg is None:
        memo.misses += 1
        seg = SegTokens(text, _TOKEN_FINDALL(text.lower()))
        if len(text) <= caches.segment_chars:
            # Kept from its second sighting on: most never-repeating segments are seen once,
            # and a kept segment (tokens plus memo slots) weighs about twenty times its text.
            if text in caches.seen_once:
                memo.put(text, seg)
            else:
                caches.seen_once.put(text, True)
    return seg


def shape(tok: str, i: int) -> str:
    """Positional token: lower-cased, but capitalised words after the first become <C>.

    A capitalised word right after "Hei"/"Dear" is nearly always a name; collapsing it
    keeps the model from memorising the corpus's names.
    """
    if i > 0 and tok[:1].isupper() and tok.isalpha():
        return "<C>"
    return tok.lower()
