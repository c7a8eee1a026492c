"""Reply preprocessing: plain text, the agent's own body, signature and sentence segments.

The model scores greeting / explanation / closing on the agent's OWN words (LABELS.md), so
before anything is scored a reply is reduced to:

* ``plain``     - the reply as plain text (``text/html`` rendered; ``text/plain`` kept as is,
  only ``\\r\\n``/``\\r`` normalised to ``\\n``). Every offset indexes into it.
* ``body``      - the span of the agent's reply: quoted history (``On … wrote:``,
  ``Den … skrev:``, ``-----Original Message-----``, forwarded blocks, Outlook ``From:/Sent:``
  header blocks, ``>`` lines, HTML ``gmail_quote`` / ``blockquote`` …) and the signature
  are outside it.
* ``signature`` - the block after the body that only names the agent (name, title, company,
  phone, e-mail, URL, "Sent from my iPhone", initials such as ``^AG``). Sign-offs such as
  "Med vennlig hilsen" are CLOSINGS (LABELS.md): they stay in the body as its last segment.
* ``segments``  - sentence/line spans of the body in reading order; lines are always a
  boundary, sentences inside a line are split on ``. ! ? …`` unless the dot ends a known
  abbreviation (``f.eks.``, ``t.ex.``, ``bl.a.`` … in ``scorer/data/abbreviations.txt``).

Speed matters (the streaming scorer handles thousands of replies per second), so all regular
expressions are compiled at import, ``text/plain`` never touches an HTML parser, and NLTK's
Punkt tokenizer (built from shipped parameters, no downloaded data) only runs on lines where
a dot follows an abbreviation-like token; every other line is split by one linear regex,
which gives the same result there. ``text/html`` is rendered in one streaming
``html.parser`` pass that replays BeautifulSoup's tree-building rules (no tree is built;
see ``_HtmlRenderer``). Cheap substring tests skip regex scans that provably cannot match
(each such fast path says why it is exact); the output is the same as without them, because
the trained model and the evidence offsets depend on it.

Robustness: ``prepare`` never raises for any ``str`` (empty, whitespace, emoji, RTL text,
control characters, megabyte-sized or unbalanced HTML); non-``str`` input is converted with
``str()``. Every pattern is linear or bounded per line, so pathological input stays fast.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from importlib import resources

from bs4.builder import HTMLParserTreeBuilder
from bs4.builder._htmlparser import BeautifulSoupHTMLParser as _BS4Parser
from bs4.dammit import EntitySubstitution
from nltk.tokenize.punkt import PunktLanguageVars, PunktParameters, PunktSentenceTokenizer

__all__ = ["ABBREVIATIONS", "Prepared", "prepare", "prepare_many", "sentences"]


# --------------------------------------------------------------------------- result type


@dataclass(frozen=True, slots=True)
class Prepared:
    """A reply reduced to the parts the model reads; all spans index into ``plain``."""

    plain: str
    body: tuple[int, int]
    segments: tuple[tuple[int, int], ...]
    signature: tuple[int, int] | None = None

    def segment(self, i: int) -> str:
        """Text of ``segments[i]`` (negative indexes work as for lists)."""
        s, e = self.segments[i]
        return self.plain[s:e]

    @property
    def body_text(self) -> str:
        return self.plain[self.body[0] : self.body[1]]

    @property
    def signature_text(self) -> str:
        return "" if self.signature is None else self.plain[self.signature[0] : self.signature[1]]

    @property
    def word_count(self) -> int:
        """Words the agent wrote: whitespace tokens with a letter or digit, over the segments.

        Counted over the segments (not the raw body span) so that inline ``>`` quotes inside
        the body do not inflate the length score.
        """
        plain = self.plain
        # Split, then test each token: the one-regex form r"\S*[^\W_]\S*" backtracks
        # quadratically over a long run of non-space characters without a letter (100k
        # emoji took minutes). str.split() and \s agree on every code point.
        # Segments are joined by a space (no token crosses a separator) and split once, and
        # only tokens that are not all letters/digits reach the regex: [^\W_] matches
        # exactly the code points for which str.isalnum() is true. Same count, ~40 % less
        # time than a regex search per token of each segment.
        toks = " ".join([plain[s:e] for s, e in self.segments]).split()
        search = _ALNUM.search
        return len(toks) - sum(1 for t in toks if not t.isalnum() and search(t) is None)


# --------------------------------------------------------------------------- sentence splitting


def _load_abbreviations() -> frozenset[str]:
    raw = resources.files("scorer").joinpath("data/abbreviations.txt").read_text("utf-8")
    return frozenset(
        line.strip().lower().rstrip(".")
        for line in raw.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    )


#: Abbreviations (lower case, without the final dot) that do not end a sentence.
ABBREVIATIONS: frozenset[str] = _load_abbreviations()


class _NordicLanguageVars(PunktLanguageVars):
    """Punkt language variables with the ellipsis character as a sentence end."""

    sent_end_chars = (".", "?", "!", "…")


class _CachedPunkt(PunktSentenceTokenizer):
    """Punkt with its per-candidate decision cached (about 3/4 of its time per line).

    ``span_tokenize`` asks ``text_contains_sentbreak`` about the context of every candidate
    end (word before, end punctuation, next token), a pure function of that short string:
    the parameters are fixed at build time and never trained. The same contexts ("Tlf. 22",
    "f.eks. at", "kl. 10.30") recur across replies, so the answer is reused, never changed.
    """

    def __init__(self, params: PunktParameters, lang_vars: PunktLanguageVars) -> None:
        super().__init__(params, lang_vars=lang_vars)
        self._sentbreak = functools.lru_cache(maxsize=16_384)(super().text_contains_sentbreak)

    def text_contains_sentbreak(self, text: str) -> bool:
        return self._sentbreak(text)


def _build_punkt() -> PunktSentenceTokenizer:
    params = PunktParameters()
    params.abbrev_types = set(ABBREVIATIONS)
    return _CachedPunkt(params, lang_vars=_NordicLanguageVars())


_PUNKT = _build_punkt()
# A sentence end candidate: end punctuation (plus closing quotes/brackets) before whitespace.
# Possessive quantifiers and the look-behind keep it linear on runs like "!!!!…".
# Emoji or emoticons right after the end stay with the sentence they decorate ("Hei! 👋 …").
# The first end character comes before the look-behind (which then checks the character before
# it): the same matches as r"(?<![.!?…])[.!?…]++…", but a pattern that starts with a character
# class lets the regex engine skip straight to candidate positions (~2.5x faster per line).
_SENT_END = re.compile(
    r"[.!?…](?<![.!?…]{2})[.!?…]*+[\"'”’»)\]]*+(?:[ \t]++[^\w\s]++)*+(?=\s)"
)
_NUMBER = re.compile(r"^[\d.,:/-]+$")
# Lines longer than this are split by the regex only: Punkt is too slow for megabyte lines.
_PUNKT_MAX_LINE = 20_000


def _needs_punkt(line: str, ends: list[re.Match[str]] | None = None) -> bool:
    """True when a dot in ``line`` might not end a sentence (abbreviation, number, initial).

    ``ends``: the ``_SENT_END`` matches of ``line`` when the caller already has them.
    """
    if ".." in line:
        return True
    for m in _SENT_END.finditer(line) if ends is None else ends:
        if "." not in m.group():
            continue
        before = line[max(0, m.start() - 40) : m.start()].rsplit(None, 1)
        if not before or line[m.start() - 1].isspace():
            continue
        word = before[-1].lstrip("([\"'«“").lower()
        if word in ABBREVIATIONS or len(word) <= 1 or "." in word or _NUMBER.match(word):
            return True
    return False


def _split_line(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans (stripped, non-empty) of ``text[start:end]``, one line without ``\\n``.

    Fast paths, exact because of what ``_SENT_END`` and ``_needs_punkt`` can match: a line
    without any of ``. ! ? …`` has no sentence end, so it is one piece; a line without a
    dot never needs Punkt (every Punkt trigger involves a dot), so the ``_SENT_END``
    matches are found once and serve both the Punkt test and the split.
    """
    line = text[start:end]
    if "." in line:
        ends = list(_SENT_END.finditer(line))
        if len(line) <= _PUNKT_MAX_LINE and _needs_punkt(line, ends):
            pieces = [(start + s, start + e) for s, e in _PUNKT.span_tokenize(line)]
        else:
            pieces = _pieces(start, end, ends)
    elif "!" in line or "?" in line or "…" in line:
        pieces = _pieces(start, end, list(_SENT_END.finditer(line)))
    else:
        pieces = [(start, end)]
    out: list[tuple[int, int]] = []
    for s, e in pieces:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s < e:
            out.append((s, e))
    return out


