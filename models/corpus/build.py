"""Build the labelled reply corpus (models/corpus/replies.jsonl) from parts and hand-written replies.

Why a generator: real labelled agent replies in five languages are not available to the
project, so the corpus combines (1) whole replies written by hand and (2) replies composed
from pools of project-written pieces whose label meaning is known (LABELS.md). The labels of
a composed reply follow from which pieces were used and where, so they are exact.

Why the split is by parts: the model is judged on replies nobody here has seen. A test
reply built from sentences that also occur in training replies would measure memorisation,
so every pool item is assigned to train or test by a stable hash of its text, and a composed
reply uses only test pieces (test split) or only train pieces (train split). Hand-written
replies are split by a stable hash of their id. Nothing is ever re-drawn.

Why deterministic: replies.jsonl is committed training data; `python models/corpus/build.py`
must reproduce it byte for byte (fixed seeds, sorted output), so a test can detect parts
edited without a rebuild.

Usage:  python models/corpus/build.py [--corpus-dir DIR] [--out FILE] [--stats FILE]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
LANGS: tuple[str, ...] = ("en", "nb", "nn", "sv", "da")
SEED = "reply-scorer-corpus-v1"
TEST_PERCENT = 20
LABEL_KEYS: tuple[str, ...] = ("greeting", "explanation", "closing")
CHANNELS: tuple[str, ...] = ("email", "chat", "messenger")

#: Minimum size of every pool of a parts file (corpus_spec).
POOL_MIN: dict[str, int] = {
    "names": 30,
    "agent_names": 20,
    "companies": 12,
    "greeting": 60,
    "opener_other": 40,
    "greeting_word_inside": 20,
    "explanation_why": 50,
    "explanation_how": 50,
    "explanation_next": 50,
    "statement": 60,
    "request": 50,
    "closing_signoff": 25,
    "closing_wish": 30,
    "closing_offer": 30,
    "closing_thanks": 15,
    #: Thanks for the contact, message or feedback: a closing at the end, but a greeting
    #: at the start (LABELS.md), so `Composer.opener` never draws these as a non-greeting.
    "closing_thanks_contact": 0,
    "ending_other": 30,
    "signature": 20,
    "quote_header": 8,
    "customer_message": 30,
}
#: Pools whose items are labelled pieces: one text may not sit in two pools of different
#: label groups (see _label_group), or the same words would carry two different labels.
LABELLED_POOLS: tuple[str, ...] = (
    "greeting", "opener_other", "greeting_word_inside", "explanation_why", "explanation_how",
    "explanation_next", "statement", "request", "closing_signoff", "closing_wish",
    "closing_offer", "closing_thanks", "closing_thanks_contact", "ending_other",
)
PLACEHOLDERS: frozenset[str] = frozenset(
    {"name", "agent", "agent_initials", "company", "order", "date", "email", "days", "amount", "url"}
)
_PLACEHOLDER_RE = re.compile(r"\{([A-Za-z_]+)\}")

#: Composed replies per language (on top of the hand-written ones).
COMPOSED_PER_LANG: dict[str, int] = {"en": 720, "nb": 720, "nn": 440, "sv": 720, "da": 720}
COMPOSED_TEST_SHARE = 0.22
#: Guaranteed replies per (split, label combination) so every combination exists in both splits.
MIN_PER_COMBO = {"train": 12, "test": 5}

MONTHS: dict[str, tuple[str, ...]] = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "nb": ("januar", "februar", "mars", "april", "mai", "juni", "juli", "august",
           "september", "oktober", "november", "desember"),
    "nn": ("januar", "februar", "mars", "april", "mai", "juni", "juli", "august",
           "september", "oktober", "november", "desember"),
    "sv": ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
           "september", "oktober", "november", "december"),
    "da": ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august",
           "september", "oktober", "november", "december"),
}
TLD = {"en": ("com", "co.uk", "io"), "nb": ("no",), "nn": ("no",), "sv": ("se",), "da": ("dk",)}
URL_PATHS = {
    "en": ("help", "support/returns", "account", "help/billing", "contact", "track", "faq"),
    "nb": ("kundeservice", "minside", "hjelp", "sporing", "faktura", "kontakt-oss"),
    "nn": ("kundeservice", "minside", "hjelp", "sporing", "faktura", "kontakt-oss"),
    "sv": ("kundservice", "mina-sidor", "hjalp", "spara-paket", "faktura", "kontakt"),
    "da": ("kundeservice", "min-side", "hjaelp", "track", "faktura", "kontakt"),
}
EMOJI = ("🙂", "😊", "👍", "🙏", "👀", "😀", "✨", "💙", "🤞", "😅")


class PartsError(ValueError):
    """A parts or hand-written file that the generator cannot use; the message names the fix."""


# --------------------------------------------------------------------------- loading


def _placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER_RE.findall(text))


def _label_group(pool: str) -> str:
    """What a piece of this pool says about the labels (pools of one group may share text)."""
    for group in ("greeting", "explanation", "closing"):
        if pool.startswith(group) and pool != "greeting_word_inside":
            return group
    return "none"


def load_parts(path: Path) -> dict[str, list[str]]:
    """Read and validate one parts file; raise PartsError naming the file and key."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise PartsError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise PartsError(f"{path}: must be a JSON object with the pool keys {sorted(POOL_MIN)}")
    pools: dict[str, list[str]] = {}
    for key, minimum in POOL_MIN.items():
        if key not in data:
            raise PartsError(f"{path}: missing key '{key}' (a list of >= {minimum} strings)")
        items = data[key]
        if not isinstance(items, list) or not all(isinstance(s, str) for s in items):
            raise PartsError(f"{path}: key '{key}' must be a list of strings")
        bad = [s for s in items if not s.strip()]
        if bad:
            raise PartsError(f"{path}: key '{key}' has {len(bad)} empty item(s); remove them")
        if len(items) < minimum:
            raise PartsError(
                f"{path}: key '{key}' has {len(items)} items, needs >= {minimum}; add more"
            )
        dupes = [s for s, n in Counter(items).items() if n > 1]
        if dupes:
            raise PartsError(f"{path}: key '{key}' repeats {dupes[0]!r}; write a different item")
        for item in items:
            unknown = _placeholders(item) - PLACEHOLDERS
            if unknown:
                raise PartsError(
                    f"{path}: key '{key}' item {item!r} uses unknown placeholder(s) "
                    f"{sorted(unknown)}; allowed: {sorted(PLACEHOLDERS)}"
                )
        pools[key] = items
    extra = sorted(set(data) - set(POOL_MIN))
    if extra:
        raise PartsError(f"{path}: unknown key(s) {extra}; allowed keys: {sorted(POOL_MIN)}")
    seen: dict[str, str] = {}
    for key in LABELLED_POOLS:
        for item in pools[key]:
            norm = item.strip().lower()
            if norm in seen and _label_group(seen[norm]) != _label_group(key):
                raise PartsError(
                    f"{path}: item {item!r} is in both '{seen[norm]}' and '{key}'; "
                    "one text cannot carry two labels"
                )
            seen[norm] = key
    for key in ("names", "agent_names", "companies"):
        for item in pools[key]:
            if _placeholders(item):
                raise PartsError(f"{path}: key '{key}' item {item!r} may not hold placeholders")
    return pools


