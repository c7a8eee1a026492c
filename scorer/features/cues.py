"""Cue words and patterns of the five languages, and the detectors built on them.

This is the language knowledge of the extractor: which words salute, thank, sign off,
wish well, offer more help, explain why/how/what next or ask for something, in nb, nn,
sv, da and en, and which lines are trailers (names, initials, footers) rather than the
agent's text. The model learns how much each cue counts; the lists only say where they
fire. Their members are part of feature strings and column hashes, so editing a list
changes features and needs a retrain.

Detectors that tolerate one typo memoise their answers in the `FeatureCaches.fuzzy`
memo the caller passes; detectors of a whole segment memoise on the segment object.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from scorer.features.hashing import str_col
from scorer.text.signature import EMAIL_RE, PHONE_RE, URL_RE

if TYPE_CHECKING:
    from scorer.features.caches import BoundedCache
    from scorer.features.tokens import SegTokens


def _words(*groups: str) -> frozenset[str]:
    return frozenset(w for g in groups for w in g.split())


SALUTATION = _words(
    "hi hello hey heya hiya howdy dear greetings hallo hei heisann heia heihei hoi morn morna "
    "hej hejsan hejhej tjena tjenare hallå halløj kjære kjaere kære kaere bäste bästa käre",
)
#: "god morgen", "good afternoon" … : time-of-day words that follow good/god/goddag.
TIME_OF_DAY = _words(
    "morning afternoon evening day morgen morgon dag ettermiddag eftermiddag kveld kväll "
    "aften formiddag förmiddag",
)
GOOD = _words("good god goddag godmorgen godkveld")
THANKS = _words("thanks thank thx ty takk tack tak tusen mange")
#: Stems/prefixes of what a welcome-thanks opener thanks for (contact, message, feedback).
CONTACT_PREFIXES = (
    "contact", "reach", "messag", "feedback", "kudos", "writ", "question", "inquir", "enquir",
    "email", "e-mail", "mail", "review", "note", "shout", "henvend", "kontakt", "meld",
    "tilbakemeld", "spørsmål", "spursmål", "hør", "hör", "skriv", "fråg", "recension",
    "omdøm", "anmeld", "mejl", "e-post", "epost", "tilbagemeld", "besked", "forespørs",
    "förfrågan", "ärende", "sak", "sporsmål", "spm", "input", "ros", "chat", "kontakte",
    "beskjed", "ifrå", "ifra", "letting", "tip", "tips", "kotakt", "henvendl", "mesas", "mesage",
    "påpek", "opplys", "upplys", "oplys", "reaching", "getting", "hør", "höra", "reply", "svar",
)
WELCOME = _words("welcome velkommen välkommen velkomen velkomme")
SIGNOFF = _words(
    "regards regard cheers sincerely best kind warm warmest wishes mvh hilsen hilsener helsing "
    "helsingar hälsningar hälsning hälsar hilsner venlig vennlig venleg vänliga vänlig "
    "bedste beste vh bh mvh. mvh, hälsn hilsen, hilsen. helsing, knus klem kram yours "
    "faithfully truly vänligen hilsener hilsninger hälsningar, soliga solrige",
)
WISH = _words(
    "have ha hav enjoy nice great good lovely wonderful fin fint fine trevlig trevligt god "
    "godt day dag weekend helg helga kveld kvell kväll aften evening night natt bra hope "
    "håper håpar hoppas håber hopefully helps hjelper hjalp hjelp hjälp hjælp hjælper "
    "hjälper fortsatt fortsat resten rest care safe stay speak talk travels happy "
    "shopping trip reise resa rejse tur lykke lycka lukke held luck gott godt soon snart "
    "respectfully allt alt",
)
OFFER = _words(
    "let know contact kontakt kontakte kontakta hesitate tøv nøl nøl tveka tvek feel free gjerne "
    "gärna gerne velkommen välkommen welcome anything else noe noko något noget mer meir mere "
    "fler flere further questions spørsmål spursmål frågor spørgsmål lurer undrar reach "
    "hör hør høyr av again igjen igen att back tilbage tilbake tillbaka vende vend återkomma",
)
CLOSING_THANKS = _words(
    "patience tålmodighet tålmodigheit tålamod tålmodighed understanding forståelse förståelse "
    "interest intresse interesse business support choosing valgt valt",
)
WHY = _words(
    "because cause caused due since reason reasons therefore so why fordi grunn grunnen "
    "ettersom sidan siden derfor difor dermed skyldes skuldast eftersom därför orsak orsaken "
    "beror beroende grund årsak årsaka årsaken årsagen skyldtes idet pga p.g.a følge följd "
    "grunnet grundet vegne result resultat as",
)
HOW = _words(
    "go click tap select choose open log sign settings press enter follow steps step menu "
    "page button tab link gå trykk trykke klikk klikke velg velge åpne opne logg logge "
    "innstillinger instillinger innstillingar meny knappen fanen side sida siden min mi mitt "
    "klicka tryck välj öppna logga inställningar menyn knappen sidan mina mitt klik tryk "
    "vælg åbn indstillinger menuen siden under via app appen appens the through gjennom "
    "genom gennem first then deretter etterpå sedan derefter først först scroll update "
    "oppdater uppdatera opdater restart start omstart starta genstart reset nullstill "
    "återställ nulstil download last ladda hent hämta installer installera",
)
NEXT = _words(
    "will we'll you'll i'll it'll shall shortly soon tomorrow within expect next week once "
    "vil skal kommer blir får innen innan inom inden snart imorgen morgen neste nästa næste "
    "uke veke vecka uge dager dagar dage døgn virkedager vyrkedagar arbeidsdagar arbetsdagar "
    "hverdage arbejdsdage bankdager bankdagar timer timar hours days business working "
    "refund refunded refusjon refundere återbetal återbetalning tilbakebetal tilbagebetal "
    "tilbakebetalt krediter kreditera kreditere sender send sendes skickas skickar sends "
    "ringer ringe ring call notify varsle meddela meddele besked e-post epost email mail "
    "når när then da så once after etter efter",
)
REQUEST = _words(
    "please pls could can would kindly dm pm send provide share confirm kan kunne vennligst "
    "venligst vänligen skicka sende send oppgi opplys oppgje bekreft bekräfta bekræft "
    "innboks inbox privat private melding meddelande besked",
)
_LEXICONS: tuple[tuple[str, frozenset[str]], ...] = (
    ("why", WHY), ("how", HOW), ("next", NEXT), ("req", REQUEST),
    ("sign", SIGNOFF), ("wish", WISH), ("offer", OFFER), ("cthx", CLOSING_THANKS),
    ("thx", THANKS), ("sal", SALUTATION),
)
#: "more/else/other" words of offers of further help, in all five languages.
OFFER_MORE = _words("else more mer meir mere fler flere andet annet anna annat noe noko något "
                    "noget")
CLOSING_WORDS = SIGNOFF | WISH | OFFER | THANKS | SALUTATION | CLOSING_THANKS
#: Words of contact, legal and footer lines ("Kundeservice", "Follow us", "Storgata 1").
CONTACT_LINE = _words(
    "kundeservice kundeservice, kundesenter kundesenteret kundesenter, kundtjänst kundservice "
    "kundecenter support team teamet customer service care confidential konfidensiell "
    "konfidentiell fortrolig postboks box tel tlf telefon phone mobile manager rådgiver "
    "rådgjevar rådgivare rådgiver kunderådgiver specialist adviser advisor agent sendt skickat "
    "sent fra från from iphone android åbent åpent öppet opening kundecenter öppettider "
    "åbningstider åpningstider opningstider skrev wrote attachments vardagar hverdage "
    "ltd as ab aps gate gata gade vej vei veg street road follow følg följ instagram "
    "facebook linkedin advisor skreiv videresendt vidaresendt vidarebefordrat forwarded "
    "original opprinnelig ursprungligt oprindelig",
)

#: Numbered or bulleted step at the start of a segment (used with .match(text)).
_STEP_RE = re.compile(r"\s*(?:\d{1,2}[.)]|[-*•]\s|step\s+\d|steg\s+\d|trinn\s+\d)", re.IGNORECASE)
_ARROW_RE = re.compile(r"→|->|=>|»| > ")
#: How signature lines start: "^AG", "*Kari", "/Kari", "- Kari", "~K".
SIG_START = ("^", "*", "/", "-", "–", "—", "~")
_URL_TOKENS = frozenset({"http", "https", "www"})


# --- one typo away ------------------------------------------------------------------------------

def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))} | {word}


#: One-deletion variants of every salutation: a first word sharing one with them is within
#: one typo (insertion, deletion, substitution or swap) of a salutation ("Hlelo", "Heii").
_SALUTATION_DELETES = frozenset(d for w in SALUTATION | WELCOME | {"greetings", "afternoon",
                                                                   "morning", "evening"}
                                for d in _deletes(w) if len(d) >= 2)
_SAL_PREFIXES = tuple(w for w in SALUTATION if len(w) >= 3)
_SAL_MAX_LEN = max(len(d) for d in _SALUTATION_DELETES) + 1
_CLOSE_DELETES = frozenset(d for w in SIGNOFF | WISH if len(w) >= 4 for d in _deletes(w)
                           if len(d) >= 3)
_CLOSE_MAX_LEN = max(len(d) for d in _CLOSE_DELETES) + 1  # see fuzzy_salutation


def fuzzy_salutation(word: str, memo: BoundedCache[tuple[str, str], bool]) -> bool:
    """True when `word` is a salutation up to one typo or a playful suffix ("hejsa", "heii")."""
    # A word more than one letter longer than every salutation is no typo of one; the bound
    # also keeps _deletes (quadratic in the word's length) off 100k-character "words".
    return len(word) <= _SAL_MAX_LEN and memo.call(("sal", word), _fuzzy_salutation, word)


def _fuzzy_salutation(word: str) -> bool:
    if word in SALUTATION:
        return True
    if len(word) >= 3 and (word.startswith(_SAL_PREFIXES) and len(word) <= 9):
        return True
    return len(word) >= 3 and not _deletes(word).isdisjoint(_SALUTATION_DELETES)


def fuzzy_closing_word(word: str, memo: BoundedCache[tuple[str, str], bool]) -> bool:
    """A sign-off/well-wish word up to one typo ("hisner", "Chees", "Hppy", "vnnlig")."""
    return 4 <= len(word) <= _CLOSE_MAX_LEN and memo.call(("close", word), _fuzzy_closing, word)


def _fuzzy_closing(word: str) -> bool:
    return not _deletes(word).isdisjoint(_CLOSE_DELETES)


# --- per token: cue bits ------------------------------------------------------------------------

#: Lexicon bits of a token (in _LEXICONS order), then "has a digit" and "is a URL scheme".
LEX_NAMES = [name for name, _ in _LEXICONS]
BIT_DIGIT = len(_LEXICONS)
BIT_URL = BIT_DIGIT + 1
N_BITS = BIT_URL + 1


def token_bits(tok: str) -> int:
    bits = 0
    for k, (_, lex) in enumerate(_LEXICONS):
        if tok in lex:
            bits |= 1 << k
    if any(c.isdigit() for c in tok):
        bits |= 1 << BIT_DIGIT
    if tok in _URL_TOKENS:
        bits |= 1 << BIT_URL
    return bits


# --- per segment: patterns and trailer lines -----------------------------------------------------

#: Columns of the pattern features a segment row carries.
P_ARROW, P_STEP, P_Q = (str_col("p:" + k) for k in ("arrow", "step", "q"))


def seg_flags(seg: SegTokens) -> tuple[int, ...]:
    """Columns of the segment's pattern features (arrow, numbered step, question)."""
    flags = seg.flags
    if flags is None:
        t = seg.text
        flags = seg.flags = tuple(col for col, hit in (
            (P_ARROW, _ARROW_RE.search(t) is not None), (P_STEP, _STEP_RE.match(t) is not None),
            (P_Q, t.endswith("?"))) if hit)
    return flags


