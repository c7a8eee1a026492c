"""`scorer train --feedback`: reviews move the model, and the gate refuses a worse one.

Trains on a slice of the real corpus (fast) plus reviews that contradict it: the corpus
says a bare link ("Se her: https://…") explains nothing; these reviewers say it does.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scorer.evaluation import evaluate_records, read_labelled
from scorer.feedback_training import EXIT_GATE, agreement, held_out, train_with_feedback
from scorer.model import ReplyModel
from scorer.training import DEFAULT_CORPUS, train

TOPICS = ("faktura", "levering", "retur", "abonnement", "passord", "bestilling", "garanti",
          "refusjon", "mobilnett", "fiber", "ruter", "sim-kort", "avtale", "kvittering")


def _link_reply(i: int, explains: int) -> dict:
    topic = TOPICS[i % len(TOPICS)]
    return {"id": f"fb-{i}", "channel": "chat", "language": "nb", "author": "agent",
            "text": f"Se her: https://hjelp.example.no/{topic}/{i}",
            "labels": {"greeting": 0, "explanation": explains, "closing": 0}}


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                    encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every 6th corpus record: enough to train in seconds, with both splits."""
    lines = DEFAULT_CORPUS.read_text(encoding="utf-8").splitlines()[::6]
    path = tmp_path_factory.mktemp("corpus") / "replies.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def current(small_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("model") / "model.npz"
    train(small_corpus, out)
    return out


def _fresh_links() -> list:
    rows = [_link_reply(10_000 + i, 1) for i in range(40)]
    return list(read_labelled(_write(Path(rows[0]["id"] + ".jsonl"), rows)))


def test_reviews_that_contradict_the_corpus_move_the_model_on_those_cases(
        small_corpus: Path, current: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "model.npz"
    out.write_bytes(current.read_bytes())
    feedback = _write(tmp_path / "reviews.jsonl", [_link_reply(i, 1) for i in range(80)])
    before = evaluate_records(ReplyModel.load(out), _fresh_links())

    code, model = train_with_feedback(small_corpus, out, feedback, weight=3.0)

    assert code == 0 and model is not None
    after = evaluate_records(ReplyModel.load(out), _fresh_links())
    recall = (before["model"]["all"]["explanation"]["recall"],
              after["model"]["all"]["explanation"]["recall"])
    assert recall[1] > recall[0] + 0.3, f"explanation recall on bare links {recall}"
    reviews = ReplyModel.load(out).meta["reviews"]
    held = sum(held_out(f"fb-{i}") for i in range(80))
    assert reviews["trained_on"] == 80 - held and reviews["held_out"] == held


def test_the_gate_refuses_a_candidate_worse_on_held_out_reviews_and_writes_nothing(
        small_corpus: Path, current: Path, tmp_path: Path) -> None:
    out = tmp_path / "model.npz"
    out.write_bytes(current.read_bytes())
    # Reviews trained on say "explains"; the held-out ones say "does not": learning from
    # the first makes the model worse on the second, which the gate must see.
    rows = [_link_reply(i, 0 if held_out(f"fb-{i}") else 1) for i in range(80)]
    feedback = _write(tmp_path / "reviews.jsonl", rows)
    gate = [r for r in read_labelled(feedback) if held_out(r.reply.id)]
    assert len(gate) >= 8
    before = agreement(ReplyModel.load(out), gate)

    code, model = train_with_feedback(small_corpus, out, feedback, weight=5.0)

    assert (code, model) == (EXIT_GATE, None), f"current agreement {before}"
    assert out.read_bytes() == current.read_bytes()
    assert not out.with_name(out.name + ".candidate").exists()


def test_too_few_reviews_for_the_gate_is_a_clear_error(
        small_corpus: Path, current: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feedback = _write(tmp_path / "reviews.jsonl", [_link_reply(i, 1) for i in range(4)])
    code, model = train_with_feedback(small_corpus, tmp_path / "m.npz", feedback)
    assert (code, model) == (2, None)
    assert "review more replies" in capsys.readouterr().err
