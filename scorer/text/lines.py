"""Line and span primitives that every preparation stage walks text with.

History, signature, segment and sentence rules all think in lines of ``plain`` and in
``(start, end)`` offsets into it, never in copies: the offsets are the evidence the scorer
reports. These helpers are kept apart so that each stage walks lines the same way (one
rule for what a line and a stripped span are) without importing another stage.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

#: A letter or digit: ``[^\W_]`` matches exactly the code points for which ``str.isalnum()``
#: is true.
ALNUM = re.compile(r"[^\W_]")


def wordset(words: str) -> frozenset[str]:
    """A frozenset from a whitespace-separated word list (keeps long lists legible)."""
    return frozenset(words.split())


def strip_span(text: str, s: int, e: int) -> tuple[int, int]:
    """``(s, e)`` narrowed past leading and trailing whitespace (``s == e`` when blank)."""
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


def line_spans(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """(start, end) of every line in ``text[start:end]``, without the ``\\n``."""
    pos = start
    while pos <= end:
        nl = text.find("\n", pos, end)
        if nl < 0:
            yield pos, end
            return
        yield pos, nl
        pos = nl + 1


def last_lines(text: str, start: int, end: int, limit: int) -> Iterator[tuple[int, int]]:
    """Up to ``limit`` non-blank lines of ``text[start:end]``, last first."""
    pos = end
    while limit > 0 and pos >= start:
        nl = text.rfind("\n", start, pos)
        s = nl + 1 if nl >= 0 else start
        if not text[s:pos].isspace() and s < pos:
            yield s, pos
            limit -= 1
        if nl < 0:
            return
        pos = nl


def line_start(text: str, pos: int) -> int:
    """Offset of the first character of the line that holds ``pos``."""
    return text.rfind("\n", 0, pos) + 1