def load_handwritten(path: Path, lang: str) -> list[dict]:
    """Read and validate hand-written replies; raise PartsError naming file and line."""
    records: list[dict] = []
    ids: set[str] = set()
    id_re = re.compile(rf"^hw-{lang}-\d{{4}}$")
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise PartsError(f"{where}: not valid JSON ({exc})") from None
        if not isinstance(obj, dict):
            raise PartsError(f"{where}: each line must be a JSON object")
        rid = obj.get("id")
        if not isinstance(rid, str) or not id_re.match(rid):
            raise PartsError(f"{where}: id {rid!r} must look like 'hw-{lang}-0001'")
        if rid in ids:
            raise PartsError(f"{where}: id {rid!r} is used twice; ids must be unique")
        ids.add(rid)
        if obj.get("channel") not in CHANNELS:
            raise PartsError(f"{where}: channel {obj.get('channel')!r} must be one of {CHANNELS}")
        if obj.get("language") != lang:
            raise PartsError(f"{where}: language {obj.get('language')!r} must be '{lang}'")
        if not isinstance(obj.get("text"), str) or not obj["text"].strip():
            raise PartsError(f"{where}: text must be a non-empty string")
        ctype = obj.get("content_type", "text/plain")
        if ctype not in ("text/plain", "text/html"):
            raise PartsError(f"{where}: content_type {ctype!r} must be text/plain or text/html")
        labels = obj.get("labels")
        if not isinstance(labels, dict) or sorted(labels) != sorted(LABEL_KEYS) or any(
            labels[k] not in (0, 1) or isinstance(labels[k], bool) for k in LABEL_KEYS
        ):
            raise PartsError(f"{where}: labels must be {{greeting, explanation, closing}} of 0/1")
        name = obj.get("customer_name")
        if name is not None and not isinstance(name, str):
            raise PartsError(f"{where}: customer_name must be a string when present")
        if _placeholders(obj["text"]) & PLACEHOLDERS:
            raise PartsError(f"{where}: text holds a {{placeholder}}; write the value itself")
        rec = {
            "id": rid,
            "channel": obj["channel"],
            "text": obj["text"],
            "content_type": ctype,
            "language": lang,
            "author": "agent",
            "labels": {k: labels[k] for k in LABEL_KEYS},
            "provenance": "hand-written",
            "split": split_of(rid, salt="hw"),
        }
        if name:
            rec["customer_name"] = name
        records.append(rec)
    return records


