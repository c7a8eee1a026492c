"""Redaction is linear: no input makes it slow (scorer.redact).

The old redactor recopied the whole text for every match, and a 200k-character record
took 2.4–15 s. Here hypothesis builds pathological 200k-character texts — long digit runs
with every separator, many `@`, many capitalised words, greetings and sign-offs, long
words — and each must be redacted well inside a generous bound (the bench,
`bench/redact_speed.py`, reports the real figures; the bound leaves room for a loaded CI
machine). Redacting twice changes nothing, and hits never overlap.
"""

from __future__ import annotations

import time

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from scorer.redact import TOKENS, redact

CHARS = 200_000
BOUND_SECONDS = 5.0  # CPU seconds; the bench measures well under 1 s

PIECES = [
    "1", "12", "123", "1234", "91234567", "4111", "0", "(0)", "+", "+47", "00", " ", "  ",
    "\u00a0", "\u2009", ".", "-", "–", "/", "@", "a@", "@b.no", ".", "Kari", "Nordmann", "Hei",
    "Mvh", "Hej", "Dear", "Mrs", "Storgata", "gate", "Oslo", "0150", "NO93", "SE", "\n",
    "kari.nordmann", "aaaa", "AAAA", "Anne-Marie", "konto", "ordre", "tlf", ",", "!",
]

units = st.lists(st.sampled_from(PIECES), min_size=1, max_size=12).map("".join)


def pathological(unit: str) -> str:
    return (unit * (CHARS // max(1, len(unit)) + 1))[:CHARS]


def cpu_seconds(text: str) -> float:
    """CPU time of one redaction (wall-clock time would measure the machine's load)."""
    start = time.process_time()
    redact(text, ["Kari Nordmann"])
    return time.process_time() - start


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(units)
def test_any_repeated_pathological_unit_of_200k_characters_is_redacted_fast(unit: str) -> None:
    text = pathological(unit)
    start = time.process_time()
    result = redact(text, ["Kari Nordmann"])
    elapsed = time.process_time() - start
    assert elapsed < BOUND_SECONDS, f"{elapsed:.2f}s for {unit!r}"
    assert len(result.text) <= len(text) + len(result.hits) * max(map(len, TOKENS.values()))


FIXED = {
    "digit runs with every separator": "1 2.3-4/5\u00a06\u20137 ",
    "phone groups": "912 34 567 ",
    "one long digit run": "7",
    "cards back to back": "4111 1111 1111 1111 ",
    "many @": "@",
    "e-mail-like words": "kari.nordmann.example.no ",
    "capitalised words": "Kari Nordmann Oslo Storgata ",
    "greetings and sign-offs": "Hei Kari! Mvh Ola Nordmann\n",
    "one long word": "a",
}


def test_the_bench_texts_are_redacted_well_inside_the_bound() -> None:
    for name, unit in FIXED.items():
        elapsed = cpu_seconds(pathological(unit))
        assert elapsed < BOUND_SECONDS, f"{name}: {elapsed:.2f}s"


def test_ten_times_the_text_takes_about_ten_times_as_long() -> None:
    # Linear, not quadratic: 200k characters cost ~10x 20k (a quadratic redactor ~100x).
    for name in ("phone groups", "cards back to back", "many @", "greetings and sign-offs"):
        unit = FIXED[name]
        small = min(cpu_seconds((unit * (20_000 // len(unit) + 1))[:20_000]) for _ in range(3))
        large = cpu_seconds(pathological(unit))
        assert large < 30 * small + 0.05, f"{name}: {small:.3f}s -> {large:.3f}s"


#: Pieces joined by what separates words in text. (Glued garbage such as
#: "Stockholm111 51 Stockholm111 51…" can need one more pass per link: redact() makes at
#: most two extra passes to stay linear, so an unbounded glued chain is out of scope here;
#: test_redact.py's small-alphabet property covers glued input.)
text_pieces = st.lists(st.tuples(st.sampled_from([
    *PIECES, "ring", "kort", "Personnummer", "811218-9876", "070761-4285", "23.11.2024",
    "kari@example.no", "Drottninggatan 5", "111 51 Stockholm", "Med vennlig hilsen",
]), st.sampled_from([" ", "\n", ", ", ". ", " - ", "  ", "! "])), max_size=30).map(
    lambda parts: "".join(p + sep for p, sep in parts))


@settings(max_examples=300, deadline=None)
@given(text_pieces)
@example("123 91234567 111 51 Stockholm ")  # a postcode once hid the phone before it
@example("Kunden ba om svar. ")
@example("ring Storgata 1 1 12 1 12 ")  # the street's words once hid the phone cue "ring"
@example("811218-9876 ring Storgata \n 1 12 123 ")  # … and a name's, found after numbers
@example("Hei Mrs Dear ")  # a title is no name: "Hei Mrs [NAME]" stays as it is
def test_redacting_twice_changes_nothing_and_hits_never_overlap(text: str) -> None:
    once = redact(text, ["Kari Nordmann"])
    assert redact(once.text, ["Kari Nordmann"]).text == once.text
    for a, b in zip(once.hits, once.hits[1:], strict=False):
        assert a.end <= b.start
    s, e = once.map_span(0, len(text))
    assert once.text[s:e] == once.text
