"""Feature extraction for the reply-quality model, done in batch and in plain Python.

Why this shape:
- Every feature is a short string ("w:hei", "f2:hei_<C>", "c3:vh ") that a stateless
  `sklearn.feature_extraction.FeatureHasher` turns into sparse columns. No vocabulary is
  fitted, so the artifact holds only plain sklearn estimators, and hashing runs in C.
- Each body segment is tokenised ONCE; its bag-of-words/stems/lexicon features form one
  row of a segment matrix. The explanation view is the sum of a reply's segment rows
  (so the same linear weights also score single segments, which gives the evidence span),
  the greeting view adds the FIRST segment's row to opener features, and the closing view
  adds the LAST segment's row to ending features.
- Features aim to generalise beyond the training templates: lower-cased tokens and
  Snowball stems per language (NLTK), positional features of the first/last tokens with
  capitalised words (names) collapsed to a shape, character 3-grams of the opener/ending
  (robust to typos and inflection), and small cue lexicons for all five languages.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from nltk.stem.snowball import SnowballStemmer
from nltk.tokenize import RegexpTokenizer
from sklearn.feature_extraction import FeatureHasher

from scorer.text import Prepared

#: Hash space per view. 2**18 keeps collisions rare for our vocabulary size while the
#: three coefficient vectors stay small enough to ship in the repository.
N_FEATURES = 2**18

#: Word tokens (with inner hyphens/apostrophes: "e-post", "don't"); symbols are dropped,
#: punctuation and emoji are read from the raw segment text where they matter.
TOKENIZER = RegexpTokenizer(r"\w+(?:['’-]\w+)*")
#: NLTK wraps its compiled pattern in a ReDoS timer that costs more than the matching on
#: short texts; the pattern is linear, so the hot path uses it compiled plainly.
_TOKEN_FINDALL = re.compile(TOKENIZER._pattern, re.UNICODE | re.MULTILINE | re.DOTALL).findall

_STEMMER_LANG = {"nb": "norwegian", "nn": "norwegian", "sv": "swedish", "da": "danish",
                 "en": "english"}
_STEMMERS = {lang: SnowballStemmer(name) for lang, name in _STEMMER_LANG.items()}
_STEM_CACHE: dict[str, dict[str, str]] = {lang: {} for lang in _STEMMER_LANG}
_STEM_CACHE_MAX = 200_000


def tokenize(text: str) -> list[str]:
    """NLTK regexp tokenisation (needs no downloaded data, unlike punkt)."""
    return _TOKEN_FINDALL(text)


def stem(lang: str, word: str) -> str:
    """Snowball stem of a lower-cased word, cached per language (stemming is the slow part)."""
    cache = _STEM_CACHE.get(lang)
    if cache is None:
        lang, cache = "en", _STEM_CACHE["en"]
    out = cache.get(word)
    if out is None:
        out = _STEMMERS[lang].stem(word)
        if len(cache) < _STEM_CACHE_MAX:
            cache[word] = out
    return out


# --- Cue lexicons (language knowledge; the model learns how much each one counts) ------------

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
    "shopping trip reise resa rejse tur",
)
OFFER = _words(
    "let know contact kontakt kontakte kontakta hesitate tøv nøl nøl tveka tvek feel free gjerne "
    "gärna gerne velkommen välkommen welcome anything else noe noko något noget mer meir mere "
    "fler flere further questions spørsmål spursmål frågor spørgsmål lurer undrar reach "
    "hör hør høyr av again igjen igen att",
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


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))} | {word}


#: One-deletion variants of every salutation: a first word sharing one with them is within
#: one typo (insertion, deletion, substitution or swap) of a salutation ("Hlelo", "Heii").
_SALUTATION_DELETES = frozenset(d for w in SALUTATION | WELCOME | {"greetings", "afternoon",
                                                                   "morning", "evening"}
                                for d in _deletes(w) if len(d) >= 2)
_SAL_PREFIXES = tuple(w for w in SALUTATION if len(w) >= 3)
_SAL_MAX_LEN = max(len(d) for d in _SALUTATION_DELETES) + 1


_FUZZY_CACHE: dict[tuple[str, str], bool] = {}


def _cached(kind: str, word: str, fn: Callable[[str], bool]) -> bool:
    key = (kind, word)
    out = _FUZZY_CACHE.get(key)
    if out is None:
        out = fn(word)
        if len(_FUZZY_CACHE) < _STEM_CACHE_MAX:
            _FUZZY_CACHE[key] = out
    return out


def fuzzy_salutation(word: str) -> bool:
    """True when `word` is a salutation up to one typo or a playful suffix ("hejsa", "heii")."""
    # A word more than one letter longer than every salutation is no typo of one; the bound
    # also keeps _deletes (quadratic in the word's length) off 100k-character "words".
    return len(word) <= _SAL_MAX_LEN and _cached("sal", word, _fuzzy_salutation)


def _fuzzy_salutation(word: str) -> bool:
    if word in SALUTATION:
        return True
    if len(word) >= 3 and (word.startswith(_SAL_PREFIXES) and len(word) <= 9):
        return True
    return len(word) >= 3 and not _deletes(word).isdisjoint(_SALUTATION_DELETES)


_DIGIT_RE = re.compile(r"\d")
_URL_RE = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_STEP_RE = re.compile(r"^\s*(?:\d{1,2}[.)]|[-*•]\s|step\s+\d|steg\s+\d|trinn\s+\d)", re.IGNORECASE)
_ARROWS = ("→", "->", "=>", "»", " > ")
_SIG_START = ("^", "*", "/", "-", "–", "—", "~")


def _shape(tok: str, i: int) -> str:
    """Positional token: lower-cased, but capitalised words after the first become <C>.

    A capitalised word right after "Hei"/"Dear" is nearly always a name; collapsing it
    keeps the model from memorising the corpus's names.
    """
    if i > 0 and tok[:1].isupper() and tok.isalpha():
        return "<C>"
    return tok.lower()


@dataclass(slots=True)
class _SegTokens:
    raw: list[str]          # word tokens as written
    low: list[str]          # lower-cased word tokens
    text: str               # segment text


def _segment_tokens(text: str) -> _SegTokens:
    raw = _TOKEN_FINDALL(text)
    return _SegTokens(raw, [t.lower() for t in raw], text)


def _bag(seg: _SegTokens, lang: str) -> list[str]:
    """Bag features of one segment: words, stems, word bigrams, cue lexicons, patterns."""
    low = seg.low
    feats = ["w:" + w for w in low]
    feats.extend("s:" + stem(lang, w) for w in low)
    feats.extend("b:" + a + "_" + b for a, b in itertools.pairwise(low))
    present = set(low)
    for name, lex in _LEXICONS:
        hits = present & lex
        if hits:
            feats.append("x:" + name)
            if len(hits) > 1:
                feats.append("x2:" + name)
    text = seg.text
    if _DIGIT_RE.search(text):
        feats.append("p:digit")
    if _URL_RE.search(text):
        feats.append("p:url")
        if len(low) <= 6:
            feats.append("p:url_only")
    if any(a in text for a in _ARROWS):
        feats.append("p:arrow")
    if _STEP_RE.match(text):
        feats.append("p:step")
    stripped = text.rstrip()
    if stripped.endswith("?"):
        feats.append("p:q")
    n = len(low)
    feats.append("n:" + ("0" if n == 0 else "1" if n == 1 else "2-3" if n <= 3 else
                         "4-7" if n <= 7 else "8-15" if n <= 15 else "16+"))
    return feats


def _char_ngrams(prefix: str, text: str, n: int = 3) -> list[str]:
    s = " " + " ".join(text.lower().split()) + " "
    return [prefix + s[i:i + n] for i in range(len(s) - n + 1)]


def _first_name(customer_name: str | None) -> str | None:
    if not customer_name:
        return None
    parts = customer_name.split()
    return parts[0].lower() if parts else None


def _opener_feats(seg: _SegTokens, nxt: _SegTokens | None, lang: str, name: str | None,
                  n_segs: int) -> list[str]:
    """Features of the first body segment that say "this opens with a greeting"."""
    raw, low = seg.raw, seg.low
    shaped = [_shape(t, i) for i, t in enumerate(raw[:4])]
    feats = ["lang:" + lang]
    if not shaped:
        feats.append("g:empty")
        return feats
    feats.append("f1:" + shaped[0])
    feats.append("fs1:" + stem(lang, low[0]))
    feats.append("fl1:" + lang + ":" + shaped[0])
    if len(shaped) > 1:
        feats.append("f2:" + shaped[0] + "_" + shaped[1])
        feats.append("fs2:" + stem(lang, low[0]) + "_" + stem(lang, low[1]))
    if len(shaped) > 2:
        feats.append("f3:" + "_".join(shaped[:3]))
    feats.extend("g:" + w for w in low[:8])
    feats.extend("gs:" + stem(lang, w) for w in low[:8])
    feats.extend(_char_ngrams("gc:", seg.text[:32]))
    # What follows the first word: "Hei," / "Hei!" / "Hei Ola" / "Hei og…".
    text = seg.text
    after = text[len(raw[0]):].lstrip()[:1] if text.startswith(raw[0]) else ""
    feats.append("p1:" + (after if after and not after.isalnum() else "w"))
    first = low[0]
    feats.extend(_char_ngrams("fc:", first, 2))
    if first in SALUTATION:
        feats.append("g:sal_first")
    elif fuzzy_salutation(first):
        feats.append("g:sal_fuzzy")
    if first in WELCOME or (len(low) > 1 and low[1] in WELCOME):
        feats.append("g:welcome")
    if any(w in SALUTATION for w in low[2:]):
        feats.append("g:sal_inside")
    if first in GOOD and len(low) > 1 and low[1] in TIME_OF_DAY:
        feats.append("g:good_time")
    if first in THANKS or (len(low) > 1 and low[1] in THANKS):
        feats.append("g:thx_first")
        if any(w.startswith(CONTACT_PREFIXES) for w in low[1:8]):
            feats.append("g:thx_contact")
        elif set(low[1:8]) & CLOSING_THANKS:
            feats.append("g:thx_patience")
        else:
            feats.append("g:thx_other")
    if name:
        if first == name:
            feats.append("g:name_first")
        elif name in low[1:4]:
            feats.append("g:name_early")
    n = len(low)
    feats.append("gn:" + ("1" if n == 1 else "2-3" if n <= 3 else "4-7" if n <= 7 else "8+"))
    if text.rstrip().endswith("?"):
        feats.append("g:q")
    if n_segs == 1:
        feats.append("g:only")
    if nxt is not None and nxt.low:
        feats.append("gx1:" + _shape(nxt.raw[0], 0))
    return feats


def _looks_like_signature(seg: _SegTokens) -> bool:
    """Name/initials/team lines: "^AG", "/Kari", "Kari", "Kari Nordmann", "Team Support"."""
    text = seg.text.strip()
    if text.startswith(_SIG_START) and len(seg.low) <= 4:
        return True
    return 0 < len(seg.raw) <= 3 and all(t[:1].isupper() for t in seg.raw) and (
        not (set(seg.low) & (SIGNOFF | WISH | OFFER | THANKS | SALUTATION))
    )


_PHONE_RE = re.compile(r"(?:\+?\d[\d \-]{5,}\d)")
_EMAIL_RE = re.compile(r"\S+@\S+\.\w+")
_CONTACT_LINE = _words(
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
_CLOSING_WORDS = SIGNOFF | WISH | OFFER | THANKS | SALUTATION | CLOSING_THANKS


_CLOSE_DELETES = frozenset(d for w in SIGNOFF | WISH if len(w) >= 4 for d in _deletes(w)
                           if len(d) >= 3)
_CLOSE_MAX_LEN = max(len(d) for d in _CLOSE_DELETES) + 1  # see fuzzy_salutation


def fuzzy_closing_word(word: str) -> bool:
    """A sign-off/well-wish word up to one typo ("hisner", "Chees", "Hppy", "vnnlig")."""
    return 4 <= len(word) <= _CLOSE_MAX_LEN and _cached("close", word, _fuzzy_closing)


def _fuzzy_closing(word: str) -> bool:
    return not _deletes(word).isdisjoint(_CLOSE_DELETES)


def _is_trailer(seg: _SegTokens) -> bool:
    """Lines after the agent's last sentence that are not the reply: names, initials, emoji,
    contact/legal lines. The closing model looks past them (LABELS: "before any signature")."""
    low = seg.low
    if not low:
        return True
    text = seg.text.strip()
    if text.startswith(_SIG_START) and len(low) <= 4:
        return True
    hits = set(low) & _CLOSING_WORDS
    if hits:
        return False
    if len(low) <= 3 and not text.endswith(("?", ".")):
        return True
    if _PHONE_RE.search(text) or _EMAIL_RE.search(text) or _URL_RE.search(text):
        return len(low) <= 10
    return len(low) <= 8 and bool(set(low) & _CONTACT_LINE)


def _first_line(plain: str, start: int, end: int) -> tuple[int, int]:
    """Span of the first non-blank line inside plain[start:end], stripped."""
    for m in re.finditer(r"[^\n]+", plain[start:end]):
        line = m.group()
        if line.strip():
            a = start + m.start() + (len(line) - len(line.lstrip()))
            return a, start + m.start() + len(line.rstrip())
    return start, start


def _signoff_line(seg: _SegTokens) -> bool:
    """A short line that opens with a sign-off word, up to one typo ("Kind rgeards,")."""
    low = seg.low
    return 0 < len(low) <= 8 and any(w in SIGNOFF or fuzzy_closing_word(w) for w in low[:3])


def closing_index(segs: Sequence[_SegTokens]) -> int:
    """Index of the segment that would carry a closing: the last one before trailer lines."""
    i = len(segs) - 1
    while i > 0 and len(segs) - 1 - i < 4 and _is_trailer(segs[i]):
        i -= 1
    return i


def _ending_feats(seg: _SegTokens, prev: _SegTokens | None, sig: _SegTokens | None, lang: str,
                  name: str | None, n_segs: int) -> list[str]:
    """Features of the last body segment (and what surrounds it) for the closing model."""
    raw, low = seg.raw, seg.low
    feats = ["lang:" + lang]
    if not low:
        feats.append("c:empty")
    else:
        shaped = [_shape(t, i) for i, t in enumerate(raw[:3])]
        feats.append("lf1:" + shaped[0])
        feats.append("lfs1:" + stem(lang, low[0]))
        feats.append("lfl1:" + lang + ":" + shaped[0])
        if len(shaped) > 1:
            feats.append("lf2:" + shaped[0] + "_" + shaped[1])
        if len(shaped) > 2:
            feats.append("lf3:" + "_".join(shaped))
        feats.append("ll1:" + low[-1])
        feats.append("lls1:" + stem(lang, low[-1]))
        if len(low) > 1:
            feats.append("ll2:" + low[-2] + "_" + low[-1])
        feats.extend("cs:" + stem(lang, w) for w in low[:12])
        feats.extend(_char_ngrams("cc:", seg.text[:24]))
        feats.extend(_char_ngrams("ce:", seg.text[-24:]))
        n = len(low)
        feats.append("cn:" + ("1" if n == 1 else "2-3" if n <= 3 else "4-7" if n <= 7 else
                              "8-15" if n <= 15 else "16+"))
        if low[0] in THANKS or (len(low) > 1 and low[1] in THANKS):
            feats.append("c:thx_first")
            if any(w.startswith(CONTACT_PREFIXES) for w in low[1:8]):
                feats.append("c:thx_contact")
        if _looks_like_signature(seg):
            feats.append("c:siglike")
        if any(fuzzy_closing_word(w) for w in low[:3]):
            feats.append("c:fuzzy_close")
        if name and name in low:
            feats.append("c:name")
    end = seg.text.rstrip()[-1:]
    feats.append("ce:" + (end if end and not end.isalnum() else "w"))
    if n_segs == 1:
        feats.append("c:only")
    if prev is not None and prev.low:
        feats.extend("cp:" + w for w in prev.low[:8])
        feats.append("cpf1:" + _shape(prev.raw[0], 0))
        feats.append("cpl1:" + prev.low[-1])
        feats.append("cpe:" + (prev.text.rstrip()[-1:] or "w"))
    if sig is not None:
        feats.append("c:sig")
        if sig.low:
            feats.append("csg1:" + _shape(sig.raw[0], 0))
            if set(sig.low[:4]) & SIGNOFF or any(fuzzy_closing_word(w) for w in sig.low[:3]):
                feats.append("csg:signoff")
                feats.extend("csw:" + w for w in sig.low[:4])
            feats.extend(_char_ngrams("csc:", sig.text[:20]))
    return feats


def _global_feats(segs: list[_SegTokens], lang: str, word_count: int) -> list[str]:
    """Reply-level features for the explanation view (added to the sum of segment bags)."""
    n = len(segs)
    feats = ["lang:" + lang,
             "ns:" + ("0" if n == 0 else "1" if n == 1 else "2" if n == 2 else
                      "3-4" if n <= 4 else "5+")]
    steps = sum(1 for s in segs if _STEP_RE.match(s.text))
    if steps >= 2:
        feats.append("e:steps")
    q = sum(1 for s in segs if s.text.rstrip().endswith("?"))
    if n and q == n:
        feats.append("e:all_q")
    feats.append("wc:" + ("0" if word_count == 0 else "1-5" if word_count <= 5 else
                          "6-12" if word_count <= 12 else "13-30" if word_count <= 30 else
                          "31+"))
    return feats


@dataclass(slots=True)
class FeatureBatch:
    """Sparse feature matrices for one batch of replies, plus segment bookkeeping.

    `seg_owner[j]` is the reply index of segment row j of `segments`; `first`/`last`
    give each reply's first/last segment row index (-1 when the body has no segment);
    `closing_span[i]` is the (start, end) in `plain` of the line read as the reply's ending
    (-1, -1 when there is none).
    """

    greeting: sp.csr_matrix
    explanation: sp.csr_matrix
    closing: sp.csr_matrix
    segments: sp.csr_matrix
    seg_owner: np.ndarray
    first: np.ndarray
    last: np.ndarray
    closing_span: np.ndarray


_HASHER = FeatureHasher(n_features=N_FEATURES, input_type="string", alternate_sign=False)


def hasher() -> FeatureHasher:
    return _HASHER


def extract(prepared: Sequence[Prepared], languages: Sequence[str],
            customer_names: Sequence[str | None],
            word_counts: Sequence[int] | None = None) -> FeatureBatch:
    """Build the three views for a batch. One tokenisation per segment, one hash call per view.

    `word_counts` may pass the `Prepared.word_count` values the caller already computed.
    """
    n = len(prepared)
    seg_docs: list[list[str]] = []
    seg_owner: list[int] = []
    first = np.full(n, -1, dtype=np.int64)
    last = np.full(n, -1, dtype=np.int64)
    close_seg = np.full(n, -1, dtype=np.int64)
    close_span = np.full((n, 2), -1, dtype=np.int64)
    greet_docs: list[list[str]] = []
    close_docs: list[list[str]] = []
    glob_docs: list[list[str]] = []
    for i, (p, lang, cname) in enumerate(zip(prepared, languages, customer_names, strict=True)):
        segs = [_segment_tokens(p.plain[a:b]) for a, b in p.segments]
        name = _first_name(cname)
        if segs:
            first[i] = len(seg_docs)
            last[i] = len(seg_docs) + len(segs) - 1
            for s in segs:
                seg_docs.append(_bag(s, lang))
                seg_owner.append(i)
            greet_docs.append(_opener_feats(segs[0], segs[1] if len(segs) > 1 else None, lang,
                                            name, len(segs)))
        else:
            greet_docs.append(["lang:" + lang, "g:empty"])
        sig = None
        sig_span: tuple[int, int] | None = None
        if p.signature is not None:
            sig_span = _first_line(p.plain, *p.signature)
            sig = _segment_tokens(p.plain[sig_span[0]:sig_span[1]])
        if segs and sig is not None and sig_span is not None and _signoff_line(sig):
            # A sign-off that the preprocessor kept with the signature ("Kind regards,\nTom"
            # as one block) is still the reply's closing line: read it as the ending.
            close_span[i] = sig_span
            doc = _ending_feats(sig, segs[-1], None, lang, name, len(segs) + 1)
            doc.append("c:from_sig")
            close_docs.append(doc)
        elif segs:
            ci = closing_index(segs)
            close_seg[i] = ci
            close_span[i] = p.segments[ci]
            doc = _ending_feats(segs[ci], segs[ci - 1] if ci > 0 else None, sig, lang, name,
                                len(segs))
            skipped = len(segs) - 1 - ci
            if skipped:
                doc.append("c:skip" + str(min(skipped, 3)))
                tail = segs[-1]
                doc.append("rl1:" + (_shape(tail.raw[0], 0) if tail.low else "<none>"))
            close_docs.append(doc)
        else:
            close_docs.append(["lang:" + lang, "c:empty"] + (["c:sig"] if sig else []))
        glob_docs.append(_global_feats(segs, lang, p.word_count if word_counts is None
                                       else word_counts[i]))

    h = _HASHER
    seg_x = h.transform(seg_docs) if seg_docs else sp.csr_matrix((0, N_FEATURES))
    seg_x = sp.csr_matrix(seg_x, dtype=np.float64)
    owner = np.asarray(seg_owner, dtype=np.int64)
    # Reply x segment aggregation matrix: explanation bag = sum of the reply's segment rows,
    # squashed with log1p so a word repeated in five sentences does not count five times.
    agg = sp.csr_matrix((np.ones(len(owner)), (owner, np.arange(len(owner)))),
                        shape=(n, len(owner)))
    bag = (agg @ seg_x).tocsr()
    bag.data = np.log1p(bag.data)
    explanation = (bag + h.transform(glob_docs)).tocsr()

    def pick(idx: np.ndarray) -> sp.csr_matrix:
        has = idx >= 0
        rows = np.nonzero(has)[0]
        sel = sp.csr_matrix((np.ones(len(rows)), (rows, idx[has])), shape=(n, len(owner)))
        return (sel @ seg_x).tocsr()

    greeting = (pick(first) + h.transform(greet_docs)).tocsr()
    closing_row = np.where(close_seg >= 0, first + close_seg, -1)
    closing = (pick(closing_row) + h.transform(close_docs)).tocsr()
    return FeatureBatch(greeting, explanation, closing, seg_x, owner, first, last, close_span)
