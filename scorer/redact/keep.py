"""A deployment's keep-list: its own contact details, which are never redacted.

A company's service number, its generic e-mail address and its visiting address look
exactly like a customer's (the v7 evaluation set's over-redaction is mostly these), and no
detector can tell "ring oss på 55 92 00 00" from a customer's number. The deployment knows
its own, so it lists them (`SCORER_REDACT_KEEP`) and a found span that equals or lies wholly
inside an occurrence of a listed string is not redacted. A span that reaches past the
occurrence (the company's number glued to a customer's digits) still is: the list only ever
keeps the listed text itself.

How an entry is matched in text:

* a phone number (digits, spaces, dots, dashes, slashes, brackets, a leading `+`) by its
  digits, whatever separators are typed between them. An entry written with its country
  prefix (`+47 22 86 40 00`, `0047…`, `+46 (0)8…`) also matches the number written with
  `+CC`, `00CC` or `(+CC)` or without a prefix (with the trunk `0` where the country dials
  one: `+46 771 78 00 00` also keeps `0771-78 00 00`), for the country codes of the
  markets served (`COUNTRY_CODES`); an entry written without a prefix matches only without
  one (the same digits after another country's code are another subscriber);
* an e-mail address case-insensitively, as a whole address;
* anything else (a street address, a postbox) case-insensitively as written, any run of
  white space matching any run, as whole words.

Linear time: the entries become at most three alternations, each one bounded regex pass
over the text; kept occurrences are merged once and looked up by bisection.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from scorer.redact.numbers import _DASHES, _SPACES

#: Country calling codes of the markets served, and whether the country dials a trunk `0`
#: before national numbers (Sweden, the UK, Ireland and Finland do; Norway, Denmark and
#: Iceland do not). Codes are prefix-free (E.164), so a prefix match is unambiguous.
COUNTRY_CODES: dict[str, bool] = {
    "47": False, "46": True, "45": False, "44": True, "353": True, "358": True, "354": False,
}
MIN_CHARS = 4
MIN_DIGITS = 5

_SEP = rf"[{_SPACES}.{_DASHES}/()]"
_GAP = f"{_SEP}{{0,3}}"
_PHONE_ENTRY_RE = re.compile(rf"\(?\+?[0-9{_SPACES}.{_DASHES}/()]+")
_EMAIL_ENTRY_RE = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")
_HAS_ALNUM_RE = re.compile(r"[^\W_]")


def is_phone_entry(entry: str) -> bool:
    """Is `entry` written like a phone number (matched by its digits)?"""
    return _PHONE_ENTRY_RE.fullmatch(entry) is not None and any(c.isdigit() for c in entry)


def check_entry(entry: object) -> str:
    """`entry` stripped of surrounding white space, or ValueError naming it and the fix."""
    if not isinstance(entry, str):
        raise ValueError(f"keep-list entry {entry!r} is not a string; list strings, e.g. "
                         "[\"22 86 40 00\", \"kundeservice@firma.no\"]")
    text = entry.strip()
    if len(text) < MIN_CHARS:
        raise ValueError(f"keep-list entry {entry!r} is shorter than {MIN_CHARS} characters "
                         "and would keep that text in every message; list the whole phone "
                         "number, e-mail address or street address, or drop the entry")
    if _HAS_ALNUM_RE.search(text) is None:
        raise ValueError(f"keep-list entry {entry!r} has no letter or digit, so it can never "
                         "hold personal data worth keeping; drop it")
    digits = sum(c.isdigit() for c in text)
    if is_phone_entry(text) and digits < MIN_DIGITS:
        raise ValueError(f"keep-list entry {entry!r} has only {digits} digits and would keep "
                         "every short number (house numbers, postcodes, PINs) in every "
                         f"message; list the whole phone number (at least {MIN_DIGITS} "
                         "digits, e.g. '22 86 40 00')")
    return text


def check_entries(entries: Iterable[object]) -> list[str]:
    """Checked entries in their order, duplicates dropped."""
    return list(dict.fromkeys(check_entry(e) for e in entries))


def read_keep_file(path: str | Path) -> list[str]:
    """Entries of a keep file: one per line; blank lines and lines starting with `#` are
    skipped (a comma inside an entry is part of it: `Postboks 636 Løren, 0507 Oslo`)."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return check_entries(line for line in lines
                         if line.strip() and not line.lstrip().startswith("#"))


