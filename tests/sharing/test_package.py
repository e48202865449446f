"""Signed packages for air-gapped partners (issue 23, item 5), through the CLI: two
workspaces, each with its own key; tampered, truncated, mis-addressed, untrusted or
re-signed packages are refused with one line and nothing is imported."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.sharing.common import JP, US, build, validate
from watchkeeper.cli import app
from watchkeeper.settings import load_settings
from watchkeeper.store import Store, open_store

runner = CliRunner()


class Workspace:
    def __init__(self, home: Path, org: str, country: str) -> None:
        self.home = home
        self.env = {"WATCHKEEPER_HOME": str(home), "WATCHKEEPER_ORG": org,
                    "WATCHKEEPER_COUNTRY": country}  # fmt: skip

    def run(self, *args: str, ok: bool = True) -> tuple[int, str, str]:
        result = runner.invoke(app, list(args), env=self.env)
        if ok:
            assert result.exit_code == 0, result.stdout + result.stderr
        return result.exit_code, result.stdout, result.stderr

    def store(self) -> Store:
        return open_store(load_settings(self.env))


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Workspace, Workspace]:
    us = Workspace(tmp_path / "us", US.organisation, "USA")
    jp = Workspace(tmp_path / "jp", JP.organisation, "JPN")
    store = us.store()
    build(store)
    store.close()
    jp.run("org", "add", US.organisation, "--country", "USA")
    jp.run("org", "add", JP.organisation, "--country", "JPN")
    jp.run("org", "add", "kr-nis", "--country", "KOR")
    # keys exchanged out of band: each trusts the other's public key
    key_us = us.run("share", "keys", "show")[1].strip()
    key_jp = jp.run("share", "keys", "show")[1].strip()
    jp.run("share", "keys", "add", US.organisation, key_us)
    us.run("share", "keys", "add", JP.organisation, key_jp)
    return us, jp


def _digest(ws: Workspace) -> str:
    store = ws.store()
    try:
        return store.digest()
    finally:
        store.close()


def test_a_package_goes_from_one_workspace_to_another(
    pair: tuple[Workspace, Workspace], tmp_path: Path
) -> None:
    us, jp = pair
    key_file = us.home / "keys/ed25519.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    package = tmp_path / "for-jp.wkp"
    us.run("share", "pack", "--for", JP.organisation, "-o", str(package))
    again = tmp_path / "again.wkp"
    us.run("share", "pack", "--for", JP.organisation, "-o", str(again))
    assert package.read_bytes() == again.read_bytes()  # deterministic, signature included
    with zipfile.ZipFile(package) as archive:
        validate(archive.read("bundle.json"))
    assert "verified: from us-dos" in jp.run("share", "verify", str(package))[1]
    out = jp.run("share", "unpack", str(package), "--from", US.organisation)[1]
    assert "new" in out
    store = jp.store()
    try:
        values = {sv.statement.value for sv in store.read(JP).statements()}
    finally:
        store.close()
    assert "PD836123" in values and "Vladivostok" not in str(values)
    log = us.run("share", "log", "--json")[1]
    assert '"format": "package"' in log and '"recipient": "jp-mofa"' in log


def _rewrite(package: Path, target: Path, **members: bytes) -> None:
    with zipfile.ZipFile(package) as archive:
        found = {name: archive.read(name) for name in archive.namelist()}
    found.update(members)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in found.items():
            archive.writestr(name, data)
    target.write_bytes(buffer.getvalue())


def _bad_packages(us: Workspace, jp: Workspace, tmp_path: Path) -> dict[str, Path]:
    package = tmp_path / "for-jp.wkp"
    us.run("share", "pack", "--for", JP.organisation, "-o", str(package))
    with zipfile.ZipFile(package) as archive:
        bundle = archive.read("bundle.json")
        manifest = archive.read("manifest.json")
    out: dict[str, Path] = {}
    out["truncated"] = tmp_path / "truncated.wkp"
    out["truncated"].write_bytes(package.read_bytes()[: len(package.read_bytes()) // 2])
    out["tampered bundle"] = tmp_path / "tampered.wkp"
    _rewrite(
        package, out["tampered bundle"], **{"bundle.json": bundle.replace(b"KIM CHOL", b"KIM CHUL")}
    )
    out["tampered manifest"] = tmp_path / "manifest.wkp"
    _rewrite(
        package,
        out["tampered manifest"],
        **{"manifest.json": manifest.replace(b"jp-mofa", b"jp-mofa ")},
    )
    out["mis-addressed"] = tmp_path / "kr.wkp"
    us.run("org", "add", "kr-nis", "--country", "KOR", ok=False)
    us.run("share", "pack", "--for", "kr-nis", "-o", str(out["mis-addressed"]))
    # re-signed: the same content signed by a key nobody trusts for us-dos
    other = Workspace(tmp_path / "impostor", US.organisation, "USA")
    store = other.store()
    build(store)
    store.close()
    out["re-signed"] = tmp_path / "resigned.wkp"
    other.run("share", "pack", "--for", JP.organisation, "-o", str(out["re-signed"]))
    out["not a package"] = tmp_path / "bundle.json"
    out["not a package"].write_bytes(bundle)
    return out


def test_bad_packages_are_refused_with_one_line_and_nothing_imported(
    pair: tuple[Workspace, Workspace], tmp_path: Path
) -> None:
    us, jp = pair
    bad = _bad_packages(us, jp, tmp_path)
    before = _digest(jp)
    for name, path in bad.items():
        for command in (["verify", str(path)], ["unpack", str(path), "--from", US.organisation]):
            code, _, err = jp.run("share", *command, ok=False)
            assert code == 2, (name, err)
            assert len(err.strip().splitlines()) == 1, (name, err)
            assert str(path.name) in err or str(path) in err.replace("\n", ""), (name, err)
    assert _digest(jp) == before
    # untrusted: once us-dos's key is removed, even the good package is refused
    good = tmp_path / "good.wkp"
    us.run("share", "pack", "--for", JP.organisation, "-o", str(good))
    jp.run("share", "keys", "remove", US.organisation)
    before = _digest(jp)
    code, _, err = jp.run("share", "unpack", str(good), "--from", US.organisation, ok=False)
    assert code == 2 and "trust list" in err
    assert _digest(jp) == before


def test_the_trust_list(pair: tuple[Workspace, Workspace]) -> None:
    us, jp = pair
    listed = jp.run("share", "keys", "list", "--json")[1]
    assert '"organisation": "us-dos"' in listed
    code, _, err = jp.run("share", "keys", "add", "kr-nis", "ed25519:bm90IGEga2V5", ok=False)
    assert code == 2 and "Ed25519" in err
    code, _, err = jp.run(
        "share", "keys", "add", "nobody", us.run("share", "keys", "show")[1].strip(), ok=False
    )
    assert code == 2 and "unknown organisation" in err
