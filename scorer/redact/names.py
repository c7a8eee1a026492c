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

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

from scorer.redact.firstnames import AMBIGUOUS, FIRST_NAMES

Found = tuple[int, int, str]

_UP = "A-ZÀ-ÖØ-Þ"
_LO = "a-zß-öø-ÿ"
_WORD = rf"[{_UP}](?:[{_LO}]+|['’][{_UP}][{_LO}]+)(?:[{_UP}][{_LO}]+)?(?:-[{_UP}][{_LO}]+)?"
_PARTICLE = r"(?:van|von|der|den|de|af|la|le|di|da|du|ter|ten|bin|al)"
_SP = r"[ \t\u00a0]"
_NAME = rf"(?:{_WORD})(?:{_SP}+(?:{_PARTICLE}{_SP}+){{0,2}}(?:{_WORD})){{0,2}}"

_GREETING = (
    r"hei|heisann|hallo|hello|hi|hey|hej|hejsan|hallå|tjena|tjenare|morn|moin|god\s+morgen"
    r"|god\s+morgon|god\s+dag|goddag|godmorgen|god\s+kveld|god\s+aften|good\s+morning"
    r"|good\s+afternoon|good\s+evening|dear|kjære|kære|käre|kära|bästa|hei\s+igjen"
    r"|hej\s+igen|hei\s+og\s+takk|hej\s+och\s+tack|hi\s+again|takk|tack|tak|thanks"
    r"|thank\s+you|tusen\s+takk|mange\s+takk|tusen\s+tack|mange\s+tak|velkommen|välkommen"
)
_SIGNOFF = (
    r"med\s+vennlig\s+hilsen|vennlig\s+hilsen|vennlige\s+hilsener|med\s+venleg\s+helsing"
    r"|venleg\s+helsing|helsing|beste\s+hilsen|hilsen|hilsener|mvh|m\.v\.h\.?|vh|bh"
    r"|med\s+vänliga\s+hälsningar|med\s+vänlig\s+hälsning|vänliga\s+hälsningar"
    r"|vänlig\s+hälsning|bästa\s+hälsningar|hälsningar|hälsning|med\s+venlig\s+hilsen"
    r"|venlig\s+hilsen|venlige\s+hilsner|kærlig\s+hilsen|kjærlig\s+hilsen|de\s+bedste"
    r"\s+hilsner|bedste\s+hilsner|hilsner|kind\s+regards|best\s+regards|warm\s+regards"
    r"|warmest\s+regards|regards|best\s+wishes|yours\s+sincerely|yours\s+faithfully"
    r"|yours\s+truly|sincerely|all\s+the\s+best|på\s+vegne\s+av|on\s+behalf\s+of"
)
#: Sign-offs that are also ordinary words: the name must end its line or sentence.
_SIGNOFF_WEAK = (
    r"takk|tack|tak|thanks|thank\s+you|cheers|best|ha\s+en\s+fin\s+dag|ha\s+det\s+bra"
    r"|ha\s+en\s+bra\s+dag|hav\s+en\s+god\s+dag|have\s+a\s+nice\s+day|have\s+a\s+great\s+day"
)
_INTRO = (
    r"jeg\s+heter|eg\s+heiter|eg\s+heter|jag\s+heter|jeg\s+hedder|mitt\s+navn\s+er"
    r"|mitt\s+namn\s+er|mitt\s+namn\s+är|mit\s+navn\s+er|my\s+name\s+is|name\s+is"
    r"|du\s+snakker\s+med|du\s+snakkar\s+med|du\s+pratar\s+med|du\s+chattar\s+med"
    r"|du\s+chatter\s+med|du\s+taler\s+med|du\s+skriver\s+med|you\s+are\s+chatting\s+with"
    r"|you're\s+chatting\s+with|you\s+are\s+speaking\s+with|you're\s+speaking\s+with"
    r"|c/o|v/|snakket\s+med|pratade\s+med|talte\s+med|spoke\s+to|spoke\s+with"
)
#: Labels that name a person only when a colon (or dot) follows: "Navn: …", "Att: …".
_LABEL = (
    r"navn|namn|name|full\s+name|fullt\s+navn|kontaktperson|contact\s+person|kunde|kund"
    r"|customer|mottaker|mottagare|modtager|recipient|att|attn|avsender|avsändare|afsender"
    r"|sender|from|fra|från|til|till|to|kontakt|contact|kundenavn|kundnamn|kundenavn"
)
_TITLE = r"mr|mrs|ms|miss|mx|dr|herr|hr|fru|frk|frøken|fröken|madam|sir"

