"""Names that chat writers give away about themselves, often in lower case.

Three forms that `names.py`'s greeting, sign-off and introduction contexts do not cover:

* "Storm her 👋", "Sol här, …", "lasse här", "hi ludwig van der berg here": a name
  followed by "her/här/here" at the start of a message or line is the writer's own;
* "I'm Mateusz Nowicki", "im liz", "its liz again": an English self-introduction;
* "… ring mig – lasse", "… [ADDRESS]. sunniva": a listed first name typed as the last
  word of the message after a dash or a full stop is a signature;
* "jeg heter kari-anne bakken og …", "my name is john smith": after an introduction that
  nothing but a name can follow (`namewords.INTRO_STRONG`), lower-case words up to the
  first that cannot be part of a name (`namewords.LOWER_STOP`); "hos dr patel".

Each needs a first name from the curated list or the name book (`firstnames.py`,
`namebook.py`) — the context says "a person", the list says "a first name" — except a
capitalised name of two or three words after "I'm" ("its Apple Watch" is not one). A name
that is also a word ("Storm", "Sol", "siv", "lasse") counts where the form leaves no
other reading: before "her/här/here" and after a final dash.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from scorer.redact.firstnames import AMBIGUOUS, FIRST_NAMES
from scorer.redact.namebook import BOOK_NAMES, HOME_BOOK_NAMES
from scorer.redact.names import _LO as _NAMES_LO
from scorer.redact.names import _PARTICLE, _SP, _UP, any_non_name
from scorer.redact.namewords import GREETING, INTRO_STRONG, LOWER_STOP, NOT_NAMES, NOT_OWNED
from scorer.redact.scan import TextWords
from scorer.redact.starts import matches

Found = tuple[int, int, str]

#: Words that follow "its"/"im" in chat and are in some country's name list ("My", "An").
_FUNCTION_TEXT = """my me mine a an the not no so just about been being your our his her their
in on at for too very still here there back done ok okay fine sorry going trying"""
_FUNCTION = frozenset(_FUNCTION_TEXT.split())

#: names.py's lower-case letters plus Latin Extended-A: chat names are typed in lower case
#: with their own letters ("ayşe", "łukasz"), where names.py's rules read capitalised words.
_LO = f"{_NAMES_LO}\u0100-\u017f"
_CAP = rf"[{_UP}][{_LO}]+(?:-[{_UP}][{_LO}]+)?"
_LOW = rf"[{_LO}]+(?:-[{_LO}]+)?"
_CAP_NAME = rf"{_CAP}(?:{_SP}+(?:{_PARTICLE}{_SP}+){{0,2}}{_CAP}){{0,2}}"
_LOW_NAME = rf"{_LOW}(?:{_SP}+(?:{_PARTICLE}{_SP}+){{0,2}}{_LOW})?"
_HERE_RE = re.compile(
    rf"(?:^|(?<=\n))[ \t\u00a0>]*(?:(?i:{GREETING})[!,.]?{_SP}+)?"
    rf"(?P<n>{_CAP_NAME}|{_LOW_NAME}){_SP}+(?i:her|här|here)(?=[\s,.!:;]|$)")
_IM_RE = re.compile(
    rf"(?<![^\W\d_])(?i:(?P<im>i'm|i’m|i{_SP}+am|im)|its|it's|it’s){_SP}+"
    rf"(?P<n>{_CAP_NAME}|{_LOW})(?=[\s,.!?:;)]|$)")
#: Where an `_IM_RE` match can start: a letter that IGNORECASE reads as "i" ("ı" and "İ"
#: too), at a word's start, before what follows "i" in its forms (`starts.matches`).
_IM_START_RE = re.compile(r"[iIıİ](?<![^\W\d_][iIıİ])(?=['’mMtT \t\u00a0])")
#: A name typed in lower case after a title that is no other word ("hos dr patel", "mr
#: okafor"); "ms" is left out ("ms teams").
_TITLES_LOWER = "dr|mr|mrs|herr|fru|doktor"
_TITLE_LOWER_RE = re.compile(
    rf"(?<![^\W\d_])(?:{_TITLES_LOWER})\.?{_SP}+(?P<n>[{_LO}]{{3,}})(?=[\s,.!?:;)]|$)")
#: The titles as words: `_TITLE_LOWER_RE` is tried only where one stands.
_TITLE_WORDS = frozenset(_TITLES_LOWER.split("|"))
_TITLE_START_RE = re.compile(r"d(?=r|oktor)|m(?=r)|h(?=err)|f(?=ru)")
#: After "jeg heter", "my name is" … a lower-case name of up to three words, up to the
#: first word that cannot be part of one (`_strong_lower`).
_STRONG_LOWER_RE = re.compile(
    rf"(?<![^\W\d_])(?i:{INTRO_STRONG})[:,]?{_SP}+(?P<n>{_LOW}(?:{_SP}+{_LOW}){{0,2}})"
    rf"(?![^\W\d_]|@)")
_STRONG_HINT_RE = re.compile(r"he(?:i?ter|dder)|na(?:vn|mn|me)")
#: A chat transcript pasted into a message: lines that start with the speaker ("Anna: Hej,
#: du chattar med Tele2", "Kund: hej"). When one speaker is a role, the others are people.
_SPEAKER_RE = re.compile(
    rf"^[ \t\u00a0>]*(?P<n>{_CAP}(?:{_SP}+{_CAP})?){_SP}?:(?={_SP}|$)", re.MULTILINE)
_ROLES_TEXT = """kunde kund kunden customer client agent du you deg dig bot chatbot me meg mig
eg jeg jag i kundeservice kundservice support system assistent assistant operatør operator
rådgiver rådgivare rådgjevar adviser advisor"""
_ROLES = frozenset(_ROLES_TEXT.split())
#: Line labels of forms and mail headers, never a speaker.
_LABELS_TEXT = """emne subject fra frå från from til till to dato date datum sendt sent skickat
kopi kopia cc re sv vs aw fw fwd tlf tel telefon mobil epost e-post email adresse adress
address navn namn name ordre order ordrenr sak saken ärende referanse referens reference
beløp belopp amount pris price status tid time kl"""
_LABELS = frozenset(_LABELS_TEXT.split())
#: A full name signed after the last sentence ("… syns inom 5 dagar. Senait Tekle"), or
#: before a contact label ("Yonas Ghebremedhin, mob 912…"): two or three capitalised
#: words, none a known non-name.
_END_NAME_RE = re.compile(
    rf"(?<=[.!?)\]]){_SP}+(?P<n>{_CAP}(?:{_SP}+{_CAP}){{1,2}})[.!]?\s*$")
_CONTACT_LABEL = (rf",{_SP}*(?i:mob|mobil|tlf|tel|telefon|phone|ph|e-post|epost|email|e-mail)"
                  r"(?![^\W\d_])")
_LABELLED_NAME_RE = re.compile(
    rf"(?:^|(?<=[.!?]{_SP})|(?<=\n))(?P<n>{_CAP}(?:{_SP}+{_CAP}){{1,2}}){_CONTACT_LABEL}")
#: What every `_LABELLED_NAME_RE` match holds: the name pattern, which has no first
#: character to skip to, is run only in a text with a comma and a contact label (~15 µs
#: a reply saved; opening with the comma, this one is skipped to).
_CONTACT_LABEL_RE = re.compile(_CONTACT_LABEL)
#: A first name with a phone number after it at the end ("/Sol 912 34 567", "… thurs?
#: Amber 07700 900123"), or with an initial before a team ("Ida K. – Solreiser").
_NAME_PHONE_END_RE = re.compile(
    rf"(?:(?<=/)|(?<=[.!?]{_SP})|(?<=\n))(?P<n>{_CAP}){_SP}+\+?[0-9][0-9 \u00a0]{{6,}}[0-9]\s*$")
_INITIAL = rf"{_SP}[{_UP}]\.(?=[ \t]*(?:[,–—-]|$))"  # " K." before a comma, dash or line end
_INITIAL_RE = re.compile(rf"(?:^|(?<=/))[ \t>]*(?P<n>{_CAP}{_INITIAL})", re.MULTILINE)
#: The initial alone, which every `_INITIAL_RE` match ends in: the full pattern tries every
#: position (~10 µs a reply), this one skips to spaces; most texts have no such initial.
_INITIAL_HINT_RE = re.compile(_INITIAL, re.MULTILINE)
_LAST_RE = re.compile(rf"(?P<sep>[.!?]|{_SP}[–—-]){_SP}+(?P<n>{_LOW})[.!]?\s*$")


def _first(word: str) -> str:
    """"anne-lise" → "Anne-Lise": the spelling the name lists use."""
    return "-".join(p.capitalize() for p in word.split("-"))


def _listed(word: str, ambiguous_ok: bool) -> bool:
    """A first name of the curated list or the name book (a hyphenated one by any part),
    not an everyday word unless `ambiguous_ok`."""
    name = _first(word)
    if word.lower() in NOT_NAMES:
        return False
    if not ambiguous_ok and name in AMBIGUOUS:
        return False
    book = HOME_BOOK_NAMES if word.islower() else BOOK_NAMES  # see namebook.HOME_BOOK_NAMES
    return any(p in FIRST_NAMES or p in book for p in (name, *name.split("-")))


def chat_names(text: str, scan: TextWords | None = None) -> Iterator[Found]:
    """Writers' own names in "X her/here", "I'm X" and a final "– x" or ". x"
    (`scan`: the text's words if the caller has them)."""
    if "her" in text or "här" in text or "Her" in text or "Här" in text:
        for m in _line_matches(_HERE_RE, text):
            first = m.group("n").split()[0]
            if _listed(first, ambiguous_ok=True):
                yield m.start("n"), m.end("n"), "name"
    for m in matches(_IM_RE, _IM_START_RE, text):
        words = m.group("n").split()
        first = words[0]
        if first.islower():
            if first not in _FUNCTION and _listed(first, ambiguous_ok=False):
                yield m.start("n"), m.end("n"), "name"
        elif first.lower() not in NOT_NAMES and (
                _listed(first, ambiguous_ok=True) or (
                    m.group("im") and len(words) > 1 and words[-1].lower() not in NOT_NAMES)):
            yield m.start("n"), m.end("n"), "name"
    yield from _speakers(text)
    yield from _signed_at_end(text)
    scan = TextWords(text) if scan is None else scan
    if _STRONG_HINT_RE.search(scan.lowered) is not None:
        yield from _strong_lower(text)
    if scan.has(_TITLE_WORDS):
        for m in matches(_TITLE_LOWER_RE, _TITLE_START_RE, text):
            if m.group("n") not in NOT_NAMES and m.group("n") not in LOWER_STOP:
                yield m.start("n"), m.end("n"), "name"
    last = _LAST_RE.search(text, max(0, len(text) - 80))
    if last is not None and _listed(last.group("n"),
                                    ambiguous_ok=last.group("sep").strip() != ""
                                    and last.group("sep").strip() not in ".!?"):
        yield last.start("n"), last.end("n"), "name"


def _line_matches(rx: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """What `rx.finditer(text)` yields for a pattern whose matches start only at the start
    of the text or of a line (`^|(?<=\n)`): tried only there, not at every position
    (`starts.matches`, with the line starts found by `str.find`; ~5 -> ~1 µs a reply)."""
    end = 0
    pos = 0
    while pos != -1:
        if pos >= end:
            m = rx.match(text, pos)
            if m is not None:
                yield m
                end = m.end()
        pos = text.find("\n", pos)
        if pos != -1:
            pos += 1


def _strong_lower(text: str) -> Iterator[Found]:
    """The lower-case words after a strong introduction up to the first that ends a name
    (a function word, a verb such as "har"/"bor", "feil", "tlf"): "jeg heter kari-anne
    bakken og …" → "kari-anne bakken"; "navnet er feil" → nothing."""
    for m in _STRONG_LOWER_RE.finditer(text):
        start = m.start("n")
        end = start
        for w in re.finditer(r"\S+", m.group("n")):
            low = w.group(0)
            if low in NOT_NAMES or low in NOT_OWNED or low in LOWER_STOP or len(low) < 2:
                break
            end = start + w.end()
        if end > start:
            yield start, end, "name"


def _speakers(text: str) -> Iterator[Found]:
    """Speaker names of a pasted chat transcript: only when another speaker is a role
    ("Kund:", "Agent:", "Du:"), so that "Emne:" or "Adresse:" lines never count."""
    if ":" not in text:
        return
    found = list(_SPEAKER_RE.finditer(text))
    if len(found) < 2 or not any(m.group("n").lower() in _ROLES for m in found):
        return
    for m in found:
        label = m.group("n")
        first = label.split()[0].lower()
        if label.lower() not in _ROLES and first not in NOT_NAMES and first not in _LABELS:
            yield m.start("n"), m.end("n"), "name"


def _signed_at_end(text: str) -> Iterator[Found]:
    """Names signed at the end of a message or before a contact label, and "Name K." lines
    (`_END_NAME_RE`, `_LABELLED_NAME_RE`, `_NAME_PHONE_END_RE`, `_INITIAL_RE`)."""
    tail = max(0, len(text) - 120)
    # `_NAME_PHONE_END_RE` ends in a digit and white space only: tried only then (~5 µs)
    end_digit = text.rstrip()[-1:].isdigit()
    for rx in (_END_NAME_RE, _NAME_PHONE_END_RE) if end_digit else (_END_NAME_RE,):
        m = rx.search(text, tail)
        if m is None:
            continue
        words = m.group("n").split()
        if any_non_name(words):
            continue
        if rx is _NAME_PHONE_END_RE and not _listed(words[0], ambiguous_ok=True):
            continue
        yield m.start("n"), m.end("n"), "name"
    if _CONTACT_LABEL_RE.search(text) is not None:
        for m in _LABELLED_NAME_RE.finditer(text):
            if not any_non_name(m.group("n").split()):
                yield m.start("n"), m.end("n"), "name"
    if _INITIAL_HINT_RE.search(text) is not None:
        for m in _INITIAL_RE.finditer(text):
            if _listed(m.group("n").split()[0], ambiguous_ok=True):
                yield m.start("n"), m.end("n"), "name"
