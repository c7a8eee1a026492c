"""Real Kafka -> `scorer run` -> real Prometheus with the shipped rules -> every query.

What it pins: after a known traffic mix, every recording rule and every dashboard panel
query returns data on a real Prometheus evaluating deploy/prometheus/rules, no rule
reports an evaluation error, and the shares Prometheus computes equal the mix that was
produced: reply band shares per channel (and per channel and language), and per channel
the conversation band shares, the unanswered and late shares and the flagged share per
reason.

The traffic is what a contact centre sends: single replies without a conversation (a mix
of complete and bare ones), whole conversations from `scorer.dialogues` (good chats and
Messenger threads, chats that never close, unanswered and late inquiries, e-mail threads,
each ending in a `closed` event), interleaved in send order and keyed by conversation_id,
and a few invalid records. The scorer runs with a 1 s close grace, so a `closed` event
closes its conversation at once.

The expected bands are not hard-coded: the same records are first scored with
`scorer score --jsonl` (same model and conversation rules, no Kafka), and the produced mix
is built from those results; unanswered and late come from the dialogues' own truth. The
traffic goes in two identical rounds (the same dialogues under another id prefix), the
first before Prometheus starts, so every counter series already exists at Prometheus's
first scrape and `rate()` sees the second round's increase in full (a series born
mid-window would lose its first increment to rate()'s missing zero point).
"""

from __future__ import annotations

import math
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from scorer.dialogues import SLA_SECONDS, Dialogue, generate, interleave
from tests.kafka_utils import create_topics, produce, wait_for
from tests.ops_helpers import dashboard_queries, recording_rules, render_query
from tests.prometheus_server import Prometheus
from tests.scorer_proc import ScorerProcess, topic_env, until

pytestmark = [pytest.mark.prometheus, pytest.mark.kafka, pytest.mark.timeout(420)]

SCORER_BIN = Path(sys.executable).with_name("scorer")

#: Replies meant to land in different bands: complete ones (greeting, explanation,
#: closing, fitting length) and bare ones. Which band each really gets is read from
#: `scorer score` below, not assumed.
CANDIDATES: list[dict[str, str]] = [
    {"channel": "chat", "language": "nb",
     "text": "Hei Ola! Takk for at du tok kontakt. Pakken ble sendt i går, så den kommer "
             "fram i morgen fordi posten har ekstra levering denne uka. Ha en fin dag!"},
    {"channel": "chat", "language": "nb", "text": "ok"},
    {"channel": "chat", "language": "nb",
     "text": "Pakken ble sendt i går, så den kommer i morgen."},
    {"channel": "chat", "language": "en",
     "text": "Hi Sam, thanks for reaching out! The refund was delayed because the bank was "
             "closed; you'll see it within 3 days. Have a great weekend!"},
    {"channel": "chat", "language": "en", "text": "Done."},
    {"channel": "email", "language": "sv",
     "text": "Hej Sara,\n\nTack för ditt mejl. Fakturan blev fel eftersom rabatten inte "
             "drogs av. Vi har nu krediterat beloppet och skickar en ny faktura inom två "
             "dagar, så du behöver inte göra något mer.\n\nHör gärna av dig om något är "
             "oklart.\n\nVänliga hälsningar\nErik\nKundtjänst"},
    {"channel": "email", "language": "sv", "text": "Se bifogad fil."},
    {"channel": "messenger", "language": "da",
     "text": "Hej Mette! Tak for din besked. Ordren er sendt i dag, og du får en mail med "
             "sporingsnummeret i aften. Rigtig god dag!"},
    {"channel": "messenger", "language": "da", "text": "kan du sende ordrenummeret?"},
]
#: Copies of candidate i per round: uneven, so the shares are not all equal.
COPIES = [3, 2, 1, 2, 1, 2, 1, 2, 3]
INVALID = [b"{this is not json", b'{"id": "x-1", "channel": "carrier-pigeon", "text": "x"}']
#: The values the dashboard's template variables take in this test (cluster and namespace
#: as "All": this Prometheus adds neither label).
VARIABLES = {"cluster": ".*", "namespace": ".*", "job": "reply-scorer", "channel": "chat",
             "language": "nb"}
