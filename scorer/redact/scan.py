"""One look at a reply's words, shared by the detectors of one pass of `scorer.redact`.

Several detectors need the text lower-cased or its words, and several patterns can only
match where one of a few words stands ("Hansen ringte": a verb of calling; "dr patel": a
title). A pattern scan costs a few microseconds whatever it finds, a set test a fraction
of one; so the text is lower-cased and cut into its words once (`TextWords`), and a
detector skips a pattern when none of the words it needs is there.

Why a word test can speak for a pattern: every character lower-cases to something of its
own kind (a letter to a letter, anything else to no letter; tested over all of Unicode),
so the words of the lower-cased text are the text's words, lower-cased. A case-insensitive
pattern also reads "ı" as "i" and "ſ" as "s", which `str.lower` keeps: where one stands,
`TextWords.odd` says the test cannot speak for such a pattern.
"""

from __future__ import annotations

import re

_WORD_RE = re.compile(r"[^\W\d_]+")
#: Letters a case-insensitive pattern matches to a Latin letter that `str.lower` does not
#: lower to it.
ODD_FOLDS = ("ı", "ſ")


class TextWords:
    """A text lower-cased (`lowered`, `str.lower`; `aligned`, the same with each character
    lower-cased to one, so offsets stay those of the text) and the set of its words
    (maximal letter runs of `aligned`)."""

    __slots__ = ("aligned", "lowered", "odd", "words")

    def __init__(self, text: str) -> None:
        self.lowered = text.lower()
        if len(self.lowered) == len(text):
            self.aligned = self.lowered
        else:  # a few letters lower-case to two characters
            self.aligned = "".join(ch.lower()[0] for ch in text)
        self.words = frozenset(_WORD_RE.findall(self.aligned))
        self.odd = ODD_FOLDS[0] in text or ODD_FOLDS[1] in text

    def has(self, words: frozenset[str]) -> bool:
        """Can a case-sensitive pattern find one of `words` (lower case) as a whole word?"""
        return not self.words.isdisjoint(words)

    def may_have(self, words: frozenset[str], stems: tuple[str, ...] = ()) -> bool:
        """Can a case-insensitive pattern find one of `words` as a whole word, or a word
        beginning with one of `stems`?"""
        return (self.odd or not self.words.isdisjoint(words)
                or any(stem in self.aligned for stem in stems))


def opening_words(alternation: str) -> tuple[frozenset[str], tuple[str, ...]]:
    """What a pattern needs of the words of a text where it matches a regex alternation of
    words (`|`-separated, `\\s+` between words, `\\w*` ending a stem), opened right after
    a space and closed before a non-letter: the first word of each alternative, lower
    case, and the stems, which open a longer word."""
    words: set[str] = set()
    stems: list[str] = []
    for alt in alternation.split("|"):
        if alt.endswith(r"\w*") and re.fullmatch(r"[^\W\d_]+", alt[:-3]):
            stems.append(alt[:-3].lower())
            continue
        first = re.match(r"[^\W\d_]+(?=\\s\+|-|$)", alt)
        if first is None:
            raise ValueError(f"not a word alternative: {alt!r}")
        words.add(first.group(0).lower())
    return frozenset(words), tuple(stems)
