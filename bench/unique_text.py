"""Never-repeating reply text: benchmark traffic that the scorer's caches cannot flatter.

What it is. The corpus the benchmark used to replay (models/corpus/replies.jsonl, 4,705
replies) repeats every sentence each 4,705 records, so after a warm-up the scorer's memos
(tokenised segments, stems, string columns; `scorer.features.caches`) answer most of the
work and the speed figures describe a stream production never sends. This module generates
agent replies in the input schema (id, channel, language, text, content_type,
customer_name, conversation_id, agent_id, team) in nb, nn, sv, da and en, on e-mail (plain
text and HTML: `<p>`, `<br>`, `&nbsp;`, entity-encoded letters, quoted history under an
"On <date>, <name> wrote:" / "Den … skrev …:" line as `>` lines or a `<blockquote>`), chat
and Messenger (short turns). About 60 % are complete replies (greeting, explanation,
closing); the rest miss one or two of the parts. Lengths run from one short chat turn to
e-mails of several paragraphs; on average about twice as long as the corpus's replies
(`bench/score_speed.py --traffic matched` picks generated replies of the corpus's shape).
It is deterministic by seed.

How no sentence repeats. Each sentence comes from a template (`bench/unique_templates.py`)
whose slots (order and case numbers, amounts, dates, times, tracking numbers, products,
places, names, …) span a finite space of combinations. Every use of a template takes the
next point of a seeded permutation of that space (an affine map modulo its size, decoded
digit by digit into the slots), so a template never yields the same combination twice; a
template whose space is used up is no longer chosen, and the generator raises rather than
repeat when a whole role is used up. `capacity()` gives the room per language and role:
with `MAX_USES` uses per reply at most, every role has room for more than 1,000,000
replies even if all of them were in one language (tests/unit/test_unique_text.py checks this,
and that 50,000 generated replies hold no sentence twice). Salutation and sign-off lines
("Hi Anna,", "Kind regards,\\nTom") are not sentences and do recur, as in real mail.

What it does not show. It is still generated text: about 200 templates in a fixed
register, so word choice, syntax and the mix of languages and channels are narrower than
live traffic, and words (and thus the per-token memos) recur as in real text, which is
intended. It never repeats a sentence, which real traffic does (stock phrases), so for the
segment memo it is a pessimistic bound, where the corpus replay is an optimistic one. It
measures speed only: the replies carry no labels and say nothing about scoring quality.
"""

from __future__ import annotations

import html
import itertools
import math
import random
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.entities import codepoint2name

from bench import unique_phrases as phrases
from bench.unique_templates import TEMPLATES

LANGUAGE_WEIGHTS = {"nb": 0.3, "nn": 0.1, "sv": 0.2, "da": 0.2, "en": 0.2}
CHANNEL_WEIGHTS = {"email": 0.4, "chat": 0.35, "messenger": 0.25}
HTML_SHARE = 0.4  # of e-mails
#: The most times one reply uses each role (the structure below keeps to it).
MAX_USES = {"open": 1, "explain": 6, "ask": 1, "close": 1, "chat": 3, "customer": 4,
            "quote_head": 1}

_MONTHS = {
    "nb": "januar februar mars april mai juni juli august september oktober november desember",
    "nn": "januar februar mars april mai juni juli august september oktober november desember",
    "sv": "januari februari mars april maj juni juli augusti september oktober november december",
    "da": "januar februar marts april maj juni juli august september oktober november december",
    "en": "January February March April May June July August September October November December",
}
_COUNTRY = {"nb": "NO", "nn": "NO", "sv": "SE", "da": "DK", "en": "GB"}


def _amount(lang: str) -> Callable[[int], str]:
    def render(i: int) -> str:
        if lang == "en":  # £2.00 to £401.99
            return f"£{2 + i // 100:,}.{i % 100:02d}"
        whole, cents = 29 + i // 8, (0, 50, 90, 95, 25, 75, 49, 99)[i % 8]  # to 5,028 kr
        grouped = f"{whole:,}".replace(",", "." if lang == "da" else " ")
        return f"{grouped},{cents:02d} kr" if cents else f"{grouped} kr"
    return render


def _date(lang: str) -> Callable[[int], str]:
    months = _MONTHS[lang].split()

    def render(i: int) -> str:
        d = date(2025, 1, 1) + timedelta(days=i)
        dot = "." if lang in ("nb", "nn", "da") else ""
        return f"{d.day}{dot} {months[d.month - 1]}"
    return render