# --------------------------------------------------------------------------- splitting


def split_of(text: str, salt: str = "part") -> str:
    """Stable train/test assignment: the same text always lands in the same split."""
    digest = hashlib.sha256(f"{salt}\x00{text}".encode()).digest()
    return "test" if int.from_bytes(digest[:4], "big") % 100 < TEST_PERCENT else "train"


def split_pools(pools: dict[str, list[str]]) -> dict[str, dict[str, list[str]]]:
    out: dict[str, dict[str, list[str]]] = {"train": {}, "test": {}}
    for key, items in pools.items():
        for split in out:
            out[split][key] = [s for s in items if split_of(s) == split]
    return out


# --------------------------------------------------------------------------- filling


@dataclass
class Ctx:
    """The values of one reply's placeholders, drawn once so the reply is consistent."""

    lang: str
    rng: random.Random
    pools: dict[str, list[str]]
    name: str = ""
    agent: str = ""
    company: str = ""
    initials: str = ""
    values: dict[str, str] = field(default_factory=dict)
    used_name: bool = False
    used_items: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        rng = self.rng
        self.name = rng.choice(self.pools["names"])
        self.agent = rng.choice(self.pools["agent_names"])
        self.company = rng.choice(self.pools["companies"])
        self.initials = (self.agent[0] + rng.choice("ABDEGHJKLMNOPRSTVW")).upper()
        slug = re.sub(r"[^a-z0-9]+", "", self.company.lower().replace("ø", "o").replace(
            "å", "a").replace("æ", "ae").replace("ä", "a").replace("ö", "o")) or "company"
        tld = rng.choice(TLD[self.lang])
        self.values = {
            "name": self.name,
            "agent": self.agent,
            "agent_initials": self.initials,
            "company": self.company,
            "order": self._order(),
            "date": self._date(),
            "email": self._email(slug, tld),
            "days": str(rng.choice((2, 3, 3, 5, 5, 7, 10, 14))),
            "amount": self._amount(),
            "url": f"https://{rng.choice(('www.', '', 'help.'))}{slug}.{tld}/"
            f"{rng.choice(URL_PATHS[self.lang])}",
        }

    def _order(self) -> str:
        rng = self.rng
        style = rng.randrange(6)
        digits = "".join(rng.choice("0123456789") for _ in range(rng.choice((6, 7, 8, 10))))
        if style == 0:
            return f"#{digits}"
        if style == 1:
            return f"{rng.choice(('SR', 'CS', 'INC', 'ORD', 'KS'))}-{digits[:6]}"
        if style == 2:
            return "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(6))
        if style == 3:
            return f"{digits[:3]}-{digits[3:]}"
        return digits

    def _date(self) -> str:
        rng = self.rng
        day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.choice((2024, 2025, 2026))
        mname = MONTHS[self.lang][month - 1]
        if self.lang == "en":
            return rng.choice((f"{day} {mname} {year}", f"{mname} {day}, {year}",
                               f"{day:02d}/{month:02d}/{year}", f"{mname[:3]} {day}"))
        if self.lang == "sv":
            return rng.choice((f"{day} {mname} {year}", f"{year}-{month:02d}-{day:02d}",
                               f"{day} {mname}"))
        return rng.choice((f"{day}. {mname} {year}", f"{day:02d}.{month:02d}.{year}",
                           f"{day}. {mname}"))

    def _email(self, slug: str, tld: str) -> str:
        first = re.sub(r"[^a-z]", "", self.name.lower()) or "kunde"
        dom = self.rng.choice(("gmail.com", "hotmail.com", "outlook.com", "online.no",
                               "yahoo.com", "icloud.com", f"{slug}.{tld}"))
        return f"{first}{self.rng.choice(('', '.', '_'))}{self.rng.randint(1, 99)}@{dom}"

    def _amount(self) -> str:
        rng = self.rng
        n = rng.choice((49, 99, 129, 149, 199, 249, 299, 349, 499, 599, 899, 1290, 2450))
        cents = rng.choice((0, 0, 50, 90, 95))
        if self.lang == "en":
            cur = rng.choice(("£", "$", "€"))
            return f"{cur}{n}" if not cents else f"{cur}{n}.{cents:02d}"
        if self.lang == "sv":
            return rng.choice((f"{n} kr", f"{n}:-", f"{n},{cents:02d} kr", f"SEK {n}"))
        cur = "DKK" if self.lang == "da" else "NOK"
        return rng.choice((f"{n} kr", f"kr {n},-", f"{n},{cents:02d} kr", f"{cur} {n}"))

    def fill(self, text: str) -> str:
        if "{name}" in text:
            self.used_name = True
        out = _PLACEHOLDER_RE.sub(lambda m: self.values.get(m.group(1), m.group(0)), text)
        leftover = _placeholders(out) & PLACEHOLDERS
        if leftover:  # pragma: no cover - load_parts rejects unknown ones
            raise PartsError(f"placeholder(s) {sorted(leftover)} left unfilled in {text!r}")
        return out