def _pieces(start: int, end: int, ends: list[re.Match[str]]) -> list[tuple[int, int]]:
    """Split ``[start, end)`` after every sentence-end match (offsets relative to ``start``)."""
    pieces: list[tuple[int, int]] = []
    pos = 0
    for m in ends:
        me = m.end()
        pieces.append((start + pos, start + me))
        pos = me
    pieces.append((start + pos, end))
    return pieces


def sentences(text: str, language: str | None = None) -> list[tuple[int, int]]:
    """Sentence spans of ``text``: every line break is a boundary, then ``. ! ? …``.

    ``language`` is accepted for the interface; the shipped abbreviation list covers all five
    languages at once, so the result does not depend on it today.
    """
    if not isinstance(text, str):
        text = str(text)
    out: list[tuple[int, int]] = []
    for s, e in _lines(text, 0, len(text)):
        out.extend(_split_line(text, s, e))
    return out


# --------------------------------------------------------------------------- small helpers


def _wordset(words: str) -> frozenset[str]:
    """A frozenset from a whitespace-separated word list (keeps long lists legible)."""
    return frozenset(words.split())


_ALNUM = re.compile(r"[^\W_]")
_SEPARATOR_LINE = re.compile(r"^[\s\-_=*~#.·•|]*$", re.M)


