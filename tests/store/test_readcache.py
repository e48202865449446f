"""The read path's per-state cache (store/readcache.py): never stale, never another
viewer's. Runs on SQLite and on PostgreSQL (fixture ``store``)."""

from __future__ import annotations

import pytest

from tests.helpers import entity, source, write
from watchkeeper.model.marking import Marking, Viewer
from watchkeeper.store import Store
from watchkeeper.store import reader as reader_module
from watchkeeper.store.judgments import insert_judgments

PUBLIC = Viewer("anyone", "BRA")
ALSO_PUBLIC = Viewer("someone-else", "BRA")
KOR = Viewer("kor-mofa", "KOR")
OWNED_GREEN = Marking.make("GREEN", originator="kor-mofa")
KOR_ONLY = Marking.make("AMBER", originator="kor-mofa", recipients="kor-mofa")


def _world(store: Store) -> None:
    broker = entity("Person", "p-broker", name="Shadow Broker")
    ship = entity("Vessel", "v-ship", name="PLAIN SHIP")
    link = entity("Ownership", "own-1", owner="p-broker", asset="v-ship")
    secret = entity("Company", "c-secret", name="Secret Front LLC")
    write(store, [ship, link, (broker, OWNED_GREEN), (secret, KOR_ONLY)])


def _sees_broker(store: Store, viewer: Viewer) -> bool:
    reader = store.read(viewer)
    answers = {
        reader.entity("p-broker") is not None,
        reader.search("Shadow").total == 1,
        bool(reader.existing_among(["p-broker"])),
        "p-broker" in (reader.entity("own-1").entity.get("owner") or []),  # type: ignore[union-attr]
        [v.id for v in reader.referencing("p-broker")] == ["own-1"],
        ("p-broker", 1) in reader.most_referenced(),
    }
    assert len(answers) == 1, "every read path answers alike"
    return answers.pop()


def test_a_remarking_is_read_by_the_next_request(store: Store) -> None:
    _world(store)
    assert _sees_broker(store, PUBLIC)  # the cache holds PUBLIC's answers now
    ids = store.read(KOR).statement_ids("p-broker")
    store.remark(KOR, ids, KOR_ONLY, by="test", reason="source protection", owner_org="local")
    assert not _sees_broker(store, PUBLIC)
    assert _sees_broker(store, KOR)
    assert store.read(PUBLIC).stats()["entities"] == 2  # the ship and the ownership


def test_a_retraction_is_read_by_the_next_request(store: Store) -> None:
    _world(store)
    assert _sees_broker(store, PUBLIC) and _sees_broker(store, KOR)
    ids = store.read(KOR).statement_ids("p-broker", "name")
    store.retract(KOR, ids, by="test", reason="wrong", owner_org="local")
    assert not _sees_broker(store, PUBLIC)
    assert not _sees_broker(store, KOR)


def test_two_organisations_through_one_store_keep_their_own_answers(store: Store) -> None:
    _world(store)
    for _ in range(2):  # in both orders, with the cache filled by the other
        for viewer, sees in ((KOR, True), (PUBLIC, False), (KOR, True)):
            reader = store.read(viewer)
            assert (reader.entity("c-secret") is not None) is sees
            assert (reader.search("Secret").total == 1) is sees
            assert (reader.stats()["entities"] == 4) is sees
    # Readers share an answer only when they may see the same markings.
    assert store.read(PUBLIC).existence() is store.read(ALSO_PUBLIC).existence()
    assert store.read(PUBLIC).existence() is not store.read(KOR).existence()
    assert "c-secret" not in store.read(PUBLIC).existence().existing