# --------------------------------------------------------------------------- noise


def typo(text: str, rng: random.Random) -> str:
    """Swap or drop one letter of one longer plain word (never in URLs, e-mails, numbers)."""
    words = [m for m in re.finditer(r"(?<![\w@/.:#-])[^\W\d_]{5,}(?![\w@/.:-])", text)
             if not m.group(0).isupper()]
    if not words:
        return text
    m = rng.choice(words)
    w = m.group(0)
    i = rng.randrange(1, len(w) - 1)
    new = w[:i] + w[i + 1] + w[i] + w[i + 2:] if rng.random() < 0.5 else w[:i] + w[i + 1:]
    return text[: m.start()] + new + text[m.end():]


def join_pieces(parts: Sequence[str], sep: str) -> str:
    """Join pieces with `sep`, but keep a multi-line piece (numbered steps) on its own lines."""
    out = ""
    for i, part in enumerate(parts):
        if i:
            out += "\n" if "\n" in part or "\n" in parts[i - 1] else sep
        out += part
    return out


def strip_end_punct(text: str) -> str:
    return re.sub(r"[.!]+$", "", text.rstrip())


def lower_first(text: str, lang: str) -> str:
    """Lower-case the first letter when a piece follows a comma on the same line."""
    if not text or not text[0].isupper():
        return text
    if lang == "en" and re.match(r"I\b", text):
        return text
    if len(text) > 1 and text[1].isupper():  # acronyms
        return text
    return text[0].lower() + text[1:]


# --------------------------------------------------------------------------- composing


@dataclass
class Piece:
    kind: str
    text: str


