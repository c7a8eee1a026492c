"""The hashing trick: every feature is a column of one 2**18-wide space per view.

No vocabulary is fitted, so the model file holds only weight arrays, and a
feature's column is a pure function of its family and value, the same in every process.
The shipped weights are indexed by these columns: changing any constant or mixing step
here moves every feature and needs a retrain.

A value is hashed to 64 bits once (two murmurhash3 seeds); its column is that hash mixed
with a per-family salt by splitmix64, in numpy, so a whole batch of token hashes becomes
columns in one vectorised pass.
"""

from __future__ import annotations

from collections.abc import Sequence

import mmh3
import numpy as np

#: Hash space per view. 2**18 keeps collisions rare for our vocabulary size while the
#: three coefficient vectors stay small enough to ship in the repository.
N_FEATURES = 2**18
U64 = np.uint64
_MASK = U64(N_FEATURES - 1)
_M1 = U64(0xBF58476D1CE4E5B9)
_M2 = U64(0x94D049BB133111EB)
#: FNV-1 prime: folds the hashes of a sequence (bigram, character n-gram) into one.
P = U64(0x100000001B3)


def h64(s: str) -> int:
    """A 64-bit hash of a string from two murmurhash3 seeds (stable across processes)."""
    return (mmh3.hash(s, 0, signed=False) << 32) | mmh3.hash(s, 1, signed=False)


def salt(family: str) -> np.uint64:
    """The salt that keeps a family's columns apart from every other family's."""
    return U64(h64("family\0" + family))


def cols(h: np.ndarray, family_salt: np.uint64) -> np.ndarray:
    """Column of feature (family, value hash) for a uint64 array of value hashes (splitmix64)."""
    x = h ^ family_salt
    x = (x ^ (x >> U64(30))) * _M1
    x = (x ^ (x >> U64(27))) * _M2
    x ^= x >> U64(31)
    return (x & _MASK).astype(np.int64)


_STR_SALT = salt("str")


def str_cols(feats: Sequence[str]) -> list[int]:
    """Columns of string features ("g:sal_first", "lf1:hei"), hashed in one numpy pass:
    setting up the arrays costs more than hashing, so first-seen strings go together."""
    if not feats:
        return []
    h = np.fromiter(map(h64, feats), dtype=U64, count=len(feats))
    return cols(h, _STR_SALT).tolist()


def str_col(feat: str) -> int:
    """Column of one string feature (for the fixed columns computed at import)."""
    return str_cols([feat])[0]
