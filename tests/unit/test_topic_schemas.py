"""The published topic schemas (docs/schemas) are the ones the models generate, and real
records validate against them: a decoded input, a scored reply and a scored conversation."""

from __future__ import annotations

import io
import json

import jsonschema
import pytest

from scorer.topic_schemas import SCHEMA_DIR, TOPICS, rendered


@pytest.mark.parametrize("topic", sorted(TOPICS))
def test_the_published_schema_is_the_generated_one(topic: str) -> None:
    path = SCHEMA_DIR / f"{topic}.schema.json"
    assert path.is_file(), f"{path} missing: run `python -m scorer.topic_schemas --write`"
    assert path.read_text(encoding="utf-8") == rendered(topic), (
        f"{path} is stale: run `python -m scorer.topic_schemas --write` and commit it")


def _validator(topic: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMA_DIR / f"{topic}.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_scored_records_of_the_scorer_validate_and_a_broken_one_does_not() -> None:
    from scorer.offline import score_text
    from scorer.settings import Settings

    out = io.StringIO()
    score_text(Settings(), "Hei Kari! Pakken kommer fredag. Ha en fin dag!", channel="chat",
               out=out)
    record = json.loads(out.getvalue().splitlines()[0])
    validator = _validator("replies.scored")
    assert list(validator.iter_errors(record)) == []
    assert list(validator.iter_errors({**record, "band": "superb"})) != []


def test_an_input_record_validates_and_one_without_channel_does_not() -> None:
    validator = _validator("replies")
    good = {"id": "r-1", "channel": "chat", "text": "Hei!", "language": "nb",
            "sent_at": "2026-11-30T10:00:00Z"}
    assert list(validator.iter_errors(good)) == []
    assert list(validator.iter_errors({"id": "r-1", "text": "Hei!"})) != []
