"""The conversation stage of a worker: what one batch adds to Kafka, the store and metrics.

Records of the input topic that carry a `conversation_id` are not scored where they are
read: they are forwarded, unchanged, to the repartition topic keyed by conversation id
(as Kafka Streams repartitions before a stateful step), so every message of a
conversation lands on one partition and so on one worker, however producers keyed them.
The records of the repartition topic are this stage's input: scored in a scoring process
(`messages.Describer`), then applied here, in the loop, to the conversation state of
their partition (`table`), at the moment their batch is committed.

`ConversationStage.effects` turns a batch's messages (and the wall clock's idle
closures) into `Effects`: the reply records in context, the verdicts of the
conversations that closed, their store rows, the changelog records and the metric tally.
The service publishes them in the batch's transaction and only then calls
`Effects.commit`, so the in-memory state never runs ahead of what Kafka has committed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from kafka import KafkaConsumer

from scorer.conversations import changelog
from scorer.conversations.context import Rules
from scorer.conversations.messages import ConvMessage, Describer
from scorer.conversations.table import Changes, ConversationTable
from scorer.conversations.verdict import VerdictRules, store_row, verdict
from scorer.metrics import Tally
from scorer.redact import Redactor, redactor_keeping
from scorer.settings import Settings

log = logging.getLogger(__name__)
CHANNELS = ("email", "chat", "messenger")


@dataclass(slots=True)
class Effects:
    """Everything one batch adds beyond its context-free replies."""

    changes: Changes
    #: (key, value, flagged) for replies.scored (and replies.flagged when flagged).
    replies: list[tuple[bytes, bytes, bool]] = field(default_factory=list)
    #: (key, value) for conversations.scored.
    conversations: list[tuple[bytes, bytes]] = field(default_factory=list)
    reply_rows: list[dict[str, Any]] = field(default_factory=list)
    unflagged: list[str] = field(default_factory=list)
    conversation_rows: list[dict[str, Any]] = field(default_factory=list)
    #: (partition, key, value or None) for the changelog topic.
    changelog: list[tuple[int, bytes, bytes | None]] = field(default_factory=list)
    tally: Tally = field(default_factory=Tally)

    @property
    def empty(self) -> bool:
        return not (self.replies or self.conversations or self.changelog)

    def commit(self) -> None:
        self.changes.commit()


def describer(settings: Settings, redactor: Redactor | None = None) -> Describer:
    """What the scoring processes need to describe conversation messages (`redactor`: the
    caller's, to share one; else one for `SCORER_REDACT_KEEP`)."""
    return Describer(
        rules=Rules(settings.weights, {ch: settings.length_range(ch) for ch in CHANNELS},
                    settings.flag_threshold),
        redact_text=settings.redact, store_rows=settings.store_enabled,
        max_chars=settings.thread_max_chars, redact_outputs=settings.redact_outputs,
        sample_rate=settings.sample_rate,
        redactor=redactor or redactor_keeping(settings.redact_keep),
    )


def verdict_rules(settings: Settings) -> VerdictRules:
    return VerdictRules(
        weights=settings.weights,
        ranges={ch: settings.length_range(ch, conversation=True) for ch in CHANNELS},
        sla={ch: settings.sla_seconds(ch) for ch in CHANNELS},
        threshold=settings.flag_threshold,
    )


class ConversationStage:
    """The open conversations of a worker's repartition partitions, and their verdicts."""

    def __init__(self, settings: Settings, model_version: str,
                 restore_consumer: Callable[[], KafkaConsumer]) -> None:
        self.table = ConversationTable({ch: settings.idle_seconds(ch) for ch in CHANNELS},
                                       settings.thread_max_messages,
                                       settings.conversation_close_grace,
                                       settings.max_open_conversations)
        self.rules = verdict_rules(settings)
        self.redacted = settings.redact
        self.store_rows = settings.store_enabled
        self.model_version = model_version
        self.topic = settings.repartition_topic
        self.changelog_topic = settings.changelog_topic
        self.restore_timeout_s = settings.transaction_timeout_ms / 1000 + 60
        self._make_restore_consumer = restore_consumer
        #: Assigned partitions whose state is not restored yet (see `restore_assigned`).
        self.unrestored: set[int] = set()

    def assigned(self, partitions: set[int]) -> None:
        """Hold exactly `partitions`: forget the others now, and mark the new ones for
        `restore_assigned`.

        Called from the rebalance listener, which kafka-python 3 runs on the consumer's
        event loop: Kafka I/O there (the restore) would block that loop, heartbeats and
        the restore's own fetches included. So the restore runs from the service loop,
        right after the poll that delivered the assignment and before any batch is scored.
        """
        for p in [p for p in self.table.partitions if p not in partitions]:
            self.table.drop(p)
        self.unrestored = partitions - set(self.table.partitions)

    def restore_assigned(self) -> None:
        """Rebuild the partitions marked by `assigned` from the changelog."""
        if not self.unrestored:
            return
        new, self.unrestored = self.unrestored, set()
        # A fresh consumer per restore: one kept idle between rebalances was seen to
        # never get a fetch answered again (kafka-python 3), and a restore is rare.
        consumer = self._make_restore_consumer()
        try:
            changelog.restore(consumer, self.changelog_topic, new, self.table,
                              timeout_s=self.restore_timeout_s)
        finally:
            consumer.close()

    def effects(self, messages: Sequence[tuple[int, ConvMessage]], now: float) -> Effects:
        """Apply (partition, message) pairs in order, then close idle conversations."""
        changes = self.table.changes(now)
        for partition, m in messages:
            changes.apply(partition, m)
        changes.expire()
        fx = Effects(changes)
        fx.tally.skipped.update(changes.skipped)
        for _, v in changes.replies:
            fx.replies.append((v.id.encode(), v.value, v.line.flagged))
            if v.row is not None:
                fx.reply_rows.append(v.row)
            elif self.store_rows:
                fx.unflagged.append(v.id)
            fx.tally.add_reply(v.line)
        scored_at = datetime.fromtimestamp(now, UTC)
        for c in changes.closures:
            record = verdict(c.conversation, closed_at=c.closed_at, closed_by=c.closed_by,
                             rules=self.rules, model_version=self.model_version,
                             now=scored_at)
            fx.conversations.append((record.conversation_id.encode(),
                                     record.model_dump_json().encode()))
            if record.flagged and self.store_rows:
                fx.conversation_rows.append(store_row(c.conversation, record,
                                                      redacted=self.redacted))
            fx.tally.add_conversation(record)
        fx.changelog = changes.changelog()
        return fx

    def open_by_channel(self) -> dict[str, int]:
        return dict(self.table.open_by_channel())

    def close(self) -> None:
        """Nothing to release: restore consumers live only while they restore."""