def _strip_span(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


def _lines(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """(start, end) of every line in ``text[start:end]``, without the ``\\n``."""
    pos = start
    while pos <= end:
        nl = text.find("\n", pos, end)
        if nl < 0:
            yield pos, end
            return
        yield pos, nl
        pos = nl + 1


def _last_lines(text: str, start: int, end: int, limit: int) -> Iterator[tuple[int, int]]:
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


def _line_start(text: str, pos: int) -> int:
    return text.rfind("\n", 0, pos) + 1


# --------------------------------------------------------------------------- quoted history

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
_ATTRIBUTION_VERBS = ("wrote", "skrev", "skreiv", "skriver", "schrieb", "a écrit")
#: ... and the only characters that ``re.I`` matches to a letter of those verbs although their
#: ``str.lower()`` is not that letter (pinned against the regex engine by a test).
_ODD_CASE_FOLDS = ("İ", "ı", "ſ")


def _attribution_at(text: str, start: int, end: int) -> tuple[int, int] | None:
    """(start, end) of the first attribution line ("Den 7. desember skrev Per <…>:").

    The pattern allows a line wrapped by the mail client; when the first of the two lines
    ends a sentence ("Ha en fin kveld!") it is the reply's last line, not part of the
    attribution, and the attribution starts on the second line.

    The pattern tries up to 500 characters at every line start (~25 µs per e-mail); a
    substring test on the lower-cased text proves most replies have no attribution verb.
    """
    region = text[start:end]
    low = region.lower()
    if not any(v in low for v in _ATTRIBUTION_VERBS) and not any(
        c in region for c in _ODD_CASE_FOLDS
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
    for s, e in _lines(text, start, end):
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
class _Layout:
    """Intermediate result of the history analysis, before signature detection."""

    start: int
    end: int
    skips: list[tuple[int, int]]


def _history(
    text: str,
    hard_cut: int | None,
    blocks: list[tuple[int, int]],
) -> _Layout:
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
            end = _line_start(text, m.start())
        runs.extend(_quote_runs(text, 0, end))
        run_starts = {r[0] for r in runs}
        first_content = n - len(text.lstrip())
        # Attribution lines: attach to the run that follows; else they cut like a header.
        pos = 0
        while True:
            a = _attribution_at(text, pos, end)
            if a is None:
                break
            nxt = a[1]
            while nxt < end and text[nxt].isspace():
                nxt += 1
            if nxt < end and _line_start(text, nxt) in run_starts:
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
    return _Layout(start, max(start, end), skips)


# --------------------------------------------------------------------------- signature

_SIG_DELIMITER = re.compile(r"^(?:-- ?|--|__+)[ \t]*$", re.M)
_MOBILE = re.compile(
    r"^[ \t]*(?:sent from my|sendt fra min|sendt fra|skickat från min|skickat från|sendt frå"
    r"|get outlook for|hent outlook for|sent from|sendt fra mi|sendt från)\b[^\n]{0,60}$",
    re.I,
)
_SIGNOFF_ONLY = re.compile(
    r"""^[ \t]*(?:
        (?:med\s+)?(?:[^\W\d_]+\s+){0,2}
          (?:hilsen|hilsener|hilsner|hilsninger|helsing|helsingar|helsinger|hälsning|hälsningar
            |greetings|regards|wishes)
      | m\.?v\.?h\.? | vh | bh | mvh\.?
      | (?:with\s+)?(?:best|kind|warm|warmest|kindest|many)?\s*(?:regards|wishes)
      | cheers | best | all\s+the\s+best | (?:yours\s+)?(?:sincerely|truly|faithfully)
      | thanks(?:\s+again)? | thank\s+you | many\s+thanks | takk(?:\s+igjen|\s+skal\s+du\s+ha)?
      | tack(?:\s+igen|\s+ska\s+du\s+ha)? | tak(?:\s+igen)? | lycka\s+till
      | ha\s+det(?:\s+bra|\s+godt)? | hej\s+då | vi\s+ses | take\s+care | hilsen
      | respectfully | (?:warmly|cordially|gratefully)(?:\s+yours)? | speak\s+soon | talk\s+soon
      | (?:allt|alt)\s+(?:gott|godt|vel) | kram(?:ar|er)? | klem(?:mer)? | knus | xoxo
      | love | hugs | ses | vi\s+snakkes | snakkes | på\s+gjensyn | på\s+återhörande
    )[\s,.!:;-]*$""",
    re.I | re.X,
)
_SIGNOFF_NOUNS = _wordset(
    """hilsen hilsener hilsner hilsninger helsing helsingar hälsning hälsningar regards
    sincerely vennlig venlig vänliga vänlig vennleg venleg cheers greetings respectfully"""
)


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))} | {word}


_SIGNOFF_DELETES = frozenset(d for w in _SIGNOFF_NOUNS for d in _deletes(w) if len(d) >= 4)
_SIGNOFF_WORD = re.compile(r"[^\W\d_]+")


def _is_signoff_line(line: str) -> bool:
    """A sign-off line ("Med vennlig hilsen", "Kind regards,"), allowing one typo per word.

    Real replies misspell their sign-offs ("Med vnnlig hilsen", "Kind rgeards"); a short
    line (at most 4 words, no sentence end) holding a sign-off word up to one insertion,
    deletion, substitution or swap is read as one.
    """
    if _SIGNOFF_ONLY.match(line):
        return True
    stripped = line.strip()
    if not stripped or len(stripped) > 40 or stripped[-1] in ".?":
        return False
    words = _SIGNOFF_WORD.findall(stripped.lower())
    if not 0 < len(words) <= 4:
        return False
    return any(4 <= len(w) <= 13 and _near_signoff_noun(w) for w in words)


@functools.lru_cache(maxsize=8192)
def _near_signoff_noun(word: str) -> bool:
    """``word`` is a sign-off noun up to one edit (cached: the same few words recur)."""
    return not _deletes(word).isdisjoint(_SIGNOFF_DELETES)


