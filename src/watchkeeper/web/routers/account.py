"""The user's own account: API tokens and password.

Changing the password proves the current one first; that proof is limited and audited
as a login is (``accounts.check_attempts``): a stolen session cannot guess it freely.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from watchkeeper.errors import InputError
from watchkeeper.web.auth import client_address, csrf_protect
from watchkeeper.web.i18n import N_
from watchkeeper.web.pages import nav, render
from watchkeeper.web.workbench import Ctx, ctx

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])
nav("/account", N_("Account"), order=90)


@router.get("/account", response_class=HTMLResponse)
def account_page(c: Annotated[Ctx, Depends(ctx)], new_token: str | None = None) -> HTMLResponse:
    tokens = c.bench.accounts.tokens(c.user.username)
    return render(c.request, "account.html", tokens=tokens, new_token=None)


@router.post("/account/tokens", response_class=HTMLResponse)
def create_token(
    c: Annotated[Ctx, Depends(ctx)], name: Annotated[str, Form(min_length=1, max_length=255)]
) -> HTMLResponse:
    token = c.bench.accounts.create_token(c.user.username, name)
    c.audit("token_created", c.user.username, name)
    tokens = c.bench.accounts.tokens(c.user.username)
    return render(c.request, "account.html", tokens=tokens, new_token=token)


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(
    c: Annotated[Ctx, Depends(ctx)], token_id: Annotated[str, Path(max_length=32)]
) -> Response:
    c.bench.accounts.revoke_token(c.user.username, token_id)
    c.audit("token_revoked", c.user.username, token_id)
    return RedirectResponse("/account", status_code=303)


@router.post("/account/password")
def change_password(
    c: Annotated[Ctx, Depends(ctx)],
    current: Annotated[str, Form(max_length=1024)],
    new: Annotated[str, Form(max_length=1024)],
) -> Response:
    accounts = c.bench.accounts
    accounts.check_attempts(c.user.username, client_address(c.request))
    if accounts.authenticate(c.user.username, current) is None:
        c.audit("password_failed", c.user.username, "the current password was wrong")
        raise InputError("password", "the current password is wrong")
    c.bench.accounts.set_password(c.user.username, new)
    c.audit("password_set", c.user.username)
    return RedirectResponse("/login", status_code=303)
