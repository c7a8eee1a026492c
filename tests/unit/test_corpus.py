"""The corpus contract: models/corpus/replies.jsonl is the training and test data of the model.

These tests pin what the model's training and evaluation rely on: enough replies per
language, records that the scorer's own input schema accepts, exact label/split values, every
label combination in both splits, a test split that shares no text with the training split,
and a build that is reproducible (so the committed file is what the parts produce).
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from collections import Counter
from functools import cache
from pathlib import Path
from types import ModuleType

import pytest

from scorer.schema import Reply

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "models" / "corpus"
REPLIES = CORPUS / "replies.jsonl"
LANGS = ("en", "nb", "nn", "sv", "da")

#: The corpus size requirement (corpus design): >= 3,000 replies in total and >= 400 per
#: language, except nynorsk (>= 250), so every language has enough to learn and evaluate on.
REQUIRED_TOTAL = 3000
REQUIRED_PER_LANGUAGE = {"en": 400, "nb": 400, "nn": 250, "sv": 400, "da": 400}


@cache
def records() -> tuple[dict, ...]:
    lines = REPLIES.read_text(encoding="utf-8").splitlines()
    return tuple(json.loads(line) for line in lines if line.strip())


@cache
def build_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("corpus_build", CORPUS / "build.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules["corpus_build"] = mod
    spec.loader.exec_module(mod)
    return mod


def run_build(corpus_dir: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(CORPUS / "build.py"), "--corpus-dir", str(corpus_dir),
         "--out", str(out), "--stats", "-"],
        capture_output=True, text=True, timeout=120, check=False,
    )


# --------------------------------------------------------------------------- size requirement


def test_requirement_corpus_has_at_least_3000_replies() -> None:
    n = len(records())
    assert n >= REQUIRED_TOTAL, (
        f"requirement: the corpus needs >= {REQUIRED_TOTAL} replies in total, has {n}"
    )


@pytest.mark.parametrize("lang", LANGS)
def test_requirement_each_language_has_its_minimum_number_of_replies(lang: str) -> None:
    n = sum(1 for r in records() if r["language"] == lang)
    need = REQUIRED_PER_LANGUAGE[lang]
    assert n >= need, (
        f"requirement: language '{lang}' needs >= {need} replies, has {n} "
        f"(add models/corpus/parts/{lang}.json and handwritten/{lang}.jsonl, then rebuild)"
    )


# --------------------------------------------------------------------------- record validity


def test_every_record_is_a_valid_scorer_input_with_labels_split_and_provenance() -> None:
    ids: set[str] = set()
    for rec in records():
        reply = Reply.model_validate(rec)  # raises on a field the scorer would reject
        assert reply.author == "agent", rec["id"]
        assert reply.language in LANGS, rec["id"]
        assert reply.text.strip(), rec["id"]
        assert rec["id"] not in ids, f"duplicate id {rec['id']}"
        ids.add(rec["id"])
        labels = rec["labels"]
        assert sorted(labels) == ["closing", "explanation", "greeting"], rec["id"]
        assert all(type(v) is int and v in (0, 1) for v in labels.values()), rec["id"]
        assert rec["split"] in ("train", "test"), rec["id"]
        assert rec["provenance"] in ("hand-written", "composed"), rec["id"]


def test_no_placeholder_is_left_unfilled_in_any_reply() -> None:
    pattern = re.compile(
        r"\{(name|agent|agent_initials|company|order|date|email|days|amount|url)\}"
    )
    leftovers = [r["id"] for r in records() if pattern.search(r["text"])]
    assert not leftovers, f"unfilled placeholders in {leftovers[:5]}"


@pytest.mark.parametrize("lang", LANGS)
def test_all_eight_label_combinations_occur_in_both_splits(lang: str) -> None:
    rs = [r for r in records() if r["language"] == lang]
    if not rs:
        pytest.fail(f"no '{lang}' replies in the corpus; the language is required")
    for split in ("train", "test"):
        seen = Counter(
            tuple(r["labels"][k] for k in ("greeting", "explanation", "closing"))
            for r in rs if r["split"] == split
        )
        missing = [c for c in ((g, e, c) for g in (0, 1) for e in (0, 1) for c in (0, 1))
                   if not seen[c]]
        assert not missing, f"{lang}/{split} lacks (greeting, explanation, closing) {missing}"


# --------------------------------------------------------------------------- held-out split


def test_no_test_reply_has_the_text_of_a_train_reply() -> None:
    train = {r["text"].strip().lower() for r in records() if r["split"] == "train"}
    leaked = [r["id"] for r in records()
              if r["split"] == "test" and r["text"].strip().lower() in train]
    assert not leaked, f"test replies repeating a train text: {leaked[:5]}"


def test_composed_test_replies_use_no_train_piece() -> None:
    # The split is by parts: a long train piece (no placeholders, so its text is literal)
    # must never appear inside a composed test reply of the same language.
    mod = build_module()
    for lang in LANGS:
        path = CORPUS / "parts" / f"{lang}.json"
        if not path.exists():
            continue
        pools = json.loads(path.read_text(encoding="utf-8"))
        tests = [r["text"] for r in records() if r["language"] == lang
                 and r["provenance"] == "composed" and r["split"] == "test"]
        for key in mod.LABELLED_POOLS:
            for item in pools[key]:
                if len(item) < 30 or "{" in item or mod.split_of(item) != "train":
                    continue
                hits = [t for t in tests if item in t]
                assert not hits, f"{lang} train piece {item!r} ({key}) is in a test reply"


def test_split_assignment_is_a_stable_hash_of_the_text() -> None:
    mod = build_module()
    sample = [f"piece number {i}" for i in range(2000)]
    first = [mod.split_of(s) for s in sample]
    assert first == [mod.split_of(s) for s in sample]
    share = first.count("test") / len(first)
    assert 0.16 < share < 0.24, f"test share {share:.3f} is not about 20%"


# --------------------------------------------------------------------------- determinism


def test_build_is_deterministic_and_the_committed_corpus_is_a_fresh_build(
    tmp_path: Path,
) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    for out in (a, b):
        proc = run_build(CORPUS, out)
        assert proc.returncode == 0, proc.stderr
    assert a.read_bytes() == b.read_bytes(), "two builds of the same parts differ"
    assert REPLIES.read_bytes() == a.read_bytes(), (
        "models/corpus/replies.jsonl is not what the parts build; run "
        "`python models/corpus/build.py` and commit replies.jsonl"
    )


# --------------------------------------------------------------------------- validation errors


def _corpus_with_en(tmp_path: Path, edit: dict[str, object]) -> Path:
    parts = json.loads((CORPUS / "parts" / "en.json").read_text(encoding="utf-8"))
    parts.update(edit)
    for key, value in list(parts.items()):
        if value is None:
            del parts[key]
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "en.json").write_text(json.dumps(parts), encoding="utf-8")
    return tmp_path


def test_missing_pool_key_is_an_error_naming_file_and_key(tmp_path: Path) -> None:
    corpus = _corpus_with_en(tmp_path, {"closing_wish": None})
    proc = run_build(corpus, tmp_path / "out.jsonl")
    assert proc.returncode == 2
    assert "en.json" in proc.stderr and "'closing_wish'" in proc.stderr
    assert not (tmp_path / "out.jsonl").exists()


def test_too_small_pool_is_an_error_naming_file_key_and_minimum(tmp_path: Path) -> None:
    corpus = _corpus_with_en(tmp_path, {"greeting": ["Hi {name},", "Hello!"]})
    proc = run_build(corpus, tmp_path / "out.jsonl")
    assert proc.returncode == 2
    assert "en.json" in proc.stderr and "'greeting'" in proc.stderr and ">= 60" in proc.stderr


def test_unknown_placeholder_is_an_error(tmp_path: Path) -> None:
    parts = json.loads((CORPUS / "parts" / "en.json").read_text(encoding="utf-8"))
    corpus = _corpus_with_en(tmp_path, {"statement": [*parts["statement"], "Hi {nmae}"]})
    proc = run_build(corpus, tmp_path / "out.jsonl")
    assert proc.returncode == 2 and "nmae" in proc.stderr


def test_missing_languages_are_skipped_with_a_note(tmp_path: Path) -> None:
    corpus = _corpus_with_en(tmp_path, {})
    out = tmp_path / "out.jsonl"
    proc = run_build(corpus, out)
    assert proc.returncode == 0, proc.stderr
    assert "parts/da.json missing" in proc.stderr
    langs = {json.loads(line)["language"] for line in out.read_text().splitlines()}
    assert langs == {"en"}
