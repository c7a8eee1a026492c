"""Signature detection: the one place that decides where the agent's own text ends.

After quoted history is cut, the reply may still end in a block that only names the agent
(name, title, company, phone, e-mail, URL, "Sent from my iPhone", initials such as
``^AG``). That block is the ``signature``; the body ends before it. Sign-offs such as
"Med vennlig hilsen" are CLOSINGS (LABELS.md): they stay in the body as its last segment,
even when they follow a ``-- `` delimiter or an HTML signature element. Its own module
because these rules (what a name line, a title, a footer looks like) are the largest and
most often tuned of the preparation, and every one of them moves the body's end.
"""

from __future__ import annotations

import re

from scorer.text.lines import ALNUM, last_lines, line_spans, strip_span, wordset

__all__ = ["split_signature"]

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
_SIGNOFF_NOUNS = wordset(
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


def _near_signoff_noun(word: str) -> bool:
    """``word`` is a sign-off noun up to one edit (its single deletes meet the nouns')."""
    return not _deletes(word).isdisjoint(_SIGNOFF_DELETES)


# Initials or name after a marker: "^AG", "*MS", "/Kari", "//Team Kundeservice", "~Kari".
_INITIALS = re.compile(r"^[ \t]*(?:\^|\*|/{1,2}|\\|~)[ \t]*[^\W\d_][^\n.!?]{0,40}$")
_DASH_NAME = re.compile(
    r"^[ \t]*[-–—][ \t]*[A-ZÆØÅÄÖÜ][\w'’-]*(?:[ \t]+[A-ZÆØÅÄÖÜ][\w'’-]*){0,2}[ \t]*$"
)
_INITIAL_MARKS = frozenset("^*/\\~")  # what _INITIALS allows first
_DASHES = frozenset("-–—")  # what _DASH_NAME allows first
#: A contact detail in a line (an e-mail address, a web address, a phone number): what
#: makes a line a signature's here and a trailer's in the features (`features.cues`).
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
URL_RE = re.compile(r"(?:https?://|www\.)\S+", re.I)
PHONE_RE = re.compile(r"(?:\+|\b00)?\d[\d \-().]{6,}\d")
_CONTACT_LABEL = re.compile(
    r"\b(?:tlf|tel|telefon|telephone|phone|mobil|mob|mobile|e-post|epost|e-postadresse|e-mail"
    r"|email|mail|web|fax|faks|direkte|direct|sentralbord|växel|org\.?\s*nr|org|nr|adr|adresse"
    r"|address|adress|besøksadresse|postadresse|m|t|e|w)\b\.?[ \t]*:?",
    re.I,
)
_TITLE_WORDS = wordset(
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
_CONNECTORS = wordset("i hos at for og och and & av af of the von van de der | - – — , /")
# First words that make a capitalised line content, not a name ("Happy Holidays", "Hei Ola").
_NOT_NAME_START = wordset(
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
    if words[0].lower().strip(",") in _NOT_NAME_START or not ALNUM.search(stripped):
        return None  # a greeting/thanks word, or only emoji: reply text, not a name
    for w in words:
        low = w.lower()
        if low in _CONNECTORS or low in _TITLE_WORDS or not ALNUM.search(w):
            continue
        if w[0].isupper() or w[0].isdigit():
            continue
        return None
    return words


def _dotted_label(line: str) -> bool:
    """A name or company line closed by one full stop ("Ola.", "Maarud A/S."): part of the
    signature only when the backward scan ends at a sign-off above it, since alone such a
    line may be a one-word sentence ("Ok.") or an abbreviated sign-off ("Hälsn.")."""
    stripped = line.strip()
    return (stripped.endswith(".") and not stripped.endswith("..")
            and _label_words(stripped[:-1]) is not None)


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
        ("@" in line and EMAIL_RE.search(line)) or (_DIGIT.search(line) and PHONE_RE.search(line))
    )
    low = line.lower()
    has_url = bool(("www" in low or "http" in low) and URL_RE.search(line))
    if has_contact or has_url:
        rest = PHONE_RE.sub(" ", URL_RE.sub(" ", EMAIL_RE.sub(" ", line)))
        rest = _CONTACT_LABEL.sub(" ", rest).strip(" \t,;:|-–()")
        if rest and _label_words(rest) is None:
            return None
        return "strong" if has_contact else "weak"
    words = _label_words(line)
    if words is None:
        return None
    if any(w.lower() in _TITLE_WORDS for w in words):
        return "strong"
    if any(ALNUM.search(w) and w[0].isdigit() for w in words):
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
        for s, e in line_spans(text, cut, end):
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
    # Set at a name line closed by a full stop: what was collected before it, restored
    # unless a sign-off above it confirms it (`_dotted_label`).
    undotted: tuple[int, int | None] | None = None
    for s, e in last_lines(text, start, end, _SIG_SCAN_LINES):
        line = text[s:e]
        if _is_signoff_line(line):
            terminated_by_signoff = True
            break
        kind = _sig_line_kind(line)
        if kind is None:
            if undotted is not None or not _dotted_label(line):
                break
            undotted = (len(collected), sig_from)  # where the scan would have stopped
            kind = "dotted"
        collected.append(kind)
        sig_from = s
    if undotted is not None and not terminated_by_signoff:
        del collected[undotted[0]:]
        sig_from = undotted[1]
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
        last = next(last_lines(text, start, end, 1), None)
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


def split_signature(
    text: str, start: int, end: int, explicit: int | None
) -> tuple[int, tuple[int, int] | None]:
    """Where the agent's own text in ``text[start:end]`` ends, and the signature after it.

    Returns ``(body_end, signature)``: ``signature`` is the stripped span of the signature
    block, or None when there is none (or it is blank). ``explicit``: the offset of an HTML
    signature element, used only when it lies strictly inside the reply.
    """
    if explicit is not None and not (start < explicit < end):
        explicit = None
    sig_start = _signature_start(text, start, end, explicit)
    if sig_start is None or not (start < sig_start < end):
        return end, None
    ss, se = strip_span(text, sig_start, end)
    return sig_start, ((ss, se) if ss < se else None)
