"""Redaction of personal data before replies are stored (scorer.redact)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scorer.redact import TOKENS, dk_cpr_ok, iban_ok, luhn_ok, no_fnr_ok, redact, se_pnr_ok


def norwegian_fnr(ddmmyy: str, individual: str) -> str | None:
    """Build a fødselsnummer with Skatteetaten's published weights (independent of the
    implementation under test); None when the individual number has no valid check digits."""
    digits = [int(c) for c in ddmmyy + individual]
    k1 = 11 - sum(w * d for w, d in zip((3, 7, 6, 1, 8, 9, 4, 5, 2), digits, strict=True)) % 11
    k1 = 0 if k1 == 11 else k1
    if k1 == 10:
        return None
    digits.append(k1)
    k2 = 11 - sum(w * d for w, d in zip((5, 4, 3, 2, 7, 6, 5, 4, 3, 2), digits,
                                         strict=True)) % 11
    k2 = 0 if k2 == 11 else k2
    if k2 == 10:
        return None
    return ddmmyy + individual + f"{k1}{k2}"


def valid_fnrs(ddmmyy: str, count: int = 3) -> list[str]:
    out = []
    for i in range(100, 1000):
        fnr = norwegian_fnr(ddmmyy, f"{i:03d}")
        if fnr:
            out.append(fnr)
        if len(out) == count:
            return out
    raise AssertionError("no valid individual numbers found")


# --- realistic messages ------------------------------------------------------------------------

NORDIC_MESSAGES = [
    # (text, substrings that must disappear, token that must appear)
    ("Hei Kari! Send kvitteringen til kari.nordmann@example.no, så ordner vi det.",
     ["kari.nordmann@example.no"], "[EMAIL]"),
    ("Du kan også skrive til bjørn.ås+faktura@eksempel-firma.no.",
     ["bjørn.ås+faktura@eksempel-firma.no"], "[EMAIL]"),
    ("Ring oss gjerne på +47 912 34 567 eller 22 33 44 55 mellom 8 og 16.",
     ["912 34 567", "22 33 44 55"], "[PHONE]"),
    ("Tack! Vi ringer dig på 070-123 45 67 eller +46 (0)8-123 456 78 imorgon.",
     ["070-123 45 67", "123 456 78"], "[PHONE]"),
    ("Du kan ringe på 0045 32 12 34 56 eller +4520123456.",
     ["32 12 34 56", "20123456"], "[PHONE]"),
    ("Vi har sperret kortet 4111 1111 1111 1111 (utløp 12/27) som du sendte.",
     ["4111 1111 1111 1111"], "[CARD]"),
    ("Betalningen med kort 5555-5555-5555-4444 och 378282246310005 gick igenom.",
     ["5555-5555-5555-4444", "378282246310005"], "[CARD]"),
    ("Ditt personnummer 19121212-1212 är registrerat, liksom 811218-9876.",
     ["19121212-1212", "811218-9876", "1212", "9876"], "[NATIONAL_ID]"),
    ("Samordningsnummer 701063-2391 är kopplat till ärendet.",
     ["701063-2391"], "[NATIONAL_ID]"),
    ("Dit CPR-nummer 070761-4285 står nu på kontoen; din søns er 311299-1234.",
     ["070761-4285", "311299-1234"], "[NATIONAL_ID]"),
    ("Refusjonen går til konto NO93 8601 1117 947 innen fem virkedager.",
     ["NO93 8601 1117 947", "8601"], "[IBAN]"),
    ("Pengarna sätts in på SE45 5000 0000 0583 9825 7466 eller DK5000400440116243.",
     ["SE45 5000 0000 0583 9825 7466", "DK5000400440116243"], "[IBAN]"),
    ("Please transfer to gb82 west 1234 5698 7654 32 and FI21 1234 5600 0007 85 OK.",
     ["gb82 west 1234 5698 7654 32", "FI21 1234 5600 0007 85"], "[IBAN]"),
]


@pytest.mark.parametrize(("text", "secrets", "token"), NORDIC_MESSAGES)
def test_realistic_personal_data_is_replaced_by_its_token(
        text: str, secrets: list[str], token: str) -> None:
    result = redact(text)
    for secret in secrets:
        assert secret not in result.text
    assert token in result.text
    # Nothing personal remains as a run of 6+ digits anywhere.
    assert not re.search(r"\d(?:[ -]?\d){5,}", result.text), result.text


@pytest.mark.parametrize("ddmmyy", ["150385", "010170", "291299", "310804"])
def test_valid_norwegian_fodselsnummer_is_redacted_as_national_id(ddmmyy: str) -> None:
    for fnr in valid_fnrs(ddmmyy):
        assert no_fnr_ok(fnr)
        for shown in (fnr, f"{fnr[:6]} {fnr[6:]}"):
            result = redact(f"Fødselsnummeret ditt {shown} er oppdatert.")
            assert result.text == "Fødselsnummeret ditt [NATIONAL_ID] er oppdatert."
            assert result.counts["no_fnr"] == 1


def test_norwegian_d_number_and_synthetic_test_numbers_are_recognised() -> None:
    d_number = valid_fnrs("550385", 1)[0]      # day + 40
    synthetic = valid_fnrs("158385", 1)[0]     # month + 80 (Skatteetaten test numbers)
    assert no_fnr_ok(d_number) and no_fnr_ok(synthetic)
    assert redact(f"D-nummer {d_number}").counts["no_fnr"] == 1
    assert redact(f"testperson {synthetic}").counts["no_fnr"] == 1


def test_wrong_check_digit_is_not_a_fodselsnummer_but_still_removed() -> None:
    fnr = valid_fnrs("150385", 1)[0]
    broken = fnr[:-1] + str((int(fnr[-1]) + 1) % 10)
    assert not no_fnr_ok(broken)
    result = redact(f"nummer {broken}")
    assert result.counts["no_fnr"] == 0
    assert broken not in result.text  # privacy first: an 11-digit run goes as a phone number


def test_checksums_match_published_examples() -> None:
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")
    assert se_pnr_ok("19", "121212", "1212") and not se_pnr_ok("19", "121212", "1213")
    assert se_pnr_ok(None, "701063", "2391")  # samordningsnummer: day + 60
    assert not se_pnr_ok(None, "991332", "1234")  # month 13
    assert dk_cpr_ok("070761") and not dk_cpr_ok("320199")
    assert iban_ok("NO9386011117947") and iban_ok("SE4550000000058398257466")
    assert not iban_ok("NO9386011117948")
    assert not iban_ok("NO93860111179470")  # Norwegian IBANs are 15 characters


LEAVE_ALONE = [
    "Pakken ble sendt 23.11.2024 og kommer innen 2024-11-29.",
    "Ordrenummer 12345 koster 1 299 kr, levering kl. 14.30.",
    "Sporingsnummeret ditt er 1234 5678 9012 3456.",   # 16 digits, fails Luhn: not a card
    "Versjon 2.3.1 av appen løser feilen.",
    "Du får 10 % rabatt på neste bestilling av 3 varer.",
    "Hej! Vi återkommer inom 2 dagar. Ha en trevlig helg!",
]


@pytest.mark.parametrize("text", LEAVE_ALONE)
def test_ordinary_numbers_dates_and_prices_stay_readable(text: str) -> None:
    result = redact(text)
    assert result.text == text
    assert result.hits == []


def test_card_followed_by_expiry_keeps_the_expiry() -> None:
    result = redact("Kort 4111 1111 1111 1111 12/27, takk.")
    assert result.text == "Kort [CARD] 12/27, takk."


def test_two_adjacent_numbers_are_both_found() -> None:
    assert redact("4111 1111 1111 1111 5555 5555 5555 4444").text == "[CARD] [CARD]"
    assert redact("NO93 8601 1117 947 og NO93 8601 1117 947").text == "[IBAN] og [IBAN]"


def test_map_span_translates_evidence_offsets_into_the_redacted_text() -> None:
    text = "Hei! Ring 912 34 567 i dag. Ha en fin dag, kari@example.no!"
    result = redact(text)
    closing = text.index("Ha en fin dag")
    s, e = result.map_span(closing, len(text))
    assert result.text[s:e] == "Ha en fin dag, [EMAIL]!"
    s, e = result.map_span(0, 4)
    assert result.text[s:e] == "Hei!"
    # A span cutting into the phone number grows to cover the whole token.
    s, e = result.map_span(text.index("Ring"), text.index("34"))
    assert result.text[s:e] == "Ring [PHONE]"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("0123456789 -+.@abcNOSE()æøå\n"), max_size=80))
def test_redaction_is_idempotent_and_never_leaves_a_valid_card(text: str) -> None:
    once = redact(text).text
    assert redact(once).text == once
    for m in re.finditer(r"\d(?:[ -]?\d){12,18}", once):
        digits = re.sub(r"\D", "", m.group(0))
        assert not luhn_ok(digits) or not 13 <= len(digits) <= 19, once


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=60), st.text(max_size=60))
def test_map_span_of_unredacted_regions_is_exact(prefix: str, suffix: str) -> None:
    text = f"{prefix}ring 22 33 44 55 nå{suffix}"
    result = redact(text)
    s, e = result.map_span(0, len(text))
    assert result.text[s:e] == result.text
    assert "22 33 44 55" not in result.text
    assert TOKENS["phone"] in result.text


def test_the_customers_name_and_its_parts_are_redacted_as_whole_words() -> None:
    out = redact("Hei Kari! Kari Nordmann sin sak er løst. Karibien er fint i mars.",
                 names=["Kari Nordmann"]).text
    assert out == "Hei [NAME]! [NAME] [NAME] sin sak er løst. Karibien er fint i mars."


def test_empty_known_names_are_ignored_and_words_without_a_name_context_stay() -> None:
    # Blank or missing customer names add nothing; ordinary capitalised words stay.
    text = "Hei! Takk for at du tok kontakt med Kundeservice. Pakken er i Oslo."
    assert redact(text, names=[None, "  "]).text == text


def test_a_name_after_a_greeting_is_redacted_without_a_known_customer_name() -> None:
    # Changed with the security review: "Hei Kari!" used to stay when no customer_name
    # was given; a greeting now gives the name away by itself.
    assert redact("Hei Kari!", names=[None, "  "]).text == "Hei [NAME]!"


def test_redaction_does_not_depend_on_the_hash_seed() -> None:
    """Set iteration order changes with PYTHONHASHSEED; which of two overlapping name rules
    claims a span first must not (it did: "my neighbour Mrs Pat Kowalczyk" came out two
    ways)."""
    import subprocess
    import sys

    code = ("import hashlib, json\n"
            "from scorer.redact import redact\n"
            "from scorer.text import prepare\n"
            "h = hashlib.sha256()\n"
            "for name in ('pii_eval_v7', 'pii_eval_v6'):\n"
            "    for line in open(f'tests/data/{name}.jsonl', encoding='utf-8'):\n"
            "        c = json.loads(line)\n"
            "        plain = prepare(c['text'], c.get('content_type', 'text/plain')).plain\n"
            "        h.update(redact(plain, [c.get('customer_name')]).text.encode())\n"
            "print(h.hexdigest())\n")
    root = Path(__file__).resolve().parents[2]
    digests = {subprocess.run([sys.executable, "-c", code], cwd=root, check=True,
                              capture_output=True, text=True,
                              env={**os.environ, "PYTHONHASHSEED": seed}).stdout
               for seed in ("1", "2", "3", "5")}
    assert len(digests) == 1


def test_known_name_regexes_are_a_bounded_memo_each_redactor_owns() -> None:
    from scorer.redact import Redactor
    from scorer.redact.known import KnownRegexes

    a, b = Redactor(None), Redactor(None)
    assert a.known_regexes is not b.known_regexes
    assert a.redact("Hei Ingrid, takk!", ["Ingrid Haugland"]).text == "Hei [NAME], takk!"
    memo = KnownRegexes(limit=2)
    for names in (("Ola",), ("Kari",), ("Per Olav",)):
        assert memo.get(names) is not None
    assert len(memo._built) <= 2
    assert memo.get(("Kari",)).search("hei kari") is not None


@pytest.mark.parametrize(("text", "expected"), [
    ("hej jeg er flyttet til nørrebrogade 45, 3. tv, 2200 kbh n og skal",
     "hej jeg er flyttet til [ADDRESS] og skal"),
    ("jeg bor bøgevej 4 1tv 2650 hvidovre og har", "jeg bor [ADDRESS] og har"),
    ("den står hjå Kari i kyrkjevegen 3. eg bur i kyrkjevegen 5 🙈",
     "den står hjå [NAME] i [ADDRESS]. eg bur i [ADDRESS] 🙈"),
    ("post it to:\n118 Green Lanes\nLondon", "post it to:\n[ADDRESS]\nLondon"),
    ("address to 7 canal walk, cambridge cb4 1ga thanks", "address to [ADDRESS] thanks"),
])
def test_lower_case_streets_with_floor_compound_or_uk_postcode_are_addresses(
        text: str, expected: str) -> None:
    assert redact(text).text == expected


@pytest.mark.parametrize("text", [
    "a 5 minute walk from the station", "i parkeringsplassen 3 timer",
    "bor i kyrkjevegen 3 år", "i storgata 5-7 er det stengt"])
def test_lower_case_street_rules_leave_counts_and_ranges(text: str) -> None:
    assert redact(text).text == text


@pytest.mark.parametrize(("text", "expected"), [
    ("lejekontrakten for Ruten 14, 2. tv. Har du brug", "lejekontrakten for [ADDRESS] Har du brug"),
    ("beställt till Rinkebysvängen 22, 4 tr. Installation", "beställt till [ADDRESS] Installation"),
])
def test_a_street_of_any_name_with_a_floor_after_its_number_is_an_address(
        text: str, expected: str) -> None:
    assert redact(text).text == expected


def test_numbers_with_floor_like_words_but_no_street_stay() -> None:
    assert redact("Vi har 3 tr i lager og ordre 14, 2 stk.").text == (
        "Vi har 3 tr i lager og ordre 14, 2 stk.")
