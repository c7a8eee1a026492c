"""`scorer run`: the streaming service (one consumer-group member per worker).

One batch = one poll. For each batch, in this order:

1. a scoring process (`scorer.pool`) decodes every record (invalid ones become dead
   letters with a named reason), scores the valid agent replies in one `score_batch`
   call, serialises them and builds the store rows of the flagged ones;
2. the loop upserts those rows into the store (idempotent by id; retried while the
   store is down, with the partitions paused so the group membership survives);
3. it publishes scored / flagged / dead-letter records and commits the input offsets —
   in one Kafka transaction (exactly-once) or flush-then-commit (at-least-once);
4. only then updates the metrics, so a batch that is rolled back and replayed is
   counted once.

Modules, one concern each:

- `loop`: `Service`, the loop itself — the order above, pipelining, in-flight batches
  (`batch`: one polled batch);
- `store_writes`: step 2, and waiting out a store outage with the input paused;
- `publish`: step 3, what one batch sends to Kafka;
- `producer`: the worker's producer — claimed once the consumer holds partitions, and
  replaced after a failed abort only while the worker still holds its group identity;
- `kafka_step`: running blocking producer calls on a helper thread, so an unreachable
  broker leaves the worker able to report itself unready and to honour SIGTERM;
- `worker`: start-up wiring (`run_worker`, `run_service`), signals, the store at start-up.

Every wait-and-retry (store at start-up, store writes, producer replacement, a batch
replayed after a Kafka error) uses `scorer.backoff`.
"""

from scorer.service.batch import Batch
from scorer.service.loop import Service
from scorer.service.worker import run_service, run_worker

__all__ = ["Batch", "Service", "run_service", "run_worker"]
