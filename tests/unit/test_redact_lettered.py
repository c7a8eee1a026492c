"""Identifiers written with letters: Irish PPS numbers (`scorer.redact.lettered`)."""

from __future__ import annotations

import pytest

from scorer.redact import redact
from scorer.redact.checksums import pps_ok


@pytest.mark.parametrize("value", ["1234567T", "0518060PA", "1240663KA", "1234567 TW"])
def test_pps_numbers_with_a_right_check_letter_pass(value: str) -> None:
    assert pps_ok(value)


@pytest.mark.parametrize("value", ["1234567A", "0518060PB", "123456T", "12345678T"])
def test_pps_numbers_with_a_wrong_check_letter_or_shape_fail(value: str) -> None:
    assert not pps_ok(value)


def test_an_irish_pps_number_is_redacted_and_a_code_with_a_wrong_letter_stays() -> None:
    assert redact("PPS 0518060PA, thanks").text == "PPS [NATIONAL_ID], thanks"
    assert redact("Voucher 1234567A applied").text == "Voucher 1234567A applied"
