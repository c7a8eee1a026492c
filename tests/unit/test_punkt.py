"""`scorer.text.punkt` splits every line exactly as NLTK's Punkt does with the same parameters.

NLTK is the reference (a test dependency); the port exists so that scoring never imports
it. Lines come from everything the project has: the corpus, the evaluation sets, generated
never-repeating replies, and random lines over an alphabet dense in the characters Punkt
decides on.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nltk.tokenize.punkt import PunktLanguageVars, PunktParameters, PunktSentenceTokenizer

from bench.unique_text import unique_records
from scorer.text import prepare
from scorer.text.punkt import SENT_END_CHARS, Punkt
from scorer.text.sentence_split import ABBREVIATIONS

ROOT = Path(__file__).resolve().parents[2]
TEXT_FILES = [ROOT / "models" / "corpus" / "replies.jsonl",
              *sorted((ROOT / "tests" / "data").glob("*.jsonl"))]


class _NordicLanguageVars(PunktLanguageVars):
    sent_end_chars = SENT_END_CHARS


@pytest.fixture(scope="module")
def reference() -> PunktSentenceTokenizer:
    params = PunktParameters()
    params.abbrev_types = set(ABBREVIATIONS)
    return PunktSentenceTokenizer(params, lang_vars=_NordicLanguageVars())


@pytest.fixture(scope="module")
def ours() -> Punkt:
    return Punkt(ABBREVIATIONS)


def _lines() -> list[str]:
    texts: list[str] = []
    for path in TEXT_FILES:
        for raw in path.read_text("utf-8").splitlines():
            if raw.strip():
                record = json.loads(raw)
                if isinstance(record.get("text"), str):
                    texts.append(record["text"])
    texts += [r["text"] for r in unique_records(3_000, seed=11)]
    lines: set[str] = set()
    for text in texts:
        lines.update(text.splitlines())
        lines.update(prepare(text, "text/html" if "<" in text else "text/plain").plain
                     .splitlines())
    return sorted(line for line in lines if any(c in line for c in SENT_END_CHARS))


def test_every_line_of_the_projects_text_splits_as_nltk_splits_it(reference, ours) -> None:
    lines = _lines()
    assert len(lines) > 15_000
    differ = [line for line in lines
              if list(ours.span_tokenize(line)) != list(reference.span_tokenize(line))]
    assert differ == [], f"{len(differ)} lines differ, e.g. {differ[:3]!r}"


_ALPHABET = st.sampled_from([
    *"aAbBkKtTxæøÅÄö19 0.,;:!?…-'\"()[]«»”’\t\u00a0",
    " f.eks. ", " t.ex. ", " kl. ", " nr. ", " Mr. ", " J. ", " 10. ", " ...", " --"])


@settings(max_examples=3_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_ALPHABET, max_size=40).map("".join))
def test_random_lines_split_as_nltk_splits_them(reference, ours, line: str) -> None:
    assert list(ours.span_tokenize(line)) == list(reference.span_tokenize(line))
