"""What the name tagger (`tagger.py`) sees of a word: the text cut into units and the
feature strings of a candidate. One function featurises for training and at run time.

* **Units** are the words outside the hits accepted so far, and each hit (or `[NAME]`-style
  token already in the text) as one placeholder, `<N>` for a name and `<P>` for other
  personal data; placeholders of one kind joined by spaces are one unit, as the redacted
  text will show them. So redacting the redacted text sees the same neighbours.
* The text is cut by one `re.split` (words and the gaps between them, C-level), and hits
  are spliced in by bisection: building units costs little per word, because most words
  are never looked at — only **candidates** are featurised.
* A gap is classed lazily, only where a feature asks for it.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from itertools import accumulate
from typing import NamedTuple

from scorer.memo import BoundedCache
from scorer.redact.firstnames import AMBIGUOUS, FIRST_NAMES
from scorer.redact.namebook import BOOK_NAMES
from scorer.redact.names import ORDINARY_FREQUENT, SURNAME_LOOSE_ENDS, SURNAME_STRONG_ENDS
from scorer.redact.namewords import NOT_NAMES

Span = tuple[int, int, str]  # start, end, kind of an accepted hit

#: A word: letters, joined by an apostrophe or hyphen to more. Possessive quantifiers: the
#: greedy match is the one found first (nothing follows to make it give back), so they
#: spare the engine its backtracking records, not a different match (~1.5 µs a reply).
_SPLIT_RE = re.compile(r"([^\W\d_]++(?:['’-][^\W\d_]++)*+)")
#: Redaction tokens as `redact()` writes them.
_TOKEN_RE = re.compile(r"\[(NAME|EMAIL|IBAN|CARD|NATIONAL_ID|ACCOUNT|PHONE|ADDRESS)\]")
_GENITIVE = ("'s", "’s", "'", "’")
#: Lexicon bucket of a frequent ordinary word (20 or more lower-case uses in the corpus).
FREQUENT = ORDINARY_FREQUENT
_LOWER_NAMES = frozenset(n.lower() for n in FIRST_NAMES | BOOK_NAMES)
_LOWER_FIRST = frozenset(n.lower() for n in FIRST_NAMES)
_LOWER_BOOK = frozenset(n.lower() for n in BOOK_NAMES)
_LOWER_AMBIGUOUS = frozenset(n.lower() for n in AMBIGUOUS)
_GAP_MARKS = {".": "S", "!": "S", "?": "S", ":": "C", ";": "C", ",": ",", "/": "/",
              "-": "-", "–": "-", "—": "-", "(": "(", ")": ")", "[": "(", "]": ")",
              "\n": "L", "@": "@", "&": "&", "+": "&"}


def gap_class(gap: str | None) -> str:
    """What separates two tokens: "^" at the start of the text, "_" for spaces only,
    else the marks in it in order (up to three: "S" sentence end, "L" line break, "P"
    paragraph, "C" colon, "," "/" "-" "(" ")" "@" "&", "9" digits, "o" anything else),
    so ". – Josh" ("S-") is told from ". Josh" ("S")."""
    if gap is None:
        return "^"
    if gap == " " or not gap.strip():
        return "P" if gap.count("\n") > 1 else "L" if "\n" in gap else "_"
    out = ""
    for ch in gap:
        mark = _GAP_MARKS.get(ch)
        if mark is None:
            if ch.isspace():
                continue
            mark = "9" if ch.isdigit() else "o"
        if mark == "L" and out.endswith("L"):
            out = out[:-1] + "P"
        elif not out.endswith(mark) and not (mark == "L" and out.endswith("P")):
            out += mark
        if len(out) >= 3:
            break
    return out or "_"


def shape(word: str) -> str:
    """Capitalisation of a word: Xx (title case, also "Anne-Marie", "O'Connor"), X (all
    capitals), x (lower case) or Xy (mixed, "McDonald", "iPhone")."""
    if word.islower():
        return "x"
    if word.isupper():
        return "X" if len(word) > 1 else "I"
    return "Xx" if word.istitle() else "Xy"


def dict_code(low: str) -> str:
    """The name lists a (lower-cased) word is in: F first names, A ambiguous ones, B the
    name book, G a listed name in the genitive, S/s a strong/loose surname ending, N a
    known non-name."""
    code = ""
    if low in _LOWER_FIRST:
        code += "F"
    if low in _LOWER_AMBIGUOUS:
        code += "A"
    if low in _LOWER_BOOK:
        code += "B"
    if not code:
        base = low
        for end in _GENITIVE:
            if base.endswith(end):
                base = base[:-len(end)]
                break
        else:
            base = base[:-1] if base.endswith("s") else ""
        if base in _LOWER_NAMES or any(p in _LOWER_NAMES for p in low.split("-")):
            code += "G"
    if low.endswith(SURNAME_STRONG_ENDS):
        code += "S"
    elif low.endswith(SURNAME_LOOSE_ENDS):
        code += "s"
    if low in NOT_NAMES:
        code += "N"
    return code


class Units:
    """The units of a text as parallel lists: offsets, the word as written ("" for a
    placeholder), `rep` (the word, or "<N>"/"<P>"), and links to the previous and next
    unit (-1 at either end; tags merge a name into its redacted neighbours)."""

    __slots__ = ("end", "nxt", "prv", "rep", "start", "text", "word")

    def __init__(self, text: str, hits: Iterable[Span]) -> None:
        pieces = _SPLIT_RE.split(text)
        bounds = list(accumulate(map(len, pieces)))
        words = pieces[1::2]
        starts = bounds[0:-1:2]
        ends = bounds[1::2]
        marks = [(s, e, "<N>" if k == "name" else "<P>") for s, e, k in hits]
        if "[" in text:
            marks += [(m.start(), m.end(), "<N>" if m.group(1) == "NAME" else "<P>")
                      for m in _TOKEN_RE.finditer(text)]
        reps = words
        if marks:
            starts, ends, words, reps = _spliced(text, starts, ends, words, sorted(marks))
        n = len(words)
        self.text = text
        self.start = starts
        self.end = ends
        self.word = words
        self.rep = list(reps)
        self.prv = list(range(-1, n - 1))
        self.nxt = [*range(1, n), -1]

    def gap(self, i: int) -> str:
        """The gap class between unit `i` and the unit before it."""
        j = self.prv[i]
        return "^" if j < 0 else gap_class(self.text[self.end[j]:self.start[i]])

    def low(self, i: int) -> str:
        """The unit's word in lower case, or its placeholder."""
        r = self.rep[i]
        return r if r[0] == "<" else r.lower()

    def candidates(self, lexicon: dict[str, int],
                   known: BoundedCache[str, bool] | None = None) -> list[int]:
        """Units worth scoring (`candidate`). Capitalised words and lower-case listed names
        are picked out first with no call per word (most words are neither). `known`: the
        test's answers by word, which a tagger keeps (its words recur from reply to reply;
        a look-up instead of the test saves ~2 µs a reply)."""
        named = _LOWER_NAMES.intersection(self.word)
        if known is None:
            return [i for i, w in enumerate(self.word)
                    if w and (w[0].isupper() or w in named) and candidate(w, lexicon)]
        out = []
        for i, w in enumerate(self.word):
            if w and (w[0].isupper() or w in named):
                ok = known.get(w)
                if ok is None:
                    ok = candidate(w, lexicon)
                    known.put(w, ok)
                if ok:
                    out.append(i)
        return out


