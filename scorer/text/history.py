"""Quoted history: where the agent's reply starts and ends, and inline quotes inside it.

The model scores the agent's OWN words (LABELS.md), so everything the mail client carried
along is cut before signature detection and segmentation: ``On … wrote:`` / ``Den … skrev:``
attribution lines, ``-----Original Message-----`` and forwarded-message headers, Outlook
``From:/Sent:`` header blocks, ``>`` lines, and the quote elements the HTML renderer found
(``gmail_quote`` cut, ``blockquote`` spans). Its own module because these rules grow with
every mail client and language, and nothing else needs to know them.

Every pattern is bounded per line, and cheap substring tests skip scans that provably
cannot match (each says why it is exact), so the result is the same as without them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scorer.text.lines import line_spans, line_start

__all__ = ["ATTRIBUTION_VERBS", "ODD_CASE_FOLDS", "Layout", "attribution_at", "reply_layout"]

# Cheap pre-filter: replies without any of these cannot contain quoted history.
# (Substring tests on the lower-cased text: a case-insensitive regex alternation without a
# literal prefix cost ~60 µs per chat reply, more than all the rest of `prepare`.)
_QUOTE_HINT_WORDS = (
    "wrote",
    "skrev",
    "skreiv",
    "schrieb",
    "écrit",
    "from",
    "fra",
    "från",
    "frå",
    "von",
    "de:",
    "de :",
    "forwarded",
    "videresend",
    "vidarebefordra",
    "message",
    "melding",
    "meddelande",
    "meddelelse",
    "nachricht",
)


def _may_quote(text: str) -> bool:
    """Cheap pre-filter: False when ``text`` cannot contain any quoted-history marker."""
    if ">" in text or "--" in text:
        return True
    if ":" not in text:
        return False
    low = text.lower()
    return any(w in low for w in _QUOTE_HINT_WORDS)


# Headers after which everything is history.
_HARD_HEADER = re.compile(
    r"^[ \t>]*-{2,}[ \t]*(?:original message|opprinnelig melding|opphavleg melding"
    r"|ursprungligt meddelande|oprindelig meddelelse|forwarded message|videresendt melding"
    r"|videresendt meddelelse|vidarebefordrat meddelande|weitergeleitete nachricht"
    r"|ursprüngliche nachricht)[ \t]*-*[ \t]*$"
    r"|^[ \t>]*(?:begin forwarded message|start på videresendt melding|forwarded message"
    r"|videresendt melding|vidaresendt melding|vidarebefordrat meddelande|vidarebefordrat brev"
    r"|videresendt besked|videresendt meddelelse|start på videresendt meddelelse"
    r"|original message|opprinnelig melding|ursprungligt meddelande|oprindelig meddelelse)"
    r"[ \t]*:[ \t]*$"
    r"|^[ \t>]*\*?(?:from|fra|från|frå|von|de)\*?[ \t]*:[^\n]*\n(?:[^\n]*\n){0,3}?"
    r"[ \t>]*\*?(?:sent|sendt|skickat|date|dato|datum|gesendet|envoyé|send)\*?[ \t]*:",
    re.I | re.M,
)
# Attribution line ("On … wrote:", "Den … skrev:", "tir. 3. mar. 2024 kl. 10:12 skrev …:"),
# possibly wrapped over two lines by the mail client. Checked for a date/time in code.
_ATTRIBUTION = re.compile(
    r"^[^\n]{0,250}?(?:\n[^\n]{0,250}?)?\b(?:wrote|skrev|skreiv|skriver|schrieb|a écrit)\b"
    r"[^\n]{0,150}?:[ \t]*$",
    re.I | re.M,
)
_MONTH = (r"(?:jan|feb|mar|apr|ma[iyj]|jun|jul|aug|sep|o[ck]t|nov|de[sc])[a-zæøåäöé]*\.?")
# A year, a time, an e-mail address, or a day with a month name ("26. marts", "March 27"):
# attribution lines in the wild often carry only the day ("Anne skrev 8. juni:").
_DATE_OR_TIME = re.compile(
    r"\b(?:19|20)\d\d\b|\b\d{1,2}[:.]\d\d\b|@"
    rf"|\b\d{{1,2}}\.?[ \t]+{_MONTH}|\b{_MONTH}[ \t]+\d{{1,2}}\b",
    re.I,
)
_QUOTED_LINE = re.compile(r"^[ \t]*>", re.M)  # re.M: matched at line offsets


#: The verbs one of which ``_ATTRIBUTION`` must match (case-insensitively) ...
ATTRIBUTION_VERBS = ("wrote", "skrev", "skreiv", "skriver", "schrieb", "a écrit")
#: ... and the only characters that ``re.I`` matches to a letter of those verbs although their
#: ``str.lower()`` is not that letter (pinned against the regex engine by a test).
ODD_CASE_FOLDS = ("İ", "ı", "ſ")


def attribution_at(text: str, start: int, end: int) -> tuple[int, int] | None:
    """(start, end) of the first attribution line ("Den 7. desember skrev Per <…>:").

    The pattern allows a line wrapped by the mail client; when the first of the two lines
    ends a sentence ("Ha en fin kveld!") it is the reply's last line, not part of the
    attribution, and the attribution starts on the second line.

    The pattern tries up to 500 characters at every line start (~25 µs per e-mail); a
    substring test on the lower-cased text proves most replies have no attribution verb.
    """
    region = text[start:end]
    low = region.lower()
    if not any(v in low for v in ATTRIBUTION_VERBS) and not any(
        c in region for c in ODD_CASE_FOLDS
    ):
        return None
    for m in _ATTRIBUTION.finditer(text, start, end):
        if _DATE_OR_TIME.search(m.group()):
            a, b = m.span()
            nl = text.find("\n", a, b)
            if nl >= 0 and text[a:nl].rstrip().endswith((".", "!", "?", "…")):
                a = nl + 1
            return a, b
    return None


def _quote_runs(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of consecutive ``>`` lines (blank lines inside a run are part of it)."""
    runs: list[tuple[int, int]] = []
    run_start = -1
    run_end = -1
    for s, e in line_spans(text, start, end):
        if _QUOTED_LINE.match(text, s, e):
            if run_start < 0:
                run_start = s
            run_end = e
        elif run_start >= 0 and text[s:e].strip():
            runs.append((run_start, run_end))
            run_start = -1
    if run_start >= 0:
        runs.append((run_start, run_end))
    return runs


