"""Identifiers written with letters and digits: IBANs (mod-97), UK National Insurance
numbers and Irish PPS numbers (mod-23 check letter). Each is one bounded regex pass; the
checksum decides where one exists."""

from __future__ import annotations

import re
from collections.abc import Iterator

from scorer.redact.checksums import IBAN_LENGTHS, iban_ok, pps_ok

Found = tuple[int, int, str]

_ALNUM_RE = re.compile(r"[A-Za-z0-9]+")
_IBAN_RE = re.compile(
    r"[A-Za-z](?<![A-Za-z0-9][A-Za-z])[A-Za-z][0-9]{2}(?:[ \u00a0.\-]?[A-Za-z0-9]){11,32}"
    r"(?![A-Za-z0-9])")
#: Any two capitals, not only the prefixes HMRC issues: the documented example "QQ 12 34
#: 56 C" and mistyped prefixes are somebody's number all the same.
_NINO_RE = re.compile(
    r"[A-Z](?<![A-Za-z0-9][A-Z])[A-Z][ \u00a0]?[0-9]{2}[ \u00a0]?"
    r"[0-9]{2}[ \u00a0]?[0-9]{2}[ \u00a0]?[A-D](?![A-Za-z0-9])")
#: Irish PPS number: seven digits, a check letter and an optional second letter
#: ("1234567T", "1234567TW", "0518060PA").
#: The boundary before the digits is tested after the first of them: opening with the
#: digit lets the engine skip to digits, where a leading lookbehind was tried at every
#: position (~8 -> ~2 µs a reply; the same matches).
_PPS_RE = re.compile(
    r"[0-9](?<![A-Za-z0-9][0-9])[0-9]{6}[ \u00a0]?[A-Wa-w][A-Za-z]?(?![A-Za-z0-9])")

#: Two letters before two digits, found by its first digit (the engine skips to digits):
#: every `_IBAN_RE` match opens two characters before one, and nowhere else.
_IBAN_HINT_RE = re.compile(r"[0-9](?<=[A-Za-z][A-Za-z][0-9])[0-9]")


def ibans(text: str) -> Iterator[Found]:
    """IBANs (mod-97), group-aligned so that words after the number are not swallowed.

    `_IBAN_RE` is tried only where a match can open, two characters before each
    `_IBAN_HINT_RE` match (in order, and hints never overlap where a match opens), from
    where the last search would have gone on: the same matches as searching on from
    there, without trying the pattern at every letter (~5 µs a reply with a tracking
    number such as "LA0804057SE")."""
    pos = 0
    for hint in _IBAN_HINT_RE.finditer(text):
        start = hint.start() - 2
        if start < pos:
            continue
        m = _IBAN_RE.match(text, start)
        if m is None:
            continue
        value = m.group(0)
        expected = IBAN_LENGTHS.get(value[:2].upper())
        ends = []
        size = 0
        for c in _ALNUM_RE.finditer(value):
            size += c.end() - c.start()
            if expected is None or size == expected:
                ends.append(c.end())
            if expected is not None and size >= expected:
                break
        found = None
        for end in reversed(ends):
            if iban_ok(value[:end]):
                found = m.start() + end
                break
        if found is None:
            pos = m.start() + 1
            continue
        yield m.start(), found, "iban"
        pos = found


def ninos(text: str) -> Iterator[Found]:
    """UK National Insurance numbers (QQ 12 34 56 C)."""
    for m in _NINO_RE.finditer(text):
        yield m.start(), m.end(), "uk_nino"


def ppsns(text: str) -> Iterator[Found]:
    """Irish PPS numbers whose check letter is right (`checksums.pps_ok`)."""
    for m in _PPS_RE.finditer(text):
        if pps_ok(m.group(0)):
            yield m.start(), m.end(), "national_id"
