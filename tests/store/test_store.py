"""The store suite: runs on SQLite and on PostgreSQL (fixture ``store``)."""

from __future__ import annotations

import pytest

from tests.helpers import entity, source, write
from watchkeeper.model.marking import Marking, Viewer
from watchkeeper.store import Store

PUBLIC = Viewer("anyone", "BRA")
KOR = Viewer("kor-mofa", "KOR")
AMBER_KOR = Marking.make("AMBER", rel_to="MSMT", originator="us-ofac", recipients="kor-mofa")


def angara() -> object:
    return entity("Vessel", "v-angara", name="ANGARA", imoNumber="9179842", flag="Russia")


def test_entity_is_assembled_from_its_statements(store: Store) -> None:
    write(store, [angara()])
    view = store.read(PUBLIC).entity("v-angara")
    assert view is not None
    assert view.schema == "Vessel"
    assert view.entity.get("imoNumber") == ["9179842"]
    assert view.entity.get("flag") == ["ru"]
    assert {s.source_id for s in view.statements} == {"test:2024-01-01"}


def _statement_rows(store: Store) -> set[tuple[object, ...]]:
    return {
        (s.statement.id, s.statement.first_seen, s.statement.last_seen, s.ended_at)
        for s in store.read(PUBLIC).statements(include_ended=True)
    }


def test_another_copy_of_the_same_release_changes_no_statement(store: Store) -> None:
    write(store, [angara()], source("test", "2024-01-01"))
    before = _statement_rows(store)
    copy = source("test", "2024-01-01")
    copy = type(copy)(**{**copy.__dict__, "id": "test:copy"})
    summary = write(store, [angara()], copy)
    assert (summary.added, summary.seen_again, summary.reopened, summary.ended) == (0, 0, 0, 0)
    assert _statement_rows(store) == before


def test_newer_release_records_additions_changes_and_delistings(store: Store) -> None:
    old = entity("Vessel", "v-angara", "list", name="ANGARA", flag="Russia")
    gone = entity("Vessel", "v-gone", "list", name="DELISTED SHIP")
    write(store, [old, gone], source("list", "2024-01-01"))
    new = entity("Vessel", "v-angara", "list", name="ANGARA", flag="Panama", imoNumber="9179842")
    summary = write(store, [new], source("list", "2024-06-01"))
    assert summary.added >= 2  # the new flag and the IMO number
    assert summary.ended >= 3  # the old flag, and both statements of the delisted ship
    reader = store.read(PUBLIC)
    current = reader.entity("v-angara", include_ended=False)
    assert current is not None and current.entity.get("flag") == ["pa"]
    # History is kept: the old flag is still there, end-dated at the new release.
    history = {
        (s.statement.prop, s.statement.value): s for s in reader.entity("v-angara").statements
    }  # type: ignore[union-attr]
    assert history[("flag", "ru")].ended_at == "2024-06-01"
    assert history[("flag", "ru")].statement.first_seen == "2024-01-01"
    assert history[("flag", "pa")].ended_at is None
    # The delisted ship is no longer current, but its history is.
    assert reader.search("DELISTED").total == 0
    assert reader.entity("v-gone") is not None
    assert reader.entity("v-gone", include_ended=False) is None  # not a current entity


def test_relisting_reopens_a_statement(store: Store) -> None:
    ship = entity("Vessel", "v1", "list", name="ONE")
    write(store, [ship], source("list", "2024-01-01"))
    write(store, [entity("Vessel", "v2", "list", name="TWO")], source("list", "2024-02-01"))
    summary = write(store, [ship], source("list", "2024-03-01"))
    assert summary.reopened == 2  # name and id statements
    assert store.read(PUBLIC).search("ONE").total == 1


def test_viewer_only_sees_what_it_is_cleared_for(store: Store) -> None:
    secret = entity("Person", "p-secret", name="Secret Broker")
    public_ship = entity("Vessel", "v-public", name="PUBLIC SHIP")
    note = entity("Vessel", "v-public", notes="Loaded at Rajin on 2023-09-07")
    write(store, [public_ship, (note, AMBER_KOR), (secret, AMBER_KOR)])
    public = store.read(PUBLIC)
    assert public.entity("p-secret") is None
    assert public.search("Secret").total == 0
    assert public.entity("v-public").entity.get("notes") == []  # type: ignore[union-attr]
    assert public.stats()["entities"] == 1
    kor = store.read(KOR)
    assert kor.entity("p-secret") is not None
    assert kor.entity("v-public").entity.get("notes") == ["Loaded at Rajin on 2023-09-07"]  # type: ignore[union-attr]
    assert kor.stats()["entities"] == 2
    # The originator sees it too, from outside the REL TO list's logic.
    assert store.read(Viewer("us-ofac", None)).entity("p-secret") is not None


