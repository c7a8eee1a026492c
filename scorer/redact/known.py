"""Names the caller already knows (the record's `customer_name`) and names a text gives
away once and repeats (a greeting's name, the parts of "mona.ruud@…"): every occurrence,
with genitive endings, hyphenated forms and ø/ö, æ/ä, å/aa spelled either way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping

from scorer.memo import BoundedCache
from scorer.redact.firstnames import FIRST_NAMES, WORD_NAMES
from scorer.redact.names import (
    _NEXTWORD_RE,
    _SP,
    _WORD,
    ORDINARY_FREQUENT,
    Found,
    _named,
    _sentence_start,
)
from scorer.redact.namewords import AND, NOT_NAMES

_ENDINGS = ("", "s", "'s", "’s", "'", "’", "es")
#: A known name's hyphenated continuation ("Kari" in "Kari-Anne"): a capital then lower-case
#: letters, of either case, over Latin-1 (as `[_UP][_LO]+` under IGNORECASE reads them,
#: less the seven non-Latin-1 letters that fold into those ranges, such as Turkish ı and
#: the Kelvin sign). Spelled out and matched case-sensitively because a letter class that
#: IGNORECASE must fold, or any class beyond Latin-1, costs ~0.4 ms to compile, and a
#: known-name regex is compiled for every new customer name: that was most of the time of
#: redacting a reply to a customer not seen before.
_HYPHEN_PART = "(?-i:-[A-Za-zÀ-ÖØ-Þà-öø-þ][A-Za-zÀ-ÖØ-öø-ÿ]+)"
_FOLD = {"ø": "[øöo]", "ö": "[øöo]", "æ": "(?:æ|ä|ae)", "ä": "(?:æ|ä|ae)",
         "å": "(?:å|aa|a)", "é": "[ée]", "ü": "[üu]"}


class KnownRegexes:
    """Known-name searches by name set, built from one compiled regex per name part, both
    in bounded memos (`scorer.memo`). Owned by a `Redactor`; sharing one between threads
    is safe: a race only builds a regex twice.

    Per part, not per set: compiling a part's regex costs ~250 µs (most of it the shared
    tail), and while the sets of names a text gives away hardly recur, their parts (first
    names, surnames) do; a `KnownPattern` over cached parts searches exactly as the one
    regex `known_regex` would build for the set."""

    def __init__(self, limit: int = 4096) -> None:
        self._built: BoundedCache[tuple[str, ...], KnownPattern | None] = \
            BoundedCache(limit)
        self._parts: BoundedCache[str, re.Pattern[str]] = BoundedCache(limit)

    def get(self, names: tuple[str, ...]) -> KnownPattern | None:
        return self._built.call(names, self._pattern, names)

    def _pattern(self, names: tuple[str, ...]) -> KnownPattern | None:
        parts = name_parts(names)
        if not parts:
            return None
        return KnownPattern([self._parts.call(p, part_regex, p) for p in parts])


class KnownPattern:
    """The search of `known_regex(names)` — `(?:part1|part2|…)tail` — run as one regex per
    part, `part_k tail`: a regex search takes the leftmost position where any alternative
    (with its tail) matches, and there the first alternative in order that does; so does
    this (leftmost match over the parts, ties to the earlier part). The alternatives share
    no state, so the match, its offsets and its `end` group are the same."""

    __slots__ = ("parts",)

    def __init__(self, parts: list[re.Pattern[str]]) -> None:
        self.parts = parts

    def search(self, text: str, pos: int = 0) -> re.Match[str] | None:
        return KnownScan(self, text).search(pos)


class KnownScan:
    """Successive searches of one text at non-decreasing positions. Each part's next match
    is kept while it lies at or after the position asked for (it is then still that part's
    leftmost), so each part scans the text about once, as the one regex did."""

    __slots__ = ("_next", "_stale", "parts", "text")

    def __init__(self, pattern: KnownPattern, text: str) -> None:
        self.parts = pattern.parts
        self.text = text
        self._next: list[re.Match[str] | None] = [None] * len(self.parts)
        self._stale = [True] * len(self.parts)

    def search(self, pos: int) -> re.Match[str] | None:
        best: re.Match[str] | None = None
        for k, rx in enumerate(self.parts):
            m = self._next[k]
            if self._stale[k] or (m is not None and m.start() < pos):
                m = self._next[k] = rx.search(self.text, pos)
                self._stale[k] = False
            if m is not None and (best is None or m.start() < best.start()):
                best = m
        return best


def name_parts(names: tuple[str, ...]) -> list[str]:
    """The parts of the given names a known-name search looks for (words and hyphenated
    pieces of two letters or more), longest first (fixed order: no hash-seed effect)."""
    parts: set[str] = set()
    for name in names:
        for part in name.split():
            part = part.strip(".,;:()\"'")
            if len(part) >= 2:
                parts.add(part)
                parts.update(p for p in part.split("-") if len(p) >= 2)
    return sorted(parts, key=lambda p: (-len(p), p))


def _folded(p: str) -> str:
    """A part as a regex alternative: ø/ö, æ/ä, å/aa spelled either way; a part that is
    also an everyday word ("Dag", "Per", "Rose", "Bill") must be written with its capital
    ("i dag", "per måned", "the roses" stay); the others match in any case ("hei kari")."""
    folded = "".join(_FOLD.get(ch, re.escape(ch)) for ch in p.lower())
    if p.capitalize() in WORD_NAMES:
        folded = f"(?-i:{re.escape(p[0].upper())}){folded[len(re.escape(p[0].lower())):]}"
    return folded


_TAIL = (rf"{_HYPHEN_PART}*(?P<end>{'|'.join(re.escape(e) for e in _ENDINGS if e)})?"
         r"(?![^\W\d_]|@)")


def part_regex(part: str) -> re.Pattern[str]:
    """One part's alternative of `known_regex`, with the tail every alternative shares."""
    return re.compile(rf"(?:{_folded(part)}){_TAIL}", re.IGNORECASE)


