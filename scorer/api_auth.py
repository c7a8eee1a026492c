"""Who is calling the QA API, and what they may do: tokens, roles, SSO proxy, rate limit.

Identity (docs/DESIGN.md § Command line): `SCORER_API_TOKENS` entries are
`name:role:secret`; a bare secret still works as role `reviewer`, named `token-N` after its
position. The name is who the caller *is*: reviews are recorded under it and the audit
log shows it, whatever a request body claims.

Roles, each including the one before: `reader` (GET), `reviewer` (also
POST /api/flagged/{id}/review), `admin` (also bulk CSV export and purge). A missing right
is a 403 that names the role needed.

Secrets are compared without leaking which token matched or how long it is: both sides
are hashed with SHA-256 and the digest is compared with every configured digest
(hmac.compare_digest, no early exit). Secrets shorter than 32 characters stop the server
at start, naming the entry (its name or position), never the secret.

Single sign-on: behind an authenticating proxy such as oauth2-proxy, the proxy puts the
user in a header (SCORER_API_PROXY_USER_HEADER, e.g. X-Forwarded-Email) and optionally a
role or group list (SCORER_API_PROXY_ROLE_HEADER); both are believed only on connections
from SCORER_API_TRUSTED_PROXIES, because anyone else can send any header.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

from scorer.settings import Settings, SettingsError

Role = Literal["reader", "reviewer", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)
MIN_SECRET_CHARS = 32
#: The least role each action needs (ROLES is in increasing order of rights).
ACTION_ROLES: dict[str, Role] = {
    "me": "reader", "list": "reader", "open": "reader", "stats": "reader",
    "review": "reviewer", "export": "admin", "purge": "admin",
}
_NAME = re.compile(r"[\w.@+-]{1,64}")
_PROXY_USER = re.compile(r"[^\x00-\x1f\x7f]{1,128}")
_HEADER = re.compile(r"[A-Za-z0-9-]{1,64}")
_ORDINAL = {1: "st", 2: "nd", 3: "rd"}


class TokenError(SettingsError):
    """SCORER_API_TOKENS (or the proxy settings) cannot be used; names the entry."""


@dataclass(frozen=True)
class ApiToken:
    """One configured token: who it is, its role, and the SHA-256 of its secret."""

    name: str
    role: Role
    digest: bytes


@dataclass(frozen=True)
class Principal:
    """An identified caller. `via` is how: `token`, `proxy` (SSO) or `dev` (open access)."""

    name: str
    role: Role
    via: str

    def may(self, action: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(ACTION_ROLES[action])

    @property
    def key(self) -> str:
        """The rate-limit bucket: one per token name or SSO user."""
        return f"{self.via}:{self.name}"


def _which(position: int, name: str | None) -> str:
    suffix = "th" if 10 <= position % 100 <= 20 else _ORDINAL.get(position % 10, "th")
    where = f"{position}{suffix} entry"
    return f"{where} ({name!r})" if name else where


def parse_tokens(entries: Sequence[str]) -> list[ApiToken]:
    """SCORER_API_TOKENS entries → tokens; TokenError names a bad entry and the fix.

    An entry with a `:` is `name:role:secret` (the secret may itself contain `:`); one
    without is a bare secret, a reviewer named `token-N`.
    """
    tokens: list[ApiToken] = []
    names: set[str] = set()
    digests: dict[bytes, str] = {}
    for position, entry in enumerate(entries, start=1):
        if ":" in entry:
            name, _, rest = entry.partition(":")
            role, sep, secret = rest.partition(":")
            name, role = name.strip(), role.strip().lower()
            # Until the entry is known to be name:role:secret, its parts are not echoed:
            # a bare secret that happens to contain ':' would otherwise be printed.
            if not sep or not _NAME.fullmatch(name) or role not in ROLES:
                raise TokenError(
                    f"SCORER_API_TOKENS: the {_which(position, None)} is not name:role:secret "
                    f"with a role of {', '.join(ROLES)} (a name is letters, digits and "
                    ". @ + - _; a bare secret has no ':')")
        else:
            name, role, secret = f"token-{position}", "reviewer", entry
        which = _which(position, name)
        if len(secret) < MIN_SECRET_CHARS:
            raise TokenError(
                f"SCORER_API_TOKENS: the secret of the {which} is shorter than "
                f"{MIN_SECRET_CHARS} characters; generate one with `openssl rand -hex 24`")
        if name in names:
            raise TokenError(f"SCORER_API_TOKENS: the {which} repeats the name {name!r}; "
                             "give every token its own name (reviews are recorded under it)")
        digest = hashlib.sha256(secret.encode("utf-8")).digest()
        if digest in digests:
            raise TokenError(f"SCORER_API_TOKENS: the {which} has the same secret as the "
                             f"{digests[digest]}; give every token its own secret")
        names.add(name)
        digests[digest] = which
        tokens.append(ApiToken(name=name, role=role, digest=digest))  # type: ignore[arg-type]
    return tokens


def _networks(values: Sequence[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    out = []
    for value in values:
        try:
            out.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise TokenError(f"SCORER_API_TRUSTED_PROXIES: {value!r} is not an IP address or "
                             "network such as 10.0.0.5 or 10.0.0.0/24") from None
    return out


class Authenticator:
    """Turns a request's peer address, headers and bearer token into a Principal."""

    def __init__(self, settings: Settings, *, dev: bool = False) -> None:
        self.tokens = parse_tokens(settings.token_values())
        #: `--dev` without tokens: every caller is the local developer (loopback only).
        self.open_access = dev and not self.tokens
        self.user_header = settings.api_proxy_user_header
        self.role_header = settings.api_proxy_role_header
        self.default_role: Role = settings.api_proxy_default_role
        self.proxies = _networks(settings.api_trusted_proxies)
        for var, header in (("USER", self.user_header), ("ROLE", self.role_header)):
            if header is not None and not _HEADER.fullmatch(header):
                raise TokenError(f"SCORER_API_PROXY_{var}_HEADER: {header!r} is not a header "
                                 "name such as X-Forwarded-Email")
        if self.user_header and not self.proxies:
            raise TokenError("SCORER_API_PROXY_USER_HEADER is set but "
                             "SCORER_API_TRUSTED_PROXIES is empty; name the proxy's addresses, "
                             "or anyone could claim any user by sending the header")
        if self.role_header and not self.user_header:
            raise TokenError("SCORER_API_PROXY_ROLE_HEADER needs SCORER_API_PROXY_USER_HEADER")

    @property
    def configured(self) -> bool:
        """Whether anyone can get in at all (tokens, SSO, or open dev access)."""
        return bool(self.tokens or self.user_header or self.open_access)

    def identify(self, peer: str | None, headers: Mapping[str, str],
                 bearer: str | None) -> Principal | None:
        """The caller, or None (401). Header identity from a trusted proxy comes first."""
        if self.open_access:
            return Principal("dev", "admin", "dev")
        proxied = self._from_proxy(peer, headers)
        if proxied is not None:
            return proxied
        if not bearer:
            return None
        presented = hashlib.sha256(bearer.encode("utf-8", "surrogateescape")).digest()
        match: ApiToken | None = None
        for token in self.tokens:  # every digest is compared: timing tells nothing
            if hmac.compare_digest(presented, token.digest):
                match = token
        return None if match is None else Principal(match.name, match.role, "token")

    def _from_proxy(self, peer: str | None, headers: Mapping[str, str]) -> Principal | None:
        if not self.user_header or peer is None:
            return None
        user = (headers.get(self.user_header) or "").strip()
        if not user:
            return None
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return None
        if not any(address in net for net in self.proxies):
            return None  # a header anyone can send: ignored, the bearer token decides
        if not _PROXY_USER.fullmatch(user):
            return None
        role = self.default_role
        if self.role_header:
            named = re.split(r"[\s,;]+", (headers.get(self.role_header) or "").lower())
            granted = [r for r in ROLES if r in named]
            if granted:
                role = granted[-1]  # the highest role among the proxy's groups
        return Principal(user, role, "proxy")


class RateLimiter:
    """A token bucket per caller: `rate` requests a second on average, bursts of `burst`.

    Buckets live in memory per server process (a replica counts its own share). At most
    `max_keys` are kept; the least recently used goes first, and a dropped bucket only
    means that caller starts again with a full burst.
    """

    def __init__(self, rate: float, burst: int, *, max_keys: int = 10_000) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str, *, now: float | None = None) -> float:
        """Spend one request of `key`'s budget: 0.0 if allowed, else seconds to wait."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.pop(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            wait = 0.0
            if tokens >= 1.0:
                tokens -= 1.0
            else:
                wait = (1.0 - tokens) / self.rate
            self._buckets[key] = (tokens, now)
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
        return wait

    @staticmethod
    def retry_after(wait: float) -> str:
        """Whole seconds for a Retry-After header (at least 1)."""
        return str(max(1, math.ceil(wait)))
