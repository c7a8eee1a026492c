"""Speed shortcuts of the redactor against what they stand for: each cheaper test or
search must decide exactly as the pattern it replaces (random texts of the pieces that
matter), so redacted text stays byte for byte the same (scorer.redact)."""

from __future__ import annotations

import random

from scorer.redact.addresses import _STREET_HINT_RE, _street_hint
from scorer.redact.chatnames import (
    _CONTACT_LABEL_RE,
    _HERE_RE,
    _INITIAL_HINT_RE,
    _INITIAL_RE,
    _LABELLED_NAME_RE,
    _NAME_PHONE_END_RE,
    _line_matches,
)
from scorer.redact.emails import _SPOKEN_AT_RE, _SPOKEN_DOMAIN_RE, _SPOKEN_EMAIL_RE
from scorer.redact.known import KnownRegexes, KnownScan, known_regex
from scorer.redact.names import _OPENINGS, _TRIGGER_RES


def test_a_known_name_search_per_part_finds_what_the_one_regex_finds() -> None:
    """`KnownPattern` (one cached regex per name part) against `known_regex` (one regex
    for the set): the same matches, offsets and endings, at every position known_names
    searches from, on random texts of name pieces, folds, endings and hyphens."""
    names = ["Kari Nordmann", "Dag-Åse Ødegård", "Per", "Anne-Marie", "Bill", "Ann",
             "Anne", "Kar", "Aase", "Os", "Mikkel Sørensen", "Bjørn", "Bo"]
    alphabet = [*"aeiouksrnd-'’ ÅåæÆøØöaAKsSeE@.ſKİı", "Kari", "kari", "Anne", "-Marie",
                "Dag", "aase", "Odegard", "ødegaard", "s", "'s", "es", "Per", "Bill", "Bjorn"]
    rng = random.Random(7)
    memo = KnownRegexes()
    compared = 0
    for _ in range(3000):
        key = tuple(sorted(set(rng.sample(names, rng.randint(1, 4)))))
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        one, scan = known_regex(key), KnownScan(memo.get(key), text)
        assert one is not None
        pos = 0
        while (a := one.search(text, pos)) is not None:
            b = scan.search(pos)
            assert b is not None and (b.span(), b.group("end")) == (a.span(), a.group("end"))
            compared += 1
            pos = a.start() + 1 if rng.random() < 0.5 else a.end()
        assert scan.search(pos) is None
    assert compared > 500


def test_the_spoken_address_gate_never_skips_a_spoken_address() -> None:
    """An "at" with a domain and top-level domain after it is in every spoken address."""
    pieces = [" ", " ", "\u00a0", "at", "AT", "[at]", "(AT)", "{at}", "snabel-a", "snabela",
              "krøllalfa", "dot", "punkt", ".", "com", "no", "co.uk", "kari", "-", "x", "@"]
    rng = random.Random(3)
    found = 0
    for _ in range(20000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 14)))
        if _SPOKEN_EMAIL_RE.search(text) is not None:
            found += 1
            assert any(_SPOKEN_DOMAIN_RE.match(text, at.end()) is not None
                       for at in _SPOKEN_AT_RE.finditer(text)), text
    assert found > 100


def test_the_street_hint_decides_as_its_regex() -> None:
    pieces = [" ", "\u00a0", "\t", "1", "23", "gata", "veien", "vej", "Storgata", "x", "\n",
              "-", "alle", "allé"]
    rng = random.Random(5)
    hinted = 0
    for _ in range(20000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
        assert _street_hint(text) == (_STREET_HINT_RE.search(text) is not None), text
        hinted += _street_hint(text)
    assert hinted > 100


def test_the_signed_name_gates_never_skip_a_match() -> None:
    """`chatnames._signed_at_end` runs its contact-label and initial patterns only where
    their hints match, and the name-and-phone ending only after a final digit: every
    match of each full pattern is in a text that passes its gate."""
    pieces = [" ", " ", "\u00a0", "\t", "\n", "/", ". ", "!", ",", ", ", " – ", "-", "Ida",
              "K.", " K.", "Kari Nordmann", "Nordmann", "mob", "Tlf", "e-post", "email",
              "phone", "912", " 912 34 567", "0", "x", ">", "\u2003", "Å.", "\n ", ", mob",
              ", tlf 9", "Kari Nordmann, e-post", "\nIda Berg, mob 1", "/Sol",
              "\nAmber 07700 900123"]
    rng = random.Random(11)
    seen = [0, 0, 0]
    for _ in range(40000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 8)))
        if _LABELLED_NAME_RE.search(text) is not None:
            seen[0] += 1
            assert _CONTACT_LABEL_RE.search(text) is not None, text
        if _INITIAL_RE.search(text) is not None:
            seen[1] += 1
            assert _INITIAL_HINT_RE.search(text) is not None, text
        if _NAME_PHONE_END_RE.search(text, max(0, len(text) - 120)) is not None:
            seen[2] += 1
            assert text.rstrip()[-1:].isdigit(), text
    assert min(seen) > 50, seen


