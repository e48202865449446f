"""The workbench's front-end files: built from npm packages, served by the app.

``package.json`` at the repository root names the libraries and ``package-lock.json``
pins them; ``make assets`` runs ``npm ci`` and then ``build()``, which copies the files
``assets.yaml`` lists from ``node_modules`` into ``static/vendor/`` (git-ignored: the lock
file already fixes every byte, so a copy in git would only be a second, hand-kept truth).
The app serves ``static/`` and never fetches anything at run time.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path
from typing import Any

import yaml

from watchkeeper.errors import ConfigError

HERE = Path(__file__).parent
STATIC = HERE / "static"
VENDOR = STATIC / "vendor"
MANIFEST = HERE / "assets.yaml"
BUILT = VENDOR / ".built"


def manifest() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(MANIFEST.read_text())
    return data


def node_modules(start: Path = HERE) -> Path:
    for folder in (start, *start.parents):
        if (folder / "package.json").is_file() and (folder / "node_modules").is_dir():
            return folder / "node_modules"
    raise ConfigError("no node_modules beside package.json: run `npm ci` at the repository root")


def _copy(src: Path, dest: Path) -> None:
    if not src.exists():
        raise ConfigError(f"{src}: missing from node_modules; run `npm ci`")
    dest.parent.mkdir(parents=True, exist_ok=True)
    if src.is_dir():
        shutil.copytree(src, dest, dirs_exist_ok=True)
    else:
        shutil.copyfile(src, dest)


def _fonts(modules: Path, spec: dict[str, Any]) -> None:
    package = modules / spec["package"]
    dest = VENDOR / spec["dest"]
    (dest / "files").mkdir(parents=True, exist_ok=True)
    css = []
    for weight in spec["weights"]:
        text = (package / f"{weight}.css").read_text()
        # woff2 only: drop the woff fallback, whose files are not copied.
        text = re.sub(r",\s*url\([^)]*\.woff\) format\('woff'\)", "", text)
        css.append(text)
        for font in re.findall(r"url\(\./files/([^)]+\.woff2)\)", text):
            _copy(package / "files" / font, dest / "files" / font)
    (dest / "fonts.css").write_text("\n".join(css))


def build(modules: Path | None = None) -> list[str]:
    """Copy every listed file into ``static/vendor``; returns what was copied."""
    modules = modules or node_modules()
    spec = manifest()
    if VENDOR.exists():
        shutil.rmtree(VENDOR)
    for dest, src in spec["files"].items():
        _copy(modules / src, VENDOR / dest)
    _fonts(modules, spec["fonts"])
    BUILT.write_text("built from package-lock.json\n")
    return sorted(spec["files"])


def check_built() -> None:
    if not BUILT.is_file():
        raise ConfigError(
            "the workbench's assets are not built: run `make assets` (npm ci, then "
            "python -m watchkeeper.web.assets build)"
        )


if __name__ == "__main__":  # pragma: no cover - `make assets`
    if sys.argv[1:] != ["build"]:
        sys.exit("usage: python -m watchkeeper.web.assets build")
    print(f"workbench assets: {len(build())} libraries copied into {VENDOR}")
