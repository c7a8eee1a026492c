"""More speed shortcuts of the redactor against what they stand for (as in
`test_redact_shortcuts.py`): labels a short digit run cannot earn, scans tried only where a
match can open, word gates over `scan.TextWords` and memos of pure tests. Each must decide
exactly as the pattern or test it replaces, so redacted text stays byte for byte the same."""

from __future__ import annotations

import random

from scorer.redact.emails import _SPOKEN_AT_RE


def test_a_run_too_short_for_its_cue_gets_no_label() -> None:
    """`numbers` skips a run under `_FEWEST` digits before its cue is looked up, and one
    under `_FEWEST_UNCUED` whose cue is not of `_SHORT_CUES`: `_split` labels nothing in
    them (random runs of those sizes, every separator kind, "+" and "(0)", every cue)."""
    from scorer.redact.numbers import (
        _FEWEST,
        _FEWEST_UNCUED,
        _SHORT_CUES,
        _Group,
        _split,
    )

    rng = random.Random(11)
    gaps = ["", " ", ".", "-", "/", ". ", ":", " - ", "+", ")"]
    labelled = 0
    for _ in range(30000):
        total = rng.randint(1, _FEWEST_UNCUED - 1)
        sizes: list[int] = []
        while sum(sizes) < total:
            sizes.append(rng.randint(1, total - sum(sizes)))
        run = []
        pos = 0
        for k, size in enumerate(sizes):
            digits = "".join(rng.choice("0123456789") for _ in range(size))
            trunk = digits == "0" and rng.random() < 0.3
            run.append(_Group(pos, pos + size, digits, rng.choice(gaps) if k else "",
                              rng.random() < 0.2, trunk))
            pos += size + 1
        for cue in (None, "keep", "phone", "id", "account"):
            for keep in (False, True):
                out = list(_split(run, cue, keep))
                if total < _FEWEST or cue not in _SHORT_CUES:
                    assert out == [], (run, cue, keep)
                labelled += bool(out)
    assert labelled > 1000


def test_iban_and_pps_scans_find_what_the_plain_patterns_find() -> None:
    """`lettered.ibans` tries `_IBAN_RE` only two characters before a hint, and `_PPS_RE`
    tests its boundary after the first digit: the same spans as searching the pattern on
    from every position, and as the PPS pattern with its lookbehind first (random texts
    of IBANs, near-misses, tracking numbers and PPS numbers glued and spaced)."""
    import re

    from scorer.redact.checksums import IBAN_LENGTHS, iban_ok
    from scorer.redact.lettered import _ALNUM_RE, _IBAN_RE, _PPS_RE, ibans

    def plain_ibans(text: str) -> list[tuple[int, int, str]]:  # the search loop it replaces
        out = []
        pos = 0
        while (m := _IBAN_RE.search(text, pos)) is not None:
            value = m.group(0)
            expected = IBAN_LENGTHS.get(value[:2].upper())
            ends, size = [], 0
            for c in _ALNUM_RE.finditer(value):
                size += c.end() - c.start()
                if expected is None or size == expected:
                    ends.append(c.end())
                if expected is not None and size >= expected:
                    break
            found = next((m.start() + e for e in reversed(ends) if iban_ok(value[:e])), None)
            if found is None:
                pos = m.start() + 1
                continue
            out.append((m.start(), found, "iban"))
            pos = found
        return out

    pps_first = re.compile(r"(?<![A-Za-z0-9])[0-9]{7}[ \u00a0]?[A-Wa-w][A-Za-z]?(?![A-Za-z0-9])")
    pieces = ["NO93 8601 1117 947", "NO9386011117947", "GB82WEST12345698765432",
              "GB82 WEST 1234 5698 7654 32", "DE89370400440532013000", "XX12", "LA0804057SE",
              "AB12CD34", "1234567T", "1234567TW", "0518060PA", "12345678A", "a", "Q", "7",
              " ", " ", "\u00a0", ".", "-", "\n", "x1", "NO93", "8601", "ab"]
    rng = random.Random(13)
    found = 0
    for _ in range(20000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 8)))
        want = plain_ibans(text)
        assert list(ibans(text)) == want, text
        assert [m.span() for m in _PPS_RE.finditer(text)] == [
            m.span() for m in pps_first.finditer(text)], text
        found += bool(want)
    assert found > 2000


