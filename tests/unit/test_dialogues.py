"""scorer.dialogues: synthetic conversations whose truth must match their records.

These conversations are the independent test text for conversation scoring, so the tests
pin what a scorer test relies on: the truth is what the records say (recomputed here from
the records, not taken from the generator), every kind, language and channel occurs, the
timing respects the SLAs and gap bounds, interleaving keeps each conversation's order,
and a malformed phrase file (scorer/data/dialogue-phrases.json) is refused by key.
"""

from __future__ import annotations

import itertools
import random
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import orjson
import pytest

from scorer.dialogue_phrases import DATA_FILE, LANGUAGES, PHRASES, PLACEHOLDERS, load_phrases
from scorer.dialogue_records import parse_sent_at
from scorer.dialogue_writer import Builder
from scorer.dialogues import (
    CHANNELS,
    KINDS,
    MAX_GAP_SECONDS,
    SLA_SECONDS,
    Dialogue,
    generate,
    interleave,
)
from scorer.schema import decode_reply

START = datetime(2025, 3, 4, 7, 30, tzinfo=UTC)
SENT_AT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
TAG = re.compile(r"<[^>]+>")


@pytest.fixture(scope="module")
def dialogues() -> list[Dialogue]:
    return generate(600, seed=11, start=START)


def _texts(d: Dialogue, author: str) -> list[dict]:
    return [m for m in d.messages if m.get("author") == author and "event" not in m]


def _plain(rec: dict) -> str:
    """The record's text as a reader sees it (HTML tags dropped, entities kept simple)."""
    text = rec["text"]
    if rec.get("content_type") == "text/html":
        text = TAG.sub("", text.replace("<br>\n", "\n").replace("</p>\n", "\n\n"))
        text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()
    return text


def _filled(templates: tuple[str, ...], first_name: str | None) -> list[str]:
    """Templates with the customer's first name; those needing a name dropped without one."""
    return [t.format(name=first_name) if first_name else t for t in templates
            if first_name or "{name}" not in t]


def test_deterministic_for_a_seed() -> None:
    a = generate(80, seed=5, start=START)
    b = generate(80, seed=5, start=START)
    c = generate(80, seed=6, start=START)
    assert [(d.conversation_id, d.messages, d.truth) for d in a] == \
        [(d.conversation_id, d.messages, d.truth) for d in b]
    assert [d.messages for d in a] != [d.messages for d in c]


def test_close_share_changes_only_the_close_events() -> None:
    none = generate(60, seed=2, start=START, close_share=0.0)
    every = generate(60, seed=2, start=START, close_share=1.0)
    assert not any("event" in m for d in none for m in d.messages)
    assert all(d.messages[-1].get("event") == "closed" for d in every)
    assert [d.messages for d in none] == [d.messages[:-1] for d in every]


def test_close_share_is_roughly_respected(dialogues: list[Dialogue]) -> None:
    closed = sum(d.messages[-1].get("event") == "closed" for d in dialogues)
    assert 0.4 < closed / len(dialogues) < 0.6


def test_every_kind_language_and_channel_appears(dialogues: list[Dialogue]) -> None:
    assert {d.kind for d in dialogues} == set(KINDS)
    assert {(d.language, d.channel) for d in dialogues} == \
        {(lang, ch) for lang in LANGUAGES for ch in CHANNELS}
    for kind in ("late", "unanswered"):
        assert {d.channel for d in dialogues if d.kind == kind} == set(CHANNELS), kind
    for kind in KINDS:
        assert {d.language for d in dialogues if d.kind == kind} == set(LANGUAGES), kind
    fixed = {"good_chat": "chat", "chat_no_closing": "chat", "good_messenger": "messenger",
             "email_thread": "email"}
    for d in dialogues:
        assert fixed.get(d.kind, d.channel) == d.channel
        assert all(m["channel"] == d.channel for m in d.messages)
        assert all(m.get("language", d.language) == d.language for m in d.messages)


def test_truth_is_what_the_records_say(dialogues: list[Dialogue]) -> None:
    for d in dialogues:
        customers, agents = _texts(d, "customer"), _texts(d, "agent")
        assert d.truth["agent_messages"] == len(agents)
        assert d.truth["customer_messages"] == len(customers) >= 1
        assert d.truth["answered"] == bool(agents)
        assert d.messages[0]["author"] == "customer"  # the customer opens the inquiry
        if agents:
            expected = (parse_sent_at(agents[0]["sent_at"])
                        - parse_sent_at(customers[0]["sent_at"])).total_seconds()
            assert d.truth["first_response_seconds"] == pytest.approx(expected, abs=1e-9)
            assert expected > 0
        else:
            assert d.truth["first_response_seconds"] is None
        assert d.truth["complete"] == (d.kind not in ("unanswered", "chat_no_closing"))