class Composer:
    """Composes one language's replies from its split pools."""

    def __init__(self, lang: str, pools: dict[str, list[str]], rng: random.Random) -> None:
        self.lang = lang
        self.pools = pools
        self.rng = rng

    # --- piece drawing

    def draw(self, ctx: Ctx, kind: str) -> str:
        """One item of a pool, never the same item twice in one reply."""
        pool = self.pools[kind]
        item = self.rng.choice(pool)
        for _ in range(10):
            if item not in ctx.used_items:
                break
            item = self.rng.choice(pool)
        ctx.used_items.add(item)
        text = ctx.fill(item)
        if kind not in ("signature", "quote_header", "customer_message") and \
                self.rng.random() < 0.05:
            text = typo(text, self.rng)
        return text

    def has(self, kind: str) -> bool:
        return bool(self.pools.get(kind))

    def closing_piece(self, ctx: Ctx, kind: str) -> Piece:
        """A closing piece at the end; closing thanks there may also thank for the contact."""
        if kind == "closing_thanks" and self.has("closing_thanks_contact") and \
                self.rng.random() < 0.3:
            kind = "closing_thanks_contact"
        return Piece(kind, self.draw(ctx, kind))

    # --- structure

    def opener(self, ctx: Ctx, greeting: int) -> Piece | None:
        rng = self.rng
        if greeting:
            return Piece("greeting", self.draw(ctx, "greeting"))
        r = rng.random()
        if r < 0.40:
            return Piece("opener_other", self.draw(ctx, "opener_other"))
        if r < 0.50:
            kind = "closing_thanks" if rng.random() < 0.7 else "closing_offer"
            return Piece("closing_at_start", self.draw(ctx, kind))
        if r < 0.58:
            return Piece("greeting_word_inside", self.draw(ctx, "greeting_word_inside"))
        if r < 0.66 and ctx.name:
            # name alone ("Nick, ...") is not a greeting; joined to the first body piece
            return Piece("name_only", ctx.name)
        return None

    def body(self, ctx: Ctx, explanation: int, n: int) -> list[Piece]:
        rng = self.rng
        pieces: list[Piece] = []
        if explanation:
            k = 1 if n == 1 or rng.random() < 0.6 else min(n, 2 + (rng.random() < 0.2))
            for _ in range(k):
                kind = rng.choice(("explanation_why", "explanation_how", "explanation_next"))
                pieces.append(Piece(kind, self.draw(ctx, kind)))
        while len(pieces) < n:
            r = rng.random()
            if r < 0.55:
                kind = "statement"
            elif r < 0.88:
                kind = "request"
            else:
                kind = "greeting_word_inside"
            pieces.append(Piece(kind, self.draw(ctx, kind)))
        rng.shuffle(pieces)
        # the body's last piece is a request most of the time only when nothing follows
        return pieces

    def closing(self, ctx: Ctx, closing: int, channel: str) -> tuple[list[Piece], bool]:
        """Return the closing pieces and whether a sign-off (needing a name after it) ends it."""
        rng = self.rng
        if not closing:
            r = rng.random()
            if r < 0.35:
                return [Piece("ending_other", self.draw(ctx, "ending_other"))], False
            if r < 0.55:
                return [Piece("request", self.draw(ctx, "request"))], False
            return [], False
        r = rng.random()
        signoff_p = 0.45 if channel == "email" else 0.08
        if r < signoff_p:
            out: list[Piece] = []
            if rng.random() < 0.35:
                kind = rng.choice(("closing_offer", "closing_wish", "closing_thanks"))
                out.append(self.closing_piece(ctx, kind))
            out.append(Piece("closing_signoff", self.draw(ctx, "closing_signoff")))
            return out, True
        kinds = ["closing_offer", "closing_wish", "closing_thanks"]
        first = rng.choices(kinds, weights=(4, 4, 2))[0]
        out = [self.closing_piece(ctx, first)]
        if rng.random() < 0.3:
            second = rng.choice([k for k in kinds if k != first])
            out.append(self.closing_piece(ctx, second))
        return out, False

    def signature(self, ctx: Ctx, channel: str, after_signoff: bool) -> str | None:
        rng = self.rng
        if after_signoff:
            if channel == "email" and rng.random() < 0.6:
                return self.draw(ctx, "signature")
            return rng.choice((ctx.agent, ctx.agent, f"{ctx.agent}\n{ctx.company}"))
        p = {"email": 0.7, "messenger": 0.55, "chat": 0.1}[channel]
        if rng.random() >= p:
            return None
        if channel == "messenger" or (channel == "chat" and rng.random() < 0.5):
            fmt = rng.choice(("^{i}", "^{i}", "/{a}", "-{a}", "*{i}", "– {a}", "/{i}", "^{a}"))
            return fmt.format(i=ctx.initials, a=ctx.agent)
        return self.draw(ctx, "signature")

    def compose(self, ctx: Ctx, channel: str, labels: dict[str, int]) -> tuple[str, str]:
        """Return (text, content_type) for one reply with the given labels."""
        rng = self.rng
        n_body = {"email": rng.choice((1, 2, 2, 3, 3, 4)), "chat": rng.choice((1, 1, 2, 2, 3)),
                  "messenger": rng.choice((1, 1, 1, 2, 2))}[channel]
        opener = self.opener(ctx, labels["greeting"])
        body = self.body(ctx, labels["explanation"], n_body)
        closing, signoff = self.closing(ctx, labels["closing"], channel)
        signature = self.signature(ctx, channel, signoff)
        if channel == "email":
            return self._email(ctx, opener, body, closing, signoff, signature)
        return self._short(ctx, channel, opener, body, closing, signoff, signature), "text/plain"

    # --- channel layouts

    def _join_opener(self, opener: Piece | None, first: str, own_line: bool) -> list[str]:
        """Opener on its own line (when the layout allows), or on the same line as the first
        body sentence; "Hi Sam," followed on the same line lower-cases the next word."""
        if opener is None:
            return [first]
        if opener.kind == "name_only":
            return [f"{opener.text}, {lower_first(first, self.lang)}"]
        ends_comma = opener.text.rstrip().endswith(",")
        if opener.kind != "greeting" and opener.text.rstrip()[-1:] in (",", ":"):
            # "Further to your email, we ..." / "Regarding the bill: ..." continue the line
            nxt = lower_first(first, self.lang) if ends_comma else first
            return [f"{opener.text} {nxt}"]
        if own_line and (self.rng.random() < 0.5 or ends_comma):
            return [opener.text, first]
        if ends_comma:
            return [f"{opener.text} {lower_first(first, self.lang)}"]
        return [f"{opener.text} {first}"]

    def _short(self, ctx: Ctx, channel: str, opener: Piece | None, body: list[Piece],
               closing: list[Piece], signoff: bool, signature: str | None) -> str:
        rng = self.rng
        texts = [p.text for p in body]
        if rng.random() < 0.25:
            i = rng.randrange(len(texts))
            texts[i] = f"{texts[i]} {rng.choice(EMOJI)}"
        own_line = self.rng.random() < (0.2 if channel == "chat" else 0.45)
        lines = self._join_opener(opener, texts[0], own_line) + texts[1:]
        tail = [p.text for p in closing]
        if signoff:
            # "Best, Sam" on one line or two
            sig = signature or ctx.agent
            tail[-1] = f"{tail[-1]} {sig}" if rng.random() < 0.5 else f"{tail[-1]}\n{sig}"
            signature = None
        if tail and rng.random() < 0.3:
            tail[-1] = f"{tail[-1]} {rng.choice(EMOJI)}"
        parts = lines + tail
        if own_line and len(lines) > 1 and lines[0] == getattr(opener, "text", None):
            rest = join_pieces(parts[1:], " " if rng.random() < 0.6 else "\n")
            text = parts[0] + rng.choice(("\n", "\n\n")) + rest
        else:
            sep = " " if rng.random() < (0.7 if channel == "chat" else 0.55) else "\n"
            text = join_pieces(parts, sep)
        if channel == "chat" and rng.random() < 0.2:
            text = text.lower()
        if rng.random() < 0.3:
            text = strip_end_punct(text)
        if rng.random() < 0.05:
            text = text.replace(" ", "  ", 1)
        if signature:
            text = text + rng.choice((" ", "\n", " ")) + signature
        return text

    def _email(self, ctx: Ctx, opener: Piece | None, body: list[Piece], closing: list[Piece],
               signoff: bool, signature: str | None) -> tuple[str, str]:
        rng = self.rng
        texts = [p.text for p in body]
        # paragraphs: opener line, 1-3 body paragraphs, closing, signature
        head = self._join_opener(opener, texts[0], self.rng.random() < 0.85)
        paras: list[str] = []
        if len(head) == 2:
            paras.append(head[0])
            rest = [head[1], *texts[1:]]
        else:
            rest = head + texts[1:]
        cut = sorted(rng.sample(range(1, len(rest)), k=min(len(rest) - 1, rng.randint(0, 2))))
        prev = 0
        for c in [*cut, len(rest)]:
            paras.append(join_pieces(rest[prev:c], " "))
            prev = c
        tail = [p.text for p in closing]
        if signoff:
            block = tail[-1] + "\n" + (signature or ctx.agent)
            if len(tail) > 1:
                paras.append(" ".join(tail[:-1]) if rng.random() < 0.5 else tail[0])
            sig_para = block
        else:
            if tail:
                if rng.random() < 0.25 and paras:
                    paras[-1] = f"{paras[-1]} {' '.join(tail)}"
                else:
                    paras.append(" ".join(tail))
            sig_para = signature
        quote = None
        if rng.random() < 0.35:
            header = self.draw(ctx, "quote_header")
            msg = self.draw(ctx, "customer_message")
            quote = (header, msg)
        if rng.random() < 0.25:
            return self._html(paras, sig_para, quote), "text/html"
        out = "\n\n".join(paras)
        if sig_para:
            out += rng.choice(("\n\n", "\n")) + sig_para
        if quote:
            header, msg = quote
            if rng.random() < 0.6:
                msg = "\n".join(f"> {ln}" if ln else ">" for ln in msg.split("\n"))
            out += f"\n\n{header}\n{msg}"
        return out, "text/plain"

    def _html(self, paras: list[str], sig: str | None,
              quote: tuple[str, str] | None) -> str:
        rng = self.rng

        def esc(s: str) -> str:
            s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            return s.replace("\n", "<br>")

        style = rng.randrange(3)
        if style == 0:
            body = "".join(f"<p>{esc(p)}</p>" for p in paras)
        elif style == 1:
            body = "<div>" + "<br><br>".join(esc(p) for p in paras) + "</div>"
        else:
            body = "".join(f"<div>{esc(p)}</div><div>&nbsp;</div>" for p in paras)
        if sig:
            body += f'<div class="signature">{esc(sig)}</div>'
        if quote:
            body += (f"<div>{esc(quote[0])}</div><blockquote style=\"margin:0 0 0 .8ex;"
                     f"border-left:1px solid #ccc;padding-left:1ex\">{esc(quote[1])}</blockquote>")
        if rng.random() < 0.5:
            body = f"<html><body>{body}</body></html>"
        return body


