"""Behaviour pinned by hashes (tests/golden.py): features, scores and redaction of the
corpus and the personal-data sets are byte-identical to the recorded ones. A refactor must
keep them; a deliberate change regenerates tests/data/golden.json in the same commit."""

from __future__ import annotations

import json

import pytest

from tests.golden import GOLDEN, compute


@pytest.fixture(scope="module")
def now() -> dict[str, str]:
    return compute()


@pytest.fixture(scope="module")
def recorded() -> dict[str, str]:
    return json.loads(GOLDEN.read_text(encoding="utf-8"))


def test_every_golden_hash_is_still_computed(now: dict[str, str],
                                             recorded: dict[str, str]) -> None:
    assert sorted(now) == sorted(recorded)


@pytest.mark.parametrize("part", ["features", "scored", "text", "redact"])
def test_features_scores_text_and_redaction_are_unchanged(
        part: str, now: dict[str, str], recorded: dict[str, str]) -> None:
    if part == "scored" and now["model_version"] != recorded["model_version"]:
        pytest.fail(f"the model changed ({recorded['model_version']} → {now['model_version']}): "
                    "regenerate with `python -m tests.golden --write` in the same commit")
    changed = sorted(k for k in recorded if k.startswith(part + ".") and now.get(k) != recorded[k])
    assert not changed, (f"{changed} changed; if on purpose, regenerate with "
                         "`python -m tests.golden --write` and say why in the commit")
