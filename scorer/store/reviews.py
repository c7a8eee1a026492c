"""Reviews read back as quality figures: agreement for `GET /api/stats`, and the review
tally behind `reply_reviews_total` on the QA API's `/metrics`.

The arithmetic lives in scorer.agreement; this module only fetches pairs. It sits beside
the reply repository (scorer.store.repository, which writes the reviews) so that module
does not grow.

Which reviews count:

- a review counts on a dimension only where the reviewer gave that dimension a label
  (`labels`); an overall "agree" without labels says nothing about a single dimension;
- `GET /api/stats` takes the *latest* review of each reply (a reviewer who corrects
  themselves replaces their earlier judgement), of replies whose event time is in the
  window, flagged or sampled alike;
- `reply_reviews_total` counts every label of every review as it is saved (a counter of
  verdicts given), kept in `review_tally` so it never decreases (see ReviewCollector).
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.engine import Connection, Engine

from scorer.agreement import confusion, figures
from scorer.schema import DIMENSIONS
from scorer.store.engine import CHUNK, StoreUnavailable, dialect_insert, guard
from scorer.store.tables import replies_t, review_tally_t, reviews_t

log = logging.getLogger(__name__)

#: The labelled dimensions (length is computed, not labelled: LABELS.md).
LABELLED = DIMENSIONS
#: What a review says of the model: overall (`reviews.verdict`) and per labelled dimension.
VERDICTS = ("agree", "disagree")


def model_present(record: Mapping[str, Any], dimension: str) -> int | None:
    """The model's verdict on a dimension of a stored record: 1 when its score is >= 0.5
    (DESIGN: a dimension counts as present then), None when the record has no score."""
    score = (record.get("dimensions") or {}).get(dimension)
    return None if score is None else int(float(score) >= 0.5)


def label_verdicts(record: Mapping[str, Any], labels: Mapping[str, int]) -> list[tuple[str, str]]:
    """(dimension, "agree" | "disagree") for every labelled dimension of one review."""
    out = []
    for dim in LABELLED:
        model = model_present(record, dim)
        if dim in labels and model is not None:
            out.append((dim, "agree" if int(labels[dim]) == model else "disagree"))
    return out


def count_review(conn: Connection, record: Mapping[str, Any], labels: Mapping[str, int]) -> None:
    """Add one review's labels to `review_tally`, in the review's own transaction (so the
    counter and the reviews never disagree about whether a review was saved).

    INSERT … ON CONFLICT DO UPDATE count = count + 1 is atomic on both backends, so
    reviews saved at once by several API replicas all count."""
    verdicts = label_verdicts(record, labels)
    if not verdicts:
        return
    stmt = dialect_insert(conn, review_tally_t)
    stmt = stmt.on_conflict_do_update(
        index_elements=["dimension", "verdict"],
        set_={"count": review_tally_t.c["count"] + stmt.excluded["count"]})
    conn.execute(stmt, [{"dimension": d, "verdict": v, "count": 1} for d, v in verdicts])


def review_tally(engine: Engine) -> dict[tuple[str, str], int]:
    """(dimension, verdict) -> reviews ever counted; every pair present (0 when none)."""
    out = {(d, v): 0 for d in LABELLED for v in VERDICTS}
    with guard("reading the review tally"), engine.connect() as conn:
        for dim, verdict, n in conn.execute(sa.select(review_tally_t)):
            out[(dim, verdict)] = int(n)
    return out


def _latest_reviews(conn: Connection, since: datetime, until: datetime
                    ) -> Iterator[sa.Row[Any]]:
    """The latest review of each reply whose event time is in [since, until), with the
    reply's channel, language, sample mark and scored record."""
    latest = (sa.select(reviews_t.c.reply_id, sa.func.max(reviews_t.c.id).label("rid"))
              .group_by(reviews_t.c.reply_id).subquery())
    c = replies_t.c
    stmt = (sa.select(c.channel, c.language, c.sampled, c.record, reviews_t.c.labels)
            .join(latest, latest.c.reply_id == c.id)
            .join(reviews_t, reviews_t.c.id == latest.c.rid)
            .where(c.event_at >= since, c.event_at < until))
    yield from conn.execution_options(yield_per=CHUNK).execute(stmt)


