"""Sentence splitting: every line break is a boundary, then ``. ! ? …`` inside a line.

Kept apart from the reply-structure stages because it is the one place that knows about
abbreviations and Punkt, and the hottest per-line code of the scorer. A dot after a known
abbreviation (``f.eks.``, ``t.ex.``, ``bl.a.`` … in ``scorer/data/abbreviations.txt``)
does not end a sentence. Punkt (`scorer.text.punkt`, with the abbreviation list as its only
parameter, no downloaded data) only runs on lines where a dot follows an abbreviation-like
token; every other line is split by one linear regex, which gives the same result there.
"""

from __future__ import annotations

import re
from importlib import resources

from scorer.text.lines import line_spans, strip_span
from scorer.text.punkt import Punkt

__all__ = ["ABBREVIATIONS", "sentences", "split_line"]


def _load_abbreviations() -> frozenset[str]:
    raw = resources.files("scorer").joinpath("data/abbreviations.txt").read_text("utf-8")
    return frozenset(
        line.strip().lower().rstrip(".")
        for line in raw.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    )


#: Abbreviations (lower case, without the final dot) that do not end a sentence.
ABBREVIATIONS: frozenset[str] = _load_abbreviations()


_PUNKT = Punkt(ABBREVIATIONS)
# A sentence end candidate: end punctuation (plus closing quotes/brackets) before whitespace.
# Possessive quantifiers and the look-behind keep it linear on runs like "!!!!…".
# Emoji or emoticons right after the end stay with the sentence they decorate ("Hei! 👋 …").
# The first end character comes before the look-behind (which then checks the character before
# it): the same matches as r"(?<![.!?…])[.!?…]++…", but a pattern that starts with a character
# class lets the regex engine skip straight to candidate positions (~2.5x faster per line).
_SENT_END = re.compile(
    r"[.!?…](?<![.!?…]{2})[.!?…]*+[\"'”’»)\]]*+(?:[ \t]++[^\w\s]++)*+(?=\s)"
)
# An emoticon or emoji closing a sentence that has no end punctuation, before the capital of
# the next ("Pakken er sendt 😊 Ha en fin dag!", "on its way :) Thanks"): chat and Messenger
# replies often end sentences so. It stays with the sentence before it. The pattern starts
# with its first character class, so the engine skips straight to candidates; the words
# around it are checked in `_after_emoticons`.
_EMO = (r"(?:[:;=][-^']?[)(DPp3/|\]\[]"
        r"|[\u2600-\u27bf\U0001F300-\U0001FAFF][\ufe0f\U0001F3FB-\U0001F3FF]*+)")
# A whole run, and no look-ahead: one that fails after a long run would make every start
# inside the run scan it again (quadratic on a line of emoji alone).
_EMO_RUN = re.compile(rf"{_EMO}(?:[ \t]*+{_EMO})*+")
_NUMBER = re.compile(r"^[\d.,:/-]+$")
# Lines longer than this are split by the regex only: Punkt is too slow for megabyte lines.
_PUNKT_MAX_LINE = 20_000


def _needs_punkt(line: str, ends: list[re.Match[str]] | None = None) -> bool:
    """True when a dot in ``line`` might not end a sentence (abbreviation, number, initial).

    ``ends``: the ``_SENT_END`` matches of ``line`` when the caller already has them.
    """
    if ".." in line:
        return True
    for m in _SENT_END.finditer(line) if ends is None else ends:
        if "." not in m.group():
            continue
        before = line[max(0, m.start() - 40) : m.start()].rsplit(None, 1)
        if not before or line[m.start() - 1].isspace():
            continue
        word = before[-1].lstrip("([\"'«“").lower()
        if word in ABBREVIATIONS or len(word) <= 1 or "." in word or _NUMBER.match(word):
            return True
    return False


def split_line(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans (stripped, non-empty) of ``text[start:end]``, one line without ``\\n``.

    Fast paths, exact because of what ``_SENT_END`` and ``_needs_punkt`` can match: a line
    without any of ``. ! ? …`` has no sentence end, so it is one piece; a line without a
    dot never needs Punkt (every Punkt trigger involves a dot), so the ``_SENT_END``
    matches are found once and serve both the Punkt test and the split.
    """
    line = text[start:end]
    if "." in line:
        ends = list(_SENT_END.finditer(line))
        if len(line) <= _PUNKT_MAX_LINE and _needs_punkt(line, ends):
            pieces = [(start + s, start + e) for s, e in _PUNKT.span_tokenize(line)]
        else:
            pieces = _pieces(start, end, ends)
    elif "!" in line or "?" in line or "…" in line:
        pieces = _pieces(start, end, list(_SENT_END.finditer(line)))
    else:
        pieces = [(start, end)]
    if _EMO_RUN.search(line):
        pieces = _after_emoticons(text, pieces)
    out: list[tuple[int, int]] = []
    for s, e in pieces:
        s, e = strip_span(text, s, e)
        if s < e:
            out.append((s, e))
    return out


def _pieces(start: int, end: int, ends: list[re.Match[str]]) -> list[tuple[int, int]]:
    """Split ``[start, end)`` after every sentence-end match (offsets relative to ``start``)."""
    pieces: list[tuple[int, int]] = []
    pos = 0
    for m in ends:
        me = m.end()
        pieces.append((start + pos, start + me))
        pos = me
    pieces.append((start + pos, end))
    return pieces


def _after_emoticons(text: str, pieces: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """`pieces` split after every run of emoticons or emoji (`_EMO_RUN`) that ends a
    sentence: one right after a word and before a capital letter (spaces between)."""
    out: list[tuple[int, int]] = []
    for s, e in pieces:
        pos = s
        for m in _EMO_RUN.finditer(text, s, e):
            before = m.start()
            while before > pos and text[before - 1] in " \t":
                before -= 1
            after = m.end()
            while after < e and text[after] in " \t":
                after += 1
            if (before > pos and (text[before - 1].isalnum() or text[before - 1] == "_")
                    and m.end() < after < e and text[after].isupper()):
                out.append((pos, m.end()))
                pos = m.end()
        out.append((pos, e))
    return out


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans of ``text``: every line break is a boundary, then ``. ! ? …``.

    The shipped abbreviation list covers all five languages at once, so no language is
    asked for.
    """
    if not isinstance(text, str):
        text = str(text)
    out: list[tuple[int, int]] = []
    for s, e in line_spans(text, 0, len(text)):
        out.extend(split_line(text, s, e))
    return out
