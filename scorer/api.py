"""`scorer serve`: the QA API and web page over the flagged store.

Who may do what is decided per call (scorer.api_auth, scorer.api_routes): a token from
`SCORER_API_TOKENS` (`name:role:secret`) or a user named by a trusted SSO proxy, a role
(`reader`, `reviewer`, `admin`) and a rate budget. The only way to run without tokens is
`--dev` on a loopback address, answering loopback Host names only, so a misconfigured
production server fails closed instead of exposing redacted-but-still-sensitive
conversations, and a DNS-rebinding page cannot reach a developer's open server.

Every call by an identified caller is audited (scorer.audit) once its answer is known; if
the audit row cannot be written, a successful answer is replaced by 503, so nothing is
ever read unaudited.

The web page (scorer/web/) is static HTML/CSS/JS served by the same app: there is no
build step and nothing is fetched from the internet. A strict Content-Security-Policy
allows only same-origin scripts, so reply text can never run as code in a reviewer's
browser even if it contains markup; scorer.api_http puts it, and the other security
headers, on every answer, refusals included.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import sqlalchemy as sa
from fastapi import FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from scorer import audit
from scorer.api_auth import Authenticator, RateLimiter
from scorer.api_http import BodyLimit, HostCheck, SecurityHeaders
from scorer.api_routes import build_router, make_guard
from scorer.settings import Settings, SettingsError
from scorer.store import FlaggedStore, InvalidQuery, NotFound, StoreUnavailable
from scorer.store.conversations import ConversationNotFound
from scorer.store.reviews import ReviewCollector

log = logging.getLogger(__name__)

WEB_DIR = Path(__file__).resolve().parent / "web"
#: Largest request body accepted (a review is a verdict, three labels and a comment).
MAX_BODY_BYTES = 16 * 1024
_RETENTION_INTERVAL_S = 3600.0
#: Audit result of an answer's status code.
_RESULTS = {400: "invalid", 401: "unauthenticated", 403: "denied", 404: "not_found",
            422: "invalid", 429: "rate_limited", 503: "unavailable"}


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _result(status: int) -> str:
    return "ok" if status < 400 else _RESULTS.get(status, "error")


def create_app(settings: Settings, *, store: FlaggedStore | None = None,
               dev: bool = False) -> FastAPI:
    """Build the app. Pass `store` to share one (tests); otherwise it opens its own.

    Raises SettingsError (TokenError) for unusable tokens or proxy settings. With no
    tokens and no SSO proxy, the API is open only when `dev` is set (serve() allows that
    on loopback only); otherwise every call is refused.
    """
    auth = Authenticator(settings, dev=dev)
    limiter = RateLimiter(settings.api_rate, settings.api_burst)
    state: dict[str, FlaggedStore] = {}
    owns_store = store is None
    if store is not None:
        state["store"] = store

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if "store" not in state:
            state["store"] = FlaggedStore.from_settings(settings)
        task = asyncio.create_task(_retention_loop(state["store"]))
        try:
            yield
        finally:
            task.cancel()
            if owns_store:
                state.pop("store").close()

    app = FastAPI(
        title="reply-scorer QA API",
        version="1",
        description="Flagged low-score replies and conversations: list, inspect, review, "
                    "export. Every /api call needs `Authorization: Bearer <token>`; roles "
                    "reader (GET), reviewer (also reviews), admin (also CSV export, purge).",
        docs_url=None, redoc_url=None, openapi_url="/openapi.json", lifespan=lifespan,
    )

    def the_store() -> FlaggedStore:
        return state["store"]

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
    async def _audit(request: Request,
                     call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        try:
            response = await call_next(request)
        except Exception:
            entry = getattr(request.state, "audit", None)
            if entry is not None:
                entry.result = "error"
                await run_in_threadpool(audit.record_quietly, the_store().engine, entry)
            raise
        entry = getattr(request.state, "audit", None)
        if entry is None:
            return response
        entry.result = _result(response.status_code)
        try:
            await run_in_threadpool(audit.record, the_store().engine, entry)
        except Exception as exc:
            log.error("audit log not written (%s); answering 503", type(exc).__name__)
            if response.status_code < 400:  # fail closed: no unaudited read or write
                return JSONResponse({"detail": "audit log unavailable; nothing was served, "
                                               "try again shortly"}, status_code=503)
        return response

    app.include_router(build_router(make_guard(auth, limiter), the_store))

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    def readyz() -> JSONResponse:
        """Ready when the store answers a query: a pod whose database is unreachable is
        taken out of the Service instead of answering 503 to QA (liveness stays up)."""
        try:
            with the_store().engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
        except Exception as exc:  # any failure means "not ready", with its class only
            return JSONResponse({"status": "unready",
                                 "detail": f"flagged store unreachable ({type(exc).__name__})"},
                                status_code=503)
        return JSONResponse({"status": "ok"})

    # /metrics: unauthenticated and unaudited like the worker's (Prometheus scrapes it
    # with no token); it carries counts per dimension and verdict only, no reply data.
    registry = CollectorRegistry()
    registry.register(ReviewCollector(lambda: the_store().engine))

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(WEB_DIR / "index.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=WEB_DIR), name="static")
    # Added last = outermost: headers go on every answer, 400/413 refusals included.
    app.add_middleware(BodyLimit, limit=MAX_BODY_BYTES)
    app.add_middleware(HostCheck, dev=dev, allowed=settings.api_allowed_hosts)
    app.add_middleware(SecurityHeaders, dev=dev)
    return app


async def _retention_loop(store: FlaggedStore) -> None:
    """Apply SCORER_RETENTION_DAYS while the API runs (the service does the same)."""
    while True:
        await asyncio.to_thread(store.maybe_purge)
        await asyncio.sleep(_RETENTION_INTERVAL_S)


def serve(settings: Settings, *, host: str, port: int, dev: bool = False) -> int:
    """Run the API with uvicorn; refuses (exit 2) to run unauthenticated off localhost,
    with tokens it cannot trust (the message names the entry, never the secret), or when
    the store cannot be opened (unreachable, or not migrated: `scorer db upgrade`)."""
    try:
        auth = Authenticator(settings, dev=dev)
    except SettingsError as exc:
        print(f"refusing to start: {exc}", file=sys.stderr)
        return 2
    if not auth.tokens and not auth.user_header:
        if not dev:
            print("refusing to start: SCORER_API_TOKENS is empty. Set at least one "
                  "name:role:secret token (or SSO via SCORER_API_PROXY_USER_HEADER), or for "
                  "local development only pass --dev with --host 127.0.0.1.",
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
        return 2
    import uvicorn

    app = create_app(settings, store=store, dev=dev)
    try:
        # proxy_headers=False: the peer address must be the real TCP peer, because the
        # SSO proxy check (SCORER_API_TRUSTED_PROXIES) trusts headers by it.
        uvicorn.run(app, host=host, port=port, log_level=settings.log_level.lower(),
                    log_config=None,
                    server_header=False, proxy_headers=False)
    finally:
        store.close()
    return 0
