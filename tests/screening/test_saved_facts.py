"""The filterable facts saved beside the index (``Facts.save``/``load``): what a server
loads after an import instead of building them while it answers."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.conftest import UN_XML
from tests.helpers import entity, run_cli, source, write
from tests.screening.test_index_update import ANALYST, PARTNER, setup
from watchkeeper.model.marking import Viewer
from watchkeeper.screening import build
from watchkeeper.screening.filters import (
    Facts,
    FactsView,
    facts_path,
    load_or_build_facts,
)
from watchkeeper.screening.index import Index, index_path, saved_version
from watchkeeper.settings import load_settings
from watchkeeper.store import Store, open_store


def _stocked(store: Store) -> Index:
    setup(store)  # the partner may not see the analyst's alias KIM CHOL
    return build(store)


def _seen(view: FactsView) -> dict[str, object]:
    """Everything a viewer's facets, filters and sorts read."""
    facts = view.facts
    everything = np.ones(len(facts), dtype=bool)
    return {
        "ids": list(facts.ids),
        "present": view.present.tolist(),
        "schema": view.schema_counts(everything),
        "fields": {name: view.count(name, everything) for name in sorted(facts.fields)},
        "viewer times": [a.tolist() for a in view.times()],
        "times": [a.tolist() for a in facts.times],
        "from_index": facts.from_index.tolist(),
    }


def test_saved_facts_read_back_as_built_for_every_viewer(store: Store, tmp_path: Path) -> None:
    index = _stocked(store)
    built = Facts.build(store, index)
    path = facts_path(tmp_path)
    built.save(path)
    loaded = Facts.load(path, index)
    assert loaded is not None
    for viewer in (ANALYST, PARTNER):
        marks = frozenset(store.visible_marking_ids(viewer))
        assert _seen(loaded.view(marks)) == _seen(built.view(marks))
    # the partner's view does not hold the restricted alias's words, loaded or built
    partner = loaded.view(frozenset(store.visible_marking_ids(PARTNER)))
    assert "chol" not in partner.values("names")
    assert "chol" in loaded.view(frozenset(store.visible_marking_ids(ANALYST))).values("names")
    assert oct(path.stat().st_mode & 0o777) == oct(0o600)  # restricted values are in it


def test_facts_of_another_version_or_damaged_are_built_again(store: Store, tmp_path: Path) -> None:
    index = _stocked(store)
    path = facts_path(tmp_path)
    Facts.build(store, index).save(path)
    assert saved_version(path) == index.version
    write(store, [entity("Person", "p9", "x", name="RI SONG CHOL")], source("x", "2024-02-01"))
    newer = build(store)
    assert Facts.load(path, newer) is None  # saved for the version before
    rebuilt = load_or_build_facts(store, newer, tmp_path)
    assert "p9" in rebuilt.pos and saved_version(path) == newer.version
    # a file cut short, or of another kind, is not facts: built again, never half read
    path.write_bytes(path.read_bytes()[:200])
    assert Facts.load(path, newer) is None
    assert saved_version(path) is None
    newer.save(index_path(tmp_path))  # and so is an index cut short
    index_path(tmp_path).write_bytes(index_path(tmp_path).read_bytes()[:200])
    assert Index.load(index_path(tmp_path)) is None
    np.savez(path, meta=np.frombuffer(b'{"format": 1, "version": "x"}', dtype=np.uint8))
    assert Facts.load(path, newer) is None
    assert "p9" in load_or_build_facts(store, newer, tmp_path).pos


def test_facts_with_a_position_out_of_range_are_refused(store: Store, tmp_path: Path) -> None:
    index = _stocked(store)
    facts = Facts.build(store, index)
    name = sorted(facts.fields)[0]
    facts.fields[name].pos[0] = len(facts.ids) + 5  # a tampered file: no such entity
    path = facts_path(tmp_path)
    facts.save(path)
    assert Facts.load(path, index) is None


def test_an_import_saves_the_facts_beside_the_index(tmp_path: Path) -> None:
    """What a running server waits for after an import (``Service._saved``): the index
    and the facts of the store's new version, saved by the importing process."""
    home = tmp_path / "home"
    run_cli(home, "import", "un-xml", str(UN_XML))
    settings = load_settings({"WATCHKEEPER_HOME": str(home)})
    store = open_store(settings)
    try:
        version = store.version()
        assert saved_version(index_path(settings.cache_dir)) == version
        assert saved_version(facts_path(settings.cache_dir)) == version
        index = Index.load(index_path(settings.cache_dir))
        assert index is not None
        loaded = Facts.load(facts_path(settings.cache_dir), index)
        assert loaded is not None
        workspace = Viewer(settings.organisation, settings.country)
        marks = frozenset(store.visible_marking_ids(workspace))
        assert _seen(loaded.view(marks)) == _seen(Facts.build(store, index).view(marks))
    finally:
        store.close()
