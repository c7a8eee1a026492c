"""Poison input to the scorer: whatever text a valid record carries, scoring never fails.

The decoder is fuzzed in test_decoder_fuzz.py; this file starts where it stops, with
`Reply` objects the decoder accepted, and drives them through the real shipped model
(`Scorer.from_settings(load_settings())`, loaded once for the module). Every output must
keep the wire contract of DESIGN.md, and the scorer must not fall back to its "score as
empty text" safety net either: that net logs an error, and a reply scored as empty is a
wrong score, so any error logged while scoring fails the test.

Hypothesis runs derandomized (fixed examples, no example database) so the suite is
deterministic and bounded; the huge inputs are explicit cases because random 100k-char
strings would make every example slow without finding anything new.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scorer.schema import LANGUAGES, Channel, Reply, ScoredReply, band_for
from scorer.scoring import REASONS, Scorer
from scorer.settings import load_settings
from scorer.text import prepare

FUZZ = settings(max_examples=300, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


class _Errors(logging.Handler):
    """Collects ERROR records of the scorer's loggers (the fallback paths log there)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


_ERRORS = _Errors()


@pytest.fixture(scope="module")
def scorer() -> Iterator[Scorer]:
    logger = logging.getLogger("scorer")
    logger.addHandler(_ERRORS)
    try:
        yield Scorer.from_settings(load_settings())
    finally:
        logger.removeHandler(_ERRORS)


# --- strategies ------------------------------------------------------------------------------

any_unicode = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)),
                      max_size=400)
control = st.text(alphabet=st.characters(categories=("Cc", "Cf", "Zs", "Zl", "Zp")),
                  max_size=200)
rtl = st.lists(st.one_of(
    st.text(alphabet=st.characters(min_codepoint=0x0590, max_codepoint=0x06FF), min_size=1,
            max_size=30),
    st.sampled_from(["\u202e", "\u202b", "\u202c", "\u200f", "\u2067", "\u2069", " ", "\n",
                     "Hei Ola, ", "Med vennlig hilsen\nKari"]),
), max_size=20).map("".join)
emoji_only = st.lists(st.one_of(
    st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF),
    st.sampled_from(["\u200d", "\ufe0f", "\U0001F3FD", "\U0001F1F3\U0001F1F4",
                     "\U0001F468\u200d\U0001F469\u200d\U0001F467"]),
), min_size=1, max_size=120).map("".join)
html_piece = st.one_of(
    st.sampled_from([
        "<p>", "</p>", "<br>", "<br/>", "<div>", "</div>", "<blockquote type=cite>",
        "</blockquote>", "<script>alert(1)</script>", "<style>p{x:y}</style>", "<!--", "-->",
        "&amp;", "&#x202e;", "&#0;", "&#xD800;", "&nbsp;", "&bogus;", "<table><tr><td>",
        "</td></tr></table>", "<a href='javascript:x'>", "</a>", "<", ">", "&", "<![CDATA[",
        "]]>", "<img src=x onerror=y>", "<html><body>", "</body></html>", "<ul><li>",
        "<hr>", "<div class=gmail_quote>", "On Mon, Ola wrote:", "-- \n", "<pre>", "</pre>",
        "<?xml version='1.0'?>", "<!DOCTYPE html>", "<sig", "\x00", "\r\n",
    ]),
    st.text(max_size=40),
)
html_soup = st.lists(html_piece, max_size=40).map("".join)
any_text = st.one_of(
    st.just(""), st.sampled_from([" ", "\n\n\n", "\t", "\u00a0", "\ufeff"]),
    any_unicode, control, rtl, emoji_only, html_soup,
)


@st.composite
def replies(draw: st.DrawFn) -> Reply:
    text = draw(any_text)
    return Reply(
        id=f"f-{draw(st.integers(0, 10**9))}",
        channel=draw(st.sampled_from(list(Channel))),
        text=text,
        content_type=draw(st.sampled_from(["text/plain", "text/html"])),
        language=draw(st.none() | st.sampled_from(LANGUAGES)),
        customer_name=draw(st.none() | st.sampled_from(["Ola", "Åse Ødegård", "", "\u202eX"])
                           | st.text(max_size=30)),
    )


# --- invariants --------------------------------------------------------------------------------


