"""Words before a number that say what it is (a cue decides where no checksum can).

`cue_before(text, start, stop)` returns the kind of the nearest cue word in the few
characters before a number: "keep" (order, case, invoice, tracking, customer number…,
which must stay readable), "phone", "id", "account", or None. `glued` and
`code_prefixed` tell digits that belong to a code ("RR123456785SE", "SK-2024-118734")
from a number of their own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_KEEP = (
    r"ordre|order|orders|bestilling|bestillingen|beställning|beställningen|ordrenr|ordernr"
    r"|tinging|tinginga|tingingi|tingingar|saka|saki"
    r"|sak|saken|saks|ärende|ärendet|ärende|sag|sagen|sags|case|ticket|billett"
    r"|referanse|referansen|referens|reference|ref|faktura|fakturaen|fakturan|invoice"
    r"|kvittering|kvitto|receipt|kid|ocr|sporing|sporings|sporingsnummeret"
    r"|spårning|spårnings|spårningsnummer|spårningsnumret|tracking|track|trace"
    r"|sendings|sending|sendingen|sändning|sändnings|forsendelse|forsendelses"
    r"|försändelse|kolli|kolli-id|pakke|pakken|paket|paketet|parcel|package|shipment"
    r"|consignment|kunde|kund|kundenr|kundnr|customer|medlem|medlems|member|membership"
    r"|avtale|avtal|aftale|contract|kontrakt|versjon|version|artikkel|artikel|article"
    r"|vare|varen|vara|varu|produkt|product|serie|serial|modell|model|org|orgnr"
    r"|organisasjons|organisations|organisation|organization|cvr|vat|mva|moms|item|sku"
    r"|bilag|voucher|gavekort|presentkort|gift|rabattkode|kampanjekode|code|kode|kod|pin"
    r"|lisens|license|licence|rom|room|bord|table|flight|fly|flyg|gate|sete|seat|plass"
    r"|imei|mac|år|year|kl|klokka|klockan|dato|datum|date|uke|vecka|uge|week"
    r"|skadesak|skadesaken|skadesag|skadenr|skadenummer|polise|polisen|police|policen|policy"
    r"|gebyr|gebyret|gebyrnr|avgift|avgiften|afgift|afgiften|bot|boten|måler|målar|mätare"
    r"|målepunkt|målarnummer|diarie|diarienummer|dnr|lejemål|lejemåls|leieforhold"
    r"|hyresavtal|rejsekort|reisekort|reskort|reskassekort|pendlerkort|periodekort"
    r"|busskort|klippekort|ordrebekreftelse|ordrebekræftelse|orderbekräftelse|bekreftelse"
    r"|bekræftelse|bekräftelse|confirmation|booking|bookingen|bokning|bokningen|reservation"
    r"|reservasjon|lånesak|lånesaken|låneansøkning|låneansökan"
)
#: Heads of compounds that name a reference ("parkeringsafgift", "lånesak",
#: "kontrolafgiften"): an unknown word that ends in one is a keep cue.
_KEEP_HEADS = ("sak", "saken", "sag", "sagen", "ärende", "ärendet", "afgift", "afgiften",
               "avgift", "avgiften", "gebyr", "gebyret", "ordre", "order", "faktura",
               "fakturaen", "fakturan", "bestilling", "beställning", "booking", "bokning",
               "polise", "police", "avtale", "aftale", "kontrakt")
_PHONE = (
    r"tel|tlf|tfn|telefon|telefonen|telefonnummer|telefonnumret|telefonnummeret|telefonnr"
    r"|mob|mobil|mobilen|mobilnummer|mobilnumret|mobilnummeret|mobilnr|mobiltelefon|mobile"
    r"|cell|cellphone|phone|telephone|ring|ringe|ringer|ringte|ringde|ringes|ringa|ringt"
    r"|call|called|calling|sms|text|whatsapp|fax|faks|nummer|numret|nummeret|number"
    r"|direkte|direct|vakttelefon|hjemme|home|privat|private|arbeid|jobb|work"
)
_ID = (
    r"personnummer|personnumret|personnummeret|personnr|pers\.?nr|fødselsnummer"
    r"|fødselsnummeret|fødselsnr|fodselsnummer|fnr|pnr|cpr|cpr-nummer|cpr-nr"
    r"|cpr-nummeret|samordningsnummer|samordningsnumret|d-nummer|d-nummeret|dnummer"
    r"|ssn|personal|identity|national|insurance|ni|nino|id-nummer|idnummer|id"
)
_ACCOUNT = (
    r"konto|kontoen|kontot|kontonummer|kontonumret|kontonummeret|kontonr|bankkonto"
    r"|bankkontoen|bankkontot|bankkontonummer|lønnskonto|sparekonto|brukskonto"
    r"|lønskonto|lönekonto|betalkonto|account|acct|bank|clearing|clearingnummer"
    r"|clearingnr|reg|regnr|reg\.nr|registreringsnummer|sort|bban|iban|giro|bankgiro"
    r"|plusgiro|bg|pg|utbetaling|utbetalning|udbetaling|refusjon|refund|återbetalning"
)
_SUFFIXES = ("nummeret", "nummer", "numret", "number", "nr", "no", "id", "kode", "code")
#: Words that only say "a number follows": the word before them decides.
_GENERIC = frozenset({"nummer", "nummeret", "numret", "number", "nr", "no", "id", "is", "er",
                      "är", "ditt", "din", "mitt", "min", "your", "my", "our", "vårt",
                      "vores", "dit", "mit", "the", "was", "var", "blev", "ble", "on", "på",
                      "har", "has", "have", "had", "hadde", "hade", "havde", "fikk", "fick",
                      "fik", "got", "fått", "fekk", "fåt", "received", "med", "with", "of",
                      "av", "af", "til", "to", "for",
                      "ny", "new", "nytt", "nye", "nya", "et", "ett", "en", "a", "an"})


def _words(pattern: str) -> frozenset[str]:
    return frozenset(w.replace("\\", "") for w in pattern.split("|"))


_KINDS: dict[str, str] = {}
for _kind, _pattern in (("phone", _PHONE), ("account", _ACCOUNT), ("id", _ID), ("keep", _KEEP)):
    for _w in _words(_pattern) - _GENERIC:
        _KINDS[_w] = _kind
_KEEP_STEMS = _words(_KEEP)
_TOKEN_RE = re.compile(r"[^\W\d_][\w.\-]*")
_CURRENCY_BEFORE = (r"kr|kr\.|nok|sek|dkk|eur|gbp|usd|£|€|\$|beløp|belopp|beløb|amount|pris"
                    r"|price|total|sum|totalt|summa")
_CURRENCY_BEFORE_RE = re.compile(rf"(?:{_CURRENCY_BEFORE})[:.]?[ \u00a0]{{0,2}}$", re.IGNORECASE)
#: How each word of `_CURRENCY_BEFORE` ends: its last two characters (a symbol alone).
_CURRENCY_ENDS = frozenset(w.replace("\\", "")[-2:] for w in _CURRENCY_BEFORE.split("|"))
#: Letters that IGNORECASE matches to "i" and "s" but `str.lower` keeps as they are.
_FOLD = str.maketrans({"ı": "i", "ſ": "s"})
_CURRENCY_AFTER_RE = re.compile(
    r"[ \u00a0]{0,2}(?:kr\b|kroner|kronor|nok\b|sek\b|dkk\b|eur\b|euro|gbp\b|pund|pounds"
    r"|[£€$](?![ \u00a0]?[0-9])|,-|,[0-9]{2}(?![0-9])|\.[0-9]{2}(?![0-9])|%|prosent"
    r"|procent|percent|mnd|måneder|månader|stk|st\b|pcs|km|kg|mb|gb|x\b)", re.IGNORECASE)

LOOKBACK = 48
#: Redaction tokens that replaced words, not digits (`cue_before`).
_WORD_TOKENS = frozenset({"NAME", "ADDRESS", "EMAIL"})


def _kind(token: str) -> str | None:
    word = token.lower().rstrip(".-")
    kind = _KINDS.get(word)
    if kind is not None:
        return kind
    # compounds: "ordrenummer", "kunde-nr", "telefonnr" (one C-level test first: most
    # words end in no suffix, and the loop below then does nothing)
    for suffix in _SUFFIXES if word.endswith(_SUFFIXES) else ():
        if word.endswith(suffix) and len(word) > len(suffix) + 1:
            stem = word[: -len(suffix)].rstrip("-.")
            kind = _KINDS.get(stem) or _KINDS.get(stem.removesuffix("s"))  # linking -s
            if kind is not None:
                return kind
    if len(word) > 6 and word.endswith(_KEEP_HEADS):
        return "keep"
    return None


def cue_before(text: str, start: int,
               taken: Sequence[tuple[int, int]] = ()) -> str | None:
    """The kind of the cue word nearest before `start`, looking back at most four words
    (and LOOKBACK characters, across at most one line break). The token of redacted words
    ("[NAME]", "[ADDRESS]") and a word inside `taken` (spans already redacted) are words
    that are no cue, so a second pass over redacted text ("ring [ADDRESS] 1 12") decides as
    the first did ("ring Storgata 1 1 12", or "ring Karl Johans gate 1 …", whose "gate"
    would be a cue); a number's token ("[PHONE]") is passed over, as its digits were."""
    lo = max(0, start - LOOKBACK)
    window = text[lo:start]
    if window.rstrip(" \u00a0").endswith(("#", "№")):
        return "keep"  # "#12345", "ordre nr. #12345"
    cut = _cut(window)
    tokens = _cue_tokens(window, cut)
    decided, kind = _nearest(tokens, window, lo, taken)
    if decided or len(tokens) == 4 or not cut:
        return kind
    return _nearest(_cue_tokens(window, 0), window, lo, taken)[1]  # earlier words decide


