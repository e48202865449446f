"""Updating the screening index after an import answers exactly as rebuilding it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from followthemoney import StatementEntity
from pytest import MonkeyPatch

from tests.helpers import entity, source, write
from watchkeeper.model.marking import TLP, Marking, Viewer
from watchkeeper.screening import Query, Screener, build
from watchkeeper.screening import index as index_module
from watchkeeper.screening.index import Index, index_path, refresh
from watchkeeper.store import ImportSummary, Store

ANALYST = Viewer("wk-analysts", "GBR")
PARTNER = Viewer("jp-mofa", "JPN")
RESTRICTED = Marking(tlp=TLP.AMBER, originator="wk-analysts")
QUERIES = (
    Query("q1", "Person", ("Kim Jong Sik",)),
    Query("q2", "Vessel", ("CHON MA SAN",)),
    Query("q3", "Vessel", ("HIDDEN TIGER",)),
    Query("q4", "Company", ("Ryonha Machinery",)),
    Query("q5", "Vessel", ("OCEAN BREEZE",), ids=(("imo", "8660313"),)),
    Query("q6", "Person", ("Pak Yong Sik",)),
)


def sanction(sanction_id: str, target: str, ref: str) -> StatementEntity:
    found = entity(
        "Sanction", sanction_id, "un", authority="United Nations Security Council", unscId=ref
    )
    found.add("entity", target)
    return found


def first_release() -> list[StatementEntity]:
    # Unrelated listings, so that each change below is a small share of the index (an
    # update, not a rebuild).
    filler = [entity("Person", f"f{i}", "un", name=f"FILLER PERSON {i}") for i in range(40)]
    return [
        *filler,
        entity("Vessel", "v1", "un", name="CHON MA SAN", imoNumber="8660313", flag="kp"),
        entity("Person", "p1", "un", name="KIM JONG SIK", birthDate="1967-07-20"),
        entity("Person", "p2", "un", name="PAK YONG SIK"),
        entity("Company", "c1", "un", name="KOREA RYONHA MACHINERY JOINT VENTURE CORPORATION"),
        sanction("s1", "v1", "KPe.999"),
        sanction("s2", "p2", "KPi.100"),
    ]


def postings(index: Index) -> dict[str, list[tuple[str, int | tuple[int, ...]]]]:
    """Every key's postings as (entity id, marking needs): independent of positions."""
    out = {}
    for key, row in index.keys.items():
        start, end = index.offsets[row], index.offsets[row + 1]
        found = sorted(
            (index.entities[e].id, index.group_needs[g])
            for e, g in zip(index.flat[start:end], index.groups[start:end], strict=True)
        )
        if found:
            out[key] = found
    return out


def answers(index: Index, store: Store, viewer: Viewer) -> list[tuple[str, str, float, str]]:
    screener = Screener.for_viewer(index, store, viewer)
    return [
        (q.id, m.entity.id, m.score, m.explain() + repr(m.entity))
        for q in QUERIES
        for m in screener.match(q, limit=5, threshold=0.0)
    ]


def assert_updated_equals_rebuilt(
    store: Store, cache: Path, change: Callable[[], ImportSummary], monkeypatch: MonkeyPatch
) -> Index:
    before = store.version()
    old = refresh(store, cache, "", set())  # saved, at ``before``
    assert old is not None and old.version == before
    summary = change()
    with monkeypatch.context() as patched:

        def no_rebuild(store: Store) -> Index:
            raise AssertionError("rebuilt instead of updated")

        patched.setattr(index_module, "build", no_rebuild)
        updated = refresh(store, cache, before, summary.changed_entities)
    assert updated is not None
    rebuilt = build(store)
    assert updated.version == rebuilt.version == store.version()
    assert len(updated) == len(rebuilt)
    assert postings(updated) == postings(rebuilt)
    for viewer in (ANALYST, PARTNER):
        assert answers(updated, store, viewer) == answers(rebuilt, store, viewer)
    # ... and what was saved is the updated index
    again = Index.load(index_path(cache))
    assert again is not None and postings(again) == postings(rebuilt)
    return updated


