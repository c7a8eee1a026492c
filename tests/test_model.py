"""The committed model meets its quality bars on the committed corpus's held-out split.

This loads scorer/data/reply-model.skops and models/corpus/replies.jsonl as committed: it fails
if either is broken, if the code and the artifact drift apart, or if a retrained model
falls under the bars of the product (F1 >= 0.95 greeting/closing, >= 0.85 explanation in
every language, and better than the keyword baseline on every dimension).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scorer.model import TRUSTED_TYPES, ReplyModel
from scorer.settings import DEFAULT_MODEL_PATH
from scorer.training import DEFAULT_CORPUS, MODELS_DIR, evaluate_records, read_labelled

BARS = {"greeting": 0.95, "explanation": 0.85, "closing": 0.95}
LANGS = ("nb", "nn", "sv", "da", "en")


@pytest.fixture(scope="module")
def model() -> ReplyModel:
    return ReplyModel.load(DEFAULT_MODEL_PATH)


@pytest.fixture(scope="module")
def heldout(model: ReplyModel) -> dict:
    recs = list(read_labelled(DEFAULT_CORPUS, split="test"))
    assert len(recs) >= 500
    return evaluate_records(model, recs)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("dim", list(BARS))
def test_heldout_f1_meets_the_bar_in_every_language(heldout: dict, lang: str, dim: str) -> None:
    f1 = heldout["model"][lang][dim]["f1"]
    assert f1 >= BARS[dim], f"{lang}/{dim}: held-out F1 {f1:.3f} < {BARS[dim]}"


@pytest.mark.parametrize("dim", list(BARS))
def test_model_beats_the_keyword_baseline_on_every_dimension(heldout: dict, dim: str) -> None:
    assert heldout["model"]["all"][dim]["f1"] > heldout["baseline"]["all"][dim]["f1"]


def test_artifact_carries_version_langid_and_card_metadata(model: ReplyModel) -> None:
    assert model.version and model.langid is not None
    assert model.meta["heldout"]["model"]["all"]["greeting"]["n"] > 0
    card = (MODELS_DIR / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert model.version in card, "MODEL_CARD.md does not describe the committed model"


def test_artifact_is_skops_with_only_trusted_types() -> None:
    import skops.io as sio

    assert set(sio.get_untrusted_types(file=DEFAULT_MODEL_PATH)) <= TRUSTED_TYPES


def test_a_model_file_with_an_untrusted_type_is_refused_naming_the_type(
        model: ReplyModel, tmp_path: Path) -> None:
    import fractions

    import skops.io as sio

    from scorer.model import ModelLoadError

    tampered = tmp_path / "tampered.skops"
    sio.dump({**model.to_dict(), "meta": fractions.Fraction(1, 3)}, tampered)
    with pytest.raises(ModelLoadError, match=r"fractions\.Fraction"):
        ReplyModel.load(tampered)


def test_a_saved_model_keeps_vocabulary_indices_as_plain_ints_for_a_fast_load(
        model: ReplyModel, tmp_path: Path) -> None:
    """numpy-int indices become one skops array file each: 16k files and seconds of load."""
    import numpy as np

    path = tmp_path / "m.skops"
    vectorizer = model.langid.steps[0][1]
    numpy_ints = {t: np.int64(i) for t, i in vectorizer.vocabulary_.items()}
    copy = ReplyModel(model.greeting, model.explanation, model.closing, model.version,
                      model.meta, model.langid)
    vectorizer.vocabulary_ = numpy_ints
    try:
        copy.save(path)
    finally:
        vectorizer.vocabulary_ = {t: int(i) for t, i in numpy_ints.items()}
    loaded = ReplyModel.load(path).langid.steps[0][1].vocabulary_
    assert loaded == vectorizer.vocabulary_
    assert {type(i) for i in loaded.values()} == {int}
    assert {type(i) for i in ReplyModel.load(DEFAULT_MODEL_PATH).langid.steps[0][1]
            .vocabulary_.values()} == {int}


def test_model_was_trained_on_the_committed_corpus(model: ReplyModel) -> None:
    import hashlib

    assert model.meta["corpus_sha256"] == hashlib.sha256(
        Path(DEFAULT_CORPUS).read_bytes()).hexdigest(), "corpus changed: run `scorer train`"


def test_training_never_sees_the_test_split(tmp_path: Path) -> None:
    """Train on a corpus whose test records carry nonsense labels: the train fit is unchanged."""
    from scorer.training import train

    lines = Path(DEFAULT_CORPUS).read_text(encoding="utf-8").splitlines()
    sample = [ln for ln in lines if '"split": "train"' in ln][:300]
    tests = [ln for ln in lines if '"split": "test"' in ln][:60]
    flipped = [ln.replace('"greeting": 1', '"greeting": 9')
               .replace('"greeting": 0', '"greeting": 1')
               .replace('"greeting": 9', '"greeting": 0') for ln in tests]
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text("\n".join(sample + tests) + "\n", encoding="utf-8")
    b.write_text("\n".join(sample + flipped) + "\n", encoding="utf-8")
    ma, _ = train(a, tmp_path / "a.skops")
    mb, _ = train(b, tmp_path / "b.skops")
    assert (ma.greeting.coef_ == mb.greeting.coef_).all()
