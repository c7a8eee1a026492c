"""What one batch sends to Kafka: its outputs, dead letters, forwards and offsets.

This is the body of the loop's "publish" step, run on the helper thread of
`scorer.service.kafka_step` (so it must not touch the consumer, which is not thread-safe:
the loop reads the group metadata for it). Exactly-once: one transaction holding every
output and the input offsets. At-least-once: flush, raise the first failed send, and let
the loop commit the offsets afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from kafka import KafkaProducer
from kafka.consumer.fetcher import ConsumerRecord
from kafka.structs import OffsetAndMetadata, TopicPartition

from scorer import kafka_io
from scorer.pool import Outcome
from scorer.schema import InvalidRecord
from scorer.settings import Settings

if TYPE_CHECKING:
    from scorer.conversations.stage import Effects


def produce(producer: KafkaProducer, settings: Settings, flat: Sequence[ConsumerRecord],
            outcome: Outcome, fx: Effects | None,
            transaction: tuple[dict[TopicPartition, OffsetAndMetadata], object] | None) -> None:
    """Send a batch's outputs. Exactly-once passes `transaction`, the batch's next input
    offsets and the consumer's group metadata: then the outputs and the offsets are
    committed in one transaction. `flat` is the batch's records in the order `outcome`
    indexes them."""
    s = settings
    send = producer.send
    if transaction is not None:
        producer.begin_transaction()
    futures = []
    for _, key, value, flagged in outcome.outputs:
        futures.append(send(s.topic_scored, key=key, value=value))
        if flagged:
            futures.append(send(s.topic_flagged, key=key, value=value))
    for i, reason, message in outcome.invalid:
        rec = flat[i]
        futures.append(send(s.topic_dlq, key=rec.key, value=rec.value, headers=kafka_io.
                            dead_letter_headers(rec, InvalidRecord(reason, message))))
    if outcome.forward:
        futures.extend(kafka_io.forward(producer, s.repartition_topic,
                                        [(key, flat[i]) for i, key in outcome.forward]))
    if fx is not None:
        futures.extend(kafka_io.publish_effects(producer, s, fx))
    if transaction is not None:
        offsets, group = transaction
        if offsets:
            producer.send_offsets_to_transaction(offsets, group)
        producer.commit_transaction()
    else:
        producer.flush()
        for f in futures:
            if f.failed():
                raise f.exception
