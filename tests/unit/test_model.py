"""The committed model meets its quality bars on the committed corpus's held-out split.

This loads scorer/data/reply-model.npz and models/corpus/replies.jsonl as committed: it fails
if either is broken, if the code and the artifact drift apart, or if a retrained model
falls under the bars of the product (F1 >= 0.95 greeting/closing, >= 0.85 explanation in
every language, and better than the keyword baseline on every dimension).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scorer.evaluation import evaluate_records, read_labelled
from scorer.langid import LanguageDetector
from scorer.model import ReplyModel
from scorer.settings import DEFAULT_MODEL_PATH
from scorer.training import DEFAULT_CORPUS, MODELS_DIR

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


def test_the_shipped_model_file_loads_without_pickle() -> None:
    import numpy as np

    with np.load(DEFAULT_MODEL_PATH, allow_pickle=False) as npz:
        kinds = {npz[name].dtype.kind for name in npz.files}
    assert "O" not in kinds


def test_a_saved_model_loads_back_with_identical_weights_and_language_answers(
        model: ReplyModel, tmp_path: Path) -> None:
    import numpy as np

    path = tmp_path / "m.npz"
    model.save(path)
    loaded = ReplyModel.load(path)
    assert (loaded.version, loaded.meta) == (model.version, model.meta)
    for dim in BARS:
        a, b = getattr(model, dim), getattr(loaded, dim)
        assert np.array_equal(a.coef, b.coef) and a.intercept == b.intercept
        assert np.array_equal(a.classes, b.classes)
    texts = ["Tack för ditt tålamod!", "Takk for tolmodet!", "Eg veit ikkje kva", "Hi there"]
    assert np.array_equal(LanguageDetector(model.langid).predict_proba(texts),
                          LanguageDetector(loaded.langid).predict_proba(texts))


def test_a_model_file_holding_a_pickled_object_is_refused(tmp_path: Path) -> None:
    import numpy as np

    from scorer.model import ModelLoadError

    with np.load(DEFAULT_MODEL_PATH, allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    arrays["greeting.classes"] = np.array([object(), 1], dtype=object)
    tampered = tmp_path / "tampered.npz"
    np.savez(tampered, **arrays)
    with pytest.raises(ModelLoadError, match="allow_pickle"):
        ReplyModel.load(tampered)


def test_a_model_of_an_earlier_release_is_refused_naming_the_fix(tmp_path: Path) -> None:
    import zipfile

    from scorer.model import ModelLoadError

    old = tmp_path / "reply-model.skops"
    with zipfile.ZipFile(old, "w") as zf:
        zf.writestr("schema.json", "{}")
    with pytest.raises(ModelLoadError, match=r"earlier release.*scorer train"):
        ReplyModel.load(old)


def test_a_model_file_with_an_unknown_parameter_is_refused(tmp_path: Path) -> None:
    import json

    import numpy as np

    from scorer.model import ModelLoadError

    with np.load(DEFAULT_MODEL_PATH, allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    document = json.loads(arrays["meta.json"].tobytes())
    document["params"]["heads"]["closing"]["exec"] = "os.system"
    arrays["meta.json"] = np.frombuffer(json.dumps(document).encode(), dtype=np.uint8)
    tampered = tmp_path / "tampered.npz"
    np.savez(tampered, **arrays)
    with pytest.raises(ModelLoadError, match=r"unknown parameters \['exec'\]"):
        ReplyModel.load(tampered)


def test_the_known_parameter_names_are_scikit_learns() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from scorer.model_file import KNOWN_PARAMS

    assert KNOWN_PARAMS["classifier"] == set(LogisticRegression().get_params())
    assert KNOWN_PARAMS["vectorizer"] == set(TfidfVectorizer().get_params())


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
    ma, _ = train(a, tmp_path / "a.npz")
    mb, _ = train(b, tmp_path / "b.npz")
    assert (ma.greeting.coef == mb.greeting.coef).all()
