"""List history from successive releases (three real SDN releases of 2024, trimmed: see
tests/importers/data/ofac-sdn-history/SOURCE.txt): when an entry was first listed and
when it left the list, dated by the releases rather than by the files' times."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from watchkeeper.errors import InputError
from watchkeeper.importers import run_import
from watchkeeper.importers.base import Options
from watchkeeper.investigations import dossier
from watchkeeper.model.marking import Viewer
from watchkeeper.store import Store

HISTORY = Path(__file__).parents[1] / "importers/data/ofac-sdn-history"
RELEASES = ("2024-03-20", "2024-03-27", "2024-05-03")
ME = Viewer("org-a", "USA")


def _import(store: Store, dates: tuple[str, ...] = RELEASES) -> None:
    for date in dates:
        run_import(store, "ofac-csv", HISTORY / date / "sdn.csv", Options(release_date=date))


def _history(store: Store, entity_id: str) -> dict[str, object]:
    data = dossier.build(store, store.read(ME), entity_id, max_hops=0)
    (entry,) = data["list_entries"]
    return entry["history"]  # type: ignore[no-any-return]


def test_first_listed_and_delisted_between_releases(store: Store) -> None:
    _import(store)
    ri = _history(store, "ofac-47699")  # RI Tong Hyok: first in the 2024-03-27 release
    assert ri["first_listed"] == {"after": "2024-03-20", "by": "2024-03-27"}
    assert ri["delisted"] is None
    assert ri["text"] == "first listed after 2024-03-20, by 2024-03-27"
    tanchon = _history(store, "ofac-9346")
    assert tanchon["first_listed"] == {"after": None, "by": "2024-03-20"}
    assert tanchon["text"] == "on the list on 2024-03-20, the earliest release on record"
    jewel = _history(store, "ofac-25690")  # JW JEWEL: gone from the 2024-03-27 release
    assert jewel["delisted"] == {"after": "2024-03-20", "by": "2024-03-27"}
    html = dossier.render_html(dossier.build(store, store.read(ME), "ofac-25690", max_hops=0))
    # (the trimmed 2024-05-03 file is byte for byte the 2024-03-27 one: the same release)
    assert "removed after 2024-03-20, by 2024-03-27" in html and "(2 releases)" in html


def test_an_older_release_after_a_newer_one_is_refused(store: Store) -> None:
    _import(store, RELEASES[1:])  # (the 2024-05-03 file is the 2024-03-27 one again)
    with pytest.raises(InputError, match="older than the 2024-03-27 release"):
        _import(store, RELEASES[:1])


def test_cli_paths_are_all_counted(tmp_path: Path) -> None:
    """`network paths` finds every designated entity within reach and says how many it
    did not print (it used to stop at five without a word)."""
    from typer.testing import CliRunner

    from watchkeeper.cli import app

    env = {"WATCHKEEPER_HOME": str(tmp_path / "home"), "WATCHKEEPER_ORG": "analyst"}
    runner = CliRunner()
    sdn = HISTORY / "2024-03-27" / "sdn.csv"
    done = runner.invoke(
        app, ["import", "ofac-csv", str(sdn), "--release-date", "2024-03-27"], env=env
    )
    assert done.exit_code == 0, done.output
    found = runner.invoke(app, ["network", "paths", "ofac-9346", "--json"], env=env)
    targets = {p["target"] for p in json.loads(found.stdout)}
    assert {"ofac-9346", "ofac-47699", "ofac-47701"} <= targets
    short = runner.invoke(app, ["network", "paths", "ofac-9346", "--limit", "1"], env=env)
    assert f"and {len(targets) - 1} more (--limit 0 prints them all)" in short.stdout