def test_unanswered_late_and_on_time_first_responses(dialogues: list[Dialogue]) -> None:
    for d in dialogues:
        sla = SLA_SECONDS[d.channel]
        if d.kind == "unanswered":
            assert not _texts(d, "agent") and not d.truth["answered"]
            assert 1 <= d.truth["customer_messages"] <= 2
        elif d.kind == "late":
            assert d.truth["first_response_seconds"] > sla
        else:
            assert 0 < d.truth["first_response_seconds"] <= sla, d.conversation_id


def test_gaps_stay_within_the_channel_bounds(dialogues: list[Dialogue]) -> None:
    for d in dialogues:
        times = [parse_sent_at(m["sent_at"]) for m in d.messages]
        for earlier, later in itertools.pairwise(times):
            gap = (later - earlier).total_seconds()
            assert 0 < gap <= MAX_GAP_SECONDS[d.channel], (d.conversation_id, gap)
    chat_gaps = [(parse_sent_at(b["sent_at"]) - parse_sent_at(a["sent_at"])).total_seconds()
                 for d in dialogues if d.channel == "chat"
                 for a, b in itertools.pairwise(d.messages)]
    assert min(chat_gaps) < 30 and max(chat_gaps) > 120  # seconds to minutes, not uniform


def test_records_are_valid_scorer_input(dialogues: list[Dialogue]) -> None:
    ids = [m["id"] for d in dialogues for m in d.messages]
    assert len(ids) == len(set(ids))
    assert len({d.conversation_id for d in dialogues}) == len(dialogues)
    for d in dialogues:
        for m in d.messages:
            assert SENT_AT.match(m["sent_at"]), m["sent_at"]
            assert m["conversation_id"] == d.conversation_id
            reply = decode_reply(orjson.dumps(m), max_record_bytes=1 << 20,
                                 max_text_chars=200_000)
            assert reply.conversation_id == d.conversation_id
            if "event" in m:
                assert set(m) == {"id", "conversation_id", "channel", "event", "sent_at"}
                assert reply.event == "closed"
            else:
                assert m["text"].strip() and m["author"] in ("agent", "customer")
                assert ("agent_id" in m) == (m["author"] == "agent")
                assert m["team"]
        events = [i for i, m in enumerate(d.messages) if "event" in m]
        assert events in ([], [len(d.messages) - 1])  # at most one, and last


def test_id_prefix_and_seed_make_ids_distinct() -> None:
    a = generate(5, seed=1, start=START, id_prefix="run-a-")
    b = generate(5, seed=1, start=START, id_prefix="run-b-")
    assert all(m["id"].startswith("run-a-") for d in a for m in d.messages)
    assert not {m["id"] for d in a for m in d.messages} & {m["id"] for d in b for m in d.messages}


def test_kinds_restrict_the_mix_and_bad_arguments_are_refused() -> None:
    only = generate(40, seed=3, start=START, kinds=["unanswered", "late"])
    assert {d.kind for d in only} == {"unanswered", "late"}
    with pytest.raises(ValueError, match="kinds"):
        generate(1, seed=3, start=START, kinds=["polite"])
    with pytest.raises(ValueError, match="close_share"):
        generate(1, seed=3, start=START, close_share=1.5)
    assert generate(0, seed=3, start=START) == []


def test_greeting_first_closing_last_explanation_somewhere(dialogues: list[Dialogue]) -> None:
    """`complete` is true by construction; check the text actually carries the three parts."""
    for d in dialogues:
        agents = _texts(d, "agent")
        if not agents:
            continue
        p = PHRASES[d.language]
        name = d.messages[0].get("customer_name")
        first_name = name.split()[0] if name else None
        first, last = _plain(agents[0]), _plain(agents[-1])
        greetings = _filled(p.greet_chat + p.greet_morning + p.greet_late + p.greet_email
                            + p.greet_late_email, first_name)
        assert any(first.startswith(g) for g in greetings), first
        explains = [part for s in p.scenarios for text in (s.explain, s.answer)
                    for part in text.split("{") if len(part) > 25]
        assert any(e in _plain(a) for a in agents for e in explains), d.conversation_id
        closings = _filled(p.close_chat + p.close_email, first_name)
        closes = any(c in last for c in closings)
        assert closes == (d.kind != "chat_no_closing"), (d.kind, last)


