"""Logging in and out, and the interface language.

The login form is protected by a double-submit token (a random cookie repeated in the
form) since there is no session yet; a login is refused while the user name waits at the
caller's address after failures there, with a wait that doubles with each failure, or while
the address made too many failures (``accounts.check_attempts``). The user name is
normalised once (``accounts.normalise_username``), so that the lockout, the login and the
audit trail count the same name. Every login, failure and logout goes to the audit trail.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from watchkeeper.store.accounts import TooManyAttempts, normalise_username
from watchkeeper.web.auth import (
    LANG_COOKIE,
    LOGIN_COOKIE,
    SESSION_COOKIE,
    Principal,
    client_address,
    csrf_protect,
)
from watchkeeper.web.i18n import LOCALES, N_, gettext
from watchkeeper.web.pages import locale_of, render
from watchkeeper.web.workbench import Workbench, get_bench

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])
COOKIE_FLAGS = {"secure": True, "httponly": True, "samesite": "lax"}


def safe_next(target: str | None) -> str:
    """Only a path of this site: never another host (an open redirect)."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _login_page(
    request: Request, bench: Workbench, error: str | None = None, status: int = 200
) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(
        request,
        "login.html",
        status,
        login_token=token,
        error=error,
        next=safe_next(request.query_params.get("next")),
        no_accounts=bench.accounts.count() == 0,
    )
    response.set_cookie(LOGIN_COOKIE, token, max_age=3600, path="/", **COOKIE_FLAGS)  # type: ignore[arg-type]
    return response


@router.get("/login")
def login_page(request: Request, bench: Annotated[Workbench, Depends(get_bench)]) -> Response:
    who: Principal | None = getattr(request.state, "principal", None)
    if who is not None and who.user is not None:
        return RedirectResponse("/", status_code=303)
    return _login_page(request, bench)


@router.post("/login")
def login(
    request: Request,
    bench: Annotated[Workbench, Depends(get_bench)],
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    login_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    locale = locale_of(request)
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, login_token):
        return _login_page(request, bench, gettext(locale, N_("The form expired; try again.")), 403)
    address = client_address(request)
    accounts = bench.accounts
    username = normalise_username(username)
    try:
        accounts.check_attempts(username, address)
    except TooManyAttempts as refused:
        message = gettext(locale, N_("Too many failed logins; try again later."))
        page = _login_page(request, bench, message, 429)
        page.headers["Retry-After"] = str(refused.retry_after)
        return page
    user = accounts.authenticate(username, password)
    if user is None:
        known = accounts.find(username)
        accounts.audit(
            None,
            "login_failed",
            username[:64],
            "",
            address,
            organisation=known.organisation if known else "",
            username=username[:64],
        )
        message = gettext(locale, N_("Wrong user name or password."))
        return _login_page(request, bench, message, 401)
    secret, _csrf = accounts.create_session(user)
    accounts.audit(user, "login", user.username, "", address)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, secret, path="/", **COOKIE_FLAGS)  # type: ignore[arg-type]
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(request: Request, bench: Annotated[Workbench, Depends(get_bench)]) -> Response:
    who: Principal | None = getattr(request.state, "principal", None)
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        bench.accounts.end_session(secret)
    if who is not None and who.user is not None:
        bench.accounts.audit(who.user, "logout", who.user.username, "", client_address(request))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/language")
def language(
    request: Request,
    bench: Annotated[Workbench, Depends(get_bench)],
    lang: Annotated[str, Form(max_length=8)] = "en",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """Switch the interface language: kept in a cookie, and on the account when logged in."""
    code = lang if lang in LOCALES else "en"
    who: Principal | None = getattr(request.state, "principal", None)
    if who is not None and who.user is not None:
        bench.accounts.set_locale(who.user.id, code)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(LANG_COOKIE, code, max_age=365 * 86400, path="/", **COOKIE_FLAGS)  # type: ignore[arg-type]
    return response
