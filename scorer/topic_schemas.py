"""JSON Schemas of the topics, generated from the pydantic models that read and write them.

`python -m scorer.topic_schemas --write` writes `docs/schemas/<topic>.schema.json`;
tests/unit/test_topic_schemas.py fails when a model changed and the files were not regenerated,
so consumers (a schema registry, a data warehouse loader, a producer's contract test) can
rely on the published files. The input schema is the *validation* view: what the decoder
accepts (aliases such as channel `fb` or language `nb-NO` are normalised by validators the
schema cannot express; the README lists them). The dead-letter topic carries the original
bytes and is described by its headers in the README, not by a schema.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from scorer.schema import Reply, ScoredConversation, ScoredReply

#: docs/schemas in a source checkout.
SCHEMA_DIR = Path(__file__).resolve().parent.parent / "docs" / "schemas"
#: Topic (by its default name) → the model of its record values, and how it is read.
TOPICS: dict[str, tuple[type[BaseModel], str]] = {
    "replies": (Reply, "validation"),
    "replies.scored": (ScoredReply, "serialization"),
    "replies.flagged": (ScoredReply, "serialization"),
    "conversations.scored": (ScoredConversation, "serialization"),
}


def schema_of(topic: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of `topic`'s record values."""
    model, mode = TOPICS[topic]
    out = model.model_json_schema(mode=mode)  # type: ignore[arg-type]
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"https://reply-scorer/schemas/{topic}.schema.json",
            "title": f"{topic} record value", **{k: v for k, v in out.items() if k != "title"}}


def rendered(topic: str) -> str:
    return json.dumps(schema_of(topic), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help=f"write the files into {SCHEMA_DIR}")
    args = ap.parse_args()
    for topic in TOPICS:
        path = SCHEMA_DIR / f"{topic}.schema.json"
        if args.write:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(rendered(topic), encoding="utf-8")
        print(path)


if __name__ == "__main__":
    main()