# --------------------------------------------------------------------------- plan + build


def combos() -> list[dict[str, int]]:
    return [
        {"greeting": g, "explanation": e, "closing": c}
        for g in (0, 1) for e in (0, 1) for c in (0, 1)
    ]


def draw_labels(rng: random.Random) -> dict[str, int]:
    """Realistic skew: most replies explain; about 40% lack a greeting or a closing."""
    return {
        "greeting": int(rng.random() < 0.64),
        "explanation": int(rng.random() < 0.78),
        "closing": int(rng.random() < 0.6),
    }


def plan(lang: str, rng: random.Random, total: int) -> list[tuple[str, dict[str, int]]]:
    """(split, labels) for each composed reply; every combination guaranteed in both splits."""
    items: list[tuple[str, dict[str, int]]] = []
    for split, k in MIN_PER_COMBO.items():
        for combo in combos():
            items.extend((split, dict(combo)) for _ in range(k))
    n_test = round(total * COMPOSED_TEST_SHARE)
    have_test = sum(1 for s, _ in items if s == "test")
    have_train = len(items) - have_test
    items.extend(("test", draw_labels(rng)) for _ in range(max(0, n_test - have_test)))
    items.extend(
        ("train", draw_labels(rng)) for _ in range(max(0, total - n_test - have_train))
    )
    return items


