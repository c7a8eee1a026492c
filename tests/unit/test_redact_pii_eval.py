"""scorer.pii_eval: leaks and over-redaction counted on a labelled JSON-lines set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scorer.pii_eval import evaluate, keep_kind, main, scope_of
from scorer.redact import Redaction


def write(tmp_path: Path, cases: list[dict]) -> Path:
    path = tmp_path / "set.jsonl"
    path.write_text("\n".join(json.dumps(c, ensure_ascii=False) for c in cases) + "\n",
                    encoding="utf-8")
    return path


CASES = [
    {"text": "Hei Kari! Ring 912 34 567. Ordre 12345 sendt 23.11.2024.", "language": "nb",
     "content_type": "text/plain", "customer_name": "Kari Nordmann",
     "secrets": [{"value": "Kari", "category": "name"},
                 {"value": "912 34 567", "category": "phone"}],
     "keep": ["12345", "23.11.2024"]},
    {"text": "<p>Skriv til ola&#64;x.no eller ring 912&nbsp;34&nbsp;567</p>", "language": "nb",
     "content_type": "text/html",
     "secrets": [{"value": "ola&#64;x.no", "category": "email"},
                 {"value": "912&nbsp;34&nbsp;567", "category": "phone"}], "keep": []},
    {"text": "Hej! Kundnummer 5566 och favoritfärg blå.", "language": "sv",
     "secrets": [{"value": "blå", "category": "favourite_colour"},
                 {"value": "not in the text", "category": "phone"}],
     "keep": ["Kundnummer 5566", "ikke her"]},
]


def test_secrets_in_plain_and_html_cases_are_judged_on_the_rendered_text(
        tmp_path: Path) -> None:
    report = evaluate(write(tmp_path, CASES))
    d = report.as_dict()
    assert d["cases"] == 3
    assert d["by_category"]["email"]["leaked"] == 0     # ola&#64;x.no rendered as ola@x.no
    assert d["by_category"]["email"]["absent"] == 0
    assert d["by_category"]["phone"]["leaked"] == 0
    assert d["by_category"]["phone"]["absent"] == 1     # "not in the text"
    assert d["by_category"]["name"]["leaked"] == 0


def test_out_of_scope_categories_count_overall_but_not_in_scope(tmp_path: Path) -> None:
    d = evaluate(write(tmp_path, CASES)).as_dict()
    assert d["by_category"]["favourite_colour"]["leaked"] == 1
    assert d["overall"]["leaked"] == 1
    assert d["in_scope"]["leaked"] == 0
    assert d["in_scope"]["leak_rate"] == 0.0
    assert d["by_language"]["sv"]["leaked"] == 1


def test_keep_strings_removed_by_redaction_count_as_over_redaction(tmp_path: Path) -> None:
    cases = [{"text": "Ring 91234567 i dag.", "language": "nb", "secrets": [],
              "keep": ["91234567", "i dag"]}]
    d = evaluate(write(tmp_path, cases)).as_dict()
    assert d["overall"]["keeps"] == 2 and d["overall"]["removed"] == 1
    assert d["removed"][0]["keep"] == "91234567"
    assert d["by_keep_kind"]["reference number"]["removed"] == 1


def test_a_number_leaks_by_its_digits_whatever_the_separators(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A labelled value "91234567" shown as "912 34 567" and left readable is a leak.
    import scorer.pii_eval as pe

    monkeypatch.setattr(pe, "redact", lambda text, names=(): Redaction(text, []))
    cases = [{"text": "Nummeret 912 34 567.", "language": "nb", "secrets": [
        {"value": "91234567", "category": "phone"}], "keep": []}]
    d = evaluate(write(tmp_path, cases)).as_dict()
    assert d["by_category"]["phone"]["absent"] == 0
    assert d["by_category"]["phone"]["leaked"] == 1


def test_text_report_and_json_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                     ) -> None:
    path = write(tmp_path, CASES)
    text = evaluate(path).to_text()
    assert "in scope" in text and "per category" in text and "per language" in text
    assert "favourite_colour (out of scope)" in text
    assert main([str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) >= {"cases", "overall", "in_scope", "by_category", "by_language",
                        "by_keep_kind", "leaks", "removed"}


@pytest.mark.parametrize(("category", "kind"), [
    ("phone", "phone"), ("phone_number", "phone"), ("email", "email"), ("card", "card"),
    ("credit_card", "card"), ("national_id", "national_id"), ("personnummer", "national_id"),
    ("iban", "iban"), ("bank_account", "account"), ("name", "name"), ("person", "name"),
    ("address", "address"), ("order_number", None), ("favourite_colour", None),
])
def test_categories_map_to_what_the_redactor_covers(category: str, kind: str | None) -> None:
    assert scope_of(category) == kind


def test_keep_strings_are_told_apart_by_what_they_look_like() -> None:
    assert keep_kind("23.11.2024") == "date"
    assert keep_kind("14:30") == "time"
    assert keep_kind("1 299,00 kr") == "amount"
    assert keep_kind("Ordrenummer 12345678") == "reference number"
    assert keep_kind("Kundeservice") == "capitalised words"