def _spliced(text: str, starts: list[int], ends: list[int], words: list[str],
             marks: list[Span]) -> tuple[list[int], list[int], list[str], list[str]]:
    """The word lists with every word a mark overlaps replaced by the mark's placeholder
    (linear: slices between marks, bisection to find them)."""
    s_out: list[int] = []
    e_out: list[int] = []
    w_out: list[str] = []
    r_out: list[str] = []
    pos = 0
    last = -1
    for ms, me, rep in marks:
        if ms < last:
            continue  # overlaps the mark before it
        a = bisect_right(ends, ms, pos)
        b = max(a, bisect_left(starts, me, a))
        s_out += starts[pos:a]
        e_out += ends[pos:a]
        w_out += words[pos:a]
        r_out += words[pos:a]
        if r_out and r_out[-1] == rep and gap_class(text[e_out[-1]:ms]) == "_":
            e_out[-1] = me
        else:
            s_out.append(ms)
            e_out.append(me)
            w_out.append("")
            r_out.append(rep)
        pos = b
        last = me
    s_out += starts[pos:]
    e_out += ends[pos:]
    w_out += words[pos:]
    r_out += words[pos:]
    return s_out, e_out, w_out, r_out


def candidate(word: str, lexicon: dict[str, int]) -> bool:
    """Worth scoring: a capitalised word (not a single letter, not a frequent ordinary word
    such as "Vi", "Takk", "Please" unless it is also a listed name) or a lower-case listed
    name, and no known non-name. (Lower-case words that are no ordinary word were tried:
    the lexicon misses too many inflected forms, "innbo", "sluttar", and the model took
    them for names.)"""
    low = word.lower()
    if low in NOT_NAMES:
        return False
    if word[0].isupper():
        return len(word) > 1 and (lexicon.get(low, 0) < FREQUENT or low in _LOWER_NAMES)
    return word in _LOWER_NAMES  # written in lower case: "mAts" is no chat name


