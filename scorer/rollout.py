"""Rolling a new model out under load: hot reload of the model file, and a shadow model.

**Hot reload** (`SCORER_MODEL_RELOAD_S`, default 10; 0 = off). The worker looks at the
model file's identity (inode, size, mtime) every so many seconds, and at once on SIGHUP.
When it changed, a background thread loads the new file in the worker process — a file
that does not load is logged and counted, and the running model stays. A model that loads
becomes the *spec* every batch submitted from then on carries (`ModelSpec`); a scoring
process that receives a batch whose spec names another version loads that file before
scoring it. So:

- the swap happens between batches, never inside one: every record of a batch is scored by
  one model, and `model_version` on every output names it;
- batches are committed in submission order, so on each partition the outputs switch from
  the old version to the new exactly once;
- nothing about delivery changes: a batch is still one Kafka transaction, so a crash mid-swap
  replays uncommitted batches, which are scored by whichever model then runs — once.

Replace the file atomically (write a temporary file, then `mv` it over the old one: a
rename), or the watcher may read a half-written file (it then fails to load, is counted, and
is retried when the file changes again). A new model costs each scoring process its own copy
of the model's memory (the first one was shared copy-on-write by the fork); a rolling
restart gives that back.

**Shadow** (`SCORER_SHADOW_MODEL_PATH`). A candidate model loaded next to the live one
scores every scored reply too; its verdicts never reach an output. Per dimension the worker
counts whether the two models agree on present/absent
(`scorer_shadow_verdicts_total{dimension,verdict}`, `scorer_shadow_model_info{version}`), so
ops can see, on live traffic, how much a candidate would change before it goes live. It
doubles the model's share of scoring CPU.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from scorer.model import ModelLoadError, ReplyModel

if TYPE_CHECKING:
    from scorer.metrics import Tally
    from scorer.schema import ScoredReply

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """The model a batch must be scored with: small and picklable, sent with each batch."""

    path: str
    version: str


def file_identity(path: Path) -> tuple[int, int, int] | None:
    """(inode, size, mtime_ns) of the file, or None when it is missing."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


class ModelWatch:
    """Notices a replaced model file and validates it off the loop (see module doc).

    `poll()` is called by the service loop on every iteration; it is a clock check most of
    the time, a `stat` every `interval_s`, and never blocks on a load.
    """

    def __init__(self, path: Path, version: str, interval_s: float) -> None:
        self.path = Path(path)
        self.spec = ModelSpec(str(self.path), version)
        self.interval_s = interval_s
        self.reloads: dict[str, int] = {"loaded": 0, "failed": 0}
        self._seen = file_identity(self.path)
        self._next = time.monotonic() + interval_s
        self._loading: threading.Thread | None = None
        self._loaded: ModelSpec | None = None
        self._lock = threading.Lock()
        self._asked = threading.Event()

    def ask(self) -> None:
        """Check at the next poll whatever the interval (SIGHUP)."""
        self._asked.set()

    def poll(self) -> ModelSpec | None:
        """The new spec once a changed file has loaded, else None."""
        with self._lock:
            loaded, self._loaded = self._loaded, None
        if loaded is not None:
            self.spec = loaded
            return loaded
        if self.interval_s <= 0 and not self._asked.is_set():
            return None
        now = time.monotonic()
        if (now < self._next and not self._asked.is_set()) or self._loading is not None:
            return None
        self._asked.clear()
        self._next = now + max(self.interval_s, 1.0)
        seen = file_identity(self.path)
        if seen is None or seen == self._seen:
            return None
        self._seen = seen
        self._loading = threading.Thread(target=self._load, name="model-reload", daemon=True)
        self._loading.start()
        return None

    def _load(self) -> None:
        try:
            model = ReplyModel.load(self.path)
        except ModelLoadError as exc:
            self.reloads["failed"] += 1
            log.error("the new model file does not load (%s); still scoring with %s",
                      exc, self.spec.version)
        else:
            self.reloads["loaded"] += 1
            if model.version == self.spec.version:
                log.info("model file replaced by the same version %s; nothing to do",
                         model.version)
            else:
                log.info("model %s loaded; batches from now on are scored with it "
                         "(was %s)", model.version, self.spec.version)
                with self._lock:
                    self._loaded = ModelSpec(str(self.path), model.version)
        finally:
            self._loading = None


def compare_shadow(live: Sequence[ScoredReply], shadow: Sequence[ScoredReply],
                   tally: Tally) -> None:
    """Count, per dimension, whether the shadow model agrees with the live one on
    present/absent (score >= 0.5), over replies both scored."""
    for a, b in zip(live, shadow, strict=True):
        if a.dimensions is None or b.dimensions is None:
            continue
        for dim in ("greeting", "explanation", "closing"):
            same = (getattr(a.dimensions, dim) >= 0.5) == (getattr(b.dimensions, dim) >= 0.5)
            tally.shadow[(dim, "agree" if same else "disagree")] += 1