def test_the_lower_case_at_scan_ends_where_the_case_insensitive_one_does() -> None:
    """`emails._lower_ats` over `text.lower()` (when as long as the text) finds
    "at" words and bracketed forms ending where `_SPOKEN_AT_RE` over the text finds them
    (random texts of those words in any case, the long s and the Kelvin sign that
    IGNORECASE reads as "s" and "k", brackets, spaces and letters around them)."""
    from scorer.redact.emails import _AT_RARE, _lower_ats

    assert not any("s" in w for w in _AT_RARE)  # looked for as written: no "ſ" form

    pieces = ["at", "AT", "aT", "At", "[at]", "(AT)", "{At}", "[at)", "snabel-a", "SNABELA",
              "ſnabel-a", "ſnabela", "krøllalfa", "KRØLLALFA", "\u212arøllalfa", "alfakrøll",
              "ALFAKRØLL", "kanelbulle", "Kanelbulle", " ", " ", " ", "\u00a0", "x", "a",
              "t", "(", "]", "-", "kat", "ſ", "İ", "\n"]
    rng = random.Random(17)
    found = 0
    for _ in range(30000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 10)))
        lowered = text.lower()
        if len(lowered) != len(text):
            continue
        want = [m.end() for m in _SPOKEN_AT_RE.finditer(text)]
        assert sorted(m.end() for m in _lower_ats(lowered)) == want, text
        found += bool(want)
    assert found > 5000


def test_lower_casing_keeps_every_character_of_its_kind() -> None:
    """`scan.TextWords`: no character that is not a letter lower-cases (to the first
    character of its lower case) to a letter, and no letter to anything else, over all of
    Unicode; so the words of the lower-cased text are the text's words, lower-cased."""
    import re
    import sys

    letter = re.compile(r"[^\W\d_]")
    for code in range(sys.maxunicode + 1):
        ch = chr(code)
        low = ch.lower()
        if low != ch:
            assert (letter.match(ch) is None) == (letter.match(low[0]) is None), hex(code)


def test_the_only_letters_case_insensitive_patterns_fold_oddly_are_the_odd_folds() -> None:
    """`scan.ODD_FOLDS`: a character that IGNORECASE matches to a letter of a gate word
    lower-cases to that letter, or is one of the odd folds (all of Unicode)."""
    import re
    import sys

    from scorer.redact.names import _ACT_WORDS, _DEPARTMENT_WORDS, _FOOTER_WORDS
    from scorer.redact.scan import ODD_FOLDS

    letters = sorted({ch for words, stems in (_ACT_WORDS, _DEPARTMENT_WORDS, _FOOTER_WORDS)
                      for w in (*words, *stems) for ch in w})
    anyone = re.compile("(?i)[" + "".join(map(re.escape, letters)) + "]")
    for code in range(sys.maxunicode + 1):
        ch = chr(code)
        if anyone.fullmatch(ch) is None:
            continue
        for p in letters:
            if re.fullmatch("(?i)" + re.escape(p), ch) is not None:
                assert ch.lower()[0] == p or ch in ODD_FOLDS, (hex(code), p)


