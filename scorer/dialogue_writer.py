"""Writes one synthetic conversation of a given kind (the text side of scorer.dialogues).

`Builder` keeps the clock, the people and the records of one conversation and knows how
agents and customers write (greetings by time of day, casual chat typing, e-mails with
sign-off, HTML and quoted mail); `write_conversation` follows the turn pattern of a kind.
The text comes from scorer.dialogue_phrases; which kind, channel and language a conversation
has, and the truth derived from its records, are decided in scorer.dialogues.
"""

from __future__ import annotations

import html
import random
from collections.abc import Sequence
from datetime import timedelta

from scorer.dialogue_phrases import LANGUAGES, PHRASES, Phrases, Scenario
from scorer.dialogue_records import format_sent_at, parse_sent_at

# Gap ranges in seconds, drawn log-uniformly (many short pauses, a few long ones).
# first: customer -> first agent message within the SLA; late: beyond it; reply: agent
# answering a customer; burst: agent writing two messages in a row; hold: agent back after
# "let me check"; customer: customer answering; split: customer's "hi" then the question;
# nudge: customer chasing an unanswered question; close: last message -> closed event.
# Within SLA even with a split opener: chat 40 + 240 < 300, Messenger 60 + 1500 < 1800.
# They stay within scorer.dialogues' SLA_SECONDS and MAX_GAP_SECONDS (tests/unit/test_dialogues.py).
_GAPS: dict[str, dict[str, tuple[float, float]]] = {
    "chat": {"first": (8, 240), "late": (330, 1150), "reply": (12, 150), "burst": (3, 40),
             "hold": (25, 280), "customer": (6, 110), "split": (4, 40), "nudge": (60, 900),
             "close": (5, 180)},
    "messenger": {"first": (45, 1500), "late": (2400, 40000), "reply": (40, 1200),
                  "burst": (3, 60), "hold": (60, 900), "customer": (20, 7200),
                  "split": (4, 60), "nudge": (900, 21600), "close": (60, 7200)},
    "email": {"first": (1800, 72000), "late": (90000, 250000), "reply": (1800, 60000),
              "customer": (1800, 172800), "nudge": (86400, 200000), "close": (600, 86400)},
}

# Agent-turn patterns for chat and Messenger. Each string is one message made of parts:
# G greeting, H hold ("let me check"), E explanation, F answer to the follow-up, C closing,
# N a non-closing last word ("Flott!"). "c:follow" / "c:thanks" are customer messages.
_GOOD_PATTERNS: tuple[tuple[str, ...], ...] = (
    ("GEC",),
    ("GH", "EC"),
    ("GE", "c:thanks", "C"),
    ("GE", "c:follow", "FC"),
    ("GH", "E", "c:thanks", "C"),
    ("GE", "c:follow", "F", "c:thanks", "C"),
    ("GH", "E", "c:follow", "FC"),
    ("G", "H", "EC"),
    ("GH", "E", "c:follow", "F", "c:thanks", "C"),
    ("G", "H", "E", "c:thanks", "C"),
    ("GH", "E", "c:follow", "F", "C"),
)
_NO_CLOSING_PATTERNS: tuple[tuple[str, ...], ...] = (
    ("GE",),
    ("GH", "E"),
    ("GE", "c:follow", "F"),
    ("GH", "E", "c:follow", "F"),
    ("G", "H", "E"),
    ("GE", "c:thanks", "N"),
    ("GH", "E", "c:thanks", "N"),
    ("GH", "E", "c:follow", "F", "c:thanks", "N"),
)
_ASCII = str.maketrans({"å": "aa", "ø": "o", "æ": "ae", "ä": "a", "ö": "o", "é": "e",
                        "'": "", " ": ""})