def _neighbour_shape(us: Units, j: int) -> str:
    w = us.word[j]
    return shape(w) if w else us.rep[j]


class WordPart(NamedTuple):
    """What a word's features owe to the word alone (and the lexicon)."""

    low: str
    sh: str
    lx: str
    dc: str


def word_part(w: str, lexicon: dict[str, int]) -> WordPart:
    low = w.lower()
    return WordPart(low, shape(w), str(lexicon.get(low, 0)), dict_code(low))


def word_features(w: str, part: WordPart) -> list[str]:
    """The features of a word that depend on it alone: the first of `features`, so a
    scorer may look up their weights once per word and add the rest in the same order."""
    low, sh, lx = part.low, part.sh, part.lx
    return [
        "b", "w=" + low, "s2=" + low[-2:], "s3=" + low[-3:], "s4=" + low[-4:],
        "sh=" + sh, "len=" + str(min(len(w), 12)), "lx=" + lx, "sh|lx=" + sh + lx,
    ]


def context_features(us: Units, i: int, part: WordPart, last_line: int) -> list[str]:
    """The features of word unit `i` that depend on its neighbours: the rest of `features`."""
    sh, lx, dc = part.sh, part.lx, part.dc
    j = us.prv[i]
    k = us.nxt[i]
    if j >= 0:
        p1 = us.low(j)
        ps = _neighbour_shape(us, j)
        p2 = us.low(us.prv[j]) if us.prv[j] >= 0 else "^"
    else:
        p1 = p2 = ps = "^"
    if k >= 0:
        n1 = us.low(k)
        ns = _neighbour_shape(us, k)
        ga = us.gap(k)
        n2 = us.low(us.nxt[k]) if us.nxt[k] >= 0 else "$"
    else:
        n1 = n2 = ns = ga = "$"
    gb = us.gap(i)
    last = "1" if us.start[i] >= last_line else "0"
    return [
        "gb|lx=" + gb + lx, "d=" + dc, "d|sh=" + dc + sh, "d|gb=" + dc + gb,
        "d|lx=" + dc + lx, "gb=" + gb, "ga=" + ga, "gb|ga=" + gb + ga,
        "p1=" + p1, "p2=" + p2, "n1=" + n1, "n2=" + n2, "p1|gb=" + p1 + gb,
        "n1|ga=" + n1 + ga, "ps|sh=" + ps + sh, "ns|sh=" + ns + sh,
        "ps|ns|d=" + ps + ns + dc, "last|gb|ga=" + last + gb + ga,
        "p2|p1=" + p2 + " " + p1,
    ]


def features(us: Units, i: int, lexicon: dict[str, int], last_line: int) -> list[str]:
    """Feature strings of word unit `i`: the same function trains and applies."""
    w = us.word[i]
    part = word_part(w, lexicon)
    return word_features(w, part) + context_features(us, i, part, last_line)


def last_line_start(text: str) -> int:
    """Offset where the last non-empty line begins (a signature often stands there)."""
    end = len(text.rstrip())
    return text.rfind("\n", 0, end) + 1
