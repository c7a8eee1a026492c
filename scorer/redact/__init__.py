"""Personal-data redaction applied to reply text before it is stored.

QA reviewers need to read what the agent wrote, not the customer's card number, so the
flagged store only ever sees text that went through `redact()`. What is found:

* e-mail addresses (also after `mailto:` and written `name(at)host.no`; `emails.py`);
* IBANs (mod-97), UK National Insurance numbers and Irish PPS numbers (`lettered.py`);
* numbers (`numbers.py`): cards (Luhn), Norwegian fødselsnummer/D-nummer, Swedish
  personnummer/samordningsnummer, Danish CPR, bank accounts, phone numbers — whatever
  separators the writer typed, and also when numbers stand right next to each other;
* street addresses and postcode + place (`addresses.py`);
* names (`names.py`): the record's `customer_name` (with genitive and hyphenated forms)
  and names that a greeting, sign-off, introduction or title gives away, or a listed
  first name followed by a surname; then, last, words a statistical recogniser
  (`tagger.py`, owned by the `Redactor`) judges names from their shape and context;
  `chatnames.py` adds what chat writers say of themselves ("Storm her", "I'm …", "– lasse").

The detectors err on the side of privacy where no checksum or cue speaks against it, and
keep dates, times, amounts and cued order, case, invoice and tracking numbers readable.
A deployment's own contact details (`SCORER_REDACT_KEEP`, `keep.py`) are never redacted: a
found span that equals or lies inside a listed string's occurrence is passed over.

Linear time: every detector is one pass of bounded regexes (or bounded windows over
digit groups); hits are accepted in priority order into an occupancy mask (a bytearray,
so an overlap test is one C-level `find`), and the output is built once. Offsets of
`hits` are those of the original text, so `Redaction.map_span` translates evidence
offsets into the redacted text. Tokens contain no digits and no `@`, so redacting twice
changes nothing.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from scorer.redact.addresses import addresses
from scorer.redact.chatnames import chat_names
from scorer.redact.checksums import (
    dk_cpr_ok,
    iban_ok,
    luhn_ok,
    no_account_ok,
    no_fnr_ok,
    se_pnr_ok,
)
from scorer.redact.emails import emails, has_written_hint, spoken_hint
from scorer.redact.keep import KeepList, KeptSpans
from scorer.redact.known import (
    KnownRegexes,
    coordinated_names,
    email_names,
    known_names,
    learned_names,
)
from scorer.redact.lettered import ibans, ninos, ppsns
from scorer.redact.names import (
    actor_names,
    context_names,
    genitive_names,
    listed_names,
    signature_names,
)
from scorer.redact.numbers import numbers
from scorer.redact.scan import TextWords
from scorer.redact.tagger import NameTagger

__all__ = [
    "TOKENS", "Hit", "KeepList", "Redaction", "Redactor", "dk_cpr_ok", "iban_ok", "luhn_ok",
    "no_account_ok", "no_fnr_ok", "redact", "redact_text", "redactor_keeping", "se_pnr_ok",
]

#: Token written in place of each kind of personal data.
TOKENS: dict[str, str] = {
    "email": "[EMAIL]",
    "iban": "[IBAN]",
    "card": "[CARD]",
    "no_fnr": "[NATIONAL_ID]",
    "se_pnr": "[NATIONAL_ID]",
    "dk_cpr": "[NATIONAL_ID]",
    "uk_nino": "[NATIONAL_ID]",
    "national_id": "[NATIONAL_ID]",
    "no_account": "[ACCOUNT]",
    "account": "[ACCOUNT]",
    "phone": "[PHONE]",
    "address": "[ADDRESS]",
    "name": "[NAME]",
}

Found = tuple[int, int, str]

_HAS_DIGIT_RE = re.compile(r"[0-9]")
_HAS_UPPER_RE = re.compile(r"[A-ZÀ-ÖØ-Þ]")
_TOKEN_TEXT_RE = re.compile("|".join(re.escape(t) for t in sorted(set(TOKENS.values()))))


@dataclass(frozen=True)
class Hit:
    """One redacted region, in offsets of the original text."""

    start: int
    end: int
    kind: str


@dataclass
class Redaction:
    """The redacted text plus where and what was removed (never the removed values)."""

    text: str
    hits: list[Hit] = field(default_factory=list)

    @property
    def counts(self) -> Counter[str]:
        return Counter(h.kind for h in self.hits)

    def map_span(self, start: int, end: int) -> tuple[int, int]:
        """Translate original offsets [start, end) into offsets of the redacted text.

        A span that overlaps a redacted region grows to cover the whole token, so the
        mapped slice never contains half a token or an unredacted fragment.
        """
        shift = 0
        new_start: int | None = None
        new_end: int | None = None
        for hit in self.hits:
            token_len = len(TOKENS[hit.kind])
            if new_start is None:
                if start < hit.start:
                    new_start = start + shift
                elif start < hit.end:
                    new_start = hit.start + shift
            if new_end is None:
                if end <= hit.start:
                    new_end = end + shift
                elif end <= hit.end:
                    new_end = hit.start + shift + token_len
            shift += token_len - (hit.end - hit.start)
        if new_start is None:
            new_start = start + shift
        if new_end is None:
            new_end = end + shift
        return new_start, max(new_start, new_end)


class _Accepted:
    """Hits accepted so far, with an occupancy mask of the text for overlap tests.

    A found span inside a kept occurrence (`keep.py`) is passed over, not accepted: it
    claims no room, so a longer span another detector finds over the same text (and so
    reaching past the kept string) is still taken.
    """

    def __init__(self, length: int, kept: KeptSpans | None = None) -> None:
        self.mask = bytearray(length)
        self.hits: list[Hit] = []
        self.kept = kept if kept else None

    def free(self, s: int, e: int) -> bool:
        return self.mask.find(1, s, e) == -1

    def take(self, s: int, e: int, kind: str) -> None:
        self.mask[s:e] = b"\x01" * (e - s)
        self.hits.append(Hit(s, e, kind))

    def add(self, found: Iterable[Found], text: str) -> None:
        for s, e, kind in found:
            if s >= e or (self.kept is not None and self.kept.covers(s, e)):
                continue
            if self.free(s, e):
                self.take(s, e, kind)
            elif kind == "name":
                self._remainder(s, e, text)

    def _remainder(self, s: int, e: int, text: str) -> None:
        """A name that runs past an accepted hit ("Hei Kari Nordmann" when only "Kari" is
        known): the free stretches that hold letters become names of their own."""
        pos = s
        while pos < e:
            taken = self.mask.find(1, pos, e)
            stop = e if taken == -1 else taken
            piece = text[pos:stop]
            stripped = piece.strip(" \t\u00a0,.-'’")
            if stripped and any(ch.isalpha() for ch in stripped):
                a = pos + piece.index(stripped)
                if self.kept is None or not self.kept.covers(a, a + len(stripped)):
                    self.take(a, a + len(stripped), "name")
            if taken == -1:
                break
            nxt = self.mask.find(0, taken, e)
            if nxt == -1:
                break
            pos = nxt


def _once(text: str, known: list[str], tagger: NameTagger | None,
          regexes: KnownRegexes, keep: KeepList) -> list[Hit]:
    """One pass of every detector, in priority order; the accepted hits, sorted."""
    acc = _Accepted(len(text), keep.spans(text) if keep else None)
    scan = TextWords(text)  # lower-cased once, and its words, for several detectors
    written = has_written_hint(text)
    spoken = spoken_hint(scan.lowered)
    if written or spoken:
        acc.add(emails(text, scan.lowered, written, spoken), text)
    detectors: list[Callable[[], Iterable[Found]]] = []
    if _HAS_DIGIT_RE.search(text) is not None:
        detectors += [lambda: ibans(text), lambda: ninos(text), lambda: ppsns(text)]
        # Addresses first: a postcode they take is no part of a number run, so a phone
        # number before it is judged alone, as a second pass over the redacted text sees it.
        detectors.append(lambda: addresses(text))
        detectors.append(lambda: numbers(text, _spans(acc.hits)))
    if known:
        detectors.append(lambda: known_names(text, known, regexes))
    # "hei ola": lower case after a greeting
    detectors.append(lambda: context_names(text, known, scan))
    detectors.append(lambda: chat_names(text, scan))  # "Storm her", "I'm …", "… – lasse"
    # every other name is capitalised; a token's capitals do not count, or a second pass
    # would run rules the first did not ("811218-9876 , kort" → "[NATIONAL_ID] , kort")
    if _HAS_UPPER_RE.search(_TOKEN_TEXT_RE.sub("", text)) is not None:
        detectors += [lambda: listed_names(text), lambda: genitive_names(text),
                      lambda: actor_names(text, scan),
                      lambda: signature_names(text, scan)]
    for detector in detectors:
        acc.add(detector(), text)
    named = [(h.start, h.end) for h in acc.hits if h.kind == "name"]
    acc.add(coordinated_names(text, named), text)
    said = [text[h.start:h.end] for h in acc.hits if h.kind == "name"]
    said += email_names(text[h.start:h.end] for h in acc.hits if h.kind == "email")
    learned = learned_names(said, known)
    if learned:  # a name found once is the same name elsewhere in the text
        acc.add(known_names(text, learned, regexes), text)
    if tagger is not None:  # last: it sees what the rules took as its context
        before = len(acc.hits)
        acc.add(tagger.names(text, [(h.start, h.end, h.kind) for h in acc.hits]), text)
        named = [(h.start, h.end) for h in acc.hits if h.kind == "name"]
        acc.add(coordinated_names(text, named, tagger.lexicon), text)
        tagged = [text[h.start:h.end] for h in acc.hits[before:]]
        again = learned_names(tagged, [*known, *said])
        if again:  # a name the tagger found is the same name elsewhere in the text
            acc.add(known_names(text, again, regexes), text)
    return sorted(acc.hits, key=lambda h: h.start)


def _render(text: str, hits: list[Hit]) -> str:
    out: list[str] = []
    pos = 0
    for hit in hits:
        out.append(text[pos:hit.start])
        out.append(TOKENS[hit.kind])
        pos = hit.end
    out.append(text[pos:])
    return "".join(out)


_LOOSE = frozenset(" \t\n\r\u00a0.,;:!?()[]{}\"'«»“”/")


def _glued(text: str, hits: list[Hit]) -> bool:
    """Does a hit touch anything but a space or punctuation? Only then can a second pass
    see more (ordinary text never needs one)."""
    n = len(text)
    return any((h.start and text[h.start - 1] not in _LOOSE)
               or (h.end < n and text[h.end] not in _LOOSE) for h in hits)


def _compose(hits: list[Hit], later: list[Hit]) -> list[Hit]:
    """Hits of a pass over the redacted text, carried back to offsets of the original
    (a position inside a token stands for the whole redacted region), merged with `hits`.

    Both lists are sorted and disjoint, so each position is placed by bisection over the
    token starts with a prefix sum of the length changes: linear-logarithmic however many
    hits the second pass finds (a loop over every token per hit was quadratic on
    pathological 200k-character texts)."""
    t0s: list[int] = []
    t1s: list[int] = []
    deltas = [0]  # deltas[k]: how much the first k tokens shortened or lengthened the text
    shift = 0
    for h in hits:
        t0 = h.start + shift
        t0s.append(t0)
        t1s.append(t0 + len(TOKENS[h.kind]))
        grow = len(TOKENS[h.kind]) - (h.end - h.start)
        shift += grow
        deltas.append(deltas[-1] - grow)

    def orig(p: int, end: bool) -> int:
        k = bisect.bisect_left(t0s, p) if end else bisect.bisect_right(t0s, p)
        if k and (p < t1s[k - 1] or (end and p == t1s[k - 1])):
            h = hits[k - 1]
            return h.end if end else h.start
        return p + deltas[k]

    mapped = sorted((Hit(orig(h.start, False), orig(h.end, True), h.kind) for h in later),
                    key=lambda h: h.start)
    m_starts = [m.start for m in mapped]
    reach = list(itertools.accumulate((m.end for m in mapped), max))
    kept = []
    for h in hits:
        j = bisect.bisect_left(m_starts, h.end)  # mapped[:j] start before h ends
        if not (j and reach[j - 1] > h.start):
            kept.append(h)
    return sorted(kept + mapped, key=lambda h: h.start)


class Redactor:
    """Every detector, with the statistical name recogniser it owns (`tagger.py`; None
    runs the rules alone, as its training does), its memo of known-name regexes (a
    customer's name recurs across their messages) and the deployment's keep-list
    (`keep.py`: its own phone numbers, e-mail and postal addresses, never redacted;
    `SCORER_REDACT_KEEP`). One serves every thread."""

    def __init__(self, tagger: NameTagger | None, keep: Iterable[str] | KeepList = ()) -> None:
        self.tagger = tagger
        self.known_regexes = KnownRegexes()
        self.keep = keep if isinstance(keep, KeepList) else KeepList(keep)

    def redact(self, text: str, names: Iterable[str | None] = ()) -> Redaction:
        """Return `text` with personal data replaced by TOKENS, and the replaced regions.

        `names` are known personal names (the customer's) to remove as well. When a hit is
        glued to a letter or digit (garbled input), the result is redacted again (at most
        twice more) so that redacting the output once more changes nothing.
        """
        known = [n for n in names if n and n.strip()]
        hits = _once(text, known, self.tagger, self.known_regexes, self.keep)
        out = _render(text, hits)
        for _ in range(2):
            if not hits or not _glued(text, hits):
                break
            later = _once(out, known, self.tagger, self.known_regexes, self.keep)
            if not later:
                break
            hits = _compose(hits, later)
            out = _render(text, hits)
        return Redaction(out, hits)


#: The redactor behind `redact()`, with the shipped name model (read once at import, like
#: the name lists: static data, not a cache).
REDACTOR = Redactor(NameTagger.load())


def redactor_keeping(keep: Iterable[str]) -> Redactor:
    """The redactor for a deployment's keep-list (`SCORER_REDACT_KEEP`): the shipped one
    when the list is empty, else a new one sharing its name model (built by each caller
    that has settings and kept by it; no process-wide registry of redactors)."""
    entries = KeepList(keep)
    return Redactor(REDACTOR.tagger, keep=entries) if entries else REDACTOR


def redact(text: str, names: Iterable[str | None] = ()) -> Redaction:
    """Return `text` with personal data replaced by TOKENS (`Redactor.redact` of the
    shipped redactor)."""
    return REDACTOR.redact(text, names)


def _spans(hits: list[Hit]) -> list[tuple[int, int]]:
    return sorted((h.start, h.end) for h in hits)


def redact_text(text: str) -> str:
    """Convenience: only the redacted string."""
    return redact(text).text