def test_the_word_gates_never_skip_a_match() -> None:
    """Where `_ACTOR_RE`, `_STAFF_RE`, `_TITLE_LOWER_RE` or `_FOOTER_RE` finds something,
    the text's
    words (`scan.TextWords`) hold what each gate asks for (random texts of capitalised
    words, verbs, prepositions and departments in any case, hyphens, odd folds)."""
    from scorer.redact.chatnames import _TITLE_LOWER_RE, _TITLE_WORDS
    from scorer.redact.names import (
        _ACT_WORDS,
        _ACTOR_RE,
        _DEPARTMENT_WORDS,
        _FOOTER_RE,
        _FOOTER_WORDS,
        _STAFF_RE,
    )
    from scorer.redact.scan import TextWords

    pieces = ["Hansen", "Hansen", "Lindgren", "Strand", "ringte", "RINGDE", "Sa", "sagt",
              "e-mailed", "E-MAILED", "har", "fra", "i", "på", "PÅ", "the", "teknisk",
              "Avdelingen", "avdelingx", "team", "TEAMET", "front", "desk", "it", "IT",
              "ſupport", "ſa", "İt", "dr", "DR", "mr.", "fru", "doktor", "patel", "okafor",
              "x", "9", "kontaktet", "wrote", "Retur", "returavdelingen", "support",
              "Sent from my iPhone", "SENT  FROM MY x", "ſent from my y", "Sendt fra min iPad",
              "skickat från min z", "Get Outlook for iOS", "hent outlook for Android", "my"]
    seps = [" ", " ", " ", "  ", "\u00a0", ", ", "", "-", "\n", "\n ", ".\n"]
    rng = random.Random(19)
    seen = [0, 0, 0, 0]
    for _ in range(60000):
        text = "".join(rng.choice(pieces) + rng.choice(seps) for _ in range(rng.randint(1, 6)))
        scan = TextWords(text)
        if _ACTOR_RE.search(text) is not None:
            seen[0] += 1
            assert scan.may_have(*_ACT_WORDS), text
        if _STAFF_RE.search(text) is not None:
            seen[1] += 1
            assert scan.may_have(*_DEPARTMENT_WORDS), text
        if _TITLE_LOWER_RE.search(text) is not None:
            seen[2] += 1
            assert scan.has(_TITLE_WORDS), text
        if _FOOTER_RE.search(text) is not None:
            seen[3] += 1
            assert scan.may_have(*_FOOTER_WORDS), text
    assert min(seen) > 50, seen


def test_cue_words_looked_for_near_the_number_first_decide_as_the_whole_window() -> None:
    """`cues.cue_before` looks at the tokens of the last characters of its window first and
    at the whole window only when they do not decide: the same kind as the whole-window
    look it replaces (random texts of cue, generic and other words, tokens, taken spans,
    line breaks and digits before a number)."""
    from scorer.redact.cues import (
        _GENERIC,
        _TOKEN_RE,
        _WORD_TOKENS,
        LOOKBACK,
        _kind,
        cue_before,
    )

    def whole(text: str, start: int, taken: list[tuple[int, int]]) -> str | None:
        lo = max(0, start - LOOKBACK)
        window = text[lo:start]
        if window.rstrip(" \u00a0").endswith(("#", "№")):
            return "keep"
        tokens = [t for t in _TOKEN_RE.finditer(window)
                  if t.start() == 0 or window[t.start() - 1] != "[" or t.group(0) in _WORD_TOKENS
                  ][-4:]
        generic = False
        for tok in reversed(tokens):
            word = tok.group(0).lower().rstrip(".-:")
            s, e = lo + tok.start(), lo + tok.end()
            token = (tok.start() and window[tok.start() - 1] == "[") or any(
                a < e and s < b for a, b in taken)
            kind = None if token else _kind(word)
            if kind is None:
                if word in _GENERIC and not token:
                    generic = generic or word.startswith(("numm", "numr", "numb"))
                    continue
                return "phone" if generic else None
            between = window[tok.end():]
            if between.count("\n") > 1:
                return None
            if kind == "keep" and any(ch.isdigit() for ch in between):
                return None
            return kind
        return "phone" if generic else None

    pieces = ["ordre", "Ordrenummer", "telefon", "tlf.", "konto", "kontonr", "id", "fnr",
              "nummer", "number", "nr.", "er", "is", "din", "your", "the", "med", "på",
              "[NAME]", "[PHONE]", "[ADDRESS]", "Kari", "hei", "takk", "a.b-c", "x_y",
              "123", "4", "#", "№", "-", ".", ":", ",", "(", " ", " ", " ", " ", "\n", "\n\n"]
    rng = random.Random(23)
    decided = 0
    for _ in range(40000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 24))) + "91234567"
        start = len(text) - 8
        taken: list[tuple[int, int]] = []
        if rng.random() < 0.3:
            a = rng.randrange(max(1, start))
            taken = [(a, min(start, a + rng.randint(1, 12)))]
        want = whole(text, start, taken)
        assert cue_before(text, start, taken) == want, (text, taken)
        decided += want is not None
    assert decided > 5000


