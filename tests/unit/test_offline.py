"""`scorer score` end to end through the console script (subprocess, real model)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCORER = [sys.executable, "-m", "scorer.cli"]


def _run(args: list[str], stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([*SCORER, *args], input=stdin, capture_output=True, timeout=120,
                          check=False)


def test_score_one_text_prints_one_json_object() -> None:
    res = _run(["score", "--channel", "chat", "--language", "nb",
                "Hei Ola! Pakken kommer i morgen fordi den ble forsinket. Ha en fin dag!"])
    assert res.returncode == 0, res.stderr
    lines = res.stdout.decode().splitlines()
    assert len(lines) == 1
    rec = json.loads(lines[0])
    assert rec["channel"] == "chat" and rec["language"] == "nb"
    assert set(rec["dimensions"]) == {"greeting", "explanation", "closing", "length"}
    assert rec["band"] in ("excellent", "good", "at_risk", "poor")


def test_jsonl_scores_valid_lines_in_order_and_reports_invalid_ones(tmp_path: Path) -> None:
    records = [
        {"id": "a", "channel": "chat", "text": "Hei! Det er sendt."},
        "{not json",
        {"id": "b", "channel": "fax", "text": "x"},
        {"id": "c", "channel": "E-mail", "text": "Hi Anna,\n\nWe refunded it because the "
         "parcel was lost.\n\nKind regards,\nTom", "language": "en"},
        {"id": "d", "channel": "messenger", "text": "Kunden skrev", "author": "customer"},
        {"id": "e", "channel": "messenger", "text": ""},
    ]
    body = "\n".join(r if isinstance(r, str) else json.dumps(r) for r in records) + "\n"
    res = _run(["score", "--jsonl", "-"], stdin=body.encode())
    assert res.returncode == 0, res.stderr
    out = [json.loads(line) for line in res.stdout.decode().splitlines()]
    assert [o["id"] for o in out] == ["a", "c", "e"]
    assert out[1]["channel"] == "email"
    err = res.stderr.decode().splitlines()
    errors = [json.loads(line) for line in err if line.startswith("{")]
    assert [(e["line"], e["error"]) for e in errors] == [(2, "not_json"), (3, "unknown_channel")]
    assert "scored 3 replies" in err[-1] and "2 invalid" in err[-1] and "replies/s" in err[-1]
    for o in out:
        if o["flagged"]:
            assert o["reasons"]


def test_missing_model_exits_2_with_the_fix(tmp_path: Path) -> None:
    import os

    env = dict(os.environ, SCORER_MODEL_PATH=str(tmp_path / "none.npz"))
    res = subprocess.run([*SCORER, "score", "--jsonl", "-"], input=b"", capture_output=True,
                         env=env, timeout=60, check=False)
    assert res.returncode == 2 and b"scorer train" in res.stderr


def test_jsonl_with_conversations_prints_replies_in_context_then_one_line_per_conversation(
        tmp_path: Path) -> None:
    records = [
        {"id": "m1", "channel": "chat", "conversation_id": "c-1", "author": "customer",
         "text": "Hei, hvor er pakken min?", "sent_at": "2026-11-30T10:00:00Z"},
        {"id": "x1", "channel": "chat", "text": "Hei! Ha en fin dag."},
        {"id": "r1", "channel": "chat", "conversation_id": "c-1", "language": "nb",
         "text": "Hei Kari! Takk for at du tok kontakt.", "sent_at": "2026-11-30T10:00:40Z"},
        {"id": "m2", "channel": "email", "conversation_id": "c-2", "author": "customer",
         "text": "Hello?", "sent_at": "2026-11-30T10:00:00Z"},
        {"id": "r2", "channel": "chat", "conversation_id": "c-1", "language": "nb",
         "text": "Pakken er forsinket fordi transportøren har mye å gjøre. Den kommer på "
                 "torsdag. Ha en fin dag!", "sent_at": "2026-11-30T10:01:40Z"},
        {"id": "e1", "channel": "chat", "conversation_id": "c-1", "event": "closed",
         "sent_at": "2026-11-30T10:02:00Z"},
    ]
    path = tmp_path / "export.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    res = _run(["score", "--jsonl", str(path)])
    assert res.returncode == 0, res.stderr
    lines = [json.loads(line) for line in res.stdout.decode().splitlines()]
    assert [r.get("id") for r in lines[:3]] == ["x1", "r1", "r2"]
    assert [r["position"] for r in lines[1:3]] == ["first", "later"]
    assert lines[0]["position"] is None and lines[0]["conversation_id"] is None
    c1, c2 = lines[3:]
    assert (c1["conversation_id"], c1["closed_by"], c1["first_response_seconds"]) == (
        "c-1", "event", 40.0)
    assert c1["reply_ids"] == ["r1", "r2"] and not c1["flagged"]
    assert (c2["conversation_id"], c2["closed_by"], c2["total"], c2["reasons"]) == (
        "c-2", "end_of_input", 0, ["unanswered"])
    assert "2 conversations" in res.stderr.decode()
