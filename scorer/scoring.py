"""From replies to scored replies: the model's dimensions, length, total, band, reasons, evidence.

Scoring rules (documented in README/MODEL_CARD; the numbers come from Settings):

- greeting / explanation / closing: the model's probability that the reply has it
  (present when >= 0.5, as DESIGN says).
- length: 1.0 when the body's word count is inside the channel's target range
  (Settings.length_<channel>, "MIN-MAX"); below it the score falls linearly to 0 at 0
  words (`words / MIN`); above it, it decays as `MAX / words` (twice too long -> 0.5).
- total: round(100 * sum(weight_d * credit_d)) with the normalised Settings.weights, where
  credit is the length score for length and, for the three model dimensions,
  clip((p - 0.1) / 0.8, 0, 1): a dimension the model is at least 90 % sure about earns full
  credit and one it is at most 10 % sure about earns none, so "excellent" (100) is
  reachable and borderline probabilities earn partial credit.
- band: `schema.band_for(total)`; flagged: total < Settings.flag_threshold.
- reasons (closed vocabulary `REASONS`): missing_<dim> when its probability is < 0.5,
  too_short / too_long when the word count is outside the range. A flagged reply with
  none of these (borderline probabilities everywhere) gets the reason of the dimension
  that cost the most points, so every flagged reply says why.
- a reply in a language outside the five (`language: "und"`: named so by the producer, or
  found by `scorer.langid_other`) gets no score at all: total, band and dimensions null,
  flagged false, reasons ["unsupported_language"]. It is not a poor reply, and scoring it
  with a neighbour language's model would make it one (a Finnish reply scored 28 as Swedish).
- evidence (`scorer.evidence`): a span of the plain text for each of greeting,
  explanation and closing that is present.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np

from scorer import evidence
from scorer.langid_other import OtherLanguageCheck
from scorer.languages import UNDETERMINED, UNSUPPORTED
from scorer.model import ModelLoadError, ReplyModel
from scorer.schema import LANGUAGES, Dimensions, Reply, ScoredReply, band_for
from scorer.settings import Settings
from scorer.text import Prepared, prepare_many

log = logging.getLogger(__name__)

#: Every reason the scorer can emit (the `reason` label of replies_flagged_total).
#: `unsupported_language` is never flagged: it is counted in replies_skipped_total.
REASONS: tuple[str, ...] = (
    "missing_greeting", "missing_explanation", "missing_closing", "too_short", "too_long",
    UNSUPPORTED,
)
_MODEL_DIMS = ("greeting", "explanation", "closing")


def length_scores(words: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Vectorised length score: 1 inside [lo, hi], words/lo below, hi/words above."""
    w = words.astype(np.float64)
    below = np.where(lo > 0, w / np.maximum(lo, 1), 1.0)
    above = hi / np.maximum(w, 1.0)
    return np.where(w < lo, below, np.where(w > hi, above, 1.0)).clip(0.0, 1.0)


def credit(p: np.ndarray) -> np.ndarray:
    """Points a model dimension earns towards the total (see module docstring)."""
    return np.clip((p - 0.1) / 0.8, 0.0, 1.0)


