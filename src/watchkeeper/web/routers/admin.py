"""Administration: the accounts of the admin's own organisation, and its audit trail.

An admin manages accounts; it sees no more of the knowledge base than any other user of
its organisation, and cannot create or change accounts of another organisation. A user of
another organisation is answered as a user that does not exist (the same 404, the same
words), and a user name taken anywhere as "not available": an admin learns nothing of
another organisation's accounts but that a name it tried to add is taken.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from watchkeeper.errors import NotFound
from watchkeeper.store.accounts import ROLES, Forbidden, User, normalise_username
from watchkeeper.web.auth import csrf_protect, require
from watchkeeper.web.i18n import N_
from watchkeeper.web.pages import nav, render
from watchkeeper.web.workbench import Ctx, ctx

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])
nav("/admin/users", N_("Accounts"), role="admin", order=95)
nav("/admin/audit", N_("Audit trail"), role="admin", order=96)

Admin = Annotated[User, Depends(require("admin"))]
Username = Annotated[str, Path(max_length=64)]


def same_organisation(c: Ctx, username: str) -> User:
    user = c.bench.accounts.find(username)
    if user is None or user.organisation != c.user.organisation:
        name = normalise_username(username)
        raise NotFound(f"no user {name!r} in the organisation {c.user.organisation!r}")
    return user


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(c: Annotated[Ctx, Depends(ctx)], _admin: Admin) -> HTMLResponse:
    users = c.bench.accounts.users(c.user.organisation)
    return render(c.request, "admin_users.html", users=users, roles=ROLES)


@router.post("/admin/users")
def add_user(
    c: Annotated[Ctx, Depends(ctx)],
    _admin: Admin,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    role: Annotated[str, Form(max_length=16)] = "viewer",
) -> Response:
    user = c.bench.accounts.add_user(username, c.user.organisation, role, password, c.user.username)
    c.audit("user_added", user.username, f"role {role}")
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{username}/role")
def set_role(
    c: Annotated[Ctx, Depends(ctx)],
    _admin: Admin,
    username: Username,
    role: Annotated[str, Form(max_length=16)],
) -> Response:
    user = same_organisation(c, username)
    c.bench.accounts.set_role(user.username, role)
    c.audit("role_changed", user.username, f"{user.role} -> {role}")
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{username}/disable")
def disable(c: Annotated[Ctx, Depends(ctx)], _admin: Admin, username: Username) -> Response:
    user = same_organisation(c, username)
    if user.id == c.user.id:
        raise Forbidden("an admin cannot disable its own account")
    c.bench.accounts.set_disabled(user.username, not user.disabled)
    c.audit("user_disabled" if not user.disabled else "user_enabled", user.username)
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_page(c: Annotated[Ctx, Depends(ctx)], _admin: Admin) -> HTMLResponse:
    rows = c.bench.accounts.audit_trail(c.user.organisation, 500)
    return render(c.request, "admin_audit.html", rows=rows)
