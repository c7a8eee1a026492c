"""Punkt sentence boundaries with fixed parameters: NLTK's algorithm without importing NLTK.

Written by hand because importing anything from NLTK runs its package init, which imports
scikit-learn and SciPy's stats: 1.8 s and about 90 MB in every scoring process, for the
part of Punkt used here. Ported from NLTK 3.9's ``nltk/tokenize/punkt.py`` (Apache License
2.0, © NLTK Project): the same regular expressions and decisions, reduced to what they
compute when the parameters are only an abbreviation list (no collocations, no sentence
starters, no orthographic context; nothing is ever trained). NLTK's Punkt stays the
reference: tests/unit/test_punkt.py compares every span with it on the corpora, the evaluation
sets, generated text and random lines.

With those parameters a period-final token ends a sentence unless it is an abbreviation or
an ellipsis, or it is a number or an initial followed by punctuation or a lower-case word,
or an initial followed by a capitalised word (the orthographic heuristic with no
orthographic context left).
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator

__all__ = ["Punkt"]

#: Sentence-end characters (NLTK's plus the ellipsis character, for the Nordic texts).
SENT_END_CHARS = (".", "?", "!", "…")
_SENT_END = "[%s]" % re.escape("".join(SENT_END_CHARS))  # noqa: UP031 (NLTK's formatting)
_NON_WORD = (r"(?:[)\";}\]\*:@\'\({\[\u2018\u2019\u201c\u201d\xab\xbb%s])"  # noqa: UP031
             % re.escape("".join(sorted(set(SENT_END_CHARS) - {"."}))))
_MULTI_CHAR = r"(?:\-{2,}|\.{2,}|(?:\.\s){2,}\.)"
_WORD_START = r"[^\(\"\`{\[:;&\#\*@\)}\]\-,]"
_WORD_TOKENS = re.compile(
    rf"""(
        {_MULTI_CHAR}
        |
        (?={_WORD_START})\S+?
        (?=
            \s|$|{_NON_WORD}|{_MULTI_CHAR}|,(?=$|\s|{_NON_WORD}|{_MULTI_CHAR})
        )
        |
        \S
    )""", re.UNICODE | re.VERBOSE).findall
_PERIOD_CONTEXT = re.compile(
    rf"""{_SENT_END}(?=(?P<after_tok>{_NON_WORD}|\s+(?P<next_tok>\S+)))""",
    re.UNICODE | re.VERBOSE)
_REALIGN = re.compile(r'["\')\]}\u2018\u2019\u201c\u201d\xab\xbb]+?(?:\s+|(?=--)|$)',
                      re.MULTILINE)
_NUMERIC = re.compile(r"^-?[\.,]?\d[\d,\.-]*\.?$")
_INITIAL = re.compile(r"[^\W\d]\.$", re.UNICODE)
_PUNCTUATION = tuple(";:,.!?")


class Punkt:
    """Sentence spans of one text, as NLTK's ``PunktSentenceTokenizer.span_tokenize`` gives
    them with ``abbrev_types = abbreviations`` and nothing else trained."""

    def __init__(self, abbreviations: frozenset[str]) -> None:
        self.abbreviations = abbreviations

    def span_tokenize(self, text: str) -> Iterator[tuple[int, int]]:
        """(start, end) of every sentence, closing quotes/brackets realigned as NLTK does."""
        slices = list(self._slices(text))
        realign = 0
        for k, (start, stop) in enumerate(slices):
            start += realign
            if k + 1 == len(slices):
                if start < stop:
                    yield start, stop
                continue
            nxt = slices[k + 1]
            m = _REALIGN.match(text[nxt[0]:nxt[1]])
            if m:
                yield start, nxt[0] + len(m.group(0).rstrip())
                realign = m.end()
            else:
                realign = 0
                if start < stop:
                    yield start, stop

    def _slices(self, text: str) -> Iterator[tuple[int, int]]:
        last_break = 0
        for match, context in _end_contexts(text):
            if self.contains_sentbreak(context):
                yield last_break, match.end()
                last_break = match.start("next_tok") if match.group("next_tok") else match.end()
        yield last_break, len(text.rstrip())

    def contains_sentbreak(self, text: str) -> bool:
        """True when a token of `text` other than its last ends a sentence."""
        if "\n" in text:
            tokens = [tok for line in text.split("\n") if line.strip()
                      for tok in _WORD_TOKENS(line)]
        else:
            tokens = _WORD_TOKENS(text)
        return any(map(self._breaks_after, tokens, tokens[1:]))

    def _breaks_after(self, tok: str, nxt: str) -> bool:
        """Punkt's two annotation passes for `tok`, followed by `nxt`, with fixed parameters."""
        if tok[-1] != ".":
            return tok in SENT_END_CHARS  # "?", "!" or "…" alone
        if tok == ".":
            return True
        if tok.endswith(".."):
            return False  # an ellipsis, or a word ending in one: no pass makes it a break
        low = tok[:-1].lower()
        if low in self.abbreviations or low.split("-")[-1] in self.abbreviations:
            return False  # an abbreviation: only orthographic context could make it a break
        initial = len(tok) == 2 and _INITIAL.match(tok) is not None
        if initial or _NUMERIC.match(tok):
            if nxt in _PUNCTUATION or nxt[0].islower():
                return False  # the orthographic heuristic says "not a sentence starter"
            if initial and nxt[0].isupper():
                return False  # an initial before a capitalised word ("J. Bach")
        return True


def _end_contexts(text: str) -> Iterator[tuple[re.Match[str], str]]:
    """Candidate ends with the word before and the token after, overlaps removed (NLTK's
    ``_match_potential_end_contexts``)."""
    prev_start, prev_stop = 0, 0
    prev_match: re.Match[str] | None = None
    for match in _PERIOD_CONTEXT.finditer(text):
        before = text[prev_stop:match.start()]
        space = _last_whitespace(before)
        start = space + prev_stop + 1 if space else prev_start
        if prev_match is not None and prev_stop <= start:
            yield prev_match, (text[prev_start:prev_stop] + prev_match.group()
                               + prev_match.group("after_tok"))
        prev_match = match
        prev_start, prev_stop = start, match.start()
    if prev_match is not None:
        yield prev_match, (text[prev_start:prev_stop] + prev_match.group()
                           + prev_match.group("after_tok"))


def _last_whitespace(text: str) -> int:
    """Index of the last ASCII whitespace character in `text`, 0 when there is none."""
    for i in range(len(text) - 1, -1, -1):  # the word before is short: stops within it
        if text[i] in string.whitespace:
            return i
    return 0
