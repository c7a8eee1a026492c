"""Open conversations per partition, changed batch by batch and only on commit.

The loop owns one `ConversationTable`. For each batch it opens `Changes`: messages are
applied to copies of the conversations they touch, closures and outputs are collected,
and the table itself changes only when `Changes.commit` is called — after the batch's
Kafka transaction (outputs, changelog records and input offsets) has committed. A batch
that is rolled back, or dropped by a rebalance, leaves the table as the changelog has it,
so a replay applies its messages once.

Two clocks close a conversation for idleness (`SCORER_CONVERSATION_IDLE_<CHANNEL>`):
- event time: a message whose time is an idle period or more after its conversation's
  last message closes that conversation first and opens a new inquiry (so a backlog
  replayed hours late still splits conversations where they went quiet);
- wall clock: `expire` closes conversations that no message has touched for an idle
  period, with no record needed on the partition. It counts from when the last message
  was processed (`Conversation.touched`, kept in the changelog, so the timer carries on
  across restarts), so a conversation is not closed while its backlog is being read.
Either way `closed_at` is the conversation's last message time plus the idle period.
Past `max_open` open conversations (`SCORER_MAX_OPEN_CONVERSATIONS`), the least recently
touched are closed at once (`closed_by: "capacity"`, `closed_at` = their last message), so
memory has a bound whatever the traffic.

Messages of a conversation can arrive out of order: producers that key records by reply
id spread a conversation over input partitions, which are read at different paces (most
of all when a backlog is replayed). So everything the verdict reads is decided by event
time, not arrival: the greeting comes from the agent message sent first, the closing from
the one sent last, the first response from the earliest times. A `closed` event closes
its conversation after `SCORER_CONVERSATION_CLOSE_GRACE` (wall clock), and messages sent
before the event that arrive within the grace still join it; a message sent after the
event closes it at once and opens a new inquiry. An event that overtakes every message
of its conversation waits for them the same way; if none comes within the grace, it is
counted as `closed_unknown_conversation` and nothing is published. Only a reply's
`position`, published when the reply is processed, is decided on what has arrived by then
(`first` when no agent message sent earlier has been seen).

The per-channel idle period is the same for every conversation of a channel, so an
`OrderedDict` in touch order per (partition, channel) holds them in deadline order and
`expire` looks only at the expired front.
"""

from __future__ import annotations

import heapq
from collections import Counter, OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field

from scorer.conversations.messages import ConvMessage, Variant
from scorer.conversations.state import Conversation, decode, encode

#: A conversation keeps at most this many ids in `reply_ids`/`agent_ids`.
MAX_IDS = 1000
#: When the thread is full, this many of its latest messages are kept as a rolling tail.
THREAD_TAIL = 10


@dataclass(slots=True)
class Closure:
    """A conversation that closed in this batch."""

    partition: int
    conversation: Conversation
    closed_at: float
    closed_by: str


