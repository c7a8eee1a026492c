"""What each head reads of a reply: its opener, its ending, and the reply as a whole.

The greeting head sees the first segment (and the start of the second), the closing head
the segment read as the ending (the last one before name/initials/footer trailer lines,
or a sign-off line the preprocessor left in the signature block), the explanation head
every segment plus reply-level counts. This module picks those segments and writes the
flag/positional features of each view as strings ("g:sal_first", "lf1:hei"); token and
character n-gram features of the same segments are computed in bulk by `_batch`.

The part of the opener/ending features that depends only on the segment and the language
is memoised on the shared segment object; the customer's name, the segment count and the
neighbouring segments are added per reply. Feature order does not matter: the columns are
summed into a sparse row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from scorer.features.caches import FeatureCaches
from scorer.features.cues import (
    CLOSING_THANKS,
    CONTACT_PREFIXES,
    GOOD,
    OFFER,
    OFFER_MORE,
    P_Q,
    P_STEP,
    SALUTATION,
    SIGNOFF,
    THANKS,
    TIME_OF_DAY,
    WELCOME,
    fuzzy_closing_word,
    fuzzy_salutation,
    is_trailer,
    looks_like_signature,
    seg_flags,
)
from scorer.features.tokens import SegTokens, shape, stem


def first_name(customer_name: str | None) -> str | None:
    """The lower-cased first word of the customer's name, as it would open a greeting."""
    if not customer_name:
        return None
    parts = customer_name.split()
    return parts[0].lower() if parts else None


def _bucket(n: int, edges: tuple[int, ...], names: tuple[str, ...]) -> str:
    for edge, name in zip(edges, names, strict=False):
        if n <= edge:
            return name
    return names[-1]


def _memo_core(seg: SegTokens, view: str, lang: str, caches: FeatureCaches,
               build: Callable[[SegTokens, str, FeatureCaches], list[str]]) -> list[str]:
    """`build(seg, lang, caches)`, memoised on the segment per (view, language)."""
    memo = seg.core
    if memo is None:
        memo = seg.core = {}
    core = memo.get((view, lang))
    if core is None:
        core = memo[(view, lang)] = build(seg, lang, caches)
    return core


def _lead(prefix: str, seg: SegTokens, lang: str, caches: FeatureCaches) -> list[str]:
    """Positional features of a segment's first three tokens (opener: prefix "", ending: "l")."""
    shaped = [shape(t, i) for i, t in enumerate(seg.raw[:3])]
    feats = [prefix + "f1:" + shaped[0], prefix + "fs1:" + stem(lang, seg.low[0], caches.stems),
             prefix + "fl1:" + lang + ":" + shaped[0]]
    if len(shaped) > 1:
        feats.append(prefix + "f2:" + shaped[0] + "_" + shaped[1])
    if len(shaped) > 2:
        feats.append(prefix + "f3:" + "_".join(shaped))
    return feats


# --- opener (greeting view) ---------------------------------------------------------------------

def opener_feats(seg: SegTokens, nxt: SegTokens | None, lang: str, name: str | None,
                 n_segs: int, caches: FeatureCaches) -> list[str]:
    """Flag/positional features of the opener: the memoised core of the segment plus the
    customer's name, the segment count and the start of the next segment."""
    core = _memo_core(seg, "o", lang, caches, _opener_core)
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
        feats.append("gx1:" + shape(nxt.raw[0], 0))
    return feats


def _opener_core(seg: SegTokens, lang: str, caches: FeatureCaches) -> list[str]:
    """The opener features that are a function of (segment text, language) alone."""
    low = seg.low
    if not low:
        return ["lang:" + lang, "g:empty"]
    raw = seg.raw
    feats = ["lang:" + lang, *_lead("", seg, lang, caches)]
    if len(low) > 1:
        feats.append("fs2:" + stem(lang, low[0], caches.stems) + "_"
                     + stem(lang, low[1], caches.stems))
    # What follows the first word: "Hei," / "Hei!" / "Hei Ola" / "Hei og…".
    text = seg.text
    after = text[len(raw[0]):].lstrip()[:1] if text.startswith(raw[0]) else ""
    feats.append("p1:" + (after if after and not after.isalnum() else "w"))
    first = low[0]
    if first in SALUTATION:
        feats.append("g:sal_first")
    elif fuzzy_salutation(first, caches.fuzzy):
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


