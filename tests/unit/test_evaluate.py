"""`scorer evaluate FILE` prints model and baseline precision/recall/F1 side by side."""

from __future__ import annotations

import io
import json
from pathlib import Path

from scorer.evaluation import evaluate_command
from scorer.settings import Settings
from scorer.training import DEFAULT_CORPUS


def test_evaluate_prints_model_and_baseline_columns_per_language(tmp_path: Path) -> None:
    lines = Path(DEFAULT_CORPUS).read_text(encoding="utf-8").splitlines()
    picked = [ln for ln in lines if '"split": "test"' in ln][:200]
    f = tmp_path / "sample.jsonl"
    f.write_text("\n".join(picked) + "\n", encoding="utf-8")
    out = io.StringIO()
    assert evaluate_command(Settings(), f, split="test", out=out) == 0
    text = out.getvalue()
    assert "model P" in text and "base P" in text
    langs = {json.loads(ln)["language"] for ln in picked}
    for lang in [*langs, "all"]:
        for dim in ("greeting", "explanation", "closing"):
            assert any(row.split()[:2] == [lang, dim] for row in text.splitlines())


def test_evaluate_rejects_unlabelled_records(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "bad.jsonl"
    f.write_text(json.dumps({"id": "x", "channel": "chat", "text": "hi"}) + "\n")
    assert evaluate_command(Settings(), f) == 2
    assert "labels" in capsys.readouterr().err