def test_chat_turns_are_short_and_sometimes_just_a_hold(dialogues: list[Dialogue]) -> None:
    holds = 0
    for d in dialogues:
        if d.channel == "email":
            continue
        for a in _texts(d, "agent"):
            assert len(a["text"].split()) <= 90
            holds += a["text"] in PHRASES[d.language].hold
    assert holds > 0  # an agent's turn can be just "Et øyeblikk, jeg sjekker."


def test_email_replies_plain_and_html(dialogues: list[Dialogue]) -> None:
    kinds = Counter()
    for d in dialogues:
        if d.channel != "email":
            continue
        for m in _texts(d, "agent"):
            kinds[m["content_type"]] += 1
            if m["content_type"] == "text/html":
                assert "<p>" in m["text"] and "<br>" in m["text"]
            else:
                assert "<p>" not in m["text"]
            assert 20 <= len(_plain(m).split()) <= 250
    assert kinds["text/html"] > 10 and kinds["text/plain"] > 10


def test_text_varies(dialogues: list[Dialogue]) -> None:
    questions: dict[str, set[str]] = defaultdict(set)
    openers: dict[str, set[str]] = defaultdict(set)
    for d in dialogues:
        if d.channel != "email":
            questions[d.language].add(_texts(d, "customer")[0]["text"].lower())
        agents = _texts(d, "agent")
        if agents and d.channel != "email":
            openers[d.language].add(agents[0]["text"].split("!")[0].split(",")[0])
    for lang in LANGUAGES:
        assert len(questions[lang]) >= 8, lang
        assert len(openers[lang]) >= 8, lang


def test_interleave_keeps_each_conversation_in_order(dialogues: list[Dialogue]) -> None:
    merged = interleave(dialogues)
    assert len(merged) == sum(len(d.messages) for d in dialogues)
    times = [parse_sent_at(m["sent_at"]) for m in merged]
    assert times == sorted(times)
    by_conversation: dict[str, list[str]] = defaultdict(list)
    for m in merged:
        by_conversation[m["conversation_id"]].append(m["id"])
    for d in dialogues:
        assert by_conversation[d.conversation_id] == [m["id"] for m in d.messages]
    # conversations really overlap: some record arrives between two of another conversation
    switches = sum(a["conversation_id"] != b["conversation_id"]
                   for a, b in itertools.pairwise(merged))
    assert switches > len(dialogues)


def _packaged_phrases() -> dict:
    return orjson.loads((resources.files("scorer") / "data" / DATA_FILE).read_bytes())


def test_the_packaged_phrase_file_is_what_phrases_holds() -> None:
    assert load_phrases() == PHRASES
    assert list(PHRASES) == list(LANGUAGES)
    assert all(isinstance(PHRASES[lang].hold, tuple) for lang in LANGUAGES)


def _cut_hold(raw: dict) -> None:
    raw["nn"]["hold"] = raw["nn"]["hold"][:7]


def _misspell_placeholder(raw: dict) -> None:
    raw["sv"]["scenarios"][3]["explain"] += " {nmae}"


def _brace_in_a_part_used_as_written(raw: dict) -> None:
    raw["da"]["customer_hello"][0] = "Hej {name}"


def _drop_a_part(raw: dict) -> None:
    del raw["en"]["close_email"]


def _drop_a_language(raw: dict) -> None:
    del raw["nb"]


@pytest.mark.parametrize(("spoil", "named"), [
    (_cut_hold, r"nn\.hold has 7 phrasing\(s\); every language needs at least 8"),
    (_misspell_placeholder, r"sv\.scenarios\[3\]\.explain: unknown placeholder\(s\) \['nmae'\]"),
    (_brace_in_a_part_used_as_written, r"da\.customer_hello\[0\]: .* used as written"),
    (_drop_a_part, r"en: missing part\(s\) \['close_email'\]"),
    (_drop_a_language, r"missing language\(s\) \['nb'\]"),
])
def test_a_malformed_phrase_file_is_refused_naming_the_key(
        tmp_path: Path, spoil: Callable[[dict], None], named: str) -> None:
    raw = _packaged_phrases()
    spoil(raw)
    path = tmp_path / DATA_FILE
    path.write_bytes(orjson.dumps(raw))
    with pytest.raises(ValueError, match=named):
        load_phrases(path)


def test_the_writer_fills_exactly_the_placeholders_the_phrase_file_may_use() -> None:
    b = Builder(random.Random(1), conversation_id="c", channel="chat", language="nb",
                opened_ms=0)
    assert set(b.values) == PLACEHOLDERS
