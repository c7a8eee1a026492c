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
_SAY_AT = (r"(?:[ \u00a0]*(?:\[at\]|\(at\)|\{at\})[ \u00a0]*"
           r"|[ \u00a0]+(?:at|snabel-a|snabela|krøllalfa|alfakrøll|kanelbulle)[ \u00a0]+)")
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
                           r"(?:at|snabel-a|snabela|krøllalfa|alfakrøll|kanelbulle)(?=[ \u00a0])")
_SPOKEN_DOMAIN_RE = re.compile(
    rf"(?i)[ \u00a0]*[\w-]+(?:{_SAY_DOT}[\w-]+){{0,2}}{_SAY_DOT}"
    r"(?:com|no|se|dk|net|org|uk|co\.uk|io|eu|fi|is|de|info|nu)(?![\w-])")


def has_written_hint(text: str) -> bool:
    """Does the text hold what `_EMAIL_RE` needs ("@", "＠", "at)", "at]" or "at}")?"""
    return "@" in text or "＠" in text or "at)" in text or "at]" in text or "at}" in text


def spoken_hint(text: str) -> bool:
    """Can the spoken scan find an "at" (`_SPOKEN_HINT_RE` in the lower-cased text)?"""
    return _SPOKEN_HINT_RE.search(text.lower()) is not None


def emails(text: str, written: bool, spoken: bool) -> Iterator[Found]:
    """Addresses; `written`: the text holds what _EMAIL_RE needs ("@", "＠", "at)", "at]"
    or "at}"), `spoken`: _SPOKEN_HINT_RE found a hint in the lower-cased text (the caller
    tested both once; the hint may pass where no spoken address is, never the reverse)."""
    if written:
        for m in _EMAIL_RE.finditer(text):
            yield m.start(), m.end(), "email"
    if spoken and any(_SPOKEN_DOMAIN_RE.match(text, at.end()) is not None
                      for at in _SPOKEN_AT_RE.finditer(text)):
        for m in _SPOKEN_EMAIL_RE.finditer(text):
            yield m.start(), m.end(), "email"