_GREET_RE = re.compile(
    rf"(?:^|(?<=[\s>\"'(]))(?i:{_GREETING}),?{_SP}+(?:(?i:{_TITLE})\.?{_SP}+)?(?P<n>{_NAME})"
    rf"(?=[\s,.!?:;)]|$)", re.MULTILINE)
_GREET_LOW_RE = re.compile(
    rf"(?:^|(?<=[\s>\"'(]))(?i:{_GREETING}),?{_SP}+(?P<n>[{_LO}]+)(?=[\s,.!?:;)]|$)",
    re.MULTILINE)
_SIGN_RE = re.compile(
    rf"(?:^|(?<=[\s>]))(?i:{_SIGNOFF})[,.!:]?[ \t\u00a0]*(?:\n[ \t\u00a0]*){{0,2}}"
    rf"(?P<n>{_NAME})(?![^\W\d_]|@)", re.MULTILINE)
_SIGN_WEAK_RE = re.compile(
    rf"(?:^|(?<=[\s>]))(?i:{_SIGNOFF_WEAK})[,.!:]?[ \t\u00a0]*(?:\n[ \t\u00a0]*){{0,2}}"
    rf"(?P<n>{_NAME})(?=[ \t\u00a0]*(?:$|[\n,.!|/(–-]))", re.MULTILINE)
_INTRO_RE = re.compile(
    rf"(?<!\w)(?i:{_INTRO})[:,]?{_SP}+(?:(?i:{_TITLE})\.?{_SP}+)?(?P<n>{_NAME})(?![^\W\d_]|@)")
_LABEL_RE = re.compile(
    rf"(?:^|(?<=[\s>(]))(?i:{_LABEL}){_SP}?[:.]{_SP}*(?:(?i:{_TITLE})\.?{_SP}+)?"
    rf"(?P<n>{_NAME})(?![^\W\d_]|@)", re.MULTILINE)
_TITLE_RE = re.compile(rf"(?<!\w)(?i:{_TITLE})\.?{_SP}+(?P<n>{_NAME})(?![^\W\d_]|@)")
_SLASH_RE = re.compile(rf"(?:^|(?<=\s))/{_SP}?(?P<n>{_WORD})[ \t\u00a0]*$", re.MULTILINE)
_CAPWORD_RE = re.compile(
    rf"[{_UP}](?<![^\W\d_][{_UP}])(?<![@.'’-][{_UP}]){_WORD[len(_UP) + 2:]}"
    rf"(?![^\W\d_]|[@'’])")
_NEXTWORD_RE = re.compile(rf"{_SP}+({_WORD})(?![^\W\d_]|[@'’])")
_SURNAME_END_RE = re.compile(
    r"(?:sen|son|ssen|sson|berg|stad|rud|vik|dal|lund|heim|strøm|ström|gaard|gård|holm"
    r"|haug|moen|bakken|ness|nes|land|by|seth|qvist|kvist|gren|man|mann|ley|ton|ford"
    r"|well|wood|smith|son|field|ham|worth|ster|er|ers)$")

#: Words that follow a greeting, sign-off or title without being a name.
_NOT_NAMES_TEXT = """
alle allihop allihopa alla all everyone everybody there team teamet teamen kundeservice
kundeservicen kundesenter kundesenteret kundesenteret kundtjänst kundtjänsten kundeservice
support supporten customer customers kunde kunden kunder kund kunderna sir madam madame
sirs friend friends venn venner vän vänner ven igjen igen again og och and du dere deg dig
ni jer i you der där here her hello hei hej hi hey hallo takk tack tak thanks thank god
good morn morgen morgon dag kveld kväll aften afternoon evening morning day sommer jul
godt gott nytt år happy merry mvh med with from fra från the a an en et ett ei min mitt
mine vår våre vårt our your din ditt dine deres er ere sender hilsen hilsener us oss os
mandag tirsdag onsdag torsdag fredag lørdag søndag måndag tisdag lördag söndag monday
tuesday wednesday thursday friday saturday sunday januar januari january februar
februari february mars march april mai maj may juni june juli july august september
oktober october november desember december december as asa ab aps ltd plc inc gmbh bank
banken forsikring försäkring posten postnord bring telenor telia ice tele dnb nordea
handelsbanken swedbank seb danske ikea elkjøp elgiganten power komplett zalando amazon
apple google microsoft sas norwegian vy sj dsb ruter skat nav skatteetaten norge sverige
danmark oslo stockholm københavn london kontoret butikken avdelingen service help hjelp
hjälp hjælp sales salg försäljning info post mail e-post epost chat chatten admin
redaksjonen ledelsen styret gruppen jeg jag eg i me mig meg we vi på til till to for
ha have hav fin trevlig nice great lovely god glad gledelig kind best warm regards
beste bästa vennlig vänlig venlig hilsninger hälsningar på vegne vegner behalf
"""
_NOT_NAMES = frozenset(_NOT_NAMES_TEXT.split())