def test_candidates_picked_with_the_remembered_test_are_the_candidates() -> None:
    """`Units.candidates` with a tagger's memo of the candidate test picks the same units
    as the test itself, cold and warm memo, also with a memo too small to hold them."""
    from scorer.memo import BoundedCache
    from scorer.redact import REDACTOR
    from scorer.redact.tagger_features import Units

    shipped = REDACTOR.tagger
    assert shipped is not None
    texts = ["Hei Kari, takk for svaret. Mvh Ola Nordmann", "Dear Mr Smith - Tom's order",
             "hej line! /Mats\nAnne-Marie O'Connor", "Ring Per på 22 33 44 55, Per vet.",
             "[NAME] skrev: Olumide Adebayo (kundeservice) McDonald iPhone ÅSE Øyvind",
             "Vi Takk Please kari ola Kundeservice telia A B"]
    for known in (BoundedCache[str, bool](4096), BoundedCache[str, bool](3)):
        picked = 0
        for text in texts * 2:
            us = Units(text, [])
            want = us.candidates(shipped.lexicon)
            assert us.candidates(shipped.lexicon, known) == want, text
            picked += len(want)
        assert picked > 20


def test_english_street_patterns_tried_at_house_numbers_find_what_finditer_finds() -> None:
    """`starts.matches_at` in `addresses`: the lower-case English street patterns tried only where
    `_HOUSE_RE` matches find the matches `finditer` finds (random texts of numbers, glued
    and punctuated, lower-case street words, towns and UK postcodes)."""
    from scorer.redact.addresses import (
        _HOUSE_RE,
        _LOWER_EN_POSTCODE_RE,
        _LOWER_EN_STREET_RE,
    )
    from scorer.redact.starts import matches_at

    pieces = ["12", "7", "221b", "4500", "12345", "3", "x", "victoria", "canal", "walk",
              "street", "road", "terrace", "st", "cambridge", "cb4 1ga", "bd1 4rr", "sw1a 1aa",
              "main", "'s", "a", "A", "9,", "1.5", "x7", "-4", "7 canal walk, cambridge cb4 1ga",
              "12 old way bd1 4rr", "3b high st,", "walk", "green"]
    seps = [" ", " ", " ", "  ", "\u00a0", ", ", "", ".", "/", ":", "\n"]
    rng = random.Random(29)
    found = [0, 0]
    for _ in range(30000):
        text = "".join(rng.choice(pieces) + rng.choice(seps) for _ in range(rng.randint(1, 8)))
        starts = [m.start() for m in _HOUSE_RE.finditer(text)]
        for k, rx in enumerate((_LOWER_EN_STREET_RE, _LOWER_EN_POSTCODE_RE)):
            want = [m.span() for m in rx.finditer(text)]
            assert [m.span() for m in matches_at(rx, starts, text)] == want, text
            found[k] += len(want)
    assert min(found) > 100, found


def test_the_possessive_word_split_cuts_as_the_greedy_one() -> None:
    """`tagger_features._SPLIT_RE` (possessive quantifiers) splits as the greedy pattern
    it stands for (random texts of letters, apostrophes, hyphens, digits and the rest)."""
    import re

    from scorer.redact.tagger_features import _SPLIT_RE

    greedy = re.compile(r"([^\W\d_]+(?:['’-][^\W\d_]+)*)")
    pieces = ["a", "Kari", "O", "'", "’", "-", "--", "s", " ", "  ", "9", "_", ".", "é", "ß",
              "Ⅻ", "²", "\n", "[NAME]", "Anne-Marie", "O'Connor", "x'-y"]
    rng = random.Random(31)
    for _ in range(20000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        assert _SPLIT_RE.split(text) == greedy.split(text), text
