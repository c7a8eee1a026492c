"""The unbiased review sample: deterministic by id, stratified, replay-stable end to end
through the scoring pool's batch work and the store."""
# Fixtures are imported from tests.qa_fixtures, so test parameters "redefine" them:

from __future__ import annotations

import subprocess
import sys

import orjson
import pytest

from scorer.pool import BatchWork
from scorer.sample import in_sample, sample_point, sample_strata
from scorer.scoring import Scorer
from scorer.settings import Settings, SettingsError, load_settings
from scorer.store import FlaggedQuery, FlaggedStore
from scorer.traffic import DEFAULT_CORPUS, load_corpus

CHANNELS = ("email", "chat", "messenger")
LANGUAGES = ("nb", "nn", "sv", "da", "en")


def test_the_sample_point_is_blake2b_of_the_id_and_the_same_in_every_process() -> None:
    # Pinned: a change of hash would silently pick another sample for stored replays.
    assert sample_point("r-1") == 0.4906258616745009
    code = "from scorer.sample import sample_point; print(repr(sample_point('r-1')))"
    for seed in ("1", "2"):  # str hash() differs per PYTHONHASHSEED; blake2b must not
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True, env={"PYTHONHASHSEED": seed}).stdout
        assert float(out) == 0.4906258616745009


def test_selection_is_replay_stable_nested_and_honours_0_and_1() -> None:
    ids = [f"id-{i}" for i in range(20_000)]
    first = {i for i in ids if in_sample(i, 0.05)}
    assert first == {i for i in ids if in_sample(i, 0.05)}  # a second pass: same ids
    small = {i for i in ids if in_sample(i, 0.02)}
    assert small <= first  # raising the rate keeps every id already sampled
    assert not any(in_sample(i, 0.0) for i in ids)
    assert all(in_sample(i, 1.0) for i in ids)


def test_every_channel_language_stratum_is_sampled_at_the_rate() -> None:
    # 15 strata of 4,000 replies (ids as producers make them: prefix + counter). At rate
    # 0.05 a stratum expects 200 sampled, sd sqrt(4000 * 0.05 * 0.95) = 13.8: every
    # stratum must be within 4 sd, i.e. its share within 0.05 ± 0.0138.
    items = [(f"{ch}-{lang}-{i}", ch, lang)
             for ch in CHANNELS for lang in LANGUAGES for i in range(4000)]
    strata = sample_strata(items, 0.05)
    assert set(strata) == {(c, lang) for c in CHANNELS for lang in LANGUAGES}
    for key, (n, picked) in strata.items():
        assert n == 4000
        assert abs(picked / n - 0.05) < 4 * (0.05 * 0.95 / n) ** 0.5, (key, picked)
    # A small stratum (a nynorsk Messenger team) is sampled at the same rate, not crowded
    # out by the big ones.
    small = sample_strata([(f"tiny-{i}", "messenger", "nn") for i in range(400)], 0.05)
    assert 5 <= small[("messenger", "nn")][1] <= 35


@pytest.mark.parametrize("value", ["1.5", "-0.1", "nan", "150%"])
def test_a_bad_sample_rate_names_the_value_and_the_fix(value: str) -> None:
    with pytest.raises(SettingsError) as err:
        load_settings(sample_rate=value)
    text = str(err.value)
    assert "SCORER_SAMPLE_RATE" in text and value in text and "between 0 and 1" in text


def test_sample_rate_defaults_to_two_percent_and_takes_percentages() -> None:
    assert Settings().sample_rate == 0.02
    assert load_settings(sample_rate="5%").sample_rate == pytest.approx(0.05)
    assert load_settings(sample_rate="0").sample_rate == 0.0


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer.from_settings(Settings())


def _values(n: int) -> list[bytes | None]:
    rows = load_corpus(DEFAULT_CORPUS)[:n]
    return [orjson.dumps({"id": f"s-{i}", **r}) for i, r in enumerate(rows)]


def test_batch_work_stores_the_sample_and_a_replay_stores_the_same(
        scorer: Scorer, store: FlaggedStore) -> None:
    s = Settings()
    rate = 0.25
    work = BatchWork(scorer, max_record_bytes=s.max_record_bytes,
                     max_text_chars=s.max_text_chars, store_rows=True, redact_text=True,
                     sample_rate=rate)
    values = _values(160)
    outcome = work(values)
    flagged = {orjson.loads(v)["id"] for _, _, v, f in outcome.outputs if f}
    scored = {orjson.loads(v)["id"] for _, _, v, _ in outcome.outputs}
    expected = {i for i in scored if in_sample(i, rate)}
    assert expected - flagged and expected & flagged, "want sampled replies of both kinds"
    assert {r["id"] for r in outcome.rows} == flagged | expected
    assert {r["id"] for r in outcome.rows if r["sampled"]} == expected
    assert {r["id"] for r in outcome.rows if r["flagged"]} == flagged
    # `unflagged` (deleted on replay unless reviewed) must not hold a sampled reply.
    assert set(outcome.unflagged) == scored - flagged - expected

    store.write_rows(outcome.rows, outcome.unflagged)
    # A replay (the batch again after a SIGKILL, in a fresh worker) stores the same.
    again = BatchWork(scorer, max_record_bytes=s.max_record_bytes,
                      max_text_chars=s.max_text_chars, store_rows=True, redact_text=True,
                      sample_rate=rate)(values)
    store.write_rows(again.rows, again.unflagged)

    def ids(q: FlaggedQuery) -> set[str]:
        return {item["id"] for item in store.iter_flagged(q)}

    assert ids(FlaggedQuery(sampled=True)) == expected
    assert ids(FlaggedQuery()) == flagged  # the default listing is still flagged replies
    assert ids(FlaggedQuery(sampled=False)) == flagged - expected
    assert all(item["sampled"] for item in store.iter_flagged(FlaggedQuery(sampled=True)))
    assert store.count_flagged(FlaggedQuery()) == len(flagged)


def test_without_a_store_or_at_rate_0_nothing_extra_is_stored(scorer: Scorer) -> None:
    s = Settings()
    for store_rows, rate in ((False, 1.0), (True, 0.0)):
        out = BatchWork(scorer, max_record_bytes=s.max_record_bytes,
                        max_text_chars=s.max_text_chars, store_rows=store_rows,
                        redact_text=True, sample_rate=rate)(_values(40))
        assert not any(r["sampled"] for r in out.rows)
        assert all(r["flagged"] for r in out.rows)