@dataclass(slots=True)
class Layout:
    """Where the reply lies once history is cut, before signature detection.

    ``skips``: inline quotes inside ``[start, end)``, sorted and disjoint.
    """

    start: int
    end: int
    skips: list[tuple[int, int]]


def reply_layout(
    text: str,
    hard_cut: int | None,
    blocks: list[tuple[int, int]],
) -> Layout:
    """Find where the agent's reply starts and ends, and inline quotes to skip.

    ``hard_cut``: position after which everything is history (from HTML quote elements);
    ``blocks``: quote-like spans from HTML (``blockquote``) handled like ``>`` runs.
    """
    n = len(text)
    end = n if hard_cut is None else hard_cut
    runs = list(blocks)
    if _may_quote(text[:end] if end < n else text):
        # Everything from a hard header on is history, even when it is the first line: a
        # forwarded block cannot be told apart from a bottom-posted reply below it.
        m = _HARD_HEADER.search(text, 0, end)
        if m is not None:
            end = line_start(text, m.start())
        runs.extend(_quote_runs(text, 0, end))
        run_starts = {r[0] for r in runs}
        first_content = n - len(text.lstrip())
        # Attribution lines: attach to the run that follows; else they cut like a header.
        pos = 0
        while True:
            a = attribution_at(text, pos, end)
            if a is None:
                break
            nxt = a[1]
            while nxt < end and text[nxt].isspace():
                nxt += 1
            if nxt < end and line_start(text, nxt) in run_starts:
                runs.append(a)
                pos = a[1]
                continue
            if a[0] > first_content:
                end = a[0]
                break
            pos = a[1]
    runs.sort()
    start = 0
    skips: list[tuple[int, int]] = []
    leading = True
    # Offset just after the last non-space character before `end` (computed once: slicing
    # the tail for every run would be quadratic on adversarial input).
    content_end = len(text[:end].rstrip())
    for rs, re_ in runs:
        if rs >= end:
            continue
        if leading and not text[start:rs].strip():  # leading quote: the reply starts after it
            start = max(start, re_)
            continue
        leading = False
        if re_ >= content_end:  # trailing quote: the reply ends before it
            end = rs
            # An attribution line right before the trailing run goes with it.
            while skips and not text[skips[-1][1] : end].strip():
                end = skips.pop()[0]
            break
        skips.append((rs, re_))
    return Layout(start, max(start, end), skips)