class Scorer:
    """Scores batches of replies with the trained model. Thread-compatible, not thread-safe."""

    model_version: str

    def __init__(self, model: ReplyModel, settings: Settings) -> None:
        self.use_model(model)
        self.flag_threshold = settings.flag_threshold
        w = settings.weights
        self.weights = np.array([w["greeting"], w["explanation"], w["closing"], w["length"]])
        self.ranges = {ch: settings.length_range(ch) for ch in ("email", "chat", "messenger")}
        # Loaded here, before a service forks its scoring processes (shared pages).
        self._other = OtherLanguageCheck()

    def use_model(self, model: ReplyModel) -> None:
        """Score with `model` from now on (hot reload: scorer.rollout)."""
        self.model = model
        self.model_version = model.version
        self._detector = None
        if model.langid is not None:
            from scorer.langid import LanguageDetector

            self._detector = LanguageDetector(model.langid)

    @classmethod
    def from_settings(cls, settings: Settings) -> Scorer:
        """Load `settings.model_path`; raises ModelLoadError naming the file and the fix."""
        return cls(ReplyModel.load(settings.model_path), settings)

    # --- helpers ---------------------------------------------------------------------
    def prepare(self, replies: Sequence[Reply]) -> list[Prepared]:
        """Render and segment replies (`prepare` never raises: it degrades to lines)."""
        return prepare_many([r.text for r in replies], [r.content_type for r in replies])

    def languages(self, replies: Sequence[Reply], prepared: Sequence[Prepared]) -> list[str]:
        """Each reply's `language`, detected from its body where the record has none:
        `und` when it is confidently none of the five (`scorer.langid_other`), else the
        best of the five. A language the record names is trusted, as it always was."""
        langs: list[str | None] = [r.language for r in replies]
        missing = [i for i, lang in enumerate(langs) if lang is None]
        if missing:
            texts = [prepared[i].body_text for i in missing]
            other = self._other.unsupported(texts)
            for i, no in zip(missing, other, strict=True):
                if no:
                    langs[i] = UNDETERMINED
            missing = [i for i, no in zip(missing, other, strict=True) if not no]
            texts = [t for t, no in zip(texts, other, strict=True) if not no]
        if missing:
            if self._detector is None:
                found = ["en"] * len(missing)
            else:
                found = self._detector.predict(texts)
            for i, lang in zip(missing, found, strict=True):
                langs[i] = lang if lang in LANGUAGES else "en"
        return langs  # type: ignore[return-value]

    def _unsupported(self, r: Reply, p: Prepared, scored_at: datetime) -> ScoredReply:
        """The record of a reply in a language outside the five: no score, not flagged."""
        return ScoredReply(
            id=r.id, channel=r.channel, language=UNDETERMINED, total=None, band=None,
            dimensions=None, flagged=False, reasons=[UNSUPPORTED], evidence=dict(evidence.NONE),
            word_count=p.word_count, model_version=self.model_version, scored_at=scored_at,
            conversation_id=r.conversation_id, agent_id=r.agent_id, team=r.team,
            sent_at=r.sent_at,
        )

    # --- the API ---------------------------------------------------------------------
    def score_batch(self, replies: Sequence[Reply], now: datetime | None = None
                    ) -> list[ScoredReply]:
        """Score replies in one vectorised pass; output has the same length and order."""
        return self.score_prepared(replies, self.prepare(replies), now)

    def score_prepared(self, replies: Sequence[Reply], prepared: Sequence[Prepared],
                       now: datetime | None = None) -> list[ScoredReply]:
        """`score_batch` for replies whose `prepare` output the caller needs as well."""
        n = len(replies)
        if n == 0:
            return []
        scored_at = now or datetime.now(UTC)
        langs = self.languages(replies, prepared)
        if UNDETERMINED in langs:  # score the others; the unsupported get no score
            keep = [i for i, lang in enumerate(langs) if lang != UNDETERMINED]
            done = iter(self._score([replies[i] for i in keep], [prepared[i] for i in keep],
                                    [langs[i] for i in keep], scored_at))
            return [self._unsupported(r, prepared[i], scored_at) if langs[i] == UNDETERMINED
                    else next(done) for i, r in enumerate(replies)]
        return self._score(replies, prepared, langs, scored_at)

    def _score(self, replies: Sequence[Reply], prepared: Sequence[Prepared],
               langs: Sequence[str], scored_at: datetime) -> list[ScoredReply]:
        """Score replies whose languages are all among the five."""
        n = len(replies)
        if n == 0:
            return []
        words = np.fromiter((p.word_count for p in prepared), dtype=np.int64, count=n)
        pred = self.model.predict(prepared, langs, [r.customer_name for r in replies],
                                  words.tolist())
        proba = np.round(pred.proba, 4)  # what is shown is what decides 'present'

        ranges = [self.ranges[r.channel.value] for r in replies]
        lo = np.fromiter((a for a, _ in ranges), dtype=np.float64, count=n)
        hi = np.fromiter((b for _, b in ranges), dtype=np.float64, count=n)
        length = length_scores(words, lo, hi)

        credits = np.column_stack([credit(proba), length])
        points = credits * self.weights
        totals = np.rint(100.0 * points.sum(axis=1)).astype(np.int64).clip(0, 100)
        lost = self.weights - points  # points each dimension cost, for the fallback reason

        # The per-reply loop reads Python lists: indexing numpy arrays element by element
        # costs ~100 ns a read, and the loop does a few dozen reads per reply.
        present = (proba >= 0.5).tolist()
        short = (words < lo).tolist()
        long_ = (words > hi).tolist()
        proba_l = proba.tolist()
        length_l = length.tolist()
        totals_l = totals.tolist()
        words_l = words.tolist()
        expl_seg = pred.explanation_segment.tolist()
        closing = pred.closing_span.tolist()
        threshold = self.flag_threshold
        version = self.model_version
        out: list[ScoredReply] = []
        for i, r in enumerate(replies):
            p = prepared[i]
            total = totals_l[i]
            flagged = total < threshold
            has = present[i]
            reasons = [f"missing_{d}" for d, ok in zip(_MODEL_DIMS, has, strict=True) if not ok]
            if short[i]:
                reasons.append("too_short")
            elif long_[i]:
                reasons.append("too_long")
            if flagged and not reasons:
                k = int(np.argmax(lost[i]))
                reasons.append(f"missing_{_MODEL_DIMS[k]}" if k < 3 else
                               ("too_short" if short[i] else "too_long"))
            found = evidence.spans(p, has, expl_seg[i], closing[i])
            pr = proba_l[i]
            # Validating constructors, not model_construct: for already well-typed values
            # (Python floats/ints/str, a Dimensions and Span instances, enum members)
            # pydantic-core's validation is about twice as fast as model_construct's Python
            # loop, and it yields an equal record with the same model_fields_set.
            dims = Dimensions(
                greeting=round(pr[0], 4), explanation=round(pr[1], 4),
                closing=round(pr[2], 4), length=round(length_l[i], 4),
            )
            out.append(ScoredReply(
                id=r.id, channel=r.channel, language=langs[i], total=total,
                band=band_for(total), dimensions=dims, flagged=flagged, reasons=reasons,
                evidence=found, word_count=words_l[i],
                model_version=version, scored_at=scored_at,
                conversation_id=r.conversation_id, agent_id=r.agent_id, team=r.team,
                sent_at=r.sent_at,
            ))
        return out


__all__ = ["REASONS", "ModelLoadError", "Scorer", "credit", "length_scores"]
