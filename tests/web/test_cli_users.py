"""`watchkeeper user ...`: accounts from the workspace's terminal."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from watchkeeper.cli import app

PASSWORD = "a long enough password"


def run(home: Path, *args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env={"WATCHKEEPER_HOME": str(home)}, input=stdin)
    return result.exit_code, result.output


def test_users_from_the_terminal(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert run(home, "org", "add", "jp-mofa", "--country", "JPN")[0] == 0
    code, out = run(
        home,
        "user",
        "add",
        "alice",
        "--org",
        "jp-mofa",
        "--role",
        "analyst",
        "--password",
        PASSWORD,
    )
    assert code == 0 and "alice (analyst) of jp-mofa (JPN)" in out
    # the password asked for, twice, when not given
    code, out = run(
        home, "user", "add", "bob", "--org", "jp-mofa", stdin=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert code == 0, out
    code, out = run(home, "user", "add", "carol", "--org", "nowhere", "--password", PASSWORD)
    assert code == 2 and "unknown organisation" in out
    code, out = run(home, "user", "add", "dave", "--org", "jp-mofa", "--password", "short")
    assert code == 2 and "at least 10" in out
    assert run(home, "user", "role", "bob", "admin")[0] == 0
    code, out = run(home, "user", "role", "bob", "emperor")
    assert code == 2 and "viewer, analyst, admin" in out
    code, out = run(home, "user", "list", "--json")
    users = {u["username"]: u for u in json.loads(out)}
    assert users["bob"]["role"] == "admin" and users["alice"]["country"] == "JPN"
    code, token = run(home, "user", "token", "alice", "--name", "scripts")
    assert code == 0 and token.startswith("wk_")
    assert run(home, "user", "revoke", "alice", token.split("_")[1])[0] == 0
    assert run(home, "user", "disable", "alice")[0] == 0
    assert json.loads(run(home, "user", "list", "--json")[1])[0]["disabled"] is True
    assert run(home, "user", "enable", "alice")[0] == 0
    code, out = run(home, "user", "audit", "--org", "jp-mofa", "--json")
    actions = [r["action"] for r in json.loads(out)]
    assert "user_added" in actions and "role_changed" in actions


def test_demo_accounts(tmp_path: Path) -> None:
    home = tmp_path / "home"
    code, out = run(home, "user", "demo")
    assert code == 0 and "watchkeeper-demo" in out
    assert run(home, "user", "demo")[0] == 0  # again: nothing new, no error
    users = {u["username"]: u for u in json.loads(run(home, "user", "list", "--json")[1])}
    assert users["kr-liaison"]["country"] == "KOR" and users["admin"]["role"] == "admin"