# Initials or name after a marker: "^AG", "*MS", "/Kari", "//Team Kundeservice", "~Kari".
_INITIALS = re.compile(r"^[ \t]*(?:\^|\*|/{1,2}|\\|~)[ \t]*[^\W\d_][^\n.!?]{0,40}$")
_DASH_NAME = re.compile(
    r"^[ \t]*[-–—][ \t]*[A-ZÆØÅÄÖÜ][\w'’-]*(?:[ \t]+[A-ZÆØÅÄÖÜ][\w'’-]*){0,2}[ \t]*$"
)
_INITIAL_MARKS = frozenset("^*/\\~")  # what _INITIALS allows first
_DASHES = frozenset("-–—")  # what _DASH_NAME allows first
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.I)
_PHONE = re.compile(r"(?:\+|\b00)?\d[\d \-().]{6,}\d")
_CONTACT_LABEL = re.compile(
    r"\b(?:tlf|tel|telefon|telephone|phone|mobil|mob|mobile|e-post|epost|e-postadresse|e-mail"
    r"|email|mail|web|fax|faks|direkte|direct|sentralbord|växel|org\.?\s*nr|org|nr|adr|adresse"
    r"|address|adress|besøksadresse|postadresse|m|t|e|w)\b\.?[ \t]*:?",
    re.I,
)
_TITLE_WORDS = _wordset(
    """kundeservice kundeservicen kundesenter kundesenteret kundesenteret kundtjänst
    kundtjänsten kundservice kundeteam kundestøtte kundestøtten brukerstøtte kundeservicerådgiver
    kundebehandler kundeveileder kundeveiledar kunderådgiver kunderådgivar kundrådgivare
    kundtjänstmedarbetare rådgiver rådgivar rådgivare konsulent saksbehandler sakshandsamar
    handläggare sagsbehandler medarbeider medarbeidar medarbetare medarbejder agent advisor
    adviser manager leder chef team support service customer care desk helpdesk specialist
    representative rep officer assistant koordinator coordinator avdeling avdelning afdeling
    as asa ab a/s aps ltd inc gmbh oy privat private bedrift business erhverv företag
    services teams desks agents advisors avdelingen avdelningen afdelingen kundecenter
    kundecentret kundecenteret kundeservicecenter webshop nettbutikk nettbutikken webbutik"""
)
_CONNECTORS = _wordset("i hos at for og och and & av af of the von van de der | - – — , /")
# First words that make a capitalised line content, not a name ("Happy Holidays", "Hei Ola").
_NOT_NAME_START = _wordset(
    """hei hi hello hey hallo heisann hejsan hej dear kjære kære god good goddag morn morning
    takk tack tak thanks thank ok okay yes ja nei nej no nope perfect perfekt great super flott
    fint bra happy merry glad gledelig god jul have ha hav see vi we i you du sorry beklager
    ursäkta undskyld mvh vh hilsen regards best cheers med vennlig venlig vänliga vänlig kind
    warm all welcome velkommen välkommen"""
)
_WORD_SPLIT = re.compile(r"[\s,|/]+")
_SIG_SCAN_LINES = 15
# "… er mottatt. -Martin", "💙 – Steph": a dash name after a sentence end or an emoji.
_INLINE_DASH_NAME = re.compile(
    r"(?:[.!?…]|[^\w\s,;:'\"-])[ \t]+([-–—][ \t]*[A-ZÆØÅÄÖÜ][\w'’-]{0,20}"
    r"(?:[ \t]+[A-ZÆØÅÄÖÜ][\w'’-]{0,20})?)[ \t]*$"
)
_INLINE_DASH_AFTER_WORD = re.compile(
    r"(?<=\w)[ \t]+([-–—](?:[A-ZÆØÅÄÖÜ]{1,3}|[ \t]+[A-ZÆØÅÄÖÜ][a-zæøåäöüé]{1,14}))[ \t]*$"
)
_INLINE_INITIALS = re.compile(
    r"(?<=\s)(?:\^|\*|/{1,2}|~)[ \t]*[^\W\d_][\w'’-]{0,20}(?:[ \t]+[^\W\d_][\w'’-]{0,20}){0,2}"
    r"[ \t]*$"
)
_DIGIT = re.compile(r"\d")
# E-mail footers: social links, opening hours ("Follow us on Instagram", "Åbent hverdage 8-16").
_FOOTER = re.compile(
    r"^[ \t]*(?:follow|følg|följ|find|finn|hitta|like|connect\s+with)\s+(?:us|oss|os)\b"
    r"|^[ \t]*(?:facebook|instagram|linkedin|twitter|x|tiktok|youtube)\s*[:|]",
    re.I,
)
_HOURS = re.compile(
    r"^[ \t]*(?:opening\s+hours|open|åpningstider|åpent|opningstider|ope|öppettider|öppet"
    r"|åbningstider|åbent|telefontid|telefontider|we\s+are\s+open|vi\s+har\s+åpent"
    r"|kundeservice\s+er\s+åpen)\b",
    re.I,
)
#: Longer lines are reply text, never a signature line. The bound also keeps the contact
#: patterns (e-mail, phone), which backtrack quadratically over a long run without spaces,
#: from stalling the scorer on a 100k-character one-line reply.
_SIG_LINE_MAX = 500


