"""Response and request models of the QA API: they are the served OpenAPI contract.

Kept apart from `scorer.api` (the app) so the contract reads on its own.
"""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

#: Longest review comment accepted.
MAX_COMMENT_CHARS = 4000
NO_NUL = r"^[^\x00]*$"


class SpanOut(BaseModel):
    start: int
    end: int
    text: str


class ReviewOut(BaseModel):
    id: int
    verdict: Literal["agree", "disagree"]
    labels: dict[str, int]
    comment: str
    reviewer: str
    created_at: str


class FlaggedItem(BaseModel):
    """The scored record (DESIGN.md output format) plus the stored context and reviews."""

    model_config = ConfigDict(extra="allow")

    id: str
    channel: str
    language: str
    total: int
    band: str
    dimensions: dict[str, float]
    flagged: bool
    reasons: list[str]
    evidence: dict[str, SpanOut | None]
    model_version: str
    scored_at: str
    text: str = Field(description="The reply text, redacted unless SCORER_REDACT=false")
    content_type: str
    agent_id: str | None
    team: str | None
    conversation_id: str | None
    sent_at: str | None
    event_at: str = Field(description="sent_at when known, else scored_at; what since/until, "
                                      "sorting and retention use")
    redacted: bool
    sampled: bool = Field(default=False, description="In the random review sample "
                          "(SCORER_SAMPLE_RATE); an unflagged reply is stored only then")
    reviews: list[ReviewOut]


class FlaggedPage(BaseModel):
    items: list[FlaggedItem]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; "
                                                "null on the last page")


class ReviewIn(BaseModel):
    """A QA verdict on the model's assessment of one reply."""

    model_config = ConfigDict(extra="forbid")

    verdict: Literal["agree", "disagree"]
    labels: dict[Literal["greeting", "explanation", "closing"], Literal[0, 1]] = Field(
        default_factory=dict,
        description="Corrected labels per dimension (1 = present); used when disagreeing")
    comment: str = Field(default="", max_length=MAX_COMMENT_CHARS, pattern=NO_NUL,
                         description="Stored redacted (e-mail, phone, ids, cards, IBANs)")
    reviewer: str | None = Field(
        default=None, min_length=1, max_length=128, pattern=NO_NUL,
        description="Ignored (kept so older clients still work): a review is recorded "
                    "under the name of the caller's token or SSO user")


class MeOut(BaseModel):
    """Who the caller is, so a client (the web page) shows only what the role may do."""

    name: str = Field(description="The token's name or the SSO user; reviews carry it")
    role: Literal["reader", "reviewer", "admin"]
    via: str = Field(description="token, proxy (single sign-on) or dev")
    rights: list[str] = Field(description="Actions this role may take: list, open, stats, "
                                          "review, export, purge")


class PurgeIn(BaseModel):
    """Delete stored replies (with their reviews) and conversations older than an age."""

    model_config = ConfigDict(extra="forbid")

    older_than: str = Field(pattern=r"^\s*\d{1,6}\s*[smhdw]\s*$", max_length=16,
                            description="An age such as 90d, 12w or 36h")


class PurgeOut(BaseModel):
    older_than: str
    replies: int
    conversations: int


class ReplyScoreOut(BaseModel):
    """An agent message's own score within its conversation."""

    model_config = ConfigDict(extra="allow")

    position: str | None = Field(description="first or later among the agent messages")
    total: int
    band: str
    flagged: bool
    reasons: list[str]
    dimensions: dict[str, float]
    evidence: dict[str, SpanOut | None] = Field(
        description="Spans of the message text (as stored) taken as greeting, explanation "
                    "and closing")


class MessageOut(BaseModel):
    id: str
    author: str = Field(description="customer or agent")
    sent_at: str | None
    text: str = Field(description="Redacted unless SCORER_REDACT=false")
    truncated: bool
    reply: ReplyScoreOut | None = Field(description="The score of an agent message; null for "
                                                    "customer messages")


class ConversationItem(BaseModel):
    """The conversations.scored record (docs/DESIGN.md § Conversations) plus `stored_at`."""

    model_config = ConfigDict(extra="allow")

    conversation_id: str
    channel: str
    language: str
    total: int
    band: str
    answered: bool
    dimensions: dict[str, float]
    first_response_seconds: float | None
    agent_messages: int
    customer_messages: int
    flagged: bool
    reasons: list[str]
    reply_ids: list[str]
    agent_ids: list[str]
    team: str | None
    opened_at: str = Field(description="With conversation_id, the identity of an inquiry")
    closed_at: str = Field(description="What since/until, the time sorts and retention use")
    closed_by: str
    model_version: str
    scored_at: str
    stored_at: str
    redacted: bool


class ConversationDetail(ConversationItem):
    messages: list[MessageOut] = Field(description="The thread in the order it was sent")
    messages_dropped: int = Field(description="Older messages of a long thread that were not "
                                              "kept (the thread keeps its latest messages)")
    inquiries: list[str] = Field(description="opened_at of every stored inquiry with this id, "
                                             "newest first (pass one as ?opened_at=)")


class ConversationPage(BaseModel):
    items: list[ConversationItem]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; "
                                                "null on the last page")


class ConversationStatsOut(BaseModel):
    total: int
    by_channel: dict[str, int]
    by_band: dict[str, int]
    by_reason: dict[str, int]
    unanswered: int


class Proportion(BaseModel):
    """A share with its 95 % Wilson score interval; value and bounds null when n is 0."""

    value: float | None
    low: float | None
    high: float | None
    n: int = Field(description="The denominator: flags (precision) or absences the "
                               "reviewers found (recall)")
    population: Literal["reviewed", "sampled_reviewed"] = Field(
        description="reviewed: the latest review of every reviewed reply in the window; "
                    "sampled_reviewed: only those in the random sample")


class SampledAgreement(BaseModel):
    n: int
    accuracy: float | None
    kappa: float | None
    population: Literal["sampled_reviewed"]


class Agreement(BaseModel):
    """Model (score >= 0.5 = present) against the reviewer's label on one dimension.
    A flag is the model saying the dimension is absent. Null, not 0, where undefined."""

    n: int = Field(description="Reviewed replies with a label for this dimension")
    accuracy: float | None = Field(description="Share where model and reviewer agree")
    kappa: float | None = Field(description="Cohen's kappa; null when n is 0 or chance "
                                            "agreement is 1")
    population: Literal["reviewed"]
    precision: Proportion = Field(description="Flags the reviewer confirmed / flags; over "
                                              "every review")
    recall: Proportion = Field(description="Absences the model flagged / absences the "
                                           "reviewer found; over sampled reviews only")
    sampled: SampledAgreement = Field(description="n, accuracy and kappa over the sampled "
                                                  "reviews alone (unbiased, smaller)")


class DimensionAgreement(Agreement):
    by_channel: dict[str, Agreement]
    by_language: dict[str, Agreement]


class SampleOut(BaseModel):
    total: int = Field(description="Stored replies in the window that are in the sample")
    reviewed: int = Field(description="Of those, how many have a review")


class StatsOut(BaseModel):
    since: str
    until: str
    total: int
    by_channel: dict[str, int]
    by_band: dict[str, int]
    by_reason: dict[str, int]
    reviewed: int
    conversations: ConversationStatsOut = Field(
        description="Flagged conversations closed in the same window")
    sample: SampleOut
    agreement: dict[Literal["greeting", "explanation", "closing"], DimensionAgreement] = Field(
        description="Per dimension, the latest review of each reply in the window against "
                    "the model: the product's quality figure on your own replies")


class ErrorOut(BaseModel):
    detail: Any


