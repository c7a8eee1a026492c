"""Segments: the body's sentences and lines in reading order, as the model reads them.

The features look at the first and last segments (greeting, closing) and count words over
all of them, so which spans count as a segment is a scoring rule of its own: inline quotes
and separator lines are skipped, decorations (emoji, "!!", ":-)") join a neighbour instead
of taking the first or last place, and leading @mentions are addressing, not the agent's
words. Sentence splitting itself is ``sentence_split.split_line``.
"""

from __future__ import annotations

import re

from scorer.text.lines import ALNUM, line_spans
from scorer.text.sentence_split import split_line

__all__ = ["body_segments"]

_SEPARATOR_LINE = re.compile(r"^[\s\-_=*~#.·•|]*$", re.M)
_HANDLES = re.compile(r"(?:[@＠][\w.]{1,50}[ \t,:;]*)+")


def body_segments(
    text: str, start: int, end: int, skips: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """Segments of the body ``text[start:end]``, leaving out the inline quotes ``skips``.

    ``skips`` are sorted and disjoint (``history.Layout.skips``).
    """
    out: list[tuple[int, int]] = []
    skip_i = 0  # skips are sorted and disjoint: walk them alongside the lines
    for s, e in line_spans(text, start, end):
        while skip_i < len(skips) and skips[skip_i][1] < s:
            skip_i += 1
        if skip_i < len(skips) and skips[skip_i][0] <= s < skips[skip_i][1]:
            continue
        if _SEPARATOR_LINE.match(text, s, e) and not ALNUM.search(text, s, e):
            # "--", "____" and blank lines are layout, not words. A line of only emoji is
            # not matched by the separator pattern, so it stays a segment.
            continue
        out.extend(split_line(text, s, e))
    return _skip_handles(text, _attach_decorations(text, out))


def _attach_decorations(text: str, segs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join segments without a letter or digit (emoji, "!!", ":-)") to their neighbour.

    "Ha en fin dag! 😊" is one closing, not a closing followed by an emoji segment: the model
    reads the first and last segments, so decorations must not take those places. They join
    the previous segment, or the next one at the start; a reply of only emoji keeps them.
    """
    out: list[tuple[int, int]] = []
    pending: int | None = None
    for s, e in segs:
        if ALNUM.search(text, s, e):
            out.append((pending if pending is not None else s, e))
            pending = None
        elif out:
            out[-1] = (out[-1][0], e)
        elif pending is None:
            pending = s
    if pending is not None:
        return segs  # nothing but decorations: keep them as they are
    return out


def _skip_handles(text: str, segs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Drop leading @mentions: "@johnsmith Hi John, …" is judged from "Hi John".

    Twitter/X and Facebook replies start with the customer's handle; it is addressing, not
    the agent's words, so the opener (greeting) is read after it. A first line of only
    handles is dropped.
    """
    while segs and text.startswith(("@", "＠"), segs[0][0]):
        s, e = segs[0]
        m = _HANDLES.match(text, s, e)
        if m is None or m.end() == s:
            break
        if m.end() >= e:
            segs = segs[1:]
            continue
        segs = [(m.end(), e), *segs[1:]]
        break
    return segs