def _label_words(line: str) -> list[str] | None:
    """Words of a label-like line (name, title, company, address), or None if it reads as text."""
    stripped = line.strip()
    if not stripped or len(stripped) > 80 or stripped[-1] in ".!?:;":
        return None
    words = [w for w in _WORD_SPLIT.split(stripped) if w]
    if not words or len(words) > 6:
        return None
    if words[0].lower().strip(",") in _NOT_NAME_START or not _ALNUM.search(stripped):
        return None  # a greeting/thanks word, or only emoji: reply text, not a name
    for w in words:
        low = w.lower()
        if low in _CONNECTORS or low in _TITLE_WORDS or not _ALNUM.search(w):
            continue
        if w[0].isupper() or w[0].isdigit():
            continue
        return None
    return words


def _sig_line_kind(line: str) -> str | None:
    """Classify one line for the backward signature scan.

    Returns "strong" (certainly signature: initials, team/title, phone, e-mail, mobile footer),
    "name" (a capitalised name such as "Kari Nordmann"), "weak" (URL or address alone), or
    None (ordinary reply text).
    """
    if len(line) > _SIG_LINE_MAX:
        return None
    stripped = line.rstrip()
    # Fast exit for the common case, a sentence: signature lines are short and unpunctuated.
    if stripped.endswith((".", "!", "?")) and stripped.count(" ") >= 4:
        return None
    # _INITIALS and _DASH_NAME can only match when their marker is the first non-blank char.
    first = line.lstrip(" \t")[:1]
    if (
        _MOBILE.match(line)
        or (first in _INITIAL_MARKS and _INITIALS.match(line))
        or (first in _DASHES and _DASH_NAME.match(line))
    ):
        return "strong"
    if len(line) <= 120 and (_FOOTER.match(line) or (_HOURS.match(line) and _DIGIT.search(line))):
        return "strong"
    # Substring pre-checks keep the (comparatively slow) contact searches off most lines.
    has_contact = bool(
        ("@" in line and _EMAIL.search(line)) or (_DIGIT.search(line) and _PHONE.search(line))
    )
    low = line.lower()
    has_url = bool(("www" in low or "http" in low) and _URL.search(line))
    if has_contact or has_url:
        rest = _PHONE.sub(" ", _URL.sub(" ", _EMAIL.sub(" ", line)))
        rest = _CONTACT_LABEL.sub(" ", rest).strip(" \t,;:|-–()")
        if rest and _label_words(rest) is None:
            return None
        return "strong" if has_contact else "weak"
    words = _label_words(line)
    if words is None:
        return None
    if any(w.lower() in _TITLE_WORDS for w in words):
        return "strong"
    if any(_ALNUM.search(w) and w[0].isdigit() for w in words):
        return "weak"  # address-like ("Storgata 1", "0150 Oslo")
    return "name"


def _signature_start(text: str, start: int, end: int, explicit: int | None) -> int | None:
    """Where the signature begins inside ``text[start:end]``, or None.

    ``explicit``: a start known from markup (HTML signature element) or found via a
    ``-- `` delimiter. Sign-off lines right after it still belong to the body.
    """
    cut = explicit
    has_delimiter = "--" in text or "__" in text
    m = _SIG_DELIMITER.search(text, start, end) if has_delimiter else None
    while m is not None and not text[start : m.start()].strip():
        m = _SIG_DELIMITER.search(text, m.end(), end)
    if m is not None and (cut is None or m.start() < cut):
        cut = m.start()
    if cut is not None:
        # Keep sign-off lines that directly follow the delimiter in the body.
        region_end = end
        for s, e in _lines(text, cut, end):
            line = text[s:e]
            if not line.strip() or _SIG_DELIMITER.match(line):
                continue
            if _is_signoff_line(line):
                region_end = e
                continue
            break
        if region_end != end:
            cut = region_end
        end = cut
    # Backward scan over the last lines of what is left.
    collected: list[str] = []
    sig_from: int | None = None
    terminated_by_signoff = False
    for s, e in _last_lines(text, start, end, _SIG_SCAN_LINES):
        line = text[s:e]
        if _is_signoff_line(line):
            terminated_by_signoff = True
            break
        kind = _sig_line_kind(line)
        if kind is None:
            break
        collected.append(kind)
        sig_from = s
    if sig_from is not None and text[start:sig_from].strip():  # never the whole body
        accept = (
            terminated_by_signoff
            or "strong" in collected
            or (set(collected) == {"name"} and len(collected) <= 3)
            # a name with an address line ("Tina\nHavnegade 12, 8000 Aarhus C")
            or ("name" in collected and set(collected) <= {"name", "weak"} and len(collected) <= 4)
        )
        if accept:
            return sig_from
    if not collected:
        # Initials at the end of the last text line: "… har flere spørsmål. ^AG".
        last = next(_last_lines(text, start, end, 1), None)
        if last is not None and last[1] - last[0] <= _SIG_LINE_MAX:
            # Each search scans the whole line; skip those whose marker character is absent
            # (exact: the patterns must consume one of those characters inside the line).
            line = text[last[0] : last[1]]
            if "^" in line or "*" in line or "/" in line or "~" in line:
                m = _INLINE_INITIALS.search(text, last[0], last[1])
                if m is not None and text[last[0] : m.start()].strip():
                    return m.start()
            if "-" in line or "–" in line or "—" in line:
                m = _INLINE_DASH_NAME.search(text, last[0], last[1]) or (
                    _INLINE_DASH_AFTER_WORD.search(text, last[0], last[1]))
                if m is not None:
                    return m.start(1)
    return cut


