"""Who is calling, and what they may do: sessions, API tokens, CSRF, roles.

``Guard`` is an ASGI middleware in front of every route, the screening API's included.
It resolves the caller once per request — a session cookie, ``Authorization: Bearer
<token>`` (a user's API token) or ``Authorization: ApiKey <key>`` (``WATCHKEEPER_API_KEYS``,
an organisation without a user) — into a ``Principal`` kept on ``request.state``.

Once the workspace has an account, nothing but the login page, the static files and
``/healthz`` answers a caller who is not logged in: pages redirect to ``/login``, and
everything else is a 401. A workspace without accounts keeps the screening API's local
mode (it answers as the workspace's organisation) and shows the login page, which says
how to create the first account.

Requests that change something, made with a session cookie, must carry the session's CSRF
token: forms in a ``csrf_token`` field (checked by ``csrf_protect``, a dependency of every
workbench router), scripts in an ``X-CSRF-Token`` header (checked here). The cookie is
``Secure``, ``HttpOnly`` and ``SameSite=Lax``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Awaitable, Callable, Coroutine, MutableMapping
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from starlette.datastructures import FormData

from watchkeeper.errors import NotFound, WatchkeeperError
from watchkeeper.model.marking import Viewer
from watchkeeper.store.accounts import Accounts, Forbidden, User

SESSION_COOKIE = "wk_session"
LOGIN_COOKIE = "wk_login"
LANG_COOKIE = "wk_lang"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
OPEN_PREFIXES = ("/login", "/static/", "/healthz", "/language")
# TAXII 2.1 (routers/taxii.py): its clients speak HTTP Basic, and a refusal is a TAXII
# error with a challenge, never a redirect.
TAXII_PREFIX = "/taxii2"
TAXII_CHALLENGE = b'Basic realm="watchkeeper-taxii", Bearer realm="watchkeeper-taxii"'
TAXII_TYPE = b"application/taxii+json;version=2.1"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# Routes outside the workbench's routers that change something, and the role they need.
WRITE_ROUTES = {
    "/decisions": "analyst",
    "/alerts/acknowledge": "analyst",
    "/resolve/decide": "analyst",
    "/resolve/xref": "analyst",
    "/assess/item": "analyst",
    "/goods/decide": "analyst",
}
ACCOUNTS_RECHECK = 5.0
# How long a resolved caller (session, token or API key -> user -> organisation) is
# reused in this process: the longest a change made by another process (the CLI, the
# other workers) takes to apply here — a revoked token, a disabled user, a new role or an
# organisation's new country. Changes made through this process apply at once (see
# ``Store.accounts_generation``).
PRINCIPAL_TTL = 2.0
PRINCIPAL_CACHE_MAX = 10_000

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class Unauthenticated(WatchkeeperError):
    status = 401


class CsrfError(WatchkeeperError):
    status = 403


@dataclass(frozen=True)
class Principal:
    """The caller: a user (session or token), an organisation (API key), or the
    workspace itself (a workspace without accounts, screening API only)."""

    viewer: Viewer
    user: User | None
    via: str
    csrf: str | None = None

    @property
    def role(self) -> str:
        return self.user.role if self.user else "viewer"

    @property
    def name(self) -> str:
        return self.user.username if self.user else f"apikey:{self.viewer.organisation}"


class PrincipalCache:
    """Resolved callers of this process, by a digest of their credential (the secret
    itself is not kept), for ``PRINCIPAL_TTL`` seconds and while no account changed
    through this process."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self._found: dict[tuple[str, str], tuple[float, int, Principal]] = {}

    def get(
        self, kind: str, credential: str, resolve: Callable[[], Principal | None]
    ) -> Principal | None:
        key = (kind, hashlib.sha256(credential.encode()).hexdigest())
        generation = self.store.accounts_generation
        now = time.monotonic()
        found = self._found.get(key)
        if found is not None and found[1] == generation and now - found[0] < PRINCIPAL_TTL:
            return found[2]
        principal = resolve()
        if principal is None:
            self._found.pop(key, None)  # refusals are not kept: a new login works at once
            return None
        if len(self._found) >= PRINCIPAL_CACHE_MAX:
            self._found.clear()
        self._found[key] = (now, generation, principal)
        return principal


class Gate:
    """Whether accounts are required yet: once the store has one, for good."""

    def __init__(self, accounts: Accounts) -> None:
        self.accounts = accounts
        self._required = False
        self._checked = 0.0

    @property
    def required(self) -> bool:
        if not self._required and time.monotonic() - self._checked > ACCOUNTS_RECHECK:
            self._checked = time.monotonic()
            self._required = self.accounts.count() > 0
        return self._required


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