def _numeric_slots(lang: str) -> dict[str, tuple[int, Callable[[int], str]]]:
    """(size, render) of each number slot; every render is one-to-one on range(size)."""
    sep = "." if lang == "da" else ":"
    cc = _COUNTRY[lang]
    return {
        "order": (1_000_000, lambda i: str(3_000_000 + i)),
        "case": (400_000, lambda i: str(100_000 + i)),
        "amount": (40_000, _amount(lang)),
        "date": (365, _date(lang)),
        "time": (180, lambda i: f"{7 + i // 12:02d}{sep}{i % 12 * 5:02d}"),
        "days": (29, lambda i: str(2 + i)),
        "track": (1_000_000, lambda i: f"LA{i:07d}{cc}"),
        "version": (10_000, lambda i: f"{3 + i // 1000}.{i // 100 % 10}.{i % 100}"),
        "years": (4, lambda i: str(2 + i)),
    }


def _slot_table(lang: str) -> dict[str, tuple[int, Callable[[int], str]]]:
    first, last = phrases.names(lang)
    lists = {**phrases.WORDS[lang], "colleague": first, "first": first, "last": last}
    table = {name: (len(vals), vals.__getitem__) for name, vals in lists.items()}
    table.update(_numeric_slots(lang))
    return table


@dataclass(slots=True)
class _Template:
    """One sentence template and how far through its slot space it has got."""

    literals: tuple[str, ...]  # len(slots) + 1 pieces of fixed text
    renders: tuple[Callable[[int], str], ...]
    sizes: tuple[int, ...]
    space: int
    mul: int
    add: int
    used: int = 0

    @classmethod
    def parse(cls, text: str, table: dict, rng: random.Random) -> _Template:
        literals, names = [], []
        for lit, name, _, _ in string.Formatter().parse(text):
            literals.append(lit)
            if name is not None:
                names.append(name)
        if len(literals) == len(names):
            literals.append("")
        if len(set(names)) != len(names):
            raise ValueError(f"template uses a slot twice: {text!r}")
        sizes = tuple(table[n][0] for n in names)
        space = math.prod(sizes)
        mul = rng.randrange(space // 3 + 1, space) if space > 2 else 1
        while math.gcd(mul, space) != 1:
            mul += 1
        return cls(tuple(literals), tuple(table[n][1] for n in names), sizes, space, mul,
                   rng.randrange(space))

    def render(self) -> str:
        """The next unused combination of this template's slots."""
        x = (self.mul * self.used + self.add) % self.space
        self.used += 1
        out = [self.literals[0]]
        for lit, render, size in zip(self.literals[1:], self.renders, self.sizes, strict=True):
            x, digit = divmod(x, size)
            out.append(render(digit))
            out.append(lit)
        text = "".join(out)
        return text[0].upper() + text[1:]


@dataclass(slots=True)
class _Role:
    templates: list[_Template] = field(default_factory=list)

    def take(self, rng: random.Random, k: int = 1) -> list[str]:
        """Up to k sentences from different templates (a reply does not say one thing twice)."""
        live = [t for t in self.templates if t.used < t.space]
        if k and not live:
            raise RuntimeError("unique_text: every template of a role is used up")
        return [t.render() for t in rng.sample(live, min(k, len(live)))]


class UniqueText:
    """Endless never-repeating reply records (`records()`), deterministic by `seed`."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self._rng = random.Random(seed)
        self._roles: dict[tuple[str, str], _Role] = {}
        for lang, roles in TEMPLATES.items():
            table = _slot_table(lang)
            for role, texts in roles.items():
                rng = random.Random(f"{seed}/{lang}/{role}")
                self._roles[lang, role] = _Role([_Template.parse(t, table, rng) for t in texts])

    def capacity(self, lang: str, role: str) -> int:
        """Sentences the role can still give in `lang` before one would have to repeat."""
        return sum(t.space - t.used for t in self._roles[lang, role].templates)

    def _say(self, lang: str, role: str, k: int = 1) -> list[str]:
        return self._roles[lang, role].take(self._rng, k)

    # -- one reply ----------------------------------------------------------------------
    def _parts(self) -> tuple[bool, bool, bool]:
        """(greeting, explanation, closing) present: complete ~60 %, else one or two missing."""
        if self._rng.random() < 0.6:
            return True, True, True
        missing = self._rng.sample(range(3), self._rng.choice((1, 1, 2)))
        return tuple(i not in missing for i in range(3))  # type: ignore[return-value]

    def _email(self, lang: str, name: str, last: str) -> tuple[list[list[str]], list[str], str]:
        """(paragraphs of lines, quoted customer paragraphs' sentences, quote head)."""
        rng = self._rng
        greet, explain, close = self._parts()
        paras: list[list[str]] = []
        if greet:
            paras.append([rng.choice(phrases.GREET[lang]).format(first=name, last=last)])
        body: list[str] = []
        if (explain or rng.random() < 0.5) and rng.random() < 0.7:
            body.extend(self._say(lang, "open"))
        n_explain = rng.choice((1, 1, 2, 2, 3, 4, 6)) if explain else 0
        sentences = self._say(lang, "explain", n_explain)
        if rng.random() < 0.5 or not (body or sentences):
            sentences.extend(self._say(lang, "ask"))
        body.extend(sentences)
        while body:
            k = rng.choice((1, 2, 2, 3))
            paras.append([" ".join(body[:k])])
            body = body[k:]
        if close:
            paras.append(self._say(lang, "close"))
        if close or rng.random() < 0.3:
            agent = rng.choice(phrases.names(lang)[0])
            paras.append(rng.choice(phrases.SIGN[lang]).format(agent=agent).split("\n"))
        quoted: list[str] = []
        head = ""
        if rng.random() < 0.5:
            head = self._say(lang, "quote_head")[0]
            quoted = self._say(lang, "customer", rng.randint(1, 4))
        return paras, quoted, head

    def _plain_email(self, paras: list[list[str]], quoted: list[str], head: str) -> str:
        text = "\n\n".join("\n".join(p) for p in paras)
        if head:
            lines = [f"> {s}" if i % 2 == 0 else f"> {s}\n>" for i, s in enumerate(quoted)]
            text += f"\n\n{head}\n" + "\n".join(lines)
        return text

    def _html_email(self, lang: str, paras: list[list[str]], quoted: list[str], head: str
                    ) -> str:
        rng = self._rng
        entities = rng.random() < 0.3  # older clients write å as &aring;

        def enc(s: str) -> str:
            s = html.escape(s, quote=False).replace(" kr", "&nbsp;kr")
            if entities:
                s = "".join(f"&{codepoint2name[ord(c)]};" if ord(c) > 127 and ord(c)
                            in codepoint2name else c for c in s)
            return s

        spacer = "<p>&nbsp;</p>" if rng.random() < 0.4 else ""
        body = spacer.join("<p>" + "<br>".join(enc(line) for line in p) + "</p>" for p in paras)
        if head:
            if rng.random() < 0.5:
                inner = "".join(f"<p>{enc(s)}</p>" for s in quoted)
                body += f'<div class="quote">{enc(head)}</div><blockquote>{inner}</blockquote>'
            else:
                body += f"<p>{enc(head)}<br>" + "<br>".join(f"&gt; {enc(s)}" for s in quoted)
                body += "</p>"
        return f'<html><body><div dir="ltr">{body}</div></body></html>' if rng.random() < 0.5 \
            else body

    def _chat(self, lang: str, name: str, channel: str) -> str:
        """One chat or Messenger message: a few turns, on one line or one per line."""
        rng = self._rng
        greet, explain, close = self._parts()
        n_chat = rng.choice((1, 1, 2, 3)) if explain or not close else 0  # never empty
        n_explain = sum(rng.random() < 0.4 for _ in range(n_chat)) if explain else 0
        turns = self._say(lang, "chat", n_chat - n_explain) + self._say(lang, "explain", n_explain)
        if close:
            turns.extend(self._say(lang, "close"))
        if greet:
            short = [g for g in phrases.GREET[lang] if "{last}" not in g]
            turns.insert(0, rng.choice(short).format(first=name).rstrip(","))
        if rng.random() < (0.6 if channel == "messenger" else 0.2):
            return "\n".join(turns)
        # On one line a bare turn gets its punctuation (emoji and brackets end a turn too).
        ends = [t if t[-1] in ".!?)" or ord(t[-1]) > 0x2000 else t + ("!" if greet and i == 0
                else ".") for i, t in enumerate(turns[:-1])]
        return " ".join([*ends, turns[-1]])

    def records(self) -> Iterator[dict]:
        """Endless input records (agent replies) under ids `u<seed>-<n>`; every 3 share a
        conversation_id, as the corpus traffic does."""
        rng = self._rng
        langs, lang_w = zip(*LANGUAGE_WEIGHTS.items(), strict=True)
        chans, chan_w = zip(*CHANNEL_WEIGHTS.items(), strict=True)
        for n in itertools.count():
            lang = rng.choices(langs, lang_w)[0]
            channel = rng.choices(chans, chan_w)[0]
            first, last = phrases.names(lang)
            name, surname = rng.choice(first), rng.choice(last)
            rec = {"id": f"u{self.seed}-{n}", "channel": channel, "language": lang,
                   "content_type": "text/plain"}
            if channel == "email":
                paras, quoted, head = self._email(lang, name, surname)
                if rng.random() < HTML_SHARE:
                    rec["content_type"] = "text/html"
                    rec["text"] = self._html_email(lang, paras, quoted, head)
                else:
                    rec["text"] = self._plain_email(paras, quoted, head)
            else:
                rec["text"] = self._chat(lang, name, channel)
            if rng.random() < (0.7 if channel == "email" else 0.3):
                rec["customer_name"] = name
            rec["conversation_id"] = f"uc{self.seed}-{n // 3}"
            rec["agent_id"] = f"agent-{rng.randrange(1, 60):03d}"
            rec["team"] = f"team-{lang}-{rng.randrange(1, 4)}"
            yield rec


def unique_records(n: int, seed: int = 0) -> list[dict]:
    """The first n records of `UniqueText(seed).records()`."""
    return list(itertools.islice(UniqueText(seed).records(), n))
