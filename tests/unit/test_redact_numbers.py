"""Numbers as people type them: every separator, numbers next to numbers, phone plans,
bank accounts and national ids — and the numbers that must stay (scorer.redact)."""

from __future__ import annotations

import re

import pytest

from scorer.redact import TOKENS, no_account_ok, redact


def no_digits_left(text: str) -> bool:
    return not re.search(r"\d(?:\D{0,3}\d){5,}", text)


SEPARATORS = [
    "912 34 567", "912\u00a034\u00a0567", "912  34  567", "912.34.567", "912-34-567",
    "912/34/567", "912–34–567", "912\u202f34\u202f567", "912 - 34 - 567", "91234567",
    "+47 912 34 567", "0047 912 34 567", "(+47) 91234567", "+47-91234567", "+47\u00a091234567",
]


@pytest.mark.parametrize("phone", SEPARATORS)
def test_a_norwegian_mobile_is_redacted_whatever_separator_is_typed(phone: str) -> None:
    result = redact(f"Du kan ringe meg på {phone} etter klokka fire.")
    assert result.text == "Du kan ringe meg på [PHONE] etter klokka fire."


@pytest.mark.parametrize("phone", [
    "070-123 45 67", "070 123 45 67", "0701234567", "+46 70 123 45 67", "+46 (0)70-123 45 67",
    "08-123 456 78", "+46 8 123 456 78", "031-12 34 56",
])
def test_swedish_mobiles_and_area_code_numbers_are_redacted(phone: str) -> None:
    assert redact(f"Ring mig på {phone} imorgon.").text == "Ring mig på [PHONE] imorgon."


@pytest.mark.parametrize("phone", [
    "32 12 34 56", "+45 32 12 34 56", "0045 20123456", "2012 3456",
])
def test_danish_eight_digit_numbers_are_redacted(phone: str) -> None:
    assert redact(f"Ring på {phone} i dag.").text == "Ring på [PHONE] i dag."


@pytest.mark.parametrize("phone", [
    "07700 900123", "07700900123", "+44 7700 900123", "+44 (0)20 7946 0958", "020 7946 0958",
    "0161 496 0000",
])
def test_uk_numbers_are_redacted(phone: str) -> None:
    assert redact(f"Call me on {phone} please.").text == "Call me on [PHONE] please."


@pytest.mark.parametrize("card", [
    "4111 1111 1111 1111", "4111.1111.1111.1111", "4111-1111-1111-1111", "4111111111111111",
    "4111\u00a01111\u00a01111\u00a01111", "4111/1111/1111/1111", "3782 822463 10005",
])
def test_card_numbers_are_redacted_with_any_separator(card: str) -> None:
    assert redact(f"Kortet {card} er sperret.").text == "Kortet [CARD] er sperret."


def test_a_personnummer_followed_by_a_card_number_are_both_found() -> None:
    result = redact("Uppgifter: 811218-9876 4111 1111 1111 1111")
    assert result.text == "Uppgifter: [NATIONAL_ID] [CARD]"
    assert result.counts["se_pnr"] == 1 and result.counts["card"] == 1


def test_a_phone_followed_by_a_date_keeps_the_date() -> None:
    assert redact("Ring 91234567 23.11.2024 kl 14.").text == "Ring [PHONE] 23.11.2024 kl 14."
    assert redact("Tlf 912 34 567 2024-11-29").text == "Tlf [PHONE] 2024-11-29"


def test_several_phone_numbers_in_a_row_are_all_removed() -> None:
    assert redact("912 34 567 / 22 33 44 55 – 98765432").text == "[PHONE] / [PHONE] – [PHONE]"
    assert redact("912 34 567 " * 5).text.split() == ["[PHONE]"] * 5


def test_national_ids_with_dash_plus_and_space_forms() -> None:
    assert redact("Personnummer 19121212-1212.").text == "Personnummer [NATIONAL_ID]."
    assert redact("Personnummer 121212+1212.").text == "Personnummer [NATIONAL_ID]."
    assert redact("CPR 070761-4285 er rettet.").text == "CPR [NATIONAL_ID] er rettet."
    assert redact("NI number AB 12 34 56 C.").text == "NI number [NATIONAL_ID]."


def test_norwegian_account_numbers_in_4_2_5_groups_are_redacted() -> None:
    assert no_account_ok("12345678903")
    assert redact("Vi betaler til 1234.56.78903 i morgen.").text == (
        "Vi betaler til [ACCOUNT] i morgen.")
    assert redact("Kontonummer: 1234 56 78903").text == "Kontonummer: [ACCOUNT]"


def test_swedish_and_danish_accounts_after_an_account_cue_are_redacted() -> None:
    out = redact("Clearingnummer 8327-9, kontonummer 123 456 789-0.").text
    assert "123 456 789-0" not in out and TOKENS["account"] in out
    out = redact("Reg.nr. 1234 kontonr. 1234567890").text
    assert out == "Reg.nr. 1234 kontonr. [ACCOUNT]"


def test_ibans_with_spaces_dots_or_no_break_spaces_are_redacted() -> None:
    for iban in ("NO93 8601 1117 947", "NO93\u00a08601\u00a01117\u00a0947", "NO9386011117947"):
        assert redact(f"Konto {iban}.").text == "Konto [IBAN]."


def test_emails_also_after_mailto_and_written_with_at() -> None:
    assert redact("Skriv til mailto:kari@example.no").text == "Skriv til mailto:[EMAIL]"
    assert redact("Mail ola(at)firma.no eller ola [at] firma.no").text == (
        "Mail [EMAIL] eller [EMAIL]")


