"""HTTP hardening of the QA API as plain ASGI middleware: security headers, Host
allow-list, body size limit.

They are pure ASGI (not FastAPI middleware) and wrap the whole app, so that answers made
before the app runs (413 for a big body, 400 for a foreign Host) carry the same headers
as everything else: a refusal is a page too, and a browser must not frame or sniff it.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Headers on every answer. The CSP lets the page run only its own scripts, so reply text
#: can never run as code; frame-ancestors/X-Frame-Options stop click-jacking.
SECURITY_HEADERS: dict[str, str] = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "permissions-policy": (
        "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
        "microphone=(), payment=(), usb=(), interest-cohort=()"
    ),
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
}
#: Only when not --dev: production runs behind TLS (an Ingress); a loopback dev server
#: speaks plain HTTP and must not pin `localhost` to HTTPS in the developer's browser.
HSTS = "max-age=31536000; includeSubDomains"
#: Host names a --dev server answers to: loopback only, so a DNS-rebinding page (a
#: hostile name that resolves to 127.0.0.1) cannot reach the open development API.
DEV_HOSTS = ("localhost",)


async def _json(send: Send, status: int, detail: str,
                headers: Sequence[tuple[bytes, bytes]] = ()) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()), *headers]})
    await send({"type": "http.response.body", "body": body})


class SecurityHeaders:
    """Add SECURITY_HEADERS (and HSTS unless `dev`) to every answer; `no-store` on /api/."""

    def __init__(self, app: ASGIApp, *, dev: bool) -> None:
        self.app = app
        extra = {} if dev else {"strict-transport-security": HSTS}
        self.headers = [(k.encode(), v.encode()) for k, v in {**SECURITY_HEADERS,
                                                              **extra}.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        api = scope.get("path", "").startswith("/api/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if not (api and k.lower() == b"cache-control")]
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in self.headers if k not in present]
                if api:  # answers hold reply text: never kept by a browser or proxy
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def _host_name(value: str) -> str:
    """`Host` header → lower-case name without port (IPv6 brackets kept off)."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:].split("]", 1)[0]
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def _loopback(name: str) -> bool:
    if name in DEV_HOSTS:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


#: Paths answered whatever the Host header (see HostCheck).
_UNCHECKED = frozenset({"/healthz", "/readyz", "/metrics"})


class HostCheck:
    """Answer 400 to a Host header outside the allow-list (DNS-rebinding defence).

    `dev`: loopback names only. Otherwise `allowed` (SCORER_API_ALLOWED_HOSTS): exact names,
    `.example.com` for the name and its subdomains, `*` or empty for any. /healthz and
    /metrics are exempt, so probes and Prometheus, which address the pod by IP, keep
    working (neither answers anything a rebinding page could use: status, counts).
    """

    def __init__(self, app: ASGIApp, *, dev: bool, allowed: Sequence[str]) -> None:
        self.app = app
        self.dev = dev
        self.allowed = [a.strip().lower() for a in allowed if a.strip()]
        self.any = not dev and (not self.allowed or "*" in self.allowed)

    def allows(self, host: str) -> bool:
        name = _host_name(host)
        if not name:
            return False
        if self.dev:
            return _loopback(name)
        return any(name == a or (a.startswith(".") and (name == a[1:] or name.endswith(a)))
                   for a in self.allowed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.any or scope.get("path") in _UNCHECKED:
            await self.app(scope, receive, send)
            return
        host = next((v.decode("latin-1") for k, v in scope.get("headers", [])
                     if k == b"host"), "")
        if self.allows(host):
            await self.app(scope, receive, send)
            return
        fix = ("open the page as http://127.0.0.1:PORT or http://localhost:PORT" if self.dev
               else "add it to SCORER_API_ALLOWED_HOSTS if this server should answer it")
        await _json(send, 400, f"Host header {host[:100]!r} is not allowed here; {fix}")


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
                await _json(send, 413, f"request body over {self.limit} bytes")
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
                await _json(send, 413, f"request body over {self.limit} bytes")
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
