"""Feature extraction for the reply-quality model, done per batch with numpy doing the hashing.

Why this shape:
- Every feature is a column of a 2**18-wide hashed space per view; no vocabulary is fitted,
  so the artifact holds only plain sklearn estimators.
- Speed (issue 6: the streaming scorer must handle > 10,000 short replies/s on one core) is
  bought by doing per-token work ONCE per distinct token, not once per occurrence: a bounded
  per-language vocabulary maps each lower-cased token to an id with precomputed 64-bit hashes
  of the token and of its Snowball stem and a bit mask of the cue lexicons it belongs to
  (vocabulary is Zipfian, so after warm-up nearly every token is a dict hit). Per batch the
  tokens of all segments form one id array, and every token feature (word, stem, bigram,
  "first 8 words of the opener", ...) is computed for the whole batch with a few numpy
  operations; character n-grams of openers/endings are hashed the same way from a code-point
  array. Only the handful of per-reply flag features ("g:sal_first", "c:from_sig", ...) are
  Python strings, hashed through a bounded dict.
- Each body segment is tokenised ONCE; its bag of words/stems/bigrams/lexicon hits forms one
  row of a segment matrix. The explanation view is the sum of a reply's segment rows (so the
  same linear weights also score single segments, which gives the evidence span), the
  greeting view adds the FIRST segment's row to opener features, and the closing view adds
  the row of the segment read as the ending to ending features.
- Features aim to generalise beyond the training templates: lower-cased tokens and Snowball
  stems per language (NLTK), positional features of the first/last tokens with capitalised
  words (names) collapsed to a shape, character n-grams of the opener/ending (robust to typos
  and inflection), typo-tolerant salutation/sign-off cues and small cue lexicons for all five
  languages.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np
import scipy.sparse as sp
from nltk.stem.snowball import SnowballStemmer
from nltk.tokenize import RegexpTokenizer
from sklearn.utils import murmurhash3_32

from scorer.text import Prepared

#: Hash space per view. 2**18 keeps collisions rare for our vocabulary size while the
#: three coefficient vectors stay small enough to ship in the repository.
N_FEATURES = 2**18
_MASK = np.uint64(N_FEATURES - 1)

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
#: Bound of every per-token cache (stems, fuzzy checks, vocabulary, string features): a
#: stream of random strings cannot grow memory without limit. On never-repeating text a
#: scoring process levels off at ~335 MB with these bounds and the segment cache's, and
#: grew past 600 MB with 200k (bench/cache_memory.py); the corpus needs ~17k entries.
_CACHE_MAX = 50_000


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
        # Snowball is recursive-free but slow; a 100k-char "word" is not a word anyway.
        out = _STEMMERS[lang].stem(word) if len(word) <= 40 else word
        if len(cache) < _CACHE_MAX:
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
        if len(_FUZZY_CACHE) < _CACHE_MAX:
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




_URL_RE = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
#: Numbered or bulleted step at the start of a segment (used with .match(text)).
_STEP_RE = re.compile(r"\s*(?:\d{1,2}[.)]|[-*•]\s|step\s+\d|steg\s+\d|trinn\s+\d)", re.IGNORECASE)
_ARROW_RE = re.compile(r"→|->|=>|»| > ")
_SIG_START = ("^", "*", "/", "-", "–", "—", "~")
_URL_TOKENS = frozenset({"http", "https", "www"})


# --- hashing -----------------------------------------------------------------------------------

_U = np.uint64
_M1 = _U(0xBF58476D1CE4E5B9)
_M2 = _U(0x94D049BB133111EB)
_P = _U(0x100000001B3)


def _h64(s: str) -> int:
    """A 64-bit hash of a string from two murmurhash3 seeds (stable across processes)."""
    return (murmurhash3_32(s, seed=0, positive=True) << 32) | murmurhash3_32(s, seed=1,
                                                                              positive=True)


def _salt(family: str) -> np.uint64:
    return _U(_h64("family\0" + family))


def _cols(h: np.ndarray, salt: np.uint64) -> np.ndarray:
    """Column of feature (family, value hash) for a uint64 array of value hashes (splitmix64)."""
    x = h ^ salt
    x = (x ^ (x >> _U(30))) * _M1
    x = (x ^ (x >> _U(27))) * _M2
    x ^= x >> _U(31)
    return (x & _MASK).astype(np.int64)


_STR_COL: dict[str, int] = {}


def _str_col(feat: str) -> int:
    """Column of a string feature ("g:sal_first", "lf1:hei"), cached in a bounded dict."""
    col = _STR_COL.get(feat)
    if col is None:
        col = int(_cols(np.array([_h64(feat)], dtype=_U), _STR_SALT)[0])
        if len(_STR_COL) < _CACHE_MAX:
            _STR_COL[feat] = col
    return col


_STR_SALT = _salt("str")


def _str_cols_many(feats: list[str]) -> list[int]:
    """`_str_col` of many strings with ONE numpy pass (the per-call array setup of
    `_str_col` costs ~10x the hashing; first-seen strings such as names come by the
    hundred per batch)."""
    if not feats:
        return []
    h = np.fromiter(map(_h64, feats), dtype=_U, count=len(feats))
    cols = _cols(h, _STR_SALT).tolist()
    if len(_STR_COL) + len(feats) <= _CACHE_MAX:
        _STR_COL.update(zip(feats, cols, strict=True))
    return cols


# --- the token vocabulary ------------------------------------------------------------------------

#: Lexicon bits of a token (in _LEXICONS order), then "has a digit" and "is a URL scheme".
_LEX_NAMES = [name for name, _ in _LEXICONS]
_BIT_DIGIT = len(_LEXICONS)
_BIT_URL = _BIT_DIGIT + 1
_N_BITS = _BIT_URL + 1


def _token_bits(tok: str) -> int:
    bits = 0
    for k, (_, lex) in enumerate(_LEXICONS):
        if tok in lex:
            bits |= 1 << k
    if any(c.isdigit() for c in tok):
        bits |= 1 << _BIT_DIGIT
    if tok in _URL_TOKENS:
        bits |= 1 << _BIT_URL
    return bits


class _Vocab:
    """Lower-cased token -> id per language; per id: token hash, stem hash, lexicon bits.

    Bounded: when it holds more than _CACHE_MAX tokens it is cleared between batches (ids
    are only meaningful within one batch's arrays, so clearing is always safe).
    """

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        #: Bumped by every clear: segments remember the generation their ids belong to.
        self.generation = getattr(self, "generation", -1) + 1
        self.ids: dict[str, dict[str, int]] = {lang: {} for lang in _STEMMER_LANG}
        self.tok = np.zeros(4096, dtype=_U)
        self.stem = np.zeros(4096, dtype=_U)
        self.bits = np.zeros(4096, dtype=np.int64)
        self.n = 0

    def table(self, lang: str) -> dict[str, int]:
        """The language's own table: a token's stem depends on the language, so sharing
        tables would make a reply's features depend on what the process saw before."""
        table = self.ids.get(lang)
        return self.ids["en"] if table is None else table

    def add(self, lang: str, tok: str) -> int:
        """Id of a token not in the table yet (the slow path: stem, hashes, lexicons)."""
        table = self.table(lang)
        if self.n == len(self.tok):
            for name in ("tok", "stem", "bits"):
                arr = getattr(self, name)
                setattr(self, name, np.concatenate([arr, np.zeros_like(arr)]))
        i = self.n
        self.tok[i] = _h64(tok)
        self.stem[i] = _h64(stem(lang if lang in _STEMMER_LANG else "en", tok))
        self.bits[i] = _token_bits(tok)
        self.n += 1
        table[tok] = i
        return i


_VOCAB = _Vocab()


# --- per-segment tokens ------------------------------------------------------------------------


@dataclass(slots=True)
class _SegTokens:
    """One segment: its text, lower-cased tokens and (lazily) the tokens as written.

    Everything here is a function of `text` alone, so one object is shared by every reply
    that contains the same segment (see `_segment_tokens`), and the per-segment results
    that depend only on the text (and the language) are memoised on it: the opener and
    ending features that involve no other segment, the trailer test and the pattern flags.
    Customer-service replies repeat their openers, sign-offs and stock sentences
    ("Med vennlig hilsen", "Ha en fin dag!"), so these are mostly hits.
    """

    text: str
    low: list[str]
    _raw: list[str] | None = None
    _trailer: bool | None = None
    _flags: tuple[int, ...] | None = None
    _core: dict[tuple[str, str], list[str]] | None = None
    _ids: tuple[int, int, list[int]] | None = None  # (vocab generation, id(table), ids)

    @property
    def raw(self) -> list[str]:
        if self._raw is None:
            raw = _TOKEN_FINDALL(self.text)
            # Lower-casing can change a token's length ("İ"); keep positions aligned.
            self._raw = raw if len(raw) == len(self.low) else self.low
        return self._raw


#: Segments longer than this are not memoised: they rarely recur, and the bound (with
#: _SEG_CACHE_MAX) keeps the cache's memory small (~20k short strings and token lists).
_SEG_CACHE_CHARS = 200
_SEG_CACHE_MAX = 20_000
_SEG_CACHE: dict[str, _SegTokens] = {}


def _segment_tokens(text: str) -> _SegTokens:
    """The segment object of `text`, shared between replies with the same segment text."""
    seg = _SEG_CACHE.get(text)
    if seg is None:
        seg = _SegTokens(text, _TOKEN_FINDALL(text.lower()))
        if len(text) <= _SEG_CACHE_CHARS:
            if len(_SEG_CACHE) >= _SEG_CACHE_MAX:
                _SEG_CACHE.clear()  # a drifting stream refills it with what recurs now
            _SEG_CACHE[text] = seg
    return seg


def _seg_flags(seg: _SegTokens) -> tuple[int, ...]:
    """Columns of the segment's pattern features (arrow, numbered step, question)."""
    flags = seg._flags
    if flags is None:
        t = seg.text
        flags = seg._flags = tuple(col for col, hit in (
            (_P_ARROW, _ARROW_RE.search(t) is not None), (_P_STEP, _STEP_RE.match(t) is not None),
            (_P_Q, t.endswith("?"))) if hit)
    return flags


def _shape(tok: str, i: int) -> str:
    """Positional token: lower-cased, but capitalised words after the first become <C>.

    A capitalised word right after "Hei"/"Dear" is nearly always a name; collapsing it
    keeps the model from memorising the corpus's names.
    """
    if i > 0 and tok[:1].isupper() and tok.isalpha():
        return "<C>"
    return tok.lower()


def _first_name(customer_name: str | None) -> str | None:
    if not customer_name:
        return None
    parts = customer_name.split()
    return parts[0].lower() if parts else None


def _bucket(n: int, edges: tuple[int, ...], names: tuple[str, ...]) -> str:
    for edge, name in zip(edges, names, strict=False):
        if n <= edge:
            return name
    return names[-1]


# --- opener (greeting view) -------------------------------------------------------------------


def _opener_feats(seg: _SegTokens, nxt: _SegTokens | None, lang: str, name: str | None,
                  n_segs: int) -> list[str]:
    """Flag/positional features of the opener (token and char n-gram features come in bulk).

    The part that depends only on the segment and the language is memoised on the segment;
    the rest (customer name, segment count, next segment) is added per reply. Feature order
    does not matter: the columns are summed into a sparse row.
    """
    key = ("o", lang)
    core = seg._core.get(key) if seg._core is not None else None
    if core is None:
        core = _opener_core(seg, lang)
        if seg._core is None:
            seg._core = {}
        seg._core[key] = core
    low = seg.low
    if not low:
        return core
    feats = core.copy()
    if name:
        if low[0] == name:
            feats.append("g:name_first")
        elif name in low[1:4]:
            feats.append("g:name_early")
    if n_segs == 1:
        feats.append("g:only")
    if nxt is not None and nxt.low:
        feats.append("gx1:" + _shape(nxt.raw[0], 0))
    return feats


def _opener_core(seg: _SegTokens, lang: str) -> list[str]:
    """The opener features that are a function of (segment text, language) alone."""
    low = seg.low
    feats = ["lang:" + lang]
    if not low:
        feats.append("g:empty")
        return feats
    raw = seg.raw
    shaped = [_shape(t, i) for i, t in enumerate(raw[:3])]
    s0 = stem(lang, low[0])
    feats.append("f1:" + shaped[0])
    feats.append("fs1:" + s0)
    feats.append("fl1:" + lang + ":" + shaped[0])
    if len(shaped) > 1:
        feats.append("f2:" + shaped[0] + "_" + shaped[1])
        feats.append("fs2:" + s0 + "_" + stem(lang, low[1]))
    if len(shaped) > 2:
        feats.append("f3:" + "_".join(shaped))
    # What follows the first word: "Hei," / "Hei!" / "Hei Ola" / "Hei og…".
    text = seg.text
    after = text[len(raw[0]):].lstrip()[:1] if text.startswith(raw[0]) else ""
    feats.append("p1:" + (after if after and not after.isalnum() else "w"))
    first = low[0]
    if first in SALUTATION:
        feats.append("g:sal_first")
    elif fuzzy_salutation(first):
        feats.append("g:sal_fuzzy")
    second = low[1] if len(low) > 1 else ""
    if first in WELCOME or second in WELCOME:
        feats.append("g:welcome")
    if any(w in SALUTATION for w in low[2:8]):
        feats.append("g:sal_inside")
    if first in GOOD and second in TIME_OF_DAY:
        feats.append("g:good_time")
    if first in THANKS or second in THANKS:
        feats.append("g:thx_first")
        if any(w.startswith(CONTACT_PREFIXES) for w in low[1:8]):
            feats.append("g:thx_contact")
        elif not CLOSING_THANKS.isdisjoint(low[1:8]):
            feats.append("g:thx_patience")
        else:
            feats.append("g:thx_other")
    feats.append("gn:" + _bucket(len(low), (1, 3, 7), ("1", "2-3", "4-7", "8+")))
    if text.endswith("?"):
        feats.append("g:q")
    return feats


# --- ending (closing view) ---------------------------------------------------------------------

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
#: "more/else/other" words of offers of further help, in all five languages.
_OFFER_MORE = _words("else more mer meir mere fler flere andet annet anna annat noe noko något "
                     "noget")
_CLOSING_WORDS = SIGNOFF | WISH | OFFER | THANKS | SALUTATION | CLOSING_THANKS


_CLOSE_DELETES = frozenset(d for w in SIGNOFF | WISH if len(w) >= 4 for d in _deletes(w)
                           if len(d) >= 3)
_CLOSE_MAX_LEN = max(len(d) for d in _CLOSE_DELETES) + 1  # see fuzzy_salutation


def fuzzy_closing_word(word: str) -> bool:
    """A sign-off/well-wish word up to one typo ("hisner", "Chees", "Hppy", "vnnlig")."""
    return 4 <= len(word) <= _CLOSE_MAX_LEN and _cached("close", word, _fuzzy_closing)


def _fuzzy_closing(word: str) -> bool:
    return not _deletes(word).isdisjoint(_CLOSE_DELETES)




def _looks_like_signature(seg: _SegTokens) -> bool:
    """Name/initials/team lines: "^AG", "/Kari", "Kari", "Kari Nordmann", "Team Support"."""
    text = seg.text
    if text.startswith(_SIG_START) and len(seg.low) <= 4:
        return True
    return 0 < len(seg.low) <= 3 and all(t[:1].isupper() for t in seg.raw) and (
        _CLOSING_WORDS.isdisjoint(seg.low)
    )


def _is_trailer(seg: _SegTokens) -> bool:
    """Lines after the agent's last sentence that are not the reply: names, initials, emoji,
    contact/legal/footer lines. The closing model looks past them (LABELS: "before any
    signature")."""
    low = seg.low
    if not low:
        return True
    text = seg.text
    if text.startswith(_SIG_START) and len(low) <= 4:
        return True
    if not _CLOSING_WORDS.isdisjoint(low):
        return False
    capitalised = sum(1 for t in seg.raw if t[:1].isupper() or not t[:1].isalpha())
    if len(low) <= 3 and not text.endswith(("?", ".", "!")) and capitalised == len(low):
        return True  # "Kari", "Team Support"; not a lower-case chat line like "det er sendt"
    if _PHONE_RE.search(text) or _EMAIL_RE.search(text) or _URL_RE.search(text):
        return len(low) <= 12
    # Footer words ("Kundeservice", "Follow us", "Storgata 1") count only on lines shaped
    # like footers, so "pakken er på vei" or "Det er sendt." stay the reply's ending.
    footer_shaped = any(ch.isdigit() for ch in text) or "|" in text or ":" in text or (
        2 * capitalised >= len(low))
    return len(low) <= 10 and footer_shaped and not _CONTACT_LINE.isdisjoint(low)


def _trailer(seg: _SegTokens) -> bool:
    """`_is_trailer`, memoised on the (shared) segment object."""
    out = seg._trailer
    if out is None:
        out = seg._trailer = _is_trailer(seg)
    return out


def _first_line(plain: str, start: int, end: int) -> tuple[int, int]:
    """Span of the first non-blank line inside plain[start:end], stripped."""
    pos = start
    while pos < end:
        nl = plain.find("\n", pos, end)
        stop = end if nl < 0 else nl
        line = plain[pos:stop]
        if line.strip():
            a = pos + len(line) - len(line.lstrip())
            return a, pos + len(line.rstrip())
        pos = stop + 1
    return start, start


def _signoff_line(seg: _SegTokens) -> bool:
    """A short line that opens with a sign-off word, up to one typo ("Kind rgeards,")."""
    low = seg.low
    return 0 < len(low) <= 8 and any(w in SIGNOFF or fuzzy_closing_word(w) for w in low[:3])


#: How many trailing lines (names, initials, footer lines) the ending may look past.
_MAX_TRAILERS = 6


def closing_index(segs: Sequence[_SegTokens]) -> int:
    """Index of the segment that would carry a closing: the last one before trailer lines."""
    i = len(segs) - 1
    while i > 0 and len(segs) - 1 - i < _MAX_TRAILERS and _trailer(segs[i]):
        i -= 1
    return i


def _ending_feats(seg: _SegTokens, prev: _SegTokens | None, sig: _SegTokens | None, lang: str,
                  name: str | None, n_segs: int) -> list[str]:
    """Flag/positional features of the ending (token and char n-gram features come in bulk).

    As for the opener, the (segment text, language) part is memoised on the segment and the
    customer name, segment count, previous segment and signature are added per reply.
    """
    key = ("e", lang)
    core = seg._core.get(key) if seg._core is not None else None
    if core is None:
        core = _ending_core(seg, lang)
        if seg._core is None:
            seg._core = {}
        seg._core[key] = core
    feats = core.copy()
    if name and seg.low and name in seg.low:
        feats.append("c:name")
    if n_segs == 1:
        feats.append("c:only")
    if prev is not None and prev.low:
        feats.append("cpf1:" + _shape(prev.raw[0], 0))
        feats.append("cpl1:" + prev.low[-1])
        feats.append("cpe:" + (prev.text[-1:] or "w"))
    if sig is not None:
        feats.append("c:sig")
        if sig.low:
            feats.append("csg1:" + _shape(sig.raw[0], 0))
            if not SIGNOFF.isdisjoint(sig.low[:4]) or any(fuzzy_closing_word(w)
                                                          for w in sig.low[:3]):
                feats.append("csg:signoff")
    return feats


def _ending_core(seg: _SegTokens, lang: str) -> list[str]:
    """The ending features that are a function of (segment text, language) alone."""
    low = seg.low
    feats = ["lang:" + lang]
    if not low:
        feats.append("c:empty")
    else:
        raw = seg.raw
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
        feats.append("cn:" + _bucket(len(low), (1, 3, 7, 15), ("1", "2-3", "4-7", "8-15", "16+")))
        if low[0] in THANKS or (len(low) > 1 and low[1] in THANKS):
            feats.append("c:thx_first")
            if any(w.startswith(CONTACT_PREFIXES) for w in low[1:8]):
                feats.append("c:thx_contact")
        if _looks_like_signature(seg):
            feats.append("c:siglike")
        if any(fuzzy_closing_word(w) for w in low[:3]):
            feats.append("c:fuzzy_close")
        if not WELCOME.isdisjoint(low[1:]) and len(OFFER.intersection(low)) >= 2:
            # "Du er altid velkommen til at vende tilbage", "You're welcome to get back to
            # us": "welcome" after the first word invites more contact (an offer), unlike
            # the opener "Welcome to …".
            feats.append("c:welcome_offer")
        if seg.text.endswith("?") and len(_OFFER_MORE.intersection(low)) >= 1:
            # "Er der mere, du vil vide?", "Anything else I can help with?": an offer of
            # further help phrased as a question is a closing, unlike a request for details.
            feats.append("c:offer_q")
    end = seg.text[-1:]
    feats.append("ce:" + (end if end and not end.isalnum() else "w"))
    return feats


def _global_feats(segs: list[_SegTokens], lang: str, word_count: int) -> list[str]:
    """Reply-level features for the explanation view (added to the sum of segment bags).

    Step/question tests reuse the segments' memoised pattern flags."""
    n = len(segs)
    feats = ["lang:" + lang, "ns:" + _bucket(n, (0, 1, 2, 4), ("0", "1", "2", "3-4", "5+"))]
    if n > 1 and sum(1 for s in segs if _P_STEP in _seg_flags(s)) >= 2:
        feats.append("e:steps")
    if n and all(_P_Q in _seg_flags(s) for s in segs):
        feats.append("e:all_q")
    feats.append("wc:" + _bucket(word_count, (0, 5, 12, 30), ("0", "1-5", "6-12", "13-30", "31+")))
    return feats


# --- batch assembly --------------------------------------------------------------------------


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


#: Token families taken from the first k tokens of one segment: name -> (hash, k).
_TOKEN_FAMILIES = {"g": ("tok", 8), "gs": ("stem", 8), "cs": ("stem", 12), "cp": ("tok", 8),
                   "csw": ("tok", 4)}
_FAMILY_SALT = {name: _salt(name) for name in (*_TOKEN_FAMILIES, "w", "s", "b", "gc", "fc",
                                               "cc", "ce", "csc")}
_LEX_COLS = np.array([_str_col("x:" + n) for n in _LEX_NAMES], dtype=np.int64)
_LEX2_COLS = np.array([_str_col("x2:" + n) for n in _LEX_NAMES], dtype=np.int64)
_N_EDGES = np.array([1, 2, 4, 8, 16])
_N_COLS = np.array([_str_col("n:" + b) for b in ("0", "1", "2-3", "4-7", "8-15", "16+")])
_P_DIGIT, _P_URL, _P_URL_ONLY, _P_ARROW, _P_STEP, _P_Q = (
    _str_col("p:" + k) for k in ("digit", "url", "url_only", "arrow", "step", "q"))


class _Builder:
    """Collects one batch's feature requests, then turns them into columns with numpy."""

    def __init__(self) -> None:
        self.seg_ids: list[list[int]] = []       # token ids per segment (body and extra)
        self.rows: dict[str, list[int]] = {"greeting": [], "closing": [], "explanation": []}
        self.cols: dict[str, list[int]] = {"greeting": [], "closing": [], "explanation": []}
        self.fam: dict[str, tuple[list[int], list[int]]] = {f: ([], []) for f in _TOKEN_FAMILIES}
        self.grams: dict[int, tuple[list[int], list[str], list[str], list[str]]] = {
            2: ([], [], [], []), 3: ([], [], [], [])}  # n -> rows, views, families, texts
        #: (view, offset in cols[view], feats) of string lists with not-yet-hashed features
        self.pending: list[tuple[str, int, list[str]]] = []

    def tokens(self, lang: str, seg: _SegTokens) -> int:
        """Register a segment's tokens; returns its index in the batch's segment table."""
        table = _VOCAB.table(lang)
        cached = seg._ids
        # Ids stay valid within one vocabulary generation for the same table (its tables
        # live until the next clear, so id() is unambiguous), so a recurring segment skips
        # the per-token lookups. Keys, not a table reference: a memoised segment must not
        # keep a cleared vocabulary alive.
        if cached is not None and cached[0] == _VOCAB.generation and cached[1] == id(table):
            self.seg_ids.append(cached[2])
            return len(self.seg_ids) - 1
        ids = list(map(table.get, seg.low))
        if None in ids:
            for j, t in enumerate(seg.low):
                if ids[j] is None:
                    got = table.get(t)
                    ids[j] = _VOCAB.add(lang, t) if got is None else got
        seg._ids = (_VOCAB.generation, id(table), ids)  # type: ignore[assignment]
        self.seg_ids.append(ids)  # type: ignore[arg-type]
        return len(self.seg_ids) - 1

    def strings(self, view: str, row: int, feats: list[str]) -> None:
        cols = list(map(_STR_COL.get, feats))  # map runs in C; misses are rare after warm-up
        out = self.cols[view]
        if None in cols:  # hashed for the whole batch at once in `resolve`
            self.pending.append((view, len(out), feats))
        out.extend(cols)  # type: ignore[arg-type]
        self.rows[view].extend([row] * len(cols))

    def resolve(self) -> None:
        """Fill in the columns of first-seen string features, hashed in one numpy pass."""
        if not self.pending:
            return
        missing = list({f for _, _, feats in self.pending for f in feats
                        if f not in _STR_COL})
        new = dict(zip(missing, _str_cols_many(missing), strict=True))
        for view, start, feats in self.pending:
            out = self.cols[view]
            for k, f in enumerate(feats, start):
                if out[k] is None:
                    out[k] = new[f] if f in new else _STR_COL[f]
        self.pending.clear()

    def family(self, fam: str, row: int, seg: int) -> None:
        rows, segs = self.fam[fam]
        rows.append(row)
        segs.append(seg)

    def chars(self, view: str, fam: str, row: int, text: str, n: int = 3) -> None:
        rows, views, fams, texts = self.grams[n]
        rows.append(row)
        views.append(view)
        fams.append(fam)
        texts.append(text)


def _char_gram_cols(texts: list[str], fams: list[str], n: int) -> tuple[np.ndarray, np.ndarray]:
    """(text index, column) of every char n-gram of the normalised texts, in one numpy pass."""
    norm = [" " + " ".join(t.lower().split()) + " " for t in texts]
    lens = np.fromiter(map(len, norm), dtype=np.int64, count=len(norm))
    cps = np.frombuffer("".join(norm).encode("utf-32-le", "surrogatepass"),
                        dtype=np.uint32).astype(_U)
    counts = np.maximum(lens - n + 1, 0)
    owner = np.repeat(np.arange(len(norm)), counts)
    starts = np.cumsum(lens) - lens
    pos = np.arange(int(counts.sum())) + np.repeat(starts - (np.cumsum(counts) - counts), counts)
    h = cps[pos]
    for j in range(1, n):
        h = h * _P + cps[pos + j]
    salts = np.array([_FAMILY_SALT[f] for f in fams], dtype=_U)
    return owner, _cols(h ^ (salts[owner] * _P), _U(0))


def _first_k(seg_start: np.ndarray, seg_len: np.ndarray, segs: np.ndarray, k: int
             ) -> tuple[np.ndarray, np.ndarray]:
    """(request index, flat token position) of the first k tokens of each requested segment."""
    lens = np.minimum(seg_len[segs], k)
    owner = np.repeat(np.arange(len(segs)), lens)
    pos = np.arange(int(lens.sum())) + np.repeat(seg_start[segs] - (np.cumsum(lens) - lens), lens)
    return owner, pos


def _csr(rows: np.ndarray, cols: np.ndarray, n: int, data: np.ndarray | None = None
         ) -> sp.csr_matrix:
    if data is None:
        data = np.ones(len(rows), dtype=np.float64)
    m = sp.csr_matrix((data, (rows, cols)), shape=(n, N_FEATURES), dtype=np.float64)
    m.sum_duplicates()
    return m


def extract(prepared: Sequence[Prepared], languages: Sequence[str],
            customer_names: Sequence[str | None],
            word_counts: Sequence[int] | None = None) -> FeatureBatch:
    """Build the three views for a batch. One tokenisation per segment, numpy for the rest.

    `word_counts` may pass the `Prepared.word_count` values the caller already computed.
    """
    if _VOCAB.n > _CACHE_MAX:
        _VOCAB.clear()
    n = len(prepared)
    b = _Builder()
    seg_owner: list[int] = []
    first = np.full(n, -1, dtype=np.int64)
    last = np.full(n, -1, dtype=np.int64)
    close_seg = np.full(n, -1, dtype=np.int64)
    close_span = np.full((n, 2), -1, dtype=np.int64)
    flags: list[tuple[int, int]] = []  # (segment, column) of per-segment pattern features
    extra: list[tuple[str, _SegTokens]] = []  # signature lines: tokenised after the body
    extra_req: list[tuple[str, int, int]] = []  # (family, row, index into extra)
    for i, (p, lang, cname) in enumerate(zip(prepared, languages, customer_names, strict=True)):
        plain = p.plain
        texts = [plain[a:e] for a, e in p.segments]
        segs = [_segment_tokens(t) for t in texts]
        name = _first_name(cname)
        base = len(seg_owner)
        if segs:
            first[i] = base
            last[i] = base + len(segs) - 1
            for j, s in enumerate(segs):
                b.tokens(lang, s)
                seg_owner.append(i)
                for col in _seg_flags(s):
                    flags.append((base + j, col))
            b.strings("greeting", i, _opener_feats(segs[0], segs[1] if len(segs) > 1 else None,
                                                   lang, name, len(segs)))
            b.family("g", i, base)
            b.family("gs", i, base)
            b.chars("greeting", "gc", i, texts[0][:32])
            if segs[0].low:
                b.chars("greeting", "fc", i, segs[0].low[0][:40], 2)
        else:
            b.strings("greeting", i, ["lang:" + lang, "g:empty"])
        sig = None
        sig_span: tuple[int, int] | None = None
        if p.signature is not None:
            sig_span = _first_line(plain, *p.signature)
            sig = _segment_tokens(plain[sig_span[0]:sig_span[1]])
        if segs and sig is not None and sig_span is not None and _signoff_line(sig):
            # A sign-off that the preprocessor kept with the signature ("Kind regards,\nTom"
            # as one block) is still the reply's closing line: read it as the ending.
            close_span[i] = sig_span
            doc = _ending_feats(sig, segs[-1], None, lang, name, len(segs) + 1)
            doc.append("c:from_sig")
            b.strings("closing", i, doc)
            extra.append((lang, sig))
            extra_req.append(("cs", i, len(extra) - 1))
            b.family("cp", i, last[i])
            b.chars("closing", "cc", i, sig.text[:24])
            b.chars("closing", "ce", i, sig.text[-24:])
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
            b.strings("closing", i, doc)
            b.family("cs", i, base + ci)
            if ci > 0:
                b.family("cp", i, base + ci - 1)
            b.chars("closing", "cc", i, texts[ci][:24])
            b.chars("closing", "ce", i, texts[ci][-24:])
            if sig is not None and sig.low and "csg:signoff" in doc:
                extra.append((lang, sig))
                extra_req.append(("csw", i, len(extra) - 1))
                b.chars("closing", "csc", i, sig.text[:20])
        else:
            b.strings("closing", i, ["lang:" + lang, "c:empty"] + (["c:sig"] if sig else []))
        wc = p.word_count if word_counts is None else word_counts[i]
        b.strings("explanation", i, _global_feats(segs, lang, wc))

    n_body = len(seg_owner)
    for lang, s in extra:
        b.tokens(lang, s)
    for fam, row, k in extra_req:
        b.family(fam, row, n_body + k)
    return _assemble(b, n, n_body, np.asarray(seg_owner, dtype=np.int64), first, last,
                     close_seg, close_span, flags)


def _assemble(b: _Builder, n: int, n_body: int, owner: np.ndarray, first: np.ndarray,
              last: np.ndarray, close_seg: np.ndarray, close_span: np.ndarray,
              flags: list[tuple[int, int]]) -> FeatureBatch:
    """Turn the builder's requests into the sparse views (all numpy from here on)."""
    b.resolve()
    seg_len = np.fromiter(map(len, b.seg_ids), dtype=np.int64, count=len(b.seg_ids))
    seg_start = np.cumsum(seg_len) - seg_len
    n_tok_body = int(seg_len[:n_body].sum())
    ids = np.fromiter(chain.from_iterable(b.seg_ids), dtype=np.int64, count=int(seg_len.sum()))
    tokh, stemh, bits = _VOCAB.tok[ids], _VOCAB.stem[ids], _VOCAB.bits[ids]

    # Segment bags: words, stems, bigrams, lexicon hits, counts, patterns.
    tok_seg = np.repeat(np.arange(n_body), seg_len[:n_body])
    bt, bs = tokh[:n_tok_body], stemh[:n_tok_body]
    pair = tok_seg[:-1] == tok_seg[1:] if n_tok_body > 1 else np.zeros(0, dtype=bool)
    bigram = bt[:-1][pair] * _P + bt[1:][pair] if n_tok_body > 1 else np.zeros(0, dtype=_U)
    bit_m = ((bits[:n_tok_body, None] >> np.arange(_N_BITS)) & 1).astype(np.int64)
    cum = np.vstack([np.zeros((1, _N_BITS), dtype=np.int64), np.cumsum(bit_m, axis=0)])
    ends = np.cumsum(seg_len[:n_body])
    counts = cum[ends] - cum[ends - seg_len[:n_body]]  # (n_body, bits)
    lex = counts[:, :len(_LEX_NAMES)]
    r1, c1 = np.nonzero(lex >= 1)
    r2, c2 = np.nonzero(lex >= 2)
    digit = np.nonzero(counts[:, _BIT_DIGIT])[0]
    url = np.nonzero(counts[:, _BIT_URL])[0]
    url_only = url[seg_len[url] <= 6]
    flag_seg = np.array([s for s, _ in flags], dtype=np.int64)
    flag_col = np.array([c for _, c in flags], dtype=np.int64)
    seg_rows = np.concatenate([tok_seg, tok_seg, tok_seg[:-1][pair], r1, r2, digit, url,
                               url_only, np.arange(n_body), flag_seg])
    seg_cols = np.concatenate([
        _cols(bt, _FAMILY_SALT["w"]), _cols(bs, _FAMILY_SALT["s"]),
        _cols(bigram, _FAMILY_SALT["b"]), _LEX_COLS[c1], _LEX2_COLS[c2],
        np.full(len(digit), _P_DIGIT), np.full(len(url), _P_URL),
        np.full(len(url_only), _P_URL_ONLY),
        _N_COLS[np.searchsorted(_N_EDGES, seg_len[:n_body], side="right")], flag_col,
    ]).astype(np.int64)
    seg_x = _csr(seg_rows, seg_cols, n_body)

    # Per-reply features of each view: strings, token families, char n-grams.
    rows = {v: [np.asarray(r, dtype=np.int64)] for v, r in b.rows.items()}
    cols = {v: [np.asarray(c, dtype=np.int64)] for v, c in b.cols.items()}
    for fam, (req_rows, req_segs) in b.fam.items():
        if not req_rows:
            continue
        kind, k = _TOKEN_FAMILIES[fam]
        req, pos = _first_k(seg_start, seg_len, np.asarray(req_segs, dtype=np.int64), k)
        view = "greeting" if fam in ("g", "gs") else "closing"
        rows[view].append(np.asarray(req_rows, dtype=np.int64)[req])
        cols[view].append(_cols((tokh if kind == "tok" else stemh)[pos], _FAMILY_SALT[fam]))
    for ng, (g_rows, g_views, g_fams, g_texts) in b.grams.items():
        if not g_rows:
            continue
        req, gcols = _char_gram_cols(g_texts, g_fams, ng)
        is_greet = np.array([v == "greeting" for v in g_views], dtype=bool)[req]
        r = np.asarray(g_rows, dtype=np.int64)[req]
        rows["greeting"].append(r[is_greet])
        cols["greeting"].append(gcols[is_greet])
        rows["closing"].append(r[~is_greet])
        cols["closing"].append(gcols[~is_greet])

    def view(name: str) -> sp.csr_matrix:
        return _csr(np.concatenate(rows[name]), np.concatenate(cols[name]), n)

    # Explanation: the sum of the reply's segment rows, squashed with log1p so a word repeated
    # in five sentences does not count five times, plus reply-level features.
    bag = _csr(owner[seg_rows], seg_cols, n)
    bag.data = np.log1p(bag.data)
    explanation = (bag + view("explanation")).tocsr()

    def pick(idx: np.ndarray) -> sp.csr_matrix:
        has = idx >= 0
        r = np.nonzero(has)[0]
        sel = sp.csr_matrix((np.ones(len(r)), (r, idx[has])), shape=(n, n_body))
        return (sel @ seg_x).tocsr()

    greeting = (pick(first) + view("greeting")).tocsr()
    closing_row = np.where(close_seg >= 0, first + close_seg, -1)
    closing = (pick(closing_row) + view("closing")).tocsr()
    return FeatureBatch(greeting, explanation, closing, seg_x, owner, first, last, close_span)
