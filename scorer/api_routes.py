"""The `/api` routes of the QA API and the dependency that guards each of them.

Every route's first dependency is `guard(action)`: it identifies the caller (401), spends
one request of the caller's rate budget (429), checks the role may take the action (403)
and opens the call's audit entry, all before a query parameter is even validated, so an
unidentified caller learns nothing (not which ids exist, not which values are bad). The
handler then fills in the audit target (ids, counts); scorer.api writes the entry once
the answer is known.

FastAPI resolves parameter annotations at run time, so this module deliberately does not
use `from __future__ import annotations` (the Annotated aliases are local to build_router).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.params import Depends as DependsParam
from fastapi.responses import StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from scorer import audit
from scorer.api_auth import ACTION_ROLES, Authenticator, Principal, RateLimiter
from scorer.api_csv import CSV_MAX_ROWS, csv_rows
from scorer.api_models import (
    NO_NUL,
    ConversationDetail,
    ConversationPage,
    ErrorOut,
    FlaggedItem,
    FlaggedPage,
    MeOut,
    PurgeIn,
    PurgeOut,
    ReviewIn,
    ReviewOut,
    StatsOut,
)
from scorer.schema import Channel
from scorer.store import (
    DEFAULT_SORT,
    MAX_PAGE_SIZE,
    FlaggedQuery,
    FlaggedStore,
    InvalidQuery,
    parse_duration,
    parse_time,
)
from scorer.store import reviews as store_reviews
from scorer.store.conversations import (
    CONVERSATION_REASONS,
    DEFAULT_CONVERSATION_SORT,
    ConversationQuery,
)

UNAUTHORISED = "missing or invalid bearer token"


@dataclass
class Call:
    """What a guarded handler gets: the caller and the audit entry of this call."""

    principal: Principal
    audit: audit.AuditEntry


def make_guard(auth: Authenticator, limiter: RateLimiter) -> Callable[..., DependsParam]:
    """`guard(action)`: the dependency that admits a caller to `action` (see module doc)."""
    bearer = HTTPBearer(auto_error=False, description="A token from SCORER_API_TOKENS")

    def guard(action: str, *, audited: bool = True) -> DependsParam:
        def admit(request: Request, creds: Annotated[
                HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Call:
            peer = request.client.host if request.client else None
            entry = audit.AuditEntry(action=action, client=peer,
                                     filters=audit.filter_names(request.query_params.keys()))
            if audited:
                request.state.audit = entry
            principal = auth.identify(peer, request.headers,
                                      creds.credentials if creds is not None else None)
            if principal is None:
                raise HTTPException(401, UNAUTHORISED, headers={"WWW-Authenticate": "Bearer"})
            entry.actor, entry.role, entry.via = principal.name, principal.role, principal.via
            wait = limiter.take(principal.key)
            if wait:
                raise HTTPException(
                    429, f"too many requests from {principal.name!r}; retry in "
                         f"{RateLimiter.retry_after(wait)} s (SCORER_API_RATE requests/s, "
                         "bursts of SCORER_API_BURST)",
                    headers={"Retry-After": RateLimiter.retry_after(wait)})
            if not principal.may(action):
                raise HTTPException(
                    403, f"role {principal.role!r} may not {action}; that needs role "
                         f"{ACTION_ROLES[action]!r} or higher (ask an admin for such a token)")
            return Call(principal, entry)

        return Depends(admit)

    return guard


def _flagged_filters() -> Callable[..., FlaggedQuery]:
    Str = Annotated[str | None, Query(max_length=256, pattern=NO_NUL)]
    Time = Annotated[str | None, Query(
        max_length=64, pattern=NO_NUL,
        description="RFC 3339 timestamp or a duration back from now (1d, 12h, 30m, 2w)")]
    Score = Annotated[int | None, Query(ge=0, le=100)]

    def filters(
        channel: Annotated[Channel | None, Query()] = None,
        language: Annotated[Literal["nb", "nn", "sv", "da", "en"] | None, Query()] = None,
        band: Annotated[Literal["excellent", "good", "at_risk", "poor"] | None, Query()] = None,
        reason: Str = None, team: Str = None, agent_id: Str = None,
        since: Time = None, until: Time = None,
        min_score: Score = None, max_score: Score = None,
        reviewed: Annotated[bool | None, Query()] = None,
        sampled: Annotated[bool | None, Query(
            description="true: the random review sample (SCORER_SAMPLE_RATE), flagged or "
                        "not; false: flagged replies outside it; absent: flagged replies")
        ] = None,
        sort: Annotated[Literal["total", "-total", "event_at", "-event_at"], Query(
            description="total = worst first; -event_at = newest first")] = DEFAULT_SORT,
    ) -> FlaggedQuery:
        return FlaggedQuery(
            channel=channel.value if channel else None, language=language, band=band,
            reason=reason, team=team, agent_id=agent_id,
            since=parse_time(since) if since else None,
            until=parse_time(until) if until else None,
            min_score=min_score, max_score=max_score, reviewed=reviewed, sampled=sampled,
            sort=sort,
        )

    return filters


def _conversation_filters() -> Callable[..., ConversationQuery]:
    Time = Annotated[str | None, Query(
        max_length=64, pattern=NO_NUL,
        description="RFC 3339 timestamp or a duration back from now (1d, 12h, 30m, 2w)")]

    def filters(
        channel: Annotated[Channel | None, Query()] = None,
        language: Annotated[Literal["nb", "nn", "sv", "da", "en"] | None, Query()] = None,
        band: Annotated[Literal["excellent", "good", "at_risk", "poor"] | None, Query()] = None,
        reason: Annotated[str | None, Query(
            max_length=64, pattern=NO_NUL,
            description="One of " + ", ".join(CONVERSATION_REASONS))] = None,
        team: Annotated[str | None, Query(max_length=256, pattern=NO_NUL)] = None,
        since: Time = None, until: Time = None,
        answered: Annotated[bool | None, Query(
            description="false: a customer wrote and no agent answered")] = None,
        sort: Annotated[Literal["total", "-total", "closed_at", "-closed_at"], Query(
            description="total = worst first; -closed_at = newest first")
        ] = DEFAULT_CONVERSATION_SORT,
        cursor: Annotated[str | None, Query(max_length=2048, pattern=NO_NUL)] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    ) -> ConversationQuery:
        return ConversationQuery(
            channel=channel.value if channel else None, language=language, band=band,
            reason=reason, team=team, answered=answered,
            since=parse_time(since) if since else None,
            until=parse_time(until) if until else None,
            sort=sort, cursor=cursor, limit=limit,
        )

    return filters


def exact_time(text: str) -> datetime:
    """`?opened_at=` names one inquiry, so only a timestamp will do (no '1d')."""
    try:
        parse_duration(text)
    except InvalidQuery:
        return parse_time(text)
    raise InvalidQuery(f"opened_at {text!r} must be the RFC 3339 time of an inquiry "
                       "(see `inquiries` in the answer), not a duration")


def build_router(guard: Callable[..., DependsParam],
                 the_store: Callable[[], FlaggedStore]) -> APIRouter:
    """The /api routes over the store that `the_store` returns."""
    StoreDep = Annotated[FlaggedStore, Depends(the_store)]
    Filters = Annotated[FlaggedQuery, Depends(_flagged_filters())]
    Conversations = Annotated[ConversationQuery, Depends(_conversation_filters())]
    IdParam = Annotated[str, PathParam(min_length=1, max_length=256, pattern=NO_NUL)]
    Time = Annotated[str | None, Query(
        max_length=64, pattern=NO_NUL,
        description="RFC 3339 timestamp or a duration back from now (1d, 12h, 30m, 2w)")]
    Cursor = Annotated[str | None, Query(max_length=2048, pattern=NO_NUL)]
    Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]

    errors: dict[int | str, dict[str, Any]] = {
        code: {"model": ErrorOut} for code in (400, 401, 403, 429, 503)}
    api = APIRouter(prefix="/api", responses=errors)
    not_found: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut}}

    @api.get("/me", response_model=MeOut, summary="Who the caller is and what the role may do")
    def me(call: Annotated[Call, guard("me", audited=False)]) -> dict[str, Any]:
        p = call.principal
        return {"name": p.name, "role": p.role, "via": p.via,
                "rights": [a for a in ACTION_ROLES if a != "me" and p.may(a)]}

    @api.get("/flagged", response_model=FlaggedPage, summary="List flagged replies")
    def list_flagged(call: Annotated[Call, guard("list")], store: StoreDep, q: Filters,
                     cursor: Cursor = None, limit: Limit = 50) -> dict[str, Any]:
        q.cursor, q.limit = cursor, limit
        page = store.list_flagged(q)
        call.audit.target = f"replies={len(page.items)}"
        return {"items": page.items, "next_cursor": page.next_cursor}

    @api.get("/flagged.csv", summary="Export flagged replies as CSV (admin)",
             response_class=StreamingResponse,
             responses={200: {"content": {"text/csv": {}}}})
    def export_csv(call: Annotated[Call, guard("export")], store: StoreDep,
                   q: Filters) -> StreamingResponse:
        rows = min(store.count_flagged(q), CSV_MAX_ROWS)  # also fails before streaming
        call.audit.target = f"rows={rows}"
        return StreamingResponse(
            csv_rows(store.iter_flagged(q, max_rows=CSV_MAX_ROWS)), media_type="text/csv",
            headers={"content-disposition": 'attachment; filename="flagged.csv"'})

    @api.get("/flagged/{reply_id:path}", response_model=FlaggedItem, responses=not_found,
             summary="One flagged reply with its reviews")
    def get_flagged(call: Annotated[Call, guard("open")], store: StoreDep,
                    reply_id: IdParam) -> dict[str, Any]:
        call.audit.target = f"reply={reply_id}"
        return store.get(reply_id)

    @api.post("/flagged/{reply_id:path}/review", response_model=ReviewOut, status_code=201,
              responses={**not_found, 413: {"model": ErrorOut}},
              summary="Record a QA review under the caller's name (reviewer, admin)")
    def review(call: Annotated[Call, guard("review")], store: StoreDep, reply_id: IdParam,
               body: ReviewIn) -> dict[str, Any]:
        call.audit.target = f"reply={reply_id}"
        saved = store.add_review(reply_id, verdict=body.verdict, labels=dict(body.labels),
                                 comment=body.comment, reviewer=call.principal.name)
        call.audit.target += f" review={saved['id']} verdict={body.verdict}"
        return saved

    @api.get("/stats", response_model=StatsOut,
             summary="Counts per channel, band and reason, and the model's agreement with "
                     "QA reviewers, over a time window")
    def stats(call: Annotated[Call, guard("stats")], store: StoreDep, since: Time = None,
              until: Time = None) -> dict[str, Any]:
        now = datetime.now(UTC)
        start = parse_time(since, now=now) if since else now - timedelta(days=7)
        end = parse_time(until, now=now) if until else now
        return {**store.stats(start, end),
                "conversations": store.conversations.stats(start, end),
                "sample": store_reviews.sampled_count(store.engine, start, end),
                "agreement": store_reviews.agreement(store.engine, start, end)}

    @api.get("/conversations", response_model=ConversationPage,
             summary="List flagged conversations (inquiries)")
    def list_conversations(call: Annotated[Call, guard("list")], store: StoreDep,
                           q: Conversations) -> dict[str, Any]:
        page = store.conversations.list(q)
        call.audit.target = f"conversations={len(page.items)}"
        return {"items": page.items, "next_cursor": page.next_cursor}

    @api.get("/conversations/{conversation_id:path}", response_model=ConversationDetail,
             responses=not_found,
             summary="One flagged conversation with its thread (newest inquiry of the id)")
    def get_conversation(
        call: Annotated[Call, guard("open")], store: StoreDep,
        conversation_id: IdParam,
        opened_at: Annotated[str | None, Query(
            max_length=64, pattern=NO_NUL,
            description="RFC 3339 opening time of an older inquiry with the same id")] = None,
    ) -> dict[str, Any]:
        call.audit.target = f"conversation={conversation_id}"
        item = store.conversations.get(
            conversation_id, opened_at=exact_time(opened_at) if opened_at else None)
        call.audit.target += f" opened_at={item['opened_at']}"
        return item

    @api.post("/purge", response_model=PurgeOut, summary="Delete replies (with reviews) and "
              "conversations older than an age (admin)")
    def purge(call: Annotated[Call, guard("purge")], store: StoreDep,
              body: PurgeIn) -> dict[str, Any]:
        age = body.older_than.strip()
        call.audit.target = f"older_than={age}"
        replies, conversations = store.purge_counts(parse_duration(age))
        call.audit.target += f" replies={replies} conversations={conversations}"
        return {"older_than": age, "replies": replies, "conversations": conversations}

    return api