_ENDINGS = ("", "s", "'s", "’s", "'", "’", "es")
_FOLD = {"ø": "[øöo]", "ö": "[øöo]", "æ": "(?:æ|ä|ae)", "ä": "(?:æ|ä|ae)",
         "å": "(?:å|aa|a)", "é": "[ée]", "ü": "[üu]"}


def _is_name(words: list[str]) -> bool:
    """A context-introduced candidate is a name unless its first word is a known non-name
    (or every word is in capitals: an acronym such as a company)."""
    if not words:
        return False
    first = words[0].split("-")[0]
    if first.lower() in _NOT_NAMES:
        return False
    return not all(w.isupper() for w in words)


def _trim(m: re.Match[str], greeting: bool = False) -> Iterator[Found]:
    """The name group of a context match, cut before the first non-name word. Right after
    a greeting a capitalised listed first name is a name even if it is also a word ("Hei
    Dag!", "Hej Sol,")."""
    start = m.start("n")
    words = list(re.finditer(r"\S+", m.group("n")))
    listed = greeting and bool(words) and _listed(words[0].group(0))
    keep = []
    for w in words:
        if w.group(0).split("-")[0].lower() in _NOT_NAMES and not (listed and not keep):
            break
        keep.append(w)
    if keep and (listed or _is_name([w.group(0) for w in keep])):
        yield start + keep[0].start(), start + keep[-1].end(), "name"


def _lower_greeting(text: str, pos: int) -> Iterator[Found]:
    """A chat greeting in lower case with a listed first name after it ("hei ola", "hi
    john"): the name may be lower case here only, and not one that is also a word."""
    m = _GREET_LOW_RE.match(text, pos)
    if m is not None:
        word = m.group("n")
        name = word.capitalize()
        if name in FIRST_NAMES and name not in AMBIGUOUS and word not in _NOT_NAMES:
            yield m.start("n"), m.end("n"), "name"


def _first_words(*alternations: str) -> frozenset[str]:
    """The first word of every phrase of regex alternations ("med\\s+vennlig…" → "med")."""
    out = set()
    for alts in alternations:
        for alt in alts.split("|"):
            m = re.match(r"[^\W\d_]+", alt.replace("\\s+", " "))
            if m is not None:
                out.add(m.group(0).lower())
    return frozenset(out)


_TOKEN_RE = re.compile(r"[^\W\d_]+")
_TRIGGERS: dict[str, tuple[re.Pattern[str], ...]] = {}
for _rx, _alts in ((_GREET_RE, (_GREETING,)), (_SIGN_RE, (_SIGNOFF,)),
                   (_SIGN_WEAK_RE, (_SIGNOFF_WEAK,)), (_INTRO_RE, (_INTRO,)),
                   (_LABEL_RE, (_LABEL,)), (_TITLE_RE, (_TITLE,))):
    for _w in _first_words(*_alts):
        _TRIGGERS[_w] = (*_TRIGGERS.get(_w, ()), _rx)
_TRIGGER_WORDS = frozenset(_TRIGGERS)


@lru_cache(maxsize=512)
def _trigger_regex(word: str) -> re.Pattern[str]:
    """A trigger word as a whole word, literal first so the regex engine can skip ahead."""
    w = re.escape(word)
    return re.compile(rf"{w}(?<![^\W\d_]{w})(?![^\W\d_])")


def context_names(text: str) -> Iterator[Found]:
    """Names introduced by a greeting, sign-off, introduction, title or "/Name".

    The words that can open such a context are looked up once (a set intersection over
    the text's words); each context regex is then only tried, anchored, where one of them
    stands (scanning every regex at every position costs ten times as much)."""
    lowered = text.lower()
    if len(lowered) != len(text):  # a few letters lower-case to two characters
        lowered = "".join(ch.lower()[0] for ch in text)
    for word in _TRIGGER_WORDS.intersection(_TOKEN_RE.findall(lowered)):
        rxs = _TRIGGERS[word]
        for w in _trigger_regex(word).finditer(lowered):
            after = text[w.end():w.end() + 2].lstrip(" \u00a0")[:1]
            for rx in rxs:
                if rx is _LABEL_RE and after not in (":", "."):
                    continue
                m = rx.match(text, w.start())
                if m is not None:
                    yield from _trim(m, rx is _GREET_RE)
                elif rx is _GREET_RE:
                    yield from _lower_greeting(text, w.start())
    if "/" in text:
        for m in _SLASH_RE.finditer(text):
            yield from _trim(m)


