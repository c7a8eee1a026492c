"""Checksums and date rules that decide which label a digit sequence gets."""

from __future__ import annotations

import operator
from datetime import date

#: IBAN lengths of the countries customers here most often pay from or to; other
#: countries are accepted at any ISO 13616 length (15–34) when the mod-97 check passes.
IBAN_LENGTHS = {
    "NO": 15, "SE": 24, "DK": 18, "FI": 18, "IS": 26, "FO": 18, "GL": 18, "DE": 22,
    "GB": 22, "NL": 18, "FR": 27, "ES": 24, "IT": 27, "PL": 28, "BE": 16, "IE": 22,
    "EE": 20, "LT": 20, "LV": 21, "AT": 20, "CH": 21,
}


_DOUBLE = str.maketrans("0123456789", "0246813579")


def luhn_ok(digits: str) -> bool:
    """The Luhn mod-10 check used by payment cards and Swedish personnummer."""
    if not digits.isdigit() or not digits.isascii():
        return False
    total = sum(map(int, digits[-1::-2])) + sum(map(int, digits[-2::-2].translate(_DOUBLE)))
    return total % 10 == 0


def iban_ok(candidate: str) -> bool:
    """ISO 13616: country length (where known) and the mod-97 check."""
    iban = "".join(ch for ch in candidate if ch.isalnum()).upper()
    if not (15 <= len(iban) <= 34) or not iban.isascii():
        return False
    if not iban[:2].isalpha() or not iban[2:4].isdigit():
        return False
    expected = IBAN_LENGTHS.get(iban[:2])
    if expected is not None and len(iban) != expected:
        return False
    rearranged = iban[4:] + iban[:4]
    number = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(number) % 97 == 1


def valid_date(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _mod11(digits: str, weights: tuple[int, ...]) -> int | None:
    """The mod-11 check digit for `digits` (None when it would be 10: no valid number)."""
    k = 11 - sum(map(operator.mul, weights, map(int, digits))) % 11
    if k == 11:
        return 0
    return None if k == 10 else k


def no_fnr_ok(digits: str) -> bool:
    """Norwegian fødselsnummer / D-nummer / H-nummer (and synthetic test numbers).

    DDMMYYIIIKK: the date may carry +40 on the day (D-nummer), +40 on the month
    (H-nummer) or +80 on the month (Skatteetaten's synthetic numbers); K1 and K2 are
    mod-11 check digits.
    """
    if len(digits) != 11 or not digits.isdigit():
        return False
    k1 = _mod11(digits[:9], (3, 7, 6, 1, 8, 9, 4, 5, 2))
    k2 = _mod11(digits[:10], (5, 4, 3, 2, 7, 6, 5, 4, 3, 2))
    if k1 is None or k2 is None or k1 != int(digits[9]) or k2 != int(digits[10]):
        return False
    day, month, yy = int(digits[0:2]), int(digits[2:4]), int(digits[4:6])
    if day > 40:
        day -= 40
    if month > 80:
        month -= 80
    elif month > 40:
        month -= 40
    return valid_date(2000 + yy, month, day) or valid_date(1900 + yy, month, day)


def no_account_ok(digits: str) -> bool:
    """Norwegian bank account number (BBAN): 11 digits, the last a mod-11 check digit
    over the first ten (weights 5,4,3,2,7,6,5,4,3,2)."""
    if len(digits) != 11 or not digits.isdigit():
        return False
    k = _mod11(digits[:10], (5, 4, 3, 2, 7, 6, 5, 4, 3, 2))
    return k is not None and k == int(digits[10])


def se_pnr_ok(century: str | None, yymmdd: str, serial: str) -> bool:
    """Swedish personnummer / samordningsnummer (day + 60): a date and the Luhn check."""
    if century is not None and century not in ("18", "19", "20"):
        return False
    yy, month, day = int(yymmdd[0:2]), int(yymmdd[2:4]), int(yymmdd[4:6])
    if day > 60:
        day -= 60
    years = [int(century) * 100 + yy] if century else [2000 + yy, 1900 + yy]
    if not any(valid_date(y, month, day) for y in years):
        return False
    return luhn_ok(yymmdd + serial)


def dk_cpr_ok(ddmmyy: str) -> bool:
    """Danish CPR: a valid DDMMYY date. The mod-11 check was dropped in 2007, so
    numbers issued since then need not satisfy it; the date is all that can be checked."""
    day, month, yy = int(ddmmyy[0:2]), int(ddmmyy[2:4]), int(ddmmyy[4:6])
    return valid_date(2000 + yy, month, day) or valid_date(1900 + yy, month, day)


def birth_date_ok(digits: str) -> bool:
    """A 10- or 12-digit national-id shape whose date part is a real date (DDMMYY…,
    YYMMDD… or YYYYMMDD…), allowing the D-/samordningsnummer day offsets."""
    if len(digits) == 12:
        return se_pnr_ok(digits[:2], digits[2:8], digits[8:]) or _date_any(digits[2:8])
    return len(digits) in (10, 11) and (_date_any(digits[:6]) or dk_cpr_ok(digits[:6]))


def _date_any(six: str) -> bool:
    a, b, c = int(six[0:2]), int(six[2:4]), int(six[4:6])
    for year, month, day in ((a, b, c), (c, b, a)):
        day = day - 60 if day > 60 else day - 40 if day > 40 else day
        if valid_date(2000 + year, month, day) or valid_date(1900 + year, month, day):
            return True
    return False


def pps_ok(value: str) -> bool:
    """Irish PPS number check letter: digits weighted 8..2, a second letter (A=1 … Z=26,
    W=0) weighted 9, the sum mod 23 names the check letter (0 = W, 1 = A …)."""
    v = value.replace(" ", "").replace("\u00a0", "").upper()
    if len(v) not in (8, 9) or not v[:7].isdigit() or not v[7:].isalpha():
        return False
    total = sum(int(d) * w for d, w in zip(v[:7], range(8, 1, -1), strict=True))
    if len(v) == 9 and v[8] != "W":
        total += (ord(v[8]) - 64) * 9
    check = total % 23
    return v[7] == ("W" if check == 0 else chr(64 + check))
