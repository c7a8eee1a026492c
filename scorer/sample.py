"""The unbiased review sample: which replies are stored whatever their score.

The flagged store only ever saw replies the model flagged, so QA could check the model's
flags (precision) but never find what it missed (recall), and every figure drawn from
reviews leaned towards the model's failures. `SCORER_SAMPLE_RATE` (default 0.02, 0 turns
it off) stores a random share of *all* scored replies too, marked `sampled`; a flagged
reply that falls in the sample is marked as well, because recall needs the flagged members
of the sample as much as the unflagged ones.

**Deterministic by id.** Whether a reply is in the sample is a pure function of its id:
the first 8 bytes of BLAKE2b(id) read as an integer and divided by 2**64 give a number that
is uniform in [0, 1) and independent of the text, the channel, the score and the model;
the reply is in the sample when that number is below the rate. A batch replayed after a
SIGKILL (or rescored by a new model) therefore selects exactly the same ids, so the sample
never grows by replays, and a model change cannot steer which replies QA gets to see.

**Stratified by channel and language, proportionately.** The rate is applied within every
channel × language stratum, with the same inclusion probability in each: every stratum is
sampled on its own, independently of how busy the others are, and contributes in
proportion to its traffic. Because every reply has the same inclusion probability, the
sample is self-weighting: a figure over the whole sample (recall of the flags, say) needs
no stratum weights, and a figure over one stratum (chat, or nynorsk) is an unbiased sample
of that stratum alone. We deliberately did not pick a per-stratum minimum or per-stratum
rates: both need to know each stratum's volume in advance (or keep counters, which a
replay would not reproduce), and unequal inclusion probabilities would force every
consumer of the sample to weight by stratum. `sample_strata` shows the per-stratum shares
the selection achieves; a small stratum simply has few sampled replies, and its intervals
in `GET /api/stats` are wide accordingly.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable

#: Default share of scored replies stored for the unbiased sample.
DEFAULT_RATE = 0.02
_SCALE = float(2**64)


def sample_point(reply_id: str) -> float:
    """The id's fixed position in [0, 1): BLAKE2b of the UTF-8 id, first 8 bytes, / 2**64.

    BLAKE2b rather than Python's `hash()`: `hash` of a str is salted per process
    (PYTHONHASHSEED), so a restarted worker would pick a different sample.
    """
    digest = hashlib.blake2b(reply_id.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big") / _SCALE


def in_sample(reply_id: str, rate: float) -> bool:
    """Whether the reply with this id belongs to the sample at `rate` (see module doc).

    The same rate holds in every channel × language stratum, so the stratum does not enter
    the decision; a larger rate keeps every id a smaller rate selected (the samples nest),
    so raising the rate never drops a reply QA may already be reviewing.
    """
    if rate <= 0.0:
        return False
    return rate >= 1.0 or sample_point(reply_id) < rate


def check_rate(value: float) -> float:
    """A usable SCORER_SAMPLE_RATE, or ValueError naming the bad value and the fix."""
    if not 0.0 <= value <= 1.0 or value != value:  # NaN compares false both ways
        raise ValueError(f"SCORER_SAMPLE_RATE must be a share between 0 and 1 (0.02 stores 2 % "
                         f"of scored replies for review, 0 turns the sample off), got {value!r}")
    return float(value)


def sample_strata(items: Iterable[tuple[str, str, str]], rate: float
                  ) -> dict[tuple[str, str], tuple[int, int]]:
    """(channel, language) -> (replies, sampled) for (id, channel, language) items: how the
    selection fills each stratum (tests and `scorer` diagnostics)."""
    seen: Counter[tuple[str, str]] = Counter()
    picked: Counter[tuple[str, str]] = Counter()
    for reply_id, channel, language in items:
        seen[(channel, language)] += 1
        picked[(channel, language)] += in_sample(reply_id, rate)
    return {k: (n, picked[k]) for k, n in seen.items()}