def looks_like_signature(seg: SegTokens) -> bool:
    """Name/initials/team lines: "^AG", "/Kari", "Kari", "Kari Nordmann", "Team Support"."""
    text = seg.text
    if text.startswith(SIG_START) and len(seg.low) <= 4:
        return True
    return 0 < len(seg.low) <= 3 and all(t[:1].isupper() for t in seg.raw) and (
        CLOSING_WORDS.isdisjoint(seg.low)
    )


def is_trailer(seg: SegTokens) -> bool:
    """Whether the segment is a line after the agent's last sentence that is not the reply:
    a name, initials, emoji, a contact/legal/footer line. The closing head looks past them
    (LABELS: "before any signature"). Memoised on the (shared) segment object."""
    out = seg.trailer
    if out is None:
        out = seg.trailer = _is_trailer(seg)
    return out


def _is_trailer(seg: SegTokens) -> bool:
    low = seg.low
    if not low:
        return True
    text = seg.text
    if text.startswith(SIG_START) and len(low) <= 4:
        return True
    if not CLOSING_WORDS.isdisjoint(low):
        return False
    capitalised = sum(1 for t in seg.raw if t[:1].isupper() or not t[:1].isalpha())
    if len(low) <= 3 and not text.endswith(("?", ".", "!")) and capitalised == len(low):
        return True  # "Kari", "Team Support"; not a lower-case chat line like "det er sendt"
    if PHONE_RE.search(text) or EMAIL_RE.search(text) or URL_RE.search(text):
        return len(low) <= 12
    # Footer words ("Kundeservice", "Follow us", "Storgata 1") count only on lines shaped
    # like footers, so "pakken er på vei" or "Det er sendt." stay the reply's ending.
    footer_shaped = any(ch.isdigit() for ch in text) or "|" in text or ":" in text or (
        2 * capitalised >= len(low))
    return len(low) <= 10 and footer_shaped and not CONTACT_LINE.isdisjoint(low)


def signoff_line(seg: SegTokens, memo: BoundedCache[tuple[str, str], bool]) -> bool:
    """A short line that opens with a sign-off word, up to one typo ("Kind rgeards,")."""
    low = seg.low
    return 0 < len(low) <= 8 and any(w in SIGNOFF or fuzzy_closing_word(w, memo) for w in low[:3])