_REF_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class Builder:
    """Writes one conversation: keeps the clock, the people and the records."""

    def __init__(self, rng: random.Random, *, conversation_id: str, channel: str,
                 language: str, opened_ms: int) -> None:
        self.rng = rng
        self.cid = conversation_id
        self.channel = channel
        self.language = language
        self.p: Phrases = PHRASES[language]
        self.t = opened_ms
        self.records: list[dict] = []
        p = self.p
        first, last = rng.choice(p.first_names), rng.choice(p.surnames)
        known = {"email": 1.0, "messenger": 0.9, "chat": 0.65}[channel]
        self.customer_name = f"{first} {last}" if rng.random() < known else None
        agent_no = rng.randrange(24)
        self.agent_id = f"agent-{LANGUAGES.index(language) + 1}{agent_no:02d}"
        self.agent = p.first_names[(agent_no * 7) % len(p.first_names)]
        self.team = p.teams[agent_no % len(p.teams)]
        self.with_language = rng.random() < 0.75
        self.scenario: Scenario = rng.choice(p.scenarios)
        # Exactly the placeholders the phrase file may use (dialogue_phrases.PLACEHOLDERS).
        self.values = {
            "name": first, "customer": f"{first} {last}", "agent": self.agent,
            "order": str(rng.randrange(10_000_000, 99_999_999)),
            "ref": "".join(rng.choice(_REF_CHARS) for _ in range(6)),
            "day": rng.choice(p.weekdays),
        }

    # --- clock and records -------------------------------------------------------------

    def wait(self, gap: str) -> None:
        """Advance the clock by a pause of the given sort (log-uniform, whole ms, ≥ 1 s)."""
        lo, hi = _GAPS[self.channel][gap]
        seconds = lo * (hi / lo) ** self.rng.random()
        self.t += max(1000, round(seconds * 1000))

    def add(self, author: str, text: str, *, html_body: bool = False) -> dict:
        rec: dict = {"id": f"{self.cid}-m{len(self.records) + 1}", "conversation_id": self.cid,
                     "channel": self.channel, "author": author,
                     "sent_at": format_sent_at(self.t), "text": text}
        if self.channel == "email":
            rec["content_type"] = "text/html" if html_body else "text/plain"
        if author == "agent":
            rec["agent_id"] = self.agent_id
        rec["team"] = self.team
        if self.with_language:
            rec["language"] = self.language
        if self.customer_name:
            rec["customer_name"] = self.customer_name
        self.records.append(rec)
        return rec

    def close_event(self, rng: random.Random) -> None:
        lo, hi = _GAPS[self.channel]["close"]
        self.t += max(1000, round(lo * (hi / lo) ** rng.random() * 1000))
        self.records.append({"id": f"{self.cid}-closed", "conversation_id": self.cid,
                             "channel": self.channel, "event": "closed",
                             "sent_at": format_sent_at(self.t)})

    # --- text --------------------------------------------------------------------------

    def fill(self, template: str) -> str:
        return template.format(**self.values)

    def pick(self, pool: Sequence[str]) -> str:
        """A phrase from the pool, skipping ones that need the customer's unknown name."""
        usable = [s for s in pool if "{name}" not in s] if not self.customer_name else pool
        return self.fill(self.rng.choice(usable or pool))

    def casual(self, text: str) -> str:
        """How people type in a chat window: sometimes no capital, no full stop."""
        if self.channel == "email" or self.rng.random() >= 0.3:
            return text
        text = text[:1].lower() + text[1:]
        return text[:-1] if text.endswith(".") else text

    def local_hour(self) -> int:
        offset = 0 if self.language == "en" else 1
        return ((self.t // 3_600_000) + offset) % 24

    def greeting(self, *, late: bool) -> str:
        p = self.p
        if self.channel == "email":
            return self.pick(p.greet_late_email if late and self.rng.random() < 0.7
                             else p.greet_email)
        if late and self.rng.random() < 0.6:
            return self.pick(p.greet_late)
        if self.local_hour() < 10 and self.rng.random() < 0.5:
            return self.pick(p.greet_morning)
        return self.pick(p.greet_chat)

    def customer_letter(self, body: str, *, with_context: bool) -> str:
        p, rng = self.p, self.rng
        lines = [rng.choice(p.email_open), "", self.fill(body)]
        if with_context:
            lines[-1] += " " + self.fill(rng.choice(p.email_context))
        lines += ["", self.fill(rng.choice(p.email_sign))]
        return "\n".join(lines)

    def quote_of(self, rec: dict) -> tuple[str, str]:
        """Attribution line and quoted text of an earlier customer e-mail."""
        sent = parse_sent_at(rec["sent_at"]) + timedelta(hours=0 if self.language == "en" else 1)
        month = self.p.months[sent.month - 1]
        date = (f"{sent.day} {month} {sent.year}" if self.language in ("sv", "en")
                else f"{sent.day}. {month} {sent.year}")
        sep = "." if self.language == "da" else ":"
        first, _, last = self.values["customer"].partition(" ")
        address = f"{first.lower().translate(_ASCII)}.{last.lower().translate(_ASCII)}"
        sender = f"{self.values['customer']} <{address}@example.com>"
        intro = self.p.quote_intro.format(date=date, time=f"{sent:%H}{sep}{sent:%M}",
                                          sender=sender)
        return intro, rec["text"]

    def agent_email(self, paragraphs: list[str], quoted: dict | None) -> tuple[str, bool]:
        """An agent e-mail from paragraphs; as HTML (<p>, <br>) about a third of the time."""
        rng = self.rng
        signature = "\n".join((rng.choice(self.p.signoff), self.agent,
                               rng.choice(self.p.team_signature)))
        # A greeting such as "Hei,\n\nog takk for …" is two paragraphs once written out.
        paragraphs = [par for block in [*paragraphs, signature] for par in block.split("\n\n")]
        quote = self.quote_of(quoted) if quoted is not None and rng.random() < 0.4 else None
        if rng.random() < 0.35:
            body = "\n".join("<p>" + html.escape(par, quote=False).replace("\n", "<br>\n") + "</p>"
                             for par in paragraphs)
            if quote:
                intro = html.escape(quote[0], quote=False)
                quoted_html = html.escape(quote[1], quote=False).replace("\n", "<br>\n")
                body += f"\n<p>{intro}</p>\n<blockquote>{quoted_html}</blockquote>"
            return f"<html><body>\n{body}\n</body></html>", True
        text = "\n\n".join(paragraphs)
        if quote:
            text += "\n\n" + quote[0] + "\n" + "\n".join(
                "> " + line if line else ">" for line in quote[1].split("\n"))
        return text, False


# --- the kinds -------------------------------------------------------------------------


def _chat_like(b: Builder, patterns: Sequence[tuple[str, ...]], *, late: bool) -> None:
    """Chat or Messenger: the customer asks, the agent turns follow one of the patterns."""
    rng, p, s = b.rng, b.p, b.scenario
    if rng.random() < 0.25:
        b.add("customer", b.casual(rng.choice(p.customer_hello)))
        b.wait("split")
    b.add("customer", b.casual(b.fill(s.ask)))
    pattern = rng.choice(patterns)
    first, after_customer, after_hold = True, True, False
    for step in pattern:
        if step.startswith("c:"):
            b.wait("customer")
            text = s.follow_up if step == "c:follow" else rng.choice(p.customer_thanks)
            b.add("customer", b.casual(b.fill(text)))
            after_customer, after_hold = True, False
            continue
        if first:
            b.wait("late" if late else "first")
        else:
            b.wait("reply" if after_customer else "hold" if after_hold else "burst")
        parts = []
        for part in step:
            if part == "G":
                parts.append(b.greeting(late=late))
            elif part == "H":
                parts.append(b.pick(p.hold))
            elif part == "E":
                parts.append(b.fill(s.explain))
            elif part == "F":
                parts.append(b.fill(s.answer))
            elif part == "C":
                parts.append(b.pick(p.close_chat))
            elif part == "N":
                parts.append(b.pick(p.no_close_end))
        text = " ".join(parts)
        is_last = step is pattern[-1]
        if b.channel == "messenger" and is_last and "C" in step and rng.random() < 0.35:
            initials = "".join(w[0] for w in b.agent.split())
            text += rng.choice((f" ^{initials}", f"\n/{b.agent}", f" -{b.agent}"))
        b.add("agent", text)
        first, after_customer, after_hold = False, False, step.endswith("H")


def _email_thread(b: Builder, *, late: bool) -> None:
    rng, p, s = b.rng, b.p, b.scenario
    question = b.add("customer", b.customer_letter(s.ask, with_context=rng.random() < 0.6))
    b.wait("late" if late else "first")
    text, is_html = b.agent_email(
        [b.greeting(late=late), b.fill(s.explain), b.pick(p.close_email)], question)
    b.add("agent", text, html_body=is_html)
    roll = rng.random()
    if roll < 0.4:
        b.wait("customer")
        follow = b.add("customer", b.customer_letter(s.follow_up, with_context=False))
        if rng.random() < 0.85:
            b.wait("reply")
            text, is_html = b.agent_email(
                [b.pick(p.greet_again_email), b.fill(s.answer), b.pick(p.close_email)], follow)
            b.add("agent", text, html_body=is_html)
    elif roll < 0.55:
        b.wait("customer")
        b.add("customer", b.fill(rng.choice(p.email_thanks)) + "\n\n"
              + b.fill(rng.choice(p.email_sign)))


def _unanswered(b: Builder) -> None:
    rng, p, s = b.rng, b.p, b.scenario
    if b.channel == "email":
        b.add("customer", b.customer_letter(s.ask, with_context=rng.random() < 0.6))
        if rng.random() < 0.5:
            b.wait("nudge")
            b.add("customer", rng.choice(p.email_nudge) + "\n\n" + b.fill(rng.choice(p.email_sign)))
        return
    b.add("customer", b.casual(b.fill(s.ask)))
    if rng.random() < 0.5:
        b.wait("nudge")
        b.add("customer", b.casual(rng.choice(p.customer_nudge)))


def write_conversation(b: Builder, kind: str) -> bool:
    """Write the conversation of this kind; returns whether it is complete by construction."""
    if kind == "unanswered":
        _unanswered(b)
        return False
    if kind == "email_thread" or (kind == "late" and b.channel == "email"):
        _email_thread(b, late=kind == "late")
        return True
    if kind == "chat_no_closing":
        _chat_like(b, _NO_CLOSING_PATTERNS, late=False)
        return False
    _chat_like(b, _GOOD_PATTERNS, late=kind == "late")
    return True
