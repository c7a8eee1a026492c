"""bench/unique_text.py: never-repeating benchmark text.

The benchmark's primary traffic must not let the scorer's caches answer from repeated
sentences, so: no sentence of 50,000 replies occurs twice, the template spaces have room
for 1,000,000 replies, every language, channel and content type appears, and the records
decode as the scorer's input.
"""

from __future__ import annotations

import html
import re
from collections import Counter

import orjson
import pytest

from bench.unique_templates import TEMPLATES
from bench.unique_text import MAX_USES, UniqueText, unique_records
from scorer.schema import decode_reply
from scorer.settings import Settings

N = 50_000
_TAG = re.compile(r"<[^>]+>")
_BREAK = re.compile(r"<br>|</p>|<blockquote>|</div>")
# A sentence ends at . ! ? before a capital (so "kl. 14:05" and "14. mars" stay whole);
# every line is a piece too (salutations, sign-offs, chat turns without punctuation).
_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-ZÆØÅÄÖ'(])|\n+")


@pytest.fixture(scope="module")
def records() -> list[dict]:
    return unique_records(N, seed=11)


def plain(rec: dict) -> str:
    text = rec["text"]
    if rec["content_type"] == "text/html":
        text = html.unescape(_TAG.sub("", _BREAK.sub("\n", text)))
    return "\n".join(line.lstrip("> ").strip() for line in text.splitlines())


def pieces(rec: dict) -> list[str]:
    return [p.strip() for p in _SPLIT.split(plain(rec)) if p.strip()]


def test_no_sentence_repeats_in_50k_replies(records: list[dict]) -> None:
    counts = Counter(p for rec in records for p in pieces(rec) if len(p.split()) >= 4)
    repeated = [(p, c) for p, c in counts.most_common(5) if c > 1]
    assert not repeated
    assert len(counts) > 3 * N  # several sentences per reply on average


def test_only_salutations_and_sign_offs_recur(records: list[dict]) -> None:
    short = Counter(p for rec in records for p in pieces(rec) if len(p.split()) < 4)
    # Lines under four words are greetings, sign-offs and names ("Hei Anna,", "Mvh Tor").
    assert all(not p.endswith((".", "?")) for p in short), [p for p in short if
                                                            p.endswith((".", "?"))][:5]


def test_every_language_channel_and_content_type(records: list[dict]) -> None:
    seen = Counter((r["language"], r["channel"], r["content_type"]) for r in records)
    for lang in ("nb", "nn", "sv", "da", "en"):
        for channel in ("email", "chat", "messenger"):
            assert seen[lang, channel, "text/plain"] > 100
        assert seen[lang, "email", "text/html"] > 100
    assert not any(ct == "text/html" for (_, ch, ct) in seen if ch != "email")


def test_email_shapes(records: list[dict]) -> None:
    mails = [r["text"] for r in records if r["channel"] == "email"]
    htmls = [t for t, r in zip(mails, (r for r in records if r["channel"] == "email"),
                               strict=True) if r["content_type"] == "text/html"]
    for marker in ("<p>", "<br>", "&nbsp;", "<blockquote>", "&gt; ", "&aring;", "&oslash;"):
        assert any(marker in t for t in htmls), marker
    assert any("\n> " in t for t in mails)
    for head in (" wrote:", " skrev ", " skreiv "):
        assert any(head in t for t in mails), head


def test_lengths_run_from_a_few_words_to_several_paragraphs(records: list[dict]) -> None:
    words = sorted(len(plain(r).split()) for r in records)
    assert words[0] <= 8
    assert words[-1] >= 200
    assert max(plain(r).count("\n\n") for r in records if r["channel"] == "email") >= 5


def test_records_decode_as_scorer_input(records: list[dict]) -> None:
    limits = Settings()
    for rec in records[:2000]:
        reply = decode_reply(orjson.dumps(rec), max_record_bytes=limits.max_record_bytes,
                             max_text_chars=limits.max_text_chars)
        assert reply.text and reply.language == rec["language"]
    assert len({r["id"] for r in records}) == N


def test_deterministic_by_seed() -> None:
    assert unique_records(300, seed=3) == unique_records(300, seed=3)
    assert unique_records(300, seed=3) != unique_records(300, seed=4)


def test_room_for_a_million_replies_in_any_one_language() -> None:
    gen = UniqueText(seed=0)
    for lang, roles in TEMPLATES.items():
        for role in roles:
            assert gen.capacity(lang, role) >= MAX_USES[role] * 1_000_000, (lang, role)