def check(batch: list[Reply], out: list[ScoredReply], scorer: Scorer) -> None:
    assert len(out) == len(batch)
    for reply, s in zip(batch, out, strict=True):
        assert s.id == reply.id and s.channel == reply.channel
        if s.language == "und":  # detected as none of the five: the unscored record
            assert reply.language is None
            assert (s.total, s.band, s.dimensions, s.flagged, s.reasons) == (
                None, None, None, False, ["unsupported_language"])
            assert set(s.evidence.values()) == {None}
            assert ScoredReply.model_validate_json(s.model_dump_json()) == s
            continue
        assert type(s.total) is int and 0 <= s.total <= 100
        assert s.band == band_for(s.total)
        assert s.flagged == (s.total < scorer.flag_threshold)
        dims = s.dimensions.model_dump()
        assert set(dims) == {"greeting", "explanation", "closing", "length"}
        for name, value in dims.items():
            assert math.isfinite(value) and 0.0 <= value <= 1.0, (name, value)
        assert set(s.reasons) <= set(REASONS) and len(s.reasons) == len(set(s.reasons))
        if s.flagged:
            assert s.reasons, "a flagged reply must say why"
        assert s.language in LANGUAGES
        if reply.language is not None:
            assert s.language == reply.language
        assert s.model_version == scorer.model_version
        plain = prepare(reply.text, reply.content_type).plain
        for dim, span in s.evidence.items():
            assert dim in ("greeting", "explanation", "closing")
            if span is None:
                continue
            assert 0 <= span.start <= span.end <= len(plain), (dim, span, len(plain))
            assert span.text == plain[span.start:span.end]
            assert dims[dim] >= 0.5, "evidence only for a dimension that is present"
        # What goes on the wire must survive its own schema (the scorer builds records
        # with model_construct, which skips validation).
        assert ScoredReply.model_validate_json(s.model_dump_json()) == s
    assert not _ERRORS.records, [r.getMessage() for r in _ERRORS.records]


@FUZZ
@given(batch=st.lists(replies(), min_size=1, max_size=6))
def test_random_batches_of_hostile_text_score_within_the_contract(scorer: Scorer,
                                                                   batch: list[Reply]) -> None:
    check(batch, scorer.score_batch(batch), scorer)


@FUZZ
@given(text=any_text, content_type=st.sampled_from(["text/plain", "text/html"]),
       channel=st.sampled_from(list(Channel)), language=st.none() | st.sampled_from(LANGUAGES))
def test_a_reply_scores_the_same_alone_and_inside_a_batch(scorer: Scorer, text: str,
                                                          content_type: str, channel: Channel,
                                                          language: str | None) -> None:
    """Vectorised scoring must not let one poison reply change its neighbours' scores."""
    reply = Reply(id="alone", channel=channel, text=text, content_type=content_type,
                  language=language)
    neighbour = Reply(id="n", channel="chat", language="nb",
                      text="Hei Ola! Pakken er sendt i dag. Ha en fin dag!")
    alone = scorer.score_batch([reply])[0]
    together = scorer.score_batch([neighbour, reply, neighbour])
    check([neighbour, reply, neighbour], together, scorer)
    for a, b in ((alone, together[1]),):
        assert (a.total, a.dimensions, a.reasons, a.language) == (
            b.total, b.dimensions, b.reasons, b.language)
    assert together[0].total == together[2].total == scorer.score_batch([neighbour])[0].total


HUGE = 100_000
HUGE_CASES = {
    "one_giant_word": ("x" * HUGE, "text/plain"),
    "many_words": (("Hei Ola, takk for meldingen. " * 4000)[:HUGE], "text/plain"),
    "newlines_only": ("\n" * HUGE, "text/plain"),
    "emoji_only": ("\U0001F600" * HUGE, "text/plain"),
    "rtl_override_and_arabic": (("\u202eمرحبا بك " * 12_500)[:HUGE], "text/plain"),
    "control_characters": (("\x00\x1b[31m\x07\x08\u200b" * 20_000)[:HUGE], "text/plain"),
    "deeply_nested_html": ("<div>" * 20_000, "text/html"),
    "html_quote_chain": (("<blockquote>On Mon, Ola wrote:<p>Hei</p>" * 2500)[:HUGE],
                         "text/html"),
    "unclosed_comment": ("<!--" + "a " * 50_000, "text/html"),
    "entity_flood": ("&amp;&#x202e;&nbsp;&bogus;" * 4000, "text/html"),
    "sentence_punctuation": ("." * HUGE, "text/plain"),
    "signature_dashes": ("-- \n" * 25_000, "text/plain"),
}


@pytest.mark.parametrize("case", sorted(HUGE_CASES))
def test_huge_inputs_score_within_the_contract_in_bounded_time(scorer: Scorer,
                                                               case: str) -> None:
    text, content_type = HUGE_CASES[case]
    batch = [Reply(id=f"{case}-{ch.value}", channel=ch, text=text, content_type=content_type,
                   language=lang) for ch, lang in ((Channel.email, None), (Channel.chat, "nb"))]
    started = time.perf_counter()
    out = scorer.score_batch(batch)
    elapsed = time.perf_counter() - started
    check(batch, out, scorer)
    # A record at SCORER_MAX_TEXT_CHARS must not stall a partition: seconds, not minutes.
    assert elapsed < 20, f"{case}: {elapsed:.1f}s for two 100k-char replies"


def test_empty_and_blank_texts_are_scored_poor_with_reasons(scorer: Scorer) -> None:
    batch = [Reply(id=f"e{i}", channel=ch, text=t, content_type=ct, language=lang)
             for i, (t, ct, ch, lang) in enumerate([
                 ("", "text/plain", Channel.chat, None), ("   \n\t", "text/plain",
                                                          Channel.email, "sv"),
                 ("", "text/html", Channel.messenger, "nn"),
                 ("<p></p><br>", "text/html", Channel.email, None)])]
    out = scorer.score_batch(batch)
    check(batch, out, scorer)
    for s in out:
        assert s.flagged and s.band == "poor" and "too_short" in s.reasons
        assert all(span is None for span in s.evidence.values())