#: Series that only exist with the QA API, a shadow model, a hot reload or a reply in an
#: unsupported language, none of which this traffic has (tests/integration/test_dashboard.py runs
#: those panels on a synthetic exporter).
CONDITIONAL = ("reply_reviews", "scorer_shadow_verdicts", "scorer_model_reloads",
               "unsupported_language")

#: Conversations per round: every kind of scorer.dialogues, each ending in a `closed`
#: event. The seed is one whose mix has unanswered and late conversations on every
#: channel (checked below), so every conversation share is measured, not just present.
CONVERSATIONS = 30
CONVERSATION_SEED = 4
CONVERSATION_START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
#: How fast a `closed` event closes its conversation (the default is 10 s).
CLOSE_GRACE = "1s"


def _dialogues(prefix: str) -> list[Dialogue]:
    """One round's conversations: the same ones every round, under the round's ids."""
    return generate(CONVERSATIONS, seed=CONVERSATION_SEED, start=CONVERSATION_START,
                    close_share=1.0, id_prefix=f"{prefix}-")


def _score_offline(tmp_path: Path, dialogues: list[Dialogue]
                   ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """(candidates scored, in order; agent replies of the conversations scored in context;
    conversation verdicts) from `scorer score --jsonl`."""
    src = tmp_path / "offline.jsonl"
    lines = [orjson.dumps({"id": f"c{i}", **c}) for i, c in enumerate(CANDIDATES)]
    lines += [orjson.dumps(rec) for rec in interleave(dialogues)]
    src.write_bytes(b"\n".join(lines) + b"\n")
    out = subprocess.run([str(SCORER_BIN), "score", "--jsonl", str(src)], capture_output=True,
                         timeout=300, check=False)
    assert out.returncode == 0, out.stderr.decode(errors="replace")
    scored = [orjson.loads(line) for line in out.stdout.splitlines() if line.strip()]
    replies = [s for s in scored if "answered" not in s]
    verdicts = [s for s in scored if "answered" in s]
    candidates, in_context = replies[:len(CANDIDATES)], replies[len(CANDIDATES):]
    assert [s["id"] for s in candidates] == [f"c{i}" for i in range(len(CANDIDATES))]
    agent_ids = [m["id"] for d in dialogues for m in d.messages if m.get("author") == "agent"]
    assert sorted(s["id"] for s in in_context) == sorted(agent_ids)
    assert sorted(v["conversation_id"] for v in verdicts) == sorted(
        d.conversation_id for d in dialogues)
    return candidates, in_context, verdicts


def _round(prefix: str, dialogues: list[Dialogue]) -> tuple[list[bytes], list[bytes | None]]:
    """(values, keys) of one round: the single replies keyed by reply id, the
    conversations interleaved in send order and keyed by conversation_id, then the
    invalid records without a key."""
    values: list[bytes] = []
    keys: list[bytes | None] = []
    for i, (cand, copies) in enumerate(zip(CANDIDATES, COPIES, strict=True)):
        for k in range(copies):
            rid = f"{prefix}-{i}-{k}"
            values.append(orjson.dumps({"id": rid, **cand}))
            keys.append(rid.encode())
    for rec in interleave(dialogues):
        values.append(orjson.dumps(rec))
        keys.append(rec["conversation_id"].encode())
    values += INVALID
    keys += [None] * len(INVALID)
    return values, keys


def _shares(counts: Counter) -> dict[tuple[str, ...], float]:
    """(group..., band) counts -> share of the band within its group."""
    totals: Counter = Counter()
    for key, n in counts.items():
        totals[key[:-1]] += n
    return {key: n / totals[key[:-1]] for key, n in counts.items()}


@pytest.fixture
def scorer(kafka_bootstrap: str, tmp_path: Path) -> Iterator[ScorerProcess]:
    env = topic_env(kafka_bootstrap, tmp_path, SCORER_CONVERSATION_CLOSE_GRACE=CLOSE_GRACE)
    create_topics(kafka_bootstrap, [env["SCORER_TOPIC_INPUT"]], partitions=4)
    proc = ScorerProcess(env, tmp_path / "scorer.log").start()
    try:
        proc.wait_ready(timeout=120)
        yield proc
    finally:
        proc.stop()


def _wait_counts(scorer: ScorerProcess, scored: int, invalid: int, conversations: int) -> None:
    """Wait until the scorer has counted exactly this much, and holds no conversation open
    (every one was closed by its `closed` event)."""
    def done() -> bool:
        return (scorer.metric_sum("replies_scored") >= scored
                and scorer.metric_sum("replies_invalid") >= invalid
                and scorer.metric_sum("conversations_scored") >= conversations
                and scorer.metric_sum("conversations_open") == 0)
    until(done, 120, f"{scored} replies scored, {invalid} invalid, {conversations} "
          "conversations scored and none open", scorer)
    assert scorer.metric_sum("replies_scored") == scored
    assert scorer.metric_sum("replies_invalid") == invalid
    assert scorer.metric_sum("conversations_scored") == conversations


def _per_channel(prom: Prometheus, rule: str, *labels: str) -> dict[tuple[str, ...], float]:
    return {tuple(r["metric"][k] for k in ("channel", *labels)): float(r["value"][1])
            for r in prom.query(rule)}


def _assert_shares(rule: str, got: dict, want: dict) -> None:
    assert set(got) == set(want), (rule, got, want)
    for key, share in want.items():
        assert math.isclose(got[key], share, abs_tol=1e-3), (rule, key, got[key], share)


def test_rules_and_dashboard_queries_return_data_and_band_shares_match_the_mix(
    kafka_bootstrap: str, scorer: ScorerProcess, tmp_path: Path
) -> None:
    rounds = {prefix: _dialogues(prefix) for prefix in ("r1", "r2")}
    dialogues = rounds["r2"]  # the round Prometheus measures (r1 is the same traffic)
    kinds = Counter((d.channel, d.kind) for d in dialogues)
    for channel in SLA_SECONDS:
        assert kinds[(channel, "unanswered")] and kinds[(channel, "late")], (
            f"seed {CONVERSATION_SEED} has no unanswered or no late {channel} conversation: "
            f"{sorted(kinds.items())}; pick a seed whose mix has both on every channel")
    candidates, in_context, verdicts = _score_offline(tmp_path, dialogues)

    # Replies: the single ones (copies per round) and every agent message in context.
    per_round = sum(COPIES) + len(in_context)
    by_band: Counter = Counter()
    by_language: Counter = Counter()
    for s, copies in [*zip(candidates, COPIES, strict=True), *((r, 1) for r in in_context)]:
        by_band[(s["channel"], s["band"])] += copies
        by_language[(s["channel"], s["language"], s["band"])] += copies
    assert len({band for _, band in by_band}) >= 2, (
        f"the replies all scored {set(by_band)}: the mix cannot test band shares; "
        "make some candidate replies clearly better or worse"
    )
    assert any(k[:2] == (VARIABLES["channel"], VARIABLES["language"]) for k in by_language)

    # Conversations: bands and flag reasons as scored offline; unanswered and late as the
    # dialogues were written (the late share is taken of the answered ones, which all
    # start with a customer message).
    conv_band = Counter((v["channel"], v["band"]) for v in verdicts)
    assert len({band for _, band in conv_band}) >= 2, f"conversations all {set(conv_band)}"
    conv_flagged = Counter((v["channel"], reason) for v in verdicts if v["flagged"]
                           for reason in v["reasons"])
    per_channel = Counter(d.channel for d in dialogues)
    unanswered = Counter(d.channel for d in dialogues if not d.truth["answered"])
    answered = Counter(d.channel for d in dialogues if d.truth["answered"])
    late = Counter(d.channel for d in dialogues if d.truth["answered"]
                   and d.truth["first_response_seconds"] > SLA_SECONDS[d.channel])
    assert conv_flagged, "no conversation is flagged: the flagged-by-reason rules get no data"

    topic = scorer.env["SCORER_TOPIC_INPUT"]
    # Round 1: before Prometheus, so every series exists at its first scrape.
    produce(kafka_bootstrap, topic, *_round("r1", rounds["r1"]))
    _wait_counts(scorer, per_round, len(INVALID), CONVERSATIONS)

    prom_dir = tmp_path / "prometheus"
    prom_dir.mkdir()
    prom = Prometheus(prom_dir, f"127.0.0.1:{scorer.env['SCORER_METRICS_PORT']}")
    try:
        prom.wait_ready()
        wait_for(lambda: (prom.value('count_over_time(up{job="reply-scorer"}[1m])') or 0) >= 2,
                 30, interval=0.5, what="two scrapes of the scorer")
        assert prom.value('up{job="reply-scorer"}') == 1

        # Round 2: the increase Prometheus measures.
        produce(kafka_bootstrap, topic, *_round("r2", rounds["r2"]))
        _wait_counts(scorer, 2 * per_round, 2 * len(INVALID), 2 * CONVERSATIONS)
        wait_for(lambda: (prom.value("sum(replies_scored_total)") == 2 * per_round
                          and prom.value("sum(conversations_scored_total)")
                          == 2 * CONVERSATIONS), 30,
                 interval=0.5, what="Prometheus scraping the final counts")

        # Every recording rule has data (rules run every second; allow a few rounds).
        # Not the QA review rules: reply_reviews_total comes from the QA API, which this
        # test does not run (reply-scorer-reviews.test.yml and test_api_agreement.py
        # cover them).
        rules = {name: expr for name, expr in recording_rules().items()
                 if "reply_reviews" not in name}
        missing: list[str] = []

        def all_rules_have_data() -> bool:
            missing[:] = [name for name in rules if not prom.query(name)]
            return not missing
        try:
            wait_for(all_rules_have_data, 30, interval=1, what="data from every recording rule")
        except AssertionError:
            pytest.fail(f"recording rules without data: {missing}\n{prom.logs()}")

        # No rule (recording or alert) fails to evaluate.
        for group in prom.get("/api/v1/rules")["groups"]:
            for rule in group["rules"]:
                assert rule["health"] == "ok", (rule["name"], rule.get("lastError"))
        loaded = {r["name"] for g in prom.get("/api/v1/rules")["groups"] for r in g["rules"]}
        assert set(rules) <= loaded

        # Every dashboard panel query has data.
        for where, expr in dashboard_queries():
            if any(name in expr for name in CONDITIONAL):
                continue  # see CONDITIONAL
            rendered = render_query(expr, VARIABLES)
            assert prom.query(rendered), f"dashboard panel {where} has no data: {rendered}"

        # Band shares per channel equal the produced mix, over 5 minutes and over 1 hour.
        want = _shares(by_band)
        for rule in ("channel_band:replies_scored:ratio_rate5m",
                     "channel_band:replies_scored:ratio_rate1h"):
            _assert_shares(rule, _per_channel(prom, rule, "band"), want)
        rule = "channel_language_band:replies_scored:ratio_rate1h"
        _assert_shares(rule, _per_channel(prom, rule, "language", "band"),
                       _shares(by_language))

        # Conversation shares per channel equal the produced conversations.
        rule = "channel_band:conversations_scored:ratio_rate1h"
        _assert_shares(rule, _per_channel(prom, rule, "band"), _shares(conv_band))
        rule = "channel:conversations_unanswered_per_conversations_scored:ratio_rate1h"
        _assert_shares(rule, _per_channel(prom, rule),
                       {(ch,): unanswered[ch] / n for ch, n in per_channel.items()})
        rule = "channel:conversations_late_per_first_response_seconds_count:ratio_rate1h"
        _assert_shares(rule, _per_channel(prom, rule),
                       {(ch,): late[ch] / n for ch, n in answered.items()})
        rule = "channel_reason:conversations_flagged_per_conversations_scored:ratio_rate1h"
        _assert_shares(rule, _per_channel(prom, rule, "reason"),
                       {key: n / per_channel[key[0]] for key, n in conv_flagged.items()})
        rule = "channel:conversations_open:sum"
        _assert_shares(rule, _per_channel(prom, rule), {(ch,): 0.0 for ch in SLA_SECONDS})

        # The dead letters are visible per reason, as the ReplyScorerDeadLetters alert sees.
        reasons = {r["metric"]["reason"] for r in prom.query("reason:replies_invalid:rate5m > 0")}
        assert reasons == {"not_json", "unknown_channel"}
    finally:
        prom.stop()
