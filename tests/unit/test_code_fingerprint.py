"""The model's code fingerprint covers what it names and refuses a name that is gone."""

from __future__ import annotations

import pytest

from scorer import training


def test_the_code_fingerprint_fails_on_a_listed_module_that_does_not_exist(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(training, "_CODE_FILES", (*training._CODE_FILES, "moved_away.py"))
    with pytest.raises(FileNotFoundError, match=r"moved_away\.py"):
        training._code_sha()


def test_the_code_fingerprint_covers_every_module_of_a_listed_package(
        monkeypatch: pytest.MonkeyPatch) -> None:
    before = training._code_sha()
    monkeypatch.setattr(training, "_CODE_FILES", (*training._CODE_FILES, "redact"))
    assert training._code_sha() != before
