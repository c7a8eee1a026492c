"""What of a reply leaves the worker: its rendered plain text, redacted, and evidence on it.

Every output that carries reply text — the evidence spans on `replies.scored` /
`replies.flagged` and `scorer score`, the text and evidence in the flagged store, the
conversation threads — shows the same thing: the reply's *rendered* plain text (HTML is
rendered first, so `&nbsp;` or `&#64;` cannot hide a number or an address from the
recognisers) with personal data replaced (`scorer.redact`). Evidence offsets are
re-pointed at that text, so `span.text == shown[start:end]` on every output, and a reader
holding the stored text can slice the spans the topic carries.

This module is the one place where that happens; `SCORER_REDACT` (store) and
`SCORER_REDACT_OUTPUTS` (Kafka and `scorer score`) choose whether it redacts, and the
caller's redactor (built from `SCORER_REDACT_KEEP` with `redactor_keeping`) what it keeps.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from scorer.redact import REDACTOR, Redaction, Redactor
from scorer.schema import ScoredReply, Span


@dataclass(frozen=True, slots=True)
class Shown:
    """A scored reply as an output shows it, and the text its evidence indexes."""

    scored: ScoredReply
    text: str
    redacted: bool


def show(scored: ScoredReply, plain: str, names: Iterable[str | None], *,
         redact_text: bool, redaction: Redaction | None = None,
         redactor: Redactor | None = None) -> Shown:
    """Re-point `scored`'s evidence (offsets into `plain`) at the text an output shows.

    `redaction` may be passed when the caller has already redacted `plain` with the same
    names (one redaction per reply, however many outputs show it). `redactor` is the
    deployment's (its keep-list); None is the shipped one, which keeps nothing.
    """
    if not redact_text:
        return Shown(scored, plain, False)
    r = redaction if redaction is not None else (redactor or REDACTOR).redact(plain, names)
    evidence: dict[str, Span | None] = {}
    for dim, span in scored.evidence.items():
        if span is None:
            evidence[dim] = None
            continue
        a, b = r.map_span(span.start, span.end)
        # Built unvalidated: two ints and a str need no check (validation was ~4 µs a span).
        evidence[dim] = Span.model_construct(start=a, end=b, text=r.text[a:b])
    return Shown(scored.model_copy(update={"evidence": evidence}), r.text, True)