KEEP = [
    "Ordrenummer 12345678 ble sendt 23.11.2024 kl. 14.30.",
    "Ordrenummeret ditt er 20241129, og saksnummeret er 55512345.",
    "Your order number is 87654321 and the total is £1,299.00.",
    "Sporingsnummer 70730259304981234 og 00370712345678901234.",
    "Sporingsnummer: 7070 0000 1234 5678 9.",
    "Fakturanr. 10023456, KID 1234567890123, forfall 15.12.2024.",
    "Sendingen RR123456785SE ble levert.",
    "Beløpet er kr 12 345 678 for hele prosjektet.",
    "Ärendenummer #45678901, leverans 2024-12-03 mellan 08:00 och 12:00.",
    "Sagsnummer 12345678 blev oprettet 1.12.2024.",
    "Kundenummer 99887766 er registrert.",
    "Pakken veier 2.5 kg og koster 1 299,- kr.",
    "Org.nr. 923 609 016 står på fakturaen.",
]


@pytest.mark.parametrize("text", KEEP)
def test_order_tracking_invoice_numbers_dates_and_amounts_stay(text: str) -> None:
    assert redact(text).text == text


def test_an_order_cue_does_not_protect_a_phone_number_after_another_number() -> None:
    out = redact("Ordre 12345 og 91234567.").text
    assert out == "Ordre 12345 og [PHONE]."


def test_eight_digits_on_their_own_go_as_a_phone_number_privacy_first() -> None:
    assert redact("Nummeret er 12345678.").text == "Nummeret er [PHONE]."
    assert no_digits_left(redact("Send til 99 88 77 66 55").text)


def test_a_short_label_typed_against_the_number_does_not_hide_it() -> None:
    assert redact("Ring tlf91234567 nå.").text == "Ring tlf[PHONE] nå."
    assert redact("Sendingen RR123456785SE, kr1299.").text == "Sendingen RR123456785SE, kr1299."


@pytest.mark.parametrize("phone", ["22.86.41.10", "47.21.93.08", "33-12-45-67", "93.41.07.55"])
def test_a_phone_number_written_in_dotted_pairs_is_no_pair_of_dates(phone: str) -> None:
    once = redact(f"Ring oss på {phone} i morgen.").text
    assert once == "Ring oss på [PHONE] i morgen."
    assert redact(once).text == once


@pytest.mark.parametrize("text", [
    "Fristen var 24.12.20.24, altså julaften.",   # DD.MM and a year written in two pairs
    "Ordrenummer 22.86.41.10 er sendt.",          # an order cue keeps it
    "Kl. 12.30 eller 14.15 passer.",
])
def test_dotted_pairs_that_are_dates_or_kept_numbers_stay(text: str) -> None:
    assert redact(text).text == text


@pytest.mark.parametrize(("text", "expected"), [
    ("mail me: dan dot whitaker at gmail dot com thanks", "mail me: [EMAIL] thanks"),
    ("skriv till oskar punkt lindahl snabel-a gmail punkt com", "skriv till [EMAIL]"),
    ("sveinung.lone [at] gmail [dot] com", "[EMAIL]"),
    ("ola punktum nordmann at online punktum no", "[EMAIL]"),
])
def test_spelled_out_email_addresses_are_redacted(text: str, expected: str) -> None:
    assert redact(text).text == expected


@pytest.mark.parametrize("text", [
    "Meet me at the shop at 10.", "Vi ses på kontoret kl. 10.", "I am at work at 9 dot on."
])
def test_at_and_dot_in_ordinary_sentences_stay(text: str) -> None:
    assert redact(text).text == text


@pytest.mark.parametrize("text", ["Saksnummer SK-2024-118734 gjelder deg.",
                                  "Bestilling GK-7718-2290 er mottatt.",
                                  "Ärende TRY-2024-338120 är stängt."])
def test_digits_after_a_letter_code_and_hyphen_are_a_reference_not_a_phone(text: str) -> None:
    assert redact(text).text == text


def test_a_card_after_a_letter_code_is_still_a_card_and_a_label_is_no_code() -> None:
    assert redact("KORT-4111 1111 1111 1111").text == "KORT-[CARD]"
    assert redact("Ring tlf-91234567").text == "Ring tlf-[PHONE]"


def test_a_currency_symbol_before_the_next_amount_does_not_keep_a_card() -> None:
    out = redact("charged twice!! 4893 4258 4818 8356 £89.99 x2 on 3 June").text
    assert "[CARD] £89.99" in out
    assert redact("total 1299 £ and 50 €").text == "total 1299 £ and 50 €"


def test_a_keep_cue_covers_the_first_of_two_long_numbers_only() -> None:
    out = redact("order 31120998 0709876543 ring mig").text
    assert out == "order 31120998 [PHONE] ring mig"
    assert redact("ordre 12345678 er sendt").text == "ordre 12345678 er sendt"


@pytest.mark.parametrize("text", [
    "Jeg viser til skadesak 45-778120 på bilen vår.",
    "Jeg har fået en parkeringsafgift (nr. 7712-4401) foran huset.",
    "Saken har fått nummer 45-779901.",
    "Bestillingsnr 560-22981, levering tirsdag.",
    "Polisenummer: 8812004561",
])
def test_reference_numbers_after_compound_and_insurance_cues_stay(text: str) -> None:
    assert redact(text).text == text


def test_a_number_dialled_with_a_country_code_is_a_phone_even_after_a_keep_cue() -> None:
    assert redact("Contact phone on booking: +40 744 118 203").text == (
        "Contact phone on booking: [PHONE]")