def _digits(digits: str) -> str:
    return _GAP.join(digits)


def _phone_pattern(entry: str) -> str:
    """A regex for the phone number `entry` in any typed form (see the module docstring)."""
    digits = "".join(c for c in entry if c.isdigit())
    bare = entry.lstrip("(").lstrip()
    international = bare.startswith("+") or (bare.startswith("00") and digits.startswith("00"))
    if not international:
        return rf"\(?{_digits(digits)}"
    full = digits[2:] if not bare.startswith("+") else digits
    code = next((c for c in COUNTRY_CODES if full.startswith(c)), None)
    prefix = rf"\(?(?:\+|00){_GAP}"
    if code is None:  # a code outside the markets served: its digits as written
        return prefix + _digits(full)
    national = full[len(code):].lstrip("0")  # "+46 (0)8…" is "+46 8…"
    trunk = "0" + _GAP if COUNTRY_CODES[code] else ""
    return (rf"(?:{prefix}{_digits(code)}{_GAP}(?:\(0\){_GAP})?|\(?{trunk})"
            + _digits(national))


def _text_pattern(entry: str) -> str:
    words = [re.escape(w) for w in entry.split()]
    body = r"\s+".join(words)
    before = r"(?<!\w)" if re.match(r"\w", entry) else ""
    after = r"(?!\w)" if re.search(r"\w$", entry) else ""
    return before + body + after


def _alternation(patterns: Sequence[str], head: str, tail: str) -> re.Pattern[str] | None:
    if not patterns:
        return None
    return re.compile(rf"{head}(?:{'|'.join(patterns)}){tail}", re.IGNORECASE)


class KeepList:
    """Checked keep-list entries and the regexes that find them in text (built once)."""

    def __init__(self, entries: Iterable[object] = ()) -> None:
        self.entries: tuple[str, ...] = tuple(check_entries(entries))
        phones = [e for e in self.entries if is_phone_entry(e)]
        emails = [e for e in self.entries if e not in phones
                  and _EMAIL_ENTRY_RE.fullmatch(e) is not None]
        others = [e for e in self.entries if e not in phones and e not in emails]
        by_length = sorted(phones, key=lambda e: -sum(c.isdigit() for c in e))
        self._phones = _alternation([_phone_pattern(e) for e in by_length],
                                    rf"(?<![0-9+])(?<![0-9]{_SEP})", rf"(?!{_SEP}?[0-9])")
        self._emails = _alternation([re.escape(e) for e in sorted(emails, key=len, reverse=True)],
                                    r"(?<![\w.%+-])", r"(?![\w-]|\.[\w-])")
        self._others = _alternation([_text_pattern(e) for e in sorted(others, key=len,
                                                                      reverse=True)], "", "")

    def __bool__(self) -> bool:
        return bool(self.entries)

    def __repr__(self) -> str:
        return f"KeepList({list(self.entries)!r})"

    def spans(self, text: str) -> KeptSpans:
        """Where listed strings occur in `text`, merged where they overlap or touch."""
        found: list[tuple[int, int]] = []
        if self._phones is not None and any(c.isdigit() for c in text):
            found += [m.span() for m in self._phones.finditer(text)]
        if self._emails is not None and "@" in text:
            found += [m.span() for m in self._emails.finditer(text)]
        if self._others is not None:
            found += [m.span() for m in self._others.finditer(text)]
        return KeptSpans(found)


class KeptSpans:
    """Kept occurrences in one text, merged and sorted, for containment tests."""

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        for s, e in sorted(spans):
            if self.ends and s <= self.ends[-1]:
                self.ends[-1] = max(self.ends[-1], e)
            else:
                self.starts.append(s)
                self.ends.append(e)

    def __bool__(self) -> bool:
        return bool(self.starts)

    def covers(self, start: int, end: int) -> bool:
        """Does [start, end) equal or lie wholly inside a kept occurrence?"""
        i = bisect.bisect_right(self.starts, start) - 1
        return i >= 0 and end <= self.ends[i]