def pick_channel(rng: random.Random) -> str:
    return rng.choices(CHANNELS, weights=(40, 35, 25))[0]


def compose_language(lang: str, pools: dict[str, list[str]], taken: set[str]) -> list[dict]:
    """All composed replies of one language; `taken` holds texts already used (no duplicates)."""
    rng = random.Random(f"{SEED}:{lang}")
    by_split = split_pools(pools)
    for split, sp in by_split.items():
        empty = [k for k in ("names", "agent_names", "companies", "greeting", "opener_other",
                             "statement", "request", "explanation_why", "explanation_how",
                             "explanation_next", "closing_signoff", "closing_wish",
                             "closing_offer", "closing_thanks", "ending_other", "signature",
                             "quote_header", "customer_message", "greeting_word_inside")
                 if not sp[k]]
        if empty:
            raise PartsError(
                f"parts/{lang}.json: after the stable-hash split, the {split} share of "
                f"pool(s) {empty} is empty; add a few more items to them"
            )
    composers = {s: Composer(lang, sp, rng) for s, sp in by_split.items()}
    out: list[dict] = []
    for n, (split, labels) in enumerate(plan(lang, rng, COMPOSED_PER_LANG[lang]), start=1):
        comp = composers[split]
        for _attempt in range(20):
            ctx = Ctx(lang, rng, by_split[split])
            channel = pick_channel(rng)
            text, ctype = comp.compose(ctx, channel, labels)
            key = text.strip().lower()
            if key not in taken:
                taken.add(key)
                break
        else:
            continue  # pools too small to give a new text for this plan slot
        rec = {
            "id": f"c-{lang}-{n:05d}",
            "channel": channel,
            "text": text,
            "content_type": ctype,
            "language": lang,
            "author": "agent",
            "labels": labels,
            "provenance": "composed",
            "split": split,
        }
        if ctx.used_name or rng.random() < 0.5:
            rec["customer_name"] = ctx.name
        out.append(rec)
    return out


