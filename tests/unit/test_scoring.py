"""Scoring invariants, length scoring, and the tricky cases of LABELS.md in every language."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from scorer import features
from scorer.features import FeatureCaches
from scorer.model import ModelLoadError
from scorer.schema import Reply, band_for
from scorer.scoring import REASONS, Scorer, credit, length_scores
from scorer.settings import Settings
from scorer.text import prepare


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer.from_settings(Settings())


def _reply(text: str, channel: str = "chat", language: str | None = None, **kw: object) -> Reply:
    return Reply(id=kw.pop("id", "t-1"), channel=channel, text=text,  # type: ignore[arg-type]
                 language=language, **kw)  # type: ignore[arg-type]


def _score(scorer: Scorer, text: str, language: str, channel: str = "chat") -> dict[str, float]:
    return scorer.score_batch([_reply(text, channel, language)])[0].dimensions.model_dump()


# --- invariants --------------------------------------------------------------------------------

VARIED = [
    ("Hei Ola! Pakken ble sendt i dag fordi lageret var tomt. Ha en fin dag!", "chat", "nb"),
    ("Hej! Du kan logga in och välja Mina sidor → Fakturor. Vänliga hälsningar, Erik", "chat",
     "sv"),
    ("Det er sendt.", "messenger", "nb"),
    ("", "chat", None),
    ("   \n\n  ", "email", None),
    ("👍", "messenger", None),
    ("<p>Hi Anna,</p><p>We refunded the amount because the parcel was lost.</p>"
     "<p>Kind regards,<br>Tom</p>", "email", "en"),
    ("Kan du sende oss ordrenummeret?", "chat", None),
    ("x " * 3000, "email", None),
    ("Tak for din henvendelse. Vi sender en ny faktura inden for 5 hverdage. Venlig hilsen",
     "email", "da"),
    ("Hei, takk for meldinga. Eg har ordna det no. Ha ein fin dag!", "chat", "nn"),
]


def test_score_batch_keeps_length_and_order_and_ids(scorer: Scorer) -> None:
    replies = [_reply(t, c, lg, id=f"r-{i}") for i, (t, c, lg) in enumerate(VARIED)]
    out = scorer.score_batch(replies)
    assert [s.id for s in out] == [r.id for r in replies]
    assert scorer.score_batch([]) == []


def test_every_scored_reply_obeys_the_output_contract(scorer: Scorer) -> None:
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    replies = [_reply(t, c, lg, id=f"r-{i}") for i, (t, c, lg) in enumerate(VARIED)]
    settings = Settings()
    for r, s in zip(replies, scorer.score_batch(replies, now=now), strict=True):
        dims = s.dimensions.model_dump()
        assert all(0.0 <= v <= 1.0 for v in dims.values()), dims
        assert isinstance(s.total, int) and 0 <= s.total <= 100
        assert s.band == band_for(s.total)
        assert s.flagged == (s.total < settings.flag_threshold)
        assert set(s.reasons) <= set(REASONS)
        if s.flagged:
            assert s.reasons, s
        assert s.language in ("nb", "nn", "sv", "da", "en")
        assert s.scored_at == now and s.model_version == scorer.model_version
        plain = prepare(r.text, r.content_type).plain
        for name, span in s.evidence.items():
            assert name in ("greeting", "explanation", "closing")
            if span is not None:
                assert plain[span.start:span.end] == span.text and span.text.strip()
        # the serialised record validates against the schema
        type(s).model_validate_json(s.model_dump_json())


def test_empty_reply_is_scored_not_raised(scorer: Scorer) -> None:
    s = scorer.score_batch([_reply("", "chat")])[0]
    assert s.dimensions.greeting == s.dimensions.explanation == s.dimensions.closing == 0.0
    assert s.dimensions.length == 0.0 and "too_short" in s.reasons and s.flagged


def test_complete_reply_is_not_flagged_and_has_evidence(scorer: Scorer) -> None:
    text = ("Hei Kari!\nPakken ble forsinket fordi bilen fikk motorstopp, så den kommer i "
            "morgen før klokka 12.\nHa en fin dag!")
    s = scorer.score_batch([_reply(text, "chat", "nb")])[0]
    assert not s.flagged and s.total >= 90 and s.reasons == []
    assert s.evidence["greeting"] is not None and s.evidence["greeting"].text.startswith("Hei")
    assert s.evidence["closing"] is not None and s.evidence["closing"].text == "Ha en fin dag!"
    assert s.evidence["explanation"] is not None and "fordi" in s.evidence["explanation"].text


def test_language_is_detected_when_absent(scorer: Scorer) -> None:
    texts = {
        "sv": "Hej! Tack för att du hör av dig. Vi skickar ett nytt kort inom fem arbetsdagar "
              "eftersom det gamla har gått ut.",
        "en": "Hi there! Thanks for reaching out. We will send a new card within five working "
              "days because the old one has expired.",
        "da": "Hej! Tak for din henvendelse. Vi sender et nyt kort inden for fem hverdage, "
              "fordi det gamle er udløbet.",
    }
    out = scorer.score_batch([_reply(t, "email", None, id=k) for k, t in texts.items()])
    assert {s.id: s.language for s in out} == {k: k for k in texts}


def test_missing_model_file_says_to_run_train(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ModelLoadError, match="scorer train"):
        Scorer.from_settings(Settings(model_path=tmp_path / "nope.npz"))
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip file")
    with pytest.raises(ModelLoadError, match="scorer train"):
        Scorer.from_settings(Settings(model_path=bad))


# --- length ---------------------------------------------------------------------------------


def test_length_is_one_inside_the_range_and_decays_outside() -> None:
    words = np.array([0, 4, 8, 50, 90, 180, 360])
    got = length_scores(words, np.full(7, 8.0), np.full(7, 90.0))
    assert got.tolist() == pytest.approx([0.0, 0.5, 1.0, 1.0, 1.0, 0.5, 0.25])


def test_length_reasons_follow_the_channel_range(scorer: Scorer) -> None:
    settings = Settings(length_chat="3-6", length_email="5-10")
    sc = Scorer(scorer.model, settings)
    short, ok, long_ = sc.score_batch([
        _reply("Ok.", "chat", "en"),
        _reply("We sent it today.", "chat", "en"),
        _reply("We sent it today because the shop had it in stock again.", "chat", "en"),
    ])
    assert "too_short" in short.reasons and short.dimensions.length < 1
    assert ok.dimensions.length == 1.0 and not {"too_short", "too_long"} & set(ok.reasons)
    assert "too_long" in long_.reasons and long_.dimensions.length < 1


def test_weights_change_the_total(scorer: Scorer) -> None:
    text = "Det er sendt."
    heavy_len = Scorer(scorer.model, Settings(weight_length=10, length_chat="1-5"))
    base = scorer.score_batch([_reply(text, "chat", "nb")])[0]
    tuned = heavy_len.score_batch([_reply(text, "chat", "nb")])[0]
    assert tuned.total > base.total


def test_credit_is_full_from_ninety_percent_and_none_below_ten() -> None:
    assert credit(np.array([0.0, 0.1, 0.5, 0.9, 1.0])).tolist() == pytest.approx(
        [0.0, 0.0, 0.5, 1.0, 1.0])


# --- tricky cases of LABELS.md, every language -------------------------------------------------

GREETING_WORD_INSIDE = {
    "nb": "Du kan si hei til sjåføren når pakken kommer, han har fått beskjed.",
    "nn": "Du kan seie hei til sjåføren når pakka kjem, han har fått beskjed.",
    "sv": "Du kan säga hej till chauffören när paketet kommer, han har fått besked.",
    "da": "Du kan sige hej til chaufføren, når pakken kommer, han har fået besked.",
    "en": "We said hello to the driver for you and he has the new address now.",
}
SIGNATURE_ONLY_ENDING = {
    "nb": "Pakken din er på vei og kommer i morgen.\n/Kari",
    "nn": "Pakka di er på veg og kjem i morgon.\n/Kari",
    "sv": "Ditt paket är på väg och kommer i morgon.\n/Kajsa",
    "da": "Din pakke er på vej og kommer i morgen.\n/Mette",
    "en": "Your parcel is on its way and arrives tomorrow.\n^AG",
}
BARE_STATUS = {
    "nb": "Det er sendt.",
    "nn": "Det er sendt.",
    "sv": "Det är skickat.",
    "da": "Det er sendt.",
    "en": "Your ticket is closed.",
}
FINAL_QUESTION = {
    "nb": "Hei! Beklager at det har tatt tid. Kan du sende oss ordrenummeret?",
    "nn": "Hei! Orsak at det har teke tid. Kan du sende oss ordrenummeret?",
    "sv": "Hej! Ledsen att det har dröjt. Kan du skicka ordernumret till oss?",
    "da": "Hej! Beklager, at det har taget tid. Kan du sende os ordrenummeret?",
    "en": "Hi! Sorry this has taken a while. Could you send us your order number?",
}


@pytest.mark.parametrize("lang", ["nb", "nn", "sv", "da", "en"])
def test_greeting_word_inside_a_sentence_is_not_a_greeting(scorer: Scorer, lang: str) -> None:
    assert _score(scorer, GREETING_WORD_INSIDE[lang], lang)["greeting"] < 0.5


@pytest.mark.parametrize("lang", ["nb", "nn", "sv", "da", "en"])
def test_signature_alone_is_not_a_closing(scorer: Scorer, lang: str) -> None:
    assert _score(scorer, SIGNATURE_ONLY_ENDING[lang], lang, "messenger")["closing"] < 0.5


@pytest.mark.parametrize("lang", ["nb", "nn", "sv", "da", "en"])
def test_bare_status_is_not_an_explanation(scorer: Scorer, lang: str) -> None:
    assert _score(scorer, BARE_STATUS[lang], lang)["explanation"] < 0.5


@pytest.mark.parametrize("lang", ["nb", "nn", "sv", "da", "en"])
def test_final_question_is_not_a_closing_but_the_opener_is_a_greeting(
        scorer: Scorer, lang: str) -> None:
    dims = _score(scorer, FINAL_QUESTION[lang], lang)
    assert dims["closing"] < 0.5 and dims["greeting"] >= 0.5


# --- per-segment memo of the feature extractor -------------------------------------------------

def _views(texts: list[str], langs: list[str], names: list[str | None],
           caches: FeatureCaches) -> list[bytes]:
    """Canonical bytes of each reply's greeting/explanation/closing rows."""
    fb = features.extract([prepare(t) for t in texts], langs, names, caches=caches)
    out = []
    for i in range(len(texts)):
        for m in (fb.greeting, fb.explanation, fb.closing):
            row = m[i].tocsr()
            row.sum_duplicates()
            out.append(row.indices.tobytes() + row.data.tobytes())
    return out


