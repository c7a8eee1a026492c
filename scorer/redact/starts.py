"""`finditer` for a pattern that the regex engine cannot skip through quickly.

A pattern that opens with a lookbehind or a case-insensitive letter gives the engine no
first character to look for, so `finditer` runs the whole pattern at every position of
the text (10–20 µs a reply for a one-line pattern). Where every match can only start at
a character that a cheap one-character pattern finds (`starts`: a class of literal
characters, with lookaheads), trying the full pattern only there finds the same matches:
`finditer` returns the leftmost match, then searches on from its end, and so does
`matches`, over a superset of the positions where a match can start.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator


def matches(rx: re.Pattern[str], starts: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """What `rx.finditer(text)` yields, for a pattern `rx` of non-empty matches whose every
    match starts where `starts` (one character wide, so every such position is found)
    matches. `rx.match(text, pos)` sees the text before `pos`, as its lookbehinds need."""
    return matches_at(rx, (c.start() for c in starts.finditer(text)), text)


def matches_at(rx: re.Pattern[str], positions: Iterable[int], text: str
               ) -> Iterator[re.Match[str]]:
    """What `rx.finditer(text)` yields when every match of `rx` opens at one of
    `positions` (ascending): each is tried, skipping those inside the last match."""
    end = 0
    for pos in positions:
        if pos < end:
            continue
        m = rx.match(text, pos)
        if m is not None:
            yield m
            end = m.end()