#: Where `cue_before` first looks for words: the last characters of its window (most
#: numbers are decided by the word right before them, "ordre 3891761").
_RECENT = 16


def _cut(window: str) -> int:
    """A position that no token spans, after the first space of the last `_RECENT`
    characters of `window` (a space ends any token, `_TOKEN_RE`), so the tokens found
    from it are the window's tokens that start there or later; 0 if there is none."""
    return window.find(" ", max(0, len(window) - _RECENT)) + 1


def _cue_tokens(window: str, cut: int) -> list[re.Match[str]]:
    """The last four tokens of `window` from `cut` on that can be cue words (a number's
    token, "[PHONE]", stands for digits)."""
    return [t for t in _TOKEN_RE.finditer(window, cut)
            if t.start() == 0 or window[t.start() - 1] != "[" or t.group(0) in _WORD_TOKENS
            ][-4:]


def _nearest(tokens: list[re.Match[str]], window: str, lo: int,
             taken: Sequence[tuple[int, int]]) -> tuple[bool, str | None]:
    """`cue_before`'s decision over `tokens` (nearest last), and whether a word decided it
    (False: every token was a generic word, and words before them may still decide)."""
    generic = False
    for tok in reversed(tokens):
        word = tok.group(0).lower().rstrip(".-:")
        s, e = lo + tok.start(), lo + tok.end()
        token = (tok.start() and window[tok.start() - 1] == "[") or (bool(taken) and any(
            a < e and s < b for a, b in taken))
        kind = None if token else _kind(word)
        if kind is None:
            if word in _GENERIC and not token:
                generic = generic or word.startswith(("numm", "numr", "numb"))
                continue
            return True, "phone" if generic else None
        between = window[tok.end():]
        if between.count("\n") > 1:
            return True, None
        if kind == "keep" and any(ch.isdigit() for ch in between):
            return True, None  # "ordre 123 og 91234567": the order cue belongs to the first
        return True, kind
    return False, "phone" if generic else None


