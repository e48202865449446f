"""Workbench fixtures: a demo workspace with partners, users and restricted items, built
once per test process and copied for each test that writes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.web.workspace import build
from watchkeeper.settings import Settings, load_settings
from watchkeeper.web import assets


@pytest.fixture(scope="session", autouse=True)
def built_assets() -> None:
    """The pages load their libraries from static/vendor: `make assets` builds it."""
    if not assets.BUILT.is_file():
        assets.build()


@pytest.fixture(scope="session")
def template_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("workbench") / "home"
    build(home)
    return home


@pytest.fixture(scope="session")
def shared(template_home: Path) -> Settings:
    """The workspace for tests that only read (do not write through it)."""
    return load_settings({"WATCHKEEPER_HOME": str(template_home)})


@pytest.fixture
def fresh(template_home: Path, tmp_path: Path) -> Settings:
    """A copy of the workspace for a test that writes."""
    home = tmp_path / "home"
    shutil.copytree(template_home, home)
    return load_settings({"WATCHKEEPER_HOME": str(home)})