def test_line_start_matches_are_finditer() -> None:
    """`chatnames._line_matches` (tried at line starts only) yields what finditer does."""
    pieces = [" ", "\n", "\n\n", ">", "Storm", "storm", "Sol", "lasse", "her", "här", "here",
              "Hei", "hei!", ",", ".", "x", "van der", "Berg", "\u00a0", "\t", "\nSol her"]
    rng = random.Random(13)
    found = 0
    for _ in range(20000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        want = [m.span("n") for m in _HERE_RE.finditer(text)]
        assert [m.span("n") for m in _line_matches(_HERE_RE, text)] == want, text
        found += len(want)
    assert found > 200


def test_a_context_is_tried_only_where_its_opening_phrase_stands() -> None:
    """`contexts.Opening.gate`: wherever `context_names` finds a trigger word and the
    context regex or its lower-case variant matches there, the opening test passes (random
    texts of opening words in any case, second words, names, spaces and letters whose
    case folds oddly)."""
    words = ["med", "MED", "Med", "vennlig", "Vennlig", "hilsen", "HilsenEr", "hilsener",
             "det", "Det", "er", "ER", "är", "jeg", "heter", "the", "mor", "Mor", "min",
             "mi", "far", "son", "ſon", "on", "behalf", "of", "på", "vegne", "av", "it",
             "it's", "is", "you", "you're", "chatting", "with", "m.v.h", "c/o", "v/",
             "takk", "hej", "då", "navn", "Mr", "Kari", "ola", "Ola", "Nordmann", "İt",
             "ıt", "Kelvin", "K", "du", "snakker", "my", "name", "kunden", "DU"]
    gaps = [" ", " ", "  ", "\n", "\u00a0", "\t", ": ", ". ", ", ", "", "-", "'"]
    rng = random.Random(11)
    checked = 0
    for _ in range(6000):
        text = "".join(rng.choice(words) + rng.choice(gaps) for _ in range(rng.randint(1, 8)))
        lowered = text.lower()
        if len(lowered) != len(text):
            lowered = "".join(ch.lower()[0] for ch in text)
        for word, regex in _TRIGGER_RES.items():
            for w in regex.finditer(lowered):
                for c, gate in _OPENINGS[word]:
                    if c.rx.match(text, w.start()) is not None or (
                            c.lower is not None and c.lower.match(text, w.start())):
                        checked += 1
                        assert gate is None or gate.match(text, w.start()), (word, text)
    assert checked > 2000


def test_a_word_scored_with_its_remembered_part_scores_the_same_float() -> None:
    """`NameTagger._score_unit` (the word's own weights from its memo, the rest added after
    them) against `score(features(...))`: the same float for every word unit, cold and
    warm memo."""
    from scorer.redact import REDACTOR
    from scorer.redact.tagger import NameTagger
    from scorer.redact.tagger_features import Units, features, last_line_start

    shipped = REDACTOR.tagger
    assert shipped is not None
    tagger = NameTagger(shipped.weights, shipped.lexicon, shipped.threshold)
    texts = ["Hei Kari, takk for svaret. Mvh Ola Nordmann", "Dear Mr Smith - Tom's order",
             "hej line! /Mats\nAnne-Marie O'Connor", "Ring Per på 22 33 44 55, Per vet.",
             "[NAME] skrev: Olumide Adebayo (kundeservice) McDonald iPhone ÅSE Øyvind"]
    compared = 0
    for text in texts * 2:
        us, last = Units(text, []), last_line_start(text)
        for i, w in enumerate(us.word):
            if w:
                want = tagger.score(features(us, i, tagger.lexicon, last))
                assert tagger._score_unit(us, i, last).hex() == want.hex(), (text, w)
                compared += 1
    assert compared > 60 and tagger.words.misses < compared


def test_the_currency_ending_gate_never_skips_a_currency_before_a_number() -> None:
    """`cues._currency_ends_before`: wherever `_CURRENCY_BEFORE_RE` finds a currency word
    or symbol before a number, the look at the characters before it passes too (random
    texts of those words in any case, letters IGNORECASE folds oddly, ":" "." spaces and
    line breaks, at every number position)."""
    from scorer.redact.cues import _CURRENCY_BEFORE_RE, _currency_ends_before

    pieces = ["kr", "KR", "Kr.", "nok", "SEK", "dKK", "eur", "GBP", "usd", "£", "€", "$",
              "beløp", "BELØP", "belopp", "beløb", "amount", "pris", "PRİS", "prıs", "Price",
              "total", "sum", "ſum", "totalt", "summa", "K", "ordre", "is", "x", ":", ".",
              " ", " ", "\u00a0", "\n", "\n", "a", "İ", "12"]
    rng = random.Random(5)
    found = 0
    for _ in range(20000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 7))) + "123"
        start = len(text) - 3
        lo = max(0, start - rng.choice((12, 12, 5, 0)))
        if _CURRENCY_BEFORE_RE.search(text, lo, start) is not None:
            found += 1
            assert _currency_ends_before(text, lo, start), (text, lo)
    assert found > 3000
