"""Every `ais import --map` example in the README imports the sample shown above it."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from watchkeeper.cli import app

README = Path(__file__).resolve().parents[2] / "README.md"
PAIR = re.compile(
    r"```csv\n(?P<sample>.*?)```\s*```sh\n(?P<command>watchkeeper ais import .*?)\n```", re.S
)


def examples() -> list[tuple[str, str]]:
    section = README.read_text(encoding="utf-8").split("## Maritime watch", 1)[1]
    section = section.split("\n## ", 1)[0]
    return [(m["sample"], m["command"]) for m in PAIR.finditer(section)]


def test_the_readme_has_the_examples() -> None:
    assert len(examples()) >= 5


@pytest.mark.parametrize(("sample", "command"), examples())
def test_a_readme_example_imports_its_sample(tmp_path: Path, sample: str, command: str) -> None:
    args = shlex.split(command)[1:]  # without "watchkeeper"
    file = args[2]
    (tmp_path / file).write_text(sample, encoding="utf-8")
    args[2] = str(tmp_path / file)
    result = CliRunner().invoke(
        app, [*args, "--json"], env={"WATCHKEEPER_HOME": str(tmp_path / "home")}
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)[0]
    rows = len(sample.strip().splitlines()) - 1
    assert not report["rejected"], report
    assert report["positions"] + report["identities"] >= rows, report
    if "lat=" in command:
        assert report["positions"] == rows
    if "name=" in command:
        assert report["identities"] >= 1
