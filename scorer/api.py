"""`scorer serve`: the QA API and web page over the flagged store.

Every `/api/*` call needs `Authorization: Bearer <token>` with a token from
`SCORER_API_TOKENS` (compared in constant time). The only way to run without tokens is
`--dev` on a loopback address, so a misconfigured production server fails closed instead
of exposing redacted-but-still-sensitive conversations.

The web page (scorer/web/) is static HTML/CSS/JS served by the same app: there is no
build step and nothing is fetched from the internet. A strict Content-Security-Policy
allows only same-origin scripts, so reply text can never run as code in a reviewer's
browser even if it contains markup.

FastAPI resolves parameter annotations at run time, so this module deliberately does not
use `from __future__ import annotations` (the Annotated aliases are local to create_app).
"""

import asyncio
import contextlib
import csv
import hmac
import io
import ipaddress
import logging
import re
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, MutableMapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles

from scorer.api_models import (
    NO_NUL,
    ConversationDetail,
    ConversationPage,
    ErrorOut,
    FlaggedItem,
    FlaggedPage,
    ReviewIn,
    ReviewOut,
    StatsOut,
)
from scorer.schema import DIMENSIONS, Channel
from scorer.settings import Settings
from scorer.store import (
    DEFAULT_SORT,
    MAX_PAGE_SIZE,
    FlaggedQuery,
    FlaggedStore,
    InvalidQuery,
    NotFound,
    StoreUnavailable,
    parse_time,
)
from scorer.store_conversations import (
    CONVERSATION_REASONS,
    DEFAULT_CONVERSATION_SORT,
    ConversationNotFound,
    ConversationQuery,
)

log = logging.getLogger(__name__)

WEB_DIR = Path(__file__).resolve().parent / "web"
#: Largest request body accepted (a review is a verdict, three labels and a comment).
MAX_BODY_BYTES = 16 * 1024
CSV_MAX_ROWS = 100_000
_RETENTION_INTERVAL_S = 3600.0

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# --- middleware ------------------------------------------------------------------------------


