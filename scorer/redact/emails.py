"""E-mail addresses, written ("kari@firma.no", "kari(at)firma.no") or spelled out so that
filters miss them ("dan dot whitaker at gmail dot com"): one detector of `scorer.redact`.

Both patterns run only where the text holds what they need (`has_written_hint`,
`spoken_hint`), tested once by the caller.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

Found = tuple[int, int, str]

_EMAIL_RE = re.compile(
    r"(?<![\w%+-])[\w%+-][\w.%+-]*(?:[ \u00a0]?[@＠][ \u00a0]?|[ \u00a0]?[(\[{]at[)\]}][ \u00a0]?)"
    r"[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}(?![\w-])")
#: An address spelled out so that filters miss it: "dan dot whitaker at gmail dot com",
#: "oskar punkt lindahl snabel-a gmail punkt com", "ola [at] firma [dot] no". The domain
#: must end in a known top-level domain; parts are bounded so a long run of "x dot x"
#: costs linear time.
_SAY_DOT = r"(?:\.|[ \u00a0]+(?:dot|punkt|punktum|prikk|\[dot\]|\(dot\))[ \u00a0]+)"
#: The words said for "@" between spaces.
_AT_WORDS = ("at", "snabel-a", "snabela", "krøllalfa", "alfakrøll", "kanelbulle")
_SAY_AT = (r"(?:[ \u00a0]*(?:\[at\]|\(at\)|\{at\})[ \u00a0]*"
           rf"|[ \u00a0]+(?:{'|'.join(_AT_WORDS)})[ \u00a0]+)")
_SPOKEN_EMAIL_RE = re.compile(
    rf"(?i)(?<![\w%+-])[\w%+-]+(?:{_SAY_DOT}[\w%+-]+){{0,3}}{_SAY_AT}"
    rf"[\w-]+(?:{_SAY_DOT}[\w-]+){{0,2}}{_SAY_DOT}"
    r"(?:com|no|se|dk|net|org|uk|co\.uk|io|eu|fi|is|de|info|nu)(?![\w-])")
#: A gate for the spoken forms (`_SPOKEN_AT_RE` decides), searched in the lower-cased
#: text: every "at" the scan can find ("[at]", "(at)", "{at}", " at ", any case) is an
#: "at" before a space or a closing bracket here. Case-sensitive alternatives that open
#: with a letter let the engine skip to those letters: ~4 µs a reply where the
#: case-insensitive hint tried every position (~14 µs). "ſ" is the long s that IGNORECASE
#: folds to "s" and `str.lower` keeps.
_SPOKEN_HINT_RE = re.compile(r"at(?:(?<=\sat)\s|[\])}])|snabel|ſnabel|krøll|alfakr|kanelbulle")
#: Every spoken address holds an "at" (_SAY_AT) with the domain and a known top-level
#: domain right after it: found from each "at" forward, that is a cheap test that most
#: texts with " at " fail, where the full pattern tries every word as a local part
#: (~70 µs on such a text).
_SPOKEN_AT_RE = re.compile(r"(?i)\[at\]|\(at\)|\{at\}|(?<=[ \u00a0])"
                           rf"(?:{'|'.join(_AT_WORDS)})(?=[ \u00a0])")


def _folded(word: str) -> str:
    """A word for the lower-cased text: "s" also as "ſ", which IGNORECASE reads as "s"
    and `str.lower` keeps."""
    return re.escape(word).replace("s", "[sſ]")


def _after_first(word: str) -> str:
    """A word of `_AT_WORDS` from its second letter on, with a space before it and after."""
    return rf"{_folded(word[1:])}(?<=[ \u00a0]{_folded(word)})(?=[ \u00a0])"


#: `_SPOKEN_AT_RE` for the lower-cased text when it is as long as the text (each character
#: lower-cased to one, as IGNORECASE compares them), case-sensitive (`_lower_ats`).
#: The forms that open with "a" are one pattern with that literal first, which the engine
#: skips to (~1.5 µs a reply with " at ", where the case-insensitive pattern tried every
#: position, ~20 µs); the others are searched only where their letters after the first
#: stand (`_AT_RARE`, no "s" among them).
_SPOKEN_AT_A_RE = re.compile("a(?:" + "|".join(
    [r"t(?:(?<=\[at)\]|(?<=\(at)\)|(?<=\{at)\})",
     *(_after_first(w) for w in _AT_WORDS if w[0] == "a")]) + ")")
_AT_RARE = tuple(w[1:] for w in _AT_WORDS if w[0] != "a")
_SPOKEN_AT_RARE_RE = re.compile("|".join(
    _folded(w[0]) + _after_first(w) for w in _AT_WORDS if w[0] != "a"))


def _lower_ats(lowered: str) -> list[re.Match[str]]:
    """Where `_SPOKEN_AT_RE` ends its matches over the text, found over `lowered` (as long
    as the text): the matches of the two patterns (no two can overlap, so two scans find
    what one would)."""
    ats = list(_SPOKEN_AT_A_RE.finditer(lowered))
    if any(w in lowered for w in _AT_RARE):
        ats += _SPOKEN_AT_RARE_RE.finditer(lowered)
    return ats


_SPOKEN_DOMAIN_RE = re.compile(
    rf"(?i)[ \u00a0]*[\w-]+(?:{_SAY_DOT}[\w-]+){{0,2}}{_SAY_DOT}"
    r"(?:com|no|se|dk|net|org|uk|co\.uk|io|eu|fi|is|de|info|nu)(?![\w-])")


def has_written_hint(text: str) -> bool:
    """Does the text hold what `_EMAIL_RE` needs ("@", "＠", "at)", "at]" or "at}")?"""
    return "@" in text or "＠" in text or "at)" in text or "at]" in text or "at}" in text


def spoken_hint(lowered: str) -> bool:
    """Can the spoken scan find an "at" (`_SPOKEN_HINT_RE` in `lowered`, the text's
    `str.lower()`, which the caller makes once for several detectors)?"""
    return _SPOKEN_HINT_RE.search(lowered) is not None


def emails(text: str, lowered: str, written: bool, spoken: bool) -> Iterator[Found]:
    """Addresses; `lowered`: `text.lower()`; `written`: the text holds what _EMAIL_RE
    needs ("@", "＠", "at)", "at]" or "at}"), `spoken`: _SPOKEN_HINT_RE found a hint in
    `lowered` (the caller tested both once; the hint may pass where no spoken address is,
    never the reverse)."""
    if written:
        for m in _EMAIL_RE.finditer(text):
            yield m.start(), m.end(), "email"
    ats = (_lower_ats(lowered) if len(lowered) == len(text)
           else _SPOKEN_AT_RE.finditer(text)) if spoken else ()
    if any(_SPOKEN_DOMAIN_RE.match(text, at.end()) is not None for at in ats):
        for m in _SPOKEN_EMAIL_RE.finditer(text):
            yield m.start(), m.end(), "email"
