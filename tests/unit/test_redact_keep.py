"""A deployment's keep-list (`SCORER_REDACT_KEEP`, scorer/redact/keep.py): its own contact
details are never redacted, a customer's beside them still are, and the setting reaches
every redactor the service builds."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from scorer.redact import REDACTOR, Redactor, redactor_keeping
from scorer.redact.keep import KeepList, check_entry, read_keep_file
from scorer.settings import SettingsError, load_settings

COMPANY = ["+47 22 86 40 00", "Kundeservice@Firma.no", "Postboks 636 Løren, 0507 Oslo"]
CUSTOMER = "912 34 567"


@pytest.fixture(scope="module")
def keeper() -> Redactor:
    return redactor_keeping(COMPANY)


@pytest.mark.parametrize("typed", [
    "22 86 40 00", "22864000", "22.86.40.00", "22-86-40-00", "22\u00a086\u00a040\u00a000",
    "+47 22 86 40 00", "+4722864000", "0047 22 86 40 00", "(+47) 22 86 40 00",
])
def test_a_kept_company_number_survives_in_any_typed_form_beside_a_redacted_customer_number(
        keeper: Redactor, typed: str) -> None:
    text = f"Ring oss på {typed}. Vi ringer deg på {CUSTOMER} i morgen."
    out = keeper.redact(text).text
    assert typed in out
    assert CUSTOMER not in out and "[PHONE]" in out
    assert REDACTOR.redact(text).text.count("[PHONE]") == 2  # the shipped one keeps nothing


def test_a_number_that_only_contains_the_kept_digits_is_redacted(keeper: Redactor) -> None:
    for text in ("Nummeret 122 86 40 00.", "Nummeret 22 86 40 001.",
                 "Nummeret 22 86 40 00 12.", "Nummeret +45 22 86 40 00."):
        assert "22 86 40 00" not in keeper.redact(text).text, text


def test_an_entry_with_its_country_prefix_keeps_the_national_form_with_the_trunk_zero() -> None:
    swedish = redactor_keeping(["+46 771 78 00 00"])
    for typed in ("0771-78 00 00", "0771 780000", "+46 771 78 00 00", "+46 (0)771 78 00 00"):
        assert typed in swedish.redact(f"Ring SL Kundtjänst {typed}.").text, typed
    # Written without a prefix, an entry keeps only the national form.
    national = redactor_keeping(["0771-78 00 00"])
    assert "+46 771" not in national.redact("Ring +46 771 78 00 00.").text


def test_a_kept_email_address_survives_in_any_case_and_other_addresses_do_not(
        keeper: Redactor) -> None:
    text = ("Skriv til kundeservice@firma.no eller KUNDESERVICE@FIRMA.NO; "
            "ola.nordmann@firma.no og kundeservice@firma.no.evil.com er ikke våre.")
    out = keeper.redact(text).text
    assert "kundeservice@firma.no eller KUNDESERVICE@FIRMA.NO" in out
    assert "ola.nordmann" not in out and "evil.com" not in out


def test_a_kept_address_survives_in_any_case_and_spacing(keeper: Redactor) -> None:
    text = "Send klagen til postboks 636  løren, 0507 OSLO eller til Storgata 5, 0155 Oslo."
    out = keeper.redact(text).text
    assert "postboks 636  løren, 0507 OSLO" in out
    assert "Storgata 5" not in out


def test_a_found_span_reaching_past_a_kept_string_is_still_redacted() -> None:
    r = redactor_keeping(["Storgata 5"])
    out = r.redact("Jeg bor i Storgata 5, 0155 Oslo.").text
    assert "Storgata" not in out and "[ADDRESS]" in out


def test_redacting_twice_with_a_keep_list_changes_nothing(keeper: Redactor) -> None:
    text = (f"Hei Kari! Ring 22 86 40 00 eller skriv til kundeservice@firma.no. Ditt nummer "
            f"{CUSTOMER} er lagret.22 86 40 00Mvh Ola")
    once = keeper.redact(text, ["Kari Nordmann"])
    assert keeper.redact(once.text, ["Kari Nordmann"]).text == once.text
    for a, b in zip(once.hits, once.hits[1:], strict=False):
        assert a.end <= b.start


def test_a_keep_list_keeps_redaction_linear(keeper: Redactor) -> None:
    for unit in ("22 86 40 00 ", "912 34 567 ", "kundeservice@firma.no ", "Postboks 636 "):
        text = (unit * (200_000 // len(unit) + 1))[:200_000]
        start = time.process_time()
        keeper.redact(text)
        assert time.process_time() - start < 5.0, unit


@pytest.mark.parametrize(("entry", "says"), [
    ("177", "shorter than 4 characters"),
    ("1234", "only 4 digits"),
    ("12-34", "only 4 digits"),
    ("....", "no letter or digit"),
])
def test_an_entry_that_would_keep_too_much_is_refused_naming_it_and_the_fix(
        entry: str, says: str) -> None:
    with pytest.raises(ValueError, match=says) as err:
        check_entry(entry)
    assert repr(entry) in str(err.value)
    assert "whole phone number" in str(err.value) or "drop" in str(err.value)


def test_the_setting_takes_a_comma_separated_or_a_json_list(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCORER_REDACT_KEEP", " 22 86 40 00 , kundeservice@firma.no,")
    assert load_settings().redact_keep == ["22 86 40 00", "kundeservice@firma.no"]
    monkeypatch.setenv("SCORER_REDACT_KEEP", json.dumps(["Postboks 636 Løren, 0507 Oslo"]))
    assert load_settings().redact_keep == ["Postboks 636 Løren, 0507 Oslo"]
    monkeypatch.delenv("SCORER_REDACT_KEEP")
    assert load_settings().redact_keep == []


@pytest.mark.parametrize(("value", "says"), [
    ("22 86 40 00, 177", "'177' is shorter than 4 characters"),
    ("1234", "'1234' has only 4 digits"),
    ('["22 86 40 00"', "is not a JSON list"),
])
def test_a_bad_setting_stops_startup_naming_the_variable_and_the_entry(
        monkeypatch: pytest.MonkeyPatch, value: str, says: str) -> None:
    monkeypatch.setenv("SCORER_REDACT_KEEP", value)
    with pytest.raises(SettingsError, match="SCORER_REDACT_KEEP") as err:
        load_settings()
    assert says in str(err.value)


def test_the_setting_reaches_the_workers_store_and_offline_redactors(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import scorer.offline
    from scorer.scoring import Scorer
    from scorer.service.worker import batch_work
    from scorer.store import FlaggedStore

    settings = load_settings(redact_keep=["22 86 40 00"], sample_rate=1.0,
                             store_url=f"sqlite:///{tmp_path / 'flagged.db'}")
    work = batch_work(settings, Scorer.from_settings(settings))
    assert work.redactor is not None and work.redactor.keep.entries == ("22 86 40 00",)
    assert work.describer is not None and work.describer.redactor is work.redactor
    text = f"Hei! Ring kundeservice på 22 86 40 00, vi har notert {CUSTOMER}. Mvh Ola"
    reply = {"channel": "chat", "language": "nb", "text": text}
    message = {**reply, "conversation_id": "c-1", "author": "customer"}
    outcome = work([orjson.dumps({"id": "r-1", **reply}), orjson.dumps({"id": "m-1", **message})],
                   stages=[False, True], times=[0.0, 0.0])
    stored = outcome.rows[0]["text"]  # every reply is in the review sample at rate 1
    thread = outcome.messages[0].entry or b""
    for shown in (stored, thread.decode()):
        assert "22 86 40 00" in shown and CUSTOMER not in shown

    store = FlaggedStore.from_settings(settings)
    try:
        assert store.redactor.keep.entries == ("22 86 40 00",)
    finally:
        store.close()

    seen: list[Redactor | None] = []
    real_show = scorer.offline.show

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(kwargs.get("redactor"))
        return real_show(*args, **kwargs)

    monkeypatch.setattr(scorer.offline, "show", spy)
    scorer.offline.score_text(settings, text, language="nb", out=io.StringIO())
    assert seen and seen[0] is not None and seen[0].keep.entries == ("22 86 40 00",)


def test_without_a_keep_list_the_shipped_redactor_serves() -> None:
    assert redactor_keeping([]) is REDACTOR
    assert not REDACTOR.keep
    assert redactor_keeping(["22 86 40 00"]).tagger is REDACTOR.tagger
    assert not KeepList()


def test_pii_eval_reports_over_redaction_with_a_deployments_keep_list(tmp_path: Path) -> None:
    from scorer.cli import main

    cases = tmp_path / "set.jsonl"
    cases.write_text(json.dumps({
        "text": f"Ring oss på 22 86 40 00. Vi ringer deg på {CUSTOMER}.", "language": "nb",
        "secrets": [{"value": CUSTOMER, "category": "phone"}], "keep": ["22 86 40 00"]}) + "\n",
        encoding="utf-8")
    keep = tmp_path / "keep.txt"
    keep.write_text("# the company's numbers\n\n+47 22 86 40 00\n", encoding="utf-8")
    assert read_keep_file(keep) == ["+47 22 86 40 00"]
    runner = CliRunner()
    without = json.loads(runner.invoke(main, ["pii-eval", str(cases), "--json"]).output)
    result = runner.invoke(main, ["pii-eval", str(cases), "--json", "--keep-from-file", str(keep)])
    with_keep = json.loads(result.output)
    assert without["overall"]["removed"] == 1 and with_keep["overall"]["removed"] == 0
    assert with_keep["overall"]["leaked"] == without["overall"]["leaked"] == 0

    keep.write_text("1234\n", encoding="utf-8")
    bad = runner.invoke(main, ["pii-eval", str(cases), "--keep-from-file", str(keep)])
    assert bad.exit_code == 2 and "'1234' has only 4 digits" in bad.output