def _sentence_start(text: str, pos: int) -> bool:
    i = pos - 1
    while i >= 0 and text[i] in " \t\u00a0\"'(«“":
        i -= 1
    return i < 0 or text[i] in "\n.!?:;>-–•*"


def _listed(word: str) -> bool:
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
            if not last.isupper() and last.lower() not in _NOT_NAMES and (
                    first not in AMBIGUOUS or _listed(last) or _SURNAME_END_RE.search(last)):
                yield m.start(), nxt.end(), "name"
                continue
        if first in AMBIGUOUS or _sentence_start(text, m.start()):
            continue
        yield m.start(), m.end(), "name"


_GENITIVE_RE = re.compile(
    rf"[{_UP}](?<![^\W\d_][{_UP}])(?<![@.'’-][{_UP}])[{_LO}]+(?:-[{_UP}][{_LO}]+)?"
    rf"(?P<g>s|['’]s?)(?={_SP}+(?P<next>[{_LO}]+))")
#: Words that do not follow a genitive ("Marks and Spencer", "Tones are …"): a genitive
#: stands before the thing owned.
_NOT_OWNED_TEXT = """
og och and or eller of for fór i in on at på til till to av af med with from fra från er
is är var was were are be been som that der det den de da when når när by ved vid om if
hvis than enn än ikke not inte
"""
_NOT_OWNED = frozenset(_NOT_OWNED_TEXT.split())


def genitive_names(text: str) -> Iterator[Found]:
    """A listed first name in the genitive before a lower-case word: "Karis abonnement",
    "Pers konto", "Jens' ordre", "Tom's account". At the start of a sentence only names
    that are no everyday word ("Dags dato" stays)."""
    for m in _GENITIVE_RE.finditer(text):
        g = m.group("g")
        stem = m.group(0)[:-len(g)]
        if g in ("'", "’") and stem[-1] not in "sxz":
            continue
        if not _listed(stem) or m.group("next") in _NOT_OWNED:
            continue
        if stem in AMBIGUOUS and _sentence_start(text, m.start()):
            continue
        yield m.start(), m.end(), "name"


_ROLE = (rf"(?i:kundeservice[a-z]*|kundtjänst[a-z]*|kundesenter[a-z]*|kundecenter[a-z]*"
         rf"|kundcenter[a-z]*|customer{_SP}+(?:service|support|care)|support[a-z]*)")
_SIGNATURE_RE = re.compile(
    rf"{_SP}*(?P<n>{_WORD}(?:{_SP}+{_WORD})?){_SP}*(?:[,/–-]{_SP}*{_ROLE}{_SP}*)?[.!]?{_SP}*"
    r"\r?")
_ROLE_LINE_RE = re.compile(rf"\s*{_ROLE}\s*")


def signature_names(text: str) -> Iterator[Found]:
    """A message that ends in a line of its own with just a listed first name (and a
    surname, and ", kundeservice" or a line "Kundeservice"): the writer's signature."""
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
    if not _listed(words[0]) or words[0].isupper():
        return
    last = words[-1]
    stop = m.end("n")
    if len(words) > 1 and (last.isupper() or last.split("-")[0].lower() in _NOT_NAMES):
        stop = m.start("n") + len(words[0])
    yield m.start("n"), stop, "name"


@lru_cache(maxsize=4096)
def _known_regex(names: tuple[str, ...]) -> re.Pattern[str] | None:
    parts: set[str] = set()
    for name in names:
        for part in name.split():
            part = part.strip(".,;:()\"'")
            if len(part) >= 2:
                parts.add(part)
                parts.update(p for p in part.split("-") if len(p) >= 2)
    if not parts:
        return None
    alts = []
    for p in sorted(parts, key=len, reverse=True):
        alts.append("".join(_FOLD.get(ch, re.escape(ch)) for ch in p.lower()))
    ending = "|".join(re.escape(e) for e in _ENDINGS if e)
    return re.compile(
        rf"(?:{'|'.join(alts)})(?:-[{_UP}][{_LO}]+)*(?:{ending})?(?![^\W\d_]|@)",
        re.IGNORECASE)


def known_names(text: str, names: Iterable[str]) -> Iterator[Found]:
    """Every occurrence of the given names or their parts, with genitive endings."""
    rx = _known_regex(tuple(sorted(set(names))))
    if rx is None:
        return
    pos = 0
    while (m := rx.search(text, pos)) is not None:
        s = m.start()
        before = text[s - 1] if s else " "
        if before.isalpha() or before in "@.":
            pos = s + 1  # inside a word ("Karin") or an e-mail address: look further on
            continue
        yield s, m.end(), "name"
        pos = m.end()