@dataclass(slots=True)
class Changes:
    """One batch's effect on the table (see the module docstring)."""

    table: ConversationTable
    now: float
    staged: dict[tuple[int, str], Conversation | None] = field(default_factory=dict)
    closures: list[Closure] = field(default_factory=list)
    #: (message, chosen variant) of each agent message, in apply order.
    replies: list[tuple[ConvMessage, Variant]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def _get(self, key: tuple[int, str]) -> Conversation | None:
        if key in self.staged:
            return self.staged[key]
        return self.table.partitions.get(key[0], {}).get(key[1])

    def _close(self, key: tuple[int, str], conv: Conversation, at: float, by: str) -> None:
        if conv.agent_messages or conv.customer_messages:
            self.closures.append(Closure(key[0], conv, at, by))
        else:  # a `closed` event whose conversation never showed up within the grace
            self.skipped.append("closed_unknown_conversation")
        self.staged[key] = None

    def _staged(self, key: tuple[int, str], conv: Conversation) -> Conversation:
        """The batch's own copy of a committed conversation."""
        if key not in self.staged:
            conv = conv.copy()
            self.staged[key] = conv
        return conv

    def apply(self, partition: int, m: ConvMessage) -> None:
        """Apply one message of `partition` (messages of a partition in offset order)."""
        key = (partition, m.conversation_id)
        conv = self._get(key)
        if conv is not None:
            idle = self.table.idle[conv.channel]
            if conv.closing_at is not None and m.at > conv.closing_at:
                self._close(key, conv, conv.closing_at, "event")
                conv = None
            elif m.at - conv.last_at >= idle:
                self._close(key, conv, conv.last_at + idle, "idle")
                conv = None
        if m.kind == "closed":
            # Even for a conversation not seen yet: its messages may still be on their way
            # (keyed by reply id, an event can overtake them); an empty one closes silently.
            if conv is None:
                conv = Conversation(m.conversation_id, m.channel, partition, m.at, m.at,
                                    self.now)
                self.staged[key] = conv
            if conv.closing_at is None:
                conv = self._staged(key, conv)
                conv.closing_at = max(m.at, conv.last_at)
                conv.close_deadline = self.now + self.table.grace
            return
        if conv is None:
            conv = Conversation(m.conversation_id, m.channel, partition, m.at, m.at, self.now)
            self.staged[key] = conv
        else:
            conv = self._staged(key, conv)
        conv.opened_at = min(conv.opened_at, m.at)
        conv.last_at = max(conv.last_at, m.at)
        conv.touched = self.now
        if m.kind == "customer":
            conv.customer_messages += 1
            if conv.first_customer_at is None or m.at < conv.first_customer_at:
                conv.first_customer_at = m.at
            conv.customer_language = conv.customer_language or m.language
            entry = m.entry
        else:
            times = conv.agent_times
            first = not times or m.at < min(times)
            variant = m.variants["first" if first else "later"]
            if first:
                conv.greeting, conv.language = m.greeting, m.language
            if not times or m.at >= max(times):
                conv.closing = m.closing
            conv.agent_messages += 1
            conv.explanation = max(conv.explanation, m.explanation)
            conv.words += m.words
            if len(times) < MAX_IDS:
                conv.agent_times = (*times, m.at)
            if len(conv.reply_ids) < MAX_IDS:
                conv.reply_ids = (*conv.reply_ids, m.id)
            if m.agent_id and m.agent_id not in conv.agent_ids and len(
                    conv.agent_ids) < MAX_IDS:
                conv.agent_ids = (*conv.agent_ids, m.agent_id)
            conv.team = conv.team or m.team
            conv.model_version = variant.model_version
            self.replies.append((m, variant))
            entry = variant.entry
        if entry is not None:
            self._keep(conv, entry)

    def _keep(self, conv: Conversation, entry: bytes) -> None:
        cap = self.table.max_thread
        thread = conv.thread
        if len(thread) >= cap:
            thread = thread[:cap - THREAD_TAIL] + thread[cap - THREAD_TAIL + 1:]
            conv.thread_dropped += 1
        conv.thread = (*thread, entry)

    def expire(self) -> None:
        """Close every conversation whose close grace has passed, or idle by the wall
        clock, unless this batch changed it (then it is not idle, or closed already)."""
        for key, conv in list(self.staged.items()):  # closed by an event of this batch
            if conv is not None and conv.close_deadline is not None and \
                    conv.close_deadline <= self.now:
                self._close(key, conv, conv.closing_at or conv.last_at, "event")
        for key, deadline in self.table.closing.items():
            if deadline <= self.now and key not in self.staged:
                conv = self.table.partitions[key[0]][key[1]]
                self._close(key, conv, conv.closing_at or conv.last_at, "event")
        for (partition, channel), order in self.table.order.items():
            idle = self.table.idle[channel]
            convs = self.table.partitions.get(partition, {})
            for cid in order:
                conv = convs[cid]
                if self.now - conv.touched < idle:
                    break
                key = (partition, cid)
                if key not in self.staged:
                    self._close(key, conv, conv.last_at + idle, "idle")
        self._evict()

    def _evict(self) -> None:
        """Past `max_open`, close the least recently touched conversations (`capacity`):
        memory stays bounded whatever the traffic and the idle periods (e-mail: 7 days)."""
        table = self.table
        opened = sum(1 for k, c in self.staged.items()
                     if c is not None and k[1] not in table.partitions.get(k[0], {}))
        closed = sum(1 for k, c in self.staged.items()
                     if c is None and k[1] in table.partitions.get(k[0], {}))
        excess = len(table) + opened - closed - table.max_open
        if excess <= 0:
            return
        fronts = (((table.partitions[p][cid].touched, p, cid) for cid in order)
                  for (p, _), order in table.order.items())
        for _, p, cid in heapq.merge(*fronts):
            if excess <= 0:
                break
            if (p, cid) not in self.staged:
                conv = table.partitions[p][cid]
                self._close((p, cid), conv, conv.last_at, "capacity")
                excess -= 1

    def changelog(self) -> list[tuple[int, bytes, bytes | None]]:
        """(partition, key, value or None for a tombstone) of every changed conversation."""
        return [(p, cid.encode(), None if conv is None else encode(conv))
                for (p, cid), conv in self.staged.items()]

    def commit(self) -> None:
        """Make the batch's changes the table's state (after its transaction committed)."""
        table = self.table
        for (p, cid), conv in self.staged.items():
            convs = table.partitions.get(p)
            if convs is None:  # revoked meanwhile: its new owner restores it
                continue
            old = convs.pop(cid, None)
            if old is not None:
                table.order[(p, old.channel)].pop(cid, None)
                table.closing.pop((p, cid), None)
            if conv is not None:
                table.add(p, cid, conv)
        self.staged.clear()


class ConversationTable:
    """Open conversations of the partitions this worker owns."""

    def __init__(self, idle: dict[str, float], max_thread: int, grace: float,
                 max_open: int = 1_000_000) -> None:
        self.idle = idle
        self.max_thread = max_thread
        self.grace = grace
        self.max_open = max_open
        self.partitions: dict[int, dict[str, Conversation]] = {}
        #: Per (partition, channel): conversation ids in the order they were last touched.
        self.order: dict[tuple[int, str], OrderedDict[str, None]] = {}
        #: (partition, conversation id) → wall-clock deadline of a `closed` event's grace.
        self.closing: dict[tuple[int, str], float] = {}

    def add(self, partition: int, cid: str, conv: Conversation) -> None:
        self.partitions.setdefault(partition, {})[cid] = conv
        self.order.setdefault((partition, conv.channel), OrderedDict())[cid] = None
        if conv.close_deadline is not None:
            self.closing[(partition, cid)] = conv.close_deadline

    def changes(self, now: float) -> Changes:
        return Changes(self, now)

    def restore(self, partition: int, records: Iterable[tuple[bytes, bytes | None]]) -> int:
        """Rebuild a partition from its changelog records (offset order); returns how many
        conversations are open in it."""
        convs: dict[str, Conversation] = {}
        for key, value in records:
            cid = key.decode()
            if value is None:
                convs.pop(cid, None)
            else:
                convs[cid] = decode(value)
        self.drop(partition)
        self.partitions[partition] = {}
        for cid, conv in sorted(convs.items(), key=lambda kv: kv[1].touched):
            self.add(partition, cid, conv)
        return len(convs)

    def drop(self, partition: int) -> None:
        """Forget a partition (revoked: its new owner restores it from the changelog)."""
        self.partitions.pop(partition, None)
        for key in [k for k in self.order if k[0] == partition]:
            del self.order[key]
        for key in [k for k in self.closing if k[0] == partition]:
            del self.closing[key]

    def open_by_channel(self) -> Counter[str]:
        counts: Counter[str] = Counter()
        for (_, channel), order in self.order.items():
            counts[channel] += len(order)
        return counts

    def __len__(self) -> int:
        return sum(len(c) for c in self.partitions.values())