def _currency_ends_before(text: str, lo: int, start: int) -> bool:
    """Can `_CURRENCY_BEFORE_RE` match in text[lo:start]? Only where one of its words ends
    before `start` past at most a ":" or "." and two spaces (its `$` also matches before a
    final line break): a look at the last one or two characters there, case-folded as
    IGNORECASE folds them (a letter that lower-cases to two passes). The regex search
    tries its words at each of 12 positions (~3 µs a number); 95 % of numbers have no such
    ending before them."""
    window = text[lo:start]
    for v in (window, window[:-1]) if window.endswith("\n") else (window,):
        core = v.rstrip(" \u00a0")
        if len(v) - len(core) > 2:
            continue
        for end in (core, core[:-1]) if core.endswith((":", ".")) else (core,):
            pair = end[-2:].lower()
            if (end[-1:] in _CURRENCY_ENDS or len(pair) > 2
                    or pair.translate(_FOLD) in _CURRENCY_ENDS):
                return True
    return False


def is_amount(text: str, start: int, end: int) -> bool:
    """A currency or unit right before or after the number: it is an amount or a quantity.
    A symbol written before its amount ("£89.99", "€ 40") belongs to the number after it,
    not to the one before ("4893 4258 4818 8356 £89.99" is a card, then a price)."""
    lo = max(0, start - 12)
    if _currency_ends_before(text, lo, start) and (
            _CURRENCY_BEFORE_RE.search(text, lo, start) is not None):
        return True
    return _CURRENCY_AFTER_RE.match(text, end, min(len(text), end + 12)) is not None


#: Short labels typed right before a number ("tlf91234567"): a label, not part of a code.
LABELS = frozenset({"tlf", "tel", "mob", "ph", "tf", "tfn", "nr", "no", "fnr", "pnr", "cpr"})


def glued(text: str, s: int, e: int) -> bool:
    """Digits glued to a short letter run, as in a code ("RR123456785SE", "A4", "kr1299",
    "ID12345"); a whole word next to them ("Telefon91234567") is not a code."""
    if (s and text[s - 1] == "_") or (e < len(text) and text[e] == "_"):
        return True
    if s and text[s - 1].isalpha():
        i = s - 1
        while i >= 0 and s - i <= 4 and text[i].isalpha():
            i -= 1
        if s - i <= 4 and text[i + 1:s].lower() not in LABELS:
            return True
    if e < len(text) and text[e].isalpha():
        i = e
        while i < len(text) and i - e <= 3 and text[i].isalpha():
            i += 1
        if i - e <= 3:
            return True
    return False


def code_prefixed(text: str, s: int) -> bool:
    """Digits after a short letter code and a hyphen ("SK-2024-118734", "GK-7718-2290") are
    a case or order reference: never a phone or a bare number (checksummed ids still are).
    A label ("tlf-") is not a code."""
    if s < 2 or text[s - 1] not in "-\u2010\u2011":
        return False
    i = s - 2
    while i >= 0 and s - 1 - i <= 5 and text[i].isalpha():
        i -= 1
    letters = text[i + 1:s - 1]
    return (0 < len(letters) <= 5 and (i < 0 or not text[i].isalnum())
            and letters.lower() not in LABELS)