def setup(store: Store) -> None:
    store.add_organisation("wk-analysts", "GBR")
    store.add_organisation("jp-mofa", "JPN")
    write(store, first_release(), source("un", "2024-01-01"))
    # Something the partner may not see, so that its view is a filtered one.
    write(
        store,
        [(entity("Person", "p1", "analyst_notes", alias="KIM CHOL"), RESTRICTED)],
        source("analyst_notes", "2024-01-15"),
        full_release=False,
    )


def test_a_partial_import_adds_entities_and_aliases(
    store: Store, tmp_path: Path, monkeypatch: MonkeyPatch
) -> None:
    setup(store)

    def change() -> ImportSummary:
        return write(
            store,
            [
                entity("Vessel", "v1", "notes", alias="OCEAN BREEZE"),
                entity("Vessel", "v9", "notes", name="CHONMA 2", imoNumber="9125061"),
            ],
            source("notes", "2024-02-01"),
            full_release=False,
        )

    updated = assert_updated_equals_rebuilt(store, tmp_path, change, monkeypatch)
    assert "v9" in updated.by_id


def test_a_new_release_drops_an_entity_and_a_listing(
    store: Store, tmp_path: Path, monkeypatch: MonkeyPatch
) -> None:
    setup(store)

    def change() -> ImportSummary:
        # p2 and its sanction are gone; c1 gets a new alias; v1 a new list id
        release = [e for e in first_release() if e.id not in ("p2", "s2", "s1")]
        release.append(entity("Company", "c1", "un", alias="Ryonha Machinery"))
        release.append(sanction("s3", "v1", "KPe.123"))
        return write(store, release, source("un", "2024-03-01"))

    updated = assert_updated_equals_rebuilt(store, tmp_path, change, monkeypatch)
    screener = Screener.for_viewer(updated, store, ANALYST)
    found = screener.match(Query("q", "Person", ("PAK YONG SIK",)), threshold=0.0)
    assert found and all(m.entity.id != "p2" for m in found)
    assert "p2" in updated.by_id  # its slot stays, empty
    hit = screener.match(Query("q", "Vessel", ("CHON MA SAN",)))[0]
    assert hit.entity.list_ids == ("UN:KPe.123",)


def test_a_restricted_alias_added_by_update_stays_restricted(
    store: Store, tmp_path: Path, monkeypatch: MonkeyPatch
) -> None:
    setup(store)

    def change() -> ImportSummary:
        return write(
            store,
            [(entity("Vessel", "v1", "analyst_notes", alias="HIDDEN TIGER"), RESTRICTED)],
            source("analyst_notes", "2024-02-01"),
            full_release=False,
        )

    updated = assert_updated_equals_rebuilt(store, tmp_path, change, monkeypatch)
    hidden = Query("q", "Vessel", ("HIDDEN TIGER",))
    assert Screener.for_viewer(updated, store, ANALYST).match(hidden)[0].entity.id == "v1"
    assert not Screener.for_viewer(updated, store, PARTNER).match(hidden)


def test_an_index_of_another_version_is_rebuilt_not_updated(store: Store, tmp_path: Path) -> None:
    setup(store)
    stale = refresh(store, tmp_path, "", set())
    assert stale is not None
    write(store, [entity("Person", "p7", "x", name="RI SONG CHOL")], source("x", "2024-02-01"))
    # an import nobody refreshed for: the saved index is two versions behind
    summary = write(
        store, [entity("Person", "p8", "y", name="CHOE SON HUI")], source("y", "2024-02-02")
    )
    # a write that is not an import does not build what is not there to update
    assert refresh(store, tmp_path, "not-it", summary.changed_entities, rebuild=False) is None
    index = refresh(store, tmp_path, stale.version + "-not-it", summary.changed_entities)
    assert index is not None and {"p7", "p8"} <= set(index.by_id)
    assert postings(index) == postings(build(store))


def test_saving_the_index_from_two_writers_at_once(store: Store, tmp_path: Path) -> None:
    """Two imports of one release finish at once and both save the index: neither writes
    into nor renames away the other's file, and what is left is a whole index."""
    from concurrent.futures import ThreadPoolExecutor

    write(store, first_release(), source("un", "2024-01-01"))
    index = build(store)
    path = index_path(tmp_path / "cache")

    def save_often(_: int) -> None:
        for _ in range(25):
            index.save(path)

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(save_often, range(2)))  # re-raises what a saver raised
    again = Index.load(path)
    assert again is not None and postings(again) == postings(index)
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no file left behind
