"""Numbers in running text: cards, national ids, bank accounts and phone numbers.

People type digit groups with every separator there is: spaces (also U+00A0 and the other
Unicode spaces, often doubled), dots, hyphens, slashes, en- and em-dashes, `(0)` for the
trunk prefix, and they put numbers right next to each other ("811218-9876 4111 1111 1111
1111", "91234567 23.11.2024"). So the text is cut once into digit groups (linear), groups
joined by a short separator form a *run*, and each run is split into items by a small
dynamic programme over windows of at most `_MAX_GROUPS` groups and `_MAX_DIGITS` digits
(so the work per group is bounded and the whole pass stays linear).

Every window gets the best label it can earn:

* strong (a checksum decides): card (Luhn, issuer digit 2–6, 13–19 digits), Norwegian
  fødselsnummer (two mod-11 digits and a date), Swedish personnummer (date and Luhn, also
  `-`/`+` forms), Danish CPR in its `DDMMYY-XXXX` form, Norwegian account numbers
  (mod-11) written 4.2.5 or after an account cue;
* weak (a plan or a cue decides): phone numbers that fit a Nordic/UK numbering plan, an
  8–15 digit run on its own (privacy first: any such run goes), 10–12 digit ids after an
  id cue, 7–18 digit accounts after an account cue (Swedish clearing + account, Danish
  reg + account, UK sort code + account);
* keep: dates, times, card expiry (`12/27`), and 16–20 digits written in blocks of four
  that are no card (tracking and reference numbers): never redacted.

The programme maximises the digits covered, weighted by how sure the label is (per digit:
checksum 3.0, date 2.9, phone plan or cue 2.8, reference in blocks 2.7, run on its own
2.5), with one rule: a weak item may not sit next to a group left unlabelled in the same
run, because then it was carved out of something longer (a 17-digit tracking number is not
a phone number and some digits). No rule looks past direct neighbours that stay in the
text, so a second pass makes the same choices. A keep cue before the run (order, case,
invoice, tracking, customer number…) or a currency/unit around it forbids weak items and
cards.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from typing import NamedTuple

from scorer.redact.checksums import (
    birth_date_ok,
    dk_cpr_ok,
    luhn_ok,
    no_account_ok,
    no_fnr_ok,
    se_pnr_ok,
    valid_date,
)
from scorer.redact.cues import LOOKBACK, code_prefixed, cue_before, glued, is_amount

Found = tuple[int, int, str]

_SPACES = " \t\u00a0\u1680\u2000-\u200b\u202f\u205f\u3000"
_DASHES = "\\-\u2010-\u2015\u2212"
_GROUP_RE = re.compile(r"[0-9]+")
_GAP = (
    rf"[{_SPACES}]{{0,3}}(?:[.{_DASHES}/+]|\)[.{_DASHES}]?|[.{_DASHES}/+]?\()?[{_SPACES}]{{0,3}}")
_RUN_RE = re.compile(rf"[0-9]+(?:{_GAP}[0-9]+)*")
_DATE_GAPS = frozenset({".", "-", "/", ". ", ":"})
_MAX_GROUPS = 7
#: How a fødselsnummer is written: 11 digits, DDMMYY XXXXX or DD MM YY XXXXX.
_FNR_SHAPES = {1: (11,), 2: (6, 5), 4: (2, 2, 2, 5)}
#: Weights per digit covered. Covering digits matters most (a label that leaves part of a
#: number readable loses to one that covers it all); among full covers, checksum-backed
#: labels beat dates, dates beat phone plans and cues, and those beat a run on its own.
_STRONG, _KEEP, _CUED, _LONG, _ALONE = 3.0, 2.9, 2.8, 2.7, 2.5
_PAIRS = 2.95  # four pairs as a phone (see _pairs): more than two kept pairs
#: Item classes, which decide what may stand next to an item in its run (see _split).
_STRONG_ITEM, _PLAN_ITEM, _ALONE_ITEM = 0, 2, 2
_MAX_DIGITS = 20
#: No window of a run with fewer digits earns a label but "keep", which is never
#: yielded (`_split`, `_label`: every other label needs six digits); a run under eight
#: digits needs a cue of `_SHORT_CUES` (phone numbers and accounts of six or seven
#: digits). `numbers` skips such runs before the costlier looks around them.
_FEWEST, _FEWEST_UNCUED = 6, 8
_SHORT_CUES = ("phone", "account")

# Patterns open with a character class and check the boundary right after it (a leading
# lookbehind would stop the regex engine from skipping ahead to candidate characters).
class _Group(NamedTuple):
    start: int
    end: int
    digits: str
    gap: str        # separator before this group ("" for the first of a run)
    plus: bool      # a "+" right before it: an international prefix
    trunk: bool     # the "0" of "(0)"


# --- digit runs ---------------------------------------------------------------------------


def _runs(text: str, blocked: list[tuple[int, int]]) -> Iterator[list[_Group]]:
    """Digit groups joined into runs by short separators; groups inside `blocked` spans
    (IBANs, e-mails) and groups glued to letters ("RR123456785SE", "A4") end a run and
    are left out, and so is a run of one group under six digits. Runs are found by one
    regex; groups are built only inside them."""
    nb = len(blocked)
    b = 0
    size = len(text)
    for rm in _RUN_RE.finditer(text):
        rs, re_ = rm.span()
        while b < nb and blocked[b][1] <= rs:
            b += 1
        if re_ - rs < 6:
            continue  # under six digits ("2 351", "1.647"): `numbers` labels none
        clash = b < nb and blocked[b][0] < re_
        run: list[_Group] = []
        prev_end = -1
        for m in _GROUP_RE.finditer(text, rs, re_):
            s, e = m.span()
            digits = m.group(0)
            if s == rs or e == re_ or clash:
                inside = clash and any(bs < e and s < be for bs, be in blocked[b:b + 8])
                if inside or glued(text, s, e):
                    if run:
                        yield run
                    run = []
                    continue
            if run:
                gap = text[prev_end:s]
                plus = "+" in gap
            else:
                gap = ""
                plus = text[max(0, s - 2):s].rstrip("(").endswith("+")
            trunk = digits == "0" and text[s - 1] == "(" and e < size and text[e] == ")"
            run.append(_Group(s, e, digits, gap, plus, trunk))
            prev_end = e
        if run:
            yield run


def _phone_plan(d: str, plus: bool) -> bool:
    """Does a digit string fit a Nordic, UK or other international numbering plan?"""
    if plus or d.startswith("00"):
        n = d if plus else d[2:]
        if n.startswith("47") or n.startswith("45"):
            return len(n) == 10
        if n.startswith("46"):
            return 9 <= len(n) <= 11
        if n.startswith("44"):
            return 11 <= len(n) <= 12
        if n.startswith("358") or n.startswith("354"):
            return 9 <= len(n) <= 13
        return 8 <= len(n) <= 15
    if len(d) == 8:
        return d[0] in "2345679"
    if d[0] == "0":
        return 9 <= len(d) <= 11
    return False


def _is_date(groups: list[_Group]) -> bool:
    """Dates, times and card expiry written with one kind of separator."""
    gaps = {g.gap for g in groups[1:]}
    if len(gaps) != 1 or not gaps <= _DATE_GAPS:
        return False
    v = [g.digits for g in groups]
    if len(v) == 2:
        a, b = v
        return len(a) <= 2 and len(b) == 2
    if len(v) == 3:
        a, b, c = v
        if len(a) == 4 and len(b) <= 2 and len(c) <= 2:
            return valid_date(int(a), int(b), int(c))
        if len(a) <= 2 and len(b) <= 2 and len(c) in (2, 4):
            year = int(c) if len(c) == 4 else 2000 + int(c)
            return valid_date(year, int(b), int(a)) or valid_date(year, int(a), int(b))
    return False


def _pairs(groups: list[_Group], blocked: bool) -> bool:
    """22.86.41.10: four pairs joined by one dot, hyphen or slash are a Nordic phone number
    (not two dates or times), unless they read as DD.MM.YY.YY with a plausible year."""
    d = "".join(g.digits for g in groups)
    if blocked or d[0] not in "2345679" or {len(g.digits) for g in groups} != {2} or {
            g.gap for g in groups[1:]} not in ({"."}, {"-"}, {"/"}):
        return False
    return not (1900 <= int(d[4:]) <= 2099 and valid_date(int(d[4:]), int(d[2:4]), int(d[:2])))


def _label(groups: list[_Group], d: str, cue: str | None, keep: bool,
           card_shape: bool = True) -> tuple[str, float, int] | None:
    """The best (kind, weight, weak) for one window of a run (digits `d`), or None."""
    n = len(d)
    plus = groups[0].plus
    k = len(groups)
    best: tuple[str, float, int] | None = None
    if n <= 8 and 2 <= k <= 3 and groups[1].gap in _DATE_GAPS and _is_date(groups):
        best = ("keep", _KEEP * n, _STRONG_ITEM)
    if not plus:
        if n == 11:
            if (cue == "account" or (k == 3 and len(groups[0].digits) == 4
                                     and len(groups[1].digits) == 2)) and no_account_ok(d):
                return "no_account", _STRONG * n + 0.1, _STRONG_ITEM
            shape = tuple(len(g.digits) for g in groups)
            if _FNR_SHAPES.get(k) == shape and no_fnr_ok(d):
                return "no_fnr", _STRONG * n, _STRONG_ITEM
        elif n in (10, 12):
            if (k == 1 or (k == 2 and len(groups[1].digits) == 4)) and se_pnr_ok(
                    d[:2] if n == 12 else None, d[-10:-4], d[-4:]):
                return "se_pnr", _STRONG * n, _STRONG_ITEM
            if (n == 10 and k == 2 and len(groups[1].digits) == 4
                    and groups[1].gap.strip() == "-" and dk_cpr_ok(d[:6])):
                return "dk_cpr", _STRONG * n, _STRONG_ITEM
        if not keep and 13 <= n <= 19 and d[0] in "23456" and card_shape and luhn_ok(d):
            return "card", _STRONG * n, _STRONG_ITEM
    if best is None and card_shape and 16 <= n <= _MAX_DIGITS and k > 1:
        # 16–20 digits in blocks of four and no card: a tracking or reference number
        best = ("keep", _LONG * n, _STRONG_ITEM)
    if keep or best is not None:
        return best
    if not plus:
        if cue == "id" and n in (10, 11, 12) and birth_date_ok(d):
            return "national_id", _CUED * n, _PLAN_ITEM
        if cue == "account" and 7 <= n <= 18:
            return "account", _CUED * n, _PLAN_ITEM
        if n == 10 and k <= 2 and d[0] != "0" and dk_cpr_ok(d[:6]) and (
                k == 1 or len(groups[1].digits) == 4):
            return "dk_cpr", _CUED * n, _PLAN_ITEM
    if _phone_plan(d, plus):
        return "phone", _CUED * n, _PLAN_ITEM
    if (6 if cue == "phone" else 8) <= n <= 15:
        return "phone", _ALONE * n, _ALONE_ITEM
    return None


def _split(run: list[_Group], cue: str | None, keep: bool) -> Iterator[tuple[int, int, str]]:
    """Best labelling of one run: (first group, last group, kind) of each item."""
    n = len(run)
    low = _FEWEST if cue in _SHORT_CUES else _FEWEST_UNCUED
    loose = cue in ("account", "id")
    cands: list[list[tuple[int, str, float, int]]] = [[] for _ in range(n)]
    lens = [len(g.digits) for g in run]
    for i in range(n):
        if lens[i] == 1 and i + 1 < n and lens[i + 1] == 1:
            continue  # two single digits in a row start nothing anybody types
        d = ""
        singles = 0
        plus = run[i].plus
        all4 = True  # every group of the window before this one has four digits
        date_gap = i + 1 < n and run[i + 1].gap in _DATE_GAPS
        for j in range(i, min(n, i + _MAX_GROUPS)):
            g = run[j]
            size = lens[j]
            k = j - i + 1
            card_shape = all4 or (k == 3 and lens[i] == 4 and lens[i + 1] == 6 and size > 3)
            all4 = all4 and size == 4
            if not g.trunk:
                d += g.digits
                if size == 1:
                    singles += 1
                    if singles > 2:
                        break  # nobody types a number one digit at a time
            nd = len(d)
            if nd > _MAX_DIGITS or (nd > 15 and not card_shape):
                break  # past 15 digits only blocks of four (cards, references) count
            c0 = d[0] if d else "0"
            if not (
                (date_gap and nd <= 8 and 2 <= k <= 3 and lens[i + 1] <= 2 and (
                    (k == 2 and lens[i] <= 2 and size == 2)
                    or (k == 3 and ((lens[i] <= 2 and size in (2, 4)) or lens[i] == 4))))
                or (not plus and (10 <= nd <= 12 or (
                    not keep and 13 <= nd <= 19 and c0 in "23456" and card_shape)))
                or (nd >= 16 and card_shape and k > 1)
                or (not keep and nd >= low and (
                    plus or c0 == "0" or (nd == 8 and c0 in "2345679")
                    or nd <= 15 or (loose and nd <= 18)))
            ):
                continue  # no label can fit: skip the call
            if k == 4 and nd == 8 and _pairs(run[i:j + 1], plus or keep):
                cands[i].append((j, "phone", _PAIRS * nd, _PLAN_ITEM))
                continue
            if (not plus and not keep and not loose and 8 <= nd <= 15
                    and (k > 3 or not date_gap)
                    and not 10 <= nd <= 12 and not (nd >= 13 and card_shape and c0 in "23456")):
                # the common case in long runs, decided without the call: only a phone
                # (no date separator or more than three groups; ids and accounts need
                # 10–12 digits, cards a 2–6 and blocks of four)
                plan = (nd == 8 and c0 in "2345679") or (c0 == "0" and nd <= 11)
                cands[i].append((j, "phone", (_CUED if plan else _ALONE) * nd, _PLAN_ITEM))
                continue
            lab = _label(run[i:j + 1], d, cue, keep, card_shape)
            if lab is not None:
                cands[i].append((j, *lab))
    # f[i][s]: best weight from group i on, in state s = what stands before group i:
    # 0 the run's start, a checksum item or a kept number; 1 an unlabelled group; 2 a weak
    # item (phone plan, cue, or a run on its own). A weak item never touches an unlabelled
    # group: it would be carved out of something longer. No rule looks at anything but
    # direct neighbours that stay in the text, so a second pass (which sees tokens where
    # items were) makes the same choices: redacting twice changes nothing.
    neg = float("-inf")
    f: list[tuple[float, float, float]] = [(0.0, 0.0, 0.0)] * (n + 1)
    choice: list[tuple[tuple[int, str, int] | None, ...]] = [(None,) * 3] * (n + 1)
    for i in range(n - 1, -1, -1):
        skip = f[i + 1][1]
        c = cands[i]
        if not c:
            f[i] = (skip, skip, neg)
            continue
        b0 = b1 = skip
        b2 = neg
        p0 = p1 = p2 = None
        for j, kind, w, cls in c:
            v = w + f[j + 1][cls]
            if v > b0:
                b0, p0 = v, (j, kind, cls)
            if v > b2:  # after a weak item: any item, but no unlabelled group
                b2, p2 = v, (j, kind, cls)
            if cls == _STRONG_ITEM and v > b1:  # after an unlabelled group: strong only
                b1, p1 = v, (j, kind, cls)
        f[i] = (b0, b1, b2)
        choice[i] = (p0, p1, p2)
    i, st = 0, 0
    while i < n:
        pick = choice[i][st]
        if pick is None:
            i, st = i + 1, 1
            continue
        j, kind, cls = pick
        if kind != "keep":
            yield i, j, kind
        i, st = j + 1, cls


def _cued_part(run: list[_Group]) -> int:
    """Where a run after a keep cue stops being the cued number: at a plain space between
    two groups of eight or more digits ("order 31120998 0709876543"), which nobody types
    inside one number; the cue says what the first is, not the second."""
    for i in range(1, len(run)):
        if (len(run[i - 1].digits) >= 8 and len(run[i].digits) >= 8
                and not run[i].gap.strip(_SPACES)):
            return i
    return len(run)


def _near(blocked: list[tuple[int, int]], start: int) -> list[tuple[int, int]]:
    """The taken spans that can lie in `cue_before`'s window before `start`."""
    lo = bisect.bisect_left(blocked, (start - LOOKBACK, 0))
    return blocked[max(0, lo - 1):bisect.bisect_left(blocked, (start, 0))]