# --------------------------------------------------------------------------- HTML rendering

_HTML_BLOCK = _wordset(
    """p div li ul ol dl dt dd tr table tbody thead tfoot h1 h2 h3 h4 h5 h6 pre blockquote
    hr section article header footer address center form fieldset figure figcaption main nav
    aside details summary title"""
)
_HTML_PARAGRAPH = _wordset("p h1 h2 h3 h4 h5 h6 table ul ol blockquote pre")
_HTML_DROP = _wordset("style script head template noscript svg object iframe math")
_QUOTE_MARKERS = (
    "gmail_quote",
    "divrplyfwdmsg",
    "moz-cite-prefix",
    "yahoo_quoted",
    "protonmail_quote",
    "outlookmessageheader",
    "appendonsend",
    "zmail_extra",
    "mail_android_quote",
    "ms-outlook-mobile-reference-message",
)
_WS = re.compile(r"\s+")
# bs4's html.parser tree-builder rules, read from bs4 itself (see _HtmlRenderer).
_VOID_ELEMENTS = frozenset(HTMLParserTreeBuilder.DEFAULT_EMPTY_ELEMENT_TAGS or ())
_PRESERVE_WHITESPACE = frozenset(HTMLParserTreeBuilder.DEFAULT_PRESERVE_WHITESPACE_TAGS)
_ENTITY_TO_CHARACTER = EntitySubstitution.HTML_ENTITY_TO_CHARACTER
_ASCII_SPACES = "\x20\x0a\x09\x0c\x0d"  # BeautifulSoup.ASCII_SPACES
_NON_SPACE = re.compile(r"\S+")  # bs4.builder.nonwhitespace_re: how "class" is split
_MARKER_ATTRS = frozenset(("class", "id", "data-smartmail"))


class _Emitter:
    """Builds plain text from HTML pieces with browser-like whitespace handling."""

    __slots__ = ("length", "parts", "pending", "started")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.pending = 0  # line breaks owed before the next text
        self.started = False

    def text(self, s: str, pre: bool = False) -> None:
        if not pre:
            s = _WS.sub(" ", s)
            if self.pending or not self.started or (self.parts and self.parts[-1].endswith(" ")):
                s = s.lstrip(" ")
        if not s:
            return
        if self.pending and self.started:
            self._put("\n" * min(self.pending, 2))
        self.pending = 0
        self.started = True
        self._put(s)

    def newline(self, n: int = 1, additive: bool = False) -> None:
        if not self.started:
            return
        if self.parts and self.parts[-1].endswith(" "):
            trimmed = self.parts[-1].rstrip(" ")
            self.length -= len(self.parts[-1]) - len(trimmed)
            self.parts[-1] = trimmed
        self.pending = self.pending + n if additive else max(self.pending, n)

    def _put(self, s: str) -> None:
        self.parts.append(s)
        self.length += len(s)

    def position(self) -> int:
        """Offset where the next text will start (after owed line breaks)."""
        if self.pending and self.started:
            return self.length + min(self.pending, 2)
        return self.length

    def result(self) -> str:
        return "".join(self.parts)


@dataclass(slots=True)
class _Html:
    plain: str
    hard_cut: int | None
    blocks: list[tuple[int, int]]
    signature: int | None


