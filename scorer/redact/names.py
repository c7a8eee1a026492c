"""Personal names: the known customer name, and names that the context gives away.

Three sources, from surest to loosest:

* the record's `customer_name` and its parts, as whole words, case-insensitively, with
  genitive endings (Kari → Karis, Kari's; Andersson → Anderssons), as part of a hyphenated
  name (Anne → Anne-Marie) and with ø/ö, æ/ä, å/aa spelled either way;
* a context that introduces a person: a greeting ("Hei Kari,", "Dear Mrs Smith,"), a
  sign-off ("Mvh Ola Nordmann", "Med vänliga hälsningar\\nErik"), a self-introduction
  ("jeg heter …", "my name is …", "du chattar med …") or a title ("fru Hansen", "Mr
  Jones"): the capitalised words that follow are a name unless they are a word that
  follows greetings for other reasons ("Hei alle", "Dear Customer", "Hilsen Kundeservice");
* a first name from the curated list (`firstnames.py`) followed by a capitalised surname
  anywhere ("… sa Kari Nordmann i går"), or on its own inside a sentence (not an
  ambiguous everyday word, not the first word of a sentence), in the genitive before a
  lower-case word ("Karis abonnement", "Tom's account"), lower case right after a greeting
  ("hei kari"), or alone on the last line of a message (a bare signature).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator

from scorer.redact.contexts import Context, openings, trigger_regex
from scorer.redact.firstnames import AMBIGUOUS, FIRST_NAMES
from scorer.redact.namebook import BOOK_NAMES, HOME_BOOK_NAMES
from scorer.redact.namewords import (
    ACTS,
    DEPARTMENT,
    DEVICE_FOOTER,
    GREETING,
    INTRO,
    LABEL,
    NAME_VERBS,
    NOT_ACTORS,
    NOT_NAMES,
    NOT_OWNED,
    OWNER,
    RELATION,
    RELATION_WEAK,
    SIGNOFF,
    SIGNOFF_WEAK,
    STAFF_PREP,
    TITLE,
)
from scorer.redact.scan import TextWords, opening_words
from scorer.redact.starts import matches

Found = tuple[int, int, str]

#: A word seen this often in the reply corpus is an ordinary word (the name tagger's
#: lexicon counts; `tagger_features.FREQUENT` is this value).
ORDINARY_FREQUENT = 3

_UP = "A-ZÀ-ÖØ-Þ"
_LO = "a-zß-öø-ÿ"
_WORD = rf"[{_UP}](?:[{_LO}]+|['’][{_UP}][{_LO}]+)(?:[{_UP}][{_LO}]+)?(?:-[{_UP}][{_LO}]+)?"
_PARTICLE = r"(?:van|von|der|den|de|af|la|le|di|da|du|ter|ten|bin|al)"
_SP = r"[ \t\u00a0]"
_NAME = rf"(?:[{_UP}]\.{_SP}*)?(?:{_WORD})(?:{_SP}+(?:{_PARTICLE}{_SP}+){{0,2}}(?:{_WORD})){{0,2}}"

#: Possessives after a weak relation ("far min", "son mitt").
_OWN_AFTER = "min|mi|mitt|sin"
_RELATION_RE = re.compile(
    rf"(?<!\w)(?:(?i:{RELATION})(?:{_SP}+(?i:{OWNER}))?|(?i:{OWNER}){_SP}+"
    rf"(?i:{RELATION_WEAK})|(?i:{RELATION_WEAK}){_SP}+(?i:{_OWN_AFTER})),?"
    rf"{_SP}+(?P<n>{_NAME})(?![^\W\d_]|@)")
_GREET_RE = re.compile(
    rf"(?:^|(?<=[\s>\"'(]))(?i:{GREETING}),?{_SP}+(?:(?i:{TITLE})\.?{_SP}+)?(?P<n>{_NAME})"
    rf"(?=[\s,.!?:;)]|$)", re.MULTILINE)
_SIGN_RE = re.compile(
    rf"(?:^|(?<=[\s>]))(?i:{SIGNOFF})[,.!:]?[ \t\u00a0]*(?:\n[ \t\u00a0]*){{0,2}}"
    rf"(?P<n>{_NAME})(?![^\W\d_]|@)", re.MULTILINE)
_SIGN_WEAK_RE = re.compile(
    rf"(?:^|(?<=[\s>]))(?i:{SIGNOFF_WEAK})[,.!:]?[ \t\u00a0]*(?:\n[ \t\u00a0]*){{0,2}}"
    rf"(?P<n>{_NAME})(?=[ \t\u00a0]*(?:$|[\n,.!|/(–-]))", re.MULTILINE)
_INTRO_RE = re.compile(
    rf"(?<!\w)(?i:{INTRO})[:,]?{_SP}+(?:(?i:{TITLE})\.?{_SP}+)?(?P<n>{_NAME})(?![^\W\d_]|@)")
_LABEL_RE = re.compile(
    rf"(?:^|(?<=[\s>(]))(?i:{LABEL}){_SP}?[:.]{_SP}*(?:(?i:{TITLE})\.?{_SP}+)?"
    rf"(?P<n>{_NAME})(?![^\W\d_]|@)", re.MULTILINE)
_TITLE_RE = re.compile(rf"(?<!\w)(?i:{TITLE})\.?{_SP}+(?P<n>{_NAME})(?![^\W\d_]|@)")
_LOWER_WORD = rf"(?P<n>[{_LO}]+)(?=['’]s\b|[\s,.!?:;)]|$)"
#: Chat is typed in lower case: after a greeting, sign-off or relation a lower-case
#: listed first name is a name too ("hei ola", "mvh sverre", "min søn mikkel").
def _lower_regex(rx: re.Pattern[str]) -> re.Pattern[str]:
    return re.compile(rx.pattern.split("(?P<n>")[0] + _LOWER_WORD, re.MULTILINE)
_SLASH_RE = re.compile(
    rf"(?:^|(?<=\s))(?:/|·|[–—-](?={_SP})){_SP}?(?P<n>{_WORD}(?:{_SP}+{_WORD}){{0,2}}|[{_LO}]+)"
    rf"(?:,{_SP}*{_WORD}(?:{_SP}+{_WORD})?)?[ \t\u00a0]*$",
    re.MULTILINE)
#: "God helg frå Kjartan", "Hilsen fra Eva": a listed first name after "from", ending
#: the message or its line.
_FROM_END_RE = re.compile(
    rf"(?<!\w)(?i:frå|fra|från|from){_SP}+(?P<n>{_WORD})[.!]?[ \t\u00a0]*$", re.MULTILINE)
_FROM_START_RE = re.compile(r"[fF](?=[rR])")  # where it can start (`starts.matches`)
_CAPWORD_RE = re.compile(
    rf"[{_UP}](?<![^\W\d_][{_UP}])(?<![@.'’-][{_UP}]){_WORD[len(_UP) + 2:]}"
    rf"(?![^\W\d_]|[@'’])")
_NAME_VERB_RE = re.compile(rf"{_SP}+(?i:{NAME_VERBS})(?![^\W\d_])")
_NEXTWORD_RE = re.compile(rf"{_SP}+({_WORD})(?![^\W\d_]|[@'’])")
#: Endings of Nordic and British surnames. The strong ones alone make a capitalised word
#: before "ringte"/"fra teknisk" a person; the loose ones may follow a listed first name.
_SURNAME_ENDINGS = (
    r"sen|son|ssen|sson|berg|stad|rud|vik|dal|lund|heim|strøm|ström|gaard|gård|holm|haug|moen"
    r"|bakken|ness|nes|land|by|seth|qvist|kvist|gren|ley|ford|well|wood|field|worth")
_SURNAME_LOOSE = "man|mann|ton|smith|ham|ster|er|ers"
_SURNAME_STRONG = "haugen|lien|dalen|vollen|stein|sted|bø"
_SURNAME_END_RE = re.compile(rf"(?:{_SURNAME_ENDINGS}|{_SURNAME_LOOSE})$")
_SURNAME_STRONG_RE = re.compile(rf"(?:{_SURNAME_ENDINGS}|{_SURNAME_STRONG})$")
#: The same endings as tuples, for `str.endswith` (the name tagger tests every candidate).
SURNAME_STRONG_ENDS = tuple(f"{_SURNAME_ENDINGS}|{_SURNAME_STRONG}".split("|"))
SURNAME_LOOSE_ENDS = tuple(f"{_SURNAME_ENDINGS}|{_SURNAME_LOOSE}".split("|"))




def any_non_name(words: Iterable[str]) -> bool:
    """Is any word (by its first hyphen part) a known non-name ("Kundeservice", "Tre-…")?"""
    return any(w.split("-")[0].lower() in NOT_NAMES for w in words)


def _is_name(words: list[str]) -> bool:
    """A context-introduced candidate is a name unless its first word is a known non-name
    (or every word is in capitals: an acronym such as a company)."""
    if not words:
        return False
    first = words[0].split("-")[0]
    if first.lower() in NOT_NAMES:
        return False
    return not all(w.isupper() for w in words)


def _trim(m: re.Match[str], greeting: bool = False) -> Iterator[Found]:
    """The name group of a context match, cut before the first non-name word. Right after
    a greeting or sign-off a capitalised listed first name is a name even if it is also a
    word ("Hei Dag!", "Hej Sol,", "Helsing Dag")."""
    start = m.start("n")
    words = list(re.finditer(r"\S+", m.group("n")))
    listed = greeting and bool(words) and _listed(words[0].group(0))
    keep = []
    for w in words:
        if w.group(0).split("-")[0].lower() in NOT_NAMES and not (listed and not keep):
            break
        keep.append(w)
    if keep and (listed or _is_name([w.group(0) for w in keep])):
        yield start + keep[0].start(), start + keep[-1].end(), "name"


def _lower_name(rx: re.Pattern[str], text: str, pos: int,
                known: frozenset[str], relation: bool) -> Iterator[Found]:
    """A lower-case listed first name in a context (`_Context.lower`): the name may be
    lower case here only, and not one that is also a word unless it is the customer's own
    ("hej line" to Line Mikkelsen). After a relation ("my daughter poppy") it can be
    nothing else, so an ambiguous name counts too."""
    m = rx.match(text, pos)
    if m is not None:
        word = m.group("n")
        name = word.capitalize()
        if word in known or (_named(name, lower=True) and (relation or name not in AMBIGUOUS)
                             and word not in NOT_NAMES):
            yield m.start("n"), m.end("n"), "name"


#: The context regexes, each with its lower-case variant (or None), what `context_names`
#: asks of it, and the alternations its opening phrase is made of (`contexts.py`).
_OPENINGS = openings(tuple(
    (Context(rx, _lower_regex(rx) if lower else None, rx is _GREET_RE or rx is _SIGN_RE,
             rx is _LABEL_RE, rx is _RELATION_RE), heads)
    for rx, lower, heads in (
        (_GREET_RE, True, ((GREETING,),)), (_SIGN_RE, True, ((SIGNOFF,),)),
        (_SIGN_WEAK_RE, True, ((SIGNOFF_WEAK,),)), (_INTRO_RE, True, ((INTRO,),)),
        (_LABEL_RE, False, ((LABEL,),)), (_TITLE_RE, False, ((TITLE,),)),
        (_RELATION_RE, True, ((RELATION,), (OWNER, RELATION_WEAK),
                              (RELATION_WEAK, _OWN_AFTER))))))
_TRIGGER_WORDS = frozenset(_OPENINGS)
#: Every trigger word's regex, built once at import (static, like the word lists).
_TRIGGER_RES = {word: trigger_regex(word) for word in _TRIGGER_WORDS}


def context_names(text: str, known: Iterable[str] = (),
                  scan: TextWords | None = None) -> Iterator[Found]:
    """Names introduced by a greeting, sign-off, introduction, title or "/Name"; `known`
    are the customer's names, which may follow a greeting in lower case even when they
    are also a word. `scan`: the text's words if the caller has them.

    The words that can open such a context are looked up once (a set intersection over
    the text's words); each context regex is then only tried, anchored, where one of them
    stands (scanning every regex at every position costs ten times as much)."""
    parts = frozenset(w.lower() for n in known for w in n.split())
    scan = TextWords(text) if scan is None else scan
    lowered = scan.aligned
    for word in sorted(_TRIGGER_WORDS.intersection(scan.words)):
        contexts = _OPENINGS[word]
        for w in _TRIGGER_RES[word].finditer(lowered):
            after = text[w.end():w.end() + 2].lstrip(" \u00a0")[:1]
            for c, gate in contexts:
                if (c.label and after not in (":", ".")) or (
                        gate is not None and gate.match(text, w.start()) is None):
                    continue  # neither the context nor its lower-case variant can match
                m = c.rx.match(text, w.start())
                if m is not None:
                    yield from _trim(m, c.greeting)
                elif c.lower is not None:
                    yield from _lower_name(c.lower, text, w.start(), parts, c.relation)
    if "/" in text or "–" in text or "—" in text or "-" in text or "·" in text:
        for m in _SLASH_RE.finditer(text):
            word = m.group("n")
            if word.islower():  # "/mats": lower case only for a listed, unambiguous name
                if _named(word.capitalize(), lower=True) and word.capitalize() not in AMBIGUOUS:
                    yield m.start("n"), m.end("n"), "name"
            elif " " in word.strip() and not _named(word.split()[0]):
                # "/Tesfay Gebru" but not "/Tre Kundservice", "/Folktandvården Kungsholmen"
                words = word.split()
                if text[m.start()] == "/" and not any_non_name(words) and not (
                        _NOUN_END_RE.search(words[0].lower())):
                    yield from _trim(m)
            elif text[m.start()] == "/" or _named(word.split()[0]):  # "- Oslo" is none
                yield from _trim(m)
    for m in matches(_FROM_END_RE, _FROM_START_RE, text):
        if _named(m.group("n")):
            yield m.start("n"), m.end("n"), "name"


def _sentence_start(text: str, pos: int) -> bool:
    i = pos - 1
    while i >= 0 and text[i] in " \t\u00a0\"'(«“":
        i -= 1
    return i < 0 or text[i] in "\n.!?:;>-–•*"


def _named(word: str, *, lower: bool = False) -> bool:
    """A first name of the curated list or the name book: for contexts that already say
    "a person" (a lower-case word after a greeting, a signature line). `lower`: the word
    was written in lower case, so only the home countries' part of the book counts."""
    book = HOME_BOOK_NAMES if lower else BOOK_NAMES
    if word in FIRST_NAMES or word in book:
        return True
    return "-" in word and any(p in FIRST_NAMES or p in book for p in word.split("-"))


def _listed(word: str) -> bool:
    """A first name of the curated list: for the looser rules (a name anywhere)."""
    if word in FIRST_NAMES:
        return True
    return "-" in word and any(p in FIRST_NAMES for p in word.split("-"))


def listed_names(text: str) -> Iterator[Found]:
    """A listed first name with a surname after it, or alone inside a sentence."""
    words = _CAPWORD_RE.findall(text)
    if FIRST_NAMES.isdisjoint(words) and not any("-" in w for w in words):
        return
    for m in _CAPWORD_RE.finditer(text):
        first = m.group(0)
        if not _listed(first) or first.isupper():
            continue
        nxt = _NEXTWORD_RE.match(text, m.end())
        if nxt is not None:
            last = nxt.group(1)
            if not last.isupper() and last.lower() not in NOT_NAMES and (
                    first not in AMBIGUOUS or _listed(last) or _SURNAME_END_RE.search(last)):
                yield m.start(), nxt.end(), "name"
                continue
        if first in AMBIGUOUS:
            continue
        if _sentence_start(text, m.start()) and _NAME_VERB_RE.match(text, m.end()) is None:
            continue  # "Arne har sett på bilen" is a name; "Ola." alone may be a heading
        yield m.start(), m.end(), "name"


_ACTOR_RE = re.compile(
    rf"[{_UP}](?<![^\W\d_][{_UP}])(?<![@.'’-][{_UP}])[{_LO}]+(?:-[{_UP}][{_LO}]+)?"
    rf"(?={_SP}+(?:(?i:har|hadde|hade|havde|has|had|have){_SP}+)?(?i:{ACTS})(?![^\W\d_]))")
#: Endings of a Nordic noun in its definite form ("Banken", "Budet", "Posten") or of an
#: English agent noun ("Driver", "Courier"): such a word before "ringte" is no person.
_NOUN_END_RE = re.compile(r"(?:en|et|na|ne|er|or|ern|eren|aren)$")


_STAFF_RE = re.compile(
    rf"[{_UP}](?<![^\W\d_][{_UP}])(?<![@.'’-][{_UP}])[{_LO}]+(?:-[{_UP}][{_LO}]+)?"
    rf"(?=,?{_SP}+(?i:{STAFF_PREP}){_SP}+(?:(?i:the|den|det){_SP}+)?(?i:{DEPARTMENT})"
    rf"(?![^\W\d_]))")


#: What `_ACTOR_RE` and `_STAFF_RE` need among the words (`scan.opening_words`): a verb
#: of calling or writing, a department. Where it is missing, the pattern is not scanned
#: (each tries every capitalised word, ~8 µs a reply; ~80 % of replies have no such verb).
_ACT_WORDS = opening_words(ACTS)
_DEPARTMENT_WORDS = opening_words(DEPARTMENT)


def actor_names(text: str, scan: TextWords | None = None) -> Iterator[Found]:
    """A capitalised word right before a verb of calling or writing ("Hansen ringte",
    "Lindgren ringde", "Patel rang") or before a team it belongs to ("Strand fra teknisk
    avdeling", "Haugen på lageret"): a person, unless it is a pronoun, a known non-name
    or a noun in its definite or agent form ("Banken ringte", "Pakken fra lageret")."""
    acts = scan is None or scan.may_have(*_ACT_WORDS)
    staff = scan is None or scan.may_have(*_DEPARTMENT_WORDS)
    for m in itertools.chain(_ACTOR_RE.finditer(text) if acts else (),
                             _STAFF_RE.finditer(text) if staff else ()):
        word = m.group(0)
        low = word.lower()
        if low in NOT_ACTORS or low in NOT_NAMES or word.isupper():
            continue
        if (_NOUN_END_RE.search(low) and not _SURNAME_STRONG_RE.search(low)
                and not _listed(word)):
            continue
        yield m.start(), m.end(), "name"


_GENITIVE_RE = re.compile(
    rf"[{_UP}](?<![^\W\d_][{_UP}])(?<![@.'’-][{_UP}])[{_LO}]+(?:-[{_UP}][{_LO}]+)?"
    rf"(?P<g>s|['’]s?)(?={_SP}+(?P<next>[{_LO}]+))")


def genitive_names(text: str) -> Iterator[Found]:
    """A listed first name in the genitive before a lower-case word: "Karis abonnement",
    "Pers konto", "Jens' ordre", "Tom's account". At the start of a sentence a name that
    is also an everyday word counts only with an apostrophe ("Dags dato" stays)."""
    for m in _GENITIVE_RE.finditer(text):
        g = m.group("g")
        stem = m.group(0)[:-len(g)]
        if g in ("'", "’") and stem[-1] not in "sxz":
            continue
        if not _listed(stem) or m.group("next") in NOT_OWNED:
            continue
        if stem in AMBIGUOUS and g == "s" and _sentence_start(text, m.start()):
            continue  # "Dags dato"; but "Tom's" and "Tom’s" are a name's
        yield m.start(), m.end(), "name"


_ROLE = (rf"(?i:kundeservice[a-z]*|kundservice[a-z]*|kundtjänst[a-z]*|kundesenter[a-z]*"
         rf"|kundecenter[a-z]*"
         rf"|kundcenter[a-z]*|customer{_SP}+(?:service|support|care)|support[a-z]*)")
_SIGNATURE_RE = re.compile(
    rf"{_SP}*(?P<n>{_WORD}(?:{_SP}+{_WORD})?){_SP}*(?:[,/–-]{_SP}*{_ROLE}{_SP}*)?[.!]?{_SP}*"
    r"\r?")
_ROLE_LINE_RE = re.compile(rf"\s*{_ROLE}\s*")


_FOOTER_RE = re.compile(rf"(?:\n\s*(?i:{DEVICE_FOOTER})[.!]?\s*)+$")
#: A footer opens with one of these words: `_FOOTER_RE`, which tries its phrases after
#: every line break (~8 µs a reply), is searched only where one stands (~24 % of replies).
_FOOTER_WORDS = opening_words(DEVICE_FOOTER)
_COMMA_END_RE = re.compile(rf",{_SP}*(?P<n>{_WORD}|[{_LO}]+)[.!]?\s*$")


def signature_names(text: str, scan: TextWords | None = None) -> Iterator[Found]:
    """A message that ends in a line of its own with just a listed first name (and a
    surname, and ", kundeservice" or a line "Kundeservice"), above any "Sent from my
    iPhone", or that ends in ", Name" ("spør etter meg, Håvard", "Speak soon, Jordan"):
    the writer's signature. `scan`: the text's words if the caller has them."""
    footer = (_FOOTER_RE.search(text) if scan is None or scan.may_have(*_FOOTER_WORDS)
              else None)
    if footer is not None:
        text = text[:footer.start()]
    comma = _COMMA_END_RE.search(text)
    if comma is not None:
        word = comma.group("n")
        if _named(word.capitalize()) and (not word.islower() or word.capitalize()
                                          not in AMBIGUOUS):
            yield comma.start("n"), comma.end("n"), "name"
    end = len(text.rstrip())
    start = text.rfind("\n", 0, end) + 1
    if start and _ROLE_LINE_RE.fullmatch(text, start, end):  # "Kari Hansen\nKundeservice"
        end = len(text[:start].rstrip())
        start = text.rfind("\n", 0, end) + 1
    if start == 0 or not text[:start].strip():
        return  # no body before it
    m = _SIGNATURE_RE.fullmatch(text, start, end)
    if m is None:
        return
    words = m.group("n").split()
    if not _named(words[0]) or words[0].isupper():
        return
    last = words[-1]
    stop = m.end("n")
    if len(words) > 1 and (last.isupper() or last.split("-")[0].lower() in NOT_NAMES):
        stop = m.start("n") + len(words[0])
    yield m.start("n"), stop, "name"