def test_links_to_hidden_entities_are_not_shown(store: Store) -> None:
    ship = entity("Vessel", "v-ship", name="SHIP")
    owner = entity("Company", "c-hidden-owner", name="Hidden Owner LLC")
    link = entity("Ownership", "own-1", owner="c-hidden-owner", asset="v-ship")
    write(store, [ship, link, (owner, AMBER_KOR)])
    public = store.read(PUBLIC)
    ownership = public.entity("own-1")
    assert ownership is not None
    assert ownership.entity.get("owner") == []  # the hidden id does not leak
    assert ownership.entity.get("asset") == ["v-ship"]
    assert public.referencing("c-hidden-owner") == []
    assert public.most_referenced() == [("v-ship", 1)]
    kor_links = store.read(KOR).entity("own-1")
    assert kor_links is not None and kor_links.entity.get("owner") == ["c-hidden-owner"]


def test_search_matches_names_and_identifiers(store: Store) -> None:
    write(store, [angara(), entity("Person", "p-kim", name="KIM Yong Chol", alias="Kim Yong-chol")])
    reader = store.read(PUBLIC)
    assert [e.id for e in reader.search("angara").results] == ["v-angara"]
    assert [e.id for e in reader.search("9179842").results] == ["v-angara"]
    assert [e.id for e in reader.search("yong-chol").results] == ["p-kim"]
    assert reader.search("kim", schema="Vessel").total == 0
    assert reader.search("kim", schema="LegalEntity").total == 1  # Person descends from it
    assert reader.search("100%_").total == 0  # LIKE wildcards are literal


def test_a_failed_write_leaves_the_store_as_it_was(store: Store) -> None:
    write(store, [angara()])
    before = store.digest()
    with (
        pytest.raises(RuntimeError),
        store.write(source("test", "2024-02-01"), full_release=True) as writer,
    ):
        writer.add_entity(
            entity("Vessel", "v-new", name="NEW"), Marking.make("RED", originator="x")
        )
        writer.flush()
        raise RuntimeError("the importer failed half-way")
    assert store.digest() == before
    # The store keeps working after the rollback (marking ids are not stale).
    write(
        store,
        [(entity("Vessel", "v-3", name="THREE"), Marking.make("GREEN", rel_to="KOR"))],
        source("test", "2024-03-01"),
    )
    assert store.read(KOR).entity("v-3") is not None


def test_organisations_are_the_viewers_to_act_as(store: Store) -> None:
    store.add_organisation("kor-mofa", "kor")
    assert store.organisation("kor-mofa") == Viewer("kor-mofa", "KOR")
    with pytest.raises(Exception, match="unknown organisation"):
        store.organisation("nobody")


def test_a_releasable_value_from_a_restricted_source_hides_the_source(store: Store) -> None:
    restricted = source("partner_feed", "2024-05-01", Marking.make("AMBER", recipients="kor-mofa"))
    ship = entity("Vessel", "v-feed", "partner_feed", name="FEED SHIP")
    write(store, [(ship, Marking.make("CLEAR"))], restricted)
    public = store.read(PUBLIC)
    view = public.entity("v-feed")
    assert view is not None and view.caption == "FEED SHIP"
    assert {s.source_id for s in view.statements} == {"(restricted source)"}
    assert public.sources() == [] and public.stats()["sources"] == 0
    cleared = store.read(Viewer("kor-mofa", "KOR"))
    assert {s.source_id for s in cleared.entity("v-feed").statements} == {"partner_feed:2024-05-01"}  # type: ignore[union-attr]


def test_a_large_write_refreshes_the_planner_statistics_on_postgresql(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After an import of many rows PostgreSQL's statistics are refreshed at once, not
    when autovacuum gets there: without them, the first walks after a 1 M-entity import
    were planned for an empty table. A small write leaves them to autovacuum."""
    if store.engine.dialect.name != "postgresql":
        pytest.skip("SQLite plans without statistics")
    from sqlalchemy import text as sql

    from watchkeeper.store import core

    def analysed() -> bool:
        with store.engine.connect() as conn:
            return bool(
                conn.execute(
                    sql("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'statement'")
                ).scalar()
            )

    write(store, [entity("Person", "p-small", "small", name="Small Write")], source("small"))
    assert not analysed()
    monkeypatch.setattr(core, "ANALYZE_AFTER_ROWS", 2)
    write(store, [entity("Person", "p-large", "large", name="Large Write")], source("large"))
    assert analysed()