class _HtmlRenderer(HTMLParser):
    """HTML to text in one streaming pass, with BeautifulSoup's ``html.parser`` tree semantics.

    The rendering rules were defined (and the model trained) on a BeautifulSoup tree built
    with ``html.parser``, walked depth-first. That builder never moves a node once it is
    attached: every element is appended to the innermost open element, an end tag closes
    the innermost open element of that name together with everything opened inside it (an
    end tag with no open element of its name is ignored), and what is still open at the end
    is closed innermost first. A depth-first walk of that tree therefore visits elements,
    texts and element ends exactly in the order the events below replay them from a stack
    of open elements, so the tree itself (0.5 ms per e-mail) is never built. The details
    that change text are copied from bs4 (``BeautifulSoupHTMLParser`` / ``BeautifulSoup``):

    * character and entity references are decoded by bs4's own functions, and a text is
      the concatenation of all data up to the next tag, end tag, comment or declaration
      (an ignored ``</br>`` after a void ``<br>`` does not end it);
    * outside ``pre``/``textarea`` a text of only ASCII whitespace becomes ``"\\n"`` or ``" "``;
    * void elements (``br``, ``img`` …) are closed right after they open;
    * comments, CDATA, declarations and processing instructions are not text;
    * ``class`` is split on whitespace before the quote/signature markers are read.

    ``tests/test_text.py`` and the corpus identity check pin the result against bs4.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.out = _Emitter()
        self.hard_cut: int | None = None
        self.blocks: list[tuple[int, int]] = []
        self.signature: int | None = None
        self._data: list[str] = []
        # Open elements: (name, render_end, start offset, is blockquote). render_end is
        # False for dropped elements, everything inside them and ``br``.
        self._open: list[tuple[str, bool, int, bool]] = []
        self._open_names: dict[str, int] = {}  # open elements per name (as bs4 counts them)
        # Void elements closed at their start tag; a later "</br>" just uses one up. A count
        # per name (bs4 keeps a list; only membership and removal of one are used).
        self._closed_void: dict[str, int] = {}
        self._drop = 0  # open dropped elements (style, script, head …)
        self._pre = 0  # open ``pre`` outside dropped elements
        self._preserve = 0  # open ``pre``/``textarea``: whitespace-only text kept as is

    # -- text ---------------------------------------------------------------------------
    def _flush(self) -> None:
        if not self._data:
            return
        data = "".join(self._data)
        self._data = []
        if not self._preserve and not data.strip(_ASCII_SPACES):
            data = "\n" if "\n" in data else " "
        if not self._drop:
            self.out.text(data, pre=self._pre > 0)

    def handle_data(self, data: str) -> None:
        self._data.append(data)

    def handle_charref(self, name: str) -> None:
        text, _, extra = _BS4Parser._dereference_numeric_character_reference(name)
        if text is not None:
            self._data.append(text)
        if extra is not None:
            self._data.append(extra)

    def handle_entityref(self, name: str) -> None:
        char = _ENTITY_TO_CHARACTER.get(name)
        self._data.append(char if char is not None else f"&{name}")

    def handle_comment(self, data: str) -> None:
        self._flush()

    handle_decl = unknown_decl = handle_pi = handle_comment

    # -- elements -----------------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs)
        if tag in _VOID_ELEMENTS:
            self._end(tag)
            self._closed_void[tag] = self._closed_void.get(tag, 0) + 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs)
        self._end(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._closed_void.get(tag):
            self._closed_void[tag] -= 1  # "</br>" after "<br>": already closed
        else:
            self._end(tag)

    def close(self) -> None:
        super().close()
        self._flush()
        while self._open:
            self._pop()

    def _start(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._flush()
        self._open_names[tag] = self._open_names.get(tag, 0) + 1
        if tag in _PRESERVE_WHITESPACE:
            self._preserve += 1
        name = tag.lower()
        if self._drop or name in _HTML_DROP:
            self._drop += name in _HTML_DROP
            self._open.append((tag, False, 0, False))
            return
        out = self.out
        if name == "br":
            out.newline(1, additive=True)
            self._open.append((tag, False, 0, False))
            return
        if name in _HTML_BLOCK:
            out.newline(2 if name in _HTML_PARAGRAPH else 1)
        if name == "pre":
            self._pre += 1
        markers = _marker_tokens(attrs) if attrs else ""
        if markers.strip():
            if self.hard_cut is None and any(k in markers for k in _QUOTE_MARKERS):
                self.hard_cut = out.position() if out.started else 0
            elif self.signature is None and "signature" in markers:
                self.signature = out.position()
        self._open.append((tag, True, out.position(), name == "blockquote"))

    def _end(self, tag: str) -> None:
        self._flush()
        if self._open_names.get(tag):
            while self._pop() != tag:
                pass

    def _pop(self) -> str:
        tag, render_end, start, is_block = self._open.pop()
        self._open_names[tag] -= 1
        if tag in _PRESERVE_WHITESPACE:
            self._preserve -= 1
        name = tag.lower()
        if not render_end:
            if name in _HTML_DROP and self._drop:
                self._drop -= 1
            return tag
        if name in _HTML_BLOCK:
            self.out.newline(2 if name in _HTML_PARAGRAPH else 1)
        if name == "pre":
            self._pre -= 1
        if is_block:
            self.blocks.append((start, self.out.length))
        return tag


def _marker_tokens(attrs: list[tuple[str, str | None]]) -> str:
    """Lower-cased class words, id and data-smartmail of an element (later duplicates win)."""
    values = {k: v for k, v in attrs if k in _MARKER_ATTRS}
    cls = _NON_SPACE.findall(values.get("class") or "")
    extra = (values.get("id") or "", values.get("data-smartmail") or "")
    return " ".join([*cls, *extra]).lower()


def _render_html(markup: str) -> _Html:
    """Render HTML to text, noting quoted-history elements and the signature element.

    Iterative (no recursion), so deeply nested or unbalanced markup cannot overflow the stack.
    """
    parser = _HtmlRenderer()
    parser.feed(markup)
    parser.close()
    plain = parser.out.result()
    n = len(plain)
    blocks = [(min(s, n), min(e, n)) for s, e in parser.blocks if s < e]
    # Only the outermost blockquotes matter.
    blocks.sort()
    outer: list[tuple[int, int]] = []
    for s, e in blocks:
        if outer and s < outer[-1][1]:
            continue
        outer.append((s, e))
    hard_cut = parser.hard_cut
    if hard_cut is not None:
        hard_cut = min(hard_cut, n)
    signature = parser.signature
    if signature is not None:
        signature = min(signature, n)
    return _Html(plain, hard_cut, outer, signature)


# --------------------------------------------------------------------------- entry points


def _is_html(content_type: str | None) -> bool:
    return bool(content_type) and str(content_type).strip().lower().startswith("text/html")


def _segments(
    text: str, start: int, end: int, skips: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    skip_i = 0  # skips are sorted and disjoint: walk them alongside the lines
    for s, e in _lines(text, start, end):
        while skip_i < len(skips) and skips[skip_i][1] < s:
            skip_i += 1
        if skip_i < len(skips) and skips[skip_i][0] <= s < skips[skip_i][1]:
            continue
        if _SEPARATOR_LINE.match(text, s, e) and not _ALNUM.search(text, s, e):
            # "--", "____" and blank lines are layout, not words. A line of only emoji is
            # not matched by the separator pattern, so it stays a segment.
            continue
        out.extend(_split_line(text, s, e))
    return _attach_decorations(text, out)


def _attach_decorations(text: str, segs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join segments without a letter or digit (emoji, "!!", ":-)") to their neighbour.

    "Ha en fin dag! 😊" is one closing, not a closing followed by an emoji segment: the model
    reads the first and last segments, so decorations must not take those places. They join
    the previous segment, or the next one at the start; a reply of only emoji keeps them.
    """
    out: list[tuple[int, int]] = []
    pending: int | None = None
    for s, e in segs:
        if _ALNUM.search(text, s, e):
            out.append((pending if pending is not None else s, e))
            pending = None
        elif out:
            out[-1] = (out[-1][0], e)
        elif pending is None:
            pending = s
    if pending is not None:
        return segs  # nothing but decorations: keep them as they are
    return out