def test_recurring_segments_give_the_features_of_a_first_seen_reply() -> None:
    """Segment objects (and their opener/ending features) are shared between replies with
    the same segment text; what depends on the customer's name, the language, the segment
    count and the neighbouring segments must still come from each reply itself."""
    opener, body, ending = ("Hei Ola, takk for at du tok kontakt.", "Pakken er sendt i dag.",
                            "Med vennlig hilsen")
    cases = [  # the same lines in other replies, languages, orders and for other customers
        (f"{opener}\n{body}\n{ending}", "nb", "Ola Nordmann"),
        (f"{opener}\n{body}\n{ending}", "nb", "Kari"),
        (opener, "da", "Ola"),
        (f"{ending}\n{opener}", "sv", None),
        (f"{body}\n{ending}\n\nOla", "en", "Ola"),
        (f"{ending}", "nn", None),
    ]
    cold = [_views([text], [lang], [name], FeatureCaches()) for text, lang, name in cases]
    for order in (cases, cases[::-1]):
        caches = FeatureCaches()
        warm = _views(*map(list, zip(*order, strict=True)), caches)
        expect = cold if order is cases else cold[::-1]
        assert warm == [v for views in expect for v in views]
    assert len(caches.segments) > 0
    assert caches.stats()["segments"].hit_rate > 0
    assert cold[0][0] != cold[1][0]  # the customer's name reaches the greeting features
    # Token ids memoised on a segment die with the vocabulary they index.
    caches.vocab.clear()
    assert _views(*map(list, zip(*cases, strict=True)), caches) == [v for vs in cold for v in vs]