# --- ending (closing view) ----------------------------------------------------------------------

def first_line(plain: str, start: int, end: int) -> tuple[int, int]:
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


#: How many trailing lines (names, initials, footer lines) the ending may look past.
_MAX_TRAILERS = 6


def closing_index(segs: Sequence[SegTokens]) -> int:
    """Index of the segment that would carry a closing: the last one before trailer lines."""
    i = len(segs) - 1
    while i > 0 and len(segs) - 1 - i < _MAX_TRAILERS and is_trailer(segs[i]):
        i -= 1
    return i


def ending_feats(seg: SegTokens, prev: SegTokens | None, sig: SegTokens | None, lang: str,
                 name: str | None, n_segs: int, caches: FeatureCaches) -> list[str]:
    """Flag/positional features of the ending: the memoised core of the segment plus the
    customer's name, the segment count, the previous segment and the signature."""
    feats = _memo_core(seg, "e", lang, caches, _ending_core).copy()
    if name and seg.low and name in seg.low:
        feats.append("c:name")
    if n_segs == 1:
        feats.append("c:only")
    if prev is not None and prev.low:
        feats.append("cpf1:" + shape(prev.raw[0], 0))
        feats.append("cpl1:" + prev.low[-1])
        feats.append("cpe:" + (prev.text[-1:] or "w"))
    if sig is not None:
        feats.append("c:sig")
        if sig.low:
            feats.append("csg1:" + shape(sig.raw[0], 0))
            if not SIGNOFF.isdisjoint(sig.low[:4]) or any(
                    fuzzy_closing_word(w, caches.fuzzy) for w in sig.low[:3]):
                feats.append("csg:signoff")
    return feats


def _ending_core(seg: SegTokens, lang: str, caches: FeatureCaches) -> list[str]:
    """The ending features that are a function of (segment text, language) alone."""
    low = seg.low
    if not low:
        feats = ["lang:" + lang, "c:empty"]
    else:
        feats = ["lang:" + lang, *_lead("l", seg, lang, caches)]
        feats.append("ll1:" + low[-1])
        feats.append("lls1:" + stem(lang, low[-1], caches.stems))
        if len(low) > 1:
            feats.append("ll2:" + low[-2] + "_" + low[-1])
        feats.append("cn:" + _bucket(len(low), (1, 3, 7, 15), ("1", "2-3", "4-7", "8-15", "16+")))
        if low[0] in THANKS or (len(low) > 1 and low[1] in THANKS):
            feats.append("c:thx_first")
            if any(w.startswith(CONTACT_PREFIXES) for w in low[1:8]):
                feats.append("c:thx_contact")
        if looks_like_signature(seg):
            feats.append("c:siglike")
        if any(fuzzy_closing_word(w, caches.fuzzy) for w in low[:3]):
            feats.append("c:fuzzy_close")
        if not WELCOME.isdisjoint(low[1:]) and len(OFFER.intersection(low)) >= 2:
            # "Du er altid velkommen til at vende tilbage", "You're welcome to get back to
            # us": "welcome" after the first word invites more contact (an offer), unlike
            # the opener "Welcome to …".
            feats.append("c:welcome_offer")
        if seg.text.endswith("?") and len(OFFER_MORE.intersection(low)) >= 1:
            # "Er der mere, du vil vide?", "Anything else I can help with?": an offer of
            # further help phrased as a question is a closing, unlike a request for details.
            feats.append("c:offer_q")
    end = seg.text[-1:]
    feats.append("ce:" + (end if end and not end.isalnum() else "w"))
    return feats


# --- the whole reply (explanation view) ---------------------------------------------------------

def global_feats(segs: list[SegTokens], lang: str, word_count: int) -> list[str]:
    """Reply-level features for the explanation view (added to the sum of segment bags).

    Step/question tests reuse the segments' memoised pattern flags."""
    n = len(segs)
    feats = ["lang:" + lang, "ns:" + _bucket(n, (0, 1, 2, 4), ("0", "1", "2", "3-4", "5+"))]
    if n > 1 and sum(1 for s in segs if P_STEP in seg_flags(s)) >= 2:
        feats.append("e:steps")
    if n and all(P_Q in seg_flags(s) for s in segs):
        feats.append("e:all_q")
    feats.append("wc:" + _bucket(word_count, (0, 5, 12, 30), ("0", "1-5", "6-12", "13-30", "31+")))
    return feats


