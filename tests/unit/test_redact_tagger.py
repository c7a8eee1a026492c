"""The statistical name recogniser (scorer/redact/tagger.py): names the rules miss, words it
must leave alone, its model file, and the redactor's contracts (idempotent, linear) with it.

The names below are in none of the labelled sets the model was trained on, nor in the reply
corpus, and the rules alone leave each of them readable."""

from __future__ import annotations

import gzip
import json
import time
from importlib import resources

import pytest

from scorer.redact import REDACTOR, Redactor, redact
from scorer.redact.tagger import MODEL_FILE, NameTagger
from scorer.redact.tagger_features import Units, candidate, gap_class

RULES = Redactor(None)


@pytest.mark.parametrize(("text", "name"), [
    ("Beklager ventetiden! Ring oss gjerne igjen.\n\nTorgrim, Fjordnett kundeservice",
     "Torgrim"),                                                               # nb
    ("Pakka kom i går, men Sigvor fann henne ikkje i postkassa.", "Sigvor"),   # nn
    ("Paketet hämtades av Gunborg i fredags enligt PostNord.", "Gunborg"),     # sv
    ("Pakken blev leveret i går, men Hjørdis fandt den ikke i postkassen.", "Hjørdis"),  # da
    ("Sorry for the trouble. – Oluwaseun", "Oluwaseun"),                       # en
])
def test_an_unseen_name_in_an_unannounced_context_is_found_in_each_language(
        text: str, name: str) -> None:
    assert name in RULES.redact(text).text  # the rules alone miss it
    out = redact(text).text
    assert name not in out
    assert "[NAME]" in out
    assert redact(out).text == out  # and redacting again changes nothing


@pytest.mark.parametrize("text", [
    "Vi har sendt ny faktura til Oslo kommune. Kundeservice svarer innen fredag.",
    "Takk for at du valgte Telenor. Fiber fra Telia og Ice er også tilgjengelig i Bergen.",
    "Din beställning från IKEA skickas med PostNord till Göteborg på måndag.",
    "Tak for din ordre. Matas sender pakken med GLS fra Aarhus i morgen.",
    "Your parcel left our London depot on Monday and Royal Mail will deliver it on Friday.",
    "Pakken kommer i August.",
])
def test_ordinary_capitalised_words_places_and_brands_stay(text: str) -> None:
    assert redact(text).text == text


def test_known_non_names_are_never_candidates_whatever_the_model_says() -> None:
    # A model that calls everything a name still leaves greetings, teams and brands alone.
    eager = Redactor(NameTagger({"b": 100.0}, {}, 0.0))
    text = "Kundeservice Telenor Elkjøp Zalando Support"
    assert eager.redact(text).text == text
    assert not candidate("Kundeservice", {}) and not candidate("telia", {})
    assert eager.redact("ring Sverre").text == "ring [NAME]"


def test_the_model_file_is_gzip_json_and_loads_without_pickle() -> None:
    raw = (resources.files("scorer") / "data" / MODEL_FILE).read_bytes()
    data = json.loads(gzip.decompress(raw))  # plain JSON: no pickle, nothing executable
    assert data["format"] == 1
    assert set(data) >= {"weights", "lexicon", "threshold", "meta"}
    assert all(isinstance(v, float | int) for v in data["weights"].values())
    tagger = NameTagger.load()
    assert tagger.threshold == data["threshold"]
    assert len(tagger.weights) == len(data["weights"]) > 1000
    assert isinstance(REDACTOR.tagger, NameTagger)


def test_a_model_file_of_another_format_is_refused(tmp_path) -> None:
    path = tmp_path / "m.json.gz"
    path.write_bytes(gzip.compress(json.dumps({"format": 99}).encode()))
    with pytest.raises(ValueError, match="format"):
        NameTagger.load(path)


def test_save_and_load_round_trip(tmp_path) -> None:
    tagger = NameTagger({"b": -1.5, "w=kari": 3.25}, {"hei": 3, "kari": 1}, 0.5, {"x": 1})
    tagger.save(tmp_path / "m.json.gz")
    back = NameTagger.load(tmp_path / "m.json.gz")
    assert (back.weights, back.lexicon, back.threshold, back.meta) == (
        tagger.weights, tagger.lexicon, tagger.threshold, tagger.meta)


def test_redacted_neighbours_are_one_placeholder_as_in_the_redacted_text() -> None:
    text = "Hei Kari Nordmann, ring 912 34 567 i dag."
    hits = [(4, 8, "name"), (9, 17, "name"), (24, 34, "phone")]
    us = Units(text, hits)
    assert us.rep == ["Hei", "<N>", "ring", "<P>", "i", "dag"]
    again = Units("Hei [NAME] [NAME], ring [PHONE] i dag.", [])
    assert again.rep == us.rep


def test_gap_classes_tell_punctuation_apart() -> None:
    assert gap_class(None) == "^"
    assert gap_class(" ") == "_"
    assert gap_class("\n") == "L" and gap_class("\n\n") == "P"
    assert gap_class(". – ") == "S-"
    assert gap_class(", ") == ","


def test_tags_spread_to_names_next_to_a_tagged_one_and_stay_idempotent() -> None:
    # A toy model: a capitalised word after "men"/"but" is a name, and so is a capitalised
    # word right after a name (the fixpoint re-scores neighbours of a tagged word).
    toy = NameTagger({"b": -5.0, "p1=men": 6.0, "p1=<N>": 6.0, "sh=Xx": 0.5}, {}, 0.0)
    red = Redactor(toy)
    once = red.redact("Pakken kom, men Sigvor Hansen fann den ikkje.")
    assert once.text == "Pakken kom, men [NAME] fann den ikkje."
    assert red.redact(once.text).text == once.text


def test_many_candidates_stay_linear() -> None:
    unit = "Olumide Adebayo og Torgrim Wikander, "
    small = (unit * 600)[:20_000]
    large = (unit * 6000)[:200_000]

    def cpu(text: str) -> float:
        start = time.process_time()
        redact(text)
        return time.process_time() - start

    t_small = min(cpu(small) for _ in range(2))
    t_large = cpu(large)
    assert t_large < 5.0
    assert t_large < 30 * t_small + 0.05