def _block(reviewed: list[tuple[int, int]], sampled: list[tuple[int, int]]) -> dict[str, Any]:
    return figures(confusion(reviewed), confusion(sampled))


def agreement(engine: Engine, since: datetime, until: datetime) -> dict[str, Any]:
    """`agreement` of `GET /api/stats`: per labelled dimension the figures of
    scorer.agreement over every latest review (and recall over the sampled ones), with the
    same figures per channel and per language under `by_channel` / `by_language`."""
    # key: (dimension, group kind, group value or ""), value: (all pairs, sampled pairs)
    pairs: dict[tuple[str, str, str], tuple[list[tuple[int, int]], list[tuple[int, int]]]]
    pairs = defaultdict(lambda: ([], []))
    with guard("computing agreement"), engine.connect() as conn:
        for row in _latest_reviews(conn, since, until):
            labels = row.labels or {}
            for dim in LABELLED:
                model = model_present(row.record, dim)
                if dim not in labels or model is None:
                    continue
                pair = (model, int(labels[dim]))
                for key in ((dim, "", ""), (dim, "by_channel", row.channel),
                            (dim, "by_language", row.language)):
                    everyone, sample = pairs[key]
                    everyone.append(pair)
                    if row.sampled:
                        sample.append(pair)
    out: dict[str, Any] = {}
    for dim in LABELLED:
        block = _block(*pairs.get((dim, "", ""), ([], [])))
        for kind in ("by_channel", "by_language"):
            block[kind] = {value: _block(*p) for (d, k, value), p in sorted(pairs.items())
                           if d == dim and k == kind}
        out[dim] = block
    return out


def sampled_count(engine: Engine, since: datetime, until: datetime) -> dict[str, int]:
    """How many stored replies in the window are in the random sample, and of those how
    many are reviewed (what recall can be computed from)."""
    c = replies_t.c
    window = [c.event_at >= since, c.event_at < until, c.sampled == sa.true()]
    reviewed = sa.exists().where(reviews_t.c.reply_id == c.id)
    with guard("counting the sample"), engine.connect() as conn:
        total = conn.execute(sa.select(sa.func.count()).where(*window)).scalar_one()
        done = conn.execute(sa.select(sa.func.count()).where(*window, reviewed)).scalar_one()
    return {"total": int(total), "reviewed": int(done)}


class ReviewCollector(Collector):
    """`reply_reviews_total{dimension,verdict}`, read from the store at every scrape.

    Why not a Counter incremented by the API when it saves a review: the figure is the
    store's, not a process's. Every API replica reads the same table, so replicas agree
    and a restart or a rollout changes nothing; the recording rules take `max` over
    replicas *before* `increase()` (deploy/prometheus), which gives one continuous series
    however pods come and go. In-process counters would restart at 0 with each pod and
    depend on every pod being scraped before it dies.

    Why a tally table rather than counting the `reviews` rows: reviews are purged with
    their replies after SCORER_RETENTION_DAYS, and a count that drops looks to Prometheus
    like a counter reset, which `increase()` turns into a jump of the whole total. The
    tally only grows.

    A store that cannot be read leaves the family out of that scrape (logged at most once
    a minute) rather than failing the whole /metrics answer or exporting a false 0.
    """

    def __init__(self, engine: Callable[[], Engine]) -> None:
        """`engine` returns the store's engine at scrape time (the API opens its store
        when it starts, after the collector is registered)."""
        self.engine = engine
        self._last_warning = 0.0

    def describe(self) -> list[CounterMetricFamily]:
        """Names only, so registering does not query the database."""
        return [CounterMetricFamily("reply_reviews", "", labels=["dimension", "verdict"])]

    def collect(self) -> Iterator[CounterMetricFamily]:
        try:
            counts = review_tally(self.engine())
        except StoreUnavailable as exc:
            if time.monotonic() - self._last_warning > 60:
                self._last_warning = time.monotonic()
                log.warning("reply_reviews_total left out of this scrape: %s", exc)
            return
        family = CounterMetricFamily(
            "reply_reviews", "QA review labels per dimension, by whether they agreed with "
            "the model (score >= 0.5 = present)", labels=["dimension", "verdict"])
        for (dim, verdict), n in sorted(counts.items()):
            family.add_metric([dim, verdict], float(n))
        yield family