def build(corpus_dir: Path, log: Callable[[str], None]) -> list[dict]:
    """Every reply of every language present, sorted by id."""
    records: list[dict] = []
    for lang in LANGS:
        parts_path = corpus_dir / "parts" / f"{lang}.json"
        hw_path = corpus_dir / "handwritten" / f"{lang}.jsonl"
        taken: set[str] = set()
        hw: list[dict] = []
        if hw_path.exists():
            hw = load_handwritten(hw_path, lang)
            for rec in hw:
                key = rec["text"].strip().lower()
                if key in taken:
                    raise PartsError(f"{hw_path}: {rec['id']} repeats the text of another reply")
                taken.add(key)
        else:
            log(f"note: {hw_path.relative_to(corpus_dir)} missing; no hand-written {lang} replies")
        if parts_path.exists():
            composed = compose_language(lang, load_parts(parts_path), taken)
        else:
            log(f"note: {parts_path.relative_to(corpus_dir)} missing; no composed {lang} replies")
            composed = []
        records.extend(hw)
        records.extend(composed)
    records.sort(key=lambda r: r["id"])
    return records


def dump(records: Sequence[dict]) -> bytes:
    lines = [json.dumps(r, ensure_ascii=False, sort_keys=True) for r in records]
    return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""


def stats_markdown(records: Sequence[dict]) -> str:
    """Counts per language, split, provenance, channel and label (also printed by the build)."""
    langs = [lg for lg in LANGS if any(r["language"] == lg for r in records)]
    lines = ["# Corpus statistics", "",
             "Generated by `python models/corpus/build.py`; do not edit by hand.", "",
             f"Total replies: **{len(records)}**", "",
             "## Per language", "",
             "| language | total | train | test | hand-written | composed | email | chat "
             "| messenger | html | greeting=1 | explanation=1 | closing=1 |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for lg in langs:
        rs = [r for r in records if r["language"] == lg]
        c = Counter()
        for r in rs:
            c[r["split"]] += 1
            c[r["provenance"]] += 1
            c[r["channel"]] += 1
            c["html"] += r["content_type"] == "text/html"
            for k in LABEL_KEYS:
                c[k] += r["labels"][k]
        lines.append(
            f"| {lg} | {len(rs)} | {c['train']} | {c['test']} | {c['hand-written']} | "
            f"{c['composed']} | {c['email']} | {c['chat']} | {c['messenger']} | {c['html']} | "
            f"{c['greeting']} | {c['explanation']} | {c['closing']} |"
        )
    lines += ["", "## Label combinations (greeting, explanation, closing) per language and split",
              "", "| language | split | " + " | ".join(
                  f"{g}{e}{c}" for g in (0, 1) for e in (0, 1) for c in (0, 1)) + " |",
              "|---|---|" + "---|" * 8]
    for lg in langs:
        for split in ("train", "test"):
            cnt = Counter(
                "".join(str(r["labels"][k]) for k in LABEL_KEYS)
                for r in records if r["language"] == lg and r["split"] == split
            )
            lines.append(f"| {lg} | {split} | " + " | ".join(
                str(cnt[f"{g}{e}{c}"]) for g in (0, 1) for e in (0, 1) for c in (0, 1)) + " |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus-dir", type=Path, default=HERE)
    ap.add_argument("--out", type=Path, default=None, help="default: <corpus-dir>/replies.jsonl")
    ap.add_argument("--stats", type=Path, default=None,
                    help="default: <corpus-dir>/STATS.md; '-' to skip")
    args = ap.parse_args(argv)
    out = args.out or args.corpus_dir / "replies.jsonl"
    try:
        records = build(args.corpus_dir, lambda m: print(m, file=sys.stderr))
    except PartsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out.write_bytes(dump(records))
    stats = stats_markdown(records)
    if str(args.stats) != "-":
        (args.stats or args.corpus_dir / "STATS.md").write_text(stats, encoding="utf-8")
    print(stats)
    print(f"wrote {len(records)} replies to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
