"""The feature extractor's memos: bounded, counted, owned by the caller, changing no feature."""

from __future__ import annotations

from scorer import features
from scorer.features import FeatureCaches
from scorer.features.caches import BoundedCache
from scorer.text import prepare

REPLIES = [
    ("Hei Ola, takk for at du tok kontakt!\nPakken ble sendt i går fordi lageret var tomt.\n"
     "Ha en fin dag!\nMed vennlig hilsen\nKari", "nb", "Ola Nordmann"),
    ("Hej Anna! Vi har skickat paketet i dag eftersom lagret var tomt.\nVänliga hälsningar, Erik",
     "sv", "Anna"),
    ("Hi Tom,\n1. Open the app\n2. Tap Settings\nLet me know if you need anything else!\n"
     "Kind rgeards,\nSam", "en", "Tom"),
    ("Kære Mette, tak for din besked. Pengene er refunderet.\nVenlig hilsen\nJens", "da", None),
    ("", "nn", None),
]


def _matrices(caches: FeatureCaches) -> list[bytes]:
    texts, langs, names = zip(*REPLIES, strict=True)
    fb = features.extract([prepare(t) for t in texts], langs, names, caches=caches)
    out = []
    for m in (fb.greeting, fb.explanation, fb.closing, fb.segments):
        m = m.tocsr()
        m.sort_indices()
        out += [m.indptr.tobytes(), m.indices.tobytes(), m.data.tobytes()]
    return out


def test_a_bounded_cache_empties_itself_when_full_and_counts_its_use() -> None:
    memo: BoundedCache[str, int] = BoundedCache(3)
    for k in "abc":
        assert memo.call(k, len, k) == 1
    assert memo.call("a", len, "a") == 1
    memo.call("d", len, "d")  # full: emptied, then holds only the new entry
    assert dict(memo) == {"d": 1}
    stats = memo.stats()
    assert (stats.lookups, stats.misses, stats.entries, stats.limit) == (5, 4, 1, 3)
    assert stats.hit_rate == 1 - 4 / 5


def test_memos_at_any_bound_give_the_same_features_and_count_hits() -> None:
    fresh = _matrices(FeatureCaches())
    tiny = FeatureCaches(limit=4, segment_limit=2, segment_chars=10)
    for _ in range(3):  # evicting on every batch, the vocabulary between batches
        assert _matrices(tiny) == fresh
    warm = FeatureCaches()
    _matrices(warm)
    _matrices(warm)  # segments are kept from their second sighting on
    assert _matrices(warm) == fresh
    rates = warm.hit_rates()
    assert set(rates) == {"stems", "fuzzy", "str_cols", "segments", "vocab"}
    assert rates["segments"] >= 0.3 and rates["vocab"] >= 0.5 and rates["str_cols"] >= 0.5
    assert FeatureCaches().hit_rates()["vocab"] == 0.0  # no lookups yet


def test_a_segment_is_kept_from_its_second_sighting_on() -> None:
    from scorer.features.tokens import segment_tokens

    caches = FeatureCaches()
    first = segment_tokens("Pakken er sendt.", caches)
    assert "Pakken er sendt." not in caches.segments and "Pakken er sendt." in caches.seen_once
    second = segment_tokens("Pakken er sendt.", caches)
    assert second is not first and caches.segments["Pakken er sendt."] is second
    assert segment_tokens("Pakken er sendt.", caches) is second
    assert caches.segments.stats().misses == 2


def test_each_model_owns_its_memos() -> None:
    from scorer.model import ReplyModel

    a = ReplyModel(None, None, None, "a")  # type: ignore[arg-type]
    b = ReplyModel(None, None, None, "b")  # type: ignore[arg-type]
    assert a.caches is not b.caches
