"""Where a name context can open: the index from a word to the context regexes that begin
with it (`names.context_names` tries a context only where one of its words stands), and
for each such pair a cheap test of the opening phrase.

A context regex opens with a phrase from regex alternations (`namewords.py`), for some a
sequence of them ("min" then "mann": owner then relation). Most words that can open one
open it only with a second word ("med" → "med vennlig hilsen", "det" → "det er", "er" →
"er mor"), and in replies they nearly always stand without it: the full context regex, and
its lower-case variant after it, then fail at ~1–2 µs each (~10 such tries a reply). The
opening test (`Opening.gate`) is the opening phrase alone, restricted to the alternatives
that can match where the word stands, so it fails in a fraction of that; where it fails,
neither the context nor its lower-case variant can match there, so nothing is lost.
"""

from __future__ import annotations

import re
from typing import NamedTuple

#: The words of a context regex's opening: each a sequence of alternations (regex source,
#: `|`-separated) that follow one another, separated by spaces, in the regex.
Heads = tuple[tuple[str, ...], ...]


class Context(NamedTuple):
    """A context regex with what `context_names` asks of it, looked up once at import:
    a compiled pattern hashes its whole code on every dict or set look-up (1–5 µs for
    these), and keying by pattern cost ~90 µs a reply."""

    rx: re.Pattern[str]
    #: Its lower-case-name variant ("hei ola"; `names._LOWER_WORD`), or None.
    lower: re.Pattern[str] | None
    #: A greeting or sign-off: a listed first name right after it is a name (`_trim`).
    greeting: bool
    #: A label ("Navn:"): tried only before a colon or a full stop.
    label: bool
    #: A relation ("min sønn …"), for `_lower_name`.
    relation: bool


class Opening(NamedTuple):
    """A context that a trigger word can open, and the test of its opening phrase there
    (None where the word alone is a whole opening, so the test could not fail)."""

    context: Context
    gate: re.Pattern[str] | None


def first_word(alt: str) -> str | None:
    """The first word of a phrase of a regex alternation ("med\\s+vennlig…" → "med")."""
    m = re.match(r"[^\W\d_]+", alt.replace("\\s+", " "))
    return m.group(0).lower() if m is not None else None


def _gate(word: str, heads: Heads) -> re.Pattern[str] | None:
    """The opening phrase of a context, for where `word` stands as a whole word (of the
    lower-cased text). A phrase matching there starts with a word that lower-cases to a
    prefix of `word` (a longer one would need a letter where the text has none, a shorter
    one a non-letter where it has a letter, or a capital of the name right after it, as in
    "HilsenEr"); those phrases, case-insensitively as in the context regex, then the
    alternations after them with any spaces (the regex allows fewer)."""
    branches = []
    for first, *rest in heads:
        alts = [a for a in first.split("|") if word.startswith(first_word(a) or "\0")]
        if not alts:
            continue
        if not rest and any(re.fullmatch(r"[^\W\d_]+", a) for a in alts):
            return None  # a one-word phrase: where the word stands, it is there
        branches.append("(?i:" + "|".join(alts) + ")"
                        + "".join(rf"\s+(?i:{alt})" for alt in rest))
    return re.compile("|".join(branches))


def openings(table: tuple[tuple[Context, Heads], ...]) -> dict[str, tuple[Opening, ...]]:
    """Every word that can open a context of `table`, with the contexts it opens (in table
    order) and their opening tests: built once at import, like the word lists."""
    out: dict[str, tuple[Opening, ...]] = {}
    for context, heads in table:
        words = {first_word(a) for first, *_ in heads for a in first.split("|")}
        for word in sorted(w for w in words if w):
            out[word] = (*out.get(word, ()), Opening(context, _gate(word, heads)))
    return out


def trigger_regex(word: str) -> re.Pattern[str]:
    """A trigger word as a whole word, literal first so the regex engine can skip ahead."""
    w = re.escape(word)
    return re.compile(rf"{w}(?<![^\W\d_]{w})(?![^\W\d_])")