def _cookies(headers: dict[str, str]) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(headers.get("cookie", ""))
    except Exception:  # a malformed Cookie header is no cookie
        return {}
    return {k: m.value for k, m in jar.items()}


def wants_html(headers: dict[str, str], method: str) -> bool:
    return method == "GET" and "text/html" in headers.get("accept", "")


class Guard:
    """Resolve the caller; refuse what it may not reach (see the module's docstring)."""

    def __init__(
        self,
        app: ASGIApp,
        accounts: Accounts,
        api_keys: dict[str, str],
        open_viewer: Viewer,
    ) -> None:
        self.app = app
        self.accounts = accounts
        self.gate = Gate(accounts)
        self.api_keys = api_keys
        self.open_viewer = open_viewer
        self.cache = PrincipalCache(accounts.store)

    def principal(self, headers: dict[str, str], taxii: bool = False) -> Principal | None:
        cookie = _cookies(headers).get(SESSION_COOKIE)
        if cookie:
            found = self.cache.get("session", cookie, lambda: self._session(cookie))
            if found is not None:
                return found
        scheme, _, credential = headers.get("authorization", "").partition(" ")
        credential = credential.strip()
        if taxii and scheme.lower() == "basic":
            # any user name; the password is an API key or a user's API token. Only on
            # TAXII's read-only paths: a browser resends cached Basic credentials on any
            # cross-site request, which the workbench's forms must not accept.
            credential = _basic_password(credential)
            scheme = "apikey" if credential in self.api_keys else "bearer"
        if scheme.lower() == "bearer" and credential:
            found = self.cache.get("token", credential, lambda: self._token(credential))
            if found is not None:
                return found
        if scheme.lower() == "apikey" and credential in self.api_keys:
            name = self.api_keys[credential]
            return self.cache.get("apikey", credential, lambda: self._api_key(name))
        return None

    def _session(self, cookie: str) -> Principal | None:
        found = self.accounts.session(cookie)
        if found is None:
            return None
        user, csrf = found
        return Principal(user.viewer, user, "session", csrf)

    def _token(self, credential: str) -> Principal | None:
        holder = self.accounts.token_user(credential)
        return Principal(holder.viewer, holder, "token") if holder is not None else None

    def _api_key(self, name: str) -> Principal:
        return Principal(self.accounts.store.organisation(name), None, "apikey")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        method: str = scope["method"]
        headers = _headers(scope)
        taxii = path == TAXII_PREFIX or path.startswith(TAXII_PREFIX + "/")
        try:
            principal = self.principal(headers, taxii)
        except NotFound as exc:  # an API key whose organisation is not registered
            detail = f"this API key cannot be used: {exc.detail}"
            if taxii:
                await _taxii_refusal(send, 403, "Forbidden", detail)
                return
            await _respond(send, 403, detail, None, headers)
            return
        if taxii:
            if principal is None:  # no local mode: TAXII always names its caller
                await _taxii_refusal(send, 401, "Unauthorized", "credentials required")
                return
            scope.setdefault("state", {})["principal"] = principal
            await self.app(scope, receive, send)
            return
        if principal is None and not self.gate.required:
            principal = Principal(self.open_viewer, None, "open")
        state = scope.setdefault("state", {})
        state["principal"] = principal
        if path.startswith(OPEN_PREFIXES):
            await self.app(scope, receive, send)
            return
        refusal = self._refusal(principal, path, method, headers)
        if refusal is None:
            await self.app(scope, receive, send)
            return
        status, detail, location = refusal
        await _respond(send, status, detail, location, headers)

    def _refusal(
        self, principal: Principal | None, path: str, method: str, headers: dict[str, str]
    ) -> tuple[int, str, str | None] | None:
        if principal is None or (principal.via == "open" and not _api_path(path)):
            if wants_html(headers, method):
                return 303, "login required", "/login?next=" + quote(path, safe="/")
            return 401, "login required: a session, or Authorization: Bearer <token>", None
        if method in UNSAFE:
            if principal.via == "session":
                content_type = headers.get("content-type", "")
                if not content_type.startswith(FORM_TYPES) and not _same(
                    headers.get(CSRF_HEADER), principal.csrf
                ):
                    return 403, "missing or wrong CSRF token", None
            needed = WRITE_ROUTES.get(path)
            # users need the role; an API key (WATCHKEEPER_API_KEYS) acts as its organisation
            if needed and principal.user is not None and not principal.user.can(needed):
                return 403, f"this needs the {needed} role", None
        return None


