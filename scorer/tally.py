"""What one batch adds to the metrics (`Tally`), built where the batch is scored.

A scoring process cannot touch the worker's Prometheus registry, so it returns a small,
picklable tally of its batch; the loop applies it with `Metrics.record` only after the
batch is committed, so a batch that is rolled back and replayed is counted once.
"""

from __future__ import annotations

from collections import Counter as TallyCounter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from scorer.languages import UNSUPPORTED
from scorer.schema import ScoredConversation, ScoredReply

DIMENSION_NAMES = ("greeting", "explanation", "closing", "length")


class ReplyLine(NamedTuple):
    """What one scored reply adds to the metrics: small and cheap to pickle.

    An unsupported-language reply (no score) has band None, total 0 and no dimensions.
    """

    channel: str
    band: str | None
    language: str
    total: int
    dimensions: tuple[float, float, float, float] | None
    flagged: bool
    reasons: tuple[str, ...]

    @classmethod
    def of(cls, s: ScoredReply) -> ReplyLine:
        d = s.dimensions
        return cls(s.channel.value, s.band, s.language, s.total or 0,
                   None if d is None else (d.greeting, d.explanation, d.closing, d.length),
                   s.flagged, tuple(s.reasons))


@dataclass
class Tally:
    """What one batch adds to the metrics, by label set.

    Built where the batch is scored (possibly a scoring process: it is small and
    picklable) and applied by `Metrics.record` only after the batch is committed.
    """

    scored: TallyCounter[tuple[str, str, str]] = field(default_factory=TallyCounter)
    flagged: TallyCounter[tuple[str, str]] = field(default_factory=TallyCounter)
    totals: dict[str, list[int]] = field(default_factory=dict)
    dimensions: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    invalid: TallyCounter[str] = field(default_factory=TallyCounter)
    skipped: TallyCounter[str] = field(default_factory=TallyCounter)
    # conversations (DESIGN § Conversations)
    conv_scored: TallyCounter[tuple[str, str]] = field(default_factory=TallyCounter)
    conv_totals: dict[str, list[int]] = field(default_factory=dict)
    conv_unanswered: TallyCounter[str] = field(default_factory=TallyCounter)
    conv_late: TallyCounter[str] = field(default_factory=TallyCounter)
    conv_flagged: TallyCounter[tuple[str, str]] = field(default_factory=TallyCounter)
    first_response: dict[str, list[float]] = field(default_factory=dict)
    #: (dimension, "agree"/"disagree") of the shadow model against the live one.
    shadow: TallyCounter[tuple[str, str]] = field(default_factory=TallyCounter)
    #: (memo, "hit"/"miss") lookups of the feature extractor's memos during the batch.
    cache: TallyCounter[tuple[str, str]] = field(default_factory=TallyCounter)
    #: Input conversation records by route: "direct" or "repartition" (conversations.routes).
    routes: TallyCounter[str] = field(default_factory=TallyCounter)

    @classmethod
    def of(cls, scored: Sequence[ScoredReply], invalid_reasons: Iterable[str] = (),
           skipped_reasons: Iterable[str] = ()) -> Tally:
        t = cls(invalid=TallyCounter(invalid_reasons), skipped=TallyCounter(skipped_reasons))
        for s in scored:
            t.add_reply(s)
        return t

    def add_reply(self, s: ScoredReply | ReplyLine) -> None:
        line = s if isinstance(s, ReplyLine) else ReplyLine.of(s)
        if line.band is None or line.dimensions is None:
            # A reply in a language outside the five was read but not scored: counted as
            # skipped, never as scored, so it moves no score, band or poor share.
            self.skipped[UNSUPPORTED] += 1
            return
        ch = line.channel
        self.scored[(ch, line.band, line.language)] += 1
        self.totals.setdefault(ch, []).append(line.total)
        for name, value in zip(DIMENSION_NAMES, line.dimensions, strict=True):
            self.dimensions.setdefault((ch, name), []).append(value)
        if line.flagged:
            for reason in line.reasons:
                self.flagged[(ch, reason)] += 1

    def add_conversation(self, c: ScoredConversation) -> None:
        ch = c.channel.value
        if c.first_response_seconds is not None:
            self.first_response.setdefault(ch, []).append(c.first_response_seconds)
        if c.band is None or c.total is None:  # unsupported language: its replies are
            return                              # counted (skipped), the inquiry not scored
        self.conv_scored[(ch, c.band)] += 1
        self.conv_totals.setdefault(ch, []).append(c.total)
        if not c.answered:
            self.conv_unanswered[ch] += 1
        if "late_response" in c.reasons:
            self.conv_late[ch] += 1
        if c.flagged:
            for reason in c.reasons:
                self.conv_flagged[(ch, reason)] += 1

    def merge(self, other: Tally) -> None:
        """Add another tally's counts to this one (a batch's replies and conversations)."""
        for name in ("scored", "flagged", "invalid", "skipped", "conv_scored",
                     "conv_unanswered", "conv_late", "conv_flagged", "shadow", "cache", "routes"):
            getattr(self, name).update(getattr(other, name))
        for name in ("totals", "dimensions", "conv_totals", "first_response"):
            mine = getattr(self, name)
            for key, values in getattr(other, name).items():
                mine.setdefault(key, []).extend(values)
