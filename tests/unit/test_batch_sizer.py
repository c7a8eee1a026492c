"""Batches sized by time as well as count (`scorer.service.batch.BatchSizer`)."""

from __future__ import annotations

import pytest

from scorer.service.batch import BatchSizer


def test_without_a_scored_batch_the_count_limit_holds() -> None:
    assert BatchSizer(1000, 0.2, 2).limit == 1000


def test_a_batch_is_sized_so_the_processes_score_it_in_about_the_wait() -> None:
    sizer = BatchSizer(1000, 0.2, 2)
    sizer.observe(500, 0.6)  # 1.2 ms a record, summed over the chunks
    assert sizer.limit == int(0.2 * 2 / 0.0012)  # 333: two processes, 200 ms each


def test_cheap_records_still_stop_at_the_count_limit_and_dear_ones_at_the_floor() -> None:
    cheap, dear = BatchSizer(1000, 0.2, 2), BatchSizer(1000, 0.2, 2)
    cheap.observe(1000, 0.01)
    dear.observe(100, 100.0)
    assert cheap.limit == 1000 and dear.limit == BatchSizer.FEWEST
    assert BatchSizer(10, 0.2, 1).limit == 10
    tiny = BatchSizer(10, 0.2, 1)
    tiny.observe(10, 100.0)
    assert tiny.limit == 10  # the floor never exceeds SCORER_BATCH_SIZE


def test_the_estimate_follows_recent_batches_and_ignores_tiny_ones() -> None:
    sizer = BatchSizer(1000, 0.2, 1)
    sizer.observe(100, 0.1)
    sizer.observe(2, 50.0)  # a timer tick or a lone record says nothing about cost
    assert sizer.per_record == pytest.approx(0.001)
    for _ in range(20):
        sizer.observe(100, 0.4)
    assert sizer.per_record == pytest.approx(0.004, rel=0.01)
    assert sizer.limit == pytest.approx(50, abs=1)


def test_in_process_scoring_counts_as_one_process() -> None:
    sizer = BatchSizer(1000, 0.2, 0)
    sizer.observe(100, 0.2)
    assert sizer.limit == 100


def test_a_batch_is_never_scored_faster_than_twice_the_loop_commits_one() -> None:
    """A slow commit (a loaded broker) widens the budget past the poll wait, so the loop
    does not become the bottleneck of a worker near its capacity."""
    sizer = BatchSizer(1000, 0.05, 2)
    sizer.observe(100, 0.12)  # 1.2 ms a record
    assert sizer.limit == int(0.05 * 2 / 0.0012)  # 83: the wait is the budget
    sizer.committed(0.06)
    assert sizer.limit == int(0.12 * 2 / 0.0012)  # 200: twice the commit is