def _api_path(path: str) -> bool:
    """The screening API's own routes, which keep their local mode without accounts."""
    return path not in WORKBENCH_PATHS and not path.startswith(WORKBENCH_PREFIXES)


# The workbench's pages, fragments and JSON API (never open without a login). Exact paths
# and prefixes ending in "/": the screening API's /search/{dataset} and /entities/{id}
# are not the workbench's /search and /entity/{id}.
WORKBENCH_PATHS = frozenset(
    {
        "/",
        "/search",
        "/suggest",
        "/timeline",
        "/map",
        "/screening",
        "/alerts",
        "/sources",
        "/entry",
        "/account",
        "/logout",
        "/resolve",
        "/assess",
        "/estimates",
        "/reports",
        "/goods",
        "/sharing",
    }
)
# The API's description (/openapi.json, /docs, /redoc) goes with the screening API: open
# where the API is (no accounts), behind a login once there are accounts.
WORKBENCH_PREFIXES = (
    "/alerts/",
    "/api/",
    "/entity/",
    "/entry/",
    "/admin/",
    "/account/",
    "/screening/",
    "/network/",
    "/resolve/",
    "/dossier/",
    "/assess/",
    "/reports/",
    "/goods/",
    "/sharing/",
)


def _basic_password(credential: str) -> str:
    """The password of an HTTP Basic credential ("" when it is not one)."""
    try:
        decoded = base64.b64decode(credential, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return ""
    return decoded.partition(":")[2]


async def _taxii_refusal(send: Send, status: int, title: str, detail: str) -> None:
    """A TAXII error object; a 401 carries the challenge (Basic, Bearer)."""
    import json

    body = json.dumps({"title": title, "http_status": str(status), "description": detail})
    out = [(b"content-type", TAXII_TYPE), (b"cache-control", b"no-store")]
    if status == 401:
        out.append((b"www-authenticate", TAXII_CHALLENGE))
    out.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": out})
    await send({"type": "http.response.body", "body": body.encode()})


def _same(given: str | None, expected: str | None) -> bool:
    return bool(given and expected and hmac.compare_digest(given, expected))


async def _respond(
    send: Send, status: int, detail: str, location: str | None, headers: dict[str, str]
) -> None:
    import json

    out = [(b"content-type", b"application/json"), (b"cache-control", b"no-store")]
    if location:
        out.append((b"location", location.encode()))
        if headers.get("hx-request"):
            out.append((b"hx-redirect", b"/login"))
    body = json.dumps({"detail": detail}).encode()
    out.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": out})
    await send({"type": "http.response.body", "body": body})


# -- dependencies for the workbench's routes ------------------------------------------------
# They only read what ``Guard`` resolved, so they are coroutines: FastAPI runs a plain
# function dependency in its thread pool, one hand-off per dependency per request (about
# a fifth of a cached page's CPU time, measured with py-spy under wrk).


async def principal(request: Request) -> Principal:
    found: Principal | None = getattr(request.state, "principal", None)
    if found is None or found.via == "open":
        raise Unauthenticated("login required")
    return found


async def current_user(who: Annotated[Principal, Depends(principal)]) -> User:
    if who.user is None:
        raise Forbidden("this needs a user's login or API token, not an API key")
    return who.user


def require(role: str) -> Callable[[User], Coroutine[Any, Any, User]]:
    async def check(user: Annotated[User, Depends(current_user)]) -> User:
        if not user.can(role):
            raise Forbidden(f"this needs the {role} role")
        return user

    return check


async def csrf_protect(request: Request) -> None:
    """Forms posted with a session cookie carry the session's CSRF token."""
    if request.method not in UNSAFE:
        return
    who: Principal | None = getattr(request.state, "principal", None)
    if who is None or who.via != "session":
        return
    if _same(request.headers.get(CSRF_HEADER), who.csrf):
        return
    if request.headers.get("content-type", "").startswith(FORM_TYPES):
        form: FormData = await request.form()
        token = form.get(CSRF_FIELD)
        if isinstance(token, str) and _same(token, who.csrf):
            return
    raise CsrfError("missing or wrong CSRF token")


def client_address(request: Request) -> str:
    """The address that is rate-limited and audited: the connection's, or the one a proxy
    named in ``WATCHKEEPER_TRUSTED_PROXIES`` forwarded (``app.create_app``); never what
    any other client says in ``X-Forwarded-For``."""
    return request.client.host if request.client else ""