def known_regex(names: tuple[str, ...]) -> re.Pattern[str] | None:
    """One regex for every part of the given names: what a `KnownPattern` searches as
    (kept as its reference; tests/unit/test_redact_names.py compares the two)."""
    parts = name_parts(names)
    if not parts:
        return None
    return re.compile(rf"(?:{'|'.join(map(_folded, parts))}){_TAIL}", re.IGNORECASE)


def known_names(text: str, names: Iterable[str],
                regexes: KnownRegexes | None = None) -> Iterator[Found]:
    """Every occurrence of the given names or their parts, with genitive endings. A part
    that is also a word, first in a sentence, counts only in the genitive or before
    another capitalised word ("Per i dag …" and "Will you …" stay; "Kalles order" goes)."""
    key = tuple(sorted(set(names)))
    pattern = (regexes or KnownRegexes()).get(key)
    if pattern is None:
        return
    scan = KnownScan(pattern, text)
    pos = 0
    while (m := scan.search(pos)) is not None:
        s = m.start()
        before = text[s - 1] if s else " "
        if before.isalpha() or before in "@.":
            pos = s + 1  # inside a word ("Karin") or an e-mail address: look further on
            continue
        pos = m.end()
        stem = m.group(0)[:len(m.group(0)) - len(m.group("end") or "")]
        if (stem in WORD_NAMES and not m.group("end") and _sentence_start(text, s)
                and _NEXTWORD_RE.match(text, m.end()) is None):
            continue
        yield s, m.end(), "name"


#: At most this many names learned from one text are looked for again (bounds the
#: alternation, so a text of thousands of names stays linear).
MAX_LEARNED = 24
_LOCAL_SPLIT_RE = re.compile(r"[._-]")


def email_names(addresses: Iterable[str]) -> list[str]:
    """Names an e-mail address gives away: "mona.ruud@…" → Mona, Ruud, when one part of a
    two- or three-part local part is a listed first name ("post.oslo@…" gives nothing)."""
    out: list[str] = []
    for address in addresses:
        local = address.split("@", 1)[0]
        parts = [p.capitalize() for p in _LOCAL_SPLIT_RE.split(local)]
        if 2 <= len(parts) <= 3 and all(p.isalpha() and len(p) >= 2 for p in parts) and any(
                p in FIRST_NAMES for p in parts):
            out.extend(p for p in parts if p.lower() not in NOT_NAMES)
    return out


def learned_names(found: Iterable[str], known: Iterable[str]) -> list[str]:
    """The words of names found in a text (by context, list or e-mail) that are not known
    already: a name said once is the same name elsewhere in the text ("Hej Kalle" …
    "Kalles beställning")."""
    have = {w.lower() for n in known for w in n.split()}
    out: list[str] = []
    for name in found:
        for word in name.split():
            word = word.strip(".,;:()\"'’")
            for end in ("'s", "’s", "'", "’"):
                word = word.removesuffix(end)
            if (len(word) >= 2 and word[0].isupper() and word.lower() not in have
                    and word.lower() not in NOT_NAMES and not word.isupper()):
                have.add(word.lower())
                out.append(word)
    return out[:MAX_LEARNED]


_AND_AFTER_RE = re.compile(rf"{_SP}+(?i:{AND}){_SP}+(?P<n>{_WORD})(?![^\W\d_]|@)")
_AND_BEFORE_RE = re.compile(rf"(?P<n>{_WORD}){_SP}+(?i:{AND}){_SP}+$")


def coordinated_names(text: str, found: Iterable[tuple[int, int]],
                      ordinary: Mapping[str, int] | None = None) -> Iterator[Found]:
    """A first name joined by "og/och/and" to a name already found: "Aurora og [Filip]",
    "Dear [Alice] and Ben", "Både [Ulla] i telefonen og Karsten". With `ordinary` (the
    name tagger's lexicon of ordinary words and their frequency) any capitalised word that
    is no frequent ordinary word counts too, with a capitalised word after it ("[Kari] og
    Aqqaluk Petersen", "barna [Selam] og Yafet"): the tagger has then judged the first."""
    for s, e in found:
        after = _AND_AFTER_RE.match(text, e)
        if after is not None and _coordinated(after.group("n"), ordinary):
            end = after.end("n")
            nxt = _NEXTWORD_RE.match(text, end) if ordinary is not None else None
            if nxt is not None and _coordinated(nxt.group(1), ordinary):
                end = nxt.end()
            yield after.start("n"), end, "name"
        before = _AND_BEFORE_RE.search(text, max(0, s - 40), s)
        if before is not None and _coordinated(before.group("n"), ordinary):
            yield before.start("n"), before.end("n"), "name"


def _coordinated(word: str, ordinary: Mapping[str, int] | None) -> bool:
    if _named(word):
        return True
    low = word.split("-")[0].lower()
    return (ordinary is not None and not word.isupper() and low not in NOT_NAMES
            and ordinary.get(low, 0) < ORDINARY_FREQUENT)
