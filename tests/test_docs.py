"""Every setting and every command is documented in the README."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from watchkeeper.cli import app

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def _commands(typer_app: typer.Typer, prefix: str = "") -> list[str]:
    names = [
        f"{prefix}{c.name or (c.callback.__name__ if c.callback else '')}".replace("_", "")
        for c in typer_app.registered_commands
    ]
    for group in typer_app.registered_groups:
        # a group without a name adds its commands at this level (cli/__init__.py)
        inner = f"{prefix}{group.name} " if group.name else prefix
        names += _commands(group.typer_instance, inner)  # type: ignore[arg-type]
    return names


def test_every_setting_is_documented() -> None:
    source = (ROOT / "src/watchkeeper/settings.py").read_text()
    settings = set(re.findall(r"WATCHKEEPER_[A-Z_]+", source))
    assert settings
    missing = [s for s in settings if f"`{s}`" not in README]
    assert missing == []


def test_every_command_is_documented() -> None:
    commands = _commands(app)
    assert "import" in commands and "sources update" in commands
    missing = [c for c in commands if f"watchkeeper {c}" not in README]
    assert missing == []