def test_segment_memo_stays_bounded() -> None:
    caches = FeatureCaches(segment_limit=8)
    texts = [f"Hei {i}!\nOrdre {i} er sendt.\nHilsen {i}" for i in range(40)]
    texts.append("lang " * 100)  # a segment over segment_chars is never kept
    texts = [t for t in texts for _ in (0, 1)]  # a segment is kept from its second sighting on
    _views(texts, ["nb"] * len(texts), [None] * len(texts), caches)
    assert 0 < len(caches.segments) <= 8 and len(caches.seen_once) <= 8
    assert all(len(t) <= caches.segment_chars for t in caches.segments)


def test_a_replys_features_do_not_depend_on_the_language_its_words_were_first_seen_in(
        ) -> None:
    """Stems are per language ("skickat" stems differently in Danish and Swedish): a token
    first met in a Danish reply must not hand its Danish stem to a later Swedish one."""
    swedish = ("Hej Anna! Vi har skickat paketet i dag eftersom lagret var tomt. "
               "Vänliga hälsningar, Erik")
    danish = ("Hej Anna! Vi har skickat paketet i dag eftersom lagret var tomt. "
              "Venlig hilsen, Erik")
    alone = _views([swedish], ["sv"], ["Anna"], FeatureCaches())
    caches = FeatureCaches()
    _views([danish], ["da"], ["Anna"], caches)  # the same words, met first as Danish
    after_danish = _views([swedish], ["sv"], ["Anna"], caches)
    assert after_danish == alone