class BodyLimit:
    """Refuse request bodies over `limit` bytes with 413 before the app reads them."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length" and (not value.isdigit() or int(value) > self.limit):
                await _too_large(self.limit)(scope, receive, send)
                return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            size += len(body)
            if size > self.limit:
                await _too_large(self.limit)(scope, receive, send)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _too_large(limit: int) -> JSONResponse:
    return JSONResponse({"detail": f"request body over {limit} bytes"}, status_code=413)


_SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


# --- the app ---------------------------------------------------------------------------------


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def create_app(settings: Settings, *, store: FlaggedStore | None = None,
               dev: bool = False) -> FastAPI:
    """Build the app. Pass `store` to share one (tests); otherwise it opens its own.

    With no tokens configured, the API is open only when `dev` is set (serve() allows that
    on loopback only); otherwise every call is refused.
    """
    tokens = [t.encode() for t in settings.token_values()]
    open_access = dev and not tokens
    state: dict[str, FlaggedStore] = {}
    owns_store = store is None
    if store is not None:
        state["store"] = store

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if "store" not in state:
            state["store"] = FlaggedStore.from_settings(settings)
        task = None
        if settings.retention_days:
            task = asyncio.create_task(_retention_loop(state["store"]))
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
            if owns_store:
                state.pop("store").close()

    app = FastAPI(
        title="reply-scorer QA API",
        version="1",
        description="Flagged low-score replies and conversations: list, inspect, review, "
                    "export. "
                    "Every /api call needs `Authorization: Bearer <token>`.",
        docs_url=None, redoc_url=None, openapi_url="/openapi.json", lifespan=lifespan,
    )

    bearer = HTTPBearer(auto_error=False, description="A token from SCORER_API_TOKENS")

    def require_token(
        creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> None:
        if open_access:
            return
        presented = creds.credentials.encode() if creds is not None else b""
        ok = False
        for token in tokens:  # no early exit: timing does not reveal which token matched
            ok |= hmac.compare_digest(presented, token)
        if not ok or creds is None:
            raise HTTPException(401, "missing or invalid bearer token",
                                headers={"WWW-Authenticate": "Bearer"})

    def the_store() -> FlaggedStore:
        return state["store"]

    StoreDep = Annotated[FlaggedStore, Depends(the_store)]
    errors: dict[int | str, dict[str, Any]] = {
        400: {"model": ErrorOut}, 401: {"model": ErrorOut}, 503: {"model": ErrorOut}}

    @app.exception_handler(InvalidQuery)
    async def _bad_query(_req: Request, exc: InvalidQuery) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=400)

    @app.exception_handler(NotFound)
    async def _not_found(_req: Request, exc: NotFound) -> JSONResponse:
        what = ("conversation with that id (and opened_at)"
                if isinstance(exc, ConversationNotFound) else "reply with that id")
        return JSONResponse({"detail": f"no flagged {what}"}, status_code=404)

    @app.exception_handler(StoreUnavailable)
    async def _unavailable(_req: Request, exc: StoreUnavailable) -> JSONResponse:
        log.warning("store unavailable: %s", exc)
        return JSONResponse({"detail": "flagged store unavailable; try again shortly"},
                            status_code=503)

    @app.middleware("http")
    async def _headers(request: Request, call_next: Callable[..., Any]) -> Any:
        response = await call_next(request)
        for key, value in _SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        if request.url.path.startswith("/api/"):
            response.headers["cache-control"] = "no-store"
        return response

    api = APIRouter(prefix="/api", dependencies=[Depends(require_token)], responses=errors)

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
        sort: Annotated[Literal["total", "-total", "event_at", "-event_at"], Query(
            description="total = worst first; -event_at = newest first")] = DEFAULT_SORT,
    ) -> FlaggedQuery:
        return FlaggedQuery(
            channel=channel.value if channel else None, language=language, band=band,
            reason=reason, team=team, agent_id=agent_id,
            since=parse_time(since) if since else None,
            until=parse_time(until) if until else None,
            min_score=min_score, max_score=max_score, reviewed=reviewed, sort=sort,
        )

    Filters = Annotated[FlaggedQuery, Depends(filters)]

    @api.get("/flagged", response_model=FlaggedPage, summary="List flagged replies")
    def list_flagged(
        store: StoreDep, q: Filters,
        cursor: Annotated[str | None, Query(max_length=2048, pattern=NO_NUL)] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    ) -> dict[str, Any]:
        q.cursor, q.limit = cursor, limit
        page = store.list_flagged(q)
        return {"items": page.items, "next_cursor": page.next_cursor}

    @api.get("/flagged.csv", summary="Export flagged replies as CSV",
             response_class=StreamingResponse,
             responses={200: {"content": {"text/csv": {}}}})
    def export_csv(store: StoreDep, q: Filters) -> StreamingResponse:
        store.list_flagged(FlaggedQuery(**{**q.__dict__, "limit": 1}))  # fail before streaming
        return StreamingResponse(
            _csv_rows(store.iter_flagged(q, max_rows=CSV_MAX_ROWS)), media_type="text/csv",
            headers={"content-disposition": 'attachment; filename="flagged.csv"'})

    IdParam = Annotated[str, PathParam(min_length=1, max_length=256, pattern=NO_NUL)]

    @api.get("/flagged/{reply_id:path}", response_model=FlaggedItem,
             responses={404: {"model": ErrorOut}}, summary="One flagged reply with its reviews")
    def get_flagged(store: StoreDep, reply_id: IdParam) -> dict[str, Any]:
        return store.get(reply_id)

    @api.post("/flagged/{reply_id:path}/review", response_model=ReviewOut, status_code=201,
              responses={404: {"model": ErrorOut}, 413: {"model": ErrorOut}},
              summary="Record a QA review (agree/disagree, corrected labels, comment)")
    def review(store: StoreDep, reply_id: IdParam, body: ReviewIn) -> dict[str, Any]:
        return store.add_review(reply_id, verdict=body.verdict, labels=dict(body.labels),
                                comment=body.comment, reviewer=body.reviewer)

    @api.get("/stats", response_model=StatsOut,
             summary="Counts per channel, band and reason over a time window")
    def stats(store: StoreDep, since: Time = None, until: Time = None) -> dict[str, Any]:
        now = datetime.now(UTC)
        start = parse_time(since, now=now) if since else now - timedelta(days=7)
        end = parse_time(until, now=now) if until else now
        return {**store.stats(start, end),
                "conversations": store.conversations.stats(start, end)}

    def conversation_filters(
        channel: Annotated[Channel | None, Query()] = None,
        language: Annotated[Literal["nb", "nn", "sv", "da", "en"] | None, Query()] = None,
        band: Annotated[Literal["excellent", "good", "at_risk", "poor"] | None, Query()] = None,
        reason: Annotated[str | None, Query(
            max_length=64, pattern=NO_NUL,
            description="One of " + ", ".join(CONVERSATION_REASONS))] = None,
        team: Str = None, since: Time = None, until: Time = None,
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

    @api.get("/conversations", response_model=ConversationPage,
             summary="List flagged conversations (inquiries)")
    def list_conversations(
        store: StoreDep, q: Annotated[ConversationQuery, Depends(conversation_filters)],
    ) -> dict[str, Any]:
        page = store.conversations.list(q)
        return {"items": page.items, "next_cursor": page.next_cursor}

    @api.get("/conversations/{conversation_id:path}", response_model=ConversationDetail,
             responses={404: {"model": ErrorOut}},
             summary="One flagged conversation with its thread (newest inquiry of the id)")
    def get_conversation(
        store: StoreDep,
        conversation_id: Annotated[str, PathParam(min_length=1, max_length=256,
                                                  pattern=NO_NUL)],
        opened_at: Annotated[str | None, Query(
            max_length=64, pattern=NO_NUL,
            description="RFC 3339 opening time of an older inquiry with the same id")] = None,
    ) -> dict[str, Any]:
        return store.conversations.get(
            conversation_id, opened_at=_exact_time(opened_at) if opened_at else None)

    app.include_router(api)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(WEB_DIR / "index.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=WEB_DIR), name="static")
    app.add_middleware(BodyLimit, limit=MAX_BODY_BYTES)
    return app


def _exact_time(text: str) -> datetime:
    """`?opened_at=` names one inquiry, so only a timestamp will do (no '1d')."""
    if re.fullmatch(r"\s*\d{1,6}\s*[smhdw]\s*", text):
        raise InvalidQuery(f"opened_at {text!r} must be the RFC 3339 time of an inquiry "
                           "(see `inquiries` in the answer), not a duration")
    return parse_time(text)


async def _retention_loop(store: FlaggedStore) -> None:
    """Apply SCORER_RETENTION_DAYS while the API runs (the service does the same)."""
    while True:
        await asyncio.to_thread(store.maybe_purge)
        await asyncio.sleep(_RETENTION_INTERVAL_S)


_CSV_COLUMNS = ("id", "event_at", "sent_at", "channel", "language", "total", "band", "reasons",
                *DIMENSIONS, "length", "team", "agent_id", "conversation_id", "model_version",
                "reviews", "last_verdict", "text")


def _csv_cell(value: Any) -> Any:
    """Neutralise spreadsheet formulas: a cell starting with = + - @ is prefixed with '."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _csv_rows(items: Iterator[dict[str, Any]]) -> Iterator[str]:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(_CSV_COLUMNS)
    yield buf.getvalue()
    buf.seek(0)
    buf.truncate()
    for item in items:
        reviews = item.get("reviews") or []
        row = [item["id"], item["event_at"], item.get("sent_at"), item["channel"],
               item["language"], item["total"], item["band"], ";".join(item["reasons"]),
               *(item["dimensions"].get(d) for d in (*DIMENSIONS, "length")),
               item.get("team"), item.get("agent_id"), item.get("conversation_id"),
               item["model_version"], len(reviews),
               reviews[-1]["verdict"] if reviews else "", item["text"]]
        writer.writerow([_csv_cell(v) for v in row])
        yield buf.getvalue()
        buf.seek(0)
        buf.truncate()


def serve(settings: Settings, *, host: str, port: int, dev: bool = False) -> int:
    """Run the API with uvicorn; refuses (exit 2) to run unauthenticated off localhost."""
    if not settings.token_values():
        if not dev:
            print("refusing to start: SCORER_API_TOKENS is empty. Set at least one bearer "
                  "token, or for local development only pass --dev with --host 127.0.0.1.",
                  file=sys.stderr)
            return 2
        if not _is_loopback(host):
            print(f"refusing to start: --dev without SCORER_API_TOKENS is only allowed on a "
                  f"loopback address, not {host!r}; use --host 127.0.0.1 or set tokens.",
                  file=sys.stderr)
            return 2
        log.warning("development mode: the QA API is open to anyone on this machine")
    try:
        store = FlaggedStore.from_settings(settings)
    except StoreUnavailable as exc:
        print(f"cannot open the flagged store: {exc}", file=sys.stderr)
        return 1
    import uvicorn

    app = create_app(settings, store=store, dev=dev)
    try:
        uvicorn.run(app, host=host, port=port, log_level=settings.log_level.lower(),
                    server_header=False)
    finally:
        store.close()
    return 0
