"""Workbench accounts: ``watchkeeper user add/list/role/password/disable/enable/token/
revoke/audit/demo``. The person at the workspace's terminal manages every organisation's
accounts; in the workbench, an admin manages only those of its own organisation."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from watchkeeper.cli.common import Context, JsonOption, command, emit_json, err, out

app = typer.Typer(help="Workbench accounts, API tokens and the audit trail.", no_args_is_help=True)

DEMO_PASSWORD = "watchkeeper-demo"
# The demo's accounts: the workspace's own organisation (admin, analyst, viewer) and a
# partner ministry in the Republic of Korea, which sees only what is releasable to KOR.
DEMO_PARTNER = ("kr-mofa", "KOR")
DEMO_USERS = (
    ("admin", None, "admin"),
    ("analyst", None, "analyst"),
    ("viewer", None, "viewer"),
    ("kr-liaison", DEMO_PARTNER[0], "analyst"),
)

PasswordOption = Annotated[
    str,
    typer.Option(
        "--password",
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        help="At least 10 characters (asked for when not given).",
    ),
]


@app.command("add")
def add(
    username: str,
    organisation: Annotated[str, typer.Option("--org", help="A registered organisation.")],
    password: PasswordOption,
    role: Annotated[str, typer.Option(help="viewer, analyst or admin.")] = "viewer",
) -> None:
    """Add a user to a registered organisation (`watchkeeper org add` first)."""
    from watchkeeper.store.accounts import Accounts

    with command() as ctx:
        user = Accounts(ctx.store).add_user(username, organisation, role, password, "cli")
        Accounts(ctx.store).audit(
            None, "user_added", user.username, f"role {role} (cli)", "", user.organisation, "cli"
        )
        out.print(f"user {user.username} ({user.role}) of {user.viewer}")


@app.command("list")
def list_users(
    organisation: Annotated[str | None, typer.Option("--org")] = None,
    as_json: JsonOption = False,
) -> None:
    """Users, with organisation, country and role."""
    from watchkeeper.store.accounts import Accounts

    with command() as ctx:
        users = Accounts(ctx.store).users(organisation)
        if as_json:
            emit_json(
                [
                    {
                        "username": u.username,
                        "organisation": u.organisation,
                        "country": u.country,
                        "role": u.role,
                        "disabled": u.disabled,
                    }
                    for u in users
                ]
            )
            return
        table = Table("user", "organisation", "country", "role", "state")
        for u in users:
            state = "disabled" if u.disabled else "active"
            table.add_row(u.username, u.organisation, u.country or "", u.role, state)
        out.print(table)


@app.command("role")
def role(username: str, new_role: Annotated[str, typer.Argument(metavar="ROLE")]) -> None:
    """Change a user's role (viewer, analyst, admin)."""
    from watchkeeper.store.accounts import Accounts

    with command() as ctx:
        accounts = Accounts(ctx.store)
        user = accounts.set_role(username, new_role)
        accounts.audit(
            None,
            "role_changed",
            user.username,
            f"to {new_role} (cli)",
            "",
            user.organisation,
            "cli",
        )
        out.print(f"{user.username} is now {user.role}")


@app.command("password")
def password(username: str, new_password: PasswordOption) -> None:
    """Set a user's password (ends the user's sessions)."""
    from watchkeeper.store.accounts import Accounts

    with command() as ctx:
        accounts = Accounts(ctx.store)
        user = accounts.set_password(username, new_password)
        accounts.audit(None, "password_set", user.username, "cli", "", user.organisation, "cli")
        out.print(f"password of {user.username} set")


@app.command("disable")
def disable(username: str) -> None:
    """Disable a user: no login, no token, sessions ended."""
    from watchkeeper.store.accounts import Accounts

    with command() as ctx:
        user = Accounts(ctx.store).set_disabled(username, True)
        out.print(f"{user.username} disabled")


@app.command("enable")
def enable(username: str) -> None:
    """Enable a disabled user."""
    from watchkeeper.store.accounts import Accounts

    with command() as ctx:
        user = Accounts(ctx.store).set_disabled(username, False)
        out.print(f"{user.username} enabled")


@app.command("token")
def token(
    username: str, name: Annotated[str, typer.Option(help="What the token is for.")] = "cli"
) -> None:
    """Create an API token (`Authorization: Bearer <token>`); shown once."""
    from watchkeeper.store.accounts import Accounts

    with command() as ctx:
        out.print(Accounts(ctx.store).create_token(username, name), highlight=False)


@app.command("revoke")
def revoke(username: str, token_id: str) -> None:
    """Revoke one of a user's API tokens by its id (the part after `wk_`)."""
    from watchkeeper.store.accounts import Accounts

    with command() as ctx:
        Accounts(ctx.store).revoke_token(username, token_id)
        out.print(f"token {token_id} revoked")


@app.command("audit")
def audit(
    organisation: Annotated[str, typer.Option("--org")],
    limit: int = 50,
    as_json: JsonOption = False,
) -> None:
    """An organisation's audit trail: logins, exports, edits, re-markings, decisions."""
    from watchkeeper.store.accounts import Accounts

    with command() as ctx:
        rows = Accounts(ctx.store).audit_trail(organisation, limit)
        if as_json:
            emit_json(rows)
            return
        table = Table("at", "user", "action", "target", "detail")
        for r in rows:
            table.add_row(r["at"], r["username"], r["action"], r["target"], r["detail"])
        out.print(table)


@app.command("demo")
def demo() -> None:
    """Create the demo's accounts (idempotent) and print how to log in."""
    with command() as ctx:
        create_demo_logins(ctx)


def create_demo_logins(ctx: Context) -> None:
    """The demo's organisations and workbench logins, made when missing (``watchkeeper
    demo`` and ``watchkeeper user demo``), and how to log in, printed."""
    from watchkeeper.store.accounts import Accounts

    home = ctx.settings.organisation
    known = {v.organisation: v for v in ctx.store.organisations()}
    for name, country in ((home, ctx.settings.country), DEMO_PARTNER):
        # registered once; an organisation's country is changed only by `org update`
        if name not in known:
            ctx.store.add_organisation(name, country)
        elif known[name].country != country:
            err.print(
                f"note: organisation {name!r} kept as registered (country "
                f"{known[name].country or 'none'}, not {country or 'none'})",
                highlight=False,
            )
    accounts = Accounts(ctx.store)
    for username, org, user_role in DEMO_USERS:
        if accounts.find(username) is None:
            accounts.add_user(username, org or home, user_role, DEMO_PASSWORD, "demo")
    names = ", ".join(u for u, _, _ in DEMO_USERS)
    out.print(
        f"workbench logins ({names}), password {DEMO_PASSWORD!r}; "
        f"kr-liaison belongs to {DEMO_PARTNER[0]} ({DEMO_PARTNER[1]})",
        highlight=False,
    )