_HANDLES = re.compile(r"(?:[@＠][\w.]{1,50}[ \t,:;]*)+")


def _skip_handles(text: str, segs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Drop leading @mentions: "@johnsmith Hi John, …" is judged from "Hi John".

    Twitter/X and Facebook replies start with the customer's handle; it is addressing, not
    the agent's words, so the opener (greeting) is read after it. A first line of only
    handles is dropped.
    """
    while segs and text.startswith(("@", "＠"), segs[0][0]):
        s, e = segs[0]
        m = _HANDLES.match(text, s, e)
        if m is None or m.end() == s:
            break
        if m.end() >= e:
            segs = segs[1:]
            continue
        segs = [(m.end(), e), *segs[1:]]
        break
    return segs


def _prepare(text: str, content_type: str | None) -> Prepared:
    explicit_sig: int | None = None
    hard_cut: int | None = None
    blocks: list[tuple[int, int]] = []
    if _is_html(content_type):
        rendered = _render_html(text)
        plain = rendered.plain
        hard_cut = rendered.hard_cut
        blocks = rendered.blocks
        explicit_sig = rendered.signature
    else:
        plain = text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text
    layout = _history(plain, hard_cut, blocks)
    start, end = layout.start, layout.end
    if explicit_sig is not None and not (start < explicit_sig < end):
        explicit_sig = None
    sig_start = _signature_start(plain, start, end, explicit_sig)
    signature: tuple[int, int] | None = None
    body_end = end
    if sig_start is not None and start < sig_start < end:
        ss, se = _strip_span(plain, sig_start, end)
        if ss < se:
            signature = (ss, se)
        body_end = sig_start
    segs = _skip_handles(plain, _segments(plain, start, body_end, layout.skips))
    if segs:
        body = (segs[0][0], segs[-1][1])
    else:
        s, e = _strip_span(plain, start, body_end)
        body = (s, s) if s >= e else (s, e)
    return Prepared(plain=plain, body=body, segments=tuple(segs), signature=signature)


def prepare(text: str, content_type: str = "text/plain", language: str | None = None) -> Prepared:
    """Reduce one reply to plain text, body span, signature span and sentence segments.

    Never raises for any ``str`` input; a non-``str`` ``text`` is converted with ``str()``
    (``None`` becomes the empty reply). ``content_type`` other than ``text/html``
    (case-insensitive, parameters such as ``; charset=utf-8`` allowed) is treated as plain
    text, so "&amp;" in a plain reply stays as written. ``language`` is accepted for the
    interface; the rules cover all five languages at once.
    """
    if text is None:
        text = ""
    elif not isinstance(text, str):
        text = str(text)
    try:
        return _prepare(text, content_type)
    except Exception:  # a bug on exotic input must not stop the stream: degrade to lines
        plain = text.replace("\r\n", "\n").replace("\r", "\n")
        if _is_html(content_type):
            plain = html.unescape(re.sub(r"<[^>]{0,2000}>", " ", plain))
        segs = [
            span
            for s, e in _lines(plain, 0, len(plain))
            for span in [_strip_span(plain, s, e)]
            if span[0] < span[1]
        ]
        body = (segs[0][0], segs[-1][1]) if segs else (0, 0)
        return Prepared(plain=plain, body=body, segments=tuple(segs), signature=None)


def prepare_many(
    texts: Iterable[str],
    content_types: Iterable[str | None] | None = None,
    languages: Iterable[str | None] | None = None,
) -> list[Prepared]:
    """``prepare`` over a batch; ``content_types``/``languages`` default to plain text / None."""
    texts = list(texts)
    cts = list(content_types) if content_types is not None else ["text/plain"] * len(texts)
    langs = list(languages) if languages is not None else [None] * len(texts)
    if len(cts) != len(texts) or len(langs) != len(texts):
        raise ValueError(
            f"prepare_many got {len(texts)} texts, {len(cts)} content types and {len(langs)} "
            "languages; pass one content type and one language (or None) per text"
        )
    return [
        prepare(t, c or "text/plain", lang) for t, c, lang in zip(texts, cts, langs, strict=True)
    ]