def test_every_write_moves_the_state_and_with_it_the_answers(store: Store) -> None:
    _world(store)
    before = store.read(PUBLIC)
    first = before.existence()
    assert store.read(PUBLIC).existence() is first  # computed once per state
    write(store, [entity("Vessel", "v-new", "other", name="NEW SHIP")], source("other"))
    after = store.read(PUBLIC)
    assert after.stamp != before.stamp and after.existence() is not first
    assert after.entity("v-new") is not None
    assert [s["id"] for s in after.sources()] == ["other:2024-01-01", "test:2024-01-01"]
    # A judgment adds a marking without writing statements: the state moves too, so the
    # viewers cleared for it see the markings it brings.
    stamp = store.read(KOR).stamp
    new_mark = Marking.make("RED", originator="kor-mofa")
    insert_judgments(
        store,
        [
            {
                "left_id": "p-broker",
                "right_id": "v-ship",
                "verdict": "negative",
                "organisation": "kor-mofa",
                "decided_by": "test",
                "decided_at": "2024-01-01T00:00:00",
                "reason": "test",
                "marking": new_mark,
            }
        ],
    )
    kor = store.read(KOR)
    assert kor.stamp != stamp
    new_id = next(i for i, m in store.markings().items() if m == new_mark)
    assert new_id in kor.marking_ids and new_id not in store.read(PUBLIC).marking_ids


def test_sources_are_each_viewers_own(store: Store) -> None:
    restricted = source("partner", "2024-05-01", KOR_ONLY)
    write(store, [(entity("Vessel", "v-feed", "partner", name="FEED"), Marking())], restricted)
    write(store, [entity("Vessel", "v-open", name="OPEN")])
    for _ in range(2):
        assert [s["id"] for s in store.read(KOR).sources()] == [
            "partner:2024-05-01",
            "test:2024-01-01",
        ]
        assert [s["id"] for s in store.read(PUBLIC).sources()] == ["test:2024-01-01"]
        feed = store.read(PUBLIC).entity("v-feed")
        assert feed is not None and {s.source_id for s in feed.statements} == {
            "(restricted source)"
        }
    # what a caller does with its list does not change the next reader's
    store.read(KOR).sources()[0]["title"] = "changed"
    assert store.read(KOR).sources()[0]["title"] == "partner release 2024-05-01"


def _world_with_a_dangling_link(store: Store) -> None:
    _world(store)
    # a public link to the company PUBLIC may not see: its id dangles for PUBLIC
    write(
        store,
        [entity("Ownership", "own-2", "links", owner="c-secret", asset="v-ship")],
        source("links"),
    )


def test_many_dangling_ids_go_to_sql_as_one_list_with_the_same_answers(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    _world_with_a_dangling_link(store)

    def answers() -> tuple[object, ...]:
        reader = store.read(PUBLIC)
        return (
            reader.search("S").total,
            reader.most_referenced(),
            reader.stats(),
            reader.entity_ids("Thing"),
            [(s.statement.entity_id, s.statement.prop) for s in reader.statements()],
        )

    listed = answers()
    assert store.read(PUBLIC).existence().dangling == ("c-secret",)
    monkeypatch.setattr(reader_module, "DANGLING_IN_SQL", -1)
    assert answers() == listed


def test_a_large_store_walks_existence_from_the_ids_at_hand_with_the_same_answers(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    _world_with_a_dangling_link(store)

    def answers() -> tuple[object, ...]:
        reader = store.read(PUBLIC)
        ids = ["c-secret", "v-ship", "own-2", "nobody"]
        return (
            reader.small,
            reader.search("S").total,
            reader.entity_ids("Thing"),
            sorted(reader.existing_among(ids)),
            [v.id for v in reader.entities(ids)],
            [v.id for v in reader.referencing("v-ship")],
            [(s.statement.entity_id, s.statement.prop) for s in reader.statements(ids)],
        )

    small = answers()
    monkeypatch.setattr(reader_module, "WHOLE_EXISTENCE_UP_TO", 0)
    store.read_cache.clear()
    large = answers()
    assert small[0] is True and large[0] is False
    assert large[1:] == small[1:]
    # the large store's dangling ids come from one query, not the whole answer in memory
    assert store.read(PUBLIC).dangling() == ("c-secret",)
    assert "c-secret" not in small[3]
