"""Feature extraction for the reply-quality model: three hashed sparse views per batch.

The greeting, explanation and closing heads are linear classifiers over hashed features
(2**18 columns per view, no fitted vocabulary, so the model artifact holds only plain
sklearn estimators). Features aim to generalise beyond the training templates:
lower-cased tokens and Snowball stems per language (NLTK), positional features of the
first/last tokens with capitalised words (names) collapsed to a shape, character n-grams
of the opener/ending (robust to typos and inflection), typo-tolerant salutation/sign-off
cues and small cue lexicons for all five languages.

The stages, one module each:
- `hashing`: feature -> column (the hashing trick and its constants);
- `cues`: the cue word lists and patterns, and the detectors built on them;
- `tokens`: tokenising, stemming and the shared per-segment object;
- `views`: which segments each head reads, and its string features there;
- `_batch`: the batch inner loop, token and n-gram features in bulk with numpy;
- `assemble`: `extract`, from prepared replies to the sparse `FeatureBatch`;
- `caches`: the memos one extractor keeps between batches (`FeatureCaches`).
"""

from scorer.features.assemble import FeatureBatch, extract
from scorer.features.caches import CacheStats, FeatureCaches
from scorer.features.hashing import N_FEATURES

__all__ = ["N_FEATURES", "CacheStats", "FeatureBatch", "FeatureCaches", "extract"]