def _own_runs(text: str, blocked: list[tuple[int, int]]) -> Iterator[list[_Group]]:
    """`_runs`, with a keep-cued run cut where a second number of its own begins."""
    for run in _runs(text, blocked):
        while len(run) > 1:
            cut = _cued_part(run)
            first = run[0].start
            if cut == len(run) or cue_before(text, first, _near(blocked, first)) != "keep":
                break
            yield run[:cut]
            run = run[cut:]
        yield run


def numbers(text: str, blocked: list[tuple[int, int]]) -> Iterator[Found]:
    """Cards, national ids, accounts and phone numbers in `text`, outside `blocked`."""
    for run in _own_runs(text, blocked):
        size = sum(len(g.digits) for g in run)
        if size < _FEWEST:
            continue
        start = run[0].start - (1 if run[0].plus else 0)
        if run[0].plus and start > 0 and text[start - 1] == "(":
            start -= 1
        cue = cue_before(text, start, _near(blocked, start))
        if size < _FEWEST_UNCUED and cue not in _SHORT_CUES:
            continue  # "ordre 3891761", "sak 155846": too short for any label (`_label`)
        if cue == "keep" and run[0].plus:
            cue = None  # "+40 744 118 203" is dialled, never an order or case number
        keep = cue == "keep" or is_amount(text, start, run[-1].end)
        if not keep and code_prefixed(text, start):
            digits = "".join(g.digits for g in run)  # a card keeps its checksum's say
            keep = not (13 <= len(digits) <= 19 and luhn_ok(digits))
        for i, j, kind in _split(run, cue, keep):
            s = run[i].start
            if run[i].plus:
                s -= 1
                if i == 0 and s > 0 and text[s - 1] == "(":
                    s -= 1
            e = run[j].end
            if e < len(text) and text[e] == ")" and "(" in text[s:run[i].start]:
                e += 1
            if s > 0 and text[s - 1] == "(" and ")" in text[s:e]:
                s -= 1
            yield s, e, kind
