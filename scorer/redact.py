"""Personal-data redaction applied to reply text before it is stored.

QA reviewers need to read what the agent wrote, not the customer's card number, so the
flagged store only ever sees text that went through `redact()`. The detectors err on the
side of privacy: a checksum decides which *label* a number gets, but any long digit run
that looks like a phone number is removed even when no checksum matches. The exception
is payment cards, which are Luhn-checked (a 16-digit tracking number is not a card and is
longer than any phone number, so it stays readable).

Detectors run in a fixed priority order over a working copy of the text in which every
accepted match is masked with same-length filler, so later (looser) detectors cannot
re-match inside earlier hits and all offsets stay those of the original text. That lets
`Redaction.map_span` translate evidence offsets into the redacted text.

Replacement tokens contain no digits and no `@`, so redacting twice changes nothing.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

#: Token written in place of each kind of personal data.
TOKENS: dict[str, str] = {
    "email": "[EMAIL]",
    "iban": "[IBAN]",
    "card": "[CARD]",
    "no_fnr": "[NATIONAL_ID]",
    "se_pnr": "[NATIONAL_ID]",
    "dk_cpr": "[NATIONAL_ID]",
    "phone": "[PHONE]",
    "name": "[NAME]",
}

_DIGIT_RE = re.compile(r"\d")
_MASK = "\uffff"  # a Unicode noncharacter: never part of a word, digit run or separator

_EMAIL_RE = re.compile(r"(?<![\w.%+-])[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}(?![\w-])")
_IBAN_RE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]){11,32}(?![A-Za-z0-9])")
_CARD_RE = re.compile(r"(?<![\d\w])\d(?:[ -]?\d){12,22}(?![\d\w])")
_NO_FNR_RE = re.compile(r"(?<![\d\w+-])(\d{6}) ?(\d{5})(?![\d\w])")
_SE_PNR_RE = re.compile(r"(?<![\d\w+-])(\d{2})?(\d{6})([-+ ]?)(\d{4})(?![\d\w])")
_DK_CPR_RE = re.compile(r"(?<![\d\w+-])(\d{6})[- ]?(\d{4})(?![\d\w])")
_PHONE_RE = re.compile(
    r"(?<![\w+(])(?:\+|\b00)?(?:\(\d{1,4}\)[ .\-]?)?\d(?:[ .\-]?(?:\(\d{1,4}\)[ .\-]?)?\d){5,16}"
    r"(?![\w])"
)
_DATE_LIKE_RE = re.compile(r"^(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4})$")

#: IBAN lengths of the countries customers here most often pay from or to; other
#: countries are accepted at any ISO 13616 length (15–34) when the mod-97 check passes.
_IBAN_LENGTHS = {
    "NO": 15, "SE": 24, "DK": 18, "FI": 18, "IS": 26, "FO": 18, "GL": 18, "DE": 22,
    "GB": 22, "NL": 18, "FR": 27, "ES": 24, "IT": 27, "PL": 28, "BE": 16, "IE": 22,
    "EE": 20, "LT": 20, "LV": 21, "AT": 20, "CH": 21,
}


@dataclass(frozen=True)
class Hit:
    """One redacted region, in offsets of the original text."""

    start: int
    end: int
    kind: str


@dataclass
class Redaction:
    """The redacted text plus where and what was removed (never the removed values)."""

    text: str
    hits: list[Hit] = field(default_factory=list)

    @property
    def counts(self) -> Counter[str]:
        return Counter(h.kind for h in self.hits)

    def map_span(self, start: int, end: int) -> tuple[int, int]:
        """Translate original offsets [start, end) into offsets of the redacted text.

        A span that overlaps a redacted region grows to cover the whole token, so the
        mapped slice never contains half a token or an unredacted fragment.
        """
        shift = 0
        new_start: int | None = None
        new_end: int | None = None
        for hit in self.hits:
            token_len = len(TOKENS[hit.kind])
            if new_start is None:
                if start < hit.start:
                    new_start = start + shift
                elif start < hit.end:
                    new_start = hit.start + shift
            if new_end is None:
                if end <= hit.start:
                    new_end = end + shift
                elif end <= hit.end:
                    new_end = hit.start + shift + token_len
            shift += token_len - (hit.end - hit.start)
        if new_start is None:
            new_start = start + shift
        if new_end is None:
            new_end = end + shift
        return new_start, max(new_start, new_end)


# --- checksums -----------------------------------------------------------------------------


def luhn_ok(digits: str) -> bool:
    """The Luhn mod-10 check used by payment cards and Swedish personnummer."""
    if not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def iban_ok(candidate: str) -> bool:
    """ISO 13616: country length (where known) and the mod-97 check."""
    iban = candidate.replace(" ", "").upper()
    if not (15 <= len(iban) <= 34) or not iban[:2].isalpha() or not iban[2:4].isdigit():
        return False
    expected = _IBAN_LENGTHS.get(iban[:2])
    if expected is not None and len(iban) != expected:
        return False
    rearranged = iban[4:] + iban[:4]
    number = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(number) % 97 == 1


def _valid_date(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def no_fnr_ok(digits: str) -> bool:
    """Norwegian fødselsnummer / D-nummer / H-nummer (and synthetic test numbers).

    DDMMYYIIIKK: the date may carry +40 on the day (D-nummer), +40 on the month
    (H-nummer) or +80 on the month (Skatteetaten's synthetic numbers); K1 and K2 are
    mod-11 check digits.
    """
    if len(digits) != 11 or not digits.isdigit():
        return False
    d = [int(c) for c in digits]
    w1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
    w2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
    k1 = 11 - sum(a * b for a, b in zip(w1, d[:9], strict=True)) % 11
    k1 = 0 if k1 == 11 else k1
    k2 = 11 - sum(a * b for a, b in zip(w2, d[:10], strict=True)) % 11
    k2 = 0 if k2 == 11 else k2
    if k1 == 10 or k2 == 10 or k1 != d[9] or k2 != d[10]:
        return False
    day, month, yy = int(digits[0:2]), int(digits[2:4]), int(digits[4:6])
    if day > 40:
        day -= 40
    if month > 80:
        month -= 80
    elif month > 40:
        month -= 40
    return _valid_date(2000 + yy, month, day) or _valid_date(1900 + yy, month, day)


def se_pnr_ok(century: str | None, yymmdd: str, serial: str) -> bool:
    """Swedish personnummer / samordningsnummer (day + 60): a date and the Luhn check."""
    if century is not None and century not in ("18", "19", "20"):
        return False
    yy, month, day = int(yymmdd[0:2]), int(yymmdd[2:4]), int(yymmdd[4:6])
    if day > 60:
        day -= 60
    years = [int(century) * 100 + yy] if century else [2000 + yy, 1900 + yy]
    if not any(_valid_date(y, month, day) for y in years):
        return False
    return luhn_ok(yymmdd + serial)


def dk_cpr_ok(ddmmyy: str) -> bool:
    """Danish CPR: a valid DDMMYY date. The mod-11 check was dropped in 2007, so
    numbers issued since then need not satisfy it; the date is all that can be checked."""
    day, month, yy = int(ddmmyy[0:2]), int(ddmmyy[2:4]), int(ddmmyy[4:6])
    return _valid_date(2000 + yy, month, day) or _valid_date(1900 + yy, month, day)


# --- detectors -----------------------------------------------------------------------------


def _group_ranges(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """(start, end) of the digit/letter groups of text[start:end] split at separators."""
    return [(start + m.start(), start + m.end())
            for m in re.finditer(r"[A-Za-z0-9]+", text[start:end])]


def _longest_valid(text: str, start: int, end: int,
                   ok: Callable[[str], bool]) -> tuple[int, int] | None:
    """The longest run of whole groups inside text[start:end] that passes `ok`.

    Regexes are greedy, so "4111 1111 1111 1111 12/27" first matches with the expiry
    month glued on; trying group-aligned sub-runs recovers the real number.
    """
    groups = _group_ranges(text, start, end)
    best: tuple[int, int] | None = None
    for i in range(len(groups)):
        for j in range(len(groups) - 1, i - 1, -1):
            s, e = groups[i][0], groups[j][1]
            if best is not None and e - s <= best[1] - best[0]:
                break
            if ok(text[s:e]):
                best = (s, e)
                break
    return best


def _emails(work: str) -> Iterator[tuple[int, int, str]]:
    for m in _EMAIL_RE.finditer(work):
        yield m.start(), m.end(), "email"


def _scan(regex: re.Pattern[str], work: str,
          ok: Callable[[str], bool]) -> Iterator[tuple[int, int]]:
    """Valid group-aligned runs inside regex matches, resuming right after each hit so a
    greedy match spanning two numbers ("NO93 … og NO93 …") still yields both."""
    pos = 0
    while (m := regex.search(work, pos)) is not None:
        found = _longest_valid(work, m.start(), m.end(), ok)
        if found is None:
            pos = m.end()
            continue
        yield found
        pos = found[1]


def _ibans(work: str) -> Iterator[tuple[int, int, str]]:
    for s, e in _scan(_IBAN_RE, work, iban_ok):
        yield s, e, "iban"


def _cards(work: str) -> Iterator[tuple[int, int, str]]:
    def ok(s: str) -> bool:
        digits = re.sub(r"[ -]", "", s)
        return 13 <= len(digits) <= 19 and luhn_ok(digits)

    for s, e in _scan(_CARD_RE, work, ok):
        yield s, e, "card"


def _national_ids(work: str) -> Iterator[tuple[int, int, str]]:
    for m in _NO_FNR_RE.finditer(work):
        if no_fnr_ok(m.group(1) + m.group(2)):
            yield m.start(), m.end(), "no_fnr"
    for m in _SE_PNR_RE.finditer(work):
        century, yymmdd, _sep, serial = m.groups()
        if se_pnr_ok(century, yymmdd, serial):
            yield m.start(), m.end(), "se_pnr"
    for m in _DK_CPR_RE.finditer(work):
        if dk_cpr_ok(m.group(1)):
            yield m.start(), m.end(), "dk_cpr"


def _phones(work: str) -> Iterator[tuple[int, int, str]]:
    for m in _PHONE_RE.finditer(work):
        value = m.group(0)
        digits = re.sub(r"\D", "", value.replace("(0)", ""))
        if not 8 <= len(digits) <= 15:
            continue
        if _DATE_LIKE_RE.match(value):
            continue
        yield m.start(), m.end(), "phone"


#: Detector order is priority order: a checksum-validated kind claims its digits before
#: the looser phone-number pattern gets to see them.
_DETECTORS: tuple[Callable[[str], Iterator[tuple[int, int, str]]], ...] = (
    _emails, _ibans, _cards, _national_ids, _phones,
)


@lru_cache(maxsize=4096)
def _name_detector(names: tuple[str, ...]) -> Callable[[str], Iterator[tuple[int, int, str]]]:
    """A detector for known names (e.g. the record's `customer_name`) and their parts.

    Names cannot be found by pattern, but the producer often tells us the customer's
    name; every whole-word occurrence of it, or of any of its parts of two letters or
    more ("Kari", "Nordmann"), is replaced, case-insensitively.
    """
    parts = {p for n in names if n for p in n.split() if len(p.strip(".,")) >= 2}
    alternatives = "|".join(re.escape(p.strip(".,")) for p in sorted(parts, key=len, reverse=True))
    rx = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)

    def detect(work: str) -> Iterator[tuple[int, int, str]]:
        for m in rx.finditer(work):
            yield m.start(), m.end(), "name"

    return detect


def redact(text: str, names: Iterable[str | None] = ()) -> Redaction:
    """Return `text` with personal data replaced by TOKENS, and the replaced regions.

    `names` are known personal names (the customer's) to remove as well.
    """
    work = text
    hits: list[Hit] = []
    has_digit = _DIGIT_RE.search(text) is not None
    detectors = list(_DETECTORS)
    known = tuple(n for n in names if n and n.strip())
    if known:
        detectors.append(_name_detector(known))
    for detector in detectors:
        if (detector is _emails and "@" not in text) or (
                detector in _DETECTORS and detector is not _emails and not has_digit):
            continue  # the number detectors need digits; most short replies have none
        found = [h for h in detector(work) if _MASK not in work[h[0]:h[1]]]
        found.sort(key=lambda h: (h[0], -h[1]))
        accepted: list[tuple[int, int, str]] = []
        for s, e, kind in found:
            if accepted and s < accepted[-1][1]:
                continue  # overlaps a hit of the same detector that starts earlier
            accepted.append((s, e, kind))
        for s, e, kind in accepted:
            work = work[:s] + _MASK * (e - s) + work[e:]
            hits.append(Hit(s, e, kind))
    hits.sort(key=lambda h: h.start)
    out: list[str] = []
    pos = 0
    for hit in hits:
        out.append(text[pos:hit.start])
        out.append(TOKENS[hit.kind])
        pos = hit.end
    out.append(text[pos:])
    return Redaction("".join(out), hits)


def redact_text(text: str) -> str:
    """Convenience: only the redacted string."""
    return redact(text).text
