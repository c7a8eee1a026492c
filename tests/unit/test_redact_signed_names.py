"""Names a message gives away at its end, after a role label, or as the subject of its
first sentence, and the mail forms of e-mail addresses (`scorer.redact.chatnames`,
`names.listed_names`, `namewords.LABEL`)."""

from __future__ import annotations

import pytest

from scorer.redact import redact


@pytest.mark.parametrize(("text", "expected"), [
    ("Personnr 811218-9876, adress Storgatan 5. Senait Tekle",
     "Personnr [NATIONAL_ID], adress [ADDRESS]. [NAME]"),
    ("Gebyrnr TG-558120. Yonas Ghebremedhin, mob 912 34 567",
     "Gebyrnr TG-558120. [NAME], mob [PHONE]"),
    ("kan jeg rykke min tid fra tirsdag? /Sol 22 33 44 55",
     "kan jeg rykke min tid fra tirsdag? /[NAME] [PHONE]"),
    ("Kvittering sendes i dag.\nIda K. – Solreiser",
     "Kvittering sendes i dag.\n[NAME] – Solreiser"),
])
def test_a_name_signed_at_the_end_or_before_a_contact_label_is_redacted(
        text: str, expected: str) -> None:
    assert redact(text).text == expected


@pytest.mark.parametrize("text", [
    "Takk for hjelpen. Ha en fin dag", "Vi ses i morgen. God Jul",
    "See you on Monday. Best Regards", "Pakken er sendt. Kundeservice Oslo"])
def test_courtesies_and_teams_at_the_end_stay(text: str) -> None:
    assert redact(text).text == text


@pytest.mark.parametrize(("text", "expected"), [
    ("Hei Per! Magnus må selv godkjenne eierskiftet.",
     "Hei [NAME]! [NAME] må selv godkjenne eierskiftet."),
    ("Handläggare: Pia. Vi skickar handlingarna.", "Handläggare: [NAME]. Vi skickar handlingarna."),
    ("with our nurse practitioner Jo Bird today", "with our nurse practitioner [NAME] today"),
    ("name's ellie-mae turner, thanks", "name's [NAME], thanks"),
])
def test_names_as_subjects_after_role_labels_and_introductions_are_redacted(
        text: str, expected: str) -> None:
    assert redact(text).text == expected


def test_a_sentence_opening_word_that_is_no_listed_name_stays() -> None:
    text = "Pakken har kommet. Ordren er sendt."
    assert redact(text).text == text


def test_an_e_mail_address_typed_with_spaces_around_the_at_sign_is_redacted() -> None:
    assert redact("Svar til petter.grov @ gmail.com eller ring").text == (
        "Svar til [EMAIL] eller ring")
    assert redact("kl 10 @ kontoret").text == "kl 10 @ kontoret"
